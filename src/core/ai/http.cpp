// HTTP POSTs over the curl multi interface. Every curl object is owned by RAII so that an
// exception from the cancel callback or on_done unwinds cleanly; curl callbacks never
// throw (they run inside C frames).
#include "core/ai/http.h"

#include <curl/curl.h>
#include <dlfcn.h>
#include <signal.h>

#include <algorithm>
#include <chrono>
#include <cmath>
#include <memory>

#include "core/error.h"

namespace comply::ai {
namespace {

using Clock = std::chrono::steady_clock;

[[noreturn]] void CurlFailure(const std::string& what);

// libcurl, loaded on first use (dlopen) rather than linked: pg_comply is preloaded into
// the postmaster, so a linked libcurl and its six libraries were mapped into every
// backend, and each backend's exit ran their exit code on pages it shares with the
// postmaster (about 28 page faults, 2 ms, a connection on the development machine),
// though only the job worker and sessions calling a provider use it. The functions this
// file calls, by pointer (their prototypes from curl.h).
struct CurlApi {
  decltype(&::curl_global_init) global_init;
  decltype(&::curl_easy_init) easy_init;
  decltype(&::curl_easy_cleanup) easy_cleanup;
  decltype(&::curl_easy_setopt) easy_setopt;
  decltype(&::curl_easy_getinfo) easy_getinfo;
  decltype(&::curl_easy_strerror) easy_strerror;
  decltype(&::curl_free) free;
  decltype(&::curl_getdate) getdate;
  decltype(&::curl_multi_init) multi_init;
  decltype(&::curl_multi_cleanup) multi_cleanup;
  decltype(&::curl_multi_add_handle) multi_add_handle;
  decltype(&::curl_multi_remove_handle) multi_remove_handle;
  decltype(&::curl_multi_info_read) multi_info_read;
  decltype(&::curl_multi_perform) multi_perform;
  decltype(&::curl_multi_poll) multi_poll;
  decltype(&::curl_multi_strerror) multi_strerror;
  decltype(&::curl_slist_append) slist_append;
  decltype(&::curl_slist_free_all) slist_free_all;
  decltype(&::curl_url) url;
  decltype(&::curl_url_cleanup) url_cleanup;
  decltype(&::curl_url_get) url_get;
  decltype(&::curl_url_set) url_set;
};

template <typename F>
void Load(void* lib, const char* name, F* out) {
  void* f = dlsym(lib, name);
  if (!f) CurlFailure(std::string("libcurl has no ") + name);
  *out = reinterpret_cast<F>(f);
}

// Loaded once per process; a failure (libcurl missing) is an error of the call that
// needed it, and the next call tries again.
const CurlApi& Curl() {
  static const CurlApi api = [] {
    void* h = dlopen("libcurl.so.4", RTLD_NOW | RTLD_LOCAL);
    if (!h) {
      const char* why = dlerror();
      CurlFailure(std::string("could not load libcurl.so.4: ") + (why ? why : "unknown error"));
    }
    CurlApi a{};
    Load(h, "curl_global_init", &a.global_init);
    Load(h, "curl_easy_init", &a.easy_init);
    Load(h, "curl_easy_cleanup", &a.easy_cleanup);
    Load(h, "curl_easy_setopt", &a.easy_setopt);
    Load(h, "curl_easy_getinfo", &a.easy_getinfo);
    Load(h, "curl_easy_strerror", &a.easy_strerror);
    Load(h, "curl_free", &a.free);
    Load(h, "curl_getdate", &a.getdate);
    Load(h, "curl_multi_init", &a.multi_init);
    Load(h, "curl_multi_cleanup", &a.multi_cleanup);
    Load(h, "curl_multi_add_handle", &a.multi_add_handle);
    Load(h, "curl_multi_remove_handle", &a.multi_remove_handle);
    Load(h, "curl_multi_info_read", &a.multi_info_read);
    Load(h, "curl_multi_perform", &a.multi_perform);
    Load(h, "curl_multi_poll", &a.multi_poll);
    Load(h, "curl_multi_strerror", &a.multi_strerror);
    Load(h, "curl_slist_append", &a.slist_append);
    Load(h, "curl_slist_free_all", &a.slist_free_all);
    Load(h, "curl_url", &a.url);
    Load(h, "curl_url_cleanup", &a.url_cleanup);
    Load(h, "curl_url_get", &a.url_get);
    Load(h, "curl_url_set", &a.url_set);
    return a;
  }();
  return api;
}

struct EasyDeleter {
  void operator()(CURL* h) const { Curl().easy_cleanup(h); }
};
struct MultiDeleter {
  void operator()(CURLM* h) const { Curl().multi_cleanup(h); }
};
struct SlistDeleter {
  void operator()(curl_slist* l) const { Curl().slist_free_all(l); }
};
struct UrlDeleter {
  void operator()(CURLU* u) const { Curl().url_cleanup(u); }
};
using EasyPtr = std::unique_ptr<CURL, EasyDeleter>;
using MultiPtr = std::unique_ptr<CURLM, MultiDeleter>;
using SlistPtr = std::unique_ptr<curl_slist, SlistDeleter>;
using UrlPtr = std::unique_ptr<CURLU, UrlDeleter>;

[[noreturn]] void CurlFailure(const std::string& what) {
  throw Error(sqlstate::kInternalError, "HTTP client: " + what);
}

// Initialises libcurl once per process. curl_global_init is not thread-safe, but the
// core runs in single-threaded PostgreSQL processes.
void GlobalInit() {
  static const CURLcode rc = Curl().global_init(CURL_GLOBAL_DEFAULT);
  if (rc != CURLE_OK)
    CurlFailure(std::string("curl_global_init failed: ") + Curl().easy_strerror(rc));
}

void Check(CURLcode rc, const char* option) {
  if (rc != CURLE_OK)
    CurlFailure(std::string("libcurl refused ") + option + ": " + Curl().easy_strerror(rc));
}

// Returns the host of url for messages (never the path, query or credentials).
std::string HostOf(const std::string& url) {
  UrlPtr u(Curl().url());
  if (!u) return "unknown host";
  if (Curl().url_set(u.get(), CURLUPART_URL, url.c_str(), 0) != CURLUE_OK) return "an invalid URL";
  char* host = nullptr;
  if (Curl().url_get(u.get(), CURLUPART_HOST, &host, 0) != CURLUE_OK || !host) return "unknown host";
  std::string out(host);
  Curl().free(host);
  return out;
}

std::string_view Trim(std::string_view s) {
  while (!s.empty() && (s.front() == ' ' || s.front() == '\t')) s.remove_prefix(1);
  while (!s.empty() &&
         (s.back() == ' ' || s.back() == '\t' || s.back() == '\r' || s.back() == '\n'))
    s.remove_suffix(1);
  return s;
}

bool StartsWithNoCase(std::string_view s, std::string_view prefix) {
  if (s.size() < prefix.size()) return false;
  for (size_t i = 0; i < prefix.size(); ++i) {
    char a = s[i], b = prefix[i];
    if (a >= 'A' && a <= 'Z') a = static_cast<char>(a - 'A' + 'a');
    if (a != b) return false;
  }
  return true;
}

// One transfer in flight. The destructor detaches the easy handle from the multi handle
// before curl_easy_cleanup (curl's required order); the header list outlives the handle.
struct Transfer {
  size_t index = 0;
  const HttpRequest* request = nullptr;
  std::string host;
  SlistPtr headers;
  EasyPtr easy;
  CURLM* attached = nullptr;
  std::string body;
  std::string retry_after;  // raw header value of the final response
  bool too_large = false;
  Clock::time_point start;

  ~Transfer() {
    if (attached) Curl().multi_remove_handle(attached, easy.get());
  }
};

// CURLOPT_WRITEFUNCTION: appends to the body up to kMaxResponseBytes; returning less
// than given makes curl stop with CURLE_WRITE_ERROR.
size_t OnBody(char* data, size_t size, size_t nmemb, void* user) {
  auto* t = static_cast<Transfer*>(user);
  size_t n = size * nmemb;
  if (t->body.size() + n > kMaxResponseBytes) {
    t->too_large = true;
    return 0;
  }
  try {
    t->body.append(data, n);
  } catch (...) {
    return 0;
  }
  return n;
}

// CURLOPT_HEADERFUNCTION: keeps the Retry-After value of the last response (a status
// line starts a new response, e.g. after "100 Continue").
size_t OnHeader(char* data, size_t size, size_t nmemb, void* user) {
  auto* t = static_cast<Transfer*>(user);
  size_t n = size * nmemb;
  std::string_view line(data, n);
  try {
    if (line.substr(0, 5) == "HTTP/") {
      t->retry_after.clear();
    } else if (StartsWithNoCase(line, "retry-after:")) {
      t->retry_after = std::string(Trim(line.substr(12)));
    }
  } catch (...) {
    return 0;
  }
  return n;
}

// Creates the easy handle for request and adds it to multi.
std::unique_ptr<Transfer> Start(CURLM* multi, const HttpRequest& request, size_t index) {
  auto t = std::make_unique<Transfer>();
  t->index = index;
  t->request = &request;
  t->host = HostOf(request.url);
  t->easy.reset(Curl().easy_init());
  if (!t->easy) CurlFailure("curl_easy_init failed");
  for (const std::string& h : request.headers) {
    curl_slist* l = Curl().slist_append(t->headers.get(), h.c_str());
    if (!l) CurlFailure("out of memory for header list");
    t->headers.release();
    t->headers.reset(l);
  }
  curl_slist* l = Curl().slist_append(t->headers.get(), "Expect:");
  if (!l) CurlFailure("out of memory for header list");
  t->headers.release();
  t->headers.reset(l);

  CURL* h = t->easy.get();
  Check(Curl().easy_setopt(h, CURLOPT_URL, request.url.c_str()), "CURLOPT_URL");
#if LIBCURL_VERSION_NUM >= 0x075500  // 7.85.0: protocol lists as strings
  Check(Curl().easy_setopt(h, CURLOPT_PROTOCOLS_STR, "http,https"), "CURLOPT_PROTOCOLS_STR");
  Check(Curl().easy_setopt(h, CURLOPT_REDIR_PROTOCOLS_STR, "http,https"),
        "CURLOPT_REDIR_PROTOCOLS_STR");
#else
  Check(Curl().easy_setopt(h, CURLOPT_PROTOCOLS, long{CURLPROTO_HTTP | CURLPROTO_HTTPS}),
        "CURLOPT_PROTOCOLS");
  Check(Curl().easy_setopt(h, CURLOPT_REDIR_PROTOCOLS, long{CURLPROTO_HTTP | CURLPROTO_HTTPS}),
        "CURLOPT_REDIR_PROTOCOLS");
#endif
  Check(Curl().easy_setopt(h, CURLOPT_FOLLOWLOCATION, 0L), "CURLOPT_FOLLOWLOCATION");
  // No proxy, whatever the server's environment says (http_proxy, https_proxy,
  // ALL_PROXY): text goes only where comply.ai_endpoint, which only a superuser sets,
  // says, and the interaction log names that host.
  Check(Curl().easy_setopt(h, CURLOPT_PROXY, ""), "CURLOPT_PROXY");
  Check(Curl().easy_setopt(h, CURLOPT_SSL_VERIFYPEER, 1L), "CURLOPT_SSL_VERIFYPEER");
  Check(Curl().easy_setopt(h, CURLOPT_SSL_VERIFYHOST, 2L), "CURLOPT_SSL_VERIFYHOST");
  Check(Curl().easy_setopt(h, CURLOPT_PROXY_SSL_VERIFYPEER, 1L), "CURLOPT_PROXY_SSL_VERIFYPEER");
  Check(Curl().easy_setopt(h, CURLOPT_PROXY_SSL_VERIFYHOST, 2L), "CURLOPT_PROXY_SSL_VERIFYHOST");
  Check(Curl().easy_setopt(h, CURLOPT_NOSIGNAL, 1L), "CURLOPT_NOSIGNAL");
  Check(Curl().easy_setopt(h, CURLOPT_POST, 1L), "CURLOPT_POST");
  Check(Curl().easy_setopt(h, CURLOPT_POSTFIELDS, request.body.data()), "CURLOPT_POSTFIELDS");
  Check(Curl().easy_setopt(h, CURLOPT_POSTFIELDSIZE_LARGE,
                         static_cast<curl_off_t>(request.body.size())),
        "CURLOPT_POSTFIELDSIZE_LARGE");
  Check(Curl().easy_setopt(h, CURLOPT_HTTPHEADER, t->headers.get()), "CURLOPT_HTTPHEADER");
  Check(Curl().easy_setopt(h, CURLOPT_TIMEOUT_MS, std::max(1L, request.timeout_ms)),
        "CURLOPT_TIMEOUT_MS");
  Check(Curl().easy_setopt(h, CURLOPT_CONNECTTIMEOUT_MS, std::max(1L, request.connect_timeout_ms)),
        "CURLOPT_CONNECTTIMEOUT_MS");
  Check(Curl().easy_setopt(h, CURLOPT_MAXFILESIZE_LARGE, static_cast<curl_off_t>(kMaxResponseBytes)),
        "CURLOPT_MAXFILESIZE_LARGE");
  Check(Curl().easy_setopt(h, CURLOPT_ACCEPT_ENCODING, ""), "CURLOPT_ACCEPT_ENCODING");
  Check(Curl().easy_setopt(h, CURLOPT_USERAGENT, "pg_comply"), "CURLOPT_USERAGENT");
  Check(Curl().easy_setopt(h, CURLOPT_WRITEFUNCTION, &OnBody), "CURLOPT_WRITEFUNCTION");
  Check(Curl().easy_setopt(h, CURLOPT_WRITEDATA, t.get()), "CURLOPT_WRITEDATA");
  Check(Curl().easy_setopt(h, CURLOPT_HEADERFUNCTION, &OnHeader), "CURLOPT_HEADERFUNCTION");
  Check(Curl().easy_setopt(h, CURLOPT_HEADERDATA, t.get()), "CURLOPT_HEADERDATA");

  t->start = Clock::now();
  CURLMcode mc = Curl().multi_add_handle(multi, h);
  if (mc != CURLM_OK) CurlFailure(std::string("curl_multi_add_handle: ") + Curl().multi_strerror(mc));
  t->attached = multi;
  return t;
}

// Builds the response of a finished transfer from curl's result code.
HttpResponse Finish(Transfer& t, CURLcode result) {
  HttpResponse r;
  r.elapsed_ms = std::chrono::duration<double, std::milli>(Clock::now() - t.start).count();
  CURL* h = t.easy.get();
  std::string code =
      "curl error " + std::to_string(static_cast<int>(result)) + ": " + Curl().easy_strerror(result);
  switch (result) {
    case CURLE_OK: {
      r.outcome = HttpResponse::Outcome::kResponse;
      Curl().easy_getinfo(h, CURLINFO_RESPONSE_CODE, &r.status);
      char* type = nullptr;
      if (Curl().easy_getinfo(h, CURLINFO_CONTENT_TYPE, &type) == CURLE_OK && type)
        r.content_type = type;
      r.body = std::move(t.body);
      if (!t.retry_after.empty())
        r.retry_after_seconds = ParseRetryAfter(t.retry_after, std::time(nullptr));
      return r;
    }
    case CURLE_OPERATION_TIMEDOUT: {
      r.outcome = HttpResponse::Outcome::kTimeout;
      curl_off_t connect_us = 0;
      Curl().easy_getinfo(h, CURLINFO_CONNECT_TIME_T, &connect_us);
      const HttpRequest& q = *t.request;
      if (connect_us == 0) {
        long limit = std::min(std::max(1L, q.connect_timeout_ms), std::max(1L, q.timeout_ms));
        r.error = "timeout after " + std::to_string(limit) + " ms connecting to " + t.host;
      } else {
        r.error =
            "timeout after " + std::to_string(std::max(1L, q.timeout_ms)) + " ms (" + t.host + ")";
      }
      return r;
    }
    case CURLE_COULDNT_RESOLVE_HOST:
    case CURLE_COULDNT_RESOLVE_PROXY:
    case CURLE_COULDNT_CONNECT:
      r.outcome = HttpResponse::Outcome::kConnectFailed;
      r.error = "could not connect to " + t.host + " (" + code + ")";
      return r;
    default:
      r.outcome = HttpResponse::Outcome::kTransportError;
      if (t.too_large || result == CURLE_FILESIZE_EXCEEDED) {
        // The status line did arrive: a caller that needs no body (a webhook) may go by it.
        Curl().easy_getinfo(h, CURLINFO_RESPONSE_CODE, &r.status);
        r.error = "response too large (over " + std::to_string(kMaxResponseBytes) +
                  " bytes) from " + t.host;
      } else {
        r.error = code + " (" + t.host + ")";
      }
      return r;
  }
}

}  // namespace

std::optional<double> ParseRetryAfter(std::string_view value, std::time_t now) {
  value = Trim(value);
  if (value.empty()) return std::nullopt;
  if (std::all_of(value.begin(), value.end(), [](char c) { return c >= '0' && c <= '9'; })) {
    double seconds = 0;
    for (char c : value) seconds = seconds * 10 + (c - '0');
    return seconds;
  }
  std::string date(value);
  std::time_t when = Curl().getdate(date.c_str(), nullptr);
  if (when == -1) return std::nullopt;
  return when > now ? static_cast<double>(when - now) : 0.0;
}

namespace {

// Blocks every signal in this thread for its lifetime, restoring the mask after.
// libcurl's threaded resolver starts a thread inside the transfer calls; a thread
// inherits the mask of its creator, and a host process's signal handlers (a database
// server's) must only ever run in its own thread.
class SignalsBlocked {
 public:
  SignalsBlocked() {
    sigset_t all;
    sigfillset(&all);
    pthread_sigmask(SIG_BLOCK, &all, &saved_);
  }
  ~SignalsBlocked() { pthread_sigmask(SIG_SETMASK, &saved_, nullptr); }
  SignalsBlocked(const SignalsBlocked&) = delete;
  SignalsBlocked& operator=(const SignalsBlocked&) = delete;

 private:
  sigset_t saved_;
};

}  // namespace

void RunHttp(const std::vector<HttpRequest>& requests, int concurrency,
             const std::function<void(size_t, HttpResponse&&)>& on_done,
             const CancelCheck& cancel, const std::function<bool(size_t)>& may_start) {
  GlobalInit();
  MultiPtr multi(Curl().multi_init());
  if (!multi) CurlFailure("curl_multi_init failed");
  // Declared after multi so transfers are detached before the multi handle goes.
  std::vector<std::unique_ptr<Transfer>> active;
  const size_t limit = static_cast<size_t>(std::max(1, concurrency));
  size_t next = 0;
  for (;;) {
    PollCancel(cancel);
    while (active.size() < limit && next < requests.size()) {
      if (!may_start || may_start(next)) active.push_back(Start(multi.get(), requests[next], next));
      ++next;
    }
    if (active.empty()) return;

    int running = 0;
    CURLMcode mc;
    {
      SignalsBlocked blocked;  // resolver threads start here
      mc = Curl().multi_perform(multi.get(), &running);
    }
    if (mc != CURLM_OK) CurlFailure(std::string("curl_multi_perform: ") + Curl().multi_strerror(mc));
    int queued = 0;
    bool finished_any = false;
    while (CURLMsg* msg = Curl().multi_info_read(multi.get(), &queued)) {
      if (msg->msg != CURLMSG_DONE) continue;
      CURL* easy = msg->easy_handle;
      CURLcode result = msg->data.result;
      auto it = std::find_if(active.begin(), active.end(),
                             [easy](const auto& t) { return t->easy.get() == easy; });
      if (it == active.end()) continue;
      std::unique_ptr<Transfer> done = std::move(*it);
      active.erase(it);
      HttpResponse response = Finish(*done, result);
      size_t index = done->index;
      done.reset();  // detach and free before the callback, so its slot can be reused
      finished_any = true;
      on_done(index, std::move(response));
    }
    // A freed slot is filled at once; otherwise wait for activity, cancel-bounded.
    if (finished_any) continue;
    mc = Curl().multi_poll(multi.get(), nullptr, 0, kCancelPollMs, nullptr);
    if (mc != CURLM_OK) CurlFailure(std::string("curl_multi_poll: ") + Curl().multi_strerror(mc));
  }
}

}  // namespace comply::ai
