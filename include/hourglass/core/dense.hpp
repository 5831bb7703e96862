// hourglass/core/dense.hpp — the fully connected layer: its type, its kernels, its initialiser.
//
// Dense<In, Out, Act> is a layer type (core/layer.hpp): sizes and activation are template
// arguments, so a chain of layers is checked by the compiler. It holds no data; its weight and
// bias are blocks of the model's flat parameter buffer, viewed through Eigen::Map.
//
// Samples are columns. With X (In x n), W (Out x In), b (Out):
//   forward   A = f(W X + b)                        one GEMM + one fused element-wise pass
//   backward  G = dL/dZ (the chain applied f')
//             dW = G X^T,  db = rowsum(G),  dX = W^T G  (then dX .*= f_below'(X))   two GEMMs + a row-sum
// See docs/backprop.md for the derivation. In the buffer W is column-major (Eigen's order); model
// files hold it as PyTorch's nn.Linear does, [out, in] row-major.
#pragma once

#include "activations.hpp"
#include "config.hpp"
#include "gemm.hpp"
#include "layer.hpp"
#include "parallel.hpp"
#include "random.hpp"

#include <array>
#include <cmath>
#include <concepts>
#include <cstddef>
#include <string>
#include <type_traits>

namespace hourglass {

namespace kernels {

// Each kernel splits its work across threads by samples (columns) or by units (rows); see
// core/parallel.hpp. Blocks taken with middleCols/middleRows below are views of named storage.

/// Columns per thread slice: keeps slices a multiple of the GEMM micro-kernel width.
inline constexpr Index column_granule = 8;
/// Rows per thread slice for the weight gradient: a multiple of the SIMD width.
inline constexpr Index row_granule = 16;

/// Whether a product with `rows` output rows over n samples is split between threads by rows
/// rather than by samples. Each thread's product packs (copies into its kernel's layout) the
/// whole of one operand and its share of the other: split by samples, every thread packs all of
/// W; split by rows, its rows of W and all of X. For T threads that is T·rows·k + k·n floats
/// against rows·k + T·k·n, so rows win when rows > n — wide layers at small batches (`hinton`'s
/// 1000 x 784 layer at batch 64: each of 2 threads packed all 784,000 weights for 32 samples).
inline bool split_by_rows(Index rows, Index n) { return rows > n && rows >= 2 * row_granule; }

/// The part of a rows x n product result that piece p of `pieces` computes: a range of rows and
/// every sample (split by rows), or every row and a range of samples.
struct ResultBlock {
  Index row, rows, col, cols;
  bool empty() const { return rows == 0 || cols == 0; }
};
inline ResultBlock result_block(Index rows, Index n, bool by_rows, Index piece, Index pieces) {
  if (by_rows) {
    const auto r = hourglass::detail::piece_range(rows, row_granule, piece, pieces);
    return {r.begin, r.count, 0, n};
  }
  const auto c = hourglass::detail::piece_range(n, column_granule, piece, pieces);
  return {0, rows, c.begin, c.count};
}
/// How many slices such a split has (the most threads worth giving it).
inline Index result_slices(Index rows, Index n, bool by_rows) { return by_rows ? rows / row_granule : n / column_granule; }

namespace detail {
/// Z = W X + b and A = f(Z): into A alone, or Z kept in z as well (KeepLogits).
template <class Act, bool KeepLogits, class W, class B, class X, class Z, class A>
void forward(const W& w, const B& b, const X& x, Z& z, A& a) {
  const Index rows = w.rows(), n = x.cols();
  const bool by_rows = split_by_rows(rows, n);
  const int threads = hourglass::detail::threads_for(2.0 * double(rows) * double(w.cols()) * double(n),
                                                     result_slices(rows, n, by_rows));
  hourglass::detail::parallel_pieces(threads, threads, [&](Index piece, Index pieces) {
    const ResultBlock k = result_block(rows, n, by_rows, piece, pieces);
    if (k.empty()) return;
    auto out = a.block(k.row, k.col, k.rows, k.cols);
    const auto bias = b.segment(k.row, k.rows);
    if constexpr (KeepLogits) {
      auto logits = z.block(k.row, k.col, k.rows, k.cols);
      kernels::product(logits, w.middleRows(k.row, k.rows), x.middleCols(k.col, k.cols));
      for (Index j = 0; j < k.cols; ++j) {
        logits.col(j) += bias;
        out.col(j) = Act::apply(logits.col(j).array()).matrix();
      }
    } else {
      kernels::product(out, w.middleRows(k.row, k.rows), x.middleCols(k.col, k.cols));
      // Bias and activation in one pass, a column at a time: Eigen does not vectorise a
      // broadcast (colwise) sum inside a transcendental function (6 ns/element vs 0.6).
      for (Index j = 0; j < k.cols; ++j) out.col(j) = Act::apply(out.col(j).array() + bias.array()).matrix();
    }
  });
}

/// Rows [first, first + count) of dW = G Xᵀ (or +=) and of db = rowsum(G).
template <class G, class X, class GW, class GB>
void parameter_gradient_rows(const G& g, const X& x, GW& gw, GB& gb, Index first, Index count, bool accumulate) {
  kernels::product_transposed_rhs(gw.middleRows(first, count), g.middleRows(first, count), x, accumulate);
  gb.segment(first, count).noalias() = g.middleRows(first, count).rowwise().sum();
}
}  // namespace detail

/// A = f(W X + b), written into A (Out x n). A must not alias X.
template <class Act, class W, class B, class X, class A>
void dense_forward(const W& w, const B& b, const X& x, A&& a) {
  detail::forward<Act, false>(w, b, x, a, a);
}

/// The same, but also keeps the pre-activation Z (the logits) — used by the output layer, whose
/// logits feed a numerically stable binary cross-entropy.
template <class Act, class W, class B, class X, class Z, class A>
void dense_forward_keep_logits(const W& w, const B& b, const X& x, Z&& z, A&& a) {
  detail::forward<Act, true>(w, b, x, z, a);
}

/// dW = G X^T and db = rowsum(G), given G = dL/dZ: the backward step of the first layer, which
/// passes nothing down. With accumulate, dW += G X^T (a weight block shared with a tied layer
/// that has already written its part).
template <class G, class X, class GW, class GB>
void dense_parameter_gradients(const G& g, const X& x, GW&& gw, GB&& gb, bool accumulate = false) {
  const Index rows = g.rows();
  const int threads = hourglass::detail::threads_for(2.0 * double(rows) * double(x.rows()) * double(g.cols()), rows / row_granule);
  hourglass::detail::parallel_ranges(rows, row_granule, threads, [&](Index first, Index count) {
    detail::parameter_gradient_rows(g, x, gw, gb, first, count, accumulate);
  });
}

/// The whole backward step of a layer above the first, in one parallel pass, given G = dL/dZ:
///   dW = G Xᵀ, db = rowsum(G)      piece p takes a range of rows (units)
///   dX = Wᵀ G                       piece p takes a range of samples, or of rows (inputs) when
///                                   there are more inputs than samples (split_by_rows)
/// and, when BelowAct is not Identity, dX := dX .* f'(X) with f = BelowAct: X is the output of the
/// layer below, so dX leaves as that layer's dL/dZ while it is still in cache. One pass instead
/// of three (activation derivative, parameter gradients, input gradient) saves two hand-overs
/// between threads per layer, which is what a small batch pays for most.
template <class BelowAct, class W, class G, class X, class GW, class GB, class GX>
void dense_backward(const W& w, const G& g, const X& x, GW&& gw, GB&& gb, GX&& gx, bool accumulate = false) {
  const Index rows = g.rows(), n = g.cols(), inputs = w.cols();
  const bool by_rows = split_by_rows(inputs, n);
  const double flops = 4.0 * double(rows) * double(inputs) * double(n);
  const int threads =
      hourglass::detail::threads_for(flops, std::max(rows / row_granule, result_slices(inputs, n, by_rows)));
  hourglass::detail::parallel_pieces(threads, threads, [&](Index piece, Index pieces) {
    const auto units = hourglass::detail::piece_range(rows, row_granule, piece, pieces);
    if (units.count > 0) detail::parameter_gradient_rows(g, x, gw, gb, units.begin, units.count, accumulate);
    const ResultBlock k = result_block(inputs, n, by_rows, piece, pieces);
    if (k.empty()) return;
    auto below = gx.block(k.row, k.col, k.rows, k.cols);
    product_transposed_lhs(below, w.middleCols(k.row, k.rows), g.middleCols(k.col, k.cols));
    apply_below<BelowAct>(below, x.block(k.row, k.col, k.rows, k.cols));
  });
}

}  // namespace kernels

/// Fills W (rows x cols, any storage order) from U(-limit, limit), limit by the activation's
/// scheme: Glorot/Xavier uniform sqrt(6/(fan_in+fan_out)) or He uniform sqrt(6/fan_in) (Glorot &
/// Bengio 2010, eq. 16; He et al. 2015, eq. 10). Element (i, j) is drawn in storage order.
template <class Act, class W>
void initialize_uniform(Random& rng, W&& w, double fan_in, double fan_out) {
  const double limit = Act::init == InitScheme::he_uniform ? std::sqrt(6.0 / fan_in) : std::sqrt(6.0 / (fan_in + fan_out));
  using S = typename std::remove_cvref_t<W>::Scalar;
  for (Index i = 0; i < w.size(); ++i) w.data()[i] = static_cast<S>(rng.uniform(-limit, limit));
}

/// The fully connected layer A = f(W X + b): W is {Out, In}, b is {Out} (PyTorch's nn.Linear).
template <Index In, Index Out, Activation Act = Identity>
struct Dense {
  static_assert(In > 0 && Out > 0, "Dense<In, Out>: both sizes must be positive");
  using input_shape = Shape<In>;
  using output_shape = Shape<Out>;
  using activation = Act;
  static constexpr Index in = In;
  static constexpr Index out = Out;
  static constexpr std::array<ParameterBlock, 2> parameter_blocks{
      {{"weight", {Out, In}, /*column_major=*/true}, {"bias", {Out}}}};

  static std::string describe() {
    return "dense(" + std::to_string(In) + "," + std::to_string(Out) + "," + std::string(Act::name) + ")";
  }
  static constexpr double flops(Index n) { return 2.0 * double(In) * double(Out) * double(n); }

  /// W as an Out x In matrix (column-major in the buffer).
  template <class S>
  static auto weight(const Blocks<S>& p) {
    return Eigen::Map<std::conditional_t<std::is_const_v<S>, const Matrix<std::remove_const_t<S>>, Matrix<S>>>(p[0], Out, In);
  }
  template <class S>
  static auto bias(const Blocks<S>& p) {
    return Eigen::Map<std::conditional_t<std::is_const_v<S>, const Vector<std::remove_const_t<S>>, Vector<S>>>(p[1], Out);
  }

  /// Glorot or He uniform weights (by the activation), zero bias.
  template <class S>
  static void initialize(const Blocks<S>& p, Random& rng) {
    initialize_uniform<Act>(rng, weight(p), double(In), double(Out));
    bias(p).setZero();
  }

  template <bool KeepLogits, class S>
  static void forward(const Blocks<const S>& p, const InputMap<S>& x, MatrixMap<S> y, MatrixMap<S> z) {
    kernels::detail::forward<Act, KeepLogits>(weight(p), bias(p), x, z, y);
  }

  template <class BelowAct, class S>
  static void backward(const Blocks<const S>& p, const InputMap<S>& x, const MatrixMap<S>&, MatrixMap<S> g,
                       const GradientBlocks<S>& dp, MatrixMap<S>* dx) {
    MatrixMap<S> dw(dp[0], Out, In);
    VectorMap<S> db(dp[1], Out);
    if (dx) {
      kernels::dense_backward<BelowAct>(weight(p), g, x, dw, db, *dx, dp.accumulate[0]);
    } else {
      kernels::dense_parameter_gradients(g, x, dw, db, dp.accumulate[0]);
    }
  }
};

}  // namespace hourglass
