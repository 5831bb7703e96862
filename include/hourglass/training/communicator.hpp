// hourglass/training/communicator.hpp — the seam between the training loop and data parallelism.
//
// fit() combines the numbers it decides with (the gradient buffer, the batch's loss, penalty and
// sample count, the validation loss) through a Communicator: on one process (LocalCommunicator)
// every call is the identity; an MPI communicator sums over processes. Every decision that stops
// training (divergence, early stopping, a schedule's rate) is taken from combined values, so all
// processes take it alike.
#pragma once

#include "../core/config.hpp"

#include <concepts>
#include <span>

namespace hourglass {

template <class C>
concept Communicator = requires(C& c, std::span<float> f, std::span<double> d) {
  { c.rank() } -> std::convertible_to<int>;
  { c.size() } -> std::convertible_to<int>;
  c.allreduce_sum(f);  ///< in place: every process ends with the sum over processes
  c.allreduce_sum(d);
  c.broadcast(f, 0);   ///< in place: every process ends with process 0's values
  c.broadcast(d, 0);
};

/// One process: sums and broadcasts change nothing.
struct LocalCommunicator {
  int rank() const { return 0; }
  int size() const { return 1; }
  template <class T>
  void allreduce_sum(std::span<T>) const {}
  template <class T>
  void broadcast(std::span<T>, int) const {}
};

static_assert(Communicator<LocalCommunicator>);

}  // namespace hourglass
