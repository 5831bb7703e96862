// PCA's fast path (float products summed in double, top-k eigen-solver, threads) against the
// exact method (double products, Eigen's full SelfAdjointEigenSolver), and the top-k solver on
// its own against the full one: known spectra, repeated eigenvalues, k = d, awkward data.
#include <catch2/catch.hpp>

#include "helpers.hpp"

#include <algorithm>
#include <cmath>
#include <limits>
#include <stdexcept>
#include <vector>

namespace hg = hourglass;
using Catch::Matchers::Contains;

namespace {

/// d x d symmetric matrix with the given eigenvalues and random orthonormal eigenvectors.
Eigen::MatrixXd with_spectrum(const Eigen::VectorXd& values, std::uint64_t seed) {
  const Eigen::Index d = values.size();
  const Eigen::MatrixXd q = test::normal(d, d, seed).householderQr().householderQ();
  return q * values.asDiagonal() * q.transpose();
}

/// d x n data whose sample covariance is exactly Q diag(variances) Q^T (as in test_pca.cpp),
/// plus an offset: a known answer with well separated leading variances.
Eigen::MatrixXd known_data(const Eigen::VectorXd& variances, Eigen::Index n, double offset, std::uint64_t seed) {
  const Eigen::Index d = variances.size();
  const Eigen::MatrixXd q = test::normal(d, d, seed).householderQr().householderQ();
  Eigen::MatrixXd s = test::normal(n, d, seed + 1);
  s.rowwise() -= s.colwise().mean();
  const Eigen::MatrixXd thin = s.householderQr().householderQ() * Eigen::MatrixXd::Identity(n, d);
  Eigen::MatrixXd x = q * variances.cwiseSqrt().asDiagonal() * thin.transpose() * std::sqrt(n - 1.0);
  x.colwise() += Eigen::VectorXd::LinSpaced(d, offset - 1.0, offset + 2.0);
  return x;
}

/// 300 variances: 10 leading ones decaying by 0.7 from 10, then a slow tail from 0.05 down.
Eigen::VectorXd decaying_variances() {
  Eigen::VectorXd v(300);
  for (Eigen::Index i = 0; i < v.size(); ++i) v(i) = i < 10 ? 10.0 * std::pow(0.7, double(i)) : 0.05 * std::pow(0.99, double(i - 10));
  return v;
}

template <class S>
double epsilon_of() {
  return std::numeric_limits<S>::epsilon();
}

/// Both fits agree: components (sign-normalised, so compared entry by entry), variances, total
/// variance, mean and reconstruction error, each within `tol` (relative where it says so).
template <class S>
void check_same_fit(const hg::PCA<S>& a, const hg::PCA<S>& b, const Eigen::MatrixX<S>& x, double tol) {
  REQUIRE(a.n_components() == b.n_components());
  const double scale = std::abs(double(b.explained_variance()(0)));
  for (Eigen::Index i = 0; i < a.n_components(); ++i) {
    INFO("component " << i);
    CHECK((a.components().col(i) - b.components().col(i)).template cast<double>().cwiseAbs().maxCoeff() < tol);
    CHECK(std::abs(double(a.explained_variance()(i)) - double(b.explained_variance()(i))) < tol * scale);
  }
  CHECK(a.total_variance() == Approx(b.total_variance()).epsilon(tol));
  CHECK((a.mean() - b.mean()).template cast<double>().cwiseAbs().maxCoeff() < tol * (1 + b.mean().cwiseAbs().maxCoeff()));
  CHECK(a.mean_squared_error(x) == Approx(b.mean_squared_error(x)).epsilon(tol));
}

}  // namespace

TEMPLATE_TEST_CASE("top_eigenpairs agrees with SelfAdjointEigenSolver on a known spectrum", "[pca][eigen]", float, double) {
  using S = TestType;
  Eigen::VectorXd values(120);
  for (Eigen::Index i = 0; i < values.size(); ++i) values(i) = 5.0 * std::pow(0.95, double(i)) - 0.2;  // some negative
  const Eigen::MatrixX<S> a = with_spectrum(values, 81).cast<S>();
  const Eigen::SelfAdjointEigenSolver<Eigen::MatrixX<S>> full(a);
  const double tol = 200 * epsilon_of<S>();
  for (const Eigen::Index k : {1, 7, 60}) {
    INFO("k = " << k);
    Eigen::VectorX<S> top;
    Eigen::MatrixX<S> vectors;
    REQUIRE(hg::detail::top_eigenpairs(a, k, top, vectors));
    REQUIRE(top.size() == k);
    REQUIRE(vectors.rows() == 120);
    REQUIRE(vectors.cols() == k);
    for (Eigen::Index i = 0; i < k; ++i) {
      const Eigen::Index j = 119 - i;
      // Same scaling, same tridiagonalisation, same QR sweeps: the same eigenvalues.
      CHECK(double(top(i)) == Approx(double(full.eigenvalues()(j))).epsilon(tol).margin(tol));
      CHECK(std::abs(double(vectors.col(i).dot(full.eigenvectors().col(j)))) > 1 - 10 * tol);
      CHECK(double(vectors.col(i).norm()) == Approx(1.0).epsilon(tol));
    }
  }
}

TEST_CASE("top_eigenpairs on repeated eigenvalues spans the same eigenspaces as the full solver", "[pca][eigen]") {
  Eigen::VectorXd values(80);
  values << Eigen::VectorXd::Constant(4, 5.0), Eigen::VectorXd::Constant(4, 3.0), Eigen::VectorXd::LinSpaced(72, 1.0, 0.1);
  const Eigen::MatrixXd a = with_spectrum(values, 82);
  const Eigen::SelfAdjointEigenSolver<Eigen::MatrixXd> full(a);
  for (const Eigen::Index k : {4, 6, 8}) {
    INFO("k = " << k);
    Eigen::VectorXd top;
    Eigen::MatrixXd v;
    // It may decline (then PCA uses the full solver); when it answers, the answer must be right.
    if (!hg::detail::top_eigenpairs(a, k, top, v)) continue;
    CHECK((v.transpose() * v - Eigen::MatrixXd::Identity(k, k)).cwiseAbs().maxCoeff() < 1e-12);
    CHECK((a * v - v * top.asDiagonal()).colwise().norm().maxCoeff() < 1e-12 * 5.0);
    CHECK((top - values.head(k)).cwiseAbs().maxCoeff() < 1e-12);
    // The eigenspace of 5 (and of 5 and 3 at k = 8) is unique: the projectors agree.
    const Eigen::Index unique = k >= 8 ? 8 : 4;
    const Eigen::MatrixXd ours = v.leftCols(unique) * v.leftCols(unique).transpose();
    const Eigen::MatrixXd reference = full.eigenvectors().rightCols(unique) * full.eigenvectors().rightCols(unique).transpose();
    CHECK((ours - reference).cwiseAbs().maxCoeff() < 1e-12);
  }
}

TEST_CASE("top_eigenpairs declines what it cannot do instead of answering wrongly", "[pca][eigen]") {
  Eigen::VectorXd top;
  Eigen::MatrixXd v;
  const Eigen::MatrixXd one = Eigen::MatrixXd::Identity(1, 1), five = Eigen::MatrixXd::Identity(5, 5);
  CHECK_FALSE(hg::detail::top_eigenpairs(one, 1, top, v));  // d = 1: the full solver's job
  CHECK_FALSE(hg::detail::top_eigenpairs(five, 0, top, v));
  CHECK_FALSE(hg::detail::top_eigenpairs(five, 6, top, v));
  // The zero matrix: every vector is an eigenvector; an answer must still be orthonormal.
  const Eigen::MatrixXd zero = Eigen::MatrixXd::Zero(6, 6);
  if (hg::detail::top_eigenpairs(zero, 3, top, v)) {
    CHECK((v.transpose() * v - Eigen::MatrixXd::Identity(3, 3)).cwiseAbs().maxCoeff() < 1e-12);
    CHECK(top.cwiseAbs().maxCoeff() == 0.0);
  }
}

TEMPLATE_TEST_CASE("PCA's fast path matches the exact method and the known covariance", "[pca]", float, double) {
  using S = TestType;
  const Eigen::VectorXd variances = decaying_variances();
  const Eigen::MatrixX<S> x = known_data(variances, 2000, 0.5, 83).cast<S>();
  // chunk 256: several chunks per thread, so several float products summed in double.
  hg::PCA<S> exact(10, {.chunk = 256, .products_in_double = true, .solver = hg::PCASolver::full});
  hg::PCA<S> fast(10, {.chunk = 256});
  exact.fit(x);
  fast.fit(x);
  const double tol = std::is_same_v<S, double> ? 1e-10 : 2e-5;
  check_same_fit(fast, exact, x, tol);
  for (Eigen::Index i = 0; i < 10; ++i) CHECK(double(fast.explained_variance()(i)) == Approx(variances(i)).epsilon(tol * 10));
  CHECK(fast.total_variance() == Approx(variances.sum()).epsilon(tol * 10));

  // Each part of the fast path on its own.
  hg::PCA<S> float_products_full(10, {.chunk = 256, .solver = hg::PCASolver::full});
  float_products_full.fit(x);
  check_same_fit(float_products_full, exact, x, tol);
  hg::PCA<S> exact_products_top_k(10, {.chunk = 256, .products_in_double = true, .solver = hg::PCASolver::top_k});
  exact_products_top_k.fit(x);
  check_same_fit(exact_products_top_k, exact, x, std::is_same_v<S, double> ? 1e-12 : 1e-6);
  // Sums in Scalar (accumulate_in_double = false) still give the same answer to float accuracy.
  hg::PCA<S> scalar_sums(10, {.accumulate_in_double = false, .chunk = 256});
  scalar_sums.fit(x);
  check_same_fit(scalar_sums, exact, x, std::is_same_v<S, double> ? 1e-10 : 1e-4);
}

TEST_CASE("PCA with the top_k solver stays exact at k = d and falls back on a zero covariance", "[pca]") {
  const Eigen::MatrixXd x = test::uniform(12, 200, 84);
  hg::PCA<double> pca(12, {.solver = hg::PCASolver::top_k});
  pca.fit(x);
  CHECK((pca.components().transpose() * pca.components() - Eigen::MatrixXd::Identity(12, 12)).cwiseAbs().maxCoeff() < 1e-12);
  CHECK((pca.reconstruct(x) - x).cwiseAbs().maxCoeff() < 1e-12);
  CHECK(pca.explained_variance_ratio().sum() == Approx(1.0));

  // Constant data: a zero covariance, which top_eigenpairs declines (checked above); the full
  // solver's answer comes back instead.
  hg::PCA<double> flat(3, {.solver = hg::PCASolver::top_k});
  flat.fit(Eigen::MatrixXd::Constant(6, 50, 0.25));
  CHECK(flat.explained_variance().cwiseAbs().maxCoeff() == 0.0);
  CHECK((flat.components().transpose() * flat.components() - Eigen::MatrixXd::Identity(3, 3)).cwiseAbs().maxCoeff() < 1e-12);
  CHECK((flat.mean().array() == 0.25).all());
}

#if defined(_OPENMP)
TEMPLATE_TEST_CASE("PCA gives the same fit with one thread and with two", "[pca][threads]", float, double) {
  using S = TestType;
  const Eigen::MatrixX<S> x = known_data(decaying_variances(), 1500, 0.0, 85).cast<S>();
  const int before = Eigen::nbThreads();
  Eigen::setNbThreads(1);
  hg::PCA<S> one(10, {.chunk = 256});
  one.fit(x);
  Eigen::setNbThreads(2);
  hg::PCA<S> two(10, {.chunk = 256});
  two.fit(x);
  Eigen::setNbThreads(before);
  // Different column splits group the float sums differently: equal to float accuracy only.
  check_same_fit(two, one, x, std::is_same_v<S, double> ? 1e-12 : 2e-5);
}
#endif

TEST_CASE("PCA in float is exact for data far from zero and in huge units", "[pca]") {
  Eigen::VectorXd variances(40);
  for (Eigen::Index i = 0; i < 40; ++i) variances(i) = 4.0 * std::pow(0.8, double(i));
  hg::PCA<float> exact(5, {.products_in_double = true, .solver = hg::PCASolver::full});
  hg::PCA<float> fast(5, {.chunk = 128});

  SECTION("offset 1e4: the data are centred before the float products, so nothing cancels") {
    const Eigen::MatrixXf x = known_data(variances, 1000, 1e4, 86).cast<float>();
    exact.fit(x);
    fast.fit(x);
    check_same_fit(fast, exact, x, 2e-5);
  }
  SECTION("scaled by 2^60: squares near 1e37 would overflow float sums; the power-of-two scaling avoids it") {
    const Eigen::MatrixXf base = known_data(variances, 1000, 0.0, 87).cast<float>();
    const float big = std::ldexp(1.0f, 60);
    const Eigen::MatrixXf x = base * big;
    fast.fit(x);
    exact.fit(base);
    REQUIRE(fast.explained_variance().allFinite());
    for (Eigen::Index i = 0; i < 5; ++i) {
      CHECK((fast.components().col(i) - exact.components().col(i)).cwiseAbs().maxCoeff() < 2e-5);
      CHECK(double(fast.explained_variance()(i)) / (double(big) * double(big)) ==
            Approx(double(exact.explained_variance()(i))).epsilon(2e-5));
    }
    CHECK((fast.explained_variance_ratio() - exact.explained_variance_ratio()).cwiseAbs().maxCoeff() < 2e-6);
  }
}

TEST_CASE("PCA rejects double data whose sums overflow, and still names NaN samples", "[pca][errors]") {
  Eigen::MatrixXd x = test::uniform(3, 20, 88);
  x(1, 4) = x(1, 5) = 1.5e308;  // finite, but their sum is not
  CHECK_THROWS_WITH(hg::PCA<double>(2).fit(x), Contains("overflows a double"));
  x(1, 4) = x(1, 5) = 0;
  x(2, 9) = std::numeric_limits<double>::quiet_NaN();
  CHECK_THROWS_WITH(hg::PCA<double>(2).fit(x), Contains("sample 9") && Contains("row 2"));
}

TEMPLATE_TEST_CASE("PCA leaves constant rows out and gives them zero weight", "[pca]", float, double) {
  using S = TestType;
  // 30 varying rows with a known spectrum, and constant rows inserted at the edges and in runs
  // (as MNIST's always-black border pixels).
  Eigen::VectorXd variances(30);
  for (Eigen::Index i = 0; i < 30; ++i) variances(i) = 3.0 * std::pow(0.75, double(i));
  const Eigen::MatrixXd varying = known_data(variances, 600, 0.3, 89);
  const std::vector<Eigen::Index> constant = {0, 1, 9, 10, 11, 20, 35, 36};
  const Eigen::Index d = 30 + static_cast<Eigen::Index>(constant.size());
  Eigen::MatrixXd x(d, 600);
  std::vector<Eigen::Index> rows_of_varying;
  for (Eigen::Index i = 0, v = 0; i < d; ++i) {
    if (std::find(constant.begin(), constant.end(), i) != constant.end()) {
      x.row(i).setConstant(0.125 * double(i));
    } else {
      x.row(i) = varying.row(v++);
      rows_of_varying.push_back(i);
    }
  }
  const double tol = std::is_same_v<S, double> ? 1e-10 : 2e-5;
  hg::PCA<S> reference(6, {.chunk = 128});
  reference.fit(varying.cast<S>());
  hg::PCA<S> pca(6, {.chunk = 128});
  pca.fit(x.cast<S>());
  for (const Eigen::Index i : constant) CHECK(pca.components().row(i).cwiseAbs().maxCoeff() == S(0));
  for (std::size_t v = 0; v < rows_of_varying.size(); ++v) {
    CHECK((pca.components().row(rows_of_varying[v]) - reference.components().row(static_cast<Eigen::Index>(v)))
              .template cast<double>().cwiseAbs().maxCoeff() < tol);
  }
  CHECK((pca.explained_variance() - reference.explained_variance()).template cast<double>().cwiseAbs().maxCoeff() <
        tol * 3.0);
  CHECK(pca.total_variance() == Approx(reference.total_variance()).epsilon(tol));
  CHECK(double(pca.mean()(10)) == Approx(1.25));
  CHECK(pca.mean_squared_error(x.cast<S>()) * double(d) == Approx(reference.mean_squared_error(varying.cast<S>()) * 30.0).epsilon(tol * 10));

  // More components than varying rows: the zero-variance directions come from the full problem.
  hg::PCA<S> all(33, {.chunk = 128});
  all.fit(x.cast<S>());
  CHECK((all.components().transpose() * all.components() - Eigen::MatrixX<S>::Identity(33, 33)).template cast<double>().cwiseAbs().maxCoeff() < tol * 10);
  CHECK(all.explained_variance().tail(3).template cast<double>().cwiseAbs().maxCoeff() < tol);
  CHECK((all.reconstruct(x.cast<S>()) - x.cast<S>()).template cast<double>().cwiseAbs().maxCoeff() < tol * 100);
}
