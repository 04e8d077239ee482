// Validity of national phone numbers from libphonenumber's metadata, on RE2
// (phone_national.h).
#include "core/pii/phone_national.h"

#include <phonenumbers/phonemetadata.pb.h>
#include <re2/re2.h>

#include <algorithm>
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
};

Desc MakeDesc(const pn::PhoneNumberDesc& d) {
  Desc out;
  for (int len : d.possible_length()) out.lengths.push_back(len);
  if (d.has_national_number_pattern() && !d.national_number_pattern().empty()) {
    RE2::Options o;
    o.set_log_errors(false);
    auto re = std::make_unique<RE2>(d.national_number_pattern(), o);
    if (re->ok()) out.pattern = std::move(re);
  }
  return out;
}

// The regions of kPhoneRegions, read once from the metadata.
class Regions {
 public:
  Regions() {
    pn::PhoneMetadataCollection all;
    if (!all.ParseFromArray(pn::metadata_get(), pn::metadata_size())) return;
    for (const pn::PhoneMetadata& m : all.metadata()) {
      if (std::find_if(std::begin(kPhoneRegions), std::end(kPhoneRegions),
                       [&](const char* r) { return m.id() == r; }) == std::end(kPhoneRegions))
        continue;
      Region r;
      r.general = MakeDesc(m.general_desc());
      for (const pn::PhoneNumberDesc* d :
           {&m.premium_rate(), &m.toll_free(), &m.shared_cost(), &m.voip(), &m.personal_number(),
            &m.pager(), &m.uan(), &m.voicemail(), &m.fixed_line(), &m.mobile()})
        r.types.push_back(MakeDesc(*d));
      r.same_mobile_and_fixed_line = m.same_mobile_and_fixed_line_pattern();
      by_id_.emplace(m.id(), std::move(r));
    }
  }

  const Region* Find(std::string_view id) const {
    auto it = by_id_.find(std::string(id));
    return it == by_id_.end() ? nullptr : &it->second;
  }

 private:
  std::map<std::string, Region> by_id_;
};

}  // namespace

bool NationalNumberValid(std::string_view region, std::string_view national) {
  static const Regions regions;
  const Region* r = regions.Find(region);
  if (r == nullptr || !r->general.Matches(national)) return false;
  // GetNumberTypeHelper returns a type other than UNKNOWN when one of these matches
  // (mobile is read only when it differs from fixed line; when it is the same, it
  // matches exactly when fixed line did).
  const size_t n = r->types.size();
  for (size_t i = 0; i + 1 < n; ++i)
    if (r->types[i].Matches(national)) return true;
  return !r->same_mobile_and_fixed_line && r->types[n - 1].Matches(national);
}

}  // namespace comply::pii
