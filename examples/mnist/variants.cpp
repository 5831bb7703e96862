// mnist's entry to the variant models (the sparse, denoising and contractive ones, and the VAE).
#include "entry.hpp"

int mnist::run_variants(const Options& o, const Data& data) {
  if (is_vae(o)) return run_vae(o, data);
  switch (preset_kind(o)) {
    case PresetKind::hinton: return run_hinton_variants(o, data);
    case PresetKind::conv: return run_conv_variants(o, data);
    case PresetKind::small: break;
  }
  return run_small_variants(o, data);
}
