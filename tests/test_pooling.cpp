// MaxPool2D, AvgPool2D and Upsample2D (core/pooling.hpp, core/upsample.hpp): shapes, hand values,
// finite-difference gradients (odd sizes, overlapping windows, padding), and the regressions
// other libraries shipped: a backward pass sized by its own formula instead of the forward's windows.
#include <catch2/catch.hpp>

#include "helpers.hpp"

#include <hourglass/core/pooling.hpp>
#include <hourglass/core/upsample.hpp>

#include <cmath>
#include <limits>

namespace hg = hourglass;

namespace {

template <class L>
Eigen::MatrixXd forward(const Eigen::MatrixXd& x) {
  Eigen::MatrixXd y(L::output_shape::size, x.cols());
  hg::MatrixMap<double> ym(y.data(), y.rows(), y.cols());
  L::template forward<false>(hg::Blocks<const double>{}, hg::as_input<double>(x), ym, ym);
  return y;
}
template <class L>
Eigen::MatrixXd backward(const Eigen::MatrixXd& x, Eigen::MatrixXd g) {
  Eigen::MatrixXd y = forward<L>(x), dx(L::input_shape::size, x.cols());
  hg::MatrixMap<double> ym(y.data(), y.rows(), y.cols()), gm(g.data(), g.rows(), g.cols()), dxm(dx.data(), dx.rows(), dx.cols());
  L::template backward<hg::Identity>(hg::Blocks<const double>{}, hg::as_input<double>(x), ym, gm, hg::GradientBlocks<double>{},
                                     &dxm);
  return dx;
}
template <class L>
void check_layer(const char* what, hg::Index samples = 2) {
  const auto r = hg::check_layer_gradient<L>(samples, 5);
  INFO(what << " (" << L::describe() << "): input " << r.input.max_relative_error);
  CHECK(r.max_relative_error() < 1e-6);
}

}  // namespace

TEST_CASE("Pooling and upsampling: shapes by PyTorch's formulas, descriptions", "[pooling]") {
  STATIC_REQUIRE(std::is_same_v<hg::MaxPool2D<hg::Shape<32, 28, 28>, 2>::output_shape, hg::Shape<32, 14, 14>>);
  STATIC_REQUIRE(std::is_same_v<hg::MaxPool2D<hg::Shape<2, 7, 7>, 2>::output_shape, hg::Shape<2, 3, 3>>);
  STATIC_REQUIRE(std::is_same_v<hg::MaxPool2D<hg::Shape<2, 7, 7>, 3, 2, 1>::output_shape, hg::Shape<2, 4, 4>>);
  STATIC_REQUIRE(std::is_same_v<hg::AvgPool2D<hg::Shape<1, 5, 6>, 2, 1>::output_shape, hg::Shape<1, 4, 5>>);
  STATIC_REQUIRE(std::is_same_v<hg::Upsample2D<hg::Shape<3, 7, 5>, 2>::output_shape, hg::Shape<3, 14, 10>>);
  CHECK(hg::MaxPool2D<hg::Shape<32, 28, 28>, 2>::describe() == "max_pool2d(32x28x28,k=2,s=2,p=0)");
  CHECK(hg::AvgPool2D<hg::Shape<1, 5, 6>, 2, 1>::describe() == "avg_pool2d(1x5x6,k=2,s=1,p=0)");
  CHECK(hg::Upsample2D<hg::Shape<3, 7, 5>, 2>::describe() == "upsample2d(3x7x5,2)");
}

TEST_CASE("MaxPool2D and AvgPool2D: hand-computed values and gradients on an odd size", "[pooling]") {
  // One channel of 3 x 3, windows 2 x 2 at stride 2: one window (rows/columns 0-1); row and
  // column 2 are in no window. Regression: a backward pass that sized itself by ceil(3/2) = 2
  // windows would read past the output and write gradient into row/column 2.
  Eigen::MatrixXd x(9, 1);
  x << 1, 5, 9,  //
      7, 2, 8,   //
      4, 6, 3;
  using Max = hg::MaxPool2D<hg::Shape<1, 3, 3>, 2>;
  using Avg = hg::AvgPool2D<hg::Shape<1, 3, 3>, 2>;
  STATIC_REQUIRE(Max::output_shape::size == 1);
  CHECK(forward<Max>(x)(0, 0) == 7);
  CHECK(forward<Avg>(x)(0, 0) == Approx(15.0 / 4));
  const Eigen::MatrixXd g = Eigen::MatrixXd::Constant(1, 1, 2.0);
  Eigen::VectorXd expected_max(9), expected_avg(9);
  expected_max << 0, 0, 0, 2, 0, 0, 0, 0, 0;
  expected_avg << 0.5, 0.5, 0, 0.5, 0.5, 0, 0, 0, 0;
  CHECK(backward<Max>(x, g).col(0) == expected_max);
  CHECK(backward<Avg>(x, g).col(0).isApprox(expected_avg));
  // Overlapping windows (2 x 2 at stride 1) share inputs: the gradients add.
  using Overlap = hg::MaxPool2D<hg::Shape<1, 3, 3>, 2, 1>;  // 2 x 2 outputs; every window holds the centre
  Eigen::MatrixXd peak = Eigen::MatrixXd::Zero(9, 1);
  peak(4, 0) = 1;  // the centre is every window's maximum
  const Eigen::MatrixXd ones = Eigen::MatrixXd::Ones(4, 1);
  CHECK(backward<Overlap>(peak, ones)(4, 0) == 4);
  CHECK(backward<Overlap>(peak, ones).sum() == 4);
}

TEST_CASE("MaxPool2D: padding never wins, NaN propagates", "[pooling]") {
  using Padded = hg::MaxPool2D<hg::Shape<1, 2, 2>, 2, 2, 1>;  // 2 x 2 outputs, each sees one pixel
  Eigen::MatrixXd x(4, 1);
  x << -3, -1, -4, -2;
  CHECK(forward<Padded>(x).col(0) == x.col(0));  // padding (treated as -inf) never beats -3
  x(2, 0) = std::numeric_limits<double>::quiet_NaN();
  using Whole = hg::MaxPool2D<hg::Shape<1, 2, 2>, 2>;
  CHECK(std::isnan(forward<Whole>(x)(0, 0)));
}

TEST_CASE("Upsample2D: nearest neighbour forward and its adjoint backward", "[pooling]") {
  using Up = hg::Upsample2D<hg::Shape<1, 2, 2>, 2>;
  Eigen::MatrixXd x(4, 1);
  x << 1, 2, 3, 4;
  Eigen::VectorXd expected(16);
  expected << 1, 1, 2, 2, 1, 1, 2, 2, 3, 3, 4, 4, 3, 3, 4, 4;
  CHECK(forward<Up>(x).col(0) == expected);
  // <up(x), g> = <x, up*(g)> for random x, g.
  using Up3 = hg::Upsample2D<hg::Shape<2, 3, 2>, 3>;
  const Eigen::MatrixXd a = test::uniform(Up3::input_shape::size, 2, 1, -1, 1);
  const Eigen::MatrixXd b = test::uniform(Up3::output_shape::size, 2, 2, -1, 1);
  CHECK(forward<Up3>(a).cwiseProduct(b).sum() == Approx(a.cwiseProduct(backward<Up3>(a, b)).sum()).epsilon(1e-12));
}

TEST_CASE("check_layer_gradient: pooling and upsampling", "[pooling][gradient]") {
  check_layer<hg::MaxPool2D<hg::Shape<2, 6, 6>, 2>>("max, 2 x 2, stride 2", 3);
  check_layer<hg::MaxPool2D<hg::Shape<2, 7, 5>, 3, 2, 1>>("max, 3 x 3, stride 2, padding 1, odd sizes");
  check_layer<hg::AvgPool2D<hg::Shape<3, 5, 5>, 2, 2>>("average, odd size");
  check_layer<hg::AvgPool2D<hg::Shape<1, 6, 4>, 3, 1, 1>>("average, overlapping, padding 1");
  check_layer<hg::Upsample2D<hg::Shape<2, 3, 4>, 2>>("upsample x2", 3);
}
