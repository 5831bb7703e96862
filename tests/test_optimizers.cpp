// Optimizers against two steps computed by hand from PyTorch's update equations.
#include <catch2/catch.hpp>
#include <hourglass/hourglass.hpp>

#include <cmath>

namespace hg = hourglass;

namespace {
hg::ParameterBuffer<double> buffer(double p0, double p1) {
  hg::ParameterBuffer<double> b(2);
  b.values << p0, p1;
  return b;
}
}  // namespace

TEST_CASE("Adam: two steps by hand, step count advanced once per step", "[optimizers]") {
  hg::Adam<double> adam({.learning_rate = 0.1, .beta1 = 0.9, .beta2 = 0.999, .epsilon = 1e-8});
  auto b = buffer(1.0, -2.0);
  b.gradients << 0.5, -1.0;
  adam.step(b);
  // t=1: m = 0.1 g, v = 0.001 g^2; m_hat = g, v_hat = g^2 -> p -= 0.1 * g / (|g| + 1e-8)
  CHECK(b.values[0] == Approx(1.0 - 0.1 * 0.5 / (0.5 + 1e-8)).epsilon(1e-12));
  CHECK(b.values[1] == Approx(-2.0 + 0.1 * 1.0 / (1.0 + 1e-8)).epsilon(1e-12));
  const double after0 = b.values[0], after1 = b.values[1];
  b.gradients << 0.25, 0.5;
  adam.step(b);
  // t=2, component 0: m = 0.9*0.05 + 0.1*0.25 = 0.07; v = 0.999*0.00025 + 0.001*0.0625 = 0.00031225
  const double m0 = 0.07, v0 = 0.00031225;
  const double p0 = after0 - (0.1 / (1 - 0.81)) * m0 / (std::sqrt(v0) / std::sqrt(1 - 0.998001) + 1e-8);
  // component 1: m = 0.9*(-0.1) + 0.1*0.5 = -0.04; v = 0.999*0.001 + 0.001*0.25 = 0.001249
  const double m1 = -0.04, v1 = 0.001249;
  const double p1 = after1 - (0.1 / (1 - 0.81)) * m1 / (std::sqrt(v1) / std::sqrt(1 - 0.998001) + 1e-8);
  CHECK(b.values[0] == Approx(p0).epsilon(1e-12));
  CHECK(b.values[1] == Approx(p1).epsilon(1e-12));
  CHECK(adam.steps() == 2);
}

TEST_CASE("AdamW decoupled weight decay shrinks before the update", "[optimizers]") {
  hg::Adam<double> adam({.learning_rate = 0.1, .weight_decay = 0.5});
  auto b = buffer(1.0, 1.0);
  b.gradients << 0.0, 0.0;
  adam.step(b);
  CHECK(b.values[0] == Approx(1.0 * (1 - 0.1 * 0.5)));
}

TEST_CASE("RMSprop: two steps by hand", "[optimizers]") {
  hg::RMSprop<double> rms({.learning_rate = 0.01, .alpha = 0.99, .epsilon = 1e-8});
  auto b = buffer(1.0, 0.0);
  b.gradients << 2.0, -1.0;
  rms.step(b);
  // v = 0.01 g^2 -> sqrt(v) = 0.1 |g|; p -= 0.01 g / (0.1|g| + 1e-8)
  CHECK(b.values[0] == Approx(1.0 - 0.01 * 2.0 / (0.2 + 1e-8)).epsilon(1e-12));
  CHECK(b.values[1] == Approx(0.0 + 0.01 * 1.0 / (0.1 + 1e-8)).epsilon(1e-12));
  const double after0 = b.values[0], after1 = b.values[1];
  b.gradients << 1.0, 1.0;
  rms.step(b);
  const double v0 = 0.99 * 0.04 + 0.01 * 1.0;
  const double v1 = 0.99 * 0.01 + 0.01 * 1.0;
  CHECK(b.values[0] == Approx(after0 - 0.01 / (std::sqrt(v0) + 1e-8)).epsilon(1e-12));
  CHECK(b.values[1] == Approx(after1 - 0.01 / (std::sqrt(v1) + 1e-8)).epsilon(1e-12));
  CHECK(rms.steps() == 2);
}

TEST_CASE("SGD with momentum: two steps by hand (and Nesterov)", "[optimizers]") {
  hg::SGD<double> sgd({.learning_rate = 0.1, .momentum = 0.9});
  auto b = buffer(1.0, -1.0);
  b.gradients << 1.0, 2.0;
  sgd.step(b);  // buf = g; p -= 0.1 g
  CHECK(b.values[0] == Approx(0.9));
  CHECK(b.values[1] == Approx(-1.2));
  b.gradients << 0.5, -1.0;
  sgd.step(b);  // buf = 0.9 * g1 + g2
  CHECK(b.values[0] == Approx(0.9 - 0.1 * (0.9 * 1.0 + 0.5)));
  CHECK(b.values[1] == Approx(-1.2 - 0.1 * (0.9 * 2.0 - 1.0)));

  hg::SGD<double> nesterov({.learning_rate = 0.1, .momentum = 0.9, .nesterov = true});
  auto c = buffer(1.0, 0.0);
  c.gradients << 1.0, 0.0;
  nesterov.step(c);  // buf = g; p -= lr (g + mu buf) = 0.1 * 1.9
  CHECK(c.values[0] == Approx(1.0 - 0.19));
}

TEST_CASE("SGD's momentum schedule (Sutskever et al. 2013, eq. 5): the rungs, and steps by hand", "[optimizers]") {
  hg::SGD<double> sgd({.learning_rate = 0.1, .momentum = 0.9, .nesterov = true, .momentum_schedule = true});
  // 1 - 1/(2k), k = floor(t / 250) + 1, capped at 0.9.
  CHECK(sgd.momentum_at(0) == 0.5);
  CHECK(sgd.momentum_at(249) == 0.5);
  CHECK(sgd.momentum_at(250) == 0.75);
  CHECK(sgd.momentum_at(500) == Approx(1.0 - 1.0 / 6.0).epsilon(1e-15));
  CHECK(sgd.momentum_at(750) == 0.875);
  CHECK(sgd.momentum_at(1000) == 0.9);  // 0.9 = 1 - 1/10: the cap reached at rung 5
  CHECK(sgd.momentum_at(100000) == 0.9);
  hg::SGD<double> fast({.learning_rate = 0.1, .momentum = 0.99, .nesterov = true, .momentum_schedule = true,
                        .momentum_period = 1});
  auto b = buffer(1.0, 0.0);
  b.gradients << 1.0, 0.0;
  fast.step(b);  // t = 0, mu 0.5: buf = g = 1; p -= 0.1 (g + 0.5 buf) = 0.15
  CHECK(b.values[0] == Approx(0.85).epsilon(1e-15));
  b.gradients << 2.0, 0.0;
  fast.step(b);  // t = 1, mu 0.75: buf = 0.75 * 1 + 2 = 2.75; p -= 0.1 (2 + 0.75 * 2.75) = 0.40625
  CHECK(b.values[0] == Approx(0.85 - 0.40625).epsilon(1e-15));
  CHECK_THROWS_WITH(hg::SGD<double>({.momentum_schedule = true}), Catch::Contains("momentum_schedule needs momentum > 0"));
  CHECK_THROWS_WITH(hg::SGD<double>({.momentum = 0.9, .momentum_period = 0}), Catch::Contains("momentum_period"));
}

TEST_CASE("optimizers reject bad hyperparameters with the parameter's name", "[optimizers][bad_input]") {
  CHECK_THROWS_WITH(hg::Adam<float>({.learning_rate = 0.0}), Catch::Contains("learning rate"));
  CHECK_THROWS_WITH(hg::Adam<float>({.beta1 = 1.0}), Catch::Contains("beta1"));
  CHECK_THROWS_WITH(hg::Adam<float>({.beta2 = -0.1}), Catch::Contains("beta2"));
  CHECK_THROWS_WITH(hg::RMSprop<float>({.alpha = 1.5}), Catch::Contains("alpha"));
  CHECK_THROWS_WITH(hg::SGD<float>({.learning_rate = -1.0}), Catch::Contains("learning rate"));
  CHECK_THROWS_AS(hg::SGD<float>({.learning_rate = std::nan("")}), std::invalid_argument);
}
