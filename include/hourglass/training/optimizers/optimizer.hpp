// hourglass/training/optimizers/optimizer.hpp — what fit() needs from an optimizer, and the
// checks of hyperparameters every optimizer shares.
//
// An optimizer owns its state (moment vectors, sized on the first step) and updates the whole
// flat parameter buffer in one pass. Its step counter advances exactly once per step().
// It is bound to the parameters of the first model it steps (ParameterBuffer::id) and refuses
// another model's, even one of the same size, until reset(). Its state is a list of named vectors
// (state_names, state(), restore_state), which is what a checkpoint holds (io/safetensors.hpp)
// together with the step count and the learning rate.
#pragma once

#include "../../core/config.hpp"
#include "../../core/parallel.hpp"
#include "../../core/parameters.hpp"

#include <algorithm>
#include <array>
#include <cstdint>
#include <stdexcept>
#include <cmath>
#include <concepts>
#include <string_view>

namespace hourglass {

template <class O>
concept Optimizer = requires(O o, ParameterBuffer<typename O::Scalar>& buffer, double lr) {
  typename O::Scalar;
  { O::name } -> std::convertible_to<std::string_view>;
  o.step(buffer);
  { o.learning_rate() } -> std::convertible_to<double>;
  o.set_learning_rate(lr);
  { o.steps() } -> std::convertible_to<long long>;
};

/// An optimizer whose state a checkpoint can hold (io::save_model / load_model with an
/// optimizer): named state vectors, restorable, and a binding to one model's parameters.
template <class O>
concept CheckpointableOptimizer = Optimizer<O> && requires(O o, const O& c, ParameterBuffer<typename O::Scalar>& buffer) {
  o.reset();
  o.bind(buffer);
  { c.is_bound_elsewhere(buffer) } -> std::convertible_to<bool>;
  { O::state_names[0] } -> std::convertible_to<std::string_view>;
  { *c.state()[0] } -> std::convertible_to<const Vector<typename O::Scalar>&>;
  o.restore_state(std::array<Vector<typename O::Scalar>, O::state_names.size()>{}, 0LL);
};

namespace detail {

/// What every optimizer shares: the step count and the binding to one model's parameters.
template <class Scalar>
class OptimizerCore {
 public:
  long long steps() const { return steps_; }
  /// Whether the optimizer holds the state of another buffer than this one (save_model refuses
  /// to write such a pair into one checkpoint).
  bool is_bound_elsewhere(const ParameterBuffer<Scalar>& buffer) const { return bound_ != 0 && bound_ != buffer.id(); }
  /// Binds the optimizer to these parameters (the first step() does it; load_model too).
  void bind(const ParameterBuffer<Scalar>& buffer) {
    bound_ = buffer.id();
    bound_size_ = buffer.size();
  }

 protected:
  /// Checks the binding (binding on first use) and counts the step.
  void begin_step(const ParameterBuffer<Scalar>& buffer, std::string_view who) {
    if (bound_ == 0) {
      bind(buffer);
    } else if (bound_ != buffer.id()) {
      throw std::invalid_argument(message(
          who, ": this optimizer holds the state of another model's parameters (", bound_size_,
          " of them; this model has ", buffer.size(), "): use one optimizer per model, or call reset() to start afresh"));
    }
    ++steps_;
  }
  void reset_core() {
    steps_ = 0;
    bound_ = 0;
    bound_size_ = 0;
  }
  long long steps_ = 0;

 private:
  std::uint64_t bound_ = 0;
  Index bound_size_ = 0;
};

/// Checks that restored state vectors hold 0 or the same number of values each.
template <class Scalar, std::size_t N>
void require_consistent_state(std::string_view who, const std::array<Vector<Scalar>, N>& parts, long long steps,
                              bool all_or_none) {
  require(steps >= 0, who, ": inconsistent state (negative step count ", steps, ")");
  Index size = 0;
  for (const auto& p : parts) size = std::max(size, p.size());
  for (const auto& p : parts)
    require(p.size() == size || (!all_or_none && p.size() == 0), who, ": inconsistent state (state vectors of ",
            p.size(), " and ", size, " values)");
}

inline void require_learning_rate(std::string_view who, double lr) {
  require(std::isfinite(lr) && lr > 0, who, ": learning rate must be a finite number > 0, got ", lr);
}
inline void require_in_unit_interval(std::string_view who, std::string_view what, double v) {
  require(std::isfinite(v) && v >= 0 && v < 1, who, ": ", what, " must be in [0, 1), got ", v);
}
inline void require_positive(std::string_view who, std::string_view what, double v) {
  require(std::isfinite(v) && v > 0, who, ": ", what, " must be a finite number > 0, got ", v);
}
inline void require_non_negative(std::string_view who, std::string_view what, double v) {
  require(std::isfinite(v) && v >= 0, who, ": ", what, " must be a finite number >= 0, got ", v);
}

/// Sizes an optimizer's state vector to the buffer on first use (zeros), or checks it matches.
template <class Scalar>
void ensure_state(Vector<Scalar>& state, Index size, std::string_view who) {
  if (state.size() == 0) {
    state = Vector<Scalar>::Zero(size);
    return;
  }
  require(state.size() == size, who, ": the optimizer was used with ", state.size(),
          " parameters and now gets ", size, "; use one optimizer per model");
}

/// Runs f(begin, length) over [0, size) in chunks that stay in L1 cache, so an update written as
/// several vector expressions (m, then v, then p) still streams each vector through memory once.
/// The update is memory-bound (~28 bytes per parameter for Adam), so large buffers are split
/// between threads as well.
template <class F>
void for_each_chunk(Index size, F&& f) {
  constexpr Index chunk = 1024;
  const int threads = threads_for(10.0 * static_cast<double>(size), size / chunk);
  parallel_ranges(size, chunk, threads, [&](Index first, Index count) {
    for (Index begin = first; begin < first + count; begin += chunk) f(begin, std::min(chunk, first + count - begin));
  });
}

}  // namespace detail
}  // namespace hourglass
