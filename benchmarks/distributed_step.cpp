// Data-parallel training on this machine (issue #15): samples/s of fit with an MpiCommunicator, and
// the all-reduce's time per step and share of the step, for the `small`, `hinton` and `conv` models.
// Run under mpiexec; compare 1 process x 2 threads with 2 processes x 1 thread:
//   OMP_NUM_THREADS=2 mpiexec -n 1 build/bench/benchmarks/hourglass_distributed_step
//   OMP_NUM_THREADS=1 mpiexec -n 2 build/bench/benchmarks/hourglass_distributed_step
// (scripts/distributed-bench.sh runs both and prints one table). Options: --batch B (the global
// batch, default 128), --samples N (synthetic images per epoch, default 16384), --epochs E (3; the
// median epoch is reported), --allreduce-only (time MPI_Allreduce of each model's gradient alone).
// Prints one Markdown row per model on process 0.
#include "models.hpp"

#include <hourglass/distributed.hpp>

#include <algorithm>
#include <cmath>
#include <chrono>
#include <cstdio>
#include <cstring>
#include <string>
#include <vector>

namespace {

struct Settings {
  int batch = 128, samples = 16384, epochs = 3;
  bool allreduce_only = false;
};

double median(std::vector<double> v) {
  std::sort(v.begin(), v.end());
  return v[v.size() / 2];
}

template <class Model>
void measure(const char* name, const Settings& s, hg::MpiCommunicator& comm) {
  Model model(1);
  const std::size_t parameters = static_cast<std::size_t>(model.parameters().size());
  if (s.allreduce_only) {
    // The gradient's all-reduce alone, 50 times: what a step adds at this process count.
    std::vector<float> buffer(parameters, 1.0f);
    std::vector<double> times;
    for (int k = 0; k < 50; ++k) {
      MPI_Barrier(comm.handle());
      const auto start = std::chrono::steady_clock::now();
      comm.allreduce_sum(std::span<float>(buffer));
      times.push_back(std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count());
    }
    if (comm.rank() == 0)
      std::printf("| %s | %zu | %.2f | %d | %.3f |\n", name, parameters, parameters * 4.0 / 1e6, comm.size(),
                  median(times) * 1e3);
    return;
  }
  const Eigen::MatrixXf x = bench::synthetic(Model::input_size, s.samples);
  hg::Adam<float> adam;
  hg::FitOptions options;
  options.epochs = s.epochs;
  options.batch_size = s.batch / comm.size();
  options.progress = hg::Progress::never;
  options.shuffle = true;
  std::vector<double> seconds, reduce;
  options.on_epoch = [&](const hg::EpochInfo& e) {
    seconds.push_back(e.seconds);
    reduce.push_back(comm.allreduce_seconds());
    comm.reset_timing();
    return true;
  };
  MPI_Barrier(comm.handle());
  comm.reset_timing();
  hg::fit(model, adam, x, options, hg::BCE{}, comm);
  const double epoch = median(seconds), all = median(reduce);
  const double steps = std::ceil(static_cast<double>(s.samples) / s.batch);
  if (comm.rank() == 0)
    std::printf("| %s | %d | %d | %d | %.0f | %.2f | %.2f | %.1f%% |\n", name, comm.size(), Eigen::nbThreads(), s.batch,
                s.samples / epoch, epoch / steps * 1e3, all / steps * 1e3, 100.0 * all / epoch);
}

}  // namespace

int main(int argc, char** argv) {
  hg::MpiSession session(argc, argv);
  hg::MpiCommunicator comm;
  Settings s;
  for (int i = 1; i < argc; ++i) {
    const std::string a = argv[i];
    if (a == "--batch" && i + 1 < argc) s.batch = std::atoi(argv[++i]);
    else if (a == "--samples" && i + 1 < argc) s.samples = std::atoi(argv[++i]);
    else if (a == "--epochs" && i + 1 < argc) s.epochs = std::atoi(argv[++i]);
    else if (a == "--allreduce-only") s.allreduce_only = true;
    else {
      if (comm.rank() == 0) std::fprintf(stderr, "usage: %s [--batch B] [--samples N] [--epochs E] [--allreduce-only]\n", argv[0]);
      return 2;
    }
  }
  if (s.batch % comm.size() != 0) {
    if (comm.rank() == 0) std::fprintf(stderr, "--batch %d does not divide among %d processes\n", s.batch, comm.size());
    return 2;
  }
  if (comm.rank() == 0) {
    if (s.allreduce_only) {
      std::printf("| model | parameters | MB (float) | processes | all-reduce ms (median of 50) |\n|---|---:|---:|---:|---:|\n");
    } else {
      std::printf("| model | processes | threads each | global batch | samples/s | ms/step | all-reduce ms/step | all-reduce share |\n"
                  "|---|---:|---:|---:|---:|---:|---:|---:|\n");
    }
  }
  measure<bench::Small>("small", s, comm);
  measure<bench::Hinton>("hinton", s, comm);
  measure<bench::Conv>("conv", s, comm);
  return 0;
}
