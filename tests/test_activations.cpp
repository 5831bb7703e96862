// Each activation: hand values, and f', f'' (given as functions of the output) against finite
// differences of f in double precision.
#include <catch2/catch.hpp>
#include <hourglass/hourglass.hpp>

#include <cmath>

namespace hg = hourglass;

namespace {

template <class Act>
double f(double z) {
  Eigen::ArrayXXd a(1, 1);
  a(0, 0) = z;
  Eigen::ArrayXXd out = Act::apply(a);
  return out(0, 0);
}
template <class Act>
double fprime(double z) {
  Eigen::ArrayXXd a(1, 1);
  a(0, 0) = f<Act>(z);
  Eigen::ArrayXXd out = Act::derivative(a);
  return out(0, 0);
}
template <class Act>
double fsecond(double z) {
  Eigen::ArrayXXd a(1, 1);
  a(0, 0) = f<Act>(z);
  Eigen::ArrayXXd out = Act::second_derivative(a);
  return out(0, 0);
}

template <class Act>
void check_derivatives() {
  const double h = 1e-5;
  // Points away from the kinks of ReLU-like functions.
  for (double z : {-3.1, -1.2, -0.4, 0.3, 0.9, 2.7}) {
    const double d1 = (f<Act>(z - 2 * h) - 8 * f<Act>(z - h) + 8 * f<Act>(z + h) - f<Act>(z + 2 * h)) / (12 * h);
    const double d2 = (fprime<Act>(z - 2 * h) - 8 * fprime<Act>(z - h) + 8 * fprime<Act>(z + h) - fprime<Act>(z + 2 * h)) /
                      (12 * h);
    INFO(Act::name << " at z = " << z);
    CHECK(fprime<Act>(z) == Approx(d1).epsilon(1e-8).margin(1e-10));
    CHECK(fsecond<Act>(z) == Approx(d2).epsilon(1e-7).margin(1e-9));
  }
}

}  // namespace

TEST_CASE("activation derivatives match finite differences", "[activations][gradient]") {
  check_derivatives<hg::Identity>();
  check_derivatives<hg::ReLU>();
  check_derivatives<hg::LeakyReLU>();
  check_derivatives<hg::ELU>();
  check_derivatives<hg::Softplus>();
  check_derivatives<hg::Sigmoid>();
  check_derivatives<hg::Tanh>();
}

TEST_CASE("activation hand values", "[activations]") {
  CHECK(f<hg::ReLU>(-2.0) == 0.0);
  CHECK(f<hg::ReLU>(1.5) == 1.5);
  CHECK(f<hg::LeakyReLU>(-2.0) == Approx(-0.02));
  CHECK(f<hg::Sigmoid>(0.0) == Approx(0.5));
  CHECK(f<hg::Sigmoid>(2.0) == Approx(0.8807970779778823));
  CHECK(f<hg::Tanh>(0.5) == Approx(0.46211715726000974));
  CHECK(f<hg::ELU>(-1.0) == Approx(std::exp(-1.0) - 1.0));
  CHECK(f<hg::Softplus>(0.0) == Approx(std::log(2.0)));
  // Softplus stays finite and accurate for large |z|.
  CHECK(f<hg::Softplus>(800.0) == Approx(800.0));
  CHECK(f<hg::Softplus>(-800.0) == 0.0);
  // The ReLU derivative at 0 is 0, as in PyTorch.
  CHECK(fprime<hg::ReLU>(0.0) == 0.0);
}
