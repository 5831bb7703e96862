// hourglass/model/predictor.hpp — Predictor<Model>: fast inference on one sample (or a few) from
// many application threads sharing one model.
//
//   const Model& model = ...;                  // trained, shared, not trained any more
//   thread_local hg::Predictor<Model> p(model); // one per application thread (cheap to keep)
//   auto code = p.encode(x);                   // x: input_size x 1; a view into p's buffer
//   float s = p.score(x)(0);                   // the anomaly score (BasicAutoencoder::score)
//
// A Predictor holds the scratch a pass needs for up to `max_batch` samples, allocated when it is
// built; a call copies the sample in, applies the model's scaler (and MissingValues fill), runs
// the layers one after another on the calling thread, and returns a map of its own buffer (valid
// until its next call). In steady state a call allocates nothing and takes no lock
// (tests/test_predictor.cpp counts allocations and compares 8 threads x 1,000 calls with serial
// calls; scripts/tsan.sh runs that test under ThreadSanitizer). By default layer kernels run
// serially inside a call (Parallelism::serial): parallelism comes from the application's threads.
// A lone latency-critical caller may ask for Parallelism::thread_pool: a product is then split
// across the library's pool (core/thread_pool.hpp) — when another thread's job holds the pool,
// the call runs serially instead of waiting, so concurrent callers never block each other.
// The model is read only: do not train it (fit, load_model) while Predictors use it.
#pragma once

#include "../core/config.hpp"
#include "../core/layer.hpp"
#include "../core/thread_pool.hpp"
#include "batch_checks.hpp"
#include "score.hpp"

#include <array>
#include <stdexcept>

namespace hourglass {

/// How a Predictor's call runs its layer kernels.
enum class Parallelism {
  serial,       ///< on the calling thread only (the default: many application threads)
  thread_pool,  ///< split across the library's threads when the pool is free (one caller, lowest latency)
};

template <class Model>
class Predictor {
 public:
  using Scalar = typename Model::Scalar;
  using network_type = typename Model::network_type;
  static constexpr Index input_size = Model::input_size;
  static constexpr Index code_size = Model::code_size;
  static constexpr std::size_t encoder_depth = Model::encoder_depth;
  static constexpr std::size_t depth = network_type::depth;
  static constexpr bool has_decoder = depth > encoder_depth;

  /// A predictor for `model` (borrowed: it must outlive the predictor) taking up to `max_batch`
  /// samples per call. Throws std::invalid_argument for max_batch < 1.
  explicit Predictor(const Model& model, Index max_batch = 1, Parallelism parallelism = Parallelism::serial)
      : model_(&model), max_batch_(max_batch), parallelism_(parallelism) {
    detail::require(max_batch >= 1, "Predictor: max_batch must be >= 1, got ", max_batch);
    input_.resize(input_size, max_batch);
    if constexpr (fills_missing) target_.resize(input_size, max_batch);
    for (auto& b : buffers_) b.resize(network_type::scratch_size(max_batch));
    codes_.resize(code_size, max_batch);
    if constexpr (has_decoder) {
      output_.resize(input_size, max_batch);
      scores_.resize(max_batch);
    }
  }

  Index max_batch() const { return max_batch_; }
  Parallelism parallelism() const { return parallelism_; }
  const Model& model() const { return *model_; }

  /// The codes of X (input_size x n, data units, 1 <= n <= max_batch): code_size x n.
  template <class D>
  ConstMatrixMap<Scalar> encode(const Eigen::MatrixBase<D>& x) {
    const Index n = load(x, "Predictor::encode");
    const KernelThreads threads(parallelism_ == Parallelism::serial);
    model_->network().template forward_into<0, encoder_depth>(as_input<Scalar>(input(n)), codes(n), buffers_);
    return ConstMatrixMap<Scalar>(codes_.data(), code_size, n);
  }

  /// The reconstructions of X in data units (input_size x n), as model.reconstruct(X).
  template <class D>
    requires(has_decoder)
  ConstMatrixMap<Scalar> reconstruct(const Eigen::MatrixBase<D>& x) {
    const Index n = run_all(x, "Predictor::reconstruct");
    auto out = output(n);
    model_->scaler().inverse_transform_in_place(out);
    return ConstMatrixMap<Scalar>(output_.data(), input_size, n);
  }

  /// The anomaly scores of X (n values), as model.score(X): per sample the mean squared
  /// reconstruction error over its observed features, in the scaler's units.
  template <class D>
    requires(has_decoder)
  ConstVectorMap<Scalar> score(const Eigen::MatrixBase<D>& x) {
    const Index n = run_all(x, "Predictor::score");
    const auto out = output(n);
    const auto target = fills_missing ? MatrixMap<Scalar>(target_.data(), input_size, n) : input(n);
    for (Index j = 0; j < n; ++j)
      scores_(j) = detail::observed_mean_squared_error(out.col(j), target.col(j), "Predictor::score", j);
    return ConstVectorMap<Scalar>(scores_.data(), n);
  }

 private:
  static constexpr bool fills_missing = requires(const Model& m, MatrixMap<Scalar>& x) { m.fill_missing(x); };

  /// For the length of a call: with Parallelism::serial every kernel runs on the calling thread
  /// (the pool treats the call as nested in a pass); with thread_pool the kernels may use it.
  struct KernelThreads {
    bool was = detail::in_parallel_pass();
    explicit KernelThreads(bool serial) { detail::in_parallel_pass() = was || serial; }
    ~KernelThreads() { detail::in_parallel_pass() = was; }
    KernelThreads(const KernelThreads&) = delete;
    KernelThreads& operator=(const KernelThreads&) = delete;
  };

  /// Copies X in, scales it and (with MissingValues) keeps the scaled target and fills the input.
  template <class D>
  Index load(const Eigen::MatrixBase<D>& x, const char* where) {
    detail::require_batch(x, input_size, where);
    const Index n = x.cols();
    if (n > max_batch_)
      throw std::invalid_argument(detail::message(where, ": ", n, " samples, but this Predictor was built for at most ",
                                                  max_batch_, " (Predictor(model, max_batch))"));
    auto in = input(n);
    in = x.template cast<Scalar>();
    model_->scaler().transform_in_place(in);
    if constexpr (fills_missing) {
      MatrixMap<Scalar>(target_.data(), input_size, n) = in;
      model_->fill_missing(in);
    }
    return n;
  }
  /// Loads X and runs every layer into output(n) (the network's units); returns n.
  template <class D>
  Index run_all(const Eigen::MatrixBase<D>& x, const char* where) {
    const Index n = load(x, where);
    const KernelThreads threads(parallelism_ == Parallelism::serial);
    model_->network().template forward_into<0, depth>(as_input<Scalar>(input(n)), output(n), buffers_);
    return n;
  }

  MatrixMap<Scalar> input(Index n) { return MatrixMap<Scalar>(input_.data(), input_size, n); }
  MatrixMap<Scalar> codes(Index n) { return MatrixMap<Scalar>(codes_.data(), code_size, n); }
  MatrixMap<Scalar> output(Index n) { return MatrixMap<Scalar>(output_.data(), input_size, n); }

  const Model* model_;
  Index max_batch_;
  Parallelism parallelism_;
  Matrix<Scalar> input_, target_, codes_, output_;
  Vector<Scalar> scores_;
  std::array<Vector<Scalar>, 2> buffers_;
};

}  // namespace hourglass
