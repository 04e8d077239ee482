// The OpenAI-compatible provider (core/ai/openai.h): endpoint URLs, request bodies,
// answer parsing, verdicts, API keys, backoff and the circuit breaker; then the whole
// exchange over real libcurl against test/ai_server.py on 127.0.0.1.
#include <gtest/gtest.h>

#include <sys/stat.h>
#include <unistd.h>

#include <chrono>
#include <cmath>
#include <fstream>
#include <iterator>
#include <limits>
#include <set>
#include <thread>

#include "ai_server_fixture.h"
#include "core/ai/http.h"
#include "core/ai/openai.h"
#include "core/error.h"
#include "core/json.h"
#include "test_util.h"

namespace comply::ai {
namespace {

using Outcome = HttpResponse::Outcome;
using testing::AiServerTest;
using test::AllText;
using test::SqlstateOf;
using test::TempFile;
using testing::PostOnce;

const std::vector<std::string> kLabels = {"contract", "invoice", "medical_record"};

// Runs fn expecting a comply::Error; returns its SQLSTATE and stores its text.
// A chat completion body whose message content is content (a JSON string literal is made).
std::string Completion(const std::string& content, const std::string& extra_message = "") {
  std::string out = R"({"id":"x","object":"chat.completion","model":"gpt-test-2024",)"
                    R"("choices":[{"index":0,"message":{"role":"assistant","content":)";
  json::AppendQuoted(out, content);
  out += extra_message;
  out += R"(},"finish_reason":"stop"}],)"
         R"("usage":{"prompt_tokens":120,"completion_tokens":15,"total_tokens":135}})";
  return out;
}

// Parses body expecting a 22P02 whose text has reason and nothing of leak.
::testing::AssertionResult Rejected(const std::string& body, const std::string& reason,
                                    const std::string& leak = "") {
  std::string text;
  std::string state = SqlstateOf([&] { ParseChatResponse(body, kLabels); }, &text);
  if (state != "22P02") return ::testing::AssertionFailure() << "sqlstate '" << state << "'";
  if (text.find(reason) == std::string::npos)
    return ::testing::AssertionFailure() << "'" << reason << "' not in: " << text;
  if (!leak.empty() && text.find(leak) != std::string::npos)
    return ::testing::AssertionFailure() << "'" << leak << "' leaked in: " << text;
  return ::testing::AssertionSuccess();
}

// ---------------------------------------------------------------------------------------
// ChatCompletionsUrl

TEST(OpenAIUrlTest, AppendsThePath) {
  EXPECT_EQ(ChatCompletionsUrl("https://api.openai.com/v1"),
            "https://api.openai.com/v1/chat/completions");
  EXPECT_EQ(ChatCompletionsUrl("https://api.openai.com/v1/"),
            "https://api.openai.com/v1/chat/completions");
  EXPECT_EQ(ChatCompletionsUrl("http://127.0.0.1:8080/v1//"),
            "http://127.0.0.1:8080/v1/chat/completions");
  EXPECT_EQ(ChatCompletionsUrl("http://localhost:11434"),
            "http://localhost:11434/chat/completions");
  EXPECT_EQ(ChatCompletionsUrl("  HTTPS://example.com/openai/v1 \n"),
            "https://example.com/openai/v1/chat/completions");
  EXPECT_EQ(ChatCompletionsUrl("http://[::1]:8000/v1"), "http://[::1]:8000/v1/chat/completions");
}

TEST(OpenAIUrlTest, KeepsAFullUrl) {
  EXPECT_EQ(ChatCompletionsUrl("https://api.openai.com/v1/chat/completions"),
            "https://api.openai.com/v1/chat/completions");
  EXPECT_EQ(ChatCompletionsUrl("http://127.0.0.1:8080/v1/chat/completions/"),
            "http://127.0.0.1:8080/v1/chat/completions");
}

TEST(OpenAIUrlTest, RefusesOtherUrls) {
  struct Case {
    const char* endpoint;
    const char* reason;
  };
  for (const Case& c : std::vector<Case>{
           {"", "empty"},
           {"ftp://example.com/v1", "only http and https"},
           {"file:///etc/passwd", "only http and https"},
           {"api.openai.com/v1", "not a URL"},
           {"https://user:s3cret@example.com/v1", "user names and passwords"},
           {"https://s3cret@example.com/v1", "user names and passwords"},
           {"https:///v1", "no host"},
           {"https://:443/v1", "no host"},
           {"https://example.com/v1?key=s3cret", "query strings"},
           {"https://example.com/v1#frag", "fragments"},
           {"https://exa mple.com/v1", "spaces"},
           {"https://example.com/v1\r\nX: s3cret", "control characters"},
       }) {
    std::string text;
    EXPECT_EQ(SqlstateOf([&] { ChatCompletionsUrl(c.endpoint); }, &text), "22023") << c.endpoint;
    EXPECT_NE(text.find(c.reason), std::string::npos) << c.endpoint << ": " << text;
    EXPECT_EQ(text.find("s3cret"), std::string::npos) << text;
  }
}

// ---------------------------------------------------------------------------------------
// BuildChatBody

TEST(OpenAIBodyTest, Shape) {
  ChatSpec spec{"gpt-4o-mini", kLabels, "Line one \"quoted\"\nline two [US_SSN] é"};
  json::Value body = json::Parse(BuildChatBody(spec));
  EXPECT_EQ(body.Find("model")->as_string(), "gpt-4o-mini");
  EXPECT_EQ(body.Find("temperature")->as_number(), 0);
  const auto& messages = body.Find("messages")->as_array();
  ASSERT_EQ(messages.size(), 2u);
  EXPECT_EQ(messages[0].Find("role")->as_string(), "system");
  const std::string& system = messages[0].Find("content")->as_string();
  EXPECT_NE(system.find(R"(["contract","invoice","medical_record"])"), std::string::npos) << system;
  EXPECT_NE(system.find("exactly one"), std::string::npos);
  EXPECT_NE(system.find("JSON"), std::string::npos);
  EXPECT_EQ(messages[1].Find("role")->as_string(), "user");
  EXPECT_EQ(messages[1].Find("content")->as_string(), spec.text);

  const json::Value* format = body.Find("response_format");
  EXPECT_EQ(format->Find("type")->as_string(), "json_schema");
  const json::Value* js = format->Find("json_schema");
  EXPECT_EQ(js->Find("name")->as_string(), "classification");
  EXPECT_TRUE(js->Find("strict")->as_bool());
  const json::Value* schema = js->Find("schema");
  EXPECT_EQ(schema->Find("type")->as_string(), "object");
  EXPECT_FALSE(schema->Find("additionalProperties")->as_bool());
  std::vector<std::string> required;
  for (const auto& r : schema->Find("required")->as_array()) required.push_back(r.as_string());
  EXPECT_EQ(required, (std::vector<std::string>{"label", "confidence", "rationale"}));
  const json::Value* props = schema->Find("properties");
  std::vector<std::string> labels;
  for (const auto& l : props->Find("label")->Find("enum")->as_array())
    labels.push_back(l.as_string());
  EXPECT_EQ(labels, kLabels);
  EXPECT_EQ(props->Find("label")->Find("type")->as_string(), "string");
  EXPECT_EQ(props->Find("confidence")->Find("type")->as_string(), "number");
  EXPECT_EQ(props->Find("confidence")->Find("minimum")->as_number(), 0);
  EXPECT_EQ(props->Find("confidence")->Find("maximum")->as_number(), 1);
  EXPECT_EQ(props->Find("rationale")->Find("type")->as_string(), "string");
}

TEST(OpenAIBodyTest, LabelsAreEscaped) {
  ChatSpec spec{"m", {"a\"b", "c\\d"}, "t"};
  json::Value body = json::Parse(BuildChatBody(spec));
  const auto& e = body.Find("response_format")
                      ->Find("json_schema")
                      ->Find("schema")
                      ->Find("properties")
                      ->Find("label")
                      ->Find("enum")
                      ->as_array();
  ASSERT_EQ(e.size(), 2u);
  EXPECT_EQ(e[0].as_string(), "a\"b");
  EXPECT_EQ(e[1].as_string(), "c\\d");
}

TEST(OpenAIBodyTest, RefusesBadSpecs) {
  EXPECT_EQ(SqlstateOf([] { BuildChatBody({"", kLabels, "t"}); }), "22023");
  EXPECT_EQ(SqlstateOf([] { BuildChatBody({"m", {}, "t"}); }), "22023");
  EXPECT_EQ(SqlstateOf([] { BuildChatBody({"m", {"a", ""}, "t"}); }), "22023");
  EXPECT_EQ(SqlstateOf([] { BuildChatBody({"m", {"a", "b", "a"}, "t"}); }), "22023");
  std::vector<std::string> many;
  for (size_t i = 0; i <= kMaxChatLabels; ++i) many.push_back("l" + std::to_string(i));
  EXPECT_EQ(SqlstateOf([&] { BuildChatBody({"m", many, "t"}); }), "54000");
}

// ---------------------------------------------------------------------------------------
// ParseChatResponse

TEST(OpenAIParseTest, ParsesAnswerUsageAndModel) {
  ChatAnswer a = ParseChatResponse(
      Completion(R"({"label":"invoice","confidence":0.87,"rationale":"lists amounts due"})",
                 R"(,"refusal":null)"),
      kLabels);
  EXPECT_EQ(a.label, "invoice");
  EXPECT_DOUBLE_EQ(a.confidence, 0.87);
  EXPECT_EQ(a.rationale, "lists amounts due");
  EXPECT_EQ(a.prompt_tokens, 120);
  EXPECT_EQ(a.completion_tokens, 15);
  EXPECT_EQ(a.total_tokens, 135);
  EXPECT_EQ(a.model, "gpt-test-2024");
}

// What PostgreSQL cannot store is not kept: a token count beyond int4 (the interaction's
// columns) is dropped, a NUL in the rationale is removed (no text or jsonb holds one).
TEST(OpenAIParseTest, CountsBeyondInt4AndNulsAreNotKept) {
  ChatAnswer a = ParseChatResponse(
      R"({"choices":[{"message":{"content":"{\"label\":\"invoice\",\"confidence\":0.5,\"rationale\":\"a\\u0000b\"}"}}],)"
      R"("usage":{"prompt_tokens":3000000000,"completion_tokens":2147483647,"total_tokens":8000000000000000}})",
      kLabels);
  EXPECT_FALSE(a.prompt_tokens);
  EXPECT_EQ(a.completion_tokens, 2147483647);
  EXPECT_FALSE(a.total_tokens);
  EXPECT_EQ(a.rationale, "ab");
}

// A NUL inside a value does not hide it from the detector: removed, not replaced.
TEST(OpenAIParseTest, NulsInsideAValueAreRemoved) {
  ChatAnswer a = ParseChatResponse(
      R"({"choices":[{"message":{"content":"{\"label\":\"invoice\",\"confidence\":0.5,\"rationale\":\"SSN 536-22-\\u00008714\"}"}}]})",
      kLabels);
  EXPECT_EQ(a.rationale, "SSN 536-22-8714");
}

TEST(OpenAIParseTest, ToleratesWhitespaceAndOneFence) {
  EXPECT_EQ(
      ParseChatResponse(Completion("\n  {\"label\":\"contract\",\"confidence\":1}  \n"), kLabels)
          .label,
      "contract");
  for (const char* fenced : {"```json\n{\"label\":\"contract\",\"confidence\":0}\n```",
                             "  ```JSON\n{\"label\":\"contract\",\"confidence\":0}```\n",
                             "```\n{\"label\":\"contract\",\"confidence\":0}\n```"}) {
    ChatAnswer a = ParseChatResponse(Completion(fenced), kLabels);
    EXPECT_EQ(a.label, "contract") << fenced;
    EXPECT_EQ(a.confidence, 0) << fenced;
    EXPECT_EQ(a.rationale, "") << fenced;  // rationale is optional
  }
  // Anything else around the object is refused.
  EXPECT_TRUE(Rejected(Completion("```python\n{\"label\":\"contract\",\"confidence\":0}\n```"),
                       "the answer is not JSON"));
  EXPECT_TRUE(Rejected(Completion("Sure! {\"label\":\"contract\",\"confidence\":0}"),
                       "the answer is not JSON", "Sure"));
  EXPECT_TRUE(Rejected(Completion("```json\n{\"label\":\"contract\",\"confidence\":0}\n``` ok"),
                       "the answer is not JSON"));
}

TEST(OpenAIParseTest, UsageAndModelAreOptional) {
  ChatAnswer a = ParseChatResponse(
      R"({"choices":[{"message":{"content":"{\"label\":\"invoice\",\"confidence\":0.5}"}}]})",
      kLabels);
  EXPECT_EQ(a.label, "invoice");
  EXPECT_FALSE(a.prompt_tokens);
  EXPECT_FALSE(a.total_tokens);
  EXPECT_EQ(a.model, "");
}

TEST(OpenAIParseTest, RejectsBrokenBodies) {
  EXPECT_TRUE(Rejected("<html>502 Bad Gateway</html>", "the response body is not JSON", "Gateway"));
  EXPECT_TRUE(Rejected("", "the response body is not JSON"));
  EXPECT_TRUE(Rejected("[1,2]", "not a JSON object"));
  EXPECT_TRUE(Rejected(R"({"choices":[]})", "no choices"));
  EXPECT_TRUE(Rejected(R"({"object":"chat.completion"})", "no choices"));
  EXPECT_TRUE(Rejected(R"({"choices":[{"index":0}]})", "has no message"));
  EXPECT_TRUE(Rejected(R"({"choices":[{"message":{"content":null}}]})", "has no content"));
  EXPECT_TRUE(
      Rejected(R"({"choices":[{"message":{"content":null},"finish_reason":"content_filter"}]})",
               "content filter"));
}

TEST(OpenAIParseTest, RejectsErrorObjectsWithoutTheirMessage) {
  std::string text;
  EXPECT_EQ(SqlstateOf(
                [] {
                  ParseChatResponse(R"({"error":{"message":"Your text 'John Doe 536-22-8714' is)"
                                    R"( too long","type":"invalid_request_error",)"
                                    R"("code":"context_length_exceeded"}})",
                                    kLabels);
                },
                &text),
            "22P02");
  EXPECT_NE(text.find("error object"), std::string::npos) << text;
  EXPECT_NE(text.find("invalid_request_error"), std::string::npos) << text;
  EXPECT_NE(text.find("context_length_exceeded"), std::string::npos) << text;
  EXPECT_EQ(text.find("536-22"), std::string::npos) << text;
  EXPECT_EQ(text.find("John"), std::string::npos) << text;
  // Free-form type or code values are left out.
  EXPECT_TRUE(Rejected(R"({"error":{"type":"John Doe 536-22-8714"}})", "error object", "536"));
}

TEST(OpenAIParseTest, RejectsRefusals) {
  EXPECT_TRUE(Rejected(Completion("{}", R"(,"refusal":"I cannot classify John Doe's file")"),
                       "refused", "John"));
  EXPECT_TRUE(Rejected(R"({"choices":[{"message":{"content":null,"refusal":"no, John"}}]})",
                       "refused", "John"));
}

TEST(OpenAIParseTest, RejectsBadAnswers) {
  EXPECT_TRUE(
      Rejected(Completion("John Doe's contract, probably"), "the answer is not JSON", "John"));
  EXPECT_TRUE(Rejected(Completion("[\"contract\"]"), "not a JSON object"));
  EXPECT_TRUE(Rejected(Completion("\"contract\""), "not a JSON object"));
  EXPECT_TRUE(Rejected(Completion(R"({"confidence":0.9})"), "no label"));
  EXPECT_TRUE(Rejected(Completion(R"({"label":7,"confidence":0.9})"), "label is not a string"));
  EXPECT_TRUE(Rejected(Completion(R"({"label":"John Doe 536-22-8714","confidence":0.9})"),
                       "label outside the allowed set", "536"));
  EXPECT_TRUE(Rejected(Completion(R"({"label":"Contract","confidence":0.9})"),
                       "label outside the allowed set"));  // exact match only
  EXPECT_TRUE(Rejected(Completion(R"({"label":"contract"})"), "no confidence"));
  EXPECT_TRUE(Rejected(Completion(R"({"label":"contract","confidence":"0.9"})"),
                       "confidence is not a number"));
  EXPECT_TRUE(Rejected(Completion(R"({"label":"contract","confidence":null})"),
                       "confidence is not a number"));
  for (const char* c : {"-0.01", "1.5", "1e999", "-1e999"}) {
    EXPECT_TRUE(Rejected(Completion(std::string(R"({"label":"contract","confidence":)") + c + "}"),
                         "outside [0, 1]"))
        << c;
  }
  EXPECT_TRUE(Rejected(Completion(R"({"label":"contract","confidence":0.5,"rationale":3})"),
                       "rationale is not a string"));
  // Only the members asked for.
  EXPECT_TRUE(Rejected(Completion(R"({"label":"contract","confidence":0.5,"label2":"invoice"})"),
                       "members other than label, confidence and rationale"));
  EXPECT_TRUE(Rejected(Completion(R"({"label":"contract","confidence":0.5,"ssn":"536-22-8714"})"),
                       "members other than", "536"));
  // A member given twice: which of the two labels the answer means is not known.
  EXPECT_TRUE(Rejected(Completion(R"({"label":"invoice","confidence":0.5,"label":"contract"})"),
                       "not JSON"));
  // -0 is 0.
  ChatAnswer zero = ParseChatResponse(Completion(R"({"label":"contract","confidence":-0.0})"), kLabels);
  EXPECT_FALSE(std::signbit(zero.confidence));
}

TEST(OpenAIParseTest, CutOffAnswerSaysSo) {
  std::string body =
      R"({"choices":[{"message":{"content":"{\"label\":\"contr"},"finish_reason":"length"}]})";
  EXPECT_TRUE(Rejected(body, "cut off", "contr"));
}

// ---------------------------------------------------------------------------------------
// Judge

HttpResponse Status(long status, std::optional<double> retry_after = std::nullopt) {
  HttpResponse r;
  r.outcome = Outcome::kResponse;
  r.status = status;
  r.retry_after_seconds = retry_after;
  r.body = "secret body John Doe";
  return r;
}

TEST(OpenAIJudgeTest, Statuses) {
  for (long s : {200L, 201L, 204L}) {
    Verdict v = Judge(Status(s));
    EXPECT_EQ(v.d, Disposition::kSuccess) << s;
    EXPECT_EQ(v.status, s);
  }
  for (long s : {408L, 409L, 425L, 429L, 500L, 502L, 503L, 504L, 599L})
    EXPECT_EQ(Judge(Status(s)).d, Disposition::kRetry) << s;
  for (long s : {301L, 302L, 400L, 401L, 403L, 404L, 405L, 413L, 422L, 451L})
    EXPECT_EQ(Judge(Status(s)).d, Disposition::kPermanent) << s;

  EXPECT_EQ(Judge(Status(500)).reason, "HTTP 500");
  EXPECT_EQ(Judge(Status(429)).reason, "HTTP 429 (rate limited)");
  EXPECT_EQ(Judge(Status(401)).reason, "HTTP 401 (unauthorized: check the API key)");
  EXPECT_EQ(Judge(Status(302)).reason, "HTTP 302 (redirects are not followed)");
  EXPECT_EQ(Judge(Status(400)).reason.find("John"), std::string::npos);
}

TEST(OpenAIJudgeTest, WebhookReasonsNameTheWebhook) {
  // Not the AI provider's advice ("check the endpoint and the model") for an alert's post.
  EXPECT_EQ(WebhookReason(Judge(Status(404))), "HTTP 404 (not found: check comply.alert_webhook_url)");
  EXPECT_EQ(WebhookReason(Judge(Status(401))),
            "HTTP 401 (refused: check the credentials in comply.alert_webhook_url)");
  EXPECT_EQ(WebhookReason(Judge(Status(403))),
            "HTTP 403 (refused: check the credentials in comply.alert_webhook_url)");
  EXPECT_EQ(WebhookReason(Judge(Status(400))), "HTTP 400 (bad request)");
  EXPECT_EQ(WebhookReason(Judge(Status(503))), "HTTP 503 (unavailable)");
}

TEST(OpenAIJudgeTest, RetryAfterOnlyFor429And503) {
  EXPECT_EQ(Judge(Status(429, 2.0)).retry_after_seconds, 2.0);
  EXPECT_EQ(Judge(Status(503, 7.0)).retry_after_seconds, 7.0);
  EXPECT_FALSE(Judge(Status(500, 7.0)).retry_after_seconds);
  EXPECT_FALSE(Judge(Status(429)).retry_after_seconds);
}

TEST(OpenAIJudgeTest, NoResponseRetries) {
  for (Outcome o : {Outcome::kTimeout, Outcome::kConnectFailed, Outcome::kTransportError}) {
    HttpResponse r;
    r.outcome = o;
    r.error = "could not connect to 127.0.0.1 (curl error 7: Couldn't connect to server)";
    Verdict v = Judge(r);
    EXPECT_EQ(v.d, Disposition::kRetry);
    EXPECT_EQ(v.status, 0);
    EXPECT_EQ(v.reason, r.error);
    r.error.clear();
    EXPECT_FALSE(Judge(r).reason.empty());
  }
}

// ---------------------------------------------------------------------------------------
// RequestHeaders and ReadApiKeyFile

TEST(OpenAIHeadersTest, BearerOnlyWithAKey) {
  EXPECT_EQ(RequestHeaders(""), (std::vector<std::string>{"Content-Type: application/json",
                                                          "Accept: application/json"}));
  std::vector<std::string> h = RequestHeaders("sk-test-123");
  ASSERT_EQ(h.size(), 3u);
  EXPECT_EQ(h[2], "Authorization: Bearer sk-test-123");
}

TEST(OpenAIHeadersTest, RefusesHeaderInjection) {
  for (const char* key : {"sk-1\r\nX-Evil: 1", "sk 1", "sk-\x01", "sk-\xc3\xa9"}) {
    std::string text;
    EXPECT_EQ(SqlstateOf([&] { RequestHeaders(key); }, &text), "22023") << key;
    EXPECT_EQ(text.find("sk-"), std::string::npos) << text;
  }
}

// Reads path expecting an F0000 error naming the path, the reason and no key content.
::testing::AssertionResult KeyRefused(const std::string& path, std::string_view reason) {
  std::string text;
  std::string state = SqlstateOf([&] { ReadApiKeyFile(path); }, &text);
  if (state != "F0000") return ::testing::AssertionFailure() << "sqlstate '" << state << "'";
  // The setting is named, not the path: the setting is hidden from ordinary roles, who
  // meet this error when they classify.
  if (text.find("comply.ai_api_key_file") == std::string::npos)
    return ::testing::AssertionFailure() << "setting not named in: " << text;
  if (path.size() > 4 && text.find(path) != std::string::npos)
    return ::testing::AssertionFailure() << "path named in: " << text;
  if (text.find(reason) == std::string::npos)
    return ::testing::AssertionFailure() << "'" << reason << "' not in: " << text;
  if (text.find("sk-") != std::string::npos)
    return ::testing::AssertionFailure() << "key content leaked in: " << text;
  return ::testing::AssertionSuccess();
}

TEST(OpenAIKeyFileTest, ReadsOneTrimmedLine) {
  TempFile f("sk-proj-AbC_123.xyz\n", 0600);
  EXPECT_EQ(ReadApiKeyFile(f.path()), "sk-proj-AbC_123.xyz");
  TempFile ws("  \tk\r\n\n", 0400);
  EXPECT_EQ(ReadApiKeyFile(ws.path()), "k");  // one byte is enough
}

TEST(OpenAIKeyFileTest, PermissionsChecked) {
  for (mode_t mode : {0644, 0604, 0660, 0666}) {
    TempFile f("sk-test-key\n", mode);
    EXPECT_TRUE(KeyRefused(f.path(), "group or world access")) << std::oct << mode;
  }
  EXPECT_TRUE(KeyRefused("/nonexistent/pg_comply/api_key", "could not access"));
  EXPECT_TRUE(KeyRefused("/tmp", "not a regular file"));
}

TEST(OpenAIKeyFileTest, RefusesWhatIsNotOneLineOfPrintableAscii) {
  TempFile empty(" \n\n", 0600);
  EXPECT_TRUE(KeyRefused(empty.path(), "is empty"));
  TempFile two("sk-one\nsk-two\n", 0600);
  EXPECT_TRUE(KeyRefused(two.path(), "one line of printable ASCII"));
  TempFile space("sk-one two", 0600);
  EXPECT_TRUE(KeyRefused(space.path(), "one line of printable ASCII"));
  TempFile utf8("sk-\xc3\xa9t\xc3\xa9", 0600);
  EXPECT_TRUE(KeyRefused(utf8.path(), "one line of printable ASCII"));
  TempFile nul(std::string("sk-a\0b", 6), 0600);
  EXPECT_TRUE(KeyRefused(nul.path(), "one line of printable ASCII"));
  TempFile big("sk-" + std::string(kMaxApiKeyBytes, 'a'), 0600);
  EXPECT_TRUE(KeyRefused(big.path(), "more than"));
}

// ---------------------------------------------------------------------------------------
// BackoffSeconds

constexpr uint64_t kMaxRandom = std::numeric_limits<uint64_t>::max();

TEST(BackoffTest, FullJitterWithinTheCeiling) {
  EXPECT_EQ(BackoffSeconds(1, 0.5, 30, std::nullopt, 0), 0);
  EXPECT_NEAR(BackoffSeconds(1, 0.5, 30, std::nullopt, kMaxRandom), 0.5, 1e-9);
  EXPECT_NEAR(BackoffSeconds(2, 0.5, 30, std::nullopt, kMaxRandom), 1.0, 1e-9);
  EXPECT_NEAR(BackoffSeconds(4, 0.5, 30, std::nullopt, kMaxRandom), 4.0, 1e-9);
  EXPECT_NEAR(BackoffSeconds(4, 0.5, 30, std::nullopt, kMaxRandom / 2), 2.0, 1e-6);
  EXPECT_NEAR(BackoffSeconds(10, 0.5, 30, std::nullopt, kMaxRandom), 30.0, 1e-9);  // capped
  EXPECT_LT(BackoffSeconds(1, 0.5, 30, std::nullopt, kMaxRandom), 0.5);            // [0, ceiling)
  uint64_t r = 0x9e3779b97f4a7c15ull;
  for (int attempt = 1; attempt < 200; ++attempt) {
    r = r * 6364136223846793005ull + 1442695040888963407ull;
    double d = BackoffSeconds(attempt, 0.25, 60, std::nullopt, r);
    EXPECT_GE(d, 0) << attempt;
    EXPECT_LE(d, std::min(60.0, std::ldexp(0.25, attempt - 1))) << attempt;
  }
}

TEST(BackoffTest, RetryAfterIsAFloorCappedAtAnHour) {
  EXPECT_EQ(BackoffSeconds(1, 0.5, 30, 2.0, 0), 2.0);
  EXPECT_NEAR(BackoffSeconds(6, 0.5, 30, 2.0, kMaxRandom), 16.0, 1e-9);  // jitter larger
  EXPECT_EQ(BackoffSeconds(1, 0.5, 30, 1e9, 0), kMaxRetryAfterSeconds);
  EXPECT_EQ(BackoffSeconds(1, 0.5, 30, -5.0, 0), 0);
}

TEST(BackoffTest, OddInputs) {
  EXPECT_EQ(BackoffSeconds(0, 1, 10, std::nullopt, kMaxRandom / 2),
            BackoffSeconds(1, 1, 10, std::nullopt, kMaxRandom / 2));
  EXPECT_EQ(BackoffSeconds(-3, 1, 10, std::nullopt, kMaxRandom),
            BackoffSeconds(1, 1, 10, std::nullopt, kMaxRandom));
  double huge = BackoffSeconds(std::numeric_limits<int>::max(), 1, 10, std::nullopt, kMaxRandom);
  EXPECT_TRUE(std::isfinite(huge));
  EXPECT_LE(huge, 10);
  EXPECT_EQ(BackoffSeconds(3, -1, 10, std::nullopt, kMaxRandom), 0);
  EXPECT_EQ(BackoffSeconds(3, std::nan(""), 10, std::nullopt, kMaxRandom), 0);
  EXPECT_EQ(BackoffSeconds(3, 1, std::nan(""), std::nullopt, kMaxRandom), 0);
  EXPECT_EQ(BackoffSeconds(3, 1, 10, std::nan(""), 0), 0);
}

// ---------------------------------------------------------------------------------------
// CircuitBreaker, on a fake clock

using State = CircuitBreaker::State;

TEST(CircuitBreakerTest, OpensAfterConsecutiveFailures) {
  CircuitBreaker b(3, 10, 80);
  double now = 1000;
  EXPECT_EQ(b.state(), State::kClosed);
  EXPECT_TRUE(b.Allow(now));
  b.RecordFailure(now);
  b.RecordFailure(now);
  b.RecordSuccess();  // resets the count
  b.RecordFailure(now);
  b.RecordFailure(now);
  EXPECT_EQ(b.state(), State::kClosed);
  EXPECT_TRUE(b.Allow(now));
  b.RecordFailure(now);
  EXPECT_EQ(b.state(), State::kOpen);
  EXPECT_EQ(b.open_until(), 1010);
  EXPECT_FALSE(b.Allow(now));
  EXPECT_FALSE(b.Allow(1009.9));
  b.RecordFailure(1005);  // a late result while open changes nothing
  EXPECT_EQ(b.open_until(), 1010);
}

TEST(CircuitBreakerTest, HalfOpenAllowsOneProbe) {
  CircuitBreaker b(1, 10, 80);
  b.RecordFailure(0);
  EXPECT_EQ(b.state(), State::kOpen);
  EXPECT_TRUE(b.Allow(10));  // cooldown over: the probe
  EXPECT_EQ(b.state(), State::kHalfOpen);
  EXPECT_FALSE(b.Allow(10));  // one probe at a time
  EXPECT_FALSE(b.Allow(50));
  b.RecordSuccess();
  EXPECT_EQ(b.state(), State::kClosed);
  EXPECT_TRUE(b.Allow(50));
  EXPECT_TRUE(b.Allow(50));
}

TEST(CircuitBreakerTest, FailedProbesDoubleTheCooldownUpToTheMax) {
  CircuitBreaker b(2, 10, 35);
  b.RecordFailure(0);
  b.RecordFailure(0);
  EXPECT_EQ(b.open_until(), 10);
  double expected_cooldowns[] = {20, 35, 35};
  double now = 10;
  for (double cooldown : expected_cooldowns) {
    ASSERT_TRUE(b.Allow(now));
    EXPECT_EQ(b.state(), State::kHalfOpen);
    b.RecordFailure(now);
    EXPECT_EQ(b.state(), State::kOpen);
    EXPECT_EQ(b.cooldown(), cooldown);
    EXPECT_EQ(b.open_until(), now + cooldown);
    EXPECT_FALSE(b.Allow(now + cooldown - 0.001));
    now += cooldown;
  }
  // Success closes and resets the cooldown: the next opening lasts 10 again.
  ASSERT_TRUE(b.Allow(now));
  b.RecordSuccess();
  b.RecordFailure(now);
  EXPECT_EQ(b.state(), State::kClosed);
  b.RecordFailure(now);
  EXPECT_EQ(b.state(), State::kOpen);
  EXPECT_EQ(b.open_until(), now + 10);
}

TEST(CircuitBreakerTest, OddParameters) {
  CircuitBreaker b(0, -1, -5);  // threshold at least 1, cooldowns at least 0
  b.RecordFailure(7);
  EXPECT_EQ(b.state(), State::kOpen);
  EXPECT_TRUE(b.Allow(7));
  EXPECT_EQ(b.state(), State::kHalfOpen);
}

TEST(CircuitBreakerTest, AProbeWithoutOutcomeTimesOut) {
  CircuitBreaker b(1, 10, 80, 5);
  b.RecordFailure(0);
  ASSERT_TRUE(b.Allow(10));  // the probe; its caller never records the outcome
  EXPECT_FALSE(b.Allow(14.9));
  EXPECT_TRUE(b.Allow(15));  // timed out: a new probe
  EXPECT_EQ(b.state(), State::kHalfOpen);
  EXPECT_FALSE(b.Allow(19.9));
  b.RecordFailure(16);  // the new probe failed: open again, the cooldown doubled
  EXPECT_EQ(b.state(), State::kOpen);
  EXPECT_EQ(b.open_until(), 36);
}

TEST(CircuitBreakerTest, AnAbandonedProbeLetsTheNextCallProbe) {
  CircuitBreaker b(1, 10, 80);
  b.RecordFailure(0);
  ASSERT_TRUE(b.Allow(10));
  EXPECT_FALSE(b.Allow(11));
  b.AbandonProbe();
  EXPECT_TRUE(b.Allow(11));
  EXPECT_FALSE(b.Allow(11));
  b.RecordSuccess();
  b.AbandonProbe();  // closed: nothing to abandon
  EXPECT_EQ(b.state(), State::kClosed);
}

// Processes share a breaker by loading its Data before each step and storing it after:
// failures counted by two of them add up, and an open state holds both back.
TEST(CircuitBreakerTest, SharedDataActsAsOneBreaker) {
  CircuitBreaker::Data shared;
  auto step = [&](auto&& f) {
    CircuitBreaker b(3, 10, 80, 30);
    b.Load(shared);
    auto r = f(b);
    shared = b.data();
    return r;
  };
  step([](CircuitBreaker& b) { b.RecordFailure(0); return 0; });
  step([](CircuitBreaker& b) { b.RecordFailure(0); return 0; });
  EXPECT_EQ(shared.state, State::kClosed);
  step([](CircuitBreaker& b) { b.RecordFailure(1); return 0; });
  EXPECT_EQ(shared.state, State::kOpen);
  EXPECT_FALSE(step([](CircuitBreaker& b) { return b.Allow(5); }));
  EXPECT_TRUE(step([](CircuitBreaker& b) { return b.Allow(11); }));   // one process's probe
  EXPECT_FALSE(step([](CircuitBreaker& b) { return b.Allow(12); }));  // not another's
  step([](CircuitBreaker& b) { b.RecordFailure(13); return 0; });
  EXPECT_EQ(shared.open_until, 33);
}

TEST(CircuitBreakerTest, LoadKeepsTheCooldownWithinTheSettings) {
  CircuitBreaker::Data d;
  d.state = State::kHalfOpen;
  d.cooldown = 640;  // doubled under an earlier, larger maximum
  CircuitBreaker b(1, 10, 80);
  b.Load(d);
  EXPECT_EQ(b.cooldown(), 80);
  d.cooldown = 2;  // below a base raised since
  b.Load(d);
  EXPECT_EQ(b.cooldown(), 10);
  d.cooldown = std::nan("");
  b.Load(d);
  EXPECT_EQ(b.cooldown(), 10);
}

// ---------------------------------------------------------------------------------------
// The whole exchange against test/ai_server.py

class OpenAIServerTest : public AiServerTest {
 protected:
  HttpRequest Request(const std::string& text, const std::string& key = "sk-test-K3Y-0001",
                      long timeout_ms = 10000) {
    HttpRequest r;
    r.url = ChatCompletionsUrl(Url("/v1"));
    r.headers = RequestHeaders(key);
    r.body = BuildChatBody({"test-model", kLabels, text});
    r.timeout_ms = timeout_ms;
    return r;
  }
};

TEST_F(OpenAIServerTest, NormalAnswerParsed) {
  SetMode(R"({"mode":"ok","rules":{"amount due":"invoice"},"confidence":0.91})");
  HttpResponse resp = PostOnce(Request("Amount due: [CREDIT_CARD] by Friday"));
  Verdict v = Judge(resp);
  ASSERT_EQ(v.d, Disposition::kSuccess) << v.reason;
  ChatAnswer a = ParseChatResponse(resp.body, kLabels);
  EXPECT_EQ(a.label, "invoice");
  EXPECT_DOUBLE_EQ(a.confidence, 0.91);
  EXPECT_EQ(a.rationale, "test");
  EXPECT_EQ(a.model, "test-model");
  ASSERT_TRUE(a.total_tokens);
  EXPECT_EQ(*a.total_tokens, *a.prompt_tokens + *a.completion_tokens);

  // Without a matching rule: the first label of the enum.
  resp = PostOnce(Request("nothing special"));
  EXPECT_EQ(ParseChatResponse(resp.body, kLabels).label, "contract");
}

TEST_F(OpenAIServerTest, RequestCarriesTheSchemaTheTextAndTheKey) {
  PostOnce(Request("Patient [PERSON] seen on [DATE]"));
  PostOnce(Request("no key", ""));
  json::Value recorded = Requests();
  ASSERT_EQ(recorded.as_array().size(), 2u);
  const json::Value& first = recorded.as_array()[0];
  EXPECT_EQ(first.Find("path")->as_string(), "/v1/chat/completions");
  EXPECT_TRUE(first.Find("authorization_present")->as_bool());
  EXPECT_EQ(first.Find("authorization")->as_string(), "Bearer sk-test-K3Y-0001");
  EXPECT_EQ(first.Find("headers")->Find("content-type")->as_string(), "application/json");
  EXPECT_EQ(first.Find("headers")->Find("authorization"), nullptr);
  const json::Value* body = first.Find("body");
  ASSERT_TRUE(first.Find("body_is_json")->as_bool());
  EXPECT_EQ(body->Find("model")->as_string(), "test-model");
  EXPECT_EQ(body->Find("temperature")->as_number(), 0);
  EXPECT_EQ(body->Find("messages")->as_array()[1].Find("content")->as_string(),
            "Patient [PERSON] seen on [DATE]");
  std::vector<std::string> labels;
  for (const auto& l : body->Find("response_format")
                           ->Find("json_schema")
                           ->Find("schema")
                           ->Find("properties")
                           ->Find("label")
                           ->Find("enum")
                           ->as_array())
    labels.push_back(l.as_string());
  EXPECT_EQ(labels, kLabels);

  const json::Value& second = recorded.as_array()[1];
  EXPECT_FALSE(second.Find("authorization_present")->as_bool());
  EXPECT_TRUE(second.Find("authorization")->is_null());

  // The log file on disk holds the key's hash, never the key.
  std::ifstream log(dir_ + "/requests.jsonl");
  std::string all((std::istreambuf_iterator<char>(log)), std::istreambuf_iterator<char>());
  EXPECT_NE(all.find("authorization_sha256"), std::string::npos);
  EXPECT_EQ(all.find("sk-test-K3Y-0001"), std::string::npos);
}

TEST_F(OpenAIServerTest, ServerErrorRetries) {
  SetMode(R"({"mode":"error","status":500})");
  Verdict v = Judge(PostOnce(Request("x")));
  EXPECT_EQ(v.d, Disposition::kRetry);
  EXPECT_EQ(v.status, 500);
  EXPECT_EQ(v.reason, "HTTP 500");
}

TEST_F(OpenAIServerTest, RateLimitCarriesRetryAfter) {
  SetMode(R"({"mode":"ratelimit","retry_after":2})");
  Verdict v = Judge(PostOnce(Request("x")));
  EXPECT_EQ(v.d, Disposition::kRetry);
  EXPECT_EQ(v.status, 429);
  EXPECT_EQ(v.reason, "HTTP 429 (rate limited)");
  EXPECT_EQ(v.retry_after_seconds, 2.0);
  EXPECT_GE(BackoffSeconds(1, 0.1, 1, v.retry_after_seconds, 0), 2.0);
}

TEST_F(OpenAIServerTest, UnauthorizedIsPermanent) {
  SetMode(R"({"mode":"error","status":401})");
  Verdict v = Judge(PostOnce(Request("x")));
  EXPECT_EQ(v.d, Disposition::kPermanent);
  EXPECT_EQ(v.status, 401);
}

TEST_F(OpenAIServerTest, MalformedAnswersRefused) {
  struct Case {
    const char* mode;
    const char* reason;
  };
  for (const Case& c : std::vector<Case>{{"malformed", "the answer is not JSON"},
                                         {"badlabel", "label outside the allowed set"},
                                         {"badjson", "the response body is not JSON"},
                                         {"refusal", "refused"}}) {
    SetMode(std::string(R"({"mode":")") + c.mode + "\"}");
    HttpResponse resp = PostOnce(Request("x"));
    ASSERT_EQ(Judge(resp).d, Disposition::kSuccess) << c.mode;
    std::string text;
    EXPECT_EQ(SqlstateOf([&] { ParseChatResponse(resp.body, kLabels); }, &text), "22P02") << c.mode;
    EXPECT_NE(text.find(c.reason), std::string::npos) << c.mode << ": " << text;
    EXPECT_EQ(text.find("NOT-A-LABEL"), std::string::npos) << text;
    EXPECT_EQ(text.find("contract, probably"), std::string::npos) << text;
    EXPECT_EQ(text.find("Bad Gateway"), std::string::npos) << text;
    EXPECT_EQ(text.find("can't help"), std::string::npos) << text;
  }
}

TEST_F(OpenAIServerTest, DropRetries) {
  SetMode(R"({"mode":"drop"})");
  HttpResponse resp = PostOnce(Request("x"));
  EXPECT_EQ(resp.outcome, Outcome::kTransportError);
  Verdict v = Judge(resp);
  EXPECT_EQ(v.d, Disposition::kRetry);
  EXPECT_EQ(v.status, 0);
  EXPECT_NE(v.reason.find("127.0.0.1"), std::string::npos) << v.reason;
}

TEST_F(OpenAIServerTest, HangTimesOut) {
  SetMode(R"({"mode":"hang"})");
  HttpResponse resp = PostOnce(Request("x", "sk-test-K3Y-0001", 300));
  EXPECT_EQ(resp.outcome, Outcome::kTimeout);
  Verdict v = Judge(resp);
  EXPECT_EQ(v.d, Disposition::kRetry);
  EXPECT_EQ(v.reason, "timeout after 300 ms (127.0.0.1)");
}

TEST_F(OpenAIServerTest, CancelDuringHangPropagates) {
  SetMode(R"({"mode":"hang"})");
  auto start = std::chrono::steady_clock::now();
  auto elapsed_ms = [&] {
    return std::chrono::duration<double, std::milli>(std::chrono::steady_clock::now() - start)
        .count();
  };
  CancelCheck cancel = [&] {
    if (elapsed_ms() > 200) throw Cancelled();
  };
  EXPECT_THROW(PostOnce(Request("x"), cancel), Cancelled);
  EXPECT_LT(elapsed_ms(), 5000);  // liveness, not performance
  EXPECT_TRUE(WaitIdle());
}

TEST_F(OpenAIServerTest, KeyNeverInErrors) {
  const std::string key = "sk-test-SECRET-9f8e7d";
  for (const char* mode : {R"({"mode":"error","status":500})", R"({"mode":"error","status":401})",
                           R"({"mode":"ratelimit"})", R"({"mode":"drop"})", R"({"mode":"hang"})",
                           R"({"mode":"malformed"})", R"({"mode":"badlabel"})",
                           R"({"mode":"badjson"})", R"({"mode":"large"})"}) {
    SetMode(mode);
    HttpResponse resp = PostOnce(Request("x", key, 300));
    EXPECT_EQ(resp.error.find("SECRET"), std::string::npos) << mode << ": " << resp.error;
    Verdict v = Judge(resp);
    EXPECT_EQ(v.reason.find("SECRET"), std::string::npos) << mode << ": " << v.reason;
    if (v.d == Disposition::kSuccess) {
      std::string text;
      SqlstateOf([&] { ParseChatResponse(resp.body, kLabels); }, &text);
      EXPECT_EQ(text.find("SECRET"), std::string::npos) << mode << ": " << text;
    }
  }
  json::Value recorded = Requests();
  ASSERT_FALSE(recorded.as_array().empty());
  EXPECT_EQ(recorded.as_array()[0].Find("authorization")->as_string(), "Bearer " + key);
}

TEST_F(OpenAIServerTest, RetryLoopRecovers) {
  SetScript(R"([{"mode":"error","status":502},{"mode":"ratelimit","retry_after":0},"drop"])");
  SetMode(R"({"mode":"ok","label":"medical_record"})");
  CircuitBreaker breaker(5, 1, 10);
  std::optional<ChatAnswer> answer;
  int attempts = 0;
  for (int attempt = 1; attempt <= 6 && !answer; ++attempt) {
    ASSERT_TRUE(breaker.Allow(attempt));
    ++attempts;
    HttpResponse resp = PostOnce(Request("x"));
    Verdict v = Judge(resp);
    if (v.d == Disposition::kSuccess) {
      breaker.RecordSuccess();
      answer = ParseChatResponse(resp.body, kLabels);
      break;
    }
    ASSERT_EQ(v.d, Disposition::kRetry) << v.reason;
    breaker.RecordFailure(attempt);
    double wait = BackoffSeconds(attempt, 0.01, 0.05, v.retry_after_seconds, 0x5555555555555555ull);
    std::this_thread::sleep_for(std::chrono::duration<double>(wait));
  }
  ASSERT_TRUE(answer);
  EXPECT_EQ(answer->label, "medical_record");
  EXPECT_EQ(attempts, 4);
  EXPECT_EQ(Stat("requests"), 4);
  EXPECT_EQ(breaker.state(), State::kClosed);
}

TEST_F(OpenAIServerTest, ConcurrentClassification) {
  SetMode(R"({"mode":"delay","delay_ms":200,"rules":{"invoice":"invoice"}})");
  std::vector<HttpRequest> requests;
  for (int i = 0; i < 16; ++i) requests.push_back(Request(i % 2 ? "an invoice" : "a contract"));
  std::vector<std::optional<ChatAnswer>> answers(requests.size());
  RunHttp(requests, 8,
          [&](size_t i, HttpResponse&& resp) {
            ASSERT_EQ(Judge(resp).d, Disposition::kSuccess) << resp.error;
            answers[i] = ParseChatResponse(resp.body, kLabels);
          },
          {});
  for (size_t i = 0; i < answers.size(); ++i) {
    ASSERT_TRUE(answers[i]) << i;
    EXPECT_EQ(answers[i]->label, i % 2 ? "invoice" : "contract") << i;
  }
  EXPECT_LE(Stat("max_in_flight"), 8);
  EXPECT_EQ(Stat("requests"), 16);
}

}  // namespace
}  // namespace comply::ai
