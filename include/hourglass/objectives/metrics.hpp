// hourglass/objectives/metrics.hpp — evaluation metrics for reconstructions.
//
// Hinton & Salakhutdinov (2006) report the squared error SUMMED over the pixels of an image and
// AVERAGED over images; the losses average over every element. Both are given here so a result
// can be compared with the paper and with PyTorch alike.
#pragma once

#include "../core/config.hpp"
#include "losses.hpp"

#include <optional>

namespace hourglass {

/// Per-element mean squared error (PyTorch's MSELoss, reduction='mean').
template <class A, class Y>
double mean_squared_error(const Eigen::MatrixBase<A>& reconstruction, const Eigen::MatrixBase<Y>& target) {
  detail::require_same_shape("mean_squared_error", "the reconstruction", reconstruction, "the target", target);
  return (reconstruction.template cast<double>() - target.template cast<double>()).squaredNorm() /
         static_cast<double>(target.size());
}

/// Hinton's metric: sum of squared errors over each sample's elements, mean over samples.
template <class A, class Y>
double sum_squared_error_per_sample(const Eigen::MatrixBase<A>& reconstruction, const Eigen::MatrixBase<Y>& target) {
  return mean_squared_error(reconstruction, target) * static_cast<double>(target.rows());
}

/// All three reconstruction figures for a model on a data set (no corruption, no penalties).
struct ReconstructionMetrics {
  double mse_per_element = 0;             ///< mean over elements of (x̂ - x)^2
  /// Mean over elements of the binary cross-entropy; empty when it has no meaning: the model's
  /// output is not a probability (its activation is not in (0, 1)) or the data leave [0, 1].
  std::optional<double> bce_per_element;
  double sse_per_sample = 0;              ///< Hinton's metric
};

template <class Model, class D>
ReconstructionMetrics reconstruction_metrics(const Model& model, const Eigen::MatrixBase<D>& x) {
  ReconstructionMetrics m;
  m.mse_per_element = model.evaluate(MeanSquaredError{}, x);
  using Output = typename Model::template layer_type<Model::depth - 1>::activation;
  if constexpr (Output::output_in_unit_interval) {
    if ((x.array() >= 0).all() && (x.array() <= 1).all()) m.bce_per_element = model.evaluate(BinaryCrossEntropy{}, x);
  }
  m.sse_per_sample = m.mse_per_element * static_cast<double>(x.rows());
  return m;
}

}  // namespace hourglass
