// hourglass/model/chain.hpp — compile-time checks that a list of layers forms a chain.
//
// Layers are compared by *shape* (core/shape.hpp), not by size: Shape<16,14,14> does not feed a
// layer expecting Shape<64,7,7> although both hold 3,136 numbers (a Reshape/Flatten joins them).
// The checks are static_asserts inside small class templates whose *arguments are the two
// mismatching shapes*, so the compiler's note "in instantiation of LayerFollows<Shape<128>,
// Shape<256>>" names them next to a one-line message. Nesting stays flat: one fold over the pack.
#pragma once

#include "../core/layer.hpp"
#include "../core/shape.hpp"

#include <cstddef>
#include <tuple>
#include <type_traits>
#include <utility>

namespace hourglass {

/// Instantiated for each adjacent pair; both shapes appear in the error note.
template <class PreviousOutput, class NextInput>
struct LayerFollows {
  static_assert(std::is_same_v<PreviousOutput, NextInput>,
                "layer chain mismatch: a layer's input shape must equal the output shape of the layer before it "
                "(LayerFollows<previous output shape, this input shape>; Flatten/Reshape join an image to a vector)");
  static constexpr bool value = true;
};

/// The decoder's first layer must take the encoder's code.
template <class CodeShape, class DecoderInput>
struct DecoderTakesCode {
  static_assert(std::is_same_v<CodeShape, DecoderInput>,
                "decoder does not fit encoder: the decoder's In must equal the encoder's code shape "
                "(DecoderTakesCode<code shape, decoder input shape>)");
  static constexpr bool value = true;
};

/// The decoder's last layer must give back an input-shaped sample.
template <class InputShape, class DecoderOutput>
struct DecoderRestoresInput {
  static_assert(std::is_same_v<InputShape, DecoderOutput>,
                "decoder does not fit encoder: the decoder's Out must equal the encoder's In "
                "(DecoderRestoresInput<encoder input shape, decoder output shape>)");
  static constexpr bool value = true;
};

namespace detail {

template <class... Layers>
struct ChainCheck;

template <class First, class... Rest>
struct ChainCheck<First, Rest...> {
  template <std::size_t... I>
  static constexpr bool check(std::index_sequence<I...>) {
    using List = std::tuple<First, Rest...>;
    return (LayerFollows<typename std::tuple_element_t<I, List>::output_shape,
                         typename std::tuple_element_t<I + 1, List>::input_shape>::value &&
            ...);
  }
  static constexpr bool value = check(std::make_index_sequence<sizeof...(Rest)>{});
};

}  // namespace detail

/// A non-empty list of layers where each layer's input shape is the previous output shape.
template <Layer... Layers>
struct LayerChain {
  static_assert(sizeof...(Layers) > 0, "a layer chain needs at least one layer");
  static_assert(detail::ChainCheck<Layers...>::value);
  using layers = std::tuple<Layers...>;
  static constexpr std::size_t depth = sizeof...(Layers);
  using input_shape = typename std::tuple_element_t<0, layers>::input_shape;
  using output_shape = typename std::tuple_element_t<depth - 1, layers>::output_shape;
  static constexpr Index in = input_shape::size;
  static constexpr Index out = output_shape::size;
};

}  // namespace hourglass
