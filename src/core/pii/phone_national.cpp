// Validity of national phone numbers from libphonenumber's metadata, on RE2
// (phone_national.h).
#include "core/pii/phone_national.h"

#include <phonenumbers/phonemetadata.pb.h>
#include <phonenumbers/phonenumberutil.h>
#include <re2/re2.h>

#include <algorithm>
#include <functional>
#include <list>
#include <map>
#include <memory>
#include <string>
#include <vector>

#include "core/pii/recognizers.h"

namespace i18n::phonenumbers {
// libphonenumber's compiled-in metadata (metadata.h, not installed): a serialized
// PhoneMetadataCollection.
int metadata_size();
const void* metadata_get();
}  // namespace i18n::phonenumbers

namespace comply::pii {
namespace {

namespace pn = i18n::phonenumbers;

// One PhoneNumberDesc: its possible lengths and its pattern (nullptr: it has none, and
// matches nothing).
struct Desc {
  std::vector<int> lengths;
  std::unique_ptr<RE2> pattern;

  // IsNumberMatchingDesc.
  bool Matches(std::string_view national) const {
    if (!lengths.empty() &&
        std::find(lengths.begin(), lengths.end(), static_cast<int>(national.size())) ==
            lengths.end())
      return false;
    return pattern && RE2::FullMatch(re2::StringPiece(national.data(), national.size()), *pattern);
  }
};

struct Region {
  Desc general;
  std::vector<Desc> types;  // in GetNumberTypeHelper's order; mobile last
  bool same_mobile_and_fixed_line = false;
  std::unique_ptr<RE2> leading_digits;  // PhoneMetadata::leading_digits, if any

  // GetNumberTypeHelper(national) != UNKNOWN.
  bool Valid(std::string_view national) const {
    if (!general.Matches(national)) return false;
    // A type other than UNKNOWN when one of these matches (mobile is read only when it
    // differs from fixed line; when it is the same, it matches exactly when fixed line
    // did).
    const size_t n = types.size();
    for (size_t i = 0; i + 1 < n; ++i)
      if (types[i].Matches(national)) return true;
    return !same_mobile_and_fixed_line && types[n - 1].Matches(national);
  }
};

// pattern compiled, or nullptr if RE2 refuses it.
std::unique_ptr<RE2> Compile(const std::string& pattern) {
  RE2::Options o;
  o.set_log_errors(false);
  auto re = std::make_unique<RE2>(pattern, o);
  return re->ok() ? std::move(re) : nullptr;
}

Desc MakeDesc(const pn::PhoneNumberDesc& d) {
  Desc out;
  for (int len : d.possible_length()) out.lengths.push_back(len);
  if (d.has_national_number_pattern() && !d.national_number_pattern().empty())
    out.pattern = Compile(d.national_number_pattern());
  return out;
}

// The regions of kPhoneRegions, and the regions that share a calling code with one of
// them except +1's (+44: GB, GG, IM, JE; +61: AU, CC, CX), read once from the metadata.
class Regions {
 public:
  Regions() {
    pn::PhoneMetadataCollection all;
    if (!all.ParseFromArray(pn::metadata_get(), pn::metadata_size())) return;
    const pn::PhoneNumberUtil* util = pn::PhoneNumberUtil::GetInstance();
    std::vector<std::string> wanted(std::begin(kPhoneRegions), std::end(kPhoneRegions));
    for (const char* region : kPhoneRegions) {
      const int code = util->GetCountryCodeForRegion(region);
      if (code == 1) continue;  // 25 regions; ValidatePhone reads US and CA first
      std::list<std::string> list;
      util->GetRegionCodesForCountryCallingCode(code, &list);
      codes_[code] = std::vector<std::string>(list.begin(), list.end());
      wanted.insert(wanted.end(), list.begin(), list.end());
    }
    for (const pn::PhoneMetadata& m : all.metadata()) {
      if (std::find(wanted.begin(), wanted.end(), m.id()) == wanted.end()) continue;
      Region r;
      r.general = MakeDesc(m.general_desc());
      for (const pn::PhoneNumberDesc* d :
           {&m.premium_rate(), &m.toll_free(), &m.shared_cost(), &m.voip(), &m.personal_number(),
            &m.pager(), &m.uan(), &m.voicemail(), &m.fixed_line(), &m.mobile()})
        r.types.push_back(MakeDesc(*d));
      r.same_mobile_and_fixed_line = m.same_mobile_and_fixed_line_pattern();
      if (m.has_leading_digits()) {
        r.leading_digits = Compile(m.leading_digits());
        if (!r.leading_digits) continue;  // left to libphonenumber
      }
      by_id_.emplace(m.id(), std::move(r));
    }
    // A code is answered here only when every one of its regions was read.
    for (auto it = codes_.begin(); it != codes_.end();) {
      bool all_read = true;
      for (const std::string& id : it->second) all_read &= by_id_.count(id) > 0;
      it = all_read ? std::next(it) : codes_.erase(it);
    }
  }

  // The regions of a calling code (libphonenumber's order: the main country first), or
  // nullptr if it is not answered here.
  const std::vector<std::string>* RegionsOfCode(int code) const {
    auto it = codes_.find(code);
    return it == codes_.end() ? nullptr : &it->second;
  }

  const Region* Find(std::string_view id) const {
    auto it = by_id_.find(id);
    return it == by_id_.end() ? nullptr : &it->second;
  }

 private:
  std::map<std::string, Region, std::less<>> by_id_;  // found by string_view, no copy
  std::map<int, std::vector<std::string>> codes_;
};

// Built once a process (in the postmaster, when it warms the detector up) and never
// destroyed: a backend inherits it, and freeing its hundreds of patterns when the backend
// exits would copy, page by page, the memory it shares with the postmaster (a new
// connection cost about twice as much).
const Regions& TheRegions() {
  static const Regions* regions = new Regions;
  return *regions;
}

}  // namespace

bool NationalNumberValid(std::string_view region, std::string_view national) {
  const Region* r = TheRegions().Find(region);
  return r != nullptr && r->Valid(national);
}

namespace {

// The region GetRegionCodeForNumber gives +code national: the code's only region, or
// the first whose leading digits begin the number or, without leading digits, that
// knows the number's type; *region is null and the result "ZZ" when none is, the
// result nullptr when the code is not answered here.
const char* ChooseRegion(int code, std::string_view national, const Region** region) {
  const Regions& regions = TheRegions();
  *region = nullptr;
  const std::vector<std::string>* list = regions.RegionsOfCode(code);
  if (list == nullptr || national.empty() || national[0] == '0') return nullptr;
  for (const std::string& id : *list) {
    const Region* r = regions.Find(id);
    re2::StringPiece input(national.data(), national.size());
    if (list->size() == 1 ||
        (r->leading_digits ? RE2::Consume(&input, *r->leading_digits) : r->Valid(national))) {
      *region = r;
      return id.c_str();
    }
  }
  return "ZZ";
}

}  // namespace

const char* InternationalNumberRegion(int code, std::string_view national) {
  const Region* region;
  return ChooseRegion(code, national, &region);
}

std::optional<bool> InternationalNumberValid(int code, std::string_view national) {
  const Region* region;
  if (ChooseRegion(code, national, &region) == nullptr) return std::nullopt;
  // IsValidNumberForRegion for that region (none: not valid).
  return region != nullptr && region->Valid(national);
}

}  // namespace comply::pii
