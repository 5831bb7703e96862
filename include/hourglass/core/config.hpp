// hourglass/core/config.hpp — shared type aliases and the error helpers every layer uses.
#pragma once

#include <Eigen/Core>

#include <cmath>
#include <cstddef>
#include <sstream>
#include <stdexcept>
#include <string>

namespace hourglass {

/// Eigen's signed index type; every size in the library is one of these.
using Index = Eigen::Index;

template <class Scalar>
using Matrix = Eigen::Matrix<Scalar, Eigen::Dynamic, Eigen::Dynamic>;
template <class Scalar>
using Vector = Eigen::Matrix<Scalar, Eigen::Dynamic, 1>;
template <class Scalar>
using MatrixMap = Eigen::Map<Matrix<Scalar>>;
template <class Scalar>
using ConstMatrixMap = Eigen::Map<const Matrix<Scalar>>;
template <class Scalar>
using VectorMap = Eigen::Map<Vector<Scalar>>;
template <class Scalar>
using ConstVectorMap = Eigen::Map<const Vector<Scalar>>;
/// Element-wise views of a stretch of a vector (used by the optimizers' fused updates).
template <class Scalar>
using ArrayMap = Eigen::Map<Eigen::Array<Scalar, Eigen::Dynamic, 1>>;
template <class Scalar>
using ConstArrayMap = Eigen::Map<const Eigen::Array<Scalar, Eigen::Dynamic, 1>>;

namespace detail {

/// Builds a message from any streamable pieces: detail::message("expected ", 3, " rows").
template <class... Parts>
std::string message(const Parts&... parts) {
  std::ostringstream out;
  (out << ... << parts);
  return out.str();
}

/// Throws std::invalid_argument with the concatenated message when `ok` is false.
/// Used for every check of user input, so release builds check too (not only Eigen asserts).
/// The parts are evaluated before the call: in code that runs every training step, pass only
/// numbers and literals (no shape(), no std::string), or test the condition first.
template <class... Parts>
void require(bool ok, const Parts&... parts) {
  if (!ok) throw std::invalid_argument(message(parts...));
}

/// "rows x cols" for error messages.
inline std::string shape(Index rows, Index cols) { return message(rows, " x ", cols); }

/// Checks that two matrices that go together (an output and its target, a loss's gradient
/// buffer) have the same shape with at least one element; the message names both shapes.
/// (Messages are built only on failure: this runs in every training step, which must not allocate.)
template <class A, class B>
void require_same_shape(const char* where, const char* first, const A& a, const char* second, const B& b) {
  if (a.rows() == b.rows() && a.cols() == b.cols() && a.size() > 0) return;
  if (a.rows() == b.rows() && a.cols() == b.cols())
    throw std::invalid_argument(message(where, ": empty batch: ", first, " and ", second, " are ",
                                        shape(a.rows(), a.cols()), " (expected at least one sample and one row)"));
  throw std::invalid_argument(message(where, ": ", first, " is ", shape(a.rows(), a.cols()), " but ", second, " is ",
                                      shape(b.rows(), b.cols()), " (expected the same shape)"));
}

/// Where a matrix (or vector) holds NaN or Inf.
struct NonFinite {
  bool found = false;
  Index row = -1, col = -1;  ///< the first such entry, columns (samples) first
  explicit operator bool() const { return found; }
};

/// THE search for non-finite values: the first NaN or Inf of m in column-major order (for data,
/// the first bad sample), or an empty result. One vectorised pass when everything is finite.
/// (core/finite.hpp answers only whether a large buffer is all finite, split across threads.)
template <class M>
NonFinite first_non_finite(const M& m) {
  if (m.allFinite()) return {};
  for (Index j = 0; j < m.cols(); ++j)
    for (Index i = 0; i < m.rows(); ++i)
      if (!std::isfinite(static_cast<double>(m.coeff(i, j)))) return {true, i, j};
  return {};
}

}  // namespace detail
}  // namespace hourglass
