// PNG output: valid files (signature, IHDR size), image grids, plots that draw something.
#include <catch2/catch.hpp>

#include "io_helpers.hpp"

#include <hourglass/io/png.hpp>

#include <cmath>

namespace io = hourglass::io;

namespace {
/// Width and height from a PNG's IHDR, or {-1, -1} if the bytes are not a PNG.
std::pair<int, int> png_size(const std::vector<unsigned char>& b) {
  const unsigned char sig[8] = {0x89, 'P', 'N', 'G', '\r', '\n', 0x1a, '\n'};
  if (b.size() < 24 || !std::equal(sig, sig + 8, b.begin()) || std::string(b.begin() + 12, b.begin() + 16) != "IHDR")
    return {-1, -1};
  auto be = [&](std::size_t i) { return (b[i] << 24) | (b[i + 1] << 16) | (b[i + 2] << 8) | b[i + 3]; };
  return {be(16), be(20)};
}
int count_not(const io::Image& img, io::Color c) {
  int n = 0;
  for (int y = 0; y < img.height(); ++y)
    for (int x = 0; x < img.width(); ++x) {
      const auto p = img.get(x, y);
      n += (p.r != c.r || p.g != c.g || p.b != c.b);
    }
  return n;
}
}  // namespace

TEST_CASE("write_png writes a valid PNG atomically", "[io][png]") {
  test::TempDir dir;
  io::Image img(7, 5, io::colors::black);
  img.set(1, 1, io::colors::white);
  img.set(100, 100, io::colors::white);  // outside: ignored
  io::write_png(dir / "a.png", img);
  CHECK(png_size(test::read_raw(dir / "a.png")) == std::pair{7, 5});
}

TEST_CASE("image_grid lays out one tile per column of the matrix", "[io][png]") {
  Eigen::MatrixXf x = Eigen::MatrixXf::Zero(6, 5);  // five 2x3 images
  x(0, 0) = 1;  // image 0, top-left pixel is ink
  const io::Image g = io::image_grid(x, 2, 3, /*columns=*/3, /*scale=*/2, /*gap=*/1);
  CHECK(g.width() == 1 + 3 * (6 + 1));
  CHECK(g.height() == 1 + 2 * (4 + 1));
  CHECK(g.get(1, 1).r == 0);    // ink is black
  CHECK(g.get(3, 1).r == 255);  // background of the image is white
  CHECK(g.get(0, 0).r == io::colors::light_grey.r);  // gap
  CHECK_THROWS_AS(io::image_grid(x, 3, 3, 3), std::invalid_argument);
}

TEST_CASE("text, line and scatter plots draw inside the image", "[io][png]") {
  test::TempDir dir;
  io::Image t(100, 30);
  t.text(2, 2, "Loss 0.123", io::colors::black, 2);
  CHECK(count_not(t, io::colors::white) > 50);
  CHECK(io::Image::text_width("abc", 2) > io::Image::text_width("abc", 1));

  io::PlotOptions o;
  o.title = "loss";
  o.x_label = "epoch";
  o.y_label = "MSE";
  const io::Image lp = io::line_plot({{"train", {1, 2, 3}, {0.5, 0.2, 0.1}, io::colors::palette[0]},
                                      {"validation", {1, 2, 3}, {0.6, 0.3, 0.2}, io::colors::palette[1]}},
                                     o);
  CHECK(count_not(lp, io::colors::white) > 2000);
  io::write_png(dir / "loss.png", lp);
  CHECK(png_size(test::read_raw(dir / "loss.png")) == std::pair{800, 560});
  o.log_y = true;
  CHECK(count_not(io::line_plot({{"train", {1, 2}, {1e-3, 1e-1}, io::colors::palette[2]}}, o), io::colors::white) > 1000);

  Eigen::MatrixXd p(2, 30);
  Eigen::VectorXi labels(30);
  for (int j = 0; j < 30; ++j) {
    p(0, j) = std::cos(j * 0.3) * j;
    p(1, j) = std::sin(j * 0.3) * j;
    labels[j] = j % 10;
  }
  const io::Image sp = io::scatter_plot(p, labels, o);
  io::write_png(dir / "latent.png", sp);
  CHECK(png_size(test::read_raw(dir / "latent.png")).first == 800);
  // Each label's colour appears.
  for (int k = 0; k < 10; ++k) {
    bool found = false;
    const auto c = io::colors::palette[static_cast<std::size_t>(k)];
    for (int y = 0; y < sp.height() && !found; ++y)
      for (int x = 0; x < sp.width() && !found; ++x) {
        const auto q = sp.get(x, y);
        found = q.r == c.r && q.g == c.g && q.b == c.b;
      }
    CHECK(found);
  }
  CHECK_THROWS_AS(io::scatter_plot(p, Eigen::VectorXi(3), o), std::invalid_argument);
}

// std::clamp lets NaN through, and a NaN converted to a grey level is undefined behaviour (the
// sanitizer build reports it): a NaN reconstruction turned into a pixel without a word.
TEST_CASE("regression: image_grid refuses NaN and Inf, naming the image and the pixel", "[io][png]") {
  Eigen::MatrixXf images = Eigen::MatrixXf::Constant(6, 3, 0.5f);
  images(4, 2) = std::nanf("");
  CHECK_THROWS_WITH(io::image_grid(images, 2, 3, 3), Catch::Matchers::Contains("image 2 (column 2)") &&
                                                         Catch::Matchers::Contains("pixel 4 (row 1, column 1)"));
  images(4, 2) = -INFINITY;
  CHECK_THROWS_WITH(io::image_grid(images, 2, 3, 3), Catch::Matchers::Contains("-inf"));
  images(4, 2) = 7.0f;  // finite values outside [0, 1] are clamped, as documented
  CHECK(io::image_grid(images, 2, 3, 3).width() > 0);
}
