// Must not compile: Dense<256, 64> follows a layer with 128 outputs.
#include <hourglass/hourglass.hpp>
namespace hg = hourglass;
int main() {
  using Bad = hg::Encoder<hg::Dense<784, 128, hg::ReLU>, hg::Dense<256, 64>>;
  return static_cast<int>(Bad::code_size);
}
