// The built-in recognizer table and the validators that need more than a checksum.
#include "core/pii/recognizers.h"

#include <phonenumbers/phonenumberutil.h>

#include <algorithm>
#include <cctype>
#include <set>

namespace comply::pii {
namespace {

namespace pn = i18n::phonenumbers;

// Trims trailing punctuation that ends a sentence rather than the URL, and a closing
// parenthesis that has no opening one inside the URL.
bool RefineUrl(std::string_view text, size_t* begin, size_t* end) {
  while (*end > *begin) {
    char c = text[*end - 1];
    if (c == '.' || c == ',' || c == ';' || c == ':' || c == '!' || c == '?' || c == '\'') {
      --*end;
    } else if (c == ')') {
      std::string_view url = text.substr(*begin, *end - *begin);
      if (std::count(url.begin(), url.end(), '(') >= std::count(url.begin(), url.end(), ')'))
        break;
      --*end;
    } else {
      break;
    }
  }
  return *end - *begin > 10;
}

// Cuts an IBAN candidate to its country's registered length, so a following word
// written in capitals is not swallowed into it.
bool RefineIban(std::string_view text, size_t* begin, size_t* end) {
  std::string_view cand = text.substr(*begin, *end - *begin);
  // Lengths are checked by ValidateIban; here only the longest valid prefix is kept.
  for (size_t e = cand.size(); e >= 15; --e) {
    if (cand[e - 1] == ' ') continue;
    if (e < cand.size() && cand[e] != ' ') continue;  // cut only at group boundaries
    if (ValidateIban(cand.substr(0, e)) == Validity::kValid) {
      *end = *begin + e;
      return true;
    }
  }
  return false;
}

// Requires an IPv6 candidate to stand alone: not glued to letters, digits or colons.
bool RefineIp(std::string_view text, size_t* begin, size_t* end) {
  auto word = [](char c) { return std::isalnum(static_cast<unsigned char>(c)) || c == ':'; };
  if (*begin > 0 && word(text[*begin - 1])) return false;
  if (*end < text.size() && word(text[*end])) return false;
  while (*end > *begin && text[*end - 1] == '.') --*end;
  return *end > *begin;
}

// Validates an e-mail address beyond the pattern: no leading, trailing or doubled dot
// in the local part.
Validity ValidateEmail(std::string_view s) {
  size_t at = s.find('@');
  if (at == std::string_view::npos || at == 0) return Validity::kInvalid;
  std::string_view local = s.substr(0, at);
  if (local.front() == '.' || local.back() == '.' || local.find("..") != std::string_view::npos)
    return Validity::kInvalid;
  return Validity::kValid;
}

// Names are sequences of capitalised words (Unicode), initials allowed.
#define NAME_WORD                                                           \
  "(?:\\p{Lu}['\u2019]\\p{Lu}\\p{Ll}+|\\p{Lu}\\p{Ll}+(?:\\p{Lu}\\p{Ll}+)?"         \
  "(?:['\u2019]\\p{Ll}+)?(?:-\\p{Lu}?\\p{Ll}+)?|\\p{Lu}\\.)"
#define NAME_SEQ "(" NAME_WORD "(?:[ \\t]+" NAME_WORD "){0,3})"
#define MONTH                                                                         \
  "(?:[Jj]an(?:uary)?|[Ff]eb(?:ruary)?|[Mm]ar(?:ch)?|[Aa]pr(?:il)?|[Mm]ay|[Jj]une?|" \
  "[Jj]uly?|[Aa]ug(?:ust)?|[Ss]ep(?:t(?:ember)?)?|[Oo]ct(?:ober)?|[Nn]ov(?:ember)?|"  \
  "[Dd]ec(?:ember)?|JAN|FEB|MAR|APR|MAY|JUN|JUL|AUG|SEP|OCT|NOV|DEC)"

const std::vector<std::string> kDateContext = {"birth", "born",  "dob",      "birthday",
                                               "date",  "birthdate", "d.o.b", "bday"};
const std::vector<std::string> kSsnContext = {"social", "security", "ssn", "ssns", "ss#", "ssid"};
const std::vector<std::string> kCardContext = {"credit", "card", "visa", "mastercard", "cc",
                                               "amex", "discover", "jcb", "diners", "maestro",
                                               "debit", "cardholder", "pan"};
const std::vector<std::string> kPhoneContext = {"phone", "telephone", "tel", "cell",
                                                "cellphone", "mobile", "call", "fax",
                                                "contact", "ph"};
const std::vector<std::string> kBankContext = {"bank", "account", "acct", "checking",
                                               "savings", "debit", "deposit", "iban"};

}  // namespace

const std::vector<PatternDef>& BuiltinPatterns() {
  static const std::vector<PatternDef> patterns = {
      {"EMAIL_ADDRESS", "email",
       "\\b[A-Za-z0-9._%+\\-]+@[A-Za-z0-9](?:[A-Za-z0-9\\-]{0,61}[A-Za-z0-9])?"
       "(?:\\.[A-Za-z0-9](?:[A-Za-z0-9\\-]{0,61}[A-Za-z0-9])?)*\\.[A-Za-z]{2,24}\\b",
       0.5, 1.0, ValidateEmail, nullptr, {"email", "e-mail", "mail", "contact"}},
      {"URL", "url_scheme", "\\b(?:https?|ftp)://[^\\s<>\"'\\]\\[{}|\\\\^`]+", 0.6, 0.6,
       nullptr, RefineUrl, {"url", "website", "link", "site"}},
      {"URL", "url_www", "\\bwww\\.[A-Za-z0-9\\-]+(?:\\.[A-Za-z0-9\\-]+)+(?:/[^\\s<>\"']*)?",
       0.5, 0.5, nullptr, RefineUrl, {"url", "website", "link", "site"}},
      {"PHONE_NUMBER", "phone_intl", "\\+\\d{1,3}[ .\\-]?(?:\\(\\d{1,4}\\)[ .\\-]?)?\\d{1,4}"
       "(?:[ .\\-]?\\d{2,4}){1,4}\\b",
       0.4, 0.75, ValidatePhone, nullptr, kPhoneContext},
      {"PHONE_NUMBER", "phone_nanp",
       "(?:\\b1[ .\\-]?)?(?:\\(\\d{3}\\)[ .\\-]?|\\b\\d{3}[ .\\-])\\d{3}[ .\\-]\\d{4}\\b", 0.4,
       0.75, ValidatePhoneNanp, nullptr, kPhoneContext},
      {"PHONE_NUMBER", "phone_national", "\\b0\\d{2,4}[ \\-]?\\d{3,4}[ \\-]?\\d{3,4}\\b", 0.4,
       0.7, ValidatePhoneNational, nullptr, kPhoneContext},
      {"US_SSN", "ssn_formatted",
       "\\b\\d{3}-\\d{2}-\\d{4}\\b|\\b\\d{3} \\d{2} \\d{4}\\b|\\b\\d{3}\\.\\d{2}\\.\\d{4}\\b", 0.6,
       0.6, ValidateUsSsn, nullptr, kSsnContext},
      {"US_SSN", "ssn_plain", "\\b\\d{9}\\b", 0.3, 0.3, ValidateUsSsn, nullptr, kSsnContext},
      {"US_ITIN", "itin_formatted", "\\b9\\d{2}[- ]\\d{2}[- ]\\d{4}\\b", 0.6, 0.65,
       ValidateUsItin, nullptr, {"itin", "taxpayer", "tax", "individual"}},
      {"US_ITIN", "itin_plain", "\\b9\\d{8}\\b", 0.3, 0.3, ValidateUsItin, nullptr,
       {"itin", "taxpayer", "tax", "individual"}},
      {"CREDIT_CARD", "card_plain", "\\b\\d{13,19}\\b", 0.3, 1.0, ValidateCreditCard, nullptr,
       kCardContext},
      {"CREDIT_CARD", "card_4x4",
       "\\b\\d{4} \\d{4} \\d{4} \\d{4}\\b|\\b\\d{4}-\\d{4}-\\d{4}-\\d{4}\\b", 0.3, 1.0,
       ValidateCreditCard, nullptr, kCardContext},
      {"CREDIT_CARD", "card_19", "\\b\\d{4}[ \\-]\\d{4}[ \\-]\\d{4}[ \\-]\\d{4}[ \\-]\\d{3}\\b", 0.3,
       1.0, ValidateCreditCard, nullptr, kCardContext},
      {"CREDIT_CARD", "card_4_6_5", "\\b\\d{4}[ \\-]\\d{6}[ \\-]\\d{4,5}\\b", 0.3, 1.0,
       ValidateCreditCard, nullptr, kCardContext},
      {"IBAN_CODE", "iban", "\\b[A-Z]{2}\\d{2}(?: ?[A-Z0-9]{4}){2,7}(?: ?[A-Z0-9]{1,3})?\\b", 0.3,
       1.0, ValidateIban, RefineIban, {"iban", "bank", "transfer", "account", "sepa"}},
      {"IP_ADDRESS", "ipv4", "\\b(?:\\d{1,3}\\.){3}\\d{1,3}\\b", 0.4, 0.6, ValidateIpAddress,
       nullptr, {"ip", "ipv4", "address", "host", "client", "server"}},
      {"IP_ADDRESS", "ipv6",
       "[0-9A-Fa-f]{0,4}(?::[0-9A-Fa-f]{0,4}){2,7}(?:(?:\\.\\d{1,3}){3})?", 0.4, 0.8,
       ValidateIpAddress, RefineIp, {"ip", "ipv6", "address", "host", "client", "server"}},
      {"MAC_ADDRESS", "mac",
       "\\b[0-9A-Fa-f]{2}(?:[:\\-][0-9A-Fa-f]{2}){5}\\b|\\b[0-9A-Fa-f]{4}\\.[0-9A-Fa-f]{4}\\."
       "[0-9A-Fa-f]{4}\\b",
       0.4, 0.7, ValidateMacAddress, nullptr, {"mac", "hardware", "device", "ethernet", "wifi"}},
      {"DATE_TIME", "date_iso",
       "\\b\\d{4}-\\d{2}-\\d{2}(?:[T ]\\d{2}:\\d{2}(?::\\d{2}(?:\\.\\d{1,9})?)?"
       "(?:Z|[+\\-]\\d{2}:?\\d{2})?)?\\b",
       0.6, 0.6, ValidateDate, nullptr, kDateContext},
      {"DATE_TIME", "date_ymd_slash", "\\b\\d{4}/\\d{1,2}/\\d{1,2}\\b", 0.6, 0.6, ValidateDate,
       nullptr, kDateContext},
      {"DATE_TIME", "date_numeric", "\\b\\d{1,2}[/\\-.]\\d{1,2}[/\\-.]\\d{4}\\b", 0.55, 0.6,
       ValidateDate, nullptr, kDateContext},
      {"DATE_TIME", "date_month_first",
       "\\b" MONTH "\\.? \\d{1,2}(?:st|nd|rd|th)?,? \\d{4}\\b", 0.6, 0.6, ValidateDate, nullptr,
       kDateContext},
      {"DATE_TIME", "date_day_first", "\\b\\d{1,2}(?:st|nd|rd|th)? " MONTH "\\.?,? \\d{4}\\b",
       0.6, 0.6, ValidateDate, nullptr, kDateContext},
      {"US_BANK_NUMBER", "bank_account", "\\b\\d{8,17}\\b", 0.2, 0.2, nullptr, nullptr,
       kBankContext},
      {"ABA_ROUTING_NUMBER", "aba_plain", "\\b[0-36-8]\\d{8}\\b", 0.05, 0.4,
       ValidateAbaRouting, nullptr, {"aba", "routing", "transit", "rtn", "abartn"}},
      {"ABA_ROUTING_NUMBER", "aba_formatted", "\\b[0-36-8]\\d{3}-\\d{4}-\\d\\b", 0.1, 0.6,
       ValidateAbaRouting, nullptr, {"aba", "routing", "transit", "rtn", "abartn"}},
      {"US_PASSPORT", "passport_next_gen", "\\b[A-Z]\\d{8}\\b", 0.2, 0.2, nullptr, nullptr,
       {"passport", "travel", "document"}},
      {"US_PASSPORT", "passport_digits", "\\b\\d{9}\\b", 0.15, 0.15, nullptr, nullptr,
       {"passport", "travel", "document"}},
      {"US_DRIVER_LICENSE", "driver_license_alnum",
       "\\b[A-Z]\\d{3,12}\\b|\\b[A-Z]{2}\\d{5,7}\\b|\\b\\d{3}[A-Z]{2}\\d{4}\\b", 0.2, 0.2,
       nullptr, nullptr, {"driver", "drivers", "driver's", "license", "licence", "dl", "dln",
                          "permit"}},
      {"US_DRIVER_LICENSE", "driver_license_digits", "\\b\\d{7,9}\\b", 0.15, 0.15, nullptr,
       nullptr, {"driver", "drivers", "driver's", "license", "licence", "dl", "dln"}},
      {"US_NPI", "npi", "\\b[12]\\d{9}\\b", 0.1, 0.5, ValidateUsNpi, nullptr,
       {"npi", "provider", "prescriber", "physician", "practitioner"}},
      {"UK_NHS", "nhs", "\\b\\d{3}[ \\-]?\\d{3}[ \\-]?\\d{4}\\b", 0.1, 0.5, ValidateUkNhs, nullptr,
       {"nhs", "health", "patient", "service"}},
      {"CRYPTO", "btc_base58", "\\b[13][1-9A-HJ-NP-Za-km-z]{25,34}\\b", 0.3, 1.0,
       ValidateCrypto, nullptr, {"wallet", "btc", "bitcoin", "crypto", "address"}},
      {"CRYPTO", "btc_bech32", "\\b(?i:bc1|tb1)[02-9AC-HJ-NP-Zac-hj-np-z]{6,87}\\b", 0.3, 1.0,
       ValidateCrypto, nullptr, {"wallet", "btc", "bitcoin", "crypto", "address"}},
      {"CRYPTO", "eth", "\\b0x[0-9A-Fa-f]{40}\\b", 0.6, 1.0, ValidateCrypto, nullptr,
       {"wallet", "eth", "ethereum", "ether", "crypto", "address"}},
      {"PERSON", "person_honorific",
       "\\b(?:Mr|Mrs|Ms|Miss|Mx|Dr|Prof|Rev|Sr|Sra|Srta|Herr|Frau|Mme|Mlle)\\.?[ \\t]+" NAME_SEQ,
       0.85, 0.85, nullptr, nullptr, {}},
      {"PERSON", "person_cue",
       "(?i:\\b(?:patient|pt|name|full name|patient name|signed|signed by|dear|attn|attention|"
       "insured|employee|customer|client|member|guardian|physician|nurse|applicant|"
       "beneficiary|cardholder|account holder|contact|witness|reviewer|approved by|"
       "referred by|spouse|mother|father|son|daughter))[:,]?[ \\t]+" NAME_SEQ,
       0.7, 0.7, nullptr, nullptr, {}},
      {"PERSON", "person_closing",
       "(?i:\\b(?:sincerely|regards|best|thanks|thank you|cheers|respectfully|signed))[,.]?"
       "\\s+" NAME_SEQ,
       0.7, 0.7, nullptr, nullptr, {}},
      {"PERSON", "person_first_name",
       "\\b(\\p{Lu}[\\p{Ll}'\u2019]+(?:[ \\t]+\\p{Lu}\\.)?[ \\t]+\\p{Lu}[\\p{Ll}'\u2019]+"
       "(?:-\\p{Lu}[\\p{Ll}'\u2019]+)?)",
       0.6, 0.6, nullptr, nullptr, {}, true},
  };
  return patterns;
}

namespace {

// Parses s for region (or as international when region is "ZZ"); true if the result
// is a valid number (for that region, when one is given).
bool ValidIn(const std::string& s, const char* region) {
  const pn::PhoneNumberUtil* util = pn::PhoneNumberUtil::GetInstance();
  pn::PhoneNumber number;
  if (util->Parse(s, region, &number) != pn::PhoneNumberUtil::NO_PARSING_ERROR) return false;
  return std::string_view(region) == "ZZ" ? util->IsValidNumber(number)
                                          : util->IsValidNumberForRegion(number, region);
}

}  // namespace

Validity ValidatePhone(std::string_view candidate) {
  std::string s(candidate);
  if (!s.empty() && s[0] == '+') return ValidIn(s, "ZZ") ? Validity::kValid : Validity::kInvalid;
  for (const char* region : kPhoneRegions)
    if (ValidIn(s, region)) return Validity::kValid;
  return Validity::kInvalid;
}

Validity ValidatePhoneNanp(std::string_view candidate) {
  std::string s(candidate);
  return ValidIn(s, "US") || ValidIn(s, "CA") ? Validity::kValid : Validity::kInvalid;
}

Validity ValidatePhoneNational(std::string_view candidate) {
  std::string s(candidate);
  for (const char* region : kTrunkZeroRegions)
    if (ValidIn(s, region)) return Validity::kValid;
  return Validity::kInvalid;
}

bool IsNameStopword(std::string_view word) {
  static const std::set<std::string_view> stop = {
      "The", "This", "That", "These", "Those", "There", "Here", "His", "Her", "Their",
      "Our", "Your", "My", "Its", "An", "A", "And", "Or", "But", "If", "On", "In", "At",
      "To", "For", "From", "With", "By", "Of", "As", "Is", "Was", "Are", "Were", "Be",
      "Has", "Had", "Have", "Not", "No", "Yes", "All", "Any", "Sir", "Madam", "Madame",
      "Customer", "Customers", "Client", "Team", "Support", "Service", "Services",
      "Portal", "Account", "Accounts", "Department", "Dept", "Office", "Hospital",
      "Clinic", "Center", "Centre", "Bank", "Card", "Name", "Number", "Patient",
      "Member", "Members", "Employee", "Staff", "User", "Users", "Admin", "Manager",
      "Doctor", "Nurse", "Date", "Birth", "Address", "Phone", "Email", "Record",
      "Records", "Note", "Notes", "Report", "Summary", "Unknown", "Redacted", "None",
      "Information", "Details", "Mr", "Mrs", "Ms", "Dr", "Monday", "Tuesday",
      "Wednesday", "Thursday", "Friday", "Saturday", "Sunday", "January", "February",
      "March", "April", "May", "June", "July", "August", "September", "October",
      "November", "December", "Street", "St", "Avenue", "Ave", "Road", "Rd", "Lane",
      "Drive", "City", "County", "State", "United", "States", "America", "American",
      "Inc", "Ltd", "LLC", "Corp", "Company", "Group", "Insurance", "Health", "Medical",
      "Care", "Please", "Thanks", "Thank", "Regards", "Best", "Sincerely", "Hello", "Hi",
      "Dear", "Re", "Subject", "Attn", "Signed", "Approved", "Visit", "Today",
      "Tomorrow", "Yesterday", "Called", "Reports", "Denies", "Presents", "Admitted"};
  return stop.count(word) > 0;
}

}  // namespace comply::pii
