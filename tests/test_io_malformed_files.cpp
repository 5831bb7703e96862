// Issue #17, kind 3: a malformed file is reported as what is wrong with it. Table-driven: each
// row is a file with ONE fault and the exact reason (io::FileError::reason()) the reader must
// give — the first fault it meets, named, not a consequence further down.
#include <catch2/catch.hpp>

#include "io_helpers.hpp"

#include <hourglass/hourglass.hpp>
#include <hourglass/io.hpp>

#include <cstdint>
#include <string>
#include <vector>

namespace hg = hourglass;
namespace io = hourglass::io;

namespace {

struct Row {
  const char* what;
  std::vector<unsigned char> bytes;
  std::string reason;  ///< exact, or a prefix when `prefix`
  bool prefix = false;
};

std::vector<unsigned char> le64(std::uint64_t n) {
  std::vector<unsigned char> b(8);
  for (int i = 0; i < 8; ++i) b[static_cast<std::size_t>(i)] = static_cast<unsigned char>(n >> (8 * i));
  return b;
}
/// A safetensors file: the 8-byte length, the header text, `data` zero bytes.
std::vector<unsigned char> safetensors(const std::string& header, std::size_t data) {
  std::vector<unsigned char> b = le64(header.size());
  b.insert(b.end(), header.begin(), header.end());
  b.insert(b.end(), data, 0);
  return b;
}
std::vector<unsigned char> bytes(std::initializer_list<int> values) {
  std::vector<unsigned char> b;
  for (const int v : values) b.push_back(static_cast<unsigned char>(v));
  return b;
}
std::vector<unsigned char> operator+(std::vector<unsigned char> a, const std::vector<unsigned char>& b) {
  a.insert(a.end(), b.begin(), b.end());
  return a;
}

template <class Read>
void check_rows(const std::vector<Row>& rows, Read read) {
  test::TempDir dir;
  int n = 0;
  for (const Row& row : rows) {
    CAPTURE(row.what);
    const auto path = dir / ("file" + std::to_string(n++));
    test::write_raw(path, row.bytes);
    try {
      read(path);
      FAIL("read without an error");
    } catch (const io::FileError& e) {
      if (row.prefix) {
        CHECK_THAT(e.reason(), Catch::StartsWith(row.reason));
      } else {
        CHECK(e.reason() == row.reason);
      }
      CHECK(e.path() == path);
    }
  }
}

const std::string w32 = R"("w":{"dtype":"F32","shape":[2],"data_offsets":[0,8]})";

}  // namespace

TEST_CASE("safetensors: each malformed header is named for its own fault", "[io][bad_input][files][safetensors]") {
  const std::vector<Row> rows{
      {"5 bytes", bytes({1, 2, 3, 4, 5}), "truncated: 5 bytes, fewer than the 8-byte header length"},
      {"a length beyond the file", le64(200) + bytes({'{', '}'}),
       "truncated: the header length says 200 bytes but only 2 follow"},
      {"a length beyond the limit", le64(std::uint64_t{1} << 40),
       "garbage header: header length 1099511627776 exceeds the 100 MB limit (not a safetensors file?)"},
      {"a 1-byte header", safetensors(" ", 0), "garbage header: empty JSON header"},
      {"not JSON", safetensors("{\"w\":", 0), "garbage header: not valid JSON (", true},
      {"JSON but not an object", safetensors("[1, 2]", 0), "garbage header: the JSON header is not an object"},
      {"a tensor name twice", safetensors("{" + w32 + "," + w32 + "}", 8), "garbage header: the name 'w' appears twice"},
      {"__metadata__ twice", safetensors(R"({"__metadata__":{},"__metadata__":{}})", 0),
       "garbage header: the name '__metadata__' appears twice"},
      {"a key twice in one entry", safetensors(R"({"w":{"dtype":"F32","dtype":"F64","shape":[2],"data_offsets":[0,8]}})", 8),
       "garbage header: the key 'dtype' appears twice in one entry"},
      {"metadata key twice", safetensors(R"({"__metadata__":{"a":"1","a":"2"}})", 0),
       "garbage header: the key 'a' appears twice in one entry"},
      {"metadata not an object", safetensors(R"({"__metadata__":[1]})", 0), "garbage header: __metadata__ is not an object"},
      {"a metadata value not a string", safetensors(R"({"__metadata__":{"k":3}})", 0),
       "garbage header: metadata 'k' is not a string"},
      {"no data_offsets", safetensors(R"({"w":{"dtype":"F32","shape":[2]}})", 8),
       "garbage header: tensor 'w' lacks dtype, shape or data_offsets [begin, end]"},
      {"an unknown dtype", safetensors(R"({"w":{"dtype":"F17","shape":[2],"data_offsets":[0,8]}})", 8),
       "tensor 'w': unknown dtype 'F17'"},
      {"a negative dimension", safetensors(R"({"w":{"dtype":"F32","shape":[-2],"data_offsets":[0,8]}})", 8),
       "garbage header: tensor 'w' has a shape entry that is not a non-negative integer"},
      {"a dimension above 2^63 - 1", safetensors(R"({"w":{"dtype":"F32","shape":[9223372036854775808],"data_offsets":[0,8]}})", 8),
       "garbage header: tensor 'w' has a dimension of 9223372036854775808, more than 2^63 - 1"},
      {"negative offsets", safetensors(R"({"w":{"dtype":"F32","shape":[2],"data_offsets":[-8,0]}})", 8),
       "garbage header: tensor 'w' has data_offsets that are not non-negative integers"},
      {"offsets beyond the data", safetensors(R"({"w":{"dtype":"F32","shape":[4],"data_offsets":[0,16]}})", 8),
       "truncated: tensor 'w' spans bytes [0, 16) but the data section has 8 bytes"},
      {"offsets that do not fit the shape", safetensors(R"({"w":{"dtype":"F32","shape":[3],"data_offsets":[0,8]}})", 8),
       "garbage header: tensor 'w' has 8 bytes for 3 elements of F32"},
      {"a hole between tensors",
       safetensors(R"({"a":{"dtype":"F32","shape":[1],"data_offsets":[0,4]},"b":{"dtype":"F32","shape":[1],"data_offsets":[8,12]}})", 12),
       "garbage header: tensors overlap or leave a hole at byte 4 of the data"},
      {"data after the last tensor", safetensors(R"({"w":{"dtype":"F32","shape":[1],"data_offsets":[0,4]}})", 8),
       "size mismatch: the tensors cover 4 data bytes but the file has 8"},
  };
  check_rows(rows, [](const auto& path) { io::SafetensorsReader r(path); });
}

TEST_CASE("IDX: each malformed file is named for its own fault", "[io][bad_input][files][idx]") {
  const auto header = [](int type, std::initializer_list<std::uint32_t> dims) {
    std::vector<unsigned char> b{0, 0, static_cast<unsigned char>(type), static_cast<unsigned char>(dims.size())};
    for (const std::uint32_t d : dims)
      for (int shift = 24; shift >= 0; shift -= 8) b.push_back(static_cast<unsigned char>(d >> shift));
    return b;
  };
  const std::vector<Row> rows{
      {"3 bytes", bytes({0, 0, 8}), "truncated: fewer than 4 bytes, not an IDX file (no magic number)"},
      {"a text file", bytes({'h', 'i', '!', '\n', 'x'}),
       "not an IDX file: the magic number must start with two zero bytes, got 0x68 0x69"},
      {"floats", header(0x0D, {2}) + std::vector<unsigned char>(8, 0),
       "unsupported IDX element type 0xd (float); only unsigned bytes (0x08) are read"},
      {"no dimensions", bytes({0, 0, 8, 0}), "invalid IDX header: 0 dimensions (1 to 8 expected)"},
      {"nine dimensions", bytes({0, 0, 8, 9}), "invalid IDX header: 9 dimensions (1 to 8 expected)"},
      {"a dimension of 0", header(0x08, {2, 0, 3}), "invalid IDX header: dimension 1 is 0"},
      {"a header cut short", bytes({0, 0, 8, 3, 0, 0, 0, 2}),
       "truncated header: 3 dimensions announced but the file ends before them"},
      {"data cut short", header(0x08, {2, 3}) + std::vector<unsigned char>(5, 0),
       "truncated: the header announces 6 data bytes (18 bytes in all) but the file has 17 bytes"},
      {"data left over", header(0x08, {2, 3}) + std::vector<unsigned char>(7, 0),
       "size mismatch: the header announces 18 bytes in all but the file has 19 (1 bytes too many)"},
      {"gzip that is not deflate data", bytes({0x1f, 0x8b, 8, 0, 0, 0, 0, 0, 0, 3, 0xff, 0xff, 0xff, 0xff}),
       "corrupt compressed data (zlib: ", true},
  };
  check_rows(rows, [](const auto& path) { io::read_idx(path); });
}

TEST_CASE("IDX images and labels: the wrong kind of file is named as such", "[io][bad_input][files][idx]") {
  test::TempDir dir;
  const auto labels = dir / "labels";
  io::write_idx_labels(labels, Eigen::VectorXi::Constant(4, 1));
  try {
    io::read_idx_images<float>(labels);
    FAIL("labels read as images");
  } catch (const io::FileError& e) {
    CHECK(e.reason() == "expected 3 dimensions (images: count, rows, columns), the header has 1");
  }
}

TEST_CASE("writers refuse, before writing, what their readers would refuse", "[io][bad_input][files]") {
  test::TempDir dir;
  io::SafetensorsWriter w;
  const float x[2] = {1, 2};
  CHECK_THROWS_WITH(w.add<float>("\xff\xfe", {2}, x), Catch::Contains("a tensor name must be UTF-8 text"));
  CHECK_THROWS_WITH(w.add<float>("cut \xe2\x82", {2}, x), Catch::Contains("must be UTF-8"));  // a 3-byte form cut short
  CHECK_THROWS_WITH(w.add<float>("overlong \xc0\xaf", {2}, x), Catch::Contains("must be UTF-8"));
  CHECK_THROWS_WITH(w.set_metadata("k", "\xed\xa0\x80"), Catch::Contains("metadata keys and values must be UTF-8"));  // a surrogate
  CHECK_NOTHROW(w.add<float>("poids \xc3\xa9t\xc3\xa9 \xe2\x82\xac \xf0\x9f\x98\x80", {2}, x));  // é, €, an emoji
  w.save(dir / "ok.safetensors");
  CHECK(io::SafetensorsReader(dir / "ok.safetensors").has("poids \xc3\xa9t\xc3\xa9 \xe2\x82\xac \xf0\x9f\x98\x80"));

  CHECK_THROWS_WITH(io::write_idx(dir / "a.idx", {}, {}), Catch::Contains("1 to 8 dimensions, got 0"));
  CHECK_THROWS_WITH(io::write_idx(dir / "b.idx", std::vector<std::uint32_t>(9, 1), {1}), Catch::Contains("got 9"));
  CHECK_THROWS_WITH(io::write_idx(dir / "c.idx", {2, 0}, {}), Catch::Contains("dimension 1 is 0"));
  CHECK_FALSE(std::filesystem::exists(dir / "a.idx"));
  CHECK_FALSE(std::filesystem::exists(dir / "c.idx"));
}
