// Must not compile: a loss with a value but no value_and_gradient fails at the Loss concept
// (objectives/loss.hpp), not deep inside the training step.
#include <hourglass/hourglass.hpp>

namespace hg = hourglass;

struct HalfALoss {
  static constexpr std::string_view name = "half";
  template <class OutputActivation>
  static constexpr bool uses_logits = false;
  template <class A, class Y>
  static typename A::Scalar value(const A& a, const Y& y) {
    return (a - y).squaredNorm();
  }
};

int main() {
  using Model = hg::Autoencoder<hg::Encoder<hg::Dense<4, 2>>, hg::Decoder<hg::Dense<2, 4>>>;
  Model model(1);
  hg::Adam<float> adam;
  const Eigen::MatrixXf x = Eigen::MatrixXf::Zero(4, 8);
  hg::fit(model, adam, x, hg::FitOptions{}, HalfALoss{});
}
