// Must not compile: the encoder's code has 32 units, the decoder expects 16.
#include <hourglass/hourglass.hpp>
namespace hg = hourglass;
int main() {
  hg::Autoencoder<hg::Encoder<hg::Dense<784, 32>>, hg::Decoder<hg::Dense<16, 784>>> model;
  return 0;
}
