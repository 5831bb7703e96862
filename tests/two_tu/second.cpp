#include <hourglass/hourglass.hpp>

namespace hg = hourglass;

double second_translation_unit_loss() {
  using Model = hg::BasicAutoencoder<double, hg::Encoder<hg::Dense<4, 2, hg::Tanh>>, hg::Decoder<hg::Dense<2, 4>>>;
  Model model(3);
  const Eigen::MatrixXd x = Eigen::MatrixXd::Constant(4, 2, 0.5);
  return model.evaluate(hg::MSE{}, x);
}
