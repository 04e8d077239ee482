// Fuzzes JSON Schema compilation and validation: input is a schema and an instance
// separated by a NUL byte. Compilation either succeeds or throws comply::Error; a
// compiled schema validates any instance without crashing, IsValid agrees with
// Validate, and no error message quotes a string of the instance.
#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include "core/error.h"
#include "core/json.h"
#include "core/schema/validator.h"
#include "fuzz_util.h"

using comply::fuzz::Die;

// Collects the string values of v that could not come from a message's fixed words by
// chance: at least 12 bytes with a byte that messages never contain ("@%&|~" or
// non-ASCII). (Shorter or plainer strings, such as "han 2 chara", can occur inside
// "string longer than 2 characters".)
static void Strings(const comply::json::Value& v, std::vector<std::string>* out) {
  auto distinctive = [](const std::string& s) {
    if (s.size() < 12) return false;
    for (unsigned char c : s)
      if (c >= 0x80 || c == '@' || c == '%' || c == '&' || c == '|' || c == '~') return true;
    return false;
  };
  if (v.is_string() && distinctive(v.as_string())) out->push_back(v.as_string());
  if (v.is_array())
    for (const auto& e : v.as_array()) Strings(e, out);
  if (v.is_object())
    for (const auto& [k, e] : v.as_object()) Strings(e, out);
}

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  std::string_view input(reinterpret_cast<const char*>(data), size);
  size_t nul = input.find('\0');
  if (nul == std::string_view::npos) return 0;
  comply::json::Value schema, instance;
  try {
    schema = comply::json::Parse(input.substr(0, nul));
    instance = comply::json::Parse(input.substr(nul + 1));
  } catch (const comply::Error&) {
    return 0;
  }
  std::shared_ptr<const comply::schema::CompiledSchema> compiled;
  try {
    compiled = comply::schema::CompiledSchema::Compile(schema);
  } catch (const comply::Error&) {
    return 0;
  }
  for (bool format_assert : {false, true}) {
    comply::schema::ValidateOptions options;
    options.format_assert = format_assert;
    try {
      bool valid = compiled->IsValid(instance, options);
      auto errors = compiled->Validate(instance, options);
      if (valid != errors.empty()) Die("IsValid disagrees with Validate");
      std::vector<std::string> values;
      Strings(instance, &values);
      for (const auto& e : errors)
        for (const auto& s : values)
          if (e.message.find(s) != std::string::npos && schema.Dump().find(s) == std::string::npos)
            Die("error message quotes an instance value");
    } catch (const comply::Error& e) {
      // Limits (54000) are the only errors validation may raise.
      if (std::string_view(e.sqlstate()) != comply::sqlstate::kProgramLimitExceeded)
        Die("validation raised an unexpected error");
    }
  }
  return 0;
}
