// hourglass/model/score.hpp — the anomaly score of one sample, shared by BasicAutoencoder::score
// and Predictor::score: the mean over its observed features (target not NaN) of the squared
// reconstruction error, in the model's scaled units.
#pragma once

#include "../core/config.hpp"

namespace hourglass::detail {

/// mean over i with target(i) not NaN of (output(i) - target(i))^2, for one column each.
/// Throws std::invalid_argument naming `where` and `sample` when no feature is observed.
template <class O, class T>
typename O::Scalar observed_mean_squared_error(const O& output, const T& target, const char* where, Index sample) {
  using S = typename O::Scalar;
  S sum = 0;
  Index count = 0;
  for (Index i = 0; i < target.size(); ++i) {
    const S t = static_cast<S>(target(i));
    if (t != t) continue;  // NaN: missing
    const S e = output(i) - t;
    sum += e * e;
    ++count;
  }
  require(count > 0, where, ": sample ", sample, " (column ", sample, ") has no observed feature (all NaN)");
  return sum / static_cast<S>(count);
}

}  // namespace hourglass::detail
