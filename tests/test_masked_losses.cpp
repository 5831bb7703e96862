// MaskedMSE and MaskedBCE (objectives/masked_losses.hpp): equal to MSE and BCE without missing
// values, hand values with them, gradients against finite differences (double), and training on
// data with NaN through the MissingValues policy.
#include <catch2/catch.hpp>

#include "helpers.hpp"

#include <hourglass/objectives/corruption/missing_values.hpp>
#include <hourglass/objectives/masked_losses.hpp>

#include <cmath>
#include <limits>

namespace hg = hourglass;

namespace {
const double missing = std::numeric_limits<double>::quiet_NaN();

/// y with entries (0,1), (2,0), (1,3) missing.
Eigen::MatrixXd with_holes(Eigen::MatrixXd y) {
  y(0, 1) = y(2, 0) = y(1, 3) = missing;
  return y;
}

template <class Loss, bool Logits>
double masked_gradient_error() {
  Eigen::MatrixXd g;
  const double error = test::loss_gradient_error<Loss, Logits>(with_holes(test::uniform(3, 4, 21, 0.0, 1.0)), g);
  CHECK(g(0, 1) == 0.0);  // nothing flows into a missing entry
  CHECK(g(2, 0) == 0.0);
  return error;
}
}  // namespace

TEST_CASE("masked losses equal MSE and BCE when nothing is missing", "[masked]") {
  const Eigen::MatrixXd y = test::uniform(5, 7, 1, 0.0, 1.0);
  const Eigen::MatrixXd z = test::uniform(5, 7, 2, -3.0, 3.0);
  const Eigen::MatrixXd a = (1.0 / (1.0 + (-z.array()).exp())).matrix();
  Eigen::MatrixXd g1(5, 7), g2(5, 7);
  CHECK(hg::MaskedMSE::value_and_gradient(a, y, g1) == Approx(hg::MSE::value_and_gradient(a, y, g2)).epsilon(1e-12));
  CHECK((g1 - g2).cwiseAbs().maxCoeff() < 1e-15);
  CHECK(hg::MaskedBCE::value_and_logit_gradient(z, a, y, g1) ==
        Approx(hg::BCE::value_and_logit_gradient(z, a, y, g2)).epsilon(1e-12));
  CHECK((g1 - g2).cwiseAbs().maxCoeff() < 1e-15);
  CHECK(hg::MaskedBCE::value(a, y) == Approx(hg::BCE::value(a, y)).epsilon(1e-12));
}

TEST_CASE("masked MSE hand value: the mean over observed entries only", "[masked]") {
  Eigen::MatrixXd a(2, 2), y(2, 2), g(2, 2);
  a << 1, 2, 3, 4;
  y << 0, missing, 3, 6;  // errors 1, -, 0, 2 -> squares 1, 0, 4 over 3 observed
  CHECK(hg::MaskedMSE::value_and_gradient(a, y, g) == Approx(5.0 / 3.0));
  CHECK(g(0, 0) == Approx(2.0 / 3.0));
  CHECK(g(0, 1) == 0.0);
  CHECK(g(1, 1) == Approx(-4.0 / 3.0));
  const Eigen::MatrixXd all_missing = Eigen::MatrixXd::Constant(2, 2, missing);
  CHECK(hg::MaskedMSE::value_and_gradient(a, all_missing, g) == 0.0);
  CHECK(g.isZero());
}

TEST_CASE("masked loss gradients match finite differences", "[masked][gradient]") {
  CHECK(masked_gradient_error<hg::MaskedMSE, false>() < 1e-6);
  CHECK(masked_gradient_error<hg::MaskedBCE, false>() < 1e-6);
  CHECK(masked_gradient_error<hg::MaskedBCE, true>() < 1e-6);
}

TEST_CASE("a model with MissingValues trains on data with NaN; the gradient skips them", "[masked][gradient]") {
  using Model = hg::BasicAutoencoder<double, hg::Encoder<hg::Dense<6, 3, hg::Tanh>>,
                                     hg::Decoder<hg::Dense<3, 6, hg::Sigmoid>>, hg::MissingValues>;
  Model model(3, {.fill = 0.5});
  Eigen::MatrixXd x = test::uniform(6, 5, 4, 0.0, 1.0);
  x(1, 0) = x(4, 2) = x(0, 4) = missing;
  // The whole model's gradient under MaskedBCE (from logits), input filled with 0.5, target with holes.
  Eigen::MatrixXd input = x;
  model.fill_missing(input);
  CHECK(input(1, 0) == 0.5);
  const double error = hg::check_model_gradient(model, hg::MaskedBCE{}, input, x).max_relative_error;
  CHECK(error < 1e-6);

  hg::Adam<double> adam({.learning_rate = 1e-2});
  hg::FitOptions options;
  options.epochs = 20;
  options.batch_size = 2;
  options.progress = hg::Progress::never;
  const hg::History h = hg::fit(model, adam, x, options, hg::MaskedBCE{});
  CHECK(h.train_loss.back() < h.train_loss.front());
  CHECK(std::isfinite(model.evaluate(hg::MaskedBCE{}, x)));
  CHECK(model.reconstruct(x).allFinite());  // the fill, not NaN, goes in
}

TEST_CASE("NaN data is refused with a hint unless the loss masks and a policy fills", "[masked][bad-input]") {
  using Plain = hg::BasicAutoencoder<double, hg::Encoder<hg::Dense<4, 2>>, hg::Decoder<hg::Dense<2, 4, hg::Sigmoid>>>;
  Plain plain(1);
  Eigen::MatrixXd x = test::uniform(4, 6, 5, 0.0, 1.0);
  x(2, 3) = missing;
  hg::Adam<double> adam;
  hg::FitOptions options;
  options.progress = hg::Progress::never;
  CHECK_THROWS_WITH(hg::fit(plain, adam, x, options, hg::BCE{}),
                    Catch::Contains("sample 3 (column 3) contains NaN or Inf") && Catch::Contains("hg::MaskedMSE"));
  CHECK_THROWS_WITH(hg::fit(plain, adam, x, options, hg::MaskedBCE{}), Catch::Contains("add hg::MissingValues"));
  using Filled = hg::BasicAutoencoder<double, hg::Encoder<hg::Dense<4, 2>>, hg::Decoder<hg::Dense<2, 4, hg::Sigmoid>>,
                                      hg::MissingValues>;
  Filled filled(1);
  x(1, 5) = std::numeric_limits<double>::infinity();
  CHECK_THROWS_WITH(hg::fit(filled, adam, x, options, hg::MaskedBCE{}), Catch::Contains("sample 5 (column 5) contains Inf"));
  x(1, 5) = 1.5;
  CHECK_THROWS_WITH(hg::fit(filled, adam, x, options, hg::MaskedBCE{}), Catch::Contains("holds 1.5"));
}
