// hourglass/objectives/likelihoods.hpp — negative log-likelihoods -log p(x | decoder output),
// the reconstruction term of a VAE's ELBO (model/vae.hpp; docs/vae.md).
//
// Reduction (the Likelihood concept, objectives/loss.hpp): SUM over a sample's D features, MEAN
// over the n samples of the batch, in nats per sample. That is PyTorch's VAE example's
// `F.binary_cross_entropy(..., reduction='sum')` divided by the batch size, and Keras'
// `binary_crossentropy(...) * 784`. Gradients, with A the decoder's output (D x n):
//   Bernoulli, A = sigmoid(Z):  L = (1/n) sum_ij [max(z,0) - z y + log1p(exp(-|z|))]
//                               dL/dZ = (A - Y) / n                (from logits only)
//   Gaussian, fixed sigma:      L = (1/n) sum_ij (a - y)^2 / (2 sigma^2) + (D/2) log(2 pi sigma^2)
//                               dL/dA = (A - Y) / (sigma^2 n)
// Compared with objectives/losses.hpp: Bernoulli = D x BCE, Gaussian = D/(2 sigma^2) x MSE + const.
// Every entry point checks that output, target (and gradient buffer) have the same non-empty shape.
#pragma once

#include "../core/activations.hpp"
#include "../core/config.hpp"
#include "loss.hpp"
#include "losses.hpp"

#include <cmath>
#include <concepts>
#include <numbers>
#include <string>
#include <string_view>

namespace hourglass {

/// p(x | z) = prod_i Bernoulli(x_i; sigmoid(z_i)): binary (or grey-level in [0, 1]) data, with a
/// Sigmoid output layer whose logits it works from (never the log of 0). Grey levels make it a
/// "continuous Bernoulli" without its normaliser — the usual MNIST convention (PyTorch's example,
/// Kingma & Welling 2014 used binarised data); results in nats are comparable only under one
/// convention, so docs/vae.md says which data each figure used.
struct BernoulliLikelihood {
  static constexpr std::string_view name = "bernoulli";
  static constexpr bool sums_over_features = true;
  static constexpr TargetRange target_range{0.0, 1.0};
  static constexpr bool needs_probability_output = true;
  template <class OutputActivation>
  static constexpr bool uses_logits = std::same_as<OutputActivation, Sigmoid>;

  void validate() const {}
  std::string describe() const { return "bernoulli"; }
  bool operator==(const BernoulliLikelihood&) const = default;

  /// r(j) = -log p(y_j | z_j) = sum_i [max(z,0) - z y + log1p(exp(-|z|))] over column j.
  template <class Z, class Y, class R>
  static void per_sample(const Z& z, const Y& y, R&& r) {
    using S = typename Z::Scalar;
    detail::require_same_shape("BernoulliLikelihood::per_sample", "the logit matrix", z, "the target", y);
    detail::require(r.size() == z.cols(), "BernoulliLikelihood::per_sample: expected ", z.cols(),
                    " entries for the result, got ", r.size());
    for (Index j = 0; j < z.cols(); ++j)
      r(j) = (z.col(j).array().max(S(0)) - z.col(j).array() * y.col(j).template cast<S>().array() +
              (-z.col(j).array().abs()).exp().log1p())
                 .sum();
  }
  // The values are D x BCE's per-element means (objectives/losses.hpp), whose shape checks they
  // share; the logit gradient is written directly, in one pass.
  template <class Z, class Y>
  static typename Z::Scalar value_from_logits(const Eigen::MatrixBase<Z>& z, const Eigen::MatrixBase<Y>& y) {
    return BinaryCrossEntropy::value_from_logits(z, y) * static_cast<typename Z::Scalar>(z.rows());
  }
  /// Writes dL/dZ = (A - Y) / n into g and returns L (from Z). One pass over g: this runs every
  /// training step.
  template <class Z, class A, class Y, class G>
  static typename A::Scalar value_and_logit_gradient(const Z& z, const A& a, const Y& y, G&& g) {
    detail::require_same_shape("BernoulliLikelihood::value_and_logit_gradient", "the logit matrix", z, "the output", a);
    detail::require_same_shape("BernoulliLikelihood::value_and_logit_gradient", "the output", a, "the gradient buffer", g);
    g = (a - y) / static_cast<typename A::Scalar>(a.cols());
    return value_from_logits(z, y);  // checks the target's shape
  }
  /// Only a Sigmoid output layer can be a Bernoulli mean (others do not compile:
  /// needs_probability_output); these two keep the Loss concept whole and compute from A.
  template <class A, class Y>
  static typename A::Scalar value(const Eigen::MatrixBase<A>& a, const Eigen::MatrixBase<Y>& y) {
    return BinaryCrossEntropy::value(a, y) * static_cast<typename A::Scalar>(a.rows());
  }
  template <class A, class Y, class G>
  static typename A::Scalar value_and_gradient(const A& a, const Y& y, G&& g) {
    const auto rows = static_cast<typename A::Scalar>(a.rows());
    const auto value = BinaryCrossEntropy::value_and_gradient(a, y, g);
    g *= rows;
    return value * rows;
  }
};

/// p(x | z) = N(x; A, sigma^2 I) with a fixed sigma (a hyperparameter, not learnt): real-valued
/// data, any output activation (Identity is usual). Smaller sigma weighs reconstruction more
/// against the KL term, like a smaller beta.
struct GaussianLikelihood {
  static constexpr std::string_view name = "gaussian";
  static constexpr bool sums_over_features = true;
  template <class OutputActivation>
  static constexpr bool uses_logits = false;
  double sigma = 1.0;  ///< the standard deviation of every feature, in the data's units; > 0

  void validate() const {
    detail::require(std::isfinite(sigma) && sigma > 0, "GaussianLikelihood: sigma must be a finite number > 0, got ", sigma);
  }
  std::string describe() const { return detail::message("gaussian(sigma=", sigma, ")"); }
  bool operator==(const GaussianLikelihood&) const = default;

  /// r(j) = sum_i (a - y)^2 / (2 sigma^2) + (D/2) log(2 pi sigma^2) over column j.
  template <class A, class Y, class R>
  void per_sample(const A& a, const Y& y, R&& r) const {
    using S = typename A::Scalar;
    detail::require_same_shape("GaussianLikelihood::per_sample", "the output", a, "the target", y);
    detail::require(r.size() == a.cols(), "GaussianLikelihood::per_sample: expected ", a.cols(),
                    " entries for the result, got ", r.size());
    const S half_precision = static_cast<S>(0.5 / (sigma * sigma));
    const S constant = static_cast<S>(0.5 * static_cast<double>(a.rows()) * std::log(2 * std::numbers::pi * sigma * sigma));
    for (Index j = 0; j < a.cols(); ++j)
      r(j) = half_precision * (a.col(j) - y.col(j).template cast<S>()).squaredNorm() + constant;
  }
  template <class A, class Y>
  typename A::Scalar value(const Eigen::MatrixBase<A>& a, const Eigen::MatrixBase<Y>& y) const {
    using S = typename A::Scalar;
    detail::require_same_shape("GaussianLikelihood::value", "the output", a, "the target", y);
    const double sq = static_cast<double>((a - y.template cast<S>()).squaredNorm());
    return static_cast<S>(sq / (2 * sigma * sigma) / static_cast<double>(a.cols()) + constant(a.rows()));
  }
  /// Writes dL/dA = (A - Y) / (sigma^2 n) into g and returns L.
  template <class A, class Y, class G>
  typename A::Scalar value_and_gradient(const A& a, const Y& y, G&& g) const {
    using S = typename A::Scalar;
    detail::require_same_shape("GaussianLikelihood::value_and_gradient", "the output", a, "the target", y);
    detail::require_same_shape("GaussianLikelihood::value_and_gradient", "the output", a, "the gradient buffer", g);
    const S scale = static_cast<S>(1.0 / (sigma * sigma * static_cast<double>(a.cols())));
    S sum = 0;
    for (Index j = 0; j < a.cols(); ++j) {
      g.col(j) = a.col(j) - y.col(j);
      sum += g.col(j).squaredNorm();
      g.col(j) *= scale;
    }
    return static_cast<S>(static_cast<double>(sum) / (2 * sigma * sigma) / static_cast<double>(a.cols()) +
                          constant(a.rows()));
  }

 private:
  double constant(Index rows) const {
    return 0.5 * static_cast<double>(rows) * std::log(2 * std::numbers::pi * sigma * sigma);
  }
};

}  // namespace hourglass
