// hourglass/training/optimizers/adam.hpp — Adam (Kingma & Ba 2015), as torch.optim.Adam/AdamW.
//
//   t = t + 1                                   once per step, for the whole model
//   m = b1 m + (1 - b1) g,   v = b2 v + (1 - b2) g^2
//   p = p - (lr / (1 - b1^t)) m / (sqrt(v) / sqrt(1 - b2^t) + eps)
// Decoupled weight decay (AdamW) first shrinks p by (1 - lr wd). Defaults are PyTorch's.
#pragma once

#include "optimizer.hpp"

#include <cmath>

namespace hourglass {

struct AdamOptions {
  double learning_rate = 1e-3;
  double beta1 = 0.9;
  double beta2 = 0.999;
  double epsilon = 1e-8;
  double weight_decay = 0.0;  ///< decoupled (AdamW)
};

template <class Scalar_ = float>
class Adam : public detail::OptimizerCore<Scalar_> {
 public:
  using Scalar = Scalar_;
  static constexpr std::string_view name = "adam";

  explicit Adam(AdamOptions options = {}) : options_(options) {
    detail::require_learning_rate(name, options.learning_rate);
    detail::require_in_unit_interval(name, "beta1", options.beta1);
    detail::require_in_unit_interval(name, "beta2", options.beta2);
    detail::require_positive(name, "epsilon", options.epsilon);
    detail::require_non_negative(name, "weight_decay", options.weight_decay);
  }

  void step(ParameterBuffer<Scalar>& buffer) {
    this->begin_step(buffer, name);
    detail::ensure_state(m_, buffer.size(), name);
    detail::ensure_state(v_, buffer.size(), name);
    const double t = static_cast<double>(this->steps_);
    const Scalar b1 = static_cast<Scalar>(options_.beta1);
    const Scalar b2 = static_cast<Scalar>(options_.beta2);
    const Scalar step_size = static_cast<Scalar>(options_.learning_rate / (1.0 - std::pow(options_.beta1, t)));
    const Scalar inv_sqrt_bc2 = static_cast<Scalar>(1.0 / std::sqrt(1.0 - std::pow(options_.beta2, t)));
    const Scalar eps = static_cast<Scalar>(options_.epsilon);
    const Scalar decay = static_cast<Scalar>(1.0 - options_.learning_rate * options_.weight_decay);
    detail::for_each_chunk(buffer.size(), [&](Index i, Index len) {
      ArrayMap<Scalar> p(buffer.values.data() + i, len), m(m_.data() + i, len), v(v_.data() + i, len);
      const ConstArrayMap<Scalar> g(buffer.gradients.data() + i, len);
      if (options_.weight_decay > 0) p *= decay;
      m = b1 * m + (Scalar(1) - b1) * g;
      v = b2 * v + (Scalar(1) - b2) * g.square();
      p -= step_size * m / (v.sqrt() * inv_sqrt_bc2 + eps);
    });
  }

  double learning_rate() const { return options_.learning_rate; }
  void set_learning_rate(double lr) {
    detail::require_learning_rate(name, lr);
    options_.learning_rate = lr;
  }
  const AdamOptions& options() const { return options_; }
  /// State, for saving and resuming: first and second moments (empty before the first step).
  const Vector<Scalar>& first_moment() const { return m_; }
  const Vector<Scalar>& second_moment() const { return v_; }
  static constexpr std::array<std::string_view, 2> state_names{"first_moment", "second_moment"};
  std::array<const Vector<Scalar>*, 2> state() const { return {&m_, &v_}; }
  /// Puts back saved state (in state_names' order) and the step count; binds on the next step.
  void restore_state(std::array<Vector<Scalar>, 2> parts, long long steps) {
    detail::require_consistent_state(name, parts, steps, true);
    m_ = std::move(parts[0]);
    v_ = std::move(parts[1]);
    this->steps_ = steps;
  }
  /// Forgets moments, step count and the model it was bound to.
  void reset() {
    m_.resize(0);
    v_.resize(0);
    this->reset_core();
  }

 private:
  AdamOptions options_;
  Vector<Scalar> m_, v_;
};

}  // namespace hourglass
