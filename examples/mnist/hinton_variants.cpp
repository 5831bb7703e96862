// The `hinton` preset's sparse, denoising and contractive models.
#include "variants.hpp"

int mnist::run_hinton_variants(const Options& options, const Data& data) { return run_variant<Hinton, 30>(options, data); }
