// Writes the seed corpora of the fuzz harnesses: valid files of each format made by the library's
// own writers, plus truncated and lying ones. Run once by hand; its output is committed under
// tests/fuzz/corpus/<harness>/ (scripts/fuzz.sh copies them into a scratch corpus before a run).
//   build/fuzz/fuzz_make_corpus tests/fuzz/corpus
#include "fuzz_common.hpp"

#include <fstream>
#include <iostream>
#include <vector>

namespace hg = hourglass;
namespace io = hourglass::io;
namespace fs = std::filesystem;

namespace {

std::vector<unsigned char> read(const fs::path& path) {
  std::ifstream in(path, std::ios::binary);
  return {std::istreambuf_iterator<char>(in), std::istreambuf_iterator<char>()};
}
void write(const fs::path& path, const std::vector<unsigned char>& bytes) {
  std::ofstream out(path, std::ios::binary | std::ios::trunc);
  out.write(reinterpret_cast<const char*>(bytes.data()), static_cast<std::streamsize>(bytes.size()));
}
/// Adds `<name>.cut<k>` files holding the first k bytes of `path`, for each k in `lengths`.
void truncations(const fs::path& path, std::initializer_list<std::size_t> lengths) {
  const auto bytes = read(path);
  for (const std::size_t k : lengths) {
    if (k >= bytes.size()) continue;
    write(fs::path(path.string() + ".cut" + std::to_string(k)),
          std::vector<unsigned char>(bytes.begin(), bytes.begin() + static_cast<std::ptrdiff_t>(k)));
  }
}

void idx(const fs::path& dir) {
  Eigen::MatrixXf images(16, 3);
  for (Eigen::Index i = 0; i < images.size(); ++i) images.data()[i] = static_cast<float>(i % 7) / 6.0f;
  io::write_idx_images(dir / "images.idx", images, 4, 4);
  io::write_idx_images(dir / "images.idx.gz", images, 4, 4);
  const Eigen::VectorXi labels = (Eigen::VectorXi(3) << 7, 0, 255).finished();
  io::write_idx_labels(dir / "labels.idx", labels);
  io::write_idx_labels(dir / "labels.idx.gz", labels);
  truncations(dir / "images.idx", {3, 10, 40});
  truncations(dir / "images.idx.gz", {12, 30});
  // A header that claims 60000 images of 28 x 28 over 48 bytes of data.
  write(dir / "images.claims-more", {0, 0, 8, 3, 0, 0, 0xea, 0x60, 0, 0, 0, 28, 0, 0, 0, 28, 1, 2, 3, 4});
  // Dimensions whose product overflows 64 bits.
  write(dir / "images.overflow", {0, 0, 8, 3, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0});
  // An element type other than unsigned bytes (float).
  write(dir / "floats.idx", {0, 0, 0x0d, 1, 0, 0, 0, 1, 0, 0, 0x80, 0x3f});
}

void model(const fs::path& dir) {
  fuzz::Model m(3);
  const Eigen::MatrixXf x = Eigen::MatrixXf::Constant(4, 5, 0.25f);
  hg::Adam<float> adam;
  m.compute_gradients(hg::MSE{}, x, x);
  adam.step(m.parameters());
  io::save_model(dir / "model.safetensors", m);
  io::save_model(dir / "model-adam.safetensors", m, adam, {{"note", "seed"}});
  hg::RMSprop<float> rmsprop({.momentum = 0.5});
  rmsprop.step(m.parameters());
  io::save_model(dir / "model-rmsprop.safetensors", m, rmsprop);
  hg::BasicAutoencoder<double, fuzz::Model::encoder_type, fuzz::Model::decoder_type> d(3);
  io::save_model(dir / "model-double.safetensors", d);
  truncations(dir / "model-adam.safetensors", {7, 8, 100, 600});
  // format_version 4's own entries: a scaler and a threshold, and an encoder file.
  m.set_scaler(hg::Scaler<float>::min_max(Eigen::MatrixXf::Random(4, 6), 0, 1, true));
  m.set_threshold({hg::AnomalyThreshold::Method::quantile, 0.99, 0.125, 6});
  io::save_model(dir / "model-scaler-threshold.safetensors", m);
  io::save_encoder(dir / "encoder.safetensors", m);
}

void pca(const fs::path& dir) {
  Eigen::MatrixXd x(5, 8);
  for (Eigen::Index j = 0; j < x.cols(); ++j)
    for (Eigen::Index i = 0; i < x.rows(); ++i) x(i, j) = static_cast<double>((i + 1) * (j % 3)) - 0.5 * static_cast<double>(j);
  hg::PCA<double> p(2);
  p.fit(x);
  io::save_pca(dir / "pca-double.safetensors", p);
  hg::PCA<float> f(3);
  f.fit(x.cast<float>());
  io::save_pca(dir / "pca-float.safetensors", f);
  truncations(dir / "pca-float.safetensors", {8, 200});
}

}  // namespace

int main(int argc, char** argv) {
  if (argc != 2) {
    std::cerr << "usage: fuzz_make_corpus CORPUS_DIR\n";
    return 2;
  }
  const fs::path root = argv[1];
  for (const char* h : {"idx", "safetensors_model", "pca"}) fs::create_directories(root / h);
  idx(root / "idx");
  model(root / "safetensors_model");
  pca(root / "pca");
  std::cout << "seed corpora written under " << root << "\n";
}
