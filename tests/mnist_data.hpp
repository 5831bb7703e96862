// MNIST for the tests that use it (test_pca_mnist, test_imputation_mnist): where it is (data/mnist,
// git-ignored; tests skip with "SKIPPED: ..." when it is absent) and a tiny IDX3 reader (the
// library's own lives in hourglass/io, which these tests do not link).
#pragma once

#include <catch2/catch.hpp>

#include <Eigen/Core>

#include <cstdint>
#include <filesystem>
#include <fstream>
#include <iterator>
#include <vector>

#ifndef HOURGLASS_MNIST_DIR
#define HOURGLASS_MNIST_DIR "data/mnist"
#endif

namespace test {

/// Pixels / 255, one image per column.
inline Eigen::MatrixXf read_mnist_images(const std::filesystem::path& path) {
  std::ifstream in(path, std::ios::binary);
  const std::vector<unsigned char> bytes((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
  auto be32 = [&](std::size_t at) {
    return std::uint32_t(bytes[at]) << 24 | std::uint32_t(bytes[at + 1]) << 16 | std::uint32_t(bytes[at + 2]) << 8 |
           std::uint32_t(bytes[at + 3]);
  };
  REQUIRE(bytes.size() >= 16);
  REQUIRE(be32(0) == 0x00000803u);
  const std::size_t count = be32(4), pixels = std::size_t(be32(8)) * be32(12);
  REQUIRE(bytes.size() == 16 + count * pixels);
  Eigen::MatrixXf x(static_cast<Eigen::Index>(pixels), static_cast<Eigen::Index>(count));
  for (std::size_t i = 0; i < count * pixels; ++i) x.data()[i] = static_cast<float>(bytes[16 + i]) / 255.0f;
  return x;
}

}  // namespace test
