// The architectures the benchmarks measure, and the GEMM flop counts their counters report.
//
// Flops per sample (multiply-add = 2): forward L::flops(1) per layer (Dense: 2*in*out); backward
// twice that (dW = G X^T and dX = W^T G), except the first layer, whose input gradient is skipped.
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

/// The conv presets of the MNIST example (examples/mnist/options.hpp has them too).
/// `conv`: Conv 1->32 s2, Conv 32->64 s2, Dense 3136->32 | Dense 32->3136, ConvT 64->32 s2, ConvT 32->1 s2.
using Conv = hg::Autoencoder<
    hg::Encoder<hg::Conv2D<hg::Shape<1, 28, 28>, 32, 3, 2, 1, hg::ReLU>, hg::Conv2D<hg::Shape<32, 14, 14>, 64, 3, 2, 1, hg::ReLU>,
                hg::Flatten<64, 7, 7>, hg::Dense<3136, 32>>,
    hg::Decoder<hg::Dense<32, 3136, hg::ReLU>, hg::Reshape<hg::Shape<3136>, hg::Shape<64, 7, 7>>,
                hg::ConvTranspose2D<hg::Shape<64, 7, 7>, 32, 3, 2, 1, 1, hg::ReLU>,
                hg::ConvTranspose2D<hg::Shape<32, 14, 14>, 1, 3, 2, 1, 1, hg::Sigmoid>>>;
/// `conv-keras`: the keras.io convolutional (denoising) autoencoder, 28,353 parameters.
using ConvKeras = hg::Autoencoder<
    hg::Encoder<hg::Conv2D<hg::Shape<1, 28, 28>, 32, 3, 1, 1, hg::ReLU>, hg::MaxPool2D<hg::Shape<32, 28, 28>, 2>,
                hg::Conv2D<hg::Shape<32, 14, 14>, 32, 3, 1, 1, hg::ReLU>, hg::MaxPool2D<hg::Shape<32, 14, 14>, 2>>,
    hg::Decoder<hg::ConvTranspose2D<hg::Shape<32, 7, 7>, 32, 3, 2, 1, 1, hg::ReLU>,
                hg::ConvTranspose2D<hg::Shape<32, 14, 14>, 32, 3, 2, 1, 1, hg::ReLU>,
                hg::Conv2D<hg::Shape<32, 28, 28>, 1, 3, 1, 1, hg::Sigmoid>>>;

/// `vae`: PyTorch's VAE example, 784-400-(20 means, 20 log-variances), decoder 20-400-784.
using Vae = hg::VariationalAutoencoder<hg::Encoder<hg::Dense<784, 400, hg::ReLU>, hg::Dense<400, 40>>,
                                       hg::Decoder<hg::Dense<20, 400, hg::ReLU>, hg::Dense<400, 784, hg::Sigmoid>>,
                                       hg::BernoulliLikelihood>;

/// Sum over layers [First, Last) of each layer's forward flops per sample (L::flops(1)).
template <class Model, std::size_t First = 0, std::size_t Last = Model::depth>
constexpr double layer_flops() {
  double sum = 0;
  hg::detail::static_for<Last - First>([&](auto i) {
    sum += Model::template layer_type<First + decltype(i)::value>::flops(1);
  });
  return sum;
}

template <class Model>
double forward_flops() { return layer_flops<Model>(); }
template <class Model>
double encode_flops() { return layer_flops<Model, 0, Model::encoder_depth>(); }
/// Backward: the parameter gradient and the input gradient each cost a forward's products,
/// except the first layer's input gradient, which is skipped.
template <class Model>
double backward_flops() {
  return 2 * layer_flops<Model>() - layer_flops<Model, 0, 1>();
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
