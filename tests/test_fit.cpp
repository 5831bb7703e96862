// fit()'s contract: history, validation, callbacks, early stopping with restore-best,
// schedules, divergence, and clear errors for bad arguments.
#include <catch2/catch.hpp>

#include "helpers.hpp"

#include <limits>

namespace hg = hourglass;

namespace {
using Small = hg::BasicAutoencoder<double, hg::Encoder<hg::Dense<6, 3, hg::Tanh>>, hg::Decoder<hg::Dense<3, 6, hg::Sigmoid>>>;
}

TEST_CASE("fit returns a history with one entry per epoch and reports validation loss", "[fit]") {
  Small model(1);
  hg::Adam<double> adam;
  const Eigen::MatrixXd x = test::uniform(6, 100, 2), v = test::uniform(6, 30, 3);
  hg::FitOptions options;
  options.epochs = 4;
  options.batch_size = 16;
  int batches = 0, epochs = 0;
  options.on_batch = [&](const hg::BatchInfo& b) {
    ++batches;
    CHECK(b.batches == 7);  // ceil(100 / 16)
    CHECK(b.batch_size == (b.batch == 6 ? 4 : 16));
  };
  options.on_epoch = [&](const hg::EpochInfo& e) {
    ++epochs;
    CHECK(e.validation_loss.has_value());
    return true;
  };
  const auto h = hg::fit(model, adam, x, v, options);
  CHECK(batches == 28);
  CHECK(epochs == 4);
  CHECK(h.epochs_run() == 4);
  REQUIRE(h.validation_loss.size() == 4);
  CHECK(h.validation_loss.back() == Approx(model.evaluate(hg::MSE{}, v)));
  CHECK(adam.steps() == 28);
}

TEST_CASE("an epoch callback returning false stops training", "[fit]") {
  Small model(1);
  hg::SGD<double> sgd;
  hg::FitOptions options;
  options.epochs = 10;
  options.on_epoch = [](const hg::EpochInfo& e) { return e.epoch < 2; };
  CHECK(hg::fit(model, sgd, test::uniform(6, 20, 4), options).epochs_run() == 3);
}

TEST_CASE("early stopping stops after `patience` bad epochs and restores the best parameters", "[fit]") {
  Small model(1);
  // A learning rate so large that the validation loss gets worse after the first epochs.
  hg::SGD<double> sgd({.learning_rate = 50.0});
  const Eigen::MatrixXd x = test::uniform(6, 64, 5), v = test::uniform(6, 64, 6);
  hg::FitOptions options;
  options.epochs = 50;
  options.batch_size = 8;
  options.early_stopping = {.patience = 3, .min_delta = 0.0, .restore_best = true};
  const auto h = hg::fit(model, sgd, x, v, options);
  REQUIRE(h.best_epoch >= 0);
  CHECK(h.stopped_early);
  CHECK(h.epochs_run() == h.best_epoch + 1 + 3);
  CHECK(model.evaluate(hg::MSE{}, v) == Approx(h.validation_loss[static_cast<std::size_t>(h.best_epoch)]));
}

TEST_CASE("learning-rate schedules: step, cosine and reduce-on-plateau", "[fit][schedules]") {
  auto step = hg::schedule::step(2, 0.5);
  CHECK(step.next_rate({0, 1.0, 1.0, 0}) == Approx(1.0));
  CHECK(step.next_rate({1, 1.0, 1.0, 0}) == Approx(0.5));
  CHECK(step.next_rate({3, 1.0, 0.5, 0}) == Approx(0.25));
  auto cosine = hg::schedule::cosine(4, 0.0);
  CHECK(cosine.next_rate({1, 1.0, 1.0, 0}) == Approx(0.5));  // half way
  CHECK(cosine.next_rate({3, 1.0, 1.0, 0}) == Approx(0.0).margin(1e-12));
  auto plateau = hg::schedule::reduce_on_plateau(0.5, 1);
  CHECK(plateau.next_rate({0, 1.0, 1.0, 1.0}) == 1.0);  // first value is an improvement
  CHECK(plateau.next_rate({1, 1.0, 1.0, 1.0}) == 1.0);  // one bad epoch: within patience
  CHECK(plateau.next_rate({2, 1.0, 1.0, 1.0}) == 0.5);  // two: reduce
  CHECK_THROWS_WITH(hg::schedule::step(0, 0.5), Catch::Contains("step_size"));
  CHECK_THROWS_WITH(hg::schedule::cosine(10, -1.0), Catch::Contains("min_rate"));

  Small model(1);
  hg::Adam<double> adam({.learning_rate = 0.01});
  hg::FitOptions options;
  options.epochs = 3;
  options.schedule = hg::schedule::step(1, 0.1);
  const auto h = hg::fit(model, adam, test::uniform(6, 20, 7), options);
  CHECK(h.learning_rate[0] == Approx(0.01));
  CHECK(h.learning_rate[1] == Approx(0.001));
  CHECK(h.learning_rate[2] == Approx(0.0001));
}

TEST_CASE("fit refuses bad arguments before doing any work", "[fit][bad_input]") {
  Small model(1);
  hg::Adam<double> adam;
  const Eigen::MatrixXd x = test::uniform(6, 20, 8);
  hg::FitOptions options;
  options.epochs = 0;
  CHECK_THROWS_WITH(hg::fit(model, adam, x, options), Catch::Contains("epochs must be >= 1"));
  options.epochs = 1;
  options.batch_size = 0;
  CHECK_THROWS_WITH(hg::fit(model, adam, x, options), Catch::Contains("batch_size must be >= 1"));
  options.batch_size = 4;
  CHECK_THROWS_WITH(hg::fit(model, adam, Eigen::MatrixXd(5, 20), options),
                    Catch::Contains("expected training data of 6 x n") && Catch::Contains("got 5 x 20"));
  CHECK_THROWS_WITH(hg::fit(model, adam, x, Eigen::MatrixXd(7, 3), options), Catch::Contains("validation data of 6"));
  Eigen::MatrixXd bad = x;
  bad(2, 13) = std::numeric_limits<double>::quiet_NaN();
  CHECK_THROWS_WITH(hg::fit(model, adam, bad, options), Catch::Contains("sample 13"));
  CHECK(adam.steps() == 0);
}

TEST_CASE("divergence stops training with the epoch and batch, keeping finite parameters", "[fit][divergence]") {
  // A linear model (nothing saturates) with an absurd learning rate overflows within a few steps.
  hg::BasicAutoencoder<double, hg::Encoder<hg::Dense<6, 3>>, hg::Decoder<hg::Dense<3, 6>>> model(1);
  hg::SGD<double> sgd({.learning_rate = 1e300});
  hg::FitOptions options;
  options.epochs = 5;
  options.batch_size = 5;
  try {
    hg::fit(model, sgd, test::uniform(6, 20, 9), options);
    FAIL("expected TrainingDiverged");
  } catch (const hg::TrainingDiverged& e) {
    CHECK(std::string(e.what()).find("diverged at epoch") != std::string::npos);
    CHECK(e.epoch() >= 0);
    CHECK(e.history().epochs_run() == e.epoch());  // the epochs completed before the failure
  }
  CHECK(model.parameters().values.allFinite());
}

TEST_CASE("encode, decode and reconstruct check shapes", "[model][bad_input]") {
  Small model(1);
  CHECK_THROWS_WITH(model.encode(Eigen::MatrixXd(5, 2)), Catch::Contains("encode: expected a batch of 6 x n") &&
                                                             Catch::Contains("got 5 x 2"));
  CHECK_THROWS_WITH(model.decode(Eigen::MatrixXd(2, 2)), Catch::Contains("decode: expected a batch of 3 x n"));
  CHECK_THROWS_WITH(model.reconstruct(Eigen::MatrixXd(6, 0)), Catch::Contains("n >= 1"));
  CHECK(model.encode(Eigen::MatrixXd::Zero(6, 2)).rows() == 3);
}

TEST_CASE("TrainingDiverged carries the history of the epochs completed before it", "[fit][divergence]") {
  hg::BasicAutoencoder<double, hg::Encoder<hg::Dense<6, 3>>, hg::Decoder<hg::Dense<3, 6>>> model(1);
  hg::SGD<double> sgd({.learning_rate = 0.01});
  hg::FitOptions options;
  options.epochs = 6;
  options.batch_size = 5;
  options.progress = hg::Progress::never;
  options.on_epoch = [&](const hg::EpochInfo& e) {
    if (e.epoch == 1) sgd.set_learning_rate(1e300);  // epoch 3 (index 2) overflows
    return true;
  };
  try {
    hg::fit(model, sgd, test::uniform(6, 20, 9), options);
    FAIL("expected TrainingDiverged");
  } catch (const hg::TrainingDiverged& e) {
    CHECK(e.epoch() == 2);
    REQUIRE(e.history().epochs_run() == 2);
    CHECK(e.history().train_loss[1] < e.history().train_loss[0]);
    CHECK(e.history().learning_rate[0] == 0.01);
  }
  CHECK(model.parameters().values.allFinite());
}
