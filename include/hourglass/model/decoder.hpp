// hourglass/model/decoder.hpp — Decoder<Layers...>: the layers from the code back to the input.
#pragma once

#include "chain.hpp"

namespace hourglass {

/// The decoder is a checked chain of layer types from the code size to the input size; that it
/// fits a given encoder is checked where both meet, in Autoencoder.
template <Layer... Layers>
struct Decoder : LayerChain<Layers...> {
  static constexpr Index code_size = LayerChain<Layers...>::in;
  static constexpr Index output_size = LayerChain<Layers...>::out;
};

template <class T>
inline constexpr bool is_decoder = false;
template <class... L>
inline constexpr bool is_decoder<Decoder<L...>> = true;

}  // namespace hourglass
