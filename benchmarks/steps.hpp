// The training-step loop that bench_training and bench_conv time.
#pragma once

#include <benchmark/benchmark.h>

#include "models.hpp"

#include <numeric>
#include <span>
#include <vector>

namespace bench {

/// Training steps on `batch`-sample batches drawn in a shuffled order from x (wrapping around):
/// gather, forward, backward (loss L), Adam — as long as `state` asks; then the counters
/// samples/s and GFLOP/s (training_flops per sample).
template <class Model, class L, class State, class X>
void train_steps(State& state, const X& x, Eigen::Index batch, const L& loss) {
  using Scalar = typename Model::Scalar;
  const Eigen::Index samples = x.cols();
  Model model(1);
  hg::Adam<Scalar> adam;
  std::vector<hg::Index> order(static_cast<std::size_t>(samples));
  std::iota(order.begin(), order.end(), hg::Index{0});
  model.rng(hg::RandomStream::shuffling).shuffle(std::span<hg::Index>(order));
  Eigen::Index first = 0;
  for (auto _ : state) {
    if (first + batch > samples) first = 0;
    model.load_batch(x, std::span<const hg::Index>(order).subspan(static_cast<std::size_t>(first), static_cast<std::size_t>(batch)));
    const auto objective = model.compute_gradients(loss);
    benchmark::DoNotOptimize(objective);
    adam.step(model.parameters());
    first += batch;
  }
  const double n = static_cast<double>(state.iterations()) * static_cast<double>(batch);
  state.counters["samples/s"] = benchmark::Counter(n, benchmark::Counter::kIsRate);
  state.counters["GFLOP/s"] = benchmark::Counter(n * training_flops<Model>() * 1e-9, benchmark::Counter::kIsRate);
}

}  // namespace bench
