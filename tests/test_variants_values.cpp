// Variants: hand values of each penalty (the contractive test vector and the KL values in
// shared/STYLE.md), the corruption policies' statistics, describe() strings, and bad
// hyperparameters rejected with a message naming the parameter and the value.
#include <catch2/catch.hpp>

#include "helpers.hpp"

#include <cmath>

namespace hg = hourglass;
using Catch::Matchers::Contains;

namespace {
/// The reference values are given to 10 decimals: agree to within their rounding.
Approx ten_decimals(double reference, double rounding_units = 1) {
  return Approx(reference).epsilon(0).margin(0.51e-10 * rounding_units);
}

struct ZeroLoss {
  static constexpr std::string_view name = "zero";
  template <class OutputActivation>
  static constexpr bool uses_logits = false;
  template <class A, class Y>
  static typename A::Scalar value(const A&, const Y&) {
    return 0;
  }
  template <class A, class Y, class G>
  static typename A::Scalar value_and_gradient(const A&, const Y&, G&& g) {
    g.setZero();
    return 0;
  }
};
}  // namespace

TEST_CASE("contractive penalty: Rifai's closed form on the STYLE.md test vector", "[variants][contractive]") {
  using Model = hg::BasicAutoencoder<double, hg::Encoder<hg::Dense<2, 2, hg::Sigmoid>>, hg::Decoder<hg::Dense<2, 2>>,
                                     hg::Contractive>;
  Model model(1, {.lambda = 1.0});
  model.weights<0>() << 0.5, -1.0, 2.0, 0.25;
  model.bias<0>() << 0.1, -0.2;
  Eigen::MatrixXd x(2, 1);
  x << 0.3, 0.7;
  const auto objective = model.compute_gradients(ZeroLoss{}, x, x);
  const Eigen::MatrixXd h = model.encode(x);
  CHECK(h(0, 0) == ten_decimals(0.3893607661));
  CHECK(h(1, 0) == ten_decimals(0.6399160967));
  CHECK(objective.penalty == ten_decimals(0.2863600216));
  Eigen::Matrix2d dw;
  dw << 0.0659108645, -0.0911683826, 0.1761643229, -0.0579555949;
  const Eigen::Vector2d db(0.0312718050, -0.1207186948);
  const auto gw = model.network().weight_gradient<0>();
  const auto gb = model.network().bias_gradient<0>();
  INFO("dP/dW = " << gw << "\ndP/db = " << gb.transpose());
  CHECK((gw - dw).cwiseAbs().maxCoeff() < 0.51e-10);
  CHECK((gb - db).cwiseAbs().maxCoeff() < 0.51e-10);
  // Mean over the batch: the same sample twice gives the same penalty.
  Eigen::MatrixXd twice(2, 2);
  twice << x, x;
  CHECK(model.compute_gradients(ZeroLoss{}, twice, twice).penalty == ten_decimals(0.2863600216));
}

TEST_CASE("contractive penalty of a 3-layer encoder is the mean squared norm of its Jacobian", "[variants][contractive]") {
  // The Jacobian built explicitly, sample by sample, as D_2 W_2 D_1 W_1 D_0 W_0.
  using Enc = hg::Encoder<hg::Dense<5, 4, hg::Tanh>, hg::Dense<4, 4, hg::Sigmoid>, hg::Dense<4, 3, hg::Tanh>>;
  using Model = hg::BasicAutoencoder<double, Enc, hg::Decoder<hg::Dense<3, 5>>, hg::Contractive>;
  using Layerwise = hg::BasicAutoencoder<double, Enc, hg::Decoder<hg::Dense<3, 5>>, hg::ContractiveLayerwise>;
  Model model(11, {.lambda = 0.7});
  const Eigen::MatrixXd x = test::uniform(5, 6, 12, -1, 1);
  const double penalty = model.compute_gradients(ZeroLoss{}, x, x).penalty;
  const Eigen::MatrixXd a0 = (model.weights<0>() * x).colwise() + model.bias<0>();
  const Eigen::MatrixXd h0 = a0.array().tanh().matrix();
  const Eigen::MatrixXd h1 = (1 / (1 + (-((model.weights<1>() * h0).colwise() + model.bias<1>()).array()).exp())).matrix();
  const Eigen::MatrixXd h2 = ((model.weights<2>() * h1).colwise() + model.bias<2>()).array().tanh().matrix();
  double expected = 0, layerwise_expected = 0;
  for (Eigen::Index k = 0; k < x.cols(); ++k) {
    const Eigen::VectorXd d0 = 1 - h0.col(k).array().square(), d1 = h1.col(k).array() * (1 - h1.col(k).array()),
                          d2 = 1 - h2.col(k).array().square();
    const Eigen::MatrixXd j0 = d0.asDiagonal() * model.weights<0>(), j1 = d1.asDiagonal() * model.weights<1>(),
                          j2 = d2.asDiagonal() * model.weights<2>();
    expected += (j2 * j1 * j0).squaredNorm();
    layerwise_expected += j0.squaredNorm() + j1.squaredNorm() + j2.squaredNorm();
  }
  expected *= 0.7 / static_cast<double>(x.cols());
  layerwise_expected *= 0.7 / static_cast<double>(x.cols());
  CHECK(penalty == Approx(expected).epsilon(1e-12));
  Layerwise layerwise(11, {.lambda = 0.7});
  CHECK(layerwise.compute_gradients(ZeroLoss{}, x, x).penalty == Approx(layerwise_expected).epsilon(1e-12));
  WARN("3-layer encoder: whole-Jacobian penalty " << penalty << ", layerwise penalty " << layerwise_expected);
}

TEST_CASE("KL sparsity: hand values, and through a model", "[variants][sparse_kl]") {
  CHECK(hg::bernoulli_kl_divergence(0.05, 0.1) == ten_decimals(0.0167065012));
  CHECK(hg::bernoulli_kl_divergence_derivative(0.05, 0.1) == ten_decimals(0.5555555556));
  CHECK(hg::bernoulli_kl_divergence(0.05, 0.02) == ten_decimals(0.0162784789));
  CHECK(hg::bernoulli_kl_divergence_derivative(0.05, 0.02) == ten_decimals(-1.5306122449));

  // A sigmoid code layer with W = 0 and b = logit(0.1): every code unit's mean activation is 0.1.
  using Model = hg::BasicAutoencoder<double, hg::Encoder<hg::Dense<4, 3, hg::Sigmoid>>, hg::Decoder<hg::Dense<3, 4>>,
                                     hg::SparseKL<>>;
  Model model(2, {.rho = 0.05, .beta = 3.0});
  model.weights<0>().setZero();
  model.bias<0>().setConstant(std::log(0.1 / 0.9));
  const Eigen::MatrixXd x = test::uniform(4, 5, 3);
  const auto objective = model.compute_gradients(ZeroLoss{}, x, x);
  CHECK(objective.penalty == ten_decimals(3 * 3 * 0.0167065012, 9));
  // dP/db_j = beta * KL'(rho_hat) * mean_k sigma'(z) = 3 * 0.5555555556 * 0.1 * 0.9.
  const auto gb = model.network().bias_gradient<0>();
  CHECK((gb.array() - 3 * 0.5555555556 * 0.09).abs().maxCoeff() < 3 * 0.09 * 0.51e-10);

  SECTION("saturated units give a finite penalty and gradient") {
    model.bias<0>().setConstant(60.0);  // sigmoid(60) == 1 in double
    const auto saturated = model.compute_gradients(ZeroLoss{}, x, x);
    CHECK(std::isfinite(saturated.penalty));
    CHECK(model.parameters().gradients.allFinite());
    model.bias<0>().setConstant(-800.0);  // sigmoid == 0
    CHECK(std::isfinite(model.compute_gradients(ZeroLoss{}, x, x).penalty));
    CHECK(model.parameters().gradients.allFinite());
  }
}

TEST_CASE("sparse L1 and weight decay: hand values", "[variants][sparse_l1][weight_decay]") {
  using Model = hg::BasicAutoencoder<double, hg::Encoder<hg::Dense<2, 3, hg::ReLU>>, hg::Decoder<hg::Dense<3, 2>>,
                                     hg::SparseL1<>, hg::WeightDecay>;
  Model model(4, {.lambda = 0.1}, {.lambda = 0.2});
  model.weights<0>().setZero();
  model.bias<0>() << 0.5, -1.0, 2.0;  // code = relu(b) = (0.5, 0, 2) for every sample
  model.weights<1>() << 1, 2, 3, 4, 5, 6;
  Eigen::MatrixXd x = test::uniform(2, 4, 5);
  const auto objective = model.compute_gradients(ZeroLoss{}, x, x);
  // L1: 0.1 * (0.5 + 0 + 2), mean over samples. Decay: 0.2/2 * (1+4+9+16+25+36) over weights only.
  CHECK(objective.penalty == Approx(0.1 * 2.5 + 0.1 * 91).epsilon(1e-12));
  // dP/db = lambda * sign(a) * relu'(a) summed over samples / n = (0.1, 0, 0.1).
  CHECK(model.network().bias_gradient<0>().isApprox(Eigen::Vector3d(0.1, 0, 0.1)));
  CHECK(model.network().weight_gradient<1>().isApprox(0.2 * model.weights<1>()));
  CHECK(model.network().bias_gradient<1>().isZero());  // biases are not decayed
}

TEST_CASE("tied weights: half the weights, counted once by weight decay", "[variants][tied]") {
  using Untied = hg::BasicAutoencoder<double, hg::Encoder<hg::Dense<8, 4, hg::Sigmoid>>,
                                      hg::Decoder<hg::Dense<4, 8, hg::Sigmoid>>>;
  using Tied = hg::BasicAutoencoder<double, hg::Encoder<hg::Dense<8, 4, hg::Sigmoid>>,
                                    hg::Decoder<hg::TiedDense<0, hg::Sigmoid>>, hg::WeightDecay>;
  WARN("weights: untied " << Untied::network_type::weight_parameter_count << ", tied "
                          << Tied::network_type::weight_parameter_count);
  STATIC_REQUIRE(Untied::network_type::weight_parameter_count == 64);
  STATIC_REQUIRE(Tied::network_type::weight_parameter_count == 32);
  STATIC_REQUIRE(Tied::decoder_type::code_size == 4);
  STATIC_REQUIRE(Tied::decoder_type::output_size == 8);
  Tied model(6, {.lambda = 1.0});
  const Eigen::MatrixXd x = test::uniform(8, 3, 7);
  const double penalty = model.compute_gradients(ZeroLoss{}, x, x).penalty;
  CHECK(penalty == Approx(0.5 * model.weights<0>().squaredNorm()).epsilon(1e-12));
  CHECK(model.network().weight_gradient<0>().isApprox(model.weights<0>()));
}

TEST_CASE("corruption: statistics, fresh noise every batch, clean target, none at evaluation",
          "[variants][corruption]") {
  const Eigen::MatrixXd x = Eigen::MatrixXd::Constant(50, 400, 0.5);
  const int total = 50 * 400;
  SECTION("masking zeroes about the fraction asked for") {
    Eigen::MatrixXd c = x;
    hg::Random rng(1);
    hg::MaskingNoise{.fraction = 0.3}.corrupt(c, rng);
    const double zeroed = static_cast<double>((c.array() == 0).count()) / total;
    WARN("masking 0.3: zeroed " << zeroed);
    CHECK(zeroed == Approx(0.3).margin(0.01));
    CHECK(((c.array() == 0) || (c.array() == 0.5)).all());
  }
  SECTION("salt and pepper sets about the fraction to low or high, half each") {
    Eigen::MatrixXd c = x;
    hg::Random rng(2);
    hg::SaltAndPepper{.fraction = 0.2, .low = -1, .high = 3}.corrupt(c, rng);
    const double low = static_cast<double>((c.array() == -1).count()) / total;
    const double high = static_cast<double>((c.array() == 3).count()) / total;
    WARN("salt and pepper 0.2: low " << low << ", high " << high);
    CHECK(low == Approx(0.1).margin(0.01));
    CHECK(high == Approx(0.1).margin(0.01));
  }
  SECTION("Gaussian noise has the standard deviation asked for") {
    Eigen::MatrixXd c = x;
    hg::Random rng(3);
    hg::GaussianNoise{.sigma = 0.2}.corrupt(c, rng);
    const Eigen::ArrayXXd e = (c - x).array();
    const double sd = std::sqrt((e - e.mean()).square().mean());
    WARN("gaussian 0.2: mean " << e.mean() << ", sd " << sd);
    CHECK(std::abs(e.mean()) < 0.01);
    CHECK(sd == Approx(0.2).epsilon(0.02));
  }
  SECTION("the model corrupts each batch afresh and keeps the clean batch as the target") {
    using Model = hg::BasicAutoencoder<double, hg::Encoder<hg::Dense<50, 5, hg::Sigmoid>>,
                                       hg::Decoder<hg::Dense<5, 50, hg::Sigmoid>>, hg::MaskingNoise>;
    Model model(4, {.fraction = 0.5});
    const std::vector<Eigen::Index> columns{0, 1, 2};
    model.load_batch(x, columns);
    const Eigen::MatrixXd first = model.network().input(3);
    CHECK(model.batch_target(3).isApprox(x.leftCols(3)));
    CHECK((first.array() == 0).count() > 0);
    model.load_batch(x, columns);
    const Eigen::MatrixXd second = model.network().input(3);
    CHECK((first.array() != second.array()).any());
    // Evaluation never corrupts: the same answer every time, equal to the clean forward pass.
    const Eigen::MatrixXd r1 = model.reconstruct(x.leftCols(3));
    CHECK(model.reconstruct(x.leftCols(3)).isApprox(r1));
    CHECK(model.evaluate(hg::MSE{}, x.leftCols(3)) == Approx((r1 - x.leftCols(3)).squaredNorm() / 150));
  }
}

TEST_CASE("policies describe themselves with their hyperparameters", "[variants][describe]") {
  CHECK(hg::SparseKL<2>{.rho = 0.05, .beta = 3}.describe() == "sparse_kl(rho=0.05,beta=3,layer=2)");
  CHECK(hg::SparseKL<>{}.describe() == "sparse_kl(rho=0.05,beta=0.01,layer=code)");
  CHECK(hg::SparseL1<>{.lambda = 1e-3}.describe() == "sparse_l1(lambda=0.001,layer=code)");
  CHECK(hg::Contractive{.lambda = 0.1}.describe() == "contractive(lambda=0.1)");
  CHECK(hg::ContractiveLayerwise{.lambda = 0.1}.describe() == "contractive_layerwise(lambda=0.1)");
  CHECK(hg::WeightDecay{.lambda = 1e-4}.describe() == "l2_weight_decay(lambda=0.0001)");
  CHECK(hg::GaussianNoise{.sigma = 0.3}.describe() == "gaussian_noise(sigma=0.3)");
  CHECK(hg::MaskingNoise{.fraction = 0.25}.describe() == "masking_noise(fraction=0.25)");
  CHECK(hg::SaltAndPepper{}.describe() == "salt_and_pepper(fraction=0.1,low=0,high=1)");
}

TEST_CASE("bad hyperparameters throw std::invalid_argument naming the parameter and value", "[variants][validate]") {
  using E = hg::Encoder<hg::Dense<4, 2, hg::Sigmoid>>;
  using D = hg::Decoder<hg::Dense<2, 4, hg::Sigmoid>>;
  CHECK_THROWS_AS((hg::BasicAutoencoder<double, E, D, hg::SparseKL<>>(1, {.rho = 1.5})), std::invalid_argument);
  CHECK_THROWS_WITH((hg::BasicAutoencoder<double, E, D, hg::SparseKL<>>(1, {.rho = 1.5})),
                    Contains("rho") && Contains("1.5"));
  CHECK_THROWS_WITH((hg::BasicAutoencoder<double, E, D, hg::SparseKL<>>(1, {.rho = 0.0})),
                    Contains("rho") && Contains("got 0"));
  CHECK_THROWS_WITH((hg::BasicAutoencoder<double, E, D, hg::SparseKL<>>(1, {.rho = 0.1, .beta = -2})),
                    Contains("beta") && Contains("-2"));
  CHECK_THROWS_WITH((hg::BasicAutoencoder<double, E, D, hg::SparseL1<>>(1, {.lambda = -0.5})),
                    Contains("lambda") && Contains("-0.5"));
  CHECK_THROWS_WITH((hg::BasicAutoencoder<double, E, D, hg::Contractive>(1, {.lambda = -1})),
                    Contains("lambda") && Contains("-1"));
  CHECK_THROWS_WITH((hg::BasicAutoencoder<double, E, D, hg::WeightDecay>(1, {.lambda = -3})),
                    Contains("lambda") && Contains("-3"));
  CHECK_THROWS_WITH((hg::BasicAutoencoder<double, E, D, hg::GaussianNoise>(1, {.sigma = -0.1})),
                    Contains("sigma") && Contains("-0.1"));
  CHECK_THROWS_WITH((hg::BasicAutoencoder<double, E, D, hg::MaskingNoise>(1, {.fraction = 1.2})),
                    Contains("fraction") && Contains("1.2"));
  CHECK_THROWS_WITH((hg::BasicAutoencoder<double, E, D, hg::MaskingNoise>(1, {.fraction = -0.1})),
                    Contains("fraction") && Contains("-0.1"));
  CHECK_THROWS_WITH((hg::BasicAutoencoder<double, E, D, hg::SaltAndPepper>(1, {.fraction = 2})),
                    Contains("fraction") && Contains("2"));
  CHECK_THROWS_AS(hg::SparseKL<>{.rho = std::nan("")}.validate(), std::invalid_argument);

  // Changed after construction: fit() re-validates before training.
  hg::BasicAutoencoder<double, E, D, hg::SparseKL<>> model(1);
  model.policy<hg::SparseKL<>>().rho = -0.2;
  hg::Adam<double> adam;
  const Eigen::MatrixXd x = test::uniform(4, 8, 9);
  CHECK_THROWS_WITH(hg::fit(model, adam, x), Contains("rho") && Contains("-0.2"));
}
