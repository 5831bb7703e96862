// hourglass/objectives/penalties/sparse_l1.hpp — L1 sparsity on a layer's activations.
//
//   P = lambda * (1/n) * sum_{j,k} |A_jk|        A = the target layer's output (units x n samples)
//   dP/dA_jk = lambda * sign(A_jk) / n           (subgradient, 0 at 0)
//
// Sum over units, mean over the samples of the batch. Added through the activation hook, so it
// flows back through the layer's activation into every earlier layer. docs/variants.md.
#pragma once

#include "../../core/config.hpp"
#include "target_layer.hpp"

#include <cmath>
#include <string>
#include <string_view>

namespace hourglass {

template <std::size_t Layer = code_layer>
struct SparseL1 {
  static constexpr std::string_view name = "sparse_l1";
  static constexpr std::size_t layer_index = Layer;  ///< the layer it acts on (code_layer: the code)

  /// Weight of the penalty (>= 0). The default suits the library's mean-over-elements losses on
  /// MNIST-sized data (per-pixel BCE ~0.07, MSE ~0.005): 1e-4 zeroes most ReLU code units there
  /// while the reconstruction stays within a few percent (docs/variants.md).
  double lambda = 1e-4;

  void validate() const {
    detail::require(std::isfinite(lambda) && lambda >= 0, "SparseL1: lambda must be finite and >= 0, got ", lambda);
  }
  std::string describe() const {
    return detail::message(name, "(lambda=", detail::describe_number(lambda), ",layer=", detail::describe_layer(Layer),
                           ")");
  }

  template <std::size_t I, class Model>
  typename Model::Scalar activation_gradient(Model& model, Index n) {
    using Scalar = typename Model::Scalar;
    constexpr std::size_t target = detail::target_layer<Layer, Model>;
    static_assert(detail::PenaltyTargetsHiddenLayer<target, Model::depth>::value);
    if constexpr (I != target) {
      return 0;
    } else {
      const auto a = model.network().template activation<I>(n);
      auto g = model.network().template gradient<I>(n);
      const Scalar scale = static_cast<Scalar>(lambda) / static_cast<Scalar>(n);
      g.array() += scale * a.array().sign();
      return scale * a.cwiseAbs().sum();
    }
  }
};

}  // namespace hourglass
