// MNIST for the benchmark programs: the library's IDX reader (hourglass/io/idx.hpp: plain or
// .gz files, every header checked), with a message telling the user how to get the data when the
// files are missing.
#pragma once

#include <hourglass/io/idx.hpp>

#include <Eigen/Core>

#include <cstdio>
#include <cstdlib>
#include <exception>
#include <filesystem>

namespace bench {

struct Mnist {
  Eigen::MatrixXf train, test;  ///< one image per column, in [0, 1]
};

/// MNIST's training and test images from `dir`; exits with a message on missing or damaged files.
inline Mnist load_mnist_or_exit(const std::filesystem::path& dir) {
  try {
    auto data = hourglass::io::read_mnist<float>(dir);
    return {std::move(data.train.images), std::move(data.test.images)};
  } catch (const std::exception& e) {
    std::fprintf(stderr,
                 "error: cannot read MNIST from %s: %s\n"
                 "       run scripts/get-data.sh first (it downloads MNIST into data/mnist), or pass --data DIR\n",
                 dir.string().c_str(), e.what());
    std::exit(2);
  }
}

}  // namespace bench
