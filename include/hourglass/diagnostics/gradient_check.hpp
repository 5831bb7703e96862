// hourglass/diagnostics/gradient_check.hpp — finite-difference gradient checks (public API):
// check_gradient (any function), check_layer_gradient (one layer type, core/layer.hpp) and
// check_model_gradient (a whole double-precision model with its loss and penalties).
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
#include "../core/layer.hpp"
#include "../core/random.hpp"

#include <array>
#include <limits>
#include <vector>

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

/// What check_layer_gradient found: the worst component of dL/dX and of dL/d(parameters), and
/// the two paths of the contract that a model uses but a lone layer does not.
struct LayerGradientCheck {
  GradientCheck input;       ///< dL/dX (every input entry of every sample)
  GradientCheck parameters;  ///< every parameter block, borrowed ones included, in block order
  /// backward<Tanh> against backward<Identity> .* (1 - x^2): the layer applies the derivative of
  /// the activation below to dX (apply_below) — largest absolute difference.
  double below_activation_error = 0;
  /// forward<true>: Act(Z) against Y, Z being what the layer wrote as logits (largest absolute
  /// difference; BCE reads those logits for a sigmoid output layer).
  double logits_error = 0;
  double max_relative_error() const {
    return std::max({input.max_relative_error, parameters.max_relative_error, below_activation_error, logits_error});
  }
};

/// Checks one layer type's backward() against its forward() (core/layer.hpp), in double, with
/// no model around it: draws X (in_size x samples) and the parameters uniformly from [-scale,
/// scale] (seeded), a fixed upstream gradient R, and differentiates L(X, p) = sum(R .* Y) with
/// Y = forward(X) — the analytic side runs backward() on dL/dZ = R .* act'(Y) with BelowAct =
/// Identity, so dX is dL/dX itself. Then the two paths a lone layer does not exercise: backward
/// with BelowAct = Tanh (dX .* (1 - x^2), apply_below) and forward<true> (the logits Z, Act(Z) = Y).
/// Returns the worst relative errors. Every layer in hourglass passes with < 1e-6; run it on your
/// own layer types, then check_model_gradient on a model that uses them.
template <Layer L>
LayerGradientCheck check_layer_gradient(Index samples = 3, std::uint64_t seed = 1, double scale = 1.0,
                                        double step = 1e-5) {
  static_assert(detail::ParameterBlocksAreValid<L>::value);
  detail::require(samples >= 1, "check_layer_gradient: samples must be >= 1, got ", samples);
  constexpr Index in = L::input_shape::size, out = L::output_shape::size;
  constexpr std::size_t count = block_count<L>;
  Random rng(seed);
  auto draw = [&](Eigen::VectorXd& v) {
    for (Index i = 0; i < v.size(); ++i) v[i] = rng.uniform(-scale, scale);
  };
  // Parameters: every block in one vector (a borrowed block gets storage of its own here).
  std::array<Index, max_parameter_blocks> offset{};
  Index total = 0;
  for (std::size_t b = 0; b < count; ++b) {
    offset[b] = total;
    total += L::parameter_blocks[b].size();
  }
  Eigen::VectorXd p(total), x(in * samples), r(out * samples);
  draw(p);
  draw(x);
  draw(r);
  auto blocks = [&](const Eigen::VectorXd& v) {
    Blocks<const double> c;
    for (std::size_t b = 0; b < count; ++b) c.data[b] = v.data() + offset[b];
    return c;
  };
  Eigen::MatrixXd y(out, samples), z(out, samples);
  auto objective = [&](const Eigen::VectorXd& params, const Eigen::VectorXd& input) {
    const InputMap<double> xin(input.data(), in, samples, Eigen::OuterStride<>(in));
    L::template forward<false>(blocks(params), xin, MatrixMap<double>(y.data(), out, samples),
                               MatrixMap<double>(z.data(), out, samples));
    return (Eigen::Map<const Eigen::MatrixXd>(r.data(), out, samples).array() * y.array()).sum();
  };
  // Analytic: dL/dY = R, dL/dZ = R .* act'(Y), then backward.
  objective(p, x);
  Eigen::MatrixXd g = Eigen::Map<const Eigen::MatrixXd>(r.data(), out, samples);
  g.array() *= L::activation::derivative(y.array());
  Eigen::VectorXd dp = Eigen::VectorXd::Zero(total);
  Eigen::MatrixXd dx(in, samples);
  GradientBlocks<double> grads;
  for (std::size_t b = 0; b < count; ++b) grads.data[b] = dp.data() + offset[b];
  MatrixMap<double> dx_map(dx.data(), in, samples);
  const InputMap<double> xin(x.data(), in, samples, Eigen::OuterStride<>(in));
  L::template backward<Identity>(blocks(p), xin, MatrixMap<double>(y.data(), out, samples),
                                 MatrixMap<double>(g.data(), out, samples), grads, &dx_map);
  LayerGradientCheck result;
  const Eigen::VectorXd dx_flat = Eigen::Map<const Eigen::VectorXd>(dx.data(), dx.size());
  result.input = check_gradient([&](const Eigen::VectorXd& v) { return objective(p, v); }, x, dx_flat, step);
  if (total > 0) result.parameters = check_gradient([&](const Eigen::VectorXd& v) { return objective(v, x); }, p, dp, step);

  // The same backward with a tanh layer below: dX must come out multiplied by 1 - x^2.
  Eigen::MatrixXd g2 = Eigen::Map<const Eigen::MatrixXd>(r.data(), out, samples);
  objective(p, x);
  g2.array() *= L::activation::derivative(y.array());
  Eigen::VectorXd dp2 = Eigen::VectorXd::Zero(total);
  GradientBlocks<double> grads2;
  for (std::size_t b = 0; b < count; ++b) grads2.data[b] = dp2.data() + offset[b];
  Eigen::MatrixXd dx_below(in, samples);
  MatrixMap<double> below_map(dx_below.data(), in, samples);
  L::template backward<Tanh>(blocks(p), xin, MatrixMap<double>(y.data(), out, samples),
                             MatrixMap<double>(g2.data(), out, samples), grads2, &below_map);
  const Eigen::MatrixXd expected = dx.array() * (1.0 - Eigen::Map<const Eigen::MatrixXd>(x.data(), in, samples).array().square());
  const double below_scale = std::max(expected.cwiseAbs().maxCoeff(), 1e-300);
  result.below_activation_error = (dx_below - expected).cwiseAbs().maxCoeff() / below_scale;

  // The logits path: forward<true> writes Z, and Act(Z) is Y.
  Eigen::MatrixXd y2(out, samples), z2 = Eigen::MatrixXd::Constant(out, samples, std::numeric_limits<double>::quiet_NaN());
  L::template forward<true>(blocks(p), xin, MatrixMap<double>(y2.data(), out, samples),
                            MatrixMap<double>(z2.data(), out, samples));
  const Eigen::MatrixXd from_logits = L::activation::apply(z2.array()).matrix();
  const double logits_scale = std::max(y2.cwiseAbs().maxCoeff(), 1.0);
  result.logits_error = from_logits.allFinite() ? (from_logits - y2).cwiseAbs().maxCoeff() / logits_scale
                                                : std::numeric_limits<double>::infinity();
  return result;
}

}  // namespace hourglass
