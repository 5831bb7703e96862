// hourglass/baselines/top_eigenpairs.hpp — the k largest eigenpairs of a symmetric matrix,
// without computing the other d - k eigenvectors (PCA's eigen step; docs/pca.md has the
// derivation and the measurements).
//
// Eigen's SelfAdjointEigenSolver spends ~3/4 of its time accumulating the rotations of the
// tridiagonal QR algorithm into all d eigenvectors. For PCA's k << d this does, as LAPACK's
// dsyevx does:
//   1. A / s = Q T Q^T          Householder tridiagonalisation (Eigen's, as the full solver: the
//                               same scaling s = max |a_ij|, so the eigenvalues come out the same)
//   2. eigenvalues of T         tridiagonal QR without vectors, O(d^2)
//   3. T y_j = lambda_j y_j     inverse iteration on T for the k largest (a port of LAPACK's
//                               dstein: LU with partial pivoting of T - lambda I, 3 to 5 solves of
//                               O(d) each, Gram-Schmidt inside clusters of close eigenvalues)
//   4. v_j = Q y_j              the k Householder reflections applied to a d x k block
//   5. checks                   ||A v_j - lambda_j v_j|| and ||V^T V - I|| small, else `false`
// The caller falls back to the full solver when this returns false, so a hard spectrum costs
// time, never accuracy.
#pragma once

#include "../core/config.hpp"
#include "../core/random.hpp"

#include <Eigen/Eigenvalues>

#include <algorithm>
#include <cmath>
#include <limits>
#include <vector>

namespace hourglass::detail {

/// T - lambda I = P L U for a symmetric tridiagonal T, with partial pivoting, and solves with it
/// that perturb tiny pivots instead of dividing by them: LAPACK's dlagtf and dlagts (job = -1),
/// which is what inverse iteration needs (T - lambda I is singular to working precision on
/// purpose).
template <class S>
class ShiftedTridiagonalLU {
 public:
  /// Factors T - lambda I, T given by its diagonal (n) and off-diagonal (n - 1).
  void factor(const Vector<S>& diagonal, const Vector<S>& off, S lambda) {
    const Index n = diagonal.size();
    a_ = diagonal.array() - lambda;  // becomes U's diagonal
    b_ = off;                        // U's first superdiagonal
    c_ = off;                        // L's multipliers
    d_.setZero(std::max<Index>(n - 2, 0));  // U's second superdiagonal (fill-in from row swaps)
    swapped_.assign(static_cast<std::size_t>(std::max<Index>(n - 1, 0)), false);
    S scale1 = n > 1 ? std::abs(a_(0)) + std::abs(b_(0)) : S(0);
    for (Index k = 0; k + 1 < n; ++k) {
      const S scale2 = std::abs(c_(k)) + std::abs(a_(k + 1)) + (k + 2 < n ? std::abs(b_(k + 1)) : S(0));
      const S piv1 = a_(k) == S(0) ? S(0) : std::abs(a_(k)) / scale1;
      if (c_(k) == S(0)) {
        scale1 = scale2;
        continue;
      }
      const S piv2 = std::abs(c_(k)) / scale2;
      if (piv2 <= piv1) {  // no interchange
        scale1 = scale2;
        c_(k) /= a_(k);
        a_(k + 1) -= c_(k) * b_(k);
      } else {  // interchange rows k and k + 1
        swapped_[static_cast<std::size_t>(k)] = true;
        const S mult = a_(k) / c_(k);
        a_(k) = c_(k);
        const S temp = a_(k + 1);
        a_(k + 1) = b_(k) - mult * temp;
        if (k + 2 < n) {
          d_(k) = b_(k + 1);
          b_(k + 1) = -mult * d_(k);
        }
        b_(k) = temp;
        c_(k) = mult;
      }
    }
    // The perturbation used for pivots that would overflow the solution (dlagts' tol).
    tol_ = n > 0 ? std::abs(a_(0)) : S(0);
    if (n > 1) tol_ = std::max({tol_, std::abs(a_(1)), std::abs(b_(0))});
    for (Index k = 2; k < n; ++k) tol_ = std::max({tol_, std::abs(a_(k)), std::abs(b_(k - 1)), std::abs(d_(k - 2))});
    tol_ *= eps();
    if (tol_ == S(0)) tol_ = eps();
  }

  /// |U(n-1, n-1)|: how singular the shifted matrix is (dstein scales its right-hand sides by it).
  S last_pivot() const { return std::abs(a_(a_.size() - 1)); }

  /// y <- (T - lambda I)^{-1} y, tiny pivots perturbed.
  void solve(Vector<S>& y) const {
    const Index n = a_.size();
    for (Index k = 1; k < n; ++k) {
      if (!swapped_[static_cast<std::size_t>(k - 1)]) {
        y(k) -= c_(k - 1) * y(k - 1);
      } else {
        const S temp = y(k - 1);
        y(k - 1) = y(k);
        y(k) = temp - c_(k - 1) * y(k);
      }
    }
    const S small = std::numeric_limits<S>::min(), big = S(1) / small;
    for (Index k = n - 1; k >= 0; --k) {
      S temp = y(k);
      if (k + 1 < n) temp -= b_(k) * y(k + 1);
      if (k + 2 < n) temp -= d_(k) * y(k + 2);
      S ak = a_(k);
      S pert = std::copysign(tol_, ak);
      for (;;) {
        const S absak = std::abs(ak);
        if (absak < S(1)) {
          if (absak < small) {
            if (absak == S(0) || std::abs(temp) * small > absak) {
              ak += pert;
              pert *= 2;
              continue;
            }
            temp *= big;
            ak *= big;
          } else if (std::abs(temp) > absak * big) {
            ak += pert;
            pert *= 2;
            continue;
          }
        }
        break;
      }
      y(k) = temp / ak;
    }
  }

  static S eps() { return std::numeric_limits<S>::epsilon() / 2; }  // LAPACK's dlamch('E')

 private:
  Vector<S> a_, b_, c_, d_;
  std::vector<bool> swapped_;
  S tol_ = 0;
};

/// Eigenvectors of the symmetric tridiagonal T (diagonal, off) for the given eigenvalues, sorted
/// descending, by inverse iteration: LAPACK's dstein (maxits 5, 2 extra iterations after the
/// growth test, Gram-Schmidt against the earlier vectors of a cluster, eigenvalues closer than
/// 10 eps |lambda| pulled apart). Returns false when an iteration did not reach the growth test.
template <class S>
bool tridiagonal_eigenvectors(const Vector<S>& diagonal, const Vector<S>& off, const Vector<S>& values,
                              Matrix<S>& vectors) {
  const Index n = diagonal.size(), k = values.size();
  vectors.resize(n, k);
  if (n == 1) {
    vectors.setOnes();
    return true;
  }
  const S eps = ShiftedTridiagonalLU<S>::eps();
  S norm1 = std::max(std::abs(diagonal(0)) + std::abs(off(0)), std::abs(diagonal(n - 1)) + std::abs(off(n - 2)));
  for (Index i = 1; i + 1 < n; ++i) norm1 = std::max(norm1, std::abs(diagonal(i)) + std::abs(off(i - 1)) + std::abs(off(i)));
  const S cluster_gap = S(1e-3) * norm1;                        // dstein's ortol
  const S growth_needed = std::sqrt(S(0.1) / static_cast<S>(n));  // dstein's dtpcrt
  constexpr int max_iterations = 5, extra_iterations = 2;

  Random rng(0x9e3779b97f4a7c15ULL);  // fixed: the same vectors on every run
  ShiftedTridiagonalLU<S> lu;
  Vector<S> y(n);
  Index cluster_start = 0;
  S previous = 0;
  for (Index j = 0; j < k; ++j) {
    S lambda = values(j);
    if (j > 0) {
      if (std::abs(previous - lambda) > cluster_gap) cluster_start = j;
      const S separation = S(10) * std::abs(eps * lambda);
      if (previous - lambda < separation) lambda = previous - separation;  // equal values: distinct shifts
    }
    previous = lambda;
    for (Index i = 0; i < n; ++i) y(i) = static_cast<S>(rng.uniform(-1.0, 1.0));
    lu.factor(diagonal, off, lambda);
    bool accepted = false;
    for (int iteration = 0, checks = 0; iteration < max_iterations; ++iteration) {
      // Scale the right-hand side so that a solution of norm ~1 means growth by 1 / (n eps ||T||).
      const S largest = y.cwiseAbs().maxCoeff();
      if (!(largest > S(0))) y.setOnes();
      y *= static_cast<S>(n) * norm1 * std::max(eps, lu.last_pivot()) / std::max(largest, std::numeric_limits<S>::min());
      lu.solve(y);
      for (Index i = cluster_start; i < j; ++i) y -= y.dot(vectors.col(i)) * vectors.col(i);
      if (!y.allFinite()) return false;
      if (y.cwiseAbs().maxCoeff() < growth_needed) continue;
      if (++checks < extra_iterations + 1) continue;
      accepted = true;
      break;
    }
    if (!accepted) return false;
    vectors.col(j) = y / y.norm();
  }
  return true;
}

/// The k largest eigenvalues of the symmetric matrix `a` (only its lower triangle is read) in
/// decreasing order and unit eigenvectors for them (any sign).
/// Returns false, leaving `values` and `vectors` unspecified, when a step fails or the results do
/// not pass the residual and orthogonality checks; the caller should then use the full solver.
template <class S>
bool top_eigenpairs(const Matrix<S>& a, Index k, Vector<S>& values, Matrix<S>& vectors) {
  const Index d = a.rows();
  if (k < 1 || k > d || d < 2) return false;
  // Scale as SelfAdjointEigenSolver does (entries in [-1, 1]), so both give the same eigenvalues.
  Matrix<S> scaled = a.template triangularView<Eigen::Lower>();
  S scale = scaled.cwiseAbs().maxCoeff();
  if (!(scale > S(0)) || !std::isfinite(scale)) scale = S(1);
  scaled.template triangularView<Eigen::Lower>() /= scale;
  Eigen::Tridiagonalization<Matrix<S>> tri(scaled);
  const Vector<S> diagonal = tri.diagonal(), off = tri.subDiagonal();

  Eigen::SelfAdjointEigenSolver<Matrix<S>> spectrum;
  spectrum.computeFromTridiagonal(diagonal, off, Eigen::EigenvaluesOnly);
  if (spectrum.info() != Eigen::Success) return false;
  const Vector<S> all = spectrum.eigenvalues();  // ascending
  values = all.tail(k).reverse();

  Matrix<S> y;
  if (!tridiagonal_eigenvectors(diagonal, off, values, y)) return false;
  vectors = tri.matrixQ() * y;
  values *= scale;

  // Checks against the original matrix: each residual within c d eps ||A||, as for a backward-stable
  // solver, and the vectors orthonormal to the same order (inverse iteration's weak point when
  // eigenvalues are close but outside a cluster).
  const S eps = std::numeric_limits<S>::epsilon();
  const S norm = std::max(std::abs(all(0)), std::abs(all(d - 1))) * scale;
  const S tolerance = S(64) * static_cast<S>(d) * eps;
  Matrix<S> residual(d, k);
  residual.noalias() = a.template selfadjointView<Eigen::Lower>() * vectors;
  residual -= vectors * values.asDiagonal();
  if (!(residual.colwise().norm().maxCoeff() <= tolerance * std::max(norm, std::numeric_limits<S>::min()))) return false;
  Matrix<S> gram(k, k);
  gram.noalias() = vectors.transpose() * vectors;
  gram.diagonal().array() -= S(1);
  return gram.cwiseAbs().maxCoeff() <= tolerance;
}

}  // namespace hourglass::detail
