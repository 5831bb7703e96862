// A small self-contained reader for plain (uncompressed) MNIST IDX image files, for the
// benchmark programs only. TODO(lead): switch to hourglass/io/idx.hpp once the MNIST branch lands.
#pragma once

#include <Eigen/Core>

#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <iterator>
#include <stdexcept>
#include <string>
#include <vector>

namespace bench {

/// Images of an IDX3 file, one per column, scaled to [0, 1].
inline Eigen::MatrixXf read_idx_images(const std::filesystem::path& path) {
  std::ifstream in(path, std::ios::binary);
  if (!in) throw std::runtime_error("cannot open " + path.string());
  const std::vector<unsigned char> bytes((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
  auto be32 = [&](std::size_t at) {
    return std::uint32_t(bytes[at]) << 24 | std::uint32_t(bytes[at + 1]) << 16 | std::uint32_t(bytes[at + 2]) << 8 |
           std::uint32_t(bytes[at + 3]);
  };
  if (bytes.size() < 16 || be32(0) != 0x00000803u) throw std::runtime_error(path.string() + ": not an IDX3 image file");
  const std::size_t count = be32(4), pixels = std::size_t(be32(8)) * be32(12);
  if (bytes.size() != 16 + count * pixels) throw std::runtime_error(path.string() + ": size does not match its header");
  Eigen::MatrixXf x(static_cast<Eigen::Index>(pixels), static_cast<Eigen::Index>(count));
  for (std::size_t i = 0; i < count * pixels; ++i) x.data()[i] = static_cast<float>(bytes[16 + i]) / 255.0f;
  return x;
}

struct Mnist {
  Eigen::MatrixXf train, test;
};

/// train-images-idx3-ubyte and t10k-images-idx3-ubyte from `dir`; exits with a message telling
/// the user how to get them when they are missing.
inline Mnist load_mnist_or_exit(const std::filesystem::path& dir) {
  const auto train = dir / "train-images-idx3-ubyte", test = dir / "t10k-images-idx3-ubyte";
  if (!std::filesystem::exists(train) || !std::filesystem::exists(test)) {
    std::fprintf(stderr,
                 "error: MNIST not found: expected %s and %s\n"
                 "       run scripts/get-data.sh first (it downloads MNIST into data/mnist), or pass --data DIR\n",
                 train.string().c_str(), test.string().c_str());
    std::exit(2);
  }
  return {read_idx_images(train), read_idx_images(test)};
}

}  // namespace bench
