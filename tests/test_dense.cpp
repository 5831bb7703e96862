// The Dense layer on its own: a hand-computed forward pass, and the gradient of a loss through
// one layer with each activation checked against finite differences.
#include <catch2/catch.hpp>

#include "helpers.hpp"

namespace hg = hourglass;

namespace {

/// A single Dense<4, 3, Act> layer as a network; loss = MSE against a fixed target.
template <class Act>
double dense_gradient_error() {
  using Net = hg::Sequential<double, hg::Dense<4, 3, Act>>;
  Net net;
  hg::Random rng(7);
  net.initialize(rng);
  net.template bias<0>() = test::uniform(3, 1, 8, -0.5, 0.5);
  const Eigen::MatrixXd x = test::uniform(4, 5, 9, -1.0, 1.0);
  const Eigen::MatrixXd y = test::uniform(3, 5, 10, 0.0, 1.0);
  hg::NoHooks hooks;
  auto objective = [&](const Eigen::VectorXd& p) {
    net.parameters().values = p;
    net.reserve(5);
    net.input(5) = x;
    net.template forward<false>(5);
    const double loss = hg::MSE::value_and_gradient(net.template activation<0>(5), y, net.template gradient<0>(5));
    return loss + net.template backward<false>(5, hooks);
  };
  const Eigen::VectorXd p0 = net.parameters().values;
  objective(p0);
  const Eigen::VectorXd analytic = net.parameters().gradients;
  return hg::check_gradient(objective, p0, analytic).max_relative_error;
}

}  // namespace

TEST_CASE("Dense gradient matches finite differences for every activation", "[dense][gradient]") {
  CHECK(dense_gradient_error<hg::Identity>() < 1e-6);
  CHECK(dense_gradient_error<hg::ReLU>() < 1e-6);
  CHECK(dense_gradient_error<hg::LeakyReLU>() < 1e-6);
  CHECK(dense_gradient_error<hg::ELU>() < 1e-6);
  CHECK(dense_gradient_error<hg::Softplus>() < 1e-6);
  CHECK(dense_gradient_error<hg::Sigmoid>() < 1e-6);
  CHECK(dense_gradient_error<hg::Tanh>() < 1e-6);
}

TEST_CASE("tiny network forward pass equals the hand computation", "[dense][forward]") {
  // 2 -> 2 (ReLU) -> 1 (sigmoid), weights chosen by hand.
  using Model = hg::BasicAutoencoder<double, hg::Encoder<hg::Dense<2, 2, hg::ReLU>, hg::Dense<2, 1, hg::Identity>>,
                                     hg::Decoder<hg::Dense<1, 2, hg::Sigmoid>>>;
  Model model;
  model.weights<0>() << 1.0, -2.0, 0.5, 0.25;  // rows: [1 -2], [0.5 0.25]
  model.bias<0>() << 0.1, -0.2;
  model.weights<1>() << 2.0, -1.0;
  model.bias<1>() << 0.3;
  model.weights<2>() << 1.0, -0.5;
  model.bias<2>() << 0.0, 0.25;
  Eigen::MatrixXd x(2, 1);
  x << 1.0, 0.5;
  // Layer 0: z = [1*1 - 2*0.5 + 0.1, 0.5*1 + 0.25*0.5 - 0.2] = [0.1, 0.425]; relu keeps both.
  // Layer 1: code = 2*0.1 - 1*0.425 + 0.3 = 0.075.
  // Layer 2: sigmoid([0.075, -0.0375 + 0.25]) = sigmoid([0.075, 0.2125]).
  const Eigen::MatrixXd code = model.encode(x);
  REQUIRE(code(0, 0) == Approx(0.075));
  const Eigen::MatrixXd out = model.reconstruct(x);
  CHECK(out(0, 0) == Approx(1.0 / (1.0 + std::exp(-0.075))));
  CHECK(out(1, 0) == Approx(1.0 / (1.0 + std::exp(-0.2125))));
  const Eigen::MatrixXd decoded = model.decode(code);
  CHECK(decoded.isApprox(out));
}

TEST_CASE("initialisation follows the activation: He for ReLU, Glorot otherwise", "[dense][init]") {
  using Model = hg::BasicAutoencoder<double, hg::Encoder<hg::Dense<600, 400, hg::ReLU>>,
                                     hg::Decoder<hg::Dense<400, 600, hg::Sigmoid>>>;
  Model model(5);
  const double he = std::sqrt(6.0 / 600.0);
  const double glorot = std::sqrt(6.0 / 1000.0);
  CHECK(model.weights<0>().cwiseAbs().maxCoeff() <= he);
  CHECK(model.weights<0>().cwiseAbs().maxCoeff() > 0.99 * he);
  CHECK(model.weights<1>().cwiseAbs().maxCoeff() <= glorot);
  CHECK(model.weights<1>().cwiseAbs().maxCoeff() > 0.99 * glorot);
  // Uniform on [-l, l] has variance l^2 / 3.
  const double variance = model.weights<0>().squaredNorm() / static_cast<double>(model.weights<0>().size());
  CHECK(variance == Approx(he * he / 3.0).epsilon(0.02));
  CHECK(model.bias<0>().isZero());
}
