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
// g++ 12 inlines these into library code that allocates with `new` and then warns that free()
// does not match it — but our operator new *is* malloc.
#if defined(__GNUC__) && !defined(__clang__)
#pragma GCC diagnostic push
#pragma GCC diagnostic ignored "-Wmismatched-new-delete"
#endif
void operator delete(void* p) noexcept { std::free(p); }
void operator delete(void* p, std::size_t) noexcept { std::free(p); }
#if defined(__GNUC__) && !defined(__clang__)
#pragma GCC diagnostic pop
#endif
// The nothrow forms too (std::stable_sort's buffer, in Catch2): under AddressSanitizer the
// library's own would allocate, and our operator delete would free, with different allocators.
void* operator new(std::size_t size, const std::nothrow_t&) noexcept {
  ++allocations;
  return std::malloc(size == 0 ? 1 : size);
}
void operator delete(void* p, const std::nothrow_t&) noexcept { std::free(p); }

namespace hg = hourglass;

TEST_CASE("a training step performs no heap allocation after the first", "[allocation]") {
  // The full `small` architecture: its products need packing buffers far above Eigen's 128 KB
  // stack limit, so this also proves that core/gemm.hpp reuses them. Run with the default number
  // of threads (both cores under OpenMP) and with one.
  const int threads = GENERATE(0, 1);
  Eigen::setNbThreads(threads);
  using Model = hg::Autoencoder<hg::Encoder<hg::Dense<784, 256, hg::ReLU>, hg::Dense<256, 64, hg::ReLU>, hg::Dense<64, 32>>,
                                hg::Decoder<hg::Dense<32, 64, hg::ReLU>, hg::Dense<64, 256, hg::ReLU>,
                                            hg::Dense<256, 784, hg::Sigmoid>>>;
  Model model(1);
  const Eigen::MatrixXf x = test::uniform(784, 600, 71).cast<float>();
  std::vector<Eigen::Index> columns(256);
  for (int i = 0; i < 256; ++i) columns[static_cast<std::size_t>(i)] = (i * 7) % 600;
  hg::Adam<float> adam;
  auto step = [&](std::size_t n) {
    model.load_batch(x, std::span<const Eigen::Index>(columns).first(n));
    model.compute_gradients(hg::BCE{});
    adam.step(model.parameters());
  };
  step(256);  // first step: workspaces, packing buffers, optimizer state, thread team
  const long before = allocations.load();
  Eigen::internal::set_is_malloc_allowed(false);
  step(256);
  step(100);  // a smaller last batch reuses the same workspaces
  step(256);
  Eigen::internal::set_is_malloc_allowed(true);
  CHECK(allocations.load() == before);
}

TEST_CASE("a conv autoencoder's training step performs no heap allocation after the first", "[allocation][conv]") {
  // Every image layer: the conv kernels' per-piece scratch and weight-gradient shares are kept
  // by the calling thread and reused, like the product's packing buffers.
  const int threads = GENERATE(0, 1);
  Eigen::setNbThreads(threads);
  using Model = hg::Autoencoder<
      hg::Encoder<hg::Conv2D<hg::Shape<1, 28, 28>, 16, 3, 2, 1, hg::ReLU>, hg::MaxPool2D<hg::Shape<16, 14, 14>, 2>,
                  hg::Flatten<16, 7, 7>, hg::Dense<784, 32>>,
      hg::Decoder<hg::Dense<32, 784, hg::ReLU>, hg::Reshape<hg::Shape<784>, hg::Shape<16, 7, 7>>,
                  hg::ConvTranspose2D<hg::Shape<16, 7, 7>, 8, 3, 2, 1, 1, hg::ReLU>, hg::Upsample2D<hg::Shape<8, 14, 14>, 2>,
                  hg::AvgPool2D<hg::Shape<8, 28, 28>, 3, 1, 1>, hg::Conv2D<hg::Shape<8, 28, 28>, 1, 3, 1, 1, hg::Sigmoid>>>;
  Model model(2);
  const Eigen::MatrixXf x = test::uniform(784, 300, 72).cast<float>();
  std::vector<Eigen::Index> columns(128);
  for (int i = 0; i < 128; ++i) columns[static_cast<std::size_t>(i)] = (i * 7) % 300;
  hg::Adam<float> adam;
  auto step = [&](std::size_t n) {
    model.load_batch(x, std::span<const Eigen::Index>(columns).first(n));
    model.compute_gradients(hg::BCE{});
    adam.step(model.parameters());
  };
  step(128);
  const long before = allocations.load();
  Eigen::internal::set_is_malloc_allowed(false);
  step(128);
  step(50);
  step(128);
  Eigen::internal::set_is_malloc_allowed(true);
  CHECK(allocations.load() == before);
}

TEST_CASE("a VAE's training step performs no heap allocation after the first", "[allocation][vae]") {
  // The draw of eps, the reparameterised z, the likelihood, the KL term and its per-unit sums (on
  // the stack) between the two ranges of the chain.
  const int threads = GENERATE(0, 1);
  Eigen::setNbThreads(threads);
  using Model = hg::VariationalAutoencoder<hg::Encoder<hg::Dense<784, 400, hg::ReLU>, hg::Dense<400, 40>>,
                                           hg::Decoder<hg::Dense<20, 400, hg::ReLU>, hg::Dense<400, 784, hg::Sigmoid>>,
                                           hg::BernoulliLikelihood>;
  Model model(3, {.free_bits = 0.1});
  const Eigen::MatrixXf x = test::uniform(784, 300, 73).cast<float>();
  std::vector<Eigen::Index> columns(128);
  for (int i = 0; i < 128; ++i) columns[static_cast<std::size_t>(i)] = (i * 7) % 300;
  hg::Adam<float> adam;
  auto step = [&](std::size_t n) {
    model.load_batch(x, std::span<const Eigen::Index>(columns).first(n));
    model.compute_gradients(model.likelihood());
    adam.step(model.parameters());
  };
  step(128);
  const long before = allocations.load();
  Eigen::internal::set_is_malloc_allowed(false);
  step(128);
  step(50);
  step(128);
  Eigen::internal::set_is_malloc_allowed(true);
  CHECK(allocations.load() == before);
}

TEST_CASE("a Predictor's calls perform no heap allocation after construction", "[allocation][predictor]") {
  // One sample and a few, through a scaled dense model (scaler, MissingValues fill, scores) and a
  // conv model: the conv kernels' thread-local scratch grows on the first call only.
  using Dense = hg::Autoencoder<hg::Encoder<hg::Dense<784, 256, hg::ReLU>, hg::Dense<256, 32>>,
                                hg::Decoder<hg::Dense<32, 256, hg::ReLU>, hg::Dense<256, 784, hg::Sigmoid>>,
                                hg::MissingValues>;
  // Serially, and through the thread pool (both cores under OpenMP) for a lone caller.
  const auto parallelism = GENERATE(hg::Parallelism::serial, hg::Parallelism::thread_pool);
  Dense dense(4);
  const Eigen::MatrixXf x = (test::uniform(784, 8, 74) * 255).cast<float>();
  dense.set_scaler(hg::Scaler<float>::min_max(x));
  hg::Predictor<Dense> p(dense, 4, parallelism);
  using Conv = hg::Autoencoder<hg::Encoder<hg::Conv2D<hg::Shape<1, 28, 28>, 8, 3, 2, 1, hg::ReLU>, hg::Flatten<8, 14, 14>,
                                           hg::Dense<1568, 16>>,
                               hg::Decoder<hg::Dense<16, 1568, hg::ReLU>, hg::Reshape<hg::Shape<1568>, hg::Shape<8, 14, 14>>,
                                           hg::ConvTranspose2D<hg::Shape<8, 14, 14>, 1, 3, 2, 1, 1, hg::Sigmoid>>>;
  Conv conv(5);
  hg::Predictor<Conv> q(conv, 4, parallelism);
  const Eigen::MatrixXf unit = test::uniform(784, 4, 75).cast<float>();
  float sink = 0;
  auto calls = [&] {
    sink += p.encode(x.col(0))(0) + p.reconstruct(x.leftCols(3))(5, 2) + p.score(x.col(1))(0);
    sink += q.encode(unit.col(0))(0) + q.reconstruct(unit)(0, 3) + q.score(unit.col(2))(0);
  };
  calls();  // first calls: the thread-local scratch of the conv and product kernels
  const long before = allocations.load();
  Eigen::internal::set_is_malloc_allowed(false);
  for (int i = 0; i < 3; ++i) calls();
  Eigen::internal::set_is_malloc_allowed(true);
  CHECK(allocations.load() == before);
  CHECK(std::isfinite(sink));
}
