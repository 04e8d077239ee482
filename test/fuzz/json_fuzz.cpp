// Fuzzes the JSON parser: any input either fails with a 22P02 error naming a byte offset,
// or parses to a value whose Dump parses again to the same Dump. ParseUniqueKeys accepts
// a subset of what Parse accepts, to the same value. Any bytes quoted ASCII-only are
// ASCII and parse back to what quoting them otherwise gives.
#include <cstddef>
#include <cstdint>
#include <cstring>
#include <string>
#include <string_view>

#include "core/error.h"
#include "core/json.h"
#include "fuzz_util.h"

using comply::fuzz::Die;

static void CheckAsciiQuoting(std::string_view text);

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  std::string_view text(reinterpret_cast<const char*>(data), size);
  CheckAsciiQuoting(text);
  comply::json::Value value;
  try {
    value = comply::json::Parse(text);
  } catch (const comply::Error& e) {
    if (std::strcmp(e.sqlstate(), comply::sqlstate::kInvalidTextRepresentation) != 0) {
      Die("parse error with unexpected SQLSTATE");
    }
    if (std::string_view(e.what()).rfind("invalid JSON at byte ", 0) != 0) {
      Die("parse error message without byte offset");
    }
    return 0;
  }

  std::string once = value.Dump();
  if (!comply::fuzz::IsValidUtf8(once)) Die("Dump produced invalid UTF-8");
  comply::json::Value again;
  try {
    again = comply::json::Parse(once);
  } catch (const comply::Error&) {
    Die("Dump output does not parse");
  }
  if (again.type() != value.type()) Die("round trip changed the type");
  if (again.Dump() != once) Die("round trip changed the document");
  try {
    if (comply::json::ParseUniqueKeys(text).Dump() != once) Die("ParseUniqueKeys gave another value");
  } catch (const comply::Error& e) {
    if (std::strcmp(e.sqlstate(), comply::sqlstate::kInvalidTextRepresentation) != 0)
      Die("ParseUniqueKeys error with unexpected SQLSTATE");
  }
  return 0;
}

// (Called for every input, parsed or not.)
static void CheckAsciiQuoting(std::string_view text) {
  std::string plain, ascii;
  comply::json::AppendQuoted(plain, text);
  comply::json::AppendQuoted(ascii, text, /*ascii_only=*/true);
  for (unsigned char c : ascii)
    if (c >= 0x80) Die("ascii_only quoting left a byte outside ASCII");
  if (comply::json::Parse(ascii).as_string() != comply::json::Parse(plain).as_string())
    Die("ascii_only quoting parses to other text");
}
