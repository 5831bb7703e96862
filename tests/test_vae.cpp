// The dense VAE as a whole: finite-difference gradients in double with eps held fixed (Bernoulli
// and Gaussian likelihoods, beta, free bits), a seeded run repeats bit for bit, training raises
// the ELBO, KL warm-up follows its schedule, bad settings and bad data are refused, and a model
// file round-trips.
#include <catch2/catch.hpp>

#include "helpers.hpp"

#include <cmath>

namespace hg = hourglass;

namespace {
using Enc = hg::Encoder<hg::Dense<6, 5, hg::Tanh>, hg::Dense<5, 4>>;  // 2 latent units: 2 means, 2 log-variances
using Dec = hg::Decoder<hg::Dense<2, 5, hg::Tanh>, hg::Dense<5, 6, hg::Sigmoid>>;
using BernoulliVae = hg::BasicVariationalAutoencoder<double, Enc, Dec, hg::BernoulliLikelihood>;
using GaussDec = hg::Decoder<hg::Dense<2, 5, hg::Softplus>, hg::Dense<5, 6>>;
using GaussianVae = hg::BasicVariationalAutoencoder<double, Enc, GaussDec, hg::GaussianLikelihood>;

template <class M>
double gradient_error(M& model, const Eigen::MatrixXd& x) {
  const auto r = hg::check_model_gradient(model, model.likelihood(), x, x);
  UNSCOPED_INFO("worst parameter " << r.worst_index << ": analytic " << r.analytic << ", numeric " << r.numeric);
  return r.max_relative_error;
}
}  // namespace

TEST_CASE("a dense VAE's gradient matches finite differences with eps fixed", "[vae][gradient]") {
  const Eigen::MatrixXd x = test::uniform(6, 3, 31);
  SECTION("Bernoulli likelihood, beta 1") {
    BernoulliVae model(3);
    const auto objective = model.compute_gradients(model.likelihood(), x, x);
    CHECK(objective.loss > 0);
    CHECK(objective.penalty > 0);
    CHECK(gradient_error(model, x) < 1e-7);
  }
  SECTION("Gaussian likelihood (sigma 0.3), beta 4") {
    GaussianVae model(4, {.beta = 4.0}, hg::GaussianLikelihood{0.3});
    CHECK(gradient_error(model, x) < 1e-7);
  }
  SECTION("free bits above one unit's KL: that unit's KL gradient is off, and the check still holds") {
    BernoulliVae probe(5);
    Eigen::MatrixXd kl(2, 3);
    const auto q = probe.encode(x);
    Eigen::MatrixXd h(4, 3);
    h << q.mean, q.log_variance;
    hg::GaussianLatent<2>::kl_per_unit(h, kl);
    const Eigen::VectorXd means = kl.rowwise().mean();
    const double floor = means.mean();  // between the two units' KL
    CAPTURE(means.transpose(), floor);
    REQUIRE(means.minCoeff() < floor);
    BernoulliVae model(5, {.free_bits = floor});
    CHECK(gradient_error(model, x) < 1e-7);
  }
  SECTION("eps is held fixed: two calls give the same objective") {
    BernoulliVae model(6);
    CHECK(model.compute_gradients(model.likelihood(), x, x).total() ==
          model.compute_gradients(model.likelihood(), x, x).total());
  }
}

TEST_CASE("a VAE trains: the ELBO rises, a seeded run repeats bit for bit, warm-up ramps the KL weight", "[vae][training]") {
  const Eigen::MatrixXf x = test::uniform(6, 200, 41).cast<float>();
  using Vae = hg::VariationalAutoencoder<Enc, Dec, hg::BernoulliLikelihood>;
  auto train = [&](Vae& model, int epochs, std::vector<double>* weights = nullptr) {
    hg::Adam<float> adam({.learning_rate = 0.01});
    hg::FitOptions o;
    o.epochs = epochs;
    o.batch_size = 16;
    o.progress = hg::Progress::never;
    o.on_epoch = [&](const hg::EpochInfo&) {
      if (weights) weights->push_back(model.kl_weight());
      return true;
    };
    return hg::fit(model, adam, x, x.leftCols(50), o);  // default loss: the model's likelihood
  };
  Vae a(7), b(7);
  const double before = a.elbo(x, 1).elbo();
  const hg::History h = train(a, 5);
  train(b, 5);
  CHECK(a.elbo(x, 1).elbo() > before + 0.1);
  CHECK(a.parameters().values == b.parameters().values);
  REQUIRE(h.validation_loss.size() == 5);
  CHECK(h.validation_loss.back() < h.validation_loss.front());
  CHECK(h.validation_loss.back() == Approx(a.evaluate(a.likelihood(), x.leftCols(50))));
  CHECK(h.train_penalty.back() > 0);  // the KL term is reported apart from the reconstruction

  Vae warm(7, {.beta = 2.0, .warmup_epochs = 4});
  std::vector<double> weights;
  train(warm, 6, &weights);
  REQUIRE(weights.size() == 6);
  const std::vector<double> expected{0.5, 1.0, 1.5, 2.0, 2.0, 2.0};  // 2 * min(1, (e + 1) / 4)
  for (std::size_t e = 0; e < 6; ++e) CHECK(weights[e] == Approx(expected[e]));
}

TEST_CASE("a VAE's API: shapes of encode, decode, reconstruct, sample", "[vae]") {
  const hg::VariationalAutoencoder<Enc, Dec, hg::BernoulliLikelihood> model(8);
  const Eigen::MatrixXf x = test::uniform(6, 7, 42).cast<float>();
  const auto q = model.encode(x);
  CHECK(q.mean.rows() == 2);
  CHECK(q.mean.cols() == 7);
  CHECK(q.log_variance.rows() == 2);
  CHECK((model.reconstruct(x) - model.decode(q.mean)).norm() < 1e-6);
  const Eigen::MatrixXf s = model.sample(9, 3);
  CHECK(s.rows() == 6);
  CHECK(s.cols() == 9);
  CHECK((s.array() > 0).all());
  CHECK((s.array() < 1).all());
  CHECK(s == model.sample(9, 3));  // a seed gives the same samples
  CHECK(s != model.sample(9, 4));
}

TEST_CASE("a VAE refuses bad settings, bad data and a likelihood other than its own", "[vae][bad_input]") {
  using Vae = hg::VariationalAutoencoder<Enc, Dec, hg::BernoulliLikelihood>;
  CHECK_THROWS_WITH(Vae(1, {.beta = -1}), Catch::Contains("beta must be a finite number >= 0, got -1"));
  CHECK_THROWS_WITH(Vae(1, {.warmup_epochs = -2}), Catch::Contains("warmup_epochs must be >= 0, got -2"));
  CHECK_THROWS_WITH(Vae(1, {.free_bits = std::nan("")}), Catch::Contains("free_bits must be a finite number >= 0"));
  using GVae = hg::VariationalAutoencoder<Enc, GaussDec, hg::GaussianLikelihood>;
  CHECK_THROWS_WITH(GVae(1, {}, hg::GaussianLikelihood{-1}), Catch::Contains("sigma must be a finite number > 0, got -1"));

  Vae model(2);
  const Eigen::MatrixXf x = test::uniform(6, 10, 43).cast<float>();
  CHECK_THROWS_WITH(model.encode(Eigen::MatrixXf(5, 2)), Catch::Contains("encode: expected a batch of 6 x n"));
  CHECK_THROWS_WITH(model.decode(Eigen::MatrixXf(3, 2)), Catch::Contains("decode: expected a batch of 2 x n"));
  CHECK_THROWS_WITH(model.sample(0), Catch::Contains("sample: n must be >= 1, got 0"));
  CHECK_THROWS_WITH(model.log_likelihoods(x, 0), Catch::Contains("k (importance samples) must be >= 1, got 0"));
  Eigen::MatrixXf pixels = x * 255;
  CHECK_THROWS_WITH(model.elbo(pixels), Catch::Contains("bernoulli needs targets in [0, 1]"));
  hg::Adam<float> adam;
  hg::FitOptions o;
  o.progress = hg::Progress::never;
  CHECK_THROWS_WITH(hg::fit(model, adam, pixels, o), Catch::Contains("Scale the data into [0, 1]"));
  Eigen::MatrixXf holes = x;
  holes(3, 4) = std::nanf("");
  CHECK_THROWS_WITH(hg::fit(model, adam, holes, o), Catch::Contains("sample 4 (column 4) contains NaN or Inf"));

  GVae gaussian(3, {}, hg::GaussianLikelihood{0.1});
  CHECK_THROWS_WITH(hg::fit(gaussian, adam, x, o),  // fit's default: sigma 1, not the model's 0.1
                    Catch::Contains("the loss given (gaussian(sigma=1)) is not the model's likelihood (gaussian(sigma=0.1))"));
  CHECK_NOTHROW(hg::fit(gaussian, adam, x, o, gaussian.likelihood()));
  model.set_settings({.beta = 0.5});
  CHECK_THROWS(model.set_settings({.beta = -0.5}));
  CHECK(model.settings().beta == 0.5);
}
