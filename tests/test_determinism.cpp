// A seeded single-threaded run repeats bit for bit; another seed differs.
#include <catch2/catch.hpp>

#include "helpers.hpp"

namespace hg = hourglass;

namespace {
// Wide enough that the products are split across two threads when two are allowed.
using Model = hg::Autoencoder<hg::Encoder<hg::Dense<200, 128, hg::ReLU>, hg::Dense<128, 8>>,
                              hg::Decoder<hg::Dense<8, 128, hg::ReLU>, hg::Dense<128, 200, hg::Sigmoid>>>;

Eigen::VectorXf train(std::uint64_t seed) {
  const Eigen::MatrixXf x = test::uniform(200, 300, 61).cast<float>();
  Model model(seed);
  hg::Adam<float> adam;
  hg::FitOptions options;
  options.epochs = 3;
  options.batch_size = 64;
  hg::fit(model, adam, x, options, hg::BCE{});
  return model.parameters().values;
}
}  // namespace

TEST_CASE("the same seed gives the same weights bit for bit on one thread", "[determinism]") {
  Eigen::setNbThreads(1);
  const Eigen::VectorXf a = train(7), b = train(7), c = train(8);
  CHECK((a.array() == b.array()).all());
  CHECK_FALSE((a.array() == c.array()).all());
}

TEST_CASE("with two threads a seeded run still repeats bit for bit", "[determinism]") {
  // Threads split the batch into fixed slices (core/parallel.hpp), each summed in a fixed order.
  Eigen::setNbThreads(2);
  const Eigen::VectorXf a = train(7), b = train(7);
  CHECK((a.array() == b.array()).all());
}

TEST_CASE("the random engine's streams are fixed by the seed", "[determinism]") {
  hg::Random r(123);
  // First outputs of std::mt19937_64 seeded with 123 (fixed by the C++ standard's algorithm),
  // mapped to [0, 1) by the top 53 bits.
  std::mt19937_64 reference(123);
  for (int i = 0; i < 5; ++i) CHECK(r.uniform() == static_cast<double>(reference() >> 11) * 0x1.0p-53);
}
