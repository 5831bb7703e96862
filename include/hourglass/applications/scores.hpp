// hourglass/applications/scores.hpp — the checks every function of applications/ makes of a
// vector of anomaly scores (and of 0/1 labels beside it): std::invalid_argument saying what was
// expected and what came, naming the first bad entry.
#pragma once

#include "../core/config.hpp"

#include <cmath>

namespace hourglass {

/// Anomaly scores, one per sample, higher = more anomalous (n, double).
using ScoresRef = Eigen::Ref<const Vector<double>>;
/// Labels beside scores, one per sample: 1 = anomaly (the positive class), 0 = normal.
using LabelsRef = Eigen::Ref<const Eigen::VectorXi>;

namespace detail {

/// At least one score, every score finite; `where` names the call.
inline void require_scores(const ScoresRef& scores, const char* where) {
  require(scores.size() > 0, where, ": expected at least one score, got none (an empty vector)");
  for (Index i = 0; i < scores.size(); ++i)
    if (!std::isfinite(scores[i]))
      throw std::invalid_argument(message(where, ": expected finite scores, got ", scores[i], " at index ", i));
}

/// require_scores, labels of the same length, each 0 or 1. Returns how many are 1 (anomalies).
inline Index require_scores_and_labels(const ScoresRef& scores, const LabelsRef& labels, const char* where) {
  require(scores.size() == labels.size(), where, ": expected as many labels as scores, got ", scores.size(),
          " scores and ", labels.size(), " labels");
  require_scores(scores, where);
  Index positives = 0;
  for (Index i = 0; i < labels.size(); ++i) {
    if (labels[i] != 0 && labels[i] != 1)
      throw std::invalid_argument(
          message(where, ": expected labels 0 (normal) or 1 (anomaly), got ", labels[i], " at index ", i));
    positives += labels[i];
  }
  return positives;
}

}  // namespace detail
}  // namespace hourglass
