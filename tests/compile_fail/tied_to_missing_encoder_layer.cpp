// Must not compile: a decoder layer tied to encoder layer 3 of a one-layer encoder.
#include <hourglass/hourglass.hpp>

namespace hg = hourglass;

int main() {
  hg::Autoencoder<hg::Encoder<hg::Dense<4, 2, hg::ReLU>>, hg::Decoder<hg::TiedDense<3>>> model(1);
  return static_cast<int>(model.parameters().size());
}
