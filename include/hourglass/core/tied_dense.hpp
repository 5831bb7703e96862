// hourglass/core/tied_dense.hpp — a decoder layer that reuses an encoder layer's weights.
//
// TiedDense<K, Act> in a Decoder declares a fully connected layer whose weight matrix is the
// transpose of encoder layer K's:  A = f(W_K^T X + b)  with its own bias b. It has no sizes of
// its own — a Decoder alone cannot know them — so it is a *spec*; BasicAutoencoder resolves it
// against the encoder into TiedDenseLayer<K, In, Out, Act> with In = W_K's rows (encoder layer
// K's Out) and Out = W_K's columns (its In). The resolved layer is a Layer (core/layer.hpp) whose
// "weight" block is *borrowed*: it is layer K's block (tied_to = K), not stored again and not
// saved again; its own parameters are its bias.
//
// Gradients from both uses of W_K add up in W_K's gradient block:
//   dW_K = G_K X_K^T  +  (G_dec X_dec^T)^T
// The layer writes its term through a row-major view of W_K's block (which *is* W_K^T), so no
// transpose is ever copied; the chain tells it whether to assign or add (GradientBlocks::accumulate).
#pragma once

#include "activations.hpp"
#include "config.hpp"
#include "dense.hpp"
#include "layer.hpp"

#include <array>
#include <cstddef>
#include <string>

namespace hourglass {

/// Declares a decoder layer with weights W = (encoder layer EncoderLayer's W)^T and its own bias.
/// EncoderLayer counts encoder layers from 0 (the one that reads the input).
template <std::size_t EncoderLayer, Activation Act = Identity>
struct TiedDense {
  static constexpr std::size_t tied_to = EncoderLayer;
  using activation = Act;
};

/// The resolved tied layer (what the chain holds): A = f(W_K^T X + b).
template <std::size_t TiedTo, Index In, Index Out, Activation Act>
struct TiedDenseLayer {
  static_assert(In > 0 && Out > 0, "TiedDenseLayer<K, In, Out>: both sizes must be positive");
  using input_shape = Shape<In>;
  using output_shape = Shape<Out>;
  using activation = Act;
  static constexpr std::size_t tied_to = TiedTo;
  static constexpr Index in = In;
  static constexpr Index out = Out;
  /// "weight" is layer K's {K.out, K.in} = {In, Out} block, read transposed.
  static constexpr std::array<ParameterBlock, 2> parameter_blocks{
      {{"weight", {In, Out}, /*column_major=*/true, /*borrowed=*/true}, {"bias", {Out}}}};

  static std::string describe() {
    return "tied_dense(" + std::to_string(TiedTo) + "," + std::to_string(In) + "," + std::to_string(Out) + "," +
           std::string(Act::name) + ")";
  }
  static constexpr double flops(Index n) { return 2.0 * double(In) * double(Out) * double(n); }

  /// W = W_K^T (Out x In): a row-major view of layer K's column-major In x Out block.
  template <class S>
  static auto weight(const Blocks<S>& p) {
    using M = Eigen::Matrix<std::remove_const_t<S>, Eigen::Dynamic, Eigen::Dynamic, Eigen::RowMajor>;
    return Eigen::Map<std::conditional_t<std::is_const_v<S>, const M, M>>(p[0], Out, In);
  }

  /// The bias is zeroed; the weights are initialised with the layer they belong to.
  template <class S>
  static void initialize(const Blocks<S>& p, Random&) {
    VectorMap<S>(p[1], Out).setZero();
  }

  template <bool KeepLogits, class S>
  static void forward(const Blocks<const S>& p, const InputMap<S>& x, MatrixMap<S> y, MatrixMap<S> z) {
    kernels::detail::forward<Act, KeepLogits>(weight(p), ConstVectorMap<S>(p[1], Out), x, z, y);
  }

  template <class BelowAct, class S>
  static void backward(const Blocks<const S>& p, const InputMap<S>& x, const MatrixMap<S>&, MatrixMap<S> g,
                       const GradientBlocks<S>& dp, MatrixMap<S>* dx) {
    auto dw = weight(Blocks<S>{dp.data});
    VectorMap<S> db(dp[1], Out);
    if (dx) {
      kernels::dense_backward<BelowAct>(weight(p), g, x, dw, db, *dx, dp.accumulate[0]);
    } else {
      kernels::dense_parameter_gradients(g, x, dw, db, dp.accumulate[0]);
    }
  }
};

template <class L>
inline constexpr bool is_tied_spec = false;
template <std::size_t K, class Act>
inline constexpr bool is_tied_spec<TiedDense<K, Act>> = true;

}  // namespace hourglass
