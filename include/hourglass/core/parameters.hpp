// hourglass/core/parameters.hpp — one flat buffer for every parameter and its gradient.
//
// Layers do not own their weights: they are Eigen::Map views into this buffer at offsets fixed
// at compile time. So the optimizer updates the whole model in one vectorised pass, the
// gradient checker perturbs one vector, and serialization writes one block per layer.
#pragma once

#include "config.hpp"

#include <array>
#include <cstddef>

namespace hourglass {

/// Offsets of each block are rounded up to this many scalars (64 bytes for float), so every
/// weight matrix and bias starts on a cache line. The padding is zero and stays zero.
inline constexpr Index parameter_alignment = 16;

constexpr Index align_parameters(Index n) {
  return (n + parameter_alignment - 1) / parameter_alignment * parameter_alignment;
}

/// Compile-time layout of a chain of layers in one buffer: layer i's W starts at weight[i],
/// its b at bias[i]; `total` is the buffer length.
template <std::size_t Depth>
struct ParameterLayout {
  std::array<Index, Depth> weight{};
  std::array<Index, Depth> bias{};
  Index total = 0;
};

template <class... Layers>
constexpr ParameterLayout<sizeof...(Layers)> make_parameter_layout() {
  ParameterLayout<sizeof...(Layers)> layout;
  Index at = 0;
  std::size_t i = 0;
  auto place = [&](Index weight_count, Index bias_count) {
    layout.weight[i] = at;
    at = align_parameters(at + weight_count);
    layout.bias[i] = at;
    at = align_parameters(at + bias_count);
    ++i;
  };
  (place(Layers::weight_count, Layers::out), ...);
  layout.total = at;
  return layout;
}

/// The values and the gradients, side by side, same length.
template <class Scalar>
struct ParameterBuffer {
  Vector<Scalar> values;
  Vector<Scalar> gradients;

  explicit ParameterBuffer(Index size = 0)
      : values(Vector<Scalar>::Zero(size)), gradients(Vector<Scalar>::Zero(size)) {}

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
};

}  // namespace hourglass
