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

TEST_CASE("histogram_plot puts each series' bars where its values are, and the line where it says", "[io][png]") {
  // Series A in [0, 1), B in [2, 3): A's outline colour only left of the threshold at 1.5, B's
  // only right of it; the line's colour appears in one narrow band of columns.
  io::HistogramSeries a{"normal", {}, io::colors::palette[0]}, b{"anomalous", {}, io::colors::palette[1]};
  for (int i = 0; i < 200; ++i) a.values.push_back(0.005 * i);
  for (int i = 0; i < 50; ++i) b.values.push_back(2.0 + 0.02 * i);
  const io::Color red = io::colors::palette[3];
  io::PlotOptions o;
  o.x_label = "score";
  const io::Image h = io::histogram_plot({a, b}, {.bins = 30}, {{"threshold", 1.5, red}}, o);
  CHECK(h.width() == 800);
  int a_min = h.width(), a_max = -1, b_min = h.width(), b_max = -1, red_min = h.width(), red_max = -1;
  auto same = [](io::Color p, io::Color c) { return p.r == c.r && p.g == c.g && p.b == c.b; };
  for (int y = h.height() / 3; y < h.height() - 60; ++y)  // below the legend, above the x labels
    for (int x = 0; x < h.width(); ++x) {
      const auto p = h.get(x, y);
      if (same(p, a.color)) a_min = std::min(a_min, x), a_max = std::max(a_max, x);
      if (same(p, b.color)) b_min = std::min(b_min, x), b_max = std::max(b_max, x);
      if (same(p, red)) red_min = std::min(red_min, x), red_max = std::max(red_max, x);
    }
  REQUIRE(a_max >= 0);
  REQUIRE(b_max >= 0);
  REQUIRE(red_max >= 0);
  CHECK(a_max < red_min);
  CHECK(b_min > red_max);
  CHECK(red_max - red_min <= 2);
  CHECK(a_max - a_min > 100);  // a third of the axis
  CHECK_THROWS_WITH(io::histogram_plot({a}, {.bins = 0}), Catch::Matchers::Contains("at least one bin, got 0"));
  CHECK_THROWS_WITH(io::histogram_plot({a}, {}, {{"t", NAN}}), Catch::Matchers::Contains("line 't' is at nan"));
  test::TempDir dir;
  io::write_png(dir / "hist.png", h);
  CHECK(png_size(test::read_raw(dir / "hist.png")) == std::pair{800, 560});
}
