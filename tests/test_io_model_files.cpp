// Model files that describe every layer (format_version 2 and 3): tied and untied decoders are told
// apart, files of the previous release (format_version 1, tests/fixtures/) still load, and a
// checkpoint restores everything it claims (state, steps, learning rate) for every optimizer.
#include <catch2/catch.hpp>

#include "bad_input.hpp"
#include "helpers.hpp"
#include "io_helpers.hpp"

#include <hourglass/io/safetensors.hpp>

#include <string>

namespace hg = hourglass;
namespace io = hourglass::io;
using Catch::Matchers::Contains;

namespace {

const std::filesystem::path fixtures = HOURGLASS_FIXTURES_DIR;

using Untied = hg::BasicAutoencoder<double, hg::Encoder<hg::Dense<6, 3, hg::Sigmoid>>, hg::Decoder<hg::Dense<3, 6, hg::Sigmoid>>>;
using Tied = hg::BasicAutoencoder<double, hg::Encoder<hg::Dense<6, 3, hg::Sigmoid>>, hg::Decoder<hg::TiedDense<0, hg::Sigmoid>>>;
using Sparse = hg::BasicAutoencoder<float, hg::Encoder<hg::Dense<6, 4, hg::ReLU>, hg::Dense<4, 2>>,
                                    hg::Decoder<hg::Dense<2, 4, hg::ReLU>, hg::Dense<4, 6, hg::Sigmoid>>, hg::SparseL1<>>;
using SparseLayersPlain = hg::BasicAutoencoder<float, hg::Encoder<hg::Dense<6, 4, hg::ReLU>, hg::Dense<4, 2>>,
                                               hg::Decoder<hg::Dense<2, 4, hg::ReLU>, hg::Dense<4, 6, hg::Sigmoid>>>;

Eigen::MatrixXd probe() {
  Eigen::MatrixXd q = Eigen::MatrixXd::Constant(6, 1, 0.25);
  q(0) = 0.9;
  q(5) = 0.1;
  return q;
}

template <class Model>
void train(Model& model, auto& optimizer, int epochs) {
  test::train_briefly(model, optimizer, epochs, 24, 5);
}

}  // namespace

TEST_CASE("a tied decoder's file records the tie and stores the shared weight once", "[io][model_files]") {
  test::TempDir dir;
  Tied tied(1);
  io::save_model(dir / "tied.safetensors", tied);
  const io::SafetensorsReader r(dir / "tied.safetensors");
  CHECK(r.metadata("architecture") == "encoder: dense(6,3,sigmoid) | decoder: tied_dense(0,3,6,sigmoid)");
  CHECK(r.has("encoder.0.weight"));
  CHECK_FALSE(r.has("decoder.0.weight"));
  CHECK(r.info("decoder.0.bias").shape == std::vector<std::int64_t>{6});
  Tied back(2);
  io::load_model(dir / "tied.safetensors", back);
  CHECK(back.parameters().values == tied.parameters().values);
}

// Tried as a new user would: an untied model's file loaded into the tied model silently overwrote
// the encoder's weights with the decoder's transpose.
TEST_CASE("regression: a file of an untied decoder is refused by a tied model, and the reverse", "[io][model_files]") {
  test::TempDir dir;
  Untied untied(1);
  Tied tied(2);
  io::save_model(dir / "untied.safetensors", untied);
  io::save_model(dir / "tied.safetensors", tied);
  const Eigen::VectorXd before = tied.parameters().values;
  REQUIRE_THROWS_MATCHES(io::load_model(dir / "untied.safetensors", tied), io::FileError,
                         test::Says({"architecture differs", "file:  encoder: dense(6,3,sigmoid) | decoder: dense(3,6,sigmoid)",
                                     "model: encoder: dense(6,3,sigmoid) | decoder: tied_dense(0,3,6,sigmoid)"}));
  CHECK(tied.parameters().values == before);
  CHECK_THROWS_WITH(io::load_model(dir / "tied.safetensors", untied), Contains("architecture differs"));
}

TEST_CASE("format_version 1 files (the previous release) still load, and give the same outputs", "[io][model_files]") {
  // Written by tests/fixtures' models at commit 625580e; the outputs below are what that release
  // printed for probe() after building the same models.
  Untied plain(99);
  io::load_model(fixtures / "v1_dense_double.safetensors", plain);
  CHECK(plain.reconstruct(probe())(0) == Approx(0.52247365213229124).epsilon(1e-14));
  CHECK(plain.reconstruct(probe())(5) == Approx(0.55528988852143424).epsilon(1e-14));
  Tied tied(99);
  io::load_model(fixtures / "v1_tied_double.safetensors", tied);
  CHECK(tied.reconstruct(probe())(0) == Approx(0.41310633848264239).epsilon(1e-14));
  CHECK(tied.reconstruct(probe())(5) == Approx(0.57355213236754166).epsilon(1e-14));
  // A version 1 file could not tell tied from untied: its untied file must not load as tied.
  Tied wrongly_tied(99);
  REQUIRE_THROWS_MATCHES(io::load_model(fixtures / "v1_dense_double.safetensors", wrongly_tied), io::FileError,
                         test::Says({"is tied to encoder layer 0", "is not the transpose", "saved from an untied model"}));
  // Its architecture line also named the policies; the layers decide now.
  Sparse sparse(99);
  hg::Adam<float> adam;
  io::load_model(fixtures / "v1_sparse_adam_float.safetensors", sparse, adam);
  CHECK(sparse.reconstruct(probe().cast<float>())(0) == Approx(0.52241683).epsilon(1e-6));
  CHECK(sparse.reconstruct(probe().cast<float>())(5) == Approx(0.51536864).epsilon(1e-6));
  CHECK(adam.steps() == 6);
  CHECK(adam.learning_rate() == Approx(2.5e-3));
  SparseLayersPlain plain_layers(99);
  io::load_model(fixtures / "v1_sparse_adam_float.safetensors", plain_layers);
  CHECK(plain_layers.parameters().values == sparse.parameters().values);
}

TEST_CASE("a checkpoint restores the learning rate a schedule had reached", "[io][model_files][optimizers]") {
  test::TempDir dir;
  SparseLayersPlain a(1), b(2);
  hg::Adam<float> adam({.learning_rate = 1e-2});
  train(a, adam, 1);
  adam.set_learning_rate(1e-5);  // where a step schedule had brought it
  io::save_model(dir / "ckpt.safetensors", a, adam);
  hg::Adam<float> resumed({.learning_rate = 1e-2});
  io::load_model(dir / "ckpt.safetensors", b, resumed);
  CHECK(resumed.learning_rate() == 1e-5);
  CHECK(resumed.steps() == adam.steps());
}

// save_model(path, model, optimizer) wrote a checkpoint pairing one model's weights with another
// model's optimizer state (the binding step() enforces was not checked there).
TEST_CASE("regression: a checkpoint refuses an optimizer bound to another model", "[io][model_files][optimizers]") {
  test::TempDir dir;
  SparseLayersPlain a(1), b(2);
  hg::Adam<float> adam;
  train(a, adam, 1);
  REQUIRE_THROWS_MATCHES(io::save_model(dir / "b.safetensors", b, adam), std::invalid_argument,
                         test::Says({"save_model: refusing to write", "another model's parameters", "nothing was written"}));
  CHECK_FALSE(std::filesystem::exists(dir / "b.safetensors"));
  io::save_model(dir / "a.safetensors", a, adam);  // its own model: fine
  hg::Adam<float> fresh;
  io::save_model(dir / "b.safetensors", b, fresh);  // never stepped: bound to nothing
}

TEST_CASE("SGD with momentum saves and resumes like Adam and RMSprop", "[io][model_files][optimizers]") {
  test::TempDir dir;
  SparseLayersPlain a(1), b(2);
  hg::SGD<float> sgd({.learning_rate = 0.05, .momentum = 0.9}), resumed({.learning_rate = 0.05, .momentum = 0.9});
  train(a, sgd, 2);
  io::save_model(dir / "ckpt.safetensors", a, sgd);
  io::load_model(dir / "ckpt.safetensors", b, resumed);
  CHECK(resumed.steps() == sgd.steps());
  CHECK(resumed.velocity() == sgd.velocity());
  a.reseed(7);
  b.reseed(7);
  train(a, sgd, 1);
  train(b, resumed, 1);
  CHECK(a.parameters().values == b.parameters().values);
}

// io::load_state_dict: a PyTorch state_dict by name, strict like PyTorch's load_state_dict.
TEST_CASE("load_state_dict reads tensors by PyTorch's module numbering and refuses missing or unexpected ones",
          "[io][model_files]") {
  test::TempDir dir;
  SparseLayersPlain source(1);
  io::save_model(dir / "m.safetensors", source);
  const io::SafetensorsReader saved(dir / "m.safetensors");
  // A state_dict as PyTorch writes it: the same tensors, no metadata, optionally one more or one less.
  auto write_state_dict = [&](const std::filesystem::path& path, const std::string& skip, bool extra) {
    io::SafetensorsWriter w;
    for (const auto& [name, info] : saved.tensors()) {
      if (name == skip) continue;
      const std::vector<float> e = saved.elements<float>(name);
      w.add<float>(name, info.shape, e.data());
    }
    if (extra) {
      const float one = 1;
      w.add<float>("decoder.9.weight", {1}, &one);
    }
    w.save(path);
  };
  // Dense(6,4,relu) Dense(4,2) | Dense(2,4,relu) Dense(4,6,sigmoid): nn.Sequential modules 0, 2.
  CHECK(saved.has("encoder.2.weight"));
  CHECK(saved.has("decoder.2.bias"));
  write_state_dict(dir / "sd.safetensors", "", false);
  SparseLayersPlain loaded(2);
  io::load_state_dict(dir / "sd.safetensors", loaded);
  CHECK(loaded.parameters().values == source.parameters().values);

  SparseLayersPlain untouched(3);
  const Eigen::VectorXf before = untouched.parameters().values;
  write_state_dict(dir / "missing.safetensors", "decoder.2.bias", false);
  REQUIRE_THROWS_MATCHES(io::load_state_dict(dir / "missing.safetensors", untouched), io::FileError,
                         test::Says({"missing.safetensors: ", "has no tensor 'decoder.2.bias'"}));
  write_state_dict(dir / "extra.safetensors", "", true);
  REQUIRE_THROWS_MATCHES(io::load_state_dict(dir / "extra.safetensors", untouched), io::FileError,
                         test::Says({"extra.safetensors: ", "has a tensor 'decoder.9.weight' that the model has no parameter for",
                               "encoder.0.weight"}));
  CHECK(untouched.parameters().values == before);
}
