#include "core/utf8.h"

#include <gtest/gtest.h>

#include <string>
#include <string_view>

namespace comply {
namespace {

// The code point at text[0], or 0; *len is set only for a sequence.
uint32_t At(std::string_view text, size_t* len) { return MultiByteAt(text, 0, len); }

TEST(MultiByteAtTest, ReadsWellFormedSequences) {
  size_t len = 0;
  EXPECT_EQ(At("\u00e9", &len), 0xE9u);
  EXPECT_EQ(len, 2u);
  EXPECT_EQ(At("\u0660", &len), 0x660u);
  EXPECT_EQ(len, 2u);
  EXPECT_EQ(At("\u0800", &len), 0x800u);
  EXPECT_EQ(len, 3u);
  EXPECT_EQ(At("\ud7ff", &len), 0xD7FFu);
  EXPECT_EQ(At("\ue000", &len), 0xE000u);
  EXPECT_EQ(At("\uffff", &len), 0xFFFFu);
  EXPECT_EQ(len, 3u);
  EXPECT_EQ(At("\U00010000", &len), 0x10000u);
  EXPECT_EQ(At("\U0010ffff", &len), 0x10FFFFu);
  EXPECT_EQ(len, 4u);
  // At an offset, and with bytes after it.
  EXPECT_EQ(MultiByteAt("a\u200bb", 1, &len), 0x200Bu);
  EXPECT_EQ(len, 3u);
}

// What is not UTF-8, as PostgreSQL's validation refuses it, is no code point: a scanner
// reads its bytes one at a time.
TEST(MultiByteAtTest, RefusesWhatIsNotUtf8) {
  size_t len = 99;
  for (const std::string bad :
       {std::string("a"), std::string("\x80", 1), std::string("\xbf", 1),  // ASCII, stray
        std::string("\xc3", 1), std::string("\xe2\x80", 2),                // truncated
        std::string("\xf0\x9f\x98", 3), std::string("\xc3\x41", 2),        // bad continuation
        std::string("\xc0\xaf", 2), std::string("\xc1\xbf", 2),            // overlong, 2 bytes
        std::string("\xe0\x99\xa0", 3),      // U+0660 (a digit) overlong in 3 bytes
        std::string("\xe0\x9f\xbf", 3),      // overlong U+07FF
        std::string("\xf0\x80\x99\xa0", 4),  // U+0660 overlong in 4 bytes
        std::string("\xf0\x8f\xbf\xbf", 4),  // overlong U+FFFF
        std::string("\xed\xa0\x80", 3),      // U+D800, a surrogate
        std::string("\xed\xbf\xbf", 3),      // U+DFFF
        std::string("\xf4\x90\x80\x80", 4),  // U+110000
        std::string("\xf5\x80\x80\x80", 4), std::string("\xff", 1)}) {
    EXPECT_EQ(At(bad, &len), 0u) << bad.size() << " bytes";
    EXPECT_EQ(len, 99u);
  }
}

}  // namespace
}  // namespace comply
