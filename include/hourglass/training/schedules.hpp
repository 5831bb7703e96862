// hourglass/training/schedules.hpp — learning-rate schedules, applied by fit() between epochs.
//
// A schedule maps what fit() knows after an epoch to the learning rate of the next epoch.
// Each factory validates its arguments. State that belongs to one run (reduce_on_plateau's best
// value and patience count) starts afresh in every copy, and fit() works on its own copy: a
// schedule in FitOptions reused for a second model or a second fit starts from scratch.
#pragma once

#include "../core/config.hpp"

#include <algorithm>
#include <cmath>
#include <functional>
#include <limits>
#include <memory>
#include <numbers>

namespace hourglass {

/// What a schedule sees after epoch `epoch` (0-based) has finished.
struct ScheduleState {
  int epoch = 0;            ///< the epoch just finished
  double base_rate = 0;     ///< the optimizer's rate when fit() started
  double current_rate = 0;  ///< the rate used in the epoch just finished
  double monitored = 0;     ///< validation loss if there is validation data, else training loss
};

class LearningRateSchedule {
 public:
  using Function = std::function<double(const ScheduleState&)>;
  /// Makes a fresh Function (with fresh state) for each run of the schedule.
  using Factory = std::function<Function()>;
  /// A schedule from a function of the state (any state it captures is the caller's).
  explicit LearningRateSchedule(Function f) : factory_([f] { return f; }), run_(f) {}
  /// A schedule with state of its own, made anew by `make` for every copy.
  static LearningRateSchedule with_state(Factory make) { return LearningRateSchedule(std::move(make), 0); }
  /// A schedule whose rate depends on the epoch and the base rate only (not on the losses): fit
  /// then runs it through every epoch before training and refuses it up front if it ever gives a
  /// rate that is not finite and > 0 (step, cosine).
  static LearningRateSchedule of_epoch(Function f) {
    LearningRateSchedule s(std::move(f));
    s.epoch_only_ = true;
    return s;
  }

  LearningRateSchedule(const LearningRateSchedule& other)
      : factory_(other.factory_), run_(factory_()), epoch_only_(other.epoch_only_) {}
  LearningRateSchedule& operator=(const LearningRateSchedule& other) {
    factory_ = other.factory_;
    run_ = factory_();
    epoch_only_ = other.epoch_only_;
    return *this;
  }
  /// Whether the rates are known before training (of_epoch): fit checks them all up front.
  bool depends_only_on_epoch() const { return epoch_only_; }
  LearningRateSchedule(LearningRateSchedule&&) noexcept = default;
  LearningRateSchedule& operator=(LearningRateSchedule&&) noexcept = default;

  /// The learning rate for the epoch after `state.epoch` (advances this run's state).
  double next_rate(const ScheduleState& state) { return run_(state); }

 private:
  LearningRateSchedule(Factory make, int) : factory_(std::move(make)), run_(factory_()) {}
  Factory factory_;
  Function run_;
  bool epoch_only_ = false;
};

namespace schedule {

/// Multiplies the rate by `gamma` every `step_size` epochs (torch StepLR).
inline LearningRateSchedule step(int step_size, double gamma) {
  detail::require(step_size >= 1, "schedule::step: step_size must be >= 1, got ", step_size);
  detail::require(std::isfinite(gamma) && gamma > 0 && gamma <= 1, "schedule::step: gamma must be in (0, 1], got ", gamma);
  return LearningRateSchedule::of_epoch([=](const ScheduleState& s) {
    return s.base_rate * std::pow(gamma, static_cast<double>((s.epoch + 1) / step_size));
  });
}

/// Cosine annealing from the base rate to `min_rate` over `epochs` epochs (torch
/// CosineAnnealingLR without restarts); stays at min_rate afterwards.
inline LearningRateSchedule cosine(int epochs, double min_rate = 0.0) {
  detail::require(epochs >= 1, "schedule::cosine: epochs must be >= 1, got ", epochs);
  detail::require(std::isfinite(min_rate) && min_rate >= 0, "schedule::cosine: min_rate must be >= 0, got ", min_rate);
  return LearningRateSchedule::of_epoch([=](const ScheduleState& s) {
    const double progress = std::min(1.0, static_cast<double>(s.epoch + 1) / epochs);
    return min_rate + (s.base_rate - min_rate) * 0.5 * (1.0 + std::cos(std::numbers::pi * progress));
  });
}

/// Multiplies the rate by `factor` when the monitored loss has not improved by more than
/// `threshold` (relative) for `patience` epochs (torch ReduceLROnPlateau, mode 'min', 'rel').
inline LearningRateSchedule reduce_on_plateau(double factor = 0.1, int patience = 10, double min_rate = 0.0,
                                              double threshold = 1e-4) {
  detail::require(std::isfinite(factor) && factor > 0 && factor < 1,
                  "schedule::reduce_on_plateau: factor must be in (0, 1), got ", factor);
  detail::require(patience >= 0, "schedule::reduce_on_plateau: patience must be >= 0, got ", patience);
  detail::require(std::isfinite(min_rate) && min_rate >= 0, "schedule::reduce_on_plateau: min_rate must be >= 0, got ",
                  min_rate);
  detail::require(std::isfinite(threshold) && threshold >= 0,
                  "schedule::reduce_on_plateau: threshold must be >= 0, got ", threshold);
  return LearningRateSchedule::with_state([=] {
    struct State {
      double best = std::numeric_limits<double>::infinity();
      int bad_epochs = 0;
    };
    auto state = std::make_shared<State>();  // one per run: made anew for every copy
    return LearningRateSchedule::Function([=](const ScheduleState& s) {
      if (s.monitored < state->best * (1.0 - threshold)) {
        state->best = s.monitored;
        state->bad_epochs = 0;
        return s.current_rate;
      }
      if (++state->bad_epochs > patience) {
        state->bad_epochs = 0;
        return std::max(min_rate, s.current_rate * factor);
      }
      return s.current_rate;
    });
  });
}

}  // namespace schedule
}  // namespace hourglass
