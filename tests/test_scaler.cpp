// Scaler (model/scaler.hpp) against scikit-learn's definitions, and a model that keeps one:
// training, encode, reconstruct, score and evaluate in the scaler's units, outputs in data units.
#include <catch2/catch.hpp>

#include "helpers.hpp"

#include <cmath>
#include <limits>

namespace hg = hourglass;

namespace {
const double missing = std::numeric_limits<double>::quiet_NaN();
}

TEST_CASE("standardize: population mean and std per feature, NaN ignored, constant feature to 0", "[scaler]") {
  Eigen::MatrixXd x(3, 4);
  x << 1, 2, 3, 4,  //
      5, 5, 5, 5,   //
      0, missing, 2, 4;
  const auto s = hg::Scaler<double>::standardize(x);
  const Eigen::MatrixXd y = s.transform(x);
  // feature 0: mean 2.5, std sqrt(1.25) (ddof 0, as sklearn's StandardScaler)
  CHECK(y(0, 0) == Approx((1 - 2.5) / std::sqrt(1.25)));
  CHECK(y.row(1).isZero());  // constant: scale 1, so (5 - 5) = 0
  CHECK(std::isnan(y(2, 1)));  // missing stays missing
  CHECK(y(2, 0) == Approx(-2.0 / std::sqrt(8.0 / 3.0)));  // mean 2, population variance 8/3
  const Eigen::MatrixXd back = s.inverse_transform(y);
  CHECK((back - x).cwiseAbs().redux([](double a, double b) { return std::isnan(b) ? a : std::max(a, b); }) < 1e-12);
  CHECK(s.describe() == "standardize");
}

TEST_CASE("min_max: training data lands inside [lo, hi] exactly, in float too", "[scaler]") {
  const Eigen::MatrixXf x = (test::uniform(50, 300, 3, -7.0, 13.0)).cast<float>();
  const auto s = hg::Scaler<float>::min_max(x);
  const Eigen::MatrixXf y = s.transform(x);
  CHECK(y.minCoeff() == 0.0f);
  CHECK(y.maxCoeff() <= 1.0f);
  CHECK(y.maxCoeff() > 0.9999f);
  const auto t = hg::Scaler<float>::min_max(x, -1, 1, /*clip=*/true);
  Eigen::MatrixXf unseen = x.leftCols(2);
  unseen(0, 0) = 1000;
  CHECK(t.transform(unseen)(0, 0) == 1.0f);  // clipped
  CHECK(s.transform(unseen)(0, 0) > 1.0f);   // not clipped: an anomaly score should see it
  CHECK(t.describe() == "min_max(-1,1,clip)");
}

TEST_CASE("scalers refuse bad input with what was expected and what came", "[scaler][bad-input]") {
  Eigen::MatrixXd x = test::uniform(3, 5, 1, 0.0, 1.0);
  CHECK_THROWS_WITH(hg::Scaler<double>::standardize(Eigen::MatrixXd(3, 0)), Catch::Contains("got 3 x 0"));
  x(1, 2) = std::numeric_limits<double>::infinity();
  CHECK_THROWS_WITH(hg::Scaler<double>::standardize(x), Catch::Contains("sample 2 (column 2) holds inf at row 1"));
  x(1, 2) = 0.5;
  x.row(2).setConstant(missing);
  CHECK_THROWS_WITH(hg::Scaler<double>::min_max(x), Catch::Contains("feature 2 (row 2) has no observed value"));
  CHECK_THROWS_WITH(hg::Scaler<double>::min_max(x.topRows(2), 1, 1), Catch::Contains("lo < hi, got [1, 1]"));
  const auto s = hg::Scaler<double>::standardize(x.topRows(2));
  CHECK_THROWS_WITH(s.transform(x), Catch::Contains("expected 2 features (rows), got 3"));
  CHECK_THROWS_WITH(hg::Scaler<double>::from_parameters(hg::Scaler<double>::Kind::standardize, Eigen::VectorXd::Zero(2),
                                                        Eigen::VectorXd::Zero(2)),
                    Catch::Contains("scale must be finite and non-zero"));
}

TEST_CASE("a model refuses a scaler its output activation cannot reach, or of another size", "[scaler][bad-input]") {
  using Sig = hg::BasicAutoencoder<double, hg::Encoder<hg::Dense<4, 2>>, hg::Decoder<hg::Dense<2, 4, hg::Sigmoid>>>;
  using Lin = hg::BasicAutoencoder<double, hg::Encoder<hg::Dense<4, 2>>, hg::Decoder<hg::Dense<2, 4>>>;
  using Th = hg::BasicAutoencoder<double, hg::Encoder<hg::Dense<4, 2>>, hg::Decoder<hg::Dense<2, 4, hg::Tanh>>>;
  const Eigen::MatrixXd x = test::uniform(4, 20, 2, 0.0, 255.0);
  Sig sig(1);
  CHECK_THROWS_WITH(sig.set_scaler(hg::Scaler<double>::standardize(x)),
                    Catch::Contains("(sigmoid) produces values in [0, 1]") && Catch::Contains("standardize"));
  CHECK_FALSE(sig.scaler().active());  // unchanged
  CHECK_THROWS_WITH(sig.set_scaler(hg::Scaler<double>::min_max(x, -1, 1)), Catch::Contains("[-1, 1]"));
  CHECK_THROWS_WITH(sig.set_scaler(hg::Scaler<double>::min_max(x.topRows(3))),
                    Catch::Contains("fitted on 3 features but the model takes 4"));
  sig.set_scaler(hg::Scaler<double>::min_max(x));
  Th th(1);
  th.set_scaler(hg::Scaler<double>::min_max(x, -1, 1));
  Lin lin(1);
  lin.set_scaler(hg::Scaler<double>::standardize(x));
  CHECK(lin.scaler().active());
}

TEST_CASE("a model with a scaler trains, encodes, reconstructs and scores in scaled units", "[scaler]") {
  using Model = hg::BasicAutoencoder<double, hg::Encoder<hg::Dense<6, 3, hg::Tanh>>, hg::Decoder<hg::Dense<3, 6>>>;
  const Eigen::MatrixXd x = test::uniform(6, 40, 7, 100.0, 300.0);  // far from unit scale
  const auto scaler = hg::Scaler<double>::standardize(x);
  const Eigen::MatrixXd scaled = scaler.transform(x);
  Model with(5), without(5);
  with.set_scaler(scaler);
  hg::FitOptions options;
  options.epochs = 3;
  options.batch_size = 8;
  options.progress = hg::Progress::never;
  hg::Adam<double> a1, a2;
  hg::fit(with, a1, x, options, hg::MSE{});
  hg::fit(without, a2, scaled, options, hg::MSE{});  // the same steps on data scaled by hand
  CHECK((with.parameters().values - without.parameters().values).cwiseAbs().maxCoeff() < 1e-12);
  CHECK((with.encode(x) - without.encode(scaled)).cwiseAbs().maxCoeff() < 1e-12);
  CHECK((with.reconstruct(x) - scaler.inverse_transform(without.reconstruct(scaled))).cwiseAbs().maxCoeff() < 1e-9);
  CHECK((with.decode(with.encode(x)) - with.reconstruct(x)).cwiseAbs().maxCoeff() < 1e-9);
  CHECK(with.evaluate(hg::MSE{}, x) == Approx(without.evaluate(hg::MSE{}, scaled)).epsilon(1e-12));
  // score: the per-sample mean of squared errors in scaled units; its mean is the MSE.
  const Eigen::VectorXd scores = with.score(x);
  CHECK(scores.size() == 40);
  CHECK(scores.mean() == Approx(with.evaluate(hg::MSE{}, x)).epsilon(1e-12));
  const Eigen::MatrixXd errors = with.feature_errors(x);
  CHECK((errors.colwise().mean().transpose() - scores).cwiseAbs().maxCoeff() < 1e-12);
}

TEST_CASE("regression: evaluate checks the scaled targets once, not scaled twice", "[scaler][bad-input]") {
  // Scaled a second time, unseen data above the training range (here 1.5 after one scaling) fell
  // back inside [0, 1] and BCE scored it silently.
  using Model = hg::BasicAutoencoder<double, hg::Encoder<hg::Dense<3, 2>>, hg::Decoder<hg::Dense<2, 3, hg::Sigmoid>>>;
  Model model(1);
  const Eigen::MatrixXd x = test::uniform(3, 20, 4, -7.0, 13.0);
  model.set_scaler(hg::Scaler<double>::min_max(x));
  CHECK(std::isfinite(model.evaluate(hg::BCE{}, x)));
  Eigen::MatrixXd unseen = x.leftCols(4);
  unseen(1, 2) = x.row(1).maxCoeff() + 0.5 * (x.row(1).maxCoeff() - x.row(1).minCoeff());
  CHECK_THROWS_WITH(model.evaluate(hg::BCE{}, unseen),
                    Catch::Contains("sample 2 (column 2) holds 1.5") && Catch::Contains("after the model's min_max(0,1) scaler"));
}
