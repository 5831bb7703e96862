// hourglass/objectives/penalties/contractive.hpp — the contractive penalty (Rifai et al. 2011)
// on the Jacobian of the whole encoder, with its exact gradient.
//
//   P = lambda * (1/n) sum_k ||J_f(x_k)||_F^2,     J_f = D_L W_L ... D_1 W_1 D_0 W_0
//
// where encoder layer l computes A_l = f_l(Z_l), Z_l = W_l A_{l-1} + b_l, and D_l = diag(f_l'(z_l)).
//
// One-layer encoder: Rifai's closed form  ||J||^2 = sum_j f'(z_j)^2 sum_i W_ji^2  (this is
// ContractiveLayerwise's computation, one cheap pass).
//
// Deeper encoders, reverse mode over the c = code_size rows of J, all samples and rows at once
// (matrices of c*n columns, block j = row j of every sample's Jacobian, so each step is a GEMM):
//   V_L = D_L restricted to row j in block j;   U_{l-1} = W_l^T V_l;   V_{l-1} = U_{l-1} .* D_{l-1};
//   R = W_0^T V_0   (d x cn: every sample's J^T),   P = lambda/n ||R||_F^2.
// Its gradient runs the same chain backwards (R' = 2 lambda/n R):
//   dW_0 += V_0 R'^T,  V'_0 = W_0 R'
//   for l = 1..L:  D'_{l-1} = sum_j (V'_{l-1} .* U_{l-1})_block j,  U' = V'_{l-1} .* D_{l-1},
//                  dW_l += V_l U'^T,  V'_l = W_l U'
//   D'_L[j, k] = V'_L[j, block j, sample k]
// and each D'_l reaches Z_l as dP/dZ_l = D'_l .* f_l''(z_l), added in the pre-activation hook, so
// ordinary backprop carries it into W_l, b_l and every earlier layer. Cost per batch: about
// 3 c times the encoder's forward GEMMs — use ContractiveLayerwise for wide codes when that is
// too slow. docs/variants.md derives it.
#pragma once

#include "../../core/config.hpp"
#include "../../core/static_for.hpp"
#include "../describe.hpp"
#include "contractive_layerwise.hpp"

#include <cmath>
#include <string>
#include <string_view>
#include <type_traits>
#include <vector>

namespace hourglass {

namespace detail {
template <class Scalar>
struct ContractiveWorkspace {
  std::vector<Matrix<Scalar>> d, v, u, dz, dw;  // per encoder layer
  Matrix<Scalar> r, v_grad, u_grad;
};
struct ContractiveScratch {
  ContractiveWorkspace<float> single;
  ContractiveWorkspace<double> double_precision;
  double value = 0;
};
}  // namespace detail

struct Contractive {
  static constexpr std::string_view name = "contractive";

  /// >= 0. Scaled for the library's mean-over-elements losses: Rifai's lambda (for a loss summed
  /// over the input's d elements) divided by d is the equivalent. The default, 1e-4, is the MNIST
  /// example's (a larger one dominates the per-pixel loss there).
  double lambda = 1e-4;
  /// Workspaces reused from batch to batch (not a hyperparameter; public only so that
  /// Contractive stays an aggregate: Contractive{.lambda = 0.01}).
  detail::ContractiveScratch scratch = {};

  void validate() const {
    detail::require(std::isfinite(lambda) && lambda >= 0, "Contractive: lambda must be finite and >= 0, got ", lambda);
  }
  std::string describe() const { return detail::message(name, "(lambda=", detail::describe_number(lambda), ")"); }

  template <std::size_t I, class Model>
  typename Model::Scalar preactivation_gradient(Model& model, Index n) {
    static_assert(detail::contractive_encoder_is_dense<Model>());
    if constexpr (Model::code_layer_index == 0) {
      return ContractiveLayerwise{lambda}.template preactivation_gradient<I>(model, n);
    } else if constexpr (I > Model::code_layer_index) {
      return 0;
    } else {
      auto& ws = workspace<typename Model::Scalar>();
      if constexpr (I == Model::code_layer_index) scratch.value = static_cast<double>(compute<Model>(model, n, ws));
      model.network().template gradient<I>(n) += ws.dz[I];
      return 0;
    }
  }

  template <std::size_t I, class Model>
  typename Model::Scalar parameter_gradient(Model& model, Index n) {
    using Scalar = typename Model::Scalar;
    if constexpr (Model::code_layer_index == 0) {
      return ContractiveLayerwise{lambda}.template parameter_gradient<I>(model, n);
    } else if constexpr (I > Model::code_layer_index) {
      return 0;
    } else {
      model.network().template weight_gradient<I>() += workspace<Scalar>().dw[I];
      return I == Model::code_layer_index ? static_cast<Scalar>(scratch.value) : Scalar(0);
    }
  }

 private:
  template <class Scalar>
  using Workspace = detail::ContractiveWorkspace<Scalar>;
  template <class Scalar>
  Workspace<Scalar>& workspace() {
    if constexpr (std::is_same_v<Scalar, float>) {
      return scratch.single;
    } else {
      return scratch.double_precision;
    }
  }

  /// Fills ws.dz (dP/dZ_l) and ws.dw (the direct dP/dW_l) for every encoder layer; returns P.
  template <class Model, class Scalar>
  Scalar compute(Model& model, Index n, Workspace<Scalar>& ws) {
    constexpr std::size_t top = Model::code_layer_index;
    constexpr std::size_t layers = top + 1;
    constexpr Index c = Model::code_size;
    auto& net = model.network();
    ws.d.resize(layers);
    ws.v.resize(layers);
    ws.u.resize(layers);
    ws.dz.resize(layers);
    ws.dw.resize(layers);
    Matrix<Scalar> second[layers];
    detail::static_for<layers>([&](auto i) {
      constexpr std::size_t l = decltype(i)::value;
      using Act = typename Model::template layer_type<l>::activation;
      const auto a = net.template activation<l>(n).array();
      ws.d[l] = Act::derivative(a).matrix();
      second[l] = Act::second_derivative(a).matrix();
    });
    // Forward through the reverse-mode chain: V_top, then V_{l-1} = (W_l^T V_l) .* D_{l-1}.
    ws.v[top].setZero(c, c * n);
    for (Index j = 0; j < c; ++j) ws.v[top].block(j, j * n, 1, n) = ws.d[top].row(j);
    detail::static_for_reverse<top>([&](auto i) {
      constexpr std::size_t l = decltype(i)::value + 1;
      ws.u[l - 1].noalias() = net.template weights<l>().transpose() * ws.v[l];
      ws.v[l - 1] = ws.u[l - 1];
      for (Index j = 0; j < c; ++j) ws.v[l - 1].middleCols(j * n, n).array() *= ws.d[l - 1].array();
    });
    ws.r.noalias() = net.template weights<0>().transpose() * ws.v[0];
    const Scalar scale = static_cast<Scalar>(lambda) / static_cast<Scalar>(n);
    const Scalar value = scale * ws.r.squaredNorm();

    // Backwards through the same chain.
    ws.r *= Scalar(2) * scale;  // R'
    ws.dw[0].noalias() = ws.v[0] * ws.r.transpose();
    ws.v_grad.noalias() = net.template weights<0>() * ws.r;  // V'_0
    detail::static_for<top>([&](auto i) {
      constexpr std::size_t l = decltype(i)::value + 1;
      Matrix<Scalar>& d_grad = ws.dz[l - 1];
      d_grad.setZero(ws.d[l - 1].rows(), n);
      ws.u_grad = ws.v_grad;
      for (Index j = 0; j < c; ++j) {
        d_grad.array() += ws.v_grad.middleCols(j * n, n).array() * ws.u[l - 1].middleCols(j * n, n).array();
        ws.u_grad.middleCols(j * n, n).array() *= ws.d[l - 1].array();
      }
      ws.dw[l].noalias() = ws.v[l] * ws.u_grad.transpose();
      ws.v_grad.noalias() = net.template weights<l>() * ws.u_grad;  // V'_l
    });
    ws.dz[top].resize(c, n);
    for (Index j = 0; j < c; ++j) ws.dz[top].row(j) = ws.v_grad.block(j, j * n, 1, n);
    for (std::size_t l = 0; l < layers; ++l) ws.dz[l].array() *= second[l].array();
    return value;
  }
};

}  // namespace hourglass
