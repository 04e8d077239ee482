// Concurrent HTTP POSTs over libcurl's multi interface, for the AI providers (and later
// webhooks). Built to run inside a PostgreSQL backend or worker: no signals, only http
// and https, TLS always verified, no redirects followed, bounded response size, and
// cancellation polled between waits so query cancel and statement_timeout work.
#pragma once
#include "core/no_postgres.h"

#include <cstddef>
#include <ctime>
#include <functional>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "core/cancel.h"

namespace comply::ai {

// One POST: url, extra header lines ("Name: value"), body, limits in milliseconds.
struct HttpRequest {
  std::string url;
  std::vector<std::string> headers;
  std::string body;
  long timeout_ms = 30000;          // whole transfer
  long connect_timeout_ms = 10000;  // connection (and TLS handshake)
};

// The result of one request. Only kResponse carries a status and body; the other
// outcomes say why no HTTP response arrived.
struct HttpResponse {
  enum class Outcome {
    kResponse,       // an HTTP status was received
    kTimeout,        // the transfer (or its connection) took longer than allowed
    kConnectFailed,  // name resolution or the TCP connection failed
    kTransportError  // anything else: TLS, a dropped connection, a response too large...
  };
  Outcome outcome = Outcome::kTransportError;
  long status = 0;  // also for a response too large, whose status line arrived
  std::string body;
  std::string content_type;
  std::optional<double> retry_after_seconds;  // parsed Retry-After (delta-seconds or HTTP-date)
  // For every outcome but kResponse: a short description naming curl's error code and
  // the host, never a body, a header value or the URL's path and query.
  std::string error;
  double elapsed_ms = 0;  // from the start of this transfer to its end
};

// Largest response body accepted; a longer one ends the transfer as kTransportError
// "response too large".
inline constexpr size_t kMaxResponseBytes = 8u << 20;

// Longest wait between two calls of the cancel callback, in milliseconds.
inline constexpr int kCancelPollMs = 100;

// Parses a Retry-After header value: delta-seconds ("120") or an HTTP-date, the latter
// relative to now (a date in the past gives 0). nullopt if it is neither.
std::optional<double> ParseRetryAfter(std::string_view value, std::time_t now);

// Runs requests with at most `concurrency` transfers in flight (one curl multi handle,
// so connections to the same host are reused), calling on_done(index, response) as each
// finishes, in completion order. Every request gets an empty "Expect:" header (no
// 100-continue round trip). Calls cancel at least every kCancelPollMs milliseconds, never
// from inside a curl callback; if cancel or on_done throws, every transfer still in
// flight is aborted and cleaned up and the exception propagates. Throws comply::Error
// (XX000) only if libcurl cannot be initialised or refuses an option.
// may_start, when set, is asked just before each request starts; a request it refuses
// is not sent and on_done is not called for it (a caller uses this to stop sending once
// its circuit breaker opens in the middle of a batch).
void RunHttp(const std::vector<HttpRequest>& requests, int concurrency,
             const std::function<void(size_t, HttpResponse&&)>& on_done, const CancelCheck& cancel,
             const std::function<bool(size_t)>& may_start = {});

}  // namespace comply::ai
