// hourglass/core/thread_pool.hpp — the threads that share a batch pass, claiming its chunks.
//
// Why not an OpenMP parallel region: a region ends with a barrier that waits for every thread of
// the team. When another process holds one of the cores, each of the ~20 passes of a training
// step then waits for the descheduled thread to be scheduled and do its static share: steps
// were 5-10x slower on a busy 2-core machine (docs/design.md, "Threads").
//
// Here a pass is a job of `chunks` pieces. The calling thread and the pool's workers *claim*
// pieces from one atomic word; the caller waits only for pieces another thread has claimed and
// not finished, never for a thread that has not started. A worker that wakes late finds nothing
// left to claim, and a job with no worker awake runs entirely on the caller.
//
// The claim word packs the job's generation, its piece count and the next piece, so a claim of
// a finished job's piece can never succeed (the word has changed), and a job's description
// (body, context, floating-point mode) is read only after a successful claim, when the caller is
// still waiting for that piece. One job runs at a time: a second caller (another user thread,
// or a pass inside a pass) runs its job alone rather than waiting.
//
// Workers spin briefly between jobs (the passes of a step follow each other within
// microseconds), then sleep on a futex (std::atomic::wait). The pool is created on the first
// parallel pass and lives until the process exits (never destroyed: a fork()ed child inherits
// the object but not its threads, and then runs every job on its calling thread).
#pragma once

#include "config.hpp"
#include "denormals.hpp"

#include <atomic>
#include <cstdint>
#include <deque>
#include <thread>

#if defined(__x86_64__) || defined(_M_X64) || defined(__i386__)
#include <immintrin.h>
#endif

namespace hourglass::detail {

inline void cpu_relax() {
#if defined(__x86_64__) || defined(_M_X64) || defined(__i386__)
  _mm_pause();
#else
  std::this_thread::yield();
#endif
}

/// True on a pool worker, and on the calling thread while it runs pieces of a pass: a pass
/// started there (a kernel inside a blocked pass) runs on that thread alone.
inline bool& in_parallel_pass() {
  thread_local bool inside = false;
  return inside;
}

/// The piece of a pooled pass this thread is running, or -1. The GEMM blocking buffers belong to
/// the piece, not to the thread (core/gemm.hpp): whichever thread runs piece p in a step uses
/// the buffers piece p used in the previous step, so no step after the first allocates.
inline int& current_piece() {
  thread_local int piece = -1;
  return piece;
}

class ThreadPool {
 public:
  /// body(context, piece, pooled): pooled is false when the job runs serially on its caller
  /// because the pool is busy with another job (or the call is nested in one).
  using Body = void (*)(void* context, std::uint32_t piece, bool pooled);
  static constexpr std::uint32_t max_pieces = 64;

  static ThreadPool& instance() {
    static ThreadPool* pool = new ThreadPool;  // intentionally never destroyed (see the file comment)
    return *pool;
  }

  /// Calls body(context, p) once for every p in [0, pieces), on the calling thread and on up to
  /// `helpers` workers, and returns when all calls have returned. The workers compute in the
  /// caller's floating-point mode (FTZ/DAZ).
  void run(int helpers, std::uint32_t pieces, Body body, void* context) {
    if (helpers <= 0 || pieces <= 1 || pieces > max_pieces || in_parallel_pass() || busy_.test_and_set(std::memory_order_acquire)) {
      for (std::uint32_t p = 0; p < pieces; ++p) body(context, p, false);
      return;
    }
    while (static_cast<int>(workers_.size()) < helpers) start_worker(static_cast<int>(workers_.size()));
    body_.store(body, std::memory_order_relaxed);
    context_.store(context, std::memory_order_relaxed);
    mode_.store(floating_point_mode(), std::memory_order_relaxed);
    helpers_.store(helpers, std::memory_order_relaxed);
    done_.store(0, std::memory_order_relaxed);
    const std::uint64_t generation = ((claim_.load(std::memory_order_relaxed) >> 32) + 1) & 0xFFFFFFFF;
    claim_.store(generation << 32 | std::uint64_t{pieces} << 16, std::memory_order_release);
    wake_.fetch_add(1, std::memory_order_seq_cst);
    if (sleepers_.load(std::memory_order_seq_cst) > 0) wake_.notify_all();

    std::uint32_t mine = 0;
    in_parallel_pass() = true;
    for (std::uint32_t p; claim(generation, p);) {
      body(context, p, true);
      ++mine;
    }
    in_parallel_pass() = false;
    // Pieces still running on workers: they were claimed by running threads, so they finish soon.
    const std::uint32_t others = pieces - mine;
    for (int spins = 0; done_.load(std::memory_order_acquire) < others; ++spins) {
      if (spins < 4096) {
        cpu_relax();
      } else {
        std::this_thread::yield();
      }
    }
    busy_.clear(std::memory_order_release);
  }

 private:
  ThreadPool() = default;

  /// Claims the next piece of job `generation`; false when it has none left (or is over).
  bool claim(std::uint64_t generation, std::uint32_t& piece) {
    std::uint64_t word = claim_.load(std::memory_order_acquire);
    for (;;) {
      const std::uint32_t next = word & 0xFFFF, pieces = (word >> 16) & 0xFFFF;
      if ((word >> 32) != generation || next >= pieces) return false;
      if (claim_.compare_exchange_weak(word, word + 1, std::memory_order_acq_rel, std::memory_order_acquire)) {
        piece = next;
        return true;
      }
    }
  }

  void start_worker(int index) {
    workers_.emplace_back([this, index] { work(index); }).detach();
  }

  void work(int index) {
    in_parallel_pass() = true;
    std::uint32_t seen = wake_.load(std::memory_order_acquire);
    for (;;) {
      // Wait for the next job: spin first, then sleep.
      int spins = 0;
      for (std::uint32_t now; (now = wake_.load(std::memory_order_acquire)) == seen;) {
        if (++spins < 8192) {
          cpu_relax();
        } else {
          sleepers_.fetch_add(1, std::memory_order_seq_cst);
          wake_.wait(seen, std::memory_order_seq_cst);
          sleepers_.fetch_sub(1, std::memory_order_seq_cst);
        }
      }
      seen = wake_.load(std::memory_order_acquire);
      const std::uint64_t generation = claim_.load(std::memory_order_acquire) >> 32;
      if (index >= helpers_.load(std::memory_order_relaxed)) continue;
      bool moded = false;
      unsigned own_mode = 0;
      for (std::uint32_t p; claim(generation, p);) {
        if (!moded) {
          own_mode = floating_point_mode();
          set_floating_point_mode(mode_.load(std::memory_order_relaxed));
          moded = true;
        }
        body_.load(std::memory_order_relaxed)(context_.load(std::memory_order_relaxed), p, true);
        done_.fetch_add(1, std::memory_order_release);
      }
      if (moded) set_floating_point_mode(own_mode);
    }
  }

  std::atomic_flag busy_ = ATOMIC_FLAG_INIT;
  std::atomic<std::uint64_t> claim_{0};  // generation << 32 | pieces << 16 | next piece
  std::atomic<std::uint32_t> done_{0};   // pieces finished by workers in the current job
  std::atomic<Body> body_{nullptr};
  std::atomic<void*> context_{nullptr};
  std::atomic<unsigned> mode_{0};
  std::atomic<int> helpers_{0};
  std::atomic<std::uint32_t> wake_{0};   // bumped once per job
  std::atomic<int> sleepers_{0};
  std::deque<std::thread> workers_;      // detached; kept for their count
};

}  // namespace hourglass::detail
