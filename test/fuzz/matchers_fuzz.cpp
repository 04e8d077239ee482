// Fuzzes the hand matchers (src/core/pii/matchers.h) against RE2: for every built-in
// pattern that has one, the matcher and RE2::Match of the pattern's regex must find the
// same span (or both nothing) in the same text, range and anchoring; a partial one
// (PartialHandMatcher) too, where it decides; and MatchName, where it decides, the name
// regexes matched anchored at the range's start (the patterns' tails and the surname
// after a first name). The input's first
// four bytes choose the range [from, to) and the anchoring; the rest is the text.
#include <re2/re2.h>

#include <cstddef>
#include <cstdint>
#include <memory>
#include <string_view>
#include <vector>

#include "core/pii/matchers.h"
#include "core/pii/recognizers.h"
#include "fuzz_util.h"

using comply::fuzz::Die;

namespace {

struct Subject {
  comply::pii::MatcherFn matcher;
  comply::pii::PartialMatcherFn partial;
  std::unique_ptr<RE2> re;
};

struct NameSubject {
  comply::pii::NameForm form;
  std::unique_ptr<RE2> re;
};

RE2::Options DetectorOptions() {  // as the detector compiles its patterns
  RE2::Options o;
  o.set_encoding(RE2::Options::EncodingUTF8);
  o.set_log_errors(false);
  return o;
}

const std::vector<NameSubject>& NameSubjects() {
  static const std::vector<NameSubject>* subjects = [] {
    auto* out = new std::vector<NameSubject>;
    for (const comply::pii::PatternDef& d : comply::pii::BuiltinPatterns())
      if (d.tail)
        out->push_back({comply::pii::NameTailForm(d.name), std::make_unique<RE2>(d.tail, DetectorOptions())});
    out->push_back({comply::pii::NameForm::kSurname,
                    std::make_unique<RE2>(comply::pii::SurnamePattern(), DetectorOptions())});
    for (const NameSubject& n : *out)
      if (n.form == comply::pii::NameForm::kNone || !n.re->ok()) Die("a name regex without its form");
    return out;
  }();
  return *subjects;
}

const std::vector<Subject>& Subjects() {
  static const std::vector<Subject>* subjects = [] {
    auto* out = new std::vector<Subject>;
    for (const comply::pii::PatternDef& d : comply::pii::BuiltinPatterns()) {
      comply::pii::MatcherFn m = comply::pii::HandMatcher(d.name);
      comply::pii::PartialMatcherFn partial = comply::pii::PartialHandMatcher(d.name);
      if (!m && !partial) continue;
      auto re = std::make_unique<RE2>(d.pattern, DetectorOptions());
      if (!re->ok()) Die("a built-in regex does not compile");
      out->push_back({m, partial, std::move(re)});
    }
    return out;
  }();
  return *subjects;
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  if (size < 4) return 0;
  const unsigned a = data[0] | unsigned{data[1]} << 8, b = data[2] | unsigned{data[3]} << 8;
  std::string_view text(reinterpret_cast<const char*>(data + 4), size - 4);
  const bool anchored = a & 1;
  size_t from = 0, to = text.size();
  if (a & 2) {  // else the whole text, as most searches see it
    from = (a >> 2) % (text.size() + 1);
    to = from + b % (text.size() - from + 1);
  }
  re2::StringPiece whole(text.data(), text.size());
  for (const Subject& s : Subjects()) {
    re2::StringPiece m;
    const bool want =
        s.re->Match(whole, from, to, anchored ? RE2::ANCHOR_START : RE2::UNANCHORED, &m, 1);
    size_t mb = 0, me = 0;
    bool got;
    if (s.partial) {
      const int r = s.partial(text, from, to, anchored, &mb, &me);
      if (r < 0) continue;  // left to RE2
      got = r == 1;
    } else {
      got = s.matcher(text, from, to, anchored, &mb, &me);
    }
    if (want != got) Die(want ? "RE2 matches, the hand matcher does not" : "the hand matcher matches, RE2 does not");
    if (want && (static_cast<size_t>(m.data() - text.data()) != mb || mb + m.size() != me))
      Die("the hand matcher's span differs from RE2's");
  }
  for (const NameSubject& n : NameSubjects()) {
    size_t end = 0;
    const int r = comply::pii::MatchName(n.form, text, from, to, &end);
    if (r < 0) continue;  // left to RE2
    re2::StringPiece m;
    const bool want = n.re->Match(whole, from, to, RE2::ANCHOR_START, &m, 1);
    if (want != (r == 1)) Die(want ? "RE2 matches a name, MatchName does not" : "MatchName matches, RE2 does not");
    if (want && static_cast<size_t>(m.data() - text.data()) + m.size() != end)
      Die("MatchName's end differs from RE2's");
  }
  return 0;
}
