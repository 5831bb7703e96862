// NaN and Inf: in the data (caught before training, naming the first bad sample), in the model's
// parameters, and produced by training itself (divergence stops fit with the epoch and batch and
// leaves finite parameters: those before the failing step, the best epoch's, or the epoch
// start's when a step overflowed).
#include "bad_input.hpp"
#include "helpers.hpp"

#include <cmath>
#include <limits>
#include <stdexcept>
#include <string_view>
#include <vector>

namespace hg = hourglass;
using test::Says;

namespace {
using Model = hg::BasicAutoencoder<double, hg::Encoder<hg::Dense<6, 4, hg::ReLU>, hg::Dense<4, 3>>,
                                   hg::Decoder<hg::Dense<3, 6>>>;
constexpr double not_a_number = std::numeric_limits<double>::quiet_NaN();
constexpr double infinity = std::numeric_limits<double>::infinity();

/// An optimizer that behaves like SGD but whose step number `bad_step` (1-based) overflows a
/// parameter to -Inf — what an absurd learning rate does to a parameter behind a dead ReLU.
struct OverflowingSGD {
  using Scalar = double;
  static constexpr std::string_view name = "overflowing_sgd";
  long long bad_step = 3;
  long long count = 0;
  double rate = 0.01;
  void step(hg::ParameterBuffer<double>& buffer) {
    buffer.values -= rate * buffer.gradients;
    if (++count == bad_step) buffer.values[0] = -infinity;
  }
  double learning_rate() const { return rate; }
  void set_learning_rate(double lr) { rate = lr; }
  long long steps() const { return count; }
};
}  // namespace

TEST_CASE("NaN or Inf in the training data is reported with the first bad sample", "[bad_input][values][fit]") {
  Model model(1);
  hg::Adam<double> adam;
  Eigen::MatrixXd x = test::uniform(6, 30, 21);
  x(4, 17) = not_a_number;
  x(1, 25) = infinity;
  REQUIRE_THROWS_MATCHES(hg::fit(model, adam, x), std::invalid_argument,
                         Says({"fit: training data", "sample 17", "NaN or Inf"}));
  x(4, 17) = 0.5;
  REQUIRE_THROWS_MATCHES(hg::fit(model, adam, x), std::invalid_argument, Says({"training data", "sample 25"}));
  x(1, 25) = -infinity;
  REQUIRE_THROWS_MATCHES(hg::fit(model, adam, x.cast<float>().eval()), std::invalid_argument, Says({"sample 25"}));
  CHECK(adam.steps() == 0);
}

TEST_CASE("NaN or Inf in the validation data is reported before training", "[bad_input][values][fit]") {
  Model model(1);
  const Eigen::VectorXd before = model.parameters().values;
  hg::Adam<double> adam;
  Eigen::MatrixXd v = test::uniform(6, 10, 22);
  v(0, 3) = infinity;
  REQUIRE_THROWS_MATCHES(hg::fit(model, adam, test::uniform(6, 30, 23), v), std::invalid_argument,
                         Says({"fit: validation data", "sample 3", "NaN or Inf"}));
  CHECK(adam.steps() == 0);
  CHECK(model.parameters().values == before);
}

TEST_CASE("NaN in the data PCA fits is reported with the sample and row", "[bad_input][values][pca]") {
  Eigen::MatrixXd x = test::uniform(5, 12, 24);
  x(3, 9) = not_a_number;
  hg::PCA<double> pca(2);
  REQUIRE_THROWS_MATCHES(pca.fit(x), std::invalid_argument, Says({"PCA::fit", "sample 9", "row 3"}));
  CHECK_FALSE(pca.fitted());
  // Finite data whose covariance overflows is refused too, leaving the PCA as it was.
  Eigen::MatrixXf huge = test::uniform(5, 12, 25).cast<float>() * 1e30f;
  hg::PCA<float> f(2, {.accumulate_in_double = false});
  REQUIRE_THROWS_MATCHES(f.fit(huge), std::invalid_argument, Says({"PCA::fit", "overflows float", "rescale"}));
  CHECK_FALSE(f.fitted());
}

TEST_CASE("fit refuses a model whose parameters are already NaN or Inf", "[bad_input][values][fit]") {
  Model model(1);
  model.parameters().values[7] = not_a_number;
  hg::Adam<double> adam;
  REQUIRE_THROWS_MATCHES(hg::fit(model, adam, test::uniform(6, 30, 26)), std::invalid_argument,
                         Says({"fit", "parameter 7", "NaN or Inf before training"}));
  CHECK(adam.steps() == 0);
}

TEST_CASE("learning rate 10 diverges: fit names epoch and batch and keeps the last finite parameters",
          "[bad_input][values][divergence]") {
  // A linear model (nothing saturates) under plain SGD at learning rate 10: the loss overflows.
  hg::BasicAutoencoder<double, hg::Encoder<hg::Dense<6, 3>>, hg::Decoder<hg::Dense<3, 6>>> model(1);
  hg::SGD<double> sgd({.learning_rate = 10.0});
  hg::FitOptions options;
  options.epochs = 50;
  options.batch_size = 8;
  Eigen::VectorXd last_finite = model.parameters().values;
  int last_epoch = -1;
  Eigen::Index last_batch = -1;
  options.on_batch = [&](const hg::BatchInfo& b) {  // called after each applied step
    last_finite = model.parameters().values;
    last_epoch = b.epoch;
    last_batch = b.batch;
  };
  const Eigen::MatrixXd x = test::uniform(6, 32, 27);
  try {
    hg::fit(model, sgd, x, options);
    FAIL("expected TrainingDiverged");
  } catch (const hg::TrainingDiverged& e) {
    // The failing batch is the one after the last applied step.
    const int epoch = last_batch == 3 ? last_epoch + 1 : last_epoch;
    const Eigen::Index batch = last_batch == 3 ? 0 : last_batch + 1;
    CHECK(e.epoch() == epoch);
    CHECK(e.batch() == batch);
    CHECK_THAT(e, Says({"training diverged at epoch " + std::to_string(epoch + 1) + ", batch " +
                            std::to_string(batch + 1) + " of 4",
                        "is NaN or Inf", "learning rate 10", "parameters from before this step"}));
  }
  CHECK(model.parameters().values.allFinite());
  CHECK(model.parameters().values == last_finite);
  CHECK(sgd.steps() == last_epoch * 4 + last_batch + 1);
}

TEST_CASE("a step that overflows a parameter stops fit and puts back the epoch's starting parameters",
          "[bad_input][values][divergence]") {
  Model model(1);
  OverflowingSGD opt{.bad_step = 7};  // 4 batches per epoch: epoch 2, batch 3
  hg::FitOptions options;
  options.epochs = 3;
  options.batch_size = 8;
  Eigen::VectorXd epoch_start;
  options.on_epoch = [&](const hg::EpochInfo&) {
    epoch_start = model.parameters().values;
    return true;
  };
  REQUIRE_THROWS_MATCHES(hg::fit(model, opt, test::uniform(6, 32, 28), options), hg::TrainingDiverged,
                         Says({"epoch 2, batch 3 of 4", "step made parameters NaN or Inf",
                               "parameters from the start of epoch 2"}));
  CHECK(model.parameters().values.allFinite());
  CHECK(model.parameters().values == epoch_start);
}

TEST_CASE("divergence under early stopping's restore_best puts back the best epoch's parameters",
          "[bad_input][values][divergence]") {
  Model model(1);
  hg::SGD<double> sgd({.learning_rate = 0.05});
  hg::FitOptions options;
  options.epochs = 20;
  options.batch_size = 8;
  options.early_stopping = {.patience = 100, .min_delta = 0.0, .restore_best = true};
  std::vector<double> losses;
  std::vector<Eigen::VectorXd> parameters;
  options.on_epoch = [&](const hg::EpochInfo& e) {
    losses.push_back(*e.validation_loss);
    parameters.push_back(model.parameters().values);
    if (e.epoch == 4) sgd.set_learning_rate(1e200);  // from epoch 6 on, the loss explodes
    return true;
  };
  const Eigen::MatrixXd x = test::uniform(6, 32, 29), v = test::uniform(6, 16, 30);
  REQUIRE_THROWS_MATCHES(hg::fit(model, sgd, x, v, options), hg::TrainingDiverged,
                         Says({"training diverged at epoch", "parameters of the best epoch"}));
  REQUIRE(losses.size() >= 5);
  const auto best = static_cast<std::size_t>(std::min_element(losses.begin(), losses.end()) - losses.begin());
  CHECK(model.parameters().values == parameters[best]);
}

// Tried as a new user would: BCE on images scaled 0..255 was accepted; the loss went negative and
// fell without bound while the model learned to output 1.
TEST_CASE("regression: BCE refuses targets outside [0, 1] in fit and evaluate, naming sample and value",
          "[bad_input][values][domain]") {
  using Probabilities = hg::BasicAutoencoder<double, hg::Encoder<hg::Dense<4, 2, hg::Tanh>>, hg::Decoder<hg::Dense<2, 4, hg::Sigmoid>>>;
  Probabilities model(1);
  Eigen::MatrixXd x = Eigen::MatrixXd::Constant(4, 6, 0.5);
  x(2, 3) = 255.0;
  hg::Adam<double> adam;
  hg::FitOptions o;
  o.epochs = 1;
  o.progress = hg::Progress::never;
  const Eigen::VectorXd before = model.parameters().values;
  REQUIRE_THROWS_MATCHES(hg::fit(model, adam, x, o, hg::BCE{}), std::invalid_argument,
                         Says({"fit: training data: bce needs targets in [0, 1]", "sample 3 (column 3) holds 255 at row 2",
                               "divide by 255", "or use MSE"}));
  CHECK(model.parameters().values == before);
  const Eigen::MatrixXd ok = Eigen::MatrixXd::Constant(4, 6, 0.5);
  Eigen::MatrixXd bad_validation = ok;
  bad_validation(0, 5) = -2.0;
  REQUIRE_THROWS_MATCHES(hg::fit(model, adam, ok, bad_validation, o, hg::BCE{}), std::invalid_argument,
                         Says({"fit: validation data: bce needs targets in [0, 1]", "sample 5", "holds -2"}));
  REQUIRE_THROWS_MATCHES(model.evaluate(hg::BCE{}, x), std::invalid_argument, Says({"evaluate: bce needs targets"}));
  CHECK_NOTHROW(hg::fit(model, adam, x, o, hg::MSE{}));  // MSE has no such domain
  CHECK_FALSE(hg::reconstruction_metrics(model, x).bce_per_element.has_value());
  CHECK(hg::reconstruction_metrics(model, ok).bce_per_element.has_value());
  // An output that is not a probability has no BCE at all (a compile-time error for fit and
  // evaluate: tests/compile_fail/bce_with_identity_output.cpp).
  using Linear = hg::BasicAutoencoder<double, hg::Encoder<hg::Dense<4, 2>>, hg::Decoder<hg::Dense<2, 4>>>;
  CHECK_FALSE(hg::reconstruction_metrics(Linear(1), ok).bce_per_element.has_value());
}
