// hourglass/io/file.hpp — what every file format of hourglass/io shares: the exception type that
// names the file, reading a whole file, and atomic writes.
//
// Atomic write: the bytes go to a temporary file in the destination's folder, which is flushed,
// fsync'ed and then renamed over the destination (rename is atomic within a file system), so a
// crash mid-save leaves either the old file or the new one, never a torn one; the temporary files
// of writers that were killed are removed by the next write of the same file. POSIX only.
#pragma once

#include "../core/config.hpp"

#include <cerrno>
#include <cstddef>
#include <cstdint>
#include <cstdio>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <functional>
#include <sstream>
#include <stdexcept>
#include <string>
#include <vector>

#include <fcntl.h>
#include <signal.h>
#include <sys/stat.h>
#include <sys/types.h>
#include <unistd.h>

namespace hourglass::io {

/// A file that cannot be read or written, or whose contents are not what its format requires.
/// what() starts with the file's path; path() and reason() give the two parts.
class FileError : public std::runtime_error {
 public:
  FileError(const std::filesystem::path& path, const std::string& reason)
      : std::runtime_error(path.string() + ": " + reason), path_(path), reason_(reason) {}
  const std::filesystem::path& path() const { return path_; }
  const std::string& reason() const { return reason_; }

 private:
  std::filesystem::path path_;
  std::string reason_;
};

namespace detail {

/// The whole file as bytes; `max_bytes` refuses (before allocating) files larger than that.
inline std::vector<unsigned char> read_all(const std::filesystem::path& path,
                                           std::uintmax_t max_bytes = UINTMAX_MAX) {
  std::error_code ec;
  const auto size = std::filesystem::file_size(path, ec);
  if (ec) throw FileError(path, "cannot read: " + ec.message());
  if (size > max_bytes) throw FileError(path, hourglass::detail::message("file is ", size, " bytes, more than the ", max_bytes, " allowed"));
  std::ifstream in(path, std::ios::binary);
  if (!in) throw FileError(path, "cannot open for reading");
  std::vector<unsigned char> bytes(static_cast<std::size_t>(size));
  if (size > 0 && !in.read(reinterpret_cast<char*>(bytes.data()), static_cast<std::streamsize>(size)))
    throw FileError(path, "read failed");
  return bytes;
}

}  // namespace detail

namespace detail {

/// ".<file name>.tmp.": the start of the name of every temporary file written for `path`.
inline std::string temporary_prefix(const std::filesystem::path& path) {
  // Built by append: GCC 12 at -O3 reports a false -Wrestrict for "." + std::string here.
  std::string prefix(1, '.');
  prefix.append(path.filename().string()).append(".tmp.");
  return prefix;
}

/// Removes the temporary files for `path` left by writers that no longer run: a process killed
/// mid-save (SIGKILL, power loss) cannot remove its own. A temporary file's name carries its
/// writer's process id (.<name>.tmp.<pid>.XXXXXX); the file is stale when no process has that id
/// on this machine. (A writer on another machine sharing the folder would look dead: hourglass
/// assumes one machine writes a given file.)
inline void remove_stale_temporaries(const std::filesystem::path& folder, const std::filesystem::path& path) {
  const std::string prefix = temporary_prefix(path);
  std::error_code ec;
  for (std::filesystem::directory_iterator it(folder, ec), end; !ec && it != end; it.increment(ec)) {
    const std::string name = it->path().filename().string();
    if (name.compare(0, prefix.size(), prefix) != 0) continue;
    const std::size_t dot = name.find('.', prefix.size());
    if (dot == std::string::npos || dot == prefix.size()) continue;
    long pid = 0;
    bool digits = true;
    for (std::size_t i = prefix.size(); i < dot; ++i) {
      if (name[i] < '0' || name[i] > '9' || pid > 1'000'000'000) {
        digits = false;
        break;
      }
      pid = pid * 10 + (name[i] - '0');
    }
    if (!digits || pid <= 0) continue;
    if (::kill(static_cast<pid_t>(pid), 0) != 0 && errno == ESRCH) {
      std::error_code ignored;
      std::filesystem::remove(it->path(), ignored);
    }
  }
}

}  // namespace detail

/// Writes a file atomically: `write(FILE*)` fills a temporary file next to `path`
/// (.<name>.tmp.<pid>.XXXXXX), which is then flushed, fsync'ed and renamed to `path`. On any
/// failure the temporary file is removed, the previous file at `path` (if any) is untouched, and
/// FileError is thrown. Temporary files for `path` left by killed writers are removed first
/// (detail::remove_stale_temporaries), so they do not pile up.
inline void write_atomically(const std::filesystem::path& path, const std::function<void(std::FILE*)>& write) {
  const std::filesystem::path folder = path.has_parent_path() ? path.parent_path() : std::filesystem::path(".");
  detail::remove_stale_temporaries(folder, path);
  std::string name = detail::temporary_prefix(path);
  name.append(std::to_string(static_cast<long>(::getpid()))).append(".XXXXXX");
  std::string temp = (folder / name).string();
  const int fd = ::mkstemp(temp.data());
  if (fd < 0) throw FileError(path, std::string("cannot create a temporary file in its folder: ") + std::strerror(errno));
  std::FILE* file = ::fdopen(fd, "wb");
  if (!file) {
    ::close(fd);
    ::unlink(temp.c_str());
    throw FileError(path, "fdopen failed");
  }
  auto fail = [&](const std::string& why) {
    std::fclose(file);
    ::unlink(temp.c_str());
    throw FileError(path, why);
  };
  try {
    write(file);
  } catch (const std::exception& e) {
    fail(std::string("writing failed: ") + e.what());
  } catch (...) {
    fail("writing failed: the writer threw a non-standard exception");
  }
  if (std::ferror(file) || std::fflush(file) != 0) fail("writing failed (disk full?)");
  if (::fsync(fd) != 0) fail(std::string("fsync failed: ") + std::strerror(errno));
  // Keep the usual permissions of a new file (mkstemp creates 0600).
  const mode_t mask = ::umask(0);
  ::umask(mask);
  ::fchmod(fd, static_cast<mode_t>(0666 & ~mask));
  if (std::fclose(file) != 0) {
    ::unlink(temp.c_str());
    throw FileError(path, "closing the temporary file failed");
  }
  if (std::rename(temp.c_str(), path.c_str()) != 0) {
    const std::string why = std::strerror(errno);
    ::unlink(temp.c_str());
    throw FileError(path, "rename of the temporary file failed: " + why);
  }
  // Make the rename itself durable.
  const int dir = ::open(folder.c_str(), O_RDONLY | O_DIRECTORY);
  if (dir >= 0) {
    ::fsync(dir);
    ::close(dir);
  }
}

/// Writes `bytes` bytes from `data` with std::fwrite, throwing on a short write.
inline void write_bytes(std::FILE* file, const void* data, std::size_t bytes) {
  if (bytes > 0 && std::fwrite(data, 1, bytes, file) != bytes) throw std::runtime_error("short write");
}

}  // namespace hourglass::io
