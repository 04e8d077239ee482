// A small JSON document model and parser (RFC 8259) for configuration the core reads:
// redaction operators now; schemas and model answers later. Strict: no comments, no
// trailing commas, UTF-8 checked, duplicate keys keep the last value, depth bounded.
#pragma once
#include "core/no_postgres.h"

#include <cstdint>
#include <map>
#include <memory>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "core/cancel.h"

namespace comply::json {

enum class Type { kNull, kBool, kNumber, kString, kArray, kObject };

class Value {
 public:
  using Array = std::vector<Value>;
  // Object members in document order. Parse keeps one member per key: a repeated
  // key's last value, at the position where the key first appeared.
  using Object = std::vector<std::pair<std::string, Value>>;

  Value() = default;  // null
  static Value Bool(bool b);
  // text, if given, must be a JSON number (it is kept for Dump); otherwise it is
  // ignored and d is rendered (infinities as +-1e999, NaN as null).
  static Value Number(double d, std::string text = {});
  static Value String(std::string s);
  static Value MakeArray(Array a = {});
  static Value MakeObject(Object o = {});

  Type type() const { return type_; }
  bool is_null() const { return type_ == Type::kNull; }
  bool is_bool() const { return type_ == Type::kBool; }
  bool is_number() const { return type_ == Type::kNumber; }
  bool is_string() const { return type_ == Type::kString; }
  bool is_array() const { return type_ == Type::kArray; }
  bool is_object() const { return type_ == Type::kObject; }

  bool as_bool() const { return bool_; }
  double as_number() const { return number_; }
  // The number as written in the source (exact digits), or a rendering of as_number().
  const std::string& number_text() const { return string_; }
  const std::string& as_string() const { return string_; }
  const Array& as_array() const { return *array_; }
  Array& as_array() { return *array_; }
  const Object& as_object() const { return *object_; }
  Object& as_object() { return *object_; }

  // Member lookup on an object (nullptr if absent or not an object).
  const Value* Find(std::string_view key) const;

  // Compact serialisation (keys in stored order, strings escaped, numbers as written).
  std::string Dump() const;

 private:
  Type type_ = Type::kNull;
  bool bool_ = false;
  double number_ = 0;
  std::string string_;
  std::shared_ptr<Array> array_;
  std::shared_ptr<Object> object_;
};

// Name of a type for messages ("object", "string", ...).
const char* TypeName(Type t);

// Maximum nesting of arrays and objects accepted by Parse.
inline constexpr int kMaxDepth = 512;

// Parses text as one JSON value; throws comply::Error (22P02, invalid_text_representation)
// naming the (0-based) byte offset of the problem, never the text itself.
Value Parse(std::string_view text);
// The same, polling cancel every few thousand values (a registered schema of tens of
// megabytes takes seconds to parse).
Value Parse(std::string_view text, const CancelCheck* cancel);

// The same, but a key repeated in an object fails the parse (22P02): for text whose
// meaning must not depend on which of two values a reader takes, such as a model's
// answer ({"label": "benign", "label": "phi"}).
Value ParseUniqueKeys(std::string_view text);

// Appends s to out as a JSON string literal (quotes included). Bytes of s that are not
// valid UTF-8 are written as U+FFFD so the result always parses. With ascii_only, every
// character outside ASCII is a \u escape (a surrogate pair beyond U+FFFF): the text
// is then the same bytes in any client encoding.
void AppendQuoted(std::string& out, std::string_view s, bool ascii_only = false);

}  // namespace comply::json
