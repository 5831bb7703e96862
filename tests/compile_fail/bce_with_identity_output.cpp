// Must not compile: BCE with an output layer that is not a probability (Identity). It used to be
// reported at the first batch as "training diverged" whatever the learning rate.
#include <hourglass/hourglass.hpp>

namespace hg = hourglass;

int main() {
  using Model = hg::Autoencoder<hg::Encoder<hg::Dense<4, 2>>, hg::Decoder<hg::Dense<2, 4>>>;
  Model model(1);
  hg::Adam<float> adam;
  const Eigen::MatrixXf x = Eigen::MatrixXf::Constant(4, 8, 0.5f);
  hg::fit(model, adam, x, hg::FitOptions{}, hg::BCE{});
}
