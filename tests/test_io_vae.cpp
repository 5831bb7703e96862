// A VAE's model file: tensors named as PyTorch's nn.Sequential encoder and decoder would name
// them, a round trip restores every parameter, and a file of another architecture is refused.
#include <catch2/catch.hpp>

#include "io_helpers.hpp"

#include <hourglass/hourglass.hpp>
#include <hourglass/io.hpp>

namespace hg = hourglass;

namespace {
using Enc = hg::Encoder<hg::Dense<6, 5, hg::ReLU>, hg::Dense<5, 4>>;
using Dec = hg::Decoder<hg::Dense<2, 5, hg::ReLU>, hg::Dense<5, 6, hg::Sigmoid>>;
using Vae = hg::VariationalAutoencoder<Enc, Dec, hg::BernoulliLikelihood>;
}  // namespace

TEST_CASE("a VAE's model file round-trips under PyTorch's module names", "[vae][io]") {
  test::TempDir dir;
  const auto path = dir / "vae.safetensors";
  const Vae model(3);
  hg::io::save_model(path, model);
  const hg::io::SafetensorsReader r(path);
  for (const char* name : {"encoder.0.weight", "encoder.0.bias", "encoder.2.weight", "encoder.2.bias",
                           "decoder.0.weight", "decoder.0.bias", "decoder.2.weight", "decoder.2.bias"})
    CHECK(r.has(name));
  CHECK(r.tensor<float>("encoder.2.weight", {4, 5}).size() == 20);  // K means and K log-variances
  Vae loaded(4);
  REQUIRE(loaded.parameters().values != model.parameters().values);
  hg::io::load_model(path, loaded);
  CHECK(loaded.parameters().values == model.parameters().values);
  hg::VariationalAutoencoder<Enc, hg::Decoder<hg::Dense<2, 7, hg::ReLU>, hg::Dense<7, 6, hg::Sigmoid>>,
                             hg::BernoulliLikelihood>
      other(5);
  CHECK_THROWS_AS(hg::io::load_model(path, other), hg::io::FileError);
}
