// Synthetic data for the variants' behaviour tests: points near a low-dimensional curved
// manifold in (0,1)^d, generated from a seed.
#pragma once

#include "helpers.hpp"

namespace test {

/// n samples x = sigmoid(A t + c) with t ~ U(-1.5, 1.5)^k, A ~ N(0,1)^(d x k), c ~ U(-0.5, 0.5).
inline Eigen::MatrixXf manifold(Eigen::Index d, Eigen::Index k, Eigen::Index n, std::uint64_t seed) {
  const Eigen::MatrixXd a = test::normal(d, k, seed);
  const Eigen::VectorXd c = test::uniform(d, 1, seed + 1, -0.5, 0.5);
  const Eigen::MatrixXd t = test::uniform(k, n, seed + 2, -1.5, 1.5);
  Eigen::MatrixXd z = a * t;
  z.colwise() += c;
  return (1.0 / (1.0 + (-z.array()).exp())).matrix().cast<float>();
}

/// Mean over the columns of the Frobenius norm of the Jacobian of f at each column of x, by
/// central differences (independent of the library's closed forms).
template <class F>
double mean_jacobian_norm(F&& f, const Eigen::MatrixXf& x, float h = 1e-2f) {
  Eigen::VectorXd squared = Eigen::VectorXd::Zero(x.cols());
  for (Eigen::Index i = 0; i < x.rows(); ++i) {
    Eigen::MatrixXf plus = x, minus = x;
    plus.row(i).array() += h;
    minus.row(i).array() -= h;
    const Eigen::MatrixXd column = ((f(plus) - f(minus)) / (2 * h)).template cast<double>();
    squared += column.colwise().squaredNorm().transpose();
  }
  return squared.array().sqrt().mean();
}

}  // namespace test
