// hourglass/training/progress.hpp — the one-line progress display of fit().
//
// Redraws "epoch 3/20 [=====>    ] 25600/60000  loss 0.02315  91,204 samples/s  ETA 0:41" in
// place (carriage return) at most ten times a second, on standard error, and only when
// standard error is a terminal: logs and CI output stay clean.
#pragma once

#include <chrono>
#include <cstdio>
#include <string>
#include <unistd.h>

namespace hourglass {

enum class Progress {
  automatic,  ///< shown when standard error is a terminal
  always,
  never,
};

class ProgressLine {
 public:
  using Clock = std::chrono::steady_clock;

  explicit ProgressLine(Progress mode)
      : enabled_(mode == Progress::always || (mode == Progress::automatic && isatty(STDERR_FILENO) == 1)) {}

  bool enabled() const { return enabled_; }

  /// Call after each batch. `done` samples of `total` this epoch (0: not known yet, e.g. the
  /// first pass over a batch source without size(); then no bar and no ETA); `rate` in samples/s.
  void update(int epoch, int epochs, long long done, long long total, double loss, double rate,
              double seconds_left_in_run) {
    if (!enabled_) return;
    const auto now = Clock::now();
    if ((total <= 0 || done < total) && now - last_draw_ < std::chrono::milliseconds(100)) return;
    last_draw_ = now;
    if (total <= 0) {
      std::fprintf(stderr, "\repoch %d/%d %lld samples  loss %.5g  %.0f samples/s ", epoch, epochs, done, loss, rate);
      std::fflush(stderr);
      return;
    }
    constexpr int width = 24;
    const int filled = total > 0 ? static_cast<int>(width * done / total) : width;
    std::string bar(static_cast<std::size_t>(width), ' ');
    for (int i = 0; i < filled; ++i) bar[static_cast<std::size_t>(i)] = '=';
    if (filled < width) bar[static_cast<std::size_t>(filled)] = '>';
    const long long eta = static_cast<long long>(seconds_left_in_run + 0.5);
    std::fprintf(stderr, "\repoch %d/%d [%s] %lld/%lld  loss %.5g  %.0f samples/s  ETA %lld:%02lld ", epoch, epochs,
                 bar.c_str(), done, total, loss, rate, eta / 60, eta % 60);
    std::fflush(stderr);
  }

  /// Ends the epoch's line with its summary, so each epoch leaves one line behind.
  void finish_epoch(const std::string& summary) {
    if (!enabled_) return;
    std::fprintf(stderr, "\r\033[K%s\n", summary.c_str());
    std::fflush(stderr);
  }

 private:
  bool enabled_;
  Clock::time_point last_draw_{};
};

}  // namespace hourglass
