// The MNIST example: trains an autoencoder on MNIST or Fashion-MNIST, compares it with PCA at the
// same code size on the test set, and writes pictures, the training history and the model.
//
//   mnist                                   # small plain autoencoder on MNIST (about 2 minutes)
//   mnist --preset hinton                   # Hinton & Salakhutdinov's 784-1000-500-250-30 (issue #16's recipe)
//   mnist --preset conv                     # convolutions (stride 2) around a dense code of 32
//   mnist --preset conv-keras --variant denoising   # the keras.io convolutional denoising autoencoder
//   mnist --dataset fashion --code-size 2   # 2-d codes: latent.png shows them directly
//   mnist --variant denoising --noise gaussian --noise-level 0.3
//   mnist --variant vae                     # PyTorch's VAE example's recipe (784-400-20, 10 epochs)
//   mnist --variant vae --code-size 2       # 2 latent units: manifold.png
//   mnist --load out/mnist/model.safetensors
//
// Data: scripts/get-data.sh puts MNIST in data/mnist and Fashion-MNIST in data/fashion-mnist;
// --data DIR reads the four IDX files (plain or .gz) from anywhere.
#include "entry.hpp"
#include "options.hpp"

#include <CLI/CLI.hpp>

#ifdef HOURGLASS_EXAMPLE_MPI
#include <hourglass/distributed.hpp>

#include <optional>
#endif

#include <algorithm>
#include <cstdio>
#include <exception>
#include <string>
#include <vector>

mnist::PresetKind mnist::preset_kind(const Options& options) {
  if (options.preset == "hinton") return PresetKind::hinton;
  if (options.preset == "conv" || options.preset == "conv-keras") return PresetKind::conv;
  return PresetKind::small;
}

bool mnist::is_vae(const Options& options) { return options.variant == "vae"; }

int main(int argc, char** argv) {
#ifdef HOURGLASS_EXAMPLE_MPI
  // Under mpirun: the processes train together (fit with a Communicator); process 0 prints and
  // writes, the others are silenced. Run alone, it is one process of one.
  hourglass::MpiSession mpi(argc, argv);
  hourglass::MpiCommunicator comm;
  mnist::Cluster& cluster = mnist::cluster();
  cluster.rank_ = comm.rank();
  cluster.size_ = comm.size();
  cluster.context = &comm;
  using C = hourglass::MpiCommunicator;
  cluster.sum_float = [](void* c, std::span<float> v) { static_cast<C*>(c)->allreduce_sum(v); };
  cluster.sum_double = [](void* c, std::span<double> v) { static_cast<C*>(c)->allreduce_sum(v); };
  cluster.broadcast_float = [](void* c, std::span<float> v, int root) { static_cast<C*>(c)->broadcast(v, root); };
  cluster.broadcast_double = [](void* c, std::span<double> v, int root) { static_cast<C*>(c)->broadcast(v, root); };
  if (comm.rank() != 0) {
    if (!std::freopen("/dev/null", "w", stdout) || !std::freopen("/dev/null", "w", stderr)) return 1;
  }
#endif
  mnist::Options o;
  CLI::App app{"hourglass MNIST example: an autoencoder against PCA on MNIST or Fashion-MNIST"};
  app.add_option("--dataset", o.dataset, "data set")->check(CLI::IsMember({"mnist", "fashion"}))->capture_default_str();
  app.add_option("--variant", o.variant, "autoencoder variant")
      ->check(CLI::IsMember({"plain", "sparse-l1", "sparse-kl", "denoising", "contractive", "vae"}))
      ->capture_default_str();
  app.add_option("--lambda", o.lambda, "sparse-l1: weight of the L1 penalty on the code (default 1e-4); contractive: "
                                      "weight of the encoder's squared Jacobian norm (default 1e-4)")
      ->check(CLI::NonNegativeNumber);
  app.add_option("--jacobian", o.jacobian,
                 "contractive: exact = ||J||^2 of the whole encoder (about 3 x code-size encoder passes per batch: "
                 "~20-30x a plain epoch), layerwise = the sum of each layer's closed form (cheap)")
      ->check(CLI::IsMember({"exact", "layerwise"}))
      ->capture_default_str();
  app.add_option("--rho", o.rho, "sparse-kl: target mean activation of the sigmoid code units (default 0.05)")
      ->check(CLI::Range(0.0, 1.0));
  app.add_option("--beta", o.beta, "sparse-kl: weight of the KL(rho || mean activation) penalty (default 0.01); "
                                  "vae: weight of the KL term (beta-VAE, default 1)")
      ->check(CLI::NonNegativeNumber);
  app.add_option("--warmup", o.warmup, "vae: linear KL warm-up over this many epochs (0: off)")
      ->check(CLI::NonNegativeNumber)
      ->capture_default_str();
  app.add_option("--free-bits", o.free_bits, "vae: KL floor per latent unit in nats (0: off)")
      ->check(CLI::NonNegativeNumber)
      ->capture_default_str();
  app.add_option("--iwae-samples", o.iwae_samples, "vae: importance samples of the test log-likelihood estimate (0: skip)")
      ->check(CLI::NonNegativeNumber)
      ->capture_default_str();
  app.add_option("--iwae-images", o.iwae_images, "vae: test images the estimate is computed on (default: all)")
      ->check(CLI::NonNegativeNumber);
  app.add_option("--noise", o.noise, "denoising: the corruption of the training input")
      ->check(CLI::IsMember({"masking", "gaussian", "salt-and-pepper"}))
      ->capture_default_str();
  app.add_option("--noise-level", o.noise_level,
                 "denoising: fraction of pixels masked (default 0.2) or replaced by 0/1 (salt-and-pepper, default 0.1), "
                 "or the Gaussian sigma (default 0.2)")
      ->check(CLI::NonNegativeNumber);
  app.add_option("--preset", o.preset,
                 "architecture: small 784-256-64-code, hinton 784-1000-500-250-code (mirrored), conv (Conv 1->32->64 "
                 "stride 2, Dense 3136->code, mirrored with ConvTranspose), conv-keras (keras.io's conv denoising "
                 "autoencoder: Conv 32 + MaxPool twice, ConvTranspose 32 stride 2 twice, Conv 1; fixed 32x7x7 code)")
      ->check(CLI::IsMember({"small", "hinton", "conv", "conv-keras"}))
      ->capture_default_str();
  std::vector<int> sizes(mnist::code_sizes.begin(), mnist::code_sizes.end());
  sizes.push_back(20);  // --variant vae: 20 latent units (PyTorch's example) or 2
  app.add_option("--code-size", o.code_size,
                 "code size, one of " + mnist::join(mnist::code_sizes) +
                     " (default and the only size for variants other than plain: small 32, hinton 30, conv 32); "
                     "vae: latent units, 20 (default) or 2")
      ->check(CLI::IsMember(sizes));
  app.add_option("--loss", o.loss, "reconstruction loss")->check(CLI::IsMember({"mse", "bce"}))->capture_default_str();
  app.add_option("--optimizer", o.optimizer, "optimizer")->check(CLI::IsMember({"adam", "rmsprop", "sgd"}))->capture_default_str();
  app.add_option("--momentum", o.momentum, "sgd: momentum (default 0.9); rmsprop: momentum (default 0)")->check(CLI::Range(0.0, 1.0));
  app.add_flag("--nesterov", o.nesterov, "sgd: Nesterov's momentum");
  app.add_flag("--momentum-schedule", o.momentum_schedule,
               "sgd: momentum 0.5, 0.75, 0.83, ... rising every 250 steps up to --momentum (Sutskever et al. 2013)");
  app.add_option("--weight-decay", o.weight_decay,
                 "decoupled weight decay: each step shrinks every parameter by the factor 1 - lr * this (AdamW; default: the preset's recipe, hinton 0.15, else 0)")
      ->check(CLI::NonNegativeNumber);
  app.add_option("--hidden", o.hidden,
                 "hinton: hidden units, relu (default) or sigmoid (Hinton & Salakhutdinov's logistic units; plain, code 30, "
                 "in the full program)")
      ->check(CLI::IsMember({"relu", "sigmoid"}))
      ->capture_default_str();
  app.add_option("--validation", o.validation,
                 "hold out the last N training images for validation: the per-epoch error in loss.png and history.csv "
                 "and early stopping use them, never the test set (default: hinton 5000, else 0: the test set's "
                 "per-epoch loss is recorded for loss.png only)")
      ->check(CLI::Range(0, 59999));
  app.add_option("--patience", o.patience,
                 "early stopping: stop after this many epochs without a lower validation error and keep the best "
                 "epoch's parameters (needs --validation; default: the preset's recipe, hinton 20, else 0: off)")
      ->check(CLI::NonNegativeNumber);
  app.add_option("--epochs", o.epochs, "epochs (default: the preset's recipe: small 20, hinton 150, conv 10, conv-keras 50)")
      ->check(CLI::PositiveNumber);
  app.add_option("--batch", o.batch, "batch size (default 128)")->check(CLI::PositiveNumber);
  app.add_option("--lr", o.lr,
                 "initial learning rate, cosine-annealed to 1% (default: small 2e-3, hinton 1e-3, conv 2e-3, conv-keras 1e-3)")
      ->check(CLI::PositiveNumber);
  app.add_option("--seed", o.seed, "random seed (initialisation and shuffling)")->capture_default_str();
  app.add_option("--threads", o.threads, "threads for Eigen's matrix products (0: OMP_NUM_THREADS or all cores)")
      ->check(CLI::NonNegativeNumber)
      ->capture_default_str();
  app.add_option("--out", o.out, "output folder")->capture_default_str();
  app.add_option("--data", o.data, "folder with the four IDX files, plain or .gz (default data/mnist or data/fashion-mnist)");
  app.add_option("--load", o.load, "evaluate this saved model (model.safetensors) instead of training")
      ->check(CLI::ExistingFile);
  CLI11_PARSE(app, argc, argv);

  try {
    if (o.code_size == 0 && o.preset != "conv-keras" && o.variant != "vae") o.code_size = o.preset == "hinton" ? 30 : 32;
    if (o.threads > 0) Eigen::setNbThreads(o.threads);

    mnist::Data data;
    const bool fashion = o.dataset == "fashion";
    data.name = fashion ? "Fashion-MNIST" : "MNIST";
    if (fashion)
      data.label_names = {"T-shirt/top", "Trouser", "Pullover", "Dress", "Coat", "Sandal", "Shirt", "Sneaker", "Bag", "Ankle boot"};
    if (o.data.empty()) o.data = fashion ? "data/fashion-mnist" : "data/mnist";
    if (!std::filesystem::is_directory(o.data)) {
      std::fprintf(stderr, "mnist: no data folder %s: run scripts/get-data.sh, or pass --data DIR\n", o.data.c_str());
      return 1;
    }
    auto sets = hourglass::io::read_mnist<float>(o.data);
    if (sets.train.rows * sets.train.cols != 784) {
      std::fprintf(stderr, "mnist: %s holds %lldx%lld images; the presets need 28x28\n", o.data.c_str(),
                   static_cast<long long>(sets.train.rows), static_cast<long long>(sets.train.cols));
      return 1;
    }
    data.train = std::move(sets.train);
    data.test = std::move(sets.test);
    if (o.validation < 0) o.validation = o.preset == "hinton" && o.variant != "vae" ? 5000 : 0;
    if (o.variant == "vae" && mnist::cluster().size() > 1) {
      std::fprintf(stderr, "mnist: --variant vae runs on one process (not under mpirun)\n");
      return 1;
    }
    if (o.variant == "vae" && (o.validation > 0 || o.patience > 0)) {
      std::fprintf(stderr, "mnist: --validation and --patience are not offered for --variant vae (it follows PyTorch's "
                           "example: a fixed number of epochs, the test -ELBO recorded per epoch for loss.png only)\n");
      return 1;
    }
    if (o.patience > 0 && o.validation == 0) {
      std::fprintf(stderr, "mnist: --patience needs a validation split (--validation N): early stopping never looks "
                           "at the test set\n");
      return 1;
    }
    if (o.validation > 0) {
      // The last N training images, as the protocol: hyperparameters and the stopping point
      // are chosen on them; the test set is scored once, at the end.
      const long long n = data.train.size(), keep = n - o.validation;
      if (keep < 1) {
        std::fprintf(stderr, "mnist: --validation %d leaves no training images (%lld in %s)\n", o.validation,
                     n, o.data.c_str());
        return 1;
      }
      data.validation = data.train.images.rightCols(o.validation);
      data.train.images = Eigen::MatrixXf(data.train.images.leftCols(keep));
      data.train.labels = Eigen::VectorXi(data.train.labels.head(keep));
    }
    std::printf("Eigen uses %d thread(s)\n", Eigen::nbThreads());
    if (o.hidden == "sigmoid" && o.preset != "hinton") {
      std::fprintf(stderr, "mnist: --hidden sigmoid is offered for --preset hinton only\n");
      return 1;
    }
    if (o.variant == "plain" && o.hidden == "relu") {  // --hidden sigmoid: the full program's variant path
      switch (mnist::preset_kind(o)) {
        case mnist::PresetKind::hinton: return mnist::run_hinton(o, data);
        case mnist::PresetKind::conv: return mnist::run_conv(o, data);
        case mnist::PresetKind::small: break;
      }
      return mnist::run_small(o, data);
    }
    return mnist::run_variants(o, data);  // variants.cpp in mnist; no_variants.cpp in mnist_plain
  } catch (const std::exception& e) {
    std::fprintf(stderr, "mnist: error: %s\n", e.what());
    return 1;
  }
}
