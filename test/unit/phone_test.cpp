// PHONE_NUMBER validation: the written forms, and the NANP prefix memo against
// libphonenumber's own answer.
#include <gtest/gtest.h>
#include <phonenumbers/phonenumberutil.h>

#include <random>
#include <string>

#include "core/pii/recognizers.h"

namespace comply::pii {
namespace {

namespace pn = i18n::phonenumbers;

// libphonenumber's answer for a ten-digit NANP national number, without any memo.
bool DirectNanpValid(uint64_t national) {
  const pn::PhoneNumberUtil* util = pn::PhoneNumberUtil::GetInstance();
  pn::PhoneNumber n;
  n.set_country_code(1);
  n.set_national_number(national);
  return util->IsValidNumberForRegion(n, "US") || util->IsValidNumberForRegion(n, "CA");
}

TEST(PhoneTest, NanpMemoAgreesWithLibphonenumber) {
  std::mt19937_64 rng(20261128);
  int valid = 0;
  for (int i = 0; i < 4000; ++i) {
    uint64_t national = 2000000000ULL + rng() % 8000000000ULL;
    std::string text = std::to_string(national);
    text.insert(6, "-").insert(3, "-");
    bool expected = DirectNanpValid(national) && text[4] >= '2';
    EXPECT_EQ(ValidatePhoneNanp(text) == Validity::kValid, expected) << text;
    valid += expected;
  }
  EXPECT_GT(valid, 100);  // the sample holds valid numbers, not only invalid ones
}

TEST(PhoneTest, WrittenForms) {
  EXPECT_EQ(ValidatePhoneAnyForm("(415) 555-2671"), Validity::kValid);
  EXPECT_EQ(ValidatePhoneAnyForm("1-415-555-2671"), Validity::kValid);
  EXPECT_EQ(ValidatePhoneAnyForm("+1 415 555 2671"), Validity::kValid);
  EXPECT_EQ(ValidatePhoneAnyForm("+1 876 555 0123"), Validity::kValid);  // Jamaica, +1
  EXPECT_EQ(ValidatePhoneAnyForm("+44 20 7946 0958"), Validity::kValid);
  EXPECT_EQ(ValidatePhoneAnyForm("020 7946 0958"), Validity::kValid);
  EXPECT_EQ(ValidatePhoneAnyForm("+39 06 6988 4000"), Validity::kValid);  // leading zero kept
  EXPECT_EQ(ValidatePhoneAnyForm("123-456-7890"), Validity::kInvalid);
  EXPECT_EQ(ValidatePhoneAnyForm("+1 000 000 0000"), Validity::kInvalid);
  EXPECT_EQ(ValidatePhoneAnyForm("415-911-2671"), Validity::kValid);
  EXPECT_EQ(ValidatePhoneAnyForm("911-555-2671"), Validity::kInvalid);  // N11 area code
  EXPECT_EQ(ValidatePhoneAnyForm("+999 1234 5678"), Validity::kInvalid);
  // Zeros after the trunk prefix are not a national number (an account number here).
  EXPECT_EQ(ValidatePhoneAnyForm("000123456789"), Validity::kInvalid);
  EXPECT_EQ(ValidatePhoneAnyForm("00 7946 0958"), Validity::kInvalid);
}

}  // namespace
}  // namespace comply::pii
