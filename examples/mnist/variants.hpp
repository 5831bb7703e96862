// THE dispatch point from --variant to a model type. Each variant is a list of policy types for
// BasicAutoencoder<float, Encoder, Decoder, Policies...>; everything after the model's
// construction (training, table, pictures, saving) is generic over the model type, and a policy
// that corrupts the input (denoising) automatically gets a "noisy" row in reconstructions.png.
//
// To add a variant (the policies are on main: objectives/penalties/*, objectives/corruption/*):
//   1. here, one `if` block constructing the model with its policy, e.g.
//        if (o.variant == "sparse-l1") {
//          hg::BasicAutoencoder<float, Enc, Dec, hg::SparseL1<>> model(o.seed, {.lambda = o.lambda});
//          return run_experiment<P>(o, data, model);
//        }
//      denoising: hg::MaskingNoise{.fraction = ...} (or GaussianNoise / SaltAndPepper);
//      contractive: hg::Contractive{.lambda = ...}; sparse-kl: hg::SparseKL<> needs a sigmoid
//      layer, so it needs a preset with a sigmoid code (the presets' code layers are linear);
//   2. in main.cpp: remove the name from `unavailable_variants` and add its hyperparameter
//      options (e.g. --lambda, --noise) to Options (options.hpp) and the command line;
//   3. examples/mnist/CMakeLists.txt: the test mnist_e2e_variant_not_available uses sparse-kl.
// Each variant multiplies the example's compile time (4 code sizes x 2 presets x 2 losses x 2
// optimizers model instantiations per variant).
// save_model stores each policy's name (and describe()) in the model file, so --load refuses a
// file trained with another variant.
#pragma once

#include "experiment.hpp"

#include <stdexcept>

namespace mnist {

template <class P>
int run_variant(const Options& o, const Data& data) {
  using Enc = typename P::encoder;
  using Dec = typename P::decoder;
  if (o.variant == "plain") {
    hg::BasicAutoencoder<float, Enc, Dec> model(o.seed);
    return run_experiment<P>(o, data, model);
  }
  throw std::invalid_argument("--variant " + o.variant + " is not available yet (only 'plain' is implemented)");
}

/// Turns the runtime code size into the compile-time one (code_sizes in options.hpp).
template <template <int> class Preset, std::size_t... I>
int run_code_size(const Options& o, const Data& data, std::index_sequence<I...>) {
  int rc = 0;
  const bool found = ((o.code_size == code_sizes[I] ? (rc = run_variant<Preset<code_sizes[I]>>(o, data), true) : false) || ...);
  if (!found) throw std::invalid_argument("--code-size " + std::to_string(o.code_size) + " is not compiled in");
  return rc;
}

}  // namespace mnist
