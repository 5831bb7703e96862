// Model files keep the scaler and the anomaly threshold (format_version 4): bit-exact round trips
// for every scaler kind and threshold method, older files (format_version 3, tests/fixtures/)
// load with neither, and a file whose scaler or threshold is damaged is refused naming what was
// expected and what came, the model left as it was.
#include <catch2/catch.hpp>

#include "bad_input.hpp"
#include "helpers.hpp"
#include "io_helpers.hpp"

#include <hourglass/io/safetensors.hpp>

#include <functional>
#include <limits>
#include <string>

namespace hg = hourglass;
namespace io = hourglass::io;

namespace {

const std::filesystem::path fixtures = HOURGLASS_FIXTURES_DIR;

/// Identity output: every scaler kind fits it.
template <class S>
using Open = hg::BasicAutoencoder<S, hg::Encoder<hg::Dense<5, 3, hg::Tanh>, hg::Dense<3, 2>>,
                                  hg::Decoder<hg::Dense<2, 3, hg::Tanh>, hg::Dense<3, 5>>>;
/// Sigmoid output: only min_max onto [0, 1] fits it.
using Bounded = hg::Autoencoder<hg::Encoder<hg::Dense<6, 4, hg::ReLU>, hg::Dense<4, 2>>,
                                hg::Decoder<hg::Dense<2, 4, hg::Tanh>, hg::Dense<4, 6, hg::Sigmoid>>>;

template <class S>
Eigen::Matrix<S, Eigen::Dynamic, Eigen::Dynamic> data(Eigen::Index rows, std::uint64_t seed) {
  return test::uniform(rows, 40, seed, -3.0, 7.0).cast<S>();
}

/// A copy of `from` with its metadata and tensors edited: `edit_metadata` changes the map,
/// `edit_tensors` may replace tensors (name -> shape and values as double, written in `dtype`).
struct Tensor {
  std::vector<std::int64_t> shape;
  std::vector<double> values;
  std::string dtype;
};
void rewrite(const std::filesystem::path& from, const std::filesystem::path& to,
             const std::function<void(std::map<std::string, std::string>&)>& edit_metadata,
             const std::function<void(std::map<std::string, Tensor>&)>& edit_tensors = {}) {
  const io::SafetensorsReader r(from);
  std::map<std::string, std::string> metadata = r.metadata();
  std::map<std::string, Tensor> tensors;
  for (const auto& [name, info] : r.tensors()) {
    Tensor t{info.shape, {}, info.dtype};
    if (info.dtype == "F32")
      for (const float v : r.elements<float>(name)) t.values.push_back(v);
    else
      t.values = r.elements<double>(name);
    tensors[name] = std::move(t);
  }
  edit_metadata(metadata);
  if (edit_tensors) edit_tensors(tensors);
  io::SafetensorsWriter w;
  for (const auto& [k, v] : metadata) w.set_metadata(k, v);
  for (const auto& [name, t] : tensors) {
    if (t.dtype == "F32") {
      const std::vector<float> f(t.values.begin(), t.values.end());
      w.add<float>(name, t.shape, f.data());
    } else {
      w.add<double>(name, t.shape, t.values.data());
    }
  }
  w.save(to);
}
void keep_tensors(std::map<std::string, std::string>&) {}

}  // namespace

TEMPLATE_TEST_CASE("every scaler kind round-trips bit for bit, and the file says which it is", "[io][scaler]", float, double) {
  using S = TestType;
  test::TempDir dir;
  const auto x = data<S>(5, 3);
  const hg::Scaler<S> scalers[] = {hg::Scaler<S>{}, hg::Scaler<S>::standardize(x), hg::Scaler<S>::min_max(x),
                                   hg::Scaler<S>::min_max(x, -1, 1, true), hg::Scaler<S>::min_max(x, 1.0 / 3, 2.5)};
  const char* described[] = {"none", "standardize", "min_max(0,1)", "min_max(-1,1,clip)", "min_max(0.3333333333333333,2.5)"};
  for (std::size_t k = 0; k < std::size(scalers); ++k) {
    INFO(described[k]);
    Open<S> a(1), b(2);
    a.set_scaler(scalers[k]);
    b.set_scaler(hg::Scaler<S>::standardize(data<S>(5, 9)));  // replaced by the file's
    io::save_model(dir / "m.safetensors", a);
    const io::SafetensorsReader r(dir / "m.safetensors");
    CHECK(r.metadata("format_version") == "4");
    CHECK(r.metadata("scaler") == described[k]);
    CHECK(r.has("scaler.scale") == scalers[k].active());
    CHECK(r.has("scaler.offset") == scalers[k].active());
    if (scalers[k].active()) {
      CHECK(r.info("scaler.scale").shape == std::vector<std::int64_t>{5});
      CHECK(r.info("scaler.offset").dtype == (std::is_same_v<S, float> ? "F32" : "F64"));
    }
    io::load_model(dir / "m.safetensors", b);
    CHECK(b.scaler().describe() == described[k]);
    CHECK(b.scaler().kind() == scalers[k].kind());
    CHECK(b.scaler().clips() == scalers[k].clips());
    CHECK(b.scaler().range().lo == scalers[k].range().lo);
    CHECK(b.scaler().range().hi == scalers[k].range().hi);
    CHECK(test::bit_equal(b.scaler().scale(), scalers[k].scale()));
    CHECK(test::bit_equal(b.scaler().offset(), scalers[k].offset()));
    CHECK(test::bit_equal(b.reconstruct(x), a.reconstruct(x)));
  }
}

TEST_CASE("Scaler::parse_description inverts describe() and refuses anything else", "[io][scaler]") {
  using Scaler = hg::Scaler<double>;
  const auto d = Scaler::parse_description("min_max(-0.5,1e+300,clip)");
  REQUIRE(d);
  CHECK(d->kind == Scaler::Kind::min_max);
  CHECK(d->range.lo == -0.5);
  CHECK(d->range.hi == 1e300);
  CHECK(d->clip);
  CHECK(Scaler::parse_description("standardize")->kind == Scaler::Kind::standardize);
  CHECK(Scaler::parse_description("none")->kind == Scaler::Kind::none);
  for (const char* bad : {"", "Standardize", "min_max", "min_max(0,1", "min_max(0,1))", "min_max(1,0)", "min_max(0,0)",
                          "min_max(0,inf)", "min_max(nan,1)", "min_max(0, 1)", "min_max(0,1,)", "min_max(0,1,clap)",
                          "min_max(0,1,2)", "min_max(,1)", "min_max(0x1,2)", " none"})
    CHECK_FALSE(Scaler::parse_description(bad));
}

TEMPLATE_TEST_CASE("every threshold method round-trips exactly; a file without one clears the model's", "[io][threshold]", float,
                   double) {
  using S = TestType;
  using Method = hg::AnomalyThreshold::Method;
  test::TempDir dir;
  const hg::AnomalyThreshold thresholds[] = {{Method::quantile, 0.99, 1.0 / 3, 5000},
                                             {Method::mean_plus_k_std, 3, 0.1 + 0.2, 17},
                                             {Method::fixed, 0, -2.5e-7, 0}};
  for (const auto& t : thresholds) {
    INFO(t.describe());
    Open<S> a(1), b(2);
    a.set_threshold(t);
    io::save_model(dir / "m.safetensors", a);
    const io::SafetensorsReader r(dir / "m.safetensors");
    CHECK(r.metadata("anomaly_threshold") == std::string(hg::method_name(t.method)));
    CHECK(r.metadata("anomaly_threshold_samples") == std::to_string(t.samples));
    io::load_model(dir / "m.safetensors", b);
    REQUIRE(b.threshold());
    CHECK(b.threshold()->method == t.method);
    CHECK(b.threshold()->value == t.value);  // 17 significant digits: the same double
    CHECK(b.threshold()->parameter == t.parameter);
    CHECK(b.threshold()->samples == t.samples);
  }
  Open<S> without(3), with(4);
  with.set_threshold(thresholds[0]);
  io::save_model(dir / "none.safetensors", without);
  const io::SafetensorsReader r(dir / "none.safetensors");
  CHECK(r.metadata().count("anomaly_threshold") == 0);
  CHECK(r.metadata("scaler") == "none");
  io::load_model(dir / "none.safetensors", with);
  CHECK_FALSE(with.threshold());
}

TEST_CASE("a format_version 3 file (the previous release) loads with no scaler and no threshold", "[io][scaler][threshold]") {
  // Written by the format_version 3 writer (commit fa9f3df) from Bounded(5); the outputs below are
  // what that build printed for the probe.
  Bounded model(99);
  const Eigen::MatrixXf x = data<float>(6, 1);
  model.set_scaler(hg::Scaler<float>::min_max(x));
  model.set_threshold({hg::AnomalyThreshold::Method::fixed, 0, 0.5, 0});
  io::load_model(fixtures / "v3_dense_float.safetensors", model);
  CHECK_FALSE(model.scaler().active());
  CHECK_FALSE(model.threshold());
  Eigen::MatrixXf probe = Eigen::MatrixXf::Constant(6, 1, 0.25f);
  probe(0) = 0.9f;
  probe(5) = 0.1f;
  const Eigen::MatrixXf back = model.reconstruct(probe), code = model.encode(probe);
  CHECK(back(0) == Approx(0.424374968).epsilon(1e-6));
  CHECK(back(5) == Approx(0.386194348).epsilon(1e-6));
  CHECK(code(0) == Approx(0.367494315).epsilon(1e-6));
  CHECK(code(1) == Approx(-0.434919536).epsilon(1e-6));
}

TEST_CASE("a damaged scaler or threshold is refused naming what was expected, the model unchanged", "[io][scaler][threshold]") {
  test::TempDir dir;
  const Eigen::MatrixXf x = data<float>(5, 3);
  Open<float> source(1);
  source.set_scaler(hg::Scaler<float>::standardize(x));
  source.set_threshold({hg::AnomalyThreshold::Method::quantile, 0.95, 0.25, 40});
  io::save_model(dir / "good.safetensors", source);

  Open<float> model(7);
  model.set_scaler(hg::Scaler<float>::min_max(x, -1, 1));
  model.set_threshold({hg::AnomalyThreshold::Method::fixed, 0, 2, 0});
  const Eigen::VectorXf parameters = model.parameters().values;
  const auto refused = [&](const std::string& name, const auto& edit_metadata, const auto& edit_tensors,
                           std::initializer_list<std::string> says) {
    INFO(name);
    const auto path = dir / (name + ".safetensors");
    rewrite(dir / "good.safetensors", path, edit_metadata, edit_tensors);
    REQUIRE_THROWS_MATCHES(io::load_model(path, model), io::FileError, test::Says(says));
    CHECK(model.parameters().values == parameters);
    CHECK(model.scaler().describe() == "min_max(-1,1)");
    CHECK(model.threshold()->value == 2);
  };
  using Metadata = std::map<std::string, std::string>;
  using Tensors = std::map<std::string, Tensor>;
  const auto no_edit = [](Tensors&) {};
  const auto meta = [](const char* key, const char* value) {
    return [=](Metadata& m) { m[key] = value; };
  };

  refused("truncated_scaler", meta("scaler", "min_max(0,1"), no_edit,
          {"has metadata scaler 'min_max(0,1'", "expected \"none\", \"standardize\", \"min_max(lo,hi)\""});
  refused("no_scaler_entry", [](Metadata& m) { m.erase("scaler"); }, no_edit,
          {"format_version 4 file without metadata 'scaler'"});
  refused("scaler_none_with_tensors", meta("scaler", "none"), no_edit, {"metadata scaler 'none' but holds a tensor 'scaler.scale'"});
  refused("missing_offset", keep_tensors, [](Tensors& t) { t.erase("scaler.offset"); },
          {"metadata scaler 'standardize' but no tensor 'scaler.offset'", "expected [5] of F32"});
  refused("short_scale", keep_tensors, [](Tensors& t) { t["scaler.scale"] = {{4}, {1, 1, 1, 1}, "F32"}; },
          {"tensor 'scaler.scale' has shape [4] but [5] is expected"});
  refused("double_scale", keep_tensors, [](Tensors& t) { t["scaler.scale"].dtype = "F64"; },
          {"tensor 'scaler.scale' is F64 but F32 is expected"});
  refused("zero_scale", keep_tensors, [](Tensors& t) { t["scaler.scale"].values[2] = 0; },
          {"holds a scaler the model cannot use", "feature 2 has scale 0"});
  refused("nan_scale", keep_tensors,
          [](Tensors& t) { t["scaler.scale"].values[1] = std::numeric_limits<double>::quiet_NaN(); },
          {"tensor 'scaler.scale' holds NaN or Inf at [1]"});
  refused("unknown_method", meta("anomaly_threshold", "median"), no_edit,
          {"has metadata anomaly_threshold 'median'", "expected \"quantile\", \"mean_plus_k_std\" or \"fixed\""});
  refused("truncated_value", meta("anomaly_threshold_value", "0.2x"), no_edit,
          {"has metadata anomaly_threshold_value '0.2x'; expected a finite number"});
  refused("empty_parameter", meta("anomaly_threshold_parameter", ""), no_edit,
          {"has metadata anomaly_threshold_parameter ''; expected a finite number"});
  refused("infinite_value", meta("anomaly_threshold_value", "inf"), no_edit, {"anomaly_threshold_value 'inf'; expected a finite"});
  refused("negative_samples", meta("anomaly_threshold_samples", "-3"), no_edit,
          {"anomaly_threshold_samples '-3'; expected a count"});
  refused("incomplete_threshold", [](Metadata& m) { m.erase("anomaly_threshold_samples"); }, no_edit,
          {"incomplete anomaly threshold", "but not anomaly_threshold_samples"});
  refused("future_version", meta("format_version", "5"), no_edit, {"has format_version '5'; this hourglass reads versions 1 to 4"});

  // A scaler the output activation cannot reach (standardised targets under a sigmoid) is the
  // file's fault too: set_scaler's own check, reported as a FileError.
  Bounded bounded(1), target(2);
  io::save_model(dir / "bounded.safetensors", bounded);
  rewrite(dir / "bounded.safetensors", dir / "standardized.safetensors", meta("scaler", "standardize"), [](Tensors& t) {
    t["scaler.scale"] = {{6}, {1, 1, 1, 1, 1, 1}, "F32"};
    t["scaler.offset"] = {{6}, {0, 0, 0, 0, 0, 0}, "F32"};
  });
  const Eigen::VectorXf before = target.parameters().values;
  REQUIRE_THROWS_MATCHES(io::load_model(dir / "standardized.safetensors", target), io::FileError,
                         test::Says({"holds a scaler the model cannot use", "output activation (sigmoid)"}));
  CHECK(target.parameters().values == before);
  CHECK_FALSE(target.scaler().active());
}

TEST_CASE("load_state_dict still reads plain files, and names the scaler's tensors it cannot place", "[io][scaler]") {
  test::TempDir dir;
  Open<float> source(1), target(2);
  io::save_model(dir / "plain.safetensors", source);
  io::load_state_dict(dir / "plain.safetensors", target);
  CHECK(target.parameters().values == source.parameters().values);

  source.set_scaler(hg::Scaler<float>::standardize(data<float>(5, 3)));
  io::save_model(dir / "scaled.safetensors", source);
  Open<float> untouched(3);
  const Eigen::VectorXf before = untouched.parameters().values;
  REQUIRE_THROWS_MATCHES(io::load_state_dict(dir / "scaled.safetensors", untouched), io::FileError,
                         test::Says({"has a tensor 'scaler.", "an hourglass file's scaler loads with io::load_model"}));
  CHECK(untouched.parameters().values == before);
  // Filtered out, as a PyTorch user would drop the buffers, the rest loads; the scaler stays the model's.
  rewrite(dir / "scaled.safetensors", dir / "filtered.safetensors", keep_tensors, [](std::map<std::string, Tensor>& t) {
    t.erase("scaler.scale");
    t.erase("scaler.offset");
  });
  io::load_state_dict(dir / "filtered.safetensors", untouched);
  CHECK(untouched.parameters().values == source.parameters().values);
  CHECK_FALSE(untouched.scaler().active());
}
