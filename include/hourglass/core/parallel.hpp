// hourglass/core/parallel.hpp — splitting a batch pass across threads.
//
// A training step parallelises over the batch, not inside each product: the columns (samples)
// of a forward product or of the input gradient Wᵀ G are independent, and so are the rows
// (units) of the weight gradient G Xᵀ. Each thread runs the same single-threaded kernel on its
// slice, so there is no reduction and no shared buffer. The threads are hourglass's own pool
// (thread_pool.hpp: they claim the slices, so a busy machine cannot stall a pass); their number
// is Eigen::nbThreads() (Eigen::setNbThreads, or OMP_NUM_THREADS when OpenMP is enabled).
#pragma once

#include "config.hpp"
#include "thread_pool.hpp"

#include <algorithm>

#if defined(_OPENMP)
#include <omp.h>
#endif

namespace hourglass::detail {

/// The number of threads worth using for `flops` floating-point operations split `slices` ways:
/// at least ~100k flops per thread, as thread start-up costs a few microseconds.
inline int threads_for(double flops, Index slices) {
#if defined(_OPENMP)
  if (omp_in_parallel() || in_parallel_pass()) return 1;
  const double per_thread = 1e5;
  const Index by_work = static_cast<Index>(flops / per_thread);
  return static_cast<int>(std::max<Index>(1, std::min<Index>({static_cast<Index>(Eigen::nbThreads()), by_work, slices})));
#else
  (void)flops;
  (void)slices;
  return 1;
#endif
}

/// Range p of `pieces` near-equal ranges covering [0, n), each a multiple of `granule` long
/// except the last (empty when n has fewer granules than there are pieces).
struct Range {
  Index begin, count;
};
inline Range piece_range(Index n, Index granule, Index piece, Index pieces) {
  const Index units = (n + granule - 1) / granule;
  const Index begin = std::min(n, units * piece / pieces * granule);
  const Index end = std::min(n, units * (piece + 1) / pieces * granule);
  return {begin, end - begin};
}

/// Calls f(piece, pieces) for every piece in [0, pieces), the pieces claimed by whichever of
/// `threads` threads are running (core/thread_pool.hpp), so a thread another process holds off
/// its core delays nothing. pieces <= 1 runs f(0, 1) on the caller.
template <class F>
void parallel_pieces(Index pieces, int threads, F&& f) {
  pieces = std::min<Index>({pieces, static_cast<Index>(threads), Index{ThreadPool::max_pieces}});
  if (pieces <= 1) {
    f(Index{0}, Index{1});
    return;
  }
  struct Job {
    F& f;
    Index pieces;
  } job{f, pieces};
  ThreadPool::instance().run(threads - 1, static_cast<std::uint32_t>(pieces), [](void* context, std::uint32_t piece, bool pooled) {
    const Job& j = *static_cast<const Job*>(context);
    if (pooled) current_piece() = static_cast<int>(piece);
    j.f(static_cast<Index>(piece), j.pieces);
    if (pooled) current_piece() = -1;
  }, &job);
}

/// Calls f(begin, count) on disjoint ranges covering [0, n), each a multiple of `granule` long
/// except the last: one range per thread (parallel_pieces).
template <class F>
void parallel_ranges(Index n, Index granule, int threads, F&& f) {
  const Index units = (n + granule - 1) / granule;
  // One piece per thread: each piece repacks a GEMM operand, and on a loaded 2-core machine
  // (train_step/small, 2 threads) 1 piece per thread ran 10-13k samples/s, 2 pieces 8-11k, 4 pieces 7-10k.
  parallel_pieces(std::min<Index>(static_cast<Index>(threads), units), threads, [&](Index piece, Index pieces) {
    const Range r = piece_range(n, granule, piece, pieces);
    if (r.count > 0) f(r.begin, r.count);
  });
}

}  // namespace hourglass::detail
