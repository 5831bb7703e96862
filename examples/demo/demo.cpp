// A first look at hourglass without any data set: 16-dimensional points on a twisted closed
// curve, a 2-unit code, and the error of the autoencoder against the best linear 2-d projection.
#include <hourglass/hourglass.hpp>

#include <Eigen/Eigenvalues>
#include <cmath>
#include <cstdio>
#include <numbers>

namespace hg = hourglass;

int main() {
  constexpr int dims = 16, n = 20000;
  hg::Random rng(2026);
  Eigen::MatrixXf x(dims, n);
  for (int j = 0; j < n; ++j) {
    const double t = rng.uniform(0.0, 2 * std::numbers::pi);
    for (int i = 0; i < dims; ++i) {
      x(i, j) = static_cast<float>(0.5 + 0.35 * std::sin((i % 4 + 1) * t + 0.7 * i) + 0.01 * rng.normal());
    }
  }
  const Eigen::MatrixXf train = x.leftCols(16000), test = x.rightCols(4000);

  using Model = hg::Autoencoder<hg::Encoder<hg::Dense<dims, 64, hg::Tanh>, hg::Dense<64, 2>>,
                                hg::Decoder<hg::Dense<2, 64, hg::Tanh>, hg::Dense<64, dims, hg::Sigmoid>>>;
  Model model(1);
  hg::Adam<float> adam({.learning_rate = 3e-3});
  hg::FitOptions options;
  options.epochs = 40;
  options.batch_size = 64;
  options.schedule = hg::schedule::cosine(options.epochs, 1e-4);
  const hg::History history = hg::fit(model, adam, train, test, options);

  // The best linear 2-d reconstruction (centred PCA) for comparison.
  const Eigen::VectorXf mean = train.rowwise().mean();
  const Eigen::MatrixXf centred = train.colwise() - mean;
  Eigen::SelfAdjointEigenSolver<Eigen::MatrixXf> eig(centred * centred.transpose() / static_cast<float>(train.cols()));
  const Eigen::MatrixXf top = eig.eigenvectors().rightCols(2);
  const Eigen::MatrixXf pca = (top * (top.transpose() * (test.colwise() - mean))).colwise() + mean;

  std::printf("demo: %d-d points on a closed curve, code size 2, %d epochs in %.1f s\n", dims,
              history.epochs_run(), history.total_seconds());
  std::printf("%-12s %14s %20s\n", "method", "MSE/element", "SSE/sample (Hinton)");
  std::printf("%-12s %14.6f %20.5f\n", "autoencoder", hg::mean_squared_error(model.reconstruct(test), test),
              hg::sum_squared_error_per_sample(model.reconstruct(test), test));
  std::printf("%-12s %14.6f %20.5f\n", "PCA (k=2)", hg::mean_squared_error(pca, test),
              hg::sum_squared_error_per_sample(pca, test));
  return 0;
}
