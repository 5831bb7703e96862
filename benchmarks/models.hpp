// The architectures the benchmarks measure, and the GEMM flop counts their counters report.
//
// Flops per sample (multiply-add = 2): forward 2*in*out per layer; backward 4*in*out per layer
// (dW = G X^T and dX = W^T G), except the first layer, whose input gradient is skipped: 2*in*out.
#pragma once

#include <hourglass/hourglass.hpp>

#include <array>
#include <cstdint>

namespace hg = hourglass;

namespace bench {

/// 784-256-64-32-64-256-784: ReLU hidden, linear code, sigmoid output.
using Small = hg::Autoencoder<hg::Encoder<hg::Dense<784, 256, hg::ReLU>, hg::Dense<256, 64, hg::ReLU>, hg::Dense<64, 32>>,
                              hg::Decoder<hg::Dense<32, 64, hg::ReLU>, hg::Dense<64, 256, hg::ReLU>,
                                          hg::Dense<256, 784, hg::Sigmoid>>>;
/// Hinton & Salakhutdinov's 784-1000-500-250-30 (ReLU hidden instead of RBM-pretrained logistic).
using Hinton = hg::Autoencoder<
    hg::Encoder<hg::Dense<784, 1000, hg::ReLU>, hg::Dense<1000, 500, hg::ReLU>, hg::Dense<500, 250, hg::ReLU>,
                hg::Dense<250, 30>>,
    hg::Decoder<hg::Dense<30, 250, hg::ReLU>, hg::Dense<250, 500, hg::ReLU>, hg::Dense<500, 1000, hg::ReLU>,
                hg::Dense<1000, 784, hg::Sigmoid>>>;

/// The same architectures in double precision (the "fp64 no slower than 0.5x fp32").
using SmallF64 = hg::BasicAutoencoder<double, Small::encoder_type, Small::decoder_type>;
using HintonF64 = hg::BasicAutoencoder<double, Hinton::encoder_type, Hinton::decoder_type>;

/// Sum over layers [First, Last) of in*out.
template <class Model, std::size_t First = 0, std::size_t Last = Model::depth>
constexpr double weight_products() {
  double sum = 0;
  hg::detail::static_for<Last - First>([&](auto i) {
    using L = typename Model::template layer_type<First + decltype(i)::value>;
    sum += static_cast<double>(L::input_shape::size) * static_cast<double>(L::output_shape::size);
  });
  return sum;
}

template <class Model>
double forward_flops() { return 2 * weight_products<Model>(); }
template <class Model>
double encode_flops() { return 2 * weight_products<Model, 0, Model::encoder_depth>(); }
template <class Model>
double backward_flops() {
  using First = typename Model::template layer_type<0>;
  return 4 * weight_products<Model>() - 2 * static_cast<double>(First::input_shape::size) * static_cast<double>(First::output_shape::size);
}
template <class Model>
double training_flops() { return forward_flops<Model>() + backward_flops<Model>(); }

/// Uniform [0, 1) data, d x n, seeded.
template <class Scalar = float>
Eigen::Matrix<Scalar, Eigen::Dynamic, Eigen::Dynamic> synthetic(Eigen::Index d, Eigen::Index n, std::uint64_t seed = 1) {
  hg::Random rng(seed);
  Eigen::Matrix<Scalar, Eigen::Dynamic, Eigen::Dynamic> x(d, n);
  for (Eigen::Index i = 0; i < x.size(); ++i) x.data()[i] = static_cast<Scalar>(rng.uniform(0.0, 1.0));
  return x;
}

}  // namespace bench
