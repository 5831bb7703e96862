// hourglass/training/optimizers/rmsprop.hpp — RMSprop, as torch.optim.RMSprop (not centred).
//
//   v = alpha v + (1 - alpha) g^2
//   without momentum:  p = p - lr g / (sqrt(v) + eps)
//   with momentum mu:  b = mu b + g / (sqrt(v) + eps),  p = p - lr b
// Decoupled weight decay (if > 0) first shrinks p by (1 - lr wd). Defaults are PyTorch's.
#pragma once

#include "optimizer.hpp"

namespace hourglass {

struct RMSpropOptions {
  double learning_rate = 1e-2;
  double alpha = 0.99;
  double epsilon = 1e-8;
  double momentum = 0.0;
  double weight_decay = 0.0;  ///< decoupled
};

template <class Scalar_ = float>
class RMSprop : public detail::OptimizerCore<Scalar_> {
 public:
  using Scalar = Scalar_;
  static constexpr std::string_view name = "rmsprop";

  explicit RMSprop(RMSpropOptions options = {}) : options_(options) {
    detail::require_learning_rate(name, options.learning_rate);
    detail::require_in_unit_interval(name, "alpha", options.alpha);
    detail::require_positive(name, "epsilon", options.epsilon);
    detail::require_in_unit_interval(name, "momentum", options.momentum);
    detail::require_non_negative(name, "weight_decay", options.weight_decay);
  }

  void step(ParameterBuffer<Scalar>& buffer) {
    this->begin_step(buffer, name);
    detail::ensure_state(square_avg_, buffer.size(), name);
    const Scalar lr = static_cast<Scalar>(options_.learning_rate);
    const Scalar alpha = static_cast<Scalar>(options_.alpha);
    const Scalar eps = static_cast<Scalar>(options_.epsilon);
    const Scalar decay = Scalar(1) - lr * static_cast<Scalar>(options_.weight_decay);
    const Scalar mu = static_cast<Scalar>(options_.momentum);
    if (options_.momentum > 0) detail::ensure_state(momentum_, buffer.size(), name);
    detail::for_each_chunk(buffer.size(), [&](Index i, Index len) {
      ArrayMap<Scalar> p(buffer.values.data() + i, len), v(square_avg_.data() + i, len);
      const ConstArrayMap<Scalar> g(buffer.gradients.data() + i, len);
      if (options_.weight_decay > 0) p *= decay;
      v = alpha * v + (Scalar(1) - alpha) * g.square();
      if (options_.momentum > 0) {
        ArrayMap<Scalar> b(momentum_.data() + i, len);
        b = mu * b + g / (v.sqrt() + eps);
        p -= lr * b;
      } else {
        p -= lr * g / (v.sqrt() + eps);
      }
    });
  }

  double learning_rate() const { return options_.learning_rate; }
  void set_learning_rate(double lr) {
    detail::require_learning_rate(name, lr);
    options_.learning_rate = lr;
  }
  const RMSpropOptions& options() const { return options_; }
  /// State, for saving and resuming: the running average of g^2, the momentum buffer (empty
  /// without momentum) and the step count.
  const Vector<Scalar>& square_average() const { return square_avg_; }
  const Vector<Scalar>& momentum_buffer() const { return momentum_; }
  static constexpr std::array<std::string_view, 2> state_names{"square_average", "momentum_buffer"};
  std::array<const Vector<Scalar>*, 2> state() const { return {&square_avg_, &momentum_}; }
  /// Puts back saved state (in state_names' order) and the step count; binds on the next step.
  void restore_state(std::array<Vector<Scalar>, 2> parts, long long steps) {
    detail::require_consistent_state(name, parts, steps, false);
    detail::require(parts[1].size() == 0 || parts[0].size() == parts[1].size(), name,
                    ": inconsistent state (a momentum buffer without square averages)");
    square_avg_ = std::move(parts[0]);
    momentum_ = std::move(parts[1]);
    this->steps_ = steps;
  }
  /// Forgets its state, step count and the model it was bound to.
  void reset() {
    square_avg_.resize(0);
    momentum_.resize(0);
    this->reset_core();
  }

 private:
  RMSpropOptions options_;
  Vector<Scalar> square_avg_, momentum_;
};

}  // namespace hourglass
