#include "core/json.h"

#include <charconv>
#include <cmath>
#include <cstddef>
#include <string>
#include <string_view>
#include <system_error>
#include <unordered_map>
#include <utility>

#include "core/error.h"

namespace comply::json {
namespace {

constexpr size_t kNpos = std::string_view::npos;

// Objects with more members than this get a hash index while parsing, so a document
// with many keys cannot make duplicate detection quadratic.
constexpr size_t kIndexThreshold = 16;

// Throws the parse error for byte offset pos. The message names only the offset and
// the kind of problem: the input may hold personal data.
[[noreturn]] void Fail(size_t pos, const std::string& what) {
  throw Error(sqlstate::kInvalidTextRepresentation,
              "invalid JSON at byte " + std::to_string(pos) + ": " + what);
}

bool IsDigit(char c) { return c >= '0' && c <= '9'; }

// Returns the length of the well-formed UTF-8 sequence starting at s[i], or 0 if the
// bytes there are not one (Unicode table 3-7: no overlongs, surrogates or > U+10FFFF).
size_t Utf8SequenceLength(std::string_view s, size_t i) {
  auto byte = [&](size_t k) -> unsigned {
    return i + k < s.size() ? static_cast<unsigned char>(s[i + k]) : 0x100u;
  };
  auto in = [](unsigned b, unsigned lo, unsigned hi) { return b >= lo && b <= hi; };
  unsigned b0 = byte(0);
  if (b0 < 0x80) return 1;
  if (in(b0, 0xC2, 0xDF)) return in(byte(1), 0x80, 0xBF) ? 2 : 0;
  if (in(b0, 0xE0, 0xEF)) {
    unsigned lo = b0 == 0xE0 ? 0xA0 : 0x80;
    unsigned hi = b0 == 0xED ? 0x9F : 0xBF;
    return in(byte(1), lo, hi) && in(byte(2), 0x80, 0xBF) ? 3 : 0;
  }
  if (in(b0, 0xF0, 0xF4)) {
    unsigned lo = b0 == 0xF0 ? 0x90 : 0x80;
    unsigned hi = b0 == 0xF4 ? 0x8F : 0xBF;
    return in(byte(1), lo, hi) && in(byte(2), 0x80, 0xBF) && in(byte(3), 0x80, 0xBF) ? 4 : 0;
  }
  return 0;
}

// Appends code point cp (a Unicode scalar value) to out as UTF-8.
void AppendUtf8(std::string& out, unsigned cp) {
  if (cp < 0x80) {
    out += static_cast<char>(cp);
  } else if (cp < 0x800) {
    out += static_cast<char>(0xC0 | (cp >> 6));
    out += static_cast<char>(0x80 | (cp & 0x3F));
  } else if (cp < 0x10000) {
    out += static_cast<char>(0xE0 | (cp >> 12));
    out += static_cast<char>(0x80 | ((cp >> 6) & 0x3F));
    out += static_cast<char>(0x80 | (cp & 0x3F));
  } else {
    out += static_cast<char>(0xF0 | (cp >> 18));
    out += static_cast<char>(0x80 | ((cp >> 12) & 0x3F));
    out += static_cast<char>(0x80 | ((cp >> 6) & 0x3F));
    out += static_cast<char>(0x80 | (cp & 0x3F));
  }
}

struct NumberScan {
  size_t end = kNpos;  // one past the number, or kNpos on error
  const char* error = nullptr;
  size_t error_pos = 0;
};

// Scans the RFC 8259 number grammar at s[i]; shared by the parser and Value::Number so
// both accept exactly the same texts.
NumberScan ScanNumber(std::string_view s, size_t i) {
  const size_t n = s.size();
  if (i < n && s[i] == '-') ++i;
  if (i >= n || !IsDigit(s[i])) return {kNpos, "expected digit", i};
  if (s[i] == '0') {
    ++i;
    if (i < n && IsDigit(s[i])) return {kNpos, "leading zeros are not allowed", i - 1};
  } else {
    while (i < n && IsDigit(s[i])) ++i;
  }
  if (i < n && s[i] == '.') {
    ++i;
    if (i >= n || !IsDigit(s[i])) return {kNpos, "expected digit after '.'", i};
    while (i < n && IsDigit(s[i])) ++i;
  }
  if (i < n && (s[i] == 'e' || s[i] == 'E')) {
    ++i;
    if (i < n && (s[i] == '+' || s[i] == '-')) ++i;
    if (i >= n || !IsDigit(s[i])) return {kNpos, "expected digit in exponent", i};
    while (i < n && IsDigit(s[i])) ++i;
  }
  return {i, nullptr, 0};
}

// Tells whether an out-of-range number is too large (rather than too small) for a
// double, from the decimal exponent of its first significant digit. text is valid.
bool Overflows(std::string_view text) {
  size_t i = text[0] == '-' ? 1 : 0;
  long magnitude = 0;
  bool significant = false;
  for (; i < text.size() && IsDigit(text[i]); ++i) {
    if (significant) {
      ++magnitude;
    } else if (text[i] != '0') {
      significant = true;
    }
  }
  if (i < text.size() && text[i] == '.') {
    for (++i; i < text.size() && IsDigit(text[i]); ++i) {
      if (significant) break;
      --magnitude;
      if (text[i] != '0') significant = true;
    }
    while (i < text.size() && IsDigit(text[i])) ++i;
  }
  long exponent = 0;
  if (i < text.size() && (text[i] == 'e' || text[i] == 'E')) {
    ++i;
    bool negative = text[i] == '-';
    if (text[i] == '+' || text[i] == '-') ++i;
    // Saturate: anything past a million digits of exponent decides the same way.
    for (; i < text.size(); ++i) {
      if (exponent < 1000000) exponent = exponent * 10 + (text[i] - '0');
    }
    if (negative) exponent = -exponent;
  }
  return significant && magnitude + exponent > 0;
}

// Converts a valid JSON number text to the nearest double, independent of the C
// locale (strtod would read "1.5" wrongly under a comma-decimal LC_NUMERIC).
double NumberValue(std::string_view text) {
  double d = 0;
  auto result = std::from_chars(text.data(), text.data() + text.size(), d);
  if (result.ec == std::errc::result_out_of_range) {
    d = Overflows(text) ? HUGE_VAL : 0.0;
    if (text[0] == '-') d = -d;
  }
  return d;
}

// Renders d as the shortest JSON number text that reads back as d. JSON has no
// infinities or NaN: infinities become 1e999 (which reads back as infinity) and NaN
// becomes null.
std::string RenderNumber(double d) {
  if (std::isnan(d)) return "null";
  if (std::isinf(d)) return d < 0 ? "-1e999" : "1e999";
  char buf[32];
  auto result = std::to_chars(buf, buf + sizeof(buf), d);
  return std::string(buf, result.ptr);
}

// Recursive-descent parser over one document. Recursion is bounded by kMaxDepth
// (two frames per level), which is far below any thread's stack.
class Parser {
 public:
  Parser(std::string_view text, bool unique_keys, const CancelCheck* cancel = nullptr)
      : s_(text), unique_keys_(unique_keys), cancel_(cancel) {}

  // Parses the whole text as one value surrounded by optional whitespace.
  Value ParseDocument() {
    Value v = ParseValue(0);
    SkipWhitespace();
    if (pos_ < s_.size()) Fail(pos_, "unexpected characters after the value");
    return v;
  }

 private:
  // Skips the four whitespace bytes RFC 8259 allows (no BOM, no Unicode spaces).
  void SkipWhitespace() {
    while (pos_ < s_.size()) {
      char c = s_[pos_];
      if (c != ' ' && c != '\t' && c != '\n' && c != '\r') break;
      ++pos_;
    }
  }

  // Returns the current byte, failing if the input ended too early.
  char Peek() const {
    if (pos_ >= s_.size()) Fail(pos_, "unexpected end of input");
    return s_[pos_];
  }

  // Parses any value at pos_ (after whitespace); depth counts enclosing containers.
  Value ParseValue(int depth) {
    if (cancel_ && ++values_ % 4096 == 0) PollCancel(*cancel_);
    SkipWhitespace();
    switch (Peek()) {
      case '{':
        return ParseObject(depth + 1);
      case '[':
        return ParseArray(depth + 1);
      case '"':
        return ParseStringValue();
      case 't':
        ExpectLiteral("true");
        return Value::Bool(true);
      case 'f':
        ExpectLiteral("false");
        return Value::Bool(false);
      case 'n':
        ExpectLiteral("null");
        return Value();
      case '/':
        Fail(pos_, "comments are not allowed");
      default:
        if (s_[pos_] == '-' || IsDigit(s_[pos_])) return ParseNumber();
        Fail(pos_, "expected value");
    }
  }

  // Consumes literal word at pos_.
  void ExpectLiteral(std::string_view word) {
    if (s_.substr(pos_, word.size()) != word) Fail(pos_, "invalid literal");
    pos_ += word.size();
  }

  // Rejects a container that would nest deeper than kMaxDepth.
  void CheckDepth(int depth) const {
    if (depth > kMaxDepth) {
      Fail(pos_, "nesting deeper than " + std::to_string(kMaxDepth) + " levels");
    }
  }

  // Parses an array; pos_ is at '['.
  Value ParseArray(int depth) {
    CheckDepth(depth);
    ++pos_;
    Value::Array items;
    SkipWhitespace();
    if (Peek() == ']') {
      ++pos_;
      return Value::MakeArray(std::move(items));
    }
    for (;;) {
      items.push_back(ParseValue(depth));
      SkipWhitespace();
      char c = Peek();
      if (c == ']') break;
      if (c != ',') Fail(pos_, "expected ',' or ']'");
      ++pos_;
      SkipWhitespace();
      if (Peek() == ']') Fail(pos_, "trailing comma");
    }
    ++pos_;
    return Value::MakeArray(std::move(items));
  }

  // Parses an object; pos_ is at '{'. A repeated key replaces the earlier value in
  // place, so members stay in order of first appearance.
  Value ParseObject(int depth) {
    CheckDepth(depth);
    ++pos_;
    Value::Object members;
    std::unordered_map<std::string, size_t> index;  // built once members grow large
    SkipWhitespace();
    if (Peek() == '}') {
      ++pos_;
      return Value::MakeObject(std::move(members));
    }
    for (;;) {
      if (Peek() != '"') Fail(pos_, "expected string key");
      std::string key;
      ParseString(key);
      SkipWhitespace();
      if (Peek() != ':') Fail(pos_, "expected ':'");
      ++pos_;
      Value value = ParseValue(depth);

      size_t existing = kNpos;
      if (members.size() < kIndexThreshold) {
        for (size_t i = 0; i < members.size(); ++i) {
          if (members[i].first == key) {
            existing = i;
            break;
          }
        }
      } else {
        if (index.empty()) {
          for (size_t i = 0; i < members.size(); ++i) index.emplace(members[i].first, i);
        }
        auto [it, inserted] = index.emplace(key, members.size());
        if (!inserted) existing = it->second;
      }
      if (existing != kNpos) {
        if (unique_keys_) Fail(pos_, "a key repeated in an object");
        members[existing].second = std::move(value);
      } else {
        members.emplace_back(std::move(key), std::move(value));
      }

      SkipWhitespace();
      char c = Peek();
      if (c == '}') break;
      if (c != ',') Fail(pos_, "expected ',' or '}'");
      ++pos_;
      SkipWhitespace();
      if (Peek() == '}') Fail(pos_, "trailing comma");
    }
    ++pos_;
    return Value::MakeObject(std::move(members));
  }

  // Parses a number, keeping its exact text alongside the double.
  Value ParseNumber() {
    NumberScan scan = ScanNumber(s_, pos_);
    if (scan.error != nullptr) Fail(scan.error_pos, scan.error);
    std::string text(s_.substr(pos_, scan.end - pos_));
    pos_ = scan.end;
    double d = NumberValue(text);
    return Value::Number(d, std::move(text));
  }

  // Parses a string value; kept out of ParseValue so its frame stays small.
  Value ParseStringValue() {
    std::string str;
    ParseString(str);
    return Value::String(std::move(str));
  }

  // Parses a string literal at pos_ (at '"') into out, validating UTF-8.
  void ParseString(std::string& out) {
    const size_t start = pos_;
    const size_t n = s_.size();
    ++pos_;
    for (;;) {
      // Copy runs of plain ASCII in one append; most strings are nothing else.
      size_t run = pos_;
      while (pos_ < n) {
        unsigned char c = static_cast<unsigned char>(s_[pos_]);
        if (c < 0x20 || c >= 0x80 || c == '"' || c == '\\') break;
        ++pos_;
      }
      out.append(s_.data() + run, pos_ - run);
      if (pos_ >= n) Fail(start, "unterminated string");
      unsigned char c = static_cast<unsigned char>(s_[pos_]);
      if (c == '"') {
        ++pos_;
        return;
      }
      if (c == '\\') {
        ParseEscape(out);
        continue;
      }
      if (c < 0x20) Fail(pos_, "unescaped control character in string");
      size_t len = Utf8SequenceLength(s_, pos_);
      if (len == 0) Fail(pos_, "invalid UTF-8 in string");
      out.append(s_.data() + pos_, len);
      pos_ += len;
    }
  }

  // Decodes one escape at pos_ (at '\'); surrogate pairs become one UTF-8 character.
  void ParseEscape(std::string& out) {
    const size_t at = pos_;
    ++pos_;
    char c = Peek();
    ++pos_;
    switch (c) {
      case '"':
        out += '"';
        return;
      case '\\':
        out += '\\';
        return;
      case '/':
        out += '/';
        return;
      case 'b':
        out += '\b';
        return;
      case 'f':
        out += '\f';
        return;
      case 'n':
        out += '\n';
        return;
      case 'r':
        out += '\r';
        return;
      case 't':
        out += '\t';
        return;
      case 'u':
        break;
      default:
        Fail(at, "invalid escape sequence");
    }
    unsigned cp = ParseHex4(at);
    if (cp >= 0xDC00 && cp <= 0xDFFF) Fail(at, "unpaired surrogate in \\u escape");
    if (cp >= 0xD800 && cp <= 0xDBFF) {
      if (pos_ + 1 >= s_.size() || s_[pos_] != '\\' || s_[pos_ + 1] != 'u') {
        Fail(at, "unpaired surrogate in \\u escape");
      }
      const size_t low_at = pos_;
      pos_ += 2;
      unsigned low = ParseHex4(low_at);
      if (low < 0xDC00 || low > 0xDFFF) Fail(at, "unpaired surrogate in \\u escape");
      cp = 0x10000 + ((cp - 0xD800) << 10) + (low - 0xDC00);
    }
    AppendUtf8(out, cp);
  }

  // Reads the four hex digits of a \u escape that began at byte at.
  unsigned ParseHex4(size_t at) {
    unsigned cp = 0;
    for (int k = 0; k < 4; ++k) {
      if (pos_ >= s_.size()) Fail(at, "invalid \\u escape");
      char c = s_[pos_];
      unsigned digit;
      if (c >= '0' && c <= '9') {
        digit = c - '0';
      } else if (c >= 'a' && c <= 'f') {
        digit = c - 'a' + 10;
      } else if (c >= 'A' && c <= 'F') {
        digit = c - 'A' + 10;
      } else {
        Fail(at, "invalid \\u escape");
      }
      cp = cp * 16 + digit;
      ++pos_;
    }
    return cp;
  }

  std::string_view s_;
  size_t pos_ = 0;
  bool unique_keys_;  // a repeated key fails the parse instead of replacing the earlier value
  const CancelCheck* cancel_ = nullptr;
  size_t values_ = 0;
};

// Appends v to out in compact form; recursion depth is that of the value.
void DumpTo(const Value& v, std::string& out) {
  switch (v.type()) {
    case Type::kNull:
      out += "null";
      return;
    case Type::kBool:
      out += v.as_bool() ? "true" : "false";
      return;
    case Type::kNumber:
      out += v.number_text();
      return;
    case Type::kString:
      AppendQuoted(out, v.as_string());
      return;
    case Type::kArray: {
      out += '[';
      bool first = true;
      for (const Value& item : v.as_array()) {
        if (!first) out += ',';
        first = false;
        DumpTo(item, out);
      }
      out += ']';
      return;
    }
    case Type::kObject: {
      out += '{';
      bool first = true;
      for (const auto& [key, member] : v.as_object()) {
        if (!first) out += ',';
        first = false;
        AppendQuoted(out, key);
        out += ':';
        DumpTo(member, out);
      }
      out += '}';
      return;
    }
  }
}

}  // namespace

// Makes a boolean value.
Value Value::Bool(bool b) {
  Value v;
  v.type_ = Type::kBool;
  v.bool_ = b;
  return v;
}

// Makes a number, keeping text only if it is a JSON number so Dump stays valid JSON.
Value Value::Number(double d, std::string text) {
  Value v;
  v.type_ = Type::kNumber;
  v.number_ = d;
  if (!text.empty() && ScanNumber(text, 0).end == text.size()) {
    v.string_ = std::move(text);
  } else {
    v.string_ = RenderNumber(d);
  }
  return v;
}

// Makes a string value.
Value Value::String(std::string s) {
  Value v;
  v.type_ = Type::kString;
  v.string_ = std::move(s);
  return v;
}

// Makes an array value.
Value Value::MakeArray(Array a) {
  Value v;
  v.type_ = Type::kArray;
  v.array_ = std::make_shared<Array>(std::move(a));
  return v;
}

// Makes an object value; members are taken as given (no duplicate check).
Value Value::MakeObject(Object o) {
  Value v;
  v.type_ = Type::kObject;
  v.object_ = std::make_shared<Object>(std::move(o));
  return v;
}

// Looks key up by linear scan; configuration objects are small.
const Value* Value::Find(std::string_view key) const {
  if (type_ != Type::kObject) return nullptr;
  for (const auto& [name, value] : *object_) {
    if (name == key) return &value;
  }
  return nullptr;
}

// Serialises compactly.
std::string Value::Dump() const {
  std::string out;
  DumpTo(*this, out);
  return out;
}

// Names a type the way JSON Schema and jsonb_typeof do.
const char* TypeName(Type t) {
  switch (t) {
    case Type::kNull:
      return "null";
    case Type::kBool:
      return "boolean";
    case Type::kNumber:
      return "number";
    case Type::kString:
      return "string";
    case Type::kArray:
      return "array";
    case Type::kObject:
      return "object";
  }
  return "unknown";
}

// Parses one document.
Value Parse(std::string_view text) { return Parser(text, false).ParseDocument(); }

Value Parse(std::string_view text, const CancelCheck* cancel) {
  return Parser(text, false, cancel).ParseDocument();
}

Value ParseUniqueKeys(std::string_view text) { return Parser(text, true).ParseDocument(); }

// Quotes s. Bytes that are not valid UTF-8 become U+FFFD (one per byte) so the output
// always parses, whatever a caller put in a Value.
void AppendQuoted(std::string& out, std::string_view s, bool ascii_only) {
  static constexpr char kHex[] = "0123456789abcdef";
  auto escape_unit = [&out](uint32_t u) {
    out += "\\u";
    for (int shift = 12; shift >= 0; shift -= 4) out += kHex[(u >> shift) & 0xF];
  };
  out.reserve(out.size() + s.size() + 2);
  out += '"';
  size_t i = 0;
  while (i < s.size()) {
    unsigned char c = static_cast<unsigned char>(s[i]);
    if (c >= 0x80) {
      size_t len = Utf8SequenceLength(s, i);
      if (len == 0) {
        if (ascii_only) escape_unit(0xFFFD);
        else out += "\xEF\xBF\xBD";
        ++i;
      } else if (ascii_only) {
        // The code point, as one \u escape or a surrogate pair.
        uint32_t cp = len == 2 ? (c & 0x1Fu) : len == 3 ? (c & 0x0Fu) : (c & 0x07u);
        for (size_t k = 1; k < len; ++k) cp = (cp << 6) | (static_cast<unsigned char>(s[i + k]) & 0x3Fu);
        if (cp >= 0x10000) {
          cp -= 0x10000;
          escape_unit(0xD800 + (cp >> 10));
          escape_unit(0xDC00 + (cp & 0x3FF));
        } else {
          escape_unit(cp);
        }
        i += len;
      } else {
        out.append(s.data() + i, len);
        i += len;
      }
      continue;
    }
    switch (c) {
      case '"':
        out += "\\\"";
        break;
      case '\\':
        out += "\\\\";
        break;
      case '\b':
        out += "\\b";
        break;
      case '\f':
        out += "\\f";
        break;
      case '\n':
        out += "\\n";
        break;
      case '\r':
        out += "\\r";
        break;
      case '\t':
        out += "\\t";
        break;
      default:
        if (c < 0x20) {
          out += "\\u00";
          out += kHex[c >> 4];
          out += kHex[c & 0xF];
        } else {
          out += static_cast<char>(c);
        }
    }
    ++i;
  }
  out += '"';
}

}  // namespace comply::json
