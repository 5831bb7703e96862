// hourglass/distributed.hpp — data-parallel training over MPI (not in the core umbrella header).
//
// Link hourglass::mpi (CMake: -DHOURGLASS_MPI=ON, Debian's openmpi-bin and libopenmpi-dev;
// scripts/install-deps.sh mpi). Then, in a program started by `mpirun -np N program ...`:
//
//   hourglass::MpiSession mpi(argc, argv);            // MPI_Init_thread ... MPI_Finalize
//   hourglass::MpiCommunicator comm;                   // MPI_COMM_WORLD
//   auto history = hourglass::fit(model, adam, x, validation, options, hourglass::BCE{}, comm);
//   if (comm.rank() == 0) hourglass::io::save_model("model.safetensors", model);
//
// Every process passes the whole data set, the same options and a model of the same type;
// options.batch_size is per process. training/fit.hpp says what is reduced and how a data set
// that does not divide evenly is split; docs/distributed.md how to launch on several hosts, what
// is deterministic, and the measured and modelled scaling.
#pragma once

#include "core/config.hpp"
#include "training/communicator.hpp"

#include <mpi.h>

#include <algorithm>
#include <chrono>
#include <climits>
#include <cstddef>
#include <span>
#include <stdexcept>
#include <string>
#include <type_traits>

namespace hourglass {

/// MPI_Init_thread (MPI_THREAD_FUNNELED: only the thread that made the session calls MPI; Eigen's
/// threads never do) for the lifetime of the object, and MPI_Finalize after. One per program.
class MpiSession {
 public:
  MpiSession(int& argc, char**& argv) {
    int initialized = 0;
    MPI_Initialized(&initialized);
    if (initialized) throw std::logic_error("MpiSession: MPI is already initialised (one session per program)");
    int provided = 0;
    MPI_Init_thread(&argc, &argv, MPI_THREAD_FUNNELED, &provided);
  }
  ~MpiSession() {
    int finalized = 0;
    MPI_Finalized(&finalized);
    if (!finalized) MPI_Finalize();
  }
  MpiSession(const MpiSession&) = delete;
  MpiSession& operator=(const MpiSession&) = delete;
};

/// A Communicator (training/communicator.hpp) over an MPI communicator: allreduce_sum is
/// MPI_Allreduce(MPI_IN_PLACE, ..., MPI_SUM), broadcast is MPI_Bcast. It keeps the wall time
/// spent in all-reductions and their count, for the measurements of docs/distributed.md.
class MpiCommunicator {
 public:
  explicit MpiCommunicator(MPI_Comm comm = MPI_COMM_WORLD) : comm_(comm) {
    int initialized = 0;
    MPI_Initialized(&initialized);
    if (!initialized) throw std::logic_error("MpiCommunicator: MPI is not initialised (make an MpiSession first)");
    MPI_Comm_rank(comm_, &rank_);
    MPI_Comm_size(comm_, &size_);
  }

  int rank() const { return rank_; }
  int size() const { return size_; }

  template <class T>
  void allreduce_sum(std::span<T> values) {
    const auto start = std::chrono::steady_clock::now();
    for (std::size_t i = 0; i < values.size(); i += chunk) {
      const int count = static_cast<int>(std::min(chunk, values.size() - i));
      check(MPI_Allreduce(MPI_IN_PLACE, values.data() + i, count, type<T>(), MPI_SUM, comm_), "MPI_Allreduce");
    }
    allreduce_seconds_ += std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
    ++allreduces_;
  }

  template <class T>
  void broadcast(std::span<T> values, int root) {
    for (std::size_t i = 0; i < values.size(); i += chunk) {
      const int count = static_cast<int>(std::min(chunk, values.size() - i));
      check(MPI_Bcast(values.data() + i, count, type<T>(), root, comm_), "MPI_Bcast");
    }
  }

  /// Wall time spent in allreduce_sum (waiting for the slowest process included), and calls.
  double allreduce_seconds() const { return allreduce_seconds_; }
  long long allreduces() const { return allreduces_; }
  void reset_timing() {
    allreduce_seconds_ = 0;
    allreduces_ = 0;
  }

  MPI_Comm handle() const { return comm_; }

 private:
  static constexpr std::size_t chunk = static_cast<std::size_t>(INT_MAX);  // MPI counts are int

  template <class T>
  static MPI_Datatype type() {
    static_assert(std::is_same_v<T, float> || std::is_same_v<T, double>, "MpiCommunicator: float or double only");
    if constexpr (std::is_same_v<T, float>) {
      return MPI_FLOAT;
    } else {
      return MPI_DOUBLE;
    }
  }
  static void check(int code, const char* what) {
    if (code == MPI_SUCCESS) return;
    char text[MPI_MAX_ERROR_STRING];
    int length = 0;
    MPI_Error_string(code, text, &length);
    throw std::runtime_error(std::string(what) + " failed: " + std::string(text, static_cast<std::size_t>(length)));
  }

  MPI_Comm comm_;
  int rank_ = 0, size_ = 1;
  double allreduce_seconds_ = 0;
  long long allreduces_ = 0;
};

static_assert(Communicator<MpiCommunicator>);

}  // namespace hourglass
