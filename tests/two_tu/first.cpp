// Regression guard: the umbrella header in two translation units must link (every non-template
// function inline). This file and second.cpp both include it and both use the model.
#include <catch2/catch.hpp>
#include <hourglass/hourglass.hpp>

namespace hg = hourglass;
double second_translation_unit_loss();

TEST_CASE("the umbrella header links from two translation units") {
  using Model = hg::BasicAutoencoder<double, hg::Encoder<hg::Dense<4, 2, hg::Tanh>>, hg::Decoder<hg::Dense<2, 4>>>;
  Model model(3);
  const Eigen::MatrixXd x = Eigen::MatrixXd::Constant(4, 2, 0.5);
  REQUIRE(model.evaluate(hg::MSE{}, x) == Approx(second_translation_unit_loss()));
}
