// hourglass/core/conv_transpose2d.hpp — the transposed 2-d convolution (PyTorch's
// nn.ConvTranspose2d, dilation 1, one group): the decoder's way up from a small image.
//
// ConvTranspose2D<Shape<C, H, W>, O, K, S, P, OP, Act>: output Shape<O, Ho, Wo> with
//     Ho = (H − 1)·S − 2P + K + OP        (PyTorch's ConvTranspose2d docs; OP < S)
// so 7 → 14 → 28 with K = 3, S = 2, P = 1, OP = 1. Blocks: "weight" [C, O, K, K] (PyTorch's order:
// input channels first) and "bias" [O].
//
// It is the adjoint of the convolution of an O x Ho x Wo image by the same weights (stride S,
// padding P) to C channels, whose output is H x W exactly when OP < S. With that convolution's
// geometry, X the H·W x C matrix of a sample and W the C x O·K·K weight matrix:
//   forward   Y = f(row2im(X W) + b)                 (O x Ho x Wo)
//   backward  G = dL/dZ;  R = im2row(G)  (H·W x O·K·K)
//             dW = Σ_samples Xᵀ R,  db = Σ_samples Σ_pixels G,  dX = R Wᵀ
// derived in docs/conv.md; tests/test_conv.cpp checks ⟨conv(x), y⟩ = ⟨x, convT(y)⟩ for the same
// weights and the gradients by finite differences.
#pragma once

#include "activations.hpp"
#include "config.hpp"
#include "conv_geometry.hpp"
#include "dense.hpp"
#include "gemm.hpp"
#include "layer.hpp"
#include "parallel.hpp"
#include "random.hpp"
#include "shape.hpp"

#include <algorithm>
#include <array>
#include <string>

namespace hourglass {

namespace kernels {

/// Y = f(convT(X) + b) (and Z with KeepLogits) for the n columns of x; `g` is the geometry of the
/// adjoint convolution (its input: the O x Ho x Wo output here); w is the [C, O, K, K] block.
template <class Act, bool KeepLogits, class S>
void conv_transpose2d_forward(const ConvGeometry& g, Index in_channels, const S* w, const S* b,
                              const InputMap<S>& x, MatrixMap<S>& y, MatrixMap<S>& z) {
  const Index n = x.cols(), ip = g.out_pixels(), patch = g.patch(), op = g.pixels();
  const Index chunk = samples_per_chunk(ip * patch);
  const ConstMatrixMap<S> weight(w, patch, in_channels);  // Wᵀ: O·K·K x C
  hourglass::detail::conv_pieces<S>(n, 2.0 * double(ip * patch * in_channels) * double(n),
                                    [&](Index begin, Index count, auto& s) {
    for (Index first = begin; first < begin + count; first += chunk) {
      const Index m = std::min(chunk, begin + count - first), rows = m * ip;
      MatrixMap<S> xs(hourglass::detail::grown(s.a, rows * in_channels), rows, in_channels);
      for (Index j = 0; j < m; ++j) hourglass::detail::stack_planes(x.col(first + j), j, ip, xs);
      MatrixMap<S> r(hourglass::detail::grown(s.b, rows * patch), rows, patch);
      product_transposed_rhs(r, xs, weight);  // X W
      for (Index j = 0; j < m; ++j) {
        auto out = y.col(first + j);
        out.setZero();
        row2im_add(g, r.data() + j * ip, rows, out.data());
        for (Index o = 0; o < g.channels; ++o) {
          auto channel = out.segment(o * op, op);
          channel.array() += b[o];
          if constexpr (KeepLogits) z.col(first + j).segment(o * op, op) = channel;
          channel = Act::apply(channel.array()).matrix();
        }
      }
    }
  });
}

/// Given G = dL/dZ: dW (the [C, O, K, K] block) and db, assigned or added, and, when dx is not
/// null, dX = im2row(G) Wᵀ .* BelowAct'(X).
template <class BelowAct, class S>
void conv_transpose2d_backward(const ConvGeometry& g, Index in_channels, const S* w, const InputMap<S>& x,
                               const MatrixMap<S>& grad, S* dw, S* db, bool accumulate_weight, bool accumulate_bias,
                               MatrixMap<S>* dx) {
  const Index n = x.cols(), ip = g.out_pixels(), patch = g.patch(), op = g.pixels();
  const Index chunk = samples_per_chunk(ip * patch);
  const ConstMatrixMap<S> weight(w, patch, in_channels);
  const double flops = (dx ? 4.0 : 2.0) * double(ip * patch * in_channels) * double(n);
  hourglass::detail::conv_pieces_with_gradient_shares<S>(
      n, flops, dw, patch * in_channels, db, g.channels, accumulate_weight, accumulate_bias,
      [&](Index begin, Index count, auto& s, S* dw_share, VectorMap<S>& db_share) {
        MatrixMap<S> dw_part(dw_share, patch, in_channels);
        for (Index first = begin; first < begin + count; first += chunk) {
          const Index m = std::min(chunk, begin + count - first), rows = m * ip;
          MatrixMap<S> r(hourglass::detail::grown(s.a, rows * patch), rows, patch);
          MatrixMap<S> xs(hourglass::detail::grown(s.b, rows * in_channels), rows, in_channels);
          for (Index j = 0; j < m; ++j) {
            im2row(g, grad.col(first + j).data(), r.data() + j * ip, rows);
            hourglass::detail::stack_planes(x.col(first + j), j, ip, xs);
            for (Index o = 0; o < g.channels; ++o) db_share[o] += grad.col(first + j).segment(o * op, op).sum();
          }
          product_transposed_lhs(dw_part, r, xs, /*accumulate=*/true);  // Rᵀ X: O·K·K x C
          if (dx) {
            MatrixMap<S> dxs(hourglass::detail::grown(s.c, rows * in_channels), rows, in_channels);
            product(dxs, r, weight);  // R Wᵀ
            for (Index j = 0; j < m; ++j) {
              auto column = dx->col(first + j);
              hourglass::detail::unstack_planes(dxs, j, ip, column);
              apply_below<BelowAct>(column, x.col(first + j));
            }
          }
        }
      });
}

}  // namespace kernels

/// A transposed 2-d convolution: In = Shape<C, H, W>, OutChannels, Kernel x Kernel, Stride,
/// Padding, OutputPadding (extra rows and columns at the bottom and right; < Stride), then Act.
/// PyTorch: nn.ConvTranspose2d(C, OutChannels, Kernel, Stride, Padding, OutputPadding) + Act.
template <class In, Index OutChannels, Index Kernel, Index Stride = 1, Index Padding = 0, Index OutputPadding = 0,
          Activation Act = Identity>
struct ConvTranspose2D {
  static_assert(is_shape<In>, "ConvTranspose2D<In, ...>: In must be Shape<C, H, W>");
  static_assert(OutChannels > 0 && Kernel > 0 && Stride > 0 && Padding >= 0 && OutputPadding >= 0,
                "ConvTranspose2D: out channels, kernel and stride must be positive, paddings not negative");
  static_assert(OutputPadding < Stride || OutputPadding == 0,
                "ConvTranspose2D: output padding must be smaller than the stride (as in PyTorch)");
  static constexpr Index out_height = (In::height - 1) * Stride - 2 * Padding + Kernel + OutputPadding;
  static constexpr Index out_width = (In::width - 1) * Stride - 2 * Padding + Kernel + OutputPadding;
  static_assert(out_height > 0 && out_width > 0,
                "ConvTranspose2D: (H − 1)·S − 2P + K + OP must be positive (padding too large for this input)");
  /// The geometry of the adjoint convolution: from the O x Ho x Wo output back to C x H x W.
  static constexpr ConvGeometry geometry{OutChannels, out_height > 0 ? out_height : 1, out_width > 0 ? out_width : 1,
                                         Kernel, Stride, Padding};
  static_assert(geometry.out_height() == In::height && geometry.out_width() == In::width,
                "ConvTranspose2D: internal geometry check failed");
  using input_shape = In;
  using output_shape = Shape<OutChannels, out_height, out_width>;
  using activation = Act;
  static constexpr Index in_channels = In::channels;
  static constexpr Index out_channels = OutChannels;
  static constexpr std::array<ParameterBlock, 2> parameter_blocks{
      {{"weight", {In::channels, OutChannels, Kernel, Kernel}}, {"bias", {OutChannels}}}};

  /// "conv_transpose2d(64x7x7,32,k=3,s=2,p=1,op=1,relu)"
  static std::string describe() {
    return "conv_transpose2d(" + In::describe() + "," + std::to_string(OutChannels) + ",k=" + std::to_string(Kernel) +
           ",s=" + std::to_string(Stride) + ",p=" + std::to_string(Padding) + ",op=" + std::to_string(OutputPadding) +
           "," + std::string(Act::name) + ")";
  }
  static constexpr double flops(Index n) {
    return 2.0 * double(In::height * In::width) * double(geometry.patch()) * double(In::channels) * double(n);
  }

  /// Glorot or He uniform by the activation, with PyTorch's fans for this weight's shape
  /// (fan_in = O·K², fan_out = C·K²: dim 1 and dim 0 times the kernel area), zero bias.
  template <class S>
  static void initialize(const Blocks<S>& p, Random& rng) {
    initialize_uniform<Act>(rng, VectorMap<S>(p[0], parameter_blocks[0].size()), double(geometry.patch()),
                            double(In::channels * Kernel * Kernel));
    VectorMap<S>(p[1], OutChannels).setZero();
  }

  template <bool KeepLogits, class S>
  static void forward(const Blocks<const S>& p, const InputMap<S>& x, MatrixMap<S> y, MatrixMap<S> z) {
    kernels::conv_transpose2d_forward<Act, KeepLogits>(geometry, In::channels, p[0], p[1], x, y, z);
  }

  template <class BelowAct, class S>
  static void backward(const Blocks<const S>& p, const InputMap<S>& x, const MatrixMap<S>&, MatrixMap<S> g,
                       const GradientBlocks<S>& dp, MatrixMap<S>* dx) {
    kernels::conv_transpose2d_backward<BelowAct>(geometry, In::channels, p[0], x, g, dp[0], dp[1], dp.accumulate[0],
                                                 dp.accumulate[1], dx);
  }
};

}  // namespace hourglass
