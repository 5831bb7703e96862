// hourglass/applications/imputation.hpp — filling missing values (NaN) from an autoencoder's
// reconstruction.
//
// A model trained with a masked loss on data with gaps (MaskedMSE or MaskedBCE and the
// MissingValues policy: docs/applications.md, "Missing values") has learned to reconstruct every
// feature from the observed ones. impute() keeps each observed value and replaces each missing
// one by the reconstruction:
//   pass 1:   input = X scaled, NaN := the MissingValues fill (0 for a model without the policy)
//   pass k:   input = X scaled, NaN := pass k-1's reconstruction        (options.iterations > 1)
//   result:   observed entries of X unchanged, missing ones := the last reconstruction, in data units
// (the iteration is the fixed-point scheme of iterative SVD imputation, Troyanskaya et al. 2001,
// applied to the autoencoder; one pass is what the model was trained for).
#pragma once

#include "../core/config.hpp"
#include "../model/batch_checks.hpp"

#include <stdexcept>

namespace hourglass {

struct ImputeOptions {
  int iterations = 1;  ///< passes through the model, >= 1
};

/// X (input_size x n, data units, NaN = missing) with every missing entry filled from the model's
/// reconstruction; observed entries are returned as given. Throws std::invalid_argument for a
/// wrong shape, Inf in X, or iterations < 1.
template <class Model, class D>
Matrix<typename Model::Scalar> impute(const Model& model, const Eigen::MatrixBase<D>& x, const ImputeOptions& options = {}) {
  using Scalar = typename Model::Scalar;
  constexpr std::size_t depth = Model::depth;
  detail::require(options.iterations >= 1, "impute: iterations must be >= 1, got ", options.iterations);
  const Matrix<Scalar> given = x.template cast<Scalar>();
  detail::require_batch(given, Model::input_size, "impute");
  if (!(given.array().isNaN() || given.array().isFinite()).all())
    throw std::invalid_argument("impute: X holds Inf (NaN marks a missing value; Inf is not data)");
  const Eigen::Array<bool, Eigen::Dynamic, Eigen::Dynamic> missing = given.array().isNaN();
  Matrix<Scalar> target = given;
  model.scaler().transform_in_place(target);  // NaN stays NaN
  Matrix<Scalar> input = model.network_input(given);
  input = input.array().isNaN().select(Scalar(0), input.array()).matrix();
  Matrix<Scalar> reconstruction;
  for (int pass = 0; pass < options.iterations; ++pass) {
    reconstruction = model.network().template forward_range<0, depth>(input);
    input = missing.select(reconstruction.array(), target.array()).matrix();
  }
  model.scaler().inverse_transform_in_place(reconstruction);
  return missing.select(reconstruction.array(), given.array()).matrix();
}

}  // namespace hourglass
