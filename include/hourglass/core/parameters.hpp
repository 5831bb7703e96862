// hourglass/core/parameters.hpp — one flat buffer for every parameter and its gradient.
//
// Layers do not own their weights: they are Eigen::Map views into this buffer at offsets fixed
// at compile time. So the optimizer updates the whole model in one vectorised pass, the
// gradient checker perturbs one vector, and serialization writes each layer's named blocks.
#pragma once

#include "config.hpp"
#include "layer.hpp"

#include <array>
#include <atomic>
#include <cstdint>
#include <cstddef>
#include <string_view>
#include <tuple>
#include <utility>

namespace hourglass {

/// Offsets of each block are rounded up to this many scalars (64 bytes for float), so every
/// weight matrix and bias starts on a cache line. The padding is zero and stays zero.
inline constexpr Index parameter_alignment = 16;

constexpr Index align_parameters(Index n) {
  return (n + parameter_alignment - 1) / parameter_alignment * parameter_alignment;
}

/// Compile-time layout of a chain of layers in one buffer: block b of layer i starts at
/// offset[i][b] (a borrowed block at its owner's offset); `total` is the buffer length. Blocks are
/// placed in chain order, each starting on an aligned offset.
template <std::size_t Depth>
struct ParameterLayout {
  std::array<std::array<Index, max_parameter_blocks>, Depth> offset{};
  Index total = 0;
};

namespace detail {
/// Index of the block called `name` in layer L, or max_parameter_blocks when it has none.
template <class L>
constexpr std::size_t block_index(std::string_view name) {
  for (std::size_t b = 0; b < block_count<L>; ++b)
    if (L::parameter_blocks[b].name == name) return b;
  return max_parameter_blocks;
}
/// The layer whose storage layer I's borrowed blocks use (I itself for a layer that borrows nothing).
template <class L, std::size_t I, std::size_t Depth>
constexpr std::size_t storage_owner() {
  if constexpr (is_tied_layer<L>) {
    return L::tied_to < Depth ? L::tied_to : I;
  } else {
    return I;
  }
}
}  // namespace detail

template <class... Layers>
constexpr ParameterLayout<sizeof...(Layers)> make_parameter_layout() {
  constexpr std::size_t depth = sizeof...(Layers);
  using List = std::tuple<Layers...>;
  ParameterLayout<depth> layout;
  Index at = 0;
  [&]<std::size_t... I>(std::index_sequence<I...>) {
    auto place = [&]<std::size_t Layer>(std::integral_constant<std::size_t, Layer>) {
      using L = std::tuple_element_t<Layer, List>;
      for (std::size_t b = 0; b < block_count<L>; ++b) {
        if (L::parameter_blocks[b].borrowed) continue;
        layout.offset[Layer][b] = at;
        at = align_parameters(at + L::parameter_blocks[b].size());
      }
    };
    (place(std::integral_constant<std::size_t, I>{}), ...);
    auto borrow = [&]<std::size_t Layer>(std::integral_constant<std::size_t, Layer>) {
      using L = std::tuple_element_t<Layer, List>;
      constexpr std::size_t owner = detail::storage_owner<L, Layer, depth>();
      using O = std::tuple_element_t<owner, List>;
      for (std::size_t b = 0; b < block_count<L>; ++b) {
        if (!L::parameter_blocks[b].borrowed) continue;
        const std::size_t ob = detail::block_index<O>(L::parameter_blocks[b].name);
        layout.offset[Layer][b] = ob < max_parameter_blocks ? layout.offset[owner][ob] : 0;
      }
    };
    (borrow(std::integral_constant<std::size_t, I>{}), ...);
  }(std::index_sequence_for<Layers...>{});
  layout.total = at;
  return layout;
}

/// The values and the gradients, side by side, same length.
/// Each buffer also carries an identity: optimizers bind to the first buffer they update and
/// refuse another (training/optimizers/optimizer.hpp). A copy is a new model (new identity); a
/// moved buffer, or one assigned new values, is still the same model.
template <class Scalar>
struct ParameterBuffer {
  Vector<Scalar> values;
  Vector<Scalar> gradients;

  explicit ParameterBuffer(Index size = 0)
      : values(Vector<Scalar>::Zero(size)), gradients(Vector<Scalar>::Zero(size)), id_(next_id()) {}
  ParameterBuffer(const ParameterBuffer& other) : values(other.values), gradients(other.gradients), id_(next_id()) {}
  ParameterBuffer(ParameterBuffer&&) noexcept = default;
  ParameterBuffer& operator=(const ParameterBuffer& other) {
    values = other.values;
    gradients = other.gradients;
    return *this;
  }
  ParameterBuffer& operator=(ParameterBuffer&& other) noexcept {
    values = std::move(other.values);
    gradients = std::move(other.gradients);
    return *this;
  }

  /// This buffer's identity (unique within the process).
  std::uint64_t id() const { return id_; }

  Index size() const { return values.size(); }
  MatrixMap<Scalar> value_block(Index offset, Index rows, Index cols) {
    return MatrixMap<Scalar>(values.data() + offset, rows, cols);
  }
  ConstMatrixMap<Scalar> value_block(Index offset, Index rows, Index cols) const {
    return ConstMatrixMap<Scalar>(values.data() + offset, rows, cols);
  }
  MatrixMap<Scalar> gradient_block(Index offset, Index rows, Index cols) {
    return MatrixMap<Scalar>(gradients.data() + offset, rows, cols);
  }
  ConstMatrixMap<Scalar> gradient_block(Index offset, Index rows, Index cols) const {
    return ConstMatrixMap<Scalar>(gradients.data() + offset, rows, cols);
  }

 private:
  static std::uint64_t next_id() {
    static std::atomic<std::uint64_t> counter{0};
    return ++counter;
  }
  std::uint64_t id_;
};

}  // namespace hourglass
