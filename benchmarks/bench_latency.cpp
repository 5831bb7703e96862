// Single-sample inference (issue 18): the latency of one `encode` and one `reconstruct` through a
// Predictor (model/predictor.hpp: preallocated scratch, serial kernels on the calling thread),
// against the model's own `model.encode(x.col(j))` (which allocates its result and scratch), for
// the `small` and `hinton` models; then throughput with 1, 2, 4 and 8 application threads, each
// with its own Predictor, sharing one const model.
//
// Samples: 256 uniform [0, 1) columns (random data: the time of a dense pass does not depend on
// the values; ReLU zeros are not skipped), cycled so a call does not reuse the last call's input.
// Time per call in microseconds; threads: calls/s summed over the threads (items_per_second).
// On a 2-core machine 4 and 8 threads oversubscribe: they share 2 cores, so calls/s can only stay
// flat (or drop, from time slices and shared caches) beyond 2.
#include <benchmark/benchmark.h>

#include "models.hpp"

namespace {

constexpr Eigen::Index samples = 256;

template <class Model>
const Model& shared_model() {
  static const Model model(1);
  return model;
}

const Eigen::MatrixXf& inputs() {
  static const Eigen::MatrixXf x = bench::synthetic(784, samples, 7);
  return x;
}

enum class Call { encode, reconstruct };

/// One Predictor per benchmark thread; the model is shared. Parallelism::thread_pool: a lone
/// caller's products split across the library's threads.
template <class Model, Call What, hg::Parallelism How = hg::Parallelism::serial>
void BM_Predictor(benchmark::State& state) {
  const Model& model = shared_model<Model>();
  const Eigen::MatrixXf& x = inputs();
  hg::Predictor<Model> p(model, 1, How);
  Eigen::Index j = state.thread_index() * 37 % samples;
  for (auto _ : state) {
    if constexpr (What == Call::encode) {
      benchmark::DoNotOptimize(p.encode(x.col(j)).data());
    } else {
      benchmark::DoNotOptimize(p.reconstruct(x.col(j)).data());
    }
    benchmark::ClobberMemory();
    if (++j == samples) j = 0;
  }
  state.SetItemsProcessed(state.iterations());
}

/// The model's own calls on one column: each allocates its result (and its scratch).
template <class Model, Call What>
void BM_Model(benchmark::State& state) {
  const Model& model = shared_model<Model>();
  const Eigen::MatrixXf& x = inputs();
  Eigen::Index j = 0;
  for (auto _ : state) {
    if constexpr (What == Call::encode) {
      Eigen::MatrixXf codes = model.encode(x.col(j));
      benchmark::DoNotOptimize(codes.data());
    } else {
      Eigen::MatrixXf out = model.reconstruct(x.col(j));
      benchmark::DoNotOptimize(out.data());
    }
    benchmark::ClobberMemory();
    if (++j == samples) j = 0;
  }
  state.SetItemsProcessed(state.iterations());
}

}  // namespace

// Latency: one thread, µs per call. Throughput: 1, 2, 4, 8 application threads sharing one model,
// calls/s in total (items_per_second over real time).
#define HOURGLASS_LATENCY(Model, name)                                                                       \
  BENCHMARK_TEMPLATE(BM_Predictor, Model, Call::encode)->Name("latency/" name "/predictor.encode")           \
      ->Unit(benchmark::kMicrosecond)->MinTime(0.5);                                                      \
  BENCHMARK_TEMPLATE(BM_Predictor, Model, Call::reconstruct)->Name("latency/" name "/predictor.reconstruct") \
      ->Unit(benchmark::kMicrosecond)->MinTime(0.5);                                                      \
  BENCHMARK_TEMPLATE(BM_Predictor, Model, Call::encode, hg::Parallelism::thread_pool)                        \
      ->Name("latency/" name "/predictor_pool.encode")->Unit(benchmark::kMicrosecond)->MinTime(0.5);         \
  BENCHMARK_TEMPLATE(BM_Predictor, Model, Call::reconstruct, hg::Parallelism::thread_pool)                   \
      ->Name("latency/" name "/predictor_pool.reconstruct")->Unit(benchmark::kMicrosecond)->MinTime(0.5);    \
  BENCHMARK_TEMPLATE(BM_Model, Model, Call::encode)->Name("latency/" name "/model.encode")                   \
      ->Unit(benchmark::kMicrosecond)->MinTime(0.5);                                                      \
  BENCHMARK_TEMPLATE(BM_Model, Model, Call::reconstruct)->Name("latency/" name "/model.reconstruct")         \
      ->Unit(benchmark::kMicrosecond)->MinTime(0.5);                                                      \
  BENCHMARK_TEMPLATE(BM_Predictor, Model, Call::reconstruct)->Name("threads/" name "/predictor.reconstruct") \
      ->Unit(benchmark::kMicrosecond)->MinTime(0.5)->UseRealTime()->ThreadRange(1, 8)

HOURGLASS_LATENCY(bench::Small, "small");
HOURGLASS_LATENCY(bench::Hinton, "hinton");

BENCHMARK_MAIN();
