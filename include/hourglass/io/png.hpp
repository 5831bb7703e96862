// hourglass/io/png.hpp — PNG output: image grids of samples and simple plots drawn here.
//
// Not part of the core umbrella header. PNG encoding is stb_image_write from Debian's libstb-dev,
// used through its *compiled* library (libstb.so, linked by hourglass::io): this header includes
// only the declarations and never defines STB_IMAGE_WRITE_IMPLEMENTATION, so any number of
// translation units can include it without duplicate symbols. Text is drawn with
// stb_easy_font.h (static functions, one private copy per translation unit).
//
//   Image grid = image_grid(images, 28, 28, /*columns=*/10, /*scale=*/2);   // one image per column
//   write_png("digits.png", grid);                                          // atomic
//   write_png("loss.png", line_plot({{"train", epochs, train}, {"validation", epochs, val}}, options));
//   write_png("latent.png", scatter_plot(codes2d, labels, options));
//   write_png("scores.png", histogram_plot({{"normal", normal_scores}, {"anomalous", anomaly_scores, palette[3]}},
//                                          {.bins = 60}, {{"threshold", t.value}}, options));
#pragma once

#include "../core/config.hpp"
#include "file.hpp"

#include <Eigen/Core>

#include <algorithm>
#include <array>
#include <cmath>
#include <cstdint>
#include <cstdio>
#include <filesystem>
#include <optional>
#include <string>
#include <vector>

#include <math.h>  // stb_easy_font uses ceil() unqualified
#include <stb/stb_easy_font.h>
#include <stb/stb_image_write.h>

namespace hourglass::io {

struct Color {
  std::uint8_t r = 0, g = 0, b = 0;
};

namespace colors {
inline constexpr Color white{255, 255, 255};
inline constexpr Color black{0, 0, 0};
inline constexpr Color grey{160, 160, 160};
inline constexpr Color light_grey{225, 225, 225};
/// Matplotlib's "tab10": ten distinguishable colours (label k gets palette[k % 10]).
inline constexpr std::array<Color, 10> palette{{{31, 119, 180},
                                                {255, 127, 14},
                                                {44, 160, 44},
                                                {214, 39, 40},
                                                {148, 103, 189},
                                                {140, 86, 75},
                                                {227, 119, 194},
                                                {127, 127, 127},
                                                {188, 189, 34},
                                                {23, 190, 207}}};
}  // namespace colors

/// An RGB image, 8 bits per channel, rows top to bottom.
class Image {
 public:
  Image() = default;
  Image(int width, int height, Color background = colors::white)
      : width_(width), height_(height), rgb_(static_cast<std::size_t>(std::max(width, 0)) * std::max(height, 0) * 3) {
    fill(background);
  }
  int width() const { return width_; }
  int height() const { return height_; }
  const std::vector<std::uint8_t>& rgb() const { return rgb_; }

  void fill(Color c) {
    for (std::size_t i = 0; i + 2 < rgb_.size(); i += 3) {
      rgb_[i] = c.r;
      rgb_[i + 1] = c.g;
      rgb_[i + 2] = c.b;
    }
  }
  /// Sets one pixel; coordinates outside the image are ignored (so drawing is always safe).
  void set(int x, int y, Color c) {
    if (x < 0 || y < 0 || x >= width_ || y >= height_) return;
    const std::size_t i = (static_cast<std::size_t>(y) * static_cast<std::size_t>(width_) + static_cast<std::size_t>(x)) * 3;
    rgb_[i] = c.r;
    rgb_[i + 1] = c.g;
    rgb_[i + 2] = c.b;
  }
  Color get(int x, int y) const {
    if (x < 0 || y < 0 || x >= width_ || y >= height_) return {};
    const std::size_t i = (static_cast<std::size_t>(y) * static_cast<std::size_t>(width_) + static_cast<std::size_t>(x)) * 3;
    return {rgb_[i], rgb_[i + 1], rgb_[i + 2]};
  }
  void fill_rect(int x0, int y0, int x1, int y1, Color c) {  // inclusive corners
    if (x0 > x1) std::swap(x0, x1);
    if (y0 > y1) std::swap(y0, y1);
    for (int y = std::max(y0, 0); y <= std::min(y1, height_ - 1); ++y)
      for (int x = std::max(x0, 0); x <= std::min(x1, width_ - 1); ++x) set(x, y, c);
  }
  /// A line of the given thickness (Bresenham, with a square pen).
  void line(int x0, int y0, int x1, int y1, Color c, int thickness = 1) {
    const int dx = std::abs(x1 - x0), sx = x0 < x1 ? 1 : -1;
    const int dy = -std::abs(y1 - y0), sy = y0 < y1 ? 1 : -1;
    int err = dx + dy;
    const int lo = -(thickness - 1) / 2, hi = thickness / 2;
    for (int guard = 0; guard < 100000; ++guard) {
      fill_rect(x0 + lo, y0 + lo, x0 + hi, y0 + hi, c);
      if (x0 == x1 && y0 == y1) break;
      const int e2 = 2 * err;
      if (e2 >= dy) {
        err += dy;
        x0 += sx;
      }
      if (e2 <= dx) {
        err += dx;
        y0 += sy;
      }
    }
  }
  /// A filled disc of radius r.
  void disc(int cx, int cy, int r, Color c) {
    for (int y = -r; y <= r; ++y)
      for (int x = -r; x <= r; ++x)
        if (x * x + y * y <= r * r + r / 2) set(cx + x, cy + y, c);
  }
  /// Text with its top-left corner at (x, y), `scale` pixels per font unit (the font is 7 units
  /// tall for capitals). Characters outside printable ASCII are drawn as '?'.
  void text(int x, int y, const std::string& s, Color c, int scale = 1) {
    std::string printable = s;
    for (char& ch : printable)
      if (ch < 32 || ch > 126) ch = '?';
    std::vector<float> buffer(printable.size() * 4 * 4 * 70 + 64);  // ~70 quads per char at most
    unsigned char rgba[4] = {c.r, c.g, c.b, 255};
    const int quads = stb_easy_font_print(0, 0, printable.data(), rgba, buffer.data(),
                                          static_cast<int>(buffer.size() * sizeof(float)));
    // Each vertex: x, y, z (floats) and 4 colour bytes = 4 floats; 4 vertices per quad.
    for (int q = 0; q < quads; ++q) {
      const float* v = buffer.data() + static_cast<std::size_t>(q) * 16;
      const int qx0 = static_cast<int>(std::lround(v[0])), qy0 = static_cast<int>(std::lround(v[1]));
      const int qx1 = static_cast<int>(std::lround(v[8])), qy1 = static_cast<int>(std::lround(v[9]));
      fill_rect(x + qx0 * scale, y + qy0 * scale, x + qx1 * scale - 1, y + qy1 * scale - 1, c);
    }
  }
  /// Width in pixels of `s` drawn at `scale`.
  static int text_width(const std::string& s, int scale = 1) {
    std::string printable = s;
    for (char& ch : printable)
      if (ch < 32 || ch > 126) ch = '?';
    return stb_easy_font_width(printable.data()) * scale;
  }
  /// Copies `other` with its top-left corner at (x, y).
  void paste(const Image& other, int x, int y) {
    for (int j = 0; j < other.height(); ++j)
      for (int i = 0; i < other.width(); ++i) set(x + i, y + j, other.get(i, j));
  }

 private:
  int width_ = 0, height_ = 0;
  std::vector<std::uint8_t> rgb_;
};

/// The PNG bytes of an image.
inline std::vector<unsigned char> encode_png(const Image& image) {
  std::vector<unsigned char> out;
  if (image.width() <= 0 || image.height() <= 0) throw std::invalid_argument("encode_png: the image is empty");
  auto sink = [](void* context, void* data, int size) {
    auto* o = static_cast<std::vector<unsigned char>*>(context);
    const auto* p = static_cast<const unsigned char*>(data);
    o->insert(o->end(), p, p + size);
  };
  if (!stbi_write_png_to_func(sink, &out, image.width(), image.height(), 3, image.rgb().data(), image.width() * 3))
    throw std::runtime_error("encode_png: stb_image_write failed");
  return out;
}

/// Writes an image as PNG, atomically.
inline void write_png(const std::filesystem::path& path, const Image& image) {
  const auto bytes = encode_png(image);
  write_atomically(path, [&](std::FILE* f) { write_bytes(f, bytes.data(), bytes.size()); });
}

/// A grid of grayscale images (each a column of `images`, rows*cols pixels in row-major order,
/// values in [0, 1], clamped; NaN or Inf: std::invalid_argument naming the image and pixel): `columns` per row, each pixel drawn as scale x scale, `gap`
/// pixels of grey between tiles. Optional `row_labels` are written left of each row.
template <class D>
Image image_grid(const Eigen::MatrixBase<D>& images, int rows, int cols, int columns, int scale = 1, int gap = 2,
                 const std::vector<std::string>& row_labels = {}) {
  hourglass::detail::require(rows > 0 && cols > 0 && images.rows() == static_cast<Index>(rows) * cols,
                  "image_grid: images must have rows*cols = ", static_cast<Index>(rows) * cols, " rows, got ",
                  images.rows());
  hourglass::detail::require(columns > 0 && scale > 0 && gap >= 0 && images.cols() > 0,
                  "image_grid: needs images, columns > 0, scale > 0");
  // A NaN survives std::clamp, and converting it to a grey level is undefined: refused, named.
  if (const auto bad = hourglass::detail::first_non_finite(images))
    throw std::invalid_argument(hourglass::detail::message(
        "image_grid: image ", bad.col, " (column ", bad.col, ") holds ", static_cast<double>(images(bad.row, bad.col)),
        " at pixel ", bad.row, " (row ", bad.row / cols, ", column ", bad.row % cols,
        "); pixels must be finite (values outside [0, 1] are clamped)"));
  const int n = static_cast<int>(images.cols());
  const int grid_rows = (n + columns - 1) / columns;
  int label_width = 0;
  for (const auto& l : row_labels) label_width = std::max(label_width, Image::text_width(l, 2) + 10);
  const int tile_w = cols * scale, tile_h = rows * scale;
  Image img(label_width + gap + columns * (tile_w + gap), gap + grid_rows * (tile_h + gap), colors::light_grey);
  for (int k = 0; k < n; ++k) {
    const int x0 = label_width + gap + (k % columns) * (tile_w + gap), y0 = gap + (k / columns) * (tile_h + gap);
    for (int r = 0; r < rows; ++r)
      for (int c = 0; c < cols; ++c) {
        const double v = std::clamp(static_cast<double>(images(r * cols + c, k)), 0.0, 1.0);
        const auto g = static_cast<std::uint8_t>(255.0 - 255.0 * v + 0.5);  // ink is dark on white
        img.fill_rect(x0 + c * scale, y0 + r * scale, x0 + (c + 1) * scale - 1, y0 + (r + 1) * scale - 1, {g, g, g});
      }
  }
  for (std::size_t i = 0; i < row_labels.size() && static_cast<int>(i) < grid_rows; ++i)
    img.text(4, gap + static_cast<int>(i) * (tile_h + gap) + tile_h / 2 - 7, row_labels[i], colors::black, 2);
  return img;
}

// ---- plots -------------------------------------------------------------------------------

struct PlotOptions {
  std::string title;
  std::string x_label;
  std::string y_label;
  int width = 800;
  int height = 560;
  bool log_y = false;  ///< logarithmic y axis (values must be > 0)
};

struct Series {
  std::string name;
  std::vector<double> x, y;
  Color color = colors::palette[0];
};

namespace detail {

/// About `target` "nice" tick positions (1, 2, 5 times a power of ten) covering [lo, hi].
inline std::vector<double> nice_ticks(double lo, double hi, int target = 6) {
  if (!(hi > lo)) return {lo};
  const double raw = (hi - lo) / target;
  const double mag = std::pow(10.0, std::floor(std::log10(raw)));
  double step = mag;
  for (const double m : {1.0, 2.0, 5.0, 10.0})
    if (raw <= m * mag) {
      step = m * mag;
      break;
    }
  std::vector<double> ticks;
  for (double t = std::ceil(lo / step - 1e-9) * step; t <= hi + step * 1e-9; t += step)
    ticks.push_back(std::abs(t) < step * 1e-9 ? 0.0 : t);
  return ticks;
}

inline std::string tick_label(double v) {
  char buf[32];
  std::snprintf(buf, sizeof buf, "%.6g", v);
  return buf;
}

/// Axes, ticks, labels and title; maps data to pixels.
class Frame {
 public:
  Frame(Image& img, const PlotOptions& o, double x0, double x1, double y0, double y1)
      : img_(img), o_(o), x0_(x0), x1_(x1), y0_(y0), y1_(y1) {
    if (o.log_y) {
      y0_ = std::log10(y0);
      y1_ = std::log10(y1);
    }
    if (!(x1_ > x0_)) {
      x0_ -= 0.5;
      x1_ += 0.5;
    }
    if (!(y1_ > y0_)) {
      y0_ -= 0.5;
      y1_ += 0.5;
    }
    const double px = (x1_ - x0_) * 0.03, py = (y1_ - y0_) * 0.05;
    x0_ -= px;
    x1_ += px;
    y0_ -= py;
    y1_ += py;
    left_ = 90;
    right_ = img.width() - 20;
    top_ = o.title.empty() ? 20 : 50;
    bottom_ = img.height() - 60;
  }
  int px(double x) const { return left_ + static_cast<int>(std::lround((x - x0_) / (x1_ - x0_) * (right_ - left_))); }
  int py(double y) const {
    const double v = o_.log_y ? std::log10(y) : y;
    return bottom_ - static_cast<int>(std::lround((v - y0_) / (y1_ - y0_) * (bottom_ - top_)));
  }
  bool inside(int x, int y) const { return x >= left_ && x <= right_ && y >= top_ && y <= bottom_; }

  void draw_axes() {
    // Grid and ticks.
    for (double t : nice_ticks(x0_, x1_)) {
      const int x = px(t);
      img_.line(x, top_, x, bottom_, colors::light_grey);
      img_.line(x, bottom_, x, bottom_ + 5, colors::black);
      const std::string s = tick_label(t);
      img_.text(x - Image::text_width(s, 2) / 2, bottom_ + 9, s, colors::black, 2);
    }
    std::vector<double> yt;
    if (o_.log_y) {
      for (double e = std::floor(y0_); e <= std::ceil(y1_); e += 1.0)
        for (const double m : {1.0, 2.0, 5.0}) {
          const double v = std::log10(m) + e;
          if (v >= y0_ && v <= y1_) yt.push_back(std::pow(10.0, v));
        }
    } else {
      yt = nice_ticks(y0_, y1_);
    }
    for (double t : yt) {
      const int y = py(t);
      img_.line(left_, y, right_, y, colors::light_grey);
      img_.line(left_ - 5, y, left_, y, colors::black);
      const std::string s = tick_label(t);
      img_.text(left_ - 9 - Image::text_width(s, 2), y - 7, s, colors::black, 2);
    }
    img_.line(left_, bottom_, right_, bottom_, colors::black, 2);
    img_.line(left_, top_, left_, bottom_, colors::black, 2);
    if (!o_.title.empty())
      img_.text((left_ + right_) / 2 - Image::text_width(o_.title, 3) / 2, 12, o_.title, colors::black, 3);
    if (!o_.x_label.empty())
      img_.text((left_ + right_) / 2 - Image::text_width(o_.x_label, 2) / 2, img_.height() - 26, o_.x_label,
                colors::black, 2);
    if (!o_.y_label.empty()) img_.text(6, top_ - (o_.title.empty() ? 16 : 18), o_.y_label, colors::black, 2);
  }

  /// A legend box in the top-right corner of the plot area.
  void legend(const std::vector<std::pair<std::string, Color>>& entries) {
    if (entries.empty()) return;
    int w = 0;
    for (const auto& [name, c] : entries) w = std::max(w, Image::text_width(name, 2));
    const int line_h = 20, box_w = w + 44, box_h = static_cast<int>(entries.size()) * line_h + 10;
    const int bx = right_ - box_w - 8, by = top_ + 8;
    img_.fill_rect(bx, by, bx + box_w, by + box_h, colors::white);
    img_.line(bx, by, bx + box_w, by, colors::grey);
    img_.line(bx, by + box_h, bx + box_w, by + box_h, colors::grey);
    img_.line(bx, by, bx, by + box_h, colors::grey);
    img_.line(bx + box_w, by, bx + box_w, by + box_h, colors::grey);
    for (std::size_t i = 0; i < entries.size(); ++i) {
      const int y = by + 8 + static_cast<int>(i) * line_h;
      img_.fill_rect(bx + 8, y + 2, bx + 28, y + 12, entries[i].second);
      img_.text(bx + 36, y, entries[i].first, colors::black, 2);
    }
  }

 private:
  Image& img_;
  const PlotOptions& o_;
  double x0_, x1_, y0_, y1_;
  int left_, right_, top_, bottom_;
};

}  // namespace detail

/// Line plot of one or more series, with axes, ticks, a legend and labels.
inline Image line_plot(const std::vector<Series>& series, const PlotOptions& options = {}) {
  double x0 = INFINITY, x1 = -INFINITY, y0 = INFINITY, y1 = -INFINITY;
  for (const auto& s : series) {
    hourglass::detail::require(s.x.size() == s.y.size(), "line_plot: series '", s.name, "' has ", s.x.size(), " x but ",
                    s.y.size(), " y values");
    for (std::size_t i = 0; i < s.x.size(); ++i) {
      if (!std::isfinite(s.x[i]) || !std::isfinite(s.y[i]) || (options.log_y && s.y[i] <= 0)) continue;
      x0 = std::min(x0, s.x[i]);
      x1 = std::max(x1, s.x[i]);
      y0 = std::min(y0, s.y[i]);
      y1 = std::max(y1, s.y[i]);
    }
  }
  if (!(x1 >= x0)) x0 = 0, x1 = 1, y0 = options.log_y ? 0.1 : 0, y1 = 1;
  Image img(options.width, options.height);
  detail::Frame frame(img, options, x0, x1, y0, y1);
  frame.draw_axes();
  std::vector<std::pair<std::string, Color>> legend;
  for (const auto& s : series) {
    bool have = false;
    int lx = 0, ly = 0;
    for (std::size_t i = 0; i < s.x.size(); ++i) {
      if (!std::isfinite(s.x[i]) || !std::isfinite(s.y[i]) || (options.log_y && s.y[i] <= 0)) continue;
      const int x = frame.px(s.x[i]), y = frame.py(s.y[i]);
      if (have) img.line(lx, ly, x, y, s.color, 3);
      img.disc(x, y, 3, s.color);
      lx = x;
      ly = y;
      have = true;
    }
    if (!s.name.empty()) legend.emplace_back(s.name, s.color);
  }
  frame.legend(legend);
  return img;
}

/// Scatter plot of 2-D points (a 2 x n matrix, one point per column) coloured by label
/// (palette[label % 10]); the legend names each label present, with `label_names` if given.
template <class D>
Image scatter_plot(const Eigen::MatrixBase<D>& points, const Eigen::VectorXi& labels, const PlotOptions& options = {},
                   const std::vector<std::string>& label_names = {}, int radius = 2) {
  hourglass::detail::require(points.rows() == 2 && points.cols() == labels.size(), "scatter_plot: expected 2 x n points and n ",
                  "labels, got ", hourglass::detail::shape(points.rows(), points.cols()), " and ", labels.size());
  double x0 = INFINITY, x1 = -INFINITY, y0 = INFINITY, y1 = -INFINITY;
  for (Index j = 0; j < points.cols(); ++j) {
    const double x = static_cast<double>(points(0, j)), y = static_cast<double>(points(1, j));
    if (!std::isfinite(x) || !std::isfinite(y)) continue;
    x0 = std::min(x0, x);
    x1 = std::max(x1, x);
    y0 = std::min(y0, y);
    y1 = std::max(y1, y);
  }
  if (!(x1 >= x0)) x0 = 0, x1 = 1, y0 = 0, y1 = 1;
  PlotOptions o = options;
  o.log_y = false;
  Image img(o.width, o.height);
  detail::Frame frame(img, o, x0, x1, y0, y1);
  frame.draw_axes();
  std::vector<bool> present;
  for (Index j = 0; j < points.cols(); ++j) {
    const double x = static_cast<double>(points(0, j)), y = static_cast<double>(points(1, j));
    if (!std::isfinite(x) || !std::isfinite(y)) continue;
    const int label = std::max(labels[j], 0);
    if (static_cast<std::size_t>(label) >= present.size()) present.resize(static_cast<std::size_t>(label) + 1, false);
    present[static_cast<std::size_t>(label)] = true;
    img.disc(frame.px(x), frame.py(y), radius, colors::palette[static_cast<std::size_t>(label) % 10]);
  }
  std::vector<std::pair<std::string, Color>> legend;
  for (std::size_t k = 0; k < present.size(); ++k)
    if (present[k])
      legend.emplace_back(k < label_names.size() ? label_names[k] : std::to_string(k), colors::palette[k % 10]);
  frame.legend(legend);
  return img;
}

// ---- histograms ----------------------------------------------------------------------------

/// One set of values to histogram, drawn as translucent bars with an outline in `color`.
struct HistogramSeries {
  std::string name;
  std::vector<double> values;
  Color color = colors::palette[0];
};

/// A labelled vertical line across a plot (a threshold, a mean).
struct VerticalLine {
  std::string label;
  double x = 0;
  Color color = colors::black;
};

struct HistogramOptions {
  int bins = 50;  ///< equal-width bins over [lo, hi], shared by every series (>= 1)
  /// true: each bar is the fraction of its series' values in the bin (series of different sizes
  /// compare; each series sums to 1); false: counts.
  bool fraction = true;
  /// The binned range; by default the smallest and largest finite value of all series. Values
  /// outside it are counted in the first or last bin (so none disappears: say so in a label).
  std::optional<double> lo = std::nullopt, hi = std::nullopt;
};

/// Histograms of one or more series over the same bins, with optional labelled vertical lines
/// (drawn dashed, named in the legend). Non-finite values are skipped. Throws
/// std::invalid_argument for bins < 1, a non-finite or empty range, or a non-finite line.
inline Image histogram_plot(const std::vector<HistogramSeries>& series, const HistogramOptions& histogram = {},
                            const std::vector<VerticalLine>& lines = {}, const PlotOptions& options = {}) {
  hourglass::detail::require(histogram.bins >= 1, "histogram_plot: expected at least one bin, got ", histogram.bins);
  double lo = INFINITY, hi = -INFINITY;
  for (const auto& s : series)
    for (const double v : s.values)
      if (std::isfinite(v)) lo = std::min(lo, v), hi = std::max(hi, v);
  if (histogram.lo) lo = *histogram.lo;
  if (histogram.hi) hi = *histogram.hi;
  if (!(hi >= lo)) lo = 0, hi = 1;  // no finite value: empty axes
  hourglass::detail::require(std::isfinite(lo) && std::isfinite(hi) && hi >= lo, "histogram_plot: expected a finite ",
                             "range lo <= hi, got [", lo, ", ", hi, "]");
  if (hi == lo) hi = lo + 1;  // one distinct value: one bin of width 1/bins
  for (const auto& l : lines)
    hourglass::detail::require(std::isfinite(l.x), "histogram_plot: line '", l.label, "' is at ", l.x,
                               " (expected a finite position)");
  const auto bins = static_cast<std::size_t>(histogram.bins);
  const double width = (hi - lo) / static_cast<double>(bins);
  std::vector<std::vector<double>> heights;
  double top = 0;
  for (const auto& s : series) {
    std::vector<double> h(bins, 0.0);
    double n = 0;
    for (const double v : s.values) {
      if (!std::isfinite(v)) continue;
      const double b = std::floor((v - lo) / width);
      h[static_cast<std::size_t>(std::clamp(b, 0.0, static_cast<double>(bins - 1)))] += 1;
      n += 1;
    }
    if (histogram.fraction && n > 0)
      for (double& x : h) x /= n;
    for (const double x : h) top = std::max(top, x);
    heights.push_back(std::move(h));
  }
  double x0 = lo, x1 = hi;
  for (const auto& l : lines) x0 = std::min(x0, l.x), x1 = std::max(x1, l.x);
  PlotOptions o = options;
  o.log_y = false;
  Image img(o.width, o.height);
  detail::Frame frame(img, o, x0, x1, 0.0, top > 0 ? top : 1.0);
  frame.draw_axes();
  std::vector<std::pair<std::string, Color>> legend;
  for (std::size_t k = 0; k < series.size(); ++k) {
    const Color c = series[k].color;
    for (std::size_t b = 0; b < bins; ++b) {
      if (heights[k][b] <= 0) continue;
      const int left = frame.px(lo + width * static_cast<double>(b)), right = frame.px(lo + width * static_cast<double>(b + 1));
      const int y = frame.py(heights[k][b]), base = frame.py(0);
      for (int py = y; py <= base; ++py)  // translucent fill: 35% of the series' colour over what is there
        for (int px = left; px <= right; ++px) {
          const Color under = img.get(px, py);
          auto mix = [](std::uint8_t a, std::uint8_t b2) {
            return static_cast<std::uint8_t>(std::lround(0.35 * a + 0.65 * b2));
          };
          img.set(px, py, {mix(c.r, under.r), mix(c.g, under.g), mix(c.b, under.b)});
        }
      img.line(left, y, right, y, c, 2);  // the bar's outline, in the full colour
      img.line(left, y, left, base, c, 1);
      img.line(right, y, right, base, c, 1);
    }
    if (!series[k].name.empty()) legend.emplace_back(series[k].name, c);
  }
  for (const auto& l : lines) {
    const int x = frame.px(l.x), y_top = frame.py(top > 0 ? top : 1.0), y_bottom = frame.py(0);
    for (int y = y_top; y < y_bottom; y += 12) img.line(x, y, x, std::min(y + 7, y_bottom), l.color, 2);  // dashed
    if (!l.label.empty()) legend.emplace_back(l.label, l.color);
  }
  frame.legend(legend);
  return img;
}

}  // namespace hourglass::io
