// Read-only views of a JSON document, so that the evaluator (evaluate.h) reads each
// document representation in place: json::Value here, PostgreSQL's jsonb in the glue
// (src/pg/jsonb_view.h).
//
// A view type V is a small copyable handle on one value, valid while its document is:
//   json::Type type() const
//   bool boolean() const                   kBool
//   double number() const                  kNumber: the double nearest to its decimal value
//   std::string number_text() const        kNumber: its decimal value as a JSON number
//                                          (may return const std::string& instead)
//   bool integral() const                  kNumber: whether its decimal value has no
//                                          fractional part (exactly: not its double)
//   std::string_view string() const        kString: its UTF-8 bytes, not copied
//   size_t size() const                    kArray: items; kObject: members
//   V::Items items() const                 kArray: an iterator over the items
//   V::Members members() const             kObject: an iterator over the members, in the
//                                          document's order
//   bool Find(std::string_view key, V* out) const
//                                          kObject: whether there is a member named key,
//                                          and (if out is not nullptr) its value
// where the iterators have bool done(), void next(), size_t index(), V value() and, for
// members, std::string_view key(); they are copyable (a copy iterates on its own).
// Two views of the same document give the same answers, so the validator's results do
// not depend on the representation (test/unit/schema_view_test.cpp).
#pragma once
#include "core/no_postgres.h"

#include <string>
#include <string_view>

#include "core/json.h"
#include "core/schema/decimal.h"

namespace comply::schema {

// A view of a json::Value.
class ValueView {
 public:
  explicit ValueView(const json::Value& v) : v_(&v) {}

  json::Type type() const { return v_->type(); }
  bool boolean() const { return v_->as_bool(); }
  double number() const { return v_->as_number(); }
  const std::string& number_text() const { return v_->number_text(); }
  bool integral() const { return internal::IntegralText(v_->number_text(), v_->as_number()); }
  std::string_view string() const { return v_->as_string(); }
  size_t size() const { return v_->is_array() ? v_->as_array().size() : v_->as_object().size(); }

  class Items {
   public:
    explicit Items(const json::Value::Array& a) : p_(a.data()), end_(a.data() + a.size()) {}
    bool done() const { return p_ == end_; }
    void next() {
      ++p_;
      ++i_;
    }
    size_t index() const { return i_; }
    ValueView value() const { return ValueView(*p_); }

   private:
    const json::Value* p_;
    const json::Value* end_;
    size_t i_ = 0;
  };

  class Members {
   public:
    explicit Members(const json::Value::Object& o) : p_(o.data()), end_(o.data() + o.size()) {}
    bool done() const { return p_ == end_; }
    void next() {
      ++p_;
      ++i_;
    }
    size_t index() const { return i_; }
    std::string_view key() const { return p_->first; }
    ValueView value() const { return ValueView(p_->second); }

   private:
    const std::pair<std::string, json::Value>* p_;
    const std::pair<std::string, json::Value>* end_;
    size_t i_ = 0;
  };

  Items items() const { return Items(v_->as_array()); }
  Members members() const { return Members(v_->as_object()); }

  bool Find(std::string_view key, ValueView* out) const {
    const json::Value* m = v_->Find(key);
    if (!m) return false;
    if (out) *out = ValueView(*m);
    return true;
  }

 private:
  const json::Value* v_;
};

}  // namespace comply::schema
