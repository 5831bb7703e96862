// hourglass/training/fit.hpp — the training loop.
//
// Each epoch: permute the sample indices (the data set itself is never copied or reordered),
// then for each mini-batch of indices: gather it into the model's workspace (corrupting it if a
// policy says so), forward + backward (loss and penalties), check the objective and gradients are
// finite, step the optimizer. After the epoch: validation loss, history, callbacks, early
// stopping, learning-rate schedule. docs/design.md draws the same flow.
#pragma once

#include "../core/config.hpp"
#include "../core/denormals.hpp"
#include "../core/finite.hpp"
#include "../model/network.hpp"
#include "../objectives/losses.hpp"
#include "optimizers/optimizer.hpp"
#include "progress.hpp"
#include "schedules.hpp"

#include <chrono>
#include <cmath>
#include <functional>
#include <limits>
#include <numeric>
#include <optional>
#include <span>
#include <stdexcept>
#include <string>
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
/// overflowed (the pre-step values are not kept, to spare a copy per step). what() says which.
class TrainingDiverged : public std::runtime_error {
 public:
  TrainingDiverged(int epoch, Index batch, const std::string& what)
      : std::runtime_error(what), epoch_(epoch), batch_(batch) {}
  int epoch() const { return epoch_; }
  Index batch() const { return batch_; }

 private:
  int epoch_;
  Index batch_;
};

namespace detail {

/// Throws with the index of the first sample (column) holding NaN or Inf.
template <class D>
void require_finite_samples(const Eigen::MatrixBase<D>& x, const char* what) {
  if (x.allFinite()) return;
  for (Index j = 0; j < x.cols(); ++j) {
    if (!x.col(j).allFinite()) {
      throw std::invalid_argument(message(what, ": sample ", j, " (column ", j, ") contains NaN or Inf"));
    }
  }
}

template <class Model, Optimizer Opt, Loss L, class D, class V>
History fit(Model& model, Opt& optimizer, const Eigen::MatrixBase<D>& x, const Eigen::MatrixBase<V>* validation,
            const FitOptions& options, const L& loss) {
  static_assert(std::is_same_v<typename Opt::Scalar, typename Model::Scalar>,
                "fit: the optimizer's Scalar must be the model's Scalar (e.g. Adam<double> for a double model)");
  require(options.epochs >= 1, "fit: epochs must be >= 1, got ", options.epochs);
  require(options.batch_size >= 1, "fit: batch_size must be >= 1, got ", options.batch_size);
  require(options.early_stopping.patience >= 0, "fit: early_stopping.patience must be >= 0, got ",
          options.early_stopping.patience);
  require(std::isfinite(options.early_stopping.min_delta) && options.early_stopping.min_delta >= 0,
          "fit: early_stopping.min_delta must be a finite number >= 0, got ", options.early_stopping.min_delta);
  require(x.rows() == Model::input_size && x.cols() > 0, "fit: expected training data of ", Model::input_size,
          " x n (one sample per column, n >= 1), got ", shape(x.rows(), x.cols()));
  require_finite_samples(x, "fit: training data");
  if (validation) {
    require(validation->rows() == Model::input_size && validation->cols() > 0, "fit: expected validation data of ",
            Model::input_size, " x n (n >= 1), got ", shape(validation->rows(), validation->cols()));
    require_finite_samples(*validation, "fit: validation data");
  }
  if (const Index bad = first_non_finite(model.parameters().values); bad >= 0)
    throw std::invalid_argument(message("fit: the model's parameter ", bad, " is NaN or Inf before training"));
  model.validate_policies();
  const FlushDenormals flush(options.flush_denormals);

  using Clock = std::chrono::steady_clock;
  const Index n = x.cols();
  const Index batch = std::min(options.batch_size, n);
  const Index batches = (n + batch - 1) / batch;
  std::vector<Index> order(static_cast<std::size_t>(n));
  std::iota(order.begin(), order.end(), Index{0});
  model.reserve(batch);

  const bool early = options.early_stopping.patience > 0;
  Vector<typename Model::Scalar> best_parameters;
  Vector<typename Model::Scalar> epoch_start;  // the parameters at the start of the epoch (all finite)
  double best = std::numeric_limits<double>::infinity();
  int bad_epochs = 0;

  const double base_rate = optimizer.learning_rate();
  History history;
  ProgressLine progress(options.progress);
  // After a divergence: put back finite parameters and say which.
  auto restore = [&](int epoch, bool pre_step_finite) -> std::string {
    if (early && options.early_stopping.restore_best && best_parameters.size() > 0) {
      model.parameters().values = best_parameters;
      return message("the model holds the parameters of the best epoch (", history.best_epoch + 1, ")");
    }
    if (pre_step_finite) return "the model keeps the parameters from before this step";
    model.parameters().values = epoch_start;
    return message("the model holds the parameters from the start of epoch ", epoch + 1);
  };

  for (int epoch = 0; epoch < options.epochs; ++epoch) {
    epoch_start = model.parameters().values;
    if (options.shuffle) model.rng().shuffle(std::span<Index>(order));
    const auto start = Clock::now();
    double loss_sum = 0, penalty_sum = 0;
    for (Index b = 0; b < batches; ++b) {
      const Index first = b * batch;
      const Index count = std::min(batch, n - first);
      model.load_batch(x, std::span<const Index>(order).subspan(static_cast<std::size_t>(first),
                                                               static_cast<std::size_t>(count)));
      const auto objective = model.compute_gradients(loss);
      if (!std::isfinite(static_cast<double>(objective.total())) || !all_finite(model.parameters().gradients)) {
        const bool loss_finite = std::isfinite(static_cast<double>(objective.loss));
        const char* what = !loss_finite ? "loss" : !std::isfinite(static_cast<double>(objective.penalty)) ? "penalty" : "gradient";
        const std::string kept = restore(epoch, true);
        throw TrainingDiverged(epoch, b,
                               message("fit: training diverged at epoch ", epoch + 1, ", batch ", b + 1, " of ",
                                       batches, ": the ", what, " is NaN or Inf (learning rate ", optimizer.learning_rate(),
                                       "); ", kept));
      }
      optimizer.step(model.parameters());
      // A step can overflow even from finite gradients (an absurd learning rate): NaN or Inf
      // weights can then hide behind ReLUs that output 0, so the parameters are checked too.
      if (!all_finite(model.parameters().values)) {
        const std::string kept = restore(epoch, false);
        throw TrainingDiverged(epoch, b,
                               message("fit: training diverged at epoch ", epoch + 1, ", batch ", b + 1, " of ", batches,
                                       ": the optimizer's step made parameters NaN or Inf (learning rate ",
                                       optimizer.learning_rate(), "); ", kept));
      }
      loss_sum += static_cast<double>(objective.loss) * static_cast<double>(count);
      penalty_sum += static_cast<double>(objective.penalty) * static_cast<double>(count);
      if (options.on_batch) {
        options.on_batch(BatchInfo{epoch, b, batches, count, static_cast<double>(objective.loss),
                                   static_cast<double>(objective.penalty)});
      }
      if (progress.enabled()) {
        const double elapsed = std::chrono::duration<double>(Clock::now() - start).count();
        const double done = static_cast<double>(first + count);
        const double rate = elapsed > 0 ? done / elapsed : 0.0;
        const double remaining_samples = static_cast<double>(n) * (options.epochs - epoch) - done;
        progress.update(epoch + 1, options.epochs, first + count, n, loss_sum / done, rate,
                        rate > 0 ? remaining_samples / rate : 0.0);
      }
    }
    const double seconds = std::chrono::duration<double>(Clock::now() - start).count();

    EpochInfo info;
    info.epoch = epoch;
    info.epochs = options.epochs;
    info.train_loss = loss_sum / static_cast<double>(n);
    info.train_penalty = penalty_sum / static_cast<double>(n);
    info.seconds = seconds;
    info.learning_rate = optimizer.learning_rate();
    if (validation) info.validation_loss = model.evaluate(loss, *validation);

    history.train_loss.push_back(info.train_loss);
    history.train_penalty.push_back(info.train_penalty);
    if (info.validation_loss) history.validation_loss.push_back(*info.validation_loss);
    history.seconds.push_back(seconds);
    history.learning_rate.push_back(info.learning_rate);

    const double monitored = info.validation_loss.value_or(info.train_loss + info.train_penalty);
    bool stop = false;
    if (early) {
      if (monitored < best - options.early_stopping.min_delta) {
        best = monitored;
        history.best_epoch = epoch;
        bad_epochs = 0;
        if (options.early_stopping.restore_best) best_parameters = model.parameters().values;
      } else if (++bad_epochs >= options.early_stopping.patience) {
        stop = true;
        history.stopped_early = true;
      }
    }
    if (options.on_epoch && !options.on_epoch(info)) stop = true;
    progress.finish_epoch(message("epoch ", epoch + 1, "/", options.epochs, "  loss ", info.train_loss,
                                  info.validation_loss ? message("  val ", *info.validation_loss) : std::string(),
                                  "  ", static_cast<long long>(static_cast<double>(n) / seconds), " samples/s  ",
                                  seconds, " s"));
    if (stop || epoch + 1 == options.epochs) break;  // no next epoch to schedule
    if (options.schedule) {
      const double rate =
          options.schedule->next_rate(ScheduleState{epoch, base_rate, optimizer.learning_rate(), monitored});
      require(std::isfinite(rate) && rate > 0, "fit: the learning-rate schedule gives ", rate, " for epoch ", epoch + 2,
              " (a rate must be finite and > 0; e.g. schedule::cosine(E) reaches its min_rate, 0 by default, at epoch E",
              " — train for E epochs or give min_rate > 0)");
      optimizer.set_learning_rate(rate);
    }
  }
  if (early && options.early_stopping.restore_best && best_parameters.size() > 0)
    model.parameters().values = best_parameters;
  return history;
}

}  // namespace detail

/// Trains `model` on X (one sample per column) with `optimizer` and `loss` (MSE by default).
template <class Model, Optimizer Opt, Loss L = MeanSquaredError, class D>
History fit(Model& model, Opt& optimizer, const Eigen::MatrixBase<D>& x, const FitOptions& options = {},
            const L& loss = {}) {
  return detail::fit(model, optimizer, x, static_cast<const Eigen::MatrixBase<D>*>(nullptr), options, loss);
}

/// The same, reporting the loss on `validation` after every epoch (and monitoring it for early
/// stopping and reduce-on-plateau).
template <class Model, Optimizer Opt, Loss L = MeanSquaredError, class D, class V>
History fit(Model& model, Opt& optimizer, const Eigen::MatrixBase<D>& x, const Eigen::MatrixBase<V>& validation,
            const FitOptions& options = {}, const L& loss = {}) {
  return detail::fit(model, optimizer, x, &validation, options, loss);
}

}  // namespace hourglass
