// hourglass/training/batch_source.hpp — data that does not fit in memory, read in passes.
//
// A batch source is what fit(model, optimizer, source, options) trains from when the data set is
// too large for memory (a file read in chunks, a stream, a generator): fit fills a shuffle buffer
// of FitOptions::shuffle_buffer samples from it, trains on that buffer's batches, refills, and
// calls rewind() before every pass (the first included). training/fit.hpp states the shuffling
// guarantee; io::IdxSource (hourglass/io/idx.hpp) reads an IDX image file this way.
//
//   hg::MatrixSource<float> source(x, /*chunk=*/256);   // an in-memory matrix read in chunks
//   hg::CallableSource stream{[&](hg::MatrixMap<float> out) -> hg::Index { ...fill up to out.cols()
//                                                         samples, return how many; 0 ends the pass... },
//                             [&] { ...start again... }};
#pragma once

#include "../core/config.hpp"

#include <algorithm>
#include <concepts>
#include <utility>

namespace hourglass {

/// A pass over data too large for memory. read(out) fills up to out.cols() samples (one per
/// column of `out`, which has the model's input_size rows) and returns how many it wrote, from
/// 0 to out.cols(); 0 means the pass is over (fit then stops reading until the next rewind()).
/// rewind() starts the next pass. Every pass must yield the same number of samples (fit checks);
/// a buffer holding the whole set equals the in-memory fit only when they are the same samples in
/// the same order (a generator of fresh samples per pass is fine otherwise).
/// Optional members, used when present:
///   Index size() const — samples per pass (progress and the batch count before the first pass
///                        ends; fit checks each pass against it);
///   Index rows() const — values per sample (checked against the model's input size before
///                        anything is read).
template <class S, class Scalar>
concept BatchSource = requires(S& s, MatrixMap<Scalar> out) {
  { s.read(out) } -> std::convertible_to<Index>;
  s.rewind();
};

/// An in-memory matrix (one sample per column) read `chunk` samples at a time: for tests, and
/// for data a user already holds but wants to train on through a shuffle buffer. Holds a view:
/// `x` must outlive the source (a Matrix<Scalar> is not copied).
template <class Scalar>
class MatrixSource {
 public:
  /// chunk: the most samples one read() gives (0: as many as asked for).
  explicit MatrixSource(Eigen::Ref<const Matrix<Scalar>> x, Index chunk = 0) : x_(x), chunk_(chunk) {
    detail::require(chunk >= 0, "MatrixSource: chunk must be >= 0 (0: no limit), got ", chunk);
  }
  Index read(MatrixMap<Scalar> out) {
    Index n = std::min(out.cols(), x_.cols() - position_);
    if (chunk_ > 0) n = std::min(n, chunk_);
    detail::require(out.rows() == x_.rows(), "MatrixSource: read into ", out.rows(), " rows, the data has ", x_.rows());
    out.leftCols(n) = x_.middleCols(position_, n);
    position_ += n;
    return n;
  }
  void rewind() { position_ = 0; }
  Index size() const { return x_.cols(); }
  Index rows() const { return x_.rows(); }

 private:
  Eigen::Ref<const Matrix<Scalar>> x_;
  Index chunk_ = 0;
  Index position_ = 0;
};

/// "A callable" as a batch source: `read` is called as read(MatrixMap<Scalar> out) and returns
/// how many samples it wrote (0: the pass is over); `rewind` is called with no arguments before
/// each pass. No size(): progress learns the pass's length when the first pass ends.
template <class Read, class Rewind>
class CallableSource {
 public:
  CallableSource(Read read, Rewind rewind) : read_(std::move(read)), rewind_(std::move(rewind)) {}
  template <class Scalar>
    requires std::invocable<Read&, MatrixMap<Scalar>>
  Index read(MatrixMap<Scalar> out) {
    return static_cast<Index>(read_(out));
  }
  void rewind() { rewind_(); }

 private:
  Read read_;
  Rewind rewind_;
};

}  // namespace hourglass
