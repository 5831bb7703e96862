// hourglass/training/optimizers/sgd.hpp — stochastic gradient descent with momentum.
//
// PyTorch's torch.optim.SGD (dampening 0):  b = mu b + g  (b = g on the first step),
//   p = p - lr b            or, with nesterov, p = p - lr (g + mu b).
// Decoupled weight decay (if > 0) first shrinks p by (1 - lr wd).
#pragma once

#include "optimizer.hpp"

namespace hourglass {

struct SGDOptions {
  double learning_rate = 1e-2;
  double momentum = 0.0;
  bool nesterov = false;
  double weight_decay = 0.0;  ///< decoupled: p *= 1 - lr * weight_decay before the update
};

template <class Scalar_ = float>
class SGD {
 public:
  using Scalar = Scalar_;
  static constexpr std::string_view name = "sgd";

  explicit SGD(SGDOptions options = {}) : options_(options) {
    detail::require_learning_rate(name, options.learning_rate);
    detail::require_in_unit_interval(name, "momentum", options.momentum);
    detail::require_non_negative(name, "weight_decay", options.weight_decay);
    detail::require(!options.nesterov || options.momentum > 0, "sgd: nesterov needs momentum > 0");
  }

  void step(ParameterBuffer<Scalar>& buffer) {
    Vector<Scalar>& p = buffer.values;
    const Vector<Scalar>& g = buffer.gradients;
    const Scalar lr = static_cast<Scalar>(options_.learning_rate);
    if (options_.weight_decay > 0) p.array() *= Scalar(1) - lr * static_cast<Scalar>(options_.weight_decay);
    if (options_.momentum > 0) {
      detail::ensure_state(velocity_, buffer.size(), name);
      const Scalar mu = static_cast<Scalar>(options_.momentum);
      velocity_.array() = mu * velocity_.array() + g.array();
      if (options_.nesterov) {
        p.array() -= lr * (g.array() + mu * velocity_.array());
      } else {
        p.array() -= lr * velocity_.array();
      }
    } else {
      p.array() -= lr * g.array();
    }
    ++steps_;
  }

  double learning_rate() const { return options_.learning_rate; }
  void set_learning_rate(double lr) {
    detail::require_learning_rate(name, lr);
    options_.learning_rate = lr;
  }
  long long steps() const { return steps_; }
  const SGDOptions& options() const { return options_; }
  const Vector<Scalar>& velocity() const { return velocity_; }

 private:
  SGDOptions options_;
  Vector<Scalar> velocity_;
  long long steps_ = 0;
};

}  // namespace hourglass
