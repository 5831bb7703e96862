// hourglass/model/chain.hpp — compile-time checks that a list of layers forms a chain.
//
// The checks are static_asserts inside small class templates whose *arguments are the two
// mismatching sizes*, so the compiler's note "in instantiation of LayerFollows<128, 256>" names
// the numbers next to a one-line message. Nesting stays flat: one fold over the pack.
#pragma once

#include "../core/dense.hpp"

#include <cstddef>
#include <tuple>
#include <utility>

namespace hourglass {

/// Instantiated for each adjacent pair; PreviousOut and NextIn appear in the error note.
template <Index PreviousOut, Index NextIn>
struct LayerFollows {
  static_assert(PreviousOut == NextIn,
                "layer chain mismatch: a layer's In must equal the Out of the layer before it "
                "(LayerFollows<previous Out, this In>)");
  static constexpr bool value = true;
};

/// The decoder's first layer must take the encoder's code.
template <Index CodeSize, Index DecoderIn>
struct DecoderTakesCode {
  static_assert(CodeSize == DecoderIn,
                "decoder does not fit encoder: the decoder's In must equal the encoder's code size "
                "(DecoderTakesCode<code size, decoder In>)");
  static constexpr bool value = true;
};

/// The decoder's last layer must give back an input-sized vector.
template <Index InputSize, Index DecoderOut>
struct DecoderRestoresInput {
  static_assert(InputSize == DecoderOut,
                "decoder does not fit encoder: the decoder's Out must equal the encoder's In "
                "(DecoderRestoresInput<encoder In, decoder Out>)");
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
    return (LayerFollows<std::tuple_element_t<I, List>::out, std::tuple_element_t<I + 1, List>::in>::value && ...);
  }
  static constexpr bool value = check(std::make_index_sequence<sizeof...(Rest)>{});
};

}  // namespace detail

/// A non-empty list of layers where each layer's In equals the previous Out.
template <Layer... Layers>
struct LayerChain {
  static_assert(sizeof...(Layers) > 0, "a layer chain needs at least one layer");
  static_assert(detail::ChainCheck<Layers...>::value);
  using layers = std::tuple<Layers...>;
  static constexpr std::size_t depth = sizeof...(Layers);
  static constexpr Index in = std::tuple_element_t<0, layers>::in;
  static constexpr Index out = std::tuple_element_t<depth - 1, layers>::out;
};

}  // namespace hourglass
