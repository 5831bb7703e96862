// Interrupted saves (docs/reliability.md): a process killed with SIGKILL while it saves a model in
// a loop leaves the last complete model at the path — never a torn file — and the temporary file
// it could not remove is cleaned up by the next save, so killed writers do not pile them up.
#include <catch2/catch.hpp>

#include "helpers.hpp"
#include "io_helpers.hpp"

#include <hourglass/io/safetensors.hpp>

#include <chrono>
#include <csignal>
#include <string>
#include <thread>

#include <sys/wait.h>
#include <unistd.h>

namespace hg = hourglass;
namespace io = hourglass::io;

namespace {

using Model = hg::Autoencoder<hg::Encoder<hg::Dense<64, 16, hg::ReLU>, hg::Dense<16, 4>>,
                              hg::Decoder<hg::Dense<4, 16, hg::ReLU>, hg::Dense<16, 64, hg::Sigmoid>>>;

int temporaries(const test::TempDir& dir) {
  int n = 0;
  for (const auto& entry : std::filesystem::directory_iterator(dir.path()))
    if (entry.path().filename().string().starts_with(".m.safetensors.tmp.")) ++n;
  return n;
}

}  // namespace

TEST_CASE("a save killed by SIGKILL leaves the last complete model, and its temporary file is cleaned up",
          "[io][reliability]") {
  test::TempDir dir;
  const auto path = dir / "m.safetensors";
  Model first(1);
  io::save_model(path, first);
  int torn = 0, killed_mid_write = 0;
  for (int trial = 0; trial < 8; ++trial) {
    const pid_t child = ::fork();
    REQUIRE(child >= 0);
    if (child == 0) {
      // The child saves forever, a different model each time, until it is killed.
      Model m(static_cast<std::uint64_t>(100 + trial));
      for (;;) {
        m.parameters().values.array() += 1e-3f;
        io::save_model(path, m);
      }
    }
    std::this_thread::sleep_for(std::chrono::milliseconds(5 + 7 * trial));
    REQUIRE(::kill(child, SIGKILL) == 0);
    int status = 0;
    REQUIRE(::waitpid(child, &status, 0) == child);
    REQUIRE(WIFSIGNALED(status));
    killed_mid_write += temporaries(dir);  // the killed writer's temporary file, if it was mid-save
    Model loaded(2);
    try {
      io::load_model(path, loaded);  // a complete model: every check of the reader passes
    } catch (const io::FileError& e) {
      ++torn;
      WARN(e.what());
    }
  }
  CHECK(torn == 0);
  // The temporaries of dead writers go with the next save (none of a live writer remains).
  io::save_model(path, first);
  CHECK(temporaries(dir) == 0);
  WARN(killed_mid_write << " of 8 kills left a temporary file behind (removed by the next save)");
}

TEST_CASE("a live writer's temporary file is not removed as stale", "[io][reliability]") {
  test::TempDir dir;
  // A temporary file named for this (running) process: another save must leave it alone.
  const auto mine = dir / (".m.safetensors.tmp." + std::to_string(::getpid()) + ".abc123");
  test::write_raw(mine, {1, 2, 3});
  // And one of a process id that cannot exist (above the kernel's pid_max of 4,194,304).
  const auto dead = dir / ".m.safetensors.tmp.999999999.abc123";
  test::write_raw(dead, {1, 2, 3});
  io::save_model(dir / "m.safetensors", Model(3));
  CHECK(std::filesystem::exists(mine));
  CHECK_FALSE(std::filesystem::exists(dead));
}
