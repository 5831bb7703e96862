// The MNIST example's options, data, presets and recipes (shared by its translation units).
#pragma once

#include <hourglass/hourglass.hpp>
#include <hourglass/io/idx.hpp>

#include <array>
#include <filesystem>
#include <span>
#include <string>
#include <vector>

namespace mnist {

namespace hg = hourglass;

/// Code sizes the example is compiled for (each is a model type; add one here to offer it).
inline constexpr std::array<int, 4> code_sizes{2, 10, 30, 32};

struct Options {
  std::string dataset = "mnist";   // mnist | fashion
  std::string variant = "plain";   // plain | sparse-l1 | sparse-kl | denoising | contractive | vae
  std::string preset = "small";    // small | hinton | conv | conv-keras
  int code_size = 0;               // 0: the preset's default (small 32, hinton 30, conv 32; conv-keras: fixed; vae 20)
  std::string loss = "bce";        // mse | bce
  std::string optimizer = "adam";  // adam | rmsprop | sgd
  double momentum = -1;            // sgd: momentum (-1: 0.9); rmsprop: momentum (-1: 0)
  bool nesterov = false;           // sgd: Nesterov's momentum
  bool momentum_schedule = false;  // sgd: Sutskever et al. (2013)'s rising momentum, up to --momentum
  double weight_decay = -1;        // decoupled weight decay (AdamW-style) of every optimizer (-1: the preset's)
  std::string hidden = "relu";     // hinton: relu | sigmoid (Hinton & Salakhutdinov's logistic units; full program)
  int validation = -1;             // the last N training images held out for validation (-1: the preset's)
  int patience = -1;               // early stopping on the validation error, restoring the best epoch (0: off; -1: the preset's)
  int epochs = 0;                  // 0: the preset's recipe
  int batch = 0;                   // 0: the preset's recipe
  double lr = 0;                   // 0: the preset's recipe
  std::uint64_t seed = 42;
  int threads = 0;                 // 0: Eigen's default (OMP_NUM_THREADS or all cores)
  std::filesystem::path out = "out/mnist";
  std::filesystem::path data;      // empty: data/mnist or data/fashion-mnist
  std::filesystem::path load;      // evaluate this saved model instead of training

  // Variant hyperparameters; a negative value means "the variant's default" (variants.hpp).
  double lambda = -1;              // sparse-l1: weight of the L1 term; contractive: weight of ||J||^2
  std::string jacobian = "exact";  // contractive: exact (whole encoder) | layerwise (sum of per-layer bounds)
  double rho = -1;                 // sparse-kl: target mean activation of the code units
  double beta = -1;                // sparse-kl: weight of the KL term
  std::string noise = "masking";   // denoising: masking | gaussian | salt-and-pepper
  double noise_level = -1;         // denoising: fraction corrupted (masking, salt-and-pepper) or sigma
  // vae (also --beta: the KL term's weight, default 1)
  int warmup = 0;                  // linear KL warm-up over this many epochs (0: off)
  double free_bits = 0;            // KL floor per latent unit, nats (0: off)
  int iwae_samples = 5000;         // importance samples of the IWAE estimate (0: skip it)
  int iwae_images = -1;            // test images it is computed on (-1: all)
};

/// The processes of a run under mpirun (a build with -DHOURGLASS_MPI=ON): fit's Communicator.
/// Without MPI, or on one process, every call is the identity (fit's one-process path). A plain
/// class with function pointers rather than the MPI type, so the models compile once either way.
struct Cluster {
  int rank_ = 0, size_ = 1;
  void* context = nullptr;
  void (*sum_float)(void*, std::span<float>) = nullptr;
  void (*sum_double)(void*, std::span<double>) = nullptr;
  void (*broadcast_float)(void*, std::span<float>, int) = nullptr;
  void (*broadcast_double)(void*, std::span<double>, int) = nullptr;

  int rank() const { return rank_; }
  int size() const { return size_; }
  void allreduce_sum(std::span<float> v) { if (size_ > 1) sum_float(context, v); }
  void allreduce_sum(std::span<double> v) { if (size_ > 1) sum_double(context, v); }
  void broadcast(std::span<float> v, int root) { if (size_ > 1) broadcast_float(context, v, root); }
  void broadcast(std::span<double> v, int root) { if (size_ > 1) broadcast_double(context, v, root); }
};
/// The program's cluster (main.cpp sets it up under MPI).
inline Cluster& cluster() {
  static Cluster c;
  return c;
}

/// A preset's training recipe: Adam (or RMSprop) with a cosine learning-rate schedule from lr
/// down to lr * final_lr_fraction over the run.
struct Recipe {
  int epochs;
  int batch;
  double lr;
  double final_lr_fraction;
  double weight_decay = 0;  ///< decoupled (AdamW), of every parameter
  int patience = 0;         ///< early stopping on the validation split, restoring the best epoch (0: off)
};

struct Data {
  std::string name;  // "MNIST" or "Fashion-MNIST"
  hg::io::LabelledImages<float> train, test;
  Eigen::MatrixXf validation;  // held out from the end of the training images (--validation); may be empty
  std::vector<std::string> label_names;
};

/// Hinton & Salakhutdinov's architecture with their logistic (sigmoid) hidden units, for the
/// `--hidden sigmoid` lever of issue #16 (plain, code 30; built into the full program only).
template <int Code, class CodeActivation = hg::Identity>
struct HintonSigmoid {
  static constexpr const char* name = "hinton";
  static constexpr bool dense_encoder = true;
  static constexpr Recipe recipe{60, 128, 1e-3, 0.01};
  using encoder = hg::Encoder<hg::Dense<784, 1000, hg::Sigmoid>, hg::Dense<1000, 500, hg::Sigmoid>,
                              hg::Dense<500, 250, hg::Sigmoid>, hg::Dense<250, Code, CodeActivation>>;
  using decoder = hg::Decoder<hg::Dense<Code, 250, hg::Sigmoid>, hg::Dense<250, 500, hg::Sigmoid>,
                              hg::Dense<500, 1000, hg::Sigmoid>, hg::Dense<1000, 784, hg::Sigmoid>>;
};

/// The small preset: 784-256-64-code, mirrored, ReLU hidden units, linear code (sigmoid for the
/// sparse-kl variant, whose penalty needs activations in (0, 1)), sigmoid output.
template <int Code, class CodeActivation = hg::Identity>
struct Small {
  static constexpr const char* name = "small";
  static constexpr bool dense_encoder = true;  // the contractive penalties need Dense layers
  static constexpr Recipe recipe{20, 128, 2e-3, 0.01};
  using encoder = hg::Encoder<hg::Dense<784, 256, hg::ReLU>, hg::Dense<256, 64, hg::ReLU>, hg::Dense<64, Code, CodeActivation>>;
  using decoder = hg::Decoder<hg::Dense<Code, 64, hg::ReLU>, hg::Dense<64, 256, hg::ReLU>, hg::Dense<256, 784, hg::Sigmoid>>;
};

/// Hinton & Salakhutdinov's (2006) architecture: 784-1000-500-250-code, mirrored; ReLU hidden
/// units instead of their RBM-pretrained logistic units, linear code (sigmoid for sparse-kl),
/// sigmoid output. The recipe is issue #16's, chosen on the validation split (the last 5,000
/// training images; benchmarks/RESULTS.md has the levers tried): Adam 1e-3 with decoupled weight
/// decay 0.15, cosine to 1e-5 over 150 epochs, batch 128, BCE, early stopping with patience 20
/// keeping the best epoch.
template <int Code, class CodeActivation = hg::Identity>
struct Hinton {
  static constexpr const char* name = "hinton";
  static constexpr bool dense_encoder = true;
  static constexpr Recipe recipe{150, 128, 1e-3, 0.01, 0.15, 20};
  using encoder = hg::Encoder<hg::Dense<784, 1000, hg::ReLU>, hg::Dense<1000, 500, hg::ReLU>,
                              hg::Dense<500, 250, hg::ReLU>, hg::Dense<250, Code, CodeActivation>>;
  using decoder = hg::Decoder<hg::Dense<Code, 250, hg::ReLU>, hg::Dense<250, 500, hg::ReLU>,
                              hg::Dense<500, 1000, hg::ReLU>, hg::Dense<1000, 784, hg::Sigmoid>>;
};

/// A convolutional autoencoder with a dense code (issue "Convolutional autoencoders"): Conv
/// 1->32 and 32->64 (3x3, stride 2, padding 1: 28 -> 14 -> 7), Dense 3136 -> code, mirrored with
/// Dense and two transposed convolutions (output padding 1: 7 -> 14 -> 28 exactly), ReLU hidden,
/// linear code (sigmoid for sparse-kl), sigmoid output.
template <int Code, class CodeActivation = hg::Identity>
struct Conv {
  static constexpr const char* name = "conv";
  static constexpr bool dense_encoder = false;
  static constexpr Recipe recipe{10, 128, 2e-3, 0.01};
  using encoder = hg::Encoder<hg::Conv2D<hg::Shape<1, 28, 28>, 32, 3, 2, 1, hg::ReLU>,
                              hg::Conv2D<hg::Shape<32, 14, 14>, 64, 3, 2, 1, hg::ReLU>, hg::Flatten<64, 7, 7>,
                              hg::Dense<3136, Code, CodeActivation>>;
  using decoder = hg::Decoder<hg::Dense<Code, 3136, hg::ReLU>, hg::Reshape<hg::Shape<3136>, hg::Shape<64, 7, 7>>,
                              hg::ConvTranspose2D<hg::Shape<64, 7, 7>, 32, 3, 2, 1, 1, hg::ReLU>,
                              hg::ConvTranspose2D<hg::Shape<32, 14, 14>, 1, 3, 2, 1, 1, hg::Sigmoid>>;
};

/// The keras.io convolutional denoising autoencoder (F. Chollet, "Convolutional autoencoder for
/// image denoising"): Conv 32 + MaxPool twice (28 -> 14 -> 7), ConvTranspose 32 at stride 2
/// twice, Conv 1 with a sigmoid; 28,353 parameters, Adam, batch 128, 50 epochs. Its code is a
/// 32x7x7 image (1,568 numbers, more than the 784 pixels): not a bottleneck, so the table's PCA
/// row uses k = 32 for reference. The code size is fixed (Code is ignored).
template <int Code = 0, class CodeActivation = hg::Identity>
struct ConvKeras {
  static constexpr const char* name = "conv-keras";
  static constexpr bool dense_encoder = false;
  static constexpr Recipe recipe{50, 128, 1e-3, 0.01};
  static constexpr int baseline_code = 32;
  using encoder = hg::Encoder<hg::Conv2D<hg::Shape<1, 28, 28>, 32, 3, 1, 1, hg::ReLU>, hg::MaxPool2D<hg::Shape<32, 28, 28>, 2>,
                              hg::Conv2D<hg::Shape<32, 14, 14>, 32, 3, 1, 1, hg::ReLU>,
                              hg::MaxPool2D<hg::Shape<32, 14, 14>, 2, 2, 0>>;
  using decoder = hg::Decoder<hg::ConvTranspose2D<hg::Shape<32, 7, 7>, 32, 3, 2, 1, 1, hg::ReLU>,
                              hg::ConvTranspose2D<hg::Shape<32, 14, 14>, 32, 3, 2, 1, 1, hg::ReLU>,
                              hg::Conv2D<hg::Shape<32, 28, 28>, 1, 3, 1, 1, hg::Sigmoid>>;
};

/// The PCA baseline's k for a preset: its code size, or the preset's baseline_code.
template <class Preset, int Code>
constexpr int baseline_components() {
  if constexpr (requires { Preset::baseline_code; }) {
    return Preset::baseline_code;
  } else {
    return Code;
  }
}

/// One translation unit per preset and variant group (compiled in parallel). The plain ones make
/// the `mnist_plain` program, which the default run builds; `mnist` adds the variants.
int run_small(const Options& options, const Data& data);
int run_small_variants(const Options& options, const Data& data);
int run_hinton(const Options& options, const Data& data);
int run_hinton_variants(const Options& options, const Data& data);
int run_conv(const Options& options, const Data& data);
int run_conv_variants(const Options& options, const Data& data);
/// The variant models of either preset (mnist), or a refusal naming the full program (mnist_plain).
int run_variants(const Options& options, const Data& data);
/// --variant vae (vae.cpp, in mnist only).
int run_vae(const Options& options, const Data& data);

/// "2, 10, 30, 32"
inline std::string join(const auto& items) {
  std::string s;
  for (const auto& i : items) s += (s.empty() ? "" : ", ") + std::to_string(i);
  return s;
}

}  // namespace mnist
