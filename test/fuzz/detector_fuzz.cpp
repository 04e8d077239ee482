// Fuzzes PII detection: findings must be in bounds, non-empty, sorted, non-overlapping,
// scored in [0, 1], (for UTF-8 input) start and end on character boundaries, and be
// those of the full scan (no regex skipped by the prefilter).
#include <cmath>
#include <cstddef>
#include <cstdint>
#include <string_view>
#include <vector>

#include "core/error.h"
#include "core/pii/detector.h"
#include "fuzz_util.h"

using comply::fuzz::Die;

namespace {

// Builds the detector once: built-ins, a few first names and a custom recognizer with
// a capturing group, so every code path of Detect is reachable.
const comply::pii::Detector& GetDetector() {
  static const comply::pii::Detector* detector = [] {
    std::vector<comply::pii::CustomRecognizer> custom;
    custom.push_back({"EMPLOYEE_ID", R"(\bEMP-(\d{6})\b)", 0.6, {"employee", "staff"}});
    return new comply::pii::Detector(custom, {"john", "maria", "jose", "anne", "wei"});
  }();
  return *detector;
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  std::string_view text(reinterpret_cast<const char*>(data), size);
  const bool utf8 = comply::fuzz::IsValidUtf8(text);
  comply::pii::DetectOptions options;
  options.min_score = 0;

  std::vector<comply::pii::Finding> findings;
  try {
    findings = GetDetector().Detect(text, options);
  } catch (const comply::Error&) {
    // Detect requires UTF-8; refusing anything else is allowed, refusing UTF-8 is not.
    if (utf8) Die("Detect threw on valid UTF-8 input");
    return 0;
  }

  size_t previous_end = 0;
  for (const comply::pii::Finding& f : findings) {
    if (f.entity.empty()) Die("finding with empty entity");
    if (!(f.begin < f.end)) Die("finding with empty or inverted span");
    if (f.end > size) Die("finding past the end of the input");
    if (f.begin < previous_end) Die("findings unsorted or overlapping");
    if (!(f.score >= 0 && f.score <= 1)) Die("score outside [0, 1]");
    if (utf8 && (!comply::fuzz::IsCharBoundary(text, f.begin) ||
                 !comply::fuzz::IsCharBoundary(text, f.end))) {
      Die("finding splits a UTF-8 character");
    }
    previous_end = f.end;
  }

  // The fold pseudonyms hash keeps UTF-8 valid, and reads nothing past the input (ASan).
  std::string folded;
  if (comply::pii::FoldForMatching(text, &folded) && utf8 && !comply::fuzz::IsValidUtf8(folded))
    Die("FoldForMatching made valid UTF-8 invalid");

  // The prefilter may only skip regexes that cannot match: the full scan finds the same.
  if (utf8) {
    comply::pii::DetectOptions full = options;
    full.full_scan = true;
    const std::vector<comply::pii::Finding> all = GetDetector().Detect(text, full);
    if (all.size() != findings.size()) Die("the full scan finds more or fewer than Detect");
    for (size_t i = 0; i < all.size(); ++i) {
      if (all[i].entity != findings[i].entity || all[i].begin != findings[i].begin ||
          all[i].end != findings[i].end || all[i].score != findings[i].score)
        Die("the full scan finds other findings than Detect");
    }
  }
  return 0;
}
