// hourglass/core/upsample.hpp — Upsample2D: nearest-neighbour upsampling by an integer factor
// (PyTorch's nn.Upsample(scale_factor=F, mode="nearest")), a layer without parameters.
//
// Upsample2D<Shape<C, H, W>, F> gives Shape<C, F·H, F·W>:
//   forward   Y[c, y, x] = X[c, ⌊y/F⌋, ⌊x/F⌋]
//   backward  dX[c, i, j] = Σ_{a, b < F} G[c, F·i + a, F·j + b]     (the adjoint: each input feeds F² outputs)
#pragma once

#include "activations.hpp"
#include "config.hpp"
#include "layer.hpp"
#include "parallel.hpp"
#include "random.hpp"
#include "shape.hpp"

#include <array>
#include <string>

namespace hourglass {

template <class In, Index Factor>
struct Upsample2D {
  static_assert(is_shape<In>, "Upsample2D<In, F>: In must be Shape<C, H, W>");
  static_assert(Factor > 0, "Upsample2D<In, F>: the factor must be positive");
  using input_shape = In;
  using output_shape = Shape<In::channels, In::height * Factor, In::width * Factor>;
  using activation = Identity;
  static constexpr std::array<ParameterBlock, 0> parameter_blocks{};

  /// "upsample2d(32x7x7,2)"
  static std::string describe() { return "upsample2d(" + In::describe() + "," + std::to_string(Factor) + ")"; }
  static constexpr double flops(Index n) { return double(output_shape::size) * double(n); }
  template <class S>
  static void initialize(const Blocks<S>&, Random&) {}

  template <bool KeepLogits, class S>
  static void forward(const Blocks<const S>&, const InputMap<S>& x, MatrixMap<S> y, MatrixMap<S> z) {
    constexpr Index h = In::height, w = In::width, ow = w * Factor;
    const Index n = x.cols();
    const int threads = hourglass::detail::threads_for(flops(n), n);
    hourglass::detail::parallel_ranges(n, 1, threads, [&](Index first, Index count) {
      for (Index s = first; s < first + count; ++s) {
        const S* in = x.col(s).data();
        S* out = y.col(s).data();
        for (Index c = 0; c < In::channels; ++c)
          for (Index i = 0; i < h; ++i) {
            S* row = out + (c * h * Factor + i * Factor) * ow;
            for (Index j = 0; j < w; ++j)
              for (Index b = 0; b < Factor; ++b) row[j * Factor + b] = in[(c * h + i) * w + j];
            for (Index a = 1; a < Factor; ++a) std::copy(row, row + ow, row + a * ow);
          }
      }
    });
    if constexpr (KeepLogits) z = y;
  }

  template <class BelowAct, class S>
  static void backward(const Blocks<const S>&, const InputMap<S>& x, const MatrixMap<S>&, MatrixMap<S> g,
                       const GradientBlocks<S>&, MatrixMap<S>* dx) {
    if (!dx) return;
    constexpr Index h = In::height, w = In::width, ow = w * Factor;
    const Index n = x.cols();
    const int threads = hourglass::detail::threads_for(flops(n), n);
    hourglass::detail::parallel_ranges(n, 1, threads, [&](Index first, Index count) {
      for (Index s = first; s < first + count; ++s) {
        const S* in = g.col(s).data();
        S* out = dx->col(s).data();
        for (Index c = 0; c < In::channels; ++c)
          for (Index i = 0; i < h; ++i)
            for (Index j = 0; j < w; ++j) {
              S sum = 0;
              for (Index a = 0; a < Factor; ++a)
                for (Index b = 0; b < Factor; ++b) sum += in[(c * h * Factor + i * Factor + a) * ow + j * Factor + b];
              out[(c * h + i) * w + j] = sum;
            }
        apply_below<BelowAct>(dx->col(s), x.col(s));
      }
    });
  }
};

}  // namespace hourglass
