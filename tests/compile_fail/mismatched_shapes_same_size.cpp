// Must not compile: an image of 16 x 14 x 14 fed to a layer expecting 64 x 7 x 7. Both hold 3,136
// numbers; the chain compares shapes, and a Reshape would have to say the numbers are re-read.
#include <hourglass/hourglass.hpp>

namespace hg = hourglass;

int main() {
  using Model = hg::Autoencoder<
      hg::Encoder<hg::Reshape<hg::Shape<3136>, hg::Shape<16, 14, 14>>, hg::Reshape<hg::Shape<64, 7, 7>, hg::Shape<3136>>,
                  hg::Dense<3136, 8>>,
      hg::Decoder<hg::Dense<8, 3136>>>;
  Model model(1);
  return static_cast<int>(model.parameters().size());
}
