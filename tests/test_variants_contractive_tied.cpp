// Variants, behaviour: the contractive penalty lowers the encoder's Jacobian norm on test
// inputs (measured by finite differences); tied weights halve the weights and still train.
#include <catch2/catch.hpp>

#include "variants_data.hpp"

namespace hg = hourglass;

namespace {
/// Trains a plain model and `contracting` alike; the contractive one must have a mean Jacobian
/// norm below `ratio` times the plain one's while still reconstructing (test MSE under 5% of the
/// data's variance, so the encoder has not collapsed to a constant).
template <class Plain, class Contracting>
void compare_jacobians(Contracting& contracting, const char* what, double ratio) {
  const Eigen::MatrixXf all = test::manifold(20, 3, 2300, 401);
  const Eigen::MatrixXf train = all.leftCols(2000), held_out = all.rightCols(300);
  Plain plain(402);
  hg::FitOptions options;
  options.epochs = 30;
  options.batch_size = 64;
  hg::Adam<float> a1({.learning_rate = 3e-3f}), a2({.learning_rate = 3e-3f});
  hg::fit(plain, a1, train, options);
  hg::fit(contracting, a2, train, options);
  const double j_plain = test::mean_jacobian_norm([&](const Eigen::MatrixXf& v) { return plain.encode(v); }, held_out);
  const double j_contractive =
      test::mean_jacobian_norm([&](const Eigen::MatrixXf& v) { return contracting.encode(v); }, held_out);
  WARN(what << ": mean ||J_f(x)||_F on test inputs — plain " << j_plain << ", contractive " << j_contractive
            << "; test MSE plain " << plain.evaluate(hg::MSE{}, held_out) << ", contractive "
            << contracting.evaluate(hg::MSE{}, held_out));
  const Eigen::MatrixXf centred = held_out.colwise() - held_out.rowwise().mean();
  const double variance = centred.squaredNorm() / static_cast<double>(centred.size());
  INFO("data variance per element " << variance);
  CHECK(j_contractive < ratio * j_plain);
  CHECK(contracting.evaluate(hg::MSE{}, held_out) < 0.05 * variance);
}
}  // namespace

TEST_CASE("contractive: lower encoder Jacobian norm than a plain model (sigmoid, tanh, ReLU)",
          "[variants][behaviour][contractive]") {
  using Dec = hg::Decoder<hg::Dense<8, 20, hg::Sigmoid>>;
  SECTION("sigmoid") {
    using E = hg::Encoder<hg::Dense<20, 8, hg::Sigmoid>>;
    hg::Autoencoder<E, Dec, hg::Contractive> model(402, {.lambda = 3e-3});
    compare_jacobians<hg::Autoencoder<E, Dec>>(model, "one sigmoid layer, lambda 3e-3", 0.7);
  }
  SECTION("tanh") {
    using E = hg::Encoder<hg::Dense<20, 8, hg::Tanh>>;
    hg::Autoencoder<E, Dec, hg::Contractive> model(402, {.lambda = 3e-3});
    compare_jacobians<hg::Autoencoder<E, Dec>>(model, "one tanh layer, lambda 3e-3", 0.7);
  }
  SECTION("ReLU") {
    using E = hg::Encoder<hg::Dense<20, 8, hg::ReLU>>;
    hg::Autoencoder<E, Dec, hg::Contractive> model(402, {.lambda = 3e-3});
    compare_jacobians<hg::Autoencoder<E, Dec>>(model, "one ReLU layer, lambda 3e-3", 0.7);
  }
  SECTION("two-layer tanh/sigmoid encoder, whole-encoder Jacobian penalty") {
    using E = hg::Encoder<hg::Dense<20, 12, hg::Tanh>, hg::Dense<12, 8, hg::Sigmoid>>;
    hg::Autoencoder<E, Dec, hg::Contractive> model(402, {.lambda = 3e-3});
    compare_jacobians<hg::Autoencoder<E, Dec>>(model, "two layers, whole-Jacobian, lambda 3e-3", 0.7);
  }
  SECTION("two-layer tanh/sigmoid encoder, layerwise penalty (whole-encoder Jacobian measured)") {
    using E = hg::Encoder<hg::Dense<20, 12, hg::Tanh>, hg::Dense<12, 8, hg::Sigmoid>>;
    hg::Autoencoder<E, Dec, hg::ContractiveLayerwise> model(402, {.lambda = 1e-3});
    compare_jacobians<hg::Autoencoder<E, Dec>>(model, "two layers, layerwise, lambda 1e-3", 0.8);
  }
}

TEST_CASE("tied weights: half the weight parameters, and the model still trains", "[variants][behaviour][tied]") {
  const Eigen::MatrixXf all = test::manifold(20, 3, 2300, 411);
  const Eigen::MatrixXf train = all.leftCols(2000), held_out = all.rightCols(300);
  using E = hg::Encoder<hg::Dense<20, 12, hg::Tanh>, hg::Dense<12, 6, hg::Tanh>>;
  using Untied = hg::Autoencoder<E, hg::Decoder<hg::Dense<6, 12, hg::Tanh>, hg::Dense<12, 20, hg::Sigmoid>>>;
  using Tied = hg::Autoencoder<E, hg::Decoder<hg::TiedDense<1, hg::Tanh>, hg::TiedDense<0, hg::Sigmoid>>>;
  constexpr auto w_untied = Untied::network_type::weight_parameter_count;
  constexpr auto w_tied = Tied::network_type::weight_parameter_count;
  STATIC_REQUIRE(2 * w_tied == w_untied);
  Untied untied(412);
  Tied tied(412);
  const double before = tied.evaluate(hg::MSE{}, held_out);
  hg::FitOptions options;
  options.epochs = 30;
  options.batch_size = 64;
  hg::Adam<float> a1({.learning_rate = 3e-3f}), a2({.learning_rate = 3e-3f});
  hg::fit(untied, a1, train, options);
  hg::fit(tied, a2, train, options);
  const double after = tied.evaluate(hg::MSE{}, held_out), untied_after = untied.evaluate(hg::MSE{}, held_out);
  WARN("weight parameters: untied " << w_untied << ", tied " << w_tied << "; test MSE tied before " << before
                                    << ", after " << after << "; untied after " << untied_after);
  CHECK(after < 0.2 * before);
  CHECK(after < 2.0 * untied_after);
  CHECK(tied.network().weights<3>().isApprox(tied.network().weights<0>().transpose()));
}
