#include "core/pii/validators.h"

#include <gtest/gtest.h>

#include <cstdint>
#include <functional>
#include <random>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

namespace comply::pii {
namespace {

constexpr Validity kValid = Validity::kValid;
constexpr Validity kInvalid = Validity::kInvalid;
constexpr Validity kUnknown = Validity::kUnknown;

using Validator = Validity (*)(std::string_view);

const char* Name(Validity v) {
  switch (v) {
    case Validity::kValid:
      return "kValid";
    case Validity::kInvalid:
      return "kInvalid";
    case Validity::kUnknown:
      return "kUnknown";
  }
  return "?";
}

// Checks every input against the expected result, naming the failing input.
void ExpectAll(Validator validate, std::initializer_list<const char*> inputs,
               Validity expected) {
  for (const char* input : inputs) {
    EXPECT_EQ(Name(validate(input)), std::string(Name(expected)))
        << "input: \"" << input << "\"";
  }
}

std::string Hex(std::string_view bytes) {
  static constexpr char kDigits[] = "0123456789abcdef";
  std::string out;
  for (char c : bytes) {
    auto b = static_cast<unsigned char>(c);
    out.push_back(kDigits[b >> 4]);
    out.push_back(kDigits[b & 0x0f]);
  }
  return out;
}

// Returns s with each digit in turn replaced by every other digit.
std::vector<std::string> SingleDigitSubstitutions(const std::string& s) {
  std::vector<std::string> out;
  for (size_t i = 0; i < s.size(); ++i) {
    if (s[i] < '0' || s[i] > '9') continue;
    for (char d = '0'; d <= '9'; ++d) {
      if (d == s[i]) continue;
      std::string mutated = s;
      mutated[i] = d;
      out.push_back(mutated);
    }
  }
  return out;
}

// Every checksummed validator must reject all single-digit typos of a valid number.
void ExpectTyposInvalid(Validator validate, const std::string& valid) {
  ASSERT_EQ(validate(valid), kValid) << valid;
  for (const std::string& typo : SingleDigitSubstitutions(valid)) {
    EXPECT_EQ(validate(typo), kInvalid) << "typo: " << typo;
  }
}

// --- DigitsOnly / Luhn --------------------------------------------------------------

TEST(DigitsOnlyTest, KeepsOnlyAsciiDigits) {
  EXPECT_EQ(DigitsOnly("4111-1111 1111.1111"), "4111111111111111");
  EXPECT_EQ(DigitsOnly(""), "");
  EXPECT_EQ(DigitsOnly("abc"), "");
  EXPECT_EQ(DigitsOnly("\xd9\xa3 1\xef\xbc\x92"), "1");  // Arabic-Indic 3, fullwidth 2
}

TEST(LuhnTest, KnownValues) {
  EXPECT_TRUE(LuhnValid("79927398713"));
  EXPECT_TRUE(LuhnValid("4111111111111111"));
  EXPECT_TRUE(LuhnValid("0"));
  EXPECT_FALSE(LuhnValid("79927398710"));
  EXPECT_FALSE(LuhnValid("4111111111111112"));
}

TEST(LuhnTest, RejectsEmptyAndNonDigits) {
  EXPECT_FALSE(LuhnValid(""));
  EXPECT_FALSE(LuhnValid("4111 1111 1111 1111"));
  EXPECT_FALSE(LuhnValid("7992739871a"));
  EXPECT_FALSE(LuhnValid(std::string_view("00\0", 3)));
}

TEST(LuhnTest, DetectsAdjacentTranspositionsExcept09) {
  EXPECT_FALSE(LuhnValid("79927398731"));  // 1 and 3 swapped
  EXPECT_TRUE(LuhnValid("0109"));
  EXPECT_TRUE(LuhnValid("0190"));  // the one swap Luhn cannot see
}

// --- Credit cards -------------------------------------------------------------------

TEST(CreditCardTest, IssuerTestNumbersAreValid) {
  ExpectAll(ValidateCreditCard,
            {
                "4111 1111 1111 1111",  // Visa
                "4111111111111111", "4012888888881881",
                "4222222222222",        // Visa, 13 digits
                "5555-5555-5555-4444",  // Mastercard
                "5105105105105100",
                "2223003122003222",  // Mastercard 2-series
                "378282246310005",   // Amex
                "3782 822463 10005", "371449635398431",
                "6011111111111117",  // Discover
                "6011000990139424",
                "3530111333300000",  // JCB
                "3566002020360505",
                "30569309025904",  // Diners
                "38520000023237",
                "6200000000000005",  // UnionPay
                "6759649826438453",  // Maestro
            },
            kValid);
}

// Digit runs longer than any number (more than the 32 digits the digit splitter keeps)
// are no card, SSN, ITIN, routing or NHS number, written alone or in groups.
TEST(CreditCardTest, VeryLongDigitRunsAreInvalid) {
  for (const std::string& digits :
       {std::string(33, '4'), std::string(40, '9'), "4111111111111111" + std::string(17, '0')}) {
    for (const std::string& s : {digits, digits.substr(0, 4) + " " + digits.substr(4),
                                 digits.substr(0, 3) + "-" + digits.substr(3)}) {
      EXPECT_EQ(ValidateCreditCard(s), kInvalid) << s;
      EXPECT_EQ(ValidateUsSsn(s), kInvalid) << s;
      EXPECT_EQ(ValidateUsItin(s), kInvalid) << s;
      EXPECT_EQ(ValidateAbaRouting(s), kInvalid) << s;
      EXPECT_EQ(ValidateUkNhs(s), kInvalid) << s;
    }
  }
}

TEST(CreditCardTest, FailingLuhnIsInvalid) {
  ExpectAll(ValidateCreditCard,
            {"4111 1111 1111 1112", "4012888888881882", "5555-5555-5555-4445",
             "378282246310006", "6011111111111118", "3530111333300001"},
            kInvalid);
  for (const char* card : {"4111111111111111", "378282246310005", "30569309025904"}) {
    ExpectTyposInvalid(ValidateCreditCard, card);
  }
}

TEST(CreditCardTest, UnknownPrefixIsInvalid) {
  // Luhn-valid numbers whose prefix no issuer uses.
  ExpectAll(ValidateCreditCard,
            {"1111111111111117", "9111111111111110", "7111111111111114",
             "3111111111111113", "0000000000000000"},
            kInvalid);
}

TEST(CreditCardTest, LengthMustFitIssuer) {
  ExpectAll(ValidateCreditCard,
            {
                "411111111111116",      // Visa, 15 digits (Luhn-valid)
                "3782822463100003",     // Amex, 16 digits
                "55555555555544443",    // Mastercard, 17 digits
                "411111111111",         // 12 digits
                "41111111111111111113"  // 20 digits
            },
            kInvalid);
  EXPECT_TRUE(LuhnValid("411111111111116"));
  EXPECT_TRUE(LuhnValid("3782822463100003"));
}

TEST(CreditCardTest, SeparatorsMustBeConsistent) {
  ExpectAll(ValidateCreditCard,
            {"4111-1111-1111-1111", "4111 1111 1111 1111", "4111.1111.1111.1111",
             "3782.822463.10005"},
            kValid);
  ExpectAll(ValidateCreditCard,
            {"4111-1111 1111 1111", "4111 1111-1111 1111", "4111  1111 1111 1111",
             "4111--1111-1111-1111", " 4111 1111 1111 1111", "4111 1111 1111 1111 ",
             "-4111-1111-1111-1111", "4111.1111-1111.1111", "4111..1111.1111.1111",
             "4111_1111_1111_1111",
             "4111\t1111\t1111\t1111", "4111/1111/1111/1111"},
            kInvalid);
}

// --- SSN / ITIN ---------------------------------------------------------------------

TEST(UsSsnTest, ValidForms) {
  ExpectAll(ValidateUsSsn,
            {"536-22-1234", "536 22 1234", "536.22.1234", "536221234", "001-01-0001",
             "665-99-9999", "667-01-0001", "899-99-9998"},
            kValid);
}

TEST(UsSsnTest, ReservedFieldsAreInvalid) {
  ExpectAll(ValidateUsSsn,
            {"000-12-3456", "666-12-3456", "900-12-3456", "999-12-3456", "536-00-1234",
             "536-22-0000", "000000000"},
            kInvalid);
}

TEST(UsSsnTest, RepeatedAndPublishedExamplesAreInvalid) {
  ExpectAll(ValidateUsSsn,
            {"111-11-1111", "222222222", "555 55 5555", "888-88-8888", "078-05-1120",
             "219-09-9999", "123-45-6789", "123456789", "987-65-4320", "987-65-4329"},
            kInvalid);
}

TEST(UsSsnTest, ShapeAndSeparators) {
  ExpectAll(ValidateUsSsn,
            {"536-22 1234", "536-22.1234", "5362-2-1234", "53-622-1234", "536--22-1234",
             "-536-22-1234", "536-22-1234-", "536-221234", "53622123", "5362212345",
             "536/22/1234", "536_22_1234", "536-22-123a", "536 - 22 - 1234"},
            kInvalid);
}

TEST(UsItinTest, GroupRanges) {
  ExpectAll(ValidateUsItin,
            {"912-50-1234", "912-65-1234", "912-70-1234", "912-88-1234", "912-90-1234",
             "912-92-1234", "912-94-1234", "912-99-1234", "912 78 1234", "912.78.1234",
             "912781234"},
            kValid);
  ExpectAll(ValidateUsItin,
            {"912-49-1234", "912-66-1234", "912-69-1234", "912-89-1234", "912-93-1234",
             "912-00-1234", "812-70-1234", "012-70-1234"},
            kInvalid);
}

TEST(UsItinTest, ShapeAndSeparators) {
  ExpectAll(ValidateUsItin,
            {"912-70 1234", "9127-0-1234", "912-70-12345", "91270123", "912-7a-1234",
             "912--70-1234"},
            kInvalid);
}

// --- IBAN ---------------------------------------------------------------------------

TEST(IbanTest, RegistryExamplesAreValid) {
  ExpectAll(ValidateIban,
            {"GB82 WEST 1234 5698 7654 32",
             "GB82WEST12345698765432",
             "DE89370400440532013000",
             "DE89 3704 0044 0532 0130 00",
             "FR1420041010050500013M02606",
             "FR14 2004 1010 0505 0001 3M02 606",
             "NL91ABNA0417164300",
             "BE68539007547034",
             "NO9386011117947",
             "CH9300762011623852957",
             "AT611904300234573201",
             "ES9121000418450200051332",
             "IT60X0542811101000000123456",
             "LC55HEMM000100010012001200023015",
             "MT84MALT011000012345MTLCAST001S",
             "SA0380000000608010167519",
             "AL47212110090000000235698741",
             "RU0304452522540817810538091310419",
             "PL61109010140000071219812874",
             "BR1800360305000010009795493C1"},
            kValid);
}

TEST(IbanTest, ChecksumFailuresAreInvalid) {
  ExpectAll(ValidateIban,
            {"GB83 WEST 1234 5698 7654 32", "GB82 WEST 1234 5698 7654 33",
             "GB82 WESU 1234 5698 7654 32", "DE89370400440532013001",
             "FR1420041010050500013N02606", "DE98370400440532013000"},
            kInvalid);
  ExpectTyposInvalid(ValidateIban, "DE89370400440532013000");
  ExpectTyposInvalid(ValidateIban, "GB82WEST12345698765432");
}

TEST(IbanTest, WrongLengthOrCountryIsInvalid) {
  ExpectAll(ValidateIban,
            {"GB82WEST1234569876543", "GB82WEST123456987654321", "DE8937040044053201300",
             "XX89370400440532013000",  // not a registry country
             "US64SVBKUS6S3300958879",  // the US has no IBAN
             "", "G", "GB", "GB82", "GB82W"},
            kInvalid);
}

// Against the check written as the standard states it (a remainder per character),
// on codes of every registry length with random characters and computed or random
// check digits: the validator reduces its number only now and then.
TEST(IbanTest, ChecksumAgreesWithPerCharacterMod97) {
  auto reference = [](const std::string& iban) {
    std::string moved = iban.substr(4) + iban.substr(0, 4);
    int r = 0;
    for (char c : moved)
      r = c >= '0' && c <= '9' ? (r * 10 + (c - '0')) % 97 : (r * 100 + (c - 'A' + 10)) % 97;
    return r == 1;
  };
  std::mt19937_64 rng(20261129);
  const char* countries[] = {"GB", "DE", "FR", "NL", "BE", "NO", "IT", "LC", "MT", "BR", "RU"};
  int valid = 0;
  for (int i = 0; i < 20000; ++i) {
    std::string country = countries[rng() % (sizeof countries / sizeof countries[0])];
    size_t length = IbanCountryLength(country);
    ASSERT_GT(length, 4u);
    std::string iban = country + "00";
    while (iban.size() < length) {
      size_t pick = rng() % 36;
      iban += static_cast<char>(pick < 10 ? '0' + pick : 'A' + (pick - 10));
    }
    if (i % 2 == 0) {  // the check digits that make it valid
      for (int d = 2; d <= 98; ++d) {
        iban[2] = static_cast<char>('0' + d / 10);
        iban[3] = static_cast<char>('0' + d % 10);
        if (reference(iban)) break;
      }
    } else {
      iban[2] = static_cast<char>('0' + rng() % 10);
      iban[3] = static_cast<char>('0' + rng() % 10);
    }
    const int check = (iban[2] - '0') * 10 + (iban[3] - '0');
    const bool expected = reference(iban) && check >= 2 && check <= 98;
    EXPECT_EQ(ValidateIban(iban) == Validity::kValid, expected) << iban;
    valid += expected;
  }
  EXPECT_GT(valid, 8000);
}

TEST(IbanTest, SpacingAndCase) {
  ExpectAll(ValidateIban,
            {"GB82  WEST 1234 5698 7654 32", "GB82 WEST 1234 5698 7654 32 ",
             " GB82 WEST 1234 5698 7654 32", "GB82 -WEST 1234 5698 7654 32",
             "GB82\tWEST\t1234\t5698\t7654\t32", "GB82.WEST.1234.5698.7654.32",
             "gb82 west 1234 5698 7654 33", "gb82west12345698765433"},
            kInvalid);
  // One space or hyphen between any two characters: a bank's form, a copy without the
  // later spaces.
  ExpectAll(ValidateIban,
            {"GB82 WEST12345698765432", "GB82WEST 1234 5698 7654 32", "GB 82WE ST12 3456 9876 5432",
             "GB82-WEST-1234-5698-7654-32", "GB82 WEST 123456 98765432"},
            kValid);
  // Lower or mixed case, as people type them: the capitals they stand for are checked.
  ExpectAll(ValidateIban,
            {"gb82 west 1234 5698 7654 32", "gb82west12345698765432", "GB82 west 1234 5698 7654 32",
             "fr1420041010050500013m02606", "De89 3704 0044 0532 0130 00"},
            kValid);
}

// Returns (bban + country + check) mod 97, the value ISO 13616 wants to be 1.
int IbanRemainder(const std::string& country, const std::string& check,
                  const std::string& bban) {
  int remainder = 0;
  for (char c : bban + country + check) {
    remainder = c >= '0' && c <= '9' ? (remainder * 10 + (c - '0')) % 97
                                     : (remainder * 100 + (c - 'A' + 10)) % 97;
  }
  return remainder;
}

std::string TwoDigits(int n) {
  return {static_cast<char>('0' + n / 10), static_cast<char>('0' + n % 10)};
}

// Computes the ISO 13616 check digits for country + bban.
std::string WithCheckDigits(const std::string& country, const std::string& bban) {
  return country + TwoDigits(98 - IbanRemainder(country, "00", bban)) + bban;
}

TEST(IbanTest, ReservedCheckDigitsAreInvalid) {
  // Check digits 00, 01 and 99 can satisfy mod-97 (as aliases of 97, 98 and 02) but
  // are never issued. Find a GB BBAN for each case and compare both spellings.
  const std::vector<std::pair<int, int>> kAliases = {{97, 0}, {98, 1}, {2, 99}};
  for (const auto& [issued, alias] : kAliases) {
    std::string bban;
    for (int n = 0; n < 900; ++n) {
      std::string candidate = "WEST12345698765" + std::to_string(100 + n);
      if (98 - IbanRemainder("GB", "00", candidate) == issued) {
        bban = candidate;
        break;
      }
    }
    ASSERT_FALSE(bban.empty());
    ASSERT_EQ(IbanRemainder("GB", TwoDigits(alias), bban), 1);
    EXPECT_EQ(ValidateIban("GB" + TwoDigits(issued) + bban), kValid);
    EXPECT_EQ(ValidateIban("GB" + TwoDigits(alias) + bban), kInvalid)
        << "GB" + TwoDigits(alias) + bban;
  }
}

// The SWIFT registry's IBAN lengths, written out apart from validators.cpp's table.
const std::vector<std::pair<const char*, size_t>> kLengths = {
    {"AD", 24}, {"AE", 23}, {"AL", 28}, {"AT", 20}, {"AZ", 28}, {"BA", 20}, {"BE", 16}, {"BG", 22},
    {"BH", 22}, {"BR", 29}, {"BY", 28}, {"CH", 21}, {"CR", 22}, {"CY", 28}, {"CZ", 24}, {"DE", 22},
    {"DK", 18}, {"DO", 28}, {"EE", 20}, {"EG", 29}, {"ES", 24}, {"FI", 18}, {"FO", 18}, {"FR", 27},
    {"GB", 22}, {"GE", 22}, {"GI", 23}, {"GL", 18}, {"GR", 27}, {"GT", 28}, {"HR", 21}, {"HU", 28},
    {"IE", 22}, {"IL", 23}, {"IQ", 23}, {"IS", 26}, {"IT", 27}, {"JO", 30}, {"KW", 30}, {"KZ", 20},
    {"LB", 28}, {"LC", 32}, {"LI", 21}, {"LT", 20}, {"LU", 20}, {"LV", 21}, {"MC", 27}, {"MD", 24},
    {"ME", 22}, {"MK", 19}, {"MR", 27}, {"MT", 31}, {"MU", 30}, {"NL", 18}, {"NO", 15}, {"PK", 24},
    {"PL", 28}, {"PS", 29}, {"PT", 25}, {"QA", 29}, {"RO", 24}, {"RS", 22}, {"SA", 24}, {"SC", 31},
    {"SE", 24}, {"SI", 19}, {"SK", 24}, {"SM", 27}, {"ST", 25}, {"SV", 28}, {"TL", 23}, {"TN", 24},
    {"TR", 26}, {"UA", 29}, {"VA", 22}, {"VG", 24}, {"XK", 20}, {"BI", 27}, {"DJ", 27}, {"FK", 18},
    {"HN", 28}, {"LY", 25}, {"MN", 20}, {"NI", 28}, {"OM", 23}, {"RU", 33}, {"SD", 18}, {"SO", 23},
    {"YE", 30},
};

TEST(IbanTest, EveryRegistryCountryLength) {
  const std::string kFiller = "0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZ";
  for (const auto& [country, length] : kLengths) {
    std::string bban = kFiller.substr(0, length - 4);
    std::string iban = WithCheckDigits(country, bban);
    ASSERT_EQ(iban.size(), length);
    EXPECT_EQ(ValidateIban(iban), kValid) << iban;
    std::string spaced;
    for (size_t i = 0; i < iban.size(); ++i) {
      if (i > 0 && i % 4 == 0) spaced.push_back(' ');
      spaced.push_back(iban[i]);
    }
    EXPECT_EQ(ValidateIban(spaced), kValid) << spaced;
    std::string longer = WithCheckDigits(country, bban + "7");
    std::string shorter = WithCheckDigits(country, bban.substr(1));
    EXPECT_EQ(ValidateIban(longer), kInvalid) << longer;
    EXPECT_EQ(ValidateIban(shorter), kInvalid) << shorter;
  }
}

// IbanCountryLength reads a table indexed by the two letters: against a lookup in the
// list above (what it did before), for every pair of bytes, lower case, and codes of
// other lengths.
TEST(IbanTest, CountryLengthTableAgreesWithTheList) {
  // Lower case reads as the capitals (people type IBANs so).
  auto listed = [](std::string_view country) -> size_t {
    std::string upper(country);
    for (char& c : upper)
      if (c >= 'a' && c <= 'z') c = static_cast<char>(c - 'a' + 'A');
    for (const auto& [code, length] : kLengths)
      if (upper == code) return length;
    return 0;
  };
  size_t known = 0;
  for (int a = 0; a < 256; ++a) {
    for (int b = 0; b < 256; ++b) {
      const std::string country{static_cast<char>(a), static_cast<char>(b)};
      ASSERT_EQ(IbanCountryLength(country), listed(country)) << a << " " << b;
      known += listed(country) != 0;
    }
  }
  EXPECT_EQ(known, 4 * kLengths.size());  // AB, Ab, aB, ab
  EXPECT_EQ(IbanCountryLength("gb"), 22u);
  for (const char* country :
       {"", "G", "D", "GBR", "DEU", "GB ", "gb", "De", "dE", "ZZ", "AA", "US"})
    EXPECT_EQ(IbanCountryLength(country), listed(country)) << country;
  EXPECT_EQ(IbanCountryLength("US"), 0u);
  EXPECT_EQ(IbanCountryLength("GB"), 22u);
  EXPECT_EQ(IbanCountryLength(std::string_view("GB\0", 3)), 0u);
}

// --- IP addresses -------------------------------------------------------------------

TEST(IpAddressTest, Ipv4) {
  ExpectAll(ValidateIpAddress,
            {"192.168.0.1", "0.0.0.0", "255.255.255.255", "8.8.8.8", "10.0.10.100"},
            kValid);
  ExpectAll(
      ValidateIpAddress,
      {"256.1.1.1", "1.256.1.1", "1.1.1.300",  "01.2.3.4",   "1.2.3.04", "1.2.3.00",
       "1.2.3",     "1.2.3.4.5", "1..2.3",     "1.2.3.4.",   ".1.2.3.4", "1.2.3.-4",
       " 1.2.3.4",  "1.2.3.4 ",  "1.2.3.4/24", "1.2.3.4:80", "1.2.3.a",  "1234.1.1.1",
       "0x1.2.3.4", "+1.2.3.4",  "...",        "."},
      kInvalid);
}

TEST(IpAddressTest, Ipv6Valid) {
  ExpectAll(
      ValidateIpAddress,
      {"::1", "::", "2001:db8::1", "2001:DB8::1", "::ffff:192.0.2.1", "fe80::1:2:3:4",
       "2001:0db8:85a3:0000:0000:8a2e:0370:7334", "2001:db8:85a3:0:0:8a2e:370:7334",
       "1::", "1:2:3:4:5:6:7::", "::2:3:4:5:6:7:8", "1:2:3:4:5:6::8",
       "1:2:3:4:5:6:1.2.3.4", "::1.2.3.4", "64:ff9b::192.0.2.33"},
      kValid);
}

TEST(IpAddressTest, Ipv6Invalid) {
  ExpectAll(ValidateIpAddress,
            {"1::2::3",
             "12345::",
             "1:2:3:4:5:6:7:8:9",
             ":1:2",
             "1:2:",
             ":",
             ":::",
             "1:::2",
             "1:2:3:4:5:6:7",
             "1:2:3:4:5:6:7:8::",
             "::1:2:3:4:5:6:7:8",
             "g::1",
             "2001:db8::1%eth0",
             "fe80::1%1",
             "::ffff:256.0.2.1",
             "::ffff:192.0.2",
             "::1.2.3.4:5",
             "1.2.3.4::",
             "1:2:3:4:5:6:7:1.2.3.4",
             "[::1]",
             "::1 ",
             " ::1",
             "2001:db8::-1",
             "::ffff:01.2.3.4"},
            kInvalid);
}

// --- ABA routing ----------------------------------------------------------------------

TEST(AbaRoutingTest, ValidNumbers) {
  ExpectAll(ValidateAbaRouting,
            {"011000015", "021000021", "111000025", "0110-0001-5", "0210-0002-1",
             "322271627", "061000104", "800000006"},
            kValid);
}

TEST(AbaRoutingTest, InvalidNumbers) {
  ExpectAll(ValidateAbaRouting,
            {
                "011000016",
                "021000022",
                "111000026",  // checksum
                "130000006",
                "500000005",
                "990000000",  // checksum ok, prefix not a Fed range
                "000000000",  // placeholder
                "01100001",
                "0110000155",
                "011-000-015",
                "0110 0001 5",
                "0110-00015",
                "01100-0015",
                "0110--0001-5",
                "01100001a",
            },
            kInvalid);
  ExpectTyposInvalid(ValidateAbaRouting, "021000021");
}

// --- NPI ------------------------------------------------------------------------------

TEST(UsNpiTest, Checksum) {
  ExpectAll(ValidateUsNpi, {"1234567893", "1245319599", "2000000002"}, kValid);
  ExpectAll(ValidateUsNpi,
            {"1234567890", "1234567894", "3234567899",  // Luhn ok, but must start 1 or 2
             "0234567896", "123456789", "12345678930", "1234-567-893", "1234 567893",
             "123456789a"},
            kInvalid);
  ExpectTyposInvalid(ValidateUsNpi, "1234567893");
}

// --- NHS ------------------------------------------------------------------------------

TEST(UkNhsTest, Checksum) {
  ExpectAll(ValidateUkNhs, {"943 476 5919", "943-476-5919", "9434765919", "401 023 2137"},
            kValid);
  ExpectAll(ValidateUkNhs, {"943 476 5918", "9434765910", "401 023 2136"}, kInvalid);
  ExpectTyposInvalid(ValidateUkNhs, "9434765919");
}

TEST(UkNhsTest, RemainderTenIsNeverValid) {
  for (char d = '0'; d <= '9'; ++d) {
    std::string nhs = std::string("100000001") + d;
    EXPECT_EQ(ValidateUkNhs(nhs), kInvalid) << nhs;
  }
}

TEST(UkNhsTest, Separators) {
  ExpectAll(ValidateUkNhs,
            {"943 476-5919", "943 4765919", "9434 76 5919", "943  476 5919",
             "943.476.5919", "943 476 5919 ", "94347659190", "943476591"},
            kInvalid);
}

// --- Keccak / crypto
// --------------------------------------------------------------------

// ---------------------------------------------------------------------------------------
// European national identifiers. Every number below is invented: its check character
// computed with the published algorithm, for no one in particular.

TEST(EsNifTest, ControlLetter) {
  ExpectAll(ValidateEsNif, {"73516284G", "48029317G", "73516284-G", "73516284 G"}, kValid);
  // Every other letter is wrong for the number.
  for (char c = 'A'; c <= 'Z'; ++c) {
    if (c == 'G') continue;
    EXPECT_EQ(ValidateEsNif(std::string("73516284") + c), kInvalid) << c;
  }
  ExpectAll(ValidateEsNif,
            {"73516284g", "7351628G", "073516284G", "73516284--G", "73516284 -G", "-73516284G",
             "7351 6284G", "73516284G ", "X3851726P", "00000000T", "73516284", ""},
            kInvalid);
}

TEST(EsNieTest, PrefixCountsInTheControlLetter) {
  ExpectAll(ValidateEsNie,
            {"X3851726P", "Y2049183N", "Z7163052Y", "X-3851726-P", "X 3851726 P", "Y2049183-N"},
            kValid);
  // The same digits with another prefix need another letter.
  ExpectAll(ValidateEsNie, {"Y3851726P", "Z3851726P", "X3851726Q", "A3851726P"}, kInvalid);
  ExpectAll(ValidateEsNie, {"x3851726P", "X3851726p", "X38517260P", "X--3851726P", "73516284G"},
            kInvalid);
  // An NIE is never an NIF.
  EXPECT_EQ(ValidateEsNif("X3851726P"), kInvalid);
}

// Before July 2008 an NIE was X and 8 digits, the first a 0: the same number and
// control letter as today's form without that 0.
TEST(EsNieTest, FormOfBefore2008) {
  ExpectAll(ValidateEsNie,
            {"X03851726P", "X-03851726-P", "X 03851726 P", "X03851726-P", "X-03851726P",
             "X05271938Q", "X06094417S"},
            kValid);
  ExpectAll(ValidateEsNie,
            {"X13851726P", "X53851726P", "Y03851726P", "Z03851726P", "X03851726Q",
             "X0-3851726P", "X003851726P", "x03851726P", "X03851726p", "X--03851726-P",
             "X-03851726--P", "X0385172P"},
            kInvalid);
  EXPECT_EQ(ValidateEsNif("X03851726P"), kInvalid);
}

TEST(ItFiscalCodeTest, CheckLetterDateAndPlace) {
  ExpectAll(ValidateItFiscalCode, {"BNCLRA91E52H501U", "VRDGPP80A01F205X", "PLMLCU75T10Z404T"},
            kValid);
  // Omocodia: digits replaced from the right by LMNPQRSTUV.
  ExpectAll(ValidateItFiscalCode, {"VRDGPP80A01F20RS", "VRDGPP80A01F2LRD"}, kValid);
  // The check letter.
  ExpectAll(ValidateItFiscalCode, {"BNCLRA91E52H501V", "VRDGPP80A01F205Y", "VRDGPP80A01F20RT"},
            kInvalid);
  // Valid check letters, broken structure: day 72 - 40 = 32; a replaced digit left of a
  // digit; a place letter after M other than Z; a month letter outside ABCDEHLMPRST.
  ExpectAll(ValidateItFiscalCode, {"BNCLRA91E72H501W", "VRDGPP80A01F2L5I", "BNCLRA91E52N501A"},
            kInvalid);
  // 29 February (a woman's day 69) in a year divisible by 4 only.
  EXPECT_EQ(ValidateItFiscalCode("BNCLRA92B69H501D"), kValid);
  EXPECT_EQ(ValidateItFiscalCode("BNCLRA91B69H501C"), kInvalid);
  ExpectAll(ValidateItFiscalCode,
            {"bnclra91E52h501u", "BNCLRA91E52H501", "BNCLRA91E52H501UU", "BNCLRA91F52H501U",
             "BNC LRA 91E52 H501U"},
            kInvalid);
}

TEST(PlPeselTest, ChecksumAndEncodedDate) {
  ExpectAll(ValidatePlPesel,
            {"87120347853",   // 3 December 1987
             "02271149363",   // 11 July 2002: month + 20
             "04811504124",   // 15 January 1804: month + 80
             "00651212308"},  // 12 May 2200: month + 60
            kValid);
  ExpectTyposInvalid(ValidatePlPesel, "87120347853");
  // Valid checksums, dates that do not exist: 31 February 1953, 29 February 1999.
  ExpectAll(ValidatePlPesel, {"53023101232", "99022900007"}, kInvalid);
  ExpectAll(ValidatePlPesel, {"8712034785", "871203478530", "8712-0347853", "8712034785a"},
            kInvalid);
}

TEST(FiPersonalIdentityCodeTest, CenturySignsDateAndCheckCharacter) {
  ExpectAll(ValidateFiPersonalIdentityCode,
            {"150387-472S", "010203A568B", "311299+3417",
             "240599Y1231"},  // a sign added in 2023 for the 1900s
            kValid);
  // The same number with another sign of the same century is just as valid.
  ExpectAll(ValidateFiPersonalIdentityCode, {"150387U472S", "150387X472S", "010203C568B"}, kValid);
  ExpectAll(ValidateFiPersonalIdentityCode,
            {"150387-472T",   // check character
             "310287-4729",   // 31 February, its check character right
             "150387-001K",   // individual number 001 is not given
             "150387G472S"},  // not a century sign
            kInvalid);
  ExpectTyposInvalid(ValidateFiPersonalIdentityCode, "150387-472S");
  ExpectAll(ValidateFiPersonalIdentityCode, {"150387-472s", "150387472S", "150387--472S", ""},
            kInvalid);
}

// In small letters, all of them: read as in capitals.
TEST(ItFiscalCodeTest, SmallLetters) {
  ExpectAll(ValidateItFiscalCode, {"bnclra91e52h501u", "vrdgpp80a01f2lrd"}, kValid);
  ExpectAll(ValidateItFiscalCode, {"bnclra91e52h501v", "bnclra91E52h501u", "Bnclra91e52h501u"},
            kInvalid);
}

TEST(UkNinoTest, SmallLetters) {
  ExpectAll(ValidateUkNino, {"ab123456c", "ab 12 34 56 c", "ab 123456 c", "ab123456 d"},
            kUnknown);
  ExpectAll(ValidateUkNino, {"ab123456e", "gb123456a", "ao123456a", "aB123456c", "ab123456C"},
            kInvalid);
}

TEST(UkNinoTest, PrefixSuffixAndSpacing) {
  EXPECT_EQ(ValidateUkNino("AB123456C"), kUnknown);  // no checksum: well formed at most
  EXPECT_EQ(ValidateUkNino("AB 12 34 56 C"), kUnknown);
  EXPECT_EQ(ValidateUkNino("ZA 99 00 01 D"), kUnknown);
  ExpectAll(ValidateUkNino, {"AB 123456 C", "AB123456 C", "AB 123456C"}, kUnknown);
  ExpectAll(ValidateUkNino,
            {"DA123456C", "FA123456C", "IA123456C", "QA123456C", "UA123456C", "VA123456C",
             "AO123456C", "AD123456C", "GB123456C", "BG123456C", "NK123456C", "KN123456C",
             "TN123456C", "NT123456C", "ZZ123456C"},
            kInvalid);
  ExpectAll(ValidateUkNino,
            {"AB123456E", "AB1234567", "ab123456C", "AB 1234 56 C", "AB12 34 56 C", "AB 12 3456 C",
             "AB 12 34 56C", "AB12345C", "AB  123456 C", "AB 123456  C", " AB123456C",
             "AB123456C "},
            kInvalid);
}

TEST(DeTaxIdTest, RepeatedDigitRuleAndIso7064) {
  ExpectAll(ValidateDeTaxId,
            {"47815293646",   // 4 twice
             "86271539024",   // 2 twice
             "33135792601"},  // 3 three times (allowed since 2016)
            kValid);
  ExpectTyposInvalid(ValidateDeTaxId, "47815293646");
  // Right check digits, wrong repetitions: none, two digits twice, one four times.
  ExpectAll(ValidateDeTaxId, {"47815293603", "47815293488", "33135392607"}, kInvalid);
  EXPECT_EQ(ValidateDeTaxId("47 815 293 646"), kValid);  // as the tax office prints it
  ExpectAll(ValidateDeTaxId,
            {"07815293646", "4781529364", "478152936460", "47 815 293 647", "478 15 293 646",
             "47-815-293-646", "47 815 293646"},
            kInvalid);
}

TEST(FrNirTest, KeyMonthDepartmentAndGrouping) {
  ExpectAll(ValidateFrNir,
            {"187067512304514", "1 87 06 75 123 045 14", "1870675123045 14", "293091305624796",
             "187207512304544"},  // month 20: unknown month
            kValid);
  // Corsica: 2A counts as 19, 2B as 18 in the key.
  ExpectAll(ValidateFrNir, {"182022A00401569", "1 82 02 2A 004 015 69", "290102B03311276"}, kValid);
  EXPECT_EQ(ValidateFrNir("182022B00401569"), kInvalid);
  EXPECT_EQ(ValidateFrNir("182021900401569"), kValid);  // department 19: the same key as 2A
  ExpectTyposInvalid(ValidateFrNir, "187067512304514");
  // Right keys, wrong fields: month 13, department 00, first digit 5, 6, 9 or 0.
  ExpectAll(ValidateFrNir,
            {"187137512304529", "187060012304502", "587067512304508", "687067512304555",
             "987067512304502", "087067512304564"},
            kInvalid);
  ExpectAll(ValidateFrNir,
            {"18706751230451", "1870675123045140", "1 87 06 75 123 04514", "18 70 67 51 230 451 4",
             "1-87-06-75-123-045-14", "187067512304 514", "1 87 06 2C 123 045 14"},
            kInvalid);
}

// Temporary numbers: 3 or 4 for a foreigner being registered, 7 or 8 for a number
// given while waiting (NIA); the same fields and key.
TEST(FrNirTest, TemporaryNumbers) {
  ExpectAll(ValidateFrNir,
            {"387067512304511", "385079913504290", "492059921700852", "790057511200320",
             "801116912304546", "7 90 05 75 112 003 20", "3850799135042 90"},
            kValid);
  ExpectTyposInvalid(ValidateFrNir, "790057511200320");
  ExpectAll(ValidateFrNir, {"790057511200321", "385139913504290"}, kInvalid);  // key, month 13
}

// The NIF grouped by thousands with dots, as the DNI card prints it.
TEST(EsNifTest, Dotted) {
  ExpectAll(ValidateEsNif, {"73.516.284-G", "73.516.284 G", "73.516.284G"}, kValid);
  ExpectAll(ValidateEsNif,
            {"73.516.284-H", "735.16.284G", "7.3516.284G", "73.516.284--G", "73.516284G",
             "73516.284G", "00.000.000-T", "73,516,284G"},
            kInvalid);
}

// The BSN dotted 4-2-3, as passports and identity cards print it, and 3-3-3.
TEST(NlBsnTest, Dotted) {
  ExpectAll(ValidateNlBsn, {"1746.38.516", "174.638.516"}, kValid);
  ExpectAll(ValidateNlBsn,
            {"1746.38.517", "17.4638.516", "1746.385.16", "174638.516", "1746-38-516",
             "1746 38 516", "0000.00.000"},
            kInvalid);
}

TEST(NlBsnTest, ElevenProof) {
  ExpectAll(ValidateNlBsn, {"174638516", "239584703", "536228711"}, kValid);
  ExpectTyposInvalid(ValidateNlBsn, "174638516");
  ExpectAll(ValidateNlBsn, {"000000000", "17463851", "1746385160", "174 638 516", "17463851x"},
            kInvalid);
}

TEST(Keccak256Test, KnownVectors) {
  EXPECT_EQ(Hex(Keccak256("")),
            "c5d2460186f7233c927e7db2dcc703c0e500b653ca82273b7bfad8045d85a470");
  EXPECT_EQ(Hex(Keccak256("abc")),
            "4e03657aea45a94fc7d47ba826c8d667c0d1e6e33a64a036ec44f58fa12d6c45");
  EXPECT_EQ(Keccak256("anything").size(), 32u);
}

TEST(Keccak256Test, BlockBoundaries) {
  // Reference values from an independent implementation checked against SHA3-256
  // (same permutation, 0x06 padding); input byte i is (7i + 3) mod 256.
  const std::vector<std::pair<size_t, const char*>> kVectors = {
      {135, "00ef96af9cf4b24c7f269d922294444a197d0a33638c2e56634c57e892103a8f"},
      {136, "742061bcad767ed4c4f5883b1dcb1aad11afdcc140dc469d953759b127b9f9ed"},
      {137, "e3371f61e770abf254c34239c3b0099ad90594507415bc81dd0a10b9692bbf2a"},
      {200, "66d2cdf3ab4c5bd3c75add9b60b14ac5b7789534fa2da3f348853b847359a3a0"},
      {272, "ac141fd7b0a0ffcd2e967254d508da3ec616596493c36fa304425647d90e6de5"},
      {1000, "80cdc8dd52cbb3dbaea8f383209893fa2bb52efbd5aedbb4b26dcfe307fcdc9b"},
  };
  for (const auto& [length, expected] : kVectors) {
    std::string data;
    for (size_t i = 0; i < length; ++i)
      data.push_back(static_cast<char>((i * 7 + 3) & 0xff));
    EXPECT_EQ(Hex(Keccak256(data)), expected) << "length " << length;
  }
}

TEST(CryptoTest, Eip55ChecksummedAddressesAreValid) {
  ExpectAll(ValidateCrypto,
            {"0x5aAeb6053F3E94C9b9A09f33669435E7Ef1BeAed",
             "0xfB6916095ca1df60bB79Ce92cE3Ea74c37c5d359",
             "0xdbF03B407c01E7cD3CBea99509d93f8DDDC8C6FB",
             "0xD1220A0cf47c7B9Be7A2E6BA89F429762e7b9aDb"},
            kValid);
}

TEST(CryptoTest, SingleCaseEthereumIsUnknown) {
  ExpectAll(ValidateCrypto,
            {"0x52908400098527886E0F7030069857D2E4169EE7",
             "0x8617E340B3D01FA5F11F306F4090FD50E238070D",
             "0xde709f2102306220921060314715629080e2fb77",
             "0x27b1fdb04752bbc536007a920d24acb045561c26",
             "0x5aaeb6053f3e94c9b9a09f33669435e7ef1beaed",
             "0x0000000000000000000000000000000000000000"},
            kUnknown);
}

TEST(CryptoTest, BrokenEip55ChecksumIsInvalid) {
  const std::string valid = "0x5aAeb6053F3E94C9b9A09f33669435E7Ef1BeAed";
  for (size_t i = 2; i < valid.size(); ++i) {
    char c = valid[i];
    if (!((c >= 'a' && c <= 'f') || (c >= 'A' && c <= 'F'))) continue;
    std::string flipped = valid;
    flipped[i] = static_cast<char>(c ^ 0x20);  // toggle case
    EXPECT_EQ(ValidateCrypto(flipped), kInvalid) << flipped;
  }
  ExpectAll(ValidateCrypto,
            {"0x5aAeb6053F3E94C9b9A09f33669435E7Ef1BeAe",    // 39 hex
             "0x5aAeb6053F3E94C9b9A09f33669435E7Ef1BeAedd",  // 41 hex
             "0x5aAeb6053F3E94C9b9A09f33669435E7Ef1BeAeg",   // non-hex
             "0X5aAeb6053F3E94C9b9A09f33669435E7Ef1BeAed",   // 0X prefix
             "5aAeb6053F3E94C9b9A09f33669435E7Ef1BeAed", "0x", "0"},
            kInvalid);
}

TEST(CryptoTest, Base58CheckAddresses) {
  ExpectAll(ValidateCrypto,
            {"1BvBMSEYstWetqTFn5Au4m4GFg7xJaNVN2", "3J98t1WpEZ73CNmQviecrnyiWrnqRhWNLy",
             "1A1zP1eP5QGefi2DMPTfTL5SLmv7DivfNa"},
            kValid);
  ExpectAll(ValidateCrypto,
            {
                "1BvBMSEYstWetqTFn5Au4m4GFg7xJaNVN3",  // last character changed
                "1BvBMSEYstWetqTFn5Au4m4GFg7xJaNVM2",
                "3J98t1WpEZ73CNmQviecrnyiWrnqRhWNLz",
                "1A1zP1eP5QGefi2DMPTfTL5SLmv7DivfNb",
                "1A1zP1eP5QGefi2DMPTfTL5SLmv7DivfN0",  // '0' is not base58
                "1A1zP1eP5QGefi2DMPTfTL5SLmv7DivfNO",
                "1A1zP1eP5QGefi2DMPTfTL5SLmv7DivfNI",
                "1A1zP1eP5QGefi2DMPTfTL5SLmv7DivfNl",
                "1BvBMSEYstWetqTFn5Au4m4GFg7xJaNVN",    // one character short
                "1BvBMSEYstWetqTFn5Au4m4GFg7xJaNVN22",  // one character long
                "mipcBbFg9gMiCh81Kj8tqqdgoZub1ZJRfn",   // testnet version byte
                "1111111111111111111111111111111111",
                " 1BvBMSEYstWetqTFn5Au4m4GFg7xJaNVN2",
            },
            kInvalid);
}

TEST(CryptoTest, Base58CheckEverySingleCharacterChangeIsInvalid) {
  static constexpr std::string_view kAlphabet =
      "123456789ABCDEFGHJKLMNPQRSTUVWXYZabcdefghijkmnopqrstuvwxyz";
  const std::string valid = "1BvBMSEYstWetqTFn5Au4m4GFg7xJaNVN2";
  for (size_t i = 1; i < valid.size(); ++i) {
    for (char c : kAlphabet) {
      if (c == valid[i]) continue;
      std::string changed = valid;
      changed[i] = c;
      EXPECT_EQ(ValidateCrypto(changed), kInvalid) << changed;
    }
  }
}

TEST(CryptoTest, SegwitValid) {
  ExpectAll(
      ValidateCrypto,
      {
          "BC1QW508D6QEJXTDG4Y5R3ZARVARY0C5XW7KV8F3T4",
          "bc1qw508d6qejxtdg4y5r3zarvary0c5xw7kv8f3t4",
          "bc1qrp33g0q5c5txsp9arysrx4k6zdkfs4nce4xj0gdcccefvpysxf3qccfmv3",
          "tb1qrp33g0q5c5txsp9arysrx4k6zdkfs4nce4xj0gdcccefvpysxf3q0sl5k7",
          "bc1pw508d6qejxtdg4y5r3zarvary0c5xw7kw508d6qejxtdg4y5r3zarvary0c5xw7kt5nd6y",
          "BC1SW50QGDZ25J",
          "bc1zw508d6qejxtdg4y5r3zarvaryvaxxpcs",
          "tb1qqqqqp399et2xygdj5xreqhjjvcmzhxw4aywxecjdzew6hylgvsesrxh6hy",
          "tb1pqqqqp399et2xygdj5xreqhjjvcmzhxw4aywxecjdzew6hylgvsesf3hn0c",
          "bc1p0xlxvlhemja6c4dqv22uapctqupfhlxm9h8z3k2e72q4k9hcz7vqzk5jj0",
      },
      kValid);
}

TEST(CryptoTest, SegwitInvalid) {
  ExpectAll(
      ValidateCrypto,
      {
          "bc1qw508d6qejxtdg4y5r3zarvary0c5xw7kv8f3t5",  // bad checksum
          "BC1QW508D6QEJXTDG4Y5R3ZARVARY0C5XW7KV8F3T5",
          "bc1qrp33g0q5c5txsp9arysrx4k6zdkfs4nce4xj0gdcccefvpysxf3qccfmv4",
          "bc1pw508d6qejxtdg4y5r3zarvary0c5xw7kw508d6qejxtdg4y5r3zarvary0c5xw7kt5nd6z",
          "tc1p0xlxvlhemja6c4dqv22uapctqupfhlxm9h8z3k2e72q4k9hcz7vq5zuyut",  // hrp
          "bc1p0xlxvlhemja6c4dqv22uapctqupfhlxm9h8z3k2e72q4k9hcz7vqh2y7hd",  // bech32 for
                                                                             // v1
          "tb1z0xlxvlhemja6c4dqv22uapctqupfhlxm9h8z3k2e72q4k9hcz7vqglt7rf",
          "BC1S0XLXVLHEMJA6C4DQV22UAPCTQUPFHLXM9H8Z3K2E72Q4K9HCZ7VQ54WELL",
          "bc1qw508d6qejxtdg4y5r3zarvary0c5xw7kemeawh",  // bech32m for v0
          "tb1q0xlxvlhemja6c4dqv22uapctqupfhlxm9h8z3k2e72q4k9hcz7vq24jc47",
          "bc1p38j9r5y49hruaue7wxjce0updqjuyyx0kh56v8s25huc6995vvpql3jow4",  // 'o'
          "BC130XLXVLHEMJA6C4DQV22UAPCTQUPFHLXM9H8Z3K2E72Q4K9HCZ7VQ7ZWS8R",  // version 17
          "bc1pw5dgrnzv",  // 1-byte program
          "bc1p0xlxvlhemja6c4dqv22uapctqupfhlxm9h8z3k2e72q4k9hcz7v8n0nx0muaewav253zgeav",
          "BC1QR508D6QEJXTDG4Y5R3ZARVARYV98GJ9P",  // v0, 16-byte program
          "tb1p0xlxvlhemja6c4dqv22uapctqupfhlxm9h8z3k2e72q4k9hcz7vq47Zagq",  // mixed case
          "bc1p0xlxvlhemja6c4dqv22uapctqupfhlxm9h8z3k2e72q4k9hcz7v07qwwzcrf",  // padding
          "tb1p0xlxvlhemja6c4dqv22uapctqupfhlxm9h8z3k2e72q4k9hcz7vpggkg4j",
          "bc1gmk9yu",  // empty data
          "Bc1qw508d6qejxtdg4y5r3zarvary0c5xw7kv8f3t4",
          "bcrt1qs758ursh4q9z627kt3pp5yysm78ddny6txaqgw",  // regtest hrp not accepted
          "bc1",
          "bc1qqqqqq",
          "tb1",
      },
      kInvalid);
}

TEST(CryptoTest, UnrecognisedShapesAreInvalid) {
  ExpectAll(ValidateCrypto,
            {"", "x", "2BvBMSEYstWetqTFn5Au4m4GFg7xJaNVN2",
             "LVg2kJoFNg45Nbpy53h7Fe1wKyeXVRhMH9",
             "bitcoin:1BvBMSEYstWetqTFn5Au4m4GFg7xJaNVN2"},
            kInvalid);
}

// --- MAC ------------------------------------------------------------------------------

TEST(MacAddressTest, Forms) {
  ExpectAll(ValidateMacAddress,
            {"00:1A:2b:3c:4D:5e", "00-1A-2B-3C-4D-5E", "001a.2b3c.4d5e",
             "ff:ff:ff:ff:ff:ff", "00:00:00:00:00:00"},
            kValid);
  ExpectAll(
      ValidateMacAddress,
      {"00:1A-2B:3C:4D:5E", "00-1A-2B-3C-4D:5E", "00:1A:2B:3C:4D", "00:1A:2B:3C:4D:5G",
       "001A2B3C4D5E", "00:1A:2B:3C:4D:5E:6F", "001A:2B3C:4D5E", "001A-2B3C-4D5E",
       "0:1A:2B:3C:4D:5E", "000:1A:2B:3C:4D:5", "00.1A.2B.3C.4D.5E", "001a.2b3c.4d5",
       "001a.2b3c.4d5e.", "00 1A 2B 3C 4D 5E", "00:1A:2B:3C:4D:5E "},
      kInvalid);
}

// --- Dates ----------------------------------------------------------------------------

TEST(DateTest, NumericForms) {
  ExpectAll(
      ValidateDate,
      {"2024-02-29", "2000-02-29", "1984-03-05", "1984/03/05", "1984-3-5", "03/05/1984",
       "12/31/1999", "31/12/1999", "3/5/1984", "03-05-1984", "12-31-1999", "31-12-1999",
       "05.03.1984", "31.12.1999", "1900-01-01", "2100-12-31"},
      kValid);
  ExpectAll(ValidateDate,
            {"2023-02-29", "1900-02-29",   "2100-02-29",  "2024-02-30",  "2024-04-31",
             "2024-13-01", "2024-00-10",   "2024-01-00",  "2024-01-32",  "31/04/2020",
             "13/25/2020", "00/12/2020",   "31-04-2020",  "13-25-2020",
             "12.31.1999",  // dots are day first only
             "2024-02/29", "2024/02-29",   "2024--02-29", "03/05-1984",  "1899-12-31",
             "2101-01-01", "0012/05/2020", "012/05/2020", "2024-002-29", "20240229",
             "24-02-29",   "03/05/84",     "1984.03.05"},
            kInvalid);
}

// Day-first dates of Europe with the month in full: German, French, Spanish, Italian,
// Dutch.
TEST(DateTest, EuropeanMonthNames) {
  ExpectAll(ValidateDate,
            {"3. M\u00e4rz 1984", "3. Maerz 1984", "31. Dezember 1999", "3. April 1984",
             "12 janvier 1985", "1er mai 1990", "29 f\u00e9vrier 2024", "15 ao\u00fbt 1969",
             "5 d\u00e9cembre 2001", "5 de mayo de 1990", "5 de septiembre 1990", "5 mayo, 1990",
             "5 Mayo 1990", "5 maggio 1990", "1 gennaio 2000", "5 mei 1990", "5 maart 1990",
             "17 augustus 1945", "5 setiembre 1990", "12 de julio del 2003", "5 mayo del 2010"},
            kValid);
  ExpectAll(
      ValidateDate,
      {"31. Februar 1984", "29 febbraio 1991", "31 avril 1990", "0 mai 1990", "5 de mayo de 90",
       "5 mai", "mai 1990", "5. mai. 1990", "5 maio 1990", "5 mayo de de 1990",
       "5th mayo 1990", "3.M\u00e4rz 1984", "123 mai 1990", "5 mai 1990 10:20",
       "5 Mars 1990", "5 Mei 1990", "5 mayo del del 2010", "5 del mayo 2010"},
      kInvalid);
}

// The same in capitals, as forms and headings write them; the capitals of Latin-1 fold
// as their small letters do (\u00c4, \u00c9, \u00db). "Mars" and "Mei" capitalised
// are no months, "MARS" and "MEI" are.
TEST(DateTest, EuropeanMonthNamesInCapitals) {
  ExpectAll(ValidateDate,
            {"3. M\u00c4RZ 1984", "3. MAERZ 1984", "12 F\u00c9VRIER 1985", "5 DE MAYO DE 1990",
             "5 MAGGIO 1990", "5 MAI 1990", "1ER MAI 1990", "15 AO\u00dbT 1969",
             "5 D\u00c9CEMBRE 2001", "12 MARS 1985", "5 MEI 1990", "12 DE JULIO DEL 2003",
             "31. DEZEMBER 1999", "5 mars 1990", "5 M\u00e4rz 1990"},
            kValid);
  ExpectAll(ValidateDate,
            {"31 F\u00c9VRIER 1985", "5 Mars 1990", "5 Mei 1990", "5 M\u00c4RZ 1899",
             "5 M\u00d7RZ 1990"},
            kInvalid);
}

// Day-first dates of Europe with the month abbreviated, with or without a dot (only
// with it for those that are English words: gen, mag, lug, ago, set), in any case.
TEST(DateTest, EuropeanMonthAbbreviations) {
  ExpectAll(ValidateDate,
            {// French
             "12 janv. 1985", "12 janv 1985", "29 f\u00e9vr. 2024", "3 f\u00e9v. 1990",
             "5 avr. 1990", "14 juil. 1989", "5 sept. 1990", "5 oct. 1990", "5 nov. 1990",
             "5 d\u00e9c. 1990", "1er janv. 2000", "12 JANV. 1985", "5 D\u00c9C 1990",
             // German
             "3. Jan. 1984", "3. Feb 1984", "3. M\u00e4r. 1984", "3. M\u00e4r 1984",
             "3. Apr. 1984", "3. Jun. 1984", "3. Jul 1984", "3. Aug. 1984", "3. Sep. 1984",
             "3. Sept. 1984", "3. Okt. 1984", "3. Nov. 1984", "3. Dez. 1984", "3. M\u00c4R 1984",
             "5. Mar 1990",
             // Spanish
             "5 ene. 1990", "5 de ene. de 1990", "5 feb 1990", "5 mar. 1990", "5 abr. 1990",
             "5 may. 1990", "5 jun 1990", "5 jul. 1990", "5 ago. 1990", "5 sep. 1990",
             "5 sept. 1990", "5 oct. 1990", "5 nov 1990", "5 dic. 1990", "5 DIC 1990",
             // Italian
             "5 gen. 1990", "5 feb. 1990", "5 mar 1990", "5 apr. 1990", "5 mag. 1990",
             "5 giu. 1990", "5 lug. 1990", "5 ago. 1990", "5 set. 1990", "5 ott. 1990",
             "5 nov. 1990", "5 dic 1990", "5 GEN. 1990",
             // Dutch
             "5 jan. 1990", "5 feb 1990", "5 mrt. 1990", "5 mrt 1990", "5 apr 1990",
             "5 jun. 1990", "5 jul 1990", "5 aug. 1990", "5 sep 1990", "5 okt. 1990",
             "5 nov 1990", "5 dec. 1990", "5 MRT 1990"},
            kValid);
  ExpectAll(ValidateDate,
            {// English words: months only with their dot.
             "5 gen 1990", "5 mag 1990", "5 lug 1990", "5 ago 2024", "3 set 2019",
             "5 Set 2019", "5 GEN 2024",
             // Dates that do not exist, dots where none goes, other words.
             "30 f\u00e9vr. 2024", "31 avr. 1990", "31. Sept. 1984", "5 janv.. 1990",
             "5 janv. 90", "5 jan.v 1990", "5 ja. 1990", "5 mrtt 1990", "5 mai. 1990",
             "5 d\u00e9c. 1899"},
            kInvalid);
}

// French month names typed without their accents, and the German "Mrz" (M\u00e4rz):
// in full, abbreviated, in any case; "fev" (FEV, a lung function measure) only with its
// dot, like the English words.
TEST(DateTest, EuropeanMonthNamesWithoutAccents) {
  ExpectAll(ValidateDate,
            {"12 fevrier 1985", "29 fevrier 2024", "15 aout 1990", "3 decembre 1970",
             "1er aout 1990", "12 Fevrier 1985", "15 Aout 1990", "3 Decembre 1970",
             "12 FEVRIER 1985", "15 AOUT 1990", "3 DECEMBRE 1970", "12 fevr. 1985",
             "12 fevr 1985", "12 FEVR. 1985", "3 fev. 1990", "3 FEV. 1990", "3 dec. 1970",
             "3. Mrz 1984", "3. Mrz. 1984", "3. mrz 1984", "3. MRZ 1984", "3 Mrz. 1984",
             "3. Maerz 1984", "3. MAERZ 1984"},
            kValid);
  ExpectAll(ValidateDate,
            {"30 fevrier 2024", "29 fevrier 2023", "32 aout 1990", "3 fev 1990", "3 FEV 2019",
             "3 aou 1990", "3 aout. 1990", "3 decembr 1970", "3 fevrie 1985", "3. Mrzz 1984",
             "3. Mz 1984", "3 decembre 90"},
            kInvalid);
}

TEST(DateTest, MonthNameForms) {
  ExpectAll(ValidateDate,
            {"March 5, 1984", "March 5 1984", "Mar 5 1984", "Mar. 5, 1984",
             "5 March 1984", "5th March 1984", "5 March, 1984", "5 Mar. 1984",
             "March 5th, 1984", "1 Jan 2000", "February 29, 2024", "Sept 30, 2001",
             "sep 30 2001", "DECEMBER 31 1999", "May 1, 2020", "14th of March 1985",
             "2nd of June, 1990"},
            kValid);
  ExpectAll(
      ValidateDate,
      {"February 30 2001", "February 29, 2023", "April 31, 2020", "Foo 5, 1984",
       "Marchh 5, 1984", "March 0, 1984", "March 32, 1984", "March 5,1984",
       "March  5, 1984", "March5 1984", "5March 1984", "5 Marc 1984", "5xx March 1984",
       "March 5, 84", "March 5", "March, 1984", "May. 1, 2020", "Mar 5 19845",
       "31st of February 1985", "14th of  March 1985", "14th ofMarch 1985"},
      kInvalid);
}

TEST(DateTest, TimePart) {
  ExpectAll(ValidateDate,
            {"1984-03-05T10:20", "1984-03-05T10:20:30", "1984-03-05T23:59:59.999Z",
             "1984-03-05T10:20:30+01:00", "1984-03-05T10:20:30-0500", "1984-03-05 10:20",
             "1984-03-05 9:05", "03/05/1984 10:20 PM", "03/05/1984 12:00 am",
             "March 5, 1984 10:20", "05.03.1984 00:00:00"},
            kValid);
  ExpectAll(
      ValidateDate,
      {"1984-03-05T25:00", "1984-03-05T24:00", "1984-03-05T10:60", "1984-03-05T10:20:60",
       "1984-03-05T9:05", "1984-03-05T10", "1984-03-05T", "1984-03-05 ",
       "1984-03-05  10:20", "1984-03-05T10:20:30.", "1984-03-05T10:20:30+15:00",
       "1984-03-05T10:20:30+01:60", "1984-03-05T10:20Zx", "03/05/1984 13:00 PM",
       "03/05/1984 00:00 AM", "03/05/1984 10:20 XM", "1984-03-05T10:2",
       "1984-03-05x10:20", "2023-02-29T10:20"},
      kInvalid);
}

// --- Garbage
// ----------------------------------------------------------------------------

const std::vector<std::pair<const char*, Validator>>& AllValidators() {
  static const std::vector<std::pair<const char*, Validator>> kAll = {
      {"CreditCard", ValidateCreditCard},
      {"UsSsn", ValidateUsSsn},
      {"UsItin", ValidateUsItin},
      {"Iban", ValidateIban},
      {"IpAddress", ValidateIpAddress},
      {"AbaRouting", ValidateAbaRouting},
      {"UsNpi", ValidateUsNpi},
      {"UkNhs", ValidateUkNhs},
      {"Crypto", ValidateCrypto},
      {"MacAddress", ValidateMacAddress},
      {"Date", ValidateDate},
      {"EsNif", ValidateEsNif},
      {"EsNie", ValidateEsNie},
      {"ItFiscalCode", ValidateItFiscalCode},
      {"PlPesel", ValidatePlPesel},
      {"FiPersonalIdentityCode", ValidateFiPersonalIdentityCode},
      {"UkNino", ValidateUkNino},
      {"DeTaxId", ValidateDeTaxId},
      {"FrNir", ValidateFrNir},
      {"NlBsn", ValidateNlBsn},
  };
  return kAll;
}

TEST(GarbageTest, NeverValid) {
  const std::vector<std::string> garbage = {
      "",
      " ",
      "-",
      std::string(1, '\0'),
      std::string("4111\0"
                  "1111 1111 1111",
                  19),
      std::string("943\0"
                  "476 5919",
                  12),
      "\xff\xfe\xfd",
      "\xc3\xa9\xc3\xa9",
      "\xd9\xa1\xd9\xa2\xd9\xa3",              // Arabic-Indic digits
      "\xef\xbc\x94\xef\xbc\x91\xef\xbc\x91",  // fullwidth digits
      "4111 1111 1111 1111\xc2\xa0",
      "\x80"
      "1BvBMSEYstWetqTFn5Au4m4GFg7xJaNVN2",
      std::string(100000, '1'),
      std::string(100000, '4'),
      std::string(100000, '9'),
      std::string(100000, 'a'),
      std::string(100000, ' '),
      std::string(100000, ':'),
      std::string(100000, '.'),
      std::string(100000, '\xff'),
      "0x" + std::string(100000, 'a'),
      "bc1" + std::string(100000, 'q'),
      "GB82 " + std::string(100000, '0'),
      "1984-03-05T10:20:30." + std::string(100000, '0'),
      "March 5, 1984" + std::string(100000, ' '),
  };
  for (const auto& [name, validate] : AllValidators()) {
    for (const std::string& input : garbage) {
      EXPECT_NE(validate(input), kValid)
          << name << " accepted garbage of length " << input.size();
    }
  }
}

TEST(GarbageTest, RandomBytesDoNotCrash) {
  std::mt19937 rng(12345);
  const std::string kAlphabet = "0123456789abcdefABCDEFxX :-./TZ+,%";
  for (int i = 0; i < 20000; ++i) {
    size_t length = rng() % 64;
    std::string input;
    bool ascii = i % 2 == 0;
    for (size_t j = 0; j < length; ++j) {
      input.push_back(ascii ? kAlphabet[rng() % kAlphabet.size()]
                            : static_cast<char>(rng() & 0xff));
    }
    for (const auto& [name, validate] : AllValidators()) {
      Validity v = validate(input);
      EXPECT_TRUE(v == kValid || v == kInvalid || v == kUnknown) << name;
    }
    DigitsOnly(input);
    LuhnValid(input);
    EXPECT_EQ(Keccak256(input).size(), 32u);
  }
}

TEST(GarbageTest, TruncationsOfValidInputsDoNotCrash) {
  const std::vector<std::pair<Validator, std::string>> valid = {
      {ValidateCreditCard, "4111 1111 1111 1111"},
      {ValidateUsSsn, "536-22-1234"},
      {ValidateUsItin, "912-70-1234"},
      {ValidateIban, "GB82 WEST 1234 5698 7654 32"},
      {ValidateIpAddress, "::ffff:192.0.2.1"},
      {ValidateIpAddress, "2001:0db8:85a3:0000:0000:8a2e:0370:7334"},
      {ValidateAbaRouting, "0110-0001-5"},
      {ValidateUsNpi, "1234567893"},
      {ValidateUkNhs, "943 476 5919"},
      {ValidateCrypto, "0x5aAeb6053F3E94C9b9A09f33669435E7Ef1BeAed"},
      {ValidateCrypto, "bc1qrp33g0q5c5txsp9arysrx4k6zdkfs4nce4xj0gdcccefvpysxf3qccfmv3"},
      {ValidateCrypto, "3J98t1WpEZ73CNmQviecrnyiWrnqRhWNLy"},
      {ValidateMacAddress, "001a.2b3c.4d5e"},
      {ValidateDate, "March 5th, 1984 10:20:30 PM"},
      {ValidateDate, "1984-03-05T10:20:30.123+01:00"},
      {ValidateEsNif, "73516284-G"},
      {ValidateEsNie, "X-3851726-P"},
      {ValidateEsNie, "X-03851726-P"},
      {ValidateItFiscalCode, "VRDGPP80A01F2LRD"},
      {ValidatePlPesel, "87120347853"},
      {ValidateFiPersonalIdentityCode, "311299+3417"},
      {ValidateUkNino, "AB 12 34 56 C"},
      {ValidateDeTaxId, "33135792601"},
      {ValidateDeTaxId, "33 135 792 601"},
      {ValidateFrNir, "1 82 02 2A 004 015 69"},
      {ValidateNlBsn, "174638516"},
  };
  for (const auto& [validate, input] : valid) {
    for (size_t n = 0; n <= input.size(); ++n) {
      // A heap copy so AddressSanitizer sees any read past the end.
      std::vector<char> prefix(input.begin(), input.begin() + n);
      validate(std::string_view(prefix.data(), prefix.size()));
      std::string_view suffix(input);
      validate(suffix.substr(n));
    }
  }
}

}  // namespace
}  // namespace comply::pii

TEST(UkNhs, RepeatedDigitIsPlaceholder) {
  using comply::pii::ValidateUkNhs;
  using comply::pii::Validity;
  EXPECT_EQ(ValidateUkNhs("000 000 0000"), Validity::kInvalid);
  EXPECT_EQ(ValidateUkNhs("1111111111"), Validity::kInvalid);
  EXPECT_EQ(ValidateUkNhs("943 476 5919"), Validity::kValid);
}
