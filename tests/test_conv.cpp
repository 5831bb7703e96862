// Conv2D and ConvTranspose2D (core/conv2d.hpp, core/conv_transpose2d.hpp): output sizes from
// PyTorch's formulas, a hand-computed forward value, im2row's adjoint, the transposed convolution
// as the exact adjoint of the convolution, and finite-difference gradients over stride 1 and 2,
// padding 0 and 1, odd sizes, output padding, C_in != C_out and batches of 2 and more.
#include <catch2/catch.hpp>

#include "helpers.hpp"

#include <hourglass/core/conv2d.hpp>
#include <hourglass/core/conv_transpose2d.hpp>

namespace hg = hourglass;

namespace {

template <class L>
void check_layer(const char* what, hg::Index samples = 2, std::uint64_t seed = 7) {
  const auto r = hg::check_layer_gradient<L>(samples, seed);
  INFO(what << " (" << L::describe() << "): input " << r.input.max_relative_error << ", parameters "
            << r.parameters.max_relative_error << ", below " << r.below_activation_error << ", logits "
            << r.logits_error);
  CHECK(r.max_relative_error() < 1e-6);
}

// Runs a layer's forward on double data: y = L(x) with the given parameter vector.
template <class L>
Eigen::MatrixXd run_forward(const Eigen::VectorXd& params, const Eigen::MatrixXd& x) {
  hg::Blocks<const double> p;
  p.data[0] = params.data();
  p.data[1] = params.data() + L::parameter_blocks[0].size();
  Eigen::MatrixXd y(L::output_shape::size, x.cols());
  hg::MatrixMap<double> ym(y.data(), y.rows(), y.cols());
  L::template forward<false>(p, hg::as_input<double>(x), ym, ym);
  return y;
}

}  // namespace

TEST_CASE("Conv2D and ConvTranspose2D: output shapes follow PyTorch's formulas", "[conv]") {
  // Conv: floor((i + 2p - k)/s) + 1.
  STATIC_REQUIRE(std::is_same_v<hg::Conv2D<hg::Shape<1, 28, 28>, 32, 3, 2, 1>::output_shape, hg::Shape<32, 14, 14>>);
  STATIC_REQUIRE(std::is_same_v<hg::Conv2D<hg::Shape<32, 14, 14>, 64, 3, 2, 1>::output_shape, hg::Shape<64, 7, 7>>);
  STATIC_REQUIRE(std::is_same_v<hg::Conv2D<hg::Shape<3, 5, 7>, 4, 3>::output_shape, hg::Shape<4, 3, 5>>);
  STATIC_REQUIRE(std::is_same_v<hg::Conv2D<hg::Shape<3, 28, 28>, 4, 3, 1, 1>::output_shape, hg::Shape<4, 28, 28>>);
  STATIC_REQUIRE(std::is_same_v<hg::Conv2D<hg::Shape<1, 6, 6>, 1, 3, 2, 0>::output_shape, hg::Shape<1, 2, 2>>);
  // Transposed: (i - 1)s - 2p + k + output_padding. Regression (Lasagne #746): 7 -> 14 -> 28 with
  // k 3, s 2, p 1 needs output padding 1; without it the result is 13 and 27, as PyTorch gives.
  STATIC_REQUIRE(std::is_same_v<hg::ConvTranspose2D<hg::Shape<64, 7, 7>, 32, 3, 2, 1, 1>::output_shape, hg::Shape<32, 14, 14>>);
  STATIC_REQUIRE(std::is_same_v<hg::ConvTranspose2D<hg::Shape<32, 14, 14>, 1, 3, 2, 1, 1>::output_shape, hg::Shape<1, 28, 28>>);
  STATIC_REQUIRE(std::is_same_v<hg::ConvTranspose2D<hg::Shape<32, 14, 14>, 1, 3, 2, 1, 0>::output_shape, hg::Shape<1, 27, 27>>);
  STATIC_REQUIRE(std::is_same_v<hg::ConvTranspose2D<hg::Shape<2, 3, 4>, 5, 4, 2, 1>::output_shape, hg::Shape<5, 6, 8>>);
  CHECK(hg::Conv2D<hg::Shape<1, 28, 28>, 32, 3, 2, 1, hg::ReLU>::describe() == "conv2d(1x28x28,32,k=3,s=2,p=1,relu)");
  CHECK(hg::ConvTranspose2D<hg::Shape<64, 7, 7>, 32, 3, 2, 1, 1, hg::ReLU>::describe() ==
        "conv_transpose2d(64x7x7,32,k=3,s=2,p=1,op=1,relu)");
  // PyTorch's weight layouts: Conv2d [out, in, kh, kw], ConvTranspose2d [in, out, kh, kw].
  constexpr auto conv = hg::Conv2D<hg::Shape<3, 8, 8>, 5, 3>::parameter_blocks;
  CHECK(conv[0].dims == std::array<hg::Index, 4>{5, 3, 3, 3});
  CHECK(conv[1].dims == std::array<hg::Index, 4>{5, 0, 0, 0});
  constexpr auto convt = hg::ConvTranspose2D<hg::Shape<3, 8, 8>, 5, 3>::parameter_blocks;
  CHECK(convt[0].dims == std::array<hg::Index, 4>{3, 5, 3, 3});
  CHECK(convt[1].dims == std::array<hg::Index, 4>{5, 0, 0, 0});
}

TEST_CASE("Conv2D: a hand-computed forward value (2 channels, stride 2, padding 1)", "[conv]") {
  using L = hg::Conv2D<hg::Shape<2, 3, 3>, 1, 2, 2, 1>;  // output 1 x 2 x 2
  STATIC_REQUIRE(std::is_same_v<L::output_shape, hg::Shape<1, 2, 2>>);
  // x[c][i][j] = 10c + 3i + j; weight[0][c][a][b] = 1 + c + 2a + b... written out below; bias 0.5.
  Eigen::MatrixXd x(18, 1);
  for (int c = 0; c < 2; ++c)
    for (int i = 0; i < 3; ++i)
      for (int j = 0; j < 3; ++j) x(c * 9 + i * 3 + j, 0) = 10 * c + 3 * i + j;
  Eigen::VectorXd p(9);
  p << 1, 2, 3, 4,  // channel 0: [[1, 2], [3, 4]]
      -1, 0, 0, 1,  // channel 1: [[-1, 0], [0, 1]]
      0.5;          // bias
  const Eigen::MatrixXd y = run_forward<L>(p, x);
  // Output (oy, ox) reads input rows 2oy-1+a, columns 2ox-1+b (a, b in {0, 1}).
  // (0,0): only (a,b) = (1,1) is inside: x[c][0][0] -> 4*0 + 1*10 = 10, + 0.5
  // (0,1): (1,0)->x[c][0][1], (1,1)->x[c][0][2]: 3*1 + 4*2 + (0*11 + 1*12) = 23, + 0.5
  // (1,0): (0,1)->x[c][1][0], (1,1)->x[c][2][0]: 2*3 + 4*6 + (0*13 + 1*16) = 46, + 0.5
  // (1,1): all four: x[c][1][1], [1][2], [2][1], [2][2]:
  //        1*4 + 2*5 + 3*7 + 4*8 + (-1*14 + 0 + 0 + 1*18) = 67 + 4 = 71, + 0.5
  CHECK(y(0, 0) == Approx(10.5));
  CHECK(y(1, 0) == Approx(23.5));
  CHECK(y(2, 0) == Approx(46.5));
  CHECK(y(3, 0) == Approx(71.5));
}

TEST_CASE("im2row and row2im_add are adjoint: <im2row(x), r> = <x, row2im(r)>", "[conv]") {
  for (const hg::ConvGeometry g : {hg::ConvGeometry{2, 5, 7, 3, 1, 1}, hg::ConvGeometry{3, 6, 6, 3, 2, 1},
                                   hg::ConvGeometry{1, 7, 5, 2, 2, 0}, hg::ConvGeometry{2, 4, 4, 4, 3, 2}}) {
    const Eigen::MatrixXd x = test::uniform(g.channels * g.pixels(), 1, 3, -1, 1);
    const Eigen::MatrixXd r = test::uniform(g.out_pixels(), g.patch(), 4, -1, 1);
    Eigen::MatrixXd rows(g.out_pixels(), g.patch());
    hg::kernels::im2row(g, x.data(), rows.data(), rows.rows());
    Eigen::VectorXd back = Eigen::VectorXd::Zero(x.size());
    hg::kernels::row2im_add(g, r.data(), r.rows(), back.data());
    INFO("geometry C " << g.channels << " H " << g.height << " W " << g.width << " K " << g.kernel << " S " << g.stride
                       << " P " << g.padding);
    CHECK(rows.cwiseProduct(r).sum() == Approx(x.col(0).dot(back)).epsilon(1e-12));
  }
}

TEST_CASE("ConvTranspose2D is the exact adjoint of Conv2D with the same weights", "[conv]") {
  // conv: C=3 x 7 x 7 -> O=4 x 4 x 4 (k 3, s 2, p 1); convT: 4 x 4 x 4 -> 3 x 8 x 8 with op 1,
  // whose top-left 7 x 7 is the adjoint's image (row/column 8 gets no input: a zero there).
  auto adjoint_gap = [](auto conv, auto convt, hg::Index samples) {
    using C = decltype(conv);
    using T = decltype(convt);
    // Same weights: Conv2d weight [O, C, k, k] is ConvTranspose2d(O -> C)'s weight [in=O, out=C, k, k].
    const Eigen::VectorXd w = test::uniform(C::parameter_blocks[0].size(), 1, 5, -1, 1);
    Eigen::VectorXd pc(w.size() + C::out_channels), pt(w.size() + T::out_channels);
    pc << w, Eigen::VectorXd::Zero(C::out_channels);  // adjoint of the linear part: no bias
    pt << w, Eigen::VectorXd::Zero(T::out_channels);
    const Eigen::MatrixXd x = test::uniform(C::input_shape::size, samples, 6, -1, 1);
    const Eigen::MatrixXd y = test::uniform(T::input_shape::size, samples, 7, -1, 1);
    const Eigen::MatrixXd cx = run_forward<C>(pc, x);
    const Eigen::MatrixXd ty = run_forward<T>(pt, y);
    // <conv(x), y> against <x, convT(y)> restricted to the conv's input image.
    double lhs = cx.cwiseProduct(y).sum(), rhs = 0;
    constexpr hg::Index ch = C::input_shape::channels, h = C::input_shape::height, wd = C::input_shape::width;
    constexpr hg::Index th = T::output_shape::height, tw = T::output_shape::width;
    for (hg::Index s = 0; s < samples; ++s)
      for (hg::Index c = 0; c < ch; ++c)
        for (hg::Index i = 0; i < h; ++i)
          for (hg::Index j = 0; j < wd; ++j) rhs += x(c * h * wd + i * wd + j, s) * ty(c * th * tw + i * tw + j, s);
    return std::abs(lhs - rhs) / std::max(1.0, std::abs(lhs));
  };
  CHECK(adjoint_gap(hg::Conv2D<hg::Shape<3, 7, 7>, 4, 3, 2, 1>{}, hg::ConvTranspose2D<hg::Shape<4, 4, 4>, 3, 3, 2, 1, 0>{}, 3) <
        1e-12);
  CHECK(adjoint_gap(hg::Conv2D<hg::Shape<3, 8, 8>, 4, 3, 2, 1>{}, hg::ConvTranspose2D<hg::Shape<4, 4, 4>, 3, 3, 2, 1, 1>{}, 2) <
        1e-12);
  CHECK(adjoint_gap(hg::Conv2D<hg::Shape<2, 6, 5>, 5, 3, 1, 0>{}, hg::ConvTranspose2D<hg::Shape<5, 4, 3>, 2, 3, 1, 0>{}, 2) <
        1e-12);
  CHECK(adjoint_gap(hg::Conv2D<hg::Shape<1, 9, 9>, 2, 4, 3, 2>{}, hg::ConvTranspose2D<hg::Shape<2, 4, 4>, 1, 4, 3, 2, 0>{}, 4) <
        1e-12);
}

TEST_CASE("check_layer_gradient: Conv2D over strides, paddings, odd sizes and channel counts", "[conv][gradient]") {
  check_layer<hg::Conv2D<hg::Shape<1, 5, 5>, 2, 3, 1, 0, hg::Tanh>>("stride 1, padding 0, 1 -> 2 channels");
  check_layer<hg::Conv2D<hg::Shape<3, 5, 5>, 2, 3, 1, 1, hg::Sigmoid>>("stride 1, padding 1, 3 -> 2 channels", 3);
  check_layer<hg::Conv2D<hg::Shape<2, 7, 6>, 3, 3, 2, 1, hg::ELU>>("stride 2, padding 1, odd size 7 x 6");
  check_layer<hg::Conv2D<hg::Shape<2, 7, 7>, 4, 2, 2, 0, hg::Identity>>("stride 2, padding 0, kernel 2, odd size", 4);
  check_layer<hg::Conv2D<hg::Shape<3, 4, 4>, 3, 1, 1, 0, hg::Softplus>>("1 x 1 kernel");
  check_layer<hg::Conv2D<hg::Shape<2, 6, 6>, 2, 5, 3, 2, hg::Tanh>>("kernel 5, stride 3, padding 2");
  // At stride 1 a layer of at most 2 output channels takes the direct kernel, more take im2row.
  static_assert(hg::kernels::conv_is_direct(hg::ConvGeometry{3, 5, 5, 3, 1, 1}, 1));
  check_layer<hg::Conv2D<hg::Shape<3, 5, 6>, 1, 3, 1, 1, hg::Sigmoid>>("direct: 3 -> 1 channel, padding 1", 3);
  check_layer<hg::Conv2D<hg::Shape<2, 6, 5>, 2, 2, 1, 0, hg::Tanh>>("direct: 2 -> 2 channels, kernel 2");
  check_layer<hg::Conv2D<hg::Shape<2, 5, 5>, 3, 3, 1, 1, hg::Tanh>>("im2row: 2 -> 3 channels, stride 1, padding 1");
}

TEST_CASE("check_layer_gradient: ConvTranspose2D with output padding, strides and paddings", "[conv][gradient]") {
  check_layer<hg::ConvTranspose2D<hg::Shape<2, 3, 3>, 3, 3, 2, 1, 1, hg::Tanh>>("stride 2, padding 1, output padding 1");
  check_layer<hg::ConvTranspose2D<hg::Shape<3, 4, 3>, 2, 3, 1, 0, 0, hg::Sigmoid>>("stride 1, padding 0, odd sizes", 3);
  check_layer<hg::ConvTranspose2D<hg::Shape<2, 3, 3>, 1, 3, 2, 0, 1, hg::Identity>>("stride 2, padding 0, output padding 1");
  check_layer<hg::ConvTranspose2D<hg::Shape<1, 4, 4>, 2, 4, 2, 1, 0, hg::ELU>>("kernel 4, stride 2, padding 1");
  check_layer<hg::ConvTranspose2D<hg::Shape<2, 2, 3>, 2, 3, 3, 1, 2, hg::Softplus>>("stride 3, output padding 2");
}

TEST_CASE("Conv2D and ConvTranspose2D: the same result on 1 and 2 threads, any batch split", "[conv]") {
  // Threads take ranges of samples and sum their own dW: results must not depend on the split
  // beyond rounding (regression guard for a scratch buffer shared between pieces or passes).
  using Enc = hg::Encoder<hg::Conv2D<hg::Shape<1, 8, 8>, 4, 3, 2, 1, hg::ReLU>, hg::Flatten<4, 4, 4>, hg::Dense<64, 6>>;
  using Dec = hg::Decoder<hg::Dense<6, 64, hg::ReLU>, hg::Reshape<hg::Shape<64>, hg::Shape<4, 4, 4>>,
                          hg::ConvTranspose2D<hg::Shape<4, 4, 4>, 1, 3, 2, 1, 1, hg::Sigmoid>>;
  const Eigen::MatrixXd x = test::uniform(64, 37, 9);
  auto gradients = [&](int threads) {
    const int saved = Eigen::nbThreads();
    Eigen::setNbThreads(threads);
    hg::BasicAutoencoder<double, Enc, Dec> model(3);
    model.compute_gradients(hg::BinaryCrossEntropy{}, x, x);
    Eigen::setNbThreads(saved);
    return Eigen::VectorXd(model.parameters().gradients);
  };
  const Eigen::VectorXd one = gradients(1), two = gradients(2);
  CHECK((one - two).cwiseAbs().maxCoeff() <= 1e-12 * std::max(1.0, one.cwiseAbs().maxCoeff()));
}
