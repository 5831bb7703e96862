// hourglass/core/shape.hpp — the compile-time shape of one sample.
//
// One sample is one column of a batch matrix (samples are columns everywhere in hourglass).
// Shape<N> is a vector of N numbers; Shape<C, H, W> is an image of C channels of H x W pixels,
// stored in the column channel-major, then row, then column: element (c, y, x) of a sample is row
// c·H·W + y·W + x of its column — PyTorch's per-sample NCHW order, so a [N, C, H, W] tensor read
// sample by sample is a batch of columns here.
#pragma once

#include "config.hpp"

#include <string>

namespace hourglass {

template <Index C, Index H = 1, Index W = 1>
struct Shape {
  static_assert(C > 0 && H > 0 && W > 0, "Shape<C, H, W>: every extent must be positive");
  static constexpr Index channels = C;
  static constexpr Index height = H;
  static constexpr Index width = W;
  /// Numbers per sample: the rows of a batch matrix of this shape.
  static constexpr Index size = C * H * W;
  /// 1 for a vector (H = W = 1), else 3.
  static constexpr int rank = (H == 1 && W == 1) ? 1 : 3;
  /// "784" or "16x14x14" (C x H x W), for model files and messages.
  static std::string describe() {
    if constexpr (rank == 1) {
      return std::to_string(C);
    } else {
      return std::to_string(C) + "x" + std::to_string(H) + "x" + std::to_string(W);
    }
  }
};

template <class T>
inline constexpr bool is_shape = false;
template <Index C, Index H, Index W>
inline constexpr bool is_shape<Shape<C, H, W>> = true;

}  // namespace hourglass
