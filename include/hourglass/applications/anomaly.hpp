// hourglass/applications/anomaly.hpp — anomaly scores from a model, and thresholds fitted on them.
//
// An autoencoder trained on normal data reconstructs normal samples well and others badly, so its
// reconstruction error is an anomaly score (higher = more anomalous). A threshold turns scores
// into decisions; it is fitted on scores of NORMAL TRAINING data only. Fitting it on the batch
// being judged (the test set, which holds the anomalies) leaks the answer into the decision — the
// same mistake as normalising with the test batch's statistics.
//
//   Vector<double> train_scores = anomaly_scores(model, x_train);          // normal data only
//   AnomalyThreshold t = quantile_threshold(train_scores, 0.99);         // ~1% false alarms
//   Vector<double> s = anomaly_scores(model, x_test);
//   bool flagged = t.is_anomaly(s[0]);
//
// docs/applications.md: "Anomaly scores and thresholds".
#pragma once

#include "../core/config.hpp"
#include "../model/threshold.hpp"
#include "scores.hpp"

#include <algorithm>
#include <cmath>
#include <vector>

namespace hourglass {

/// Anomaly scores of a batch X (d x n, one sample per column): a vector of n doubles.
///
/// If the model has a member `score(X)` (a model with its own notion of anomaly, e.g. a density
/// or a distance), its result is returned, cast to double. Otherwise the score is the mean
/// squared reconstruction error per sample: ||reconstruct(x_j) - x_j||^2 / d (differences taken
/// in double), which is Hinton's per-image sum of squared errors divided by d. Works with any
/// model that has `reconstruct`: Autoencoder, VariationalAutoencoder (z = mu), PCA.
/// Throws std::invalid_argument when X is not d x n with n >= 1 (d = the model's input size).
template <class Model, class D>
Vector<double> anomaly_scores(const Model& model, const Eigen::MatrixBase<D>& x) {
  Index expected_rows = x.rows();
  if constexpr (requires { Model::input_size; }) {
    expected_rows = Model::input_size;
  } else if constexpr (requires { model.dimension(); }) {
    expected_rows = model.dimension();
  }
  if (x.rows() != expected_rows || x.cols() < 1 || x.rows() < 1)
    throw std::invalid_argument(detail::message("anomaly_scores: expected a batch of ", expected_rows,
                                                " x n (one sample per column, n >= 1), got ",
                                                detail::shape(x.rows(), x.cols())));
  if constexpr (requires { model.score(x); }) {
    return model.score(x).template cast<double>();
  } else {
    const Matrix<double> error = model.reconstruct(x).template cast<double>() - x.template cast<double>();
    return error.colwise().squaredNorm().transpose() / static_cast<double>(x.rows());
  }
}

namespace detail {

/// numpy's default quantile (method="linear", Hyndman & Fan's type 7) of a copy of the scores:
/// with s sorted ascending, h = (n - 1) q, the value s[floor h] + (h - floor h)(s[floor h + 1] - s[floor h]),
/// the interpolation written as numpy's _lerp writes it (from the nearer end).
inline double quantile_linear(const ScoresRef& scores, double q) {
  std::vector<double> s(scores.data(), scores.data() + scores.size());
  std::sort(s.begin(), s.end());
  const double h = static_cast<double>(s.size() - 1) * q;
  const auto lo = static_cast<std::size_t>(std::floor(h));
  if (lo + 1 >= s.size()) return s.back();
  const double t = h - static_cast<double>(lo), a = s[lo], b = s[lo + 1], diff = b - a;
  return t >= 0.5 ? b - diff * (1 - t) : a + diff * t;
}

}  // namespace detail

/// The threshold at the q-quantile of scores of NORMAL TRAINING data (n >= 1, finite), 0 < q < 1:
/// about a fraction 1 - q of normal samples will score above it (false alarms). The quantile is
/// numpy's default np.quantile(scores, q) (linear interpolation between order statistics, type 7).
inline AnomalyThreshold quantile_threshold(const ScoresRef& scores, double q) {
  detail::require_scores(scores, "quantile_threshold");
  detail::require(q > 0 && q < 1, "quantile_threshold: expected a quantile q in (0, 1), got ", q);
  return {AnomalyThreshold::Method::quantile, q, detail::quantile_linear(scores, q), scores.size()};
}

/// The threshold mean + k * std of scores of NORMAL TRAINING data (n >= 1, finite; k finite).
/// std is the population standard deviation (ddof = 0, numpy's np.std default):
/// sqrt(sum (s_i - mean)^2 / n).
inline AnomalyThreshold mean_std_threshold(const ScoresRef& scores, double k) {
  detail::require_scores(scores, "mean_std_threshold");
  detail::require(std::isfinite(k), "mean_std_threshold: expected a finite k (the number of standard deviations), got ",
                  k);
  const double mean = scores.mean();
  const double std_dev = std::sqrt((scores.array() - mean).square().mean());
  return {AnomalyThreshold::Method::mean_plus_k_std, k, mean + k * std_dev, scores.size()};
}

}  // namespace hourglass
