// The layer contract (core/layer.hpp) on each layer kind: check_layer_gradient for every layer x
// activation, shapes compared (not sizes), parameter blocks and the flat layout, Reshape.
#include <catch2/catch.hpp>

#include "helpers.hpp"

namespace hg = hourglass;

namespace {

template <class... Acts>
void check_dense_for_each() {
  (
      [] {
        const auto dense = hg::check_layer_gradient<hg::Dense<5, 4, Acts>>(3, 11);
        const auto tied = hg::check_layer_gradient<hg::TiedDenseLayer<0, 4, 5, Acts>>(3, 12);
        INFO("activation " << Acts::name << ": dense " << dense.max_relative_error() << ", tied "
                           << tied.max_relative_error());
        CHECK(dense.max_relative_error() < 1e-6);
        CHECK(tied.max_relative_error() < 1e-6);
        CHECK(dense.input.worst_index >= 0);
        CHECK(dense.parameters.worst_index >= 0);
      }(),
      ...);
}

}  // namespace

TEST_CASE("check_layer_gradient: Dense and TiedDenseLayer, every activation", "[layers][gradient]") {
  check_dense_for_each<hg::Identity, hg::ReLU, hg::LeakyReLU, hg::ELU, hg::Softplus, hg::Sigmoid, hg::Tanh>();
}

TEST_CASE("check_layer_gradient: Reshape and Flatten pass gradients through unchanged", "[layers][gradient]") {
  const auto r = hg::check_layer_gradient<hg::Reshape<hg::Shape<12>, hg::Shape<3, 2, 2>>>(4, 3);
  CHECK(r.max_relative_error() < 1e-8);
  const auto f = hg::check_layer_gradient<hg::Flatten<2, 3, 3>>(2, 4);
  CHECK(f.max_relative_error() < 1e-8);
}

// The checker must see a wrong backward pass: a layer whose weight gradient is off by 1%.
namespace {
struct WrongDense : hg::Dense<3, 2, hg::Tanh> {
  template <class BelowAct, class S>
  static void backward(const hg::Blocks<const S>& p, const hg::InputMap<S>& x, const hg::MatrixMap<S>& y,
                       hg::MatrixMap<S> g, const hg::GradientBlocks<S>& dp, hg::MatrixMap<S>* dx) {
    hg::Dense<3, 2, hg::Tanh>::backward<BelowAct>(p, x, y, g, dp, dx);
    hg::MatrixMap<S>(dp[0], 2, 3)(1, 2) *= S(1.01);
  }
};
struct WrongInputGradient : hg::Dense<3, 2, hg::Tanh> {
  template <class BelowAct, class S>
  static void backward(const hg::Blocks<const S>& p, const hg::InputMap<S>& x, const hg::MatrixMap<S>& y,
                       hg::MatrixMap<S> g, const hg::GradientBlocks<S>& dp, hg::MatrixMap<S>* dx) {
    hg::Dense<3, 2, hg::Tanh>::backward<BelowAct>(p, x, y, g, dp, dx);
    if (dx) (*dx)(0, 1) += S(0.05);
  }
};
// A layer that forgets apply_below<BelowAct>, and one that never writes its logits.
struct ForgetsBelow : hg::Dense<3, 2, hg::Tanh> {
  template <class BelowAct, class S>
  static void backward(const hg::Blocks<const S>& p, const hg::InputMap<S>& x, const hg::MatrixMap<S>& y,
                       hg::MatrixMap<S> g, const hg::GradientBlocks<S>& dp, hg::MatrixMap<S>* dx) {
    hg::Dense<3, 2, hg::Tanh>::backward<hg::Identity>(p, x, y, g, dp, dx);
  }
};
struct ForgetsLogits : hg::Dense<3, 2, hg::Sigmoid> {
  template <bool KeepLogits, class S>
  static void forward(const hg::Blocks<const S>& p, const hg::InputMap<S>& x, hg::MatrixMap<S> y, hg::MatrixMap<S> z) {
    hg::Dense<3, 2, hg::Sigmoid>::forward<false>(p, x, y, z);
  }
};
struct Twice {
  static constexpr std::array<hg::ParameterBlock, 2> parameter_blocks{{{"weight", {3}}, {"weight", {3}}}};
};
struct Gap {
  static constexpr std::array<hg::ParameterBlock, 1> parameter_blocks{{{"weight", {3, 0, 2}}}};
};
struct FlatColumnMajor {
  static constexpr std::array<hg::ParameterBlock, 1> parameter_blocks{{{"weight", {3}, true}}};
};
}  // namespace

TEST_CASE("check_layer_gradient finds a layer that skips apply_below or its logits", "[layers][gradient]") {
  const auto below = hg::check_layer_gradient<ForgetsBelow>();
  CHECK(below.input.max_relative_error < 1e-6);  // alone, it looks right
  CHECK(below.below_activation_error > 1e-2);
  const auto logits = hg::check_layer_gradient<ForgetsLogits>();
  CHECK(logits.parameters.max_relative_error < 1e-6);
  CHECK(logits.logits_error > 1.0);
  CHECK(logits.max_relative_error() > 1.0);
  // Every library layer passes both paths.
  CHECK(hg::check_layer_gradient<hg::Dense<3, 2, hg::Sigmoid>>().below_activation_error < 1e-12);
  CHECK(hg::check_layer_gradient<hg::Dense<3, 2, hg::Sigmoid>>().logits_error < 1e-12);
}

TEST_CASE("parameter blocks: the rank is the number of leading non-zero dims; bad declarations are named",
          "[layers][parameters]") {
  constexpr hg::ParameterBlock w{"weight", {4, 6}, true};
  STATIC_REQUIRE(w.rank() == 2);
  STATIC_REQUIRE(w.size() == 24);
  STATIC_REQUIRE(std::string_view(hg::parameter_blocks_problem<Twice>()) == "two parameter blocks have the same name");
  STATIC_REQUIRE(std::string_view(hg::parameter_blocks_problem<Gap>()) ==
                 "a parameter block's dims go on after a zero (or a negative) entry");
  STATIC_REQUIRE(std::string_view(hg::parameter_blocks_problem<FlatColumnMajor>()) == "column_major is for 2-d blocks only");
  STATIC_REQUIRE(hg::parameter_blocks_problem<hg::Dense<4, 6>>() == nullptr);
}

TEST_CASE("check_layer_gradient finds a wrong parameter or input gradient", "[layers][gradient]") {
  const auto w = hg::check_layer_gradient<WrongDense>();
  CHECK(w.parameters.max_relative_error > 5e-3);
  CHECK(w.parameters.worst_index == 5);  // W(1, 2), column-major in a 2 x 3 block
  CHECK(w.input.max_relative_error < 1e-6);
  const auto x = hg::check_layer_gradient<WrongInputGradient>();
  CHECK(x.input.max_relative_error > 1e-3);
  CHECK(x.input.worst_index == 3);  // sample 1, input 0
}

TEST_CASE("layers declare shapes, blocks and descriptions", "[layers]") {
  using D = hg::Dense<784, 256, hg::ReLU>;
  STATIC_REQUIRE(hg::Layer<D>);
  STATIC_REQUIRE(std::is_same_v<D::input_shape, hg::Shape<784>>);
  STATIC_REQUIRE(D::parameter_blocks[0].dims[0] == 256);
  STATIC_REQUIRE(D::parameter_blocks[0].dims[1] == 784);
  STATIC_REQUIRE(hg::own_parameter_count<D>() == 784 * 256 + 256);
  CHECK(D::describe() == "dense(784,256,relu)");
  using T = hg::TiedDenseLayer<1, 64, 256, hg::Sigmoid>;
  STATIC_REQUIRE(hg::Layer<T>);
  STATIC_REQUIRE(hg::own_parameter_count<T>() == 256);
  CHECK(T::describe() == "tied_dense(1,64,256,sigmoid)");
  using F = hg::Flatten<16, 7, 7>;
  STATIC_REQUIRE(hg::Layer<F>);
  STATIC_REQUIRE(F::output_shape::size == 784);
  CHECK(F::describe() == "reshape(16x7x7,784)");
  STATIC_REQUIRE(hg::block_count<F> == 0);
  STATIC_REQUIRE(!hg::Layer<hg::TiedDense<0>>);  // a spec, resolved by the autoencoder
}

TEST_CASE("a chain with reshapes: image-shaped layers joined explicitly", "[layers]") {
  // 12 -> (3x2x2) -> 12 -> dense: the shapes match only through Reshape/Flatten.
  using Model = hg::BasicAutoencoder<double,
                                     hg::Encoder<hg::Reshape<hg::Shape<12>, hg::Shape<3, 2, 2>>, hg::Flatten<3, 2, 2>,
                                                 hg::Dense<12, 4, hg::Tanh>>,
                                     hg::Decoder<hg::Dense<4, 12, hg::Sigmoid>>>;
  Model model(3);
  STATIC_REQUIRE(Model::network_type::parameter_count == 48 + 16 + 48 + 16);  // aligned blocks
  const Eigen::MatrixXd x = test::uniform(12, 5, 4);
  const auto check = hg::check_model_gradient(model, hg::BCE{}, x, x);
  CHECK(check.max_relative_error < 1e-6);
  // The reshapes change nothing: the same as the plain dense model with the same parameters.
  using Plain = hg::BasicAutoencoder<double, hg::Encoder<hg::Dense<12, 4, hg::Tanh>>, hg::Decoder<hg::Dense<4, 12, hg::Sigmoid>>>;
  Plain plain(3);
  plain.parameters().values = model.parameters().values;
  CHECK((plain.reconstruct(x) - model.reconstruct(x)).cwiseAbs().maxCoeff() == 0.0);
}

TEST_CASE("the flat layout gives each owned block an aligned offset; borrowed blocks point at the owner",
          "[layers][parameters]") {
  using Net = hg::Sequential<float, hg::Dense<6, 3, hg::Sigmoid>, hg::Dense<3, 2>, hg::TiedDenseLayer<1, 2, 3, hg::ReLU>,
                             hg::TiedDenseLayer<0, 3, 6, hg::Sigmoid>>;
  constexpr auto layout = Net::layout;
  STATIC_REQUIRE(layout.offset[0][0] == 0);    // W0: 18
  STATIC_REQUIRE(layout.offset[0][1] == 32);   // b0: 3
  STATIC_REQUIRE(layout.offset[1][0] == 48);   // W1: 6
  STATIC_REQUIRE(layout.offset[1][1] == 64);   // b1: 2
  STATIC_REQUIRE(layout.offset[2][0] == 48);   // borrowed W1
  STATIC_REQUIRE(layout.offset[2][1] == 80);   // b2: 3
  STATIC_REQUIRE(layout.offset[3][0] == 0);    // borrowed W0
  STATIC_REQUIRE(layout.offset[3][1] == 96);   // b3: 6
  STATIC_REQUIRE(layout.total == 112);
  STATIC_REQUIRE(Net::weight_parameter_count == 24);
}
