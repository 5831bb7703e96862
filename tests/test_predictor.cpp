// Predictor (model/predictor.hpp): the same results as the model's own batch calls, refusals, and
// 8 threads x 1,000 calls on one shared model giving exactly the serial results (this test also
// runs under ThreadSanitizer: scripts/tsan.sh).
#include <catch2/catch.hpp>

#include "helpers.hpp"

#include <algorithm>
#include <cmath>
#include <thread>
#include <vector>

namespace hg = hourglass;

namespace {
using Model = hg::Autoencoder<hg::Encoder<hg::Dense<64, 32, hg::ReLU>, hg::Dense<32, 8>>,
                              hg::Decoder<hg::Dense<8, 32, hg::ReLU>, hg::Dense<32, 64, hg::Sigmoid>>>;

Model trained_model(const Eigen::MatrixXf& x) {
  Model model(7);
  model.set_scaler(hg::Scaler<float>::min_max(x));
  hg::Adam<float> adam({.learning_rate = 1e-2});
  hg::FitOptions options;
  options.epochs = 2;
  options.progress = hg::Progress::never;
  hg::fit(model, adam, x, options, hg::BCE{});
  return model;
}
}  // namespace

TEST_CASE("a Predictor gives the model's encode, reconstruct and score", "[predictor]") {
  const Eigen::MatrixXf x = (test::uniform(64, 200, 1) * 10).cast<float>();
  const Model model = trained_model(x);
  hg::Predictor<Model> p(model, 5);
  for (Eigen::Index j = 0; j < 5; ++j) {
    CHECK((p.encode(x.col(j)) - model.encode(x.col(j))).cwiseAbs().maxCoeff() < 1e-6f);
    CHECK((p.reconstruct(x.col(j)) - model.reconstruct(x.col(j))).cwiseAbs().maxCoeff() < 1e-5f);
    CHECK(p.score(x.col(j))(0) == Approx(model.score(x.col(j))(0)).epsilon(1e-5));
  }
  const Eigen::MatrixXf few = x.leftCols(5);
  CHECK((p.encode(few) - model.encode(few)).cwiseAbs().maxCoeff() < 1e-6f);
  CHECK((p.score(few) - model.score(few)).cwiseAbs().maxCoeff() < 1e-6f);
  const Eigen::MatrixXd as_double = x.col(3).cast<double>();  // any scalar type goes in
  CHECK((p.encode(as_double) - model.encode(x.col(3))).cwiseAbs().maxCoeff() < 1e-6f);
}

TEST_CASE("a Predictor refuses wrong shapes and batches beyond its size", "[predictor][bad-input]") {
  const Model model(1);
  CHECK_THROWS_WITH(hg::Predictor<Model>(model, 0), Catch::Contains("max_batch must be >= 1, got 0"));
  hg::Predictor<Model> p(model, 2);
  CHECK_THROWS_WITH(p.encode(Eigen::MatrixXf::Zero(63, 1)), Catch::Contains("expected a batch of 64 x n") &&
                                                               Catch::Contains("got 63 x 1"));
  CHECK_THROWS_WITH(p.score(Eigen::MatrixXf::Zero(64, 3)), Catch::Contains("3 samples, but this Predictor was built for at most 2"));
}

TEST_CASE("8 threads x 1,000 calls on one shared model equal serial calls", "[predictor][threads]") {
  const Eigen::MatrixXf x = (test::uniform(64, 1000, 2) * 10).cast<float>();
  const Model model = trained_model(x);
  // Serial reference: one Predictor, one thread.
  hg::Predictor<Model> serial(model);
  Eigen::MatrixXf codes(8, 1000), recon(64, 1000);
  Eigen::VectorXf scores(1000);
  for (Eigen::Index j = 0; j < 1000; ++j) {
    codes.col(j) = serial.encode(x.col(j));
    recon.col(j) = serial.reconstruct(x.col(j));
    scores(j) = serial.score(x.col(j))(0);
  }
  constexpr int threads = 8;
  std::vector<int> mismatches(threads, 0);
  std::vector<std::thread> pool;
  for (int t = 0; t < threads; ++t)
    pool.emplace_back([&, t] {
      hg::Predictor<Model> p(model);  // each application thread its own
      for (int i = 0; i < 1000; ++i) {
        const Eigen::Index j = (i * 7 + t * 131) % 1000;  // threads interleave different samples
        const bool same = p.encode(x.col(j)) == codes.col(j) && p.reconstruct(x.col(j)) == recon.col(j) &&
                          p.score(x.col(j))(0) == scores(j);
        if (!same) ++mismatches[static_cast<std::size_t>(t)];
      }
    });
  for (auto& th : pool) th.join();
  for (int t = 0; t < threads; ++t) CHECK(mismatches[static_cast<std::size_t>(t)] == 0);
}

TEST_CASE("Predictors that may use the thread pool agree with serial ones, alone and from 4 threads", "[predictor][threads]") {
  const Eigen::MatrixXf x = (test::uniform(64, 400, 3) * 10).cast<float>();
  const Model model = trained_model(x);
  hg::Predictor<Model> serial(model, 3);
  hg::Predictor<Model> pooled(model, 3, hg::Parallelism::thread_pool);
  CHECK(pooled.parallelism() == hg::Parallelism::thread_pool);
  for (Eigen::Index j = 0; j + 3 <= 30; j += 3) {
    CHECK((pooled.encode(x.middleCols(j, 3)) - serial.encode(x.middleCols(j, 3))).cwiseAbs().maxCoeff() < 1e-6f);
    CHECK((pooled.reconstruct(x.col(j)) - serial.reconstruct(x.col(j))).cwiseAbs().maxCoeff() < 1e-6f);
  }
  // Four callers at once: whoever finds the pool busy runs alone; every result still agrees.
  const Eigen::VectorXf expected = model.score(x);
  std::vector<int> off(4, 0);
  std::vector<std::thread> pool;
  for (int t = 0; t < 4; ++t)
    pool.emplace_back([&, t] {
      hg::Predictor<Model> p(model, 1, hg::Parallelism::thread_pool);
      for (Eigen::Index j = t; j < x.cols(); j += 4)
        if (std::abs(p.score(x.col(j))(0) - expected(j)) > 1e-5f * std::max(1.0f, expected(j))) ++off[static_cast<std::size_t>(t)];
    });
  for (auto& th : pool) th.join();
  for (int t = 0; t < 4; ++t) CHECK(off[static_cast<std::size_t>(t)] == 0);
}
