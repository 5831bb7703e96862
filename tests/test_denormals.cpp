// FlushDenormals sets FTZ/DAZ for its lifetime, and the batch threads compute in the caller's mode.
#include <catch2/catch.hpp>
#include <hourglass/hourglass.hpp>

#include <limits>
#include <vector>

namespace hg = hourglass;

namespace {
// volatile keeps the compiler from folding the product at compile time.
float times_one(float x) {
  volatile float one = 1.0f;
  return x * one;
}
}  // namespace

TEST_CASE("FlushDenormals flushes while alive and restores the mode after", "[denormals]") {
  const float tiny = std::numeric_limits<float>::denorm_min() * 1000.0f;
  REQUIRE(times_one(tiny) == tiny);
  {
    const hg::FlushDenormals flush;
#if defined(HOURGLASS_HAS_MXCSR)
    CHECK(times_one(tiny) == 0.0f);
#endif
  }
  CHECK(times_one(tiny) == tiny);
  {
    const hg::FlushDenormals off(false);
    CHECK(times_one(tiny) == tiny);
  }
}

TEST_CASE("worker threads compute in the calling thread's floating-point mode", "[denormals][threads]") {
  const float tiny = std::numeric_limits<float>::denorm_min() * 1000.0f;
  std::vector<float> out(64, -1.0f);
  const hg::FlushDenormals flush;
  hg::detail::parallel_ranges(64, 8, 2, [&](Eigen::Index first, Eigen::Index count) {
    for (Eigen::Index i = first; i < first + count; ++i) out[static_cast<std::size_t>(i)] = times_one(tiny);
  });
#if defined(HOURGLASS_HAS_MXCSR)
  for (float v : out) CHECK(v == 0.0f);
#endif
}
