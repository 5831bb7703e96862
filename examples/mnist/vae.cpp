// --variant vae: the variational autoencoders (vae.hpp), dense (small: PyTorch's example) and conv.
#include "vae.hpp"

int mnist::run_vae(const Options& o, const Data& data) {
  if (o.loss != "bce")
    throw std::invalid_argument("--variant vae uses the Bernoulli likelihood (--loss bce); the library's "
                                "GaussianLikelihood serves real-valued data");
  if (o.preset == "conv") return run_vae_preset<VaeConv>(o, data);
  if (o.preset != "small")
    throw std::invalid_argument("--variant vae has the presets small (PyTorch's example, 784-400-20) and conv; got --preset " +
                                o.preset);
  return run_vae_preset<VaeSmall>(o, data);
}
