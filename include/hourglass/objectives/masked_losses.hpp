// hourglass/objectives/masked_losses.hpp — reconstruction losses that count only observed entries.
//
// A NaN in the target marks a missing value (the model's input gets the MissingValues policy's
// fill there instead: objectives/corruption/missing_values.hpp). With O the set of observed
// entries of the batch and N_o = |O| (a MEAN OVER OBSERVED ELEMENTS; with no missing value these
// equal MSE and BCE of objectives/losses.hpp, value and gradient):
//   MaskedMSE  L = (1/N_o) sum_O (a - y)^2                      dL/da = 2 (a - y) / N_o on O, 0 off O
//   MaskedBCE  L = -(1/N_o) sum_O [y log a + (1 - y) log(1 - a)]   dL/da = (a - y) / (a (1 - a) N_o) on O
//     from logits, a = sigmoid(z):
//              L = (1/N_o) sum_O [max(z, 0) - z y + log1p(exp(-|z|))]   dL/dz = (a - y) / N_o on O
// A batch with no observed entry has L = 0 and a zero gradient. Derivation: docs/applications.md
// ("Missing values"); finite-difference checks: tests/test_masked_losses.cpp.
#pragma once

#include "../core/activations.hpp"
#include "../core/config.hpp"
#include "loss.hpp"

#include <cmath>
#include <concepts>
#include <string_view>

namespace hourglass {

namespace detail {
/// Sum over the observed entries (target not NaN) of f(output, target), and their count.
template <class A, class Y, class F>
std::pair<double, double> sum_observed(const A& a, const Y& y, F&& f) {
  double sum = 0, count = 0;
  for (Index j = 0; j < a.cols(); ++j)
    for (Index i = 0; i < a.rows(); ++i) {
      const auto t = y(i, j);
      if (std::isnan(t)) continue;
      sum += static_cast<double>(f(a(i, j), t));
      count += 1;
    }
  return {sum, count};
}
/// g := per-entry gradient(output, target) / N_o on observed entries, 0 elsewhere; returns N_o.
template <class A, class Y, class G, class F>
double gradient_observed(const A& a, const Y& y, G& g, F&& f) {
  double count = 0;
  for (Index j = 0; j < a.cols(); ++j)
    for (Index i = 0; i < a.rows(); ++i) count += std::isnan(y(i, j)) ? 0 : 1;
  using S = typename A::Scalar;
  const S inverse = count > 0 ? static_cast<S>(1.0 / count) : S(0);
  for (Index j = 0; j < a.cols(); ++j)
    for (Index i = 0; i < a.rows(); ++i) {
      const auto t = y(i, j);
      g(i, j) = std::isnan(t) ? S(0) : static_cast<S>(f(a(i, j), t)) * inverse;
    }
  return count;
}
inline double mean_or_zero(std::pair<double, double> s) { return s.second > 0 ? s.first / s.second : 0.0; }
}  // namespace detail

struct MaskedMeanSquaredError {
  static constexpr std::string_view name = "masked_mse";
  /// NaN targets are missing values, not bad data: fit and evaluate accept them.
  static constexpr bool allows_missing_targets = true;
  template <class OutputActivation>
  static constexpr bool uses_logits = false;

  template <class A, class Y>
  static typename A::Scalar value(const Eigen::MatrixBase<A>& a, const Eigen::MatrixBase<Y>& y) {
    detail::require_same_shape("MaskedMeanSquaredError::value", "the output", a, "the target", y);
    return static_cast<typename A::Scalar>(detail::mean_or_zero(detail::sum_observed(a, y, [](auto o, auto t) {
      const double e = static_cast<double>(o) - static_cast<double>(t);
      return e * e;
    })));
  }
  template <class A, class Y, class G>
  static typename A::Scalar value_and_gradient(const A& a, const Y& y, G&& g) {
    detail::require_same_shape("MaskedMeanSquaredError::value_and_gradient", "the output", a, "the target", y);
    detail::require_same_shape("MaskedMeanSquaredError::value_and_gradient", "the output", a, "the gradient buffer", g);
    detail::gradient_observed(a, y, g, [](auto o, auto t) { return 2 * (o - t); });
    return value(a, y);
  }
};

struct MaskedBinaryCrossEntropy {
  static constexpr std::string_view name = "masked_bce";
  static constexpr bool allows_missing_targets = true;
  static constexpr TargetRange target_range{0.0, 1.0};  ///< of the observed targets
  static constexpr bool needs_probability_output = true;
  template <class OutputActivation>
  static constexpr bool uses_logits = std::same_as<OutputActivation, Sigmoid>;

  template <class A, class Y>
  static typename A::Scalar value(const Eigen::MatrixBase<A>& a, const Eigen::MatrixBase<Y>& y) {
    detail::require_same_shape("MaskedBinaryCrossEntropy::value", "the output", a, "the target", y);
    return static_cast<typename A::Scalar>(detail::mean_or_zero(detail::sum_observed(a, y, [](auto o, auto t) {
      const double p = static_cast<double>(o), q = static_cast<double>(t);
      return -(q * std::max(std::log(p), -100.0) + (1 - q) * std::max(std::log(1 - p), -100.0));
    })));
  }
  template <class A, class Y, class G>
  static typename A::Scalar value_and_gradient(const A& a, const Y& y, G&& g) {
    detail::require_same_shape("MaskedBinaryCrossEntropy::value_and_gradient", "the output", a, "the target", y);
    detail::require_same_shape("MaskedBinaryCrossEntropy::value_and_gradient", "the output", a, "the gradient buffer", g);
    using S = typename A::Scalar;
    detail::gradient_observed(a, y, g, [](S o, S t) { return (o - t) / std::max(o * (S(1) - o), S(1e-12)); });
    return value(a, y);
  }
  template <class Z, class Y>
  static typename Z::Scalar value_from_logits(const Eigen::MatrixBase<Z>& z, const Eigen::MatrixBase<Y>& y) {
    detail::require_same_shape("MaskedBinaryCrossEntropy::value_from_logits", "the logit matrix", z, "the target", y);
    return static_cast<typename Z::Scalar>(detail::mean_or_zero(detail::sum_observed(z, y, [](auto l, auto t) {
      const double v = static_cast<double>(l), q = static_cast<double>(t);
      return std::max(v, 0.0) - v * q + std::log1p(std::exp(-std::abs(v)));
    })));
  }
  /// Writes dL/dZ = (A - Y)/N_o on observed entries (0 elsewhere) and returns L from Z.
  template <class Z, class A, class Y, class G>
  static typename A::Scalar value_and_logit_gradient(const Z& z, const A& a, const Y& y, G&& g) {
    detail::require_same_shape("MaskedBinaryCrossEntropy::value_and_logit_gradient", "the logit matrix", z, "the output", a);
    detail::require_same_shape("MaskedBinaryCrossEntropy::value_and_logit_gradient", "the output", a, "the target", y);
    detail::require_same_shape("MaskedBinaryCrossEntropy::value_and_logit_gradient", "the output", a, "the gradient buffer", g);
    detail::gradient_observed(a, y, g, [](auto o, auto t) { return o - t; });
    return value_from_logits(z, y);
  }
};

using MaskedMSE = MaskedMeanSquaredError;
using MaskedBCE = MaskedBinaryCrossEntropy;

}  // namespace hourglass
