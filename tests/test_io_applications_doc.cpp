// The examples of docs/applications.md ("Anomaly scores and thresholds", "Single-sample inference
// from many threads", "Missing values"), taken from the page by tests/CMakeLists.txt, compiled and
// run on small data whose answer is known: anomalies that the detector must rank first, scores
// that must equal the model's, gaps that must be filled better than by the mean.
#include <catch2/catch.hpp>

#include "helpers.hpp"
#include "io_helpers.hpp"

#include <hourglass/hourglass.hpp>
#include <hourglass/io.hpp>

#include <iostream>
#include <limits>

#include "applications_anomaly.hpp"
#include "applications_inference.hpp"
#include "applications_missing.hpp"

namespace {
/// n samples near a 3-dimensional subspace of R^16 (in [0, 100]), and copies far from it.
Eigen::MatrixXf on_subspace(Eigen::Index n, std::uint64_t seed) {
  const Eigen::MatrixXd basis = test::uniform(16, 3, 99, 0.0, 1.0);
  const Eigen::MatrixXd codes = test::uniform(3, n, seed, 0.0, 1.0);
  return (100.0 * basis * codes / 3.0 + test::uniform(16, n, seed + 1, 0.0, 1.0)).cast<float>();
}
}  // namespace

TEST_CASE("docs/applications.md: the detector example flags what lies off the normal data", "[applications][doc]") {
  test::TempDir dir;
  Detector model(3);
  fit_detector(model, on_subspace(600, 1), dir / "detector.safetensors");
  REQUIRE(model.threshold());
  Eigen::MatrixXf test_x = on_subspace(200, 5);
  Eigen::VectorXi labels = Eigen::VectorXi::Zero(200);
  for (Eigen::Index j = 0; j < 200; j += 10) {  // every tenth sample pushed off the subspace
    test_x.col(j) = (test::uniform(16, 1, 1000 + static_cast<std::uint64_t>(j), 0.0, 100.0)).cast<float>();
    labels(j) = 1;
  }
  const double auroc = judge(dir / "detector.safetensors", test_x, labels);
  INFO("AUROC " << auroc);
  CHECK(auroc > 0.9);
}

TEST_CASE("docs/applications.md: scores from many threads equal the model's", "[applications][doc]") {
  Detector model(4);
  const Eigen::MatrixXf x = on_subspace(300, 7);
  model.set_scaler(hg::Scaler<float>::min_max(x));
  const std::vector<float> scores = score_one_by_one(model, x, 4);
  const Eigen::VectorXf expected = model.score(x);
  for (Eigen::Index j = 0; j < x.cols(); ++j) CHECK(scores[static_cast<std::size_t>(j)] == Approx(expected(j)).epsilon(1e-5));
}

TEST_CASE("docs/applications.md: the imputation example fills gaps better than the mean", "[applications][doc]") {
  // 20 features that are noisy linear functions of 4 factors; 15% of the entries hidden.
  const Eigen::MatrixXd mixing = test::uniform(20, 4, 11, -1.0, 1.0);
  const Eigen::MatrixXf truth = (mixing * test::normal(4, 800, 12) + 0.05 * test::normal(20, 800, 13)).cast<float>();
  Eigen::MatrixXf gaps = truth;
  const Eigen::MatrixXd u = test::uniform(20, 800, 14, 0.0, 1.0);
  for (Eigen::Index i = 0; i < gaps.size(); ++i)
    if (u.data()[i] < 0.15) gaps.data()[i] = std::numeric_limits<float>::quiet_NaN();
  const Eigen::MatrixXf filled = learn_and_fill(gaps);
  const Eigen::Array<bool, Eigen::Dynamic, Eigen::Dynamic> hidden = gaps.array().isNaN();
  CHECK((hidden || filled.array() == truth.array()).all());  // observed: untouched
  double error = 0, error_mean = 0;
  for (Eigen::Index j = 0; j < truth.cols(); ++j)
    for (Eigen::Index i = 0; i < truth.rows(); ++i)
      if (std::isnan(gaps(i, j))) {
        error += std::pow(filled(i, j) - truth(i, j), 2);
        error_mean += std::pow(truth.row(i).mean() - truth(i, j), 2);
      }
  INFO("squared error on the gaps: autoencoder " << error << ", mean " << error_mean);
  CHECK(error < 0.5 * error_mean);
}
