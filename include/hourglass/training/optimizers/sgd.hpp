// hourglass/training/optimizers/sgd.hpp — stochastic gradient descent with momentum.
//
// PyTorch's torch.optim.SGD (dampening 0):  b = mu b + g  (b = g on the first step),
//   p = p - lr b            or, with nesterov, p = p - lr (g + mu b).
// Decoupled weight decay (if > 0) first shrinks p by (1 - lr wd).
// With momentum_schedule, step t (0-based) uses mu_t = min(1 - 2^(-1 - log2(floor(t / 250) + 1)), mu)
// = min(1 - 1 / (2 (floor(t / 250) + 1)), mu): 0.5, 0.75, 0.833, 0.875, ... up to `momentum` —
// Sutskever, Martens, Dahl & Hinton (2013), "On the importance of initialization and momentum in
// deep learning", eq. (5), the schedule with which they trained this library's `hinton` autoencoder.
#pragma once

#include "optimizer.hpp"

namespace hourglass {

struct SGDOptions {
  double learning_rate = 1e-2;
  double momentum = 0.0;
  bool nesterov = false;
  double weight_decay = 0.0;  ///< decoupled: p *= 1 - lr * weight_decay before the update
  /// Sutskever et al. (2013) eq. (5): the momentum rises 0.5, 0.75, 0.833, ... every
  /// momentum_period steps, up to `momentum` (which then is the maximum).
  bool momentum_schedule = false;
  int momentum_period = 250;  ///< steps per rung of the schedule (the paper's 250)
};

template <class Scalar_ = float>
class SGD : public detail::OptimizerCore<Scalar_> {
 public:
  using Scalar = Scalar_;
  static constexpr std::string_view name = "sgd";

  explicit SGD(SGDOptions options = {}) : options_(options) {
    detail::require_learning_rate(name, options.learning_rate);
    detail::require_in_unit_interval(name, "momentum", options.momentum);
    detail::require_non_negative(name, "weight_decay", options.weight_decay);
    detail::require(!options.nesterov || options.momentum > 0, "sgd: nesterov needs momentum > 0");
    detail::require(!options.momentum_schedule || options.momentum > 0, "sgd: momentum_schedule needs momentum > 0 (its maximum)");
    detail::require(options.momentum_period >= 1, "sgd: momentum_period must be >= 1, got ", options.momentum_period);
  }

  /// The momentum of step `step` (0-based): `momentum`, or under momentum_schedule
  /// min(1 - 1 / (2 (floor(step / momentum_period) + 1)), momentum).
  double momentum_at(long long step) const {
    if (!options_.momentum_schedule) return options_.momentum;
    const double rung = static_cast<double>(step / options_.momentum_period) + 1.0;
    return std::min(1.0 - 0.5 / rung, options_.momentum);
  }

  void step(ParameterBuffer<Scalar>& buffer) {
    this->begin_step(buffer, name);
    const Scalar lr = static_cast<Scalar>(options_.learning_rate);
    const Scalar decay = Scalar(1) - lr * static_cast<Scalar>(options_.weight_decay);
    const Scalar mu = static_cast<Scalar>(momentum_at(this->steps() - 1));  // steps() counts this step
    if (options_.momentum > 0) detail::ensure_state(velocity_, buffer.size(), name);
    detail::for_each_chunk(buffer.size(), [&](Index i, Index len) {
      ArrayMap<Scalar> p(buffer.values.data() + i, len);
      const ConstArrayMap<Scalar> g(buffer.gradients.data() + i, len);
      if (options_.weight_decay > 0) p *= decay;
      if (options_.momentum > 0) {
        ArrayMap<Scalar> b(velocity_.data() + i, len);
        b = mu * b + g;
        if (options_.nesterov) {
          p -= lr * (g + mu * b);
        } else {
          p -= lr * b;
        }
      } else {
        p -= lr * g;
      }
    });
  }

  double learning_rate() const { return options_.learning_rate; }
  void set_learning_rate(double lr) {
    detail::require_learning_rate(name, lr);
    options_.learning_rate = lr;
  }
  const SGDOptions& options() const { return options_; }
  /// State, for saving and resuming: the momentum buffer (empty without momentum).
  const Vector<Scalar>& velocity() const { return velocity_; }
  static constexpr std::array<std::string_view, 1> state_names{"velocity"};
  std::array<const Vector<Scalar>*, 1> state() const { return {&velocity_}; }
  /// Puts back saved state (in state_names' order) and the step count; binds on the next step.
  void restore_state(std::array<Vector<Scalar>, 1> parts, long long steps) {
    detail::require_consistent_state(name, parts, steps, false);
    velocity_ = std::move(parts[0]);
    this->steps_ = steps;
  }
  /// Forgets the velocity, step count and the model it was bound to.
  void reset() {
    velocity_.resize(0);
    this->reset_core();
  }

 private:
  SGDOptions options_;
  Vector<Scalar> velocity_;
};

}  // namespace hourglass
