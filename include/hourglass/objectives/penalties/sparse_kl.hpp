// hourglass/objectives/penalties/sparse_kl.hpp — Ng's KL sparsity on a layer's mean activations.
//
//   rho_hat_j = (1/n) sum_k A_jk                  the mean activation of unit j over the batch,
//                                                 clamped into [eps, 1 - eps]
//   P = beta * sum_j KL(rho || rho_hat_j),  KL(r || q) = r log(r/q) + (1-r) log((1-r)/(1-q))
//   dP/dA_jk = beta * (-rho/rho_hat_j + (1-rho)/(1-rho_hat_j)) / n
//
// In a distributed fit rho_hat is the global batch's (Model::reduce_batch_sums); the gradient keeps
// 1/n of this process's batch, which fit rescales by n / N_global like the loss's.
//
// The layer's activation must lie in (0,1) (sigmoid): a compile-time error otherwise. With
// rho_hat clamped, a saturated unit gives a large but finite value and a gradient that still
// pushes it back (the formula is evaluated at the clamped rho_hat). docs/variants.md.
#pragma once

#include "../../core/config.hpp"
#include "target_layer.hpp"

#include <cmath>
#include <span>
#include <string>
#include <string_view>

namespace hourglass {

/// KL(Bernoulli(rho) || Bernoulli(q)), and its derivative in q (Ng, CS294A notes, "Sparse
/// autoencoder", section 3). Not the Gaussian KL of a variational autoencoder.
inline double bernoulli_kl_divergence(double rho, double q) {
  return rho * std::log(rho / q) + (1 - rho) * std::log((1 - rho) / (1 - q));
}
inline double bernoulli_kl_divergence_derivative(double rho, double q) { return -rho / q + (1 - rho) / (1 - q); }

template <std::size_t Layer = code_layer>
struct SparseKL {
  static constexpr std::string_view name = "sparse_kl";
  static constexpr std::size_t layer_index = Layer;  ///< the layer it acts on (code_layer: the code)

  double rho = 0.05;     ///< target mean activation, in (0, 1)
  /// Weight of the penalty (>= 0). Ng's notes use 3 with a loss summed over pixels; under the
  /// library's mean-over-elements losses (784 pixels: 784x smaller) 0.01 is the MNIST default.
  double beta = 0.01;
  double epsilon = 1e-6; ///< rho_hat is clamped into [epsilon, 1 - epsilon]; in (0, 0.5)

  void validate() const {
    detail::require(std::isfinite(rho) && rho > 0 && rho < 1, "SparseKL: rho must be in (0, 1), got ", rho);
    detail::require(std::isfinite(beta) && beta >= 0, "SparseKL: beta must be finite and >= 0, got ", beta);
    detail::require(epsilon > 0 && epsilon < 0.5, "SparseKL: epsilon must be in (0, 0.5), got ", epsilon);
  }
  std::string describe() const {
    return detail::message(name, "(rho=", detail::describe_number(rho), ",beta=", detail::describe_number(beta),
                           ",layer=", detail::describe_layer(Layer), ")");
  }

  template <std::size_t I, class Model>
  typename Model::Scalar activation_gradient(Model& model, Index n) {
    using Scalar = typename Model::Scalar;
    constexpr std::size_t target = detail::target_layer<Layer, Model>;
    static_assert(detail::PenaltyTargetsHiddenLayer<target, Model::depth>::value);
    using Act = typename Model::template layer_type<(target < Model::depth ? target : 0)>::activation;
    static_assert(Act::output_in_unit_interval,
                  "SparseKL needs a layer whose activations lie in (0,1) (e.g. Sigmoid); "
                  "use SparseL1 for other activations");
    if constexpr (I != target) {
      return 0;
    } else {
      const auto a = model.network().template activation<I>(n);
      auto g = model.network().template gradient<I>(n);
      const Scalar r = static_cast<Scalar>(rho);
      const Scalar eps = static_cast<Scalar>(epsilon);
      // The batch's mean activation: in a distributed fit, of the global batch (the per-process
      // sums summed over processes; training/fit.hpp), so every process penalises the same rho_hat.
      Eigen::Array<Scalar, Eigen::Dynamic, 1> q = a.rowwise().sum().array();
      Index count = n;
      if constexpr (requires { model.reduce_batch_sums(std::span<Scalar>(), n); })
        count = model.reduce_batch_sums(std::span<Scalar>(q.data(), static_cast<std::size_t>(q.size())), n);
      q = (q / static_cast<Scalar>(count)).max(eps).min(Scalar(1) - eps);
      const Eigen::Array<Scalar, Eigen::Dynamic, 1> d =
          static_cast<Scalar>(beta) / static_cast<Scalar>(n) * (-r / q + (Scalar(1) - r) / (Scalar(1) - q));
      g.colwise() += d.matrix();
      return static_cast<Scalar>(beta) *
             (r * (r / q).log() + (Scalar(1) - r) * ((Scalar(1) - r) / (Scalar(1) - q)).log()).sum();
    }
  }
};

}  // namespace hourglass
