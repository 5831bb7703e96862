// hourglass/core/activations.hpp — element-wise activations as stateless policies.
//
// Each activation maps an Eigen array expression of pre-activations z to an expression of
// outputs a = f(z), and gives f'(z) and f''(z) *as functions of the output a*. Layers store only
// a (never z), so the backward pass and the contractive penalty need nothing else.
// The derivations are in docs/backprop.md.
#pragma once

#include <Eigen/Core>

#include <concepts>
#include <limits>
#include <string_view>

namespace hourglass {

/// How a layer's weights are initialised (chosen by its activation).
enum class InitScheme {
  glorot_uniform,  ///< U(-sqrt(6/(in+out)), +sqrt(6/(in+out))): sigmoid, tanh, identity.
  he_uniform,      ///< U(-sqrt(6/in), +sqrt(6/in)): the ReLU family.
};

/// The closure of the values an activation can output, [lo, hi] (infinite ends for unbounded
/// sides). A scaler (model/scaler.hpp) is refused when its outputs leave it: standardised targets
/// under a sigmoid output are out of reach.
struct OutputRange {
  double lo, hi;
  constexpr bool contains(double a, double b) const { return lo <= a && b <= hi; }
};

/// What a layer needs from an activation. `A` stands for any Eigen array expression.
/// Optional: `static constexpr OutputRange output_range` (taken as unbounded when absent).
template <class F>
concept Activation = requires(const Eigen::ArrayXXd& a) {
  { F::name } -> std::convertible_to<std::string_view>;
  { F::init } -> std::convertible_to<InitScheme>;
  { F::output_in_unit_interval } -> std::convertible_to<bool>;
  F::apply(a);
  F::derivative(a);
  F::second_derivative(a);
};

/// f(z) = z.
struct Identity {
  static constexpr std::string_view name = "identity";
  static constexpr InitScheme init = InitScheme::glorot_uniform;
  static constexpr bool output_in_unit_interval = false;
  static constexpr OutputRange output_range{-std::numeric_limits<double>::infinity(), std::numeric_limits<double>::infinity()};
  template <class A>
  static auto apply(const A& z) { return z; }
  template <class A>
  static auto derivative(const A& a) { return A::Constant(a.rows(), a.cols(), typename A::Scalar(1)); }
  template <class A>
  static auto second_derivative(const A& a) { return A::Zero(a.rows(), a.cols()); }
};

/// f(z) = max(z, 0). f'(0) is taken as 0 (PyTorch's convention).
struct ReLU {
  static constexpr std::string_view name = "relu";
  static constexpr InitScheme init = InitScheme::he_uniform;
  static constexpr bool output_in_unit_interval = false;
  static constexpr OutputRange output_range{0, std::numeric_limits<double>::infinity()};
  template <class A>
  static auto apply(const A& z) { return z.max(typename A::Scalar(0)); }
  template <class A>
  static auto derivative(const A& a) {
    // select between constants vectorises; casting the comparison to Scalar does not (6x slower).
    using S = typename A::Scalar;
    return (a > S(0)).select(A::Constant(a.rows(), a.cols(), S(1)), A::Zero(a.rows(), a.cols()));
  }
  template <class A>
  static auto second_derivative(const A& a) { return A::Zero(a.rows(), a.cols()); }
};

/// f(z) = z for z > 0, 0.01 z otherwise (PyTorch's default slope).
struct LeakyReLU {
  static constexpr std::string_view name = "leaky_relu";
  static constexpr InitScheme init = InitScheme::he_uniform;
  static constexpr bool output_in_unit_interval = false;
  static constexpr OutputRange output_range{-std::numeric_limits<double>::infinity(), std::numeric_limits<double>::infinity()};
  static constexpr double slope = 0.01;
  template <class A>
  static auto apply(const A& z) {
    using S = typename A::Scalar;
    return (z > S(0)).select(z, S(slope) * z);
  }
  template <class A>
  static auto derivative(const A& a) {
    using S = typename A::Scalar;
    return (a > S(0)).select(A::Constant(a.rows(), a.cols(), S(1)), A::Constant(a.rows(), a.cols(), S(slope)));
  }
  template <class A>
  static auto second_derivative(const A& a) { return A::Zero(a.rows(), a.cols()); }
};

/// f(z) = z for z > 0, exp(z) - 1 otherwise (alpha = 1). f' = a + 1 where a <= 0.
struct ELU {
  static constexpr std::string_view name = "elu";
  static constexpr InitScheme init = InitScheme::he_uniform;
  static constexpr bool output_in_unit_interval = false;
  static constexpr OutputRange output_range{-1, std::numeric_limits<double>::infinity()};
  template <class A>
  static auto apply(const A& z) {
    using S = typename A::Scalar;
    return (z > S(0)).select(z, z.exp() - S(1));
  }
  template <class A>
  static auto derivative(const A& a) {
    using S = typename A::Scalar;
    return (a > S(0)).select(A::Constant(a.rows(), a.cols(), S(1)), a + S(1));
  }
  template <class A>
  static auto second_derivative(const A& a) {
    using S = typename A::Scalar;
    return (a > S(0)).select(A::Zero(a.rows(), a.cols()), a + S(1));
  }
};

/// f(z) = log(1 + exp(z)), computed as max(z,0) + log1p(exp(-|z|)). f' = sigmoid(z) = 1 - exp(-a).
struct Softplus {
  static constexpr std::string_view name = "softplus";
  static constexpr InitScheme init = InitScheme::glorot_uniform;
  static constexpr bool output_in_unit_interval = false;
  static constexpr OutputRange output_range{0, std::numeric_limits<double>::infinity()};
  template <class A>
  static auto apply(const A& z) {
    using S = typename A::Scalar;
    return z.max(S(0)) + (-z.abs()).exp().log1p();
  }
  template <class A>
  static auto derivative(const A& a) {
    using S = typename A::Scalar;
    return S(1) - (-a).exp();
  }
  template <class A>
  static auto second_derivative(const A& a) {
    // sigma(z) (1 - sigma(z)) with sigma(z) = 1 - exp(-a).
    return (-a).exp() * (typename A::Scalar(1) - (-a).exp());
  }
};

/// f(z) = 1 / (1 + exp(-z)). f' = a (1 - a), f'' = a (1 - a)(1 - 2a).
struct Sigmoid {
  static constexpr std::string_view name = "sigmoid";
  static constexpr InitScheme init = InitScheme::glorot_uniform;
  static constexpr bool output_in_unit_interval = true;
  static constexpr OutputRange output_range{0, 1};
  template <class A>
  static auto apply(const A& z) { return z.logistic(); }
  template <class A>
  static auto derivative(const A& a) { return a * (typename A::Scalar(1) - a); }
  template <class A>
  static auto second_derivative(const A& a) {
    using S = typename A::Scalar;
    return a * (S(1) - a) * (S(1) - S(2) * a);
  }
};

/// f(z) = tanh(z). f' = 1 - a^2, f'' = -2 a (1 - a^2).
struct Tanh {
  static constexpr std::string_view name = "tanh";
  static constexpr InitScheme init = InitScheme::glorot_uniform;
  static constexpr bool output_in_unit_interval = false;
  static constexpr OutputRange output_range{-1, 1};
  template <class A>
  static auto apply(const A& z) { return z.tanh(); }
  template <class A>
  static auto derivative(const A& a) { return typename A::Scalar(1) - a.square(); }
  template <class A>
  static auto second_derivative(const A& a) {
    using S = typename A::Scalar;
    return S(-2) * a * (S(1) - a.square());
  }
};

/// F::output_range, or (-inf, inf) for an activation that does not state one.
template <class F>
constexpr OutputRange output_range_of() {
  if constexpr (requires { F::output_range; }) {
    return F::output_range;
  } else {
    return {-std::numeric_limits<double>::infinity(), std::numeric_limits<double>::infinity()};
  }
}

static_assert(Activation<Identity> && Activation<ReLU> && Activation<LeakyReLU> && Activation<ELU> &&
              Activation<Softplus> && Activation<Sigmoid> && Activation<Tanh>);

}  // namespace hourglass
