// libFuzzer harness: loading a model (and Adam's state; and an EncoderModel) from a safetensors
// file must survive any byte sequence — either the model is loaded with finite parameters (and a
// usable scaler and threshold) and still works, or io::FileError is thrown and the model is left
// as it was. scripts/fuzz.sh builds and runs it.
#include "fuzz_common.hpp"

#include <cmath>

namespace io = hourglass::io;

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  const auto path = fuzz::write_input(data, size);
  static const fuzz::Model reference(1);
  const Eigen::MatrixXf x = Eigen::MatrixXf::Constant(4, 2, 0.5f);
  {
    fuzz::Model model(1);
    try {
      io::load_model(path, model);
      fuzz::require(model.parameters().values.allFinite(), "load_model: non-finite parameters accepted");
      // Finite weights may still be huge (1e30) and overflow in the forward pass: a NaN output
      // is then float arithmetic, not a reading error, so only the shape is checked.
      const Eigen::MatrixXf back = model.reconstruct(x);
      fuzz::require(back.rows() == 4 && back.cols() == 2, "load_model: the loaded model reconstructs another shape");
      if (model.scaler().active())
        fuzz::require(model.scaler().scale().allFinite() && (model.scaler().scale().array() != 0).all() &&
                          model.scaler().offset().allFinite(),
                      "load_model: a non-finite or zero scaler accepted");
      if (model.threshold()) fuzz::require(std::isfinite(model.threshold()->value), "load_model: a non-finite threshold accepted");
    } catch (const io::FileError&) {
      fuzz::require(model.parameters().values == reference.parameters().values, "load_model: failed but changed the model");
      fuzz::require(!model.scaler().active() && !model.threshold(), "load_model: failed but changed the scaler or threshold");
    }
  }
  {
    hourglass::encoder_model_t<fuzz::Model> encoder;
    try {
      io::load_model(path, encoder);
      fuzz::require(encoder.parameters().values.allFinite(), "load_model (encoder): non-finite parameters accepted");
      const Eigen::MatrixXf code = encoder.encode(x);
      fuzz::require(code.rows() == 2 && code.cols() == 2, "load_model (encoder): the loaded encoder codes another shape");
    } catch (const io::FileError&) {
      fuzz::require(encoder.parameters().values.isZero(0) && !encoder.scaler().active(),
                    "load_model (encoder): failed but changed the model");
    }
  }
  {
    fuzz::Model model(1);
    hourglass::Adam<float> adam;
    try {
      io::load_model(path, model, adam);
      fuzz::require(model.parameters().values.allFinite(), "load_model + adam: non-finite parameters accepted");
      // The restored state must fit the model: one more step has to work.
      model.compute_gradients(hourglass::MSE{}, x, x);
      adam.step(model.parameters());
    } catch (const io::FileError&) {
      fuzz::require(model.parameters().values == reference.parameters().values, "load_model + adam: failed but changed the model");
    }
  }
  try {
    const io::SafetensorsReader reader(path);
    for (const auto& [name, info] : reader.tensors()) {
      if (info.dtype == "F32") (void)reader.elements<float>(name);
      if (info.dtype == "F64") (void)reader.elements<double>(name);
    }
  } catch (const io::FileError&) {
  }
  return 0;
}
