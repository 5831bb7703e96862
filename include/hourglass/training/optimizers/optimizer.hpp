// hourglass/training/optimizers/optimizer.hpp — what fit() needs from an optimizer, and the
// checks of hyperparameters every optimizer shares.
//
// An optimizer owns its state (moment vectors, sized on the first step) and updates the whole
// flat parameter buffer in one pass. Its step counter advances exactly once per step().
#pragma once

#include "../../core/config.hpp"
#include "../../core/parallel.hpp"
#include "../../core/parameters.hpp"

#include <algorithm>
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

namespace detail {

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
