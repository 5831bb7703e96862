// The autoencoder against the PCA baseline on MNIST: for code sizes k in {2, 8, 16, 32, 64}, fit
// PCA, train a linear autoencoder (784-k-784, no activations) and the `small`-shaped nonlinear one
// (784-256-64-k-64-256-784, ReLU hidden, sigmoid output) for a fixed budget of epochs, and print
// one table of test errors (per-pixel MSE, per-image SSE), wall times and the AE/PCA error ratio.
//
//   hourglass_vs_pca [--data DIR] [--epochs N] [--linear-epochs N] [--threads N] [--csv FILE]
#include <hourglass/hourglass.hpp>

#include "mnist_local.hpp"

#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <fstream>
#include <string>
#include <vector>

#ifdef _OPENMP
#include <omp.h>
#endif

namespace hg = hourglass;

namespace {

struct Options {
  std::string data = "data/mnist";
  int epochs = 10;         // nonlinear AE
  int linear_epochs = 20;  // linear AE
  int threads = 0;         // 0: Eigen's default
  std::string csv;
};

struct Row {
  int k = 0;
  std::string method;
  double mse = 0, sse = 0, seconds = 0, ratio = 1;
};

using Clock = std::chrono::steady_clock;
double since(Clock::time_point t) { return std::chrono::duration<double>(Clock::now() - t).count(); }

/// Adam 1e-3 (3e-3 for the linear model), batch 256, cosine decay to 1e-5 over the budget.
template <class Model>
double train(Model& model, const Eigen::MatrixXf& train_set, int epochs, double rate) {
  hg::Adam<float> adam({.learning_rate = rate});
  hg::FitOptions options;
  options.epochs = epochs;
  options.batch_size = 256;
  options.schedule = hg::schedule::cosine(epochs, 1e-5);
  options.progress = hg::Progress::never;
  const auto start = Clock::now();
  hg::fit(model, adam, train_set, options);
  return since(start);
}

template <int K>
void run_k(const bench::Mnist& data, const Options& options, std::vector<Row>& rows) {
  const double pixels = static_cast<double>(data.test.rows());
  auto start = Clock::now();
  hg::PCA<float> pca(K);
  pca.fit(data.train);
  const double pca_seconds = since(start);
  const double pca_mse = pca.mean_squared_error(data.test);
  rows.push_back({K, "PCA", pca_mse, pca_mse * pixels, pca_seconds, 1.0});
  std::fprintf(stderr, "k=%-3d PCA        MSE %.5f  %.1f s\n", K, pca_mse, pca_seconds);

  using Linear = hg::Autoencoder<hg::Encoder<hg::Dense<784, K>>, hg::Decoder<hg::Dense<K, 784>>>;
  Linear linear(7);
  double seconds = train(linear, data.train, options.linear_epochs, 3e-3);
  double mse = linear.evaluate(hg::MSE{}, data.test);
  rows.push_back({K, "linear AE", mse, mse * pixels, seconds, mse / pca_mse});
  std::fprintf(stderr, "k=%-3d linear AE  MSE %.5f  %.1f s\n", K, mse, seconds);

  using Small = hg::Autoencoder<
      hg::Encoder<hg::Dense<784, 256, hg::ReLU>, hg::Dense<256, 64, hg::ReLU>, hg::Dense<64, K>>,
      hg::Decoder<hg::Dense<K, 64, hg::ReLU>, hg::Dense<64, 256, hg::ReLU>, hg::Dense<256, 784, hg::Sigmoid>>>;
  Small small(7);
  seconds = train(small, data.train, options.epochs, 1e-3);
  mse = small.evaluate(hg::MSE{}, data.test);
  rows.push_back({K, "small AE", mse, mse * pixels, seconds, mse / pca_mse});
  std::fprintf(stderr, "k=%-3d small AE   MSE %.5f  %.1f s\n", K, mse, seconds);
}

Options parse(int argc, char** argv) {
  Options o;
  for (int i = 1; i < argc; ++i) {
    const std::string arg = argv[i];
    auto value = [&]() -> std::string {
      if (i + 1 >= argc) {
        std::fprintf(stderr, "error: %s needs a value\n", arg.c_str());
        std::exit(2);
      }
      return argv[++i];
    };
    if (arg == "--data") o.data = value();
    else if (arg == "--epochs") o.epochs = std::stoi(value());
    else if (arg == "--linear-epochs") o.linear_epochs = std::stoi(value());
    else if (arg == "--threads") o.threads = std::stoi(value());
    else if (arg == "--csv") o.csv = value();
    else {
      std::fprintf(stderr, "usage: %s [--data DIR] [--epochs N] [--linear-epochs N] [--threads N] [--csv FILE]\n",
                   argv[0]);
      std::exit(arg == "--help" || arg == "-h" ? 0 : 2);
    }
  }
  if (o.epochs < 1 || o.linear_epochs < 1) {
    std::fprintf(stderr, "error: epochs must be >= 1\n");
    std::exit(2);
  }
  return o;
}

}  // namespace

int main(int argc, char** argv) {
  const Options options = parse(argc, argv);
  if (options.threads > 0) {
    Eigen::setNbThreads(options.threads);
#ifdef _OPENMP
    omp_set_num_threads(options.threads);
#endif
  }
  const bench::Mnist data = bench::load_mnist_or_exit(options.data);
  std::vector<Row> rows;
  const auto start = Clock::now();
  run_k<2>(data, options, rows);
  run_k<8>(data, options, rows);
  run_k<16>(data, options, rows);
  run_k<32>(data, options, rows);
  run_k<64>(data, options, rows);

  std::printf("MNIST, fit on the 60,000 training images, errors on the 10,000 test images.\n");
  std::printf("Budget: linear AE %d epochs (Adam 3e-3), small AE %d epochs (Adam 1e-3); batch 256, cosine decay "
              "to 1e-5, MSE loss, float32, %d threads.\n\n",
              options.linear_epochs, options.epochs, Eigen::nbThreads());
  std::printf("| k | method | test MSE/pixel | test SSE/image | wall time (s) | error AE/PCA |\n");
  std::printf("|---:|---|---:|---:|---:|---:|\n");
  for (const Row& r : rows)
    std::printf("| %d | %s | %.5f | %.3f | %.2f | %.3f |\n", r.k, r.method.c_str(), r.mse, r.sse, r.seconds, r.ratio);
  std::printf("\nTotal %.0f s.\n", since(start));
  if (!options.csv.empty()) {
    std::ofstream csv(options.csv);
    csv << "k,method,mse,sse,seconds,ratio\n";
    for (const Row& r : rows) csv << r.k << ',' << r.method << ',' << r.mse << ',' << r.sse << ',' << r.seconds << ',' << r.ratio << '\n';
  }
  return 0;
}
