// Hyperparameters out of range get a clear std::invalid_argument naming the parameter and the
// value, before any work is done: fit's options, the optimizers, the schedules, the policies
// (noise fractions, penalties) and PCA.
#include "bad_input.hpp"
#include "helpers.hpp"

#include <cmath>
#include <limits>
#include <stdexcept>

namespace hg = hourglass;
using test::Says;

namespace {
using Model = hg::BasicAutoencoder<double, hg::Encoder<hg::Dense<6, 3, hg::Sigmoid>>, hg::Decoder<hg::Dense<3, 6>>>;
constexpr double not_a_number = std::numeric_limits<double>::quiet_NaN();
constexpr double infinity = std::numeric_limits<double>::infinity();
const Eigen::MatrixXd data = test::uniform(6, 20, 31);
}  // namespace

TEST_CASE("fit's options are checked before any work", "[bad_input][hyperparameters][fit]") {
  Model model(1);
  const Eigen::VectorXd before = model.parameters().values;
  hg::Adam<double> adam;
  auto with = [](auto change) {
    hg::FitOptions o;
    change(o);
    return o;
  };
  REQUIRE_THROWS_MATCHES(hg::fit(model, adam, data, with([](auto& o) { o.epochs = 0; })), std::invalid_argument,
                         Says({"fit", "epochs must be >= 1", "got 0"}));
  REQUIRE_THROWS_MATCHES(hg::fit(model, adam, data, with([](auto& o) { o.epochs = -3; })), std::invalid_argument,
                         Says({"epochs must be >= 1", "got -3"}));
  REQUIRE_THROWS_MATCHES(hg::fit(model, adam, data, with([](auto& o) { o.batch_size = 0; })), std::invalid_argument,
                         Says({"fit", "batch_size must be >= 1", "got 0"}));
  REQUIRE_THROWS_MATCHES(hg::fit(model, adam, data, with([](auto& o) { o.early_stopping.patience = -1; })),
                         std::invalid_argument, Says({"early_stopping.patience must be >= 0", "got -1"}));
  REQUIRE_THROWS_MATCHES(hg::fit(model, adam, data, with([](auto& o) { o.early_stopping.min_delta = -0.5; })),
                         std::invalid_argument, Says({"early_stopping.min_delta", ">= 0", "got -0.5"}));
  REQUIRE_THROWS_MATCHES(hg::fit(model, adam, data, with([](auto& o) { o.early_stopping.min_delta = not_a_number; })),
                         std::invalid_argument, Says({"early_stopping.min_delta", "got nan"}));
  CHECK(adam.steps() == 0);
  CHECK(model.parameters().values == before);
}

TEST_CASE("optimizers refuse learning rates, betas, epsilon, momentum and decay out of range",
          "[bad_input][hyperparameters][optimizers]") {
  using A = hg::Adam<float>;
  using R = hg::RMSprop<float>;
  using S = hg::SGD<float>;
  for (const double lr : {0.0, -0.1, not_a_number, infinity}) {
    REQUIRE_THROWS_MATCHES(A({.learning_rate = lr}), std::invalid_argument, Says({"adam", "learning rate", "> 0"}));
    REQUIRE_THROWS_MATCHES(R({.learning_rate = lr}), std::invalid_argument, Says({"rmsprop", "learning rate"}));
    REQUIRE_THROWS_MATCHES(S({.learning_rate = lr}), std::invalid_argument, Says({"sgd", "learning rate"}));
  }
  REQUIRE_THROWS_MATCHES(A({.learning_rate = 0.0}), std::invalid_argument, Says({"got 0"}));
  for (const double beta : {1.0, -0.1, 1.5, not_a_number}) {
    REQUIRE_THROWS_MATCHES(A({.beta1 = beta}), std::invalid_argument, Says({"adam", "beta1 must be in [0, 1)"}));
    REQUIRE_THROWS_MATCHES(A({.beta2 = beta}), std::invalid_argument, Says({"adam", "beta2 must be in [0, 1)"}));
  }
  REQUIRE_THROWS_MATCHES(A({.beta1 = 1.0}), std::invalid_argument, Says({"got 1"}));
  for (const double eps : {0.0, -1e-8, not_a_number}) {
    REQUIRE_THROWS_MATCHES(A({.epsilon = eps}), std::invalid_argument, Says({"adam", "epsilon", "> 0"}));
    REQUIRE_THROWS_MATCHES(R({.epsilon = eps}), std::invalid_argument, Says({"rmsprop", "epsilon"}));
  }
  for (const double mu : {1.0, -0.5, not_a_number}) {
    REQUIRE_THROWS_MATCHES(S({.momentum = mu}), std::invalid_argument, Says({"sgd", "momentum must be in [0, 1)"}));
    REQUIRE_THROWS_MATCHES(R({.momentum = mu}), std::invalid_argument, Says({"rmsprop", "momentum"}));
  }
  REQUIRE_THROWS_MATCHES(R({.alpha = 1.0}), std::invalid_argument, Says({"rmsprop", "alpha must be in [0, 1)"}));
  REQUIRE_THROWS_MATCHES(A({.weight_decay = -1e-4}), std::invalid_argument, Says({"adam", "weight_decay", ">= 0"}));
  REQUIRE_THROWS_MATCHES(R({.weight_decay = infinity}), std::invalid_argument, Says({"rmsprop", "weight_decay"}));
  REQUIRE_THROWS_MATCHES(S({.weight_decay = -1.0}), std::invalid_argument, Says({"sgd", "weight_decay"}));
  REQUIRE_THROWS_MATCHES(S({.nesterov = true}), std::invalid_argument, Says({"sgd", "nesterov needs momentum > 0"}));
  A adam;
  REQUIRE_THROWS_MATCHES(adam.set_learning_rate(0.0), std::invalid_argument, Says({"adam", "learning rate", "got 0"}));
  CHECK(adam.learning_rate() == 1e-3);
}

TEST_CASE("schedules refuse bad arguments when they are made", "[bad_input][hyperparameters][schedules]") {
  namespace s = hg::schedule;
  REQUIRE_THROWS_MATCHES(s::step(0, 0.5), std::invalid_argument, Says({"schedule::step", "step_size must be >= 1", "got 0"}));
  REQUIRE_THROWS_MATCHES(s::step(2, 0.0), std::invalid_argument, Says({"schedule::step", "gamma must be in (0, 1]"}));
  REQUIRE_THROWS_MATCHES(s::step(2, 1.5), std::invalid_argument, Says({"gamma", "got 1.5"}));
  REQUIRE_THROWS_MATCHES(s::cosine(0), std::invalid_argument, Says({"schedule::cosine", "epochs must be >= 1"}));
  REQUIRE_THROWS_MATCHES(s::cosine(10, -1e-3), std::invalid_argument, Says({"schedule::cosine", "min_rate", "got -0.001"}));
  REQUIRE_THROWS_MATCHES(s::reduce_on_plateau(1.0), std::invalid_argument, Says({"reduce_on_plateau", "factor must be in (0, 1)"}));
  REQUIRE_THROWS_MATCHES(s::reduce_on_plateau(0.0), std::invalid_argument, Says({"factor", "got 0"}));
  REQUIRE_THROWS_MATCHES(s::reduce_on_plateau(0.5, -1), std::invalid_argument, Says({"reduce_on_plateau", "patience", "got -1"}));
  REQUIRE_THROWS_MATCHES(s::reduce_on_plateau(0.5, 2, -1.0), std::invalid_argument, Says({"reduce_on_plateau", "min_rate"}));
  REQUIRE_THROWS_MATCHES(s::reduce_on_plateau(0.5, 2, 0.0, not_a_number), std::invalid_argument, Says({"reduce_on_plateau", "threshold"}));
}

TEST_CASE("a schedule that reaches a rate of 0 before the last epoch is refused before the first step",
          "[bad_input][hyperparameters][schedules]") {
  Model model(1);
  const Eigen::VectorXd initial = model.parameters().values;
  hg::Adam<double> adam({.learning_rate = 0.01});
  hg::FitOptions options;
  options.epochs = 5;
  options.schedule = hg::schedule::cosine(3);  // min_rate 0 from epoch 4 on
  int epochs_seen = 0;
  options.on_epoch = [&](const hg::EpochInfo&) { return ++epochs_seen > 0; };
  REQUIRE_THROWS_MATCHES(hg::fit(model, adam, data, options), std::invalid_argument,
                         Says({"fit: the learning-rate schedule gives 0 for epoch 4", "min_rate"}));
  // Nothing done (docs/reliability.md, "Which error, when"): it used to throw after 3 epochs.
  CHECK(epochs_seen == 0);
  CHECK(adam.steps() == 0);
  CHECK(model.parameters().values == initial);
  // A schedule that depends on the losses cannot be run ahead; a user's function that returns 0
  // is still refused when it does, naming the epoch.
  options.schedule = hg::LearningRateSchedule([](const hg::ScheduleState& s) { return s.epoch >= 1 ? 0.0 : s.base_rate; });
  REQUIRE_THROWS_MATCHES(hg::fit(model, adam, data, options), std::invalid_argument,
                         Says({"fit: the learning-rate schedule gives 0 for epoch 3"}));
  CHECK(epochs_seen == 2);
  CHECK(model.parameters().values.allFinite());
}

// Regression: fit applied the schedule once more after the last epoch, so schedule::cosine(E)
// with its default min_rate 0 set a learning rate of 0 and threw once training had finished.
TEST_CASE("fit with schedule::cosine(epochs) and min_rate 0 finishes", "[bad_input][hyperparameters][schedules][regression]") {
  Model model(1);
  hg::Adam<double> adam({.learning_rate = 0.01});
  hg::FitOptions options;
  options.epochs = 4;
  options.schedule = hg::schedule::cosine(options.epochs);
  const auto history = hg::fit(model, adam, data, options);
  CHECK(history.epochs_run() == 4);
  CHECK(history.learning_rate.back() > 0);
}

TEST_CASE("policies refuse noise fractions outside [0, 1] and negative penalties", "[bad_input][hyperparameters][policies]") {
  using E = hg::Encoder<hg::Dense<6, 3, hg::Sigmoid>>;
  using D = hg::Decoder<hg::Dense<3, 6>>;
  for (const double f : {-0.1, 1.1, not_a_number}) {
    REQUIRE_THROWS_MATCHES((hg::BasicAutoencoder<double, E, D, hg::MaskingNoise>(1, {.fraction = f})), std::invalid_argument,
                           Says({"MaskingNoise", "fraction must be in [0, 1]"}));
    REQUIRE_THROWS_MATCHES((hg::BasicAutoencoder<double, E, D, hg::SaltAndPepper>(1, {.fraction = f})),
                           std::invalid_argument, Says({"SaltAndPepper", "fraction must be in [0, 1]"}));
  }
  REQUIRE_THROWS_MATCHES((hg::BasicAutoencoder<double, E, D, hg::SaltAndPepper>(1, {.fraction = 0.1, .low = 1, .high = 0})),
                         std::invalid_argument, Says({"SaltAndPepper", "low must be <= high", "low=1, high=0"}));
  REQUIRE_THROWS_MATCHES((hg::BasicAutoencoder<double, E, D, hg::GaussianNoise>(1, {.sigma = -0.2})), std::invalid_argument,
                         Says({"GaussianNoise", "sigma", ">= 0", "got -0.2"}));
  REQUIRE_THROWS_MATCHES((hg::BasicAutoencoder<double, E, D, hg::SparseL1<>>(1, {.lambda = -1e-3})), std::invalid_argument,
                         Says({"SparseL1", "lambda", "got -0.001"}));
  REQUIRE_THROWS_MATCHES((hg::BasicAutoencoder<double, E, D, hg::SparseKL<>>(1, {.rho = 0.05, .beta = -3})),
                         std::invalid_argument, Says({"SparseKL", "beta", "got -3"}));
  REQUIRE_THROWS_MATCHES((hg::BasicAutoencoder<double, E, D, hg::SparseKL<>>(1, {.rho = 1.0})), std::invalid_argument,
                         Says({"SparseKL", "rho must be in (0, 1)"}));
  REQUIRE_THROWS_MATCHES((hg::BasicAutoencoder<double, E, D, hg::SparseKL<>>(1, {.rho = 0.05, .beta = 3, .epsilon = 0})),
                         std::invalid_argument, Says({"SparseKL", "epsilon"}));
  REQUIRE_THROWS_MATCHES((hg::BasicAutoencoder<double, E, D, hg::Contractive>(1, {.lambda = -0.1})), std::invalid_argument,
                         Says({"Contractive", "lambda", "got -0.1"}));
  REQUIRE_THROWS_MATCHES((hg::BasicAutoencoder<double, E, D, hg::ContractiveLayerwise>(1, {.lambda = infinity})),
                         std::invalid_argument, Says({"ContractiveLayerwise", "lambda"}));
  REQUIRE_THROWS_MATCHES((hg::BasicAutoencoder<double, E, D, hg::WeightDecay>(1, {.lambda = -1e-4})), std::invalid_argument,
                         Says({"WeightDecay", "lambda"}));

  // Changed after construction through policy<P>(): fit checks again before training.
  hg::BasicAutoencoder<double, E, D, hg::MaskingNoise> model(1);
  model.policy<hg::MaskingNoise>().fraction = 2.0;
  hg::Adam<double> adam;
  REQUIRE_THROWS_MATCHES(hg::fit(model, adam, data), std::invalid_argument, Says({"MaskingNoise", "got 2"}));
  CHECK(adam.steps() == 0);
}

TEST_CASE("PCA refuses k = 0, k > d and a chunk of 0", "[bad_input][hyperparameters][pca]") {
  REQUIRE_THROWS_MATCHES(hg::PCA<double>(0), std::invalid_argument, Says({"PCA", "k (the number of components) must be >= 1", "got 0"}));
  REQUIRE_THROWS_MATCHES(hg::PCA<double>(-2), std::invalid_argument, Says({"got -2"}));
  REQUIRE_THROWS_MATCHES(hg::PCA<double>().fit(data, 0), std::invalid_argument, Says({"must be >= 1", "got 0"}));
  REQUIRE_THROWS_MATCHES(hg::PCA<double>(7).fit(data), std::invalid_argument,
                         Says({"PCA::fit", "k = 7 components exceed the dimension d = 6"}));
  REQUIRE_THROWS_MATCHES(hg::PCA<double>(2, {.chunk = 0}), std::invalid_argument, Says({"PCA", "options.chunk must be >= 1"}));
  REQUIRE_THROWS_MATCHES(hg::PCA<double>().fit(data), std::invalid_argument, Says({"PCA::fit", "no number of components"}));
}
