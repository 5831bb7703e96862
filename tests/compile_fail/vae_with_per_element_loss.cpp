// Must not compile: a VAE trained with a per-element mean loss (BCE) instead of its likelihood —
// the KL term would weigh 784 times too much (the mean-vs-sum mismatch of pytorch/examples #290).
#include <hourglass/hourglass.hpp>

namespace hg = hourglass;

int main() {
  using Model = hg::VariationalAutoencoder<hg::Encoder<hg::Dense<4, 2>>, hg::Decoder<hg::Dense<1, 4, hg::Sigmoid>>,
                                           hg::BernoulliLikelihood>;
  Model model(1);
  hg::Adam<float> adam;
  const Eigen::MatrixXf x = Eigen::MatrixXf::Constant(4, 8, 0.5f);
  hg::fit(model, adam, x, hg::FitOptions{}, hg::BCE{});
}
