// Training: one step (gather the batch, forward, backward, Adam) at batch 64/256/1024 (and in
// double at 256), and a full epoch over 60,000 synthetic samples through hg::fit (shuffling
// included), for both architectures.
#include <benchmark/benchmark.h>

#include "steps.hpp"

#include <numeric>
#include <vector>

namespace {

constexpr Eigen::Index samples = 60000;

template <class Scalar = float>
const Eigen::Matrix<Scalar, Eigen::Dynamic, Eigen::Dynamic>& data() {
  static const auto x = bench::synthetic<Scalar>(784, samples);
  return x;
}

template <class Model>
void BM_Step(benchmark::State& state) {
  bench::train_steps<Model>(state, data<typename Model::Scalar>(), state.range(0), hg::MSE{});
}

template <class Model>
void BM_Epoch(benchmark::State& state) {
  Model model(1);
  hg::Adam<float> adam;
  hg::FitOptions options;
  options.epochs = 1;
  options.batch_size = state.range(0);
  options.progress = hg::Progress::never;
  data();
  for (auto _ : state) hg::fit(model, adam, data(), options);
  const double n = static_cast<double>(state.iterations()) * static_cast<double>(samples);
  state.counters["samples/s"] = benchmark::Counter(n, benchmark::Counter::kIsRate);
  state.counters["GFLOP/s"] = benchmark::Counter(n * bench::training_flops<Model>() * 1e-9, benchmark::Counter::kIsRate);
}

}  // namespace

BENCHMARK_TEMPLATE(BM_Step, bench::Small)->Name("train_step/small")->ArgName("batch")->Arg(64)->Arg(256)->Arg(1024)
    ->MinTime(1.0)->UseRealTime();
BENCHMARK_TEMPLATE(BM_Step, bench::Hinton)->Name("train_step/hinton")->ArgName("batch")->Arg(64)->Arg(256)->Arg(1024)
    ->MinTime(1.0)->UseRealTime();
// fp64: the same steps in double precision (half the SIMD lanes: at best half the fp32 speed).
BENCHMARK_TEMPLATE(BM_Step, bench::SmallF64)->Name("train_step_f64/small")->ArgName("batch")->Arg(256)
    ->MinTime(1.0)->UseRealTime();
BENCHMARK_TEMPLATE(BM_Step, bench::HintonF64)->Name("train_step_f64/hinton")->ArgName("batch")->Arg(256)
    ->MinTime(1.0)->UseRealTime();
BENCHMARK_TEMPLATE(BM_Epoch, bench::Small)->Name("epoch_60000/small")->ArgName("batch")->Arg(256)->Iterations(2)
    ->Unit(benchmark::kSecond)->UseRealTime();
BENCHMARK_TEMPLATE(BM_Epoch, bench::Hinton)->Name("epoch_60000/hinton")->ArgName("batch")->Arg(256)->Iterations(1)
    ->Unit(benchmark::kSecond)->UseRealTime();

BENCHMARK_MAIN();
