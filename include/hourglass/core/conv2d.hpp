// hourglass/core/conv2d.hpp — the 2-d convolution layer (PyTorch's nn.Conv2d, dilation 1, one
// group): its type, its kernels, its initialiser.
//
// Conv2D<Shape<C, H, W>, O, K, S, P, Act>: O output channels, K x K kernels, stride S, zero
// padding P; output Shape<O, Ho, Wo> with Ho = ⌊(H + 2P − K)/S⌋ + 1 (core/conv_geometry.hpp).
// Blocks: "weight" [O, C, K, K] and "bias" [O], laid out as PyTorch's state_dict holds them.
//
// With R = im2row(X) (Ho·Wo x C·K·K per sample) and W the O x C·K·K weight matrix:
//   forward   Y = f(R Wᵀ + 1 bᵀ)                    (Ho·Wo x O: the sample's output column)
//   backward  G = dL/dZ (Ho·Wo x O; the chain applied f')
//             dW = Σ_samples Gᵀ R,  db = Σ_samples Σ_pixels G,  dX = row2im(G W)
// derived in docs/conv.md. Samples are stacked in chunks (about 64k numbers of R per chunk) so a
// product covers several; threads take disjoint ranges of samples, each summing its own dW and db,
// added up at the end. A layer with at most 2 output channels at stride 1 (an image decoder's
// last) is computed directly instead (kernels::conv_direct_forward: one long axpy per weight over
// zero-padded planes, no im2row).
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

/// Y = f(conv(X) + b) (and Z = conv(X) + b with KeepLogits) for the n columns of x; w is the
/// [O, C, K, K] block, b the [O] block. Threads take ranges of samples.
template <class Act, bool KeepLogits, class S>
void conv2d_forward(const ConvGeometry& g, Index out_channels, const S* w, const S* b, const InputMap<S>& x,
                    MatrixMap<S>& y, MatrixMap<S>& z) {
  const Index n = x.cols(), op = g.out_pixels(), patch = g.patch();
  const Index chunk = samples_per_chunk(op * patch);
  const ConstMatrixMap<S> weight(w, patch, out_channels);  // Wᵀ
  // Z_o += b_o, then Y_o = f(Z_o), for output channel o of sample j, from `logits` (any storage).
  auto finish = [&](Index j, Index o, auto&& logits) {
    logits.array() += b[o];
    if constexpr (KeepLogits) z.col(j).segment(o * op, op) = logits;
    y.col(j).segment(o * op, op) = Act::apply(logits.array()).matrix();
  };
  hourglass::detail::conv_pieces<S>(n, 2.0 * double(op * patch * out_channels) * double(n),
                                    [&](Index begin, Index count, auto& s) {
    if (conv_is_direct(g, out_channels)) {
      const DirectPlanes d = direct_planes(g);
      S* padded = hourglass::detail::grown(s.a, g.channels * d.hp * d.wp);
      S* wide = hourglass::detail::grown(s.b, out_channels * g.out_height() * d.wp);
      for (Index j = begin; j < begin + count; ++j) {
        conv_direct_forward(g, out_channels, w, x.col(j).data(), y.col(j).data(), padded, wide);
        for (Index o = 0; o < out_channels; ++o) finish(j, o, y.col(j).segment(o * op, op));
      }
      return;
    }
    for (Index first = begin; first < begin + count; first += chunk) {
      const Index m = std::min(chunk, begin + count - first), rows = m * op;
      MatrixMap<S> r(hourglass::detail::grown(s.a, rows * patch), rows, patch);
      for (Index j = 0; j < m; ++j) im2row(g, x.col(first + j).data(), r.data() + j * op, rows);
      MatrixMap<S> t(hourglass::detail::grown(s.b, rows * out_channels), rows, out_channels);
      product(t, r, weight);  // R Wᵀ
      for (Index j = 0; j < m; ++j)
        for (Index o = 0; o < out_channels; ++o) finish(first + j, o, t.col(o).segment(j * op, op));
    }
  });
}

/// Given G = dL/dZ (the n columns of g): dW (the [O, C, K, K] block) and db, assigned or added
/// (accumulate), and, when dx is not null, dX = row2im(G W) .* BelowAct'(X).
template <class BelowAct, class S>
void conv2d_backward(const ConvGeometry& g, Index out_channels, const S* w, const InputMap<S>& x,
                     const MatrixMap<S>& grad, S* dw, S* db, bool accumulate_weight, bool accumulate_bias,
                     MatrixMap<S>* dx) {
  const Index n = x.cols(), op = g.out_pixels(), patch = g.patch();
  const Index chunk = samples_per_chunk(op * patch);
  const ConstMatrixMap<S> weight(w, patch, out_channels);  // Wᵀ
  const double flops = (dx ? 4.0 : 2.0) * double(op * patch * out_channels) * double(n);
  hourglass::detail::conv_pieces_with_gradient_shares<S>(
      n, flops, dw, patch * out_channels, db, out_channels, accumulate_weight, accumulate_bias,
      [&](Index begin, Index count, auto& s, S* dw_share, VectorMap<S>& db_share) {
        if (conv_is_direct(g, out_channels)) {
          const DirectPlanes d = direct_planes(g);
          S* padded = hourglass::detail::grown(s.a, g.channels * d.hp * d.wp);
          S* wide = hourglass::detail::grown(s.b, out_channels * g.out_height() * d.wp);
          S* padded_dx = hourglass::detail::grown(s.c, g.channels * d.hp * d.wp);
          for (Index j = begin; j < begin + count; ++j) {
            for (Index o = 0; o < out_channels; ++o) db_share[o] += grad.col(j).segment(o * op, op).sum();
            conv_direct_backward(g, out_channels, w, x.col(j).data(), grad.col(j).data(), dw_share,
                                 dx ? dx->col(j).data() : nullptr, padded, wide, padded_dx);
            if (dx) apply_below<BelowAct>(dx->col(j), x.col(j));
          }
          return;
        }
        MatrixMap<S> dw_part(dw_share, patch, out_channels);
        for (Index first = begin; first < begin + count; first += chunk) {
          const Index m = std::min(chunk, begin + count - first), rows = m * op;
          MatrixMap<S> r(hourglass::detail::grown(s.a, rows * patch), rows, patch);
          MatrixMap<S> gs(hourglass::detail::grown(s.b, rows * out_channels), rows, out_channels);
          for (Index j = 0; j < m; ++j) {
            im2row(g, x.col(first + j).data(), r.data() + j * op, rows);
            hourglass::detail::stack_planes(grad.col(first + j), j, op, gs);
          }
          product_transposed_lhs(dw_part, r, gs, /*accumulate=*/true);  // Wᵀ-shaped: Rᵀ G
          db_share += gs.colwise().sum().transpose();
          if (dx) {
            MatrixMap<S> dr(hourglass::detail::grown(s.c, rows * patch), rows, patch);
            product_transposed_rhs(dr, gs, weight);  // G W
            for (Index j = 0; j < m; ++j) {
              auto column = dx->col(first + j);
              column.setZero();
              row2im_add(g, dr.data() + j * op, rows, column.data());
              apply_below<BelowAct>(column, x.col(first + j));
            }
          }
        }
      });
}

}  // namespace kernels

/// A 2-d convolution: In = Shape<C, H, W>, OutChannels kernels of Kernel x Kernel, Stride,
/// zero Padding, then Act. PyTorch: nn.Conv2d(C, OutChannels, Kernel, Stride, Padding) + Act.
template <class In, Index OutChannels, Index Kernel, Index Stride = 1, Index Padding = 0, Activation Act = Identity>
struct Conv2D {
  static_assert(is_shape<In>, "Conv2D<In, ...>: In must be Shape<C, H, W>");
  static_assert(OutChannels > 0 && Kernel > 0 && Stride > 0 && Padding >= 0,
                "Conv2D: out channels, kernel and stride must be positive, padding not negative");
  static constexpr ConvGeometry geometry{In::channels, In::height, In::width, Kernel, Stride, Padding};
  static_assert(geometry.valid(), "Conv2D: the kernel is larger than the padded input (H + 2P < K or W + 2P < K)");
  using input_shape = In;
  using output_shape = Shape<OutChannels, geometry.out_height(), geometry.out_width()>;
  using activation = Act;
  static constexpr Index in_channels = In::channels;
  static constexpr Index out_channels = OutChannels;
  static constexpr std::array<ParameterBlock, 2> parameter_blocks{
      {{"weight", {OutChannels, In::channels, Kernel, Kernel}}, {"bias", {OutChannels}}}};

  /// "conv2d(1x28x28,32,k=3,s=2,p=1,relu)"
  static std::string describe() {
    return "conv2d(" + In::describe() + "," + std::to_string(OutChannels) + ",k=" + std::to_string(Kernel) +
           ",s=" + std::to_string(Stride) + ",p=" + std::to_string(Padding) + "," + std::string(Act::name) + ")";
  }
  static constexpr double flops(Index n) {
    return 2.0 * double(geometry.out_pixels()) * double(geometry.patch()) * double(OutChannels) * double(n);
  }

  /// Glorot or He uniform by the activation (fan_in = C·K², fan_out = O·K², as PyTorch counts
  /// them for a convolution), zero bias.
  template <class S>
  static void initialize(const Blocks<S>& p, Random& rng) {
    initialize_uniform<Act>(rng, VectorMap<S>(p[0], parameter_blocks[0].size()), double(geometry.patch()),
                            double(OutChannels * Kernel * Kernel));
    VectorMap<S>(p[1], OutChannels).setZero();
  }

  template <bool KeepLogits, class S>
  static void forward(const Blocks<const S>& p, const InputMap<S>& x, MatrixMap<S> y, MatrixMap<S> z) {
    kernels::conv2d_forward<Act, KeepLogits>(geometry, OutChannels, p[0], p[1], x, y, z);
  }

  template <class BelowAct, class S>
  static void backward(const Blocks<const S>& p, const InputMap<S>& x, const MatrixMap<S>&, MatrixMap<S> g,
                       const GradientBlocks<S>& dp, MatrixMap<S>* dx) {
    kernels::conv2d_backward<BelowAct>(geometry, OutChannels, p[0], x, g, dp[0], dp[1], dp.accumulate[0],
                                       dp.accumulate[1], dx);
  }
};

}  // namespace hourglass
