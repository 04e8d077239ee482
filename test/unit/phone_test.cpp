// PHONE_NUMBER validation: the written forms, the NANP prefix memo against
// libphonenumber's own answer, and the national numbers checked on RE2
// (phone_national.h) against libphonenumber's IsValidNumberForRegion.
#include <gtest/gtest.h>
#include <phonenumbers/phonenumberutil.h>

#include <random>
#include <set>
#include <string>
#include <vector>

#include "core/pii/phone_national.h"
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

// The memo's key is the whole six-digit prefix: every exchange, in order, of area codes
// where libphonenumber's metadata refuses some exchanges (505, 524) and of others.
TEST(PhoneTest, NanpMemoAgreesWithLibphonenumberOnEveryExchange) {
  int valid = 0, invalid = 0;
  for (uint64_t area : {201u, 505u, 524u, 613u}) {
    for (uint64_t exchange = 200; exchange <= 999; ++exchange) {
      const uint64_t national = area * 10000000ULL + exchange * 10000ULL + 4567;
      std::string text = std::to_string(national);
      text.insert(6, "-").insert(3, "-");
      const bool expected = DirectNanpValid(national);
      EXPECT_EQ(ValidatePhoneNanp(text) == Validity::kValid, expected) << text;
      (expected ? valid : invalid)++;
    }
  }
  EXPECT_GT(valid, 100);
  EXPECT_GT(invalid, 10);
}

// Numbers of region to check NationalNumberValid on: libphonenumber's example number of
// each type with its digits from a random position on replaced, one digit longer or
// shorter, and random digit strings of 4 to 14 digits; none starts with 0.
std::vector<std::string> NationalSamples(const char* region, std::mt19937_64& rng) {
  const pn::PhoneNumberUtil* util = pn::PhoneNumberUtil::GetInstance();
  std::vector<std::string> examples;
  for (auto type : {pn::PhoneNumberUtil::FIXED_LINE, pn::PhoneNumberUtil::MOBILE,
                    pn::PhoneNumberUtil::TOLL_FREE, pn::PhoneNumberUtil::PREMIUM_RATE,
                    pn::PhoneNumberUtil::SHARED_COST, pn::PhoneNumberUtil::VOIP,
                    pn::PhoneNumberUtil::PERSONAL_NUMBER, pn::PhoneNumberUtil::PAGER,
                    pn::PhoneNumberUtil::UAN, pn::PhoneNumberUtil::VOICEMAIL}) {
    pn::PhoneNumber n;
    if (util->GetExampleNumberForType(region, type, &n))
      examples.push_back(std::to_string(n.national_number()));
  }
  std::vector<std::string> out(examples);
  auto digit = [&](char lo) { return static_cast<char>(lo + rng() % ('9' - lo + 1)); };
  for (int i = 0; i < 3000; ++i) {
    std::string s;
    if (!examples.empty() && i % 3 != 0) {
      s = examples[rng() % examples.size()];
      size_t keep = 1 + rng() % s.size();
      for (size_t j = keep; j < s.size(); ++j) s[j] = digit('0');
      if (i % 7 == 1) s += digit('0');
      if (i % 7 == 2 && s.size() > 1) s.pop_back();
    } else {
      size_t len = 4 + rng() % 11;
      s += digit('1');
      while (s.size() < len) s += digit('0');
    }
    out.push_back(s);
  }
  return out;
}

TEST(PhoneTest, NationalNumbersAgreeWithLibphonenumber) {
  const pn::PhoneNumberUtil* util = pn::PhoneNumberUtil::GetInstance();
  std::mt19937_64 rng(20261129);
  for (const char* region : kPhoneRegions) {
    int valid = 0, total = 0;
    for (const std::string& s : NationalSamples(region, rng)) {
      pn::PhoneNumber n;
      n.set_country_code(util->GetCountryCodeForRegion(region));
      n.set_national_number(std::stoull(s));
      const bool expected = util->IsValidNumberForRegion(n, region);
      EXPECT_EQ(NationalNumberValid(region, s), expected) << region << " " << s;
      valid += expected;
      ++total;
    }
    // Both answers are well represented in each region's sample.
    EXPECT_GT(valid, total / 20) << region;
    EXPECT_LT(valid, total - total / 20) << region;
  }
  EXPECT_FALSE(NationalNumberValid("ZZ", "2079460958"));
  EXPECT_FALSE(NationalNumberValid("GB", ""));
}

// International numbers of the calling codes of kPhoneRegions other than +1 are read
// on RE2 too, the region chosen among those sharing the code as libphonenumber chooses
// it; +1 by the NANP memo, then libphonenumber. ValidatePhone agrees with
// IsValidNumber, on numbers made from the example numbers of every region of those
// codes (GG, IM and JE share +44 with GB; CC and CX +61 with AU).
TEST(PhoneTest, InternationalNumbersAgreeWithLibphonenumber) {
  const pn::PhoneNumberUtil* util = pn::PhoneNumberUtil::GetInstance();
  std::mt19937_64 rng(20261130);
  int other_region = 0;
  for (const char* region : {"US", "CA", "GB", "GG", "IM", "JE", "DE", "FR", "AU", "CC", "CX", "IN"}) {
    const int code = util->GetCountryCodeForRegion(region);
    int valid = 0, total = 0;
    for (const std::string& s : NationalSamples(region, rng)) {
      pn::PhoneNumber n;
      n.set_country_code(code);
      n.set_national_number(std::stoull(s));
      const bool expected = util->IsValidNumber(n);
      const std::string text = "+" + std::to_string(code) + " " + s;
      EXPECT_EQ(ValidatePhone(text) == Validity::kValid, expected) << text;
      if (code != 1) {  // and the region it is checked against is libphonenumber's
        std::string chosen;
        util->GetRegionCodeForNumber(n, &chosen);
        const char* ours = InternationalNumberRegion(code, s);
        ASSERT_NE(ours, nullptr) << text;
        EXPECT_EQ(ours, chosen) << text;
        other_region += chosen != region;
      }
      valid += expected;
      ++total;
    }
    EXPECT_GT(valid, total / 20) << region;
  }
  // Numbers made from one region's examples that belong to another of its code (or
  // to none) are in the sample too.
  EXPECT_GT(other_region, 1000);
}

// Every calling code libphonenumber knows, geographic or not (+800, +882...), is taken,
// and only those: the example number of each region and non-geographic entity, and the
// same with its last digit changed or dropped, as "+<code> <national>", against
// IsValidNumber; codes it does not know are refused.
TEST(PhoneTest, EveryCallingCodeAgreesWithLibphonenumber) {
  const pn::PhoneNumberUtil* util = pn::PhoneNumberUtil::GetInstance();
  std::vector<pn::PhoneNumber> examples;
  std::set<std::string> regions;
  util->GetSupportedRegions(&regions);
  for (const std::string& region : regions) {
    pn::PhoneNumber n;
    if (util->GetExampleNumber(region, &n)) examples.push_back(n);
  }
  std::set<int> global;
  util->GetSupportedGlobalNetworkCallingCodes(&global);
  for (int code : global) {
    pn::PhoneNumber n;
    if (util->GetExampleNumberForNonGeoEntity(code, &n)) examples.push_back(n);
  }
  ASSERT_GT(examples.size(), 200u);
  std::set<int> codes;
  int valid = 0, total = 0, rewritten = 0;
  for (const pn::PhoneNumber& example : examples) {
    codes.insert(example.country_code());
    std::string national;
    util->GetNationalSignificantNumber(example, &national);
    std::vector<std::string> variants = {national, national.substr(0, national.size() - 1)};
    variants.push_back(national);
    variants.back().back() = national.back() == '9' ? '0' : national.back() + 1;
    for (const std::string& v : variants) {
      if (v.empty()) continue;
      const std::string text = "+" + std::to_string(example.country_code()) + " " + v;
      pn::PhoneNumber parsed;
      ASSERT_EQ(util->Parse(text, "ZZ", &parsed), pn::PhoneNumberUtil::NO_PARSING_ERROR) << text;
      // Parse rewrites a few regions' short forms (Norfolk Island's five digits get a
      // leading 3); the detector takes the digits as written.
      std::string parsed_national;
      util->GetNationalSignificantNumber(parsed, &parsed_national);
      if (parsed_national != v) {
        ++rewritten;
        continue;
      }
      const bool expected = util->IsValidNumber(parsed);
      EXPECT_EQ(ValidatePhone(text) == Validity::kValid, expected) << text;
      valid += expected;
      ++total;
    }
  }
  EXPECT_GT(valid, total / 3);
  EXPECT_LT(rewritten, total / 50);
  // A national number that is some known code's example, behind codes that are not
  // assigned.
  int unknown = 0;
  for (int code = 1; code < 1000; ++code) {
    std::string region;
    util->GetRegionCodeForCountryCode(code, &region);
    if (region != "ZZ") {
      EXPECT_TRUE(codes.count(code) || code == 1) << code;  // every known code was tried
      continue;
    }
    // Skipped when a shorter prefix of the code is a known code (+1 then 23...).
    std::string digits = std::to_string(code);
    bool prefixed = false;
    for (size_t len = 1; len < digits.size(); ++len) {
      util->GetRegionCodeForCountryCode(std::stoi(digits.substr(0, len)), &region);
      prefixed |= region != "ZZ";
    }
    if (prefixed) continue;
    EXPECT_EQ(ValidatePhone("+" + digits + " 20 7946 0958"), Validity::kInvalid) << code;
    ++unknown;
  }
  EXPECT_GT(unknown, 10);
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
