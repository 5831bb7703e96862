// hourglass/core/random.hpp — the one seedable engine behind every random choice.
//
// std::uniform_real_distribution and friends are implementation-defined, so two standard
// libraries give different streams from one seed. Everything here is computed from the raw
// 64-bit output of std::mt19937_64 (whose sequence the standard fixes), so a seed means the
// same numbers on every platform.
#pragma once

#include <cmath>
#include <cstdint>
#include <numbers>
#include <random>
#include <span>
#include <utility>

namespace hourglass {

/// The seed of stream `stream` (1, 2, ...) derived from a model's seed: SplitMix64's output
/// function (Steele, Lea & Flood 2014) on seed + stream x golden gamma, so streams of nearby seeds
/// do not overlap. Stream 0 is the seed itself.
constexpr std::uint64_t stream_seed(std::uint64_t seed, std::uint64_t stream) {
  if (stream == 0) return seed;
  std::uint64_t z = seed + stream * 0x9E3779B97F4A7C15ULL;
  z = (z ^ (z >> 30)) * 0xBF58476D1CE4E5B9ULL;
  z = (z ^ (z >> 27)) * 0x94D049BB133111EBULL;
  return z ^ (z >> 31);
}

/// The random streams of a model, each seeded from the model's seed (stream_seed).
enum class RandomStream { initialization = 0, shuffling = 1, noise = 2 };

class Random {
 public:
  using result_type = std::uint64_t;

  explicit Random(std::uint64_t seed = 42) : engine_(seed) {}

  void seed(std::uint64_t s) {
    engine_.seed(s);
    has_spare_normal_ = false;
  }

  std::uint64_t bits() { return engine_(); }

  /// Uniform double in [0, 1) with 53 random bits.
  double uniform() { return static_cast<double>(engine_() >> 11) * 0x1.0p-53; }

  /// Uniform double in [lo, hi).
  double uniform(double lo, double hi) { return lo + (hi - lo) * uniform(); }

  /// Standard normal by the Box–Muller transform (pairs; the second value is kept for the next call).
  double normal() {
    if (has_spare_normal_) {
      has_spare_normal_ = false;
      return spare_normal_;
    }
    double u1 = uniform();
    while (u1 <= 0.0) u1 = uniform();
    const double u2 = uniform();
    const double r = std::sqrt(-2.0 * std::log(u1));
    const double theta = 2.0 * std::numbers::pi * u2;
    spare_normal_ = r * std::sin(theta);
    has_spare_normal_ = true;
    return r * std::cos(theta);
  }

  /// Unbiased integer in [0, n) (rejection sampling on the top bits).
  std::uint64_t below(std::uint64_t n) {
    if (n <= 1) return 0;
    const std::uint64_t limit = UINT64_MAX - UINT64_MAX % n;
    std::uint64_t x = engine_();
    while (x >= limit) x = engine_();
    return x % n;
  }

  /// Fisher–Yates shuffle in place.
  template <class T>
  void shuffle(std::span<T> items) {
    for (std::size_t i = items.size(); i > 1; --i) {
      std::swap(items[i - 1], items[below(i)]);
    }
  }

 private:
  std::mt19937_64 engine_;
  double spare_normal_ = 0.0;
  bool has_spare_normal_ = false;
};

}  // namespace hourglass
