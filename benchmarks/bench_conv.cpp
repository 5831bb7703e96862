// The image layers one at a time, at the sizes of the `conv` and `conv-keras` MNIST presets,
// batch 128: forward, and backward with the input gradient (dW, db, dX), in GFLOP/s (a
// multiply-add counts 2: forward = L::flops(n), backward = 2 L::flops(n)); and the conv presets'
// whole training step (bench_training.cpp measures the dense ones).
#include <benchmark/benchmark.h>

#include "steps.hpp"

#include <numeric>
#include <vector>

namespace {

constexpr Eigen::Index batch = 128;

/// A layer's parameters, input, output and gradients, as a model's chain holds them.
template <class L>
struct Bench {
  static constexpr Eigen::Index in = L::input_shape::size, out = L::output_shape::size;
  Eigen::VectorXf params, grads;
  Eigen::MatrixXf x, y, g, dx;
  Bench() : params(hg::own_parameter_count<L>()), grads(params.size()), x(bench::synthetic(in, batch)), y(out, batch),
            g(bench::synthetic(out, batch, 2)), dx(in, batch) {
    hg::Random rng(1);
    L::initialize(blocks<float>(params.data()), rng);
  }
  template <class P>
  static hg::Blocks<P> blocks(P* base) {
    hg::Blocks<P> b;
    hg::Index offset = 0;
    for (std::size_t i = 0; i < hg::block_count<L>; ++i) {
      b.data[i] = base + offset;
      offset += L::parameter_blocks[i].size();
    }
    return b;
  }
  void forward() {
    hg::MatrixMap<float> ym(y.data(), out, batch);
    L::template forward<false>(blocks<const float>(params.data()), hg::as_input<float>(x), ym, ym);
  }
  void backward() {
    hg::MatrixMap<float> ym(y.data(), out, batch), gm(g.data(), out, batch), dxm(dx.data(), in, batch);
    hg::GradientBlocks<float> dp;
    dp.data = blocks<float>(grads.data()).data;
    L::template backward<hg::Identity>(blocks<const float>(params.data()), hg::as_input<float>(x), ym, gm, dp, &dxm);
  }
};

void counters(benchmark::State& state, double flops) {
  const double n = static_cast<double>(state.iterations());
  state.counters["GFLOP/s"] = benchmark::Counter(n * flops * 1e-9, benchmark::Counter::kIsRate);
  state.counters["samples/s"] = benchmark::Counter(n * batch, benchmark::Counter::kIsRate);
}

template <class L>
void BM_LayerForward(benchmark::State& state) {
  Bench<L> b;
  b.forward();
  for (auto _ : state) {
    b.forward();
    benchmark::ClobberMemory();
  }
  counters(state, L::flops(batch));
}
template <class L>
void BM_LayerBackward(benchmark::State& state) {
  Bench<L> b;
  b.forward();
  b.backward();
  for (auto _ : state) {
    b.backward();
    benchmark::ClobberMemory();
  }
  counters(state, 2 * L::flops(batch));
}

template <class Model>
void BM_Step(benchmark::State& state) {
  static const Eigen::MatrixXf x = bench::synthetic(784, 4096);
  bench::train_steps<Model>(state, x, batch, hg::BCE{});
}

template <class L>
void layer(const char* name) {
  benchmark::RegisterBenchmark((std::string("forward/") + name).c_str(), BM_LayerForward<L>)->MinTime(0.5)->UseRealTime();
  benchmark::RegisterBenchmark((std::string("backward/") + name).c_str(), BM_LayerBackward<L>)->MinTime(0.5)->UseRealTime();
}

}  // namespace

int main(int argc, char** argv) {
  // `conv`: 1 -> 32 -> 64 channels at stride 2, and back.
  layer<hg::Conv2D<hg::Shape<1, 28, 28>, 32, 3, 2, 1, hg::ReLU>>("conv2d/1x28x28->32,s2");
  layer<hg::Conv2D<hg::Shape<32, 14, 14>, 64, 3, 2, 1, hg::ReLU>>("conv2d/32x14x14->64,s2");
  layer<hg::ConvTranspose2D<hg::Shape<64, 7, 7>, 32, 3, 2, 1, 1, hg::ReLU>>("conv_transpose2d/64x7x7->32,s2");
  layer<hg::ConvTranspose2D<hg::Shape<32, 14, 14>, 1, 3, 2, 1, 1, hg::Sigmoid>>("conv_transpose2d/32x14x14->1,s2");
  // `conv-keras`: 32 channels at stride 1 with pooling, transposed convolutions at stride 2.
  layer<hg::Conv2D<hg::Shape<1, 28, 28>, 32, 3, 1, 1, hg::ReLU>>("conv2d/1x28x28->32");
  layer<hg::MaxPool2D<hg::Shape<32, 28, 28>, 2>>("max_pool2d/32x28x28");
  layer<hg::Conv2D<hg::Shape<32, 14, 14>, 32, 3, 1, 1, hg::ReLU>>("conv2d/32x14x14->32");
  layer<hg::ConvTranspose2D<hg::Shape<32, 7, 7>, 32, 3, 2, 1, 1, hg::ReLU>>("conv_transpose2d/32x7x7->32,s2");
  layer<hg::ConvTranspose2D<hg::Shape<32, 14, 14>, 32, 3, 2, 1, 1, hg::ReLU>>("conv_transpose2d/32x14x14->32,s2");
  layer<hg::Conv2D<hg::Shape<32, 28, 28>, 1, 3, 1, 1, hg::Sigmoid>>("conv2d/32x28x28->1");
  layer<hg::Upsample2D<hg::Shape<32, 14, 14>, 2>>("upsample2d/32x14x14");
  benchmark::RegisterBenchmark("train_step/conv/batch:128", BM_Step<bench::Conv>)->MinTime(1.0)->UseRealTime();
  benchmark::RegisterBenchmark("train_step/conv-keras/batch:128", BM_Step<bench::ConvKeras>)->MinTime(1.0)->UseRealTime();
  benchmark::Initialize(&argc, argv);
  benchmark::RunSpecifiedBenchmarks();
  benchmark::Shutdown();
  return 0;
}
