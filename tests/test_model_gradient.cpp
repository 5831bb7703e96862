// The whole model: a 3-layer encoder and a 3-layer decoder, gradient of the objective with
// respect to every parameter against finite differences, for MSE and for BCE (logit path with
// a sigmoid output, probability path otherwise).
#include <catch2/catch.hpp>

#include "helpers.hpp"

namespace hg = hourglass;

namespace {
using Enc = hg::Encoder<hg::Dense<6, 5, hg::Tanh>, hg::Dense<5, 4, hg::ELU>, hg::Dense<4, 3, hg::Sigmoid>>;
using SigmoidOut = hg::BasicAutoencoder<double, Enc, hg::Decoder<hg::Dense<3, 4, hg::Softplus>, hg::Dense<4, 5, hg::LeakyReLU>,
                                                                 hg::Dense<5, 6, hg::Sigmoid>>>;
using ReluNet = hg::BasicAutoencoder<double, hg::Encoder<hg::Dense<6, 5, hg::ReLU>, hg::Dense<5, 4, hg::ReLU>, hg::Dense<4, 3>>,
                                     hg::Decoder<hg::Dense<3, 4, hg::ReLU>, hg::Dense<4, 5, hg::ReLU>, hg::Dense<5, 6, hg::Sigmoid>>>;
using TanhOut = hg::BasicAutoencoder<double, Enc, hg::Decoder<hg::Dense<3, 4, hg::Tanh>, hg::Dense<4, 5, hg::Tanh>,
                                                              hg::Dense<5, 6, hg::Identity>>>;
}  // namespace

TEST_CASE("3+3-layer autoencoder gradient matches finite differences", "[model][gradient]") {
  const Eigen::MatrixXd x = test::uniform(6, 7, 31);
  SECTION("sigmoid output, MSE") {
    SigmoidOut model(1);
    CHECK(hg::check_model_gradient(model, hg::MSE{}, x, x).max_relative_error < 1e-6);
  }
  SECTION("sigmoid output, BCE from logits") {
    SigmoidOut model(2);
    CHECK(hg::check_model_gradient(model, hg::BCE{}, x, x).max_relative_error < 1e-6);
  }
  SECTION("ReLU hidden layers, MSE and BCE") {
    ReluNet model(3);
    CHECK(hg::check_model_gradient(model, hg::MSE{}, x, x).max_relative_error < 1e-6);
    CHECK(hg::check_model_gradient(model, hg::BCE{}, x, x).max_relative_error < 1e-6);
  }
  SECTION("identity output, MSE; tanh hidden") {
    TanhOut model(4);
    CHECK(hg::check_model_gradient(model, hg::MSE{}, x, x).max_relative_error < 1e-6);
  }
}

TEST_CASE("the gradient checker reports a wrong gradient", "[gradient_check]") {
  // f(x) = sum x_i^3; a gradient with one wrong component must give a large error there.
  auto f = [](const Eigen::VectorXd& v) { return v.array().cube().sum(); };
  Eigen::VectorXd x(3);
  x << 0.5, -1.0, 2.0;
  Eigen::VectorXd good = 3 * x.array().square();
  CHECK(hg::check_gradient(f, x, good).max_relative_error < 1e-9);
  Eigen::VectorXd bad = good;
  bad[1] *= 1.01;
  const auto result = hg::check_gradient(f, x, bad);
  CHECK(result.worst_index == 1);
  CHECK(result.max_relative_error == Approx(0.01 / 1.01).epsilon(1e-6));
}
