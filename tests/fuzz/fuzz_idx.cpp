// libFuzzer harness: the IDX reader (plain and gzip) must survive any byte sequence — either a
// data set that matches its header, or io::FileError. Anything else (a crash, a sanitizer report,
// another exception, a huge allocation) is a bug. scripts/fuzz.sh builds and runs it.
#include "fuzz_common.hpp"

namespace io = hourglass::io;

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  const auto path = fuzz::write_input(data, size);
  try {
    const io::IdxFile idx = io::read_idx(path);
    std::uint64_t total = 1;
    for (const auto d : idx.header.dims) total *= d;
    fuzz::require(!idx.header.dims.empty() && idx.data.size() == total, "read_idx: data size differs from the header");
  } catch (const io::FileError&) {
  }
  try {
    hourglass::Index rows = 0, cols = 0;
    const Eigen::MatrixXf images = io::read_idx_images<float>(path, &rows, &cols);
    fuzz::require(images.rows() == rows * cols && images.cols() >= 1, "read_idx_images: shape");
    fuzz::require((images.array() >= 0).all() && (images.array() <= 1).all(), "read_idx_images: pixels outside [0, 1]");
  } catch (const io::FileError&) {
  }
  try {
    const Eigen::VectorXi labels = io::read_idx_labels(path);
    fuzz::require(labels.size() >= 1 && (labels.array() >= 0).all() && (labels.array() <= 255).all(),
                  "read_idx_labels: labels outside 0..255");
  } catch (const io::FileError&) {
  }
  return 0;
}
