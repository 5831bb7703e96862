// hourglass/applications/roc.hpp — how well anomaly scores separate labelled anomalies from
// normal samples: ROC and precision-recall curves, the area under the ROC curve, average precision.
//
// Conventions (those of scikit-learn, whose functions these reproduce to rounding): n scores, one
// per sample, higher = more anomalous; n labels, 1 = anomaly (the positive class), 0 = normal.
// A sample is called an anomaly at threshold t when its score >= t. Tied scores move together:
// the curves have one point per distinct score, so ties count 1/2 in the area.
//
//   Vector<double> s = anomaly_scores(model, x_test);
//   double auc = roc_auc(s, labels);                  // 0.5 = chance, 1 = every anomaly above every normal
//   RocCurve roc = roc_curve(s, labels);              // std::vectors, ready for io::line_plot
//
// docs/applications.md: "Evaluating: ROC and PR".
#pragma once

#include "../core/config.hpp"
#include "scores.hpp"

#include <algorithm>
#include <limits>
#include <numeric>
#include <vector>

namespace hourglass {

/// A receiver operating characteristic: point i is (fpr[i], tpr[i]) when the samples scoring
/// >= thresholds[i] are called anomalies. thresholds decrease; the first is +inf (no sample called
/// an anomaly: the point (0, 0)), then one per distinct score (the last, the lowest score: (1, 1)).
struct RocCurve {
  std::vector<double> fpr;         ///< false-positive rate: normal samples called anomalies / normal samples
  std::vector<double> tpr;         ///< true-positive rate (recall): anomalies found / anomalies
  std::vector<double> thresholds;  ///< decreasing, thresholds[0] = +inf
};

/// A precision-recall curve in scikit-learn's order: thresholds increase (one per distinct score),
/// precision[i] and recall[i] belong to thresholds[i], and a last point (precision 1, recall 0)
/// with no threshold ends it (precision and recall have one entry more than thresholds).
struct PrecisionRecallCurve {
  std::vector<double> precision;   ///< anomalies among the samples called anomalies
  std::vector<double> recall;      ///< anomalies found / anomalies (decreasing)
  std::vector<double> thresholds;  ///< increasing
};

namespace detail {

/// scikit-learn's _binary_clf_curve: for each distinct score, highest first, the counts of
/// anomalies (tps) and normal samples (fps) scoring >= it.
struct ClassifierCounts {
  std::vector<double> fps, tps, thresholds;
};

inline ClassifierCounts classifier_counts(const ScoresRef& scores, const LabelsRef& labels) {
  std::vector<Index> order(static_cast<std::size_t>(scores.size()));
  std::iota(order.begin(), order.end(), Index{0});
  std::stable_sort(order.begin(), order.end(), [&](Index a, Index b) { return scores[a] > scores[b]; });
  ClassifierCounts c;
  double tp = 0;
  for (std::size_t k = 0; k < order.size(); ++k) {
    tp += labels[order[k]];
    // The last sample of a run of equal scores closes a point of the curve.
    if (k + 1 == order.size() || scores[order[k + 1]] != scores[order[k]]) {
      c.tps.push_back(tp);
      c.fps.push_back(static_cast<double>(k + 1) - tp);
      c.thresholds.push_back(scores[order[k]]);
    }
  }
  return c;
}

}  // namespace detail

/// The ROC curve of scores against labels (n >= 1 each, scores finite, labels 0/1, both classes
/// present), as sklearn.metrics.roc_curve(labels, scores, drop_intermediate=False) of
/// scikit-learn >= 1.3 (earlier versions put max(score) + 1 where this puts +inf). `where` names
/// the caller in error messages.
inline RocCurve roc_curve(const ScoresRef& scores, const LabelsRef& labels, const char* where = "roc_curve") {
  const Index positives = detail::require_scores_and_labels(scores, labels, where);
  detail::require(positives > 0 && positives < labels.size(), where, ": expected both classes among the labels (0 = ",
                  "normal, 1 = anomaly), got ", positives, " anomalies and ", labels.size() - positives,
                  " normal samples; a ROC curve needs both");
  const detail::ClassifierCounts c = detail::classifier_counts(scores, labels);
  RocCurve roc;
  roc.fpr.push_back(0);
  roc.tpr.push_back(0);
  roc.thresholds.push_back(std::numeric_limits<double>::infinity());
  const double negatives = c.fps.back(), all_positives = c.tps.back();
  for (std::size_t i = 0; i < c.tps.size(); ++i) {
    roc.fpr.push_back(c.fps[i] / negatives);
    roc.tpr.push_back(c.tps[i] / all_positives);
    roc.thresholds.push_back(c.thresholds[i]);
  }
  return roc;
}

/// The area under the ROC curve (trapezoids; the probability that a random anomaly scores above a
/// random normal sample, ties counting 1/2), as sklearn.metrics.roc_auc_score(labels, scores).
/// Needs both classes: with one, the area is undefined and std::invalid_argument says so.
inline double roc_auc(const ScoresRef& scores, const LabelsRef& labels) {
  const RocCurve roc = roc_curve(scores, labels, "roc_auc");
  double area = 0;
  for (std::size_t i = 0; i + 1 < roc.fpr.size(); ++i)
    area += (roc.fpr[i + 1] - roc.fpr[i]) * (roc.tpr[i + 1] + roc.tpr[i]) / 2.0;
  return area;
}

/// The precision-recall curve, as sklearn.metrics.precision_recall_curve(labels, scores)
/// (n >= 1, scores finite, labels 0/1 with at least one anomaly: without one, recall is undefined).
inline PrecisionRecallCurve precision_recall_curve(const ScoresRef& scores, const LabelsRef& labels,
                                                   const char* where = "precision_recall_curve") {
  const Index positives = detail::require_scores_and_labels(scores, labels, where);
  detail::require(positives > 0, where, ": expected at least one anomaly (label 1) among the ",
                  labels.size(), " labels, got none; recall is undefined without one");
  const detail::ClassifierCounts c = detail::classifier_counts(scores, labels);
  PrecisionRecallCurve pr;
  const double all_positives = c.tps.back();
  for (std::size_t i = c.tps.size(); i-- > 0;) {  // lowest threshold first, as scikit-learn returns it
    pr.precision.push_back(c.tps[i] / (c.tps[i] + c.fps[i]));
    pr.recall.push_back(c.tps[i] / all_positives);
    pr.thresholds.push_back(c.thresholds[i]);
  }
  pr.precision.push_back(1);
  pr.recall.push_back(0);
  return pr;
}

/// Average precision: sum over the distinct thresholds of (R_i - R_{i+1}) P_i, the precision at
/// each threshold weighted by the recall it adds — a step function, not interpolated — as
/// sklearn.metrics.average_precision_score(labels, scores). Needs at least one anomaly.
inline double average_precision(const ScoresRef& scores, const LabelsRef& labels) {
  const PrecisionRecallCurve pr = precision_recall_curve(scores, labels, "average_precision");
  double sum = 0;
  for (std::size_t i = 0; i + 1 < pr.recall.size(); ++i) sum += (pr.recall[i + 1] - pr.recall[i]) * pr.precision[i];
  return -sum;
}

}  // namespace hourglass
