// Variants, behaviour: on corrupted test inputs, a denoising model's reconstruction is closer
// to the clean inputs than a plain model's of the same size and training budget.
#include <catch2/catch.hpp>

#include "variants_data.hpp"

namespace hg = hourglass;

namespace {
template <class Corruption>
void compare(const Corruption& corruption, const char* what) {
  // One manifold: 2000 training points and 500 held-out test points.
  const Eigen::MatrixXf all = test::manifold(30, 3, 2500, 301);
  const Eigen::MatrixXf train = all.leftCols(2000);
  const Eigen::MatrixXf held_out = all.rightCols(500);
  using Layers = hg::Encoder<hg::Dense<30, 24, hg::Tanh>>;
  using Out = hg::Decoder<hg::Dense<24, 30, hg::Sigmoid>>;
  hg::Autoencoder<Layers, Out> plain(302);
  hg::Autoencoder<Layers, Out, Corruption> denoising(302, corruption);
  hg::FitOptions options;
  options.epochs = 40;
  options.batch_size = 64;
  hg::Adam<float> a1({.learning_rate = 3e-3f}), a2({.learning_rate = 3e-3f});
  hg::fit(plain, a1, train, options);
  hg::fit(denoising, a2, train, options);

  Eigen::MatrixXf corrupted = held_out;
  hg::Random rng(303);
  corruption.corrupt(corrupted, rng);
  auto error = [&](const auto& model) {
    return static_cast<double>((model.reconstruct(corrupted) - held_out).squaredNorm() / static_cast<float>(held_out.size()));
  };
  const double input_error = static_cast<double>((corrupted - held_out).squaredNorm() / static_cast<float>(held_out.size()));
  const double e_plain = error(plain), e_denoising = error(denoising);
  WARN(what << ": MSE to the clean inputs — corrupted input itself " << input_error << ", plain model " << e_plain
            << ", denoising model " << e_denoising << " (clean-input MSE: plain " << plain.evaluate(hg::MSE{}, held_out)
            << ", denoising " << denoising.evaluate(hg::MSE{}, held_out) << ")");
  CHECK(e_denoising < 0.8 * e_plain);
  CHECK(e_denoising < 0.5 * input_error);  // it really removes noise
}
}  // namespace

TEST_CASE("denoising with Gaussian noise beats a plain model on noisy inputs", "[variants][behaviour][denoising]") {
  compare(hg::GaussianNoise{.sigma = 0.2}, "gaussian sigma 0.2");
}
TEST_CASE("denoising with masking noise beats a plain model on masked inputs", "[variants][behaviour][denoising]") {
  compare(hg::MaskingNoise{.fraction = 0.3}, "masking 0.3");
}
TEST_CASE("denoising with salt-and-pepper noise beats a plain model on such inputs", "[variants][behaviour][denoising]") {
  compare(hg::SaltAndPepper{.fraction = 0.2}, "salt and pepper 0.2");
}

TEST_CASE("model.corrupt applies the model's corruption policies in order, through public API", "[variants][denoising]") {
  using Layers = hg::Encoder<hg::Dense<8, 4, hg::Sigmoid>>;
  using Out = hg::Decoder<hg::Dense<4, 8, hg::Sigmoid>>;
  const Eigen::MatrixXf x = test::uniform(8, 5, 81).cast<float>();
  const hg::Autoencoder<Layers, Out, hg::MaskingNoise, hg::GaussianNoise> model(1, {.fraction = 0.5}, {.sigma = 0.1});
  hg::Random a(9), b(9);
  const Eigen::MatrixXf noisy = model.corrupt(x, a);
  Eigen::MatrixXf expected = x;
  hg::MaskingNoise{.fraction = 0.5}.corrupt(expected, b);
  hg::GaussianNoise{.sigma = 0.1}.corrupt(expected, b);
  CHECK(noisy == expected);
  CHECK(noisy != x);
  const hg::Autoencoder<Layers, Out> plain(1);
  CHECK(plain.corrupt(x, a) == x);  // nothing corrupts: the input itself
  CHECK_THROWS_WITH(model.corrupt(Eigen::MatrixXf(7, 2), a), Catch::Contains("corrupt: expected a batch of 8 x n"));
}
