// A GoogleTest fixture that runs test/ai_server.py (the stand-in AI provider) on an
// ephemeral port of 127.0.0.1 for the tests of the HTTP client and the OpenAI provider,
// and drives its control endpoints through RunHttp itself. Tests are skipped only when
// python3 is not installed; a server that fails to start fails them.
#pragma once

#include <gtest/gtest.h>

#include <signal.h>
#include <spawn.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <fstream>
#include <stdexcept>
#include <string>
#include <thread>
#include <vector>

#include "core/ai/http.h"
#include "core/error.h"
#include "core/json.h"
#include "test_util.h"

extern char** environ;

namespace comply::ai::testing {

// The message, detail and hint of an error, for checks that nothing secret leaked.
using comply::test::AllText;

// Runs one request through RunHttp and returns its response.
inline HttpResponse PostOnce(HttpRequest request, const CancelCheck& cancel = {}) {
  std::vector<HttpRequest> requests{std::move(request)};
  HttpResponse out;
  int calls = 0;
  auto on_done = [&](size_t, HttpResponse&& r) {
    out = std::move(r);
    ++calls;
  };
  RunHttp(requests, 1, on_done, cancel);
  if (calls != 1) throw std::runtime_error("on_done called " + std::to_string(calls) + " times");
  return out;
}

// Path of an executable named name on PATH, or empty.
inline std::string FindOnPath(const std::string& name) {
  const char* path = std::getenv("PATH");
  std::string dirs = path ? path : "/usr/local/bin:/usr/bin:/bin";
  size_t start = 0;
  while (start <= dirs.size()) {
    size_t end = dirs.find(':', start);
    if (end == std::string::npos) end = dirs.size();
    std::string candidate = dirs.substr(start, end - start) + "/" + name;
    if (end > start && access(candidate.c_str(), X_OK) == 0) return candidate;
    start = end + 1;
  }
  return {};
}

class AiServerTest : public ::testing::Test {
 protected:
  static void SetUpTestSuite() {
    // Requests to the local server must not go through a proxy from the environment.
    setenv("no_proxy", "127.0.0.1,localhost", 1);
    setenv("NO_PROXY", "127.0.0.1,localhost", 1);
    python_ = FindOnPath("python3");
    if (python_.empty()) return;
    char dir[] = "/tmp/pg_comply_ai_server_XXXXXX";
    if (!mkdtemp(dir)) {
      error_ = "mkdtemp failed";
      return;
    }
    dir_ = dir;
    std::string port_file = dir_ + "/port";
    std::string script = std::string(COMPLY_SOURCE_DIR) + "/test/ai_server.py";
    std::vector<std::string> args = {python_,       script,    "--port", "0",
                                     "--port-file", port_file, "--log",  dir_ + "/requests.jsonl"};
    std::vector<char*> argv;
    for (std::string& a : args) argv.push_back(a.data());
    argv.push_back(nullptr);
    if (posix_spawn(&pid_, python_.c_str(), nullptr, nullptr, argv.data(), environ) != 0) {
      error_ = "could not start " + script;
      pid_ = -1;
      return;
    }
    auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(20);
    while (std::chrono::steady_clock::now() < deadline) {
      std::ifstream in(port_file);
      if (in >> port_ && port_ > 0) return;
      int status = 0;
      if (waitpid(pid_, &status, WNOHANG) == pid_) {
        pid_ = -1;
        error_ = "ai_server.py exited before listening";
        return;
      }
      std::this_thread::sleep_for(std::chrono::milliseconds(20));
    }
    error_ = "ai_server.py did not write its port file in time";
  }

  static void TearDownTestSuite() {
    if (pid_ > 0) {
      kill(pid_, SIGTERM);
      int status = 0;
      auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(5);
      bool reaped = false;
      while (std::chrono::steady_clock::now() < deadline) {
        if (waitpid(pid_, &status, WNOHANG) == pid_) {
          reaped = true;
          break;
        }
        std::this_thread::sleep_for(std::chrono::milliseconds(20));
      }
      if (!reaped) {
        kill(pid_, SIGKILL);
        waitpid(pid_, &status, 0);
      }
      pid_ = -1;
    }
    if (!dir_.empty()) {
      std::remove((dir_ + "/port").c_str());
      std::remove((dir_ + "/requests.jsonl").c_str());
      rmdir(dir_.c_str());
      dir_.clear();
    }
    port_ = 0;
    error_.clear();
  }

  void SetUp() override {
    if (python_.empty()) GTEST_SKIP() << "python3 is not installed";
    ASSERT_TRUE(error_.empty()) << error_;
    ASSERT_GT(port_, 0);
    Control("reset");
  }

  // URL of path on the test server.
  static std::string Url(const std::string& path) {
    return "http://127.0.0.1:" + std::to_string(port_) + path;
  }
  static std::string ChatUrl() { return Url("/v1/chat/completions"); }

  // POSTs body to /_control/<name> and returns the parsed answer; throws unless 200.
  static json::Value Control(const std::string& name, const std::string& body = "") {
    HttpRequest r;
    r.url = Url("/_control/" + name);
    r.headers = {"Content-Type: application/json"};
    r.body = body;
    r.timeout_ms = 10000;
    HttpResponse resp = PostOnce(r);
    if (resp.outcome != HttpResponse::Outcome::kResponse || resp.status != 200)
      throw std::runtime_error("control " + name + " failed: " + resp.error + " status " +
                               std::to_string(resp.status) + " " + resp.body);
    return json::Parse(resp.body);
  }

  static void SetMode(const std::string& behaviour) { Control("mode", behaviour); }
  static void SetScript(const std::string& behaviours) { Control("script", behaviours); }
  static json::Value Requests() { return Control("requests"); }
  // A number from /_control/stats ("requests", "in_flight", "max_in_flight").
  static double Stat(const char* key) {
    json::Value stats = Control("stats");
    const json::Value* v = stats.Find(key);
    return v && v->is_number() ? v->as_number() : -1;
  }

  // Waits (up to 30 s) until the server has no provider request in flight. A liveness
  // bound, not a timing: a hung request the client gave up on ends within about 100 ms
  // (the server polls its socket every 50 ms), but 5 s was exceeded twice under heavy
  // load; a handler that never sees the close would hang for 600 s.
  static bool WaitIdle() {
    auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(30);
    while (std::chrono::steady_clock::now() < deadline) {
      if (Stat("in_flight") == 0) return true;
      std::this_thread::sleep_for(std::chrono::milliseconds(20));
    }
    return false;
  }

  static inline std::string python_;
  static inline std::string dir_;
  static inline std::string error_;
  static inline pid_t pid_ = -1;
  static inline int port_ = 0;
};

}  // namespace comply::ai::testing
