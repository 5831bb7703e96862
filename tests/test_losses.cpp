// MSE and BCE: hand values, gradients against finite differences (double), and the numerical
// safety of BCE at saturated outputs.
#include <catch2/catch.hpp>

#include "helpers.hpp"

#include <cmath>

namespace hg = hourglass;

TEST_CASE("MSE is the mean over elements; Hinton's metric sums over a sample", "[losses]") {
  Eigen::MatrixXd a(2, 2), y(2, 2);
  a << 0.0, 1.0, 0.5, 0.25;
  y << 1.0, 1.0, 0.0, 0.25;
  // squared errors: 1, 0, 0.25, 0 -> sum 1.25 over 4 elements, 2 samples
  CHECK(hg::MSE::value(a, y) == Approx(1.25 / 4));
  CHECK(hg::mean_squared_error(a, y) == Approx(1.25 / 4));
  CHECK(hg::sum_squared_error_per_sample(a, y) == Approx(1.25 / 2));
}

TEST_CASE("BCE hand values, from probabilities and from logits", "[losses]") {
  Eigen::MatrixXd z(1, 2), y(1, 2);
  z << 0.0, 2.0;
  y << 1.0, 0.25;
  Eigen::MatrixXd a = (1.0 / (1.0 + (-z.array()).exp())).matrix();
  const double expected = -(std::log(0.5) + 0.25 * std::log(a(0, 1)) + 0.75 * std::log(1 - a(0, 1))) / 2;
  CHECK(hg::BCE::value(a, y) == Approx(expected));
  CHECK(hg::BCE::value_from_logits(z, y) == Approx(expected));
}

TEST_CASE("BCE from logits stays finite where the probability form would take log(0)", "[losses][stability]") {
  Eigen::MatrixXf z(1, 3), y(1, 3);
  z << 200.0f, -200.0f, 90.0f;
  y << 0.0f, 1.0f, 1.0f;
  const float value = hg::BCE::value_from_logits(z, y);
  CHECK(std::isfinite(value));
  CHECK(value == Approx((200.0 + 200.0 + 0.0) / 3).epsilon(1e-5));
  Eigen::MatrixXf a = (1.0f / (1.0f + (-z.array()).exp())).matrix();  // saturates to exactly 0 and 1
  Eigen::MatrixXf g(1, 3);
  const float clamped = hg::BCE::value_and_gradient(a, y, g);
  CHECK(std::isfinite(clamped));
  CHECK(g.allFinite());
}

namespace {
template <class Loss, bool Logits>
double loss_gradient_error() {
  Eigen::MatrixXd g;
  return test::loss_gradient_error<Loss, Logits>(test::uniform(3, 4, 21, 0.0, 1.0), g);
}
}  // namespace

TEST_CASE("loss gradients match finite differences", "[losses][gradient]") {
  CHECK(loss_gradient_error<hg::MSE, false>() < 1e-6);
  CHECK(loss_gradient_error<hg::BCE, false>() < 1e-6);
  CHECK(loss_gradient_error<hg::BCE, true>() < 1e-6);
}
