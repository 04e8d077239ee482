// The `openai` classification provider: any OpenAI-compatible chat completions endpoint.
// This module builds the request (JSON-schema constrained answer), parses and checks the
// answer, judges HTTP outcomes for retries, computes backoff and keeps a circuit breaker.
// The transport is core/ai/http.h. No error message contains the document, the model's
// answer or the API key.
#pragma once
#include "core/no_postgres.h"

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "core/ai/http.h"

namespace comply::ai {

// The chat completions URL of an endpoint: a base URL such as "https://api.openai.com/v1"
// gets "/chat/completions" appended (trailing slashes dropped); a URL already ending in
// "/chat/completions" is kept. Throws comply::Error (22023) unless the endpoint is an
// http or https URL with a host and without user:password@, a query or a fragment.
std::string ChatCompletionsUrl(std::string_view endpoint);

// What to classify: the model name, the allowed labels and the (already redacted) text.
struct ChatSpec {
  std::string model;
  std::vector<std::string> labels;
  std::string text;
};

// Most labels a request may carry.
inline constexpr size_t kMaxChatLabels = 1000;

// The JSON body of a chat completions request: a system message stating the task (one
// label out of the list, JSON only, the document is data), the text as the user
// message, temperature 0 and a strict json_schema response_format whose "label" is an
// enum of the labels. Throws comply::Error: 22023 if the model is empty, there are no
// labels, or a label is empty or repeated; 54000 for more than kMaxChatLabels labels.
std::string BuildChatBody(const ChatSpec& spec);

// The model's classification and what the provider reported about the call.
struct ChatAnswer {
  std::string label;
  double confidence = 0;
  std::string rationale;  // empty if the model gave none
  std::optional<int64_t> prompt_tokens;
  std::optional<int64_t> completion_tokens;
  std::optional<int64_t> total_tokens;
  std::string model;  // as reported by the provider; empty if absent
};

// Parses a chat completions response body and checks the answer in
// choices[0].message.content: a JSON object (surrounding whitespace allowed, and one
// Markdown code fence around the whole of it, ```json or ```, since some compatible
// servers add one) with "label" one of labels (exact match), "confidence" a number in
// [0, 1] and "rationale" a string if present. Throws comply::Error (22P02) naming the
// reason, never the content, if the body is not JSON, carries an "error" object, has no
// message content, the model refused (non-null "refusal"), or the answer breaks a rule
// above ("label outside the allowed set", ...).
ChatAnswer ParseChatResponse(std::string_view body, const std::vector<std::string>& labels);

// What to do with one HTTP outcome.
enum class Disposition { kSuccess, kRetry, kPermanent };

struct Verdict {
  Disposition d = Disposition::kPermanent;
  std::optional<double> retry_after_seconds;  // the server's Retry-After, for 429 and 503
  // Short and without content: "HTTP 429 (rate limited)", "timeout after 300 ms (host)".
  std::string reason;
  long status = 0;  // HTTP status, 0 when no response arrived
};

// Judges a response: 2xx success (the body still has to be parsed); 408, 409, 425, 429,
// 5xx, timeouts, connection failures and transport errors retry; every other status
// (400, 401, 403, 404, 422, an unfollowed 3xx...) is permanent.
Verdict Judge(const HttpResponse& response);

// v's reason in a webhook's terms (comply.alert_webhook_url): Judge's notes for 401, 403
// and 404 name the AI provider's settings ("check the endpoint and the model"), which a
// webhook has not.
std::string WebhookReason(const Verdict& v);

// Header lines of a request: JSON content type and accept, and "Authorization: Bearer
// <key>" when api_key is not empty. Throws comply::Error (22023), without the key, if
// the key holds a control character, a space or a non-ASCII byte.
std::vector<std::string> RequestHeaders(std::string_view api_key);

// Longest API key accepted, in bytes.
inline constexpr size_t kMaxApiKeyBytes = 4096;

// Reads an API key from a file permission-checked like ssl_key_file (ReadSecretFile).
// Surrounding whitespace (a final newline) is trimmed; what is left must be one line of
// 1 to kMaxApiKeyBytes printable ASCII characters without spaces. Errors (F0000) name
// the file as the key file of comply.ai_api_key_file, never its path or content.
std::string ReadApiKeyFile(const std::string& path);

// Longest Retry-After honoured by BackoffSeconds, in seconds.
inline constexpr double kMaxRetryAfterSeconds = 3600;

// Delay before retry number attempt (1 for the first retry): exponential backoff with
// full jitter, random * min(cap, base * 2^(attempt-1)) where random (uniform over
// uint64_t) is scaled to [0, 1); never less than retry_after (itself capped at
// kMaxRetryAfterSeconds) when the server sent one. Negative, infinite or NaN durations
// count as 0.
double BackoffSeconds(int attempt, double base_seconds, double cap_seconds,
                      std::optional<double> retry_after, uint64_t random);

// A circuit breaker over consecutive failures, on a caller-supplied clock (seconds).
// Closed: every call is allowed. After failure_threshold consecutive failures it opens
// for cooldown_seconds; then it is half-open and allows one probe at a time. A
// successful probe closes it; a failed one reopens it with the cooldown doubled, up to
// max_cooldown_seconds. A probe whose outcome is not recorded within probe_timeout_seconds
// (its caller stopped or died) no longer holds the others back: the next call is a new
// probe. Pure logic, no clock or thread of its own; its whole state is a Data, plain
// bytes that processes can share (each call then loads it, acts, and stores it back
// under the caller's lock).
class CircuitBreaker {
 public:
  enum class State { kClosed, kOpen, kHalfOpen };

  struct Data {
    State state = State::kClosed;
    int failures = 0;  // consecutive, while closed
    double cooldown = 0;
    double open_until = 0;
    bool probe_in_flight = false;
    double probe_deadline = 0;
  };

  CircuitBreaker(int failure_threshold, double cooldown_seconds, double max_cooldown_seconds,
                 double probe_timeout_seconds = 1e18);

  // Whether a call may start now. Moves an open breaker whose cooldown has passed to
  // half-open and lets exactly one probe through until its result is recorded (or it
  // times out).
  bool Allow(double now);
  // Records a successful call: closes the breaker and resets the cooldown.
  void RecordSuccess();
  // Records a failed call: counts it while closed (opening at the threshold); reopens a
  // half-open breaker with a doubled cooldown; ignored while open (late results).
  void RecordFailure(double now);
  // Records that a probe let through will have no outcome (its request was cancelled):
  // the next call may probe at once.
  void AbandonProbe();

  State state() const { return d_.state; }
  // When an open breaker lets a probe through (meaningful while open).
  double open_until() const { return d_.open_until; }
  // Length of the current or last open period (doubled by each failed probe).
  double cooldown() const { return d_.cooldown; }

  // The state, to keep or share, and a state kept before (its cooldown brought within
  // this breaker's bounds, which a setting may have changed since).
  const Data& data() const { return d_; }
  void Load(const Data& d);

 private:
  int threshold_;
  double base_cooldown_;
  double max_cooldown_;
  double probe_timeout_;
  Data d_;
};

}  // namespace comply::ai
