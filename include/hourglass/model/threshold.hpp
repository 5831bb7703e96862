// hourglass/model/threshold.hpp — a decision threshold on anomaly scores and how it was fitted.
//
// A value type, small enough to be stored with a model (and in its file): fitting it is
// applications/anomaly.hpp's job (quantile_threshold, mean_std_threshold); this header only holds
// the result. Scores are "higher = more anomalous" (reconstruction error, for an autoencoder).
#pragma once

#include "../core/config.hpp"

#include <cstdio>
#include <optional>
#include <string>
#include <string_view>

namespace hourglass {

/// A decision threshold on anomaly scores, with how it was fitted.
struct AnomalyThreshold {
  enum class Method {
    quantile,         ///< the q-quantile of normal training scores (numpy's default, linear)
    mean_plus_k_std,  ///< mean + k * standard deviation (population, ddof = 0) of normal training scores
    fixed             ///< a value given by hand
  };
  Method method = Method::fixed;
  double parameter = 0;  ///< the quantile q in (0, 1), or k, or 0 for fixed
  double value = 0;      ///< score > value  =>  anomaly
  Index samples = 0;     ///< how many scores it was fitted on (0 for fixed)

  /// Strictly above the threshold is an anomaly; a score equal to it is normal.
  bool is_anomaly(double score) const { return score > value; }
  /// E.g. "quantile(q=0.99) = 0.0123 on 5000 samples", "fixed = 0.5".
  std::string describe() const;
};

/// "quantile", "mean_plus_k_std", "fixed" (the names a model file stores).
inline std::string_view method_name(AnomalyThreshold::Method method) {
  switch (method) {
    case AnomalyThreshold::Method::quantile: return "quantile";
    case AnomalyThreshold::Method::mean_plus_k_std: return "mean_plus_k_std";
    case AnomalyThreshold::Method::fixed: return "fixed";
  }
  return "unknown";
}

/// The method named `name` (as method_name writes it), or empty for any other text.
inline std::optional<AnomalyThreshold::Method> method_from_name(std::string_view name) {
  for (const auto m : {AnomalyThreshold::Method::quantile, AnomalyThreshold::Method::mean_plus_k_std,
                       AnomalyThreshold::Method::fixed})
    if (method_name(m) == name) return m;
  return std::nullopt;
}

inline std::string AnomalyThreshold::describe() const {
  char value_text[32];
  std::snprintf(value_text, sizeof value_text, "%.6g", value);
  switch (method) {
    case Method::quantile:
      return detail::message("quantile(q=", parameter, ") = ", value_text, " on ", samples, " samples");
    case Method::mean_plus_k_std:
      return detail::message("mean_plus_k_std(k=", parameter, ") = ", value_text, " on ", samples, " samples");
    case Method::fixed: break;
  }
  return detail::message("fixed = ", value_text);
}

}  // namespace hourglass
