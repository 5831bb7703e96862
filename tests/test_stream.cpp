// fit from a batch source (data larger than memory, issue 18): a buffer holding the whole set is
// the in-memory fit bit for bit; a smaller one visits every sample once per pass, in batches drawn
// from the buffer; chunks are checked as in-memory data is; partial_fit is fit's loop, one pass.
// (tests/test_io_stream.cpp: out of core from an IDX file, with a memory ceiling.)
#include <catch2/catch.hpp>

#include "bad_input.hpp"
#include "helpers.hpp"

#include <limits>
#include <set>
#include <vector>

namespace hg = hourglass;

namespace {
using E = hg::Encoder<hg::Dense<6, 3, hg::Tanh>>;
using D = hg::Decoder<hg::Dense<3, 6, hg::Sigmoid>>;
using Plain = hg::BasicAutoencoder<double, E, D>;
using Masked = hg::BasicAutoencoder<double, E, D, hg::MaskingNoise>;
using Vae = hg::BasicVariationalAutoencoder<double, hg::Encoder<hg::Dense<6, 4>>, hg::Decoder<hg::Dense<2, 6, hg::Sigmoid>>,
                                            hg::BernoulliLikelihood>;

hg::FitOptions quiet(int epochs, hg::Index batch, hg::Index buffer) {
  hg::FitOptions o;
  o.epochs = epochs;
  o.batch_size = batch;
  o.shuffle_buffer = buffer;
  o.progress = hg::Progress::never;
  return o;
}

/// Trains two models of one seed, in memory and from a source read 7 samples at a time through a
/// buffer that holds all 100 samples; returns both models' parameters and histories.
template <class Model, class Loss = hg::BCE>
void require_same_as_in_memory(const Loss& loss = {}) {
  const Eigen::MatrixXd x = test::uniform(6, 100, 2);
  const hg::FitOptions o = quiet(3, 16, 112);  // 112 = 7 batches >= 100 samples
  Model in_memory(1), streamed(1);
  hg::Adam<double> a, b;
  const hg::History h1 = hg::fit(in_memory, a, x, o, loss);
  hg::MatrixSource<double> source(x, 7);
  const hg::History h2 = hg::fit(streamed, b, source, o, loss);
  CHECK(h1.train_loss == h2.train_loss);
  CHECK(b.steps() == a.steps());
  CHECK(streamed.parameters().values == in_memory.parameters().values);  // bit for bit
}

/// A source over the numbers 0..n-1 (every row of sample i holds i / n), counting its calls.
struct Numbered {
  hg::Index n, chunk, position = 0;
  int rewinds = 0;
  hg::Index read(hg::MatrixMap<double> out) {
    const hg::Index k = std::min({out.cols(), chunk, n - position});
    for (hg::Index j = 0; j < k; ++j) out.col(j).setConstant(static_cast<double>(position + j) / static_cast<double>(n));
    position += k;
    return k;
  }
  void rewind() {
    position = 0;
    ++rewinds;
  }
};
}  // namespace

TEST_CASE("a shuffle buffer holding the whole set gives the in-memory fit's parameters bit for bit", "[stream]") {
  require_same_as_in_memory<Plain>();
}

TEST_CASE("with a full buffer a denoising model's noise is the in-memory fit's too", "[stream]") {
  require_same_as_in_memory<Masked>();
}

TEST_CASE("with a full buffer a VAE draws the in-memory fit's noise too", "[stream]") {
  require_same_as_in_memory<Vae>(hg::BernoulliLikelihood{});
}

TEST_CASE("a model with a scaler and missing values trains from a source as in memory; Inf is still refused", "[stream]") {
  using Imputer = hg::BasicAutoencoder<double, E, hg::Decoder<hg::Dense<3, 6>>, hg::MissingValues>;
  Eigen::MatrixXd x = test::uniform(6, 100, 7, 10.0, 20.0);
  const auto scaler = hg::Scaler<double>::standardize(x);
  x(1, 5) = x(4, 60) = std::numeric_limits<double>::quiet_NaN();  // missing values
  Imputer in_memory(1), streamed(1);
  in_memory.set_scaler(scaler);
  streamed.set_scaler(scaler);
  hg::Adam<double> a, b;
  const hg::FitOptions o = quiet(2, 16, 112);
  hg::fit(in_memory, a, x, o, hg::MaskedMSE{});
  hg::MatrixSource<double> source(x, 7);
  hg::fit(streamed, b, source, o, hg::MaskedMSE{});
  CHECK(streamed.parameters().values == in_memory.parameters().values);
  x(2, 80) = std::numeric_limits<double>::infinity();
  REQUIRE_THROWS_MATCHES(hg::fit(streamed, b, source, o, hg::MaskedMSE{}), std::invalid_argument,
                         test::Says({"batch source", "sample 80", "Inf"}));
}

TEST_CASE("a smaller buffer visits every sample once per pass, each batch drawn from the buffer", "[stream]") {
  const hg::Index n = 1000, batch = 8, buffer = 64;
  Numbered source{n, 13};
  const Masked model(1);
  hg::detail::SourceFeed<Numbered, Masked, hg::MSE> feed(model, source);
  feed.validate(quiet(1, batch, buffer));
  hg::Random rng(5);
  for (int pass = 0; pass < 2; ++pass) {
    std::vector<int> seen(static_cast<std::size_t>(n), 0);
    hg::Index in_order = 0, batches = 0;
    feed.pass(&rng, batch, [&](const auto& x, std::span<const hg::Index> columns, hg::Index first_key) {
      ++batches;
      CHECK(columns.size() <= static_cast<std::size_t>(batch));
      CHECK(first_key % buffer == 0);  // the buffer's column 0 is sample first_key of the pass
      for (const hg::Index c : columns) {
        const auto sample = static_cast<hg::Index>(std::lround(x(0, c) * static_cast<double>(n)));
        CHECK(sample == first_key + c);  // the key the noise gets is the sample's index in the pass
        CHECK(sample / buffer == first_key / buffer);  // drawn from the current buffer only
        ++seen[static_cast<std::size_t>(sample)];
        if (sample == in_order) ++in_order;
      }
    });
    CHECK(std::all_of(seen.begin(), seen.end(), [](int k) { return k == 1; }));
    CHECK(batches == 125);
    CHECK(in_order < 20);  // shuffled: the samples do not come in the source's order
    CHECK(feed.samples() == n);
  }
  CHECK(source.rewinds == 2);
}

TEST_CASE("training from a small buffer lowers the loss, and a callable source works without size()", "[stream]") {
  const Eigen::MatrixXd x = test::uniform(6, 600, 3);
  hg::Index position = 0;
  int rewinds = 0;
  hg::CallableSource source{[&](hg::MatrixMap<double> out) {
                              const hg::Index k = std::min<hg::Index>({out.cols(), 50, x.cols() - position});
                              out.leftCols(k) = x.middleCols(position, k);
                              position += k;
                              return k;
                            },
                            [&] {
                              position = 0;
                              ++rewinds;
                            }};
  hg::FitOptions o = quiet(8, 16, 64);
  std::vector<hg::Index> batches_seen;
  o.on_batch = [&](const hg::BatchInfo& b) {
    if (b.batch == 0) batches_seen.push_back(b.batches);
  };
  Plain model(1);
  hg::Adam<double> adam({.learning_rate = 0.01});
  const hg::History h = hg::fit(model, adam, source, x, o);
  CHECK(rewinds == 8);
  CHECK(adam.steps() == 8 * 38);  // 600 = 9 buffers of 64 + 24: 9 * 4 + 2 batches per pass
  CHECK(batches_seen.front() == 0);  // unknown until the first pass ends
  CHECK(batches_seen.back() == 38);
  CHECK(h.train_loss.back() < 0.8 * h.train_loss.front());
  CHECK(h.validation_loss.back() == Approx(model.evaluate(hg::MSE{}, x)));
}

TEST_CASE("a chunk with NaN, the wrong sample size, an empty source and bad buffers are refused clearly", "[stream]") {
  Plain model(1);
  hg::Adam<double> adam;
  Eigen::MatrixXd x = test::uniform(6, 300, 4);
  x(2, 137) = std::numeric_limits<double>::quiet_NaN();
  hg::MatrixSource<double> with_nan(x, 32);
  REQUIRE_THROWS_MATCHES(hg::fit(model, adam, with_nan, quiet(1, 16, 64)), std::invalid_argument,
                         test::Says({"batch source", "sample 137", "NaN or Inf"}));
  x(2, 137) = 1.5;  // outside BCE's [0, 1]
  REQUIRE_THROWS_MATCHES(hg::fit(model, adam, with_nan, quiet(1, 16, 64), hg::BCE{}), std::invalid_argument,
                         test::Says({"batch source", "sample 137", "targets in [0, 1]"}));

  const Eigen::MatrixXd five_rows = test::uniform(5, 10, 4);
  hg::MatrixSource<double> wrong_rows(five_rows);
  REQUIRE_THROWS_MATCHES(hg::fit(model, adam, wrong_rows, quiet(1, 2, 4)), std::invalid_argument,
                         test::Says({"samples of 5 values", "expects 6"}));

  Numbered empty{0, 8};
  REQUIRE_THROWS_MATCHES(hg::fit(model, adam, empty, quiet(1, 4, 8)), std::invalid_argument,
                         test::Says({"gave no samples"}));

  Numbered fine{100, 8};
  REQUIRE_THROWS_MATCHES(hg::fit(model, adam, fine, quiet(1, 16, 8)), std::invalid_argument,
                         test::Says({"shuffle_buffer", "batch_size 16", "got 8"}));
  REQUIRE_THROWS_MATCHES(hg::fit(model, adam, fine, quiet(1, 16, 40)), std::invalid_argument,
                         test::Says({"shuffle_buffer", "multiple", "got 40"}));

  hg::CallableSource too_many{[](hg::MatrixMap<double> out) { return out.cols() + 1; }, [] {}};
  REQUIRE_THROWS_MATCHES(hg::fit(model, adam, too_many, quiet(1, 4, 8)), std::invalid_argument,
                         test::Says({"read() returned 9", "room for 8"}));

  Numbered shrinking{100, 8};
  hg::FitOptions o = quiet(2, 4, 8);
  o.on_epoch = [&](const hg::EpochInfo&) {
    shrinking.n = 90;  // the second pass is shorter
    return true;
  };
  REQUIRE_THROWS_MATCHES(hg::fit(model, adam, shrinking, o), std::invalid_argument,
                         test::Says({"90 samples in pass 2", "100 in pass 1"}));
}

TEST_CASE("partial_fit on x then on y takes fit's steps on [x y] (one epoch, in order, aligned batches)", "[stream]") {
  const Eigen::MatrixXd x = test::uniform(6, 64, 5), y = test::uniform(6, 32, 6);
  Eigen::MatrixXd xy(6, 96);
  xy << x, y;
  Plain online(1), batch(1);
  hg::Adam<double> a, b;
  const hg::PartialFitOptions in_order{.batch_size = 16, .shuffle = false};
  const double loss_x = hg::partial_fit(online, a, x, in_order);
  const double loss_y = hg::partial_fit(online, a, y, in_order);
  CHECK(a.steps() == 6);  // the optimizer's state carried over: its step count too

  hg::FitOptions o = quiet(1, 16, 0);
  o.shuffle = false;
  std::vector<double> losses;
  o.on_batch = [&](const hg::BatchInfo& info) { losses.push_back(info.loss); };
  hg::fit(batch, b, xy, o);
  CHECK(online.parameters().values == batch.parameters().values);  // bit for bit
  CHECK(loss_x == Approx((losses[0] + losses[1] + losses[2] + losses[3]) / 4));
  CHECK(loss_y == Approx((losses[4] + losses[5]) / 2));

  // From a source too: the same pass.
  Plain from_source(1);
  hg::Adam<double> c;
  hg::MatrixSource<double> sx(x, 10), sy(y, 10);
  hg::partial_fit(from_source, c, sx, {.batch_size = 16, .shuffle = false, .shuffle_buffer = 32});
  hg::partial_fit(from_source, c, sy, {.batch_size = 16, .shuffle = false, .shuffle_buffer = 32});
  CHECK(from_source.parameters().values == batch.parameters().values);
}
