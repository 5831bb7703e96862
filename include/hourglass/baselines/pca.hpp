// hourglass/baselines/pca.hpp — PCA<Scalar>: the linear baseline every autoencoder is measured against.
//
// Samples are columns, as everywhere in the library: X is d x n. fit() centres the data and
// solves the d x d covariance the fast way:
//   mean      one pass over X, accumulated in double
//   C         sum_j (x_j - mean)(x_j - mean)^T, one symmetric rank update (a GEMM) per chunk of
//             columns, so memory stays bounded (d x chunk) and float data never need a full copy;
//             accumulated in double by default (PCAOptions::accumulate_in_double)
//   eig       Eigen's SelfAdjointEigenSolver on C / (n - 1)
// Components are the eigenvectors of the k largest eigenvalues, sorted by decreasing variance,
// each sign-normalised so that its entry of largest magnitude is positive (first one on ties),
// which makes results stable across runs, platforms and solvers.
//
// Conventions (as scikit-learn's PCA): explained_variance() uses the unbiased (n - 1) covariance;
// explained_variance_ratio() divides by the total variance (the trace of that covariance).
// Reconstruction errors use the autoencoder's metrics (objectives/metrics.hpp): the mean over
// elements of the squared error, and Hinton's per-sample sum of squared errors.
//
//   hourglass::PCA<float> pca(30);
//   pca.fit(train);                        // train: 784 x 60000, one image per column
//   Eigen::MatrixXf codes = pca.transform(test);            // 30 x n
//   Eigen::MatrixXf back  = pca.inverse_transform(codes);   // 784 x n
//   double sse = pca.sum_squared_error_per_sample(test);    // 13.87 for MNIST, k = 30
//
// Saving: a fitted PCA is fully described by components(), mean(), explained_variance(),
// total_variance() and samples_seen(); from_parameters() rebuilds one from them (checked).
#pragma once

#include "../core/config.hpp"

#include <Eigen/Eigenvalues>

#include <algorithm>
#include <cmath>
#include <stdexcept>
#include <type_traits>

namespace hourglass {

struct PCAOptions {
  /// Accumulate the mean and the covariance in double (recommended for float data: the MNIST
  /// figures then match to 1e-5 relative). false: accumulate in the Scalar type (faster GEMM).
  bool accumulate_in_double = true;
  /// Columns per rank update; bounds the extra memory to d x chunk values.
  Index chunk = 4096;
};

template <class Scalar_>
class PCA {
 public:
  using Scalar = Scalar_;
  static_assert(std::is_floating_point_v<Scalar>, "PCA<Scalar>: Scalar must be float or double");

  /// An unfitted PCA; give k to fit(X, k).
  PCA() = default;
  /// An unfitted PCA that keeps k components when fit(X) is called.
  explicit PCA(Index k, PCAOptions options = {}) : k_(k), options_(options) {
    check_k(k);
    check_options(options);
  }

  // ---- fitting ---------------------------------------------------------------------------
  /// Fits k components to X (d x n, one sample per column, n >= 2, finite, 1 <= k <= d).
  template <class D>
  PCA& fit(const Eigen::MatrixBase<D>& x, Index k) {
    check_k(k);
    k_ = k;
    return fit(x);
  }

  /// Fits with the k given to the constructor.
  template <class D>
  PCA& fit(const Eigen::MatrixBase<D>& x) {
    detail::require(k_ >= 1, "PCA::fit: no number of components given (use PCA(k) or fit(X, k))");
    check_options(options_);
    const Index d = x.rows(), n = x.cols();
    detail::require(d >= 1, "PCA::fit: X has no rows (expected d x n, one sample per column)");
    detail::require(n >= 2, "PCA::fit: need at least 2 samples (columns of X), got ", n);
    detail::require(k_ <= d, "PCA::fit: k = ", k_, " components exceed the dimension d = ", d,
                    " (rows of X; samples are columns)");
    check_finite(x, "PCA::fit");
    PCA fitted(k_, options_);
    if (options_.accumulate_in_double) {
      fitted.template solve<double>(x);
    } else {
      fitted.template solve<Scalar>(x);
    }
    fitted.samples_ = n;
    *this = std::move(fitted);
    return *this;
  }

  // ---- using it --------------------------------------------------------------------------
  /// Codes of X (d x n): components()^T (X - mean), k x n.
  template <class D>
  Matrix<Scalar> transform(const Eigen::MatrixBase<D>& x) const {
    check_input(x, dimension(), "PCA::transform", "d");
    Matrix<Scalar> z(k_, x.cols());
    // Centre first (not W^T x - W^T mean): no cancellation when the data sit far from 0.
    z.noalias() = components_.transpose() * (x.template cast<Scalar>().colwise() - mean_);
    return z;
  }

  /// Reconstructions of codes Z (k x n): components() Z + mean, d x n.
  template <class D>
  Matrix<Scalar> inverse_transform(const Eigen::MatrixBase<D>& z) const {
    check_input(z, k_, "PCA::inverse_transform", "k");
    Matrix<Scalar> x(dimension(), z.cols());
    x.noalias() = components_ * z.template cast<Scalar>();
    x.colwise() += mean_;
    return x;
  }

  /// inverse_transform(transform(X)).
  template <class D>
  Matrix<Scalar> reconstruct(const Eigen::MatrixBase<D>& x) const {
    return inverse_transform(transform(x));
  }

  /// Mean over elements of the squared reconstruction error (the autoencoder's MSE), computed
  /// in chunks, accumulated in double.
  template <class D>
  double mean_squared_error(const Eigen::MatrixBase<D>& x) const {
    check_input(x, dimension(), "PCA::mean_squared_error", "d");
    double sum = 0;
    for (Index start = 0; start < x.cols(); start += options_.chunk) {
      const Index m = std::min(options_.chunk, x.cols() - start);
      const auto block = x.middleCols(start, m);
      const Matrix<Scalar> back = inverse_transform(transform(block));
      sum += (back.template cast<double>() - block.template cast<double>()).squaredNorm();
    }
    return sum / (static_cast<double>(x.rows()) * static_cast<double>(x.cols()));
  }

  /// Hinton's metric: sum of squared errors over each sample's d elements, mean over samples.
  template <class D>
  double sum_squared_error_per_sample(const Eigen::MatrixBase<D>& x) const {
    return mean_squared_error(x) * static_cast<double>(x.rows());
  }

  // ---- the fitted model ------------------------------------------------------------------
  bool fitted() const { return components_.size() > 0; }
  /// k, the number of components kept.
  Index n_components() const { return k_; }
  /// d, the dimension of a sample (0 before fit).
  Index dimension() const { return mean_.size(); }
  /// n, the number of samples fit() saw.
  Index samples_seen() const { return samples_; }
  /// d x k, column i is the i-th principal direction (unit norm, decreasing variance).
  const Matrix<Scalar>& components() const { return require_fitted(components_); }
  /// d, the training mean that is subtracted before projecting.
  const Vector<Scalar>& mean() const { return require_fitted(mean_); }
  /// k, the variance along each component (eigenvalues of the (n - 1)-normalised covariance).
  const Vector<Scalar>& explained_variance() const { return require_fitted(variance_); }
  /// The total variance of the training data (the trace of the covariance).
  double total_variance() const {
    require_fitted(mean_);
    return total_variance_;
  }
  /// k, explained_variance() / total_variance().
  Vector<Scalar> explained_variance_ratio() const {
    require_fitted(variance_);
    if (total_variance_ <= 0) return Vector<Scalar>::Zero(k_);
    return (variance_.template cast<double>() / total_variance_).template cast<Scalar>();
  }
  const PCAOptions& options() const { return options_; }

  /// Rebuilds a fitted PCA from saved parts (what a model file stores); checks they agree.
  static PCA from_parameters(Matrix<Scalar> components, Vector<Scalar> mean, Vector<Scalar> explained_variance,
                             double total_variance, Index samples_seen, PCAOptions options = {}) {
    const Index d = components.rows(), k = components.cols();
    detail::require(k >= 1 && d >= k, "PCA::from_parameters: components must be d x k with 1 <= k <= d, got ",
                    detail::shape(d, k));
    detail::require(mean.size() == d, "PCA::from_parameters: mean has ", mean.size(), " entries, components have ",
                    d, " rows");
    detail::require(explained_variance.size() == k, "PCA::from_parameters: explained_variance has ",
                    explained_variance.size(), " entries, components have ", k, " columns");
    detail::require(components.allFinite() && mean.allFinite() && explained_variance.allFinite() &&
                        std::isfinite(total_variance) && total_variance >= 0,
                    "PCA::from_parameters: parameters contain NaN, Inf or a negative total variance");
    detail::require(samples_seen >= 2, "PCA::from_parameters: samples_seen must be >= 2, got ", samples_seen);
    PCA pca(k, options);
    pca.components_ = std::move(components);
    pca.mean_ = std::move(mean);
    pca.variance_ = std::move(explained_variance);
    pca.total_variance_ = total_variance;
    pca.samples_ = samples_seen;
    return pca;
  }

 private:
  static void check_k(Index k) {
    detail::require(k >= 1, "PCA: k (the number of components) must be >= 1, got ", k);
  }
  static void check_options(const PCAOptions& options) {
    detail::require(options.chunk >= 1, "PCA: options.chunk must be >= 1, got ", options.chunk);
  }

  template <class D>
  static void check_finite(const Eigen::MatrixBase<D>& x, const char* where) {
    if (x.allFinite()) return;
    for (Index j = 0; j < x.cols(); ++j) {
      if (!x.col(j).allFinite()) {
        Index i = 0;
        while (i < x.rows() && std::isfinite(static_cast<double>(x(i, j)))) ++i;
        throw std::invalid_argument(detail::message(where, ": sample ", j, " (column ", j, ") contains NaN or Inf (row ",
                                                    i, ")"));
      }
    }
  }

  template <class D>
  void check_input(const Eigen::MatrixBase<D>& x, Index rows, const char* where, const char* name) const {
    if (!fitted()) throw std::logic_error(detail::message(where, ": the PCA is not fitted (call fit first)"));
    detail::require(x.rows() == rows && x.cols() >= 1, where, ": expected ", name, " x n with ", name, " = ", rows,
                    " rows (one sample per column, n >= 1), got ", detail::shape(x.rows(), x.cols()));
  }

  template <class T>
  const T& require_fitted(const T& value) const {
    if (!fitted()) throw std::logic_error("PCA: not fitted (call fit first)");
    return value;
  }

  /// Mean, covariance and eigen-decomposition with accumulator type A.
  template <class A, class D>
  void solve(const Eigen::MatrixBase<D>& x) {
    const Index d = x.rows(), n = x.cols();
    const Index chunk = std::min(options_.chunk, n);
    Vector<double> mean = Vector<double>::Zero(d);
    for (Index start = 0; start < n; start += chunk) {
      const Index m = std::min(chunk, n - start);
      mean += x.middleCols(start, m).template cast<double>().rowwise().sum();
    }
    mean /= static_cast<double>(n);
    const Vector<A> mean_a = mean.template cast<A>();

    Matrix<A> covariance = Matrix<A>::Zero(d, d);
    Matrix<A> block(d, chunk);
    for (Index start = 0; start < n; start += chunk) {
      const Index m = std::min(chunk, n - start);
      block.leftCols(m) = x.middleCols(start, m).template cast<A>().colwise() - mean_a;
      covariance.template selfadjointView<Eigen::Lower>().rankUpdate(block.leftCols(m));
    }
    covariance.template triangularView<Eigen::StrictlyUpper>() = covariance.transpose();
    covariance /= static_cast<A>(n - 1);
    // Finite data can still overflow (|x| ~ 1e154 in double, ~1e19 in float accumulation).
    detail::require(mean.allFinite() && covariance.allFinite(), "PCA::fit: the mean or covariance of X overflows ",
                    std::is_same_v<A, float> ? "float" : "double", " (values too large: rescale the data)");

    Eigen::SelfAdjointEigenSolver<Matrix<A>> eig(covariance);
    if (eig.info() != Eigen::Success) throw std::runtime_error("PCA::fit: the eigen-solver did not converge");
    // Eigen sorts eigenvalues ascending: take the last k, reversed.
    Matrix<A> components(d, k_);
    Vector<A> variance(k_);
    for (Index i = 0; i < k_; ++i) {
      const Index src = d - 1 - i;
      components.col(i) = eig.eigenvectors().col(src);
      variance(i) = std::max(eig.eigenvalues()(src), A(0));  // clamp round-off below zero
      Index largest;
      components.col(i).cwiseAbs().maxCoeff(&largest);
      if (components(largest, i) < 0) components.col(i) = -components.col(i);
    }
    total_variance_ = static_cast<double>(covariance.trace());
    components_ = components.template cast<Scalar>();
    variance_ = variance.template cast<Scalar>();
    mean_ = mean.template cast<Scalar>();
  }

  Index k_ = 0;
  PCAOptions options_;
  Matrix<Scalar> components_;
  Vector<Scalar> mean_;
  Vector<Scalar> variance_;
  double total_variance_ = 0;
  Index samples_ = 0;
};

}  // namespace hourglass
