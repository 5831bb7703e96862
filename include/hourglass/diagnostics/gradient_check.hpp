// hourglass/diagnostics/gradient_check.hpp — finite-difference gradient checks (public API).
//
// Use it on your own code: give a function f: R^n -> R, a point x and the gradient you computed
// there; get back the largest relative error. The derivative is taken with the fourth-order
// central stencil  f'(x) ≈ (f(x-2h) - 8 f(x-h) + 8 f(x+h) - f(x+2h)) / (12 h),  whose truncation
// error is O(h^4), so double precision reaches ~1e-10 agreement on smooth functions.
//
// Relative error of component i:  |a_i - n_i| / max(|a_i|, |n_i|, floor)  with
// floor = 1e-3 * max_j |a_j|: components a thousand times smaller than the largest are compared
// against that floor, so rounding noise in near-zero components cannot dominate the answer.
#pragma once

#include "../core/config.hpp"

#include <algorithm>
#include <cmath>

namespace hourglass {

struct GradientCheck {
  double max_relative_error = 0;
  Index worst_index = -1;  ///< the component where it occurs
  double analytic = 0;     ///< your gradient there
  double numeric = 0;      ///< the finite-difference estimate there
};

/// Compares `analytic` with the finite-difference gradient of f at x. f takes a const
/// Eigen::VectorXd& and returns a double.
template <class F>
GradientCheck check_gradient(F&& f, Eigen::VectorXd x, const Eigen::VectorXd& analytic, double step = 1e-5) {
  detail::require(analytic.size() == x.size(), "check_gradient: x has ", x.size(), " entries but the gradient has ",
                  analytic.size());
  detail::require(step > 0 && std::isfinite(step), "check_gradient: step must be > 0, got ", step);
  const double floor = std::max(1e-3 * analytic.cwiseAbs().maxCoeff(), 1e-300);
  GradientCheck result;
  for (Index i = 0; i < x.size(); ++i) {
    const double original = x[i];
    auto at = [&](double offset) {
      x[i] = original + offset;
      return static_cast<double>(f(static_cast<const Eigen::VectorXd&>(x)));
    };
    const double numeric = (at(-2 * step) - 8 * at(-step) + 8 * at(step) - at(2 * step)) / (12 * step);
    x[i] = original;
    const double a = analytic[i];
    const double error = std::abs(a - numeric) / std::max({std::abs(a), std::abs(numeric), floor});
    if (error > result.max_relative_error || result.worst_index < 0) {
      result = GradientCheck{error, i, a, numeric};
    }
  }
  return result;
}

/// Checks a whole double-precision model: the gradient of its objective (loss plus penalties)
/// on (input, target) with respect to every parameter. Corruption is not drawn, so pass the
/// corrupted input yourself to check the denoising path.
template <class Model, class L, class D1, class D2>
GradientCheck check_model_gradient(Model& model, const L& loss, const Eigen::MatrixBase<D1>& input,
                                   const Eigen::MatrixBase<D2>& target, double step = 1e-5) {
  static_assert(std::is_same_v<typename Model::Scalar, double>,
                "check_model_gradient needs a double-precision model (BasicAutoencoder<double, ...>)");
  const Eigen::MatrixXd in = input.template cast<double>();
  const Eigen::MatrixXd out = target.template cast<double>();
  model.compute_gradients(loss, in, out);
  const Eigen::VectorXd analytic = model.parameters().gradients;
  const Eigen::VectorXd saved = model.parameters().values;
  auto objective = [&](const Eigen::VectorXd& p) {
    model.parameters().values = p;
    return static_cast<double>(model.compute_gradients(loss, in, out).total());
  };
  GradientCheck result = check_gradient(objective, saved, analytic, step);
  model.parameters().values = saved;
  model.compute_gradients(loss, in, out);
  return result;
}

}  // namespace hourglass
