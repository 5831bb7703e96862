// hourglass/core/layer.hpp — THE layer contract, stated once (docs/extending.md walks through a
// user-defined layer that the test suite compiles, checks and trains).
//
// A layer is a type with no data. Its parameters live in the model's flat buffer
// (core/parameters.hpp); the chain (model/sequential.hpp) hands it pointers to its blocks.
// With n samples in a batch, X is in_size x n, Y is out_size x n (one sample per column):
//
//   using input_shape  = Shape<...>;          what one sample going in looks like (core/shape.hpp)
//   using output_shape = Shape<...>;          and coming out; the chain compares shapes, not sizes
//   using activation   = Act;                 Y = Act(Z), Z the layer's pre-activation (Identity: Y = Z)
//   static constexpr std::array<ParameterBlock, B> parameter_blocks;   B >= 0 blocks, below
//   static std::string describe();            "dense(784,256,relu)": recorded in model files, compared on load
//   static double flops(Index n);             floating-point operations of forward() on n samples (a
//                                             multiply-add counts 2); decides how many threads a pass gets
//   template <class S> static void initialize(const Blocks<S>& p, Random& rng);
//   template <bool KeepLogits, class S>
//   static void forward(const Blocks<const S>& p, const InputMap<S>& x, MatrixMap<S> y, MatrixMap<S> z);
//       Y = Act(Z) into y (out_size x n, never aliasing x); with KeepLogits also Z into z
//       (out_size x n; only asked of a layer whose Act is Sigmoid, for BCE from logits).
//   template <class BelowAct, class S>
//   static void backward(const Blocks<const S>& p, const InputMap<S>& x, const MatrixMap<S>& y,
//                        MatrixMap<S> g, const GradientBlocks<S>& dp, MatrixMap<S>* dx);
//       g (out_size x n) holds dL/dZ on entry (the chain has applied Act' already) and may be
//       overwritten. Writes dL/d(block) into dp (or adds to it where dp.accumulate[b]: a block
//       shared with a tied layer that wrote first). If dx is not null, writes dL/dX into *dx
//       (in_size x n) and then multiplies it by BelowAct::derivative(x) — x is the output of
//       the layer below, whose activation is BelowAct (Identity: nothing to do; the chain passes
//       Identity when a penalty must add to dL/dX before that step) — see apply_below() here.
//       dx is null for the first layer: nobody needs dL/d(input).
// Optional:
//   static constexpr std::size_t tied_to = K;  blocks marked `borrowed` are layer K's blocks of the
//                                              same name and shape (TiedDense: the transposed weights)
//   template <class S> static auto weight(const Blocks<S>&);   a weight-matrix view, for penalties
//                                              that need one (WeightDecay decays every block named
//                                              "weight"; the contractive penalties need Dense)
//
// Every call is made from one thread; a layer may split its work across the pool
// (core/parallel.hpp) and must not allocate on the heap after its first call with a given n.
#pragma once

#include "activations.hpp"
#include "config.hpp"
#include "parallel.hpp"
#include "random.hpp"
#include "shape.hpp"

#include <array>
#include <concepts>
#include <cstddef>
#include <string>
#include <string_view>
#include <type_traits>

namespace hourglass {

/// At most this many parameter blocks per layer (the Layer concept refuses more).
inline constexpr std::size_t max_parameter_blocks = 4;

/// One named tensor of a layer's parameters, in PyTorch's naming and shape: Dense's "weight" is
/// {out, in}, its "bias" {out}; a 2-d convolution's "weight" {out, in, kh, kw}. The rank is the
/// number of leading non-zero entries of `dims` (the rest must be 0; checked for every layer of a
/// chain and by check_layer_gradient: valid_parameter_blocks).
struct ParameterBlock {
  std::string_view name;
  std::array<Index, 4> dims{};  ///< PyTorch's shape, then zeros
  /// How the block lies in the buffer. false: in PyTorch's (row-major) order, exactly as a
  /// state_dict holds it. true (2-d only): as the column-major dims[0] x dims[1] matrix, Eigen's
  /// order, which model files transpose on the way out and in.
  bool column_major = false;
  /// Not stored with this layer: it is layer `tied_to`'s block of the same name and shape.
  bool borrowed = false;

  constexpr int rank() const {
    int r = 0;
    while (r < 4 && dims[static_cast<std::size_t>(r)] > 0) ++r;
    return r;
  }
  constexpr Index size() const {
    Index s = 1;
    for (int i = 0; i < rank(); ++i) s *= dims[static_cast<std::size_t>(i)];
    return s;
  }
};

/// Pointers to a layer's parameter blocks, in the order of its parameter_blocks (S may be const).
template <class S>
struct Blocks {
  std::array<S*, max_parameter_blocks> data{};
  S* operator[](std::size_t b) const { return data[b]; }
};

/// Pointers to a layer's gradient blocks; accumulate[b]: add to block b instead of assigning.
template <class S>
struct GradientBlocks {
  std::array<S*, max_parameter_blocks> data{};
  std::array<bool, max_parameter_blocks> accumulate{};
  S* operator[](std::size_t b) const { return data[b]; }
};

/// A layer's input: contiguous columns with any distance between them (a block of user data).
template <class S>
using InputMap = Eigen::Map<const Matrix<S>, Eigen::Unaligned, Eigen::OuterStride<>>;

template <class S, class M>
InputMap<S> as_input(const M& m) {
  return InputMap<S>(m.data(), m.rows(), m.cols(), Eigen::OuterStride<>(m.outerStride()));
}

namespace detail {
template <class T>
inline constexpr bool is_block_array = false;
template <std::size_t N>
inline constexpr bool is_block_array<std::array<ParameterBlock, N>> = N <= max_parameter_blocks;
}  // namespace detail

/// What the chain needs from a layer type (the contract above; checked for float).
template <class L>
concept Layer = requires {
  requires is_shape<typename L::input_shape>;
  requires is_shape<typename L::output_shape>;
  requires Activation<typename L::activation>;
  requires detail::is_block_array<std::remove_cvref_t<decltype(L::parameter_blocks)>>;
  { L::describe() } -> std::convertible_to<std::string>;
  { L::flops(Index{1}) } -> std::convertible_to<double>;
} && requires(const Blocks<float>& p, const Blocks<const float>& cp, const GradientBlocks<float>& dp,
              const InputMap<float>& x, MatrixMap<float> y, MatrixMap<float>* dx, Random& rng) {
  L::initialize(p, rng);
  L::template forward<false>(cp, x, y, y);
  L::template backward<Identity>(cp, x, y, y, dp, dx);
};

/// How many parameter blocks layer L has.
template <class L>
inline constexpr std::size_t block_count = std::tuple_size_v<std::remove_cvref_t<decltype(L::parameter_blocks)>>;

/// Why layer L's parameter_blocks are unusable, or nullptr: every block has a rank of at least 1
/// and zeros after it, column_major only in 2-d, and the names differ.
template <class L>
constexpr const char* parameter_blocks_problem() {
  for (std::size_t b = 0; b < block_count<L>; ++b) {
    const ParameterBlock& p = L::parameter_blocks[b];
    if (p.name.empty()) return "a parameter block has no name";
    if (p.rank() == 0) return "a parameter block has no positive dimension (dims must start with its shape)";
    for (std::size_t d = static_cast<std::size_t>(p.rank()); d < 4; ++d)
      if (p.dims[d] != 0) return "a parameter block's dims go on after a zero (or a negative) entry";
    if (p.column_major && p.rank() != 2) return "column_major is for 2-d blocks only";
    for (std::size_t c = 0; c < b; ++c)
      if (L::parameter_blocks[c].name == p.name) return "two parameter blocks have the same name";
  }
  return nullptr;
}

namespace detail {
/// Instantiated for each layer of a chain (and by check_layer_gradient); the note names the layer.
template <class L, bool Valid = parameter_blocks_problem<L>() == nullptr>
struct ParameterBlocksAreValid {
  static_assert(Valid, "parameter_blocks of this layer (ParameterBlocksAreValid<layer, false>): a block's dims are "
                       "its PyTorch shape followed by zeros, column_major only for 2-d blocks, names distinct, at most "
                       "4 blocks; call parameter_blocks_problem<Layer>() for which rule");
  static constexpr bool value = true;
};
}  // namespace detail

/// Whether layer L uses another layer's blocks (declares tied_to).
template <class L>
inline constexpr bool is_tied_layer = requires { L::tied_to; };

/// The numbers a layer stores itself (its blocks less the borrowed ones).
template <class L>
constexpr Index own_parameter_count() {
  Index n = 0;
  for (const ParameterBlock& b : L::parameter_blocks)
    if (!b.borrowed) n += b.size();
  return n;
}

/// dx := dx .* BelowAct'(x): the last step of backward() for a layer above another (see top).
template <class BelowAct, class DX, class X>
void apply_below(DX&& dx, const X& x) {
  if constexpr (!std::same_as<BelowAct, Identity>) dx.array() *= BelowAct::derivative(x.array());
}

namespace kernels {
/// G := G .* f'(A): turns dL/dA into dL/dZ in place (the output layer's step, and any layer
/// whose dL/dA a penalty adds to; otherwise the backward pass of the layer above does it).
/// Split across threads by columns.
template <class Act, class A, class G>
void activation_backward(const A& a, G&& g) {
  if constexpr (!std::same_as<Act, Identity>) {
    constexpr Index granule = 8;
    const Index n = g.cols();
    const int threads = hourglass::detail::threads_for(4.0 * double(g.size()), n / granule);
    hourglass::detail::parallel_ranges(n, granule, threads, [&](Index first, Index count) {
      g.middleCols(first, count).array() *= Act::derivative(a.middleCols(first, count).array());
    });
  }
}
}  // namespace kernels

}  // namespace hourglass
