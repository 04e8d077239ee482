// PII detection: one pass over the text tells which regexes may match (prefilter.h for
// the built-in ones, an RE2::Set for custom ones); those are searched, then each
// candidate is validated, scored with context and overlaps resolved.
#pragma once
#include "core/no_postgres.h"

#include <cstddef>
#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include "core/cancel.h"

namespace comply::pii {

// One finding: entity name (Presidio's), byte span [begin, end) in the input, score 0..1.
// entity points into the Detector that made the finding: it lives as long as that
// Detector (findings are made by the million, and a copied name was a heap allocation).
struct Finding {
  std::string_view entity;
  size_t begin = 0;
  size_t end = 0;
  double score = 0;
};

// A user-defined recognizer (a row of comply.recognizers).
struct CustomRecognizer {
  std::string entity;
  std::string pattern;  // RE2 syntax; if it has a capturing group, group 1 is the span
  double score = 0.5;
  std::vector<std::string> context;  // lower-case words that raise the score nearby
};

struct DetectOptions {
  double min_score = 0.5;
  std::vector<std::string> entities;  // empty: every entity
  // The name the text is stored under (a column's, a JSON member's key): a candidate
  // that is the whole text is scored as after a context word when a word of the name
  // names its identifier itself ("nif", "customer_pesel", "ssn"; not broader words such
  // as "account" or "tax"), so that an identifier that needs its word nearby is found
  // stored alone under a name made for it. Empty: none. Not owned: it must outlive the
  // Detect call.
  std::string_view context;
  // Searches every built-in regex in every text: no shortcut on the text's bytes, no
  // prefilter (the same findings, more slowly: for tests).
  bool full_scan = false;
};

// Score added when a context word is near a candidate (Presidio's similarity factor).
inline constexpr double kContextBoost = 0.35;
// Words before / after a candidate searched for context.
inline constexpr int kContextWordsBefore = 6;
inline constexpr int kContextWordsAfter = 3;

// Checks a pattern compiles with RE2 as the detector would compile it; throws
// comply::Error (2201B) with RE2's message (which quotes only the pattern) if not, and
// 54000 for a pattern longer than kMaxPatternBytes.
constexpr size_t kMaxPatternBytes = 64 * 1024;
void CheckPattern(std::string_view pattern);

// True if name is an entity the built-in recognizers produce.
bool IsBuiltinEntity(std::string_view name);

// The built-in entity names, sorted.
std::vector<std::string> BuiltinEntities();

class Detector {
 public:
  // Compiles the built-in patterns plus custom ones (with custom ones, as an extension,
  // below, of a built-in detector it owns); throws comply::Error on a bad custom
  // pattern. first_names (lower-case, one per entry) support PERSON detection.
  explicit Detector(const std::vector<CustomRecognizer>& custom = {},
                    std::vector<std::string> first_names = {});
  // An extension of builtin (which must outlive it): builtin's recognizers and names,
  // plus custom ones compiled here. Findings are those of one detector with all of
  // them, except that a custom regex identical to a built-in one is searched on its own
  // rather than with it. For sessions that share a detector built once (the postmaster's)
  // and add their custom recognizers; throws comply::Error on a bad custom pattern.
  Detector(const Detector& builtin, const std::vector<CustomRecognizer>& custom);
  ~Detector();
  Detector(const Detector&) = delete;
  Detector& operator=(const Detector&) = delete;

  // Findings in text, ordered by position, overlaps resolved (higher score, then longer,
  // then earlier wins). text must be UTF-8. cancel is polled every window of input.
  // Separators and digits that are not ASCII (a no-break or thin space, a non-breaking
  // hyphen, an en dash, an em dash between digits, the fullwidth forms of ASCII letters,
  // digits and punctuation, the decimal digits of every script, zero-width spaces,
  // combining marks after a digit or a separator: what copy and paste, an input method
  // or an evasion puts in a card number, an SSN, an address or a name) are read as
  // their ASCII counterparts (or skipped, for the zero-width ones and the marks);
  // findings are spans of text as given. Custom recognizers run over both, the text as
  // given and the text so read.
  std::vector<Finding> Detect(std::string_view text, const DetectOptions& options,
                              const CancelCheck& cancel = {}) const;

  // Whether a word of an identifier is a listed first name, in any letter case: the
  // words of "maria garcia", "MARIA_GARCIA", "MariaGarcia", "garcia.maria" (runs of
  // ASCII letters, split where a small letter meets a capital), three letters or more
  // ("max" aside, a word of many keys).
  // For a document's key shown in a message, which Detect does not read as a name
  // unless it is written as prose writes names.
  bool HoldsFirstName(std::string_view identifier) const;

  // Runs Detect over a built-in sample holding every built-in entity (invented values),
  // so that what the first real texts would build lazily is built now: the automata's
  // states met on ordinary text and PII, the reverse programs, libphonenumber's
  // metadata. For a detector built before the server forks its backends (pg_comply
  // preloaded), which then share that memory instead of each building its own. Returns
  // the entities found in the sample, sorted.
  std::vector<std::string_view> WarmUp() const;

 private:
  struct Impl;
  void AddCustom(const std::vector<CustomRecognizer>& custom);
  void Finish(std::vector<std::string> first_names);
  // The findings among candidates, overlaps resolved, ordered by position.
  static std::vector<Finding> Resolve(std::vector<Finding> candidates);
  // Adds the candidates of the base detectors' recognizers, then of this one's.
  void CollectAll(std::string_view text, const DetectOptions& options, const CancelCheck& cancel,
                  std::vector<Finding>* out) const;

  std::unique_ptr<Impl> impl_;
  const Detector* base_ = nullptr;  // an extension's built-in detector
  std::unique_ptr<Detector> owned_base_;  // base_, when this detector built it
};

// Sets *folded to text as Detect reads it (its comment above): the separators and digits
// that are not ASCII as their ASCII counterparts (an em dash and a horizontal bar as '-'
// between two digits only, an ideographic full stop as '.' between two letters or digits
// only), the fullwidth forms of ASCII as ASCII, the zero-width and invisible format
// characters (InvisibleLength) left out, an ASCII letter (or a fullwidth one) and a
// combining mark after it that compose to a letter of Latin-1 or Latin Extended-A as
// that letter (NFC), and the combining marks after a digit, a space or a punctuation mark
// left out. Returns false, leaving *folded as it is, when text holds nothing to fold
// and reads as itself (every ASCII text, most others); true otherwise. Ill-formed UTF-8
// is kept as it is, byte for byte. The canonical form of pseudonyms (Pseudonym).
// cancel is polled every 64 KiB.
bool FoldForMatching(std::string_view text, std::string* folded, const CancelCheck& cancel = {});

// The length of the invisible character at text[i] (i < text.size()) that Detect skips
// and FoldForMatching leaves out, or 0: U+00AD soft hyphen, U+180E, U+200B to U+200D
// (the zero-width space, non-joiner and joiner), the bidi marks U+200E and U+200F,
// embeddings and overrides U+202A to U+202E, U+2060 word joiner, the invisible operators
// U+2061 to U+2064, the bidi isolates U+2066 to U+2069, U+FEFF (a byte order mark).
size_t InvisibleLength(std::string_view text, size_t i);

// Reads a first-name list: one name per line, '#' comments; returns lower-case names.
// Throws comply::Error (F0000) if the file cannot be read.
std::vector<std::string> LoadNameList(const std::string& path);

}  // namespace comply::pii
