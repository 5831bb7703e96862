// hourglass/core/parallel.hpp — splitting a batch pass across threads.
//
// A training step parallelises over the batch, not inside each product: the columns (samples)
// of a forward product or of the input gradient Wᵀ G are independent, and so are the rows
// (units) of the weight gradient G Xᵀ. Each thread runs the same single-threaded kernel on its
// slice, so there is no reduction and no shared buffer. Threads come from OpenMP (when the
// build enables it) and their number from Eigen::nbThreads(), which Eigen::setNbThreads sets.
#pragma once

#include "config.hpp"
#include "denormals.hpp"

#include <algorithm>

#if defined(_OPENMP)
#include <omp.h>
#endif

namespace hourglass::detail {

/// The number of threads worth using for `flops` floating-point operations split `slices` ways:
/// at least ~100k flops per thread, as thread start-up costs a few microseconds.
inline int threads_for(double flops, Index slices) {
#if defined(_OPENMP)
  if (omp_in_parallel()) return 1;
  const double per_thread = 1e5;
  const Index by_work = static_cast<Index>(flops / per_thread);
  return static_cast<int>(std::max<Index>(1, std::min<Index>({static_cast<Index>(Eigen::nbThreads()), by_work, slices})));
#else
  (void)flops;
  (void)slices;
  return 1;
#endif
}

/// Calls f(begin, count) on `threads` disjoint ranges covering [0, n), each a multiple of
/// `granule` long except the last, one range per thread.
template <class F>
void parallel_ranges(Index n, Index granule, int threads, F&& f) {
#if defined(_OPENMP)
  if (threads > 1) {
    const unsigned mode = floating_point_mode();  // workers compute as the caller does (FTZ/DAZ)
#pragma omp parallel num_threads(threads)
    {
      const unsigned worker_mode = floating_point_mode();
      set_floating_point_mode(mode);
      const Index t = omp_get_thread_num(), count = omp_get_num_threads();
      const Index units = (n + granule - 1) / granule;
      const Index begin = std::min(n, units * t / count * granule);
      const Index end = std::min(n, units * (t + 1) / count * granule);
      if (end > begin) f(begin, end - begin);
      set_floating_point_mode(worker_mode);
    }
    return;
  }
#else
  (void)granule;
  (void)threads;
#endif
  f(Index{0}, n);
}

}  // namespace hourglass::detail
