// The IDX reader: plain and gzip round trips, and a clear error (naming the file) for every kind
// of broken file — never a read out of bounds or a huge allocation.
#include <catch2/catch.hpp>

#include "io_helpers.hpp"

#include <hourglass/io/idx.hpp>

#include <cstdint>
#include <limits>
#include <string>
#include <vector>

namespace io = hourglass::io;
using Catch::Matchers::Contains;

namespace {

std::vector<unsigned char> idx_bytes(const std::vector<std::uint32_t>& dims, const std::vector<unsigned char>& data,
                                     unsigned char type = 0x08) {
  std::vector<unsigned char> b{0, 0, type, static_cast<unsigned char>(dims.size())};
  for (auto d : dims)
    for (int s = 24; s >= 0; s -= 8) b.push_back(static_cast<unsigned char>(d >> s));
  b.insert(b.end(), data.begin(), data.end());
  return b;
}

// Three 2x3 images with pixel values 0, 10, 20, ... and labels 7, 0, 9.
std::vector<unsigned char> pixels() {
  std::vector<unsigned char> p(18);
  for (std::size_t i = 0; i < p.size(); ++i) p[i] = static_cast<unsigned char>(i * 10 + (i == 17 ? 85 : 0));
  return p;
}

void require_error(const std::filesystem::path& path, const std::string& what, int dims = 3) {
  try {
    if (dims == 3) {
      (void)io::read_idx_images<float>(path);
    } else {
      (void)io::read_idx_labels(path);
    }
    FAIL("no exception for " << path);
  } catch (const io::FileError& e) {
    CHECK_THAT(e.what(), Contains(path.filename().string()));
    CHECK_THAT(e.what(), Contains(what));
  }
}

}  // namespace

TEST_CASE("IDX images and labels load plain and gzip, one image per column in [0,1]", "[io][idx]") {
  test::TempDir dir;
  for (const std::string ext : {"", ".gz"}) {
    const auto images = dir / ("img-idx3-ubyte" + ext);
    const auto labels = dir / ("lab-idx1-ubyte" + ext);
    io::write_idx(images, {3, 2, 3}, pixels());
    io::write_idx(labels, {3}, {7, 0, 9});
    if (ext == ".gz") CHECK(test::read_raw(images)[0] == 0x1f);

    Eigen::Index rows = 0, cols = 0;
    const Eigen::MatrixXf x = io::read_idx_images<float>(images, &rows, &cols);
    REQUIRE(x.rows() == 6);
    REQUIRE(x.cols() == 3);
    CHECK(rows == 2);
    CHECK(cols == 3);
    // Image 1, pixel (row 1, column 2) is byte 6 + 1*3 + 2 = 11 of the data: 110.
    CHECK(x(1 * 3 + 2, 1) == Approx(110.0 / 255.0));
    CHECK(x(5, 2) == 1.0f);  // byte 17 is 255
    CHECK(x.minCoeff() == 0.0f);

    const Eigen::VectorXi y = io::read_idx_labels(labels);
    CHECK(y == (Eigen::VectorXi(3) << 7, 0, 9).finished());

    const auto set = io::read_idx_labelled<double>(images, labels);
    CHECK(set.size() == 3);
    CHECK(set.images(11 % 6, 1) == Approx(110.0 / 255.0));
  }
}

TEST_CASE("write_idx_images / read_idx_images round-trip bytes exactly", "[io][idx]") {
  test::TempDir dir;
  Eigen::MatrixXd x(4, 5);
  for (Eigen::Index j = 0; j < 5; ++j)
    for (Eigen::Index i = 0; i < 4; ++i) x(i, j) = static_cast<double>((i * 37 + j * 11) % 256) / 255.0;
  io::write_idx_images(dir / "a.gz", x, 2, 2);
  const Eigen::MatrixXd back = io::read_idx_images<double>(dir / "a.gz");
  CHECK(back == x);
}

TEST_CASE("read_mnist finds the original names, plain or .gz, and checks both sets", "[io][idx]") {
  test::TempDir dir;
  io::write_idx(dir / "train-images-idx3-ubyte.gz", {3, 2, 3}, pixels());
  io::write_idx(dir / "train-labels-idx1-ubyte", {3}, {1, 2, 3});
  io::write_idx(dir / "t10k-images.idx3-ubyte", {1, 2, 3}, std::vector<unsigned char>(6, 255));
  io::write_idx(dir / "t10k-labels-idx1-ubyte.gz", {1}, {4});
  const auto mnist = io::read_mnist<float>(dir.path());
  CHECK(mnist.train.size() == 3);
  CHECK(mnist.test.size() == 1);
  CHECK(mnist.test.labels[0] == 4);
  CHECK(mnist.test.images.minCoeff() == 1.0f);

  std::filesystem::remove(dir / "t10k-labels-idx1-ubyte.gz");
  CHECK_THROWS_WITH(io::read_mnist<float>(dir.path()), Contains("no t10k-labels-idx1-ubyte"));
}

TEST_CASE("IDX: a wrong magic number, type or dimension count is refused", "[io][idx]") {
  test::TempDir dir;
  auto bytes = idx_bytes({3, 2, 3}, pixels());
  bytes[0] = 1;
  test::write_raw(dir / "magic", bytes);
  require_error(dir / "magic", "not an IDX file");

  test::write_raw(dir / "float", idx_bytes({3, 2, 3}, pixels(), 0x0D));
  require_error(dir / "float", "unsupported IDX element type 0xd (float)");

  test::write_raw(dir / "labels-as-images", idx_bytes({3}, {1, 2, 3}));
  require_error(dir / "labels-as-images", "expected 3 dimensions");
  test::write_raw(dir / "images-as-labels", idx_bytes({3, 2, 3}, pixels()));
  require_error(dir / "images-as-labels", "expected 1 dimensions", 1);

  test::write_raw(dir / "zero-dim", idx_bytes({3, 0, 3}, {}));
  require_error(dir / "zero-dim", "dimension 1 is 0");

  test::write_raw(dir / "tiny", {0, 0});
  require_error(dir / "tiny", "fewer than 4 bytes");
  test::write_raw(dir / "short-header", {0, 0, 8, 3, 0, 0, 0, 3, 0, 0});
  require_error(dir / "short-header", "truncated header");

  require_error(dir / "missing", "no such file");
}

TEST_CASE("IDX: truncated or oversized data is refused before allocating", "[io][idx]") {
  test::TempDir dir;
  auto bytes = idx_bytes({3, 2, 3}, pixels());
  bytes.resize(bytes.size() - 1);
  test::write_raw(dir / "truncated", bytes);
  require_error(dir / "truncated", "truncated: the header announces 18 data bytes");

  bytes = idx_bytes({3, 2, 3}, pixels());
  bytes.push_back(0);
  test::write_raw(dir / "extra", bytes);
  require_error(dir / "extra", "1 bytes too many");

  // A header claiming 4e9 x 4e9 x 4e9 bytes: overflow, refused without allocating.
  test::write_raw(dir / "overflow", idx_bytes({0xFFFFFFFFu, 0xFFFFFFFFu, 0xFFFFFFFFu}, {1, 2, 3}));
  require_error(dir / "overflow", "overflows");
  // A header claiming 60000 28x28 images in a 30-byte file: refused by size, nothing allocated.
  test::write_raw(dir / "liar", idx_bytes({60000, 28, 28}, {1, 2, 3}));
  require_error(dir / "liar", "the file has 19 bytes");
}

TEST_CASE("IDX gzip: truncated, oversized and corrupt compressed files are refused", "[io][idx]") {
  test::TempDir dir;
  io::write_idx(dir / "good.gz", {3, 2, 3}, std::vector<unsigned char>(18, 1));
  const auto gz = test::read_raw(dir / "good.gz");

  // The compressed stream cut in the middle.
  test::write_raw(dir / "cut.gz", std::vector<unsigned char>(gz.begin(), gz.begin() + static_cast<std::ptrdiff_t>(gz.size() / 2)));
  CHECK_THROWS_AS(io::read_idx_images<float>(dir / "cut.gz"), io::FileError);

  // Bytes flipped inside the deflate data.
  auto bad = gz;
  for (std::size_t i = 12; i + 8 < bad.size(); ++i) bad[i] ^= 0x5A;
  test::write_raw(dir / "corrupt.gz", bad);
  CHECK_THROWS_AS(io::read_idx_images<float>(dir / "corrupt.gz"), io::FileError);

  // Valid gzip streams whose content disagrees with its IDX header.
  test::write_gzip(dir / "nine.gz", idx_bytes({9}, {1, 2, 3, 4, 5}));
  require_error(dir / "nine.gz", "truncated: the header announces 9 data bytes but the decompressed file holds 5", 1);
  test::write_gzip(dir / "two.gz", idx_bytes({2}, {1, 2, 3, 4, 5}));
  require_error(dir / "two.gz", "holds more than the 2 data bytes", 1);
  // A huge claim inside a tiny gzip: refused after reading what is there, not by allocating 47 MB.
  test::write_gzip(dir / "liar.gz", idx_bytes({60000, 28, 28}, {1, 2, 3}));
  require_error(dir / "liar.gz", "decompressed file holds 3");
}

TEST_CASE("IDX: image and label counts must agree", "[io][idx]") {
  test::TempDir dir;
  io::write_idx(dir / "img", {3, 2, 3}, pixels());
  io::write_idx(dir / "lab", {2}, {1, 2});
  CHECK_THROWS_WITH(io::read_idx_labelled<float>(dir / "img", dir / "lab"), Contains("holds 2 labels but") &&
                                                                                Contains("holds 3 images"));
}

// The same undefined NaN-to-byte conversion in the IDX writer; nothing may be written.
TEST_CASE("regression: write_idx_images refuses NaN and Inf before writing", "[io][idx]") {
  test::TempDir dir;
  Eigen::MatrixXf images = Eigen::MatrixXf::Constant(4, 2, 0.25f);
  images(3, 1) = std::numeric_limits<float>::infinity();
  CHECK_THROWS_WITH(io::write_idx_images(dir / "x.idx", images, 2, 2),
                    Contains("image 1 holds inf at pixel 3") && Contains("nothing was written"));
  CHECK_FALSE(std::filesystem::exists(dir / "x.idx"));
}
