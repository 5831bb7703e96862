// Convolutional autoencoders as whole models: finite-difference gradients (double) through every
// image layer with MSE and BCE, with sparsity, weight decay and denoising; training lowers the
// loss; the layers' threads and the blocked inference pass agree with the training pass.
#include <catch2/catch.hpp>

#include "helpers.hpp"

namespace hg = hourglass;

namespace {

// 1 x 8 x 8 images: conv (stride 2) and pooling down to a code of 4, transposed conv and
// upsampling back. Smooth everywhere (average pooling, no ReLU/ELU), so that a finite-difference
// step never crosses a kink; max pooling's gradient is checked on its own (test_pooling.cpp) and
// against PyTorch's (tests/python/torch_conv_check.cpp).
using Enc = hg::Encoder<hg::Conv2D<hg::Shape<1, 8, 8>, 3, 3, 1, 1, hg::Tanh>, hg::AvgPool2D<hg::Shape<3, 8, 8>, 2>,
                        hg::Conv2D<hg::Shape<3, 4, 4>, 4, 3, 2, 1, hg::Softplus>, hg::Flatten<4, 2, 2>, hg::Dense<16, 4, hg::Sigmoid>>;
using Dec = hg::Decoder<hg::Dense<4, 16, hg::Softplus>, hg::Reshape<hg::Shape<16>, hg::Shape<4, 2, 2>>,
                        hg::ConvTranspose2D<hg::Shape<4, 2, 2>, 3, 3, 2, 1, 1, hg::Tanh>, hg::Upsample2D<hg::Shape<3, 4, 4>, 2>,
                        hg::AvgPool2D<hg::Shape<3, 8, 8>, 3, 1, 1>, hg::Conv2D<hg::Shape<3, 8, 8>, 1, 3, 1, 1, hg::Sigmoid>>;
template <class... P>
using Model = hg::BasicAutoencoder<double, Enc, Dec, P...>;

// Step 1e-3: the loss is a mean over 64 pixels x the batch (~0.7) while the gradients it is
// compared on reach down to ~1e-6 (the check's floor), so at the default 1e-5 the difference
// quotient's rounding (~1e-16·|L|/h) was 7e-6 of those (measured: 1e-5: 7e-6, 1e-4: 1e-6).
template <class M, class L>
double gradient_error(M& model, const L& loss, const Eigen::MatrixXd& input, const Eigen::MatrixXd& target) {
  const auto r = hg::check_model_gradient(model, loss, input, target, 1e-3);
  UNSCOPED_INFO("worst parameter " << r.worst_index << " of " << model.parameters().size() << ": analytic "
                                   << r.analytic << ", numeric " << r.numeric);
  return r.max_relative_error;
}

}  // namespace

TEST_CASE("a conv autoencoder's gradient matches finite differences (MSE and BCE, batch 3)", "[conv][gradient]") {
  const Eigen::MatrixXd x = test::uniform(64, 3, 21);
  Model<> model(5);
  CHECK(gradient_error(model, hg::MeanSquaredError{}, x, x) < 1e-6);
  CHECK(gradient_error(model, hg::BinaryCrossEntropy{}, x, x) < 1e-6);
}

TEST_CASE("a conv autoencoder with penalties and a corrupted input: gradients match", "[conv][gradient]") {
  const Eigen::MatrixXd x = test::uniform(64, 4, 22);
  SECTION("sparse KL on the sigmoid code, weight decay on every conv and dense weight") {
    Model<hg::SparseKL<>, hg::WeightDecay> model(6, {.rho = 0.1, .beta = 2.0}, {.lambda = 0.05});
    const auto objective = model.compute_gradients(hg::BinaryCrossEntropy{}, x, x);
    CHECK(objective.penalty > 0);
    CHECK(gradient_error(model, hg::BinaryCrossEntropy{}, x, x) < 1e-6);
  }
  SECTION("sparse L1 on a hidden conv layer's activations") {
    Model<hg::SparseL1<0>> model(7, {.lambda = 0.3});
    CHECK(gradient_error(model, hg::MeanSquaredError{}, x, x) < 1e-6);
  }
  SECTION("denoising: the corrupted input in, the clean target out") {
    Model<hg::MaskingNoise> model(8, {.fraction = 0.3});
    Eigen::MatrixXd corrupted = x;
    hg::Random rng(3);
    hg::MaskingNoise{.fraction = 0.3}.corrupt(corrupted, rng);
    CHECK(gradient_error(model, hg::BinaryCrossEntropy{}, corrupted, x) < 1e-6);
  }
}

TEST_CASE("the keras.io conv autoencoder has its published 28,353 parameters", "[conv]") {
  using Keras = hg::Autoencoder<
      hg::Encoder<hg::Conv2D<hg::Shape<1, 28, 28>, 32, 3, 1, 1, hg::ReLU>, hg::MaxPool2D<hg::Shape<32, 28, 28>, 2>,
                  hg::Conv2D<hg::Shape<32, 14, 14>, 32, 3, 1, 1, hg::ReLU>, hg::MaxPool2D<hg::Shape<32, 14, 14>, 2>>,
      hg::Decoder<hg::ConvTranspose2D<hg::Shape<32, 7, 7>, 32, 3, 2, 1, 1, hg::ReLU>,
                  hg::ConvTranspose2D<hg::Shape<32, 14, 14>, 32, 3, 2, 1, 1, hg::ReLU>,
                  hg::Conv2D<hg::Shape<32, 28, 28>, 1, 3, 1, 1, hg::Sigmoid>>>;
  STATIC_REQUIRE(Keras::network_type::learnable_parameter_count == 28353);
  // The buffer is longer: each block starts on an aligned offset.
  STATIC_REQUIRE(Keras::network_type::parameter_count >= 28353);
}

TEST_CASE("weight decay decays a conv layer's weight block", "[conv]") {
  Model<hg::WeightDecay> model(9, {.lambda = 1.0});
  const Eigen::MatrixXd x = test::uniform(64, 2, 23);
  const double penalty = model.compute_gradients(hg::MeanSquaredError{}, x, x).penalty;
  // WeightDecay: lambda/2 * sum of squares of every block named "weight".
  double squares = 0;
  squares += model.network().block_values<0, 0>().squaredNorm() + model.network().block_values<2, 0>().squaredNorm();
  squares += model.network().block_values<4, 0>().squaredNorm() + model.network().block_values<5, 0>().squaredNorm();
  squares += model.network().block_values<7, 0>().squaredNorm() + model.network().block_values<10, 0>().squaredNorm();
  CHECK(penalty == Approx(0.5 * squares));
}

TEST_CASE("a conv autoencoder trains: fit lowers the loss", "[conv][training]") {
  using Float = hg::Autoencoder<Enc, Dec>;
  Float model(11);
  // Images with structure: a bright square at a random place on a dark background.
  hg::Random rng(4);
  Eigen::MatrixXf x = Eigen::MatrixXf::Constant(64, 256, 0.1f);
  for (Eigen::Index s = 0; s < x.cols(); ++s) {
    const auto r = static_cast<Eigen::Index>(rng.uniform(0, 5)), c = static_cast<Eigen::Index>(rng.uniform(0, 5));
    for (Eigen::Index i = r; i < r + 3; ++i)
      for (Eigen::Index j = c; j < c + 3; ++j) x(i * 8 + j, s) = 0.9f;
  }
  const double before = model.evaluate(hg::BinaryCrossEntropy{}, x);
  hg::Adam<float> adam({.learning_rate = 3e-3});
  hg::FitOptions o;
  o.epochs = 15;
  o.batch_size = 16;
  o.progress = hg::Progress::never;
  hg::fit(model, adam, x, o, hg::BinaryCrossEntropy{});
  const double after = model.evaluate(hg::BinaryCrossEntropy{}, x);
  INFO("BCE per element before " << before << ", after " << after);
  CHECK(after < 0.75 * before);
}

TEST_CASE("conv inference: few-sample, blocked and training passes agree", "[conv][inference]") {
  // More than two blocks of 512 samples: the blocked pass (a block per thread) runs.
  hg::Autoencoder<Enc, Dec> model(12);
  const Eigen::MatrixXf x = test::uniform(64, 1100, 24).cast<float>();
  const Eigen::MatrixXf blocked = model.reconstruct(x);
  const Eigen::MatrixXf few = model.reconstruct(x.leftCols(7));
  CHECK((blocked.leftCols(7) - few).cwiseAbs().maxCoeff() < 1e-6f);
  model.compute_gradients(hg::MeanSquaredError{}, x.leftCols(40), x.leftCols(40));
  const Eigen::MatrixXf trained = model.network().activation<Enc::depth + Dec::depth - 1>(40);
  CHECK((blocked.leftCols(40) - trained).cwiseAbs().maxCoeff() < 1e-6f);
}
