// What the libFuzzer harnesses share: the readers take paths, so each input is written to a file
// in a private temporary folder first; the model whose files the model harness loads.
#pragma once

#include <hourglass/hourglass.hpp>
#include <hourglass/io.hpp>

#include <cstddef>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <string>

#include <unistd.h>

namespace fuzz {

namespace hg = hourglass;

/// The model of tests/fuzz/corpus/safetensors_model: small, but with every feature a model file
/// has (encoder and decoder, several layers, activations, optimizer state).
using Model = hg::Autoencoder<hg::Encoder<hg::Dense<4, 3, hg::ReLU>, hg::Dense<3, 2>>,
                              hg::Decoder<hg::Dense<2, 3, hg::ReLU>, hg::Dense<3, 4, hg::Sigmoid>>>;

/// A folder of this process's own, removed at exit.
inline const std::filesystem::path& folder() {
  static const std::filesystem::path dir = [] {
    std::string pattern = (std::filesystem::temp_directory_path() / "hourglass-fuzz-XXXXXX").string();
    if (!::mkdtemp(pattern.data())) {
      std::perror("mkdtemp");
      std::abort();
    }
    std::atexit([] {
      std::error_code ec;
      std::filesystem::remove_all(folder(), ec);
    });
    return std::filesystem::path(pattern);
  }();
  return dir;
}

/// Writes the input to `name` in the private folder and returns its path.
inline std::filesystem::path write_input(const std::uint8_t* data, std::size_t size, const char* name = "input") {
  const std::filesystem::path path = folder() / name;
  std::FILE* f = std::fopen(path.c_str(), "wb");
  if (!f || (size > 0 && std::fwrite(data, 1, size, f) != size) || std::fclose(f) != 0) {
    std::perror("writing the fuzz input");
    std::abort();
  }
  return path;
}

/// A broken invariant: stop with a message (libFuzzer saves the input as a crash).
inline void require(bool ok, const char* what) {
  if (!ok) {
    std::fprintf(stderr, "fuzz invariant broken: %s\n", what);
    std::abort();
  }
}

}  // namespace fuzz
