// The convolutional presets' plain models: `conv` at every code size, and `conv-keras`.
#include "variants.hpp"

int mnist::run_conv(const Options& options, const Data& data) {
  if (options.preset == "conv-keras") return run_fixed_code<ConvKeras>(options, data);
  return run_plain<Conv>(options, data);
}
