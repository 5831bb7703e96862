// EncoderModel: a trained autoencoder's encoder alone gives the autoencoder's codes bit for bit
// (few samples and many, with and without a scaler, float and double, tied decoders), holds no
// training state, and refuses a scaler of another size.
#include <catch2/catch.hpp>

#include "bad_input.hpp"
#include "helpers.hpp"

#include <hourglass/hourglass.hpp>

#include <type_traits>

namespace hg = hourglass;

namespace {

template <class S>
using Model = hg::BasicAutoencoder<S, hg::Encoder<hg::Dense<7, 5, hg::ReLU>, hg::Dense<5, 3, hg::Tanh>, hg::Dense<3, 2>>,
                                   hg::Decoder<hg::Dense<2, 5, hg::ReLU>, hg::Dense<5, 7, hg::Sigmoid>>>;
using Tied = hg::BasicAutoencoder<double, hg::Encoder<hg::Dense<6, 4, hg::Sigmoid>, hg::Dense<4, 2, hg::Sigmoid>>,
                                  hg::Decoder<hg::TiedDense<1, hg::Sigmoid>, hg::TiedDense<0, hg::Sigmoid>>>;

}  // namespace

TEMPLATE_TEST_CASE("the encoder of a trained model gives its codes bit for bit", "[encoder_model]", float, double) {
  using S = TestType;
  Model<S> model(1);
  hg::Adam<S> adam;
  test::train_briefly(model, adam, 2, 32, 3);
  using Encoder = hg::encoder_model_t<Model<S>>;
  static_assert(std::is_same_v<Encoder, hg::BasicEncoderModel<S, typename Model<S>::encoder_type>>);
  static_assert(Encoder::input_size == 7 && Encoder::code_size == 2 && Encoder::depth == 3);
  static_assert(Encoder::encoder_depth == 3 && Encoder::decoder_depth == 0);
  // Few samples go layer by layer; more than two blocks of 512 in blocks across threads.
  for (const Eigen::Index n : {1, 5, 1500}) {
    INFO(n << " samples");
    const Eigen::Matrix<S, Eigen::Dynamic, Eigen::Dynamic> x = test::uniform(7, n, 10 + n, -2.0, 5.0).template cast<S>();
    {
      const Encoder encoder(model);
      CHECK(test::bit_equal(encoder.encode(x), model.encode(x)));
    }
    model.set_scaler(hg::Scaler<S>::min_max(x));
    const Encoder encoder(model);
    CHECK(encoder.scaler().describe() == "min_max(0,1)");
    CHECK(test::bit_equal(encoder.scaler().scale(), model.scaler().scale()));
    CHECK(test::bit_equal(encoder.encode(x), model.encode(x)));
    model.set_scaler({});
  }
  // Its parameters are the encoder's, without the decoder's (nor the joined buffer's layout).
  const Encoder encoder(model);
  CHECK(encoder.template weights<2>() == model.template weights<2>());
  CHECK(encoder.template bias<0>() == model.template bias<0>());
  CHECK(encoder.parameters().size() < model.parameters().size());
  CHECK(encoder.parameters().size() == Encoder::network_type::parameter_count);
}

TEST_CASE("the encoder of a tied-decoder model is its own encoder", "[encoder_model]") {
  Tied model(4);
  hg::Adam<double> adam;
  test::train_briefly(model, adam, 1, 24, 5);
  const hg::encoder_model_t<Tied> encoder(model);
  const Eigen::MatrixXd x = test::uniform(6, 9, 2);
  CHECK(test::bit_equal(encoder.encode(x), model.encode(x)));
}

TEST_CASE("a fresh encoder model is all zeros and refuses a scaler of another size", "[encoder_model]") {
  hg::EncoderModel<hg::Encoder<hg::Dense<4, 3, hg::Sigmoid>, hg::Dense<3, 2>>> encoder;
  CHECK(encoder.parameters().values.isZero(0));
  CHECK_FALSE(encoder.scaler().active());
  CHECK(encoder.encode(Eigen::MatrixXf::Ones(4, 2)).isZero(0));  // W = 0, b = 0 throughout
  // An encoder has no output activation to reach: standardize is fine; the size must match.
  const Eigen::MatrixXf x = test::uniform(4, 10, 1).cast<float>();
  encoder.set_scaler(hg::Scaler<float>::standardize(x));
  CHECK(encoder.scaler().kind() == hg::Scaler<float>::Kind::standardize);
  REQUIRE_THROWS_MATCHES(encoder.set_scaler(hg::Scaler<float>::min_max(test::uniform(5, 10, 1).cast<float>())),
                         std::invalid_argument, test::Says({"set_scaler", "fitted on 5 features but the model takes 4"}));
  CHECK(encoder.scaler().kind() == hg::Scaler<float>::Kind::standardize);
  REQUIRE_THROWS_MATCHES(encoder.encode(Eigen::MatrixXf::Ones(5, 2)), std::invalid_argument, test::Says({"encode"}));
}
