// hourglass/core/finite.hpp — is every entry of a large buffer finite? One vectorised pass.
//
// fit() asks this of the gradients before every optimizer step and of the parameters after it
// (training/fit.hpp). Eigen's allFinite() is a single-threaded pass per call: the two of them
// took 11% of a `hinton` epoch (7.51 -> 6.67 s/epoch when replaced, benchmarks/RESULTS.md). This
// one is split across the threads like the optimizer's update.
//
// x·0 is 0 for every finite x and NaN for NaN and ±Inf, so the sum of x·0 over a range is NaN
// exactly when the range holds a non-finite entry: a multiply and an add per element, no branch.
#pragma once

#include "config.hpp"
#include "parallel.hpp"

#include <array>

namespace hourglass::detail {

/// Whether all of data[0, size) is finite.
template <class Scalar>
bool all_finite(const Scalar* data, Index size) {
  using Array = Eigen::Array<Scalar, Eigen::Dynamic, 1>;
  constexpr Index granule = 4096;
  std::array<Scalar, ThreadPool::max_pieces> sums{};  // pieces that do not run leave their 0
  const int threads = threads_for(2.0 * static_cast<double>(size), size / granule);
  parallel_pieces(threads, threads, [&](Index p, Index pieces) {
    const Range r = piece_range(size, granule, p, pieces);
    if (r.count > 0) sums[static_cast<std::size_t>(p)] = (Eigen::Map<const Array>(data + r.begin, r.count) * Scalar(0)).sum();
  });
  for (const Scalar s : sums)
    if (!(s == Scalar(0))) return false;
  return true;
}

template <class V>
bool all_finite(const V& v) {
  return all_finite(v.data(), v.size());
}

}  // namespace hourglass::detail
