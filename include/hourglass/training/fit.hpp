// hourglass/training/fit.hpp — the training loop.
//
// Each epoch: permute the sample indices (the data set itself is never copied or reordered),
// then for each mini-batch of indices: gather it into the model's workspace (corrupting it if a
// policy says so), forward + backward (loss and penalties), combine gradients across processes
// (training/communicator.hpp; nothing to do on one), check the objective and gradients are
// finite, step the optimizer. After the epoch: validation loss, history, callbacks, early
// stopping, learning-rate schedule. docs/design.md draws the same flow. The schedule in
// FitOptions is copied per call, so its state (reduce-on-plateau's) starts afresh every fit.
//
// Distributed (a Communicator of N > 1 processes; hourglass/distributed.hpp for MPI's): every
// process holds the whole data set and a model of the same seed, so all walk one permutation;
// parameters start from process 0's; each global batch of
// N * batch_size samples is cut into N contiguous slices whose sizes differ by at most one (the
// last, short batch too: a process may get none), process r takes slice r. Losses, penalties and
// gradients are weighted by slice / global batch and summed, so N processes with batch_size b
// take the steps of one process with batch_size N b (docs/distributed.md).
//
// From a batch source (training/batch_source.hpp; data larger than memory) the same loop runs on
// a shuffle buffer instead of the whole set: each pass (epoch) rewinds the source, fills the
// buffer with the next FitOptions::shuffle_buffer samples, permutes the buffer's column indices
// with the model's shuffling stream, trains on its batches, refills. The loop sees batches of
// (matrix, column indices) through a "feed" (detail::MatrixFeed, detail::SourceFeed); everything
// else — steps, checks, callbacks, validation, early stopping, schedule — is shared.
#pragma once

#include "../core/config.hpp"
#include "../core/denormals.hpp"
#include "../core/finite.hpp"
#include "../model/sequential.hpp"
#include "../objectives/loss.hpp"
#include "../objectives/losses.hpp"
#include "batch_source.hpp"
#include "communicator.hpp"
#include "optimizers/optimizer.hpp"
#include "progress.hpp"
#include "schedules.hpp"

#include <algorithm>
#include <chrono>
#include <cmath>
#include <cstdint>
#include <functional>
#include <limits>
#include <numeric>
#include <optional>
#include <span>
#include <stdexcept>
#include <string>
#include <type_traits>
#include <utility>
#include <vector>

namespace hourglass {

/// Stop when the monitored loss (validation if given, else training) has not improved by more
/// than `min_delta` for `patience` epochs; 0 turns it off.
struct EarlyStopping {
  int patience = 0;
  double min_delta = 0.0;
  bool restore_best = true;  ///< put back the parameters of the best epoch when training ends
};

struct BatchInfo {
  int epoch = 0;          ///< 0-based
  Index batch = 0;        ///< 0-based, within the epoch
  Index batches = 0;      ///< per epoch
  Index batch_size = 0;   ///< samples in this batch (the last one may be smaller)
  double loss = 0;        ///< reconstruction loss of this batch, before the step
  double penalty = 0;     ///< the policies' penalties of this batch
};

struct EpochInfo {
  int epoch = 0;  ///< 0-based
  int epochs = 0;
  double train_loss = 0;     ///< mean reconstruction loss over the epoch's batches
  double train_penalty = 0;  ///< mean penalty over the epoch's batches
  std::optional<double> validation_loss;
  double seconds = 0;
  double learning_rate = 0;  ///< the rate used during this epoch
};

struct FitOptions {
  int epochs = 10;
  Index batch_size = 64;
  bool shuffle = true;
  /// Training from a batch source only (training/batch_source.hpp): the samples held and
  /// shuffled at a time, a multiple of batch_size; 0 means 64 batches (64 * batch_size). Memory:
  /// shuffle_buffer x input_size scalars. In-memory data is shuffled whole and ignores it.
  Index shuffle_buffer = 0;
  std::optional<LearningRateSchedule> schedule;
  EarlyStopping early_stopping;
  std::function<void(const BatchInfo&)> on_batch;
  /// Called after every epoch; return false to stop training.
  std::function<bool(const EpochInfo&)> on_epoch;
  Progress progress = Progress::automatic;
  /// Flush denormal floats to zero during training (core/denormals.hpp): avoids 15-20x slowdowns
  /// once Adam's moments of never-updated weights decay below ~1e-38.
  bool flush_denormals = true;
};

struct History {
  std::vector<double> train_loss;
  std::vector<double> train_penalty;
  std::vector<double> validation_loss;  ///< empty without validation data
  std::vector<double> seconds;
  std::vector<double> learning_rate;
  int best_epoch = -1;  ///< with early stopping: the epoch whose parameters were kept
  bool stopped_early = false;
  int epochs_run() const { return static_cast<int>(train_loss.size()); }
  double total_seconds() const { return std::accumulate(seconds.begin(), seconds.end(), 0.0); }
};

/// Thrown when the objective or a gradient becomes NaN or Inf, or a step makes a parameter NaN or
/// Inf. The model is left with finite parameters: under early stopping's restore_best the best
/// epoch's; otherwise those from before the failing step when the loss or a gradient was not
/// finite (nothing was applied), or those from the start of the epoch when the step itself
/// overflowed (the pre-step values are not kept, to spare a copy per step). what() says which;
/// history() holds the epochs completed before it.
class TrainingDiverged : public std::runtime_error {
 public:
  TrainingDiverged(int epoch, Index batch, const std::string& what, History history = {})
      : std::runtime_error(what), epoch_(epoch), batch_(batch), history_(std::move(history)) {}
  int epoch() const { return epoch_; }
  Index batch() const { return batch_; }
  /// The history of the epochs completed before the failure (what fit would have returned).
  const History& history() const { return history_; }

 private:
  int epoch_;
  Index batch_;
  History history_;
};

namespace detail {

/// Throws with the index of the first sample (column) holding NaN or Inf; `first_sample` is the
/// index of x's column 0 among all samples (a chunk of a batch source).
template <class D>
void require_finite_samples(const Eigen::MatrixBase<D>& x, const char* what, Index first_sample = 0) {
  if (const NonFinite bad = first_non_finite(x))
    throw std::invalid_argument(
        message(what, ": sample ", first_sample + bad.col, " (column ", bad.col, ") contains NaN or Inf"));
}

/// Finite values in the loss's target range; a model that checks its own data (scaled by its
/// scaler, missing values allowed with a masked loss: BasicAutoencoder::require_targets) does.
/// `first_sample`: the index of x's column 0 among all samples (a chunk of a batch source).
template <class L, class Model, class X>
void require_data(const Model& model, const Eigen::MatrixBase<X>& x, const char* where, Index first_sample = 0) {
  if constexpr (requires { model.template require_targets<L>(x, where, first_sample); }) {
    model.template require_targets<L>(x, where, first_sample);
  } else {
    require_finite_samples(x, where, first_sample);
    require_targets_in_range<L>(x, where, first_sample);
  }
}

/// Permutes `order` (indices of x's columns) when `shuffle` is given, then hands step its batches:
/// step(x, `batch` consecutive entries of order (the last may be fewer), first_key).
template <class X, class Step>
void walk_batches(std::vector<Index>& order, Random* shuffle, const X& x, Index batch, Index first_key, Step& step) {
  if (shuffle) shuffle->shuffle(std::span<Index>(order));
  const Index n = static_cast<Index>(order.size());
  for (Index first = 0; first < n; first += batch)
    step(x, std::span<const Index>(order).subspan(static_cast<std::size_t>(first),
                                                  static_cast<std::size_t>(std::min(batch, n - first))),
         first_key);
}

/// The loop's data when it is in memory: the whole set, one permutation of its column indices
/// (kept from epoch to epoch and shuffled again), batches cut from it. X is never copied.
template <class Model, class L, class D>
class MatrixFeed {
 public:
  MatrixFeed(const Model& model, const Eigen::MatrixBase<D>& x) : model_(model), x_(x) {}

  /// The checks made before the first step: shape, finite values, the loss's target range.
  void validate(const FitOptions&) const {
    require(x_.rows() == Model::input_size && x_.cols() > 0, "fit: expected training data of ", Model::input_size,
            " x n (one sample per column, n >= 1), got ", shape(x_.rows(), x_.cols()));
    require_data<L>(model_, x_, "fit: training data");
  }
  /// Samples per pass.
  Index samples() const { return x_.cols(); }
  /// One pass (epoch): step(x, columns, first_key = 0) for each batch of `batch` samples.
  template <class Step>
  void pass(Random* shuffle, Index batch, Step&& step) {
    if (order_.empty()) {
      order_.resize(static_cast<std::size_t>(x_.cols()));
      std::iota(order_.begin(), order_.end(), Index{0});
    }
    walk_batches(order_, shuffle, x_, batch, 0, step);
  }

 private:
  const Model& model_;
  const Eigen::MatrixBase<D>& x_;
  std::vector<Index> order_;
};

/// The loop's data from a batch source: a shuffle buffer of `capacity` samples, filled from the
/// source, its column indices permuted, its batches handed on, refilled until the pass ends. Each
/// chunk read is checked as in-memory data is (finite, the loss's target range), by its index in
/// the pass. The permutation is kept while fills have the same size (so a buffer holding the
/// whole set shuffles exactly as the in-memory feed) and restarts from the identity otherwise.
template <class S, class Model, class L>
class SourceFeed {
 public:
  using Scalar = typename Model::Scalar;
  SourceFeed(const Model& model, S& source) : model_(model), source_(source) {}

  void validate(const FitOptions& options) {
    const Index batch = options.batch_size;
    require(options.shuffle_buffer >= 0, "fit: shuffle_buffer must be >= 0 (0: 64 batches), got ",
            options.shuffle_buffer);
    capacity_ = options.shuffle_buffer == 0 ? 64 * batch : options.shuffle_buffer;
    require(capacity_ >= batch && capacity_ % batch == 0, "fit: shuffle_buffer must hold whole batches (a multiple of",
            " batch_size ", batch, ", at least one; 0 means 64 batches), got ", options.shuffle_buffer);
    if constexpr (requires { source_.rows(); })
      require(static_cast<Index>(source_.rows()) == Model::input_size, "fit: the batch source gives samples of ",
              source_.rows(), " values, the model expects ", Model::input_size);
  }
  /// Samples per pass: the source's size() if it has one, else what the first pass gave (0 before).
  Index samples() const {
    if constexpr (requires { source_.size(); }) {
      return static_cast<Index>(source_.size());
    } else {
      return first_pass_;
    }
  }
  /// One pass: rewind, then fill, shuffle and walk the buffer until the source is exhausted.
  template <class Step>
  void pass(Random* shuffle, Index batch, Step&& step) {
    if (buffer_.cols() != capacity_) buffer_.resize(Model::input_size, capacity_);
    source_.rewind();
    Index done = 0;
    for (bool more = true; more;) {
      const Index filled = fill(done, more);
      if (filled == 0) break;
      if (static_cast<Index>(order_.size()) != filled) {
        order_.resize(static_cast<std::size_t>(filled));
        std::iota(order_.begin(), order_.end(), Index{0});
      }
      walk_batches(order_, shuffle, buffer_.leftCols(filled), batch, done, step);
      done += filled;
    }
    count_pass(done);
  }

 private:
  /// Reads into the buffer until it is full or the pass ends (`more` turns false); checks each
  /// chunk; returns the samples held. `first`: the pass index of the buffer's column 0.
  Index fill(Index first, bool& more) {
    Index filled = 0;
    while (filled < capacity_) {
      MatrixMap<Scalar> room(buffer_.data() + filled * Model::input_size, Model::input_size, capacity_ - filled);
      const Index got = static_cast<Index>(source_.read(room));
      require(got >= 0 && got <= room.cols(), "fit: the batch source's read() returned ", got, " with room for ",
              room.cols(), " samples (expected 0 to ", room.cols(), ")");
      if (got == 0) {
        more = false;
        break;
      }
      const MatrixMap<Scalar> chunk(room.data(), Model::input_size, got);
      require_data<L>(model_, chunk, "fit: a chunk read from the batch source", first + filled);
      filled += got;
    }
    return filled;
  }
  /// Every pass must give the same number of samples (and size()'s, when the source has it).
  void count_pass(Index done) {
    ++passes_;
    require(passes_ > 1 || done > 0, "fit: the batch source gave no samples (its first pass, after rewind(), was empty)");
    require(passes_ == 1 || done == first_pass_, "fit: the batch source gave ", done, " samples in pass ", passes_,
            " but ", first_pass_, " in pass 1 (every pass must give the same number of samples)");
    if constexpr (requires { source_.size(); })
      require(done == static_cast<Index>(source_.size()), "fit: the batch source gave ", done, " samples in pass ",
              passes_, " but its size() says ", static_cast<Index>(source_.size()));
    first_pass_ = done;
  }

  const Model& model_;
  S& source_;
  Index capacity_ = 0;
  Matrix<Scalar> buffer_;  // input_size x capacity_
  std::vector<Index> order_;
  Index first_pass_ = 0;  // samples in the first pass, once it is over
  int passes_ = 0;
};

/// One call of fit(): the loop in small steps — draw a batch, compute gradients, combine them
/// across processes (Communicator; the identity on one process), check, step the optimizer,
/// callbacks; after each epoch validation, early stopping and the schedule. Everything that
/// belongs to this run (the schedule's state, the best parameters, the history) lives here.
/// The data comes through a Feed (MatrixFeed or SourceFeed): per epoch, batches of (matrix,
/// column indices, the key offset of the matrix's column 0 for the corruption noise).
template <class Model, class Opt, class L, class Feed, class V, class Comm>
class TrainingRun {
 public:
  using Scalar = typename Model::Scalar;
  using Clock = std::chrono::steady_clock;

  TrainingRun(Model& model, Opt& optimizer, Feed& feed, const Eigen::MatrixBase<V>* validation,
              const FitOptions& options, const L& loss, Comm& comm)
      : model_(model),
        optimizer_(optimizer),
        feed_(feed),
        validation_(validation),
        options_(options),
        loss_(loss),
        comm_(comm),
        progress_(comm.rank() == 0 ? options.progress : Progress::never) {}

  History run() {
    collectively([&] { validate(); });
    require_same_seed();
    const FlushDenormals flush(options_.flush_denormals);
    n_ = feed_.samples();  // 0 while unknown (a batch source without size(), until its first pass ends)
    processes_ = comm_.size();
    batch_ = options_.batch_size * static_cast<Index>(processes_);  // the global batch
    if (n_ > 0) batch_ = std::min(batch_, n_);
    batches_ = (n_ + batch_ - 1) / batch_;
    model_.reserve((batch_ + processes_ - 1) / processes_);
    const BatchReducerGuard reducer(*this);
    if (processes_ > 1) {
      // One starting point for all: process 0's parameters.
      comm_.broadcast(std::span<Scalar>(model_.parameters().values.data(),
                                        static_cast<std::size_t>(model_.parameters().size())),
                      0);
    }
    base_rate_ = optimizer_.learning_rate();
    if (options_.schedule) schedule_.emplace(*options_.schedule);  // a copy: its state starts afresh
    for (int epoch = 0; epoch < options_.epochs; ++epoch) {
      if (!run_epoch(epoch)) break;
    }
    if (early() && options_.early_stopping.restore_best && best_parameters_.size() > 0)
      model_.parameters().values = best_parameters_;
    return std::move(history_);
  }

 private:
  struct BatchResult {
    double loss = 0, penalty = 0;
  };

  bool early() const { return options_.early_stopping.patience > 0; }

  /// Runs f on every process; if it throws on any, every process throws the same
  /// std::invalid_argument naming the first failing process and its message (no process goes on
  /// alone into a collective call the others never make). On one process f runs as is.
  template <class F>
  void collectively(F&& f) {
    if (comm_.size() == 1) {
      f();
      return;
    }
    std::string error;
    try {
      f();
    } catch (const std::exception& e) {
      error = e.what();
      if (error.empty()) error = "an exception without a message";
    }
    const int n = comm_.size();
    std::vector<double> failed(static_cast<std::size_t>(n), 0.0);
    failed[static_cast<std::size_t>(comm_.rank())] = error.empty() ? 0.0 : 1.0;
    comm_.allreduce_sum(std::span<double>(failed));
    int first = -1;
    for (int r = 0; r < n && first < 0; ++r)
      if (failed[static_cast<std::size_t>(r)] > 0) first = r;
    if (first < 0) return;
    double length = static_cast<double>(error.size());
    comm_.broadcast(std::span<double>(&length, 1), first);
    std::vector<double> text(static_cast<std::size_t>(length));
    for (std::size_t i = 0; i < text.size() && comm_.rank() == first; ++i)
      text[i] = static_cast<double>(static_cast<unsigned char>(error[i]));
    comm_.broadcast(std::span<double>(text), first);
    std::string message_of_first(text.size(), ' ');
    for (std::size_t i = 0; i < text.size(); ++i) message_of_first[i] = static_cast<char>(static_cast<int>(text[i]));
    throw std::invalid_argument(message("fit: process ", first, " of ", n, " failed, so all stop: ", message_of_first));
  }

  /// The processes' models must share a seed: it orders the samples (every process walks the
  /// same permutation) and keys the corruption noise. Compared with process 0's (the broadcast
  /// outside `collectively`: every process makes the same collective calls in the same order).
  void require_same_seed() {
    if (comm_.size() == 1) return;
    if constexpr (requires { model_.seed(); }) {
      const std::uint64_t mine = model_.seed();
      double parts[2] = {static_cast<double>(mine >> 32), static_cast<double>(mine & 0xFFFFFFFFu)};
      comm_.broadcast(std::span<double>(parts, 2), 0);
      const std::uint64_t first = (static_cast<std::uint64_t>(parts[0]) << 32) | static_cast<std::uint64_t>(parts[1]);
      collectively([&] {
        require(first == mine, "fit: this process's model was built with seed ", mine, ", process 0's with seed ",
                first, ": a distributed fit needs one seed on every process (it orders the samples and keys the noise)");
      });
    }
  }

  /// Installs the model's batch-statistics reducer (SparseKL's mean activation over the global
  /// batch) for the run of a distributed fit, and removes it after.
  struct BatchReducerGuard {
    TrainingRun& run;
    explicit BatchReducerGuard(TrainingRun& r) : run(r) {
      if constexpr (requires { r.model_.set_batch_reducer(nullptr); }) {
        if (r.processes_ > 1)
          r.model_.set_batch_reducer([&r](std::span<Scalar> sums, Index n) {
            if (r.without_samples_) {  // a process without samples in this batch adds nothing
              std::fill(sums.begin(), sums.end(), Scalar(0));
              n = 0;
            }
            r.comm_.allreduce_sum(sums);
            double count = static_cast<double>(n);
            r.comm_.allreduce_sum(std::span<double>(&count, 1));
            return static_cast<Index>(count);
          });
      }
    }
    ~BatchReducerGuard() {
      if constexpr (requires { run.model_.set_batch_reducer(nullptr); }) run.model_.set_batch_reducer(nullptr);
    }
    BatchReducerGuard(const BatchReducerGuard&) = delete;
    BatchReducerGuard& operator=(const BatchReducerGuard&) = delete;
  };

  void validate() {
    static_assert(std::is_same_v<typename Opt::Scalar, Scalar>,
                  "fit: the optimizer's Scalar must be the model's Scalar (e.g. Adam<double> for a double model)");
    require(options_.epochs >= 1, "fit: epochs must be >= 1, got ", options_.epochs);
    require(options_.batch_size >= 1, "fit: batch_size must be >= 1, got ", options_.batch_size);
    require(options_.early_stopping.patience >= 0, "fit: early_stopping.patience must be >= 0, got ",
            options_.early_stopping.patience);
    require(std::isfinite(options_.early_stopping.min_delta) && options_.early_stopping.min_delta >= 0,
            "fit: early_stopping.min_delta must be a finite number >= 0, got ", options_.early_stopping.min_delta);
    feed_.validate(options_);
    if (validation_) {
      require(validation_->rows() == Model::input_size && validation_->cols() > 0, "fit: expected validation data of ",
              Model::input_size, " x n (n >= 1), got ", shape(validation_->rows(), validation_->cols()));
      require_data<L>(model_, *validation_, "fit: validation data");
    }
    if (const NonFinite bad = first_non_finite(model_.parameters().values))
      throw std::invalid_argument(message("fit: the model's parameter ", bad.row, " is NaN or Inf before training"));
    model_.validate_policies();
    require_usable_schedule();
  }

  /// One epoch; false when training stops after it.
  bool run_epoch(int epoch) {
    if constexpr (requires { model_.begin_epoch(epoch); }) model_.begin_epoch(epoch);  // e.g. a VAE's KL warm-up
    epoch_start_ = model_.parameters().values;
    Random* shuffle = options_.shuffle ? &model_.rng(RandomStream::shuffling) : nullptr;
    const auto start = Clock::now();
    double loss_sum = 0, penalty_sum = 0;
    Index b = 0, done = 0;
    feed_.pass(shuffle, batch_, [&](const auto& x, std::span<const Index> batch, Index first_key) {
      const Index count = static_cast<Index>(batch.size());
      const BatchResult r = run_batch(epoch, b, x, batch, first_key);
      loss_sum += r.loss * static_cast<double>(count);
      penalty_sum += r.penalty * static_cast<double>(count);
      if (options_.on_batch) options_.on_batch(BatchInfo{epoch, b, batches_, count, r.loss, r.penalty});
      done += count;
      ++b;
      show_progress(epoch, done, loss_sum, start);
    });
    if (n_ == 0) {  // a batch source without size(): its length is known now (the feed checks later passes)
      n_ = done;
      batches_ = b;
    }
    const double seconds = std::chrono::duration<double>(Clock::now() - start).count();
    return finish_epoch(epoch, loss_sum, penalty_sum, seconds);
  }

  /// This process's part of the global batch [first, first + count) of the permutation, as
  /// (start, size): process r of N takes [first + count r / N, first + count (r + 1) / N).
  std::pair<Index, Index> my_slice(Index first, Index count) const {
    const Index r = comm_.rank(), n = processes_;
    const Index lo = count * r / n, hi = count * (r + 1) / n;
    return {first + lo, hi - lo};
  }

  /// Draw, gradients, combine, check, step. `batch`: the global batch's columns of x;
  /// `first_key`: the index in the pass of x's column 0 (0 for in-memory data).
  template <class X>
  BatchResult run_batch(int epoch, Index b, const X& x, std::span<const Index> batch, Index first_key) {
    const auto [mine, m] = my_slice(0, static_cast<Index>(batch.size()));
    Objective<Scalar> objective{};
    if (m > 0) {
      const auto columns = batch.subspan(static_cast<std::size_t>(mine), static_cast<std::size_t>(m));
      // Corruption keyed by (epoch, sample) where the model offers it: a sample's noise does not
      // depend on the batch or process it lands in, nor on its place in a shuffle buffer.
      const auto draw = static_cast<std::uint64_t>(epoch);
      if constexpr (requires { model_.load_batch(x, columns, draw, first_key); }) {
        model_.load_batch(x, columns, draw, first_key);
      } else if constexpr (requires { model_.load_batch(x, columns, draw); }) {
        model_.load_batch(x, columns, draw);
      } else {
        model_.load_batch(x, columns);
      }
      objective = model_.compute_gradients(loss_);
    } else {
      // A process without samples in the (last, short) batch: its share is zero. A model with
      // batch statistics still runs one sample, contributing nothing, so that it makes the
      // same collective calls as the others (SparseKL's reduction inside the backward pass).
      if constexpr (requires { model_.set_batch_reducer(nullptr); }) {
        without_samples_ = true;
        model_.load_batch(x, batch.subspan(0, 1));
        model_.compute_gradients(loss_);
        without_samples_ = false;
      }
      model_.parameters().gradients.setZero();
    }
    const BatchResult r = combine(objective, m, static_cast<Index>(batch.size()));
    check_gradients(epoch, b, r);
    optimizer_.step(model_.parameters());
    check_parameters(epoch, b);
    return r;
  }

  /// The seam for data parallelism: gradients and the batch's numbers summed over processes.
  /// On one process the identity.
  /// Each process's means over its `mine` samples are weighted by mine / global before the sum,
  /// which makes them the global batch's means.
  BatchResult combine(const Objective<Scalar>& objective, Index mine, Index global) {
    double numbers[2] = {static_cast<double>(objective.loss), static_cast<double>(objective.penalty)};
    if (processes_ == 1) return {numbers[0], numbers[1]};
    const double share = static_cast<double>(mine) / static_cast<double>(global);
    if (mine > 0) model_.parameters().gradients *= static_cast<Scalar>(share);
    numbers[0] *= share;
    numbers[1] *= share;
    comm_.allreduce_sum(std::span<Scalar>(model_.parameters().gradients.data(),
                                          static_cast<std::size_t>(model_.parameters().size())));
    comm_.allreduce_sum(std::span<double>(numbers, 2));
    return {numbers[0], numbers[1]};
  }

  /// The validation loss: on N processes each scores a slice and the weighted sum is reduced.
  double validation_loss() {
    if (processes_ == 1) return model_.evaluate(loss_, *validation_);
    const Index total = validation_->cols();
    const auto [first, m] = my_slice(0, total);
    double value = m > 0 ? model_.evaluate(loss_, validation_->middleCols(first, m)) * static_cast<double>(m) : 0.0;
    comm_.allreduce_sum(std::span<double>(&value, 1));
    return value / static_cast<double>(total);
  }

  /// A stop asked for on any process (on_epoch returning false) stops all.
  bool any_process(bool flag) {
    if (processes_ == 1) return flag;
    double votes = flag ? 1.0 : 0.0;
    comm_.allreduce_sum(std::span<double>(&votes, 1));
    return votes > 0;
  }

  /// Divergence is decided from combined values, so every process decides alike.
  void check_gradients(int epoch, Index b, const BatchResult& r) {
    if (std::isfinite(r.loss + r.penalty) && all_finite(model_.parameters().gradients)) return;
    const char* what = !std::isfinite(r.loss) ? "loss" : !std::isfinite(r.penalty) ? "penalty" : "gradient";
    const std::string kept = restore(epoch, true);
    throw TrainingDiverged(epoch, b,
                           message(where(epoch, b), ": the ", what, " is NaN or Inf (learning rate ",
                                   optimizer_.learning_rate(), "); ", kept),
                           history_);
  }
  /// A step can overflow even from finite gradients (an absurd learning rate): NaN or Inf
  /// weights can then hide behind ReLUs that output 0, so the parameters are checked too.
  void check_parameters(int epoch, Index b) {
    if (all_finite(model_.parameters().values)) return;
    const std::string kept = restore(epoch, false);
    throw TrainingDiverged(epoch, b,
                           message(where(epoch, b), ": the optimizer's step made parameters NaN or Inf (learning rate ",
                                   optimizer_.learning_rate(), "); ", kept),
                           history_);
  }
  /// "fit: training diverged at epoch e, batch b of B" (B left out while unknown).
  std::string where(int epoch, Index b) const {
    return message("fit: training diverged at epoch ", epoch + 1, ", batch ", b + 1,
                   batches_ > 0 ? message(" of ", batches_) : std::string());
  }

  /// After a divergence: put back finite parameters and say which.
  std::string restore(int epoch, bool pre_step_finite) {
    if (early() && options_.early_stopping.restore_best && best_parameters_.size() > 0) {
      model_.parameters().values = best_parameters_;
      return message("the model holds the parameters of the best epoch (", history_.best_epoch + 1, ")");
    }
    if (pre_step_finite) return "the model keeps the parameters from before this step";
    model_.parameters().values = epoch_start_;
    return message("the model holds the parameters from the start of epoch ", epoch + 1);
  }

  void show_progress(int epoch, Index done_samples, double loss_sum, Clock::time_point start) {
    if (!progress_.enabled()) return;
    const double elapsed = std::chrono::duration<double>(Clock::now() - start).count();
    const double done = static_cast<double>(done_samples);
    const double rate = elapsed > 0 ? done / elapsed : 0.0;
    const double remaining_samples = std::max(0.0, static_cast<double>(n_) * (options_.epochs - epoch) - done);
    progress_.update(epoch + 1, options_.epochs, done_samples, n_, loss_sum / done, rate,
                     rate > 0 ? remaining_samples / rate : 0.0);
  }

  /// History, validation, callbacks, early stopping, schedule; false when training stops.
  bool finish_epoch(int epoch, double loss_sum, double penalty_sum, double seconds) {
    EpochInfo info;
    info.epoch = epoch;
    info.epochs = options_.epochs;
    info.train_loss = loss_sum / static_cast<double>(n_);
    info.train_penalty = penalty_sum / static_cast<double>(n_);
    info.seconds = seconds;
    info.learning_rate = optimizer_.learning_rate();
    if (validation_) info.validation_loss = validation_loss();

    history_.train_loss.push_back(info.train_loss);
    history_.train_penalty.push_back(info.train_penalty);
    if (info.validation_loss) history_.validation_loss.push_back(*info.validation_loss);
    history_.seconds.push_back(seconds);
    history_.learning_rate.push_back(info.learning_rate);

    const double monitored = info.validation_loss.value_or(info.train_loss + info.train_penalty);
    bool stop = false;
    if (early()) {
      if (monitored < best_ - options_.early_stopping.min_delta) {
        best_ = monitored;
        history_.best_epoch = epoch;
        bad_epochs_ = 0;
        if (options_.early_stopping.restore_best) best_parameters_ = model_.parameters().values;
      } else if (++bad_epochs_ >= options_.early_stopping.patience) {
        stop = true;
        history_.stopped_early = true;
      }
    }
    if (any_process(options_.on_epoch && !options_.on_epoch(info))) stop = true;
    progress_.finish_epoch(message("epoch ", epoch + 1, "/", options_.epochs, "  loss ", info.train_loss,
                                   info.validation_loss ? message("  val ", *info.validation_loss) : std::string(), "  ",
                                   static_cast<long long>(static_cast<double>(n_) / seconds), " samples/s  ", seconds,
                                   " s"));
    if (stop || epoch + 1 == options_.epochs) return false;  // no next epoch to schedule
    if (schedule_) {
      const double rate = schedule_->next_rate(ScheduleState{epoch, base_rate_, optimizer_.learning_rate(), monitored});
      require_usable_rate(rate, epoch);
      optimizer_.set_learning_rate(rate);
    }
    return true;
  }

  /// The rate a schedule gives for the epoch after `epoch` (0-based) must be finite and > 0.
  static void require_usable_rate(double rate, int epoch) {
    require(std::isfinite(rate) && rate > 0, "fit: the learning-rate schedule gives ", rate, " for epoch ", epoch + 2,
            " (a rate must be finite and > 0; e.g. schedule::cosine(E) reaches its min_rate, 0 by default, at epoch E",
            " — train for E epochs or give min_rate > 0)");
  }
  /// A schedule whose rates depend on the epoch only is run through every epoch before training,
  /// so one that would fail mid-training is refused before the first step.
  void require_usable_schedule() const {
    if (!options_.schedule || !options_.schedule->depends_only_on_epoch()) return;
    LearningRateSchedule probe(*options_.schedule);  // a copy: fresh state
    const double base = optimizer_.learning_rate();
    double rate = base;
    for (int epoch = 0; epoch + 1 < options_.epochs; ++epoch) {
      rate = probe.next_rate(ScheduleState{epoch, base, rate, 0.0});
      require_usable_rate(rate, epoch);
    }
  }

  Model& model_;
  Opt& optimizer_;
  Feed& feed_;
  const Eigen::MatrixBase<V>* validation_;
  const FitOptions& options_;
  const L& loss_;
  Comm& comm_;
  ProgressLine progress_;
  std::optional<LearningRateSchedule> schedule_;
  Index n_ = 0, batch_ = 0, batches_ = 0;  // batch_: the global batch (batch_size per process times N)
  int processes_ = 1;
  bool without_samples_ = false;  // this process has no samples in the current batch
  double base_rate_ = 0;
  History history_;
  Vector<Scalar> best_parameters_;
  Vector<Scalar> epoch_start_;  // the parameters at the start of the epoch (all finite)
  double best_ = std::numeric_limits<double>::infinity();
  int bad_epochs_ = 0;
};

template <class Model, Optimizer Opt, Loss L, class D, class V, Communicator C = LocalCommunicator>
History fit(Model& model, Opt& optimizer, const Eigen::MatrixBase<D>& x, const Eigen::MatrixBase<V>* validation,
            const FitOptions& options, const L& loss, C& comm) {
  MatrixFeed<Model, L, D> feed(model, x);
  return TrainingRun<Model, Opt, L, MatrixFeed<Model, L, D>, V, C>(model, optimizer, feed, validation, options, loss,
                                                                   comm)
      .run();
}

template <class Model, Optimizer Opt, Loss L, class S, class V>
History fit_source(Model& model, Opt& optimizer, S& source, const Eigen::MatrixBase<V>* validation,
                   const FitOptions& options, const L& loss) {
  LocalCommunicator local;
  SourceFeed<S, Model, L> feed(model, source);
  return TrainingRun<Model, Opt, L, SourceFeed<S, Model, L>, V, LocalCommunicator>(model, optimizer, feed, validation,
                                                                                  options, loss, local)
      .run();
}

template <class S, class Model>
concept SourceFor = BatchSource<std::remove_cvref_t<S>, typename Model::Scalar>;

template <class Model>
struct DefaultLoss {
  using type = MeanSquaredError;
};
template <class Model>
  requires requires { typename Model::likelihood_type; }
struct DefaultLoss<Model> {
  using type = typename Model::likelihood_type;
};
}  // namespace detail
/// fit's loss when none is given: MSE, or a VAE's likelihood type.
template <class Model>
using default_loss_t = typename detail::DefaultLoss<Model>::type;

/// Trains `model` on X (one sample per column) with `optimizer` and `loss` (MSE by default; a
/// VAE's own likelihood for a VAE — with hyperparameters, pass model.likelihood()).
template <class Model, Optimizer Opt, Loss L = default_loss_t<Model>, class D>
History fit(Model& model, Opt& optimizer, const Eigen::MatrixBase<D>& x, const FitOptions& options = {},
            const L& loss = {}) {
  LocalCommunicator local;
  return detail::fit(model, optimizer, x, static_cast<const Eigen::MatrixBase<D>*>(nullptr), options, loss, local);
}

/// The same, reporting the loss on `validation` after every epoch (and monitoring it for early
/// stopping and reduce-on-plateau).
template <class Model, Optimizer Opt, Loss L = default_loss_t<Model>, class D, class V>
History fit(Model& model, Opt& optimizer, const Eigen::MatrixBase<D>& x, const Eigen::MatrixBase<V>& validation,
            const FitOptions& options = {}, const L& loss = {}) {
  LocalCommunicator local;
  return detail::fit(model, optimizer, x, &validation, options, loss, local);
}

/// Distributed (data-parallel) training over the processes of `comm` (hourglass/distributed.hpp:
/// MpiCommunicator): call it on every process with the same data, options and model type.
/// options.batch_size is per process (the global batch is N times it); parameters start from
/// process 0's; all processes end with identical parameters and the same History (or throw the
/// same error). N processes with batch b equal one process with batch N b, corruption included.
template <class Model, Optimizer Opt, Loss L, class D, Communicator C>
History fit(Model& model, Opt& optimizer, const Eigen::MatrixBase<D>& x, const FitOptions& options, const L& loss,
            C& comm) {
  return detail::fit(model, optimizer, x, static_cast<const Eigen::MatrixBase<D>*>(nullptr), options, loss, comm);
}
/// The same, with validation data (each process scores a slice; the loss is reduced).
template <class Model, Optimizer Opt, Loss L, class D, class V, Communicator C>
History fit(Model& model, Opt& optimizer, const Eigen::MatrixBase<D>& x, const Eigen::MatrixBase<V>& validation,
            const FitOptions& options, const L& loss, C& comm) {
  return detail::fit(model, optimizer, x, &validation, options, loss, comm);
}

/// Trains from a batch source (data larger than memory: training/batch_source.hpp, e.g.
/// io::IdxSource or MatrixSource), with the same loop, options, checks and History as the
/// in-memory fit. Each epoch is one pass: fit calls source.rewind(), then fills a shuffle buffer
/// of options.shuffle_buffer samples (a multiple of batch_size; 0 means 64 batches), permutes
/// the buffer's column indices with the model's shuffling stream, trains on its batches, and
/// refills until read() returns 0. Guarantees:
///  - each pass visits every sample exactly once;
///  - with shuffle on, a batch's samples are a uniformly random draw, without replacement, from
///    the buffer's contents (the next shuffle_buffer samples of the pass, in the source's order);
///  - a buffer that holds the whole data set gives exactly the in-memory fit's order, corruption
///    noise and so trained parameters, bit for bit (noise is keyed by a sample's index in the
///    pass, as in-memory it is keyed by its column);
///  - memory: shuffle_buffer x input_size scalars for the buffer, plus whatever the source holds.
/// Every chunk read is checked as in-memory data is (finite; the loss's target range; with
/// rows(), the sample size before reading): std::invalid_argument names the sample's index in the
/// pass, and the model keeps the steps taken before it. An empty first pass, a pass of another
/// length than the first (or than size()), and a read() returning more than it was given room for
/// are refused. Progress uses size() when the source has it (else the first pass's length once
/// known). A distributed fit (Communicator) from a source does not compile.
template <class Model, Optimizer Opt, Loss L = default_loss_t<Model>, detail::SourceFor<Model> S>
History fit(Model& model, Opt& optimizer, S&& source, const FitOptions& options = {}, const L& loss = {}) {
  using None = const Eigen::MatrixBase<Matrix<typename Model::Scalar>>*;
  return detail::fit_source(model, optimizer, source, static_cast<None>(nullptr), options, loss);
}
/// The same, reporting the loss on in-memory `validation` data after every epoch.
template <class Model, Optimizer Opt, Loss L = default_loss_t<Model>, detail::SourceFor<Model> S, class V>
History fit(Model& model, Opt& optimizer, S&& source, const Eigen::MatrixBase<V>& validation,
            const FitOptions& options = {}, const L& loss = {}) {
  return detail::fit_source(model, optimizer, source, &validation, options, loss);
}
/// Refused: data-parallel training needs the data in memory on every process.
template <class Model, Optimizer Opt, Loss L, detail::SourceFor<Model> S, Communicator C>
History fit(Model&, Opt&, S&&, const FitOptions&, const L&, C&) {
  static_assert(!std::is_same_v<C, C>,
                "fit: a distributed fit (with a Communicator) needs the data in memory on every process; "
                "training from a batch source runs on one process");
  return {};
}

/// partial_fit's settings: one pass, quiet.
struct PartialFitOptions {
  Index batch_size = 64;
  bool shuffle = true;       ///< permute the new data's samples (the model's shuffling stream)
  Index shuffle_buffer = 0;  ///< for a batch source: as FitOptions::shuffle_buffer
  bool flush_denormals = true;
};

/// Online retraining: one pass over new data (a matrix, one sample per column, or a batch
/// source) with the caller's optimizer, whose state (Adam's moments, the step count) carries
/// over from call to call; returns the pass's mean loss (the batches' losses before their steps,
/// weighted by batch size). It is fit with epochs = 1 and no progress line, so every call is
/// epoch 0: a VAE's KL warm-up stays at its first epoch's factor, and a denoising model's noise
/// for column j is the same in every call (new data, so new corrupted samples, but the same
/// noise pattern for the same column index). Throws as fit does.
template <class Model, Optimizer Opt, Loss L = default_loss_t<Model>, class Data>
double partial_fit(Model& model, Opt& optimizer, Data&& data, const PartialFitOptions& options = {},
                   const L& loss = {}) {
  FitOptions one;
  one.epochs = 1;
  one.batch_size = options.batch_size;
  one.shuffle = options.shuffle;
  one.shuffle_buffer = options.shuffle_buffer;
  one.flush_denormals = options.flush_denormals;
  one.progress = Progress::never;
  return fit(model, optimizer, std::forward<Data>(data), one, loss).train_loss.front();
}

}  // namespace hourglass
