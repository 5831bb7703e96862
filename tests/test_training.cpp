// Training end to end on data the test generates: a linear autoencoder finds the best rank-k
// projection; a nonlinear one learns a curved manifold.
#include <catch2/catch.hpp>

#include "helpers.hpp"

#include <Eigen/Eigenvalues>
#include <cmath>
#include <numbers>

namespace hg = hourglass;

TEST_CASE("a linear autoencoder reaches the best rank-k reconstruction error within 1%", "[training][linear]") {
  // 10-dimensional data: a rank-3 signal with scales 3, 2, 1.5 plus isotropic noise 0.1, offset.
  constexpr int d = 10, k = 3, n = 2000;
  const Eigen::MatrixXd basis = test::normal(d, k, 41).householderQr().householderQ() * Eigen::MatrixXd::Identity(d, k);
  Eigen::MatrixXd scores = test::normal(k, n, 42);
  scores.row(0) *= 3.0;
  scores.row(1) *= 2.0;
  scores.row(2) *= 1.5;
  Eigen::MatrixXd x = basis * scores + 0.1 * test::normal(d, n, 43);
  x.colwise() += Eigen::VectorXd::LinSpaced(d, -1.0, 1.0);

  // The best affine rank-k reconstruction: centred PCA; its MSE per element is the sum of the
  // d - k smallest covariance eigenvalues (population normalisation) divided by d.
  const Eigen::MatrixXd centred = x.colwise() - x.rowwise().mean();
  const Eigen::MatrixXd covariance = centred * centred.transpose() / n;
  Eigen::SelfAdjointEigenSolver<Eigen::MatrixXd> eig(covariance);
  const double best = eig.eigenvalues().head(d - k).sum() / d;

  using Model = hg::BasicAutoencoder<double, hg::Encoder<hg::Dense<d, k>>, hg::Decoder<hg::Dense<k, d>>>;
  Model model(44);
  hg::Adam<double> adam({.learning_rate = 2e-2});
  hg::FitOptions options;
  options.epochs = 200;
  options.batch_size = 100;
  options.schedule = hg::schedule::cosine(options.epochs, 1e-5);
  hg::fit(model, adam, x, options);
  const double reached = model.evaluate(hg::MSE{}, x);
  INFO("best rank-" << k << " MSE " << best << ", autoencoder " << reached);
  CHECK(reached >= best * (1 - 1e-9));  // nothing beats the optimum
  CHECK(reached <= best * 1.01);
}

TEST_CASE("a nonlinear autoencoder's loss falls on a curved manifold", "[training][nonlinear]") {
  // A closed curve in 8 dimensions: t -> (cos t, sin t, cos 2t, sin 2t, ...) / 2 + 0.5.
  constexpr int n = 1500;
  Eigen::MatrixXf x(8, n);
  hg::Random rng(51);
  for (int j = 0; j < n; ++j) {
    const double t = rng.uniform(0.0, 2 * std::numbers::pi);
    for (int h = 0; h < 4; ++h) {
      x(2 * h, j) = static_cast<float>(0.5 + 0.4 * std::cos((h + 1) * t));
      x(2 * h + 1, j) = static_cast<float>(0.5 + 0.4 * std::sin((h + 1) * t));
    }
  }
  using Model = hg::Autoencoder<hg::Encoder<hg::Dense<8, 32, hg::Tanh>, hg::Dense<32, 2>>,
                                hg::Decoder<hg::Dense<2, 32, hg::Tanh>, hg::Dense<32, 8, hg::Sigmoid>>>;
  Model model(52);
  const double before = model.evaluate(hg::MSE{}, x);
  hg::Adam<float> adam({.learning_rate = 3e-3});
  hg::FitOptions options;
  options.epochs = 60;
  options.batch_size = 32;
  const auto history = hg::fit(model, adam, x, options);
  const double after = model.evaluate(hg::MSE{}, x);
  INFO("MSE before " << before << ", after " << after);
  CHECK(after < 0.1 * before);
  CHECK(history.train_loss.back() < history.train_loss.front());
}
