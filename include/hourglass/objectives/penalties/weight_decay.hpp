// hourglass/objectives/penalties/weight_decay.hpp — coupled L2 weight decay as a penalty.
//
//   P = (lambda / 2) * sum_layers ||W_l||_F^2      weights only (every block named "weight"), never biases
//   dP/dW_l = lambda * W_l
//
// It is part of the objective, so adaptive optimizers (Adam, RMSProp) rescale it like the loss
// gradient — unlike the optimizers' own decoupled `weight_decay` option (AdamW-style), which
// shrinks the weights outside the gradient. A tied layer's weights are counted once (with the
// layer that owns them). Not scaled by the batch size. docs/variants.md.
#pragma once

#include "../../core/config.hpp"
#include "../../core/layer.hpp"
#include "../../core/static_for.hpp"
#include "../describe.hpp"

#include <cmath>
#include <string>
#include <string_view>

namespace hourglass {

struct WeightDecay {
  static constexpr std::string_view name = "l2_weight_decay";

  double lambda = 1e-4;  ///< >= 0

  void validate() const {
    detail::require(std::isfinite(lambda) && lambda >= 0, "WeightDecay: lambda must be finite and >= 0, got ", lambda);
  }
  std::string describe() const { return detail::message(name, "(lambda=", detail::describe_number(lambda), ")"); }

  template <std::size_t I, class Model>
  typename Model::Scalar parameter_gradient(Model& model, Index) {
    using Scalar = typename Model::Scalar;
    using L = typename Model::template layer_type<I>;
    Scalar value = 0;
    // Every block named "weight" that the layer owns (a borrowed one is decayed with its owner).
    detail::static_for<block_count<L>>([&](auto b) {
      constexpr ParameterBlock block = L::parameter_blocks[decltype(b)::value];
      if constexpr (block.name == "weight" && !block.borrowed) {
        const auto w = model.network().template block_values<I, decltype(b)::value>();
        model.network().template block_gradient<I, decltype(b)::value>() += static_cast<Scalar>(lambda) * w;
        value += static_cast<Scalar>(lambda / 2) * w.squaredNorm();
      }
    });
    return value;
  }
};

}  // namespace hourglass
