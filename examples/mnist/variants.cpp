// mnist's entry to the variant models (the sparse, denoising and contractive ones).
#include "entry.hpp"

int mnist::run_variants(const Options& o, const Data& data) {
  return preset_is_hinton(o) ? run_hinton_variants(o, data) : run_small_variants(o, data);
}
