// hourglass/core/dense.hpp — the fully connected layer: its type, its kernels, its initialiser.
//
// Dense<In, Out, Act> is a *type*: sizes and activation are template arguments, so a chain of
// layers is checked by the compiler. It holds no data. Its parameters live in the model's flat
// parameter buffer (core/parameters.hpp); the kernels below work on Eigen::Map views into it.
//
// Samples are columns. With X (In x n), W (Out x In), b (Out):
//   forward   A = f(W X + b)                        one GEMM + one fused element-wise pass
//   backward  G = dL/dA  ->  G := G .* f'(A)        (G now holds dL/dZ, in place)
//             dW = G X^T,  db = rowsum(G),  dX = W^T G      two GEMMs + a row-sum
// See docs/backprop.md for the derivation.
#pragma once

#include "activations.hpp"
#include "config.hpp"
#include "random.hpp"

#include <cmath>
#include <concepts>
#include <cstddef>

namespace hourglass {

/// A layer type: compile-time sizes and an activation. Tested by the model's chain checks.
template <class L>
concept Layer = requires {
  { L::in } -> std::convertible_to<Index>;
  { L::out } -> std::convertible_to<Index>;
  { L::parameter_count } -> std::convertible_to<Index>;
  requires Activation<typename L::activation>;
};

template <Index In, Index Out, Activation Act = Identity>
struct Dense {
  static_assert(In > 0 && Out > 0, "Dense<In, Out>: both sizes must be positive");
  static constexpr Index in = In;
  static constexpr Index out = Out;
  using activation = Act;
  /// W (Out x In, column-major) followed by b (Out).
  static constexpr Index weight_count = In * Out;
  static constexpr Index parameter_count = In * Out + Out;
};

namespace kernels {

/// A = f(W X + b), written into A (Out x n). A must not alias X.
template <class Act, class W, class B, class X, class A>
void dense_forward(const W& w, const B& b, const X& x, A&& a) {
  a.noalias() = w * x;
  a = Act::apply(a.array().colwise() + b.array()).matrix();
}

/// The same, but also keeps the pre-activation Z (the logits) — used by the output layer, whose
/// logits feed a numerically stable binary cross-entropy.
template <class Act, class W, class B, class X, class Z, class A>
void dense_forward_keep_logits(const W& w, const B& b, const X& x, Z&& z, A&& a) {
  z.noalias() = w * x;
  z.colwise() += b;
  a = Act::apply(z.array()).matrix();
}

/// G := G .* f'(A): turns dL/dA into dL/dZ in place.
template <class Act, class A, class G>
void activation_backward(const A& a, G&& g) {
  if constexpr (!std::same_as<Act, Identity>) {
    g.array() *= Act::derivative(a.array());
  }
}

/// dW = G X^T and db = rowsum(G), given G = dL/dZ. With AccumulateWeights, dW += G X^T
/// (a weight block shared with a tied layer that has already written its part).
template <bool AccumulateWeights = false, class G, class X, class GW, class GB>
void dense_parameter_gradients(const G& g, const X& x, GW&& gw, GB&& gb) {
  if constexpr (AccumulateWeights) {
    gw.noalias() += g * x.transpose();
  } else {
    gw.noalias() = g * x.transpose();
  }
  gb.noalias() = g.rowwise().sum();
}

}  // namespace kernels

/// Fills W by the activation's scheme (Glorot/Xavier uniform or He uniform) and b with zeros.
template <Layer L, class W, class B>
void initialize_dense(Random& rng, W&& w, B&& b) {
  const double fan_in = static_cast<double>(L::in);
  const double fan_out = static_cast<double>(L::out);
  const double limit = L::activation::init == InitScheme::he_uniform ? std::sqrt(6.0 / fan_in)
                                                                      : std::sqrt(6.0 / (fan_in + fan_out));
  using S = typename std::remove_cvref_t<W>::Scalar;
  for (Index j = 0; j < w.cols(); ++j)
    for (Index i = 0; i < w.rows(); ++i) w(i, j) = static_cast<S>(rng.uniform(-limit, limit));
  b.setZero();
}

}  // namespace hourglass
