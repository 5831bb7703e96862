// impute() (applications/imputation.hpp) on small data: observed entries come back unchanged,
// missing ones from the reconstruction (one pass and several), in data units through a scaler.
#include <catch2/catch.hpp>

#include "helpers.hpp"

#include <limits>

namespace hg = hourglass;

TEST_CASE("impute keeps observed values and fills the missing ones from the reconstruction", "[imputation]") {
  using Model = hg::BasicAutoencoder<double, hg::Encoder<hg::Dense<5, 3, hg::Tanh>>, hg::Decoder<hg::Dense<3, 5>>,
                                     hg::MissingValues>;
  Model model(2);
  const Eigen::MatrixXd clean = test::uniform(5, 30, 3, 10.0, 20.0);
  model.set_scaler(hg::Scaler<double>::standardize(clean));
  Eigen::MatrixXd x = clean;
  x(1, 0) = x(4, 0) = x(0, 7) = std::numeric_limits<double>::quiet_NaN();
  const Eigen::MatrixXd once = hg::impute(model, x);
  CHECK(once.allFinite());
  CHECK(once(2, 0) == x(2, 0));  // observed: exactly as given
  CHECK(once(3, 7) == x(3, 7));
  // One pass: the reconstruction of the input with the fill (scaled 0 = the mean) in the gaps.
  Eigen::MatrixXd filled = x;
  filled(1, 0) = clean.row(1).mean();
  filled(4, 0) = clean.row(4).mean();
  filled(0, 7) = clean.row(0).mean();
  const Eigen::MatrixXd reconstruction = model.reconstruct(filled);
  CHECK(once(1, 0) == Approx(reconstruction(1, 0)).epsilon(1e-9));
  CHECK(once(0, 7) == Approx(reconstruction(0, 7)).epsilon(1e-9));
  // Three passes: each feeds the previous reconstruction back into the gaps.
  const Eigen::MatrixXd thrice = hg::impute(model, x, {.iterations = 3});
  Eigen::MatrixXd manual = once;
  for (int pass = 1; pass < 3; ++pass) {
    const Eigen::MatrixXd r = model.reconstruct(manual);
    manual(1, 0) = r(1, 0);
    manual(4, 0) = r(4, 0);
    manual(0, 7) = r(0, 7);
  }
  CHECK((thrice - manual).cwiseAbs().maxCoeff() < 1e-9);
  CHECK_THROWS_WITH(hg::impute(model, x, {.iterations = 0}), Catch::Contains("iterations must be >= 1, got 0"));
  x(2, 2) = std::numeric_limits<double>::infinity();
  CHECK_THROWS_WITH(hg::impute(model, x), Catch::Contains("holds Inf"));
  CHECK_THROWS_WITH(hg::impute(model, x.topRows(4)), Catch::Contains("expected a batch of 5 x n"));
}
