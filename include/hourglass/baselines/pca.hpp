// hourglass/baselines/pca.hpp — PCA<Scalar>: the linear baseline every autoencoder is measured against.
//
// Samples are columns, as everywhere in the library: X is d x n. fit() centres the data and
// solves the d x d covariance the fast way (docs/pca.md: the algorithm and its measurements):
//   mean      one pass over X, summed in double; the same pass finds NaN/Inf, the largest |x| and
//             the constant rows (left out of what follows: their covariance is exactly zero)
//   C         sum_j (x_j - mean)(x_j - mean)^T: per chunk of columns, the centred chunk B is
//             copied once and the lower triangle of B B^T computed by a symmetric rank update;
//             for float data the product is a float GEMM whose result is added into a double
//             accumulator (PCAOptions: accumulate_in_double, products_in_double); the columns are
//             split across Eigen::nbThreads() threads, each with its own accumulator
//   eig       the k largest eigenpairs of C / (n - 1): tridiagonalisation, eigenvalues, inverse
//             iteration for k vectors, checked (baselines/top_eigenpairs.hpp), or Eigen's
//             SelfAdjointEigenSolver for all d (PCAOptions::solver; also the fallback)
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
#include "../core/parallel.hpp"
#include "top_eigenpairs.hpp"

#include <Eigen/Eigenvalues>

#include <algorithm>
#include <cmath>
#include <stdexcept>
#include <type_traits>
#include <vector>

namespace hourglass {

/// How PCA::fit finds the eigenvectors of the covariance.
enum class PCASolver {
  /// top_k when k <= d / 2, where it was measured faster (docs/pca.md), full otherwise.
  automatic,
  /// Eigen's SelfAdjointEigenSolver: all d eigenpairs, of which the k largest are kept.
  full,
  /// Only the k largest: tridiagonalisation, eigenvalues, inverse iteration, back-transform, with
  /// residual and orthogonality checks; falls back to full when a check fails.
  top_k,
};

struct PCAOptions {
  /// Sum the mean and the covariance in double (recommended for float data). false: sum in the
  /// Scalar type.
  bool accumulate_in_double = true;
  /// Columns per product; bounds the extra memory to d x chunk values per thread. 2048 was the
  /// fastest of 512 to 4096 on MNIST (the centred chunk stays closer to the cache for the GEMM).
  Index chunk = 2048;
  /// With accumulate_in_double and float data: compute each chunk's product in double too (the
  /// exact method, ~2.5x slower). By default it is a float GEMM whose d x d result is added into
  /// the double sum, so only `chunk` products are summed in float (MNIST: the test error moves
  /// by 1e-8 relative, docs/pca.md). No effect on double data.
  bool products_in_double = false;
  /// Which eigen-solver (the results agree to rounding error; top_k is faster for small k).
  PCASolver solver = PCASolver::automatic;
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
    PCA fitted(k_, options_);  // *this changes only when the fit succeeds
    if (!options_.accumulate_in_double) {
      fitted.template solve<Scalar, Scalar>(x);
    } else if (options_.products_in_double) {
      fitted.template solve<double, double>(x);
    } else {
      fitted.template solve<double, Scalar>(x);
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
    if (const detail::NonFinite bad = detail::first_non_finite(x))
      throw std::invalid_argument(detail::message(where, ": sample ", bad.col, " (column ", bad.col,
                                                  ") contains NaN or Inf (row ", bad.row, ")"));
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

  /// Rows of X whose samples are not all equal, as runs of consecutive rows. Such a constant row
  /// centres to exact zeros, so its row and column of C are exactly zero: it is left out of the
  /// products and of the eigenproblem, and its entries of the components are 0 (MNIST: 67 of the
  /// 784 pixels are black in every training image, which saves 16% of the products and 24% of
  /// the eigen step).
  struct RowRuns {
    std::vector<Index> from, to, length;  ///< run r: rows from[r].. of X, rows to[r].. of the reduced matrix
    Index rows = 0;                       ///< total length
  };

  /// Mean, covariance and eigen-decomposition: sums in A, each chunk's product in P.
  template <class A, class P, class D>
  void solve(const Eigen::MatrixBase<D>& x) {
    const Index d = x.rows(), n = x.cols();
    double largest = 0;
    RowRuns runs;
    const Vector<double> mean = column_mean(x, largest, runs);
    if (runs.rows < k_) runs = RowRuns{{0}, {0}, {d}, d};  // k asks for zero-variance directions too
    const Index e = runs.rows;
    const Vector<double> reduced_mean = gather(mean, runs);
    // Centre on the mean rounded to P (what the GEMM subtracts) and scale by a power of two that
    // brings the largest |x| into [0.5, 1): exact, and float products can then neither overflow
    // nor underflow whatever the units of the data.
    const Vector<P> centre = reduced_mean.template cast<P>();
    int exponent = 0;
    if (largest > 0) std::frexp(largest, &exponent);
    const P scale = std::ldexp(P(1), -exponent);
    Matrix<A> covariance = scatter<A, P>(x, runs, centre, scale);
    covariance.template triangularView<Eigen::StrictlyUpper>() = covariance.transpose();
    // sum (x - c)(x - c)^T = sum (x - mean)(x - mean)^T + n (mean - c)(mean - c)^T: remove the
    // (tiny) second term that centring on the rounded mean adds.
    const Vector<A> offset = (reduced_mean - centre.template cast<double>()).template cast<A>();
    const A unscale = A(1) / (static_cast<A>(scale) * static_cast<A>(scale));
    covariance *= unscale / static_cast<A>(n - 1);
    covariance.noalias() -= (static_cast<A>(n) / static_cast<A>(n - 1)) * offset * offset.transpose();
    // Finite data can still overflow (|x| ~ 1e154 in double, ~1e19 in float accumulation).
    detail::require(covariance.allFinite(), "PCA::fit: the mean or covariance of X overflows ",
                    std::is_same_v<A, float> ? "float" : "double", " (values too large: rescale the data)");

    Matrix<A> reduced(e, k_);
    Vector<A> variance(k_);
    const bool top_k = options_.solver == PCASolver::top_k || (options_.solver == PCASolver::automatic && 2 * k_ <= e);
    if (!top_k || !detail::top_eigenpairs(covariance, k_, variance, reduced)) {
      Eigen::SelfAdjointEigenSolver<Matrix<A>> eig(covariance);
      if (eig.info() != Eigen::Success) throw std::runtime_error("PCA::fit: the eigen-solver did not converge");
      // Eigen sorts eigenvalues ascending: take the last k, reversed.
      for (Index i = 0; i < k_; ++i) {
        reduced.col(i) = eig.eigenvectors().col(e - 1 - i);
        variance(i) = eig.eigenvalues()(e - 1 - i);
      }
    }
    Matrix<A> components = Matrix<A>::Zero(d, k_);
    for (std::size_t r = 0; r < runs.from.size(); ++r)
      components.middleRows(runs.from[r], runs.length[r]) = reduced.middleRows(runs.to[r], runs.length[r]);
    for (Index i = 0; i < k_; ++i) {
      variance(i) = std::max(variance(i), A(0));  // clamp round-off below zero
      Index largest_entry;
      components.col(i).cwiseAbs().maxCoeff(&largest_entry);
      if (components(largest_entry, i) < 0) components.col(i) = -components.col(i);
    }
    total_variance_ = static_cast<double>(covariance.trace());
    components_ = components.template cast<Scalar>();
    variance_ = variance.template cast<Scalar>();
    mean_ = mean.template cast<Scalar>();
  }

  /// The mean of the columns, summed in double, the largest |x_ij| and the rows that vary;
  /// columns split across threads, partial results combined in thread order (deterministic for a
  /// given thread count). The sum doubles as the finiteness check: float data cannot overflow a
  /// double sum, so a NaN or Inf in the sum means one in the data (then located for the message).
  template <class D>
  static Vector<double> column_mean(const Eigen::MatrixBase<D>& x, double& largest, RowRuns& varying) {
    const Index d = x.rows(), n = x.cols();
    const int threads = detail::threads_for(static_cast<double>(d) * static_cast<double>(n), n);
    std::vector<Vector<double>> sums(static_cast<std::size_t>(threads)), lows(sums.size()), highs(sums.size());
    detail::parallel_ranges(threads, 1, threads, [&](Index first, Index count) {
      for (Index t = first; t < first + count; ++t) {
        const Index begin = n * t / threads, end = n * (t + 1) / threads;
        Vector<double> sum = Vector<double>::Zero(d);
        Vector<double> low = x.col(begin).template cast<double>(), high = low;
        for (Index j = begin; j < end; ++j) {
          sum += x.col(j).template cast<double>();
          low = low.cwiseMin(x.col(j).template cast<double>());
          high = high.cwiseMax(x.col(j).template cast<double>());
        }
        const auto slot = static_cast<std::size_t>(t);
        sums[slot] = std::move(sum);
        lows[slot] = std::move(low);
        highs[slot] = std::move(high);
      }
    });
    Vector<double> mean = std::move(sums[0]), low = std::move(lows[0]), high = std::move(highs[0]);
    for (std::size_t t = 1; t < sums.size(); ++t) {
      mean += sums[t];
      low = low.cwiseMin(lows[t]);
      high = high.cwiseMax(highs[t]);
    }
    if (!mean.allFinite()) {
      check_finite(x, "PCA::fit");
      throw std::invalid_argument("PCA::fit: the sum of the samples overflows a double; scale the data down");
    }
    largest = std::max(low.cwiseAbs().maxCoeff(), high.cwiseAbs().maxCoeff());
    varying = RowRuns{};
    for (Index i = 0; i < d; ++i) {
      if (low(i) == high(i)) continue;
      if (varying.from.empty() || varying.from.back() + varying.length.back() != i) {
        varying.from.push_back(i);
        varying.to.push_back(varying.rows);
        varying.length.push_back(0);
      }
      ++varying.length.back();
      ++varying.rows;
    }
    return mean / static_cast<double>(n);
  }

  /// The entries of v (one per row of X) in the rows of `runs`.
  static Vector<double> gather(const Vector<double>& v, const RowRuns& runs) {
    Vector<double> out(runs.rows);
    for (std::size_t r = 0; r < runs.from.size(); ++r) out.segment(runs.to[r], runs.length[r]) = v.segment(runs.from[r], runs.length[r]);
    return out;
  }

  /// sum_j (s (x_j - c)) (s (x_j - c))^T over the rows in `runs`, lower triangle (the strict upper
  /// one is zero): each thread takes a contiguous run of columns and sums its chunks' products in
  /// its own accumulator; the accumulators are added in thread order.
  template <class A, class P, class D>
  Matrix<A> scatter(const Eigen::MatrixBase<D>& x, const RowRuns& runs, const Vector<P>& centre, P scale) const {
    const Index e = runs.rows, n = x.cols();
    const int threads = detail::threads_for(static_cast<double>(e) * static_cast<double>(e) * static_cast<double>(n), n);
    std::vector<Matrix<A>> sums(static_cast<std::size_t>(threads));
    detail::parallel_ranges(threads, 1, threads, [&](Index first, Index count) {
      for (Index t = first; t < first + count; ++t) {
        const Index begin = n * t / threads, end = n * (t + 1) / threads;
        sums[static_cast<std::size_t>(t)] = scatter_columns<A, P>(x, runs, centre, scale, begin, end - begin);
      }
    });
    Matrix<A> total = std::move(sums[0]);
    for (std::size_t t = 1; t < sums.size(); ++t) total += sums[t];
    return total.topLeftCorner(e, e);
  }

  /// One thread's share of scatter(): columns [begin, begin + count) in chunks. Each chunk is
  /// centred and scaled into `block` once, then Eigen's symmetric rank update computes the lower
  /// triangle of block * block^T (a GEMM that skips the upper half; measured as fast as or faster
  /// than column-panel GEMMs from core/gemm.hpp for d = 300 to 2000, docs/pca.md). The block has
  /// zero rows up to a multiple of 16: the GEMM kernel's edge cases are slow (measured:
  /// 717 x 4096 took 21-24 ms, 720 x 4096 16 ms; 300 rows 4.4-4.8 ms, 304 rows 3.2-3.8 ms).
  /// Returns the padded sum.
  template <class A, class P, class D>
  Matrix<A> scatter_columns(const Eigen::MatrixBase<D>& x, const RowRuns& runs, const Vector<P>& centre, P scale,
                            Index begin, Index count) const {
    const Index padded = (runs.rows + 15) / 16 * 16;
    const Index chunk = std::min(options_.chunk, count);
    Matrix<A> sum = Matrix<A>::Zero(padded, padded);
    Matrix<P> block = Matrix<P>::Zero(padded, chunk), product;
    if constexpr (!std::is_same_v<A, P>) product.resize(padded, padded);
    for (Index start = begin; start < begin + count; start += chunk) {
      const Index m = std::min(chunk, begin + count - start);
      for (std::size_t r = 0; r < runs.from.size(); ++r) {
        const Index length = runs.length[r];
        block.block(runs.to[r], 0, length, m) =
            (x.block(runs.from[r], start, length, m).template cast<P>().colwise() - centre.segment(runs.to[r], length)) *
            scale;
      }
      if constexpr (std::is_same_v<A, P>) {
        sum.template selfadjointView<Eigen::Lower>().rankUpdate(block.leftCols(m));
      } else {
        // The float result of one chunk goes into the double sum: only m products are ever
        // summed in float (inside the GEMM), never all n.
        product.template triangularView<Eigen::Lower>().setZero();
        product.template selfadjointView<Eigen::Lower>().rankUpdate(block.leftCols(m));
        for (Index j = 0; j < padded; ++j) sum.col(j).tail(padded - j) += product.col(j).tail(padded - j).template cast<A>();
      }
    }
    return sum;
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
