// The hourglass side of benchmarks/compare/run.sh: trains the `small` and `hinton` autoencoders and
// the conv presets `conv` and `conv-keras` (benchmarks/models.hpp), PyTorch's VAE example (vae)
// (MSE, Adam 1e-3, float32, --batch samples per step) for --epochs epochs on MNIST, times the
// `small` encoder on the 60,000 training images (encode), fits PCA with k = 32, and (latency)
// times single-sample encode and reconstruct of `small` and `hinton` through a Predictor, in µs,
// and calls/s with 1, 2, 4 and 8 application threads sharing one model, printing one JSON object
// per task on standard output (peer.py prints the same for PyTorch and scikit-learn).
//
//   hourglass_compare [--data DIR] [--epochs N] [--batch N] [--threads N] [--tasks small,hinton,conv,conv-keras,vae,encode,latency,pca]
//                     [--iwae-images N] [--iwae-samples K]
#include <hourglass/hourglass.hpp>

#include "../mnist_local.hpp"
#include "../models.hpp"

#include <algorithm>
#include <atomic>
#include <chrono>
#include <cstdio>
#include <string>
#include <thread>
#include <vector>

#include <time.h>

#ifdef _OPENMP
#include <omp.h>
#endif

namespace {

using Clock = std::chrono::steady_clock;

/// Keeps a result alive so the compiler cannot drop the call that made it.
void benchmark_sink(const float* p) { asm volatile("" : : "r"(p) : "memory"); }

double median(std::vector<double> v) {
  std::sort(v.begin(), v.end());
  const std::size_t m = v.size() / 2;
  return v.size() % 2 ? v[m] : 0.5 * (v[m - 1] + v[m]);
}

std::string list(const std::vector<double>& v) {
  std::string s = "[";
  for (std::size_t i = 0; i < v.size(); ++i) s += (i ? ", " : "") + std::to_string(v[i]);
  return s + "]";
}

template <class Model>
void train(const char* name, const bench::Mnist& data, int epochs, int batch) {
  Model model(1);
  hg::Adam<float> adam({.learning_rate = 1e-3});
  hg::FitOptions options;
  options.epochs = epochs;
  options.batch_size = batch;
  options.progress = hg::Progress::never;
  const auto history = hg::fit(model, adam, data.train, options);
  const double seconds = median(history.seconds);
  const double mse = model.evaluate(hg::MSE{}, data.test);
  std::printf("{\"tool\": \"hourglass\", \"task\": \"%s\", \"batch\": %d, \"epochs\": %d, \"epoch_seconds\": %s, "
              "\"median_epoch_s\": %.4f, \"samples_per_s\": %.1f, \"test_mse\": %.6f, \"test_sse\": %.4f}\n",
              name, batch, epochs, list(history.seconds).c_str(), seconds,
              static_cast<double>(data.train.cols()) / seconds, mse, mse * static_cast<double>(data.test.rows()));
  std::fflush(stdout);
}

/// PyTorch's VAE example's recipe (Adam 1e-3, constant): seconds per epoch, the test loss (-ELBO,
/// one z per image, nats per image) after every epoch, then the IWAE estimate of -log p(x) with
/// `iwae_samples` draws on the first `iwae_images` test images.
void vae(const bench::Mnist& data, int epochs, int batch, int iwae_images, int iwae_samples) {
  bench::Vae model(1);
  hg::Adam<float> adam({.learning_rate = 1e-3});
  hg::FitOptions options;
  options.epochs = epochs;
  options.batch_size = batch;
  options.progress = hg::Progress::never;
  const auto history = hg::fit(model, adam, data.train, data.test, options);
  const double seconds = median(history.seconds);
  const auto start = Clock::now();
  const double iwae = model.log_likelihood(data.test.leftCols(iwae_images), iwae_samples, 2);
  const double iwae_seconds = std::chrono::duration<double>(Clock::now() - start).count();
  std::printf("{\"tool\": \"hourglass\", \"task\": \"vae\", \"batch\": %d, \"epochs\": %d, \"epoch_seconds\": %s, "
              "\"median_epoch_s\": %.4f, \"samples_per_s\": %.1f, \"test_losses\": %s, \"test_loss\": %.4f, "
              "\"iwae_nll\": %.4f, \"iwae_images\": %d, \"iwae_samples\": %d, \"iwae_seconds\": %.2f}\n",
              batch, epochs, list(history.seconds).c_str(), seconds, static_cast<double>(data.train.cols()) / seconds,
              list(history.validation_loss).c_str(), history.validation_loss.back(), -iwae, iwae_images, iwae_samples,
              iwae_seconds);
  std::fflush(stdout);
}

/// Inference: the `small` encoder on all 60,000 training images (one warm-up, median of 5).
void encode(const bench::Mnist& data) {
  bench::Small model(1);
  Eigen::MatrixXf codes = model.encode(data.train);
  std::vector<double> times;
  for (int repeat = 0; repeat < 5; ++repeat) {
    const auto start = Clock::now();
    codes = model.encode(data.train);
    times.push_back(std::chrono::duration<double>(Clock::now() - start).count());
  }
  const double seconds = median(times);
  std::printf("{\"tool\": \"hourglass\", \"task\": \"encode\", \"batch\": %lld, \"seconds\": %s, \"median_s\": %.5f, "
              "\"samples_per_s\": %.1f, \"checksum\": %.4f}\n",
              static_cast<long long>(data.train.cols()), list(times).c_str(), seconds,
              static_cast<double>(data.train.cols()) / seconds, static_cast<double>(codes.cwiseAbs().mean()));
  std::fflush(stdout);
}

/// Single-sample inference (latency task): the median wall time of one call, each call timed on
/// its own (warm-up first; at most `calls` calls or about a second), cycling through the MNIST
/// test images; the Predictor's encode and reconstruct and the model's own encode(x.col(j)).
template <class F>
std::vector<double> time_calls(const Eigen::MatrixXf& x, int calls, F&& call) {
  Eigen::Index j = 0;
  const auto next = [&] {
    const auto col = x.col(j);
    j = (j + 1) % x.cols();
    return col;
  };
  for (int i = 0; i < 100; ++i) call(next());
  std::vector<double> us;
  const auto stop = Clock::now() + std::chrono::seconds(1);
  for (int i = 0; i < calls && (i < 100 || Clock::now() < stop); ++i) {
    const auto col = next();
    const auto start = Clock::now();
    call(col);
    us.push_back(std::chrono::duration<double, std::micro>(Clock::now() - start).count());
  }
  return us;
}

void print_latency(const char* model, const char* call, const char* api, const std::vector<double>& us) {
  std::vector<double> sorted = us;
  std::sort(sorted.begin(), sorted.end());
  const auto at = [&](double q) { return sorted[static_cast<std::size_t>(q * static_cast<double>(sorted.size() - 1))]; };
  std::printf("{\"tool\": \"hourglass\", \"task\": \"latency\", \"model\": \"%s\", \"call\": \"%s\", \"api\": \"%s\", "
              "\"intra_threads\": 1, \"calls\": %zu, \"median_us\": %.3f, \"p10_us\": %.3f, \"p90_us\": %.3f, "
              "\"median_s\": %.9f}\n",
              model, call, api, us.size(), median(us), at(0.1), at(0.9), median(us) * 1e-6);
  std::fflush(stdout);
}

/// Throughput: `threads` application threads, each with its own Predictor on the shared model,
/// calling reconstruct on one sample at a time for about `seconds`: calls/s in total, CPU µs per
/// call (all threads' CPU time over all calls) and the cores the process got (CPU time / wall
/// time) — on a shared machine the last shows how much of the 2 cores the threads were given.
/// This process's CPU time so far (all threads), seconds.
double process_cpu_seconds() {
  timespec t{};
  clock_gettime(CLOCK_PROCESS_CPUTIME_ID, &t);
  return static_cast<double>(t.tv_sec) + 1e-9 * static_cast<double>(t.tv_nsec);
}

struct Throughput {
  double calls_per_s, cpu_us_per_call, cores_used;
};

template <class Model>
Throughput calls_per_second(const Model& model, const Eigen::MatrixXf& x, int threads, double seconds) {
  std::vector<long> counts(static_cast<std::size_t>(threads), 0);
  std::vector<std::thread> pool;
  std::atomic<bool> go{false};
  const auto start = Clock::now();
  const auto stop = start + std::chrono::duration_cast<Clock::duration>(std::chrono::duration<double>(seconds));
  for (int t = 0; t < threads; ++t)
    pool.emplace_back([&, t] {
      hg::Predictor<Model> p(model);
      while (!go.load(std::memory_order_acquire)) std::this_thread::yield();
      Eigen::Index j = (t * 997) % x.cols();
      long n = 0;
      while (Clock::now() < stop) {
        benchmark_sink(p.reconstruct(x.col(j)).data());
        j = (j + 1) % x.cols();
        ++n;
      }
      counts[static_cast<std::size_t>(t)] = n;
    });
  const double cpu_start = process_cpu_seconds();
  go.store(true, std::memory_order_release);
  for (auto& th : pool) th.join();
  const double elapsed = std::chrono::duration<double>(Clock::now() - start).count();
  const double cpu = process_cpu_seconds() - cpu_start;
  long total = 0;
  for (long n : counts) total += n;
  return {static_cast<double>(total) / elapsed, 1e6 * cpu / static_cast<double>(total), cpu / elapsed};
}

template <class Model>
void latency(const char* name, const bench::Mnist& data) {
  const Model model(1);
  hg::Predictor<Model> p(model);
  const int calls = 2000;
  print_latency(name, "encode", "Predictor", time_calls(data.test, calls, [&](const auto& x) { benchmark_sink(p.encode(x).data()); }));
  print_latency(name, "reconstruct", "Predictor",
                time_calls(data.test, calls, [&](const auto& x) { benchmark_sink(p.reconstruct(x).data()); }));
  // A lone caller whose products may split across the library's threads (Parallelism::thread_pool).
  hg::Predictor<Model> pooled(model, 1, hg::Parallelism::thread_pool);
  print_latency(name, "encode", "Predictor-pool",
                time_calls(data.test, calls, [&](const auto& x) { benchmark_sink(pooled.encode(x).data()); }));
  print_latency(name, "reconstruct", "Predictor-pool",
                time_calls(data.test, calls, [&](const auto& x) { benchmark_sink(pooled.reconstruct(x).data()); }));
  print_latency(name, "encode", "model", time_calls(data.test, calls, [&](const auto& x) {
                  const Eigen::MatrixXf codes = model.encode(x);
                  benchmark_sink(codes.data());
                }));
  print_latency(name, "reconstruct", "model", time_calls(data.test, calls, [&](const auto& x) {
                  const Eigen::MatrixXf out = model.reconstruct(x);
                  benchmark_sink(out.data());
                }));
  for (int threads : {1, 2, 4, 8}) {
    const Throughput t = calls_per_second(model, data.test, threads, 1.0);
    std::printf("{\"tool\": \"hourglass\", \"task\": \"latency-threads\", \"model\": \"%s\", \"call\": \"reconstruct\", "
                "\"threads\": %d, \"calls_per_s\": %.1f, \"cpu_us_per_call\": %.2f, \"cores_used\": %.2f}\n",
                name, threads, t.calls_per_s, t.cpu_us_per_call, t.cores_used);
    std::fflush(stdout);
  }
}

void pca(const bench::Mnist& data) {
  std::vector<double> times;
  double mse = 0, kept = 0;
  for (int repeat = 0; repeat < 3; ++repeat) {
    const auto start = Clock::now();
    hg::PCA<float> p(32);
    p.fit(data.train);
    times.push_back(std::chrono::duration<double>(Clock::now() - start).count());
    mse = p.mean_squared_error(data.test);
    kept = p.explained_variance_ratio().cast<double>().sum();
  }
  std::printf("{\"tool\": \"hourglass\", \"task\": \"pca32\", \"fit_seconds\": %s, \"median_fit_s\": %.4f, "
              "\"test_mse\": %.8f, \"test_sse\": %.6f, \"variance_kept\": %.6f}\n",
              list(times).c_str(), median(times), mse, mse * static_cast<double>(data.test.rows()), kept);
  std::fflush(stdout);
}

}  // namespace

int main(int argc, char** argv) {
  std::string dir = "data/mnist", tasks = "small,hinton,pca";
  int epochs = 3, threads = 2, batch = 256, iwae_images = 1000, iwae_samples = 5000;
  for (int i = 1; i + 1 < argc; i += 2) {
    const std::string arg = argv[i], value = argv[i + 1];
    if (arg == "--data") dir = value;
    else if (arg == "--epochs") epochs = std::stoi(value);
    else if (arg == "--threads") threads = std::stoi(value);
    else if (arg == "--batch") batch = std::stoi(value);
    else if (arg == "--tasks") tasks = value;
    else if (arg == "--iwae-images") iwae_images = std::stoi(value);
    else if (arg == "--iwae-samples") iwae_samples = std::stoi(value);
    else {
      std::fprintf(stderr, "usage: %s [--data DIR] [--epochs N] [--batch N] [--threads N] [--tasks small,hinton,conv,conv-keras,vae,encode,latency,pca] "
                           "[--iwae-images N] [--iwae-samples K]\n", argv[0]);
      return 2;
    }
  }
  Eigen::setNbThreads(threads);
#ifdef _OPENMP
  omp_set_num_threads(threads);
#endif
  const bench::Mnist data = bench::load_mnist_or_exit(dir);
  if (tasks.find("small") != std::string::npos) train<bench::Small>("small", data, epochs, batch);
  if (tasks.find("hinton") != std::string::npos) train<bench::Hinton>("hinton", data, epochs, batch);
  // "conv" as a whole entry of the list ("conv-keras" contains it as a prefix).
  const std::string padded = "," + tasks + ",";
  if (padded.find(",conv,") != std::string::npos) train<bench::Conv>("conv", data, epochs, batch);
  if (padded.find(",conv-keras,") != std::string::npos) train<bench::ConvKeras>("conv-keras", data, epochs, batch);
  if (padded.find(",vae,") != std::string::npos) vae(data, epochs, batch, iwae_images, iwae_samples);
  if (tasks.find("encode") != std::string::npos) encode(data);
  if (padded.find(",latency,") != std::string::npos) {
    latency<bench::Small>("small", data);
    latency<bench::Hinton>("hinton", data);
  }
  if (tasks.find("pca") != std::string::npos) pca(data);
  return 0;
}
