// The curl multi HTTP client (core/ai/http.h) against the real test server
// (test/ai_server.py) on 127.0.0.1: responses, limits, timeouts, failures, concurrency
// and cancellation.
#include <gtest/gtest.h>

#include <arpa/inet.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <unistd.h>

#include <atomic>
#include <chrono>
#include <set>
#include <stdexcept>

#include "ai_server_fixture.h"
#include "core/ai/http.h"

namespace comply::ai {
namespace {

using Outcome = HttpResponse::Outcome;
using testing::AiServerTest;
using testing::PostOnce;
using Clock = std::chrono::steady_clock;

double MsSince(Clock::time_point start) {
  return std::chrono::duration<double, std::milli>(Clock::now() - start).count();
}

// A cancel callback that throws comply::Cancelled once ms milliseconds have passed.
CancelCheck CancelAfter(int ms) {
  auto start = Clock::now();
  return [start, ms] {
    if (MsSince(start) >= ms) throw Cancelled();
  };
}

// A port on 127.0.0.1 that nothing listens on (bound, then closed).
int ClosedPort() {
  int fd = socket(AF_INET, SOCK_STREAM, 0);
  sockaddr_in addr{};
  addr.sin_family = AF_INET;
  addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  addr.sin_port = 0;
  bind(fd, reinterpret_cast<sockaddr*>(&addr), sizeof addr);
  socklen_t len = sizeof addr;
  getsockname(fd, reinterpret_cast<sockaddr*>(&addr), &len);
  close(fd);
  return ntohs(addr.sin_port);
}

// ---------------------------------------------------------------------------------------
// ParseRetryAfter

TEST(HttpRetryAfterTest, DeltaSeconds) {
  EXPECT_EQ(ParseRetryAfter("2", 0), 2.0);
  EXPECT_EQ(ParseRetryAfter("  120 \r\n", 0), 120.0);
  EXPECT_EQ(ParseRetryAfter("0", 0), 0.0);
}

TEST(HttpRetryAfterTest, HttpDate) {
  // Wed, 21 Oct 2015 07:28:00 GMT is 1445412480.
  EXPECT_EQ(ParseRetryAfter("Wed, 21 Oct 2015 07:28:00 GMT", 1445412480 - 30), 30.0);
  EXPECT_EQ(ParseRetryAfter("Wed, 21 Oct 2015 07:28:00 GMT", 1445412480 + 30), 0.0);  // past
}

TEST(HttpRetryAfterTest, GarbageIgnored) {
  EXPECT_FALSE(ParseRetryAfter("", 0));
  EXPECT_FALSE(ParseRetryAfter("soon", 0));
  EXPECT_FALSE(ParseRetryAfter("-5", 0));
}

// ---------------------------------------------------------------------------------------
// RunHttp without a server

TEST(HttpClientTest, NoRequestsNoCallbacks) {
  int calls = 0;
  RunHttp({}, 4, [&](size_t, HttpResponse&&) { ++calls; }, {});
  EXPECT_EQ(calls, 0);
}

TEST(HttpClientTest, ConnectionRefusedIsConnectFailed) {
  HttpRequest r;
  r.url = "http://127.0.0.1:" + std::to_string(ClosedPort()) + "/v1/chat/completions?secret=1";
  r.body = "{}";
  HttpResponse resp = PostOnce(r);
  EXPECT_EQ(resp.outcome, Outcome::kConnectFailed);
  EXPECT_NE(resp.error.find("could not connect to 127.0.0.1"), std::string::npos) << resp.error;
  EXPECT_NE(resp.error.find("curl error 7"), std::string::npos) << resp.error;
  EXPECT_EQ(resp.error.find("secret"), std::string::npos) << resp.error;  // no path or query
}

TEST(HttpClientTest, OnlyHttpAndHttpsSchemes) {
  for (const char* url : {"file:///etc/passwd", "ftp://127.0.0.1/x", "gopher://127.0.0.1/"}) {
    HttpRequest r;
    r.url = url;
    HttpResponse resp = PostOnce(r);
    EXPECT_EQ(resp.outcome, Outcome::kTransportError) << url;
    EXPECT_TRUE(resp.body.empty()) << url;
    EXPECT_NE(resp.error.find("curl error 1:"), std::string::npos) << url << ": " << resp.error;
  }
}

// ---------------------------------------------------------------------------------------
// RunHttp against test/ai_server.py

class HttpServerTest : public AiServerTest {};

TEST_F(HttpServerTest, ResponseStatusBodyAndContentType) {
  HttpRequest r;
  r.url = ChatUrl();
  r.headers = {"Content-Type: application/json", "X-Comply-Test: yes"};
  r.body = R"({"model":"m","messages":[{"role":"user","content":"hello"}]})";
  HttpResponse resp = PostOnce(r);
  ASSERT_EQ(resp.outcome, Outcome::kResponse) << resp.error;
  EXPECT_EQ(resp.status, 200);
  EXPECT_EQ(resp.content_type, "application/json");
  EXPECT_TRUE(json::Parse(resp.body).Find("choices"));
  EXPECT_FALSE(resp.retry_after_seconds);
  EXPECT_TRUE(resp.error.empty());
  EXPECT_GT(resp.elapsed_ms, 0);

  json::Value recorded = Requests();
  ASSERT_EQ(recorded.as_array().size(), 1u);
  const json::Value& rec = recorded.as_array()[0];
  EXPECT_EQ(rec.Find("method")->as_string(), "POST");
  EXPECT_EQ(rec.Find("path")->as_string(), "/v1/chat/completions");
  const json::Value* headers = rec.Find("headers");
  EXPECT_EQ(headers->Find("x-comply-test")->as_string(), "yes");
  EXPECT_EQ(headers->Find("expect"), nullptr);  // no 100-continue round trip
  EXPECT_EQ(rec.Find("body")->Find("messages")->as_array()[0].Find("content")->as_string(),
            "hello");
}

TEST_F(HttpServerTest, TlsToAPlainServerFails) {
  // The handshake fails against a plain HTTP port: no response, nothing sent in clear.
  HttpRequest r;
  r.url = "https://127.0.0.1:" + std::to_string(port_) + "/v1/chat/completions";
  r.body = "{}";
  HttpResponse resp = PostOnce(r);
  EXPECT_EQ(resp.outcome, Outcome::kTransportError);
  EXPECT_NE(resp.error.find("curl error 35"), std::string::npos) << resp.error;
  EXPECT_EQ(Stat("requests"), 0);
}

TEST_F(HttpServerTest, ErrorStatusIsAResponse) {
  SetMode(R"({"mode":"error","status":500})");
  HttpRequest r;
  r.url = ChatUrl();
  HttpResponse resp = PostOnce(r);
  EXPECT_EQ(resp.outcome, Outcome::kResponse);
  EXPECT_EQ(resp.status, 500);
}

TEST_F(HttpServerTest, RetryAfterParsed) {
  SetScript(R"([{"mode":"ratelimit","retry_after":2},
                {"mode":"error","status":503,"retry_after":"Wed, 21 Oct 2015 07:28:00 GMT"}])");
  HttpRequest r;
  r.url = ChatUrl();
  HttpResponse first = PostOnce(r);
  EXPECT_EQ(first.status, 429);
  ASSERT_TRUE(first.retry_after_seconds);
  EXPECT_EQ(*first.retry_after_seconds, 2.0);
  HttpResponse second = PostOnce(r);
  EXPECT_EQ(second.status, 503);
  ASSERT_TRUE(second.retry_after_seconds);
  EXPECT_EQ(*second.retry_after_seconds, 0.0);  // a date in the past
}

TEST_F(HttpServerTest, RedirectNotFollowed) {
  SetMode(R"({"mode":"redirect","location":"/v1/chat/completions"})");
  HttpRequest r;
  r.url = ChatUrl();
  HttpResponse resp = PostOnce(r);
  EXPECT_EQ(resp.outcome, Outcome::kResponse);
  EXPECT_EQ(resp.status, 302);
  EXPECT_EQ(Stat("requests"), 1);
}

TEST_F(HttpServerTest, DropIsATransportError) {
  SetMode(R"({"mode":"drop"})");
  HttpRequest r;
  r.url = ChatUrl();
  HttpResponse resp = PostOnce(r);
  EXPECT_EQ(resp.outcome, Outcome::kTransportError);
  EXPECT_NE(resp.error.find("curl error 52"), std::string::npos) << resp.error;
  EXPECT_NE(resp.error.find("127.0.0.1"), std::string::npos) << resp.error;
}

TEST_F(HttpServerTest, HangTimesOut) {
  SetMode(R"({"mode":"hang"})");
  HttpRequest r;
  r.url = ChatUrl();
  r.timeout_ms = 300;
  HttpResponse resp = PostOnce(r);
  EXPECT_EQ(resp.outcome, Outcome::kTimeout);
  EXPECT_EQ(resp.error, "timeout after 300 ms (127.0.0.1)");
  EXPECT_GE(resp.elapsed_ms, 250);
  EXPECT_TRUE(WaitIdle());  // the connection was closed
}

TEST_F(HttpServerTest, TooLargeResponseRefused) {
  for (const char* mode : {R"({"mode":"large","bytes":9437184})",
                           R"({"mode":"large","bytes":9437184,"chunked":true})"}) {
    SetMode(mode);
    HttpRequest r;
    r.url = ChatUrl();
    HttpResponse resp = PostOnce(r);
    EXPECT_EQ(resp.outcome, Outcome::kTransportError) << mode;
    EXPECT_NE(resp.error.find("response too large"), std::string::npos) << resp.error;
    EXPECT_TRUE(resp.body.empty());
  }
  // Just under the cap is fine.
  SetMode(R"({"mode":"large","bytes":4194304,"chunked":true})");
  HttpRequest r;
  r.url = ChatUrl();
  HttpResponse resp = PostOnce(r);
  EXPECT_EQ(resp.outcome, Outcome::kResponse) << resp.error;
  EXPECT_GE(resp.body.size(), 4000000u);
}

TEST_F(HttpServerTest, ConcurrencyIsBounded) {
  SetMode(R"({"mode":"delay","delay_ms":200})");
  std::vector<HttpRequest> requests(16);
  for (HttpRequest& r : requests) r.url = ChatUrl();
  std::set<size_t> done;
  RunHttp(requests, 8,
          [&](size_t i, HttpResponse&& resp) {
            EXPECT_EQ(resp.status, 200) << resp.error;
            EXPECT_TRUE(done.insert(i).second) << "index " << i << " reported twice";
          },
          {});
  EXPECT_EQ(done.size(), 16u);
  EXPECT_EQ(Stat("requests"), 16);
  double max_in_flight = Stat("max_in_flight");
  EXPECT_LE(max_in_flight, 8);
  EXPECT_GE(max_in_flight, 2);  // transfers really overlapped
}

TEST_F(HttpServerTest, ConcurrencyOneIsSequential) {
  SetMode(R"({"mode":"delay","delay_ms":50})");
  std::vector<HttpRequest> requests(4);
  for (HttpRequest& r : requests) r.url = ChatUrl();
  std::vector<size_t> order;
  RunHttp(requests, 1, [&](size_t i, HttpResponse&&) { order.push_back(i); }, {});
  EXPECT_EQ(order, (std::vector<size_t>{0, 1, 2, 3}));
  EXPECT_EQ(Stat("max_in_flight"), 1);
}

TEST_F(HttpServerTest, CancelDuringHangAbortsAndCleansUp) {
  SetMode(R"({"mode":"hang"})");
  std::vector<HttpRequest> requests(6);
  for (HttpRequest& r : requests) r.url = ChatUrl();  // 30 s timeout
  auto start = Clock::now();
  int calls = 0;
  EXPECT_THROW(RunHttp(
                   requests, 4, [&](size_t, HttpResponse&&) { ++calls; }, CancelAfter(200)),
               Cancelled);
  double ms = MsSince(start);
  EXPECT_GE(ms, 200);
  EXPECT_LT(ms, 5000);  // liveness, not performance
  EXPECT_EQ(calls, 0);
  EXPECT_TRUE(WaitIdle());  // every transfer's connection was closed
  EXPECT_LE(Stat("requests"), 4);
}

TEST_F(HttpServerTest, OnDoneExceptionAbortsTheRest) {
  SetScript(R"(["ok"])");
  SetMode(R"({"mode":"hang"})");
  std::vector<HttpRequest> requests(3);
  for (HttpRequest& r : requests) r.url = ChatUrl();
  auto start = Clock::now();
  EXPECT_THROW(RunHttp(requests, 3,
                       [&](size_t, HttpResponse&& resp) {
                         EXPECT_EQ(resp.status, 200);
                         throw std::runtime_error("stop");
                       },
                       {}),
               std::runtime_error);
  EXPECT_LT(MsSince(start), 5000);
  EXPECT_TRUE(WaitIdle());
}

}  // namespace
}  // namespace comply::ai
