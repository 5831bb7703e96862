// PCA fit on 60,000 x 784 (MNIST-sized, synthetic) with k = 32, and its eigen step alone.
//   pca_fit/.../double:1   the default: float products of each chunk summed in double, top-k solver
//   pca_fit/.../double:0   sums in float too (accumulate_in_double = false)
//   pca_fit/.../exact      double products and Eigen's full SelfAdjointEigenSolver (the method
//                          before the fast path, on the same passes and threads)
//   pca_eigen/784/k:32     the eigen step on a 784 x 784 covariance: full solver or top-k
// GFLOP/s counts d*d*n multiply-adds for the covariance (the rank update computes one triangle,
// so 2*d*d*n/2 flops). Threads: Eigen::nbThreads() (OMP_NUM_THREADS).
#include <benchmark/benchmark.h>

#include <hourglass/baselines/pca.hpp>

#include "models.hpp"

namespace {

const Eigen::MatrixXf& data() {
  static const Eigen::MatrixXf x = bench::synthetic(784, 60000, 3);
  return x;
}

void fit(benchmark::State& state, hg::PCAOptions options) {
  const Eigen::MatrixXf& x = data();
  for (auto _ : state) {
    hg::PCA<float> pca(32, options);
    pca.fit(x);
    benchmark::DoNotOptimize(pca.components().data());
  }
  const double n = static_cast<double>(state.iterations()) * static_cast<double>(x.cols());
  state.counters["samples/s"] = benchmark::Counter(n, benchmark::Counter::kIsRate);
  state.counters["GFLOP/s"] =
      benchmark::Counter(n * static_cast<double>(x.rows() * x.rows()) * 1e-9, benchmark::Counter::kIsRate);
}

void BM_PcaFit(benchmark::State& state) { fit(state, {.accumulate_in_double = state.range(0) != 0}); }

void BM_PcaFitExact(benchmark::State& state) {
  fit(state, {.products_in_double = true, .solver = hg::PCASolver::full});
}

void BM_PcaEigen(benchmark::State& state) {
  const bool top_k = state.range(0) != 0;
  static const Eigen::MatrixXd covariance = [] {
    const Eigen::MatrixXd x = data().leftCols(10000).cast<double>();
    const Eigen::MatrixXd centred = x.colwise() - x.rowwise().mean();
    return Eigen::MatrixXd(centred * centred.transpose() / 9999.0);
  }();
  for (auto _ : state) {
    Eigen::VectorXd values;
    Eigen::MatrixXd vectors;
    if (!top_k || !hg::detail::top_eigenpairs(covariance, 32, values, vectors)) {
      Eigen::SelfAdjointEigenSolver<Eigen::MatrixXd> eig(covariance);
      vectors = eig.eigenvectors().rightCols(32);
    }
    benchmark::DoNotOptimize(vectors.data());
  }
}

}  // namespace

BENCHMARK(BM_PcaFit)->Name("pca_fit/60000x784/k:32")->ArgName("double")->Arg(1)->Arg(0)->Iterations(3)
    ->Unit(benchmark::kMillisecond)->UseRealTime();
BENCHMARK(BM_PcaFitExact)->Name("pca_fit/60000x784/k:32/exact")->Iterations(3)->Unit(benchmark::kMillisecond)
    ->UseRealTime();
BENCHMARK(BM_PcaEigen)->Name("pca_eigen/784/k:32")->ArgName("top_k")->Arg(0)->Arg(1)->Unit(benchmark::kMillisecond)
    ->UseRealTime();

BENCHMARK_MAIN();
