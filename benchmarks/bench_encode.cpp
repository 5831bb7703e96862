// Inference: encode() throughput (codes of a batch) for both architectures.
#include <benchmark/benchmark.h>

#include "models.hpp"

namespace {

template <class Model>
void BM_Encode(benchmark::State& state) {
  const Eigen::Index batch = state.range(0);
  const Model model(1);
  const Eigen::MatrixXf x = bench::synthetic(Model::input_size, batch);
  for (auto _ : state) {
    Eigen::MatrixXf codes = model.encode(x);
    benchmark::DoNotOptimize(codes.data());
  }
  const double n = static_cast<double>(state.iterations()) * static_cast<double>(batch);
  state.counters["samples/s"] = benchmark::Counter(n, benchmark::Counter::kIsRate);
  state.counters["GFLOP/s"] = benchmark::Counter(n * bench::encode_flops<Model>() * 1e-9, benchmark::Counter::kIsRate);
}

}  // namespace

BENCHMARK_TEMPLATE(BM_Encode, bench::Small)->Name("encode/small")->ArgName("batch")->Arg(256)->Arg(10000)
    ->MinTime(1.0)->UseRealTime();
BENCHMARK_TEMPLATE(BM_Encode, bench::Hinton)->Name("encode/hinton")->ArgName("batch")->Arg(256)->Arg(10000)
    ->MinTime(1.0)->UseRealTime();

BENCHMARK_MAIN();
