// Unicode Normalization Form C by ICU (see nfc.h).
#include "core/nfc.h"

#include <unicode/unorm2.h>
#include <unicode/ustring.h>
#include <unicode/utf16.h>

#include <algorithm>
#include <memory>

namespace comply {
namespace {

// Work between two polls of cancel: UTF-8 bytes converted, UTF-16 code units normalized.
constexpr size_t kPiece = 256 * 1024;
constexpr int32_t kSegment = 64 * 1024;
// No normalization boundary for this many code units after a segment's end: not text (a
// run of thousands of combining marks, which ICU would reorder as one uncancellable
// segment); the Stream-Safe Text Format (UAX #15) allows 30 marks in a row.
constexpr int32_t kMaxWithoutBoundary = 4096;

}  // namespace

bool ToNfc(std::string_view s, std::string* out, const CancelCheck& cancel) {
  UErrorCode err = U_ZERO_ERROR;
  const UNormalizer2* nfc = unorm2_getNFCInstance(&err);
  if (U_FAILURE(err) || s.size() >= INT32_MAX / 3) return false;
  // To UTF-16, a piece at a time (each ending before a character's first byte).
  std::unique_ptr<UChar[]> utf16(new UChar[s.size() + 1]);
  int32_t n16 = 0;
  for (size_t from = 0; from < s.size();) {
    size_t to = std::min(s.size(), from + kPiece);
    while (to < s.size() && to > from && (static_cast<unsigned char>(s[to]) & 0xC0) == 0x80) --to;
    if (to == from) to = std::min(s.size(), from + kPiece);
    int32_t n = 0;
    u_strFromUTF8(utf16.get() + n16, static_cast<int32_t>(s.size() + 1) - n16, &n, s.data() + from,
                  static_cast<int32_t>(to - from), &err);
    if (U_FAILURE(err)) return false;
    n16 += n;
    from = to;
    PollCancel(cancel);
  }
  // Normalized a segment at a time, each ending before a character with a normalization
  // boundary before it (NFC of the whole is then NFC of each in turn); a segment already
  // in NFC is copied.
  std::unique_ptr<UChar[]> normal(new UChar[3 * static_cast<size_t>(n16) + 16]);
  const auto capacity = static_cast<int32_t>(3 * static_cast<size_t>(n16) + 16);
  int32_t nn = 0;
  for (int32_t from = 0; from < n16;) {
    int32_t to = std::min(n16, from + kSegment);
    int32_t scanned = 0;
    while (to < n16) {
      UChar32 c;
      int32_t at = to;
      U16_NEXT(utf16.get(), at, n16, c);
      if (unorm2_hasBoundaryBefore(nfc, c)) break;
      if ((scanned += at - to) > kMaxWithoutBoundary) return false;
      to = at;
    }
    if (unorm2_quickCheck(nfc, utf16.get() + from, to - from, &err) == UNORM_YES) {
      std::copy(utf16.get() + from, utf16.get() + to, normal.get() + nn);
      nn += to - from;
    } else {
      nn = unorm2_normalizeSecondAndAppend(nfc, normal.get(), nn, capacity, utf16.get() + from,
                                           to - from, &err);
    }
    if (U_FAILURE(err)) return false;
    from = to;
    PollCancel(cancel);
  }
  utf16.reset();
  // Back to UTF-8, a piece at a time (each ending before a low surrogate).
  out->resize(4 * static_cast<size_t>(nn) + 4);
  size_t n8 = 0;
  for (int32_t from = 0; from < nn;) {
    int32_t to = std::min<int32_t>(nn, from + static_cast<int32_t>(kPiece));
    if (to < nn && to > from && U16_IS_TRAIL(normal[to])) --to;
    int32_t n = 0;
    u_strToUTF8(out->data() + n8, static_cast<int32_t>(out->size() - n8), &n, normal.get() + from,
                to - from, &err);
    if (U_FAILURE(err)) return false;
    n8 += static_cast<size_t>(n);
    from = to;
    PollCancel(cancel);
  }
  out->resize(n8);
  return true;
}

}  // namespace comply
