// Definitions of the comply.* settings.
#include "pg/guc.h"

#include <algorithm>
#include <iterator>
#include <optional>
#include <climits>
#include <cstdio>
#include <cstring>
#include <string>
#include <string_view>
#include <vector>

#include "core/error.h"
#include "core/ledger/ledger.h"
#include "pg/classify.h"
#include "pg/pii.h"
#include "pg/protect.h"
#include "pg/validate.h"

extern "C" {
#include "utils/elog.h"
#include "utils/guc.h"
}

namespace comply::pg {

// Bounds of comply.max_input_bytes: below 1 kB nothing useful fits; 1 GB is the largest
// value PostgreSQL can store.
constexpr int kMinInputBytes = 1024;
constexpr int kMaxInputBytes = 1024 * 1024 * 1024 - 1;

// Bounds of comply.seal_interval (ms) and comply.seal_batch (entries).
constexpr int kMinSealIntervalMs = 10;
constexpr int kMaxSealIntervalMs = 3600 * 1000;
constexpr int kMinSealBatch = 1;
constexpr int kMaxSealBatch = 1000000;

int max_input_bytes = 64 * 1024 * 1024;
char* ledger_signing_key_file = nullptr;
char* ledger_trusted_keys = nullptr;
bool allow_ledger_drop = false;
int seal_interval = 1000;
int seal_batch = 10000;
int ledger_retention = 2557 * 24 * 3600;  // seven years
bool ledger_worker = true;
char* hmac_key_file = nullptr;
char* ai_provider = nullptr;
char* ai_model = nullptr;
char* ai_endpoint = nullptr;
char* ai_api_key_file = nullptr;
int ai_timeout = 30000;
int ai_concurrency = 8;
int ai_max_attempts = 5;
int ai_retry_base = 1000;
int ai_retry_max = 300000;
int ai_breaker_threshold = 5;
int ai_breaker_cooldown = 30000;
bool ai_worker = true;
double review_threshold = 0.85;
int review_claim_timeout = 15 * 60;
bool review_four_eyes = false;
int review_sla = 24 * 3600;
char* alert_webhook_url = nullptr;
int drift_interval = 300;
int ai_retention = 0;

// Raw keys of a comply.ledger_trusted_keys value: 64 hex digits each, separated by
// commas or blanks; false if a token is not such a key.
bool ParseTrustedKeys(const std::string& text, std::vector<std::string>* keys) {
  keys->clear();
  size_t i = 0;
  while (i < text.size()) {
    const size_t end = text.find_first_of(", \t\n\r", i);
    const std::string_view token =
        std::string_view(text).substr(i, end == std::string::npos ? std::string::npos : end - i);
    if (!token.empty()) {
      std::optional<std::string> raw = ledger::FromHex(token);
      if (!raw || raw->size() != 32) return false;
      keys->push_back(std::move(*raw));
    }
    if (end == std::string::npos) break;
    i = end + 1;
  }
  return true;
}

namespace {

// comply.ledger_trusted_keys: 64 hex digits a key, separated by commas or blanks.
bool CheckTrustedKeys(char** newval, void**, GucSource) {
  bool ok = false;
  try {  // no exception may reach PostgreSQL
    std::vector<std::string> keys;
    ok = ParseTrustedKeys(*newval ? *newval : "", &keys);
  } catch (...) {
  }
  if (ok) return true;
  GUC_check_errdetail("Each key is 64 hexadecimal digits (a raw Ed25519 public key), separated by commas or spaces.");
  return false;
}

// comply.ai_endpoint and comply.alert_webhook_url: empty, or an http or https URL with
// a host (libcurl is limited to those two schemes; anything else would only fail at
// the first request, in the worker). The refusal does not repeat the value, as
// PostgreSQL's own message would: a webhook URL carries its token in its path, an
// endpoint may carry credentials, and the message reaches the server log.
bool CheckHttpUrl(const char* name, char** newval) {
  const char* v = *newval ? *newval : "";
  if (*v == '\0') return true;
  const char* rest = nullptr;
  // (The scheme in any case, as URLs allow and libcurl takes: "HTTPS://" was refused.)
  if (pg_strncasecmp(v, "https://", 8) == 0) rest = v + 8;
  else if (pg_strncasecmp(v, "http://", 7) == 0) rest = v + 7;
  bool ok = rest != nullptr && *rest != '\0' && *rest != '/' && *rest != ':';
  for (const char* c = v; ok && *c; ++c)
    if (*c == ' ' || *c == '\t' || *c == '\n' || *c == '\r') ok = false;
  if (ok) {
    // The authority: a user part up to an "@" before the path, then a host of a host's
    // characters (or an IPv6 literal in brackets) and an optional port, then the end or
    // the path, query or fragment. Anything else there ("\\", ";", "%2f" after the host)
    // is no URL libcurl takes, and the log's reload line and check_server's evidence,
    // which cut the value after its host, would have kept what followed (a token).
    const char* authority_end = rest + strcspn(rest, "/?#");
    const char* at = nullptr;
    for (const char* c = rest; c < authority_end; ++c)
      if (*c == '@') at = c;
    const char* h = at != nullptr ? at + 1 : rest;
    if (*h == '[') {
      const char* close = static_cast<const char*>(memchr(h, ']', static_cast<size_t>(authority_end - h)));
      ok = close != nullptr && close > h + 1;
      h = ok ? close + 1 : h;
    } else {
      const char* host = h;
      while (h < authority_end && (isalnum(static_cast<unsigned char>(*h)) || *h == '.' || *h == '-' ||
                                   *h == '_' || static_cast<unsigned char>(*h) >= 0x80))
        ++h;
      ok = h > host;
    }
    if (ok && h < authority_end && *h == ':') {
      ++h;
      while (h < authority_end && isdigit(static_cast<unsigned char>(*h))) ++h;
    }
    ok = ok && h == authority_end;
  }
  if (ok) return true;
  GUC_check_errmsg("invalid value for parameter \"%s\"", name);
  GUC_check_errdetail("The value must be an http:// or https:// URL with a host, such as https://api.openai.com/v1.");
  return false;
}

bool CheckEndpoint(char** newval, void**, GucSource) {
  return CheckHttpUrl("comply.ai_endpoint", newval);
}

bool CheckWebhook(char** newval, void**, GucSource) {
  return CheckHttpUrl("comply.alert_webhook_url", newval);
}

// comply.ai_model is empty or has the form of a model's name. Whether a model of that
// name exists only comply.models (for builtin) or the provider can tell, and a check hook
// runs where no catalog can be read (at the postmaster's start, from postgresql.conf);
// which provider the name is for is comply.ai_provider's, which may be set after it. So
// the form either provider takes: an openai model's name (IsOpenAiModelName: a letter or
// '_', then letters, digits, '_', '.', ':', '-' or '/', at most 128 bytes, nothing the
// PII detector finds but a date), of which a builtin model's name is one; and not with
// the provider's prefix that classify's model argument takes ("openai:gpt-4o"), which
// would be sent to the provider, or looked up among builtin models, as it is. The
// personal data check is the built-in recognizers' (the same answer in the postmaster and
// in a session that has loaded its database's custom recognizers, or not). A refused
// value is never shown: a setting's value goes into the server log, and at the server's
// start no check for personal data in a shown name is set up yet.
bool CheckModel(char** newval, void**, GucSource) {
  const char* v = *newval ? *newval : "";
  if (*v == '\0') return true;
  const char* provider = nullptr;  // the prefix the value begins with, if any
  const size_t size = strlen(v);
  // (The C++ part first, its objects gone before GUC_check_errmsg, which may raise.)
  try {
    const std::string_view s(v);
    if (s.rfind("openai:", 0) == 0)
      provider = "openai";
    else if (s.rfind("builtin:", 0) == 0)
      provider = "builtin";
    else if (HasOpenAiModelNameForm(s) && !BuiltinFindsPersonalDataBesidesDates(s))
      return true;
  } catch (...) {
  }
  if (provider != nullptr) {
    GUC_check_errmsg("comply.ai_model takes a model's name without its provider's prefix");
    GUC_check_errdetail(
        "The value begins with \"%s:\", the prefix that the model argument of comply.classify "
        "takes.",
        provider);
    GUC_check_errhint(
        "Set comply.ai_provider to \"%s\" and comply.ai_model to the model's name alone.",
        provider);
    return false;
  }
  GUC_check_errmsg(
      "invalid value for parameter \"comply.ai_model\": a value of %zu bytes that is not a "
      "model's name (not shown)",
      size);
  GUC_check_errdetail(
      "A model name starts with a letter or underscore, then letters, digits, "
      "'_', '.', ':', '-' or '/', at most %d bytes, and holds no personal data.",
      static_cast<int>(kMaxOpenAiModelName));
  return false;
}

// comply.ai_provider is one of the providers pg_comply has.
bool CheckProvider(char** newval, void**, GucSource) {
  if (strcmp(*newval, "builtin") == 0 || strcmp(*newval, "openai") == 0) return true;
  GUC_check_errdetail("Valid providers are \"builtin\" and \"openai\".");
  return false;
}

// The server log's "parameter ... changed to ..." after a reload shows a setting's new
// value, and a webhook's path is often its token (an AI endpoint's may be too): for
// those two settings, the value's user name, path and query are cut from the message
// in place (scheme and host stay, as in the posture reports, and "/..." for the rest).
// The message is found by its untranslated format; in it, the value runs from the
// setting's name to what the (translated) format has after its last %s: the closing
// quote, ASCII or not ("..." in English, a German translation's >>...<< in guillemets).
emit_log_hook_type prev_emit_log_hook = nullptr;

// A message of a transaction that wrote to a protected table: its statement, the row a
// COPY context quotes and the bind parameters a portal's context lists hold the values
// as the client sent them, before the policy ran (a cancel while the trigger redacted a
// long line, a unique violation of the redacted row; below errors, a lock wait that
// log_lock_waits reports while a COPY line waits for a row lock, a plan auto_explain logs
// of a query the trigger runs). The statement is kept out of the server log, and the
// quoted data out of the context ("COPY t, line 2: \"...\"" becomes "COPY t, line 2";
// the client sees the same, when the message reaches the server log at all). The protect
// trigger's own errors hide both already.
//
// The context lines are recognised by their formats, in English and as lc_messages
// translates them (German "SQL-Anweisung \u00bb...\u00ab", Japanese "%s\u306eCOPY..."):
// a line of such a format is cut before the quoted value, the format's last argument.

// The formats of PostgreSQL's context lines that quote data (copyfrom.c, spi.c, the
// JSON parser's), and the argument where the data begins.
struct QuotingContext {
  const char* format;
  int data_arg;
};
constexpr QuotingContext kQuotingContexts[] = {
    {"COPY %s, line %llu, column %s: \"%s\"", 4},
    {"COPY %s, line %llu: \"%s\"", 3},
    {"SQL statement \"%s\"", 1},
    {"JSON data, line %d: %s%s%s", 2},
    // params.c and postgres.c: an extended-protocol statement's parameters, shown when
    // log_parameter_max_length_on_error is not 0 (a setting any role may change).
    {"portal \"%s\" with parameters: %s", 2},
    {"unnamed portal with parameters: %s", 1},
    {"portal \"%s\" parameter $%d = %s", 3},
    {"unnamed portal parameter $%d = %s", 2},
};

// A conversion of a printf format at f[0] == '%': its length, and its argument's
// position (1-based; *next is the position of an unnumbered one, advanced).
size_t Conversion(const char* f, int* next, int* arg) {
  size_t i = 1;
  int n = 0;
  while (f[i] >= '0' && f[i] <= '9') n = n * 10 + (f[i++] - '0');
  if (f[i] == '$' && n > 0) {
    ++i;
    *arg = n;
  } else {
    i = 1;
    *arg = (*next)++;
  }
  while (f[i] != '\0' && strchr("lhzjt", f[i]) != nullptr) ++i;
  if (f[i] != '\0') ++i;
  return i;
}

// The length of line's part before argument data_arg of fmt, or -1 when line is not of
// that format. The format's literal parts are looked for in order, each at its first
// place after the one before (the first at the start): a name holding one of them
// moves the cut earlier, never past the data.
long ValueCut(std::string_view line, const char* fmt, int data_arg) {
  size_t pos = 0;
  int next = 1;
  bool first = true;
  for (const char* f = fmt;;) {
    const char* conv = strchr(f, '%');
    while (conv != nullptr && conv[1] == '%') conv = strchr(conv + 2, '%');
    if (conv == nullptr) return -1;
    const std::string_view literal(f, static_cast<size_t>(conv - f));
    size_t at = pos;
    if (first) {
      if (line.substr(0, literal.size()) != literal) return -1;
    } else if (!literal.empty()) {
      at = line.find(literal, pos);
      if (at == std::string_view::npos) return -1;
    }
    int arg = 0;
    const size_t len = Conversion(conv, &next, &arg);
    if (arg == data_arg) return static_cast<long>(first ? literal.size() : at);
    pos = at + literal.size();
    first = false;
    f = conv + len;
  }
}

// line[0, keep) without the spaces, colons and quotation marks it ends with.
size_t TrimQuoteTail(const char* line, size_t keep) {
  static const char* const kQuotes[] = {"\u00bb", "\u00ab", "\u201e", "\u201c", "\u201d",
                                        "\u2018", "\u2019", "\u300c", "\u300e", "\uff1a"};
  while (keep > 0) {
    const char c = line[keep - 1];
    if (c == ' ' || c == ':' || c == '"' || c == '\'') {
      --keep;
      continue;
    }
    bool cut = false;
    for (const char* q : kQuotes) {
      const size_t n = strlen(q);
      if (keep >= n && memcmp(line + keep - n, q, n) == 0) {
        keep -= n;
        cut = true;
        break;
      }
    }
    if (!cut) break;
  }
  return keep;
}

// A data exception's message and detail quote the value an input function refused
// ("invalid input syntax for type integer: \"...\"", the JSON parser's "Token \"...\" is
// invalid."): each value quoted reads "..." (of any length: fewer dots would give a short
// value's length away). Where the text's format is known (the message's, by its
// message_id; the JSON parser's details, below), the text is matched with it, so that a
// value holding quotation marks itself (an array literal, {"a","b"}) is masked whole and
// the format's own quoted words (the JSON grammar's "," and "}") stay. Any other text is
// masked from its first opening quotation mark to its last closing one.

// The JSON parser's details (src/common/jsonapi.c), which its errors give as "%s".
constexpr const char* kJsonDetails[] = {
    "Escape sequence \"\\%s\" is invalid.",
    "Expected array element or \"]\", but found \"%s\".",
    "Expected \",\" or \"]\", but found \"%s\".",
    "Expected \":\", but found \"%s\".",
    "Expected JSON value, but found \"%s\".",
    "Expected string or \"}\", but found \"%s\".",
    "Expected \",\" or \"}\", but found \"%s\".",
    "Expected string, but found \"%s\".",
    "Token \"%s\" is invalid.",
};

// Quotation marks that may open a quoted value in a format (ASCII, and as translations
// write them).
constexpr const char* kOpenQuotes[] = {"\"", "'", "\u00bb", "\u00ab", "\u201e", "\u201c",
                                       "\u2018", "\u201a", "\u300c", "\u300e"};
constexpr const char* kCloseQuotes[] = {"\"", "'", "\u00ab", "\u00bb", "\u201c", "\u201d",
                                        "\u2019", "\u2018", "\u300d", "\u300f"};

// Whether literal (a format's text before a conversion) ends with an opening quotation
// mark, possibly followed by a backslash ("\"\\%s\"").
bool EndsWithQuote(std::string_view literal) {
  if (!literal.empty() && literal.back() == '\\') literal.remove_suffix(1);
  for (const char* q : kOpenQuotes) {
    const size_t n = strlen(q);
    if (literal.size() >= n && literal.substr(literal.size() - n) == q) return true;
  }
  return false;
}

// A format cut into its literal parts and conversions: literal[0] conv literal[1] ...
struct FormatParts {
  static constexpr int kMax = 8;
  std::string_view literal[kMax + 1];
  bool quoted[kMax] = {};  // the conversion is enclosed in quotation marks
  int convs = 0;
};

// Splits fmt; false for a format of more than kMax conversions.
bool SplitFormat(const char* fmt, FormatParts* parts) {
  const char* f = fmt;
  int next = 1;
  while (true) {
    const char* conv = strchr(f, '%');
    while (conv != nullptr && conv[1] == '%') conv = strchr(conv + 2, '%');
    if (conv == nullptr) {
      parts->literal[parts->convs] = std::string_view(f);
      return true;
    }
    if (parts->convs == FormatParts::kMax) return false;
    const std::string_view literal(f, static_cast<size_t>(conv - f));
    parts->literal[parts->convs] = literal;
    parts->quoted[parts->convs] = EndsWithQuote(literal);
    int arg = 0;
    f = conv + Conversion(conv, &next, &arg);
    ++parts->convs;
  }
}

// Appends text to out (a buffer large enough), returning the new end.
char* Put(char* out, std::string_view text) {
  memcpy(out, text.data(), text.size());
  return out + text.size();
}

// Writes text, of format fmt, to out with its quoted conversions "...": false (out
// unspecified) when text is not of that format or the format quotes no conversion. A
// quoted value runs to the last place the next literal part leaves room for (masking more
// rather than less), an unquoted one (a type's name) to the first.
bool MaskByFormat(std::string_view text, const char* fmt, char* out) {
  FormatParts parts;
  if (!SplitFormat(fmt, &parts) || parts.convs == 0) return false;
  bool any_quoted = false;
  for (int i = 0; i < parts.convs; ++i) any_quoted |= parts.quoted[i];
  if (!any_quoted) return false;
  // Literal parts may include "%%", which the text holds as "%": such formats are not
  // matched (none of those quoting values has one).
  for (int i = 0; i <= parts.convs; ++i)
    if (parts.literal[i].find('%') != std::string_view::npos) return false;
  if (text.substr(0, parts.literal[0].size()) != parts.literal[0]) return false;
  size_t pos = parts.literal[0].size();
  out = Put(out, parts.literal[0]);
  for (int i = 0; i < parts.convs; ++i) {
    const std::string_view next = parts.literal[i + 1];
    size_t rest = 0;  // the literal text after next, which the value cannot run into
    for (int j = i + 2; j <= parts.convs; ++j) rest += parts.literal[j].size();
    size_t at;
    if (i + 1 == parts.convs) {
      if (text.size() < pos + next.size() || text.substr(text.size() - next.size()) != next)
        return false;
      at = text.size() - next.size();
    } else if (next.empty()) {
      return false;  // two conversions side by side: no way to tell where one ends
    } else if (parts.quoted[i]) {
      if (text.size() < pos + next.size() + rest) return false;
      at = text.substr(0, text.size() - rest).rfind(next);
      if (at == std::string_view::npos || at < pos) return false;
    } else {
      at = text.find(next, pos);
      if (at == std::string_view::npos) return false;
    }
    out = parts.quoted[i] ? Put(out, "...") : Put(out, text.substr(pos, at - pos));
    out = Put(out, next);
    pos = at + next.size();
  }
  *out = '\0';
  return true;
}

// Masks from the first opening quotation mark of text to its last closing one: what
// lies between reads "...".
bool MaskFirstToLast(std::string_view text, char* out) {
  size_t open = std::string_view::npos, open_len = 0;
  for (const char* q : kOpenQuotes) {
    const size_t at = text.find(q);
    if (at != std::string_view::npos && (open == std::string_view::npos || at < open)) {
      open = at;
      open_len = strlen(q);
    }
  }
  if (open == std::string_view::npos) return false;
  size_t close = std::string_view::npos;
  for (const char* q : kCloseQuotes) {
    const size_t at = text.rfind(q);
    if (at != std::string_view::npos && at >= open + open_len &&
        (close == std::string_view::npos || at > close))
      close = at;
  }
  if (close == std::string_view::npos) return false;
  out = Put(out, text.substr(0, open + open_len));
  out = Put(out, "...");
  out = Put(out, text.substr(close));
  *out = '\0';
  return true;
}

// The masked copy of text (a message or detail; formats: what it may be built from,
// translated, nullptr-terminated), palloc'd in the current (error) context, or text
// itself when it quotes nothing.
char* MaskQuoted(char* text, const char* const* formats) {
  if (text == nullptr) return text;
  const std::string_view view(text);
  // A value shorter than "..." grows: room for each of its quoted parts. (No error may
  // be raised here, inside the report of another: without the memory, the text is cut
  // at its first quotation mark instead.)
  char* out = static_cast<char*>(MemoryContextAllocExtended(
      CurrentMemoryContext, view.size() + 3 * FormatParts::kMax + 4, MCXT_ALLOC_NO_OOM));
  if (out == nullptr) {
    size_t cut = view.size();
    for (const char* q : kOpenQuotes) cut = std::min(cut, view.find(q));
    if (cut < view.size()) text[cut] = '\0';
    return text;
  }
  for (const char* const* f = formats; f != nullptr && *f != nullptr; ++f)
    if (MaskByFormat(view, *f, out)) return out;
  if (MaskFirstToLast(view, out)) return out;
  pfree(out);
  return text;
}

// mask_values: also the quoted values of a data exception's message and detail (after a
// protected write; not for a validation function's own error, whose message quotes
// the schema, never the document).
void HideProtectedRow(ErrorData* edata, bool mask_values) {
  edata->hide_stmt = true;
  // A deadlock's log-only detail quotes every waiting process's statement, another
  // session's too.
  if (edata->detail_log != nullptr && edata->sqlerrcode == ERRCODE_T_R_DEADLOCK_DETECTED)
    edata->detail_log = nullptr;
  // PL/pgSQL's EXECUTE and SPI's errors carry the statement they ran (the "QUERY:" line,
  // and the client's "LINE 1:" made from it), with its literals.
  edata->internalquery = nullptr;
  edata->internalpos = 0;
  if (mask_values && ERRCODE_TO_CATEGORY(edata->sqlerrcode) == ERRCODE_DATA_EXCEPTION) {
    const char* domain = edata->domain != nullptr ? edata->domain : "postgres-" PG_MAJORVERSION;
    const char* message_formats[3] = {};
    if (edata->message_id != nullptr) {
      message_formats[0] = dgettext(domain, edata->message_id);
      if (strcmp(message_formats[0], edata->message_id) != 0) message_formats[1] = edata->message_id;
    }
    edata->message = MaskQuoted(edata->message, message_formats);
    // The JSON parser's details, as written and as translated.
    const char* detail_formats[2 * std::size(kJsonDetails) + 1] = {};
    size_t n = 0;
    for (const char* f : kJsonDetails) {
      detail_formats[n++] = f;
      const char* translated = dgettext("postgres-" PG_MAJORVERSION, f);
      if (strcmp(translated, f) != 0) detail_formats[n++] = translated;
    }
    edata->detail = MaskQuoted(edata->detail, detail_formats);
    edata->detail_log = MaskQuoted(edata->detail_log, detail_formats);
  }
  if (edata->context == nullptr) return;
  // Each format as written and as translated (the same string when not translated).
  QuotingContext formats[2 * std::size(kQuotingContexts)];
  size_t nformats = 0;
  for (const QuotingContext& c : kQuotingContexts) {
    formats[nformats++] = c;
    const char* translated = dgettext("postgres-" PG_MAJORVERSION, c.format);
    if (translated != nullptr && strcmp(translated, c.format) != 0)
      formats[nformats++] = QuotingContext{translated, c.data_arg};
  }
  char* out = edata->context;
  for (const char* line = edata->context; *line != '\0';) {
    const char* end = strchr(line, '\n');
    const size_t len = end != nullptr ? static_cast<size_t>(end - line) : strlen(line);
    size_t keep = len;
    for (size_t i = 0; i < nformats; ++i) {
      const long cut = ValueCut(std::string_view(line, len), formats[i].format, formats[i].data_arg);
      if (cut >= 0) keep = std::min(keep, TrimQuoteTail(line, static_cast<size_t>(cut)));
    }
    memmove(out, line, keep);
    out += keep;
    if (end == nullptr) break;
    *out++ = '\n';
    line = end + 1;
  }
  *out = '\0';
}

// Whether edata is a node dump of debug_print_parse, debug_print_rewritten or
// debug_print_plan (elog_node_display: errmsg_internal("%s:", title), the dump its
// detail): any role may SET them (their context is user, which no grant takes away),
// and the dump quotes the statement's constants as their bytes, a protected table's
// values in clear among them.
bool IsNodeDump(const ErrorData* edata) {
  if (edata->elevel != LOG || edata->detail == nullptr || edata->message_id == nullptr ||
      edata->message == nullptr || strcmp(edata->message_id, "%s:") != 0)
    return false;
  for (const char* title : {"parse tree:", "rewritten parse tree:", "plan:", "raw parse tree:"})
    if (strcmp(edata->message, title) == 0) return true;
  return false;
}

void HideUrlPaths(ErrorData* edata) {
  // A node dump's record is kept (it tells that the setting is on), its dump removed.
  if (IsNodeDump(edata)) {
    edata->detail = nullptr;  // (ErrorContext's memory, released with it)
    if (edata->hint == nullptr)
      edata->hint = pstrdup("pg_comply removed the node dump: it quotes the statement's constants.");
  }
  static const char kFormat[] = "parameter \"%s\" changed to \"%s\"";
  if (edata->message_id != nullptr && edata->message != nullptr &&
      strcmp(edata->message_id, kFormat) == 0) {
    char* name = strstr(edata->message, "comply.alert_webhook_url");
    if (name == nullptr) name = strstr(edata->message, "comply.ai_endpoint");
    char* scheme = name != nullptr ? strstr(name, "://") : nullptr;
    if (scheme != nullptr) {
      char* host = scheme + 3;
      const char* translated = edata->domain != nullptr ? dgettext(edata->domain, kFormat) : kFormat;
      const char* last_arg = translated;
      for (const char* p = strstr(translated, "%s"); p != nullptr; p = strstr(p + 2, "%s")) last_arg = p;
      const size_t suffix = last_arg != translated ? strlen(last_arg + 2) : 1;
      const size_t len = strlen(host);
      char* end = len >= suffix ? host + len - suffix : host + len;
      char* host_end = host;
      while (host_end < end && *host_end != '/' && *host_end != '?' && *host_end != '#') ++host_end;
      // (Only a host's characters are kept after a user part: CheckHttpUrl refuses others,
      // but a value set before it did may hold them, "\\" or ";" and a token.)
      {
        char* at = host;
        for (char* c = host; c < host_end; ++c)
          if (*c == '@') at = c + 1;
        char* c = at;
        while (c < host_end && (isalnum(static_cast<unsigned char>(*c)) || *c == '.' || *c == '-' ||
                                *c == '_' || *c == ':' || *c == '[' || *c == ']' ||
                                static_cast<unsigned char>(*c) >= 0x80))
          ++c;
        host_end = c;
      }
      // A user name and password before the host go too.
      for (char* at = host_end; at > host; --at) {
        if (at[-1] == '@') {
          memmove(host, at, strlen(at) + 1);
          end -= at - host;
          host_end -= at - host;
          break;
        }
      }
      // What followed the host is shown as "/..." where it had room for it.
      if (end - host_end >= 4) {
        memcpy(host_end, "/...", 4);
        host_end += 4;
      }
      if (host_end < end) memmove(host_end, end, strlen(end) + 1);
    }
  }
  if (ProtectedWriteSeen())
    HideProtectedRow(edata, true);
  // An error of comply.validate or comply.assert_valid in a CHECK: a COPY's context quotes
  // the line, a PL/pgSQL statement's its literals, the statement itself the document.
  else if (edata->elevel >= ERROR && ValidationErrorSeen())
    HideProtectedRow(edata, false);
  if (prev_emit_log_hook != nullptr) prev_emit_log_hook(edata);
}

}  // namespace

void GucInit() {
  prev_emit_log_hook = emit_log_hook;
  emit_log_hook = HideUrlPaths;
  DefineCustomIntVariable(
      "comply.max_input_bytes", "Largest input, in bytes, that PII detection and redaction accept.",
      "Larger inputs are refused with program_limit_exceeded.", &max_input_bytes,
      max_input_bytes, kMinInputBytes, kMaxInputBytes, PGC_SUSET, GUC_UNIT_BYTE, nullptr, nullptr,
      nullptr);
  DefineCustomStringVariable(
      "comply.hmac_key_file", "File holding the secret key for deterministic pseudonyms.",
      "Must be readable only by the server's user (or root with mode 0640).", &hmac_key_file, "",
      PGC_SUSET, GUC_SUPERUSER_ONLY | GUC_NO_SHOW_ALL, nullptr, nullptr, nullptr);
  DefineCustomStringVariable(
      "comply.ledger_signing_key_file", "PEM file with the Ed25519 key that signs ledger blocks.",
      "Must be readable only by the server's user (or root with mode 0640).",
      &ledger_signing_key_file, "", PGC_SUSET, GUC_SUPERUSER_ONLY | GUC_NO_SHOW_ALL, nullptr,
      nullptr, nullptr);
  DefineCustomStringVariable(
      "comply.ledger_trusted_keys",
      "Ed25519 public keys of earlier ledger signing keys whose blocks still verify.",
      "64 hex digits each, separated by commas or spaces (comply.ledger_public_key() of each "
      "key before it was replaced); the current signing key is always trusted.",
      &ledger_trusted_keys, "", PGC_SUSET, 0, CheckTrustedKeys, nullptr, nullptr);
  DefineCustomBoolVariable(
      "comply.allow_ledger_drop",
      "Lets DROP EXTENSION pg_comply delete a ledger that holds audit entries.",
      "Off: the drop is refused while comply.audit_log holds entries.", &allow_ledger_drop,
      allow_ledger_drop, PGC_SUSET, 0, nullptr, nullptr, nullptr);
  DefineCustomIntVariable("comply.seal_interval",
                          "Longest wait before committed audit entries are sealed.", nullptr,
                          &seal_interval, seal_interval, kMinSealIntervalMs, kMaxSealIntervalMs,
                          PGC_SIGHUP, GUC_UNIT_MS, nullptr, nullptr, nullptr);
  DefineCustomIntVariable("comply.seal_batch", "Most audit entries sealed into one block.", nullptr,
                          &seal_batch, seal_batch, kMinSealBatch, kMaxSealBatch, PGC_SUSET, 0,
                          nullptr, nullptr, nullptr);
  DefineCustomIntVariable("comply.ledger_retention",
                          "How long sealed blocks keep their entries: comply.archive_ledger() "
                          "refuses a block sealed more recently.",
                          "Set in the server's configuration; ALTER SYSTEM is recorded as drift.",
                          &ledger_retention, ledger_retention, 0, INT_MAX, PGC_SIGHUP, GUC_UNIT_S,
                          nullptr, nullptr, nullptr);
  DefineCustomBoolVariable("comply.ledger_worker",
                           "Seal audit entries in background workers (needs shared_preload_libraries).",
                           nullptr, &ledger_worker, ledger_worker, PGC_SIGHUP, 0, nullptr, nullptr,
                           nullptr);

  DefineCustomStringVariable("comply.ai_provider",
                             "Provider used when comply.classify names no model: builtin or openai.",
                             nullptr, &ai_provider, "builtin", PGC_USERSET, 0, CheckProvider,
                             nullptr, nullptr);
  DefineCustomStringVariable("comply.ai_model",
                             "Model used when comply.classify names none (a builtin model's name, "
                             "or the provider's model).",
                             nullptr, &ai_model, "", PGC_USERSET, 0, CheckModel, nullptr, nullptr);
  DefineCustomStringVariable("comply.ai_endpoint",
                             "Base URL of the OpenAI-compatible API, such as https://api.openai.com/v1.",
                             "Only a superuser chooses where text may be sent.", &ai_endpoint, "",
                             PGC_SUSET, 0, CheckEndpoint, nullptr, nullptr);
  DefineCustomStringVariable("comply.ai_api_key_file", "File holding the AI provider's API key.",
                             "Must be readable only by the server's user (or root with mode 0640).",
                             &ai_api_key_file, "", PGC_SUSET, GUC_SUPERUSER_ONLY | GUC_NO_SHOW_ALL,
                             nullptr, nullptr, nullptr);
  DefineCustomIntVariable("comply.ai_timeout", "Longest wait for one answer of the AI provider.",
                          nullptr, &ai_timeout, ai_timeout, 100, 3600 * 1000, PGC_USERSET,
                          GUC_UNIT_MS, nullptr, nullptr, nullptr);
  DefineCustomIntVariable("comply.ai_concurrency",
                          "Requests to the AI provider the worker keeps in flight at once.", nullptr,
                          &ai_concurrency, ai_concurrency, 1, 256, PGC_SIGHUP, 0, nullptr, nullptr,
                          nullptr);
  DefineCustomIntVariable("comply.ai_max_attempts",
                          "Attempts of a classification job before it is dead-lettered.", nullptr,
                          &ai_max_attempts, ai_max_attempts, 1, 100, PGC_SUSET, 0, nullptr,
                          nullptr, nullptr);
  DefineCustomIntVariable("comply.ai_retry_base", "First backoff step after a failed attempt.",
                          "Each later step doubles, with full jitter, up to comply.ai_retry_max.",
                          &ai_retry_base, ai_retry_base, 1, 3600 * 1000, PGC_SUSET, GUC_UNIT_MS,
                          nullptr, nullptr, nullptr);
  DefineCustomIntVariable("comply.ai_retry_max", "Longest backoff between attempts of a job.",
                          nullptr, &ai_retry_max, ai_retry_max, 1, 24 * 3600 * 1000, PGC_SUSET,
                          GUC_UNIT_MS, nullptr, nullptr, nullptr);
  DefineCustomIntVariable("comply.ai_breaker_threshold",
                          "Consecutive failures of the AI provider that pause the worker's calls.",
                          nullptr, &ai_breaker_threshold, ai_breaker_threshold, 1, 1000, PGC_SIGHUP,
                          0, nullptr, nullptr, nullptr);
  DefineCustomIntVariable("comply.ai_breaker_cooldown",
                          "How long the worker pauses a failing AI provider before one probe.",
                          "Doubles after each failed probe, up to ten times this value.",
                          &ai_breaker_cooldown, ai_breaker_cooldown, 100, 3600 * 1000, PGC_SIGHUP,
                          GUC_UNIT_MS, nullptr, nullptr, nullptr);
  DefineCustomBoolVariable("comply.ai_worker",
                           "Work the classification queue and the review queue in background workers.",
                           nullptr, &ai_worker, ai_worker, PGC_SIGHUP, 0, nullptr, nullptr, nullptr);
  DefineCustomStringVariable("comply.alert_webhook_url",
                             "Webhook (Slack-compatible) the worker posts alerts to.",
                             "Empty: alerts stay in comply.alerts and on NOTIFY comply_alerts.",
                             &alert_webhook_url, "", PGC_SIGHUP, GUC_SUPERUSER_ONLY, CheckWebhook,
                             nullptr, nullptr);
  DefineCustomIntVariable("comply.drift_interval",
                          "How often the worker compares the server with comply.baseline.", nullptr,
                          &drift_interval, drift_interval, 1, 7 * 24 * 3600, PGC_SIGHUP, GUC_UNIT_S,
                          nullptr, nullptr, nullptr);
  DefineCustomIntVariable("comply.ai_retention",
                          "How long the job worker keeps finished classification jobs, their "
                          "provider interactions, automatic decisions and closed review cases.",
                          "0 keeps them; otherwise comply.purge_ai_history() runs hourly (and "
                          "after a configuration reload) with this age.",
                          &ai_retention, ai_retention, 0, INT_MAX, PGC_SIGHUP, GUC_UNIT_S,
                          nullptr, nullptr, nullptr);
  DefineCustomRealVariable("comply.review_threshold",
                           "Confidence below which a model's decision goes to human review.", nullptr,
                           &review_threshold, review_threshold, 0.0, 1.0, PGC_SUSET, 0, nullptr,
                           nullptr, nullptr);
  DefineCustomIntVariable("comply.review_claim_timeout",
                          "How long a reviewer's claim on a case lasts.", nullptr,
                          &review_claim_timeout, review_claim_timeout, 1, 7 * 24 * 3600, PGC_SUSET,
                          GUC_UNIT_S, nullptr, nullptr, nullptr);
  // Superusers only: a reviewer must not be able to switch it off for his own session.
  DefineCustomBoolVariable(
      "comply.review_four_eyes",
      "A review case is decided by someone other than the role whose write or call opened it.",
      "On: comply.review_next skips the caller's own cases and the cases he escalated, and "
      "comply.review_decide refuses them.",
      &review_four_eyes, review_four_eyes, PGC_SUSET, 0, nullptr, nullptr, nullptr);
  DefineCustomIntVariable("comply.review_sla",
                          "How long a case may wait for review before it is escalated.", nullptr,
                          &review_sla, review_sla, 1, 365 * 24 * 3600, PGC_SUSET, GUC_UNIT_S,
                          nullptr, nullptr, nullptr);
}

}  // namespace comply::pg
