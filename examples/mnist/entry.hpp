// The declarations the two small entry files need, without the library's headers (they compile
// in a moment; options.hpp has the real types).
#pragma once

namespace mnist {
struct Options;
struct Data;
int run_small_variants(const Options& options, const Data& data);
int run_hinton_variants(const Options& options, const Data& data);
int run_conv_variants(const Options& options, const Data& data);
int run_variants(const Options& options, const Data& data);
int run_vae(const Options& options, const Data& data);
/// options.preset: "small", "hinton", "conv" or "conv-keras" (defined in main.cpp, which knows Options).
enum class PresetKind { small, hinton, conv };
PresetKind preset_kind(const Options& options);
/// options.variant == "vae" (defined in main.cpp).
bool is_vae(const Options& options);
}  // namespace mnist
