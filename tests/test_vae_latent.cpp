// The VAE's pieces on their own: GaussianLatent's reparameterised sample, its KL term and their
// gradients (a hand-computed vector, finite differences in double, the clamp, free bits), the
// layer contract of its deterministic pass, and the two likelihoods against hand values.
#include <catch2/catch.hpp>

#include "helpers.hpp"

#include <cmath>

namespace hg = hourglass;
using Latent = hg::GaussianLatent<2>;

TEST_CASE("GaussianLatent: z, KL and their gradients on a hand-computed vector", "[vae]") {
  // mu = (0.5, -1), log sigma^2 = (0, log 4), eps = (1, -0.5): sigma = (1, 2).
  Eigen::MatrixXd h(4, 1), eps(2, 1), dz(2, 1), z(2, 1), kl(2, 1), dh(4, 1);
  h << 0.5, -1.0, 0.0, std::log(4.0);
  eps << 1.0, -0.5;
  dz << 0.2, -0.1;
  Latent::reparameterize(h, eps, z);
  CHECK(z(0) == Approx(1.5).margin(1e-15));   // 0.5 + 1 * 1
  CHECK(z(1) == Approx(-2.0).margin(1e-15));  // -1 + 2 * (-0.5)
  Latent::kl_per_unit(h, kl);
  CHECK(kl(0) == Approx(0.125).epsilon(1e-14));                          // (0.25 + 1 - 0 - 1) / 2
  CHECK(kl(1) == Approx(0.5 * (1 + 4 - std::log(4.0) - 1)).epsilon(1e-14));  // 1.3068528...

  SECTION("weight 1, no free bits") {
    const double value = Latent::backward_with_kl(h, eps, dz, dh, 1.0, 0.0);
    CHECK(value == Approx(0.125 + 0.5 * (4 - std::log(4.0))).epsilon(1e-14));
    CHECK(dh(0) == Approx(0.7).epsilon(1e-14));   // dz + mu
    CHECK(dh(1) == Approx(-1.1).epsilon(1e-14));
    CHECK(dh(2) == Approx(0.1).epsilon(1e-14));   // 0.2 * 1 * 1 / 2 + (1 - 1) / 2
    CHECK(dh(3) == Approx(1.55).epsilon(1e-14));  // -0.1 * -0.5 * 2 / 2 + (4 - 1) / 2
  }
  SECTION("free bits 0.5: unit 0 (KL 0.125) counts 0.5 and gets no KL gradient") {
    const double value = Latent::backward_with_kl(h, eps, dz, dh, 1.0, 0.5);
    CHECK(value == Approx(0.5 + 0.5 * (4 - std::log(4.0))).epsilon(1e-14));
    CHECK(dh(0) == Approx(0.2).epsilon(1e-14));
    CHECK(dh(2) == Approx(0.1).epsilon(1e-14));
    CHECK(dh(1) == Approx(-1.1).epsilon(1e-14));
  }
  SECTION("a log-variance beyond the clamp: used as 20, no gradient through it, all finite") {
    h(3) = 25.0;
    Latent::reparameterize(h, eps, z);
    CHECK(z(1) == Approx(-1.0 - 0.5 * std::exp(10.0)).epsilon(1e-14));
    Latent::backward_with_kl(h, eps, dz, dh, 1.0, 0.0);
    CHECK(dh(3) == 0.0);
    CHECK(dh.allFinite());
    h(3) = -1e30;  // far below: sigma = exp(-10), never 0
    Latent::reparameterize(h, eps, z);
    CHECK(z(1) == Approx(-1.0 - 0.5 * std::exp(-10.0)).epsilon(1e-14));
  }
}

TEST_CASE("GaussianLatent: the stochastic pass's gradient matches finite differences (eps fixed)", "[vae][gradient]") {
  // L(h) = sum(R .* z(h)) + weight * sum_k max(mean_j KL_kj(h), free_bits), K = 3, n = 4.
  using L3 = hg::GaussianLatent<3>;
  const Eigen::MatrixXd eps = test::normal(3, 4, 11), r = test::uniform(3, 4, 12, -1, 1);
  Eigen::MatrixXd h0 = test::uniform(6, 4, 13, -1.5, 1.5);
  for (const auto& setting : {std::pair{1.0, 0.0}, std::pair{0.3, 0.0}, std::pair{2.0, 0.6}}) {
    const double weight = setting.first, free_bits = setting.second;  // (clang 14 cannot capture bindings)
    CAPTURE(weight, free_bits);
    auto objective = [&](const Eigen::VectorXd& flat) {
      const Eigen::Map<const Eigen::MatrixXd> h(flat.data(), 6, 4);
      Eigen::MatrixXd z(3, 4), dh(6, 4);
      L3::reparameterize(h, eps, z);
      return (r.array() * z.array()).sum() + L3::backward_with_kl(h, eps, r, dh, weight, free_bits);
    };
    Eigen::MatrixXd dh(6, 4);
    L3::backward_with_kl(h0, eps, r, dh, weight, free_bits);
    const Eigen::VectorXd flat = Eigen::Map<const Eigen::VectorXd>(h0.data(), h0.size());
    const Eigen::VectorXd analytic = Eigen::Map<const Eigen::VectorXd>(dh.data(), dh.size());
    const auto check = hg::check_gradient(objective, flat, analytic);
    CHECK(check.max_relative_error < 1e-7);
  }
  // With free bits, some unit must sit below its floor, or the test proves nothing about it.
  Eigen::MatrixXd kl(3, 4);
  L3::kl_per_unit(h0, kl);
  const Eigen::VectorXd unit_means = kl.rowwise().mean();
  CAPTURE(unit_means.transpose());
  CHECK(unit_means.minCoeff() < 0.6);
  CHECK(unit_means.maxCoeff() > 0.6);
}

TEST_CASE("GaussianLatent as a chain layer: z = mu, and the layer contract's gradient check", "[vae][gradient]") {
  const auto check = hg::check_layer_gradient<hg::GaussianLatent<3>>(4);
  CHECK(check.max_relative_error() < 1e-7);
  Eigen::MatrixXf h(4, 1), y(2, 1);
  h << 1, 2, 3, 4;
  Latent::forward<false>(hg::Blocks<const float>{}, hg::as_input<float>(h), hg::MatrixMap<float>(y.data(), 2, 1),
                         hg::MatrixMap<float>(nullptr, 0, 0));
  CHECK(y(0) == 1.0f);
  CHECK(y(1) == 2.0f);
}

TEST_CASE("likelihoods: per-sample sums in nats, batch means, gradients with 1/n", "[vae][loss]") {
  SECTION("Bernoulli from logits is D x BCE's per-element mean, per sample") {
    const Eigen::MatrixXd z = test::uniform(5, 3, 1, -3, 3), y = test::uniform(5, 3, 2);
    Eigen::VectorXd r(3);
    hg::BernoulliLikelihood::per_sample(z, y, r);
    for (Eigen::Index j = 0; j < 3; ++j) {
      const Eigen::MatrixXd zj = z.col(j), yj = y.col(j);
      CHECK(r(j) == Approx(5 * hg::BinaryCrossEntropy::value_from_logits(zj, yj)).epsilon(1e-13));
    }
    CHECK(hg::BernoulliLikelihood::value_from_logits(z, y) == Approx(r.mean()).epsilon(1e-13));
    const Eigen::MatrixXd a = 1 / (1 + (-z.array()).exp());
    Eigen::MatrixXd g(5, 3);
    hg::BernoulliLikelihood::value_and_logit_gradient(z, a, y, g);
    CHECK((g - (a - y) / 3.0).norm() < 1e-15);
    CHECK(hg::BernoulliLikelihood::value(a, y) == Approx(r.mean()).epsilon(1e-10));
  }
  SECTION("Gaussian with sigma: squared error / (2 sigma^2) plus (D/2) log(2 pi sigma^2)") {
    Eigen::MatrixXd a(2, 2), y(2, 2), g(2, 2);
    a << 0, 1, 0, 1;
    y << 1, 1, 0, 3;
    const hg::GaussianLikelihood sigma1{1.0}, sigma_half{0.5};
    Eigen::VectorXd r(2);
    sigma1.per_sample(a, y, r);
    CHECK(r(0) == Approx(0.5 + std::log(2 * M_PI)).epsilon(1e-14));  // (1/2)·1 + (2/2) log 2pi
    CHECK(r(1) == Approx(2.0 + std::log(2 * M_PI)).epsilon(1e-14));  // (1/2)·4 + log 2pi
    CHECK(sigma1.value(a, y) == Approx(r.mean()).epsilon(1e-14));
    sigma_half.per_sample(a, y, r);
    CHECK(r(0) == Approx(2.0 + std::log(2 * M_PI * 0.25)).epsilon(1e-14));  // 1 / (2·0.25) + log(2pi/4)
    const double v = sigma_half.value_and_gradient(a, y, g);
    CHECK(v == Approx(r.mean()).epsilon(1e-14));
    CHECK((g - (a - y) / (0.25 * 2)).norm() < 1e-15);
  }
  SECTION("bad hyperparameters are refused with their value") {
    CHECK_THROWS_WITH(hg::GaussianLikelihood{0.0}.validate(), Catch::Contains("sigma must be a finite number > 0, got 0"));
    CHECK_THROWS_WITH(hg::GaussianLikelihood{std::nan("")}.validate(), Catch::Contains("got nan"));
  }
}
