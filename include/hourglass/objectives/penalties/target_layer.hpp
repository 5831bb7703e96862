// hourglass/objectives/penalties/target_layer.hpp — which layer an activation penalty acts on.
//
// Penalties on activations (SparseL1, SparseKL) take the layer as a compile-time argument: an
// index into the model's joined chain (encoder layers first, from 0), or `code_layer` (the
// default) for the layer whose output is the code. The output layer is never a valid target.
#pragma once

#include "../describe.hpp"

#include <cstddef>
#include <limits>
#include <string>

namespace hourglass {

/// "The code layer of whatever model this penalty is used in" (the default target).
inline constexpr std::size_t code_layer = std::numeric_limits<std::size_t>::max();

namespace detail {

/// The layer index a penalty declared with `Layer` acts on in Model.
template <std::size_t Layer, class Model>
inline constexpr std::size_t target_layer = Layer == code_layer ? Model::code_layer_index : Layer;

/// Instantiated with the offending numbers so the error note shows them.
template <std::size_t Target, std::size_t Depth>
struct PenaltyTargetsHiddenLayer {
  static_assert(Target < Depth, "penalty layer out of range: the index must name a layer of the model "
                                "(PenaltyTargetsHiddenLayer<layer, model depth>)");
  static_assert(Target + 1 != Depth, "a penalty cannot target the output layer; choose the code layer or another "
                                     "hidden layer (PenaltyTargetsHiddenLayer<layer, model depth>)");
  static constexpr bool value = true;
};

inline std::string describe_layer(std::size_t layer) {
  return layer == code_layer ? std::string("code") : std::to_string(layer);
}

}  // namespace detail
}  // namespace hourglass
