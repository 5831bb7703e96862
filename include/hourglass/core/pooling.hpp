// hourglass/core/pooling.hpp — MaxPool2D and AvgPool2D (PyTorch's nn.MaxPool2d and
// nn.AvgPool2d, dilation 1, floor mode): layers without parameters.
//
// Pool2D<Shape<C, H, W>, K, S, P> takes each channel's K x K windows at stride S over the input
// padded by P (padding never wins a max; it counts as zeros in an average, PyTorch's default
// count_include_pad), giving Ho = ⌊(H + 2P − K)/S⌋ + 1 — the convolution's formula. PyTorch
// requires P <= K/2, and so does this.
//   max:      Y[c, o] = max_{i ∈ window(o)} X[c, i];   dX[c, i] = Σ_{o: argmax(o) = i} G[c, o]
//             (the first maximum in row-major window order takes a tie, a NaN beats everything;
//             found again in backward from X, so the layer keeps no state between the passes)
//   average:  Y[c, o] = (1/K²) Σ_{i ∈ window(o)} X[c, i];   dX[c, i] = Σ_{o: i ∈ window(o)} G[c, o] / K²
// Inputs that no window covers (the last rows when (H + 2P − K) is not a multiple of S) get a
// zero gradient: backward walks the windows of the output, not a size formula of its own.
#pragma once

#include "activations.hpp"
#include "config.hpp"
#include "conv_geometry.hpp"
#include "layer.hpp"
#include "parallel.hpp"
#include "random.hpp"
#include "shape.hpp"

#include <array>
#include <cmath>
#include <limits>
#include <string>

namespace hourglass {

/// How a pooling layer reduces a window.
enum class PoolMode { max, average };

namespace kernels {

/// Calls f(c, o, first_row, last_row, first_col, last_col) for every output pixel o of every
/// channel c, with the window clipped to the image ([first, last) in input rows and columns).
template <class F>
void for_each_window(const ConvGeometry& g, F&& f) {
  const Index oh = g.out_height(), ow = g.out_width();
  for (Index c = 0; c < g.channels; ++c)
    for (Index oy = 0; oy < oh; ++oy) {
      const Index y0 = std::max<Index>(0, oy * g.stride - g.padding), y1 = std::min(g.height, oy * g.stride - g.padding + g.kernel);
      for (Index ox = 0; ox < ow; ++ox) {
        const Index x0 = std::max<Index>(0, ox * g.stride - g.padding), x1 = std::min(g.width, ox * g.stride - g.padding + g.kernel);
        f(c, oy * ow + ox, y0, y1, x0, x1);
      }
    }
}

/// The largest entry of a window (NaN if any entry is NaN, as in PyTorch) and where it is: the
/// first maximum in row-major order (the first NaN, if any). Branch-free: on real data which
/// entry wins is random, and a branch per comparison mispredicted half the time (3 ns/input).
template <class S>
struct WindowMax {
  S value;
  Index at;
};
template <class S>
WindowMax<S> window_max(const ConvGeometry& g, const S* plane, Index y0, Index y1, Index x0, Index x1) {
  S best = -std::numeric_limits<S>::infinity();
  Index at = y0 * g.width + x0, nan_at = -1;
  for (Index i = y0; i < y1; ++i)
    for (Index j = x0; j < x1; ++j) {
      const S v = plane[i * g.width + j];
      const bool greater = v > best;
      best = greater ? v : best;
      at = greater ? i * g.width + j : at;
      nan_at = (nan_at < 0 && v != v) ? i * g.width + j : nan_at;
    }
  if (nan_at >= 0) return {std::numeric_limits<S>::quiet_NaN(), nan_at};
  return {best, at};
}

/// Y for one sample: x its C·H·W column, y its C·Ho·Wo column.
template <PoolMode Mode, class S>
void pool_forward(const ConvGeometry& g, const S* x, S* y) {
  const Index op = g.out_pixels();
  const S scale = S(1) / S(g.kernel * g.kernel);
  for_each_window(g, [&](Index c, Index o, Index y0, Index y1, Index x0, Index x1) {
    const S* plane = x + c * g.pixels();
    if constexpr (Mode == PoolMode::max) {
      y[c * op + o] = window_max(g, plane, y0, y1, x0, x1).value;
    } else {
      S sum = 0;
      for (Index i = y0; i < y1; ++i)
        for (Index j = x0; j < x1; ++j) sum += plane[i * g.width + j];
      y[c * op + o] = sum * scale;
    }
  });
}

/// dX for one sample (dx zeroed here): g its output gradient column.
template <PoolMode Mode, class S>
void pool_backward(const ConvGeometry& g, const S* x, const S* grad, S* dx) {
  const Index op = g.out_pixels();
  const S scale = S(1) / S(g.kernel * g.kernel);
  std::fill_n(dx, g.channels * g.pixels(), S(0));
  for_each_window(g, [&](Index c, Index o, Index y0, Index y1, Index x0, Index x1) {
    S* out = dx + c * g.pixels();
    const S gy = grad[c * op + o];
    if constexpr (Mode == PoolMode::max) {
      out[window_max(g, x + c * g.pixels(), y0, y1, x0, x1).at] += gy;
    } else {
      for (Index i = y0; i < y1; ++i)
        for (Index j = x0; j < x1; ++j) out[i * g.width + j] += gy * scale;
    }
  });
}

/// The forward pass when there is no padding (every window lies inside the image), with the
/// window's size and stride known at compile time: the window loops unroll and a row of outputs
/// vectorises (max_pool2d 32x28x28, batch 128: 2.4 ms forward by the general loop above).
template <PoolMode Mode, Index K, Index Stride, class S>
void pool_forward_unpadded(const ConvGeometry& g, const S* x, S* y) {
  const Index oh = g.out_height(), ow = g.out_width(), w = g.width;
  const S scale = S(1) / S(K * K);
  for (Index c = 0; c < g.channels; ++c) {
    const S* plane = x + c * g.pixels();
    for (Index oy = 0; oy < oh; ++oy) {
      S* out = y + (c * oh + oy) * ow;
      const S* top = plane + oy * Stride * w;
      for (Index ox = 0; ox < ow; ++ox) {
        const S* corner = top + ox * Stride;
        if constexpr (Mode == PoolMode::max) {
          S best = corner[0];
          bool nan = corner[0] != corner[0];
          for (Index i = 0; i < K; ++i)
            for (Index j = 0; j < K; ++j) {
              const S v = corner[i * w + j];
              best = v > best ? v : best;
              nan = nan || v != v;
            }
          out[ox] = nan ? std::numeric_limits<S>::quiet_NaN() : best;
        } else {
          S sum = 0;
          for (Index i = 0; i < K; ++i)
            for (Index j = 0; j < K; ++j) sum += corner[i * w + j];
          out[ox] = sum * scale;
        }
      }
    }
  }
}

}  // namespace kernels

/// Max or average pooling over Kernel x Kernel windows at Stride (default: Kernel) with Padding.
template <PoolMode Mode, class In, Index Kernel, Index Stride = Kernel, Index Padding = 0>
struct Pool2D {
  static_assert(is_shape<In>, "MaxPool2D/AvgPool2D<In, ...>: In must be Shape<C, H, W>");
  static_assert(Kernel > 0 && Stride > 0 && Padding >= 0, "pooling: kernel and stride must be positive, padding not negative");
  static_assert(2 * Padding <= Kernel, "pooling: padding must be at most half the kernel (as in PyTorch)");
  static constexpr ConvGeometry geometry{In::channels, In::height, In::width, Kernel, Stride, Padding};
  static_assert(geometry.valid(), "pooling: the window is larger than the padded input");
  using input_shape = In;
  using output_shape = Shape<In::channels, geometry.out_height(), geometry.out_width()>;
  using activation = Identity;
  static constexpr std::array<ParameterBlock, 0> parameter_blocks{};

  /// "max_pool2d(32x28x28,k=2,s=2,p=0)"
  static std::string describe() {
    return std::string(Mode == PoolMode::max ? "max_pool2d(" : "avg_pool2d(") + In::describe() + ",k=" +
           std::to_string(Kernel) + ",s=" + std::to_string(Stride) + ",p=" + std::to_string(Padding) + ")";
  }
  static constexpr double flops(Index n) { return double(output_shape::size) * double(Kernel * Kernel) * double(n); }
  template <class S>
  static void initialize(const Blocks<S>&, Random&) {}

  template <bool KeepLogits, class S>
  static void forward(const Blocks<const S>&, const InputMap<S>& x, MatrixMap<S> y, MatrixMap<S> z) {
    const Index n = x.cols();
    const int threads = hourglass::detail::threads_for(flops(n), n);
    hourglass::detail::parallel_ranges(n, 1, threads, [&](Index first, Index count) {
      for (Index j = first; j < first + count; ++j) {
        if constexpr (Padding == 0) {
          kernels::pool_forward_unpadded<Mode, Kernel, Stride>(geometry, x.col(j).data(), y.col(j).data());
        } else {
          kernels::pool_forward<Mode>(geometry, x.col(j).data(), y.col(j).data());
        }
      }
    });
    if constexpr (KeepLogits) z = y;
  }

  template <class BelowAct, class S>
  static void backward(const Blocks<const S>&, const InputMap<S>& x, const MatrixMap<S>&, MatrixMap<S> g,
                       const GradientBlocks<S>&, MatrixMap<S>* dx) {
    if (!dx) return;
    const Index n = x.cols();
    const int threads = hourglass::detail::threads_for(flops(n), n);
    hourglass::detail::parallel_ranges(n, 1, threads, [&](Index first, Index count) {
      for (Index j = first; j < first + count; ++j) {
        kernels::pool_backward<Mode>(geometry, x.col(j).data(), g.col(j).data(), dx->col(j).data());
        apply_below<BelowAct>(dx->col(j), x.col(j));
      }
    });
  }
};

/// Max pooling: PyTorch's nn.MaxPool2d(Kernel, Stride, Padding).
template <class In, Index Kernel, Index Stride = Kernel, Index Padding = 0>
using MaxPool2D = Pool2D<PoolMode::max, In, Kernel, Stride, Padding>;
/// Average pooling: PyTorch's nn.AvgPool2d(Kernel, Stride, Padding) (count_include_pad=True).
template <class In, Index Kernel, Index Stride = Kernel, Index Padding = 0>
using AvgPool2D = Pool2D<PoolMode::average, In, Kernel, Stride, Padding>;

}  // namespace hourglass
