// The declarations the two small entry files need, without the library's headers (they compile
// in a moment; options.hpp has the real types).
#pragma once

namespace mnist {
struct Options;
struct Data;
int run_small_variants(const Options& options, const Data& data);
int run_hinton_variants(const Options& options, const Data& data);
int run_variants(const Options& options, const Data& data);
/// options.preset == "hinton" (defined in main.cpp, which knows Options).
bool preset_is_hinton(const Options& options);
}  // namespace mnist
