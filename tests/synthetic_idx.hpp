// A synthetic IDX image file written one image at a time (the whole set is never in memory):
// 28 x 28 pseudo-digits of one to three blurred blobs, deterministic for a seed. For the
// out-of-core test (test_io_stream.cpp), which must not raise the process's peak memory before
// it measures the streamed fit.
#pragma once

#include <hourglass/core/random.hpp>

#include <algorithm>
#include <array>
#include <cmath>
#include <cstdint>
#include <filesystem>
#include <fstream>
#include <stdexcept>

namespace test {

/// Writes `count` 28 x 28 unsigned-byte images as a plain IDX3 file.
inline void write_blob_images(const std::filesystem::path& path, std::uint32_t count, std::uint64_t seed) {
  constexpr int side = 28;
  std::ofstream out(path, std::ios::binary | std::ios::trunc);
  const std::array<unsigned char, 16> header{0, 0, 0x08, 3,
                                             static_cast<unsigned char>(count >> 24), static_cast<unsigned char>(count >> 16),
                                             static_cast<unsigned char>(count >> 8), static_cast<unsigned char>(count),
                                             0, 0, 0, side, 0, 0, 0, side};
  out.write(reinterpret_cast<const char*>(header.data()), header.size());
  hourglass::Random rng(seed);
  std::array<unsigned char, side * side> image{};
  for (std::uint32_t i = 0; i < count; ++i) {
    const int blobs = 1 + static_cast<int>(rng.below(3));
    std::array<double, side * side> sum{};
    for (int b = 0; b < blobs; ++b) {
      const double cy = rng.uniform(6.0, 22.0), cx = rng.uniform(6.0, 22.0), sigma = rng.uniform(1.5, 4.0);
      const double height = rng.uniform(0.6, 1.2);
      for (int y = 0; y < side; ++y)
        for (int x = 0; x < side; ++x) {
          const double d2 = (y - cy) * (y - cy) + (x - cx) * (x - cx);
          sum[static_cast<std::size_t>(y * side + x)] += height * std::exp(-d2 / (2 * sigma * sigma));
        }
    }
    for (std::size_t p = 0; p < image.size(); ++p)
      image[p] = static_cast<unsigned char>(std::lround(255.0 * std::min(1.0, sum[p])));
    out.write(reinterpret_cast<const char*>(image.data()), image.size());
  }
  if (!out) throw std::runtime_error("write_blob_images: cannot write " + path.string());
}

}  // namespace test
