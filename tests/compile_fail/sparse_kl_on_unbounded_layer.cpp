// Must not compile: KL sparsity on a ReLU code layer (activations not in (0,1)).
#include <hourglass/hourglass.hpp>

namespace hg = hourglass;

int main() {
  hg::Autoencoder<hg::Encoder<hg::Dense<4, 2, hg::ReLU>>, hg::Decoder<hg::Dense<2, 4>>, hg::SparseKL<>> model(1);
  Eigen::MatrixXf x = Eigen::MatrixXf::Ones(4, 3);
  model.compute_gradients(hg::MSE{}, x, x);
}
