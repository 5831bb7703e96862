// Must not compile: the decoder gives 100 outputs for a 784-input encoder.
#include <hourglass/hourglass.hpp>
namespace hg = hourglass;
int main() {
  hg::Autoencoder<hg::Encoder<hg::Dense<784, 32>>, hg::Decoder<hg::Dense<32, 100>>> model;
  return 0;
}
