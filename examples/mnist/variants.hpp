// THE dispatch point from --variant to a model type. Each variant is a list of policy types for
// BasicAutoencoder<float, Encoder, Decoder, Policies...>; everything after the model's
// construction (training, table, pictures, saving) is generic over the model type, and a policy
// that corrupts the input (denoising) automatically gets a "noisy" row in reconstructions.png.
//
// Compile time: every model type is instantiated with 2 losses (the optimizer is chosen at run
// time, experiment.hpp: ChosenOptimizer) (about 2.5 s of
// g++ each). `plain` is compiled for every code size (options.hpp: code_sizes); the other
// variants (seven model types: three noises, two Jacobian penalties) only for the preset's default code size, which keeps
// the example's build at about twice the plain-only one.
// save_model stores each policy's name and hyperparameters (describe()) in the model file, so
// --load refuses a file trained with another variant or other hyperparameters.
#pragma once

#include "experiment.hpp"

#include <stdexcept>
#include <string>
#include <type_traits>

namespace mnist {

/// A variant hyperparameter: the command line's value, or the variant's default when unset (< 0).
inline double or_default(double value, double fallback) { return value < 0 ? fallback : value; }

/// Defaults: the library's own for the penalties (sized for its per-pixel mean losses on MNIST);
/// the example's for the noise levels (milder than the library's generic ones).
struct VariantDefaults {
  static inline const double sparse_l1_lambda = hg::SparseL1<>{}.lambda;
  static inline const double kl_rho = hg::SparseKL<>{}.rho;
  static inline const double kl_beta = hg::SparseKL<>{}.beta;
  static constexpr double masking_fraction = 0.2;
  static constexpr double gaussian_sigma = 0.2;
  static constexpr double salt_and_pepper_fraction = 0.1;
  static inline const double contractive_lambda = hg::Contractive{}.lambda;
};

template <class Preset, class... Policies>
int run_model(const Options& o, const Data& data, Policies... policies) {
  hg::BasicAutoencoder<float, typename Preset::encoder, typename Preset::decoder, Policies...> model(o.seed,
                                                                                                  policies...);
  return run_experiment<Preset>(o, data, model);
}

/// The non-plain variants of one preset at one code size.
template <template <int, class> class Preset, int Code>
int run_regularised(const Options& o, const Data& data) {
  using P = Preset<Code, hg::Identity>;
  using D = VariantDefaults;
  if (o.variant == "sparse-l1") return run_model<P>(o, data, hg::SparseL1<>{.lambda = or_default(o.lambda, D::sparse_l1_lambda)});
  if (o.variant == "sparse-kl") {  // KL(rho || rho_hat) needs code activations in (0, 1): a sigmoid code layer
    if constexpr (std::is_same_v<typename Preset<Code, hg::Sigmoid>::encoder, typename P::encoder>) {
      throw std::invalid_argument(std::string("--variant sparse-kl needs a sigmoid code layer; the ") + P::name +
                                  " preset's code is a max-pooling layer's output");
    } else {
      return run_model<Preset<Code, hg::Sigmoid>>(
          o, data, hg::SparseKL<>{.rho = or_default(o.rho, D::kl_rho), .beta = or_default(o.beta, D::kl_beta)});
    }
  }
  if (o.variant == "contractive") {
    if constexpr (P::dense_encoder) {
      const double lambda = or_default(o.lambda, D::contractive_lambda);
      if (o.jacobian == "layerwise") return run_model<P>(o, data, hg::ContractiveLayerwise{.lambda = lambda});
      return run_model<P>(o, data, hg::Contractive{.lambda = lambda});
    } else {
      throw std::invalid_argument(std::string("--variant contractive needs an encoder of Dense layers (the contractive "
                                              "penalties' closed forms); the ") + P::name + " preset has convolutions");
    }
  }
  if (o.variant == "denoising") {
    if (o.noise == "gaussian") return run_model<P>(o, data, hg::GaussianNoise{.sigma = or_default(o.noise_level, D::gaussian_sigma)});
    if (o.noise == "salt-and-pepper")
      return run_model<P>(o, data, hg::SaltAndPepper{.fraction = or_default(o.noise_level, D::salt_and_pepper_fraction)});
    return run_model<P>(o, data, hg::MaskingNoise{.fraction = or_default(o.noise_level, D::masking_fraction)});
  }
  throw std::invalid_argument("unknown --variant " + o.variant);
}

/// The non-plain variants, at the preset's default code size.
template <template <int, class> class Preset, int DefaultCode>
int run_variant(const Options& o, const Data& data) {
  if (o.code_size == DefaultCode) return run_regularised<Preset, DefaultCode>(o, data);
  throw std::invalid_argument("--variant " + o.variant + " is compiled for code size " + std::to_string(DefaultCode) +
                              " of this preset (plain: " + join(code_sizes) + "); got --code-size " +
                              std::to_string(o.code_size));
}

/// The plain autoencoder; turns the runtime code size into the compile-time one.
template <template <int, class> class Preset, std::size_t... I>
int run_plain_sizes(const Options& o, const Data& data, std::index_sequence<I...>) {
  int rc = 0;
  const bool found = ((o.code_size == code_sizes[I]
                           ? (rc = run_model<Preset<code_sizes[I], hg::Identity>>(o, data), true)
                           : false) ||
                      ...);
  if (!found) throw std::invalid_argument("--code-size " + std::to_string(o.code_size) + " is not compiled in");
  return rc;
}

template <template <int, class> class Preset>
int run_plain(const Options& o, const Data& data) {
  return run_plain_sizes<Preset>(o, data, std::make_index_sequence<code_sizes.size()>{});
}

/// A preset whose code size is fixed by its layers (conv-keras): plain, or a variant.
template <template <int, class> class Preset>
int run_fixed_code(const Options& o, const Data& data) {
  if (o.code_size != 0)
    throw std::invalid_argument(std::string("the ") + Preset<0, hg::Identity>::name +
                                " preset's code size is fixed by its layers; drop --code-size");
  if (o.variant == "plain") return run_model<Preset<0, hg::Identity>>(o, data);
  return run_regularised<Preset, 0>(o, data);
}

}  // namespace mnist
