// hourglass/objectives/losses.hpp — reconstruction losses.
//
// Reduction: every loss is a MEAN OVER ALL ELEMENTS of the batch (rows x samples), like
// PyTorch's default reduction='mean'. Hinton's metric (sum over pixels, mean over samples) is in
// objectives/metrics.hpp. Gradients (docs/backprop.md), with N = rows * samples:
//   MSE  L = (1/N) sum (a - y)^2                         dL/da = 2 (a - y) / N
//   BCE  L = -(1/N) sum [y log a + (1 - y) log(1 - a)]   dL/da = (a - y) / (a (1 - a) N)
//   BCE from logits, a = sigmoid(z):
//        L = (1/N) sum [max(z, 0) - z y + log1p(exp(-|z|))]     dL/dz = (a - y) / N
// The logit form never takes the log of 0. The probability form (any other output activation)
// clamps each log at -100 and a(1-a) at 1e-12, as PyTorch's BCELoss does.
// Every entry point checks that output, target (and gradient buffer) have the same non-empty
// shape and throws std::invalid_argument naming both shapes otherwise.
#pragma once

#include "../core/activations.hpp"
#include "../core/config.hpp"
#include "loss.hpp"

#include <concepts>
#include <string_view>

namespace hourglass {

struct MeanSquaredError {
  static constexpr std::string_view name = "mse";
  template <class OutputActivation>
  static constexpr bool uses_logits = false;

  template <class A, class Y>
  static typename A::Scalar value(const Eigen::MatrixBase<A>& a, const Eigen::MatrixBase<Y>& y) {
    using S = typename A::Scalar;
    detail::require_same_shape("MeanSquaredError::value", "the output", a, "the target", y);
    return (a - y.template cast<S>()).squaredNorm() / static_cast<S>(a.size());
  }

  /// Writes dL/dA into g and returns L.
  template <class A, class Y, class G>
  static typename A::Scalar value_and_gradient(const A& a, const Y& y, G&& g) {
    using S = typename A::Scalar;
    detail::require_same_shape("MeanSquaredError::value_and_gradient", "the output", a, "the target", y);
    detail::require_same_shape("MeanSquaredError::value_and_gradient", "the output", a, "the gradient buffer", g);
    const S n = static_cast<S>(a.size());
    const S scale = S(2) / n;
    S sum = 0;
    // One pass, a column at a time (the batch is larger than L1; three whole-matrix passes were
    // three trips through memory).
    for (Index j = 0; j < a.cols(); ++j) {
      g.col(j) = a.col(j) - y.col(j);
      sum += g.col(j).squaredNorm();
      g.col(j) *= scale;
    }
    return sum / n;
  }
};

struct BinaryCrossEntropy {
  static constexpr std::string_view name = "bce";
  /// Targets are probabilities: fit and evaluate refuse others (a negative loss falling without
  /// bound otherwise, the model learning to output 1).
  static constexpr TargetRange target_range{0.0, 1.0};
  /// Outputs are probabilities: a model whose output activation is not in (0, 1) (Identity,
  /// ReLU, Tanh, Softplus) does not compile with BCE.
  static constexpr bool needs_probability_output = true;
  /// With a sigmoid output layer, the loss is computed from its logits.
  template <class OutputActivation>
  static constexpr bool uses_logits = std::same_as<OutputActivation, Sigmoid>;

  template <class A, class Y>
  static typename A::Scalar value(const Eigen::MatrixBase<A>& a, const Eigen::MatrixBase<Y>& y) {
    using S = typename A::Scalar;
    detail::require_same_shape("BinaryCrossEntropy::value", "the output", a, "the target", y);
    const S floor(-100);
    return -(y.template cast<S>().array() * a.array().log().max(floor) +
             (S(1) - y.template cast<S>().array()) * (S(1) - a.array()).log().max(floor))
                .sum() /
           static_cast<S>(a.size());
  }

  template <class A, class Y, class G>
  static typename A::Scalar value_and_gradient(const A& a, const Y& y, G&& g) {
    using S = typename A::Scalar;
    detail::require_same_shape("BinaryCrossEntropy::value_and_gradient", "the output", a, "the target", y);
    detail::require_same_shape("BinaryCrossEntropy::value_and_gradient", "the output", a, "the gradient buffer", g);
    const S n = static_cast<S>(a.size());
    g = ((a - y).array() / (a.array() * (S(1) - a.array())).max(S(1e-12)) / n).matrix();
    return value(a, y);
  }

  template <class Z, class Y>
  static typename Z::Scalar value_from_logits(const Eigen::MatrixBase<Z>& z, const Eigen::MatrixBase<Y>& y) {
    using S = typename Z::Scalar;
    detail::require_same_shape("BinaryCrossEntropy::value_from_logits", "the logit matrix", z, "the target", y);
    return (z.array().max(S(0)) - z.array() * y.template cast<S>().array() + (-z.array().abs()).exp().log1p()).sum() /
           static_cast<S>(z.size());
  }

  /// Writes dL/dZ = (A - Y)/N into g (A = sigmoid(Z)) and returns L computed from Z.
  template <class Z, class A, class Y, class G>
  static typename A::Scalar value_and_logit_gradient(const Z& z, const A& a, const Y& y, G&& g) {
    using S = typename A::Scalar;
    detail::require_same_shape("BinaryCrossEntropy::value_and_logit_gradient", "the logit matrix", z, "the output", a);
    detail::require_same_shape("BinaryCrossEntropy::value_and_logit_gradient", "the output", a, "the target", y);
    detail::require_same_shape("BinaryCrossEntropy::value_and_logit_gradient", "the output", a, "the gradient buffer", g);
    g = (a - y) / static_cast<S>(a.size());
    return value_from_logits(z, y);
  }
};

using MSE = MeanSquaredError;
using BCE = BinaryCrossEntropy;

}  // namespace hourglass
