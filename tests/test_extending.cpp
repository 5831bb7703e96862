// docs/extending.md's user-defined layer (Scale<N>, read from the markdown by tests/CMakeLists.txt):
// it satisfies the Layer concept, passes check_layer_gradient, checks inside a whole model, is
// saved and loaded by name, and trains.
#include <catch2/catch.hpp>

#include "helpers.hpp"

#include <array>
#include <string>

namespace hg = hourglass;

#include "extending_layer.hpp"  // generated: the ```cpp block between <!-- layer:begin/end -->

TEST_CASE("docs/extending.md: the user-defined Scale layer", "[layers][extending]") {
  STATIC_REQUIRE(hg::Layer<Scale<8>>);
  const auto check = hg::check_layer_gradient<Scale<8>>(4, 2);
  INFO("input " << check.input.max_relative_error << ", parameters " << check.parameters.max_relative_error);
  CHECK(check.max_relative_error() < 1e-6);

  using Model = hg::BasicAutoencoder<double, hg::Encoder<Scale<8>, hg::Dense<8, 3, hg::Tanh>>,
                                     hg::Decoder<hg::Dense<3, 8, hg::Sigmoid>, Scale<8>>>;
  Model model(4);
  model.network().block_values<3, 0>() = test::uniform(8, 1, 9, 0.5, 1.5);  // not the identity
  model.network().block_values<0, 0>() = test::uniform(8, 1, 10, 0.5, 1.5);
  const Eigen::MatrixXd x = test::uniform(8, 6, 5);
  CHECK(hg::check_model_gradient(model, hg::MSE{}, x, x).max_relative_error < 1e-6);

  // Hand value: y = s .* x.
  const Eigen::MatrixXd one = Eigen::MatrixXd::Constant(8, 1, 2.0);
  const Eigen::MatrixXd scaled = model.network().forward_range<0, 1>(one);
  CHECK((scaled - 2.0 * model.network().block_values<0, 0>()).cwiseAbs().maxCoeff() == 0.0);

  // It trains: the float model's reconstruction error falls.
  using FloatModel = hg::Autoencoder<hg::Encoder<Scale<8>, hg::Dense<8, 3, hg::Tanh>>,
                                     hg::Decoder<hg::Dense<3, 8, hg::Sigmoid>>>;
  FloatModel f(6);
  const Eigen::MatrixXf data = test::uniform(8, 256, 7).cast<float>();
  const double before = f.evaluate(hg::MSE{}, data);
  hg::Adam<float> adam({.learning_rate = 1e-2});
  hg::FitOptions o;
  o.epochs = 20;
  o.batch_size = 32;
  o.progress = hg::Progress::never;
  const auto history = hg::fit(f, adam, data, o);
  CHECK(history.train_loss.back() < 0.8 * before);
  CHECK(f.network().block_values<0, 0>() != Eigen::VectorXf::Ones(8));  // its parameters moved
}
