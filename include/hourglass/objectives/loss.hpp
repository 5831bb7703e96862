// hourglass/objectives/loss.hpp — the Loss concept: what a model's training step calls on a
// reconstruction loss, and the Objective (loss + penalties) a step returns.
//
// With A the output (output_size x n), Y the target (same shape), G a gradient buffer (same shape):
//   L::name                                   "mse", "bce": recorded with results
//   L::uses_logits<OutputActivation>          whether the loss wants the output layer's logits Z
//   loss.value(A, Y) -> Scalar                the loss alone (evaluate, metrics)
//   loss.value_and_gradient(A, Y, G) -> Scalar   writes dL/dA into G, returns L
// and, when uses_logits<Sigmoid> (a loss that can work from logits, A = sigmoid(Z)):
//   loss.value_from_logits(Z, Y) -> Scalar
//   loss.value_and_logit_gradient(Z, A, Y, G) -> Scalar   writes dL/dZ into G, returns L
// Optional, for a loss with a domain (BCE: targets and outputs are probabilities):
//   L::target_range = {lo, hi}            fit's data pass and evaluate refuse targets outside it
//   L::needs_probability_output = true    a model whose output activation is not in (0, 1) is a
//                                         compile-time error (OutputFitsLoss<loss, activation>)
//   L::allows_missing_targets = true      NaN targets are missing values the loss skips (the
//                                         masked losses, objectives/masked_losses.hpp)
// objectives/losses.hpp has MSE and BCE; their reduction (mean over all elements) is stated there.
#pragma once

#include "../core/activations.hpp"
#include "../core/config.hpp"

#include <cmath>
#include <concepts>
#include <stdexcept>
#include <string_view>

namespace hourglass {

template <class L>
concept Loss = requires(const L& loss, const MatrixMap<float>& a, const MatrixMap<float>& y, MatrixMap<float>& g) {
  { L::name } -> std::convertible_to<std::string_view>;
  { L::template uses_logits<Identity> } -> std::convertible_to<bool>;
  { L::template uses_logits<Sigmoid> } -> std::convertible_to<bool>;
  { loss.value(a, y) } -> std::convertible_to<float>;
  { loss.value_and_gradient(a, y, g) } -> std::convertible_to<float>;
} && (!L::template uses_logits<Sigmoid> ||
      requires(const L& loss, const MatrixMap<float>& z, const MatrixMap<float>& y, MatrixMap<float>& g) {
        { loss.value_from_logits(z, y) } -> std::convertible_to<float>;
        { loss.value_and_logit_gradient(z, z, y, g) } -> std::convertible_to<float>;
      });

/// Whether a loss takes NaN targets as missing values (objectives/masked_losses.hpp).
template <class L>
inline constexpr bool allows_missing_targets = requires { requires L::allows_missing_targets; };

/// The closed interval a loss's targets must lie in.
struct TargetRange {
  double lo, hi;
};

namespace detail {
/// Throws std::invalid_argument naming the first target outside the loss's range (if it has one);
/// NaN (a missing value) passes for a loss that allows missing targets. `first_sample`: the index
/// of y's column 0 among all samples (a chunk of a batch source, of evaluate's pass).
template <class L, class D>
void require_targets_in_range(const Eigen::MatrixBase<D>& y, const char* where, Index first_sample = 0) {
  if constexpr (requires { L::target_range; }) {
    constexpr TargetRange range = L::target_range;
    constexpr bool skip_nan = allows_missing_targets<L>;
    if (((y.array() >= range.lo) && (y.array() <= range.hi)).all()) return;
    for (Index j = 0; j < y.cols(); ++j)
      for (Index i = 0; i < y.rows(); ++i) {
        const double v = static_cast<double>(y(i, j));
        if (!(v >= range.lo && v <= range.hi) && !(skip_nan && std::isnan(v)))
          throw std::invalid_argument(message(
              where, ": ", L::name, " needs targets in [", range.lo, ", ", range.hi, "] (probabilities); sample ", first_sample + j,
              " (column ", j, ") holds ", v, " at row ", i,
              ". Scale the data into [0, 1] (8-bit pixels: divide by 255) or use MSE"));
      }
  }
}

/// Instantiated with the loss and the output activation, so the note names both.
template <class L, class OutputActivation, bool Fits>
struct OutputFitsLoss {
  static_assert(Fits, "this loss needs an output layer whose activation lies in (0, 1), e.g. Sigmoid "
                      "(OutputFitsLoss<loss, output activation, false>); use MSE for other outputs");
  static constexpr bool value = true;
};
template <class L, class OutputActivation>
constexpr bool output_fits_loss() {
  if constexpr (requires { L::needs_probability_output; }) {
    return OutputFitsLoss<L, OutputActivation, !L::needs_probability_output || OutputActivation::output_in_unit_interval>::value;
  } else {
    return true;
  }
}
}  // namespace detail

/// A Loss that is a negative log-likelihood -log p(x | decoder output), in nats: SUMMED over a
/// sample's features and averaged over the batch (value(A, Y) is the batch mean of the per-sample
/// sums; gradients carry 1/n, not 1/(n·rows)). The VAE (model/vae.hpp) needs this reduction —
/// a per-element mean would weigh its KL term `rows` times too much (pytorch/examples #290).
/// Beyond Loss:
///   L::sums_over_features == true
///   loss.per_sample(A_or_Z, Y, r)   r(j) := -log p(y_j | column j) (r: n x 1), from the logits Z when
///                                   uses_logits<OutputActivation>, else from the output A
///   loss.validate()                 throws std::invalid_argument on bad hyperparameters
/// objectives/likelihoods.hpp has BernoulliLikelihood and GaussianLikelihood.
template <class L>
concept Likelihood = Loss<L> && L::sums_over_features &&
                     requires(const L& l, const MatrixMap<float>& a, const MatrixMap<float>& y, VectorMap<float>& r) {
                       l.per_sample(a, y, r);
                       l.validate();
                     };

/// A training objective split into its parts.
template <class Scalar>
struct Objective {
  Scalar loss = 0;     ///< the reconstruction loss (the Loss's own reduction)
  Scalar penalty = 0;  ///< the sum of every policy's penalty
  Scalar total() const { return loss + penalty; }
};

}  // namespace hourglass
