// hourglass/core/reshape.hpp — Reshape<From, To> and Flatten<C, H, W>: the same numbers seen as
// another shape (PyTorch's nn.Unflatten / nn.Flatten on one sample).
//
// A sample's column is stored in C x H x W order (core/shape.hpp), so a reshape changes no number
// and no position: forward copies X to Y, backward copies G to dX. It is a layer so that a chain
// says where an image becomes a vector (Dense after a convolution) and back: the chain compares
// shapes, and Shape<16,14,14> does not feed Shape<64,7,7> although both hold 3,136 numbers.
#pragma once

#include "activations.hpp"
#include "config.hpp"
#include "layer.hpp"
#include "parallel.hpp"

#include <array>
#include <string>

namespace hourglass {

template <class From, class To>
struct Reshape {
  static_assert(is_shape<From> && is_shape<To>, "Reshape<From, To>: both arguments must be Shape<...>");
  static_assert(From::size == To::size, "Reshape<From, To>: both shapes must hold the same number of elements");
  using input_shape = From;
  using output_shape = To;
  using activation = Identity;
  static constexpr std::array<ParameterBlock, 0> parameter_blocks{};

  static std::string describe() { return "reshape(" + From::describe() + "," + To::describe() + ")"; }
  static constexpr double flops(Index) { return 0; }
  template <class S>
  static void initialize(const Blocks<S>&, Random&) {}

  template <bool KeepLogits, class S>
  static void forward(const Blocks<const S>&, const InputMap<S>& x, MatrixMap<S> y, MatrixMap<S> z) {
    y = x;
    if constexpr (KeepLogits) z = x;
  }
  template <class BelowAct, class S>
  static void backward(const Blocks<const S>&, const InputMap<S>& x, const MatrixMap<S>&, MatrixMap<S> g,
                       const GradientBlocks<S>&, MatrixMap<S>* dx) {
    if (!dx) return;
    *dx = g;
    apply_below<BelowAct>(*dx, x);
  }
};

/// An image of C x H x W as a vector of C·H·W (before a Dense layer).
template <Index C, Index H, Index W>
using Flatten = Reshape<Shape<C, H, W>, Shape<C * H * W>>;

}  // namespace hourglass
