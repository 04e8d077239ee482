// A view of a jsonb value for the schema evaluator (core/schema/view.h): it reads the
// JsonbContainer in place, with no copy, no allocation and no PostgreSQL call, so
// nothing in it can ereport while C++ objects are alive. Object members come in jsonb's
// storage order (keys by length, then bytes), as JsonbIteratorNext returns them.
#pragma once

#include <cstdint>
#include <cstring>
#include <string>
#include <string_view>

#include "core/json.h"

extern "C" {
#include "postgres.h"

#include "utils/jsonb.h"
}

namespace comply::pg {

// Hidden: the evaluators' instantiations on it are then hidden too, so that their calls
// to each other are direct rather than through the PLT (the .so is built without
// -fvisibility=hidden or -fno-semantic-interposition).
class __attribute__((visibility("hidden"))) JsonbView {
 public:

  // The document held by jb, which must be detoasted (PG_GETARG_JSONB_P).
  static JsonbView Root(const Jsonb* jb);

  json::Type type() const { return type_; }
  bool boolean() const { return len_ != 0; }
  // The double nearest to the number (what strtod makes of its numeric_out text). Inline
  // for a short-format numeric of up to four base-10000 digits and a small power of ten
  // (most JSON numbers: an integer up to 2^53, a decimal with a few digits), where the
  // value is an exact integer times or divided by an exact power of ten, so one rounding
  // gives the nearest double (Clinger's fast path); NumberSlow otherwise.
  __attribute__((always_inline)) double number() const {
    const char* p = VARDATA_ANY(ptr_);
    const size_t size = VARSIZE_ANY_EXHDR(ptr_);
    uint16 header;
    std::memcpy(&header, p, sizeof header);
    const size_t ndigits = (size - sizeof(uint16)) / sizeof(int16);
    if ((header & 0xC000) != 0x8000 || ndigits > 4) return NumberSlow();  // NUMERIC_SHORT
    // NUMERIC_SHORT_WEIGHT_SIGN_MASK, NUMERIC_SHORT_WEIGHT_MASK, NUMERIC_SHORT_SIGN_MASK
    const int weight = (header & 0x0040 ? ~0x3F : 0) | (header & 0x3F);
    uint64_t m = 0;
    for (size_t i = 0; i < ndigits; ++i) {
      int16 d;
      std::memcpy(&d, p + sizeof(uint16) + i * sizeof(int16), sizeof d);
      m = m * 10000 + static_cast<uint64_t>(d);
    }
    const int exp10 = ndigits == 0 ? 0 : 4 * (weight - static_cast<int>(ndigits) + 1);
    if (exp10 < -22 || exp10 > 22 || m > kMaxExactInteger) return NumberSlow();
    double v = static_cast<double>(m);  // exact
    v = exp10 >= 0 ? v * kExactPow10[exp10] : v / kExactPow10[-exp10];
    return header & 0x2000 ? -v : v;
  }
  // number() for the other numerics.
  double NumberSlow() const;
  // The number as numeric_out writes it.
  std::string number_text() const;
  // Whether the number has no fractional part, by its stored digits: a numeric stores no
  // trailing zero digit, so it has a fraction when it has digits past the one of weight
  // 0 (numeric.c's NUMERIC_WEIGHT and NUMERIC_NDIGITS; inline, as "integer" asks it of
  // every integral double).
  __attribute__((always_inline)) bool integral() const {
    const char* p = VARDATA_ANY(ptr_);
    const size_t size = VARSIZE_ANY_EXHDR(ptr_);
    uint16 header;
    std::memcpy(&header, p, sizeof header);
    if ((header & 0xC000) == 0xC000) return false;  // NaN, infinities (not in jsonb)
    int weight;
    size_t header_size;
    if ((header & 0xC000) == 0x8000) {  // short format
      weight = (header & 0x0040 ? ~0x3F : 0) | (header & 0x3F);
      header_size = sizeof(uint16);
    } else {
      int16 w;
      std::memcpy(&w, p + sizeof(uint16), sizeof w);
      weight = w;
      header_size = 2 * sizeof(uint16);
    }
    const int ndigits = static_cast<int>((size - header_size) / sizeof(int16));
    return ndigits <= weight + 1;
  }
  std::string_view string() const { return {ptr_, len_}; }
  size_t size() const { return JsonContainerSize(container()); }

  // Iterates over the items of an array.
  class Items {
   public:
    explicit Items(const JsonbContainer* jc)
        : jc_(jc), base_(Base(jc, JsonContainerSize(jc))), n_(JsonContainerSize(jc)) {}
    bool done() const { return i_ >= n_; }
    void next() { off_ = End(jc_->children[i_++], off_); }
    size_t index() const { return i_; }
    JsonbView value() const { return Child(jc_->children[i_], base_, off_); }

   private:
    const JsonbContainer* jc_;
    const char* base_;
    uint32 n_;
    uint32 i_ = 0;
    uint32 off_ = 0;  // start of item i_'s data
  };

  // Iterates over the members of an object, keys in jsonb order.
  class Members {
   public:
    explicit Members(const JsonbContainer* jc)
        : jc_(jc),
          base_(Base(jc, 2 * JsonContainerSize(jc))),
          n_(JsonContainerSize(jc)),
          value_off_(Offset(jc, n_)) {}
    bool done() const { return i_ >= n_; }
    void next() {
      key_off_ = End(jc_->children[i_], key_off_);
      value_off_ = End(jc_->children[n_ + i_], value_off_);
      ++i_;
    }
    size_t index() const { return i_; }
    std::string_view key() const {
      return {base_ + key_off_, End(jc_->children[i_], key_off_) - key_off_};
    }
    JsonbView value() const { return Child(jc_->children[n_ + i_], base_, value_off_); }

   private:
    const JsonbContainer* jc_;
    const char* base_;
    uint32 n_;
    uint32 i_ = 0;
    uint32 key_off_ = 0;  // start of key i_'s data
    uint32 value_off_;    // start of value i_'s data
  };

  Items items() const { return Items(container()); }
  Members members() const { return Members(container()); }

  // Finds the member named key by binary search over the sorted keys; out (if not
  // nullptr) receives its value.
  bool Find(std::string_view key, JsonbView* out) const {
    const JsonbContainer* jc = container();
    const uint32 n = JsonContainerSize(jc);
    const char* base = Base(jc, 2 * n);
    uint32 lo = 0, hi = n;
    while (lo < hi) {
      uint32 mid = lo + (hi - lo) / 2;
      uint32 start = Offset(jc, mid);
      uint32 len = End(jc->children[mid], start) - start;
      int cmp;
      if (len != key.size())
        cmp = len < key.size() ? -1 : 1;
      else
        cmp = CompareBytes(base + start, key.data(), len);
      if (cmp == 0) {
        if (out) *out = Child(jc->children[n + mid], base, Offset(jc, n + mid));
        return true;
      }
      if (cmp < 0)
        lo = mid + 1;
      else
        hi = mid;
    }
    return false;
  }

 private:
  JsonbView(json::Type type, const char* ptr, uint32 len) : type_(type), len_(len), ptr_(ptr) {}

  const JsonbContainer* container() const { return reinterpret_cast<const JsonbContainer*>(ptr_); }

  // Compares two byte strings of length n (keys are short: no call to memcmp).
  static int CompareBytes(const char* a, const char* b, uint32 n) {
    for (uint32 i = 0; i < n; ++i)
      if (a[i] != b[i])
        return static_cast<unsigned char>(a[i]) < static_cast<unsigned char>(b[i]) ? -1 : 1;
    return 0;
  }
  // Where the data of a container with n JEntries begins.
  static const char* Base(const JsonbContainer* jc, uint32 n) {
    return reinterpret_cast<const char*>(&jc->children[n]);
  }
  // The end of the data of a child whose data starts at start (JBE_ADVANCE_OFFSET).
  static uint32 End(JEntry je, uint32 start) {
    return JBE_HAS_OFF(je) ? JBE_OFFLENFLD(je) : start + JBE_OFFLENFLD(je);
  }
  // The start of child index's data (getJsonbOffset, inlined).
  static uint32 Offset(const JsonbContainer* jc, uint32 index) {
    uint32 off = 0;
    for (uint32 i = index; i-- > 0;) {
      off += JBE_OFFLENFLD(jc->children[i]);
      if (JBE_HAS_OFF(jc->children[i])) break;
    }
    return off;
  }
  // The view of a child whose JEntry is je and whose data starts at base + start
  // (fillJsonbValue).
  static JsonbView Child(JEntry je, const char* base, uint32 start) {
    // JENTRY_ISSTRING, ISNUMERIC, ISBOOL_FALSE, ISBOOL_TRUE, ISNULL, then ISCONTAINER:
    // scalars without a branch on their kind (it varies from one member to the next).
    const uint32 kind = (je & JENTRY_TYPEMASK) >> 28;
    if (kind >= (JENTRY_ISCONTAINER >> 28)) {
      const char* p = base + INTALIGN(start);
      const auto* jc = reinterpret_cast<const JsonbContainer*>(p);
      return {JsonContainerIsObject(jc) ? json::Type::kObject : json::Type::kArray, p, 0};
    }
    // The json::Type of each kind, four bits each (a constant, not a table in memory).
    constexpr uint32 kScalarTypes =
        static_cast<uint32>(json::Type::kString) | static_cast<uint32>(json::Type::kNumber) << 4 |
        static_cast<uint32>(json::Type::kBool) << 8 | static_cast<uint32>(json::Type::kBool) << 12 |
        static_cast<uint32>(json::Type::kNull) << 16;
    const auto type = static_cast<json::Type>((kScalarTypes >> (4 * kind)) & 0xF);
    const uint32 len = kind == (JENTRY_ISSTRING >> 28)      ? End(je, start) - start
                       : kind == (JENTRY_ISBOOL_TRUE >> 28) ? 1
                                                            : 0;
    const uint32 at = kind == (JENTRY_ISNUMERIC >> 28) ? INTALIGN(start) : start;
    return {type, base + at, len};
  }

  // The integers and powers of ten that are exact doubles (number()'s fast path).
  static constexpr uint64_t kMaxExactInteger = uint64_t{1} << 53;
  static constexpr double kExactPow10[] = {1e0,  1e1,  1e2,  1e3,  1e4,  1e5,  1e6,  1e7,
                                           1e8,  1e9,  1e10, 1e11, 1e12, 1e13, 1e14, 1e15,
                                           1e16, 1e17, 1e18, 1e19, 1e20, 1e21, 1e22};

  json::Type type_;
  uint32 len_;       // kString: byte length; kBool: the value
  const char* ptr_;  // kString: bytes; kNumber: the Numeric; kArray, kObject: container
};

}  // namespace comply::pg
