// Must not compile: a sparsity penalty on the output layer (index 1 of a 1+1-layer model).
#include <hourglass/hourglass.hpp>

namespace hg = hourglass;

int main() {
  hg::Autoencoder<hg::Encoder<hg::Dense<4, 2, hg::ReLU>>, hg::Decoder<hg::Dense<2, 4>>, hg::SparseL1<1>> model(1);
  Eigen::MatrixXf x = Eigen::MatrixXf::Ones(4, 3);
  model.compute_gradients(hg::MSE{}, x, x);
}
