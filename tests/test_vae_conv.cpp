// A convolutional VAE: Conv2D encoder ending in Dense<., 2K>, a decoder of Dense, Reshape and
// ConvTranspose2D back to the image. Finite-difference gradients in double with eps fixed, and a
// few epochs of training raise its ELBO.
#include <catch2/catch.hpp>

#include "helpers.hpp"

namespace hg = hourglass;

namespace {
// 1 x 6 x 6 images, 3 latent units; smooth activations so no finite-difference step crosses a kink.
using Enc = hg::Encoder<hg::Conv2D<hg::Shape<1, 6, 6>, 2, 3, 2, 1, hg::Tanh>, hg::Flatten<2, 3, 3>, hg::Dense<18, 6>>;
using Dec = hg::Decoder<hg::Dense<3, 18, hg::Softplus>, hg::Reshape<hg::Shape<18>, hg::Shape<2, 3, 3>>,
                        hg::ConvTranspose2D<hg::Shape<2, 3, 3>, 1, 3, 2, 1, 1, hg::Sigmoid>>;
}  // namespace

TEST_CASE("a conv VAE's gradient matches finite differences with eps fixed", "[vae][conv][gradient]") {
  hg::BasicVariationalAutoencoder<double, Enc, Dec, hg::BernoulliLikelihood> model(9, {.beta = 1.5});
  const Eigen::MatrixXd x = test::uniform(36, 3, 61);
  const auto r = hg::check_model_gradient(model, model.likelihood(), x, x, 1e-4);
  INFO("worst parameter " << r.worst_index << ": analytic " << r.analytic << ", numeric " << r.numeric);
  CHECK(r.max_relative_error < 1e-6);
}

TEST_CASE("a conv VAE trains: its ELBO rises", "[vae][conv][training]") {
  hg::VariationalAutoencoder<Enc, Dec, hg::BernoulliLikelihood> model(10);
  const Eigen::MatrixXf x = test::uniform(36, 128, 62).cast<float>();
  const double before = model.elbo(x, 1).elbo();
  hg::Adam<float> adam({.learning_rate = 0.01});
  hg::FitOptions o;
  o.epochs = 5;
  o.batch_size = 16;
  o.progress = hg::Progress::never;
  hg::fit(model, adam, x, o);
  CHECK(model.elbo(x, 1).elbo() > before + 0.5);
}
