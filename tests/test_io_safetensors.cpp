// safetensors: bit-exact round trips (float, double, optimizer state), the architecture check,
// clear errors for damaged files, and atomic writes.
#include <catch2/catch.hpp>

#include "helpers.hpp"
#include "io_helpers.hpp"

#include <hourglass/io/safetensors.hpp>

#include <algorithm>
#include <cstring>
#include <map>
#include <string>

namespace hg = hourglass;
namespace io = hourglass::io;
using Catch::Matchers::Contains;

namespace {

template <class S>
using Model = hg::BasicAutoencoder<S, hg::Encoder<hg::Dense<6, 4, hg::ReLU>, hg::Dense<4, 2>>,
                                   hg::Decoder<hg::Dense<2, 4, hg::Tanh>, hg::Dense<4, 6, hg::Sigmoid>>>;
using Wider = hg::Autoencoder<hg::Encoder<hg::Dense<6, 5, hg::ReLU>, hg::Dense<5, 2>>,
                              hg::Decoder<hg::Dense<2, 5, hg::Tanh>, hg::Dense<5, 6, hg::Sigmoid>>>;
using OtherActivation = hg::Autoencoder<hg::Encoder<hg::Dense<6, 4, hg::ELU>, hg::Dense<4, 2>>,
                                        hg::Decoder<hg::Dense<2, 4, hg::Tanh>, hg::Dense<4, 6, hg::Sigmoid>>>;

/// A policy with no hooks, only a name and a description (as the variant policies provide).
struct NamedPolicy {
  [[maybe_unused]] static constexpr std::string_view name = "named";
  double strength = 0.5;
  std::string describe() const { return "named(strength=" + std::to_string(strength) + ")"; }
};
using WithPolicy = hg::Autoencoder<hg::Encoder<hg::Dense<6, 4, hg::ReLU>, hg::Dense<4, 2>>,
                                   hg::Decoder<hg::Dense<2, 4, hg::Tanh>, hg::Dense<4, 6, hg::Sigmoid>>, NamedPolicy>;

template <class V>
bool bit_equal(const V& a, const V& b) {
  return a.size() == b.size() &&
         std::memcmp(a.data(), b.data(), static_cast<std::size_t>(a.size()) * sizeof(typename V::Scalar)) == 0;
}

template <class S>
void train_a_little(Model<S>& model, auto& optimizer, int epochs) {
  test::train_briefly(model, optimizer, epochs, 40, 9);
}

}  // namespace

TEMPLATE_TEST_CASE("save_model / load_model round-trip bit-exactly", "[io][safetensors]", float, double) {
  test::TempDir dir;
  Model<TestType> a(1), b(2);
  hg::Adam<TestType> adam;
  train_a_little(a, adam, 2);
  REQUIRE_FALSE(bit_equal(a.parameters().values, b.parameters().values));
  io::save_model(dir / "m.safetensors", a, {{"note", "hello"}});
  io::load_model(dir / "m.safetensors", b);
  CHECK(bit_equal(a.parameters().values, b.parameters().values));

  const io::SafetensorsReader r(dir / "m.safetensors");
  CHECK(r.metadata("note") == "hello");
  CHECK(r.metadata("scalar") == (std::is_same_v<TestType, float> ? "float32" : "float64"));
  CHECK(r.metadata("format_version") == "4");
  CHECK(r.metadata("architecture") ==
        "encoder: dense(6,4,relu) dense(4,2,identity) | decoder: dense(2,4,tanh) dense(4,6,sigmoid)");
  CHECK(r.metadata("policies") == "none");
  // PyTorch's layout: weight [out, in], row-major.
  CHECK(r.info("encoder.0.weight").shape == std::vector<std::int64_t>{4, 6});
  CHECK(r.info("decoder.2.bias").shape == std::vector<std::int64_t>{6});
  CHECK(r.info("encoder.0.weight").dtype == (std::is_same_v<TestType, float> ? "F32" : "F64"));
  const auto w = r.elements<TestType>("encoder.0.weight");
  CHECK(w[1] == a.template weights<0>()(0, 1));  // row 0, column 1
  CHECK(w[6] == a.template weights<0>()(1, 0));  // row 1, column 0
}

TEMPLATE_TEST_CASE("optimizer state round-trips, so training resumes identically", "[io][safetensors]", float, double) {
  test::TempDir dir;
  SECTION("adam") {
    Model<TestType> a(1), b(5);
    hg::Adam<TestType> adam_a({.learning_rate = 1e-2}), adam_b({.learning_rate = 1e-2});
    train_a_little(a, adam_a, 2);
    io::save_model(dir / "ckpt.safetensors", a, adam_a);
    io::load_model(dir / "ckpt.safetensors", b, adam_b);
    CHECK(adam_b.steps() == adam_a.steps());
    CHECK(bit_equal(adam_a.first_moment(), adam_b.first_moment()));
    // Same model RNG state is needed for the same shuffles: copy it by re-seeding both.
    a.reseed(7);
    b.reseed(7);
    train_a_little(a, adam_a, 1);
    train_a_little(b, adam_b, 1);
    CHECK(bit_equal(a.parameters().values, b.parameters().values));
  }
  SECTION("rmsprop with momentum") {
    Model<TestType> a(1), b(5);
    hg::RMSprop<TestType> opt_a({.learning_rate = 1e-3, .momentum = 0.9}), opt_b({.learning_rate = 1e-3, .momentum = 0.9});
    train_a_little(a, opt_a, 2);
    io::save_model(dir / "ckpt.safetensors", a, opt_a);
    io::load_model(dir / "ckpt.safetensors", b, opt_b);
    a.reseed(7);
    b.reseed(7);
    train_a_little(a, opt_a, 1);
    train_a_little(b, opt_b, 1);
    CHECK(bit_equal(a.parameters().values, b.parameters().values));
  }
  SECTION("loading optimizer state from a file without it is refused") {
    Model<TestType> a(1);
    hg::Adam<TestType> adam;
    io::save_model(dir / "plain.safetensors", a);
    CHECK_THROWS_WITH(io::load_model(dir / "plain.safetensors", a, adam), Contains("holds no optimizer state"));
    io::save_model(dir / "rms.safetensors", a, hg::RMSprop<TestType>{});
    CHECK_THROWS_WITH(io::load_model(dir / "rms.safetensors", a, adam),
                      Contains("holds rmsprop state but a adam optimizer was given"));
  }
}

TEST_CASE("a file with another architecture or scalar type is refused, showing both", "[io][safetensors]") {
  test::TempDir dir;
  Model<float> a(1);
  io::save_model(dir / "m.safetensors", a);
  Wider wider(1);
  const auto before = wider.parameters().values;
  try {
    io::load_model(dir / "m.safetensors", wider);
    FAIL("loaded into a different architecture");
  } catch (const io::FileError& e) {
    const std::string m = e.what();
    CHECK_THAT(m, Contains("m.safetensors: architecture differs from the model's"));
    CHECK_THAT(m, Contains("file:  encoder: dense(6,4,relu) dense(4,2,identity)"));
    CHECK_THAT(m, Contains("model: encoder: dense(6,5,relu) dense(5,2,identity)"));
  }
  CHECK(bit_equal(before, wider.parameters().values));  // untouched
  OtherActivation elu(1);
  CHECK_THROWS_WITH(io::load_model(dir / "m.safetensors", elu), Contains("model: encoder: dense(6,4,elu)"));
  Model<double> d(1);
  CHECK_THROWS_WITH(io::load_model(dir / "m.safetensors", d),
                    Contains("holds float32 parameters but the model's scalar type is float64"));
}

TEST_CASE("policies are recorded, and a model trained with them loads into the plain model for inference",
          "[io][safetensors]") {
  test::TempDir dir;
  WithPolicy a(1, NamedPolicy{}), b(2, NamedPolicy{});
  io::save_model(dir / "p.safetensors", a);
  const io::SafetensorsReader r(dir / "p.safetensors");
  CHECK(r.metadata("policies") == "named(strength=0.500000)");
  CHECK_THAT(r.metadata("architecture"), !Contains("named"));
  io::load_model(dir / "p.safetensors", b);
  CHECK(bit_equal(a.parameters().values, b.parameters().values));
  Model<float> plain(3);
  io::load_model(dir / "p.safetensors", plain);  // same layers, no policies: fine
  CHECK(bit_equal(a.parameters().values, plain.parameters().values));
}

TEST_CASE("truncated files and garbage headers give clear errors", "[io][safetensors]") {
  test::TempDir dir;
  Model<float> a(1);
  io::save_model(dir / "m.safetensors", a);
  const auto good = test::read_raw(dir / "m.safetensors");

  auto check = [&](const std::vector<unsigned char>& bytes, const std::string& what) {
    test::write_raw(dir / "bad.safetensors", bytes);
    Model<float> b(2);
    const auto before = b.parameters().values;
    try {
      io::load_model(dir / "bad.safetensors", b);
      FAIL("accepted a bad file, expected: " << what);
    } catch (const io::FileError& e) {
      CHECK_THAT(e.what(), Contains("bad.safetensors: ") && Contains(what));
    }
    CHECK(bit_equal(before, b.parameters().values));
  };
  check({good.begin(), good.begin() + 5}, "truncated: 5 bytes, fewer than the 8-byte header length");
  check({good.begin(), good.begin() + 40}, "truncated: the header length says");
  check({good.begin(), good.end() - 4}, "truncated: tensor");
  auto longer = good;
  longer.push_back(0);
  check(longer, "size mismatch: the tensors cover");

  auto garbage = good;
  for (std::size_t i = 8; i < 40; ++i) garbage[i] = static_cast<unsigned char>('#');
  check(garbage, "garbage header: not valid JSON");
  auto huge = good;
  huge[7] = 0x7f;
  check(huge, "garbage header: header length");
  std::vector<unsigned char> array_header{2, 0, 0, 0, 0, 0, 0, 0, '[', ']'};
  check(array_header, "garbage header: the JSON header is not an object");

  // A valid safetensors file that is not an hourglass model.
  io::SafetensorsWriter w;
  const float one = 1;
  w.add<float>("x", {1}, &one);
  w.save(dir / "bad.safetensors");
  check(test::read_raw(dir / "bad.safetensors"), "is not an hourglass model");
}

TEST_CASE("writes are atomic: a failed save leaves the previous file intact", "[io][safetensors]") {
  test::TempDir dir;
  test::write_raw(dir / "keep.bin", {1, 2, 3});
  CHECK_THROWS_WITH(io::write_atomically(dir / "keep.bin",
                                         [](std::FILE* f) {
                                           io::write_bytes(f, "partial", 7);
                                           throw std::runtime_error("simulated crash");
                                         }),
                    Contains("keep.bin") && Contains("simulated crash"));
  CHECK(test::read_raw(dir / "keep.bin") == std::vector<unsigned char>{1, 2, 3});
  int files = 0;
  for ([[maybe_unused]] const auto& e : std::filesystem::directory_iterator(dir.path())) ++files;
  CHECK(files == 1);  // no temporary file left behind
  Model<float> a(1);
  CHECK_THROWS_AS(io::save_model(dir / "no-such-folder" / "m.safetensors", a), io::FileError);
}

TEMPLATE_TEST_CASE("save_pca / load_pca round-trip bit-exactly", "[io][safetensors][pca]", float, double) {
  test::TempDir dir;
  const Eigen::Matrix<TestType, -1, -1> x = test::uniform(8, 50, 4).cast<TestType>();
  hg::PCA<TestType> pca(3);
  pca.fit(x);
  io::save_pca(dir / "pca.safetensors", pca, {{"dataset", "random"}});
  const auto back = io::load_pca<TestType>(dir / "pca.safetensors");
  CHECK(back.components() == pca.components());
  CHECK(back.mean() == pca.mean());
  CHECK(back.explained_variance() == pca.explained_variance());
  CHECK(back.total_variance() == pca.total_variance());
  CHECK(back.samples_seen() == 50);
  CHECK(back.reconstruct(x) == pca.reconstruct(x));
  const io::SafetensorsReader r(dir / "pca.safetensors");
  CHECK(r.info("components").shape == std::vector<std::int64_t>{3, 8});  // scikit-learn's layout
  Model<TestType> m(1);
  CHECK_THROWS_WITH(io::load_model(dir / "pca.safetensors", m), Contains("is not an hourglass model"));
  io::save_model(dir / "m.safetensors", m);
  CHECK_THROWS_WITH(io::load_pca<TestType>(dir / "m.safetensors"), Contains("is not an hourglass PCA"));
}

// Every writer keeps its reader's rules: SafetensorsWriter accepted a tensor named __metadata__,
// the same name twice and negative dimensions, and save() wrote files its own reader refused.
TEST_CASE("regression: the safetensors writer refuses, before writing, what its reader would refuse", "[io][safetensors]") {
  test::TempDir dir;
  const std::vector<float> data(12, 1.5f);
  io::SafetensorsWriter w;
  CHECK_THROWS_WITH(w.add<float>("__metadata__", {2}, data.data()), Contains("cannot be named \"__metadata__\""));
  w.add<float>("a", {3, 4}, data.data());
  CHECK_THROWS_WITH(w.add<float>("a", {2}, data.data()), Contains("tensor 'a' was added already"));
  CHECK_THROWS_WITH(w.add<float>("b", {-3, -4}, data.data()), Contains("tensor 'b' has a negative dimension (-3)"));
  CHECK_THROWS_WITH(w.add<float>("c", {std::int64_t{1} << 40, std::int64_t{1} << 40}, data.data()),
                    Contains("size overflows"));
  w.save(dir / "ok.safetensors");  // what was accepted reads back
  const io::SafetensorsReader r(dir / "ok.safetensors");
  CHECK(r.elements<float>("a") == data);
  CHECK_FALSE(r.has("b"));
}

TEST_CASE("property: whatever the writer accepts, the reader reads back unchanged", "[io][safetensors][property]") {
  test::TempDir dir;
  hg::Random rng(17);
  const std::vector<std::string> names{"x", "encoder.0.weight", "__metadata__", "", "a b", "ünï", "x"};
  for (int trial = 0; trial < 200; ++trial) {
    io::SafetensorsWriter w;
    std::map<std::string, std::pair<std::vector<std::int64_t>, std::vector<double>>> accepted;
    const int tensors = static_cast<int>(rng.below(5));
    for (int t = 0; t < tensors; ++t) {
      const std::string name = names[rng.below(names.size())] + (rng.below(2) ? std::to_string(t) : "");
      std::vector<std::int64_t> shape(rng.below(4));
      std::int64_t count = 1;
      for (auto& d : shape) {
        d = static_cast<std::int64_t>(rng.below(5)) - (rng.below(8) == 0 ? 3 : 0);  // sometimes negative
        count *= std::max<std::int64_t>(d, 0);
      }
      std::vector<double> values(static_cast<std::size_t>(count));
      for (auto& v : values) v = rng.normal();
      try {
        w.add<double>(name, shape, values.data());
        accepted[name] = {shape, values};
      } catch (const std::invalid_argument&) {
        const bool negative = std::any_of(shape.begin(), shape.end(), [](auto d) { return d < 0; });
        CHECK((name == "__metadata__" || accepted.count(name) > 0 || negative));
      }
    }
    w.set_metadata("trial", std::to_string(trial));
    w.save(dir / "p.safetensors");
    const io::SafetensorsReader r(dir / "p.safetensors");  // never refused
    CHECK(r.metadata("trial") == std::to_string(trial));
    for (const auto& [name, sv] : accepted) {
      CHECK(r.info(name).shape == sv.first);
      CHECK(r.elements<double>(name) == sv.second);
    }
  }
}
