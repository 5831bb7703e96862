// Anomaly scores and thresholds (applications/anomaly.hpp, model/threshold.hpp): scores of a tiny
// model against a hand computation, thresholds against numpy (tests/fixtures/roc_sklearn.hpp, made
// by tests/python/make_roc_fixtures.py), and the messages for bad input.
#include <catch2/catch.hpp>

#include <string>

#include "fixtures/roc_sklearn.hpp"
#include "helpers.hpp"

#include <cmath>

namespace hg = hourglass;
using Catch::Matchers::Contains;

namespace {
Eigen::VectorXd vector_of(const std::vector<double>& v) { return Eigen::Map<const Eigen::VectorXd>(v.data(), static_cast<Eigen::Index>(v.size())); }

/// A model with its own anomaly score (the first feature), to check that anomaly_scores uses it.
struct ScoringModel {
  static constexpr hg::Index input_size = 2;
  Eigen::VectorXf score(const Eigen::MatrixXf& x) const { return x.row(0).transpose(); }
};
}  // namespace

TEST_CASE("anomaly_scores: mean squared reconstruction error per sample, by hand", "[anomaly]") {
  // 2 -> 1 -> 2, linear: code a + b, reconstruction ((a + b) / 2, (a + b) / 2); its error per
  // sample is ((a - b) / 2)^2 * 2 / 2 = (a - b)^2 / 4.
  using Model = hg::BasicAutoencoder<double, hg::Encoder<hg::Dense<2, 1, hg::Identity>>,
                                     hg::Decoder<hg::Dense<1, 2, hg::Identity>>>;
  Model model;
  model.weights<0>() << 1.0, 1.0;
  model.bias<0>() << 0.0;
  model.weights<1>() << 0.5, 0.5;
  model.bias<1>() << 0.0, 0.0;
  Eigen::MatrixXd x(2, 3);
  x << 1.0, 2.0, 0.0,  //
      3.0, 2.0, 1.0;
  const Eigen::VectorXd s = hg::anomaly_scores(model, x);
  REQUIRE(s.size() == 3);
  CHECK(s[0] == Approx(1.0).epsilon(1e-15));
  CHECK(s[1] == Approx(0.0).margin(1e-15));
  CHECK(s[2] == Approx(0.25).epsilon(1e-15));

  CHECK_THROWS_WITH(hg::anomaly_scores(model, Eigen::MatrixXd(3, 4)),
                    Contains("anomaly_scores: expected a batch of 2 x n") && Contains("got 3 x 4"));
  CHECK_THROWS_WITH(hg::anomaly_scores(model, Eigen::MatrixXd(2, 0)), Contains("got 2 x 0"));

  // A model with score() is asked for it; PCA (no input_size, a dimension()) is checked too.
  Eigen::MatrixXf xf(2, 2);
  xf << 0.5f, -1.0f, 7.0f, 7.0f;
  CHECK(hg::anomaly_scores(ScoringModel{}, xf) == Eigen::Vector2d(0.5, -1.0));
  hg::PCA<double> pca(1);
  pca.fit(test::uniform(2, 10, 3, -1.0, 1.0));
  CHECK_THROWS_WITH(hg::anomaly_scores(pca, Eigen::MatrixXd(5, 2)), Contains("expected a batch of 2 x n"));
  CHECK(hg::anomaly_scores(pca, x).size() == 3);
}

TEST_CASE("quantile_threshold and mean_std_threshold equal numpy's", "[anomaly]") {
  for (const auto& c : fixtures::threshold_cases) {
    const Eigen::VectorXd s = vector_of(c.scores);
    const hg::AnomalyThreshold q = hg::quantile_threshold(s, c.q);
    CHECK(q.value == Approx(c.quantile).epsilon(1e-12));
    CHECK(q.method == hg::AnomalyThreshold::Method::quantile);
    CHECK(q.parameter == c.q);
    CHECK(q.samples == s.size());
    const hg::AnomalyThreshold m = hg::mean_std_threshold(s, c.k);
    CHECK(m.value == Approx(c.mean_plus_k_std).epsilon(1e-12));
    CHECK(m.samples == s.size());
  }
}

TEST_CASE("AnomalyThreshold: decisions, descriptions and method names", "[anomaly]") {
  const hg::AnomalyThreshold t{hg::AnomalyThreshold::Method::quantile, 0.99, 0.0123, 5000};
  CHECK(t.is_anomaly(0.0124));
  CHECK_FALSE(t.is_anomaly(0.0123));  // equal is normal
  CHECK(t.describe() == "quantile(q=0.99) = 0.0123 on 5000 samples");
  CHECK(hg::AnomalyThreshold{hg::AnomalyThreshold::Method::mean_plus_k_std, 3, 0.5, 10}.describe() ==
        "mean_plus_k_std(k=3) = 0.5 on 10 samples");
  CHECK(hg::AnomalyThreshold{}.describe() == "fixed = 0");
  for (const auto m : {hg::AnomalyThreshold::Method::quantile, hg::AnomalyThreshold::Method::mean_plus_k_std,
                       hg::AnomalyThreshold::Method::fixed})
    CHECK(hg::method_from_name(hg::method_name(m)) == m);
  CHECK(std::string(hg::method_name(hg::AnomalyThreshold::Method::mean_plus_k_std)) == "mean_plus_k_std");
  CHECK_FALSE(hg::method_from_name("Quantile").has_value());
}

TEST_CASE("thresholds refuse empty, non-finite scores and bad q or k, saying what came", "[anomaly][bad_input]") {
  const Eigen::VectorXd none(0);
  CHECK_THROWS_WITH(hg::quantile_threshold(none, 0.5), Contains("quantile_threshold: expected at least one score"));
  CHECK_THROWS_WITH(hg::mean_std_threshold(none, 3), Contains("mean_std_threshold: expected at least one score"));
  Eigen::VectorXd s(4);
  s << 0.1, 0.2, NAN, 0.4;
  CHECK_THROWS_WITH(hg::quantile_threshold(s, 0.5), Contains("expected finite scores, got nan at index 2"));
  s[2] = -INFINITY;
  CHECK_THROWS_WITH(hg::mean_std_threshold(s, 1), Contains("got -inf at index 2"));
  s[2] = 0.3;
  CHECK_THROWS_WITH(hg::quantile_threshold(s, 1.0), Contains("expected a quantile q in (0, 1), got 1"));
  CHECK_THROWS_WITH(hg::quantile_threshold(s, 0.0), Contains("got 0"));
  CHECK_THROWS_WITH(hg::quantile_threshold(s, NAN), Contains("got nan"));
  CHECK_THROWS_WITH(hg::mean_std_threshold(s, INFINITY), Contains("expected a finite k") && Contains("got inf"));
}
