// Writes a float and a double model in safetensors plus the values Python must read from them
// (expected.json), for tests/python/check_safetensors.py.
#include <hourglass/hourglass.hpp>
#include <hourglass/io/safetensors.hpp>

#include <fstream>
#include <iostream>
#include <type_traits>
#include <nlohmann/json.hpp>

namespace hg = hourglass;

template <class S>
using Model = hg::BasicAutoencoder<S, hg::Encoder<hg::Dense<5, 3, hg::ReLU>, hg::Dense<3, 2>>,
                                   hg::Decoder<hg::Dense<2, 3, hg::Tanh>, hg::Dense<3, 5, hg::Sigmoid>>>;

/// The float model keeps a scaler (min_max onto [0, 1]), which Python must apply too.
template <class S>
nlohmann::json write(const std::filesystem::path& path) {
  Model<S> model(3);
  if constexpr (std::is_same_v<S, float>) {
    Eigen::Matrix<S, 5, 3> fitted;
    fitted << -2, 0, 3, 0.5f, 1, 2, 10, 20, 30, 0, 0, 1, -1, 1, 4;
    model.set_scaler(hg::Scaler<S>::min_max(fitted));
  }
  hg::io::save_model(path, model);
  nlohmann::json j;
  auto add = [&](const std::string& name, const auto& m) {
    nlohmann::json rows = nlohmann::json::array();
    for (Eigen::Index i = 0; i < m.rows(); ++i) {
      nlohmann::json row = nlohmann::json::array();
      for (Eigen::Index k = 0; k < m.cols(); ++k) row.push_back(static_cast<double>(m(i, k)));
      rows.push_back(row);
    }
    j[name] = rows;
  };
  add("encoder.0.weight", model.template weights<0>());
  add("encoder.0.bias", model.template bias<0>());
  add("decoder.2.weight", model.template weights<3>());
  add("decoder.2.bias", model.template bias<3>());
  Eigen::Matrix<S, 5, 1> x;
  x << S(0.1), S(0.9), S(0.4), S(0.0), S(1.0);
  add("input", x);
  add("reconstruction", model.reconstruct(x));
  return j;
}

int main(int argc, char** argv) {
  if (argc != 2) {
    std::cerr << "usage: safetensors_fixture DIR\n";
    return 2;
  }
  const std::filesystem::path dir = argv[1];
  std::filesystem::create_directories(dir);
  nlohmann::json expected;
  expected["model32.safetensors"] = write<float>(dir / "model32.safetensors");
  expected["model64.safetensors"] = write<double>(dir / "model64.safetensors");
  std::ofstream(dir / "expected.json") << expected.dump(1);
  return 0;
}
