// Variants: finite-difference gradient checks (double) of each penalty on its own (a zero loss,
// so only the penalty is differentiated), of full models with each variant, with tied weights,
// and with everything combined. The denoising path is checked on a fixed corrupted input.
#include <catch2/catch.hpp>

#include "helpers.hpp"

namespace hg = hourglass;

namespace {

/// A loss that is identically 0: the objective is then the penalties alone.
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

template <class Model>
double check(Model& model, const auto& loss, const Eigen::MatrixXd& input, const Eigen::MatrixXd& target) {
  const auto result = hg::check_model_gradient(model, loss, input, target);
  const auto objective = model.compute_gradients(loss, input, target);
  INFO("objective " << objective.loss << " + penalty " << objective.penalty);
  CHECK(objective.penalty > 0);  // the penalty is really there
  WARN("max relative error " << result.max_relative_error << " at parameter " << result.worst_index);
  return result.max_relative_error;
}

using Enc3 = hg::Encoder<hg::Dense<6, 5, hg::Tanh>, hg::Dense<5, 4, hg::ELU>, hg::Dense<4, 3, hg::Sigmoid>>;
using Dec3 = hg::Decoder<hg::Dense<3, 4, hg::Tanh>, hg::Dense<4, 5, hg::Softplus>, hg::Dense<5, 6, hg::Sigmoid>>;
template <class... P>
using Deep = hg::BasicAutoencoder<double, Enc3, Dec3, P...>;

}  // namespace

TEST_CASE("each penalty alone has the gradient of its value", "[variants][gradient]") {
  const Eigen::MatrixXd x = test::uniform(6, 7, 101);
  SECTION("sparse L1 on the code layer and on a hidden layer") {
    Deep<hg::SparseL1<>> code(1, {.lambda = 0.7});
    CHECK(check(code, ZeroLoss{}, x, x) < 1e-6);
    Deep<hg::SparseL1<0>> hidden(2, {.lambda = 0.7});
    CHECK(check(hidden, ZeroLoss{}, x, x) < 1e-6);
  }
  SECTION("sparse KL on the sigmoid code layer") {
    Deep<hg::SparseKL<>> model(3, {.rho = 0.05, .beta = 3.0});
    CHECK(check(model, ZeroLoss{}, x, x) < 1e-6);
  }
  SECTION("contractive (whole-encoder Jacobian) through tanh, ELU and sigmoid encoder layers") {
    Deep<hg::Contractive> model(4, {.lambda = 0.5});
    CHECK(check(model, ZeroLoss{}, x, x) < 1e-6);
  }
  SECTION("contractive (whole-encoder Jacobian) through ReLU layers and a linear code") {
    using Model = hg::BasicAutoencoder<double, hg::Encoder<hg::Dense<6, 5, hg::ReLU>, hg::Dense<5, 4, hg::ReLU>, hg::Dense<4, 3>>,
                                       hg::Decoder<hg::Dense<3, 6, hg::Sigmoid>>, hg::Contractive>;
    Model model(5, {.lambda = 0.5});
    CHECK(check(model, ZeroLoss{}, x, x) < 1e-6);
  }
  SECTION("contractive, one sigmoid / tanh / ReLU layer (closed form)") {
    using D = hg::Decoder<hg::Dense<3, 6, hg::Sigmoid>>;
    hg::BasicAutoencoder<double, hg::Encoder<hg::Dense<6, 3, hg::Sigmoid>>, D, hg::Contractive> sigmoid(41, {.lambda = 0.5});
    CHECK(check(sigmoid, ZeroLoss{}, x, x) < 1e-6);
    hg::BasicAutoencoder<double, hg::Encoder<hg::Dense<6, 3, hg::Tanh>>, D, hg::Contractive> tanh(42, {.lambda = 0.5});
    CHECK(check(tanh, ZeroLoss{}, x, x) < 1e-6);
    hg::BasicAutoencoder<double, hg::Encoder<hg::Dense<6, 3, hg::ReLU>>, D, hg::Contractive> relu(43, {.lambda = 0.5});
    CHECK(check(relu, ZeroLoss{}, x, x) < 1e-6);
  }
  SECTION("layerwise contractive through tanh, ELU and sigmoid encoder layers") {
    Deep<hg::ContractiveLayerwise> model(44, {.lambda = 0.5});
    CHECK(check(model, ZeroLoss{}, x, x) < 1e-6);
  }
  SECTION("layerwise contractive through ReLU layers (direct term only) and a linear code") {
    using Model = hg::BasicAutoencoder<double, hg::Encoder<hg::Dense<6, 5, hg::ReLU>, hg::Dense<5, 3>>,
                                       hg::Decoder<hg::Dense<3, 6, hg::Sigmoid>>, hg::ContractiveLayerwise>;
    Model model(5, {.lambda = 0.5});
    CHECK(check(model, ZeroLoss{}, x, x) < 1e-6);
  }
  SECTION("L2 weight decay") {
    Deep<hg::WeightDecay> model(6, {.lambda = 0.3});
    CHECK(check(model, ZeroLoss{}, x, x) < 1e-6);
  }
}

TEST_CASE("full models with each variant match finite differences", "[variants][gradient]") {
  const Eigen::MatrixXd x = test::uniform(6, 7, 102);
  SECTION("sparse L1, MSE") {
    Deep<hg::SparseL1<1>> model(11, {.lambda = 0.05});
    CHECK(check(model, hg::MSE{}, x, x) < 1e-6);
  }
  SECTION("sparse KL, BCE from logits") {
    Deep<hg::SparseKL<>> model(12, {.rho = 0.1, .beta = 0.5});
    CHECK(check(model, hg::BCE{}, x, x) < 1e-6);
  }
  SECTION("contractive, tanh one-layer encoder, MSE") {
    using Model = hg::BasicAutoencoder<double, hg::Encoder<hg::Dense<6, 3, hg::Tanh>>,
                                       hg::Decoder<hg::Dense<3, 6, hg::Sigmoid>>, hg::Contractive>;
    Model model(13, {.lambda = 0.2});
    CHECK(check(model, hg::MSE{}, x, x) < 1e-6);
  }
  SECTION("contractive, two-layer tanh/sigmoid encoder, MSE") {
    using Model = hg::BasicAutoencoder<double, hg::Encoder<hg::Dense<6, 5, hg::Tanh>, hg::Dense<5, 3, hg::Sigmoid>>,
                                       hg::Decoder<hg::Dense<3, 6, hg::Sigmoid>>, hg::Contractive>;
    Model model(16, {.lambda = 0.2});
    CHECK(check(model, hg::MSE{}, x, x) < 1e-6);
  }
  SECTION("weight decay, MSE") {
    Deep<hg::WeightDecay> model(14, {.lambda = 0.01});
    CHECK(check(model, hg::MSE{}, x, x) < 1e-6);
  }
  SECTION("denoising: masking noise, checked on a fixed corrupted input against the clean target") {
    Deep<hg::MaskingNoise> model(15, {.fraction = 0.3});
    Eigen::MatrixXd corrupted = x;
    hg::Random rng(7);
    hg::MaskingNoise{.fraction = 0.3}.corrupt(corrupted, rng);
    REQUIRE((corrupted.array() == 0).count() > 0);
    const auto result = hg::check_model_gradient(model, hg::MSE{}, corrupted, x);
    WARN("denoising max relative error " << result.max_relative_error);
    CHECK(result.max_relative_error < 1e-6);
  }
}

TEST_CASE("tied weights: both uses of W add up in its gradient", "[variants][gradient][tied]") {
  const Eigen::MatrixXd x = test::uniform(6, 7, 103);
  using Model = hg::BasicAutoencoder<double, hg::Encoder<hg::Dense<6, 5, hg::Tanh>, hg::Dense<5, 3, hg::Sigmoid>>,
                                     hg::Decoder<hg::TiedDense<1, hg::Tanh>, hg::TiedDense<0, hg::Sigmoid>>>;
  Model model(21);
  const auto result = hg::check_model_gradient(model, hg::MSE{}, x, x);
  WARN("tied max relative error " << result.max_relative_error);
  CHECK(result.max_relative_error < 1e-6);
  // The decoder really reads the encoder's weights, transposed.
  CHECK(model.network().weights<3>().isApprox(model.network().weights<0>().transpose()));
  CHECK(model.network().weights<2>().isApprox(model.network().weights<1>().transpose()));

  SECTION("a decoder mixing tied and untied layers") {
    using Mixed = hg::BasicAutoencoder<double, hg::Encoder<hg::Dense<6, 5, hg::Tanh>, hg::Dense<5, 3, hg::Sigmoid>>,
                                       hg::Decoder<hg::TiedDense<1, hg::ReLU>, hg::Dense<5, 6, hg::Sigmoid>>>;
    Mixed mixed(22);
    const auto mixed_result = hg::check_model_gradient(mixed, hg::BCE{}, x, x);
    WARN("mixed tied/untied max relative error " << mixed_result.max_relative_error);
    CHECK(mixed_result.max_relative_error < 1e-6);
  }
}

TEST_CASE("everything combined: denoising, sparse KL, sparse L1, contractive, decay, tied", "[variants][gradient]") {
  const Eigen::MatrixXd x = test::uniform(6, 9, 104);
  using Model = hg::BasicAutoencoder<
      double, hg::Encoder<hg::Dense<6, 5, hg::Tanh>, hg::Dense<5, 4, hg::Sigmoid>>,
      hg::Decoder<hg::TiedDense<1, hg::Sigmoid>, hg::Dense<5, 6, hg::Sigmoid>>, hg::GaussianNoise, hg::SparseKL<>,
      hg::SparseL1<0>, hg::Contractive, hg::WeightDecay, hg::SaltAndPepper, hg::ContractiveLayerwise>;
  Model model(31, {.sigma = 0.1}, {.rho = 0.2, .beta = 0.5}, {.lambda = 0.01}, {.lambda = 0.05}, {.lambda = 0.01},
              {.fraction = 0.2}, {.lambda = 0.02});
  Eigen::MatrixXd corrupted = x;
  hg::Random rng(8);
  model.policy<hg::GaussianNoise>().corrupt(corrupted, rng);
  model.policy<hg::SaltAndPepper>().corrupt(corrupted, rng);
  CHECK(check(model, hg::BCE{}, corrupted, x) < 1e-6);
}
