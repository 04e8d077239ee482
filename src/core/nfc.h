// Unicode Normalization Form C of UTF-8 text, by ICU: for the checks that compare text
// as a reader does (IDNA host names, pseudonyms).
#pragma once
#include "core/no_postgres.h"

#include <string>
#include <string_view>

#include "core/cancel.h"

namespace comply {

// s (UTF-8) in Unicode Normalization Form C, into *out; false if ICU cannot convert it
// (ill-formed UTF-8, or no ICU data), *out then unspecified. Normalized in segments of
// about 64 Ki UTF-16 code units, cancel polled between them; a segment that cannot end
// at a normalization boundary within 4,096 more code units (thousands of combining marks
// in a row: not text) gives false too.
bool ToNfc(std::string_view s, std::string* out, const CancelCheck& cancel = {});

}  // namespace comply
