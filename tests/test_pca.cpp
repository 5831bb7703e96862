// PCA on synthetic data whose sample covariance is known exactly; bad input; saved parts.
#include <catch2/catch.hpp>

#include "helpers.hpp"

#include <cmath>
#include <limits>
#include <stdexcept>
#include <string>

namespace hg = hourglass;
using Catch::Matchers::Contains;

namespace {

constexpr int d = 6, n = 500;
const Eigen::VectorXd variances = (Eigen::VectorXd(d) << 9.0, 4.0, 2.25, 1.0, 0.25, 0.04).finished();

/// Orthonormal directions Q (d x d) and data X = mean + Q diag(sqrt(variances)) S, where S has
/// zero-mean rows with S S^T = (n - 1) I exactly, so X's sample covariance is Q diag(variances) Q^T.
struct Known {
  Eigen::MatrixXd q, x;
  Eigen::VectorXd mean;
};
Known known_data() {
  Known k;
  k.q = test::normal(d, d, 61).householderQr().householderQ();
  Eigen::MatrixXd s = test::normal(n, d, 62);
  s.rowwise() -= s.colwise().mean();
  const Eigen::MatrixXd thin = s.householderQr().householderQ() * Eigen::MatrixXd::Identity(n, d);
  k.mean = Eigen::VectorXd::LinSpaced(d, -3.0, 5.0);
  k.x = (k.q * variances.cwiseSqrt().asDiagonal() * thin.transpose() * std::sqrt(n - 1.0)).colwise() + k.mean;
  return k;
}

}  // namespace

TEMPLATE_TEST_CASE("PCA recovers the components, variances and mean of a known covariance", "[pca]", float, double) {
  const Known data = known_data();
  const bool in_double = GENERATE(true, false);
  const double tol = std::is_same_v<TestType, double> ? 1e-9 : 2e-4;
  hg::PCA<TestType> pca(3, {.accumulate_in_double = in_double, .chunk = 128});
  pca.fit(data.x.cast<TestType>());
  REQUIRE(pca.components().rows() == d);
  REQUIRE(pca.components().cols() == 3);
  CHECK(pca.samples_seen() == n);
  CHECK((pca.mean().template cast<double>() - data.mean).norm() < tol * 10);
  for (int i = 0; i < 3; ++i) {
    INFO("component " << i);
    CHECK(std::abs(pca.explained_variance()(i) - variances(i)) < tol * 10 * variances(i));
    const double cosine = pca.components().col(i).template cast<double>().dot(data.q.col(i));
    CHECK(std::abs(cosine) > 1 - tol);
    Eigen::Index largest;
    pca.components().col(i).cwiseAbs().maxCoeff(&largest);
    CHECK(pca.components()(largest, i) > 0);  // sign-normalised
  }
  CHECK(std::abs(pca.total_variance() - variances.sum()) < tol * 10 * variances.sum());
  const Eigen::VectorXd ratio = pca.explained_variance_ratio().template cast<double>();
  CHECK((ratio - variances.head(3) / variances.sum()).norm() < tol * 10);

  // Reconstruction error = the discarded variance (population normalisation) per element.
  const double discarded = variances.tail(d - 3).sum() * (n - 1.0) / n;
  CHECK(pca.mean_squared_error(data.x.cast<TestType>()) == Approx(discarded / d).epsilon(tol * 10));
  CHECK(pca.sum_squared_error_per_sample(data.x.cast<TestType>()) == Approx(discarded).epsilon(tol * 10));

  // Codes: k x n, zero mean, variance along each component.
  const Eigen::MatrixXd z = pca.transform(data.x.cast<TestType>()).template cast<double>();
  REQUIRE(z.rows() == 3);
  CHECK(z.rowwise().mean().norm() < tol * 100);
  for (int i = 0; i < 3; ++i) CHECK(z.row(i).squaredNorm() / (n - 1) == Approx(variances(i)).epsilon(tol * 10));
}

TEST_CASE("PCA with k = d reconstructs the data exactly and has orthonormal components", "[pca]") {
  const Known data = known_data();
  hg::PCA<double> pca;
  pca.fit(data.x, d);
  CHECK((pca.components().transpose() * pca.components() - Eigen::MatrixXd::Identity(d, d)).norm() < 1e-10);
  CHECK((pca.inverse_transform(pca.transform(data.x)) - data.x).norm() < 1e-9 * data.x.norm());
  CHECK(pca.explained_variance_ratio().sum() == Approx(1.0));
  CHECK(pca.mean_squared_error(data.x) < 1e-20);
}

TEST_CASE("PCA rejects bad input with a clear message", "[pca][errors]") {
  const Eigen::MatrixXd x = test::uniform(4, 10, 63);
  CHECK_THROWS_WITH(hg::PCA<double>(0), Contains("must be >= 1, got 0"));
  CHECK_THROWS_AS(hg::PCA<double>().fit(x, -1), std::invalid_argument);
  CHECK_THROWS_WITH(hg::PCA<double>(5).fit(x), Contains("k = 5 components exceed the dimension d = 4"));
  CHECK_THROWS_WITH(hg::PCA<double>(2).fit(x.leftCols(1)), Contains("at least 2 samples"));
  CHECK_THROWS_WITH(hg::PCA<double>().fit(x), Contains("no number of components"));
  Eigen::MatrixXd bad = x;
  bad(2, 7) = std::numeric_limits<double>::quiet_NaN();
  CHECK_THROWS_WITH(hg::PCA<double>(2).fit(bad), Contains("sample 7") && Contains("NaN or Inf (row 2)"));
  bad(2, 7) = 0;
  bad(0, 3) = std::numeric_limits<double>::infinity();
  CHECK_THROWS_WITH(hg::PCA<double>(2).fit(bad), Contains("sample 3"));

  hg::PCA<double> unfitted(2);
  CHECK_THROWS_AS(unfitted.transform(x), std::logic_error);
  CHECK_THROWS_AS(unfitted.components(), std::logic_error);
  hg::PCA<double> pca(2);
  pca.fit(x);
  CHECK_THROWS_WITH(pca.transform(Eigen::MatrixXd::Zero(3, 5)), Contains("expected d x n with d = 4") && Contains("3 x 5"));
  CHECK_THROWS_WITH(pca.inverse_transform(Eigen::MatrixXd::Zero(3, 5)), Contains("expected k x n with k = 2"));
  CHECK_THROWS_AS(pca.mean_squared_error(Eigen::MatrixXd::Zero(5, 2)), std::invalid_argument);
}

TEST_CASE("PCA rebuilt from its saved parts behaves identically", "[pca][serialization]") {
  const Known data = known_data();
  hg::PCA<float> pca(2);
  pca.fit(data.x.cast<float>());
  const auto copy = hg::PCA<float>::from_parameters(pca.components(), pca.mean(), pca.explained_variance(),
                                                    pca.total_variance(), pca.samples_seen());
  CHECK(copy.n_components() == 2);
  CHECK(copy.transform(data.x.cast<float>()) == pca.transform(data.x.cast<float>()));
  CHECK(copy.explained_variance_ratio() == pca.explained_variance_ratio());
  CHECK_THROWS_WITH(hg::PCA<float>::from_parameters(pca.components(), pca.mean().head(3), pca.explained_variance(),
                                                    1.0, 10),
                    Contains("mean has 3 entries"));
}
