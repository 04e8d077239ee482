// Writing jsonb's binary form directly, as PostgreSQL's convertToJsonb (jsonb_util.c)
// writes a tree of JsonbValues: a container is int-aligned (its padding counted in its
// length), then its header, then one entry a child (an object's keys' entries, then its
// values'), then the children's data in that order; numbers and nested containers are
// int-aligned too, every JB_OFFSET_STRIDE'th entry holds the end offset of its data
// instead of its length. Objects' keys must be written sorted as jsonb keeps them
// (shorter first, then by bytes) and distinct. No PostgreSQL call: only the last step
// (ToJsonb, which pallocs) belongs in a PgCall. sql/04_redact_jsonb.sql and
// sql/10_protect.sql compare what is written with PostgreSQL's own conversion of its
// text, byte for byte.
#pragma once

#include <algorithm>
#include <cstddef>
#include <cstring>
#include <memory>
#include <string>
#include <string_view>

#include "core/error.h"

extern "C" {
#include "postgres.h"

#include "utils/jsonb.h"
}

namespace comply::pg {

// The bytes of a jsonb being written, appended inline (std::string's append is a call
// each), starting with room for its varlena header. What it is (the subject of the
// error when it would hold more than a jsonb can) and the error's hint are given.
class JsonbBytes {
 public:
  explicit JsonbBytes(const char* subject = "the jsonb", const char* hint = "")
      : subject_(subject), hint_(hint) {
    Zeros(VARHDRSZ);
  }

  size_t size() const { return size_; }
  char* At(size_t at) { return buf_.get() + at; }

  // Starts again (the varlena header's room kept).
  void Clear() { size_ = VARHDRSZ; }

  void Append(const void* p, size_t n) {
    Reserve(n);
    std::memcpy(buf_.get() + size_, p, n);
    size_ += n;
  }
  void Zeros(size_t n) {
    Reserve(n);
    std::memset(buf_.get() + size_, 0, n);
    size_ += n;
  }
  void Word(uint32 w) { Append(&w, sizeof w); }
  // Pads with zeros to a multiple of 4 bytes (padBufferToInt); returns the padding.
  uint32 Pad() {
    const size_t pad = INTALIGN(size_) - size_;
    Zeros(pad);
    return static_cast<uint32>(pad);
  }

  // Writes a string's bytes; returns its entry.
  JEntry String(std::string_view s) {
    if (s.size() > JENTRY_OFFLENMASK) TooLarge();  // (a container's Entry checks the sum)
    Append(s.data(), s.size());
    return JENTRY_ISSTRING | static_cast<uint32>(s.size());
  }
  // Writes a numeric (its varlena, int-aligned); returns its entry.
  JEntry Numeric(const void* numeric) {
    const uint32 pad = Pad();
    const size_t size = VARSIZE_ANY(numeric);
    Append(numeric, size);
    return JENTRY_ISNUMERIC | static_cast<uint32>(pad + size);
  }

  // The jsonb written, palloc'd (call it in a PgCall).
  Jsonb* ToJsonb() const {
    Jsonb* result = static_cast<Jsonb*>(palloc(size_));
    std::memcpy(result, buf_.get(), size_);
    SET_VARSIZE(result, size_);
    return result;
  }

  // 54000: more than a jsonb holds (JENTRY_OFFLENMASK, 256 MB, in one container).
  [[noreturn]] void TooLarge() const {
    throw Error(sqlstate::kProgramLimitExceeded, std::string(subject_) + " would be larger than 256 MB",
                {}, hint_);
  }

 private:
  void Reserve(size_t n) {
    if (capacity_ - size_ >= n) return;
    const size_t capacity = std::max({size_ + n, 2 * capacity_, size_t{1024}});
    std::unique_ptr<char[]> grown(new char[capacity]);
    if (size_) std::memcpy(grown.get(), buf_.get(), size_);
    buf_ = std::move(grown);
    capacity_ = capacity;
  }

  const char* subject_;
  const char* hint_;
  std::unique_ptr<char[]> buf_;
  size_t size_ = 0;
  size_t capacity_ = 0;
};

// One container being written into a JsonbBytes: its header and room for its entries
// at construction, then its children's data, each followed by Entry (in the order of
// the entries: an object's keys, then its values).
class JsonbContainerWriter {
 public:
  // A container of n children: an object of n members (object) or an array of n items
  // (header_flags JB_FARRAY, with JB_FSCALAR for a raw scalar).
  JsonbContainerWriter(JsonbBytes* out, uint32 n, bool object, uint32 header_flags = JB_FARRAY)
      : out_(out), base_(out->size()) {
    out->Pad();
    out->Word(n | (object ? JB_FOBJECT : header_flags));
    at_ = out->size();
    out->Zeros(sizeof(JEntry) * (object ? 2 * n : n));
  }

  // Sets the next child's entry (its data just written, meta's length theirs).
  void Entry(JEntry meta) {
    if (JBE_OFFLENFLD(meta) > JENTRY_OFFLENMASK - total_) out_->TooLarge();
    total_ += JBE_OFFLENFLD(meta);
    if (next_ % JB_OFFSET_STRIDE == 0) meta = (meta & JENTRY_TYPEMASK) | total_ | JENTRY_HAS_OFF;
    std::memcpy(out_->At(at_ + sizeof(JEntry) * next_), &meta, sizeof meta);
    ++next_;
  }

  // Takes the first count entries as written already, as entries, with data of bytes
  // bytes (an object's keys copied whole from another container).
  void Copied(const JEntry* entries, uint32 count, uint32 bytes) {
    std::memcpy(out_->At(at_), entries, sizeof(JEntry) * count);
    next_ = count;
    total_ = bytes;
  }

  // The container's entry in its parent, once its children are written.
  JEntry End() const { return JENTRY_ISCONTAINER | static_cast<uint32>(out_->size() - base_); }

 private:
  JsonbBytes* out_;
  size_t base_;     // where the container (its padding) starts
  size_t at_ = 0;   // where its entries start
  uint32 next_ = 0;   // the next entry to set
  uint32 total_ = 0;  // the children's data so far
};

}  // namespace comply::pg
