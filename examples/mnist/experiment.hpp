// One experiment for one model type: train (or load), fit PCA with the same code size, print the
// test-set table, write the pictures, the history and the saved model.
#pragma once

#include "options.hpp"

#include <hourglass/io/png.hpp>
#include <hourglass/io/safetensors.hpp>

#include <algorithm>
#include <chrono>
#include <cmath>
#include <cstdio>
#include <fstream>
#include <map>
#include <optional>
#include <stdexcept>
#include <string>
#include <string_view>
#include <variant>
#include <vector>

#include <unistd.h>

namespace mnist {

namespace io = hourglass::io;
using Clock = std::chrono::steady_clock;

inline double seconds_since(Clock::time_point start) {
  return std::chrono::duration<double>(Clock::now() - start).count();
}

/// Per-pixel binary cross-entropy of reconstructions clipped to [0, 1] (logs clamped at -100 as
/// PyTorch's BCELoss), for PCA whose reconstructions can leave [0, 1].
template <class D1, class D2>
double clipped_bce(const Eigen::MatrixBase<D1>& reconstruction, const Eigen::MatrixBase<D2>& target) {
  const Eigen::ArrayXXd a = reconstruction.template cast<double>().array().max(0.0).min(1.0);
  const Eigen::ArrayXXd y = target.template cast<double>().array();
  return -(y * a.log().max(-100.0) + (1 - y) * (1 - a).log().max(-100.0)).sum() / static_cast<double>(a.size());
}

struct Row {
  std::string name;
  hg::ReconstructionMetrics metrics;
  std::optional<double> seconds;  ///< training time; none: "loaded" (or nothing when !timed)
  bool timed = true;
};

/// MSE/pixel, BCE/pixel (reconstructions clipped to [0, 1]) and SSE/image of reconstruct(inputs)
/// against targets, in chunks of 4096 samples.
template <class F>
hg::ReconstructionMetrics score(F&& reconstruct, const Eigen::MatrixXf& inputs, const Eigen::MatrixXf& targets) {
  double sse = 0, bce = 0;
  const hg::Index n = inputs.cols();
  for (hg::Index s = 0; s < n; s += 4096) {
    const hg::Index m = std::min<hg::Index>(4096, n - s);
    const Eigen::MatrixXf rec = reconstruct(inputs.middleCols(s, m));
    sse += static_cast<double>((rec - targets.middleCols(s, m)).squaredNorm());
    bce += clipped_bce(rec, targets.middleCols(s, m)) * static_cast<double>(m);
  }
  hg::ReconstructionMetrics r;
  r.sse_per_sample = sse / static_cast<double>(n);
  r.mse_per_element = r.sse_per_sample / static_cast<double>(inputs.rows());
  r.bce_per_element = bce / static_cast<double>(n);
  return r;
}

inline void print_table(const Data& data, const std::string& title, const std::vector<Row>& rows) {
  std::printf("\n%s test set (%lld images): %s\n", data.name.c_str(), static_cast<long long>(data.test.size()),
              title.c_str());
  std::printf("%-16s %12s %12s %12s %12s\n", "", "MSE/pixel", "BCE/pixel", "SSE/image", "train time");
  for (const auto& r : rows) {
    char time[32] = "loaded";
    if (r.seconds) std::snprintf(time, sizeof time, "%.1f s", *r.seconds);
    if (!r.timed) time[0] = '\0';
    std::printf("%-16s %12.5f %12.5f %12.3f %12s\n", r.name.c_str(), r.metrics.mse_per_element,
                r.metrics.bce_per_element.value_or(std::nan("")), r.metrics.sse_per_sample, time);
  }
  std::printf("SSE/image: squared error summed over the %lld pixels, averaged over images (Hinton & "
              "Salakhutdinov 2006).\nPCA's BCE uses its reconstructions clipped to [0, 1].\n",
              static_cast<long long>(data.test.images.rows()));
}

/// Two test images of each label (in label order), or the first 20 when labels are missing.
inline std::vector<hg::Index> showcase(const Eigen::VectorXi& labels, int per_label = 2) {
  std::vector<hg::Index> picked;
  for (int label = 0; label < 10; ++label) {
    int n = 0;
    for (hg::Index j = 0; j < labels.size() && n < per_label; ++j)
      if (labels[j] == label) {
        picked.push_back(j);
        ++n;
      }
  }
  for (hg::Index j = 0; static_cast<int>(picked.size()) < 10 * per_label && j < labels.size(); ++j)
    if (std::find(picked.begin(), picked.end(), j) == picked.end()) picked.push_back(j);
  return picked;
}

/// Adam, RMSprop or SGD, chosen at run time: fit is compiled once per model and loss instead of
/// once per optimizer as well (the example's variant files compile in about half the time).
class ChosenOptimizer {
 public:
  using Scalar = float;
  static constexpr std::string_view name = "chosen_optimizer";
  explicit ChosenOptimizer(const Options& o) {
    if (o.optimizer == "rmsprop") {
      optimizer_.emplace<hg::RMSprop<float>>(hg::RMSpropOptions{
          .learning_rate = o.lr, .momentum = std::max(o.momentum, 0.0), .weight_decay = o.weight_decay});
    } else if (o.optimizer == "sgd") {
      optimizer_.emplace<hg::SGD<float>>(hg::SGDOptions{.learning_rate = o.lr,
                                                        .momentum = o.momentum < 0 ? 0.9 : o.momentum,
                                                        .nesterov = o.nesterov,
                                                        .weight_decay = o.weight_decay,
                                                        .momentum_schedule = o.momentum_schedule});
    } else {
      optimizer_.emplace<hg::Adam<float>>(hg::AdamOptions{.learning_rate = o.lr, .weight_decay = o.weight_decay});
    }
  }
  /// "adam", "sgd (momentum 0.9, nesterov)", with ", weight decay 1e-05" when set.
  static std::string describe(const Options& o) {
    std::string d = o.optimizer;
    if (o.optimizer == "sgd") {
      d += std::string(o.momentum_schedule ? " (momentum rising to " : " (momentum ") +
           hg::detail::describe_number(o.momentum < 0 ? 0.9 : o.momentum) + (o.nesterov ? ", nesterov)" : ")");
    } else if (o.optimizer == "rmsprop" && o.momentum > 0) {
      d += " (momentum " + hg::detail::describe_number(o.momentum) + ")";
    }
    if (o.weight_decay > 0) d += ", weight decay " + hg::detail::describe_number(o.weight_decay);
    return d;
  }
  void step(hg::ParameterBuffer<float>& buffer) {
    std::visit([&](auto& o) { o.step(buffer); }, optimizer_);
  }
  double learning_rate() const {
    return std::visit([](const auto& o) { return o.learning_rate(); }, optimizer_);
  }
  void set_learning_rate(double lr) {
    std::visit([&](auto& o) { o.set_learning_rate(lr); }, optimizer_);
  }
  long long steps() const {
    return std::visit([](const auto& o) { return o.steps(); }, optimizer_);
  }

 private:
  std::variant<hg::Adam<float>, hg::RMSprop<float>, hg::SGD<float>> optimizer_;
};

template <class Model, class Opt, class Loss>
hg::History train(Model& model, Opt& optimizer, const Options& o, const Recipe& r, const Data& data, const Loss& loss) {
  hg::FitOptions fit;
  fit.epochs = o.epochs;
  fit.batch_size = o.batch / cluster().size();  // --batch is the global batch; main checks it divides
  fit.schedule = hg::schedule::cosine(o.epochs, o.lr * r.final_lr_fraction);
  const bool validating = data.validation.cols() > 0;
  if (o.patience > 0) fit.early_stopping = {.patience = o.patience, .min_delta = 0.0, .restore_best = true};
  // fit() redraws a progress line on a terminal; in a log, one line per epoch instead.
  if (isatty(STDERR_FILENO) != 1) {
    fit.on_epoch = [validating](const hg::EpochInfo& e) {
      std::printf("epoch %d/%d  train %.5f  %s %.5f  lr %.2e  %.1f s\n", e.epoch + 1, e.epochs, e.train_loss,
                  validating ? "validation" : "test", e.validation_loss.value_or(0.0), e.learning_rate, e.seconds);
      std::fflush(stdout);
      return true;
    };
  }
  // With a validation split, it alone is watched (and early stopping chooses by it). Without one,
  // the test set's loss is recorded after each epoch for loss.png only; nothing is chosen by it
  // (no early stopping, a fixed schedule), so the test figures stay unbiased.
  // Under mpirun each process takes its slice of every global batch (batch x processes).
  return hg::fit(model, optimizer, data.train.images, validating ? data.validation : data.test.images, fit, loss,
                 cluster());
}

template <class Model, class Opt>
hg::History train_with_loss(Model& model, Opt& optimizer, const Options& o, const Recipe& r, const Data& data) {
  if (o.loss == "mse") return train(model, optimizer, o, r, data, hg::MSE{});
  return train(model, optimizer, o, r, data, hg::BCE{});
}

/// history.csv; `watched` names the per-epoch loss's data: "test" or "validation".
inline void write_history(const std::filesystem::path& path, const hg::History& h, const std::string& watched) {
  std::string csv = "epoch,train_loss," + watched + "_loss,learning_rate,seconds\n";
  for (int e = 0; e < h.epochs_run(); ++e) {
    char line[160];
    std::snprintf(line, sizeof line, "%d,%.8g,%.8g,%.6g,%.3f\n", e + 1, h.train_loss[static_cast<std::size_t>(e)],
                  h.validation_loss.empty() ? 0.0 : h.validation_loss[static_cast<std::size_t>(e)],
                  h.learning_rate[static_cast<std::size_t>(e)], h.seconds[static_cast<std::size_t>(e)]);
    csv += line;
  }
  io::write_atomically(path, [&](std::FILE* f) { io::write_bytes(f, csv.data(), csv.size()); });
}

/// latent.png: codes (K x shown) of the first `shown` test images coloured by label — directly
/// for K = 2, else their first two principal components. `what` names them ("codes"), `axis` an
/// axis of 2-d ones ("code": "code 1", "code 2").
inline void write_latent_png(const std::filesystem::path& path, const Data& data, const Eigen::MatrixXf& codes,
                             const std::string& what, const std::string& axis) {
  const hg::Index shown = codes.cols(), k = codes.rows();
  io::PlotOptions plot;
  plot.width = 800;
  plot.height = 800;
  Eigen::MatrixXf points;
  if (k == 2) {
    points = codes;
    plot.title = data.name + ": 2-d " + what + " of " + std::to_string(shown) + " test images";
    plot.x_label = axis + " 1";
    plot.y_label = axis + " 2";
  } else {
    hg::PCA<float> codes_pca(2);
    codes_pca.fit(codes);
    points = codes_pca.transform(codes);
    plot.title = data.name + ": " + std::to_string(k) + "-d " + what + ", first 2 PCs";
    plot.x_label = "principal component 1";
    plot.y_label = "principal component 2";
  }
  io::write_png(path, io::scatter_plot(points, data.test.labels.head(shown), plot, data.label_names));
}

/// Runs everything for one model (its type fixes preset, code size and variant).
template <class Preset, class Model>
int run_experiment(const Options& o_in, const Data& data, Model& model) {
  Options o = o_in;
  const Recipe r = Preset::recipe;
  if (o.epochs <= 0) o.epochs = r.epochs;
  if (o.batch <= 0) o.batch = r.batch;
  if (o.weight_decay < 0) o.weight_decay = r.weight_decay;
  if (o.patience < 0) o.patience = data.validation.cols() > 0 ? r.patience : 0;
  if (o.batch % cluster().size() != 0)
    throw std::invalid_argument("--batch " + std::to_string(o.batch) + " does not divide among " +
                                std::to_string(cluster().size()) + " processes (it is the global batch)");
  if (o.lr <= 0) o.lr = r.lr;
  constexpr int code = static_cast<int>(Model::code_size);
  std::filesystem::create_directories(o.out);
  const std::string arch = io::architecture(model);
  std::printf("%s: %lld training and %lld test images of %lldx%lld pixels\n", data.name.c_str(),
              static_cast<long long>(data.train.size()), static_cast<long long>(data.test.size()),
              static_cast<long long>(data.train.rows), static_cast<long long>(data.train.cols));
  std::printf("model: %s (%lld parameters)\nvariant: %s, %s\n", arch.c_str(),
              static_cast<long long>(Model::network_type::learnable_parameter_count),
              o.variant.c_str(), io::policy_descriptions(model).c_str());

  std::optional<double> train_seconds;
  std::optional<hg::History> history;
  const bool validating = data.validation.cols() > 0;
  if (!o.load.empty()) {
    // The library loads any file with the same layers (policies only shape training); this
    // program's tables and titles name the variant and its hyperparameters, so they must match.
    const std::string file_policies = io::SafetensorsReader(o.load).metadata("policies");
    const std::string policies = io::policy_descriptions(model);
    if (file_policies != policies)
      throw std::invalid_argument(o.load.string() + ": trained with other policies than this run's --variant and its " +
                                  "hyperparameters\n  file:  " + file_policies + "\n  model: " + policies);
    io::load_model(o.load, model);
    std::printf("loaded %s (no training)\n", o.load.c_str());
  } else {
    std::printf("training: %s loss, %s, lr %g (cosine to %g), batch %d, %d epochs, seed %llu\n", o.loss.c_str(),
                ChosenOptimizer::describe(o).c_str(), o.lr, o.lr * r.final_lr_fraction, o.batch, o.epochs, static_cast<unsigned long long>(o.seed));
    if (o.patience > 0)
      std::printf("early stopping: patience %d epochs on the validation split, the best epoch kept\n", o.patience);
    if (cluster().size() > 1)
      std::printf("distributed: %d processes, each taking %d samples of every batch of %d\n", cluster().size(),
                  o.batch / cluster().size(), o.batch);
    std::fflush(stdout);
    const auto start = Clock::now();
    ChosenOptimizer opt(o);
    history = train_with_loss(model, opt, o, r, data);
    train_seconds = seconds_since(start);
    if (cluster().rank() != 0) return 0;  // under mpirun, process 0 scores and writes
    const std::map<std::string, std::string> meta{{"dataset", data.name},       {"preset", Preset::name},
                                                  {"variant", o.variant},        {"loss", o.loss},
                                                  {"optimizer", o.optimizer},    {"epochs", std::to_string(o.epochs)},
                                                  {"batch", std::to_string(o.batch)},
                                                  {"learning_rate", std::to_string(o.lr)},
                                                  {"seed", std::to_string(o.seed)},
                                                  {"optimizer_settings", ChosenOptimizer::describe(o)},
                                                  {"validation_images", std::to_string(data.validation.cols())},
                                                  {"epochs_run", std::to_string(history->epochs_run())},
                                                  {"best_epoch", std::to_string(history->best_epoch + 1)}};
    io::save_model(o.out / "model.safetensors", model, meta);
    write_history(o.out / "history.csv", *history, validating ? "validation" : "test");
    std::vector<double> epochs;
    for (int e = 1; e <= history->epochs_run(); ++e) epochs.push_back(e);
    io::PlotOptions plot;
    plot.title = data.name + ": " + std::string(Preset::name) + " autoencoder, code " + std::to_string(code);
    plot.x_label = "epoch";
    plot.y_label = o.loss == "mse" ? "MSE per pixel" : "BCE per pixel";
    io::write_png(o.out / "loss.png", io::line_plot({{"train", epochs, history->train_loss, io::colors::palette[0]},
                                                     {validating ? "validation" : "test", epochs, history->validation_loss, io::colors::palette[1]}},
                                                    plot));
  }

  // The linear baseline with the same code size (or the preset's baseline_code, for a code
  // larger than the image), fitted on the same training images.
  constexpr int components = baseline_components<Preset, code>();
  const auto pca_start = Clock::now();
  hg::PCA<float> pca(components);
  pca.fit(data.train.images);
  const double pca_seconds = seconds_since(pca_start);
  io::save_pca(o.out / "pca.safetensors", pca, {{"dataset", data.name}});

  // The table: clean test images in; for a denoising model also the test images corrupted by
  // its own noise (model.corrupt, a fixed seed) in, the clean images as target.
  const auto& test = data.test.images;
  const auto pca_reconstruct = [&](const auto& x) { return pca.reconstruct(x); };
  const auto ae_reconstruct = [&](const auto& x) { return model.reconstruct(x); };
  std::vector<Row> table{{"autoencoder", hg::reconstruction_metrics(model, test), train_seconds},
                         {"PCA (k=" + std::to_string(components) + ")", score(pca_reconstruct, test, test), pca_seconds}};
  Eigen::MatrixXf noisy_test;
  if constexpr (Model::corrupts_input) {
    hg::Random noise(hg::stream_seed(o.seed, 7));
    noisy_test = model.corrupt(test, noise);
    table.push_back({"AE, noisy in", score(ae_reconstruct, noisy_test, test), {}, false});
    table.push_back({"PCA, noisy in", score(pca_reconstruct, noisy_test, test), {}, false});
  }
  std::string title = std::string(Preset::name) + " " + arch.substr(0, arch.find(" |")) + ", " +
                      (o.variant == "plain" ? o.variant : io::policy_descriptions(model));
  if (!o.load.empty()) {
    title += ", loaded from " + o.load.string();
  } else {
    title += ", " + o.loss + ", " + o.optimizer + ", " + std::to_string(o.epochs) + " epochs";
  }
  print_table(data, title, table);
  if (validating) {
    const auto v = hg::reconstruction_metrics(model, data.validation);
    std::printf("Validation (the last %lld training images, held out): SSE/image %.3f, MSE/pixel %.5f",
                static_cast<long long>(data.validation.cols()), v.sse_per_sample, v.mse_per_element);
    if (history && history->best_epoch >= 0)
      std::printf("; early stopping kept epoch %d of %d run", history->best_epoch + 1, history->epochs_run());
    std::printf("\n");
  }
  if constexpr (Model::corrupts_input)
    std::printf("Noisy in: the test images corrupted as in training (%s), scored against the clean images.\n",
                io::policy_descriptions(model).c_str());

  // reconstructions.png: originals, autoencoder, PCA; a denoising model's: originals, the noisy
  // inputs (those the table scored), and the autoencoder's and PCA's reconstructions OF THEM.
  const auto picked = showcase(data.test.labels);
  Eigen::MatrixXf originals(test.rows(), static_cast<hg::Index>(picked.size())), shown_in(test.rows(), originals.cols());
  for (std::size_t k = 0; k < picked.size(); ++k) {
    originals.col(static_cast<hg::Index>(k)) = test.col(picked[k]);
    if constexpr (Model::corrupts_input) {
      shown_in.col(static_cast<hg::Index>(k)) = noisy_test.col(picked[k]);
    } else {
      shown_in.col(static_cast<hg::Index>(k)) = test.col(picked[k]);
    }
  }
  std::vector<Eigen::MatrixXf> rows{originals};
  std::vector<std::string> names{"input"};
  if constexpr (Model::corrupts_input) {
    rows.push_back(shown_in);
    names.push_back("noisy");
  }
  rows.push_back(model.reconstruct(shown_in));
  names.push_back(Model::corrupts_input ? "AE(noisy)" : "AE");
  rows.push_back(pca.reconstruct(shown_in));
  names.push_back(Model::corrupts_input ? "PCA(noisy)" : "PCA");
  const hg::Index per_row = originals.cols();
  Eigen::MatrixXf all(originals.rows(), per_row * static_cast<hg::Index>(rows.size()));
  for (std::size_t i = 0; i < rows.size(); ++i) all.middleCols(static_cast<hg::Index>(i) * per_row, per_row) = rows[i];
  io::write_png(o.out / "reconstructions.png",
                io::image_grid(all, static_cast<int>(data.test.rows), static_cast<int>(data.test.cols),
                               static_cast<int>(per_row), 2, 2, names));

  // latent.png: the test codes (at most 5000), or their first two principal components.
  const hg::Index shown = std::min<hg::Index>(5000, data.test.size());
  write_latent_png(o.out / "latent.png", data, model.encode(data.test.images.leftCols(shown)), "codes", "code");

  std::printf("\nwrote %s/{reconstructions.png, latent.png, pca.safetensors%s}\n", o.out.c_str(),
              o.load.empty() ? ", loss.png, history.csv, model.safetensors" : "");
  return 0;
}

}  // namespace mnist
