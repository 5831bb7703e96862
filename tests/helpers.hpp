// Small helpers shared by the tests: seeded data, the tiny models the checks use.
#pragma once

#include <hourglass/hourglass.hpp>

#include <cstdint>

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

}  // namespace test
