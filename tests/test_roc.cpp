// ROC and precision-recall evaluation (applications/roc.hpp) against scikit-learn's own numbers
// (tests/fixtures/roc_sklearn.hpp, made by tests/python/make_roc_fixtures.py): ties, imbalanced
// classes, a perfect and an inverted ranking, all scores equal; then the messages for bad input.
#include <catch2/catch.hpp>

#include "fixtures/roc_sklearn.hpp"
#include "helpers.hpp"

#include <cmath>

namespace hg = hourglass;
using Catch::Matchers::Contains;

namespace {
void check_same(const std::vector<double>& got, const std::vector<double>& expected) {
  REQUIRE(got.size() == expected.size());
  for (std::size_t i = 0; i < got.size(); ++i) {
    INFO("entry " << i);
    if (std::isinf(expected[i]))
      CHECK(got[i] == expected[i]);
    else
      CHECK(got[i] == Approx(expected[i]).epsilon(1e-12).margin(1e-12));
  }
}
}  // namespace

TEST_CASE("roc_auc, average_precision and both curves equal scikit-learn's", "[roc]") {
  for (const auto& c : fixtures::roc_cases) {
    INFO("case " << c.name);
    const Eigen::VectorXd s = Eigen::Map<const Eigen::VectorXd>(c.scores.data(), static_cast<Eigen::Index>(c.scores.size()));
    const Eigen::VectorXi y = Eigen::Map<const Eigen::VectorXi>(c.labels.data(), static_cast<Eigen::Index>(c.labels.size()));
    CHECK(hg::roc_auc(s, y) == Approx(c.roc_auc).epsilon(1e-12).margin(1e-12));
    CHECK(hg::average_precision(s, y) == Approx(c.average_precision).epsilon(1e-12).margin(1e-12));
    const hg::RocCurve roc = hg::roc_curve(s, y);
    check_same(roc.fpr, c.fpr);
    check_same(roc.tpr, c.tpr);
    check_same(roc.thresholds, c.roc_thresholds);
    const hg::PrecisionRecallCurve pr = hg::precision_recall_curve(s, y);
    check_same(pr.precision, c.precision);
    check_same(pr.recall, c.recall);
    check_same(pr.thresholds, c.pr_thresholds);
  }
  // The named cases mean what they say.
  CHECK(fixtures::roc_cases[2].roc_auc == 1.0);
  CHECK(fixtures::roc_cases[3].roc_auc == 0.0);
  CHECK(fixtures::roc_cases[4].roc_auc == 0.5);
}

TEST_CASE("roc and precision-recall refuse one class, size mismatch, NaN and labels other than 0/1",
          "[roc][bad_input]") {
  Eigen::VectorXd s(4);
  s << 0.1, 0.4, 0.35, 0.8;
  Eigen::VectorXi y(4);
  y << 0, 0, 0, 0;
  CHECK_THROWS_WITH(hg::roc_auc(s, y), Contains("roc_auc: expected both classes") &&
                                           Contains("got 0 anomalies and 4 normal samples"));
  CHECK_THROWS_WITH(hg::average_precision(s, y), Contains("average_precision: expected at least one anomaly"));
  y << 1, 1, 1, 1;
  CHECK_THROWS_WITH(hg::roc_curve(s, y), Contains("roc_curve: expected both classes") && Contains("got 4 anomalies"));
  CHECK(hg::average_precision(s, y) == 1.0);  // as scikit-learn: every threshold has precision 1
  y << 0, 1, 0, 1;
  CHECK_THROWS_WITH(hg::roc_auc(s, Eigen::VectorXi(3)),
                    Contains("roc_auc: expected as many labels as scores, got 4 scores and 3 labels"));
  CHECK_THROWS_WITH(hg::roc_auc(Eigen::VectorXd(0), Eigen::VectorXi(0)), Contains("roc_auc: expected at least one score"));
  s[1] = NAN;
  CHECK_THROWS_WITH(hg::roc_auc(s, y), Contains("roc_auc: expected finite scores, got nan at index 1"));
  CHECK_THROWS_WITH(hg::precision_recall_curve(s, y), Contains("precision_recall_curve: expected finite scores"));
  s[1] = 0.4;
  y[2] = 2;
  CHECK_THROWS_WITH(hg::roc_auc(s, y), Contains("expected labels 0 (normal) or 1 (anomaly), got 2 at index 2"));
  y << 0, 0, 1, 1;
  CHECK(hg::roc_auc(s, y) == 0.75);  // scikit-learn's documented example
}
