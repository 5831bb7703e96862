// PCA fit on 60,000 x 784 (MNIST-sized, synthetic) with k = 32: covariance accumulated in double
// (the default) and in float; the covariance GEMM counts d*d*n multiply-adds (symmetric half: the
// rank update computes one triangle, so 2*d*d*n/2 flops are counted).
#include <benchmark/benchmark.h>

#include <hourglass/baselines/pca.hpp>

#include "models.hpp"

namespace {

void BM_PcaFit(benchmark::State& state) {
  const bool in_double = state.range(0) != 0;
  static const Eigen::MatrixXf x = bench::synthetic(784, 60000, 3);
  for (auto _ : state) {
    hg::PCA<float> pca(32, {.accumulate_in_double = in_double});
    pca.fit(x);
    benchmark::DoNotOptimize(pca.components().data());
  }
  const double n = static_cast<double>(state.iterations()) * static_cast<double>(x.cols());
  state.counters["samples/s"] = benchmark::Counter(n, benchmark::Counter::kIsRate);
  state.counters["GFLOP/s"] =
      benchmark::Counter(n * static_cast<double>(x.rows() * x.rows()) * 1e-9, benchmark::Counter::kIsRate);
}

}  // namespace

BENCHMARK(BM_PcaFit)->Name("pca_fit/60000x784/k:32")->ArgName("double")->Arg(1)->Arg(0)->Iterations(3)
    ->Unit(benchmark::kMillisecond)->UseRealTime();

BENCHMARK_MAIN();
