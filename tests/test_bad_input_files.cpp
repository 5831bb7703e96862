// Files: every reader refuses damaged or lying files with io::FileError naming the file — a
// header that claims more data than the file holds, or sizes whose product overflows, is refused
// before anything of that size is allocated; non-finite parameters are neither saved nor loaded;
// a save that fails midway (an exception, or the process killed) leaves the previous file
// loadable. Also the label vectors the io functions take. (Fuzzing: tests/fuzz/.)
#include "bad_input.hpp"
#include "helpers.hpp"
#include "io_helpers.hpp"

#include <hourglass/io.hpp>

#include <algorithm>
#include <atomic>
#include <csignal>
#include <cstdlib>
#include <cstring>
#include <functional>
#include <limits>
#include <map>
#include <new>
#include <string>
#include <vector>

#include <sys/wait.h>
#include <unistd.h>

// The largest single operator new since reset: readers allocate with std::vector, so this shows
// what a lying header made them reserve.
namespace {
std::atomic<std::size_t> largest_allocation{0};
}
namespace {
void record(std::size_t size) {
  std::size_t seen = largest_allocation.load();
  while (size > seen && !largest_allocation.compare_exchange_weak(seen, size)) {
  }
}
}  // namespace
void* operator new(std::size_t size) {
  record(size);
  if (void* p = std::malloc(size == 0 ? 1 : size)) return p;
  throw std::bad_alloc();
}
// The nothrow forms too: under AddressSanitizer the library's own would allocate with another
// allocator than the free() below (std::stable_sort's buffer, in Catch2, takes this path).
void* operator new(std::size_t size, const std::nothrow_t&) noexcept {
  record(size);
  return std::malloc(size == 0 ? 1 : size);
}
[[gnu::noinline]] void operator delete(void* p, const std::nothrow_t&) noexcept { std::free(p); }
// Not inlined: GCC would otherwise see free() meet operator new's pointer (-Wmismatched-new-delete).
[[gnu::noinline]] void operator delete(void* p) noexcept { std::free(p); }
[[gnu::noinline]] void operator delete(void* p, std::size_t) noexcept { std::free(p); }

namespace hg = hourglass;
namespace io = hourglass::io;
namespace fs = std::filesystem;
using test::Says;

namespace {

using Model = hg::Autoencoder<hg::Encoder<hg::Dense<6, 4, hg::ReLU>, hg::Dense<4, 2>>,
                              hg::Decoder<hg::Dense<2, 4, hg::ReLU>, hg::Dense<4, 6, hg::Sigmoid>>>;
constexpr std::size_t megabyte = std::size_t{1} << 20;

std::vector<unsigned char> idx_header(const std::vector<std::uint32_t>& dims) {
  std::vector<unsigned char> b{0, 0, 0x08, static_cast<unsigned char>(dims.size())};
  for (const auto d : dims)
    for (int s = 24; s >= 0; s -= 8) b.push_back(static_cast<unsigned char>(d >> s));
  return b;
}

/// A safetensors file from a JSON header and data bytes.
std::vector<unsigned char> safetensors(const std::string& json, const std::vector<unsigned char>& data = {}) {
  std::vector<unsigned char> b(8);
  for (int i = 0; i < 8; ++i) b[static_cast<std::size_t>(i)] = static_cast<unsigned char>(json.size() >> (8 * i));
  b.insert(b.end(), json.begin(), json.end());
  b.insert(b.end(), data.begin(), data.end());
  return b;
}

std::vector<std::string> names_in(const fs::path& dir) {
  std::vector<std::string> names;
  for (const auto& e : fs::directory_iterator(dir)) names.push_back(e.path().filename().string());
  std::sort(names.begin(), names.end());
  return names;
}

}  // namespace

TEST_CASE("an IDX header that claims more data than the file holds is refused before allocating it",
          "[bad_input][files][idx]") {
  test::TempDir dir;
  // 60000 images of 28 x 28 announced, 16 bytes present.
  auto bytes = idx_header({60000, 28, 28});
  bytes.resize(bytes.size() + 16, 7);
  test::write_raw(dir / "plain", bytes);
  test::write_gzip(dir / "packed.gz", bytes);
  largest_allocation = 0;
  REQUIRE_THROWS_MATCHES(io::read_idx_images<float>(dir / "plain"), io::FileError,
                         Says({"plain: ", "truncated", "announces 47040000 data bytes", "has 32 bytes"}));
  CHECK(largest_allocation.load() < megabyte);
  largest_allocation = 0;
  REQUIRE_THROWS_MATCHES(io::read_idx_images<float>(dir / "packed.gz"), io::FileError,
                         Says({"packed.gz: ", "truncated", "47040000", "holds 16"}));
  CHECK(largest_allocation.load() <= 2 * megabyte);  // one 1 MB chunk of the gzip reader at most
}

TEST_CASE("IDX dimensions whose product overflows are refused before any allocation", "[bad_input][files][idx]") {
  test::TempDir dir;
  test::write_raw(dir / "overflow", idx_header({0xffffffffu, 0xffffffffu, 0xffffffffu}));
  largest_allocation = 0;
  REQUIRE_THROWS_MATCHES(io::read_idx_images<float>(dir / "overflow"), io::FileError,
                         Says({"overflow: ", "dimensions' product overflows"}));
  CHECK(largest_allocation.load() < megabyte);
  // 2^32 - 1 labels announced in a gzip file of a few bytes: only what is really there is read.
  test::write_gzip(dir / "labels.gz", idx_header({0xffffffffu}));
  largest_allocation = 0;
  REQUIRE_THROWS_MATCHES(io::read_idx_labels(dir / "labels.gz"), io::FileError,
                         Says({"labels.gz: ", "truncated", "4294967295 data bytes", "holds 0"}));
  CHECK(largest_allocation.load() <= 2 * megabyte);
}

TEST_CASE("safetensors headers that lie about sizes are refused before allocating", "[bad_input][files][safetensors]") {
  test::TempDir dir;
  auto check = [&](const std::vector<unsigned char>& bytes, std::initializer_list<std::string> says) {
    test::write_raw(dir / "m.safetensors", bytes);
    Model model(1);
    const Eigen::VectorXf before = model.parameters().values;
    largest_allocation = 0;
    REQUIRE_THROWS_MATCHES(io::load_model(dir / "m.safetensors", model), io::FileError, Says(says));
    CHECK(largest_allocation.load() < megabyte);
    CHECK(model.parameters().values == before);
  };
  // The 8-byte header length says 2^40 bytes of JSON follow.
  std::vector<unsigned char> claims(16, ' ');
  for (std::size_t i = 0; i < 8; ++i) claims[i] = i == 5 ? 1 : 0;
  check(claims, {"m.safetensors: ", "garbage header: header length 1099511627776 exceeds"});
  auto more = safetensors("{}");
  more[0] = 200;
  check(more, {"truncated: the header length says 200 bytes but only 2 follow"});
  // A tensor whose shape's product overflows 64 bits, and one whose data lie past the end.
  check(safetensors(R"({"w":{"dtype":"F32","shape":[4294967296,4294967296,16],"data_offsets":[0,4]}})", {0, 0, 0, 0}),
        {"tensor 'w' has a shape whose size overflows"});
  check(safetensors(R"({"w":{"dtype":"F32","shape":[1000000000],"data_offsets":[0,4000000000]}})", {0, 0, 0, 0}),
        {"truncated: tensor 'w' spans bytes [0, 4000000000) but the data section has 4 bytes"});
  check(safetensors(R"({"w":{"dtype":"F32","shape":[2],"data_offsets":[0,4]}})", {0, 0, 0, 0}),
        {"tensor 'w' has 4 bytes for 2 elements of F32"});
}

TEST_CASE("a model file holding NaN is refused on load and the model is unchanged", "[bad_input][files][values]") {
  test::TempDir dir;
  Model a(1), b(2);
  io::save_model(dir / "m.safetensors", a);
  // Put a NaN into the last tensor's data (decoder.2.weight or .bias: the data section's end).
  auto bytes = test::read_raw(dir / "m.safetensors");
  const float nan = std::numeric_limits<float>::quiet_NaN();
  std::memcpy(bytes.data() + bytes.size() - sizeof(float), &nan, sizeof(float));
  test::write_raw(dir / "nan.safetensors", bytes);
  const Eigen::VectorXf before = b.parameters().values;
  REQUIRE_THROWS_MATCHES(io::load_model(dir / "nan.safetensors", b), io::FileError,
                         Says({"nan.safetensors: ", "tensor 'decoder.2.", "holds NaN or Inf at"}));
  CHECK(b.parameters().values == before);
}

TEST_CASE("save_model refuses NaN or Inf parameters and optimizer state, keeping the previous file",
          "[bad_input][files][values]") {
  test::TempDir dir;
  Model good(1), bad(2);
  io::save_model(dir / "m.safetensors", good);
  const auto previous = test::read_raw(dir / "m.safetensors");
  bad.weights<1>()(1, 3) = std::numeric_limits<float>::infinity();
  REQUIRE_THROWS_MATCHES(io::save_model(dir / "m.safetensors", bad), std::invalid_argument,
                         Says({"save_model: refusing to write", "m.safetensors", "tensor 'encoder.2.weight'",
                               "NaN or Inf at [1, 3]", "nothing was written"}));
  bad.weights<1>()(1, 3) = 0;
  bad.bias<3>()[5] = std::numeric_limits<float>::quiet_NaN();
  REQUIRE_THROWS_MATCHES(io::save_model(dir / "m.safetensors", bad), std::invalid_argument,
                         Says({"tensor 'decoder.2.bias'", "at [5]"}));
  bad.bias<3>()[5] = 0;
  hg::Adam<float> adam;
  adam.restore_state({Eigen::VectorXf::Zero(bad.parameters().size()),
                      Eigen::VectorXf::Constant(bad.parameters().size(), std::numeric_limits<float>::infinity())},
                     3);
  REQUIRE_THROWS_MATCHES(io::save_model(dir / "m.safetensors", bad, adam), std::invalid_argument,
                         Says({"tensor 'optimizer.adam.second_moment'", "NaN or Inf at [0]"}));
  CHECK(test::read_raw(dir / "m.safetensors") == previous);
  CHECK(names_in(dir.path()) == std::vector<std::string>{"m.safetensors"});
}

TEST_CASE("a save that fails midway leaves the previous model loadable and no temporary file",
          "[bad_input][files][atomic]") {
  test::TempDir dir;
  Model old_model(1), new_model(2);
  io::save_model(dir / "m.safetensors", old_model);
  io::save_model(dir / "new.safetensors", new_model);
  const auto new_bytes = test::read_raw(dir / "new.safetensors");
  fs::remove(dir / "new.safetensors");
  // The writer gets half of a real model's bytes out, then fails (disk full, a bug, ...).
  REQUIRE_THROWS_MATCHES(io::write_atomically(dir / "m.safetensors",
                                              [&](std::FILE* f) {
                                                io::write_bytes(f, new_bytes.data(), new_bytes.size() / 2);
                                                std::fflush(f);
                                                throw std::runtime_error("simulated failure half way");
                                              }),
                         io::FileError, Says({"m.safetensors: ", "writing failed", "simulated failure half way"}));
  // A writer that throws something that is not a std::exception is cleaned up after too.
  REQUIRE_THROWS_MATCHES(io::write_atomically(dir / "m.safetensors",
                                              [&](std::FILE* f) {
                                                io::write_bytes(f, new_bytes.data(), new_bytes.size() / 2);
                                                throw 42;
                                              }),
                         io::FileError, Says({"writing failed", "non-standard exception"}));
  Model loaded(3);
  io::load_model(dir / "m.safetensors", loaded);
  CHECK(loaded.parameters().values == old_model.parameters().values);
  CHECK(names_in(dir.path()) == std::vector<std::string>{"m.safetensors"});
}

TEST_CASE("a process killed with SIGKILL in the middle of a save leaves the previous model loadable",
          "[bad_input][files][atomic]") {
  test::TempDir dir;
  Model old_model(1), new_model(2);
  io::save_model(dir / "m.safetensors", old_model);
  io::save_model(dir / "new.safetensors", new_model);
  const auto new_bytes = test::read_raw(dir / "new.safetensors");
  fs::remove(dir / "new.safetensors");

  int ready[2];
  REQUIRE(::pipe(ready) == 0);
  const pid_t child = ::fork();
  REQUIRE(child >= 0);
  if (child == 0) {
    // The child writes half the new model into the temporary file, tells the parent, and waits
    // to be killed before it can finish. Nothing here returns into the test framework.
    ::close(ready[0]);
    try {
      io::write_atomically(dir / "m.safetensors", [&](std::FILE* f) {
        io::write_bytes(f, new_bytes.data(), new_bytes.size() / 2);
        std::fflush(f);
        const char go = 'x';
        if (::write(ready[1], &go, 1) != 1) ::_exit(3);
        for (;;) ::pause();
      });
    } catch (...) {
    }
    ::_exit(2);
  }
  ::close(ready[1]);
  char go = 0;
  const ssize_t got = ::read(ready[0], &go, 1);
  ::close(ready[0]);
  ::kill(child, SIGKILL);
  int status = 0;
  ::waitpid(child, &status, 0);
  REQUIRE(got == 1);  // the child was killed mid-save, not before
  CHECK(WIFSIGNALED(status));
  CHECK(WTERMSIG(status) == SIGKILL);

  // The previous file is intact and loads; the killed save left only its hidden temporary file
  // (".m.safetensors.tmp.XXXXXX", never read by anything, overwritten by no one).
  Model loaded(3);
  io::load_model(dir / "m.safetensors", loaded);
  CHECK(loaded.parameters().values == old_model.parameters().values);
  const auto names = names_in(dir.path());
  REQUIRE(names.size() == 2);
  CHECK(names[0] == ".m.safetensors.tmp." + names[0].substr(std::string(".m.safetensors.tmp.").size()));
  CHECK(names[1] == "m.safetensors");
  CHECK(fs::file_size(dir / names[0]) == new_bytes.size() / 2);
  // The next save works and replaces the file as usual.
  io::save_model(dir / "m.safetensors", new_model);
  io::load_model(dir / "m.safetensors", loaded);
  CHECK(loaded.parameters().values == new_model.parameters().values);
}

TEST_CASE("PCA files with inconsistent or non-finite parts are refused", "[bad_input][files][pca]") {
  test::TempDir dir;
  hg::PCA<double> pca(2);
  pca.fit(test::uniform(5, 20, 41));
  io::save_pca(dir / "p.safetensors", pca);
  auto bytes = test::read_raw(dir / "p.safetensors");
  const double inf = std::numeric_limits<double>::infinity();
  std::memcpy(bytes.data() + bytes.size() - sizeof(double), &inf, sizeof(double));  // into explained_variance (the last tensor)
  test::write_raw(dir / "inf.safetensors", bytes);
  REQUIRE_THROWS_MATCHES(io::load_pca<double>(dir / "inf.safetensors"), io::FileError,
                         Says({"inf.safetensors: ", "NaN, Inf"}));
  REQUIRE_THROWS_MATCHES(io::load_pca<float>(dir / "p.safetensors"), io::FileError,
                         Says({"p.safetensors: ", "holds float64 values but PCA<float32>"}));
}

TEST_CASE("label vectors of the wrong length name both lengths", "[bad_input][files][shapes]") {
  test::TempDir dir;
  Eigen::MatrixXf images = Eigen::MatrixXf::Constant(4, 3, 0.5f);
  io::write_idx_images(dir / "images", images, 2, 2);
  io::write_idx_labels(dir / "labels", (Eigen::VectorXi(2) << 1, 2).finished());
  REQUIRE_THROWS_MATCHES(io::read_idx_labelled<float>(dir / "images", dir / "labels"), io::FileError,
                         Says({"labels: ", "holds 2 labels but", "holds 3 images"}));
  const Eigen::MatrixXd points = Eigen::MatrixXd::Zero(2, 5);
  REQUIRE_THROWS_MATCHES(io::scatter_plot(points, Eigen::VectorXi::Zero(4)), std::invalid_argument,
                         Says({"scatter_plot", "2 x n points and n labels", "got 2 x 5 and 4"}));
  REQUIRE_THROWS_MATCHES(io::scatter_plot(Eigen::MatrixXd::Zero(3, 4), Eigen::VectorXi::Zero(4)), std::invalid_argument,
                         Says({"scatter_plot", "got 3 x 4 and 4"}));
}

// ---- regressions: reader bugs found while fuzzing (tests/fuzz/) and reviewing the readers ----

namespace {
/// Copies a safetensors file of F32 tensors, letting `edit` change metadata and tensors on the way.
void rewrite(const fs::path& from, const fs::path& to,
             const std::function<void(std::map<std::string, std::string>&, std::map<std::string, std::vector<float>>&,
                                      std::map<std::string, std::vector<std::int64_t>>&)>& edit) {
  const io::SafetensorsReader r(from);
  std::map<std::string, std::string> metadata = r.metadata();
  std::map<std::string, std::vector<float>> values;
  std::map<std::string, std::vector<std::int64_t>> shapes;
  for (const auto& [name, info] : r.tensors()) {
    values[name] = r.elements<float>(name);
    shapes[name] = info.shape;
  }
  edit(metadata, values, shapes);
  io::SafetensorsWriter w;
  for (const auto& [k, v] : metadata) w.set_metadata(k, v);
  for (const auto& [name, v] : values) w.add<float>(name, shapes[name], v.data());
  w.save(to);
}
}  // namespace

// A shape entry of 2^64 - 1 beside a 0 (so the tensor holds no bytes) passed every size check and
// became the dimension -1 in std::int64_t; load_pca then built an Eigen map with -1 columns
// (an assertion abort, undefined behaviour in release builds).
TEST_CASE("regression: a safetensors dimension above 2^63 - 1 read as a negative size", "[bad_input][files][regression]") {
  test::TempDir dir;
  test::write_raw(dir / "p.safetensors",
                  safetensors(R"({"__metadata__":{"format":"hourglass-pca","format_version":"1","scalar":"float64",)"
                              R"("total_variance":"1","samples_seen":"5"},)"
                              R"("components":{"dtype":"F64","shape":[0,18446744073709551615],"data_offsets":[0,0]}})"));
  REQUIRE_THROWS_MATCHES(io::load_pca<double>(dir / "p.safetensors"), io::FileError,
                         Says({"p.safetensors: ", "tensor 'components' has a dimension of 18446744073709551615",
                               "more than 2^63 - 1"}));
  REQUIRE_THROWS_MATCHES(io::SafetensorsReader(dir / "p.safetensors"), io::FileError, Says({"garbage header"}));
}

// load_model passed a file's optimizer state to the optimizer's restore_state, whose own
// std::invalid_argument ("adam: inconsistent state") escaped instead of io::FileError.
TEST_CASE("regression: inconsistent optimizer state in a model file escaped as std::invalid_argument",
          "[bad_input][files][regression]") {
  test::TempDir dir;
  Model model(1);
  hg::Adam<float> adam;
  model.compute_gradients(hg::MSE{}, Eigen::MatrixXf::Constant(6, 3, 0.5f), Eigen::MatrixXf::Constant(6, 3, 0.5f));
  adam.step(model.parameters());
  io::save_model(dir / "m.safetensors", model, adam);
  rewrite(dir / "m.safetensors", dir / "negative.safetensors",
          [](auto& metadata, auto&, auto&) { metadata["optimizer_steps"] = "-1"; });
  rewrite(dir / "m.safetensors", dir / "halves.safetensors", [](auto&, auto& values, auto& shapes) {
    values["optimizer.adam.first_moment"].clear();
    shapes["optimizer.adam.first_moment"] = {0};
  });
  Model loaded(2);
  hg::Adam<float> resumed;
  const Eigen::VectorXf before = loaded.parameters().values;
  REQUIRE_THROWS_MATCHES(io::load_model(dir / "negative.safetensors", loaded, resumed), io::FileError,
                         Says({"negative.safetensors: ", "optimizer_steps is negative (-1)"}));
  REQUIRE_THROWS_MATCHES(io::load_model(dir / "halves.safetensors", loaded, resumed), io::FileError,
                         Says({"halves.safetensors: ", "optimizer state does not fit together", "adam: inconsistent state"}));
  CHECK(loaded.parameters().values == before);
  CHECK(resumed.steps() == 0);
  io::load_model(dir / "m.safetensors", loaded, resumed);  // the untouched file still loads
  CHECK(resumed.steps() == 1);
}
