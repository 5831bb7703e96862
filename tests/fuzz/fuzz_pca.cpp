// libFuzzer harness: loading a PCA (float and double) from a safetensors file must survive any
// byte sequence — either a PCA whose parts agree and that transforms data, or io::FileError.
// scripts/fuzz.sh builds and runs it.
#include "fuzz_common.hpp"

namespace io = hourglass::io;

template <class Scalar>
void load(const std::filesystem::path& path) {
  try {
    const hourglass::PCA<Scalar> pca = io::load_pca<Scalar>(path);
    const hourglass::Index d = pca.dimension(), k = pca.n_components();
    fuzz::require(k >= 1 && d >= k && pca.components().rows() == d && pca.components().cols() == k,
                  "load_pca: inconsistent shapes");
    const hourglass::Matrix<Scalar> x = hourglass::Matrix<Scalar>::Zero(d, 2);
    const hourglass::Matrix<Scalar> z = pca.transform(x);
    fuzz::require(z.rows() == k && pca.inverse_transform(z).rows() == d, "load_pca: transform shapes");
  } catch (const io::FileError&) {
  }
}

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  const auto path = fuzz::write_input(data, size);
  load<float>(path);
  load<double>(path);
  return 0;
}
