// hourglass/core/gaussian_latent.hpp — GaussianLatent<K>: the VAE's diagonal Gaussian posterior
// q(z | x) = N(mu, diag(exp(log_var))) over K latent units, with its reparameterised sample and
// its KL divergence from the prior N(0, I) (Kingma & Welling 2014, "Auto-Encoding Variational
// Bayes", eq. 10 and appendix B). Derivations: docs/vae.md.
//
// Input (2K x n): rows [0, K) are the means mu, rows [K, 2K) the raw log-variances; the layer
// below (the encoder's last, usually Dense<H, 2K>) produces both, which is PyTorch's example's
// fc21 and fc22 stacked into one Linear. Output (K x n): a code z.
//
// As a layer of a chain (the contract of core/layer.hpp) it is DETERMINISTIC: z = mu, the usual
// encoding at inference (encode, reconstruct). Training draws z = mu + exp(log_var / 2) * eps,
// eps ~ N(0, I) instead: the VAE model (model/vae.hpp) runs the chain in two ranges and calls
// reparameterize() and backward_with_kl() here between them.
//
// The log-variance is clamped to [min_log_variance, max_log_variance] = [-20, 20] before use, so
// exp never overflows in float (exp(20) = 4.9e8) or vanishes (a standard deviation of at least
// 4.5e-5); its gradient is that of the clamp (0 outside the range, docs/vae.md).
#pragma once

#include "activations.hpp"
#include "config.hpp"
#include "layer.hpp"
#include "random.hpp"

#include <algorithm>
#include <array>
#include <cmath>
#include <string>

namespace hourglass {

template <Index K>
struct GaussianLatent {
  static_assert(K >= 1, "GaussianLatent<K>: K (latent units) must be >= 1");
  static constexpr Index latent_size = K;
  using input_shape = Shape<2 * K>;
  using output_shape = Shape<K>;
  using activation = Identity;
  static constexpr std::array<ParameterBlock, 0> parameter_blocks{};
  static constexpr double min_log_variance = -20.0;
  static constexpr double max_log_variance = 20.0;

  static std::string describe() { return "gaussian_latent(" + std::to_string(K) + ")"; }
  static constexpr double flops(Index) { return 0; }
  template <class S>
  static void initialize(const Blocks<S>&, Random&) {}

  /// z = mu (the posterior mean).
  template <bool KeepLogits, class S>
  static void forward(const Blocks<const S>&, const InputMap<S>& x, MatrixMap<S> y, MatrixMap<S> z) {
    y = x.topRows(K);
    if constexpr (KeepLogits) z = y;
  }
  /// d mu = G, d log_var = 0.
  template <class BelowAct, class S>
  static void backward(const Blocks<const S>&, const InputMap<S>& x, const MatrixMap<S>&, MatrixMap<S> g,
                       const GradientBlocks<S>&, MatrixMap<S>* dx) {
    if (!dx) return;
    dx->topRows(K) = g;
    dx->bottomRows(K).setZero();
    apply_below<BelowAct>(*dx, x);
  }

  // ---- the stochastic pass (model/vae.hpp) -------------------------------------------------
  /// The clamped log-variance of one entry.
  template <class S>
  static S clamp_log_variance(S v) {
    return std::min(std::max(v, S(min_log_variance)), S(max_log_variance));
  }

  /// Fills eps (K x n) with independent N(0, 1) draws from rng, column by column.
  template <class E>
  static void draw_noise(E&& eps, Random& rng) {
    using S = typename std::remove_cvref_t<E>::Scalar;
    for (Index j = 0; j < eps.cols(); ++j)
      for (Index i = 0; i < eps.rows(); ++i) eps(i, j) = static_cast<S>(rng.normal());
  }

  /// z = mu + exp(clamp(log_var) / 2) * eps, h the input (2K x n), eps and z K x n.
  template <class H, class E, class Z>
  static void reparameterize(const H& h, const E& eps, Z&& z) {
    using S = typename std::remove_cvref_t<Z>::Scalar;
    for (Index j = 0; j < h.cols(); ++j)
      for (Index i = 0; i < K; ++i)
        z(i, j) = h(i, j) + std::exp(clamp_log_variance<S>(h(K + i, j)) / 2) * eps(i, j);
  }

  /// KL(N(mu, sigma^2) || N(0, 1)) of every unit and sample (K x n) into kl:
  /// 0.5 (mu^2 + sigma^2 - log sigma^2 - 1) with the clamped log-variance.
  template <class H, class O>
  static void kl_per_unit(const H& h, O&& kl) {
    using S = typename std::remove_cvref_t<O>::Scalar;
    for (Index j = 0; j < h.cols(); ++j)
      for (Index i = 0; i < K; ++i) {
        const S mu = h(i, j), v = clamp_log_variance<S>(h(K + i, j));
        kl(i, j) = S(0.5) * (mu * mu + std::exp(v) - v - S(1));
      }
  }

  /// The backward pass of the training objective
  ///   dz-part (from the decoder) + weight * sum_k max(mean_j KL_kj, free_bits)
  /// where KL_kj is kl_per_unit's value, the mean is over the n samples and free_bits (nats per
  /// unit; 0: off) is the floor of Kingma et al. 2016 ("Improved variational inference with
  /// inverse autoregressive flow", eq. 15): a unit whose batch-mean KL is below it gets no KL
  /// gradient. dz (K x n) holds dL/dz on entry; writes dL/dh (2K x n) into dh and returns the KL
  /// term's value. With s = exp(v/2), v = clamp(log_var), and c = weight / n for a unit above
  /// its floor (0 below):
  ///   dL/dmu = dz + c mu
  ///   dL/dlog_var = [dz * eps * s / 2 + c (s^2 - 1) / 2] * [min <= log_var <= max]
  template <class H, class E, class DZ, class DH>
  static typename std::remove_cvref_t<DH>::Scalar backward_with_kl(const H& h, const E& eps, const DZ& dz, DH&& dh,
                                                                   double weight, double free_bits) {
    using S = typename std::remove_cvref_t<DH>::Scalar;
    const Index n = h.cols();
    // Per-unit batch-mean KL (double accumulators: exact for any batch) — on the stack.
    std::array<double, static_cast<std::size_t>(K)> unit_kl{};
    for (Index j = 0; j < n; ++j)
      for (Index i = 0; i < K; ++i) {
        const double mu = static_cast<double>(h(i, j));
        const double v = static_cast<double>(clamp_log_variance<S>(h(K + i, j)));
        unit_kl[static_cast<std::size_t>(i)] += 0.5 * (mu * mu + std::exp(v) - v - 1.0);
      }
    double value = 0;
    std::array<S, static_cast<std::size_t>(K)> c{};
    for (Index i = 0; i < K; ++i) {
      const double mean = unit_kl[static_cast<std::size_t>(i)] / static_cast<double>(n);
      const bool above = free_bits <= 0 || mean >= free_bits;
      value += above ? mean : free_bits;
      c[static_cast<std::size_t>(i)] = above ? static_cast<S>(weight / static_cast<double>(n)) : S(0);
    }
    for (Index j = 0; j < n; ++j)
      for (Index i = 0; i < K; ++i) {
        const S ci = c[static_cast<std::size_t>(i)];
        const S mu = h(i, j), raw = h(K + i, j);
        const S v = clamp_log_variance(raw);
        const S s = std::exp(v / 2);
        dh(i, j) = dz(i, j) + ci * mu;
        const bool inside = raw >= S(min_log_variance) && raw <= S(max_log_variance);
        dh(K + i, j) = inside ? dz(i, j) * eps(i, j) * s / 2 + ci * (s * s - S(1)) / 2 : S(0);
      }
    return static_cast<S>(weight * value);
  }
};

}  // namespace hourglass
