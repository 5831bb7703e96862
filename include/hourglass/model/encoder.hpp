// hourglass/model/encoder.hpp — Encoder<Layers...>: the layers from the input down to the code.
#pragma once

#include "chain.hpp"

namespace hourglass {

/// The encoder is a checked chain of layer types; `Encoder<Dense<784,256,ReLU>, Dense<256,32>>`
/// maps 784 inputs to a 32-dimensional code. It is a type description; the Autoencoder holds
/// its parameters.
template <Layer... Layers>
struct Encoder : LayerChain<Layers...> {
  using code_shape = typename LayerChain<Layers...>::output_shape;
  static constexpr Index input_size = LayerChain<Layers...>::in;
  static constexpr Index code_size = LayerChain<Layers...>::out;
};

template <class T>
inline constexpr bool is_encoder = false;
template <class... L>
inline constexpr bool is_encoder<Encoder<L...>> = true;

}  // namespace hourglass
