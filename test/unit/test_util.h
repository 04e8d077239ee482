// Helpers shared by the unit tests: the whole text of an error, the SQLSTATE a call
// throws, temporary files with a given mode, fixture files and seeded random bytes.
#pragma once

#include <gtest/gtest.h>
#include <dirent.h>
#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <cstdint>
#include <cstdlib>
#include <fstream>
#include <sstream>
#include <string>
#include <string_view>
#include <vector>

#include "core/error.h"
#include "core/rng.h"

namespace comply::test {

// Message, detail and hint of e: what a test searches for leaked values.
inline std::string AllText(const Error& e) {
  return std::string(e.what()) + "\n" + e.detail() + "\n" + e.hint();
}

// Runs fn, which should throw comply::Error; returns its SQLSTATE ("" if nothing was
// thrown) and, if text is set, its whole text.
template <typename Fn>
std::string SqlstateOf(Fn fn, std::string* text = nullptr) {
  try {
    fn();
  } catch (const Error& e) {
    if (text) *text = AllText(e);
    return e.sqlstate();
  }
  return "";
}

// A file under /tmp with the given content and mode, removed at scope exit.
class TempFile {
 public:
  TempFile(std::string_view content, mode_t mode) {
    char name[] = "/tmp/pg_comply_test_XXXXXX";
    int fd = mkstemp(name);
    EXPECT_GE(fd, 0);
    path_ = name;
    if (fd < 0) return;
    EXPECT_EQ(write(fd, content.data(), content.size()), static_cast<ssize_t>(content.size()));
    EXPECT_EQ(fchmod(fd, mode), 0);
    close(fd);
  }
  ~TempFile() { unlink(path_.c_str()); }
  TempFile(const TempFile&) = delete;
  TempFile& operator=(const TempFile&) = delete;
  const std::string& path() const { return path_; }

 private:
  std::string path_;
};

// The bytes of file path (a test fails if it cannot be read).
inline std::string ReadFileBytes(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  EXPECT_TRUE(in) << "missing file " << path;
  std::stringstream ss;
  ss << in.rdbuf();
  return ss.str();
}

// Reads a whole file into *out, or returns false.
inline bool ReadFile(const std::string& path, std::string* out) {
  std::ifstream in(path, std::ios::binary);
  if (!in) return false;
  std::stringstream ss;
  ss << in.rdbuf();
  *out = ss.str();
  return true;
}

// The *.json files of a directory, sorted (none if it cannot be read).
inline std::vector<std::string> JsonFiles(const std::string& dir) {
  std::vector<std::string> out;
  if (DIR* d = opendir(dir.c_str())) {
    while (dirent* e = readdir(d)) {
      std::string name = e->d_name;
      if (name.size() > 5 && name.substr(name.size() - 5) == ".json") out.push_back(name);
    }
    closedir(d);
  }
  std::sort(out.begin(), out.end());
  return out;
}

// n bytes from a generator seeded with seed.
inline std::string RandomBytes(size_t n, uint64_t seed) {
  SplitMix64 rng(seed);
  std::string out(n, '\0');
  for (char& c : out) c = static_cast<char>(rng.Next() >> 56);
  return out;
}

}  // namespace comply::test
