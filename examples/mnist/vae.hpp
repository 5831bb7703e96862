// The MNIST example's variational autoencoders (--variant vae): the presets, the training run, the
// table (test ELBO, its parts, the IWAE estimate of log p(x), active units, reconstruction errors
// beside PCA) and the pictures (samples.png, manifold.png for 2 latent units, reconstructions.png,
// latent.png, loss.png). docs/vae.md explains the quantities; README.md shows the results.
#pragma once

#include "experiment.hpp"

namespace mnist {

/// PyTorch's own VAE example (pytorch/examples, vae/main.py): 784-400-(20 means, 20 log-variances),
/// ReLU, decoder 20-400-784 with a sigmoid output, Bernoulli likelihood on grey levels, Adam 1e-3,
/// batch 128, 10 epochs, no learning-rate schedule.
template <int Latent>
struct VaeSmall {
  static constexpr const char* name = "small";
  static constexpr Recipe recipe{10, 128, 1e-3, 1.0};
  using encoder = hg::Encoder<hg::Dense<784, 400, hg::ReLU>, hg::Dense<400, 2 * Latent>>;
  using decoder = hg::Decoder<hg::Dense<Latent, 400, hg::ReLU>, hg::Dense<400, 784, hg::Sigmoid>>;
};

/// A convolutional VAE: the conv preset's layers (Conv 1->32->64, 3x3 stride 2) with a Dense
/// 3136 -> 2K head, mirrored with Dense and two transposed convolutions.
template <int Latent>
struct VaeConv {
  static constexpr const char* name = "conv";
  static constexpr Recipe recipe{10, 128, 1e-3, 1.0};
  using encoder = hg::Encoder<hg::Conv2D<hg::Shape<1, 28, 28>, 32, 3, 2, 1, hg::ReLU>,
                              hg::Conv2D<hg::Shape<32, 14, 14>, 64, 3, 2, 1, hg::ReLU>, hg::Flatten<64, 7, 7>,
                              hg::Dense<3136, 2 * Latent>>;
  using decoder = hg::Decoder<hg::Dense<Latent, 3136, hg::ReLU>, hg::Reshape<hg::Shape<3136>, hg::Shape<64, 7, 7>>,
                              hg::ConvTranspose2D<hg::Shape<64, 7, 7>, 32, 3, 2, 1, 1, hg::ReLU>,
                              hg::ConvTranspose2D<hg::Shape<32, 14, 14>, 1, 3, 2, 1, 1, hg::Sigmoid>>;
};

/// Latent sizes the VAE is compiled for: PyTorch's example's 20, and 2 (manifold.png).
inline constexpr std::array<int, 2> vae_latent_sizes{20, 2};

/// Phi^-1(p), the standard normal quantile, by bisection on erfc (60 halvings: exact in double).
inline double normal_quantile(double p) {
  double lo = -10, hi = 10;
  for (int i = 0; i < 60; ++i) {
    const double mid = 0.5 * (lo + hi);
    (0.5 * std::erfc(-mid / std::sqrt(2.0)) < p ? lo : hi) = mid;
  }
  return 0.5 * (lo + hi);
}

inline void write_vae_history(const std::filesystem::path& path, const hg::History& h) {
  std::string csv = "epoch,train_reconstruction,train_kl,test_negative_elbo,learning_rate,seconds\n";
  for (std::size_t e = 0; e < h.train_loss.size(); ++e) {
    char line[200];
    std::snprintf(line, sizeof line, "%zu,%.8g,%.8g,%.8g,%.6g,%.3f\n", e + 1, h.train_loss[e], h.train_penalty[e],
                  h.validation_loss.empty() ? 0.0 : h.validation_loss[e], h.learning_rate[e], h.seconds[e]);
    csv += line;
  }
  io::write_atomically(path, [&](std::FILE* f) { io::write_bytes(f, csv.data(), csv.size()); });
}

template <class Preset, int Latent>
int run_vae_model(const Options& o_in, const Data& data) {
  using Model = hg::VariationalAutoencoder<typename Preset::encoder, typename Preset::decoder, hg::BernoulliLikelihood>;
  Options o = o_in;
  const Recipe r = Preset::recipe;
  if (o.epochs <= 0) o.epochs = r.epochs;
  if (o.batch <= 0) o.batch = r.batch;
  if (o.lr <= 0) o.lr = r.lr;
  if (o.weight_decay < 0) o.weight_decay = 0;  // PyTorch's example: none
  const hg::VaeSettings settings{.beta = o.beta < 0 ? 1.0 : o.beta, .warmup_epochs = o.warmup, .free_bits = o.free_bits};
  Model model(o.seed, settings);
  std::filesystem::create_directories(o.out);
  const std::string arch = io::architecture(model);
  std::printf("%s: %lld training and %lld test images\nmodel: VAE %s (%lld parameters), Bernoulli likelihood, %s\n",
              data.name.c_str(), static_cast<long long>(data.train.size()), static_cast<long long>(data.test.size()),
              arch.c_str(), static_cast<long long>(Model::network_type::learnable_parameter_count),
              settings.describe().c_str());
  std::optional<double> train_seconds;
  if (!o.load.empty()) {
    const std::string file_settings = io::SafetensorsReader(o.load).metadata("vae");
    if (file_settings != settings.describe())
      throw std::invalid_argument(o.load.string() + ": trained with other VAE settings than this run's\n  file:  " +
                                  file_settings + "\n  run:   " + settings.describe());
    io::load_model(o.load, model);
    std::printf("loaded %s (no training)\n", o.load.c_str());
  } else {
    std::printf("training: %s lr %g (constant, as PyTorch's example), batch %d, %d epochs, seed %llu\n",
                ChosenOptimizer::describe(o).c_str(), o.lr, o.batch, o.epochs, static_cast<unsigned long long>(o.seed));
    std::fflush(stdout);
    hg::FitOptions fit;
    fit.epochs = o.epochs;
    fit.batch_size = o.batch;
    if (isatty(STDERR_FILENO) != 1) fit.progress = hg::Progress::never;
    fit.on_epoch = [&](const hg::EpochInfo& e) {
      std::printf("epoch %d/%d  train: reconstruction %.3f + KL %.3f (weight %.3g) = %.3f  test -ELBO %.3f  %.1f s\n",
                  e.epoch + 1, e.epochs, e.train_loss, e.train_penalty / std::max(model.kl_weight(), 1e-300),
                  model.kl_weight(), e.train_loss + e.train_penalty, e.validation_loss.value_or(0.0), e.seconds);
      std::fflush(stdout);
      return true;
    };
    ChosenOptimizer opt(o);
    const auto start = Clock::now();
    // The test set's -ELBO is recorded after each epoch for loss.png only (PyTorch's example
    // prints the same); nothing is chosen by it.
    const hg::History history = hg::fit(model, opt, data.train.images, data.test.images, fit);
    train_seconds = seconds_since(start);
    const std::map<std::string, std::string> meta{
        {"dataset", data.name}, {"preset", Preset::name}, {"variant", "vae"}, {"vae", settings.describe()},
        {"likelihood", "bernoulli"}, {"optimizer", o.optimizer}, {"epochs", std::to_string(o.epochs)},
        {"batch", std::to_string(o.batch)}, {"learning_rate", std::to_string(o.lr)}, {"seed", std::to_string(o.seed)}};
    io::save_model(o.out / "model.safetensors", model, meta);
    write_vae_history(o.out / "history.csv", history);
    std::vector<double> epochs, total;
    for (std::size_t e = 0; e < history.train_loss.size(); ++e) {
      epochs.push_back(static_cast<double>(e + 1));
      total.push_back(history.train_loss[e] + history.train_penalty[e]);
    }
    io::PlotOptions plot;
    plot.title = data.name + ": VAE (" + std::string(Preset::name) + ", " + std::to_string(Latent) + " latent units)";
    plot.x_label = "epoch";
    plot.y_label = "nats per image";
    io::write_png(o.out / "loss.png",
                  io::line_plot({{"train -ELBO", epochs, total, io::colors::palette[0]},
                                 {"train reconstruction", epochs, history.train_loss, io::colors::palette[2]},
                                 {"train KL (weighted)", epochs, history.train_penalty, io::colors::palette[3]},
                                 {"test -ELBO", epochs, history.validation_loss, io::colors::palette[1]}},
                                plot));
  }

  // The table: the bound and its parts, the IWAE estimate, active units; reconstruction errors
  // (decode(mu)) beside PCA with as many components as latent units.
  const auto& test_images = data.test.images;
  const hg::ElboTerms elbo = model.elbo(test_images, 1);
  const hg::Index iwae_images = o.iwae_images < 0 ? test_images.cols() : std::min<hg::Index>(o.iwae_images, test_images.cols());
  std::optional<double> iwae;
  double iwae_seconds = 0;
  if (iwae_images > 0 && o.iwae_samples > 0) {
    std::printf("IWAE estimate: %lld test images x %d importance samples ...\n", static_cast<long long>(iwae_images),
                o.iwae_samples);
    std::fflush(stdout);
    const auto start = Clock::now();
    // In chunks of 500 images, with a line of progress (the whole test set takes minutes).
    double sum = 0;
    for (hg::Index first = 0; first < iwae_images; first += 500) {
      const hg::Index m = std::min<hg::Index>(500, iwae_images - first);
      sum += model.log_likelihoods(test_images.middleCols(first, m), o.iwae_samples, 2 + static_cast<std::uint64_t>(first)).sum();
      std::fprintf(stderr, "\r  %lld/%lld images, %.0f s", static_cast<long long>(first + m),
                   static_cast<long long>(iwae_images), seconds_since(start));
    }
    std::fprintf(stderr, "\n");
    iwae = sum / static_cast<double>(iwae_images);
    iwae_seconds = seconds_since(start);
  }
  const hg::Index active = model.active_units(test_images);
  const auto ae = score([&](const auto& x) { return model.reconstruct(x); }, test_images, test_images);  // decode(mu)
  hg::PCA<float> pca(Latent);
  pca.fit(data.train.images);
  const auto lin = score([&](const auto& x) { return pca.reconstruct(x); }, test_images, test_images);

  std::printf("\n%s test set (%lld images): VAE %s, %d latent units, %s%s\n", data.name.c_str(),
              static_cast<long long>(test_images.cols()), Preset::name, Latent, settings.describe().c_str(),
              o.load.empty() ? (", " + std::to_string(o.epochs) + " epochs").c_str() : (", loaded from " + o.load.string()).c_str());
  std::printf("  -ELBO (test loss)        %10.3f nats/image  (reconstruction %.3f + KL %.3f; one z per image)\n", -elbo.elbo(),
              elbo.reconstruction, elbo.kl);
  if (iwae)
    std::printf("  -log p(x), IWAE k=%-5d  %10.3f nats/image  (%lld images, %.1f s)\n", o.iwae_samples, -*iwae,
                static_cast<long long>(iwae_images), iwae_seconds);
  std::printf("  active units             %10lld of %d     (Cov_x E[z_u] > 0.01)\n", static_cast<long long>(active), Latent);
  if (train_seconds)
    std::printf("  training                 %10.1f s          (%.2f s/epoch)\n", *train_seconds, *train_seconds / o.epochs);
  std::printf("%-22s %12s %12s %12s\n", "reconstruction", "MSE/pixel", "BCE/pixel", "SSE/image");
  std::printf("%-22s %12.5f %12.5f %12.3f\n", "VAE decode(mu)", ae.mse_per_element, ae.bce_per_element.value_or(std::nan("")),
              ae.sse_per_sample);
  std::printf("%-22s %12.5f %12.5f %12.3f\n", ("PCA (k=" + std::to_string(Latent) + ")").c_str(), lin.mse_per_element,
              lin.bce_per_element.value_or(std::nan("")), lin.sse_per_sample);
  std::printf("Nats per image: sums over the 784 pixels (Bernoulli likelihood on grey levels) and the latent units, "
              "means over images.\n");

  const int side = static_cast<int>(data.test.rows);
  // samples.png: 10 x 10 decodes of z ~ N(0, I).
  io::write_png(o.out / "samples.png", io::image_grid(model.sample(100, 3), side, side, 10, 2, 2));
  // manifold.png: decodes of a regular grid of z at the normal quantiles (Kingma & Welling's fig. 4).
  if constexpr (Latent == 2) {
    constexpr int grid = 20;
    Eigen::MatrixXf z(2, grid * grid);
    for (int row = 0; row < grid; ++row)
      for (int col = 0; col < grid; ++col) {
        z(0, row * grid + col) = static_cast<float>(normal_quantile((col + 0.5) / grid));
        z(1, row * grid + col) = static_cast<float>(normal_quantile(1.0 - (row + 0.5) / grid));
      }
    io::write_png(o.out / "manifold.png", io::image_grid(model.decode(z), side, side, grid, 1, 1));
  }
  // reconstructions.png: originals, the VAE's decode(mu), PCA.
  const auto picked = showcase(data.test.labels);
  Eigen::MatrixXf originals(test_images.rows(), static_cast<hg::Index>(picked.size()));
  for (std::size_t k = 0; k < picked.size(); ++k) originals.col(static_cast<hg::Index>(k)) = test_images.col(picked[k]);
  const hg::Index per_row = originals.cols();
  Eigen::MatrixXf all(originals.rows(), 3 * per_row);
  all << originals, model.reconstruct(originals), pca.reconstruct(originals);
  io::write_png(o.out / "reconstructions.png",
                io::image_grid(all, side, side, static_cast<int>(per_row), 2, 2, {"input", "VAE", "PCA"}));
  // latent.png: posterior means of (at most 5000) test images, or their first two principal components.
  const hg::Index shown = std::min<hg::Index>(5000, test_images.cols());
  write_latent_png(o.out / "latent.png", data, model.encode(test_images.leftCols(shown)).mean, "posterior means", "z");
  std::printf("\nwrote %s/{samples.png,%s reconstructions.png, latent.png%s}\n", o.out.c_str(),
              Latent == 2 ? " manifold.png," : "", o.load.empty() ? ", loss.png, history.csv, model.safetensors" : "");
  return 0;
}

template <template <int> class Preset>
int run_vae_preset(const Options& o, const Data& data) {
  const int latent = o.code_size == 0 ? vae_latent_sizes[0] : o.code_size;
  if (latent == 20) return run_vae_model<Preset<20>, 20>(o, data);
  if (latent == 2) return run_vae_model<Preset<2>, 2>(o, data);
  throw std::invalid_argument("--variant vae is compiled for 20 latent units (PyTorch's example) and 2 (manifold.png); "
                              "got --code-size " + std::to_string(o.code_size));
}

}  // namespace mnist
