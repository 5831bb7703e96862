// hourglass/objectives/corruption/masking.hpp — masking noise for denoising (Vincent et al. 2008).
//
//   each element is set to 0 with probability `fraction`, independently, fresh every batch
//
// Applied by the model to the training input only; the clean batch stays the target.
#pragma once

#include "../../core/config.hpp"
#include "../../core/random.hpp"
#include "../describe.hpp"

#include <cmath>
#include <string>
#include <string_view>

namespace hourglass {

struct MaskingNoise {
  static constexpr std::string_view name = "masking_noise";

  double fraction = 0.25;  ///< probability that an element is zeroed, in [0, 1]

  void validate() const {
    detail::require(fraction >= 0 && fraction <= 1, "MaskingNoise: fraction must be in [0, 1], got ", fraction);
  }
  std::string describe() const { return detail::message(name, "(fraction=", detail::describe_number(fraction), ")"); }

  template <class D>
  void corrupt(Eigen::MatrixBase<D>& x, Random& rng) const {
    for (Index j = 0; j < x.cols(); ++j)
      for (Index i = 0; i < x.rows(); ++i)
        if (rng.uniform() < fraction) x(i, j) = 0;
  }
};

}  // namespace hourglass
