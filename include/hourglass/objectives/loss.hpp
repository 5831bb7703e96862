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
// objectives/losses.hpp has MSE and BCE; their reduction (mean over all elements) is stated there.
#pragma once

#include "../core/activations.hpp"
#include "../core/config.hpp"

#include <concepts>
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

/// A training objective split into its parts.
template <class Scalar>
struct Objective {
  Scalar loss = 0;     ///< the reconstruction loss (the Loss's own reduction)
  Scalar penalty = 0;  ///< the sum of every policy's penalty
  Scalar total() const { return loss + penalty; }
};

}  // namespace hourglass
