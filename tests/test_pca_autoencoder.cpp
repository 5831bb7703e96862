// A linear autoencoder trained to convergence finds PCA's subspace and PCA's error.
#include <catch2/catch.hpp>

#include "helpers.hpp"

#include <algorithm>
#include <cmath>

namespace hg = hourglass;

TEST_CASE("a converged linear autoencoder spans PCA's top-k subspace and matches its error", "[pca][training]") {
  // 12-dimensional data: a rank-4 signal with scales 3, 2, 1.5, 1 plus isotropic noise 0.1, offset.
  constexpr int d = 12, k = 4, n = 2000;
  const Eigen::MatrixXd basis = test::normal(d, k, 71).householderQr().householderQ() * Eigen::MatrixXd::Identity(d, k);
  Eigen::MatrixXd scores = test::normal(k, n, 72);
  const Eigen::Vector4d scales(3.0, 2.0, 1.5, 1.0);
  scores = scales.asDiagonal() * scores;
  Eigen::MatrixXd x = basis * scores + 0.1 * test::normal(d, n, 73);
  x.colwise() += Eigen::VectorXd::LinSpaced(d, -1.0, 1.0);

  hg::PCA<double> pca(k);
  pca.fit(x);
  const double pca_error = pca.mean_squared_error(x);

  using Model = hg::BasicAutoencoder<double, hg::Encoder<hg::Dense<d, k>>, hg::Decoder<hg::Dense<k, d>>>;
  Model model(74);
  hg::Adam<double> adam({.learning_rate = 2e-2});
  hg::FitOptions options;
  options.epochs = 200;
  options.batch_size = 100;
  options.schedule = hg::schedule::cosine(options.epochs, 1e-5);
  hg::fit(model, adam, x, options);
  const double ae_error = model.evaluate(hg::MSE{}, x);

  // Principal angles between the decoder's column space and PCA's: cos = singular values of Q1^T Q2.
  const Eigen::MatrixXd decoder = model.decoder_weights<0>();
  const Eigen::MatrixXd q = decoder.householderQr().householderQ() * Eigen::MatrixXd::Identity(d, k);
  const Eigen::VectorXd cosines = (q.transpose() * pca.components()).jacobiSvd().singularValues();
  const double largest_angle = std::acos(std::clamp(cosines.minCoeff(), -1.0, 1.0));
  INFO("PCA MSE " << pca_error << ", autoencoder " << ae_error << ", largest principal angle " << largest_angle);
  CHECK(largest_angle < 0.05);
  CHECK(ae_error >= pca_error * (1 - 1e-9));  // PCA is the optimum
  CHECK(ae_error <= pca_error * 1.01);
}
