// hourglass/model/decoder.hpp — Decoder<Layers...>: the layers from the code back to the input.
#pragma once

#include "../core/tied_dense.hpp"
#include "chain.hpp"

#include <tuple>

namespace hourglass {

/// A decoder entry: a Layer, or a TiedDense<K, Act> spec whose sizes come from the encoder.
template <class L>
concept DecoderLayer = Layer<L> || is_tied_spec<L>;

namespace detail {

/// A decoder of plain layers is checked as a chain right away; one with TiedDense specs is
/// checked once BasicAutoencoder has resolved them against its encoder.
template <bool Resolved, class... Layers>
struct DecoderBase : LayerChain<Layers...> {
  using code_shape = typename LayerChain<Layers...>::input_shape;
  static constexpr Index code_size = LayerChain<Layers...>::in;
  static constexpr Index output_size = LayerChain<Layers...>::out;
};
template <class... Layers>
struct DecoderBase<false, Layers...> {
  static constexpr std::size_t depth = sizeof...(Layers);
};

template <class L, class Enc>
struct ResolveTied {
  using type = L;
};
template <std::size_t K, class Act, class Enc>
struct ResolveTied<TiedDense<K, Act>, Enc> {
  static_assert(K < Enc::depth, "TiedDense<K>: K must index an encoder layer (0 = the layer that reads the input)");
  using tied = std::tuple_element_t<(K < Enc::depth ? K : 0), typename Enc::layers>;
  static_assert(!is_tied_layer<tied>, "TiedDense<K>: encoder layer K must own its weights");
  using type = TiedDenseLayer<K, tied::output_shape::size, tied::input_shape::size, Act>;
};

}  // namespace detail

/// The decoder is a checked chain of layer types from the code size to the input size; that it
/// fits a given encoder is checked where both meet, in Autoencoder. TiedDense<K, Act> entries
/// take their sizes (and weights, transposed) from encoder layer K.
template <DecoderLayer... Layers>
struct Decoder : detail::DecoderBase<(Layer<Layers> && ...), Layers...> {
  static constexpr bool has_tied_layers = (is_tied_spec<Layers> || ...);
  /// This decoder with every TiedDense spec replaced by its TiedDenseLayer for encoder Enc.
  template <class Enc>
  using resolved = Decoder<typename detail::ResolveTied<Layers, Enc>::type...>;
};

template <class T>
inline constexpr bool is_decoder = false;
template <class... L>
inline constexpr bool is_decoder<Decoder<L...>> = true;

}  // namespace hourglass
