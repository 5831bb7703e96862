// hourglass/model/sequential.hpp — a checked chain of layers with its parameters and workspaces.
//
// Sequential<Scalar, Layers...> is the runtime of a layer chain: the flat parameter buffer, the
// per-batch workspaces (allocated once for the largest batch seen, then viewed through maps so a
// smaller last batch reuses them), one forward loop and one backward loop. It knows no layer
// kind: each layer type does its own initialisation, forward and backward (core/layer.hpp states
// the contract); the chain hands it views of its parameter blocks and of the batch.
// The Autoencoder owns one Sequential holding its encoder's and decoder's layers in one pack.
//
// Forward: A_I = layer I's forward(A_{I-1}), written ONCE (run() below) and used three ways: the
// training pass (every A_I kept in its workspace for backward), inference on a few samples (two
// scratch buffers, each layer's kernel split across threads), and inference on many samples
// (blocks of 512 samples through all layers, a block per thread, so activations stay in cache).
//
// Backward pass, layer I from the top down (G_I is the workspace for layer I's output gradient):
//   G_I = dL/dA_I          (+ hooks.activation_gradient<I>:    penalties on activations, e.g. sparsity)
//   G_I = G_I .* f'(A_I)   now dL/dZ_I (f = layer I's activation)
//                          (+ hooks.preactivation_gradient<I>: penalties through Z, e.g. contractive)
//   layer I's backward:    its parameter gradients, and G_{I-1} = dL/dA_{I-1} (skipped for I = 0)
//                          (+ hooks.parameter_gradient<I>:     penalties on weights directly)
// Layer I's backward also applies f'_{I-1} to G_{I-1} as it writes it (still in cache), unless a
// hook adds to dL/dA_{I-1} (Hooks::adds_activation_gradient<I-1>): then layer I-1 starts from the
// first line as written. Each hook returns the value of the penalty it added, so the objective is
// the loss plus their sum.
//
// Tied layers (core/tied_dense.hpp) borrow blocks of an earlier layer: the layout points both at
// one stretch of the buffer. Going down, the first layer to reach a shared block assigns its
// gradient, the others (the owner last) add to it.
#pragma once

#include "../core/config.hpp"
#include "../core/layer.hpp"
#include "../core/parallel.hpp"
#include "../core/parameters.hpp"
#include "../core/random.hpp"
#include "../core/static_for.hpp"
#include "chain.hpp"

#include <algorithm>
#include <array>
#include <cstddef>
#include <string_view>
#include <tuple>
#include <type_traits>
#include <utility>

namespace hourglass {

/// Hooks that add nothing: the backward pass of a model without penalties.
struct NoHooks {
  template <std::size_t I>
  static constexpr bool adds_activation_gradient = false;
  template <std::size_t I, class Net>
  typename Net::Scalar activation_gradient(Net&, Index) { return 0; }
  template <std::size_t I, class Net>
  typename Net::Scalar preactivation_gradient(Net&, Index) { return 0; }
  template <std::size_t I, class Net>
  typename Net::Scalar parameter_gradient(Net&, Index) { return 0; }
};

namespace detail {
/// A layer I that borrows blocks of layer K must come after it, K must own them, and each
/// borrowed block must have the owner's block's shape.
template <std::size_t I, std::size_t K, bool KIsEarlier, bool KOwnsTheBlocks, bool SameShapes>
struct BorrowedBlocksFit {
  static_assert(KIsEarlier, "a tied layer must come after the layer it borrows from (BorrowedBlocksFit<I, K, ...>)");
  static_assert(KOwnsTheBlocks,
                "a tied layer borrows a block that layer K does not own (K has no block of that name, or K is itself "
                "tied) (BorrowedBlocksFit<I, K, ...>)");
  static_assert(SameShapes, "a tied layer's borrowed block has another shape than layer K's (BorrowedBlocksFit<I, K, ...>)");
  static constexpr bool value = true;
};

template <class L, class O>
constexpr bool borrowed_blocks_owned() {
  for (std::size_t b = 0; b < block_count<L>; ++b) {
    if (!L::parameter_blocks[b].borrowed) continue;
    const std::size_t ob = block_index<O>(L::parameter_blocks[b].name);
    if (ob >= block_count<O> || O::parameter_blocks[ob].borrowed) return false;
  }
  return true;
}
template <class L, class O>
constexpr bool borrowed_blocks_same_shape() {
  for (std::size_t b = 0; b < block_count<L>; ++b) {
    if (!L::parameter_blocks[b].borrowed) continue;
    const std::size_t ob = block_index<O>(L::parameter_blocks[b].name);
    if (ob >= block_count<O>) return false;
    const ParameterBlock &mine = L::parameter_blocks[b], &theirs = O::parameter_blocks[ob];
    if (mine.dims != theirs.dims || mine.column_major != theirs.column_major) return false;
  }
  return true;
}
}  // namespace detail

template <class Scalar_, Layer... Layers>
class Sequential {
 public:
  using Scalar = Scalar_;
  static_assert(std::is_floating_point_v<Scalar>, "Scalar must be float or double");
  using Chain = LayerChain<Layers...>;
  static constexpr std::size_t depth = Chain::depth;
  template <std::size_t I>
  using layer_type = std::tuple_element_t<I, std::tuple<Layers...>>;
  static constexpr Index input_size = Chain::in;
  static constexpr Index output_size = Chain::out;
  static constexpr ParameterLayout<depth> layout = make_parameter_layout<Layers...>();
  /// The length of the parameter buffer: every block, each starting on an aligned offset.
  static constexpr Index parameter_count = layout.total;
  /// The number of parameters: every block a layer stores itself (a borrowed block once), without
  /// the buffer's alignment padding (parameter_count) — PyTorch's sum(p.numel() for p in parameters()).
  static constexpr Index learnable_parameter_count = (own_parameter_count<Layers>() + ... + 0);
  /// The number of weights (blocks named "weight"; not biases, not padding); a tied layer's count once.
  static constexpr Index weight_parameter_count = [] {
    Index n = 0;
    auto add = [&](const auto& blocks) {
      for (const ParameterBlock& b : blocks)
        if (b.name == "weight" && !b.borrowed) n += b.size();
    };
    (add(Layers::parameter_blocks), ...);
    return n;
  }();
  /// Whether layer I borrows blocks of an earlier layer (a tied layer).
  template <std::size_t I>
  static constexpr bool is_tied = is_tied_layer<layer_type<I>>;

 private:
  static constexpr std::array<std::size_t, depth> block_counts{block_count<Layers>...};
  /// accumulate[I][b]: block b of layer I is shared with a layer above, whose backward (earlier,
  /// going down) wrote its gradient first.
  static constexpr auto accumulate = [] {
    std::array<std::array<bool, max_parameter_blocks>, depth> acc{};
    for (std::size_t i = 0; i < depth; ++i)
      for (std::size_t b = 0; b < block_counts[i]; ++b)
        for (std::size_t j = i + 1; j < depth; ++j)
          for (std::size_t c = 0; c < block_counts[j]; ++c)
            if (layout.offset[j][c] == layout.offset[i][b]) acc[i][b] = true;
    return acc;
  }();
  static constexpr bool borrowed_blocks_fit = [] {
    bool ok = true;
    detail::static_for<depth>([&](auto i) {
      constexpr std::size_t I = decltype(i)::value;
      using L = layer_type<I>;
      if constexpr (is_tied_layer<L>) {
        constexpr std::size_t K = L::tied_to;
        using O = layer_type<(K < depth ? K : 0)>;
        ok = ok && detail::BorrowedBlocksFit<I, K, (K < I), detail::borrowed_blocks_owned<L, O>(),
                                             detail::borrowed_blocks_same_shape<L, O>()>::value;
      }
    });
    return ok;
  }();
  static_assert(borrowed_blocks_fit);
  static_assert((detail::ParameterBlocksAreValid<Layers>::value && ...));
  /// Whether layer I's backward pass applies f' of layer I-1 to the gradient it passes down:
  /// allowed when no hook adds to dL/dA of layer I-1, which must happen before f' is applied.
  /// Hooks that do not say so are taken to add.
  template <class Hooks, std::size_t I>
  static constexpr bool derivative_fused_below = [] {
    if constexpr (I == 0) {
      return false;
    } else {
      return requires { requires !Hooks::template adds_activation_gradient<I - 1>; };
    }
  }();
  static constexpr Index widest_output = std::max({Layers::output_shape::size...});

 public:
  Sequential() : params_(parameter_count) {}

  /// Each layer initialises its own blocks, in chain order, from rng.
  void initialize(Random& rng) {
    detail::static_for<depth>([&](auto i) {
      constexpr std::size_t I = decltype(i)::value;
      layer_type<I>::initialize(blocks<I>(), rng);
    });
  }

  // ---- parameters ------------------------------------------------------------------------
  ParameterBuffer<Scalar>& parameters() { return params_; }
  const ParameterBuffer<Scalar>& parameters() const { return params_; }

  /// Pointers to layer I's parameter blocks (borrowed ones: the owner's), and to their gradients.
  template <std::size_t I>
  Blocks<Scalar> blocks() {
    return block_pointers<I>(params_.values.data());
  }
  template <std::size_t I>
  Blocks<const Scalar> blocks() const {
    return block_pointers<I>(params_.values.data());
  }
  template <std::size_t I>
  GradientBlocks<Scalar> gradient_blocks() {
    GradientBlocks<Scalar> g;
    g.data = block_pointers<I>(params_.gradients.data()).data;
    g.accumulate = accumulate[I];
    return g;
  }
  /// Block b of layer I as a flat vector (its values or its gradient), in buffer order.
  template <std::size_t I, std::size_t B>
  VectorMap<Scalar> block_values() {
    return VectorMap<Scalar>(params_.values.data() + layout.offset[I][B], layer_type<I>::parameter_blocks[B].size());
  }
  template <std::size_t I, std::size_t B>
  ConstVectorMap<Scalar> block_values() const {
    return ConstVectorMap<Scalar>(params_.values.data() + layout.offset[I][B],
                                  layer_type<I>::parameter_blocks[B].size());
  }
  template <std::size_t I, std::size_t B>
  VectorMap<Scalar> block_gradient() {
    return VectorMap<Scalar>(params_.gradients.data() + layout.offset[I][B],
                             layer_type<I>::parameter_blocks[B].size());
  }

  /// W_I, for layers that have a weight matrix (Dense: Out x In; a tied layer: W_K^T).
  template <std::size_t I>
  auto weights() {
    return layer_type<I>::weight(blocks<I>());
  }
  template <std::size_t I>
  auto weights() const {
    return layer_type<I>::weight(blocks<I>());
  }
  /// b_I (the block named "bias").
  template <std::size_t I>
  VectorMap<Scalar> bias() {
    return block_values<I, bias_block<I>()>();
  }
  template <std::size_t I>
  ConstVectorMap<Scalar> bias() const {
    return block_values<I, bias_block<I>()>();
  }
  /// dW_I, shaped like weights<I>() (shared with layer K for a tied layer).
  template <std::size_t I>
  auto weight_gradient() {
    return layer_type<I>::weight(Blocks<Scalar>{gradient_blocks<I>().data});
  }
  template <std::size_t I>
  VectorMap<Scalar> bias_gradient() {
    return block_gradient<I, bias_block<I>()>();
  }

  // ---- batch workspaces ------------------------------------------------------------------
  /// Makes room for batches of up to n samples. Allocates only when n grows.
  void reserve(Index n) {
    if (n <= capacity_) return;
    input_.resize(input_size, n);
    detail::static_for<depth>([&](auto i) {
      constexpr std::size_t I = decltype(i)::value;
      activations_[I].resize(layer_type<I>::output_shape::size, n);
      gradients_[I].resize(layer_type<I>::output_shape::size, n);
    });
    logits_.resize(output_size, n);
    capacity_ = n;
  }
  Index capacity() const { return capacity_; }

  /// The batch fed to the first layer (the model writes it, possibly corrupted).
  MatrixMap<Scalar> input(Index n) { return MatrixMap<Scalar>(input_.data(), input_size, n); }
  /// A_I: the output of layer I for the current batch.
  template <std::size_t I>
  MatrixMap<Scalar> activation(Index n) {
    return MatrixMap<Scalar>(activations_[I].data(), layer_type<I>::output_shape::size, n);
  }
  /// G_I: the gradient with respect to layer I's output (then pre-activation) during backward.
  template <std::size_t I>
  MatrixMap<Scalar> gradient(Index n) {
    return MatrixMap<Scalar>(gradients_[I].data(), layer_type<I>::output_shape::size, n);
  }
  /// Z of the output layer, kept when the loss works from logits.
  MatrixMap<Scalar> logits(Index n) { return MatrixMap<Scalar>(logits_.data(), output_size, n); }
  /// X_I: the input of layer I (the batch for I = 0, else A_{I-1}).
  template <std::size_t I>
  MatrixMap<Scalar> layer_input(Index n) {
    if constexpr (I == 0) {
      return input(n);
    } else {
      return activation<I - 1>(n);
    }
  }

  // ---- training passes -------------------------------------------------------------------
  /// Forward over the first n columns of input(); fills every A_I (and the logits if asked).
  template <bool KeepLogits>
  void forward(Index n) {
    forward_layers<0, depth, KeepLogits>(n);
  }
  /// Forward over layers [First, Last) only: layer First reads layer_input<First>(n) (the batch,
  /// or A_{First-1} as an earlier call or the caller left it). A model that does its own work
  /// between two layers (the VAE's sampling, model/vae.hpp) runs the chain in two ranges.
  /// With KeepLogits, layer Last-1's pre-activation goes into logits(n) (Last must be depth).
  template <std::size_t First, std::size_t Last, bool KeepLogits = false>
  void forward_layers(Index n) {
    static_assert(First < Last && Last <= depth, "forward_layers: empty or out-of-range layer range");
    static_assert(!KeepLogits || Last == depth, "forward_layers: logits are kept for the output layer only");
    run<First, Last, KeepLogits>(as_input<Scalar>(layer_input<First>(n)), n,
                                 [&](auto i, Index) { return activation<decltype(i)::value>(n); },
                                 KeepLogits ? logits(n) : MatrixMap<Scalar>(nullptr, 0, 0));
  }

  /// The backward pass; G_{depth-1} must hold dL/dA (or dL/dZ when OutputHoldsLogitGradient).
  /// Returns the sum of the penalties the hooks added.
  template <bool OutputHoldsLogitGradient, class Hooks>
  Scalar backward(Index n, Hooks& hooks) {
    return backward_layers<0, depth, OutputHoldsLogitGradient>(n, hooks);
  }
  /// The backward pass over layers [First, Last) only: G_{Last-1} must hold dL/dA_{Last-1} (or
  /// dL/dZ when TopHoldsPreactivationGradient); for First > 0 it leaves dL/dA_{First-1} in
  /// G_{First-1} (f'_{First-1} applied when layer First fuses it: derivative_fused_below).
  template <std::size_t First, std::size_t Last, bool TopHoldsPreactivationGradient, class Hooks>
  Scalar backward_layers(Index n, Hooks& hooks) {
    static_assert(First < Last && Last <= depth, "backward_layers: empty or out-of-range layer range");
    Scalar penalty = 0;
    detail::static_for_reverse<Last - First>([&](auto i) {
      constexpr std::size_t I = First + decltype(i)::value;
      using L = layer_type<I>;
      auto g = gradient<I>(n);
      // G_I arrives as dL/dZ from the loss (logits) or from the layer above (derivative fused).
      constexpr bool holds_preactivation_gradient =
          I == Last - 1 ? TopHoldsPreactivationGradient : derivative_fused_below<Hooks, I + 1>;
      if constexpr (!holds_preactivation_gradient) {
        penalty += hooks.template activation_gradient<I>(*this, n);
        kernels::activation_backward<typename L::activation>(activation<I>(n), g);
      }
      penalty += hooks.template preactivation_gradient<I>(*this, n);
      if constexpr (I > 0) {
        using Below = std::conditional_t<derivative_fused_below<Hooks, I>, typename layer_type<I - 1>::activation, Identity>;
        MatrixMap<Scalar> below = gradient<I - 1>(n);
        L::template backward<Below>(std::as_const(*this).template blocks<I>(), as_input<Scalar>(layer_input<I>(n)), activation<I>(n), g,
                                    gradient_blocks<I>(), &below);
      } else {
        L::template backward<Identity>(std::as_const(*this).template blocks<I>(), as_input<Scalar>(layer_input<I>(n)), activation<I>(n), g,
                                       gradient_blocks<I>(), static_cast<MatrixMap<Scalar>*>(nullptr));
      }
      penalty += hooks.template parameter_gradient<I>(*this, n);
    });
    return penalty;
  }

  // ---- inference -------------------------------------------------------------------------
  /// Samples per block of a blocked inference pass (below).
  static constexpr Index inference_block = 512;

  /// Runs layers [First, Last) on X (one sample per column) and returns the last output.
  /// With KeepLogits, `logits_out` receives the pre-activation of layer Last-1.
  ///
  /// Many samples (more than two blocks) go through all the layers a block of 512 at a time, each
  /// thread taking a range of blocks: the intermediate activations of a block stay in cache
  /// instead of making a round trip through memory for every layer (60,000 MNIST images through
  /// 784-256-64-32 would write and read back 85 MB of them). Fewer go through layer by layer,
  /// each layer's kernel split across threads.
  /// The length each of forward_into's two scratch buffers needs for n samples.
  static constexpr Index scratch_size(Index n) { return widest_output * n; }
  /// Layers [First, Last) on X (n samples) into `out` (layer Last-1's output size x n), layer
  /// by layer through `buffers` (each at least scratch_size(n) long): no allocation, on the
  /// calling thread unless a layer's kernel splits its work (model/predictor.hpp stops that).
  template <std::size_t First, std::size_t Last>
  void forward_into(const InputMap<Scalar>& x, MatrixMap<Scalar> out, std::array<Vector<Scalar>, 2>& buffers) const {
    static_assert(First < Last && Last <= depth, "forward_into: empty or out-of-range layer range");
    run<First, Last, false>(x, x.cols(), scratch_or<First, Last>(out, buffers), MatrixMap<Scalar>(nullptr, 0, 0));
  }

  template <std::size_t First, std::size_t Last, bool KeepLogits = false, class D>
  Matrix<Scalar> forward_range(const Eigen::MatrixBase<D>& x, Matrix<Scalar>* logits_out = nullptr) const {
    static_assert(First < Last && Last <= depth, "forward_range: empty or out-of-range layer range");
    if constexpr (kernels::is_gemm_operand<D, Scalar>) {
      return forward_range<First, Last, KeepLogits>(as_input<Scalar>(x.derived()), logits_out);
    } else {
      const Matrix<Scalar> evaluated = x.template cast<Scalar>();  // expressions, other scalars, row-major
      return forward_range<First, Last, KeepLogits>(as_input<Scalar>(evaluated), logits_out);
    }
  }

 private:
  template <std::size_t First, std::size_t Last, bool KeepLogits>
  Matrix<Scalar> forward_range(const InputMap<Scalar>& x, Matrix<Scalar>* logits_out) const {
    const Index n = x.cols();
    constexpr Index out_rows = layer_type<Last - 1>::output_shape::size;
    Matrix<Scalar> out(out_rows, n);
    if (KeepLogits || n <= 2 * inference_block) {
      if constexpr (KeepLogits) logits_out->resize(out_rows, n);
      std::array<Vector<Scalar>, 2> buffers;
      if constexpr (Last - First > 1) {
        buffers[0].resize(widest_output * n);
        if constexpr (Last - First > 2) buffers[1].resize(widest_output * n);
      }
      run<First, Last, KeepLogits>(x, n, scratch_or<First, Last>(out, buffers),
                                   KeepLogits ? MatrixMap<Scalar>(logits_out->data(), out_rows, n)
                                              : MatrixMap<Scalar>(nullptr, 0, 0));
      return out;
    }
    double flops = 0;
    detail::static_for<Last - First>([&](auto i) { flops += layer_type<First + decltype(i)::value>::flops(n); });
    const int threads = hourglass::detail::threads_for(flops, n / inference_block);
    hourglass::detail::parallel_ranges(n, inference_block, threads, [&](Index first, Index count) {
      std::array<Vector<Scalar>, 2> buffers{Vector<Scalar>(widest_output * inference_block),
                                            Vector<Scalar>(widest_output * inference_block)};
      for (Index begin = first; begin < first + count; begin += inference_block) {
        const Index m = std::min(inference_block, first + count - begin);
        MatrixMap<Scalar> block_out(out.data() + begin * out_rows, out_rows, m);
        const InputMap<Scalar> block_in(x.data() + begin * x.outerStride(), x.rows(), m,
                                        Eigen::OuterStride<>(x.outerStride()));
        run<First, Last, false>(block_in, m, scratch_or<First, Last>(block_out, buffers), MatrixMap<Scalar>(nullptr, 0, 0));
      }
    });
    return out;
  }

  /// Where layer I of an inference pass over [First, Last) writes: the result for the last
  /// layer, else the two scratch buffers in turn, the first for layer First.
  template <std::size_t First, std::size_t Last, class Out>
  static auto scratch_or(Out& out, std::array<Vector<Scalar>, 2>& buffers) {
    return [&out, &buffers](auto i, Index n) -> MatrixMap<Scalar> {
      constexpr std::size_t I = decltype(i)::value;
      if constexpr (I == Last - 1) {
        return MatrixMap<Scalar>(out.data(), out.rows(), n);
      } else {
        return MatrixMap<Scalar>(buffers[(I - First) % 2].data(), layer_type<I>::output_shape::size, n);
      }
    };
  }

  /// THE forward loop: layers [First, Last) on x (n samples); layer I writes into out(I, n); with
  /// KeepLogits the last layer also writes its pre-activation into `logits`.
  template <std::size_t First, std::size_t Last, bool KeepLogits, class Out>
  void run(const InputMap<Scalar>& x, Index n, Out&& out, MatrixMap<Scalar> logits) const {
    const Scalar* in = x.data();
    Index stride = x.outerStride();
    detail::static_for<Last - First>([&](auto i) {
      constexpr std::size_t I = First + decltype(i)::value;
      using L = layer_type<I>;
      MatrixMap<Scalar> y = out(std::integral_constant<std::size_t, I>{}, n);
      const InputMap<Scalar> input(in, L::input_shape::size, n, Eigen::OuterStride<>(stride));
      L::template forward<KeepLogits && I == Last - 1>(blocks<I>(), input, y, logits);
      in = y.data();
      stride = y.rows();
    });
  }

  template <std::size_t I, class P>
  static Blocks<P> block_pointers(P* base) {
    Blocks<P> p;
    for (std::size_t b = 0; b < block_counts[I]; ++b) p.data[b] = base + layout.offset[I][b];
    return p;
  }
  template <std::size_t I>
  static constexpr std::size_t bias_block() {
    constexpr std::size_t b = detail::block_index<layer_type<I>>("bias");
    static_assert(b < max_parameter_blocks, "bias<I>(): layer I has no block named \"bias\"");
    return b;
  }

  ParameterBuffer<Scalar> params_;
  Matrix<Scalar> input_;
  std::array<Matrix<Scalar>, depth> activations_;
  std::array<Matrix<Scalar>, depth> gradients_;
  Matrix<Scalar> logits_;
  Index capacity_ = 0;
};

}  // namespace hourglass
