// The convolutional presets' sparse and denoising models (the contractive penalties need Dense
// encoders: refused with a message).
#include "variants.hpp"

int mnist::run_conv_variants(const Options& options, const Data& data) {
  if (options.preset == "conv-keras") return run_fixed_code<ConvKeras>(options, data);
  return run_variant<Conv, 32>(options, data);
}
