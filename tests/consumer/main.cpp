#include <hourglass/hourglass.hpp>

namespace hg = hourglass;

int main() {
  hg::Autoencoder<hg::Encoder<hg::Dense<8, 2, hg::Tanh>>, hg::Decoder<hg::Dense<2, 8, hg::Sigmoid>>> model(1);
  const Eigen::MatrixXf x = Eigen::MatrixXf::Constant(8, 4, 0.5f);
  return model.reconstruct(x).allFinite() ? 0 : 1;
}
