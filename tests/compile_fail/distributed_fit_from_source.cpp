// Must not compile: a distributed fit (with a Communicator) from a batch source.
#include <hourglass/hourglass.hpp>

namespace hg = hourglass;

int main() {
  hg::Autoencoder<hg::Encoder<hg::Dense<4, 2, hg::ReLU>>, hg::Decoder<hg::Dense<2, 4>>> model(1);
  hg::Adam<float> adam;
  const Eigen::MatrixXf x = Eigen::MatrixXf::Ones(4, 3);
  hg::MatrixSource<float> source(x);
  hg::LocalCommunicator comm;
  hg::fit(model, adam, source, hg::FitOptions{}, hg::MSE{}, comm);
}
