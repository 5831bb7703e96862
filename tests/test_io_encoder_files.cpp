// Encoder files (io::save_encoder): only the encoder's tensors and the scaler, loaded into an
// EncoderModel bit for bit; an EncoderModel also loads a whole model's file (its encoder part,
// checked against the file's architecture); a whole model refuses an encoder file. The example
// of docs/applications.md ("The encoder alone") is compiled from the page and run here.
#include <catch2/catch.hpp>

#include "bad_input.hpp"
#include "helpers.hpp"
#include "io_helpers.hpp"

#include <hourglass/hourglass.hpp>
#include <hourglass/io.hpp>

#include <string>

namespace hg = hourglass;
namespace io = hourglass::io;

namespace example {
#include "applications_encoder-alone.hpp"  // generated: docs/applications.md, "The encoder alone"
}  // namespace example

namespace {

const std::filesystem::path fixtures = HOURGLASS_FIXTURES_DIR;

using Bounded = hg::Autoencoder<hg::Encoder<hg::Dense<6, 4, hg::ReLU>, hg::Dense<4, 2>>,
                                hg::Decoder<hg::Dense<2, 4, hg::Tanh>, hg::Dense<4, 6, hg::Sigmoid>>>;
using Tied = hg::BasicAutoencoder<double, hg::Encoder<hg::Dense<6, 3, hg::Sigmoid>>, hg::Decoder<hg::TiedDense<0, hg::Sigmoid>>>;
using Untied = hg::BasicAutoencoder<double, hg::Encoder<hg::Dense<6, 3, hg::Sigmoid>>, hg::Decoder<hg::Dense<3, 6, hg::Sigmoid>>>;

Bounded trained_with_scaler_and_threshold() {
  Bounded model(1);
  const Eigen::MatrixXf x = test::uniform(6, 30, 2, -1.0, 3.0).cast<float>();
  model.set_scaler(hg::Scaler<float>::min_max(x));
  hg::Adam<float> adam;
  test::train_briefly(model, adam, 1, 16, 3);
  model.set_threshold({hg::AnomalyThreshold::Method::quantile, 0.9, 0.125, 30});
  return model;
}

}  // namespace

TEST_CASE("the documentation's example: the encoder file gives the model's codes", "[io][encoder_model]") {
  test::TempDir dir;
  const Eigen::MatrixXf x = test::uniform(64, 200, 1, 0.0, 255.0).cast<float>();
  example::train_and_save(x, dir.path());
  example::Model model(2);
  io::load_model(dir / "model.safetensors", model);
  CHECK(model.scaler().describe() == "min_max(0,1)");
  CHECK(test::bit_equal(example::codes(x, dir.path()), model.encode(x)));
}

TEST_CASE("an encoder file holds the encoder and the scaler only, and loads bit for bit", "[io][encoder_model]") {
  test::TempDir dir;
  const Bounded model = trained_with_scaler_and_threshold();
  io::save_model(dir / "model.safetensors", model);
  io::save_encoder(dir / "encoder.safetensors", model, {{"note", "kept"}});
  CHECK(std::filesystem::file_size(dir / "encoder.safetensors") < std::filesystem::file_size(dir / "model.safetensors"));

  const io::SafetensorsReader r(dir / "encoder.safetensors");
  CHECK(r.metadata("format") == "hourglass");
  CHECK(r.metadata("format_version") == "4");
  CHECK(r.metadata("part") == "encoder");
  CHECK(r.metadata("architecture") == "encoder: dense(6,4,relu) dense(4,2,identity)");
  CHECK(r.metadata("scaler") == "min_max(0,1)");
  CHECK(r.metadata("note") == "kept");
  CHECK(r.metadata().count("anomaly_threshold") == 0);  // a score needs the decoder
  CHECK(r.metadata().count("policies") == 0);
  std::vector<std::string> names;
  for (const auto& [name, info] : r.tensors()) names.push_back(name);
  CHECK(names == std::vector<std::string>{"encoder.0.bias", "encoder.0.weight", "encoder.2.bias", "encoder.2.weight",
                                          "scaler.offset", "scaler.scale"});

  hg::encoder_model_t<Bounded> encoder;
  io::load_model(dir / "encoder.safetensors", encoder);
  const Eigen::MatrixXf x = test::uniform(6, 1100, 4, -1.0, 3.0).cast<float>();
  CHECK(test::bit_equal(encoder.encode(x), model.encode(x)));
  CHECK(test::bit_equal(encoder.scaler().offset(), model.scaler().offset()));
  // Saving the EncoderModel (save_model or save_encoder) writes the same file again.
  io::save_model(dir / "again.safetensors", encoder, {{"note", "kept"}});
  CHECK(test::read_raw(dir / "again.safetensors") == test::read_raw(dir / "encoder.safetensors"));
}

TEST_CASE("an EncoderModel loads a whole model's file: its encoder and its scaler", "[io][encoder_model]") {
  test::TempDir dir;
  const Bounded model = trained_with_scaler_and_threshold();
  io::save_model(dir / "model.safetensors", model);
  hg::encoder_model_t<Bounded> encoder;
  io::load_model(dir / "model.safetensors", encoder);
  const Eigen::MatrixXf x = test::uniform(6, 50, 5, -1.0, 3.0).cast<float>();
  CHECK(test::bit_equal(encoder.encode(x), model.encode(x)));
  CHECK(encoder.scaler().describe() == "min_max(0,1)");

  // Files of earlier releases too (format_version 1 numbered layers, 3 modules).
  Untied v1(99);
  io::load_model(fixtures / "v1_dense_double.safetensors", v1);
  hg::encoder_model_t<Untied> v1_encoder;
  io::load_model(fixtures / "v1_dense_double.safetensors", v1_encoder);
  CHECK(test::bit_equal(v1_encoder.encode(Eigen::MatrixXd::Constant(6, 2, 0.3)), v1.encode(Eigen::MatrixXd::Constant(6, 2, 0.3))));
  Bounded v3(99);
  io::load_model(fixtures / "v3_dense_float.safetensors", v3);
  io::load_model(fixtures / "v3_dense_float.safetensors", encoder);
  CHECK_FALSE(encoder.scaler().active());
  CHECK(test::bit_equal(encoder.encode(x), v3.encode(x)));
}

TEST_CASE("a tied-decoder model's encoder file works", "[io][encoder_model]") {
  test::TempDir dir;
  Tied model(3);
  hg::Adam<double> adam;
  test::train_briefly(model, adam, 1, 16, 6);
  io::save_encoder(dir / "encoder.safetensors", model);
  const io::SafetensorsReader r(dir / "encoder.safetensors");
  CHECK(r.metadata("architecture") == "encoder: dense(6,3,sigmoid)");
  CHECK(r.tensors().size() == 2);  // encoder.0.weight and encoder.0.bias; no scaler
  hg::encoder_model_t<Tied> encoder;
  io::load_model(dir / "encoder.safetensors", encoder);
  const Eigen::MatrixXd x = test::uniform(6, 7, 8);
  CHECK(test::bit_equal(encoder.encode(x), model.encode(x)));
}

TEST_CASE("encoder files and whole models that do not fit are refused, showing both, the model unchanged", "[io][encoder_model]") {
  test::TempDir dir;
  const Bounded model = trained_with_scaler_and_threshold();
  io::save_encoder(dir / "encoder.safetensors", model);
  io::save_model(dir / "model.safetensors", model);

  Bounded whole(5);
  const Eigen::VectorXf before = whole.parameters().values;
  REQUIRE_THROWS_MATCHES(io::load_model(dir / "encoder.safetensors", whole), io::FileError,
                         test::Says({"encoder.safetensors: ", "holds only an encoder", "encoder: dense(6,4,relu) dense(4,2,identity)",
                                     "load it into hg::EncoderModel<Encoder<...>>", "hg::encoder_model_t<Model>"}));
  CHECK(whole.parameters().values == before);
  CHECK_FALSE(whole.scaler().active());

  hg::EncoderModel<hg::Encoder<hg::Dense<6, 4, hg::ELU>, hg::Dense<4, 2>>> other;
  for (const char* file : {"encoder.safetensors", "model.safetensors"}) {
    INFO(file);
    REQUIRE_THROWS_MATCHES(io::load_model(dir / file, other), io::FileError,
                           test::Says({"encoder differs from the model's", "file:  encoder: dense(6,4,relu) dense(4,2,identity)\n",
                                       "model: encoder: dense(6,4,elu) dense(4,2,identity)"}));
    CHECK(other.parameters().values.isZero(0));
    CHECK_FALSE(other.scaler().active());
  }
  hg::BasicEncoderModel<double, Bounded::encoder_type> wrong_scalar;
  REQUIRE_THROWS_MATCHES(io::load_model(dir / "encoder.safetensors", wrong_scalar), io::FileError,
                         test::Says({"holds float32 parameters but the model's scalar type is float64"}));
  io::SafetensorsWriter w;
  const io::SafetensorsReader r(dir / "encoder.safetensors");
  for (const auto& [k, v] : r.metadata()) w.set_metadata(k, v);
  w.set_metadata("part", "decoder");
  for (const auto& [name, info] : r.tensors()) w.add<float>(name, info.shape, r.elements<float>(name).data());
  w.save(dir / "decoder.safetensors");
  hg::encoder_model_t<Bounded> encoder;
  REQUIRE_THROWS_MATCHES(io::load_model(dir / "decoder.safetensors", encoder), io::FileError,
                         test::Says({"has metadata part 'decoder'; expected \"encoder\""}));
  CHECK(encoder.parameters().values.isZero(0));
}
