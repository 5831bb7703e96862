// Inference on many samples runs block by block through all layers (model/sequential.hpp,
// forward_range_blocked); it must give what the layer-by-layer pass gives on small batches.
#include <catch2/catch.hpp>

#include "helpers.hpp"

namespace hg = hourglass;

namespace {
template <class Scalar>
using Model = hg::BasicAutoencoder<Scalar, hg::Encoder<hg::Dense<50, 40, hg::ReLU>, hg::Dense<40, 6, hg::Tanh>>,
                                   hg::Decoder<hg::Dense<6, 40, hg::ReLU>, hg::Dense<40, 50, hg::Sigmoid>>>;

/// encode / reconstruct of 100 samples at a time (the layer-by-layer pass), side by side.
template <class M, class X>
auto in_small_batches(const M& model, const X& x, bool encode) {
  hg::Matrix<typename M::Scalar> out(encode ? M::code_size : M::input_size, x.cols());
  for (hg::Index s = 0; s < x.cols(); s += 100) {
    const hg::Index m = std::min<hg::Index>(100, x.cols() - s);
    out.middleCols(s, m) = encode ? model.encode(x.middleCols(s, m)) : model.reconstruct(x.middleCols(s, m));
  }
  return out;
}

template <class Scalar>
void check_blocked(int threads, double tolerance) {
  Eigen::setNbThreads(threads);
  const Model<Scalar> model(5);
  // 2,345 samples: four full blocks of 512 and a partial one, split between the threads.
  const hg::Matrix<Scalar> x = test::uniform(50, 2345, 9).cast<Scalar>();
  const hg::Matrix<Scalar> codes = model.encode(x), reconstructions = model.reconstruct(x);
  REQUIRE(codes.cols() == 2345);
  CHECK((codes - in_small_batches(model, x, true)).cwiseAbs().maxCoeff() <= tolerance);
  CHECK((reconstructions - in_small_batches(model, x, false)).cwiseAbs().maxCoeff() <= tolerance);
  // An expression (here a row-major copy) is evaluated first and takes the same path.
  const Eigen::Matrix<Scalar, Eigen::Dynamic, Eigen::Dynamic, Eigen::RowMajor> row_major = x;
  CHECK((model.encode(row_major) - codes).cwiseAbs().maxCoeff() == 0);
}
}  // namespace

TEST_CASE("blocked inference on many samples equals the layer-by-layer pass", "[inference]") {
  SECTION("float, 1 thread") { check_blocked<float>(1, 1e-5); }
  SECTION("float, 2 threads") { check_blocked<float>(2, 1e-5); }
  SECTION("double, 2 threads") { check_blocked<double>(2, 1e-12); }
  Eigen::setNbThreads(1);
}

// The few-sample pass gave layer I the scratch buffer I % 2 but sized only buffer 0 for a range of
// two layers: a range starting at an odd layer (decode after a one-layer encoder) wrote its first
// layer's output into an empty buffer.
TEST_CASE("regression: decode of a range starting at an odd layer, few and many samples", "[inference]") {
  using M = hg::BasicAutoencoder<double, hg::Encoder<hg::Dense<5, 3, hg::Tanh>>,
                                 hg::Decoder<hg::Dense<3, 4, hg::ReLU>, hg::Dense<4, 5, hg::Sigmoid>>>;
  const M model(2);
  for (const hg::Index n : {7, 1500}) {
    const Eigen::MatrixXd z = test::uniform(3, n, 3, -1.0, 1.0);
    Eigen::MatrixXd hidden = (model.weights<1>() * z).colwise() + model.bias<1>();
    hidden = hidden.cwiseMax(0.0);
    const Eigen::MatrixXd expected =
        ((model.weights<2>() * hidden).colwise() + model.bias<2>()).array().logistic().matrix();
    CHECK((model.decode(z) - expected).cwiseAbs().maxCoeff() < 1e-12);
  }
}
