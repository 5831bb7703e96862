// The `hinton` preset's plain models.
#include "variants.hpp"

int mnist::run_hinton(const Options& options, const Data& data) { return run_plain<Hinton>(options, data); }
