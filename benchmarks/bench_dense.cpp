// Dense layers at the sizes of the `small` and `hinton` architectures: the whole chain's training
// forward pass and its backward pass (every layer: activation derivative, dW, db, dX), batch 256;
// and single products C = A B on the shapes one of two threads gets in a `hinton` step at batch
// 256 (Eigen's kernel, or OpenBLAS's in the HOURGLASS_BLAS=ON build; benchmarks/RESULTS.md).
#include <benchmark/benchmark.h>

#include "models.hpp"

#include <numeric>
#include <vector>

namespace {

constexpr Eigen::Index batch = 256;

template <class Model>
void prepare(Model& model, const Eigen::MatrixXf& x) {
  std::vector<hg::Index> columns(static_cast<std::size_t>(batch));
  std::iota(columns.begin(), columns.end(), hg::Index{0});
  model.load_batch(x, columns);
  model.compute_gradients(hg::MSE{});
}

template <class Model>
void set_counters(benchmark::State& state, double flops_per_sample) {
  const double samples = static_cast<double>(state.iterations()) * batch;
  state.counters["samples/s"] = benchmark::Counter(samples, benchmark::Counter::kIsRate);
  state.counters["GFLOP/s"] = benchmark::Counter(samples * flops_per_sample * 1e-9, benchmark::Counter::kIsRate);
}

template <class Model>
void BM_Forward(benchmark::State& state) {
  Model model(1);
  const Eigen::MatrixXf x = bench::synthetic(Model::input_size, batch);
  prepare(model, x);
  for (auto _ : state) {
    model.network().template forward<false>(batch);
    benchmark::ClobberMemory();
  }
  set_counters<Model>(state, bench::forward_flops<Model>());
}

template <class Model>
void BM_Backward(benchmark::State& state) {
  Model model(1);
  const Eigen::MatrixXf x = bench::synthetic(Model::input_size, batch);
  prepare(model, x);
  auto& net = model.network();
  constexpr std::size_t last = Model::depth - 1;
  // The output gradient is restored before each pass (backward scales it in place); a 784 x 256
  // copy, under 1% of the pass.
  const Eigen::MatrixXf top = net.template gradient<last>(batch);
  hg::NoHooks hooks;
  for (auto _ : state) {
    net.template gradient<last>(batch) = top;
    net.template backward<false>(batch, hooks);
    benchmark::ClobberMemory();
  }
  set_counters<Model>(state, bench::backward_flops<Model>());
}

}  // namespace

BENCHMARK_TEMPLATE(BM_Forward, bench::Small)->Name("dense_forward/small/batch:256")->MinTime(1.0)->UseRealTime();
BENCHMARK_TEMPLATE(BM_Backward, bench::Small)->Name("dense_backward/small/batch:256")->MinTime(1.0)->UseRealTime();
BENCHMARK_TEMPLATE(BM_Forward, bench::Hinton)->Name("dense_forward/hinton/batch:256")->MinTime(1.0)->UseRealTime();
BENCHMARK_TEMPLATE(BM_Backward, bench::Hinton)->Name("dense_backward/hinton/batch:256")->MinTime(1.0)->UseRealTime();

/// One product C (m x n) = A (m x k) B (k x n) on the calling thread: the kernel's own speed.
void BM_Product(benchmark::State& state) {
  const Eigen::Index m = state.range(0), n = state.range(1), k = state.range(2);
  const Eigen::MatrixXf a = Eigen::MatrixXf::Random(m, k), b = Eigen::MatrixXf::Random(k, n);
  Eigen::MatrixXf c(m, n);
  for (auto _ : state) {
    hg::kernels::product(c, a, b);
    benchmark::DoNotOptimize(c.data());
  }
  state.counters["GFLOP/s"] = benchmark::Counter(static_cast<double>(state.iterations()) * 2.0 * double(m) * double(n) * double(k) * 1e-9,
                                                 benchmark::Counter::kIsRate);
}
BENCHMARK(BM_Product)->Name("product/float")->ArgNames({"m", "n", "k"})
    ->Args({1000, 128, 784})->Args({784, 128, 1000})->Args({500, 784, 256})->Args({500, 128, 1000})->Args({250, 500, 256})
    ->MinTime(0.5)->UseRealTime();

BENCHMARK_MAIN();
