// Must not compile: a VAE whose encoder gives 3 numbers per sample for a decoder of 2 latent
// units (it must give 2K = 4: the means, then the log-variances).
#include <hourglass/hourglass.hpp>

namespace hg = hourglass;

int main() {
  hg::VariationalAutoencoder<hg::Encoder<hg::Dense<4, 3>>, hg::Decoder<hg::Dense<2, 4, hg::Sigmoid>>,
                             hg::BernoulliLikelihood>
      model(1);
  return static_cast<int>(model.parameters().size());
}
