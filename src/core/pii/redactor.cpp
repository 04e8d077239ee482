// Redaction operators and the keyed pseudonym.
#include "core/pii/redactor.h"

#include <openssl/crypto.h>
#include <openssl/evp.h>
#include <openssl/hmac.h>
#if OPENSSL_VERSION_NUMBER >= 0x30000000L
#include <openssl/core_names.h>
#include <openssl/params.h>
#endif

#include <cctype>
#include <cmath>

#include <unicode/uchar.h>
#include <unicode/utf8.h>

#include "core/error.h"
#include "core/nfc.h"
#include "core/secret_file.h"
#include "core/sha256.h"
#include "core/utf8.h"

namespace comply::pii {
namespace {

// s with each code point mapped by map (ICU's simple case mappings); ASCII alone is
// mapped without ICU. Ill-formed UTF-8 is kept as it is.
template <typename Ascii, typename Map>
void MapCase(std::string_view s, std::string* out, Ascii ascii, Map map) {
  // ASCII only (nearly every key and entity name): in place, no decoding.
  bool ascii_only = true;
  for (char c : s) ascii_only &= static_cast<unsigned char>(c) < 0x80;
  if (ascii_only) {
    out->assign(s);
    for (char& c : *out) c = ascii(c);
    return;
  }
  out->clear();
  out->reserve(s.size());
  const auto* p = reinterpret_cast<const uint8_t*>(s.data());
  const int32_t n = static_cast<int32_t>(s.size());
  for (int32_t i = 0; i < n;) {
    if (p[i] < 0x80) {
      out->push_back(ascii(static_cast<char>(p[i])));
      ++i;
      continue;
    }
    const int32_t start = i;
    UChar32 c;
    U8_NEXT(p, i, n, c);
    if (c < 0) {
      out->append(s.substr(start, i - start));
      continue;
    }
    uint8_t buf[U8_MAX_LENGTH];
    int32_t len = 0;
    U8_APPEND_UNSAFE(buf, len, map(c));
    out->append(reinterpret_cast<const char*>(buf), len);
  }
}

}  // namespace

std::string UpperCase(std::string_view s) {
  std::string out;
  MapCase(s, &out, [](char c) { return c >= 'a' && c <= 'z' ? static_cast<char>(c - 'a' + 'A') : c; },
          [](UChar32 c) { return u_toupper(c); });
  return out;
}

void FoldCaseInto(std::string_view s, std::string* out) {
  MapCase(s, out, [](char c) { return c >= 'A' && c <= 'Z' ? static_cast<char>(c - 'A' + 'a') : c; },
          [](UChar32 c) { return u_foldCase(c, U_FOLD_CASE_DEFAULT); });
}

namespace {

// Returns the number of bytes of the UTF-8 sequence starting with lead byte c.
size_t Utf8SeqLen(unsigned char c) {
  if (c < 0x80) return 1;
  if ((c & 0xE0) == 0xC0) return 2;
  if ((c & 0xF0) == 0xE0) return 3;
  if ((c & 0xF8) == 0xF0) return 4;
  return 1;
}

std::string Upper(std::string_view s) { return UpperCase(s); }

[[noreturn]] void BadOperator(const std::string& where, const std::string& why) {
  throw Error(sqlstate::kInvalidParameterValue, "invalid redaction operators: " + where + ": " + why,
              {}, "Each entry looks like {\"op\": \"label\"|\"mask\"|\"hash\"|\"remove\"|\"keep\"}, "
              "with \"keep_last\" and \"mask_char\" for mask and \"label\" for label.");
}

// Where in the operators a problem is: "key \"US_SSN.keep_last\"", the key and option
// shown only if they look like names (a key may be a value pasted in the wrong place).
std::string Where(const std::string& key, const std::string& option = {}) {
  if (ShowsAsName(key) && (option.empty() || ShowsAsName(option)))
    return "key \"" + key + (option.empty() ? "" : "." + option) + "\"";
  return "key " + ShownName(key) + (option.empty() ? "" : ", option " + ShownName(option));
}

// Parses one operator object found under key.
Operator ParseOne(const std::string& key, const json::Value& v) {
  if (!v.is_object()) BadOperator(Where(key), "expected an object, got " + std::string(json::TypeName(v.type())));
  Operator op;
  const json::Value* kind = v.Find("op");
  if (!kind) BadOperator(Where(key), "missing \"op\"");
  if (!kind->is_string()) BadOperator(Where(key, "op"), "expected a string");
  const std::string& k = kind->as_string();
  if (k == "label") op.kind = OpKind::kLabel;
  else if (k == "mask") op.kind = OpKind::kMask;
  else if (k == "hash") op.kind = OpKind::kHash;
  else if (k == "remove") op.kind = OpKind::kRemove;
  else if (k == "keep") op.kind = OpKind::kKeep;
  else BadOperator(Where(key, "op"), "unknown operator (expected label, mask, hash, remove or keep)");
  for (const auto& [name, value] : v.as_object()) {
    std::string where = Where(key, name);
    if (name == "op") continue;
    if (name == "keep_last" && op.kind == OpKind::kMask) {
      // Range first: casting an out-of-range double to int is undefined.
      double d = value.is_number() ? value.as_number() : -1;
      if (!(d >= 0 && d <= kMaxKeepLast) || d != std::floor(d))
        BadOperator(where, "expected an integer from 0 to " + std::to_string(kMaxKeepLast));
      op.keep_last = static_cast<int>(d);
    } else if (name == "mask_char" && op.kind == OpKind::kMask) {
      if (!value.is_string() || value.as_string().empty() || value.as_string()[0] == '\0' ||
          Utf8SeqLen(value.as_string()[0]) != value.as_string().size())
        BadOperator(where, "expected a string of one character");
      // One a reader sees and cannot take for data: not invisible (the mask leaves those
      // out of a value, so a mask of them shrank each time the policy ran on it again, and
      // a bidi override turned the row around), nor a control, a combining mark, a space
      // or a digit ("1111111111111111111" reads as a number, not as a mask).
      {
        const std::string& c = value.as_string();
        int32_t at = 0;
        UChar32 cp = 0;
        U8_NEXT(reinterpret_cast<const uint8_t*>(c.data()), at, static_cast<int32_t>(c.size()), cp);
        const int8_t type = cp < 0 ? static_cast<int8_t>(U_UNASSIGNED) : u_charType(cp);
        if (cp < 0 || InvisibleLength(c, 0) > 0 || type == U_CONTROL_CHAR || type == U_FORMAT_CHAR ||
            type == U_NON_SPACING_MARK || type == U_ENCLOSING_MARK ||
            type == U_COMBINING_SPACING_MARK || type == U_DECIMAL_DIGIT_NUMBER ||
            type == U_SPACE_SEPARATOR || type == U_LINE_SEPARATOR ||
            type == U_PARAGRAPH_SEPARATOR || type == U_UNASSIGNED || type == U_PRIVATE_USE_CHAR ||
            type == U_SURROGATE ||
            // Letters that render blank: the Hangul fillers (default ignorable), the
            // Braille blank (QA 17).
            u_hasBinaryProperty(cp, UCHAR_DEFAULT_IGNORABLE_CODE_POINT) ||
            u_hasBinaryProperty(cp, UCHAR_WHITE_SPACE) || cp == 0x2800)
          BadOperator(where, "expected one visible character that is not a digit or a space");
      }
      op.mask_char = value.as_string();
    } else if (name == "label" && op.kind == OpKind::kLabel) {
      if (!value.is_string())
        BadOperator(where, "expected a string, got " + std::string(json::TypeName(value.type())));
      if (value.as_string().find('\0') != std::string::npos)
        BadOperator(where, "a label may not hold NUL characters");
      if (value.as_string().size() > kMaxLabelBytes)
        BadOperator(where, "a label may have at most " + std::to_string(kMaxLabelBytes) + " bytes");
      op.label = value.as_string();
    } else {
      BadOperator(where, "not an option of operator " + ShownName(k));
    }
  }
  return op;
}

}  // namespace

const Operator& OperatorConfig::For(std::string_view entity) const {
  if (per_entity.empty()) return default_op;  // (the common case: one operator for all)
  auto it = per_entity.find(entity);
  return it == per_entity.end() ? default_op : it->second;
}

bool OperatorConfig::NeedsKey() const {
  if (default_op.kind == OpKind::kHash) return true;
  for (const auto& [name, op] : per_entity)
    if (op.kind == OpKind::kHash) return true;
  return false;
}

OperatorConfig ParseOperators(const json::Value& config) {
  OperatorConfig out;
  if (config.is_null()) return out;
  if (!config.is_object())
    BadOperator("top level", "expected an object keyed by entity, got " + std::string(json::TypeName(config.type())));
  bool seen_default = false;
  for (const auto& [key, value] : config.as_object()) {
    if (Upper(key) == "REDACT_KEYS" && !value.is_object()) {
      if (!value.is_bool())
        throw Error(sqlstate::kInvalidParameterValue,
                    "invalid redaction operators: " + Where(key) + ": expected true or false, got " +
                        json::TypeName(value.type()),
                    {}, "\"redact_keys\": true redacts the keys of jsonb objects by content too "
                    "(with labels); an entity's operator is an object such as {\"op\": \"label\"}.");
      out.redact_keys = value.as_bool();
      continue;
    }
    // Entity names ignore case: two spellings of one entity were both kept, and
    // whichever sorted last in the jsonb won (a "keep" overrode a "label", QA 17).
    const std::string name = Upper(key);
    if (name == "DEFAULT") {
      if (seen_default)
        BadOperator(Where(key), "a second default operator (entity names ignore case)");
      seen_default = true;
      out.default_op = ParseOne(key, value);
    } else {
      if (key.empty()) BadOperator("key \"\"", "empty entity name");
      if (out.per_entity.count(name))
        BadOperator(Where(key), "a second operator for the same entity (entity names ignore case)");
      out.per_entity[name] = ParseOne(key, value);
    }
  }
  return out;
}

OperatorConfig KeyOperators(const OperatorConfig& ops) {
  auto for_key = [](const Operator& op) {
    if (op.kind == OpKind::kKeep || op.kind == OpKind::kLabel) return op;
    return Operator{};  // a label: "[ENTITY]"
  };
  OperatorConfig out;
  out.default_op = for_key(ops.default_op);
  for (const auto& [entity, op] : ops.per_entity) out.per_entity[entity] = for_key(op);
  return out;
}

namespace {

// HMAC-SHA-256(key, message) into mac (32 bytes); false if OpenSSL fails.
//
// OpenSSL 3's one-shot HMAC() fetches the MAC and its digest by name and sets the key up
// at every call: 3.05 us a pseudonym, against 1.23 for a copy of a context set up once
// for the key (natively, bench/README.md). The last key's context is kept, per thread;
// its copy of the key is cleansed when another key replaces it, and at exit.
bool HmacSha256(std::string_view key, std::string_view message, unsigned char* mac) {
  const auto* msg = reinterpret_cast<const unsigned char*>(message.data());
#if OPENSSL_VERSION_NUMBER >= 0x30000000L
  struct Prepared {
    EVP_MAC_CTX* ctx = nullptr;
    std::string key;
    ~Prepared() { Clear(); }
    void Clear() {
      EVP_MAC_CTX_free(ctx);
      ctx = nullptr;
      OPENSSL_cleanse(key.data(), key.size());
      key.clear();
    }
  };
  static EVP_MAC* const hmac = EVP_MAC_fetch(nullptr, "HMAC", nullptr);
  thread_local Prepared prepared;
  if (hmac != nullptr && !key.empty()) {
    if (prepared.ctx == nullptr || prepared.key.size() != key.size() ||
        CRYPTO_memcmp(prepared.key.data(), key.data(), key.size()) != 0) {
      prepared.Clear();
      prepared.key.assign(key);  // (before the context: a failed allocation leaks nothing)
      char digest[] = "SHA256";
      OSSL_PARAM params[] = {OSSL_PARAM_construct_utf8_string(OSSL_MAC_PARAM_DIGEST, digest, 0),
                             OSSL_PARAM_construct_end()};
      EVP_MAC_CTX* ctx = EVP_MAC_CTX_new(hmac);
      if (ctx == nullptr ||
          EVP_MAC_init(ctx, reinterpret_cast<const unsigned char*>(key.data()), key.size(), params) != 1) {
        EVP_MAC_CTX_free(ctx);
        prepared.Clear();
        return false;
      }
      prepared.ctx = ctx;
    }
    EVP_MAC_CTX* ctx = EVP_MAC_CTX_dup(prepared.ctx);
    size_t len = 0;
    const bool ok = ctx != nullptr && EVP_MAC_update(ctx, msg, message.size()) == 1 &&
                    EVP_MAC_final(ctx, mac, &len, 32) == 1 && len == 32;
    EVP_MAC_CTX_free(ctx);
    return ok;
  }
#endif
  unsigned int len = 0;
  return HMAC(Sha256Md(), key.data(), static_cast<int>(key.size()), msg, message.size(), mac, &len) &&
         len == 32;
}

// prefix + the first `bytes` bytes of HMAC-SHA-256(key, message), in hex.
std::string HmacHex(std::string_view key, std::string_view message, const char* prefix,
                    unsigned int bytes) {
  unsigned char mac[EVP_MAX_MD_SIZE];
  if (!HmacSha256(key, message, mac)) throw Error(sqlstate::kInternalError, "HMAC-SHA-256 failed");
  static const char hex[] = "0123456789abcdef";
  std::string out = prefix;
  for (unsigned int i = 0; i < bytes; ++i) {
    out.push_back(hex[mac[i] >> 4]);
    out.push_back(hex[mac[i] & 15]);
  }
  return out;
}

}  // namespace

std::string Pseudonym(std::string_view key, std::string_view value, const CancelCheck& cancel) {
  // What a reader takes for one value gets one pseudonym (the copied, typed or planted
  // forms the detector reads as ASCII), and a value with nothing to fold keeps the
  // pseudonym it had before the fold: its bytes are hashed as they are. Then in Unicode
  // Normalization Form C, which composes what the fold does not ("Nguye" U+0302 U+0303
  // "n" as "Nguyễn", Hangul jamo as syllables, U+212B as "Å"): only for text with a byte
  // above 0x7F, and only where NFC changes it (ill-formed UTF-8 is hashed as it is).
  std::string folded;
  std::string_view canonical =
      FoldForMatching(value, &folded, cancel) ? std::string_view(folded) : value;
  std::string nfc;
  for (char c : canonical) {
    if (static_cast<unsigned char>(c) < 0x80) continue;
    if (ToNfc(canonical, &nfc, cancel) && nfc != canonical) canonical = nfc;
    break;
  }
  return HmacHex(key, canonical, "ps_", 16);
}

std::string MaskDigitRuns(std::string_view text) {
  constexpr size_t kMinDigits = 6;
  auto digit = [&](size_t i) { return i < text.size() && text[i] >= '0' && text[i] <= '9'; };
  auto separator = [](char c) { return c == ' ' || c == '-' || c == '.' || c == '/'; };
  std::string out;
  size_t i = 0;
  while (i < text.size()) {
    if (!digit(i)) {
      out.push_back(text[i++]);
      continue;
    }
    // The run: digits, with one separator at a time between them.
    size_t end = i, digits = 0;
    while (digit(end)) {
      while (digit(end)) {
        ++end;
        ++digits;
      }
      if (end < text.size() && separator(text[end]) && digit(end + 1)) ++end;
    }
    if (digits >= kMinDigits) out += "[DIGITS]";
    else out.append(text.substr(i, end - i));
    i = end;
  }
  return out;
}

std::string KeyId(std::string_view key) {
  static constexpr char kMessage[] = "\0pg_comply pseudonymization key id";
  return HmacHex(key, std::string_view(kMessage, sizeof(kMessage) - 1), "kid_", 8);
}

namespace {

// Whether c is a combining mark of the ranges letters are written with (U+0300..U+036F,
// U+1AB0..U+1AFF, U+1DC0..U+1DFF, U+20D0..U+20FF, U+FE20..U+FE2F).
bool CombiningMark(uint32_t c) {
  return (c >= 0x300 && c <= 0x36F) || (c >= 0x1AB0 && c <= 0x1AFF) || (c >= 0x1DC0 && c <= 0x1DFF) ||
         (c >= 0x20D0 && c <= 0x20FF) || (c >= 0xFE20 && c <= 0xFE2F);
}

// Sets *len to the length of the character at s[i] for a mask (a well-formed UTF-8
// sequence's, with the combining marks after it: "e" U+0301 is one character, as "é"
// is; or 1: an ASCII byte, and each byte of ill-formed UTF-8, which counts as a
// character) and returns whether it is visible (not one of InvisibleLength's).
bool MaskStep(std::string_view s, size_t i, size_t* len) {
  *len = 1;
  if (static_cast<unsigned char>(s[i]) >= 0x80) {
    if (const size_t invisible = InvisibleLength(s, i)) {
      *len = invisible;
      return false;
    }
    if (MultiByteAt(s, i, len) == 0) *len = 1;
  }
  // The combining marks after it (only a lead byte of 0xCC to 0xEF begins one).
  for (size_t mark = 0; i + *len < s.size() && static_cast<unsigned char>(s[i + *len]) >= 0xCC &&
                        static_cast<unsigned char>(s[i + *len]) <= 0xEF &&
                        CombiningMark(MultiByteAt(s, i + *len, &mark));)
    *len += mark;
  return true;
}

// Calls emit with each piece of the mask of original under op, in order: op.mask_char
// for each character masked, the characters kept as they are. The invisible characters
// (InvisibleLength: a zero-width space, a joiner, a bidi mark, a soft hyphen) are
// neither written nor counted: keep_last, and the rule that never more than half of the
// characters are kept, count what a reader sees. AppendOperator and ReplacementBytes
// both walk the mask so, and so agree.
template <typename Emit>
void ForEachMaskPiece(const Operator& op, std::string_view original, Emit emit) {
  size_t visible = 0, len = 0;
  for (size_t i = 0; i < original.size(); i += len) visible += MaskStep(original, i, &len);
  // Never more than half the characters kept: keep_last 4 on a value of 4 or 5
  // characters (a short account number, a PIN) must not show it whole.
  const size_t keep = std::min(visible / 2, static_cast<size_t>(op.keep_last));
  size_t n = 0;
  for (size_t i = 0; i < original.size(); i += len) {
    if (!MaskStep(original, i, &len)) continue;
    emit(n++ < visible - keep ? std::string_view(op.mask_char) : original.substr(i, len));
  }
}

// Appends ApplyOperator(op, entity, original, key) to out: Redact writes each
// replacement in place, with no string of its own.
void AppendOperator(const Operator& op, std::string_view entity, std::string_view original,
                    std::string_view key, std::string* out) {
  switch (op.kind) {
    case OpKind::kLabel:
      if (op.label.empty()) {
        out->push_back('[');
        out->append(entity);
        out->push_back(']');
      } else {
        out->append(op.label);
      }
      return;
    case OpKind::kRemove:
      return;
    case OpKind::kKeep:
      out->append(original);
      return;
    case OpKind::kHash:
      if (key.empty())
        throw Error(sqlstate::kObjectNotInPrerequisiteState, "no HMAC key is configured",
                    {}, "Set comply.hmac_key_file to a file holding the secret key.");
      out->append(Pseudonym(key, original));
      return;
    case OpKind::kMask:
      ForEachMaskPiece(op, original, [out](std::string_view piece) { out->append(piece); });
      return;
  }
}

}  // namespace

std::string ApplyOperator(const Operator& op, std::string_view entity, std::string_view original,
                          std::string_view key) {
  std::string out;
  AppendOperator(op, entity, original, key, &out);
  return out;
}

size_t ReplacementBytes(const Operator& op, std::string_view entity, std::string_view original) {
  switch (op.kind) {
    case OpKind::kLabel:
      return op.label.empty() ? entity.size() + 2 : op.label.size();
    case OpKind::kRemove:
      return 0;
    case OpKind::kKeep:
      return original.size();
    case OpKind::kHash:
      return kPseudonymLength;
    case OpKind::kMask: {
      size_t bytes = 0;
      ForEachMaskPiece(op, original, [&bytes](std::string_view piece) { bytes += piece.size(); });
      return bytes;
    }
  }
  return 0;
}

std::string Redact(std::string_view text, const std::vector<Finding>& findings,
                   const OperatorConfig& config, std::string_view key, const CancelCheck& cancel) {
  auto too_long = [] {
    throw Error(sqlstate::kProgramLimitExceeded, "the redacted text would be longer than 1 GB", {},
                "Its labels are longer than what they replace: use shorter labels, or redact "
                "smaller texts.");
  };
  // The output's length first, counted as it grows: refused before anything is written
  // (built first, a std::string doubled past 1 GB and the text was copied again, 2.3 GB
  // to refuse 61 MB of text with long labels), and written into one exact allocation.
  size_t total = 0;
  size_t pos = 0;
  size_t counted = 0;
  for (const Finding& f : findings) {
    if (f.begin < pos || f.end > text.size()) throw Error(sqlstate::kInternalError, "overlapping findings");
    total += (f.begin - pos) +
             ReplacementBytes(config.For(f.entity), f.entity, text.substr(f.begin, f.end - f.begin));
    if (total > kMaxRedactedBytes) too_long();
    pos = f.end;
    if (++counted % 65536 == 0) PollCancel(cancel);
  }
  total += text.size() - pos;
  if (total > kMaxRedactedBytes) too_long();
  std::string out;
  out.reserve(total);
  pos = 0;
  size_t polled = 0;
  for (const Finding& f : findings) {
    out.append(text.substr(pos, f.begin - pos));
    AppendOperator(config.For(f.entity), f.entity, text.substr(f.begin, f.end - f.begin), key,
                   &out);
    if (out.size() > kMaxRedactedBytes) too_long();  // (never: counted above)
    pos = f.end;
    if (out.size() - polled > (1u << 20)) {  // every MiB written
      PollCancel(cancel);
      polled = out.size();
    }
  }
  out.append(text.substr(pos));
  if (out.size() > kMaxRedactedBytes) too_long();
  return out;
}

// Reads a permission-checked key file and trims trailing whitespace.
std::string LoadKeyFile(const std::string& path, const std::string& setting) {
  std::string key = ReadSecretFile(path, setting);
  while (!key.empty() && std::isspace(static_cast<unsigned char>(key.back()))) key.pop_back();
  if (key.size() < 16)
    throw Error(sqlstate::kConfigFileError, "the key file of " + setting + " holds fewer than 16 bytes");
  return key;
}

size_t Utf8Length(std::string_view s) {
  size_t n = 0;
  for (unsigned char c : s) n += (c & 0xC0) != 0x80;
  return n;
}

}  // namespace comply::pii
