// detail::all_finite (core/finite.hpp), which fit() uses to catch a diverging step: every kind of
// non-finite value, anywhere in buffers small and large (split across threads), float and double.
#include <catch2/catch.hpp>

#include <hourglass/core/finite.hpp>

#include <limits>

namespace hg = hourglass;

TEMPLATE_TEST_CASE("all_finite finds NaN and +-Inf anywhere, and accepts extreme finite values", "[finite]", float, double) {
  using Scalar = TestType;
  using Limits = std::numeric_limits<Scalar>;
  const int threads = GENERATE(1, 2);
  Eigen::setNbThreads(threads);
  for (const hg::Index size : {hg::Index{1}, hg::Index{7}, hg::Index{4096}, hg::Index{300001}}) {
    hg::Vector<Scalar> v = hg::Vector<Scalar>::LinSpaced(size, Scalar(-3), Scalar(3));
    v(0) = Limits::max();
    v(size - 1) = -Limits::max();
    if (size > 2) v(1) = Limits::denorm_min();
    CHECK(hg::detail::all_finite(v));
    for (const Scalar bad : {Limits::quiet_NaN(), Limits::infinity(), -Limits::infinity()}) {
      for (const hg::Index at : {hg::Index{0}, size / 2, size - 1}) {
        hg::Vector<Scalar> w = v;
        w(at) = bad;
        INFO("size " << size << ", index " << at << ", value " << bad << ", threads " << threads);
        CHECK_FALSE(hg::detail::all_finite(w));
      }
    }
  }
  Eigen::setNbThreads(0);
}
