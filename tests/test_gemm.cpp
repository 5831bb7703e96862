// core/gemm.hpp: C (+)= op(A) op(B) for every storage order of A, B and C, against Eigen's plain
// product, in float and double, one column (the matrix-vector path) included. Built twice: on Eigen's kernel (test_gemm) and, where OpenBLAS is
// installed, through sgemm/dgemm (test_gemm_blas, HOURGLASS_USE_BLAS) — together with a model's
// gradients against finite differences, and layers wider than the batch (whose products are split
// by rows across threads) against a backward pass written out in plain Eigen.
#include <catch2/catch.hpp>

#include <hourglass/hourglass.hpp>

namespace hg = hourglass;

namespace {

template <class Scalar, int Order>
using Mat = Eigen::Matrix<Scalar, Eigen::Dynamic, Eigen::Dynamic, Order>;

template <class Scalar, int OrderA, int OrderB, int OrderC>
void check_products(Eigen::Index m, Eigen::Index n, Eigen::Index k) {
  const double tolerance = std::is_same_v<Scalar, float> ? 1e-4 : 1e-12;
  const Mat<Scalar, OrderA> a = Mat<Scalar, OrderA>::Random(m, k), at = a.transpose();
  const Mat<Scalar, OrderB> b = Mat<Scalar, OrderB>::Random(k, n), bt = b.transpose();
  const Mat<Scalar, OrderC> start = Mat<Scalar, OrderC>::Random(m, n);
  const Mat<Scalar, Eigen::ColMajor> expected = (a.template cast<double>() * b.template cast<double>()).template cast<Scalar>();
  auto close = [&](const Mat<Scalar, OrderC>& got, const Mat<Scalar, Eigen::ColMajor>& want) {
    return (got - want).cwiseAbs().maxCoeff() <= tolerance * static_cast<double>(k);
  };
  Mat<Scalar, OrderC> c = start;
  hg::kernels::product(c, a, b);
  CHECK(close(c, expected));
  c = start;
  hg::kernels::product(c, a, b, true);
  CHECK(close(c, start + expected));
  c = start;
  hg::kernels::product_transposed_lhs(c, at, b);
  CHECK(close(c, expected));
  c = start;
  hg::kernels::product_transposed_rhs(c, a, bt);
  CHECK(close(c, expected));
  // Blocks of larger matrices (outer stride > rows), as the kernels' thread slices are.
  Mat<Scalar, OrderC> big = Mat<Scalar, OrderC>::Zero(m + 3, n + 2);
  auto block = big.block(1, 1, m, n);
  hg::kernels::product(block, a, b);
  CHECK(close(block, expected));
  CHECK(big.row(0).isZero());
}

}  // namespace

TEMPLATE_TEST_CASE("products match Eigen's for every storage order, transposed or not, accumulating or not", "[gemm]",
                   float, double) {
  using S = TestType;
  constexpr int C = Eigen::ColMajor, R = Eigen::RowMajor;
  // n = 1 (and m = 1 with a row-major C, computed as its transpose) take the matrix-vector path.
  for (const auto [m, n, k] : {std::array<Eigen::Index, 3>{1, 1, 1}, {17, 9, 33}, {130, 70, 257}, {130, 1, 257}, {1, 70, 257}}) {
    INFO("m " << m << ", n " << n << ", k " << k);
    check_products<S, C, C, C>(m, n, k);
    check_products<S, R, C, C>(m, n, k);
    check_products<S, C, R, C>(m, n, k);
    check_products<S, R, R, C>(m, n, k);
    check_products<S, C, C, R>(m, n, k);
    check_products<S, R, R, R>(m, n, k);
  }
}

TEST_CASE("a model's gradients match finite differences with this build's products", "[gemm][gradient]") {
  using Model = hg::BasicAutoencoder<double, hg::Encoder<hg::Dense<7, 5, hg::Tanh>, hg::Dense<5, 3, hg::Sigmoid>>,
                                     hg::Decoder<hg::Dense<3, 5, hg::ReLU>, hg::Dense<5, 7, hg::Sigmoid>>>;
  Model model(11);
  const Eigen::MatrixXd x = (Eigen::MatrixXd::Random(7, 6).array() + 1.0) / 2.0;
  CHECK(hg::check_model_gradient(model, hg::MSE{}, x, x).max_relative_error < 1e-6);
  CHECK(hg::check_model_gradient(model, hg::BCE{}, x, x).max_relative_error < 1e-6);
}

TEST_CASE("layers wider than the batch (split by rows across threads) give the reference gradients", "[gemm][gradient]") {
  // 300 units over 16 samples: dense_forward and dense_backward split W by rows, two threads.
  // The reference is the textbook backward pass written out with plain Eigen products.
  using Model = hg::BasicAutoencoder<double, hg::Encoder<hg::Dense<64, 300, hg::Tanh>>, hg::Decoder<hg::Dense<300, 64>>>;
  Eigen::setNbThreads(2);
  Model model(5);
  const Eigen::MatrixXd x = Eigen::MatrixXd::Random(64, 16);
  model.compute_gradients(hg::MSE{}, x, x);
  auto& net = model.network();
  const Eigen::MatrixXd w1 = net.weights<0>(), w2 = net.weights<1>();
  const Eigen::VectorXd b1 = net.bias<0>(), b2 = net.bias<1>();
  const Eigen::MatrixXd a1 = ((w1 * x).colwise() + b1).array().tanh().matrix();
  const Eigen::MatrixXd z2 = (w2 * a1).colwise() + b2;
  const Eigen::MatrixXd g2 = 2.0 * (z2 - x) / static_cast<double>(x.size());
  const Eigen::MatrixXd g1 = ((w2.transpose() * g2).array() * (1.0 - a1.array().square())).matrix();
  const auto close = [](const Eigen::MatrixXd& got, const Eigen::MatrixXd& want) {
    return (got - want).cwiseAbs().maxCoeff() <= 1e-12 * std::max(1.0, want.cwiseAbs().maxCoeff());
  };
  CHECK(close(net.weight_gradient<1>(), g2 * a1.transpose()));
  CHECK(close(net.bias_gradient<1>(), g2.rowwise().sum()));
  CHECK(close(net.weight_gradient<0>(), g1 * x.transpose()));
  CHECK(close(net.bias_gradient<0>(), g1.rowwise().sum()));
  Eigen::setNbThreads(0);
}

TEST_CASE("a wide sigmoid output layer (logits kept, split by rows) gives the reference BCE gradients", "[gemm][gradient]") {
  // The output layer keeps its logits for the stable cross-entropy (dense_forward_keep_logits);
  // 300 outputs over 16 samples split it by rows across two threads.
  using Model = hg::BasicAutoencoder<double, hg::Encoder<hg::Dense<300, 40, hg::Tanh>>, hg::Decoder<hg::Dense<40, 300, hg::Sigmoid>>>;
  Eigen::setNbThreads(2);
  Model model(9);
  const Eigen::MatrixXd x = (Eigen::MatrixXd::Random(300, 16).array() + 1.0) / 2.0;
  model.compute_gradients(hg::BCE{}, x, x);
  auto& net = model.network();
  const Eigen::MatrixXd w1 = net.weights<0>(), w2 = net.weights<1>();
  const Eigen::VectorXd b1 = net.bias<0>(), b2 = net.bias<1>();
  const Eigen::MatrixXd a1 = ((w1 * x).colwise() + b1).array().tanh().matrix();
  const Eigen::MatrixXd z2 = (w2 * a1).colwise() + b2;
  const Eigen::MatrixXd p = (1.0 / (1.0 + (-z2.array()).exp())).matrix();
  const Eigen::MatrixXd g2 = (p - x) / static_cast<double>(x.size());  // d BCE / d logits, mean over elements
  const Eigen::MatrixXd g1 = ((w2.transpose() * g2).array() * (1.0 - a1.array().square())).matrix();
  const auto close = [](const Eigen::MatrixXd& got, const Eigen::MatrixXd& want) {
    return (got - want).cwiseAbs().maxCoeff() <= 1e-12 * std::max(1.0, want.cwiseAbs().maxCoeff());
  };
  CHECK(close(net.weight_gradient<1>(), g2 * a1.transpose()));
  CHECK(close(net.bias_gradient<1>(), g2.rowwise().sum()));
  CHECK(close(net.weight_gradient<0>(), g1 * x.transpose()));
  CHECK(close(net.bias_gradient<0>(), g1.rowwise().sum()));
  Eigen::setNbThreads(0);
}
