// hourglass/model/vae.hpp — BasicVariationalAutoencoder<Scalar, Encoder, Decoder, Likelihood>:
// the variational autoencoder of Kingma & Welling (2014), "Auto-Encoding Variational Bayes".
//
// The encoder's last layer gives 2K numbers per sample: K means mu, then K log-variances of the
// diagonal Gaussian posterior q(z | x); the decoder maps a code z of K numbers to the mean of
// p(x | z) (the Likelihood: BernoulliLikelihood with a Sigmoid output, or GaussianLikelihood).
// The prior is N(0, I). Encoder, GaussianLatent<K> (core/gaussian_latent.hpp) and decoder are one
// Sequential — one flat parameter buffer, so fit, the optimizers, the gradient checker and model
// files (io/safetensors.hpp: tensors named encoder.<module>.* / decoder.<module>.*) work unchanged.
//
// ONE convention (docs/vae.md): every quantity is SUMMED over a sample's pixels and latent units
// and AVERAGED over samples, in nats per sample:
//   ELBO(x) = E_q[log p(x | z)] - KL(q(z | x) || N(0, I))
// Training minimises, per batch of n samples (one z per sample, reparameterised),
//   loss    = (1/n) sum_j -log p(x_j | z_j)                     Objective::loss
//   penalty = weight * sum_k max((1/n) sum_j KL_kj, free_bits)  Objective::penalty
// with weight = beta * warm-up factor (VaeSettings). With beta = 1 and no free bits,
// loss + penalty is the negative ELBO estimate of the batch.
//
// Stochastic draws come from the model's noise stream (RandomStream::noise) in training; every
// evaluation (elbo, evaluate, log_likelihood) takes its own seed, so it repeats exactly and does
// not disturb training's streams. compute_gradients(loss, input, target) draws the same eps on
// every call (from stream 3 of the model's seed): the fixed-eps objective the gradient checker
// differentiates.
#pragma once

#include "../core/config.hpp"
#include "../core/gaussian_latent.hpp"
#include "../core/parallel.hpp"
#include "../core/random.hpp"
#include "batch_checks.hpp"
#include "decoder.hpp"
#include "encoder.hpp"
#include "sequential.hpp"
// The model binds its likelihood (the Likelihood concept only; docs/design.md).
#include "../objectives/loss.hpp"

#include <algorithm>
#include <cmath>
#include <concepts>
#include <cstdint>
#include <limits>
#include <span>
#include <stdexcept>
#include <string>
#include <tuple>

namespace hourglass {

/// How the KL term is weighted in training (not in elbo()/log_likelihood(), which always report
/// the true bound).
struct VaeSettings {
  /// The KL term's weight (beta-VAE, Higgins et al. 2017); 1 is the ELBO. >= 0.
  double beta = 1.0;
  /// Linear KL warm-up (Bowman et al. 2016; Sønderby et al. 2016): epoch e (0-based) of fit uses
  /// beta * min(1, (e + 1) / warmup_epochs); 0 turns it off. Needs fit() (which calls
  /// begin_epoch); custom loops call begin_epoch themselves.
  int warmup_epochs = 0;
  /// Free bits (Kingma et al. 2016, eq. 15): the KL term of each latent unit counts as at least
  /// this many nats (batch mean), and a unit below it gets no KL gradient. 0 turns it off. >= 0.
  double free_bits = 0.0;

  void validate() const {
    detail::require(std::isfinite(beta) && beta >= 0, "VaeSettings: beta must be a finite number >= 0, got ", beta);
    detail::require(warmup_epochs >= 0, "VaeSettings: warmup_epochs must be >= 0, got ", warmup_epochs);
    detail::require(std::isfinite(free_bits) && free_bits >= 0,
                    "VaeSettings: free_bits must be a finite number >= 0 (nats per latent unit), got ", free_bits);
  }
  std::string describe() const {
    return detail::message("vae(beta=", beta, ",warmup_epochs=", warmup_epochs, ",free_bits=", free_bits, ")");
  }
};

/// The posterior q(z | x) of a batch: both K x n.
template <class Scalar>
struct Posterior {
  Matrix<Scalar> mean;          ///< mu
  Matrix<Scalar> log_variance;  ///< log sigma^2, clamped to GaussianLatent's range
};

/// The parts of the ELBO, in nats per sample (means over the samples).
struct ElboTerms {
  double reconstruction = 0;  ///< E_q[-log p(x | z)], one z per sample
  double kl = 0;              ///< KL(q(z | x) || N(0, I)), closed form
  double elbo() const { return -(reconstruction + kl); }
};

template <class Scalar_, class Enc, class DecoderSpec, Likelihood Lik>
class BasicVariationalAutoencoder {
  static_assert(is_encoder<Enc>, "the first model argument must be an Encoder<Layers...>");
  static_assert(is_decoder<DecoderSpec>, "the second model argument must be a Decoder<Layers...>");
  using Dec = typename DecoderSpec::template resolved<Enc>;

 public:
  using Scalar = Scalar_;
  using likelihood_type = Lik;
  static constexpr Index latent_size = Dec::code_size;
  using latent_layer = GaussianLatent<latent_size>;
  static_assert(std::is_same_v<typename Enc::code_shape, Shape<2 * latent_size>>,
                "a VAE's encoder must end in 2K numbers (K means, then K log-variances), K being the decoder's "
                "input size: e.g. Encoder<Dense<784,400,ReLU>, Dense<400,40>> with Decoder<Dense<20,400,ReLU>, ...>");
  static_assert(DecoderRestoresInput<typename Enc::input_shape, typename Dec::output_shape>::value);

 private:
  template <class E, class D>
  struct Joined;
  template <class... E, class... D>
  struct Joined<Encoder<E...>, Decoder<D...>> {
    using type = Sequential<Scalar, E..., latent_layer, D...>;
  };

 public:
  using encoder_type = Enc;
  using decoder_type = Dec;
  using network_type = typename Joined<Enc, Dec>::type;
  using policy_types = std::tuple<>;  ///< none: the KL term is the model's own (VaeSettings)

  static constexpr Index input_size = Enc::input_size;
  static constexpr Index code_size = latent_size;
  /// The chain: encoder layers [0, E), GaussianLatent at E, decoder layers (E, depth).
  static constexpr std::size_t latent_index = Enc::depth;
  /// Layers named "encoder.*" in model files: the encoder's and the latent layer (no tensors).
  static constexpr std::size_t encoder_depth = Enc::depth + 1;
  static constexpr std::size_t decoder_depth = Dec::depth;
  static constexpr std::size_t depth = encoder_depth + decoder_depth;
  static constexpr std::size_t code_layer_index = latent_index;
  template <std::size_t I>
  using layer_type = typename network_type::template layer_type<I>;
  using output_activation = typename layer_type<depth - 1>::activation;
  static constexpr bool from_logits = Lik::template uses_logits<output_activation>;
  static_assert(detail::output_fits_loss<Lik, output_activation>());

  BasicVariationalAutoencoder() : BasicVariationalAutoencoder(42) {}
  /// A model initialised from `seed` (streams as in BasicAutoencoder: initialisation,
  /// shuffling, noise). Throws std::invalid_argument on bad settings or likelihood.
  explicit BasicVariationalAutoencoder(std::uint64_t seed, VaeSettings settings = {}, Lik likelihood = {})
      : seed_(seed),
        shuffling_(stream_seed(seed, 1)),
        noise_(stream_seed(seed, 2)),
        settings_(settings),
        likelihood_(likelihood) {
    validate_policies();
    Random initialization(stream_seed(seed, 0));
    network_.initialize(initialization);
    kl_weight_ = settings_.beta * warmup_factor(0);
  }

  // ---- inference -------------------------------------------------------------------------
  /// q(z | X) of a batch X (input_size x n): K x n means and (clamped) log-variances.
  template <class D>
  Posterior<Scalar> encode(const Eigen::MatrixBase<D>& x) const {
    detail::require_batch(x, input_size, "encode");
    const Matrix<Scalar> h = network_.template forward_range<0, latent_index>(x);
    Posterior<Scalar> q{h.topRows(latent_size),
                        h.bottomRows(latent_size).unaryExpr([](Scalar v) { return latent_layer::clamp_log_variance(v); })};
    return q;
  }
  /// The means of p(x | Z) for codes Z (K x n): probabilities for a Bernoulli likelihood.
  template <class D>
  Matrix<Scalar> decode(const Eigen::MatrixBase<D>& z) const {
    detail::require_batch(z, latent_size, "decode");
    return network_.template forward_range<latent_index + 1, depth>(z);
  }
  /// decode(mu(X)): the deterministic reconstruction.
  template <class D>
  Matrix<Scalar> reconstruct(const Eigen::MatrixBase<D>& x) const {
    detail::require_batch(x, input_size, "reconstruct");
    return network_.template forward_range<0, depth>(x);
  }
  /// n new samples: the decoded means of n codes drawn from the prior N(0, I) (input_size x n).
  Matrix<Scalar> sample(Index n, Random& rng) const {
    detail::require(n >= 1, "sample: n must be >= 1, got ", n);
    Matrix<Scalar> z(latent_size, n);
    latent_layer::draw_noise(z, rng);
    return decode(z);
  }
  /// The same, from a fresh stream of `seed`.
  Matrix<Scalar> sample(Index n, std::uint64_t seed = 0) const {
    Random rng(seed);
    return sample(n, rng);
  }

  /// The ELBO's parts on X (nats per sample), one reparameterised z per sample drawn from
  /// `seed`, in chunks of 4096 samples. Refuses data outside the likelihood's range.
  template <class D>
  ElboTerms elbo(const Eigen::MatrixBase<D>& x, std::uint64_t seed = 0) const {
    detail::require_batch(x, input_size, "elbo");
    detail::require_targets_in_range<Lik>(x, "elbo");
    Random rng(seed);
    constexpr Index chunk = 4096;
    double reconstruction = 0, kl = 0;
    for (Index start = 0; start < x.cols(); start += chunk) {
      const Index n = std::min(chunk, x.cols() - start);
      const Matrix<Scalar> block = x.middleCols(start, n).template cast<Scalar>();
      const Matrix<Scalar> h = network_.template forward_range<0, latent_index>(block);
      Matrix<Scalar> eps(latent_size, n), z(latent_size, n), kl_units(latent_size, n);
      latent_layer::draw_noise(eps, rng);
      latent_layer::reparameterize(h, eps, z);
      latent_layer::kl_per_unit(h, kl_units);
      const Vector<Scalar> nll = negative_log_likelihoods(z, block);
      reconstruction += nll.template cast<double>().sum();
      kl += kl_units.template cast<double>().sum();
    }
    const double count = static_cast<double>(x.cols());
    return {reconstruction / count, kl / count};
  }

  /// fit's validation number: the negative ELBO per sample (beta = 1, no free bits; elbo() with
  /// a seed of the model's own), so it repeats from epoch to epoch. `loss` must be the model's
  /// likelihood.
  template <Loss L, class D>
  double evaluate(const L& loss, const Eigen::MatrixBase<D>& x) const {
    require_own_likelihood(loss, "evaluate");
    return -elbo(x, stream_seed(seed_, 4)).elbo();
  }

  /// The importance-weighted estimate of log p(x) per sample (Burda et al. 2016, "Importance
  /// Weighted Autoencoders", eq. 8), in nats:
  ///   log p(x) ~ log (1/k) sum_i p(x | z_i) p(z_i) / q(z_i | x),  z_i ~ q(z | x)
  /// — a lower bound that tightens as k grows (k = 1 is an ELBO draw; k = 5000 is the standard
  /// for test figures). Memory stays bounded: one sample's draws are decoded in passes of at most
  /// 4096 codes. Draws from `seed`. Returns one value per sample (n x 1).
  template <class D>
  Vector<double> log_likelihoods(const Eigen::MatrixBase<D>& x, Index k = 5000, std::uint64_t seed = 0) const {
    detail::require_batch(x, input_size, "log_likelihoods");
    detail::require(k >= 1, "log_likelihoods: k (importance samples) must be >= 1, got ", k);
    detail::require_targets_in_range<Lik>(x, "log_likelihoods");
    Random rng(seed);
    const Index passes = (k + 4095) / 4096;
    const Index per_pass = (k + passes - 1) / passes;
    const Matrix<Scalar> h = network_.template forward_range<0, latent_index>(x);
    Matrix<Scalar> eps(latent_size, per_pass), z(latent_size, per_pass);
    Vector<double> result(x.cols());
    for (Index j = 0; j < x.cols(); ++j) {
      const Matrix<Scalar> target = x.col(j).template cast<Scalar>().replicate(1, per_pass);
      double half_log_variance_sum = 0;
      for (Index u = 0; u < latent_size; ++u)
        half_log_variance_sum += 0.5 * static_cast<double>(latent_layer::clamp_log_variance(h(latent_size + u, j)));
      double max_log_weight = -std::numeric_limits<double>::infinity(), scaled_sum = 0;
      for (Index done = 0; done < k; done += per_pass) {
        const Index m = std::min(per_pass, k - done);
        auto e = eps.leftCols(m);
        auto zz = z.leftCols(m);
        latent_layer::draw_noise(e, rng);
        latent_layer::reparameterize(h.col(j).replicate(1, m), e, zz);
        const Vector<Scalar> nll = negative_log_likelihoods(zz, target.leftCols(m));
        for (Index i = 0; i < m; ++i) {
          // log p(x|z) + log p(z) - log q(z|x); the (K/2) log 2 pi of both densities cancel.
          const double log_weight = -static_cast<double>(nll(i)) -
                                    0.5 * static_cast<double>(zz.col(i).squaredNorm()) +
                                    0.5 * static_cast<double>(e.col(i).squaredNorm()) + half_log_variance_sum;
          if (log_weight > max_log_weight) {
            scaled_sum = scaled_sum * std::exp(max_log_weight - log_weight) + 1.0;
            max_log_weight = log_weight;
          } else {
            scaled_sum += std::exp(log_weight - max_log_weight);
          }
        }
      }
      result(j) = max_log_weight + std::log(scaled_sum) - std::log(static_cast<double>(k));
    }
    return result;
  }
  /// The mean of log_likelihoods(x, k, seed) over the samples, in nats per sample.
  template <class D>
  double log_likelihood(const Eigen::MatrixBase<D>& x, Index k = 5000, std::uint64_t seed = 0) const {
    return log_likelihoods(x, k, seed).mean();
  }

  /// The number of active latent units (Burda et al. 2016, section 5.2): units u whose posterior
  /// mean varies over the data, Cov_x(E_q[z_u]) > threshold (0.01 in the paper). A unit that is
  /// not active encodes nothing — the sign of posterior collapse.
  template <class D>
  Index active_units(const Eigen::MatrixBase<D>& x, double threshold = 0.01) const {
    detail::require_batch(x, input_size, "active_units");
    const Matrix<Scalar> mu = encode(x).mean;
    const Eigen::ArrayXd mean = mu.template cast<double>().rowwise().mean().array();
    const Eigen::ArrayXd variance =
        (mu.template cast<double>().colwise() - mean.matrix()).array().square().rowwise().sum() / static_cast<double>(x.cols());
    return (variance > threshold).count();
  }

  // ---- parameters and settings -------------------------------------------------------------
  ParameterBuffer<Scalar>& parameters() { return network_.parameters(); }
  const ParameterBuffer<Scalar>& parameters() const { return network_.parameters(); }
  template <std::size_t I>
  auto weights() const { return network_.template weights<I>(); }
  template <std::size_t I>
  auto bias() const { return network_.template bias<I>(); }
  network_type& network() { return network_; }
  const network_type& network() const { return network_; }
  const Lik& likelihood() const { return likelihood_; }
  const VaeSettings& settings() const { return settings_; }
  /// Changes the settings (validated; throws std::invalid_argument and keeps the old ones).
  void set_settings(const VaeSettings& s) {
    s.validate();
    settings_ = s;
    kl_weight_ = settings_.beta * warmup_factor(epoch_);
  }
  /// The KL term's weight this epoch: beta times the warm-up factor.
  double kl_weight() const { return kl_weight_; }
  /// Called by fit at the start of every epoch (0-based): sets the warm-up factor.
  void begin_epoch(int epoch) {
    epoch_ = epoch;
    kl_weight_ = settings_.beta * warmup_factor(epoch);
  }
  std::uint64_t seed() const { return seed_; }
  Random& rng(RandomStream stream) { return stream == RandomStream::shuffling ? shuffling_ : noise_; }
  void reseed(std::uint64_t seed) {
    shuffling_.seed(stream_seed(seed, 1));
    noise_.seed(stream_seed(seed, 2));
  }
  /// Checks the settings and the likelihood's hyperparameters (fit calls it).
  void validate_policies() const {
    settings_.validate();
    likelihood_.validate();
  }

  // ---- training primitives -------------------------------------------------------------------
  /// Makes columns `columns` of X the current batch (see BasicAutoencoder::load_batch).
  template <class D>
  void load_batch(const Eigen::MatrixBase<D>& x, std::span<const Index> columns) {
    detail::require_batch_columns(x, input_size, columns);  // messages built only on failure
    const Index n = static_cast<Index>(columns.size());
    reserve(n);
    auto input = network_.input(n);
    for (Index k = 0; k < n; ++k) input.col(k) = x.col(columns[static_cast<std::size_t>(k)]).template cast<Scalar>();
    batch_size_ = n;
  }

  /// Forward (one reparameterised z per sample, eps from the noise stream) and backward on the
  /// loaded batch; returns {reconstruction NLL, weighted KL term} per sample.
  template <Loss L>
  Objective<Scalar> compute_gradients(const L& loss) {
    require_own_likelihood(loss, "compute_gradients");
    detail::require(batch_size_ > 0, "compute_gradients: no batch loaded (call load_batch first)");
    const Index n = batch_size_;
    auto eps = noise(n);
    latent_layer::draw_noise(eps, noise_);
    return forward_backward(network_.input(n));
  }

  /// The same on an explicit (input, target) pair with eps drawn afresh from stream 3 of the
  /// model's seed on every call: a deterministic objective (for the gradient checker).
  template <Loss L, class D1, class D2>
  Objective<Scalar> compute_gradients(const L& loss, const Eigen::MatrixBase<D1>& input,
                                      const Eigen::MatrixBase<D2>& target) {
    require_own_likelihood(loss, "compute_gradients");
    detail::require_input_and_target(input, target, input_size);
    const Index n = input.cols();
    reserve(n);
    if (explicit_target_.rows() != input_size || explicit_target_.cols() < n) explicit_target_.resize(input_size, n);
    MatrixMap<Scalar> y(explicit_target_.data(), input_size, n);
    y = target.template cast<Scalar>();
    network_.input(n) = input.template cast<Scalar>();
    batch_size_ = 0;
    Random fixed(stream_seed(seed_, 3));
    auto eps = noise(n);
    latent_layer::draw_noise(eps, fixed);
    return forward_backward(y);
  }

  /// The eps (K x n) of the last training pass.
  MatrixMap<Scalar> noise(Index n) { return MatrixMap<Scalar>(eps_.data(), latent_size, n); }
  Index batch_size() const { return batch_size_; }
  void reserve(Index n) {
    network_.reserve(n);
    if (eps_.cols() < n) eps_.resize(latent_size, n);
  }

 private:
  template <class Target>
  Objective<Scalar> forward_backward(const Target& target) {
    const Index n = target.cols();
    constexpr std::size_t E = latent_index;
    constexpr std::size_t last = depth - 1;
    network_.template forward_layers<0, E>(n);
    const auto h = network_.template activation<E - 1>(n);
    const auto eps = noise(n);
    latent_layer::reparameterize(h, eps, network_.template activation<E>(n));
    network_.template forward_layers<E + 1, depth, from_logits>(n);
    Scalar value;
    if constexpr (from_logits) {
      value = likelihood_.value_and_logit_gradient(network_.logits(n), network_.template activation<last>(n), target,
                                                   network_.template gradient<last>(n));
    } else {
      value = likelihood_.value_and_gradient(network_.template activation<last>(n), target,
                                             network_.template gradient<last>(n));
    }
    NoHooks hooks;
    network_.template backward_layers<E + 1, depth, from_logits>(n, hooks);
    const Scalar penalty = latent_layer::backward_with_kl(h, eps, network_.template gradient<E>(n),
                                                          network_.template gradient<E - 1>(n), kl_weight_,
                                                          settings_.free_bits);
    network_.template backward_layers<0, E, false>(n, hooks);
    return {value, penalty};
  }

  /// -log p(x_j | z_j) for every column of Z (K x m) against `target` (input_size x m).
  template <class Z, class T>
  Vector<Scalar> negative_log_likelihoods(const Z& z, const T& target) const {
    Matrix<Scalar> logits;
    const Matrix<Scalar> out = network_.template forward_range<latent_index + 1, depth, from_logits>(z, &logits);
    const Matrix<Scalar>& scored = from_logits ? logits : out;
    const Index m = z.cols();
    Vector<Scalar> nll(m);
    const int threads = detail::threads_for(20.0 * static_cast<double>(input_size * m), m / 64);
    detail::parallel_ranges(m, 64, threads, [&](Index first, Index count) {
      VectorMap<Scalar> part(nll.data() + first, count);
      likelihood_.per_sample(scored.middleCols(first, count), target.middleCols(first, count), part);
    });
    return nll;
  }

  double warmup_factor(int epoch) const {
    if (settings_.warmup_epochs <= 0) return 1.0;
    return std::min(1.0, static_cast<double>(epoch + 1) / static_cast<double>(settings_.warmup_epochs));
  }
  template <class L>
  void require_own_likelihood(const L& loss, const char* where) const {
    static_assert(std::same_as<L, Lik>,
                  "a variational autoencoder trains and evaluates with its own likelihood (its fourth template "
                  "argument): pass model.likelihood() as fit's loss, not a per-element MSE or BCE");
    if (!(loss == likelihood_))
      throw std::invalid_argument(detail::message(where, ": the loss given (", loss.describe(),
                                                  ") is not the model's likelihood (", likelihood_.describe(),
                                                  "); pass model.likelihood()"));
  }

  std::uint64_t seed_;
  Random shuffling_, noise_;
  VaeSettings settings_;
  Lik likelihood_;
  network_type network_;
  Matrix<Scalar> eps_;
  Matrix<Scalar> explicit_target_;
  Index batch_size_ = 0;
  int epoch_ = 0;
  double kl_weight_ = 1.0;
};

/// The float VAE.
template <class Enc, class Dec, Likelihood Lik>
using VariationalAutoencoder = BasicVariationalAutoencoder<float, Enc, Dec, Lik>;

}  // namespace hourglass
