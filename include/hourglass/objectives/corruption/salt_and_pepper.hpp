// hourglass/objectives/corruption/salt_and_pepper.hpp — salt-and-pepper noise for denoising.
//
//   each element, with probability `fraction`, is set to `low` or `high` (each with
//   probability 1/2), independently, fresh every batch
//
// Applied by the model to the training input only; the clean batch stays the target. Set low
// and high to the data's range (0 and 1 for pixels in [0, 1], the defaults).
#pragma once

#include "../../core/config.hpp"
#include "../../core/random.hpp"
#include "../describe.hpp"

#include <cmath>
#include <string>
#include <string_view>

namespace hourglass {

struct SaltAndPepper {
  static constexpr std::string_view name = "salt_and_pepper";

  double fraction = 0.1;  ///< probability that an element is replaced, in [0, 1]
  double low = 0.0;       ///< the "pepper" value
  double high = 1.0;      ///< the "salt" value, >= low

  void validate() const {
    detail::require(fraction >= 0 && fraction <= 1, "SaltAndPepper: fraction must be in [0, 1], got ", fraction);
    detail::require(std::isfinite(low) && std::isfinite(high) && low <= high,
                    "SaltAndPepper: low must be <= high (both finite), got low=", low, ", high=", high);
  }
  std::string describe() const {
    return detail::message(name, "(fraction=", detail::describe_number(fraction), ",low=", detail::describe_number(low),
                           ",high=", detail::describe_number(high), ")");
  }

  template <class D>
  void corrupt(Eigen::MatrixBase<D>& x, Random& rng) const {
    using Scalar = typename D::Scalar;
    for (Index j = 0; j < x.cols(); ++j)
      for (Index i = 0; i < x.rows(); ++i)
        if (rng.uniform() < fraction) x(i, j) = static_cast<Scalar>(rng.uniform() < 0.5 ? low : high);
  }
};

}  // namespace hourglass
