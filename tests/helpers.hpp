// Small helpers shared by the tests: seeded data, the tiny models the checks use.
#pragma once

#include <hourglass/hourglass.hpp>

#include <cstdint>
#include <cstring>
#include <type_traits>

namespace test {

namespace hg = hourglass;

/// Uniform data in [lo, hi) from a seeded engine (same numbers on every platform).
inline Eigen::MatrixXd uniform(Eigen::Index rows, Eigen::Index cols, std::uint64_t seed, double lo = 0.0,
                               double hi = 1.0) {
  hg::Random rng(seed);
  Eigen::MatrixXd m(rows, cols);
  for (Eigen::Index j = 0; j < cols; ++j)
    for (Eigen::Index i = 0; i < rows; ++i) m(i, j) = rng.uniform(lo, hi);
  return m;
}

inline Eigen::MatrixXd normal(Eigen::Index rows, Eigen::Index cols, std::uint64_t seed) {
  hg::Random rng(seed);
  Eigen::MatrixXd m(rows, cols);
  for (Eigen::Index j = 0; j < cols; ++j)
    for (Eigen::Index i = 0; i < rows; ++i) m(i, j) = rng.normal();
  return m;
}

/// A few quiet epochs of fit on seeded uniform data (input_size x samples), batches of 8.
template <class Model, class Optimizer>
void train_briefly(Model& model, Optimizer& optimizer, int epochs, Eigen::Index samples, std::uint64_t seed) {
  using S = typename Model::Scalar;
  const Eigen::Matrix<S, Eigen::Dynamic, Eigen::Dynamic> x = uniform(Model::input_size, samples, seed).template cast<S>();
  hg::FitOptions o;
  o.epochs = epochs;
  o.batch_size = 8;
  o.progress = hg::Progress::never;
  hg::fit(model, optimizer, x, o);
}

/// The largest relative error between a loss's analytic gradient (with respect to the output, or
/// to the logits when Logits) and central differences, at a 3 x 4 point against target y.
/// Returns it, and the analytic gradient in `g` (3 x 4) for further checks.
template <class Loss, bool Logits>
double loss_gradient_error(const Eigen::MatrixXd& y, Eigen::MatrixXd& g) {
  const Eigen::MatrixXd z0 = uniform(3, 4, 22, -2.0, 2.0);
  auto as_matrix = [](const Eigen::VectorXd& v) { return Eigen::Map<const Eigen::MatrixXd>(v.data(), 3, 4); };
  auto objective = [&](const Eigen::VectorXd& v) {
    if constexpr (Logits) {
      return Loss::value_from_logits(as_matrix(v), y);
    } else {
      return Loss::value(as_matrix(v), y);
    }
  };
  Eigen::VectorXd point(12);
  g.resize(3, 4);
  const Eigen::MatrixXd a = (1.0 / (1.0 + (-z0.array()).exp())).matrix();  // in (0, 1)
  if constexpr (Logits) {
    Eigen::Map<Eigen::MatrixXd>(point.data(), 3, 4) = z0;
    Loss::value_and_logit_gradient(z0, a, y, g);
  } else {
    Eigen::Map<Eigen::MatrixXd>(point.data(), 3, 4) = a;
    Loss::value_and_gradient(a, y, g);
  }
  const Eigen::VectorXd analytic = Eigen::Map<const Eigen::VectorXd>(g.data(), 12);
  return hg::check_gradient(objective, point, analytic, 1e-6).max_relative_error;
}

/// Whether two Eigen matrices or vectors hold the same shape and the same bits (NaN included).
template <class A, class B>
bool bit_equal(const A& a, const B& b) {
  static_assert(std::is_same_v<typename A::Scalar, typename B::Scalar>);
  return a.rows() == b.rows() && a.cols() == b.cols() &&
         (a.size() == 0 ||
          std::memcmp(a.data(), b.data(), static_cast<std::size_t>(a.size()) * sizeof(typename A::Scalar)) == 0);
}

}  // namespace test
