// Missing values on MNIST (issue 18): 20% of the pixels of every training and test image hidden
// at random; an autoencoder trained with the masked loss fills them, against mean imputation and
// iterative PCA imputation (Troyanskaya et al. 2001). The error is the RMSE over the hidden test
// pixels, in pixel units ([0, 1]). Skipped when data/mnist is absent; not run under the sanitizers
// (test_imputation.cpp covers the same code there).
#include <catch2/catch.hpp>

#include <hourglass/hourglass.hpp>

#include "mnist_data.hpp"

#include <cmath>
#include <filesystem>
#include <limits>

namespace hg = hourglass;

namespace {
using Mask = Eigen::Array<bool, Eigen::Dynamic, Eigen::Dynamic>;

Mask hide(Eigen::Index rows, Eigen::Index cols, double fraction, std::uint64_t seed) {
  hg::Random rng(seed);
  Mask m(rows, cols);
  for (Eigen::Index i = 0; i < m.size(); ++i) m.data()[i] = rng.uniform() < fraction;
  return m;
}
double rmse_on(const Eigen::MatrixXf& estimate, const Eigen::MatrixXf& truth, const Mask& hidden) {
  return std::sqrt(hidden.select((estimate - truth).array().square().cast<double>(), 0.0).sum() /
                   static_cast<double>(hidden.count()));
}
/// Iterative PCA imputation: gaps start at the training means; fit, reconstruct, refill, repeat.
Eigen::MatrixXf pca_impute(hg::PCA<float>& pca, Eigen::MatrixXf filled, const Mask& hidden, bool fit, int passes) {
  for (int p = 0; p < passes; ++p) {
    if (fit) pca.fit(filled);
    const Eigen::MatrixXf r = pca.reconstruct(filled).cwiseMax(0.0f).cwiseMin(1.0f);
    filled = hidden.select(r.array(), filled.array()).matrix();
  }
  return filled;
}
}  // namespace

TEST_CASE("an autoencoder imputes 20% hidden MNIST pixels better than the mean and PCA", "[imputation][mnist]") {
  const std::filesystem::path dir = HOURGLASS_MNIST_DIR;
  const auto train_file = dir / "train-images-idx3-ubyte", test_file = dir / "t10k-images-idx3-ubyte";
  if (!std::filesystem::exists(train_file) || !std::filesystem::exists(test_file)) {
    WARN("SKIPPED: MNIST not found in " << dir.string() << " (run the data script to fetch it)");
    return;
  }
  const Eigen::MatrixXf train = test::read_mnist_images(train_file), test_images = test::read_mnist_images(test_file);
  const Mask train_hidden = hide(train.rows(), train.cols(), 0.2, 1), test_hidden = hide(784, test_images.cols(), 0.2, 2);
  const float nan = std::numeric_limits<float>::quiet_NaN();
  const Eigen::MatrixXf train_gaps = train_hidden.select(nan, train.array()).matrix();
  const Eigen::MatrixXf test_gaps = test_hidden.select(nan, test_images.array()).matrix();

  // Mean imputation: each pixel's mean over the training images where it was observed.
  Eigen::VectorXf mean(784);
  for (Eigen::Index i = 0; i < 784; ++i)
    mean(i) = (!train_hidden.row(i)).select(train.row(i).array(), 0.0f).sum() / static_cast<float>((!train_hidden.row(i)).count());
  const Eigen::MatrixXf by_mean = test_hidden.select(mean.replicate(1, test_images.cols()).array(), test_images.array()).matrix();

  // PCA imputation with as many components as the autoencoder's code (32), 10 passes.
  hg::PCA<float> pca(32);
  pca_impute(pca, train_hidden.select(mean.replicate(1, train.cols()).array(), train.array()).matrix(), train_hidden, true, 10);
  const Eigen::MatrixXf by_pca =
      pca_impute(pca, test_hidden.select(mean.replicate(1, test_images.cols()).array(), test_images.array()).matrix(),
                 test_hidden, false, 10);

  // The autoencoder: the `small` architecture, trained on the images with their gaps.
  using Model = hg::Autoencoder<hg::Encoder<hg::Dense<784, 256, hg::ReLU>, hg::Dense<256, 64, hg::ReLU>, hg::Dense<64, 32>>,
                                hg::Decoder<hg::Dense<32, 64, hg::ReLU>, hg::Dense<64, 256, hg::ReLU>,
                                            hg::Dense<256, 784, hg::Sigmoid>>,
                                hg::MissingValues>;
  Model model(42);
  hg::Adam<float> adam({.learning_rate = 1e-3});
  hg::FitOptions options;
  options.epochs = 5;
  options.batch_size = 128;
  options.progress = hg::Progress::never;
  hg::fit(model, adam, train_gaps, options, hg::MaskedBCE{});
  const Eigen::MatrixXf by_model = hg::impute(model, test_gaps);
  const Eigen::MatrixXf by_model3 = hg::impute(model, test_gaps, {.iterations = 3});

  const double e_mean = rmse_on(by_mean, test_images, test_hidden), e_pca = rmse_on(by_pca, test_images, test_hidden);
  const double e_ae = rmse_on(by_model, test_images, test_hidden), e_ae3 = rmse_on(by_model3, test_images, test_hidden);
  WARN("MNIST, 20% of pixels hidden at random (train and test), RMSE on the " << test_hidden.count()
       << " hidden test pixels: mean " << e_mean << ", PCA k=32 (10 passes) " << e_pca << ", autoencoder 784-256-64-32 "
       << "(MaskedBCE, 5 epochs) " << e_ae << ", 3 passes " << e_ae3);
  CHECK((by_model.array() == test_images.array() || test_hidden).all());  // observed pixels untouched
  CHECK(e_ae < e_pca);
  CHECK(e_pca < e_mean);
}
