// hourglass/model/encoder_model.hpp — BasicEncoderModel<Scalar, Encoder<Layers...>>: a trained
// autoencoder's encoder alone, with the scaler it was trained behind, for computing codes where
// the decoder is not needed (feature extraction, a search index, an embedded device).
//
//   hg::encoder_model_t<Model> encoder(model);          // copies the encoder's parameters and the scaler
//   Eigen::MatrixXf codes = encoder.encode(x);         // == model.encode(x), bit for bit
//   hg::io::save_encoder("encoder.safetensors", model); // the encoder's tensors only (hourglass/io)
//   hg::io::load_model("encoder.safetensors", encoder); // an encoder file, or a whole model's file
//
// It holds no training state (no policies, no random streams, no workspaces): it is built from a
// trained model or loaded from a file, and only encodes. A missing value (NaN) is not filled as
// an autoencoder with the MissingValues policy fills it: it stays NaN, and so does its code.
#pragma once

#include "../core/activations.hpp"
#include "../core/config.hpp"
#include "../core/static_for.hpp"
#include "batch_checks.hpp"
#include "encoder.hpp"
#include "scaler.hpp"
#include "sequential.hpp"

#include <cstddef>
#include <tuple>
#include <type_traits>
#include <utility>

namespace hourglass {

template <class Scalar, class Enc>
class BasicEncoderModel {
  static_assert(is_encoder<Enc>, "BasicEncoderModel<Scalar, E>: E must be an Encoder<Layers...>");
};

template <class Scalar_, Layer... Layers>
class BasicEncoderModel<Scalar_, Encoder<Layers...>> {
 public:
  using Scalar = Scalar_;
  using encoder_type = Encoder<Layers...>;
  using network_type = Sequential<Scalar, Layers...>;
  using policy_types = std::tuple<>;  ///< none: nothing here trains

  static constexpr Index input_size = encoder_type::input_size;
  static constexpr Index code_size = encoder_type::code_size;
  static constexpr std::size_t depth = sizeof...(Layers);
  static constexpr std::size_t encoder_depth = depth;
  static constexpr std::size_t decoder_depth = 0;
  static constexpr std::size_t code_layer_index = depth - 1;
  template <std::size_t I>
  using layer_type = typename network_type::template layer_type<I>;

  /// Parameters all zero and no scaler: a model to load a file into (io::load_model).
  BasicEncoderModel() = default;

  /// The encoder of a trained autoencoder: its parameters, block by block, and its scaler.
  template <class Autoencoder>
    requires(!std::is_same_v<Autoencoder, BasicEncoderModel>)
  explicit BasicEncoderModel(const Autoencoder& autoencoder) {
    static_assert(std::is_same_v<typename Autoencoder::Scalar, Scalar>,
                  "BasicEncoderModel(autoencoder): the autoencoder has another Scalar type (use hg::encoder_model_t<Model>)");
    static_assert(std::is_same_v<typename Autoencoder::encoder_type, encoder_type>,
                  "BasicEncoderModel(autoencoder): the autoencoder's encoder has other layers (use hg::encoder_model_t<Model>)");
    static_assert(Autoencoder::encoder_depth == depth,
                  "BasicEncoderModel(autoencoder): the model's encoder does not end at the code (a VAE's ends in its "
                  "GaussianLatent layer)");
    static_assert(requires { autoencoder.scaler(); }, "BasicEncoderModel(autoencoder): the model has no scaler()");
    // Block by block: the joined network pads every block to an aligned offset, so the encoder's
    // blocks do not sit at the same offsets there as here.
    detail::static_for<depth>([&](auto i) {
      constexpr std::size_t I = decltype(i)::value;
      detail::static_for<block_count<layer_type<I>>>([&](auto b) {
        constexpr std::size_t B = decltype(b)::value;
        network_.template block_values<I, B>() = autoencoder.network().template block_values<I, B>();
      });
    });
    scaler_ = autoencoder.scaler();
  }

  /// The codes of a batch X (input_size x n, data units): the scaler, then the encoder's layers
  /// (many samples in blocks across threads, as Autoencoder::encode).
  template <class D>
  Matrix<Scalar> encode(const Eigen::MatrixBase<D>& x) const {
    detail::require_batch(x, input_size, "encode");
    if (!scaler_.active()) return network_.template forward_range<0, depth>(x);
    return network_.template forward_range<0, depth>(scaler_.transform(x));
  }

  /// The scaler encode applies first. Throws std::invalid_argument (the scaler unchanged) when it
  /// was fitted on another number of features.
  void set_scaler(Scaler<Scalar> scaler) {
    scaler.template require_reachable_by<Identity>(input_size, "set_scaler");
    scaler_ = std::move(scaler);
  }
  const Scaler<Scalar>& scaler() const { return scaler_; }

  ParameterBuffer<Scalar>& parameters() { return network_.parameters(); }
  const ParameterBuffer<Scalar>& parameters() const { return network_.parameters(); }
  network_type& network() { return network_; }
  const network_type& network() const { return network_; }
  template <std::size_t I>
  auto weights() const { return network_.template weights<I>(); }
  template <std::size_t I>
  auto bias() const { return network_.template bias<I>(); }

 private:
  network_type network_;
  Scaler<Scalar> scaler_;
};

/// The float encoder model.
template <class Enc>
using EncoderModel = BasicEncoderModel<float, Enc>;

/// The encoder model of an autoencoder type: hg::encoder_model_t<Model> encoder(model).
template <class Autoencoder>
using encoder_model_t = BasicEncoderModel<typename Autoencoder::Scalar, typename Autoencoder::encoder_type>;

}  // namespace hourglass
