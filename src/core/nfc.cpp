#include "core/nfc.h"

#include <unicode/unorm2.h>
#include <unicode/ustring.h>

#include <vector>

namespace comply {

bool ToNfc(std::string_view s, std::string* out) {
  UErrorCode err = U_ZERO_ERROR;
  const UNormalizer2* nfc = unorm2_getNFCInstance(&err);
  if (U_FAILURE(err)) return false;
  std::vector<UChar> utf16(s.size() + 1), normal(3 * s.size() + 16);
  int32_t n16 = 0;
  u_strFromUTF8(utf16.data(), static_cast<int32_t>(utf16.size()), &n16, s.data(),
                static_cast<int32_t>(s.size()), &err);
  const int32_t nn = unorm2_normalize(nfc, utf16.data(), n16, normal.data(),
                                      static_cast<int32_t>(normal.size()), &err);
  if (U_FAILURE(err)) return false;
  out->assign(4 * static_cast<size_t>(nn) + 4, '\0');
  int32_t n8 = 0;
  u_strToUTF8(out->data(), static_cast<int32_t>(out->size()), &n8, normal.data(), nn, &err);
  if (U_FAILURE(err)) return false;
  out->resize(static_cast<size_t>(n8));
  return true;
}

}  // namespace comply
