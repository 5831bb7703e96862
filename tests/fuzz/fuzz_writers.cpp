// libFuzzer harness (issue #17, kind 2): every writer keeps the rules its reader enforces. The
// input is a recipe — tensors with fuzzed names, dtypes, shapes (negative and zero dimensions
// included) and bytes, metadata, IDX dimensions and data, plain or gzip. A writer either refuses
// (std::invalid_argument or io::FileError, before writing) or writes a file its reader accepts,
// and what comes back is exactly what went in. scripts/fuzz.sh builds and runs it.
#include "fuzz_common.hpp"

#include <fuzzer/FuzzedDataProvider.h>

#include <cstring>
#include <map>
#include <stdexcept>
#include <vector>

namespace io = hourglass::io;

namespace {

struct Tensor {
  std::string name;
  bool f64 = false;
  std::vector<std::int64_t> shape;
  std::vector<unsigned char> bytes;
};

void safetensors_round_trip(FuzzedDataProvider& in) {
  io::SafetensorsWriter w;
  std::vector<Tensor> accepted;
  const int tensors = in.ConsumeIntegralInRange(0, 6);
  for (int t = 0; t < tensors; ++t) {
    Tensor x;
    x.name = in.ConsumeRandomLengthString(12);
    x.f64 = in.ConsumeBool();
    const int rank = in.ConsumeIntegralInRange(0, 4);
    std::int64_t count = 1;
    bool valid = true;
    for (int d = 0; d < rank; ++d) {
      x.shape.push_back(in.ConsumeIntegralInRange<std::int64_t>(-2, 5));
      if (x.shape.back() < 0) valid = false;
      count *= x.shape.back() < 0 ? 1 : x.shape.back();
    }
    const std::size_t width = x.f64 ? 8 : 4;
    x.bytes = in.ConsumeBytes<unsigned char>(static_cast<std::size_t>(count) * width);
    x.bytes.resize(static_cast<std::size_t>(count) * width);  // NaN and Inf patterns included: raw data
    try {
      if (x.f64) {
        std::vector<double> v(static_cast<std::size_t>(count));
        if (!v.empty()) std::memcpy(v.data(), x.bytes.data(), x.bytes.size());
        w.add<double>(x.name, x.shape, v.data());
      } else {
        std::vector<float> v(static_cast<std::size_t>(count));
        if (!v.empty()) std::memcpy(v.data(), x.bytes.data(), x.bytes.size());
        w.add<float>(x.name, x.shape, v.data());
      }
      fuzz::require(valid, "SafetensorsWriter accepted a negative dimension");
      accepted.push_back(std::move(x));
    } catch (const std::invalid_argument&) {
      // refused: fine when the reader would refuse it too (checked by the read below: nothing of it was added)
    }
  }
  std::map<std::string, std::string> metadata;
  const int keys = in.ConsumeIntegralInRange(0, 3);
  for (int k = 0; k < keys; ++k) {
    std::string key = in.ConsumeRandomLengthString(8), value = in.ConsumeRandomLengthString(16);
    try {
      w.set_metadata(key, value);
      metadata[key] = value;
    } catch (const std::invalid_argument&) {
      // refused (not UTF-8): the header is JSON
    }
  }
  const auto path = fuzz::folder() / "written.safetensors";
  w.save(path);
  try {
    const io::SafetensorsReader r(path);
    for (const Tensor& x : accepted) {
      fuzz::require(r.has(x.name), "a written tensor is missing");
      std::vector<unsigned char> back;
      if (x.f64) {
        const auto v = r.tensor<double>(x.name, x.shape);
        back.resize(v.size() * 8);
        if (!v.empty()) std::memcpy(back.data(), v.data(), back.size());
      } else {
        const auto v = r.tensor<float>(x.name, x.shape);
        back.resize(v.size() * 4);
        if (!v.empty()) std::memcpy(back.data(), v.data(), back.size());
      }
      fuzz::require(back == x.bytes, "a tensor's bytes came back different");
    }
    fuzz::require(r.metadata() == metadata, "the metadata came back different");
  } catch (const io::FileError& e) {
    std::fprintf(stderr, "%s\n", e.what());
    fuzz::require(false, "SafetensorsWriter wrote a file its reader refuses");
  }
}

void idx_round_trip(FuzzedDataProvider& in) {
  const int ndims = in.ConsumeIntegralInRange(0, 9);
  std::vector<std::uint32_t> dims;
  std::uint64_t total = 1;
  for (int d = 0; d < ndims; ++d) {
    dims.push_back(in.ConsumeIntegralInRange<std::uint32_t>(0, 4));
    total *= dims.back();
  }
  if (total > 4096) return;
  std::vector<unsigned char> data = in.ConsumeBytes<unsigned char>(static_cast<std::size_t>(total));
  if (in.ConsumeBool()) data.resize(static_cast<std::size_t>(total));  // else possibly short: the writer must say so
  const auto path = fuzz::folder() / (in.ConsumeBool() ? "written.idx.gz" : "written.idx");
  std::error_code ec;
  std::filesystem::remove(path, ec);
  try {
    io::write_idx(path, dims, data);
  } catch (const std::invalid_argument&) {
    fuzz::require(!std::filesystem::exists(path), "write_idx refused but left a file");
    return;
  } catch (const io::FileError&) {
    fuzz::require(!std::filesystem::exists(path), "write_idx refused but left a file");
    return;
  }
  try {
    const io::IdxFile back = io::read_idx(path);
    fuzz::require(back.header.dims == dims, "IDX dimensions came back different");
    fuzz::require(back.data == data, "IDX data came back different");
  } catch (const io::FileError& e) {
    std::fprintf(stderr, "%s\n", e.what());
    fuzz::require(false, "write_idx wrote a file its reader refuses");
  }
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  FuzzedDataProvider in(data, size);
  safetensors_round_trip(in);
  idx_round_trip(in);
  return 0;
}
