// hourglass/core/conv_geometry.hpp — the geometry of a 2-d convolution and its two data
// movements, im2row and its adjoint row2im; shared by Conv2D and ConvTranspose2D.
//
// A convolution (PyTorch's Conv2d, dilation 1, one group) of an image X of C x H x W with
// kernels K x K, stride S and zero padding P gives an image of Ho x Wo pixels per output channel:
//     Ho = ⌊(H + 2P − K) / S⌋ + 1,   Wo = ⌊(W + 2P − K) / S⌋ + 1            (PyTorch's Conv2d docs)
// and output pixel (oy, ox) of channel o is
//     Y[o, oy, ox] = b[o] + Σ_{c, ky, kx} Wt[o, c, ky, kx] · X[c, oy·S − P + ky, ox·S − P + kx]
// (X read as 0 outside the image). Written as one product (docs/conv.md, "im2row"):
//     R = im2row(X)   Ho·Wo x C·K·K,   R[(oy, ox), (c, ky, kx)] = X[c, oy·S − P + ky, ox·S − P + kx]
//     Y = R · Wᵀ      Ho·Wo x O       with W the O x C·K·K matrix of Wt[o, c, ky, kx] (row-major)
// A sample's column holds C x H x W channel-major (core/shape.hpp), which read as a matrix is
// H·W x C column-major: Y *is* the sample's output column, and Wᵀ (column-major C·K·K x O) *is* the
// [O, C, K, K] buffer exactly as PyTorch stores it. row2im is im2row's adjoint: it adds each entry
// of an H_o·W_o x C·K·K matrix back onto the pixel it was read from, so
//     ⟨im2row(X), R⟩ = ⟨X, row2im(R)⟩
// (tests/test_conv.cpp checks this on random data); dL/dX = row2im(dL/dR).
//
// Rows of several samples are stacked in one matrix (sample j's rows start at j·Ho·Wo; `ld` is
// the whole matrix's row count) so that one product serves a chunk of samples.
#pragma once

#include "config.hpp"
#include "parallel.hpp"
#include "thread_pool.hpp"

#include <algorithm>
#include <vector>

namespace hourglass {

/// The shape arithmetic of one 2-d convolution: input C x H x W, kernel K x K, stride S, zero
/// padding P on every side (all in pixels).
struct ConvGeometry {
  Index channels, height, width, kernel, stride, padding;

  /// Whether the kernel fits the padded input and every extent is positive.
  constexpr bool valid() const {
    return channels > 0 && height > 0 && width > 0 && kernel > 0 && stride > 0 && padding >= 0 &&
           height + 2 * padding >= kernel && width + 2 * padding >= kernel;
  }
  /// ⌊(H + 2P − K)/S⌋ + 1 and the same for W (PyTorch's Conv2d output size).
  constexpr Index out_height() const { return (height + 2 * padding - kernel) / stride + 1; }
  constexpr Index out_width() const { return (width + 2 * padding - kernel) / stride + 1; }
  constexpr Index pixels() const { return height * width; }
  constexpr Index out_pixels() const { return out_height() * out_width(); }
  /// Columns of im2row: one per (channel, kernel row, kernel column).
  constexpr Index patch() const { return channels * kernel * kernel; }

  /// The output positions o in [first, last) whose input position o·S − P + k lies in [0, extent).
  struct Span {
    Index first, last;
  };
  constexpr Span valid_outputs(Index k, Index extent, Index out_extent) const {
    const Index lo = padding - k;  // o·S >= lo
    const Index first = lo <= 0 ? 0 : (lo + stride - 1) / stride;
    const Index hi = extent - 1 + padding - k;  // o·S <= hi
    const Index last = hi < 0 ? 0 : std::min(out_extent, hi / stride + 1);
    return {std::min(first, last), last};
  }
};

namespace kernels {

/// Writes im2row(x) for one sample: x is its C·H·W column; rows[(oy·Wo + ox) + col·ld] for each
/// column col = (c·K + ky)·K + kx of the patch (ld: the row count of the matrix `rows` lies in).
template <class S>
void im2row(const ConvGeometry& g, const S* x, S* rows, Index ld) {
  const Index ow = g.out_width(), oh = g.out_height();
  Index col = 0;
  for (Index c = 0; c < g.channels; ++c) {
    const S* plane = x + c * g.pixels();
    for (Index ky = 0; ky < g.kernel; ++ky) {
      const ConvGeometry::Span ys = g.valid_outputs(ky, g.height, oh);
      for (Index kx = 0; kx < g.kernel; ++kx, ++col) {
        S* out = rows + col * ld;
        const ConvGeometry::Span xs = g.valid_outputs(kx, g.width, ow);
        std::fill_n(out, ys.first * ow, S(0));
        for (Index oy = ys.first; oy < ys.last; ++oy) {
          S* row = out + oy * ow;
          const S* in = plane + (oy * g.stride - g.padding + ky) * g.width - g.padding + kx;
          std::fill(row, row + xs.first, S(0));
          if (g.stride == 1) {
            std::copy(in + xs.first, in + xs.last, row + xs.first);
          } else {
            for (Index ox = xs.first; ox < xs.last; ++ox) row[ox] = in[ox * g.stride];
          }
          std::fill(row + xs.last, row + ow, S(0));
        }
        std::fill(out + ys.last * ow, out + oh * ow, S(0));
      }
    }
  }
}

/// The adjoint of im2row: adds every entry of one sample's rows onto the pixel of x (its C·H·W
/// column) that im2row read it from; entries that im2row filled with padding zeros are dropped.
template <class S>
void row2im_add(const ConvGeometry& g, const S* rows, Index ld, S* x) {
  const Index ow = g.out_width(), oh = g.out_height();
  Index col = 0;
  for (Index c = 0; c < g.channels; ++c) {
    S* plane = x + c * g.pixels();
    for (Index ky = 0; ky < g.kernel; ++ky) {
      const ConvGeometry::Span ys = g.valid_outputs(ky, g.height, oh);
      for (Index kx = 0; kx < g.kernel; ++kx, ++col) {
        const S* in = rows + col * ld;
        const ConvGeometry::Span xs = g.valid_outputs(kx, g.width, ow);
        for (Index oy = ys.first; oy < ys.last; ++oy) {
          const S* row = in + oy * ow;
          S* out = plane + (oy * g.stride - g.padding + ky) * g.width - g.padding + kx;
          if (g.stride == 1) {
            for (Index ox = xs.first; ox < xs.last; ++ox) out[ox] += row[ox];
          } else {
            for (Index ox = xs.first; ox < xs.last; ++ox) out[ox * g.stride] += row[ox];
          }
        }
      }
    }
  }
}

/// Direct convolution at stride 1, for layers with few output channels (the last layer of an
/// image decoder: 32 -> 1): im2row would write C·K² numbers per output pixel for each to be used
/// O times — for O = 1 a matrix-vector product that runs at memory speed (16 GFLOP/s measured
/// for 32x28x28 -> 1, benchmarks/RESULTS.md). Here the input is copied once into zero-padded
/// planes of (H + 2P) x (W + 2P), and the output is kept "wide", with rows of W + 2P numbers of
/// which the first Wo are the output (the rest is never read): then each term Wt[o, c, i, j] ·
/// shift_{i,j}(X_c) is ONE long axpy over the whole plane (about Ho·(W + 2P) numbers, in L1),
/// not Ho short ones. Scratch: `padded` C·(H+2P)·(W+2P), `wide` O·Ho·(W+2P) numbers.
struct DirectPlanes {
  Index hp, wp, length;  ///< padded height and width; the axpy length (Ho − 1)·wp + Wo
};
constexpr DirectPlanes direct_planes(const ConvGeometry& g) {
  const Index hp = g.height + 2 * g.padding, wp = g.width + 2 * g.padding;
  return {hp, wp, (g.out_height() - 1) * wp + g.out_width()};
}

/// Copies one sample's C·H·W column into zero-padded planes.
template <class S>
void pad_planes(const ConvGeometry& g, const S* x, S* padded) {
  const DirectPlanes d = direct_planes(g);
  std::fill_n(padded, g.channels * d.hp * d.wp, S(0));
  for (Index c = 0; c < g.channels; ++c)
    for (Index i = 0; i < g.height; ++i)
      std::copy_n(x + c * g.pixels() + i * g.width, g.width, padded + (c * d.hp + i + g.padding) * d.wp + g.padding);
}

/// z (O·Ho·Wo, one sample) = the convolution without bias; x the sample's column.
template <class S>
void conv_direct_forward(const ConvGeometry& g, Index out_channels, const S* w, const S* x, S* z, S* padded, S* wide) {
  const DirectPlanes d = direct_planes(g);
  const Index oh = g.out_height(), ow = g.out_width(), k = g.kernel;
  pad_planes(g, x, padded);
  std::fill_n(wide, out_channels * oh * d.wp, S(0));
  for (Index o = 0; o < out_channels; ++o) {
    VectorMap<S> out(wide + o * oh * d.wp, d.length);
    for (Index c = 0; c < g.channels; ++c)
      for (Index i = 0; i < k; ++i)
        for (Index j = 0; j < k; ++j)
          out.noalias() += w[((o * g.channels + c) * k + i) * k + j] *
                           ConstVectorMap<S>(padded + (c * d.hp + i) * d.wp + j, d.length);
  }
  for (Index o = 0; o < out_channels; ++o)
    for (Index y = 0; y < oh; ++y) std::copy_n(wide + (o * oh + y) * d.wp, ow, z + (o * oh + y) * ow);
}

/// Its backward pass for one sample, given G (O·Ho·Wo): dW += ⟨G_o, shift_{i,j}(X_c)⟩ for each
/// weight and, when dx is not null, dX = Σ Wt · shift⁻¹(G) (assigned); db is summed by the
/// caller. G is laid out wide with zeros in the columns past Wo, so the long dot products and
/// axpys take nothing from them. Scratch: `padded` and `wide` as forward, `padded_dx` like `padded`.
template <class S>
void conv_direct_backward(const ConvGeometry& g, Index out_channels, const S* w, const S* x, const S* grad, S* dw,
                          S* dx, S* padded, S* wide, S* padded_dx) {
  const DirectPlanes d = direct_planes(g);
  const Index oh = g.out_height(), ow = g.out_width(), k = g.kernel;
  pad_planes(g, x, padded);
  std::fill_n(wide, out_channels * oh * d.wp, S(0));
  for (Index o = 0; o < out_channels; ++o)
    for (Index y = 0; y < oh; ++y) std::copy_n(grad + (o * oh + y) * ow, ow, wide + (o * oh + y) * d.wp);
  if (dx) std::fill_n(padded_dx, g.channels * d.hp * d.wp, S(0));
  for (Index o = 0; o < out_channels; ++o) {
    const ConstVectorMap<S> gw(wide + o * oh * d.wp, d.length);
    for (Index c = 0; c < g.channels; ++c)
      for (Index i = 0; i < k; ++i)
        for (Index j = 0; j < k; ++j) {
          const Index at = ((o * g.channels + c) * k + i) * k + j, shift = (c * d.hp + i) * d.wp + j;
          dw[at] += gw.dot(ConstVectorMap<S>(padded + shift, d.length));
          if (dx) VectorMap<S>(padded_dx + shift, d.length).noalias() += w[at] * gw;
        }
  }
  if (dx)
    for (Index c = 0; c < g.channels; ++c)
      for (Index y = 0; y < g.height; ++y)
        std::copy_n(padded_dx + (c * d.hp + y + g.padding) * d.wp + g.padding, g.width, dx + c * g.pixels() + y * g.width);
}

/// Whether Conv2D uses the direct kernels above rather than im2row and a product.
constexpr bool conv_is_direct(const ConvGeometry& g, Index out_channels) { return g.stride == 1 && out_channels <= 2; }

/// Samples per chunk of a stacked product: about `elements` numbers in the largest per-chunk
/// matrix (rows x columns per sample: `per_sample`), so it stays in the L2 cache; at least 1.
inline Index samples_per_chunk(Index per_sample, Index elements = Index{1} << 16) {
  return std::max<Index>(1, elements / std::max<Index>(1, per_sample));
}

}  // namespace kernels

namespace detail {

/// Scratch matrices for the pieces of one parallel pass, owned by the calling thread and kept
/// for the next call: piece p uses slot p, whichever thread runs it. They grow to the largest
/// size asked and never shrink, so after the first step nothing is allocated.
template <class S>
struct ConvScratch {
  Vector<S> a, b, c;  ///< per-chunk matrices (the kernels say which is which)
  Vector<S> weight_gradient, bias_gradient;  ///< this piece's share of dW and db
};
template <class S>
std::vector<ConvScratch<S>>& conv_scratch(Index pieces) {
  thread_local std::vector<ConvScratch<S>> slots;
  if (static_cast<Index>(slots.size()) < pieces) slots.resize(static_cast<std::size_t>(pieces));
  return slots;
}
template <class S>
S* grown(Vector<S>& v, Index size) {
  if (v.size() < size) v.resize(size);
  return v.data();
}

/// Runs body(first, count, slot) on disjoint ranges [first, first + count) of n samples, one
/// piece per thread worth giving `flops` (at most the pool's cap), piece p with scratch slot p.
/// Returns the number of pieces.
template <class S, class Body>
int conv_pieces(Index n, double flops, Body&& body) {
  const int pieces = std::min<int>(threads_for(flops, n), ThreadPool::max_pieces);
  auto& scratch = conv_scratch<S>(pieces);
  parallel_pieces(pieces, pieces, [&](Index piece, Index count) {
    const Range range = piece_range(n, 1, piece, count);
    body(range.begin, range.count, scratch[static_cast<std::size_t>(piece)]);
  });
  return pieces;
}

/// A backward pass in pieces (conv_pieces) that each sum their own dW and db: body(first, count,
/// slot, dw_share, db_share) adds its samples' gradients to the zeroed shares (`weights` and
/// `biases` numbers); then dw and db receive the shares' sum in piece order (the same sum for the
/// same thread count), assigned, or added where accumulate (a block shared with a tied layer).
template <class S, class Body>
void conv_pieces_with_gradient_shares(Index n, double flops, S* dw, Index weights, S* db, Index biases,
                                      bool accumulate_weight, bool accumulate_bias, Body&& body) {
  const int pieces = conv_pieces<S>(n, flops, [&](Index first, Index count, ConvScratch<S>& s) {
    VectorMap<S> dw_share(grown(s.weight_gradient, weights), weights), db_share(grown(s.bias_gradient, biases), biases);
    dw_share.setZero();
    db_share.setZero();
    body(first, count, s, dw_share.data(), db_share);
  });
  const auto& scratch = conv_scratch<S>(pieces);
  VectorMap<S> dw_total(dw, weights), db_total(db, biases);
  for (int p = 0; p < pieces; ++p) {
    const ConvScratch<S>& s = scratch[static_cast<std::size_t>(p)];
    if (p == 0 && !accumulate_weight) {
      dw_total = s.weight_gradient.head(weights);
    } else {
      dw_total += s.weight_gradient.head(weights);
    }
    if (p == 0 && !accumulate_bias) {
      db_total = s.bias_gradient.head(biases);
    } else {
      db_total += s.bias_gradient.head(biases);
    }
  }
}

/// Rows [j·pixels, (j + 1)·pixels) of a stacked matrix (column c: channel c) from one sample's
/// channel-major column, and back: a sample's C·H·W column read as an H·W x C matrix, stacked
/// below the chunk's other samples so that one product serves the chunk.
template <class S, class Column>
void stack_planes(const Column& sample, Index j, Index pixels, MatrixMap<S>& stacked) {
  for (Index c = 0; c < stacked.cols(); ++c) stacked.col(c).segment(j * pixels, pixels) = sample.segment(c * pixels, pixels);
}
template <class S, class Column>
void unstack_planes(const MatrixMap<S>& stacked, Index j, Index pixels, Column&& sample) {
  for (Index c = 0; c < stacked.cols(); ++c) sample.segment(c * pixels, pixels) = stacked.col(c).segment(j * pixels, pixels);
}

}  // namespace detail

}  // namespace hourglass
