// The `hinton` preset's sparse, denoising and contractive models, and its logistic hidden units.
#include "variants.hpp"

int mnist::run_hinton_variants(const Options& options, const Data& data) {
  if (options.hidden == "sigmoid") {
    if (options.variant != "plain" || options.code_size != 30)
      throw std::invalid_argument("--hidden sigmoid is compiled for the plain hinton model with code size 30");
    return run_model<HintonSigmoid<30, hg::Identity>>(options, data);
  }
  return run_variant<Hinton, 30>(options, data);
}
