// hourglass/objectives/penalties/contractive_layerwise.hpp — the contractive penalty, per layer.
//
// For one Dense layer A = f(Z), Z = W X + b, the Jacobian of A with respect to its input X is
// diag(f'(z)) W, so its squared Frobenius norm per sample is Rifai's closed form
//   C(x) = sum_j f'(z_j)^2 s_j,     s_j = sum_i W_ji^2.
// What is penalised:
//   P = lambda * sum_{encoder layers l} (1/n) sum_k C_l(x_k)        mean over the batch
// For a one-layer encoder this is exactly lambda * ||J_f(x)||_F^2 (and Contractive uses it).
// For a deeper encoder it is the sum over encoder layers of each layer's own Jacobian norm
// ||dA_l / dA_{l-1}||_F^2 — NOT the norm of the whole encoder's Jacobian (Contractive computes
// that, at about 3 * code_size forward passes' cost); it only bounds it, through
// ||J_f||_F <= prod_l ||J_l||_F. Cheap: one pass over each encoder layer's activations.
//
// Gradient (d = f'(A), f'' as a function of A; both from the activation policy):
//   dP/dZ_jk = lambda * (2/n) d_jk f''_jk s_j       through Z: added to G in the pre-activation
//                                                   hook, so it reaches W_l, b_l and earlier layers
//   dP/dW_ji += lambda * (2/n) (sum_k d_jk^2) W_ji  the direct term, in the parameter hook
// For ReLU f'' = 0 and f' is 0/1: only the direct term remains. docs/variants.md derives it.
#pragma once

#include "../../core/config.hpp"
#include "../../core/layer.hpp"
#include "../../core/static_for.hpp"
#include "../describe.hpp"

#include <cmath>
#include <string>
#include <string_view>

namespace hourglass {

namespace detail {
/// The contractive penalties compute Jacobians of Dense layers (diag(f'(z)) W): every encoder
/// layer must be a Dense layer (vector in, vector out, a "weight" matrix). The note names the
/// first one that is not.
template <std::size_t Layer, bool IsDense>
struct ContractiveEncoderLayerIsDense {
  static_assert(IsDense, "the contractive penalties need an encoder of Dense layers "
                         "(ContractiveEncoderLayerIsDense<encoder layer, false>)");
  static constexpr bool value = true;
};
template <class Model>
constexpr bool contractive_encoder_is_dense() {
  bool ok = true;
  static_for<Model::encoder_depth>([&](auto i) {
    using L = typename Model::template layer_type<decltype(i)::value>;
    constexpr bool dense = requires { L::in; L::out; } && L::input_shape::rank == 1 && !is_tied_layer<L>;
    ok = ok && ContractiveEncoderLayerIsDense<decltype(i)::value, dense>::value;
  });
  return ok;
}
}  // namespace detail

struct ContractiveLayerwise {
  static constexpr std::string_view name = "contractive_layerwise";

  /// >= 0. Scaled for the library's mean-over-elements losses: Rifai's lambda (for a loss summed
  /// over the input's d elements) divided by d is the equivalent. The default, 1e-4, is the MNIST
  /// example's (a larger one dominates the per-pixel loss there).
  double lambda = 1e-4;

  void validate() const {
    detail::require(std::isfinite(lambda) && lambda >= 0, "ContractiveLayerwise: lambda must be finite and >= 0, got ", lambda);
  }
  std::string describe() const {
    return detail::message(name, "(lambda=", detail::describe_number(lambda), ")");
  }

  template <std::size_t I, class Model>
  typename Model::Scalar preactivation_gradient(Model& model, Index n) {
    using Scalar = typename Model::Scalar;
    static_assert(detail::contractive_encoder_is_dense<Model>());
    if constexpr (I > Model::code_layer_index) {
      return 0;
    } else {
      using Act = typename Model::template layer_type<I>::activation;
      auto& net = model.network();
      const auto a = net.template activation<I>(n).array();
      const Vector<Scalar> s = net.template weights<I>().rowwise().squaredNorm();
      const Scalar scale = Scalar(2) * static_cast<Scalar>(lambda) / static_cast<Scalar>(n);
      net.template gradient<I>(n).array() +=
          (scale * Act::derivative(a) * Act::second_derivative(a)).colwise() * s.array();
      return 0;  // the value is returned once, by parameter_gradient
    }
  }

  template <std::size_t I, class Model>
  typename Model::Scalar parameter_gradient(Model& model, Index n) {
    using Scalar = typename Model::Scalar;
    if constexpr (I > Model::code_layer_index) {
      return 0;
    } else {
      using Act = typename Model::template layer_type<I>::activation;
      auto& net = model.network();
      const auto a = net.template activation<I>(n).array();
      const auto w = net.template weights<I>();
      const Vector<Scalar> d2 = Act::derivative(a).square().rowwise().sum().matrix();  // sum_k f'(z_jk)^2
      const Scalar scale = static_cast<Scalar>(lambda) / static_cast<Scalar>(n);
      net.template weight_gradient<I>() += (Scalar(2) * scale) * (d2.asDiagonal() * w);
      return scale * d2.dot(w.rowwise().squaredNorm());
    }
  }
};

}  // namespace hourglass
