// The `small` preset's plain models (one translation unit per preset and variant group, so they
// compile in parallel).
#include "variants.hpp"

int mnist::run_small(const Options& options, const Data& data) { return run_plain<Small>(options, data); }
