// hourglass/model/scaler.hpp — Scaler<Scalar>: per-feature preprocessing fitted on training data
// and kept with the model (set_scaler on an Autoencoder or EncoderModel; stored in its file).
//
// Every scaler is the affine map y = (x - offset) .* scale + base per feature (row), inverted by
// x = (y - base) ./ scale + offset (base: lo for min_max, 0 for standardize):
//   standardize   y = (x - mean) / std       offset = mean, scale = 1/std; std: population
//                                            (ddof = 0), 1 for a constant feature (scikit-learn's
//                                            StandardScaler rule), so it maps to 0
//   min_max       y = lo + (x - min) (hi - lo) / (max - min)    offset = min; a constant feature
//                                            gets scale 1 (MinMaxScaler's rule); scale is rounded
//                                            down so that, in Scalar arithmetic, the training data
//                                            lands inside [lo, hi] exactly (BCE refuses 1 + 1 ulp);
//                                            clip = true clamps transform()'s output into [lo, hi]
//                                            (unseen data beyond the training range; off by default,
//                                            as such values are what an anomaly score should see)
// Fitting ignores NaN (a missing value, objectives/masked_losses.hpp) and refuses Inf; NaN passes
// through transform() and inverse_transform() unchanged. A feature with no observed value at all
// is refused. The model applies the scaler to its inputs (training batches, encode, reconstruct,
// score) and inverts it on the outputs it returns in data units (reconstruct, decode).
#pragma once

#include "../core/activations.hpp"
#include "../core/config.hpp"

#include <charconv>
#include <cmath>
#include <limits>
#include <optional>
#include <stdexcept>
#include <string>
#include <string_view>
#include <system_error>

namespace hourglass {

template <class Scalar_>
class Scaler {
 public:
  using Scalar = Scalar_;
  enum class Kind { none, standardize, min_max };

  /// The identity (no preprocessing): what a model holds until set_scaler.
  Scaler() = default;

  /// Per-feature mean and standard deviation of X (features x samples), NaN ignored.
  /// Throws std::invalid_argument for an empty X, Inf, or a feature with no observed value.
  template <class D>
  static Scaler standardize(const Eigen::MatrixBase<D>& x) {
    const Moments m = moments(x, "Scaler::standardize");
    Scaler s(Kind::standardize, x.rows());
    for (Index i = 0; i < x.rows(); ++i) {
      s.scale_(i) = static_cast<Scalar>(1.0 / (m.std(i) > 0 ? m.std(i) : 1.0));
      s.offset_(i) = static_cast<Scalar>(m.mean(i));
    }
    s.range_ = {-std::numeric_limits<double>::infinity(), std::numeric_limits<double>::infinity()};
    return s;
  }

  /// Per-feature min-max scaling of X onto [lo, hi] (default [0, 1]), NaN ignored. With `clip`,
  /// transform() clamps values of unseen data that fall outside [lo, hi].
  template <class D>
  static Scaler min_max(const Eigen::MatrixBase<D>& x, double lo = 0.0, double hi = 1.0, bool clip = false) {
    detail::require(std::isfinite(lo) && std::isfinite(hi) && lo < hi,
                    "Scaler::min_max: expected a finite range lo < hi, got [", lo, ", ", hi, "]");
    const Moments m = moments(x, "Scaler::min_max");
    Scaler s(Kind::min_max, x.rows());
    s.range_ = {lo, hi};
    for (Index i = 0; i < x.rows(); ++i) {
      const double span = m.max(i) - m.min(i);
      Scalar scale = static_cast<Scalar>(span > 0 ? (hi - lo) / span : 1.0);
      const Scalar offset = static_cast<Scalar>(m.min(i)), top = static_cast<Scalar>(m.max(i));
      // The largest training value must not land above hi after rounding (transform's arithmetic).
      while (scale > 0 && (top - offset) * scale + static_cast<Scalar>(lo) > static_cast<Scalar>(hi))
        scale = std::nextafter(scale, Scalar(0));
      s.scale_(i) = scale;
      s.offset_(i) = offset;
    }
    s.clip_ = clip;
    return s;
  }

  /// A scaler from stored parameters (a model file): y = (x - offset) .* scale + base. For
  /// min_max, `range` is [lo, hi]; standardize ignores it. Throws std::invalid_argument for
  /// sizes that differ, a zero or non-finite scale, a non-finite offset or a bad range.
  static Scaler from_parameters(Kind kind, Vector<Scalar> scale, Vector<Scalar> offset, OutputRange range = {0, 1},
                                bool clip = false) {
    if (kind == Kind::none) return {};
    detail::require(scale.size() == offset.size() && scale.size() > 0, "Scaler: expected scale and offset of one size >= 1, got ",
                    scale.size(), " and ", offset.size());
    for (Index i = 0; i < scale.size(); ++i)
      detail::require(std::isfinite(scale(i)) && scale(i) != 0 && std::isfinite(offset(i)), "Scaler: feature ", i,
                      " has scale ", scale(i), " and offset ", offset(i),
                      " (scale must be finite and non-zero, offset finite)");
    Scaler s(kind, scale.size());
    s.scale_ = std::move(scale);
    s.offset_ = std::move(offset);
    if (kind == Kind::min_max) {
      detail::require(std::isfinite(range.lo) && std::isfinite(range.hi) && range.lo < range.hi,
                      "Scaler: a min_max range must be finite with lo < hi, got [", range.lo, ", ", range.hi, "]");
      s.range_ = range;
      s.clip_ = clip;
    }
    return s;
  }

  Kind kind() const { return kind_; }
  bool active() const { return kind_ != Kind::none; }
  /// Features (0 for the identity, which takes any number).
  Index size() const { return scale_.size(); }
  const Vector<Scalar>& scale() const { return scale_; }
  const Vector<Scalar>& offset() const { return offset_; }
  /// What the offset maps to: lo for min_max, 0 for standardize.
  Scalar base() const { return kind_ == Kind::min_max ? static_cast<Scalar>(range_.lo) : Scalar(0); }
  /// Where the training data lands: [lo, hi] for min_max, unbounded for standardize.
  OutputRange range() const { return range_; }
  bool clips() const { return clip_; }
  /// "none", "standardize", "min_max(0,1)" or "min_max(0,1,clip)" (stored in model files; the
  /// range in the shortest text that reads back as the same double, so parse_description inverts it).
  std::string describe() const {
    switch (kind_) {
      case Kind::none: return "none";
      case Kind::standardize: return "standardize";
      case Kind::min_max:
        return "min_max(" + exact_text(range_.lo) + "," + exact_text(range_.hi) + (clip_ ? ",clip" : "") + ")";
    }
    return "none";
  }
  /// What describe() says: the kind, the range (min_max's [lo, hi]; unbounded otherwise) and clip.
  struct Description {
    Kind kind = Kind::none;
    OutputRange range{-std::numeric_limits<double>::infinity(), std::numeric_limits<double>::infinity()};
    bool clip = false;
  };
  /// The inverse of describe(): "none", "standardize", "min_max(lo,hi)" or "min_max(lo,hi,clip)"
  /// with finite lo < hi; empty for any other text (no spaces, nothing before or after).
  static std::optional<Description> parse_description(std::string_view text) {
    if (text == "none") return Description{};
    if (text == "standardize") return Description{Kind::standardize};
    constexpr std::string_view head = "min_max(";
    if (!text.starts_with(head) || !text.ends_with(")")) return std::nullopt;
    std::string_view args = text.substr(head.size(), text.size() - head.size() - 1);
    Description d{Kind::min_max, {0, 0}, false};
    if (args.ends_with(",clip")) {
      d.clip = true;
      args.remove_suffix(5);
    }
    const std::size_t comma = args.find(',');
    if (comma == std::string_view::npos || !read_number(args.substr(0, comma), d.range.lo) ||
        !read_number(args.substr(comma + 1), d.range.hi) || !(d.range.lo < d.range.hi))
      return std::nullopt;
    return d;
  }

  /// Y := transform(X) in place (features x n). NaN stays NaN. The identity does nothing.
  template <class M>
  void transform_in_place(M&& y) const {
    if (!active()) return;
    require_features(y.rows(), "transform");
    y.array().colwise() -= offset_.array();
    y.array().colwise() *= scale_.array();
    if (base() != Scalar(0)) y.array() += base();
    if (clip_) {  // comparisons with NaN are false, so a missing value stays missing
      const Scalar lo = static_cast<Scalar>(range_.lo), hi = static_cast<Scalar>(range_.hi);
      y = (y.array() < lo).select(lo, (y.array() > hi).select(hi, y.array())).matrix();
    }
  }
  /// X := inverse_transform(Y) in place.
  template <class M>
  void inverse_transform_in_place(M&& x) const {
    if (!active()) return;
    require_features(x.rows(), "inverse_transform");
    if (base() != Scalar(0)) x.array() -= base();
    x.array().colwise() /= scale_.array();
    x.array().colwise() += offset_.array();
  }
  template <class D>
  Matrix<Scalar> transform(const Eigen::MatrixBase<D>& x) const {
    Matrix<Scalar> y = x.template cast<Scalar>();
    transform_in_place(y);
    return y;
  }
  template <class D>
  Matrix<Scalar> inverse_transform(const Eigen::MatrixBase<D>& y) const {
    Matrix<Scalar> x = y.template cast<Scalar>();
    inverse_transform_in_place(x);
    return x;
  }

  /// Refuses a scaler whose training data would lie outside what the output activation Act can
  /// produce (standardised targets under a sigmoid output), or whose size is not `features`.
  template <class Act>
  void require_reachable_by(Index features, const char* where) const {
    if (!active()) return;
    detail::require(size() == features, where, ": the scaler was fitted on ", size(),
                    " features but the model takes ", features);
    constexpr OutputRange out = output_range_of<Act>();
    detail::require(out.contains(range_.lo, range_.hi), where, ": the model's output activation (", Act::name,
                    ") produces values in [", out.lo, ", ", out.hi, "] but the ", describe(),
                    " scaler puts the training targets in [", range_.lo, ", ", range_.hi,
                    "]; the reconstruction could not reach them. Use Scaler::min_max onto the activation's range, "
                    "or an output layer with Identity");
  }

 private:
  Scaler(Kind kind, Index n) : kind_(kind), scale_(n), offset_(n) {}

  /// The shortest decimal text that reads back as exactly v.
  static std::string exact_text(double v) {
    char text[32];
    const auto end = std::to_chars(text, text + sizeof text, v).ptr;
    return std::string(text, end);
  }
  /// A whole finite number, as from_chars reads it (no sign '+', no spaces); false otherwise.
  static bool read_number(std::string_view text, double& v) {
    if (text.empty()) return false;
    const auto [end, error] = std::from_chars(text.data(), text.data() + text.size(), v);
    return error == std::errc() && end == text.data() + text.size() && std::isfinite(v);
  }

  void require_features(Index rows, const char* what) const {
    detail::require(rows == size(), "Scaler::", what, ": expected ", size(), " features (rows), got ", rows);
  }

  struct Moments {
    Eigen::VectorXd mean, std, min, max;
  };
  /// NaN-ignoring per-feature moments and extremes, in double (Welford's update per value).
  template <class D>
  static Moments moments(const Eigen::MatrixBase<D>& x, const char* where) {
    detail::require(x.rows() > 0 && x.cols() > 0, where, ": expected data of features x n (n >= 1), got ",
                    detail::shape(x.rows(), x.cols()));
    const Index d = x.rows();
    Moments m{Eigen::VectorXd::Zero(d), Eigen::VectorXd::Zero(d),
              Eigen::VectorXd::Constant(d, std::numeric_limits<double>::infinity()),
              Eigen::VectorXd::Constant(d, -std::numeric_limits<double>::infinity())};
    Eigen::VectorXd m2 = Eigen::VectorXd::Zero(d);
    Eigen::VectorXd count = Eigen::VectorXd::Zero(d);
    for (Index j = 0; j < x.cols(); ++j)
      for (Index i = 0; i < d; ++i) {
        const double v = static_cast<double>(x(i, j));
        if (std::isnan(v)) continue;
        detail::require(std::isfinite(v), where, ": sample ", j, " (column ", j, ") holds ", v, " at row ", i,
                        " (Inf is not data; NaN marks a missing value)");
        count(i) += 1;
        const double delta = v - m.mean(i);
        m.mean(i) += delta / count(i);
        m2(i) += delta * (v - m.mean(i));
        m.min(i) = std::min(m.min(i), v);
        m.max(i) = std::max(m.max(i), v);
      }
    for (Index i = 0; i < d; ++i) {
      detail::require(count(i) > 0, where, ": feature ", i, " (row ", i, ") has no observed value (all NaN)");
      m.std(i) = std::sqrt(m2(i) / count(i));
    }
    return m;
  }

  Kind kind_ = Kind::none;
  Vector<Scalar> scale_, offset_;
  OutputRange range_{-std::numeric_limits<double>::infinity(), std::numeric_limits<double>::infinity()};
  bool clip_ = false;
};

}  // namespace hourglass
