// Data-parallel training over MPI (issue #15): run under `mpiexec -n N` (N = 1, 2, 3; CTest does).
// On every process, a distributed fit (per-process batch b) is compared with a one-process fit of
// the same model on the same data with batch N b, computed on that process with LocalCommunicator:
// the parameters must agree within 1e-12 (double) / 1e-5 (float) after 20 steps — plain, with
// SparseKL, with masking noise — on a data set that does not divide by N (the last batch leaves
// some processes without samples at N = 3). Also: identical parameters on every process after
// every epoch; validation and early stopping reduced across processes; bad data on one process
// and a divergence stop every process with the same error. Exit code 0 when every check passes
// on this process; CTest runs it once per N.
#include <hourglass/distributed.hpp>
#include <hourglass/hourglass.hpp>

#include <cmath>
#include <cstdio>
#include <functional>
#include <random>
#include <string>

namespace hg = hourglass;

namespace {

int failures = 0;

void check(bool ok, const std::string& what, hg::MpiCommunicator& comm) {
  if (!ok) {
    ++failures;
    std::fprintf(stderr, "process %d of %d: FAILED: %s\n", comm.rank(), comm.size(), what.c_str());
  }
}

Eigen::MatrixXd data(int rows, int cols, unsigned seed) {
  std::mt19937 gen(seed);
  std::uniform_real_distribution<double> u(0.0, 1.0);
  Eigen::MatrixXd x(rows, cols);
  for (Eigen::Index j = 0; j < x.cols(); ++j)
    for (Eigen::Index i = 0; i < x.rows(); ++i) x(i, j) = u(gen);
  return x;
}

/// Largest |a - b| over the parameters.
template <class M>
double distance(const M& a, const M& b) {
  return (a.parameters().values.template cast<double>() - b.parameters().values.template cast<double>()).cwiseAbs().maxCoeff();
}

/// Whether every process holds bit-identical parameters (max and min over processes agree).
template <class M>
bool identical_everywhere(const M& model, hg::MpiCommunicator& comm) {
  using Scalar = typename M::Scalar;
  const auto& v = model.parameters().values;
  Eigen::Matrix<Scalar, Eigen::Dynamic, 1> lo = v, hi = v;
  const MPI_Datatype type = std::is_same_v<Scalar, float> ? MPI_FLOAT : MPI_DOUBLE;
  MPI_Allreduce(MPI_IN_PLACE, lo.data(), static_cast<int>(lo.size()), type, MPI_MIN, comm.handle());
  MPI_Allreduce(MPI_IN_PLACE, hi.data(), static_cast<int>(hi.size()), type, MPI_MAX, comm.handle());
  return lo == hi;
}

/// A distributed fit against one process with batch N b; `label` names the case.
template <class Model, class Loss = hg::MeanSquaredError>
void equivalence(const std::string& label, hg::MpiCommunicator& comm, double tolerance, std::uint64_t seed = 7) {
  using Scalar = typename Model::Scalar;
  const Eigen::MatrixXd x64 = data(Model::input_size, 37, 11);  // 37: divides by neither 2 nor 3
  const Eigen::Matrix<Scalar, Eigen::Dynamic, Eigen::Dynamic> x = x64.cast<Scalar>();
  const int n = comm.size();
  const hg::Index b = 4, global = b * n;
  const int steps_per_epoch = static_cast<int>((x.cols() + global - 1) / global);
  hg::FitOptions options;
  options.batch_size = b;
  options.epochs = (20 + steps_per_epoch - 1) / steps_per_epoch;  // >= 20 steps
  options.progress = hg::Progress::never;
  bool same_every_epoch = true;
  Model distributed(seed);
  options.on_epoch = [&](const hg::EpochInfo&) {
    same_every_epoch = same_every_epoch && identical_everywhere(distributed, comm);
    return true;
  };
  hg::Adam<Scalar> adam({.learning_rate = 1e-2});
  const auto h = hg::fit(distributed, adam, x, options, Loss{}, comm);

  hg::FitOptions one = options;
  one.batch_size = global;
  one.on_epoch = nullptr;
  Model reference(seed);
  hg::Adam<Scalar> adam1({.learning_rate = 1e-2});
  const auto h1 = hg::fit(reference, adam1, x, one, Loss{});

  const double d = distance(distributed, reference);
  check(adam.steps() >= 20 && adam.steps() == adam1.steps(), label + ": steps " + std::to_string(adam.steps()), comm);
  check(d <= tolerance, label + ": parameters differ from one process with batch N b by " + std::to_string(d), comm);
  check(std::abs(h.train_loss.back() - h1.train_loss.back()) <= tolerance * 10,
        label + ": train loss " + std::to_string(h.train_loss.back()) + " vs " + std::to_string(h1.train_loss.back()), comm);
  check(same_every_epoch, label + ": processes held different parameters after an epoch", comm);
  if (comm.rank() == 0)
    std::printf("%s, %d process(es): %lld steps, max |difference| %.3g (tolerance %.0e)\n", label.c_str(), n,
                static_cast<long long>(adam.steps()), d, tolerance);
}

using Plain = hg::BasicAutoencoder<double, hg::Encoder<hg::Dense<12, 6, hg::Tanh>, hg::Dense<6, 3>>,
                                   hg::Decoder<hg::Dense<3, 6, hg::Tanh>, hg::Dense<6, 12, hg::Sigmoid>>>;
using PlainFloat = hg::BasicAutoencoder<float, hg::Encoder<hg::Dense<12, 6, hg::Tanh>, hg::Dense<6, 3>>,
                                        hg::Decoder<hg::Dense<3, 6, hg::Tanh>, hg::Dense<6, 12, hg::Sigmoid>>>;
using Sparse = hg::BasicAutoencoder<double, hg::Encoder<hg::Dense<12, 5, hg::Sigmoid>>,
                                    hg::Decoder<hg::Dense<5, 12, hg::Sigmoid>>, hg::SparseKL<>>;
using Denoising = hg::BasicAutoencoder<double, hg::Encoder<hg::Dense<12, 5, hg::Sigmoid>>,
                                       hg::Decoder<hg::Dense<5, 12, hg::Sigmoid>>, hg::MaskingNoise>;

void validation_and_early_stopping(hg::MpiCommunicator& comm) {
  const Eigen::MatrixXd x = data(12, 37, 11), v = data(12, 13, 12);  // 13 validation samples: uneven too
  const hg::Index b = 4, global = b * comm.size();
  hg::FitOptions options;
  options.batch_size = b;
  options.epochs = 12;
  options.progress = hg::Progress::never;
  options.early_stopping = {.patience = 2, .min_delta = 0.0, .restore_best = true};
  Plain model(3), reference(3);
  hg::SGD<double> sgd({.learning_rate = 0.5, .momentum = 0.9}), sgd1({.learning_rate = 0.5, .momentum = 0.9});
  const auto h = hg::fit(model, sgd, x, v, options, hg::MSE{}, comm);
  options.batch_size = global;
  const auto h1 = hg::fit(reference, sgd1, x, v, options, hg::MSE{});
  double worst = 0;
  for (std::size_t e = 0; e < std::min(h.validation_loss.size(), h1.validation_loss.size()); ++e)
    worst = std::max(worst, std::abs(h.validation_loss[e] - h1.validation_loss[e]));
  check(h.epochs_run() == h1.epochs_run() && h.best_epoch == h1.best_epoch,
        "early stopping: epochs " + std::to_string(h.epochs_run()) + " vs " + std::to_string(h1.epochs_run()) +
            ", best " + std::to_string(h.best_epoch) + " vs " + std::to_string(h1.best_epoch),
        comm);
  check(worst <= 1e-12, "validation loss differs by " + std::to_string(worst), comm);
  check(distance(model, reference) <= 1e-12, "restored best parameters differ", comm);
  check(identical_everywhere(model, comm), "processes end with different parameters", comm);
  if (comm.rank() == 0)
    std::printf("validation + early stopping, %d process(es): %d epochs (best %d), validation max |difference| %.3g\n",
                comm.size(), h.epochs_run(), h.best_epoch + 1, worst);
}

/// The error's text, equal on every process (compared through a hash's min and max).
bool same_text_everywhere(const std::string& text, hg::MpiCommunicator& comm) {
  const double hash = static_cast<double>(std::hash<std::string>{}(text) % 1000000007ULL);
  double lo = hash, hi = hash;
  MPI_Allreduce(MPI_IN_PLACE, &lo, 1, MPI_DOUBLE, MPI_MIN, comm.handle());
  MPI_Allreduce(MPI_IN_PLACE, &hi, 1, MPI_DOUBLE, MPI_MAX, comm.handle());
  return lo == hi;
}

void errors_stop_every_process(hg::MpiCommunicator& comm) {
  hg::FitOptions options;
  options.batch_size = 4;
  options.epochs = 3;
  options.progress = hg::Progress::never;
  // Bad data on the last process only: every process throws, with one message.
  Eigen::MatrixXd x = data(12, 37, 11);
  if (comm.rank() == comm.size() - 1) x(3, 5) = std::nan("");
  Plain model(5);
  hg::Adam<double> adam;
  std::string error;
  try {
    hg::fit(model, adam, x, options, hg::MSE{}, comm);
  } catch (const std::invalid_argument& e) {
    error = e.what();
  }
  check(!error.empty() && error.find("NaN") != std::string::npos, "a NaN on one process: got \"" + error + "\"", comm);
  check(same_text_everywhere(error, comm), "a NaN on one process: the processes report different errors", comm);
  if (comm.size() > 1)
    check(error.find("process " + std::to_string(comm.size() - 1)) != std::string::npos,
          "the error names the failing process: " + error, comm);

  // Different seeds: refused on every process.
  Plain other(comm.rank() == 0 ? 5 : 6);
  hg::Adam<double> adam2;
  error.clear();
  try {
    hg::fit(other, adam2, data(12, 37, 11), options, hg::MSE{}, comm);
  } catch (const std::invalid_argument& e) {
    error = e.what();
  }
  check(comm.size() == 1 || error.find("one seed on every process") != std::string::npos, "different seeds: \"" + error + "\"",
        comm);
  check(same_text_everywhere(error, comm), "different seeds: the processes report different errors", comm);

  // Divergence mid-training (an absurd learning rate): every process throws TrainingDiverged at
  // the same step with the same message.
  Plain diverging(5);
  hg::SGD<double> sgd({.learning_rate = 1e300});
  error.clear();
  long long where = -1;
  try {
    hg::fit(diverging, sgd, data(12, 37, 11), options, hg::MSE{}, comm);
  } catch (const hg::TrainingDiverged& e) {
    error = e.what();
    where = e.epoch() * 1000 + e.batch();
  }
  check(!error.empty(), "divergence: no TrainingDiverged", comm);
  check(same_text_everywhere(error + std::to_string(where), comm), "divergence: the processes stop differently", comm);
  check(identical_everywhere(diverging, comm), "divergence: the processes keep different parameters", comm);
}

}  // namespace

int main(int argc, char** argv) {
  hg::MpiSession session(argc, argv);
  hg::MpiCommunicator comm;
  equivalence<Plain>("plain (double)", comm, 1e-12);
  equivalence<PlainFloat>("plain (float)", comm, 1e-5);
  equivalence<Sparse>("SparseKL (double)", comm, 1e-12);
  equivalence<Denoising>("masking noise (double)", comm, 1e-12);
  validation_and_early_stopping(comm);
  errors_stop_every_process(comm);
  int total = failures;
  MPI_Allreduce(MPI_IN_PLACE, &total, 1, MPI_INT, MPI_SUM, comm.handle());
  if (comm.rank() == 0) std::printf("%s: %d failed check(s) over %d process(es)\n", total ? "FAILED" : "passed", total, comm.size());
  return total == 0 ? 0 : 1;
}
