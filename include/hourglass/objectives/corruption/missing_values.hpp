// hourglass/objectives/corruption/missing_values.hpp — training on data with missing entries.
//
//   every NaN of the training input (a missing value) is replaced by `fill` before the encoder
//   sees it; the target keeps its NaN, so a masked loss (objectives/masked_losses.hpp) counts
//   only the observed entries and the model learns to fill the gaps from what it sees.
//
// `fill` is in the model's (scaled) units: with Scaler::standardize, 0 is the feature's mean.
// The model applies the same fill at inference (evaluate, score, applications/imputation.hpp);
// without this policy a model refuses data holding NaN. Combine with MaskingNoise to also hide
// observed entries during training (a denoising imputer, Gondara & Wang 2018, "MIDA").
#pragma once

#include "../../core/config.hpp"
#include "../../core/random.hpp"
#include "../describe.hpp"

#include <cmath>
#include <string>
#include <string_view>

namespace hourglass {

struct MissingValues {
  static constexpr std::string_view name = "missing_values";

  double fill = 0.0;  ///< what a missing entry becomes at the encoder's input (scaled units)

  void validate() const { detail::require(std::isfinite(fill), "MissingValues: fill must be finite, got ", fill); }
  std::string describe() const { return detail::message(name, "(fill=", detail::describe_number(fill), ")"); }

  /// x := x with every NaN replaced by fill (the Random is not used: the same fill every time).
  template <class D>
  void corrupt(Eigen::MatrixBase<D>& x, Random&) const {
    fill_missing(x);
  }
  template <class D>
  void fill_missing(Eigen::MatrixBase<D>& x) const {
    using S = typename D::Scalar;
    x = x.array().isNaN().select(S(fill), x.array()).matrix();
  }
};

}  // namespace hourglass
