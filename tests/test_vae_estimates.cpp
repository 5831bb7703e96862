// The VAE's estimates of log p(x) against a model whose log p(x) is known exactly: a linear
// Gaussian decoder p(x | z) = N(Wz + b, s^2 I) with prior N(0, I) has the marginal
// p(x) = N(b, W W^T + s^2 I); when W's columns are orthogonal, the true posterior is a diagonal
// Gaussian that an encoder Dense<D, 2K> can hold exactly. Then every importance weight equals
// p(x), so the ELBO and the IWAE estimate equal log p(x) to rounding for any eps and any k. With a
// perturbed encoder, ELBO <= IWAE(k) <= log p(x) up to the estimates' noise, IWAE tightening with
// k (Burda et al. 2016, theorem 1). Active units: a unit the encoder ignores is not active.
#include <catch2/catch.hpp>

#include "helpers.hpp"

#include <cmath>
#include <numbers>

namespace hg = hourglass;

namespace {
constexpr int D = 5, K = 2;
using Vae = hg::BasicVariationalAutoencoder<double, hg::Encoder<hg::Dense<D, 2 * K>>, hg::Decoder<hg::Dense<K, D>>,
                                            hg::GaussianLikelihood>;
constexpr double s = 0.4;

struct Linear {
  Eigen::MatrixXd w;  // D x K, orthogonal columns
  Eigen::VectorXd b;
};

Linear make_linear(double second_column_scale) {
  const Eigen::MatrixXd a = test::normal(D, D, 51);
  const Eigen::HouseholderQR<Eigen::MatrixXd> qr(a);
  const Eigen::MatrixXd q = qr.householderQ() * Eigen::MatrixXd::Identity(D, K);
  Linear l;
  l.w = q;
  l.w.col(0) *= 1.5;
  l.w.col(1) *= second_column_scale;
  l.b = test::uniform(D, 1, 52, -0.5, 0.5);
  return l;
}

/// The decoder holds (W, b); the encoder the exact posterior N(M^-1 W^T (x - b) / s^2, M^-1),
/// M = I + W^T W / s^2 (diagonal here).
void set_exact(Vae& model, const Linear& l) {
  model.network().weights<2>() = l.w;  // layers: 0 encoder Dense, 1 GaussianLatent, 2 decoder Dense
  model.network().bias<2>() = l.b;
  const Eigen::VectorXd m = (Eigen::VectorXd::Ones(K) + (l.w.transpose() * l.w).diagonal() / (s * s));
  auto we = model.network().weights<0>();
  auto be = model.network().bias<0>();
  we.setZero();
  we.topRows(K) = m.cwiseInverse().asDiagonal() * l.w.transpose() / (s * s);
  be.head(K) = -we.topRows(K) * l.b;
  be.tail(K) = -m.array().log();
}

double exact_log_p(const Linear& l, const Eigen::VectorXd& x) {
  const Eigen::MatrixXd c = l.w * l.w.transpose() + s * s * Eigen::MatrixXd::Identity(D, D);
  const Eigen::LLT<Eigen::MatrixXd> llt(c);
  const Eigen::VectorXd d = x - l.b;
  const double logdet = 2 * Eigen::MatrixXd(llt.matrixL()).diagonal().array().log().sum();
  return -0.5 * (d.dot(llt.solve(d)) + logdet + D * std::log(2 * std::numbers::pi));
}
}  // namespace

TEST_CASE("ELBO and IWAE equal the exact log p(x) when the encoder is the true posterior", "[vae][estimates]") {
  const Linear l = make_linear(0.7);
  Vae model(1, {}, hg::GaussianLikelihood{s});
  set_exact(model, l);
  const Eigen::MatrixXd x = test::normal(D, 6, 53);
  double exact = 0;
  for (Eigen::Index j = 0; j < x.cols(); ++j) exact += exact_log_p(l, x.col(j));
  exact /= static_cast<double>(x.cols());
  // The ELBO's one-draw estimate (closed-form KL, one z per sample) equals log p(x) in
  // expectation only: 400 draws per sample, against its standard error.
  const Eigen::MatrixXd many = x.replicate(1, 400);
  CHECK(std::abs(model.elbo(many, 7).elbo() - exact) < 0.05);
  CHECK(model.log_likelihood(x, 3) == Approx(exact).epsilon(1e-12));
  CHECK(model.log_likelihood(x, 5000) == Approx(exact).epsilon(1e-12));  // two passes of 2500 draws
  const Eigen::VectorXd each = model.log_likelihoods(x, 10);
  for (Eigen::Index j = 0; j < x.cols(); ++j) CHECK(each(j) == Approx(exact_log_p(l, x.col(j))).epsilon(1e-12));
}

TEST_CASE("with an imperfect encoder: ELBO < IWAE(2) < IWAE(5000) <= log p(x)", "[vae][estimates]") {
  const Linear l = make_linear(0.7);
  Vae model(1, {}, hg::GaussianLikelihood{s});
  set_exact(model, l);
  model.network().bias<0>().array() += 1.0;  // means and log-variances off
  const Eigen::MatrixXd x = test::normal(D, 100, 54);
  double exact = 0;
  for (Eigen::Index j = 0; j < x.cols(); ++j) exact += exact_log_p(l, x.col(j));
  exact /= static_cast<double>(x.cols());
  const double elbo = model.elbo(x.replicate(1, 50), 1).elbo();
  const double iwae2 = model.log_likelihood(x, 2), iwae5000 = model.log_likelihood(x, 5000);
  CAPTURE(elbo, iwae2, iwae5000, exact);
  CHECK(elbo < iwae2);
  CHECK(iwae2 < iwae5000);
  CHECK(iwae5000 <= exact + 1e-3);
  CHECK(exact - iwae5000 < 0.1);  // measured 0.027, from a gap of 10 nats for the ELBO
}

TEST_CASE("active units: a latent unit whose mean ignores the data is not active", "[vae][estimates]") {
  const Linear l = make_linear(0.7);
  Vae model(1, {}, hg::GaussianLikelihood{s});
  set_exact(model, l);
  const Eigen::MatrixXd x = test::normal(D, 300, 55);
  CHECK(model.active_units(x) == 2);
  model.network().weights<0>().row(1).setZero();  // unit 1's mean is its bias alone
  CHECK(model.active_units(x) == 1);
  // The threshold is on the variance of the mean over the data: unit 0's is about 0.8 here.
  CHECK(model.active_units(x, 100.0) == 0);
}
