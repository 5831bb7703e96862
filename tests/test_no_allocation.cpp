// After the first step at a batch size, a training step allocates nothing: Eigen's own check
// (EIGEN_RUNTIME_NO_MALLOC) and a count of every global operator new in this program.
#define EIGEN_RUNTIME_NO_MALLOC
#include <catch2/catch.hpp>

#include "helpers.hpp"

#include <atomic>
#include <cstdlib>
#include <new>

namespace {
std::atomic<long> allocations{0};
}
void* operator new(std::size_t size) {
  ++allocations;
  if (void* p = std::malloc(size)) return p;
  throw std::bad_alloc();
}
void operator delete(void* p) noexcept { std::free(p); }
void operator delete(void* p, std::size_t) noexcept { std::free(p); }

namespace hg = hourglass;

TEST_CASE("a training step performs no heap allocation after the first", "[allocation]") {
  Eigen::setNbThreads(1);
  // Widths like the `small` architecture, scaled so Eigen's GEMM blocking fits on the stack.
  using Model = hg::Autoencoder<hg::Encoder<hg::Dense<96, 48, hg::ReLU>, hg::Dense<48, 16>>,
                                hg::Decoder<hg::Dense<16, 48, hg::ReLU>, hg::Dense<48, 96, hg::Sigmoid>>>;
  Model model(1);
  const Eigen::MatrixXf x = test::uniform(96, 200, 71).cast<float>();
  std::vector<Eigen::Index> columns(64);
  for (int i = 0; i < 64; ++i) columns[static_cast<std::size_t>(i)] = (i * 7) % 200;
  hg::Adam<float> adam;
  auto step = [&](std::size_t n) {
    model.load_batch(x, std::span<const Eigen::Index>(columns).first(n));
    model.compute_gradients(hg::BCE{});
    adam.step(model.parameters());
  };
  step(64);  // first step: workspaces and optimizer state are allocated here
  const long before = allocations.load();
  Eigen::internal::set_is_malloc_allowed(false);
  step(64);
  step(40);  // a smaller last batch reuses the same workspaces
  step(64);
  Eigen::internal::set_is_malloc_allowed(true);
  CHECK(allocations.load() == before);
}
