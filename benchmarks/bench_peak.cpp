// The machine's limit: fused multiply-add throughput with every operand in registers, on 1 and 2
// threads, in float and double, at the widest SIMD width the build targets (AVX-512 with
// -march=native on an AVX-512 CPU). The training benchmarks' GFLOP/s are read against this
// (benchmarks/RESULTS.md: "share of the FMA peak").
#include <benchmark/benchmark.h>

#include <Eigen/Core>


namespace {

/// 16 independent FMA chains (enough to cover an FMA unit's latency times its throughput),
/// each an Eigen packet: 2 flops per lane per FMA.
template <class Scalar>
void BM_Peak(benchmark::State& state) {
  using Packet = typename Eigen::internal::packet_traits<Scalar>::type;
  constexpr int lanes = Eigen::internal::packet_traits<Scalar>::size;
  constexpr int chains = 16;
  constexpr long iterations = 1 << 16;
  Packet acc[chains];
  const Packet a = Eigen::internal::pset1<Packet>(Scalar(0.999999));
  const Packet b = Eigen::internal::pset1<Packet>(Scalar(1e-7));
  for (auto& x : acc) x = Eigen::internal::pset1<Packet>(Scalar(1));
  for (auto _ : state) {
    for (long i = 0; i < iterations; ++i)
      for (int c = 0; c < chains; ++c) acc[c] = Eigen::internal::pmadd(acc[c], a, b);
    for (auto& x : acc) benchmark::DoNotOptimize(x);
  }
  state.counters["GFLOP/s"] = benchmark::Counter(static_cast<double>(state.iterations()) * iterations * chains * lanes * 2 * 1e-9,
                                                 benchmark::Counter::kIsRate);
  state.counters["lanes"] = benchmark::Counter(lanes, benchmark::Counter::kAvgThreads);
}

}  // namespace

BENCHMARK_TEMPLATE(BM_Peak, float)->Name("fma_peak/float")->Threads(1)->Threads(2)->UseRealTime()->MinTime(0.5);
BENCHMARK_TEMPLATE(BM_Peak, double)->Name("fma_peak/double")->Threads(1)->Threads(2)->UseRealTime()->MinTime(0.5);

BENCHMARK_MAIN();
