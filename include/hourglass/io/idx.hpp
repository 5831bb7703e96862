// hourglass/io/idx.hpp — the IDX format of MNIST and Fashion-MNIST, plain or gzip-compressed.
//
// Not part of the core umbrella header (it needs zlib: link ZLIB::ZLIB, or hourglass::io).
//
// An IDX file is: two zero bytes, a type byte (0x08 = unsigned byte, the only type read here),
// the number of dimensions, each dimension as a big-endian uint32, then the data, row-major.
// Images (3 dimensions: count, rows, columns) load into a matrix with ONE IMAGE PER COLUMN,
// pixels in row-major order (pixel (r, c) is row r * columns + c, as torch's flatten()), scaled
// from 0..255 to [0, 1]. Labels (1 dimension) load into an Eigen::VectorXi.
//
// Every check happens before the data is trusted: the magic number, the number and size of the
// dimensions (their product must not overflow), and that the file holds exactly the bytes the
// header announces — for a plain file this is compared with the file's size BEFORE allocating,
// for a gzip file the data is read in chunks and never beyond the announced size. A bad file
// throws io::FileError naming the file and what is wrong; nothing is ever read out of bounds.
//
//   auto train = hourglass::io::read_idx_images<float>("data/mnist/train-images-idx3-ubyte");
//   auto labels = hourglass::io::read_idx_labels("data/mnist/train-labels-idx1-ubyte.gz");
//   auto mnist = hourglass::io::read_mnist<float>("data/mnist");   // train + test, checked
#pragma once

#include "../core/config.hpp"
#include "file.hpp"

#include <Eigen/Core>
#include <zlib.h>

#include <algorithm>
#include <array>
#include <cstdint>
#include <filesystem>
#include <fstream>
#include <limits>
#include <string>
#include <vector>

namespace hourglass::io {

/// The parsed header of an IDX file.
struct IdxHeader {
  std::uint8_t type = 0;
  std::vector<std::uint32_t> dims;
  std::size_t header_bytes() const { return 4 + 4 * dims.size(); }
};

/// An IDX file's header and its data bytes (exactly the product of the dimensions).
struct IdxFile {
  IdxHeader header;
  std::vector<unsigned char> data;
};

namespace detail {

inline bool has_gzip_magic(const std::filesystem::path& path) {
  std::ifstream in(path, std::ios::binary);
  unsigned char magic[2] = {0, 0};
  in.read(reinterpret_cast<char*>(magic), 2);
  return in.gcount() == 2 && magic[0] == 0x1f && magic[1] == 0x8b;
}

/// Reads through zlib's gz* interface (which also reads uncompressed files as they are).
class GzReader {
 public:
  explicit GzReader(const std::filesystem::path& path) : path_(path), file_(gzopen(path.c_str(), "rb")) {
    if (!file_) throw FileError(path, "cannot open for reading");
    gzbuffer(file_, 1u << 17);
  }
  ~GzReader() {
    if (file_) gzclose(file_);
  }
  GzReader(const GzReader&) = delete;
  GzReader& operator=(const GzReader&) = delete;

  /// Reads up to n bytes; returns how many were read (fewer only at the end of the data).
  std::size_t read(unsigned char* out, std::size_t n) {
    std::size_t done = 0;
    while (done < n) {
      const unsigned chunk = static_cast<unsigned>(std::min<std::size_t>(n - done, 1u << 30));
      const int got = gzread(file_, out + done, chunk);
      if (got < 0) {
        int code = 0;
        const char* what = gzerror(file_, &code);
        throw FileError(path_, hourglass::detail::message("corrupt compressed data (zlib: ", what ? what : "unknown error", ")"));
      }
      if (got == 0) break;
      done += static_cast<std::size_t>(got);
    }
    return done;
  }

 private:
  std::filesystem::path path_;
  gzFile file_;
};

/// Bytes 0..255, one sample after another (out.rows() each), into out's columns scaled to [0, 1].
template <class Out>
void scale_pixels(const unsigned char* data, Out& out) {
  using Scalar = typename Out::Scalar;
  const Eigen::Map<const Eigen::Matrix<unsigned char, Eigen::Dynamic, Eigen::Dynamic>> bytes(data, out.rows(), out.cols());
  out = bytes.template cast<Scalar>() / Scalar(255);
}

inline const char* idx_type_name(std::uint8_t type) {
  switch (type) {
    case 0x08: return "unsigned byte";
    case 0x09: return "signed byte";
    case 0x0B: return "short";
    case 0x0C: return "int";
    case 0x0D: return "float";
    case 0x0E: return "double";
    default: return "unknown";
  }
}

}  // namespace detail

namespace detail {

/// Reads and checks an IDX header (magic number, element type, dimensions and their product)
/// through read(bytes, n) -> bytes read. `expected_dims` (if > 0) is the number of dimensions the
/// caller needs; `total` gets the number of data bytes the header announces.
template <class Read>
IdxHeader read_idx_header(const std::filesystem::path& path, Read&& read, std::size_t expected_dims,
                          std::uint64_t& total) {
  IdxHeader header;
  std::array<unsigned char, 4> magic{};
  if (read(magic.data(), 4) != 4)
    throw FileError(path, "truncated: fewer than 4 bytes, not an IDX file (no magic number)");
  if (magic[0] != 0 || magic[1] != 0)
    throw FileError(path, hourglass::detail::message("not an IDX file: the magic number must start with two zero bytes, got 0x", std::hex,
                                 static_cast<int>(magic[0]), " 0x", static_cast<int>(magic[1])));
  header.type = magic[2];
  if (magic[2] != 0x08)
    throw FileError(path, hourglass::detail::message("unsupported IDX element type 0x", std::hex, static_cast<int>(magic[2]), " (",
                                 idx_type_name(magic[2]), "); only unsigned bytes (0x08) are read"));
  const std::size_t ndims = magic[3];
  if (ndims == 0 || ndims > 8) throw FileError(path, hourglass::detail::message("invalid IDX header: ", ndims, " dimensions (1 to 8 expected)"));
  if (expected_dims > 0 && ndims != expected_dims)
    throw FileError(path, hourglass::detail::message("expected ", expected_dims, " dimensions (",
                                 expected_dims == 3 ? "images: count, rows, columns" : "labels: count",
                                 "), the header has ", ndims));
  std::vector<unsigned char> dim_bytes(4 * ndims);
  if (read(dim_bytes.data(), dim_bytes.size()) != dim_bytes.size())
    throw FileError(path, hourglass::detail::message("truncated header: ", ndims, " dimensions announced but the file ends before them"));
  total = 1;
  for (std::size_t i = 0; i < ndims; ++i) {
    const std::uint32_t d = (std::uint32_t{dim_bytes[4 * i]} << 24) | (std::uint32_t{dim_bytes[4 * i + 1]} << 16) |
                            (std::uint32_t{dim_bytes[4 * i + 2]} << 8) | std::uint32_t{dim_bytes[4 * i + 3]};
    if (d == 0) throw FileError(path, hourglass::detail::message("invalid IDX header: dimension ", i, " is 0"));
    if (total > std::numeric_limits<std::uint64_t>::max() / d ||
        total * d > static_cast<std::uint64_t>(std::numeric_limits<Index>::max()) ||
        total * d > static_cast<std::uint64_t>(std::numeric_limits<std::size_t>::max() / 2))
      throw FileError(path, "invalid IDX header: the dimensions' product overflows");
    total *= d;
    header.dims.push_back(d);
  }
  return header;
}

/// A plain (uncompressed) IDX file must hold exactly the bytes its header announces: checked
/// against the file's size before anything is allocated for the data.
inline void require_idx_file_size(const std::filesystem::path& path, std::uintmax_t file_size, const IdxHeader& header,
                                  std::uint64_t total) {
  const std::uint64_t expected_bytes = header.header_bytes() + total;
  if (file_size < expected_bytes)
    throw FileError(path, hourglass::detail::message("truncated: the header announces ", total, " data bytes (", expected_bytes,
                                 " bytes in all) but the file has ", file_size, " bytes"));
  if (file_size > expected_bytes)
    throw FileError(path, hourglass::detail::message("size mismatch: the header announces ", expected_bytes, " bytes in all but the file has ",
                                 file_size, " (", file_size - expected_bytes, " bytes too many)"));
}

/// The size of a file that must exist, or FileError.
inline std::uintmax_t existing_file_size(const std::filesystem::path& path) {
  std::error_code ec;
  if (!std::filesystem::is_regular_file(path, ec)) throw FileError(path, "no such file");
  const std::uintmax_t size = std::filesystem::file_size(path, ec);
  if (ec) throw FileError(path, "cannot read its size: " + ec.message());
  return size;
}

}  // namespace detail

/// Reads and validates an IDX file of unsigned bytes (plain or gzip, told apart by content).
/// `expected_dims` (if > 0) is the number of dimensions the caller needs.
inline IdxFile read_idx(const std::filesystem::path& path, std::size_t expected_dims = 0) {
  const std::uintmax_t file_size = detail::existing_file_size(path);
  const bool gzip = detail::has_gzip_magic(path);
  detail::GzReader in(path);

  IdxFile idx;
  std::uint64_t total = 0;
  idx.header = detail::read_idx_header(
      path, [&](unsigned char* out, std::size_t n) { return in.read(out, n); }, expected_dims, total);
  if (!gzip) {
    // Plain file: compare sizes before allocating anything for the data.
    detail::require_idx_file_size(path, file_size, idx.header, total);
    idx.data.resize(static_cast<std::size_t>(total));
    if (in.read(idx.data.data(), idx.data.size()) != idx.data.size())
      throw FileError(path, "read failed: the file shrank while being read");
  } else {
    // Compressed: the size is known only by decompressing; read in chunks, so a header that
    // claims more than the file holds costs no more memory than the data really present.
    constexpr std::size_t chunk = std::size_t{1} << 20;
    std::size_t have = 0;
    const auto want = static_cast<std::size_t>(total);
    while (have < want) {
      const std::size_t n = std::min(chunk, want - have);
      idx.data.resize(have + n);
      const std::size_t got = in.read(idx.data.data() + have, n);
      have += got;
      if (got < n) break;
    }
    if (have < want)
      throw FileError(path, hourglass::detail::message("truncated: the header announces ", total, " data bytes but the decompressed file holds ",
                                   have));
    unsigned char extra = 0;
    if (in.read(&extra, 1) != 0)
      throw FileError(path, hourglass::detail::message("size mismatch: the decompressed file holds more than the ", total,
                                   " data bytes the header announces"));
  }
  return idx;
}

/// Images from an IDX file (count x rows x columns): one image per column, scaled to [0, 1].
template <class Scalar = float>
Matrix<Scalar> read_idx_images(const std::filesystem::path& path, Index* rows = nullptr, Index* cols = nullptr) {
  const IdxFile idx = read_idx(path, 3);
  const Index n = idx.header.dims[0];
  const Index r = idx.header.dims[1], c = idx.header.dims[2];
  if (rows) *rows = r;
  if (cols) *cols = c;
  Matrix<Scalar> images(r * c, n);
  detail::scale_pixels(idx.data.data(), images);
  return images;
}

/// An IDX image file read from disk a chunk at a time: a batch source (training/batch_source.hpp)
/// for fit when the images do not fit in memory. The file: unsigned bytes, 3 dimensions (count,
/// rows, columns: one image per sample, pixels row-major as read_idx_images) or 2 (count, values),
/// plain (uncompressed: each pass seeks back to the first sample). The header is checked as
/// read_idx checks it and the file's size must be exactly what it announces (io::FileError naming
/// the file otherwise; a file that shrinks later fails on the read that misses bytes). Samples come
/// scaled from 0..255 to [0, 1] exactly as read_idx_images scales them. Memory: chunk x rows()
/// bytes; the file is never loaded whole.
///
///   hg::io::IdxSource<float> source("data/mnist/train-images-idx3-ubyte", /*chunk=*/256);
///   hg::fit(model, adam, source, options, hg::BCE{});
template <class Scalar = float>
class IdxSource {
 public:
  /// chunk: the most samples one read() takes from the file (>= 1).
  explicit IdxSource(const std::filesystem::path& path, Index chunk = 256) : path_(path), chunk_(chunk) {
    hourglass::detail::require(chunk >= 1, "IdxSource: chunk must be >= 1 sample, got ", chunk);
    const std::uintmax_t file_size = detail::existing_file_size(path);
    if (detail::has_gzip_magic(path))
      throw FileError(path, "gzip-compressed: IdxSource reads plain IDX files (it seeks back for every pass); "
                            "decompress it (gunzip -k) or load it whole with read_idx_images");
    in_.open(path, std::ios::binary);
    if (!in_) throw FileError(path, "cannot open for reading");
    std::uint64_t total = 0;
    header_ = detail::read_idx_header(
        path,
        [&](unsigned char* out, std::size_t n) {
          in_.read(reinterpret_cast<char*>(out), static_cast<std::streamsize>(n));
          return static_cast<std::size_t>(in_.gcount());
        },
        0, total);
    const std::size_t dims = header_.dims.size();
    if (dims != 2 && dims != 3)
      throw FileError(path, hourglass::detail::message("expected 2 dimensions (count, values) or 3 (images: count, rows, ",
                                                       "columns), the header has ", dims));
    detail::require_idx_file_size(path, file_size, header_, total);
    samples_ = header_.dims[0];
    rows_ = static_cast<Index>(total / header_.dims[0]);
    bytes_.resize(static_cast<std::size_t>(std::min(chunk_, samples_) * rows_));
  }

  /// Reads the next min(out.cols(), chunk, samples left) samples into out's first columns
  /// (out: rows() x k); returns how many (0: the pass is over).
  Index read(MatrixMap<Scalar> out) {
    hourglass::detail::require(out.rows() == rows_, "IdxSource: read into ", out.rows(), " rows, the file's samples have ",
                               rows_, " values");
    const Index k = std::min({out.cols(), chunk_, samples_ - position_});
    if (k <= 0) return 0;
    in_.read(reinterpret_cast<char*>(bytes_.data()), static_cast<std::streamsize>(k * rows_));
    if (in_.gcount() != static_cast<std::streamsize>(k * rows_))
      throw FileError(path_, hourglass::detail::message("read failed at sample ", position_, " of ", samples_,
                                                        ": the file shrank or could not be read"));
    MatrixMap<Scalar> columns(out.data(), rows_, k);
    detail::scale_pixels(bytes_.data(), columns);
    position_ += k;
    return k;
  }
  /// Back to the first sample.
  void rewind() {
    in_.clear();
    in_.seekg(static_cast<std::streamoff>(header_.header_bytes()));
    if (!in_) throw FileError(path_, "cannot seek back to the first sample");
    position_ = 0;
  }
  /// Samples in the file (the header's count).
  Index size() const { return samples_; }
  /// Values per sample (rows x columns of an image).
  Index rows() const { return rows_; }
  const IdxHeader& header() const { return header_; }

 private:
  std::filesystem::path path_;
  std::ifstream in_;
  IdxHeader header_;
  Index chunk_ = 0, samples_ = 0, rows_ = 0, position_ = 0;
  std::vector<unsigned char> bytes_;  // one chunk of the file
};

/// Labels from an IDX file (one dimension).
inline Eigen::VectorXi read_idx_labels(const std::filesystem::path& path) {
  const IdxFile idx = read_idx(path, 1);
  Eigen::VectorXi labels(static_cast<Index>(idx.data.size()));
  for (std::size_t i = 0; i < idx.data.size(); ++i) labels[static_cast<Index>(i)] = idx.data[i];
  return labels;
}

/// Images and their labels, checked to be the same count.
template <class Scalar = float>
struct LabelledImages {
  Matrix<Scalar> images;  ///< rows*cols x n, one image per column, in [0, 1]
  Eigen::VectorXi labels;  ///< n
  Index rows = 0, cols = 0;  ///< the size of one image
  Index size() const { return images.cols(); }
};

template <class Scalar = float>
LabelledImages<Scalar> read_idx_labelled(const std::filesystem::path& images, const std::filesystem::path& labels) {
  LabelledImages<Scalar> set;
  set.images = read_idx_images<Scalar>(images, &set.rows, &set.cols);
  set.labels = read_idx_labels(labels);
  if (set.labels.size() != set.images.cols())
    throw FileError(labels, hourglass::detail::message("holds ", set.labels.size(), " labels but ", images.string(), " holds ",
                                           set.images.cols(), " images"));
  return set;
}

/// The file for an MNIST-style name in `dir`: tries `name`, `name.gz`, and the variant with a
/// dot before "idx" (train-images.idx3-ubyte), plain then gzip. Throws FileError if none exists.
inline std::filesystem::path find_idx_file(const std::filesystem::path& dir, const std::string& name) {
  std::vector<std::string> candidates{name, name + ".gz"};
  if (const auto dash = name.rfind("-idx"); dash != std::string::npos) {
    std::string dotted = name;
    dotted[dash] = '.';
    candidates.push_back(dotted);
    candidates.push_back(dotted + ".gz");
  }
  for (const auto& c : candidates) {
    std::error_code ec;
    if (std::filesystem::is_regular_file(dir / c, ec)) return dir / c;
  }
  std::string tried;
  for (const auto& c : candidates) tried += (tried.empty() ? "" : ", ") + c;
  throw FileError(dir, "no " + name + " here (tried " + tried + ")");
}

/// The MNIST / Fashion-MNIST training and test sets from one folder (the original file names,
/// plain or .gz). Checks that every image has the same size in both sets.
template <class Scalar = float>
struct MnistData {
  LabelledImages<Scalar> train, test;
};

template <class Scalar = float>
MnistData<Scalar> read_mnist(const std::filesystem::path& dir) {
  MnistData<Scalar> data;
  data.train = read_idx_labelled<Scalar>(find_idx_file(dir, "train-images-idx3-ubyte"),
                                         find_idx_file(dir, "train-labels-idx1-ubyte"));
  data.test = read_idx_labelled<Scalar>(find_idx_file(dir, "t10k-images-idx3-ubyte"),
                                        find_idx_file(dir, "t10k-labels-idx1-ubyte"));
  if (data.train.rows != data.test.rows || data.train.cols != data.test.cols)
    throw FileError(dir, hourglass::detail::message("training images are ", data.train.rows, "x", data.train.cols,
                                        " but test images are ", data.test.rows, "x", data.test.cols));
  return data;
}

// ---- writing (for tests and generated data sets) -----------------------------------------

/// Writes an IDX file of unsigned bytes, gzip-compressed when the name ends in ".gz". Atomic.
/// Refuses (std::invalid_argument, nothing written) what read_idx would refuse: no dimensions or
/// more than 8, a dimension of 0.
inline void write_idx(const std::filesystem::path& path, const std::vector<std::uint32_t>& dims,
                      const std::vector<unsigned char>& data) {
  hourglass::detail::require(!dims.empty() && dims.size() <= 8, "write_idx: ", path.string(), ": an IDX file has 1 to 8 dimensions, got ",
                             dims.size());
  for (std::size_t i = 0; i < dims.size(); ++i)
    hourglass::detail::require(dims[i] > 0, "write_idx: ", path.string(), ": dimension ", i, " is 0 (IDX dimensions are >= 1)");
  std::vector<unsigned char> bytes{0, 0, 0x08, static_cast<unsigned char>(dims.size())};
  std::uint64_t total = 1;
  for (const std::uint32_t d : dims) {
    total *= d;
    for (int s = 24; s >= 0; s -= 8) bytes.push_back(static_cast<unsigned char>(d >> s));
  }
  if (total != data.size())
    throw FileError(path, hourglass::detail::message("write_idx: the dimensions hold ", total, " bytes but ", data.size(), " were given"));
  bytes.insert(bytes.end(), data.begin(), data.end());
  if (path.extension() == ".gz") {
    uLongf bound = compressBound(static_cast<uLong>(bytes.size())) + 32;
    std::vector<unsigned char> out(bound);
    z_stream z{};
    if (deflateInit2(&z, Z_DEFAULT_COMPRESSION, Z_DEFLATED, 15 + 16, 8, Z_DEFAULT_STRATEGY) != Z_OK)
      throw FileError(path, "zlib deflateInit2 failed");
    z.next_in = bytes.data();
    z.avail_in = static_cast<uInt>(bytes.size());
    z.next_out = out.data();
    z.avail_out = static_cast<uInt>(out.size());
    const int rc = deflate(&z, Z_FINISH);
    const auto produced = z.total_out;
    deflateEnd(&z);
    if (rc != Z_STREAM_END) throw FileError(path, "zlib deflate failed");
    out.resize(produced);
    bytes.swap(out);
  }
  write_atomically(path, [&](std::FILE* f) { write_bytes(f, bytes.data(), bytes.size()); });
}

/// Writes images (one per column, values in [0, 1] (clamped), rows*cols pixels each) as an IDX
/// file. NaN or Inf: std::invalid_argument naming image and pixel, and nothing is written.
template <class D>
void write_idx_images(const std::filesystem::path& path, const Eigen::MatrixBase<D>& images, Index rows, Index cols) {
  if (images.rows() != rows * cols) throw FileError(path, "write_idx_images: images.rows() must be rows * cols");
  // A NaN survives std::clamp, and converting it to a byte is undefined: refused before writing.
  if (const auto bad = hourglass::detail::first_non_finite(images))
    throw std::invalid_argument(hourglass::detail::message(
        "write_idx_images: refusing to write ", path.string(), ": image ", bad.col, " holds ",
        static_cast<double>(images(bad.row, bad.col)), " at pixel ", bad.row, "; pixels must be finite (values "
        "outside [0, 1] are clamped); nothing was written"));
  std::vector<unsigned char> data(static_cast<std::size_t>(images.size()));
  std::size_t k = 0;
  for (Index j = 0; j < images.cols(); ++j)
    for (Index i = 0; i < images.rows(); ++i) {
      const double v = std::clamp(static_cast<double>(images(i, j)), 0.0, 1.0);
      data[k++] = static_cast<unsigned char>(v * 255.0 + 0.5);
    }
  write_idx(path, {static_cast<std::uint32_t>(images.cols()), static_cast<std::uint32_t>(rows),
                   static_cast<std::uint32_t>(cols)}, data);
}

/// Writes labels (0..255) as an IDX file.
inline void write_idx_labels(const std::filesystem::path& path, const Eigen::VectorXi& labels) {
  std::vector<unsigned char> data(static_cast<std::size_t>(labels.size()));
  for (Index i = 0; i < labels.size(); ++i) {
    if (labels[i] < 0 || labels[i] > 255) throw FileError(path, "write_idx_labels: labels must be in 0..255");
    data[static_cast<std::size_t>(i)] = static_cast<unsigned char>(labels[i]);
  }
  write_idx(path, {static_cast<std::uint32_t>(labels.size())}, data);
}

}  // namespace hourglass::io
