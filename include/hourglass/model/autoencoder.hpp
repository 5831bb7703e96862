// hourglass/model/autoencoder.hpp — BasicAutoencoder<Scalar, Encoder, Decoder, Policies...>.
//
// The encoder's and decoder's layers are joined into one flat Network (one parameter buffer,
// one forward and one backward pass). Policies — penalties, corruption — are plain objects held
// in a tuple; each implements only the hooks it needs:
//
//   void corrupt(MatrixMap<Scalar> input, Random& rng)                training input only
//   template <size_t I, class Model> Scalar activation_gradient(Model&, Index n)
//   template <size_t I, class Model> Scalar preactivation_gradient(Model&, Index n)
//   template <size_t I, class Model> Scalar parameter_gradient(Model&, Index n)
//   void validate() const                                              throws on bad hyperparameters
//
// The gradient hooks are called during backward as described in model/network.hpp and return
// the value of the penalty they added. docs/design.md shows how a batch flows through fit().
// The library's policies — SparseL1, SparseKL, Contractive, ContractiveLayerwise, WeightDecay
// (objectives/penalties/) and GaussianNoise, MaskingNoise, SaltAndPepper (objectives/corruption/)
// — and tied decoder layers (TiedDense, core/tied_dense.hpp) are described in docs/variants.md.
#pragma once

#include "../core/config.hpp"
#include "../core/random.hpp"
#include "../core/static_for.hpp"
#include "batch_checks.hpp"
#include "chain.hpp"
#include "decoder.hpp"
#include "encoder.hpp"
#include "scaler.hpp"
#include "score.hpp"
#include "threshold.hpp"
#include "sequential.hpp"
// The model binds its training objective's policies and takes a Loss in compute_gradients: the
// one place where model/ uses objectives/ (the Loss concept only; docs/design.md).
#include "../objectives/loss.hpp"

#include <cmath>
#include <cstdint>
#include <functional>
#include <optional>
#include <span>
#include <stdexcept>
#include <tuple>
#include <type_traits>

namespace hourglass {

/// A policy that corrupts the training input (denoising).
template <class P, class Scalar>
concept CorruptionPolicy = requires(P& p, MatrixMap<Scalar>& input, Random& rng) { p.corrupt(input, rng); };

/// A policy that fills missing values (NaN) of the input (MissingValues).
template <class P, class Scalar>
concept FillsMissingValues = requires(const P& p, MatrixMap<Scalar>& input) { p.fill_missing(input); };

namespace detail {
template <class Scalar, class Enc, class Dec>
struct JoinedNetwork;
template <class Scalar, class... E, class... D>
struct JoinedNetwork<Scalar, Encoder<E...>, Decoder<D...>> {
  using type = Sequential<Scalar, E..., D...>;
};
}  // namespace detail

template <class Scalar_, class Enc, class DecoderSpec, class... Policies>
class BasicAutoencoder {
  static_assert(is_encoder<Enc>, "the first model argument must be an Encoder<Layers...>");
  static_assert(is_decoder<DecoderSpec>, "the second model argument must be a Decoder<Layers...>");
  // TiedDense<K> decoder entries get their sizes from encoder layer K here.
  using Dec = typename DecoderSpec::template resolved<Enc>;
  static_assert(DecoderTakesCode<typename Enc::code_shape, typename Dec::code_shape>::value);
  static_assert(DecoderRestoresInput<typename Enc::input_shape, typename Dec::output_shape>::value);

 public:
  using Scalar = Scalar_;
  using encoder_type = Enc;
  using decoder_type = Dec;  ///< the decoder with TiedDense specs resolved to TiedDenseLayer
  using network_type = typename detail::JoinedNetwork<Scalar, Enc, Dec>::type;
  using policy_types = std::tuple<Policies...>;

  static constexpr Index input_size = Enc::input_size;
  static constexpr Index code_size = Enc::code_size;
  static constexpr std::size_t encoder_depth = Enc::depth;
  static constexpr std::size_t decoder_depth = Dec::depth;
  static constexpr std::size_t depth = encoder_depth + decoder_depth;
  /// Index (in the joined chain) of the layer whose output is the code.
  static constexpr std::size_t code_layer_index = encoder_depth - 1;
  template <std::size_t I>
  using layer_type = typename network_type::template layer_type<I>;

  /// Whether any policy corrupts the training input (then the clean batch is kept as target).
  static constexpr bool corrupts_input = (CorruptionPolicy<Policies, Scalar> || ...);
  /// Whether a policy fills missing values (NaN) of the input (MissingValues): then data with
  /// NaN is accepted with a masked loss, and inference fills NaN the same way.
  static constexpr bool fills_missing_inputs = (FillsMissingValues<Policies, Scalar> || ...);
  using output_activation = typename layer_type<depth - 1>::activation;

  /// A model with default policies, initialised from seed 42.
  BasicAutoencoder() : BasicAutoencoder(42) {}
  /// A model initialised from `seed`, with the given policies (in the order of the template).
  /// The seed starts three independent random streams (RandomStream): initialisation, shuffling
  /// and noise, so a seeded run repeats bit for bit, and processes that share a seed share a
  /// shuffle while each may draw its own noise.
  explicit BasicAutoencoder(std::uint64_t seed, Policies... policies)
      : seed_(seed),
        shuffling_(stream_seed(seed, 1)),
        noise_(stream_seed(seed, 2)),
        policies_(std::move(policies)...) {
    validate_policies();
    Random initialization(stream_seed(seed, 0));
    network_.initialize(initialization);
  }
  /// A model with default-constructed policies (their default hyperparameters).
  explicit BasicAutoencoder(std::uint64_t seed)
    requires(sizeof...(Policies) > 0)
      : BasicAutoencoder(seed, Policies{}...) {}

  // ---- preprocessing kept with the model ------------------------------------------------
  /// Sets the scaler (model/scaler.hpp) that every entry point taking data in its own units
  /// applies first — load_batch (so fit), encode, reconstruct, evaluate, score — and that
  /// reconstruct and decode invert on their outputs. Fit it on the training data before fit;
  /// model files store it. Throws std::invalid_argument when it was fitted on another number of
  /// features, or when the output activation cannot reach the scaled training data (standardised
  /// targets under a sigmoid output); the model's scaler is unchanged then.
  void set_scaler(Scaler<Scalar> scaler) {
    scaler.template require_reachable_by<output_activation>(input_size, "set_scaler");
    scaler_ = std::move(scaler);
  }
  const Scaler<Scalar>& scaler() const { return scaler_; }

  /// The anomaly threshold kept with the model (and its file): fit it on scores of normal
  /// training data (applications/anomaly.hpp: quantile_threshold, mean_std_threshold).
  /// Throws std::invalid_argument for a threshold value that is not finite.
  void set_threshold(const AnomalyThreshold& threshold) {
    detail::require(std::isfinite(threshold.value), "set_threshold: the threshold value must be finite, got ",
                    threshold.value);
    threshold_ = threshold;
  }
  void clear_threshold() { threshold_.reset(); }
  const std::optional<AnomalyThreshold>& threshold() const { return threshold_; }
  /// Per sample of X: score > threshold (n entries). Throws std::logic_error when no threshold is set.
  template <class D>
  Eigen::Array<bool, Eigen::Dynamic, 1> is_anomaly(const Eigen::MatrixBase<D>& x) const {
    if (!threshold_) throw std::logic_error("is_anomaly: the model has no threshold (set_threshold first)");
    return (score(x).array().template cast<double>() > threshold_->value);
  }

  /// X (input_size x n, data units) as the network sees it: scaled, missing values (NaN) filled
  /// when a policy fills them. A copy; X itself when there is nothing to do is not promised.
  template <class D>
  Matrix<Scalar> network_input(const Eigen::MatrixBase<D>& x) const {
    detail::require_batch(x, input_size, "network_input");
    Matrix<Scalar> in = x.template cast<Scalar>();
    scaler_.transform_in_place(in);
    fill_missing(in);
    return in;
  }
  /// NaN := the MissingValues policy's fill, in place (nothing without such a policy).
  template <class M>
  void fill_missing(M&& m) const {
    if constexpr (fills_missing_inputs) {
      std::apply([&](const auto&... p) { (fill_missing_one(p, m), ...); }, policies_);
    }
  }

  // ---- inference -------------------------------------------------------------------------
  /// The codes of a batch X (input_size x n, data units) — one column per sample.
  template <class D>
  Matrix<Scalar> encode(const Eigen::MatrixBase<D>& x) const {
    detail::require_batch(x, input_size, "encode");
    if (!prepares_input()) return network_.template forward_range<0, encoder_depth>(x);
    return network_.template forward_range<0, encoder_depth>(network_input(x));
  }
  /// The reconstructions (data units) of a batch of codes Z (code_size x n).
  template <class D>
  Matrix<Scalar> decode(const Eigen::MatrixBase<D>& z) const {
    detail::require_batch(z, code_size, "decode");
    Matrix<Scalar> out = network_.template forward_range<encoder_depth, depth>(z);
    scaler_.inverse_transform_in_place(out);
    return out;
  }
  /// decode(encode(X)), without corruption, in data units.
  template <class D>
  Matrix<Scalar> reconstruct(const Eigen::MatrixBase<D>& x) const {
    detail::require_batch(x, input_size, "reconstruct");
    Matrix<Scalar> out = prepares_input() ? network_.template forward_range<0, depth>(network_input(x))
                                          : network_.template forward_range<0, depth>(x);
    scaler_.inverse_transform_in_place(out);
    return out;
  }
  /// X as training feeds it to the encoder: a copy with every corruption policy applied in turn,
  /// drawn from `rng` (X itself, as Scalar, when no policy corrupts). Use it to score denoising —
  /// reconstruct(corrupt(X, rng)) against the clean X — or to show the noisy inputs.
  template <class D>
  Matrix<Scalar> corrupt(const Eigen::MatrixBase<D>& x, Random& rng) const {
    detail::require_batch(x, input_size, "corrupt");
    Matrix<Scalar> out = x.template cast<Scalar>();
    if constexpr (corrupts_input) {
      MatrixMap<Scalar> view(out.data(), out.rows(), out.cols());
      std::apply([&](const auto&... p) { (corrupt_one(p, view, rng), ...); }, policies_);
    }
    return out;
  }

  /// The mean reconstruction loss over X (no corruption, no penalties; in the scaler's units,
  /// what training minimises), in chunks of 4096 samples so memory stays bounded; logits are
  /// used when the loss prefers them. A loss with a target range (BCE: [0, 1]) refuses data
  /// outside it (std::invalid_argument naming the sample); a masked loss skips missing entries.
  template <Loss L, class D>
  double evaluate(const L& loss, const Eigen::MatrixBase<D>& x) const {
    static_assert(detail::output_fits_loss<L, output_activation>());
    detail::require_batch(x, input_size, "evaluate");
    constexpr bool from_logits = loss_uses_logits<L>;
    double weighted = 0;
    for_each_chunk(x, [&](const auto& target, const auto& input, Index start) {
      require_scaled_targets<L>(target, "evaluate", start);  // the chunk is scaled already
      Matrix<Scalar> logits;
      const Matrix<Scalar> out = network_.template forward_range<0, depth, from_logits>(input, &logits);
      double value;
      if constexpr (from_logits) {
        value = static_cast<double>(loss.value_from_logits(logits, target));
      } else {
        value = static_cast<double>(loss.value(out, target));
      }
      weighted += value * static_cast<double>(target.cols());
    });
    return weighted / static_cast<double>(x.cols());
  }

  /// Anomaly scores: per sample (column of X, data units), the mean squared reconstruction error
  /// over its features in the scaler's units (over its observed features when values are
  /// missing) — n values, higher = less like the training data. Throws std::invalid_argument for
  /// a wrong shape, or a sample with no observed feature.
  template <class D>
  Vector<Scalar> score(const Eigen::MatrixBase<D>& x) const {
    detail::require_batch(x, input_size, "score");
    Vector<Scalar> scores(x.cols());
    for_each_chunk(x, [&](const auto& target, const auto& input, Index start) {
      const Matrix<Scalar> out = network_.template forward_range<0, depth>(input);
      for (Index j = 0; j < target.cols(); ++j)
        scores(start + j) = detail::observed_mean_squared_error(out.col(j), target.col(j), "score", start + j);
    });
    return scores;
  }
  /// The squared reconstruction error of every feature of every sample (input_size x n, scaler's
  /// units; NaN where the value is missing): which features raised a sample's score.
  template <class D>
  Matrix<Scalar> feature_errors(const Eigen::MatrixBase<D>& x) const {
    detail::require_batch(x, input_size, "feature_errors");
    Matrix<Scalar> errors(input_size, x.cols());
    for_each_chunk(x, [&](const auto& target, const auto& input, Index start) {
      errors.middleCols(start, target.cols()) =
          (network_.template forward_range<0, depth>(input) - target).array().square().matrix();
    });
    return errors;
  }

  /// The checks fit and evaluate make of data in data units before using it as targets: every
  /// value finite — NaN allowed as a missing value when the loss masks them (MaskedMSE,
  /// MaskedBCE) and a policy fills them (MissingValues) — and, scaled, inside the loss's target
  /// range. Messages name the sample as `first_sample` + its column.
  template <Loss L, class D>
  void require_targets(const Eigen::MatrixBase<D>& x, const char* where, Index first_sample = 0) const {
    if (!scaler_.active() || !requires { L::target_range; }) {
      require_scaled_targets<L>(x, where, first_sample);  // finiteness needs no scaling
      return;
    }
    for_each_chunk(x, [&](const auto& target, const auto&, Index start) {
      require_scaled_targets<L>(target, where, first_sample + start);
    });
  }

  // ---- parameters ------------------------------------------------------------------------
  ParameterBuffer<Scalar>& parameters() { return network_.parameters(); }
  const ParameterBuffer<Scalar>& parameters() const { return network_.parameters(); }
  /// Layer I of the joined chain (encoder layers first).
  template <std::size_t I>
  auto weights() const { return network_.template weights<I>(); }
  template <std::size_t I>
  auto bias() const { return network_.template bias<I>(); }
  template <std::size_t I>
  auto weights() { return network_.template weights<I>(); }
  template <std::size_t I>
  auto bias() { return network_.template bias<I>(); }
  template <std::size_t I>
  auto encoder_weights() const { return network_.template weights<I>(); }
  template <std::size_t I>
  auto decoder_weights() const { return network_.template weights<encoder_depth + I>(); }

  network_type& network() { return network_; }
  const network_type& network() const { return network_; }
  /// The seed the model was built with, and its random streams: fit shuffles with
  /// rng(RandomStream::shuffling), corruption draws from rng(RandomStream::noise).
  std::uint64_t seed() const { return seed_; }
  Random& rng(RandomStream stream) { return stream == RandomStream::shuffling ? shuffling_ : noise_; }
  /// Restarts the shuffling and noise streams from the model's seed (or another).
  void reseed(std::uint64_t seed) {
    shuffling_.seed(stream_seed(seed, 1));
    noise_.seed(stream_seed(seed, 2));
  }
  template <class P>
  P& policy() { return std::get<P>(policies_); }
  template <class P>
  const P& policy() const { return std::get<P>(policies_); }
  /// Checks every policy's hyperparameters (call after changing them through policy<P>()).
  void validate_policies() const {
    std::apply([](const auto&... p) { (validate_one(p), ...); }, policies_);
  }

  // ---- training primitives (used by fit, the gradient checker and custom loops) ----------
  /// Makes the columns `columns` of X the current batch: gathered into the model's workspace
  /// (the data set is never copied or reordered), then corrupted if a policy says so.
  /// Throws std::invalid_argument (and keeps the previous batch) when X has the wrong number of
  /// rows, `columns` is empty, or an index is not a column of X.
  template <class D>
  void load_batch(const Eigen::MatrixBase<D>& x, std::span<const Index> columns) {
    auto input = gather(x, columns);
    if constexpr (corrupts_input) std::apply([&](auto&... p) { (corrupt_one(p, input), ...); }, policies_);
  }

  /// The same, with each sample's corruption drawn from its own stream, keyed by the model's
  /// noise seed, `draw` and the sample's column index in X: the noise a sample gets does not
  /// depend on which batch, or which process of a distributed fit, it lands in. fit passes the
  /// epoch as `draw` (so one process with a global batch and N processes with its slices corrupt
  /// alike). `first_key` is added to every column index to make its key: fit from a batch source
  /// passes the index in the pass of the shuffle buffer's column 0, so a sample's noise is keyed
  /// by its place in the data set, not in the buffer. Without corruption policies it is
  /// load_batch(x, columns).
  template <class D>
  void load_batch(const Eigen::MatrixBase<D>& x, std::span<const Index> columns, std::uint64_t draw,
                  Index first_key = 0) {
    auto input = gather(x, columns);
    if constexpr (corrupts_input) {
      const std::uint64_t key = stream_seed(stream_seed(seed_, 2), draw + 1);
      for (Index k = 0; k < input.cols(); ++k) {
        const Index sample = first_key + columns[static_cast<std::size_t>(k)];
        Random rng(stream_seed(key, static_cast<std::uint64_t>(sample) + 1));
        MatrixMap<Scalar> column(input.data() + k * input_size, input_size, 1);
        std::apply([&](auto&... p) { (corrupt_one(p, column, rng), ...); }, policies_);
      }
    }
  }

  // ---- distributed training (training/fit.hpp with a Communicator) -------------------------
  /// Batch statistics across processes: a penalty that needs a statistic of the whole batch
  /// (SparseKL's mean activation) passes its per-process sums over this process's n samples;
  /// they come back summed over the processes of a distributed fit, and the return value is the
  /// global batch's sample count. On one process (no reducer installed) nothing changes and n
  /// comes back.
  Index reduce_batch_sums(std::span<Scalar> sums, Index n) {
    if (!batch_reducer_) return n;
    return batch_reducer_(sums, n);
  }
  /// Installed by fit for the run of a distributed fit (and removed after it): sums `sums` over
  /// processes in place and returns the summed count.
  void set_batch_reducer(std::function<Index(std::span<Scalar>, Index)> reducer) { batch_reducer_ = std::move(reducer); }

  /// Whether this loss computes its gradient from the output layer's logits.
  template <Loss L>
  static constexpr bool loss_uses_logits = L::template uses_logits<typename layer_type<depth - 1>::activation>;

  /// Forward and backward on the loaded batch: fills parameters().gradients and returns the
  /// objective (the loss against the clean batch and the sum of every policy's penalty).
  template <Loss L>
  Objective<Scalar> compute_gradients(const L& loss) {
    static_assert(detail::output_fits_loss<L, typename layer_type<depth - 1>::activation>());
    detail::require(batch_size_ > 0, "compute_gradients: no batch loaded (call load_batch first)");
    return forward_backward(loss, batch_target(batch_size_));
  }

  /// Forward and backward on an explicit (input, target) pair, with no corruption drawn:
  /// the deterministic objective the gradient checker differentiates. input and target are
  /// input_size x n; target may differ from input (it is kept in its own buffer).
  template <Loss L, class D1, class D2>
  Objective<Scalar> compute_gradients(const L& loss, const Eigen::MatrixBase<D1>& input,
                                      const Eigen::MatrixBase<D2>& target) {
    detail::require_input_and_target(input, target, input_size);
    const Index n = input.cols();
    reserve(n);
    if (explicit_target_.rows() != input_size || explicit_target_.cols() < n) explicit_target_.resize(input_size, n);
    MatrixMap<Scalar> y(explicit_target_.data(), input_size, n);
    y = target.template cast<Scalar>();
    network_.input(n) = input.template cast<Scalar>();
    batch_size_ = 0;  // the workspace no longer holds a loaded batch
    return forward_backward(loss, y);
  }

  Index batch_size() const { return batch_size_; }
  /// The clean batch the loss compares against (the input itself when nothing corrupts it).
  MatrixMap<Scalar> batch_target(Index n) {
    if constexpr (corrupts_input) {
      return MatrixMap<Scalar>(target_.data(), input_size, n);
    } else {
      return network_.input(n);
    }
  }
  /// Grows the workspaces to hold n samples (no-op when they already do).
  void reserve(Index n) {
    network_.reserve(n);
    if constexpr (corrupts_input) {
      if (target_.cols() < n) target_.resize(input_size, n);
    }
  }

 private:
  /// The batch's columns of X in the workspace (checked): the clean copy is the target, and the
  /// returned input map holds it too, for the caller to corrupt.
  template <class D>
  MatrixMap<Scalar> gather(const Eigen::MatrixBase<D>& x, std::span<const Index> columns) {
    detail::require_batch_columns(x, input_size, columns);  // messages built only on failure
    const Index n = static_cast<Index>(columns.size());
    reserve(n);
    auto clean = batch_target(n);
    for (Index k = 0; k < n; ++k) clean.col(k) = x.col(columns[static_cast<std::size_t>(k)]).template cast<Scalar>();
    scaler_.transform_in_place(clean);
    auto input = network_.input(n);
    if constexpr (corrupts_input) input = clean;
    batch_size_ = n;
    return input;
  }

  /// Forward, loss against `target`, backward with the policies' hooks.
  template <Loss L, class Target>
  Objective<Scalar> forward_backward(const L& loss, const Target& target) {
    const Index n = target.cols();
    constexpr bool from_logits = loss_uses_logits<L>;
    network_.template forward<from_logits>(n);
    constexpr std::size_t last = depth - 1;
    Scalar value;
    if constexpr (from_logits) {
      value = loss.value_and_logit_gradient(network_.logits(n), network_.template activation<last>(n), target,
                                            network_.template gradient<last>(n));
    } else {
      value = loss.value_and_gradient(network_.template activation<last>(n), target, network_.template gradient<last>(n));
    }
    Hooks hooks{*this};
    const Scalar penalty = network_.template backward<from_logits>(n, hooks);
    return {value, penalty};
  }

  struct Hooks {
    BasicAutoencoder& model;
    /// Whether some policy may add to dL/dA of layer I (network.hpp then keeps f' out of the
    /// layer above's pass).
    template <class P, std::size_t I>
    static constexpr bool policy_adds_activation_gradient =
        requires(P& p, BasicAutoencoder& m, Index n) { p.template activation_gradient<I>(m, n); };
    template <std::size_t I>
    static constexpr bool adds_activation_gradient = (policy_adds_activation_gradient<Policies, I> || ... || false);
    template <std::size_t I, class Net>
    Scalar activation_gradient(Net&, Index n) {
      return add([&](auto& p) -> Scalar {
        if constexpr (requires { p.template activation_gradient<I>(model, n); })
          return p.template activation_gradient<I>(model, n);
        else
          return 0;
      });
    }
    template <std::size_t I, class Net>
    Scalar preactivation_gradient(Net&, Index n) {
      return add([&](auto& p) -> Scalar {
        if constexpr (requires { p.template preactivation_gradient<I>(model, n); })
          return p.template preactivation_gradient<I>(model, n);
        else
          return 0;
      });
    }
    template <std::size_t I, class Net>
    Scalar parameter_gradient(Net&, Index n) {
      return add([&](auto& p) -> Scalar {
        if constexpr (requires { p.template parameter_gradient<I>(model, n); })
          return p.template parameter_gradient<I>(model, n);
        else
          return 0;
      });
    }
    template <class F>
    Scalar add(F&& f) {
      Scalar sum = 0;
      std::apply([&](auto&... p) { ((sum += f(p)), ...); }, model.policies_);
      return sum;
    }
  };

  bool prepares_input() const { return scaler_.active() || fills_missing_inputs; }

  /// require_targets on values already in the scaler's units (NaN and Inf survive scaling, so
  /// the finiteness check reads the same either way): evaluate checks each chunk it has scaled.
  template <Loss L, class D>
  void require_scaled_targets(const Eigen::MatrixBase<D>& y, const char* where, Index first_sample) const {
    constexpr bool missing_ok = allows_missing_targets<L> && fills_missing_inputs;
    if (const detail::NonFinite bad = detail::first_non_finite(y)) {
      if constexpr (missing_ok) {
        if (!all_nan_or_finite(y)) {
          const Index at = first_sample + first_infinite_column(y);
          throw std::invalid_argument(detail::message(where, ": sample ", at, " (column ", at, ") contains Inf"));
        }
      } else {
        const Index at = first_sample + bad.col;
        const char* hint = !std::isnan(static_cast<double>(y(bad.row, bad.col))) ? ""
                           : allows_missing_targets<L>
                               ? " (NaN as a missing value needs a policy that fills it: add hg::MissingValues to the model)"
                               : " (for missing values train with a masked loss, hg::MaskedMSE or hg::MaskedBCE, and "
                                 "the hg::MissingValues policy)";
        throw std::invalid_argument(detail::message(where, ": sample ", at, " (column ", at, ") contains NaN or Inf", hint));
      }
    }
    if constexpr (requires { L::target_range; }) {
      try {
        detail::require_targets_in_range<L>(y, where, first_sample);
      } catch (const std::invalid_argument& e) {
        if (!scaler_.active()) throw;
        throw std::invalid_argument(detail::message(e.what(), " (after the model's ", scaler_.describe(), " scaler)"));
      }
    }
  }

  /// f(target, input, start) for chunks of 4096 samples of X (bounded memory): target is the
  /// chunk scaled (NaN kept), input the same with missing values filled (the target itself when
  /// nothing is filled; X's own columns when nothing is scaled either).
  template <class D, class F>
  void for_each_chunk(const Eigen::MatrixBase<D>& x, F&& f) const {
    constexpr Index chunk = 4096;
    for (Index start = 0; start < x.cols(); start += chunk) {
      const Index n = std::min(chunk, x.cols() - start);
      const auto block = x.middleCols(start, n);
      if (!prepares_input()) {
        f(block, block, start);
        continue;
      }
      Matrix<Scalar> target = block.template cast<Scalar>();
      scaler_.transform_in_place(target);
      if constexpr (fills_missing_inputs) {
        Matrix<Scalar> input = target;
        fill_missing(input);
        f(target, input, start);
      } else {
        f(target, target, start);
      }
    }
  }
  template <class D>
  static bool all_nan_or_finite(const Eigen::MatrixBase<D>& x) {
    return (x.array().isNaN() || x.array().isFinite()).all();
  }
  template <class D>
  static Index first_infinite_column(const Eigen::MatrixBase<D>& x) {
    for (Index j = 0; j < x.cols(); ++j)
      if (x.col(j).array().isInf().any()) return j;
    return 0;
  }
  template <class P, class M>
  static void fill_missing_one(const P& p, M& m) {
    if constexpr (requires { p.fill_missing(m); }) p.fill_missing(m);
  }

  template <class P>
  static void validate_one(const P& p) {
    if constexpr (requires { p.validate(); }) p.validate();
  }
  template <class P>
  void corrupt_one(P& p, MatrixMap<Scalar>& input) {
    corrupt_one(p, input, noise_);
  }
  template <class P>
  static void corrupt_one(const P& p, MatrixMap<Scalar>& input, Random& rng) {
    if constexpr (requires { p.corrupt(input, rng); }) p.corrupt(input, rng);
  }

  std::uint64_t seed_;
  Random shuffling_, noise_;
  std::tuple<Policies...> policies_;
  network_type network_;
  Matrix<Scalar> target_;
  Matrix<Scalar> explicit_target_;  ///< compute_gradients(loss, input, target)'s target
  Index batch_size_ = 0;
  Scaler<Scalar> scaler_;
  std::optional<AnomalyThreshold> threshold_;
  std::function<Index(std::span<Scalar>, Index)> batch_reducer_;
};

/// The float model — what most users want.
template <class Enc, class Dec, class... Policies>
using Autoencoder = BasicAutoencoder<float, Enc, Dec, Policies...>;

}  // namespace hourglass
