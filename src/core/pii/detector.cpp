// The detection engine: an RE2::Set pass per window of input tells which patterns occur;
// only those are searched for spans, validated, scored with context and resolved.
#include "core/pii/detector.h"

#include <re2/re2.h>
#include <re2/set.h>

#include <algorithm>
#include <cctype>
#include <fstream>
#include <set>
#include <unordered_set>

#include "core/error.h"
#include "core/pii/recognizers.h"

namespace comply::pii {
namespace {

// Input is scanned in windows so that cancellation is polled and a pattern that
// straddles a window edge is still found: each window is searched kWindowMargin bytes
// past its end, and only matches that start inside it are kept.
constexpr size_t kWindowBytes = 64 * 1024;
constexpr size_t kWindowMargin = 2048;
// Memory budget for the combined set's DFA; over it, every pattern is searched.
constexpr int64_t kSetMaxMem = 64 << 20;
// Bytes around a candidate searched for context words.
constexpr size_t kContextMaxBytes = 96;

struct Pattern {
  std::string entity;
  std::unique_ptr<RE2> re;
  double base_score;
  double valid_score;
  ValidateFn validate;
  RefineFn refine;
  std::vector<std::string> context;
  bool first_name;
};

// Returns RE2 options shared by every pattern (UTF-8, no logging of bad patterns).
RE2::Options PatternOptions() {
  RE2::Options o;
  o.set_encoding(RE2::Options::EncodingUTF8);
  o.set_log_errors(false);
  o.set_max_mem(8 << 20);
  return o;
}

// Offset of the UTF-8 character after the one starting at i.
size_t NextCharStart(std::string_view text, size_t i) {
  ++i;
  while (i < text.size() && (static_cast<unsigned char>(text[i]) & 0xC0) == 0x80) ++i;
  return i;
}

bool IsWordByte(unsigned char c) { return std::isalnum(c) || c == '#' || c == '\'' || c >= 0x80; }

// Lower-cases ASCII letters of s.
std::string AsciiLower(std::string_view s) {
  std::string out(s);
  for (char& c : out) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  return out;
}

// True if one of the words near [begin, end) is in context.
bool HasContext(std::string_view text, size_t begin, size_t end,
                const std::vector<std::string>& context) {
  if (context.empty()) return false;
  auto matches = [&](std::string_view word) {
    std::string w = AsciiLower(word);
    while (!w.empty() && (w.back() == ':' || w.back() == '\'')) w.pop_back();
    if (w.size() > 2 && w.compare(w.size() - 2, 2, "'s") == 0) w.resize(w.size() - 2);
    return std::find(context.begin(), context.end(), w) != context.end();
  };
  // Words before the candidate.
  size_t pos = begin;
  size_t limit = begin > kContextMaxBytes ? begin - kContextMaxBytes : 0;
  for (int n = 0; n < kContextWordsBefore && pos > limit; ++n) {
    while (pos > limit && !IsWordByte(text[pos - 1])) --pos;
    size_t wend = pos;
    while (pos > limit && IsWordByte(text[pos - 1])) --pos;
    if (wend > pos && matches(text.substr(pos, wend - pos))) return true;
  }
  // Words after it.
  pos = end;
  limit = std::min(text.size(), end + kContextMaxBytes);
  for (int n = 0; n < kContextWordsAfter && pos < limit; ++n) {
    while (pos < limit && !IsWordByte(text[pos])) ++pos;
    size_t wbegin = pos;
    while (pos < limit && IsWordByte(text[pos])) ++pos;
    if (pos > wbegin && matches(text.substr(wbegin, pos - wbegin))) return true;
  }
  return false;
}

// Drops name-cue stopwords from both ends of a PERSON span; false if nothing is left.
bool TrimNameSpan(std::string_view text, size_t* begin, size_t* end) {
  for (;;) {
    std::string_view span = text.substr(*begin, *end - *begin);
    size_t sp = span.find_first_of(" \t");
    std::string_view first = span.substr(0, sp);
    if (IsNameStopword(first) || (first.size() == 2 && first[1] == '.' && sp == std::string_view::npos)) {
      if (sp == std::string_view::npos) return false;
      *begin += sp;
      while (*begin < *end && (text[*begin] == ' ' || text[*begin] == '\t')) ++*begin;
      continue;
    }
    size_t lsp = span.find_last_of(" \t");
    if (lsp == std::string_view::npos) return !IsNameStopword(span);
    std::string_view last = span.substr(lsp + 1);
    if (IsNameStopword(last)) {
      *end = *begin + lsp;
      while (*end > *begin && (text[*end - 1] == ' ' || text[*end - 1] == '\t')) --*end;
      continue;
    }
    return true;
  }
}

}  // namespace

struct Detector::Impl {
  std::vector<Pattern> patterns;
  std::unique_ptr<RE2::Set> set;
  std::unordered_set<std::string> first_names;
  std::set<std::string> entities;

  // Adds one pattern to the list and the set; throws on a pattern RE2 refuses.
  void Add(Pattern p, const std::string& source) {
    int index = set->Add(source, nullptr);
    if (index < 0) throw Error(sqlstate::kInvalidRegularExpression, "invalid pattern");
    entities.insert(p.entity);
    patterns.push_back(std::move(p));
  }

  // Searches pattern i over [from, to) of text (context from the whole text), adding
  // scored candidates that start before keep_before.
  void Scan(size_t i, std::string_view text, size_t from, size_t to, size_t keep_before,
            size_t* resume, const DetectOptions& options, std::vector<Finding>* out) const;
};

void CheckPattern(std::string_view pattern) {
  RE2 re(pattern, PatternOptions());
  if (!re.ok())
    throw Error(sqlstate::kInvalidRegularExpression, "invalid regular expression: " + re.error());
}

std::vector<std::string> BuiltinEntities() {
  std::set<std::string> names;
  for (const PatternDef& d : BuiltinPatterns()) names.insert(d.entity);
  return {names.begin(), names.end()};
}

bool IsBuiltinEntity(std::string_view name) {
  for (const PatternDef& d : BuiltinPatterns())
    if (name == d.entity) return true;
  return false;
}

Detector::Detector(const std::vector<CustomRecognizer>& custom,
                   std::vector<std::string> first_names)
    : impl_(std::make_unique<Impl>()) {
  RE2::Options set_options = PatternOptions();
  set_options.set_max_mem(kSetMaxMem);
  impl_->set = std::make_unique<RE2::Set>(set_options, RE2::UNANCHORED);
  for (const PatternDef& d : BuiltinPatterns()) {
    auto re = std::make_unique<RE2>(d.pattern, PatternOptions());
    if (!re->ok()) throw Error(sqlstate::kInternalError, std::string("built-in pattern ") + d.name + " does not compile");
    impl_->Add({d.entity, std::move(re), d.base_score, d.valid_score, d.validate, d.refine,
                d.context, d.first_name},
               d.pattern);
  }
  for (const CustomRecognizer& c : custom) {
    CheckPattern(c.pattern);
    if (c.score < 0 || c.score > 1)
      throw Error(sqlstate::kInvalidParameterValue, "recognizer score must be between 0 and 1");
    std::vector<std::string> context;
    for (const std::string& w : c.context) context.push_back(AsciiLower(w));
    impl_->Add({c.entity, std::make_unique<RE2>(c.pattern, PatternOptions()), c.score, c.score,
                nullptr, nullptr, std::move(context), false},
               c.pattern);
  }
  if (!impl_->set->Compile()) throw Error(sqlstate::kProgramLimitExceeded, "pattern set too large to compile");
  for (std::string& n : first_names) impl_->first_names.insert(std::move(n));
}

Detector::~Detector() = default;

void Detector::Impl::Scan(size_t i, std::string_view text, size_t from, size_t to,
                          size_t keep_before, size_t* resume, const DetectOptions& options,
                          std::vector<Finding>* out) const {
  const Pattern& p = patterns[i];
  int ngroups = std::min(p.re->NumberOfCapturingGroups(), 1);
  re2::StringPiece match[2];
  size_t pos = std::max(from, *resume);
  while (pos < to && pos < keep_before) {
    if (!p.re->Match(re2::StringPiece(text.data(), text.size()), pos, to, RE2::UNANCHORED,
                     match, 1 + ngroups))
      break;
    size_t mbegin = match[0].data() - text.data();
    size_t mend = mbegin + match[0].size();
    if (mbegin >= keep_before) break;
    // A rejected match may hide a good one that starts inside it ("Yesterday Sarah
    // Connor"), so the search resumes just after its start; an accepted one is skipped.
    pos = NextCharStart(text, mbegin);
    *resume = pos;
    size_t begin = mbegin, end = mend;
    if (ngroups == 1) {
      if (match[1].data() == nullptr) continue;
      begin = match[1].data() - text.data();
      end = begin + match[1].size();
    }
    if (end <= begin) continue;
    if (p.refine && !p.refine(text, &begin, &end)) continue;
    double score = p.base_score;
    if (p.validate) {
      Validity v = p.validate(text.substr(begin, end - begin));
      if (v == Validity::kInvalid) continue;
      if (v == Validity::kValid) score = p.valid_score;
    }
    if (p.first_name) {
      std::string_view span = text.substr(begin, end - begin);
      if (first_names.count(AsciiLower(span.substr(0, span.find_first_of(" \t")))) == 0) continue;
    }
    if (p.entity == "PERSON" && !TrimNameSpan(text, &begin, &end)) continue;
    pos = std::max(pos, mend);
    *resume = pos;
    if (score + kContextBoost >= options.min_score && HasContext(text, begin, end, p.context))
      score += kContextBoost;
    score = std::min(score, 1.0);
    if (score < options.min_score) continue;
    out->push_back({p.entity, begin, end, score});
  }
}

std::vector<Finding> Detector::Detect(std::string_view text, const DetectOptions& options,
                                      const CancelCheck& cancel) const {
  const Impl& im = *impl_;
  std::vector<bool> wanted(im.patterns.size(), true);
  if (!options.entities.empty()) {
    for (size_t i = 0; i < im.patterns.size(); ++i)
      wanted[i] = std::find(options.entities.begin(), options.entities.end(),
                            im.patterns[i].entity) != options.entities.end();
  }
  std::vector<Finding> candidates;
  std::vector<size_t> resume(im.patterns.size(), 0);
  std::vector<int> hits;
  for (size_t start = 0; start < text.size(); start += kWindowBytes) {
    PollCancel(cancel);
    size_t keep_before = std::min(text.size(), start + kWindowBytes);
    size_t to = std::min(text.size(), keep_before + kWindowMargin);
    hits.clear();
    RE2::Set::ErrorInfo info{};
    if (!im.set->Match(re2::StringPiece(text.data() + start, to - start), &hits, &info)) {
      if (info.kind == RE2::Set::kNoError) continue;  // nothing in this window
      // The set's DFA ran out of memory: search every pattern instead.
      hits.clear();
      for (size_t i = 0; i < im.patterns.size(); ++i) hits.push_back(static_cast<int>(i));
    }
    std::sort(hits.begin(), hits.end());
    for (int i : hits) {
      if (!wanted[i]) continue;
      im.Scan(i, text, start, to, keep_before, &resume[i], options, &candidates);
    }
  }
  // Overlaps: the better score wins, then the longer span, then the earlier one.
  std::sort(candidates.begin(), candidates.end(), [](const Finding& a, const Finding& b) {
    if (a.score != b.score) return a.score > b.score;
    if (a.end - a.begin != b.end - b.begin) return a.end - a.begin > b.end - b.begin;
    if (a.begin != b.begin) return a.begin < b.begin;
    return a.entity < b.entity;
  });
  std::vector<Finding> kept;
  std::set<std::pair<size_t, size_t>> taken;  // accepted spans by begin
  for (Finding& f : candidates) {
    auto next = taken.lower_bound({f.begin, 0});
    if (next != taken.end() && next->first < f.end) continue;
    if (next != taken.begin() && std::prev(next)->second > f.begin) continue;
    taken.insert({f.begin, f.end});
    kept.push_back(std::move(f));
  }
  std::sort(kept.begin(), kept.end(),
            [](const Finding& a, const Finding& b) { return a.begin < b.begin; });
  return kept;
}

std::vector<std::string> LoadNameList(const std::string& path) {
  std::ifstream in(path);
  if (!in) throw Error(sqlstate::kConfigFileError, "could not read name list \"" + path + "\"");
  std::vector<std::string> names;
  std::string line;
  while (std::getline(in, line)) {
    while (!line.empty() && std::isspace(static_cast<unsigned char>(line.back()))) line.pop_back();
    if (line.empty() || line[0] == '#') continue;
    names.push_back(AsciiLower(line));
  }
  return names;
}

}  // namespace comply::pii
