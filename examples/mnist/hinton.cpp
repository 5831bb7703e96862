// The `hinton` preset's model types (one translation unit per preset, so they compile in parallel).
#include "variants.hpp"

int mnist::run_hinton(const Options& options, const Data& data) {
  return run_code_size<Hinton>(options, data, std::make_index_sequence<code_sizes.size()>{});
}
