// Fuzzes redaction. Input is "operators JSON" NUL "text" (a NUL never occurs in valid
// JSON); without a NUL the whole input is text under the default operators. Redacting
// valid UTF-8 must give valid UTF-8, and redacting nothing must change nothing.
#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include "core/error.h"
#include "core/json.h"
#include "core/pii/detector.h"
#include "core/pii/redactor.h"
#include "fuzz_util.h"

using comply::fuzz::Die;

namespace {

constexpr std::string_view kKey = "0123456789abcdef0123456789abcdef";  // 32 bytes

// Builds the detector once, with a few first names so PERSON findings occur.
const comply::pii::Detector& GetDetector() {
  static const comply::pii::Detector* detector =
      new comply::pii::Detector({}, {"john", "maria", "jose", "anne", "wei"});
  return *detector;
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  std::string_view input(reinterpret_cast<const char*>(data), size);
  std::string_view text = input;
  comply::pii::OperatorConfig config;
  if (size_t nul = input.find('\0'); nul != std::string_view::npos) {
    text = input.substr(nul + 1);
    try {
      config = comply::pii::ParseOperators(comply::json::Parse(input.substr(0, nul)));
    } catch (const comply::Error&) {
      // Bad configuration is rejected by design; still exercise the text below.
      config = comply::pii::OperatorConfig();
    }
  }
  const bool utf8 = comply::fuzz::IsValidUtf8(text);

  comply::pii::DetectOptions options;
  options.min_score = 0;
  std::string redacted;
  std::string unchanged;
  std::vector<comply::pii::Finding> findings;
  try {
    findings = GetDetector().Detect(text, options);
    redacted = comply::pii::Redact(text, findings, config, kKey);
    unchanged = comply::pii::Redact(text, {}, config, kKey);
  } catch (const comply::Error&) {
    if (utf8) Die("Detect or Redact threw on valid UTF-8 input");
    return 0;
  }
  if (unchanged != text) Die("Redact without findings changed the text");
  // Redact allocates by ReplacementBytes: it must be what the operator writes, for each
  // finding and for the whole text (invisible characters, ill-formed UTF-8, any mask).
  findings.push_back({"X", 0, text.size(), 1.0});
  const comply::pii::OperatorConfig& ops = config;
  for (const comply::pii::Finding& f : findings) {
    const std::string_view original = text.substr(f.begin, f.end - f.begin);
    for (const comply::pii::Operator* op : {&ops.For(f.entity), &ops.default_op}) {
      if (comply::pii::ReplacementBytes(*op, f.entity, original) !=
          comply::pii::ApplyOperator(*op, f.entity, original, kKey).size())
        Die("ReplacementBytes is not the size of what ApplyOperator writes");
    }
  }
  if (utf8 && !comply::fuzz::IsValidUtf8(redacted)) Die("Redact produced invalid UTF-8");
  return 0;
}
