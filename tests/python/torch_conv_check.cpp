// Reproduces PyTorch's outputs and gradients for a convolutional autoencoder from its state_dict
// (written by tests/python/torch_conv_fixture.py): io::load_state_dict by name, then encode,
// reconstruct and the BCE gradient of every parameter, compared to PyTorch's within 1e-5.
// Usage: torch_conv_check <folder>
#include <hourglass/hourglass.hpp>
#include <hourglass/io.hpp>

#include <cstdio>
#include <exception>

namespace hg = hourglass;
namespace io = hourglass::io;

using Model = hg::Autoencoder<
    hg::Encoder<hg::Conv2D<hg::Shape<1, 12, 12>, 4, 3, 1, 1, hg::ReLU>, hg::MaxPool2D<hg::Shape<4, 12, 12>, 2>,
                hg::Conv2D<hg::Shape<4, 6, 6>, 6, 3, 2, 1, hg::Tanh>, hg::Flatten<6, 3, 3>, hg::Dense<54, 5>>,
    hg::Decoder<hg::Dense<5, 54, hg::ReLU>, hg::Reshape<hg::Shape<54>, hg::Shape<6, 3, 3>>,
                hg::ConvTranspose2D<hg::Shape<6, 3, 3>, 4, 3, 2, 1, 1, hg::ReLU>, hg::Upsample2D<hg::Shape<4, 6, 6>, 2>,
                hg::AvgPool2D<hg::Shape<4, 12, 12>, 3, 1, 1>, hg::Conv2D<hg::Shape<4, 12, 12>, 1, 3, 1, 1, hg::Sigmoid>>>;

int main(int argc, char** argv) {
  if (argc != 2) {
    std::fprintf(stderr, "usage: torch_conv_check <folder written by torch_conv_fixture.py>\n");
    return 2;
  }
  try {
    const std::filesystem::path folder = argv[1];
    Model model;
    io::load_state_dict(folder / "model.safetensors", model);
    const io::SafetensorsReader data(folder / "data.safetensors");
    const hg::Index n = data.info("input").shape[0];
    auto batch = [&](const std::string& name, hg::Index rows) {
      const std::vector<float> v = data.elements<float>(name);
      return Eigen::MatrixXf(Eigen::Map<const Eigen::MatrixXf>(v.data(), rows, n));
    };
    const Eigen::MatrixXf x = batch("input", Model::input_size);
    const double code = (model.encode(x) - batch("code", Model::code_size)).cwiseAbs().maxCoeff();
    const double output = (model.reconstruct(x) - batch("output", Model::input_size)).cwiseAbs().maxCoeff();
    const float loss = model.compute_gradients(hg::BinaryCrossEntropy{}, x, x).loss;
    const double loss_gap = std::abs(loss - data.elements<float>("loss")[0]);
    Model torch_gradients;
    io::load_state_dict(folder / "gradients.safetensors", torch_gradients);
    const Eigen::VectorXf& mine = model.parameters().gradients;
    const Eigen::VectorXf& theirs = torch_gradients.parameters().values;
    const double gradient = (mine - theirs).cwiseAbs().maxCoeff() / theirs.cwiseAbs().maxCoeff();
    std::printf("hourglass against PyTorch, %ld samples: code %.2e, output %.2e, loss %.2e (max abs), "
                "gradients %.2e (max abs / largest)\n",
                static_cast<long>(n), code, output, loss_gap, gradient);
    const bool ok = code < 1e-5 && output < 1e-5 && loss_gap < 1e-5 && gradient < 1e-5;
    std::printf("%s\n", ok ? "same outputs and gradients" : "DIFFERENT");
    return ok ? 0 : 1;
  } catch (const std::exception& e) {
    std::fprintf(stderr, "torch_conv_check: %s\n", e.what());
    return 1;
  }
}
