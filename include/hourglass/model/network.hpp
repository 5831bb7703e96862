// hourglass/model/network.hpp — a checked chain of layers with its parameters and workspaces.
//
// Network<Scalar, Layers...> is the runtime of a layer chain: the flat parameter buffer, the
// per-batch workspaces (allocated once for the largest batch seen, then viewed through maps so a
// smaller last batch reuses them), the training forward pass, and the backward pass.
// The Autoencoder owns one Network holding its encoder's and decoder's layers in one pack.
//
// Backward pass, layer I from the top down (G_I is the workspace for layer I's output gradient):
//   G_I = dL/dA_I          (+ hooks.activation_gradient<I>:    penalties on activations, e.g. sparsity)
//   G_I = G_I .* f'(A_I)   now dL/dZ_I
//                          (+ hooks.preactivation_gradient<I>: penalties through Z, e.g. contractive)
//   dW_I = G_I X_I^T, db_I = rowsum(G_I)
//                          (+ hooks.parameter_gradient<I>:     penalties on weights directly)
//   G_{I-1} = W_I^T G_I    (skipped for I = 0: nobody needs dL/dX)
// The last three lines are one parallel pass (kernels::dense_backward), which also applies
// f'(A_{I-1}) to G_{I-1} as it writes it, unless a hook adds to dL/dA_{I-1} (Hooks::
// adds_activation_gradient<I-1>): then layer I-1 starts from its first line as written.
// Each hook returns the value of the penalty it added, so the objective is the loss plus their sum.
//
// Tied layers (core/tied_dense.hpp): weights<I>() of a TiedDenseLayer tied to layer K is a
// row-major view of K's block, i.e. W_K^T, and so is weight_gradient<I>(). Going down, the first
// layer to reach a shared block assigns dW, the others (the tied-to layer last) add to it.
#pragma once

#include "../core/config.hpp"
#include "../core/dense.hpp"
#include "../core/parameters.hpp"
#include "../core/random.hpp"
#include "../core/static_for.hpp"
#include "../core/tied_dense.hpp"
#include "chain.hpp"

#include <array>
#include <cstddef>
#include <tuple>
#include <type_traits>
#include <utility>

namespace hourglass {

/// A training objective split into its parts.
template <class Scalar>
struct Objective {
  Scalar loss = 0;     ///< the reconstruction loss (the Loss's own reduction)
  Scalar penalty = 0;  ///< the sum of every policy's penalty
  Scalar total() const { return loss + penalty; }
};

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

/// What the network needs from a loss. `value_and_gradient(A, Y, G)` writes dL/dA into G and
/// returns L; a loss that can work from the output layer's logits says so through
/// `uses_logits<OutputActivation>` and provides `value_and_logit_gradient(Z, A, Y, G)` (G = dL/dZ).
template <class L>
concept Loss = requires {
  { L::name } -> std::convertible_to<std::string_view>;
  { L::template uses_logits<Identity> } -> std::convertible_to<bool>;
};

namespace detail {
/// The layer whose block holds layer I's weights: I itself, or the layer a tied layer uses.
template <class L, std::size_t I>
constexpr std::size_t weight_owner() {
  if constexpr (is_tied_layer<L>) {
    return L::tied_to;
  } else {
    return I;
  }
}

/// A tied layer I must follow the layer it uses and have its transposed shape.
template <std::size_t I, std::size_t TiedTo, bool TiedToOwnsWeights, bool ShapesTransposed>
struct TiedLayerFits {
  static_assert(TiedTo < I, "TiedDenseLayer<K>: K must be an earlier layer of the chain (TiedLayerFits<I, K, ...>)");
  static_assert(TiedToOwnsWeights, "TiedDenseLayer<K>: layer K is itself tied (TiedLayerFits<I, K, ...>)");
  static_assert(ShapesTransposed,
                "TiedDenseLayer<K, In, Out>: In and Out must be layer K's Out and In (TiedLayerFits<I, K, ...>)");
  static constexpr bool value = true;
};
}  // namespace detail

template <class Scalar_, Layer... Layers>
class Network {
 public:
  using Scalar = Scalar_;
  static_assert(std::is_floating_point_v<Scalar>, "Scalar must be float or double");
  using Chain = LayerChain<Layers...>;
  static constexpr std::size_t depth = Chain::depth;
  template <std::size_t I>
  using layer = std::tuple_element_t<I, std::tuple<Layers...>>;
  static constexpr Index input_size = Chain::in;
  static constexpr Index output_size = Chain::out;
  static constexpr ParameterLayout<depth> layout = make_parameter_layout<Layers...>();
  static constexpr Index parameter_count = layout.total;
  /// The number of weights (not biases, not padding); a tied layer's weights count once.
  static constexpr Index weight_parameter_count = (Layers::weight_count + ...);

  /// weight_owner[I]: the layer whose parameter block holds layer I's weights.
  static constexpr std::array<std::size_t, depth> weight_owner = []<std::size_t... I>(std::index_sequence<I...>) {
    return std::array<std::size_t, depth>{detail::weight_owner<Layers, I>()...};
  }(std::index_sequence_for<Layers...>{});
  template <std::size_t I>
  static constexpr bool is_tied = is_tied_layer<layer<I>>;

 private:
  /// Whether layer I is the first, going down, to write its weight block's gradient.
  template <std::size_t I>
  static constexpr bool first_gradient_writer = [] {
    for (std::size_t j = I + 1; j < depth; ++j)
      if (weight_owner[j] == weight_owner[I]) return false;
    return true;
  }();
  static constexpr bool tied_layers_fit = [] {
    bool ok = true;
    detail::static_for<depth>([&](auto i) {
      constexpr std::size_t I = decltype(i)::value;
      if constexpr (is_tied_layer<layer<I>>) {
        constexpr std::size_t K = layer<I>::tied_to;
        using T = layer<(K < depth ? K : 0)>;
        ok = ok && detail::TiedLayerFits<I, K, !is_tied_layer<T>, T::in == layer<I>::out && T::out == layer<I>::in>::value;
      }
    });
    return ok;
  }();
  static_assert(tied_layers_fit);
  /// Whether layer I's backward pass applies f' of layer I-1 to the gradient it passes down
  /// (kernels::dense_backward): allowed when no hook adds to dL/dA of layer I-1, which must
  /// happen before f' is applied. Hooks that do not say so are taken to add.
  template <class Hooks, std::size_t I>
  static constexpr bool derivative_fused_below = [] {
    if constexpr (I == 0) {
      return false;
    } else {
      return requires { requires !Hooks::template adds_activation_gradient<I - 1>; };
    }
  }();
  using RowMajor = Eigen::Matrix<Scalar, Eigen::Dynamic, Eigen::Dynamic, Eigen::RowMajor>;

 public:

  Network() : params_(parameter_count) {}

  /// Glorot or He uniform weights (by each layer's activation), zero biases.
  void initialize(Random& rng) {
    detail::static_for<depth>([&](auto i) {
      constexpr std::size_t I = decltype(i)::value;
      if constexpr (is_tied<I>) {
        bias<I>().setZero();  // the weights are initialised with the layer they belong to
      } else {
        initialize_dense<layer<I>>(rng, weights<I>(), bias<I>());
      }
    });
  }

  // ---- parameters ------------------------------------------------------------------------
  ParameterBuffer<Scalar>& parameters() { return params_; }
  const ParameterBuffer<Scalar>& parameters() const { return params_; }

  /// W_I (Out x In): a map into the buffer; for a tied layer, a row-major map of W_K, i.e. W_K^T.
  template <std::size_t I>
  auto weights() {
    if constexpr (is_tied<I>) {
      return Eigen::Map<RowMajor>(params_.values.data() + layout.weight[weight_owner[I]], layer<I>::out, layer<I>::in);
    } else {
      return params_.value_block(layout.weight[I], layer<I>::out, layer<I>::in);
    }
  }
  template <std::size_t I>
  auto weights() const {
    if constexpr (is_tied<I>) {
      return Eigen::Map<const RowMajor>(params_.values.data() + layout.weight[weight_owner[I]], layer<I>::out,
                                        layer<I>::in);
    } else {
      return params_.value_block(layout.weight[I], layer<I>::out, layer<I>::in);
    }
  }
  template <std::size_t I>
  VectorMap<Scalar> bias() { return VectorMap<Scalar>(params_.values.data() + layout.bias[I], layer<I>::out); }
  template <std::size_t I>
  ConstVectorMap<Scalar> bias() const {
    return ConstVectorMap<Scalar>(params_.values.data() + layout.bias[I], layer<I>::out);
  }
  /// dW_I, shaped like weights<I>() (shared with layer K for a tied layer).
  template <std::size_t I>
  auto weight_gradient() {
    if constexpr (is_tied<I>) {
      return Eigen::Map<RowMajor>(params_.gradients.data() + layout.weight[weight_owner[I]], layer<I>::out,
                                  layer<I>::in);
    } else {
      return params_.gradient_block(layout.weight[I], layer<I>::out, layer<I>::in);
    }
  }
  template <std::size_t I>
  VectorMap<Scalar> bias_gradient() {
    return VectorMap<Scalar>(params_.gradients.data() + layout.bias[I], layer<I>::out);
  }

  // ---- batch workspaces ------------------------------------------------------------------
  /// Makes room for batches of up to n samples. Allocates only when n grows.
  void reserve(Index n) {
    if (n <= capacity_) return;
    input_.resize(input_size, n);
    detail::static_for<depth>([&](auto i) {
      constexpr std::size_t I = decltype(i)::value;
      activations_[I].resize(layer<I>::out, n);
      gradients_[I].resize(layer<I>::out, n);
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
    return MatrixMap<Scalar>(activations_[I].data(), layer<I>::out, n);
  }
  /// G_I: the gradient with respect to layer I's output (then pre-activation) during backward.
  template <std::size_t I>
  MatrixMap<Scalar> gradient(Index n) {
    return MatrixMap<Scalar>(gradients_[I].data(), layer<I>::out, n);
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
    detail::static_for<depth>([&](auto i) {
      constexpr std::size_t I = decltype(i)::value;
      using Act = typename layer<I>::activation;
      if constexpr (KeepLogits && I == depth - 1) {
        kernels::dense_forward_keep_logits<Act>(weights<I>(), bias<I>(), layer_input<I>(n), logits(n), activation<I>(n));
      } else {
        kernels::dense_forward<Act>(weights<I>(), bias<I>(), layer_input<I>(n), activation<I>(n));
      }
    });
  }

  /// Whether this loss computes its gradient from the output layer's logits.
  template <Loss L>
  static constexpr bool loss_uses_logits = L::template uses_logits<typename layer<depth - 1>::activation>;

  /// Forward, loss against `target`, backward with hooks: fills parameters().gradients and
  /// returns the objective (the loss and the sum of every penalty the hooks added).
  template <Loss L, class Target, class Hooks>
  Objective<Scalar> forward_backward(const L& loss, const Target& target, Index n, Hooks& hooks) {
    constexpr bool from_logits = loss_uses_logits<L>;
    forward<from_logits>(n);
    constexpr std::size_t last = depth - 1;
    Scalar value;
    if constexpr (from_logits) {
      value = loss.value_and_logit_gradient(logits(n), activation<last>(n), target, gradient<last>(n));
    } else {
      value = loss.value_and_gradient(activation<last>(n), target, gradient<last>(n));
    }
    const Scalar penalty = backward<from_logits>(n, hooks);
    return {value, penalty};
  }

  /// The backward pass; G_{depth-1} must hold dL/dA (or dL/dZ when OutputHoldsLogitGradient).
  template <bool OutputHoldsLogitGradient, class Hooks>
  Scalar backward(Index n, Hooks& hooks) {
    Scalar penalty = 0;
    detail::static_for_reverse<depth>([&](auto i) {
      constexpr std::size_t I = decltype(i)::value;
      using Act = typename layer<I>::activation;
      auto g = gradient<I>(n);
      // G_I arrives as dL/dZ from the loss (logits) or from the layer above (derivative fused).
      constexpr bool holds_preactivation_gradient =
          I == depth - 1 ? OutputHoldsLogitGradient : derivative_fused_below<Hooks, I + 1>;
      if constexpr (!holds_preactivation_gradient) {
        penalty += hooks.template activation_gradient<I>(*this, n);
        kernels::activation_backward<Act>(activation<I>(n), g);
      }
      penalty += hooks.template preactivation_gradient<I>(*this, n);
      if constexpr (I > 0) {
        using Below = std::conditional_t<derivative_fused_below<Hooks, I>, typename layer<I - 1>::activation, void>;
        kernels::dense_backward<Below, !first_gradient_writer<I>>(weights<I>(), g, layer_input<I>(n), weight_gradient<I>(),
                                                                  bias_gradient<I>(), gradient<I - 1>(n));
      } else {
        kernels::dense_parameter_gradients<!first_gradient_writer<I>>(g, layer_input<I>(n), weight_gradient<I>(),
                                                                      bias_gradient<I>());
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
  /// 784-256-64-32 would write and read back 85 MB of them).
  template <std::size_t First, std::size_t Last, bool KeepLogits = false, class D>
  Matrix<Scalar> forward_range(const Eigen::MatrixBase<D>& x, Matrix<Scalar>* logits_out = nullptr) const {
    static_assert(First < Last && Last <= depth, "forward_range: empty or out-of-range layer range");
    if constexpr (!KeepLogits) {
      if (x.cols() > 2 * inference_block) {
        if constexpr (kernels::is_gemm_operand<D, Scalar>) {
          return forward_range_blocked<First, Last>(x.derived());
        } else {
          const Matrix<Scalar> evaluated = x.template cast<Scalar>();  // expressions, other scalars, row-major
          return forward_range_blocked<First, Last>(evaluated);
        }
      }
    }
    return forward_range_layerwise<First, Last, KeepLogits>(x, logits_out);
  }

 private:
  template <std::size_t First, std::size_t Last>
  static constexpr Index widest_output() {
    Index widest = 0;
    detail::static_for<Last - First>([&](auto i) { widest = std::max<Index>(widest, layer<First + decltype(i)::value>::out); });
    return widest;
  }

  template <std::size_t First, std::size_t Last, class X>
  Matrix<Scalar> forward_range_blocked(const X& x) const {
    const Index n = x.cols();
    Matrix<Scalar> out(layer<Last - 1>::out, n);
    double flops = 0;
    detail::static_for<Last - First>([&](auto i) {
      using L = layer<First + decltype(i)::value>;
      flops += 2.0 * static_cast<double>(L::in) * static_cast<double>(L::out) * static_cast<double>(n);
    });
    const int threads = hourglass::detail::threads_for(flops, n / inference_block);
    hourglass::detail::parallel_ranges(n, inference_block, threads, [&](Index first, Index count) {
      constexpr Index widest = widest_output<First, Last>();
      Vector<Scalar> buffers[2] = {Vector<Scalar>(widest * inference_block), Vector<Scalar>(widest * inference_block)};
      for (Index begin = first; begin < first + count; begin += inference_block) {
        const Index m = std::min(inference_block, first + count - begin);
        detail::static_for<Last - First>([&](auto i) {
          constexpr std::size_t I = First + decltype(i)::value;
          using Act = typename layer<I>::activation;
          MatrixMap<Scalar> result(buffers[i % 2].data(), layer<I>::out, m);
          auto target = [&]() -> auto {
            if constexpr (I == Last - 1) {
              return out.middleCols(begin, m);
            } else {
              return result;
            }
          }();
          if constexpr (I == First) {
            kernels::dense_forward<Act>(weights<I>(), bias<I>(), x.middleCols(begin, m), target);
          } else {
            const ConstMatrixMap<Scalar> input(buffers[(i + 1) % 2].data(), layer<I - 1>::out, m);
            kernels::dense_forward<Act>(weights<I>(), bias<I>(), input, target);
          }
        });
      }
    });
    return out;
  }

  template <std::size_t First, std::size_t Last, bool KeepLogits, class D>
  Matrix<Scalar> forward_range_layerwise(const Eigen::MatrixBase<D>& x, Matrix<Scalar>* logits_out) const {
    const Index n = x.cols();
    Matrix<Scalar> current;
    detail::static_for<Last - First>([&](auto i) {
      constexpr std::size_t I = First + decltype(i)::value;
      using Act = typename layer<I>::activation;
      Matrix<Scalar> next(layer<I>::out, n);
      auto run = [&](const auto& in) {
        if constexpr (KeepLogits && I == Last - 1) {
          logits_out->resize(layer<I>::out, n);
          kernels::dense_forward_keep_logits<Act>(weights<I>(), bias<I>(), in, *logits_out, next);
        } else {
          kernels::dense_forward<Act>(weights<I>(), bias<I>(), in, next);
        }
      };
      if constexpr (I == First) {
        if constexpr (kernels::is_gemm_operand<D, Scalar>) {
          run(x.derived());
        } else {
          const Matrix<Scalar> evaluated = x.template cast<Scalar>();  // expressions, other scalars, row-major
          run(evaluated);
        }
      } else {
        run(current);
      }
      current.swap(next);
    });
    return current;
  }

 private:
  ParameterBuffer<Scalar> params_;
  Matrix<Scalar> input_;
  std::array<Matrix<Scalar>, depth> activations_;
  std::array<Matrix<Scalar>, depth> gradients_;
  Matrix<Scalar> logits_;
  Index capacity_ = 0;
};

}  // namespace hourglass
