// Must not compile: the contractive penalties compute Dense layers' Jacobians; a Reshape in the
// encoder is named in the error instead of failing deep inside the penalty.
#include <hourglass/hourglass.hpp>

namespace hg = hourglass;

int main() {
  using Model = hg::BasicAutoencoder<double,
                                     hg::Encoder<hg::Reshape<hg::Shape<4>, hg::Shape<1, 2, 2>>, hg::Flatten<1, 2, 2>,
                                                 hg::Dense<4, 2, hg::Sigmoid>>,
                                     hg::Decoder<hg::Dense<2, 4, hg::Sigmoid>>, hg::Contractive>;
  Model model(1);
  const Eigen::MatrixXd x = Eigen::MatrixXd::Constant(4, 3, 0.5);
  return static_cast<int>(model.compute_gradients(hg::MSE{}, x, x).total());
}
