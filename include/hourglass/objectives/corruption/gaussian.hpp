// hourglass/objectives/corruption/gaussian.hpp — additive Gaussian noise for denoising.
//
//   x~ = x + sigma * N(0, 1)        independently per element, fresh every batch
//
// Applied by the model to the training input only; the clean batch stays the target, and
// encode/reconstruct/evaluate never corrupt. docs/variants.md.
#pragma once

#include "../../core/config.hpp"
#include "../../core/random.hpp"
#include "../describe.hpp"

#include <cmath>
#include <string>
#include <string_view>

namespace hourglass {

struct GaussianNoise {
  static constexpr std::string_view name = "gaussian_noise";

  double sigma = 0.1;  ///< standard deviation, >= 0

  void validate() const {
    detail::require(std::isfinite(sigma) && sigma >= 0, "GaussianNoise: sigma must be finite and >= 0, got ", sigma);
  }
  std::string describe() const { return detail::message(name, "(sigma=", detail::describe_number(sigma), ")"); }

  template <class D>
  void corrupt(Eigen::MatrixBase<D>& x, Random& rng) const {
    using Scalar = typename D::Scalar;
    for (Index j = 0; j < x.cols(); ++j)
      for (Index i = 0; i < x.rows(); ++i) x(i, j) += static_cast<Scalar>(sigma * rng.normal());
  }
};

}  // namespace hourglass
