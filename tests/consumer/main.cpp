#include <hourglass/hourglass.hpp>
#ifdef CONSUMER_IO
#include <hourglass/io.hpp>

#include <filesystem>
#endif

namespace hg = hourglass;

int main() {
  using Model = hg::Autoencoder<hg::Encoder<hg::Dense<8, 2, hg::Tanh>>, hg::Decoder<hg::Dense<2, 8, hg::Sigmoid>>>;
  Model model(1);
  const Eigen::MatrixXf x = Eigen::MatrixXf::Constant(8, 4, 0.5f);
  if (!model.reconstruct(x).allFinite()) return 1;
#ifdef CONSUMER_IO
  const auto path = std::filesystem::temp_directory_path() / "hourglass_consumer.safetensors";
  hg::io::save_model(path, model);
  Model loaded(2);
  hg::io::load_model(path, loaded);
  std::filesystem::remove(path);
  if (loaded.parameters().values != model.parameters().values) return 1;
#endif
  return 0;
}
