// State that belongs to one run stays in that run: schedules start afresh in each fit, an
// optimizer is bound to the parameters it first stepped, compute_gradients uses its target.
#include <catch2/catch.hpp>

#include "bad_input.hpp"
#include "helpers.hpp"

namespace hg = hourglass;

namespace {
using Narrow = hg::Autoencoder<hg::Encoder<hg::Dense<8, 3, hg::Sigmoid>>, hg::Decoder<hg::Dense<3, 8, hg::Sigmoid>>>;
using Wide = hg::Autoencoder<hg::Encoder<hg::Dense<8, 4, hg::Sigmoid>>, hg::Decoder<hg::Dense<4, 8, hg::Sigmoid>>>;
}  // namespace

// Tried as a new user would: one Adam for model A, then model B, started B from A's moments and
// step count; the only guard compared lengths, and padding makes 8-3-8 and 8-4-8 the same length.
TEST_CASE("regression: an optimizer refuses a second model's parameters, even of the same length", "[optimizers][state]") {
  STATIC_REQUIRE(Narrow::network_type::parameter_count == Wide::network_type::parameter_count);
  const Eigen::MatrixXf x = test::uniform(8, 32, 1).cast<float>();
  Narrow a(1);
  Wide b(2);
  hg::Adam<float> adam;
  hg::FitOptions o;
  o.epochs = 1;
  o.progress = hg::Progress::never;
  hg::fit(a, adam, x, o);
  REQUIRE_THROWS_MATCHES(hg::fit(b, adam, x, o), std::invalid_argument,
                         test::Says({"adam: this optimizer holds the state of another model's parameters", "reset()"}));
  Narrow copy = a;  // a copy is another model too
  CHECK_THROWS_AS(hg::fit(copy, adam, x, o), std::invalid_argument);
  hg::fit(a, adam, x, o);  // the same model goes on
  adam.reset();
  CHECK(adam.steps() == 0);
  hg::fit(b, adam, x, o);  // after reset, a fresh start
  CHECK(adam.steps() == 1);
  hg::SGD<float> sgd;
  hg::RMSprop<float> rms;
  hg::fit(a, sgd, x, o);
  hg::fit(a, rms, x, o);
  CHECK_THROWS_AS(hg::fit(b, sgd, x, o), std::invalid_argument);
  CHECK_THROWS_AS(hg::fit(b, rms, x, o), std::invalid_argument);
}

// Tried as a new user would: a reduce_on_plateau schedule in FitOptions, reused for a second
// model, halved the second model's rate at once (the copies shared the first run's state).
TEST_CASE("regression: a schedule reused for a second fit starts afresh", "[fit][schedules][state]") {
  const Eigen::MatrixXf x = test::uniform(8, 64, 2).cast<float>();
  hg::FitOptions o;
  o.epochs = 3;
  o.batch_size = 16;
  o.progress = hg::Progress::never;
  o.schedule = hg::schedule::reduce_on_plateau(0.5, 0);
  // A first run whose loss never improves after its first epoch (a rate too small to matter).
  Narrow a(1);
  hg::SGD<float> tiny({.learning_rate = 1e-30});
  const auto ha = hg::fit(a, tiny, x, o);
  CHECK(ha.learning_rate.back() < ha.learning_rate.front());  // it was reduced there
  // The second run improves every epoch: its rate must stay.
  Narrow b(2);
  hg::Adam<float> adam({.learning_rate = 1e-2});
  const auto hb = hg::fit(b, adam, x, o);
  REQUIRE(hb.train_loss[1] < hb.train_loss[0]);
  REQUIRE(hb.train_loss[2] < hb.train_loss[1]);
  CHECK(hb.learning_rate == std::vector<double>{1e-2, 1e-2, 1e-2});
  // Copies of a schedule do not share state either.
  auto s1 = hg::schedule::reduce_on_plateau(0.5, 0);
  CHECK(s1.next_rate({0, 1.0, 1.0, 1.0}) == 1.0);
  auto s2 = s1;
  CHECK(s1.next_rate({1, 1.0, 1.0, 1.0}) == 0.5);  // no improvement on 1.0: reduced
  CHECK(s2.next_rate({1, 1.0, 1.0, 1.0}) == 1.0);  // a fresh run: 1.0 is its first value
}

// compute_gradients(loss, input, target) wrote the input over the target for models without
// corruption, so the gradient checker differentiated L(f(x), x) whatever target it was given.
TEST_CASE("regression: compute_gradients(loss, input, target) uses the target", "[model][gradient]") {
  using Model = hg::BasicAutoencoder<double, hg::Encoder<hg::Dense<4, 2, hg::Tanh>>, hg::Decoder<hg::Dense<2, 4, hg::Sigmoid>>>;
  Model model(3);
  const Eigen::MatrixXd input = test::uniform(4, 5, 4);
  const Eigen::MatrixXd target = test::uniform(4, 5, 5);
  const double loss = model.compute_gradients(hg::MSE{}, input, target).loss;
  CHECK(loss == Approx(hg::MSE::value(model.reconstruct(input), target)).epsilon(1e-12));
  CHECK(loss != Approx(hg::MSE::value(model.reconstruct(input), input)).epsilon(1e-3));
  const auto check = hg::check_model_gradient(model, hg::BCE{}, input, target);
  CHECK(check.max_relative_error < 1e-6);
}

TEST_CASE("a seeded model keeps separate random streams: initialisation, shuffling, noise", "[model][random]") {
  Narrow a(5), b(5);
  CHECK(a.parameters().values == b.parameters().values);
  CHECK(a.seed() == 5);
  const auto first = a.rng(hg::RandomStream::shuffling).bits();
  CHECK(first != a.rng(hg::RandomStream::noise).bits());
  b.rng(hg::RandomStream::noise).bits();  // drawing noise does not move the shuffle
  CHECK(b.rng(hg::RandomStream::shuffling).bits() == first);
  CHECK(hg::stream_seed(5, 0) == 5);
  CHECK(hg::stream_seed(5, 1) != hg::stream_seed(6, 1));
}
