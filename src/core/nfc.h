// Unicode Normalization Form C of UTF-8 text, by ICU: for the checks that compare text
// as a reader does (IDNA host names, pseudonyms).
#pragma once
#include "core/no_postgres.h"

#include <string>
#include <string_view>

namespace comply {

// s (UTF-8) in Unicode Normalization Form C, into *out; false if ICU cannot convert it
// (ill-formed UTF-8, or no ICU data), *out then unspecified.
bool ToNfc(std::string_view s, std::string* out);

}  // namespace comply
