// CI helper for the MNIST example's end-to-end test.
//   mnist_e2e_tool make-data DIR       writes a small MNIST-shaped data set (28x28, 10 labels):
//                                      training files plain, test files gzip
//   mnist_e2e_tool check DIR EPOCHS [ROWS POLICY]
//                                      checks every output of a training run: the PNGs (signature,
//                                      IHDR, non-trivial size; reconstructions.png has ROWS rows of
//                                      digits, default 3), history.csv (header, one row per epoch,
//                                      finite numbers), model.safetensors (its policies metadata
//                                      starts with POLICY, default none) and pca.safetensors
//   mnist_e2e_tool same-model A B TOL  the two model files hold the same tensors (names, shapes)
//                                      whose float values differ by at most TOL (a run under
//                                      mpirun against the same run on one process)
#include <hourglass/hourglass.hpp>
#include <hourglass/io.hpp>

#include <cmath>
#include <cstdio>
#include <fstream>
#include <sstream>
#include <string>
#include <vector>

namespace hg = hourglass;
namespace io = hourglass::io;

namespace {

/// Label k: a thick stroke through the centre at angle k * 18 degrees, plus a little noise.
hg::io::LabelledImages<float> synthetic(int n, std::uint64_t seed) {
  hg::Random rng(seed);
  hg::io::LabelledImages<float> set;
  set.rows = set.cols = 28;
  set.images = Eigen::MatrixXf::Zero(784, n);
  set.labels.resize(n);
  for (int j = 0; j < n; ++j) {
    const int label = j % 10;
    set.labels[j] = label;
    const double a = label * 3.14159265358979 / 10 + rng.uniform(-0.1, 0.1);
    const double cx = 14 + rng.uniform(-2, 2), cy = 14 + rng.uniform(-2, 2);
    for (int r = 0; r < 28; ++r)
      for (int c = 0; c < 28; ++c) {
        const double d = std::abs(-(c - cx) * std::sin(a) + (r - cy) * std::cos(a));
        const double along = std::abs((c - cx) * std::cos(a) + (r - cy) * std::sin(a));
        const double v = along < 10 ? std::max(0.0, 1.0 - d / 2.0) : 0.0;
        set.images(r * 28 + c, j) = static_cast<float>(std::clamp(v + rng.uniform(0, 0.05), 0.0, 1.0));
      }
  }
  return set;
}

int failures = 0;
void check(bool ok, const std::string& what) {
  std::printf("%s %s\n", ok ? "ok  " : "FAIL", what.c_str());
  if (!ok) ++failures;
}

void check_png(const std::filesystem::path& p, int min_w, int min_h) {
  std::ifstream in(p, std::ios::binary);
  std::vector<unsigned char> b((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
  const unsigned char sig[8] = {0x89, 'P', 'N', 'G', '\r', '\n', 0x1a, '\n'};
  const bool png = b.size() > 33 && std::equal(sig, sig + 8, b.begin()) && std::string(b.begin() + 12, b.begin() + 16) == "IHDR";
  auto be = [&](std::size_t i) { return (b[i] << 24) | (b[i + 1] << 16) | (b[i + 2] << 8) | b[i + 3]; };
  const bool iend = b.size() > 12 && std::string(b.end() - 8, b.end() - 4) == "IEND";
  check(png && iend && be(16) >= min_w && be(20) >= min_h,
        p.filename().string() + " is a PNG of at least " + std::to_string(min_w) + "x" + std::to_string(min_h) +
            (png ? " (" + std::to_string(be(16)) + "x" + std::to_string(be(20)) + ")" : ""));
}

}  // namespace

int main(int argc, char** argv) {
  const std::vector<std::string> args(argv + 1, argv + argc);
  try {
    if (args.size() == 2 && args[0] == "make-data") {
      const std::filesystem::path dir = args[1];
      std::filesystem::create_directories(dir);
      const auto train = synthetic(300, 1), test = synthetic(100, 2);
      io::write_idx_images(dir / "train-images-idx3-ubyte", train.images, 28, 28);
      io::write_idx_labels(dir / "train-labels-idx1-ubyte", train.labels);
      io::write_idx_images(dir / "t10k-images-idx3-ubyte.gz", test.images, 28, 28);
      io::write_idx_labels(dir / "t10k-labels-idx1-ubyte.gz", test.labels);
      std::printf("wrote a 300 + 100 image data set to %s\n", dir.c_str());
      return 0;
    }
    if (args.size() == 4 && args[0] == "same-model") {
      const io::SafetensorsReader a(args[1]), b(args[2]);
      const double tolerance = std::stod(args[3]);
      double worst = 0;
      check(a.tensors().size() == b.tensors().size(), "both files hold the same number of tensors");
      for (const auto& [name, info] : a.tensors()) {
        check(b.has(name) && b.tensors().at(name).shape == info.shape, "both files hold " + name + " in one shape");
        const auto x = a.elements<float>(name), y = b.elements<float>(name);
        for (std::size_t i = 0; i < x.size(); ++i) worst = std::max(worst, std::abs(static_cast<double>(x[i]) - y[i]));
      }
      check(worst <= tolerance, "largest parameter difference " + std::to_string(worst) + " <= " + args[3]);
      std::printf("%zu tensors, largest parameter difference %.3g\n", a.tensors().size(), worst);
      return failures == 0 ? 0 : 1;
    }
    if ((args.size() == 3 || args.size() == 5) && args[0] == "check") {
      const std::filesystem::path dir = args[1];
      const int epochs = std::stoi(args[2]);
      const int rows_of_digits = args.size() == 5 ? std::stoi(args[3]) : 3;
      const std::string policy = args.size() == 5 ? args[4] : "none";
      check_png(dir / "reconstructions.png", 20 * 56, rows_of_digits * 56);
      check_png(dir / "latent.png", 400, 400);
      check_png(dir / "loss.png", 400, 300);

      std::ifstream csv(dir / "history.csv");
      std::string line;
      std::getline(csv, line);
      check(line == "epoch,train_loss,test_loss,learning_rate,seconds", "history.csv header: " + line);
      int rows = 0;
      bool numbers = true;
      while (std::getline(csv, line)) {
        ++rows;
        std::stringstream s(line);
        std::string cell;
        int cells = 0;
        while (std::getline(s, cell, ',')) {
          ++cells;
          try {
            numbers = numbers && std::isfinite(std::stod(cell));
          } catch (const std::exception&) {
            numbers = false;
          }
        }
        numbers = numbers && cells == 5;
      }
      check(rows == epochs && numbers, "history.csv has " + std::to_string(rows) + " rows of 5 finite numbers");

      const io::SafetensorsReader model(dir / "model.safetensors");
      check(model.metadata("format") == "hourglass" && model.contains("encoder.0.weight") &&
                model.info("encoder.0.weight").shape == std::vector<std::int64_t>{256, 784} &&
                model.contains("decoder.2.bias"),
            "model.safetensors: " + model.metadata("architecture"));
      check(model.metadata("policies").starts_with(policy), "model.safetensors policies: " + model.metadata("policies"));
      const auto pca = io::load_pca<float>(dir / "pca.safetensors");
      check(pca.n_components() == 32 && pca.dimension() == 784, "pca.safetensors: 32 components of 784");
      return failures == 0 ? 0 : 1;
    }
    if ((args.size() == 3 || args.size() == 4) && args[0] == "check-vae") {
      // --variant vae's outputs: the pictures, history.csv's 6 columns, the model's VAE tensors.
      const std::filesystem::path dir = args[1];
      const int epochs = std::stoi(args[2]);
      const int latent = args.size() == 4 ? std::stoi(args[3]) : 20;
      check_png(dir / "samples.png", 10 * 56, 10 * 56);
      check_png(dir / "reconstructions.png", 20 * 56, 3 * 56);
      check_png(dir / "latent.png", 400, 400);
      check_png(dir / "loss.png", 400, 300);
      if (latent == 2) check_png(dir / "manifold.png", 20 * 28, 20 * 28);
      check(std::filesystem::exists(dir / "manifold.png") == (latent == 2), "manifold.png exactly for 2 latent units");
      std::ifstream csv(dir / "history.csv");
      std::string line;
      std::getline(csv, line);
      check(line == "epoch,train_reconstruction,train_kl,test_negative_elbo,learning_rate,seconds", "history.csv header: " + line);
      int rows = 0;
      while (std::getline(csv, line)) ++rows;
      check(rows == epochs, "history.csv has " + std::to_string(rows) + " rows");
      const io::SafetensorsReader model(dir / "model.safetensors");
      // The 2K head: encoder.2 in the dense preset (Linear, ReLU, Linear), encoder.5 in conv
      // (Conv, ReLU, Conv, ReLU, Flatten, Linear).
      const std::string head = model.contains("encoder.5.weight") ? "encoder.5.weight" : "encoder.2.weight";
      check(model.metadata("variant") == "vae" && model.contains("encoder.0.weight") && model.contains(head) &&
                model.info(head).shape == std::vector<std::int64_t>{2 * latent, model.info(head).shape.back()},
            "model.safetensors (" + head + " holds 2K rows): " + model.metadata("architecture"));
      return failures == 0 ? 0 : 1;
    }
  } catch (const std::exception& e) {
    std::fprintf(stderr, "mnist_e2e_tool: %s\n", e.what());
    return 1;
  }
  std::fprintf(stderr, "usage: mnist_e2e_tool make-data DIR | check DIR EPOCHS [ROWS POLICY] | check-vae DIR EPOCHS [LATENT]\n");
  return 2;
}
