// Wrong shapes at run time — a batch with the wrong number of rows, an empty batch, validation
// data of another size, mismatched output and target — throw std::invalid_argument naming the
// expected and the received shape, in every public entry point and in release builds too.
// (Label vectors, which only the io headers take, are in test_bad_input_files.cpp.)
#include "bad_input.hpp"
#include "helpers.hpp"

#include <stdexcept>
#include <vector>

namespace hg = hourglass;
using test::Says;

namespace {
using Model = hg::BasicAutoencoder<double, hg::Encoder<hg::Dense<6, 4, hg::ReLU>, hg::Dense<4, 3>>,
                                   hg::Decoder<hg::Dense<3, 6, hg::Sigmoid>>>;
const Eigen::MatrixXd data = test::uniform(6, 20, 11);
}  // namespace

TEST_CASE("fit names the expected and the received shape of the data", "[bad_input][shapes][fit]") {
  Model model(1);
  const Eigen::VectorXd before = model.parameters().values;
  hg::Adam<double> adam;
  REQUIRE_THROWS_MATCHES(hg::fit(model, adam, Eigen::MatrixXd::Zero(5, 20)), std::invalid_argument,
                         Says({"fit", "training data of 6 x n", "got 5 x 20"}));
  REQUIRE_THROWS_MATCHES(hg::fit(model, adam, Eigen::MatrixXd(6, 0)), std::invalid_argument,
                         Says({"fit", "training data of 6 x n", "n >= 1", "got 6 x 0"}));
  REQUIRE_THROWS_MATCHES(hg::fit(model, adam, data, Eigen::MatrixXd::Zero(7, 3)), std::invalid_argument,
                         Says({"fit", "validation data of 6 x n", "got 7 x 3"}));
  REQUIRE_THROWS_MATCHES(hg::fit(model, adam, data, Eigen::MatrixXd(6, 0)), std::invalid_argument,
                         Says({"validation data", "got 6 x 0"}));
  // A row-major or transposed data set is a common slip: one sample per ROW.
  const Eigen::MatrixXd transposed = data.transpose();
  REQUIRE_THROWS_MATCHES(hg::fit(model, adam, transposed), std::invalid_argument, Says({"one sample per column", "got 20 x 6"}));
  CHECK(adam.steps() == 0);
  CHECK(model.parameters().values == before);
}

TEST_CASE("encode, decode, reconstruct and evaluate name both shapes", "[bad_input][shapes][model]") {
  const Model model(1);
  REQUIRE_THROWS_MATCHES(model.encode(Eigen::MatrixXd::Zero(5, 2)), std::invalid_argument,
                         Says({"encode", "expected a batch of 6 x n", "got 5 x 2"}));
  REQUIRE_THROWS_MATCHES(model.encode(Eigen::MatrixXd(6, 0)), std::invalid_argument, Says({"encode", "n >= 1", "got 6 x 0"}));
  REQUIRE_THROWS_MATCHES(model.decode(Eigen::MatrixXd::Zero(6, 2)), std::invalid_argument,
                         Says({"decode", "expected a batch of 3 x n", "got 6 x 2"}));
  REQUIRE_THROWS_MATCHES(model.decode(Eigen::MatrixXd(3, 0)), std::invalid_argument, Says({"decode", "got 3 x 0"}));
  REQUIRE_THROWS_MATCHES(model.reconstruct(Eigen::MatrixXd::Zero(3, 4)), std::invalid_argument,
                         Says({"reconstruct", "6 x n", "got 3 x 4"}));
  REQUIRE_THROWS_MATCHES(model.reconstruct(Eigen::MatrixXd(0, 0)), std::invalid_argument, Says({"reconstruct", "got 0 x 0"}));
  REQUIRE_THROWS_MATCHES(model.evaluate(hg::MSE{}, Eigen::MatrixXd::Zero(7, 4)), std::invalid_argument,
                         Says({"evaluate", "6 x n", "got 7 x 4"}));
  REQUIRE_THROWS_MATCHES(model.evaluate(hg::BCE{}, Eigen::MatrixXd(6, 0)), std::invalid_argument, Says({"evaluate", "got 6 x 0"}));
  // Other scalar types and expressions are still accepted when the shape is right.
  CHECK(model.encode(Eigen::MatrixXf::Zero(6, 2)).rows() == 3);
}

TEST_CASE("compute_gradients and load_batch check shapes and indices", "[bad_input][shapes][model]") {
  Model model(1);
  REQUIRE_THROWS_MATCHES(model.compute_gradients(hg::MSE{}), std::invalid_argument,
                         Says({"compute_gradients", "no batch loaded"}));
  REQUIRE_THROWS_MATCHES(model.compute_gradients(hg::MSE{}, Eigen::MatrixXd::Zero(5, 2), Eigen::MatrixXd::Zero(6, 2)),
                         std::invalid_argument, Says({"compute_gradients (input)", "6 x n", "got 5 x 2"}));
  REQUIRE_THROWS_MATCHES(model.compute_gradients(hg::MSE{}, Eigen::MatrixXd::Zero(6, 2), Eigen::MatrixXd::Zero(6, 3)),
                         std::invalid_argument, Says({"compute_gradients", "input has 2 samples but target has 3"}));
  REQUIRE_THROWS_MATCHES(model.compute_gradients(hg::MSE{}, Eigen::MatrixXd::Zero(6, 2), Eigen::MatrixXd::Zero(2, 6)),
                         std::invalid_argument, Says({"compute_gradients (target)", "got 2 x 6"}));
  REQUIRE_THROWS_MATCHES(model.compute_gradients(hg::MSE{}, Eigen::MatrixXd(6, 0), Eigen::MatrixXd(6, 0)),
                         std::invalid_argument, Says({"compute_gradients (input)", "got 6 x 0"}));

  const std::vector<Eigen::Index> ok{0, 5, 19}, out_of_range{0, 20}, negative{-1}, none{};
  REQUIRE_THROWS_MATCHES(model.load_batch(Eigen::MatrixXd::Zero(5, 20), std::span<const Eigen::Index>(ok)),
                         std::invalid_argument, Says({"load_batch", "6 x n", "got 5 x 20"}));
  REQUIRE_THROWS_MATCHES(model.load_batch(data, std::span<const Eigen::Index>(out_of_range)), std::invalid_argument,
                         Says({"load_batch", "index 20", "entry 1", "6 x 20"}));
  REQUIRE_THROWS_MATCHES(model.load_batch(data, std::span<const Eigen::Index>(negative)), std::invalid_argument,
                         Says({"load_batch", "index -1"}));
  REQUIRE_THROWS_MATCHES(model.load_batch(data, std::span<const Eigen::Index>(none)), std::invalid_argument,
                         Says({"load_batch", "empty batch"}));
  model.load_batch(data, std::span<const Eigen::Index>(ok));
  CHECK(model.batch_size() == 3);
  CHECK(std::isfinite(model.compute_gradients(hg::MSE{}).total()));
}

TEST_CASE("losses check that output, target and gradient buffer agree", "[bad_input][shapes][losses]") {
  const Eigen::MatrixXd a = Eigen::MatrixXd::Constant(4, 3, 0.5), y = Eigen::MatrixXd::Constant(4, 2, 0.5);
  Eigen::MatrixXd g(4, 3), small_g(4, 2);
  REQUIRE_THROWS_MATCHES(hg::MSE::value(a, y), std::invalid_argument,
                         Says({"MeanSquaredError::value", "the output is 4 x 3", "the target is 4 x 2"}));
  REQUIRE_THROWS_MATCHES(hg::MSE::value_and_gradient(a, y, g), std::invalid_argument,
                         Says({"MeanSquaredError::value_and_gradient", "4 x 3", "4 x 2"}));
  REQUIRE_THROWS_MATCHES(hg::MSE::value_and_gradient(a, a, small_g), std::invalid_argument,
                         Says({"the gradient buffer is 4 x 2"}));
  REQUIRE_THROWS_MATCHES(hg::MSE::value(Eigen::MatrixXd(4, 0), Eigen::MatrixXd(4, 0)), std::invalid_argument,
                         Says({"MeanSquaredError::value", "empty batch", "4 x 0"}));
  REQUIRE_THROWS_MATCHES(hg::BCE::value(a, y), std::invalid_argument, Says({"BinaryCrossEntropy::value", "4 x 3", "4 x 2"}));
  REQUIRE_THROWS_MATCHES(hg::BCE::value_and_gradient(a, y, g), std::invalid_argument,
                         Says({"BinaryCrossEntropy::value_and_gradient", "4 x 2"}));
  REQUIRE_THROWS_MATCHES(hg::BCE::value_from_logits(a, y), std::invalid_argument,
                         Says({"BinaryCrossEntropy::value_from_logits", "the logit matrix is 4 x 3", "the target is 4 x 2"}));
  REQUIRE_THROWS_MATCHES(hg::BCE::value_and_logit_gradient(a, a, y, g), std::invalid_argument,
                         Says({"BinaryCrossEntropy::value_and_logit_gradient", "4 x 2"}));
  CHECK(hg::MSE::value(a, a) == 0.0);
}

TEST_CASE("metrics check that reconstruction and target agree", "[bad_input][shapes][metrics]") {
  const Eigen::MatrixXd a = Eigen::MatrixXd::Zero(4, 3);
  REQUIRE_THROWS_MATCHES(hg::mean_squared_error(a, Eigen::MatrixXd::Zero(3, 4)), std::invalid_argument,
                         Says({"mean_squared_error", "the reconstruction is 4 x 3", "the target is 3 x 4"}));
  REQUIRE_THROWS_MATCHES(hg::sum_squared_error_per_sample(a, Eigen::MatrixXd::Zero(4, 2)), std::invalid_argument,
                         Says({"4 x 3", "4 x 2"}));
  REQUIRE_THROWS_MATCHES(hg::mean_squared_error(Eigen::MatrixXd(0, 3), Eigen::MatrixXd(0, 3)), std::invalid_argument,
                         Says({"mean_squared_error", "empty batch"}));
  const Model model(1);
  REQUIRE_THROWS_MATCHES(hg::reconstruction_metrics(model, Eigen::MatrixXd::Zero(3, 5)), std::invalid_argument,
                         Says({"evaluate", "6 x n", "got 3 x 5"}));
}

TEST_CASE("PCA's methods name the expected and the received shape", "[bad_input][shapes][pca]") {
  hg::PCA<double> pca(2);
  REQUIRE_THROWS_MATCHES(pca.fit(Eigen::MatrixXd(0, 10)), std::invalid_argument, Says({"PCA::fit", "no rows"}));
  REQUIRE_THROWS_MATCHES(pca.fit(Eigen::MatrixXd::Zero(6, 1)), std::invalid_argument, Says({"PCA::fit", "at least 2 samples", "got 1"}));
  REQUIRE_THROWS_MATCHES(pca.fit(Eigen::MatrixXd::Zero(1, 10)), std::invalid_argument,
                         Says({"PCA::fit", "k = 2", "dimension d = 1"}));
  pca.fit(data);
  REQUIRE_THROWS_MATCHES(pca.transform(Eigen::MatrixXd::Zero(5, 3)), std::invalid_argument,
                         Says({"PCA::transform", "d = 6", "got 5 x 3"}));
  REQUIRE_THROWS_MATCHES(pca.transform(Eigen::MatrixXd(6, 0)), std::invalid_argument, Says({"PCA::transform", "got 6 x 0"}));
  REQUIRE_THROWS_MATCHES(pca.inverse_transform(Eigen::MatrixXd::Zero(3, 3)), std::invalid_argument,
                         Says({"PCA::inverse_transform", "k = 2", "got 3 x 3"}));
  REQUIRE_THROWS_MATCHES(pca.reconstruct(Eigen::MatrixXd::Zero(2, 6)), std::invalid_argument,
                         Says({"PCA::transform", "d = 6", "got 2 x 6"}));
  REQUIRE_THROWS_MATCHES(pca.mean_squared_error(Eigen::MatrixXd::Zero(7, 2)), std::invalid_argument,
                         Says({"PCA::mean_squared_error", "d = 6", "got 7 x 2"}));
  REQUIRE_THROWS_MATCHES(pca.sum_squared_error_per_sample(Eigen::MatrixXd(6, 0)), std::invalid_argument,
                         Says({"PCA::mean_squared_error", "got 6 x 0"}));
  REQUIRE_THROWS_MATCHES(hg::PCA<double>::from_parameters(pca.components(), pca.mean().head(5), pca.explained_variance(),
                                                          pca.total_variance(), 20),
                         std::invalid_argument, Says({"from_parameters", "mean has 5 entries", "6 rows"}));
  CHECK(pca.transform(data).rows() == 2);
}
