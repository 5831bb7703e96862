// hourglass/core/tied_dense.hpp — a decoder layer that reuses an encoder layer's weights.
//
// TiedDense<K, Act> in a Decoder declares a fully connected layer whose weight matrix is the
// transpose of encoder layer K's:  A = f(W_K^T X + b)  with its own bias b. It has no sizes of
// its own — a Decoder alone cannot know them — so it is a *spec*; BasicAutoencoder resolves it
// against the encoder into TiedDenseLayer<K, In, Out, Act> with In = W_K's rows (encoder layer
// K's Out) and Out = W_K's columns (its In). The resolved layer is an ordinary Layer with
// weight_count = 0: its parameters in the flat buffer are its bias only.
//
// Gradients from both uses of W_K add up in W_K's gradient block:
//   dW_K = G_K X_K^T  +  (G_dec X_dec^T)^T
// The Network writes the tied layer's term through a row-major view of W_K's block (which *is*
// W_K^T), so no transpose is ever copied.
#pragma once

#include "activations.hpp"
#include "config.hpp"

#include <cstddef>

namespace hourglass {

/// Declares a decoder layer with weights W = (encoder layer EncoderLayer's W)^T and its own bias.
/// EncoderLayer counts encoder layers from 0 (the one that reads the input).
template <std::size_t EncoderLayer, Activation Act = Identity>
struct TiedDense {
  static constexpr std::size_t tied_to = EncoderLayer;
  using activation = Act;
};

/// The resolved tied layer (what the Network holds): sizes known, no weights of its own.
template <std::size_t TiedTo, Index In, Index Out, Activation Act>
struct TiedDenseLayer {
  static_assert(In > 0 && Out > 0, "TiedDenseLayer<K, In, Out>: both sizes must be positive");
  static constexpr std::size_t tied_to = TiedTo;
  static constexpr Index in = In;
  static constexpr Index out = Out;
  using activation = Act;
  static constexpr Index weight_count = 0;  ///< the weights belong to layer TiedTo
  static constexpr Index parameter_count = Out;
};

template <class L>
inline constexpr bool is_tied_spec = false;
template <std::size_t K, class Act>
inline constexpr bool is_tied_spec<TiedDense<K, Act>> = true;

template <class L>
inline constexpr bool is_tied_layer = false;
template <std::size_t K, Index In, Index Out, class Act>
inline constexpr bool is_tied_layer<TiedDenseLayer<K, In, Out, Act>> = true;

}  // namespace hourglass
