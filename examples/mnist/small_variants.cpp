// The `small` preset's sparse, denoising and contractive models.
#include "variants.hpp"

int mnist::run_small_variants(const Options& options, const Data& data) { return run_variant<Small, 32>(options, data); }
