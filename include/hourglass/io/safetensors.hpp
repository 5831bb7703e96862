// hourglass/io/safetensors.hpp — models (and optimizer state) in the safetensors format.
//
// Not part of the core umbrella header (it needs nlohmann/json: link hourglass::io).
//
// The file: an 8-byte little-endian header length N, N bytes of JSON, then the raw little-endian
// tensor data. The JSON maps each tensor's name to {"dtype": "F32"|"F64", "shape": [...],
// "data_offsets": [begin, end]} (offsets into the data that follows the header) and holds string
// key/values under "__metadata__". Python opens it with the `safetensors` package, or with numpy
// alone (tests/python/check_safetensors.py shows how).
//
// Model tensors: every parameter block a layer stores itself (core/layer.hpp), in PyTorch's
// shapes and row-major order, named as a PyTorch module with `encoder` and `decoder`
// nn.Sequential members would name them in its state_dict — <encoder|decoder>.<module>.<block>,
// where each activation other than Identity is a module of its own after its layer:
//   Encoder<Conv2D<.., ReLU>, Flatten<..>, Dense<..>>  ->  encoder.0.weight [out, in, kh, kw],
//   encoder.0.bias, (encoder.1 = ReLU), (encoder.2 = Flatten), encoder.3.weight [out, in], encoder.3.bias
//   a TiedDense layer stores its bias only (its weight is encoder layer K's, not stored twice)
// (Eigen stores Dense's W column-major, so such blocks are transposed on the way in and out.)
// load_state_dict reads such a file written by PyTorch.
// Metadata: format "hourglass", format_version "4", scalar "float32"/"float64", architecture
// (every layer's describe(): kind, sizes, activation, the layer a tied one uses; compared on
// load), policies (each policy's describe(); recorded, not compared: penalties and corruption
// only shape training, so a sparse or denoising model loads into the plain model with the same
// layers), optimizer, optimizer_steps and optimizer_learning_rate when its state was saved, plus
// whatever the caller adds. Loading a file whose layers or scalar type differ from the model's
// throws io::FileError showing both.
// Preprocessing and threshold (format_version 4; an Autoencoder's, not a VAE's, which has none):
// metadata scaler = Scaler::describe() ("none", "standardize", "min_max(lo,hi)",
// "min_max(lo,hi,clip)") and, unless "none", tensors scaler.scale and scaler.offset [input_size]
// in the model's dtype — y = (x - offset) * scale + base, base = lo for min_max, 0 for
// standardize; when the model has an anomaly threshold, metadata anomaly_threshold (the method:
// "quantile", "mean_plus_k_std", "fixed"), anomaly_threshold_value and anomaly_threshold_parameter
// (17 significant digits) and anomaly_threshold_samples. load_model restores both (and clears
// what the file does not hold). A PyTorch module reads such a file with load_state_dict if it
// registers buffers of those names (self.scaler = nn.Module(); self.scaler.register_buffer(
// "scale", ...); ... "offset") or after dropping the scaler.* entries
// ({k: v for k, v in sd.items() if not k.startswith("scaler.")}); io::load_state_dict, the
// other way, refuses scaler.* tensors (they carry no kind): use load_model for hourglass files.
// Encoder files (save_encoder): metadata part "encoder", the encoder's architecture line, its
// tensors (named as in the whole file) and the scaler; they load into an EncoderModel
// (model/encoder_model.hpp), which also loads a whole model's file (its encoder part); a whole
// model refuses them.
// Files of format_version 1 and 2 (which numbered layers, not modules: encoder.<layer>.<block>)
// and 3 still load, with no scaler and no threshold.
//
// Non-finite numbers are refused both ways: save_model throws std::invalid_argument (and writes
// nothing, so a previous file stays) when a parameter or an optimizer state entry is NaN or Inf —
// a diverged model is never saved silently; load_model throws io::FileError for such a file.
//
//   hourglass::io::save_model("model.safetensors", model);                // atomic
//   hourglass::io::save_model("ckpt.safetensors", model, adam);           // + Adam's state, to resume
//   hourglass::io::load_model("model.safetensors", model);                // checks the architecture
//   hourglass::io::load_model("ckpt.safetensors", model, adam);           // state, steps, learning rate
//   hourglass::io::load_state_dict("torch.safetensors", model);           // a PyTorch state_dict
//   hourglass::io::save_encoder("encoder.safetensors", model);            // the encoder alone
//   hourglass::io::load_model("encoder.safetensors", encoder_model);      // hg::encoder_model_t<Model>
#pragma once

#include "../baselines/pca.hpp"
#include "../core/config.hpp"
#include "../core/layer.hpp"
#include "../core/static_for.hpp"
#include "../model/scaler.hpp"
#include "../model/threshold.hpp"
#include "../training/optimizers/optimizer.hpp"
#include "file.hpp"

#include <Eigen/Core>
#include <nlohmann/json.hpp>

#include <algorithm>
#include <array>
#include <bit>
#include <charconv>
#include <cmath>
#include <cstdint>
#include <cstring>
#include <filesystem>
#include <limits>
#include <iomanip>
#include <map>
#include <optional>
#include <set>
#include <stdexcept>
#include <string>
#include <string_view>
#include <tuple>
#include <type_traits>
#include <utility>
#include <vector>

namespace hourglass::io {

static_assert(std::endian::native == std::endian::little,
              "hourglass/io/safetensors.hpp writes the host's bytes as little-endian data");

/// The safetensors dtype name of a scalar type.
template <class Scalar>
constexpr std::string_view safetensors_dtype() {
  static_assert(std::is_same_v<Scalar, float> || std::is_same_v<Scalar, double>, "only float and double are stored");
  return std::is_same_v<Scalar, float> ? "F32" : "F64";
}
template <class Scalar>
constexpr std::string_view scalar_name() {
  return std::is_same_v<Scalar, float> ? "float32" : "float64";
}

/// One tensor's entry in the header.
struct TensorInfo {
  std::string dtype;
  std::vector<std::int64_t> shape;
  std::size_t begin = 0, end = 0;  ///< offsets into the data section
};

namespace detail {
/// Whether s is well-formed UTF-8 (what a JSON header must hold; RFC 3629: no overlong forms,
/// no surrogates, nothing above U+10FFFF).
inline bool is_utf8(std::string_view s) {
  std::size_t i = 0;
  while (i < s.size()) {
    const auto c = static_cast<unsigned char>(s[i]);
    std::size_t n = 0;
    std::uint32_t cp = 0;
    if (c < 0x80) {
      ++i;
      continue;
    }
    if ((c & 0xE0) == 0xC0) {
      n = 1;
      cp = c & 0x1Fu;
    } else if ((c & 0xF0) == 0xE0) {
      n = 2;
      cp = c & 0x0Fu;
    } else if ((c & 0xF8) == 0xF0) {
      n = 3;
      cp = c & 0x07u;
    } else {
      return false;
    }
    if (i + n >= s.size()) return false;  // cut short
    for (std::size_t k = 1; k <= n; ++k) {
      const auto d = static_cast<unsigned char>(s[i + k]);
      if ((d & 0xC0) != 0x80) return false;
      cp = (cp << 6) | (d & 0x3F);
    }
    static constexpr std::uint32_t smallest[4] = {0, 0x80, 0x800, 0x10000};
    if (cp < smallest[n] || cp > 0x10FFFF || (cp >= 0xD800 && cp <= 0xDFFF)) return false;
    i += n + 1;
  }
  return true;
}
}  // namespace detail

/// Collects tensors and metadata, then writes one safetensors file atomically.
class SafetensorsWriter {
 public:
  /// Adds a tensor from `count` scalars in row-major order for `shape`.
  /// Refuses (std::invalid_argument, nothing added) what SafetensorsReader would refuse: the name
  /// "__metadata__", a name already added, a negative dimension, a size that overflows.
  template <class Scalar>
  void add(const std::string& name, std::vector<std::int64_t> shape, const Scalar* data) {
    hourglass::detail::require(name != "__metadata__",
                               "SafetensorsWriter: a tensor cannot be named \"__metadata__\" (the header's metadata entry)");
    hourglass::detail::require(detail::is_utf8(name), "SafetensorsWriter: a tensor name must be UTF-8 text (the header is JSON)");
    for (const auto& [existing, e] : entries_)
      hourglass::detail::require(existing != name, "SafetensorsWriter: tensor '", name, "' was added already");
    std::int64_t count = 1;
    for (const auto d : shape) {
      hourglass::detail::require(d >= 0, "SafetensorsWriter: tensor '", name, "' has a negative dimension (", d, ")");
      hourglass::detail::require(d == 0 || count <= std::numeric_limits<std::int64_t>::max() / 16 / d,
                                 "SafetensorsWriter: tensor '", name, "' has a shape whose size overflows");
      count *= d;
    }
    const std::size_t bytes = static_cast<std::size_t>(count) * sizeof(Scalar);
    Entry e{std::string(safetensors_dtype<Scalar>()), std::move(shape), std::vector<unsigned char>(bytes)};
    if (bytes > 0) std::memcpy(e.bytes.data(), data, bytes);
    entries_.emplace_back(name, std::move(e));
  }
  /// A 1-D tensor from an Eigen vector.
  template <class D>
  void add_vector(const std::string& name, const Eigen::MatrixBase<D>& v) {
    using Scalar = typename D::Scalar;
    const Vector<Scalar> copy = v;
    add<Scalar>(name, {static_cast<std::int64_t>(copy.size())}, copy.data());
  }
  /// A 2-D tensor [rows, cols], stored row-major from an Eigen (column-major) matrix.
  template <class D>
  void add_matrix(const std::string& name, const Eigen::MatrixBase<D>& m) {
    using Scalar = typename D::Scalar;
    const Eigen::Matrix<Scalar, Eigen::Dynamic, Eigen::Dynamic, Eigen::RowMajor> rm = m;
    add<Scalar>(name, {static_cast<std::int64_t>(rm.rows()), static_cast<std::int64_t>(rm.cols())}, rm.data());
  }
  /// Refuses (std::invalid_argument) a key or value that is not UTF-8 text: the header is JSON.
  void set_metadata(const std::string& key, const std::string& value) {
    hourglass::detail::require(detail::is_utf8(key) && detail::is_utf8(value),
                               "SafetensorsWriter: metadata keys and values must be UTF-8 text (the header is JSON)");
    metadata_[key] = value;
  }

  /// The whole file as bytes.
  std::vector<unsigned char> serialize() const {
    nlohmann::ordered_json header = nlohmann::ordered_json::object();
    if (!metadata_.empty()) header["__metadata__"] = metadata_;
    std::size_t offset = 0;
    for (const auto& [name, e] : entries_) {
      header[name] = {{"dtype", e.dtype}, {"shape", e.shape}, {"data_offsets", {offset, offset + e.bytes.size()}}};
      offset += e.bytes.size();
    }
    std::string text = header.dump();
    text.append((8 - text.size() % 8) % 8, ' ');  // keeps the data 8-byte aligned
    std::vector<unsigned char> out(8 + text.size() + offset);
    const std::uint64_t n = text.size();
    for (int i = 0; i < 8; ++i) out[static_cast<std::size_t>(i)] = static_cast<unsigned char>(n >> (8 * i));
    std::memcpy(out.data() + 8, text.data(), text.size());
    std::size_t at = 8 + text.size();
    for (const auto& [name, e] : entries_) {
      if (!e.bytes.empty()) std::memcpy(out.data() + at, e.bytes.data(), e.bytes.size());
      at += e.bytes.size();
    }
    return out;
  }

  /// Writes the file atomically (temporary file in the same folder, fsync, rename).
  void save(const std::filesystem::path& path) const {
    const auto bytes = serialize();
    write_atomically(path, [&](std::FILE* f) { write_bytes(f, bytes.data(), bytes.size()); });
  }

 private:
  struct Entry {
    std::string dtype;
    std::vector<std::int64_t> shape;
    std::vector<unsigned char> bytes;
  };
  std::vector<std::pair<std::string, Entry>> entries_;
  std::map<std::string, std::string> metadata_;
};

/// Reads and validates a whole safetensors file; tensors are then read by name.
class SafetensorsReader {
 public:
  /// Header larger than this is refused (the format's own reference reader uses 100 MB).
  static constexpr std::uint64_t max_header_bytes = 100'000'000;

  explicit SafetensorsReader(std::filesystem::path path) : path_(std::move(path)) {
    bytes_ = detail::read_all(path_);
    if (bytes_.size() < 8) fail(hourglass::detail::message("truncated: ", bytes_.size(), " bytes, fewer than the 8-byte header length"));
    std::uint64_t n = 0;
    for (int i = 7; i >= 0; --i) n = (n << 8) | bytes_[static_cast<std::size_t>(i)];
    if (n > max_header_bytes) fail(hourglass::detail::message("garbage header: header length ", n, " exceeds the 100 MB limit (not a safetensors file?)"));
    if (n > bytes_.size() - 8)
      fail(hourglass::detail::message("truncated: the header length says ", n, " bytes but only ", bytes_.size() - 8, " follow"));
    if (n < 2) fail("garbage header: empty JSON header");
    data_offset_ = 8 + static_cast<std::size_t>(n);
    const std::size_t data_size = bytes_.size() - data_offset_;
    nlohmann::json header;
    // JSON parsers keep the last of two equal keys silently; the format forbids them, and a
    // repeated tensor name must be reported as what it is, so the parse watches every object's keys.
    std::vector<std::set<std::string>> open_objects;
    std::string duplicate;
    int duplicate_depth = 0;
    const nlohmann::json::parser_callback_t watch_keys = [&](int depth, nlohmann::json::parse_event_t event,
                                                             nlohmann::json& parsed) {
      using Event = nlohmann::json::parse_event_t;
      if (event == Event::object_start) {
        open_objects.emplace_back();
      } else if (event == Event::object_end) {
        if (!open_objects.empty()) open_objects.pop_back();
      } else if (event == Event::key && !open_objects.empty() && duplicate.empty()) {
        std::string key = parsed.get<std::string>();
        if (!open_objects.back().insert(key).second) {
          duplicate = std::move(key);
          duplicate_depth = depth;
        }
      }
      return true;
    };
    try {
      header = nlohmann::json::parse(bytes_.begin() + 8, bytes_.begin() + static_cast<std::ptrdiff_t>(data_offset_), watch_keys);
    } catch (const nlohmann::json::exception& e) {
      fail(hourglass::detail::message("garbage header: not valid JSON (", e.what(), ")"));
    }
    if (!duplicate.empty())
      fail(duplicate_depth <= 1 ? "garbage header: the name '" + duplicate + "' appears twice"
                                : "garbage header: the key '" + duplicate + "' appears twice in one entry");
    if (!header.is_object()) fail("garbage header: the JSON header is not an object");
    std::vector<std::pair<std::size_t, std::size_t>> ranges;
    for (auto it = header.begin(); it != header.end(); ++it) {
      const std::string& name = it.key();
      const auto& v = it.value();
      if (name == "__metadata__") {
        if (!v.is_object()) fail("garbage header: __metadata__ is not an object");
        for (auto m = v.begin(); m != v.end(); ++m) {
          if (!m.value().is_string()) fail(hourglass::detail::message("garbage header: metadata '", m.key(), "' is not a string"));
          metadata_[m.key()] = m.value().get<std::string>();
        }
        continue;
      }
      if (!v.is_object() || !v.contains("dtype") || !v.contains("shape") || !v.contains("data_offsets") ||
          !v["dtype"].is_string() || !v["shape"].is_array() || !v["data_offsets"].is_array() ||
          v["data_offsets"].size() != 2)
        fail(hourglass::detail::message("garbage header: tensor '", name, "' lacks dtype, shape or data_offsets [begin, end]"));
      TensorInfo info;
      info.dtype = v["dtype"].get<std::string>();
      const std::size_t width = dtype_size(info.dtype);
      if (width == 0) fail(hourglass::detail::message("tensor '", name, "': unknown dtype '", info.dtype, "'"));
      std::uint64_t count = 1;
      for (const auto& d : v["shape"]) {
        if (!d.is_number_unsigned()) fail(hourglass::detail::message("garbage header: tensor '", name, "' has a shape entry that is not a non-negative integer"));
        const auto x = d.get<std::uint64_t>();
        // Sizes are signed (std::int64_t, Eigen's Index): a larger entry would read as negative.
        if (x > static_cast<std::uint64_t>(std::numeric_limits<std::int64_t>::max()))
          fail(hourglass::detail::message("garbage header: tensor '", name, "' has a dimension of ", x,
                                          ", more than 2^63 - 1"));
        if (x != 0 && count > std::numeric_limits<std::uint64_t>::max() / 16 / x)
          fail(hourglass::detail::message("garbage header: tensor '", name, "' has a shape whose size overflows"));
        count *= x;
        info.shape.push_back(static_cast<std::int64_t>(x));
      }
      const auto& off = v["data_offsets"];
      if (!off[0].is_number_unsigned() || !off[1].is_number_unsigned())
        fail(hourglass::detail::message("garbage header: tensor '", name, "' has data_offsets that are not non-negative integers"));
      const auto begin = off[0].get<std::uint64_t>(), end = off[1].get<std::uint64_t>();
      if (begin > end || end > data_size)
        fail(hourglass::detail::message(end > data_size ? "truncated: " : "garbage header: ", "tensor '", name, "' spans bytes [", begin,
                    ", ", end, ") but the data section has ", data_size, " bytes"));
      if (end - begin != count * width)
        fail(hourglass::detail::message("garbage header: tensor '", name, "' has ", end - begin, " bytes for ", count, " elements of ",
                    info.dtype));
      info.begin = static_cast<std::size_t>(begin);
      info.end = static_cast<std::size_t>(end);
      ranges.emplace_back(info.begin, info.end);
      tensors_.emplace(name, std::move(info));
    }
    // The format requires the tensors to cover the data section exactly, without holes or overlaps.
    std::sort(ranges.begin(), ranges.end());
    std::size_t at = 0;
    for (const auto& [b, e] : ranges) {
      if (b != at) fail(hourglass::detail::message("garbage header: tensors overlap or leave a hole at byte ", std::min(b, at), " of the data"));
      at = e;
    }
    if (at != data_size)
      fail(hourglass::detail::message("size mismatch: the tensors cover ", at, " data bytes but the file has ", data_size));
  }

  const std::filesystem::path& path() const { return path_; }
  const std::map<std::string, std::string>& metadata() const { return metadata_; }
  /// The metadata value for `key`, or "" when absent.
  std::string metadata(const std::string& key) const {
    const auto it = metadata_.find(key);
    return it == metadata_.end() ? std::string() : it->second;
  }
  bool contains(const std::string& name) const { return tensors_.count(name) > 0; }
  const std::map<std::string, TensorInfo>& tensors() const { return tensors_; }
  const TensorInfo& info(const std::string& name) const {
    const auto it = tensors_.find(name);
    if (it == tensors_.end()) fail("has no tensor '" + name + "'");
    return it->second;
  }

  /// The tensor's elements in row-major order; its dtype must be Scalar's (no conversion, so a
  /// round trip is bit-exact).
  template <class Scalar>
  std::vector<Scalar> elements(const std::string& name) const {
    const TensorInfo& t = info(name);
    if (t.dtype != safetensors_dtype<Scalar>())
      fail(hourglass::detail::message("tensor '", name, "' is ", t.dtype, " but ", safetensors_dtype<Scalar>(), " is expected"));
    std::vector<Scalar> out((t.end - t.begin) / sizeof(Scalar));
    if (!out.empty()) std::memcpy(out.data(), bytes_.data() + data_offset_ + t.begin, t.end - t.begin);
    return out;
  }
  /// A 2-D tensor [rows, cols] as an Eigen matrix rows x cols.
  template <class Scalar>
  Matrix<Scalar> matrix(const std::string& name, Index rows, Index cols) const {
    require_shape(name, {rows, cols});
    const auto e = elements<Scalar>(name);
    return Eigen::Map<const Eigen::Matrix<Scalar, Eigen::Dynamic, Eigen::Dynamic, Eigen::RowMajor>>(e.data(), rows, cols);
  }
  /// A tensor of exactly this shape, its elements in row-major order.
  template <class Scalar>
  std::vector<Scalar> tensor(const std::string& name, std::vector<std::int64_t> shape) const {
    require_shape(name, std::move(shape));
    return elements<Scalar>(name);
  }
  /// Whether the file holds a tensor of this name.
  bool has(const std::string& name) const { return tensors_.count(name) > 0; }
  /// A 1-D tensor [size] as an Eigen vector.
  template <class Scalar>
  Vector<Scalar> vector(const std::string& name, Index size) const {
    require_shape(name, {size});
    const auto e = elements<Scalar>(name);
    return Eigen::Map<const Vector<Scalar>>(e.data(), size);
  }

  [[noreturn]] void fail(const std::string& why) const { throw FileError(path_, why); }

 private:
  static std::size_t dtype_size(const std::string& d) {
    static const std::map<std::string, std::size_t> sizes{
        {"BOOL", 1}, {"U8", 1}, {"I8", 1},  {"F8_E5M2", 1}, {"F8_E4M3", 1}, {"I16", 2}, {"U16", 2}, {"F16", 2},
        {"BF16", 2}, {"I32", 4}, {"U32", 4}, {"F32", 4},     {"F64", 8},     {"I64", 8}, {"U64", 8}};
    const auto it = sizes.find(d);
    return it == sizes.end() ? 0 : it->second;
  }
  void require_shape(const std::string& name, std::vector<std::int64_t> want) const {
    const TensorInfo& t = info(name);
    if (t.shape != want) {
      auto show = [](const std::vector<std::int64_t>& s) {
        std::string r = "[";
        for (std::size_t i = 0; i < s.size(); ++i) r += (i ? ", " : "") + std::to_string(s[i]);
        return r + "]";
      };
      fail(hourglass::detail::message("tensor '", name, "' has shape ", show(t.shape), " but ", show(want), " is expected"));
    }
  }

  std::filesystem::path path_;
  std::vector<unsigned char> bytes_;
  std::size_t data_offset_ = 0;
  std::map<std::string, TensorInfo> tensors_;
  std::map<std::string, std::string> metadata_;
};

// ---- models ------------------------------------------------------------------------------

namespace detail {

/// A policy's name: P::name (static) or p.name(); "policy" when it has neither.
template <class P>
std::string policy_name(const P& p) {
  if constexpr (requires { std::string_view(P::name); }) {
    return std::string(std::string_view(P::name));
  } else if constexpr (requires { std::string_view(p.name()); }) {
    return std::string(std::string_view(p.name()));
  } else {
    return "policy";
  }
}
/// A policy's description with its hyperparameters: p.describe() if it has one, else its name.
template <class P>
std::string policy_description(const P& p) {
  if constexpr (requires { std::string(p.describe()); }) {
    return std::string(p.describe());
  } else {
    return policy_name(p);
  }
}

/// model.policy<P>() behind a name that depends on P: a model without policies (a VAE) has no
/// policy<P>() at all, and clang would look the member up for an empty pack as well.
template <class P, class Model>
const P& policy_of(const Model& model) {
  return model.template policy<P>();
}

template <class Model, class F>
void for_each_policy(const Model& model, F&& f) {
  [&]<class... P>(std::type_identity<std::tuple<P...>>) {
    (f(policy_of<P>(model)), ...);
  }(std::type_identity<typename Model::policy_types>{});
}

/// Layer I's index in PyTorch's nn.Sequential for its part (encoder or decoder), where an
/// activation other than Identity is a module of its own after its layer: Dense<784,256,ReLU>,
/// Dense<256,32> is nn.Sequential(nn.Linear, nn.ReLU, nn.Linear), modules 0, 1, 2 — so the
/// second layer's tensors are encoder.2.*. (format_version 1 and 2 files counted layers only.)
template <class Model, std::size_t I>
constexpr std::size_t sequential_module_index() {
  constexpr std::size_t first = I < Model::encoder_depth ? 0 : Model::encoder_depth;
  std::size_t index = I - first;
  hourglass::detail::static_for<I>([&](auto j) {
    constexpr std::size_t J = decltype(j)::value;
    if constexpr (J >= first) {
      if (!std::is_same_v<typename Model::template layer_type<J>::activation, Identity>) ++index;
    }
  });
  return index;
}

/// "encoder.<i>" or "decoder.<i>": i is the PyTorch module index (format_version 3, what
/// save_model writes) or the layer index (format_version 1 and 2).
template <class Model, std::size_t I>
std::string layer_tensor_prefix(int format_version = 3) {
  const std::size_t index = format_version >= 3 ? sequential_module_index<Model, I>()
                                                : I - (I < Model::encoder_depth ? 0 : Model::encoder_depth);
  return std::string(I < Model::encoder_depth ? "encoder." : "decoder.") + std::to_string(index);
}

/// "<encoder|decoder>.<i>.<block>" (appended piecewise: g++ 12 warns falsely (-Wrestrict) about
/// `a + "." + b` on strings).
template <class Model, std::size_t I>
std::string tensor_name(std::string_view block, int format_version = 3) {
  std::string name = layer_tensor_prefix<Model, I>(format_version);
  name += '.';
  name.append(block);
  return name;
}

/// Calls f(layer index) for the model's first Count layers (all of them by default).
template <class Model, std::size_t Count = Model::depth, class F>
void for_each_layer(F&& f) {
  [&]<std::size_t... I>(std::index_sequence<I...>) {
    (f(std::integral_constant<std::size_t, I>{}), ...);
  }(std::make_index_sequence<Count>{});
}

/// Calls f(layer index, block index) for every block that layer I < Count stores itself (not borrowed).
template <class Model, std::size_t Count = Model::depth, class F>
void for_each_own_block(F&& f) {
  for_each_layer<Model, Count>([&](auto i) {
    constexpr std::size_t I = decltype(i)::value;
    using L = typename Model::template layer_type<I>;
    hourglass::detail::static_for<block_count<L>>([&](auto b) {
      if constexpr (!L::parameter_blocks[decltype(b)::value].borrowed) f(i, b);
    });
  });
}

/// A block's shape as the file holds it (PyTorch's).
inline std::vector<std::int64_t> file_shape(const ParameterBlock& b) {
  std::vector<std::int64_t> shape;
  for (int d = 0; d < b.rank(); ++d) shape.push_back(static_cast<std::int64_t>(b.dims[static_cast<std::size_t>(d)]));
  return shape;
}

/// The architecture in the format_version 1 files (dense layers only; "" when the model has
/// layers that version 1 could not hold): "encoder 784-256(relu)-32(identity) | decoder 32-...".
template <class Model>
std::string legacy_architecture() {
  std::string enc = "encoder " + std::to_string(Model::input_size), dec;
  bool dense_only = true;
  for_each_layer<Model>([&](auto i) {
    constexpr std::size_t I = decltype(i)::value;
    using L = typename Model::template layer_type<I>;
    if constexpr (requires { L::in; L::out; }) {
      std::string& s = I < Model::encoder_depth ? enc : dec;
      if (I == Model::encoder_depth) s = "decoder " + std::to_string(L::in);
      s += "-" + std::to_string(L::out) + "(" + std::string(L::activation::name) + ")";
    } else {
      dense_only = false;
    }
  });
  return dense_only ? enc + " | " + dec : std::string();
}

}  // namespace detail

/// The layers, stored in a file's metadata "architecture" and compared on load, e.g.
/// "encoder: dense(784,256,relu) dense(256,32,identity) | decoder: dense(32,256,relu)
/// tied_dense(0,256,784,sigmoid)" — each layer's describe() (core/layer.hpp). Training-only
/// policies are not part of it (they are in "policies"): a sparse or denoising model loads into
/// the plain model with the same layers.
/// An encoder model (EncoderModel, decoder_depth 0) has the encoder's part only:
/// "encoder: dense(784,256,relu) dense(256,32,identity)".
template <class Model>
std::string architecture(const Model&) {
  std::string enc = "encoder:", dec = " | decoder:";
  detail::for_each_layer<Model>([&](auto i) {
    constexpr std::size_t I = decltype(i)::value;
    std::string& part = I < Model::encoder_depth ? enc : dec;
    part += ' ';
    part += Model::template layer_type<I>::describe();
  });
  return Model::decoder_depth == 0 ? enc : enc + dec;
}
/// The encoder's part of the model's architecture: what an encoder file (save_encoder) records.
template <class Model>
std::string encoder_architecture(const Model& model) {
  const std::string all = architecture(model);
  return all.substr(0, all.find(" | "));
}

/// The model's policies with their hyperparameters, as stored in a file's metadata "policies",
/// e.g. "sparse_l1(lambda=0.0001,layer=code)"; "none" for a plain model.
template <class Model>
std::string policy_descriptions(const Model& model) {
  std::string policies;
  detail::for_each_policy(model, [&](const auto& p) {
    policies += (policies.empty() ? "" : "; ") + detail::policy_description(p);
  });
  return policies.empty() ? "none" : policies;
}

namespace detail {

inline std::string element_name(const hourglass::detail::NonFinite& at, bool is_vector) {
  return is_vector ? hourglass::detail::message("[", at.row, "]") : hourglass::detail::message("[", at.row, ", ", at.col, "]");
}

/// save_model's refusal of a tensor holding NaN or Inf.
template <class M>
void require_finite_to_save(const std::filesystem::path& path, const std::string& name, const M& m) {
  if (const auto at = hourglass::detail::first_non_finite(m))
    throw std::invalid_argument(hourglass::detail::message(
        "save_model: refusing to write ", path.string(), ": tensor '", name, "' holds NaN or Inf at ",
        element_name(at, m.cols() == 1), " (diverged training?); nothing was written"));
}

/// load_model's refusal of a tensor holding NaN or Inf.
template <class M>
void require_finite_loaded(const SafetensorsReader& r, const std::string& name, const M& m) {
  if (const auto at = hourglass::detail::first_non_finite(m))
    r.fail(hourglass::detail::message("tensor '", name, "' holds NaN or Inf at ", element_name(at, m.cols() == 1)));
}

/// The number a metadata value holds: all of its text, finite; empty for anything else.
inline std::optional<double> finite_number(std::string_view text) {
  double v = 0;
  const auto [end, error] = std::from_chars(text.data(), text.data() + text.size(), v);
  if (text.empty() || error != std::errc() || end != text.data() + text.size() || !std::isfinite(v)) return std::nullopt;
  return v;
}

/// Optimizer state in a file: tensors optimizer.<name>.<part> (the optimizer's state_names),
/// metadata optimizer, optimizer_steps, optimizer_learning_rate. Not in a checkpoint: the
/// learning-rate schedule's own state and the model's random streams (docs/reliability.md).
template <class Opt, class Scalar>
void add_optimizer_state(SafetensorsWriter& w, const Opt& opt, const std::filesystem::path& path) {
  const std::string prefix = "optimizer." + std::string(Opt::name) + ".";
  w.set_metadata("optimizer", std::string(Opt::name));
  w.set_metadata("optimizer_steps", std::to_string(opt.steps()));
  w.set_metadata("optimizer_learning_rate", hourglass::detail::message(std::setprecision(17), opt.learning_rate()));
  const auto state = opt.state();
  for (std::size_t k = 0; k < state.size(); ++k) {
    const std::string name = prefix + std::string(Opt::state_names[k]);
    require_finite_to_save(path, name, *state[k]);
    w.add_vector(name, *state[k]);
  }
}

/// Restores what add_optimizer_state wrote — state vectors, step count, learning rate — and binds
/// the optimizer to `parameters`. Throws io::FileError (the optimizer unchanged) when it does not fit.
template <class Opt, class Scalar>
void restore_optimizer_state(const SafetensorsReader& r, Opt& opt, const ParameterBuffer<Scalar>& parameters) {
  const std::string name(Opt::name);
  const std::string saved = r.metadata("optimizer");
  if (saved.empty()) r.fail("holds no optimizer state (it was saved without an optimizer)");
  if (saved != name) r.fail("holds " + saved + " state but a " + name + " optimizer was given");
  const std::string prefix = "optimizer." + name + ".";
  long long steps = 0;
  try {
    steps = std::stoll(r.metadata("optimizer_steps"));
  } catch (const std::exception&) {
    r.fail("metadata optimizer_steps is not an integer");
  }
  if (steps < 0) r.fail(hourglass::detail::message("metadata optimizer_steps is negative (", steps, ")"));
  double rate = opt.learning_rate();
  if (const std::string text = r.metadata("optimizer_learning_rate"); !text.empty()) {
    const std::optional<double> read = finite_number(text);
    if (!read || *read <= 0) r.fail("metadata optimizer_learning_rate must be a finite number > 0, got '" + text + "'");
    rate = *read;
  }
  std::array<Vector<Scalar>, Opt::state_names.size()> parts;
  for (std::size_t k = 0; k < parts.size(); ++k) {
    const std::string part = prefix + std::string(Opt::state_names[k]);
    const TensorInfo& t = r.info(part);
    const Index n = t.shape.size() == 1 ? static_cast<Index>(t.shape[0]) : -1;
    if (n != 0 && n != parameters.size())
      r.fail(hourglass::detail::message("tensor '", part, "' must hold 0 or ", parameters.size(), " values (one per parameter)"));
    parts[k] = r.vector<Scalar>(part, n);
    require_finite_loaded(r, part, parts[k]);
  }
  // The optimizer checks its state's consistency; for a file that is the file's fault.
  try {
    opt.restore_state(std::move(parts), steps);
  } catch (const std::invalid_argument& e) {
    r.fail(hourglass::detail::message("optimizer state does not fit together: ", e.what()));
  }
  opt.set_learning_rate(rate);
  opt.bind(parameters);
}

}  // namespace detail

namespace detail {

/// Layer I's blocks that it stores itself, for its first Count layers, as tensors of w.
template <class Model, std::size_t Count>
void add_blocks(SafetensorsWriter& w, const Model& model, const std::filesystem::path& path) {
  using Scalar = typename Model::Scalar;
  for_each_own_block<Model, Count>([&](auto i, auto b) {
    constexpr std::size_t I = decltype(i)::value, B = decltype(b)::value;
    constexpr ParameterBlock block = Model::template layer_type<I>::parameter_blocks[B];
    const std::string name = tensor_name<Model, I>(block.name);
    const auto values = model.network().template block_values<I, B>();
    if constexpr (block.column_major) {
      const ConstMatrixMap<Scalar> m(values.data(), block.dims[0], block.dims[1]);
      require_finite_to_save(path, name, m);
      w.add_matrix(name, m);
    } else {
      require_finite_to_save(path, name, values);
      w.add<Scalar>(name, file_shape(block), values.data());
    }
  });
}

/// The scaler (metadata scaler = describe(); tensors scaler.scale and scaler.offset [input_size]
/// when it is active) and, with `with_threshold`, the anomaly threshold (metadata
/// anomaly_threshold = the method's name, anomaly_threshold_value, _parameter, _samples) of a
/// model that keeps them (format_version 4). A VAE keeps neither and gets neither.
template <class Model>
void add_preprocessing(SafetensorsWriter& w, const Model& model, const std::filesystem::path& path, bool with_threshold) {
  if constexpr (requires { model.scaler(); }) {
    const auto& scaler = model.scaler();
    w.set_metadata("scaler", scaler.describe());
    if (scaler.active()) {
      require_finite_to_save(path, "scaler.scale", scaler.scale());
      require_finite_to_save(path, "scaler.offset", scaler.offset());
      w.add_vector("scaler.scale", scaler.scale());
      w.add_vector("scaler.offset", scaler.offset());
    }
  }
  if constexpr (requires { model.threshold(); }) {
    if (with_threshold && model.threshold()) {
      const AnomalyThreshold& t = *model.threshold();
      w.set_metadata("anomaly_threshold", std::string(method_name(t.method)));
      w.set_metadata("anomaly_threshold_value", hourglass::detail::message(std::setprecision(17), t.value));
      w.set_metadata("anomaly_threshold_parameter", hourglass::detail::message(std::setprecision(17), t.parameter));
      w.set_metadata("anomaly_threshold_samples", std::to_string(t.samples));
    }
  }
}

/// Writes a whole model, or (EncoderOnly) its encoder alone: metadata part "encoder", the
/// encoder's architecture, its tensors and the scaler (no policies, threshold or optimizer).
template <class Model, class Opt, bool EncoderOnly>
void save_model(const std::filesystem::path& path, const Model& model, const Opt* optimizer,
                const std::map<std::string, std::string>& extra) {
  using Scalar = typename Model::Scalar;
  SafetensorsWriter w;
  for (const auto& [k, v] : extra) w.set_metadata(k, v);
  w.set_metadata("format", "hourglass");
  w.set_metadata("format_version", "4");
  w.set_metadata("scalar", std::string(scalar_name<Scalar>()));
  if constexpr (EncoderOnly) {
    w.set_metadata("part", "encoder");
    w.set_metadata("architecture", encoder_architecture(model));
    add_blocks<Model, Model::encoder_depth>(w, model, path);
  } else {
    w.set_metadata("architecture", architecture(model));
    w.set_metadata("policies", policy_descriptions(model));
    add_blocks<Model, Model::depth>(w, model, path);
  }
  add_preprocessing(w, model, path, !EncoderOnly);
  if constexpr (!std::is_void_v<Opt>) {
    if (optimizer) {
      if (optimizer->is_bound_elsewhere(model.parameters()))
        throw std::invalid_argument(hourglass::detail::message(
            "save_model: refusing to write ", path.string(), ": the ", Opt::name,
            " optimizer holds the state of another model's parameters, not this model's (",
            model.parameters().size(), " parameters); nothing was written"));
      add_optimizer_state<Opt, Scalar>(w, *optimizer, path);
    }
  }
  w.save(path);
}
}  // namespace detail

/// Saves the model's parameters atomically, with its scaler and anomaly threshold. `extra` adds
/// metadata entries (e.g. the loss or the data set), informational only. An EncoderModel is
/// saved as save_encoder saves it.
template <class Model>
void save_model(const std::filesystem::path& path, const Model& model,
                const std::map<std::string, std::string>& extra = {}) {
  detail::save_model<Model, void, Model::decoder_depth == 0>(path, model, nullptr, extra);
}
/// The same, with the optimizer's state (to resume training with load_model(path, model, opt)).
template <class Model, CheckpointableOptimizer Opt>
void save_model(const std::filesystem::path& path, const Model& model, const Opt& optimizer,
                const std::map<std::string, std::string>& extra = {}) {
  static_assert(Model::decoder_depth > 0, "save_model: an EncoderModel does not train; save it without an optimizer");
  detail::save_model<Model, Opt, false>(path, model, &optimizer, extra);
}

/// Saves the encoder alone, atomically: its tensors (named as in the whole model's file), its
/// scaler, metadata part "encoder" and the encoder's architecture. `model` is an Autoencoder
/// (its decoder, policies and threshold are left out) or an EncoderModel. Load the file with
/// load_model into hg::encoder_model_t<Model>.
template <class Model>
void save_encoder(const std::filesystem::path& path, const Model& model,
                  const std::map<std::string, std::string>& extra = {}) {
  static_assert(requires { model.scaler(); },
                "save_encoder: the model has no plain encoder with a scaler (a VAE's encoder ends in its GaussianLatent "
                "layer; save the whole VAE with save_model)");
  detail::save_model<Model, void, true>(path, model, nullptr, extra);
}

/// Loads parameters saved by save_model into `model` (and the optimizer's state into
/// `optimizer`, if given). Throws io::FileError when the file is damaged, or when its
/// architecture or scalar type differs from the model's (the message shows both); the model is
/// left unchanged then.
namespace detail {
/// The file's format_version, 1 to 4 (refused otherwise).
inline int format_version(const SafetensorsReader& r) {
  const std::string version = r.metadata("format_version");
  for (int v = 1; v <= 4; ++v)
    if (version == std::to_string(v)) return v;
  r.fail("has format_version '" + version + "'; this hourglass reads versions 1 to 4");
}

/// An encoder file (metadata part "encoder") loads into an EncoderModel only; a whole model's
/// file (no part) into either.
template <class Model>
void check_part(const SafetensorsReader& r) {
  const std::string part = r.metadata("part");
  if (part.empty()) return;
  if (part != "encoder")
    r.fail("has metadata part '" + part + "'; expected \"encoder\" (an encoder file) or none (a whole model)");
  if constexpr (Model::decoder_depth > 0)
    r.fail("holds only an encoder (metadata part \"encoder\", " + r.metadata("architecture") +
           "); load it into hg::EncoderModel<Encoder<...>> (hg::encoder_model_t<Model> names it), not into a whole "
           "model with a decoder");
}

/// Checks that the file was saved from a model with these layers: format_version 2 compares the
/// layer descriptions; version 1 (dense models; its architecture line also named the policies,
/// and could not tell a tied decoder layer from an untied one) compares sizes and activations,
/// and a tied layer's weight must be the exact transpose of the weight it is tied to. An
/// EncoderModel compares its layers with the encoder's part of the file's line (an encoder file's
/// whole line).
template <class Model>
void check_architecture(const SafetensorsReader& r, const Model& model, int version) {
  using Scalar = typename Model::Scalar;
  const std::string theirs = r.metadata("architecture");
  if constexpr (Model::decoder_depth == 0) {
    const std::string mine = version >= 2 ? architecture(model) : legacy_architecture<Model>();
    const std::string file_encoder = theirs.substr(0, theirs.find(" | "));
    if (mine.empty()) r.fail("is a format_version 1 file, which holds dense models only; the model has other layers");
    if (file_encoder != mine.substr(0, mine.find(" | ")))
      r.fail("encoder differs from the model's\n  file:  " + file_encoder + "\n  model: " + mine.substr(0, mine.find(" | ")));
    return;
  }
  if (version >= 2) {
    const std::string mine = architecture(model);
    if (theirs != mine) r.fail("architecture differs from the model's\n  file:  " + theirs + "\n  model: " + mine);
    return;
  }
  const std::string mine = legacy_architecture<Model>();
  if (mine.empty()) r.fail("is a format_version 1 file, which holds dense models only; the model has other layers");
  const std::string file_layers = theirs.substr(0, theirs.find(" | policies"));
  if (file_layers != mine)
    r.fail("architecture differs from the model's\n  file:  " + file_layers + "\n  model: " + mine);
  for_each_layer<Model>([&](auto i) {
    constexpr std::size_t I = decltype(i)::value;
    using L = typename Model::template layer_type<I>;
    if constexpr (is_tied_layer<L>) {
      const std::string mine_name = tensor_name<Model, I>("weight", 1);
      const std::string owner_name = tensor_name<Model, L::tied_to>("weight", 1);
      const Matrix<Scalar> tied = r.template matrix<Scalar>(mine_name, L::out, L::in);
      const Matrix<Scalar> owner = r.template matrix<Scalar>(owner_name, L::in, L::out);
      if (tied != owner.transpose())
        r.fail("architecture differs from the model's: the model's decoder layer " +
               std::to_string(I - Model::encoder_depth) + " is tied to encoder layer " + std::to_string(L::tied_to) +
               " (" + L::describe() + "), but the file's " + mine_name + " is not the transpose of its " + owner_name +
               " (the file was saved from an untied model)\n  file:  " + file_layers + " (version 1)\n  model: " +
               architecture(model));
    }
  });
}

/// Every block the model stores, read from r by name (numbered as format_version says) with its
/// shape and dtype checked and NaN/Inf refused — all read before any is assigned, so a failure
/// leaves the model untouched.
template <class Model>
std::vector<Vector<typename Model::Scalar>> read_blocks(const SafetensorsReader& r, const Model&, int format_version) {
  using Scalar = typename Model::Scalar;
  std::vector<Vector<Scalar>> blocks;
  for_each_own_block<Model>([&](auto i, auto b) {
    constexpr std::size_t I = decltype(i)::value, B = decltype(b)::value;
    constexpr ParameterBlock block = Model::template layer_type<I>::parameter_blocks[B];
    const std::string name = tensor_name<Model, I>(block.name, format_version);
    Vector<Scalar> v(block.size());
    if constexpr (block.column_major) {
      MatrixMap<Scalar>(v.data(), block.dims[0], block.dims[1]) = r.template matrix<Scalar>(name, block.dims[0], block.dims[1]);
    } else {
      const std::vector<Scalar> e = r.template tensor<Scalar>(name, file_shape(block));
      std::copy(e.begin(), e.end(), v.data());
    }
    require_finite_loaded(r, name, v);
    blocks.push_back(std::move(v));
  });
  return blocks;
}
template <class Model>
void assign_blocks(Model& model, const std::vector<Vector<typename Model::Scalar>>& blocks) {
  std::size_t k = 0;
  for_each_own_block<Model>([&](auto i, auto b) {
    model.network().template block_values<decltype(i)::value, decltype(b)::value>() = blocks[k++];
  });
}

/// A model's scaler as a format_version 4 file holds it (metadata scaler; tensors scaler.scale
/// and scaler.offset [input_size] unless it is "none"), checked whole: the text, the tensors'
/// presence, shape, dtype and values (finite; scale non-zero), and that the model's output
/// activation can reach the scaled data.
template <class Model>
Scaler<typename Model::Scalar> read_scaler(const SafetensorsReader& r) {
  using Scalar = typename Model::Scalar;
  const std::string text = r.metadata("scaler");
  if (!r.metadata().count("scaler"))
    r.fail("is a format_version 4 file without metadata 'scaler' (expected \"none\", \"standardize\" or "
           "\"min_max(lo,hi)\")");
  const auto d = Scaler<Scalar>::parse_description(text);
  if (!d)
    r.fail("has metadata scaler '" + text + "'; expected \"none\", \"standardize\", \"min_max(lo,hi)\" or " +
           "\"min_max(lo,hi,clip)\" with finite lo < hi");
  const std::string shape = hourglass::detail::message("[", Model::input_size, "] of ", safetensors_dtype<Scalar>());
  if (d->kind == Scaler<Scalar>::Kind::none) {
    for (const char* name : {"scaler.scale", "scaler.offset"})
      if (r.has(name)) r.fail("has metadata scaler 'none' but holds a tensor '" + std::string(name) + "'");
    return {};
  }
  for (const char* name : {"scaler.scale", "scaler.offset"})
    if (!r.has(name))
      r.fail("has metadata scaler '" + text + "' but no tensor '" + name + "' (expected " + shape + ", one per feature)");
  const Vector<Scalar> scale = r.template vector<Scalar>("scaler.scale", Model::input_size);
  const Vector<Scalar> offset = r.template vector<Scalar>("scaler.offset", Model::input_size);
  require_finite_loaded(r, "scaler.scale", scale);
  require_finite_loaded(r, "scaler.offset", offset);
  try {
    Scaler<Scalar> scaler = Scaler<Scalar>::from_parameters(d->kind, scale, offset, d->range, d->clip);
    if constexpr (requires { typename Model::output_activation; })
      scaler.template require_reachable_by<typename Model::output_activation>(Model::input_size, "load_model");
    return scaler;
  } catch (const std::invalid_argument& e) {
    r.fail(std::string("holds a scaler the model cannot use: ") + e.what());
  }
}

/// The anomaly threshold a format_version 4 file holds: none, or all four metadata entries
/// anomaly_threshold (a method's name), _value and _parameter (finite numbers), _samples (a count).
inline std::optional<AnomalyThreshold> read_threshold(const SafetensorsReader& r) {
  static constexpr std::array<const char*, 4> keys{"anomaly_threshold", "anomaly_threshold_value",
                                                   "anomaly_threshold_parameter", "anomaly_threshold_samples"};
  std::string present, missing;
  for (const char* key : keys) (r.metadata().count(key) ? present : missing) += std::string(" ") + key;
  if (present.empty()) return std::nullopt;
  if (!missing.empty())
    r.fail("holds an incomplete anomaly threshold: metadata" + present + " but not" + missing +
           " (a threshold needs all four)");
  AnomalyThreshold t;
  const std::string method = r.metadata("anomaly_threshold");
  const auto m = method_from_name(method);
  if (!m) r.fail("has metadata anomaly_threshold '" + method + "'; expected \"quantile\", \"mean_plus_k_std\" or \"fixed\"");
  t.method = *m;
  for (auto [key, target] : {std::pair{"anomaly_threshold_value", &t.value}, std::pair{"anomaly_threshold_parameter", &t.parameter}}) {
    const std::string text = r.metadata(key);
    const std::optional<double> v = finite_number(text);
    if (!v) r.fail("has metadata " + std::string(key) + " '" + text + "'; expected a finite number");
    *target = *v;
  }
  const std::string samples = r.metadata("anomaly_threshold_samples");
  long long count = -1;
  const auto [end, error] = std::from_chars(samples.data(), samples.data() + samples.size(), count);
  if (samples.empty() || error != std::errc() || end != samples.data() + samples.size() || count < 0)
    r.fail("has metadata anomaly_threshold_samples '" + samples + "'; expected a count (an integer >= 0)");
  t.samples = static_cast<Index>(count);
  return t;
}

/// What a file holds besides the parameters: the scaler and the threshold (format_version 4;
/// an older file holds neither: no scaler, no threshold).
template <class Scalar>
struct Preprocessing {
  Scaler<Scalar> scaler;
  std::optional<AnomalyThreshold> threshold;
};
template <class Model>
Preprocessing<typename Model::Scalar> read_preprocessing(const SafetensorsReader& r, const Model& model, int version) {
  Preprocessing<typename Model::Scalar> p;
  if (version < 4) return p;
  if constexpr (requires { model.scaler(); }) p.scaler = read_scaler<Model>(r);
  if constexpr (requires { model.threshold(); }) p.threshold = read_threshold(r);
  return p;
}
/// Makes the model's scaler and threshold the file's (checked already: nothing here throws).
template <class Model>
void assign_preprocessing(Model& model, Preprocessing<typename Model::Scalar> p) {
  if constexpr (requires { model.set_scaler(std::move(p.scaler)); }) model.set_scaler(std::move(p.scaler));
  if constexpr (requires { model.clear_threshold(); }) {
    if (p.threshold)
      model.set_threshold(*p.threshold);
    else
      model.clear_threshold();
  }
}

template <class Model, class Opt>
void load_model(const std::filesystem::path& path, Model& model, Opt* optimizer) {
  using Scalar = typename Model::Scalar;
  const SafetensorsReader r(path);
  if (r.metadata("format") != "hourglass")
    r.fail("is not an hourglass model (its metadata has no format \"hourglass\")");
  const std::string scalar = r.metadata("scalar");
  if (scalar != scalar_name<Scalar>())
    r.fail("holds " + scalar + " parameters but the model's scalar type is " + std::string(scalar_name<Scalar>()));
  const int version = format_version(r);
  check_part<Model>(r);
  check_architecture(r, model, version);
  const std::vector<Vector<Scalar>> blocks = read_blocks(r, model, version == 1 || version == 2 ? 1 : 3);
  Preprocessing<Scalar> preprocessing = read_preprocessing(r, model, version);
  if constexpr (!std::is_void_v<Opt>) {
    if (optimizer) restore_optimizer_state<Opt, Scalar>(r, *optimizer, model.parameters());
  }
  assign_blocks(model, blocks);
  assign_preprocessing(model, std::move(preprocessing));
}

}  // namespace detail

/// Loads parameters saved by save_model into `model`, with the scaler and the anomaly threshold
/// the file holds (a file of format_version 1 to 3 holds neither: the model gets no scaler and
/// no threshold). An EncoderModel loads an encoder file (save_encoder) or a whole model's file
/// (its encoder's tensors and its scaler); a whole model refuses an encoder file.
template <class Model>
void load_model(const std::filesystem::path& path, Model& model) {
  detail::load_model<Model, void>(path, model, nullptr);
}
/// The same, and the optimizer's state saved with save_model(path, model, optimizer).
template <class Model, CheckpointableOptimizer Opt>
void load_model(const std::filesystem::path& path, Model& model, Opt& optimizer) {
  static_assert(Model::decoder_depth > 0, "load_model: an EncoderModel does not train; load it without an optimizer");
  detail::load_model<Model, Opt>(path, model, &optimizer);
}

/// Loads a PyTorch state_dict saved as safetensors (`safetensors.torch.save_file(
/// model.state_dict(), path)`) into `model`: the tensors are the model's blocks named as in
/// PyTorch's nn.Sequential (encoder.<module>.<block>, decoder.<module>.<block>: each activation
/// other than Identity is a module after its layer; see docs/conv.md for a PyTorch module that
/// matches an hourglass model), in PyTorch's shapes, of the model's dtype (float32 for
/// Autoencoder). Strict, as PyTorch's load_state_dict: a missing tensor, a wrong shape or dtype,
/// NaN/Inf, or a tensor the model has no place for throws io::FileError naming it, and the model
/// is left unchanged. No metadata is needed (and none is checked); the model's scaler and
/// threshold are left as they are (a file with scaler.* tensors is refused: load_model reads them).
template <class Model>
void load_state_dict(const std::filesystem::path& path, Model& model) {
  const SafetensorsReader r(path);
  const std::vector<Vector<typename Model::Scalar>> blocks = detail::read_blocks(r, model, 3);
  std::vector<std::string> expected;
  detail::for_each_own_block<Model>([&](auto i, auto b) {
    constexpr std::size_t I = decltype(i)::value, B = decltype(b)::value;
    expected.push_back(detail::tensor_name<Model, I>(Model::template layer_type<I>::parameter_blocks[B].name));
  });
  for (const auto& [name, info] : r.tensors())
    if (std::find(expected.begin(), expected.end(), name) == expected.end())
      r.fail("has a tensor '" + name + "' that the model has no parameter for (its tensors: " + [&] {
        std::string all;
        for (const std::string& e : expected) all += (all.empty() ? "" : ", ") + e;
        return all;
      }() + ")" + (name.starts_with("scaler.") ? "; an hourglass file's scaler loads with io::load_model" : ""));
  detail::assign_blocks(model, blocks);
}

// ---- PCA ---------------------------------------------------------------------------------
// Tensors as scikit-learn's attributes: components [k, d] (one component per row), mean [d],
// explained_variance [k]; metadata format "hourglass-pca", scalar, total_variance, samples_seen.

/// Saves a fitted PCA atomically.
template <class Scalar>
void save_pca(const std::filesystem::path& path, const PCA<Scalar>& pca,
              const std::map<std::string, std::string>& extra = {}) {
  SafetensorsWriter w;
  for (const auto& [k, v] : extra) w.set_metadata(k, v);
  w.set_metadata("format", "hourglass-pca");
  w.set_metadata("format_version", "1");
  w.set_metadata("scalar", std::string(scalar_name<Scalar>()));
  w.set_metadata("total_variance", hourglass::detail::message(std::setprecision(17), pca.total_variance()));
  w.set_metadata("samples_seen", std::to_string(pca.samples_seen()));
  w.add_matrix("components", pca.components().transpose());
  w.add_vector("mean", pca.mean());
  w.add_vector("explained_variance", pca.explained_variance());
  w.save(path);
}

/// Loads a PCA saved by save_pca (checked: shapes, scalar type, finite values).
template <class Scalar>
PCA<Scalar> load_pca(const std::filesystem::path& path) {
  const SafetensorsReader r(path);
  if (r.metadata("format") != "hourglass-pca") r.fail("is not an hourglass PCA (metadata format is not \"hourglass-pca\")");
  if (r.metadata("scalar") != scalar_name<Scalar>())
    r.fail("holds " + r.metadata("scalar") + " values but PCA<" + std::string(scalar_name<Scalar>()) + "> was asked for");
  const TensorInfo& c = r.info("components");
  if (c.shape.size() != 2) r.fail("tensor 'components' must be 2-D [k, d]");
  const Index k = static_cast<Index>(c.shape[0]), d = static_cast<Index>(c.shape[1]);
  double total = 0;
  long long seen = 0;
  try {
    total = std::stod(r.metadata("total_variance"));
    seen = std::stoll(r.metadata("samples_seen"));
  } catch (const std::exception&) {
    r.fail("metadata total_variance / samples_seen missing or not numbers");
  }
  try {
    return PCA<Scalar>::from_parameters(r.template matrix<Scalar>("components", k, d).transpose(),
                                        r.template vector<Scalar>("mean", d),
                                        r.template vector<Scalar>("explained_variance", k), total, seen);
  } catch (const std::invalid_argument& e) {
    r.fail(e.what());
  }
}

}  // namespace hourglass::io
