// pg_comply_verify: checks an exported pg_comply audit ledger offline, without a
// database. See usage() below and src/core/ledger/ledger.h for what is hashed.
//
// The export is JSON lines: every entry of a block, then the block's own line; blocks in
// order. It recomputes each entry's leaf hash, each block's Merkle root over its entries
// (ordered by leaf_index), each block hash, the chain of prev_hash links, and, with
// public keys, each block's Ed25519 signature by one of them (a block names its key as
// "signer_key": the keys before and after a rotation are both given). With a digest (a block header saved
// elsewhere earlier), it checks that the file still holds that block unchanged and that
// its chain extends from it.
//
// Output: one line per problem, then "ok: N blocks, M entries verified" (exit 0; with
// " (signatures not checked: no --public-key)" when no key is given) or "FAILED: K
// problems" (exit 1). Usage errors and unreadable inputs exit 2, a digest file without a
// "block_no" number of 1 or more and a 64-hex-digit "block_hash" among them, and a ledger
// file that holds no block (empty, or entries alone: nothing verified).

#include <openssl/bio.h>
#include <openssl/err.h>
#include <openssl/evp.h>
#include <openssl/pem.h>

#include <algorithm>
#include <charconv>
#include <cstdint>
#include <fstream>
#include <functional>
#include <iostream>
#include <map>
#include <optional>
#include <set>
#include <sstream>
#include <string>
#include <string_view>
#include <vector>

#include "core/error.h"
#include "core/json.h"
#include "core/ledger/ledger.h"

namespace {

using comply::json::Value;
using comply::ledger::Hash;

constexpr int kExitOk = 0;
constexpr int kExitFailed = 1;
constexpr int kExitUsage = 2;

void Usage(std::ostream& os) {
  os << "usage: pg_comply_verify --ledger FILE [--digest DIGEST.json] "
        "[--public-key HEX_OR_FILE]...\n"
        "\n"
        "  --ledger FILE        exported ledger, one JSON object per line\n"
        "  --digest FILE        a saved block digest {\"block_no\": N, \"block_hash\": ...};\n"
        "                       checks the file holds that block and its chain extends it\n"
        "  --public-key KEY     Ed25519 public key: 64 hex digits, or a file holding hex,\n"
        "                       a PEM public key, or the PEM private key; every block\n"
        "                       must then carry a valid signature by one of the keys\n"
        "                       given (repeat the option for each key of a rotation)\n";
}

// A problem found in the file: printed at once and counted.
class Problems {
 public:
  void Add(const std::string& message) {
    std::cout << message << '\n';
    ++count_;
  }
  int count() const { return count_; }

 private:
  int count_ = 0;
};

std::optional<std::string> ReadFile(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  if (!in) return std::nullopt;
  std::ostringstream ss;
  ss << in.rdbuf();
  if (in.bad()) return std::nullopt;
  return ss.str();
}

std::string Trim(std::string_view s) {
  const char* ws = " \t\r\n";
  const size_t b = s.find_first_not_of(ws);
  if (b == std::string_view::npos) return {};
  const size_t e = s.find_last_not_of(ws);
  return std::string(s.substr(b, e - b + 1));
}

std::optional<int64_t> ParseInt(std::string_view text) {
  int64_t v = 0;
  const char* end = text.data() + text.size();
  auto [p, ec] = std::from_chars(text.data(), end, v);
  if (ec != std::errc() || p != end || text.empty()) return std::nullopt;
  return v;
}

// Integer member: a JSON number without fraction or exponent, or a string of digits
// (bigint values are sometimes exported as strings).
std::optional<int64_t> GetInt(const Value& obj, std::string_view key) {
  const Value* v = obj.Find(key);
  if (!v) return std::nullopt;
  if (v->is_number()) return ParseInt(v->number_text());
  if (v->is_string()) return ParseInt(v->as_string());
  return std::nullopt;
}

// Text member that may be null. Returns false if missing or of another type.
bool GetOptString(const Value& obj, std::string_view key, std::optional<std::string>* out) {
  const Value* v = obj.Find(key);
  if (!v) return false;
  if (v->is_null()) {
    out->reset();
    return true;
  }
  if (!v->is_string()) return false;
  *out = v->as_string();
  return true;
}

std::optional<Hash> ParseHash(std::string_view hex) {
  if (hex.size() != 64) return std::nullopt;
  auto bytes = comply::ledger::FromHex(hex);
  if (!bytes) return std::nullopt;
  Hash h{};
  std::copy(bytes->begin(), bytes->end(), h.begin());
  return h;
}

std::optional<Hash> GetHash(const Value& obj, std::string_view key) {
  const Value* v = obj.Find(key);
  if (!v || !v->is_string()) return std::nullopt;
  return ParseHash(v->as_string());
}

// Raw 32-byte Ed25519 public key from a PEM "PUBLIC KEY" block.
std::optional<std::string> PublicKeyFromPem(const std::string& pem) {
  BIO* bio = BIO_new_mem_buf(pem.data(), static_cast<int>(pem.size()));
  if (!bio) return std::nullopt;
  EVP_PKEY* key = PEM_read_bio_PUBKEY(bio, nullptr, nullptr, nullptr);
  BIO_free(bio);
  std::optional<std::string> out;
  if (key && EVP_PKEY_get_id(key) == EVP_PKEY_ED25519) {
    std::string raw(32, '\0');
    size_t len = raw.size();
    if (EVP_PKEY_get_raw_public_key(key, reinterpret_cast<unsigned char*>(raw.data()),
                                    &len) == 1 &&
        len == raw.size()) {
      out = raw;
    }
  }
  EVP_PKEY_free(key);
  ERR_clear_error();
  return out;
}

// --public-key: hex on the command line, or a file holding hex or PEM.
std::optional<std::string> LoadPublicKey(const std::string& arg, std::string* error) {
  if (auto raw = comply::ledger::FromHex(arg); raw && raw->size() == 32) return raw;
  auto content = ReadFile(arg);
  if (!content) {
    *error = "--public-key: \"" + arg + "\" is neither 64 hex digits nor a readable file";
    return std::nullopt;
  }
  const std::string text = Trim(*content);
  if (auto raw = comply::ledger::FromHex(text); raw && raw->size() == 32) return raw;
  if (text.find("-----BEGIN PUBLIC KEY-----") != std::string::npos) {
    if (auto raw = PublicKeyFromPem(text)) return raw;
  } else if (text.find("-----BEGIN PRIVATE KEY-----") != std::string::npos) {
    try {
      return comply::ledger::Signer::FromPem(text, arg).PublicKey();
    } catch (const comply::Error&) {
      // Reported below.
    }
  }
  *error = "--public-key: file \"" + arg +
           "\" does not hold an Ed25519 public key (64 hex digits or PEM)";
  return std::nullopt;
}

// One entry line of the current block.
struct PendingEntry {
  comply::ledger::Entry entry;
  std::string label;  // "entry <id>" (or "line <n>" if the id is unreadable)
  std::optional<int64_t> block_no;
  int64_t leaf_index = 0;
  Hash hash{};
};

// What is remembered of each block, for the chain and the digest.
struct BlockInfo {
  Hash computed_hash{};
  comply::ledger::BlockHeader header;
  std::optional<std::string> signature;
  std::optional<std::string> signer_key;  // raw, as the block line names it
  // Sum of entry_count over blocks 1..block_no, when the file starts at block 1.
  std::optional<int64_t> entries_through;
};

class Verifier {
 public:
  explicit Verifier(std::vector<std::string> public_keys) : public_keys_(std::move(public_keys)) {}

  void Line(size_t line_no, std::string_view text) {
    if (Trim(text).empty()) return;
    const std::string where = "line " + std::to_string(line_no);
    Value v;
    try {
      // A key twice in a line: which value a reader takes would decide what it reads
      // ("object" forged first, the sealed one last, verified as sealed).
      v = comply::json::ParseUniqueKeys(text);
    } catch (const comply::Error& e) {
      problems_.Add(where + ": not valid JSON (" + e.what() + ")");
      return;
    }
    if (!v.is_object()) {
      problems_.Add(where + ": not a JSON object");
      return;
    }
    const Value* type = v.Find("type");
    if (type && type->is_string() && type->as_string() == "entry") {
      Entry(where, v);
    } else if (type && type->is_string() && type->as_string() == "block") {
      Block(where, v);
    } else {
      problems_.Add(where + ": \"type\" is neither \"entry\" nor \"block\"");
    }
  }

  // A ledger.node_adopted entry sealed in block block_no: (previous_node, node).
  void NoteAdoption(int64_t block_no, const comply::ledger::Entry& e) {
    if (!e.action || *e.action != "ledger.node_adopted" || !e.details) return;
    try {
      const Value details = comply::json::Parse(*e.details);
      const Value* from = details.Find("previous_node");
      const Value* to = details.Find("node");
      if (from && to && from->is_string() && to->is_string())
        adoptions_.push_back({block_no, from->as_string(), to->as_string()});
    } catch (const std::exception&) {
      // Not JSON: no adoption (its hash is checked like any entry's).
    }
  }

  // After the last line.
  void Finish() {
    for (const NodeChange& c : node_changes_) {
      const bool adopted = std::any_of(adoptions_.begin(), adoptions_.end(), [&](const NodeChange& a) {
        return a.from == c.from && a.to == c.to && a.block_no >= c.block_no;
      });
      if (!adopted) {
        problems_.Add("block " + std::to_string(c.block_no) + ": sealed by another node (" + c.to +
                      ", after " + c.from + ") and no ledger.node_adopted entry records the change");
      }
    }
    for (const auto& p : pending_) {
      problems_.Add(p.label + ": block " + std::to_string(*p.block_no) +
                    " is not in the file after it");
    }
    pending_.clear();
    if (unsealed_ > 0) {
      std::cout << "note: " << unsealed_ << " unsealed entries (block_no null) not verified\n";
    }
  }

  void CheckDigest(const Value& digest) {
    const auto block_no = GetInt(digest, "block_no");
    const auto hash = GetHash(digest, "block_hash");
    const std::string name = block_no ? "digest (block " + std::to_string(*block_no) + ")"
                                      : std::string("digest");
    if (!block_no || !hash) {
      problems_.Add(name + ": needs \"block_no\" and a 64-hex-digit \"block_hash\"");
      return;
    }
    auto it = blocks_.find(*block_no);
    if (it == blocks_.end()) {
      problems_.Add(name + ": block " + std::to_string(*block_no) + " is not in the file");
      return;
    }
    const BlockInfo& b = it->second;
    if (b.computed_hash != *hash) {
      problems_.Add(name + ": block " + std::to_string(*block_no) +
                    " in the file has a different hash");
    }
    // entry_count is the number of entries sealed in blocks 1..block_no, as
    // comply.ledger_digest() reports it; checkable when the file starts at block 1.
    if (digest.Find("entry_count")) {
      auto n = GetInt(digest, "entry_count");
      if (!n) {
        problems_.Add(name + ": entry_count is not an integer");
      } else if (b.entries_through && *n != *b.entries_through) {
        problems_.Add(name + ": entry_count " + std::to_string(*n) + " differs from the " +
                      std::to_string(*b.entries_through) + " entries of blocks 1.." +
                      std::to_string(*block_no) + " in the file");
      } else if (!b.entries_through) {
        std::cout << "note: the file does not hold blocks 1.." << *block_no
                  << " in order; the digest's entry_count is not checked\n";
      }
    }
    // A signature in the digest must be a valid one of the digested hash.
    if (const Value* sig = digest.Find("signature");
        sig && !sig->is_null() && !public_keys_.empty()) {
      auto raw = sig->is_string() ? comply::ledger::FromHex(sig->as_string()) : std::nullopt;
      if (!raw || !SignedByGivenKey(b.signer_key, *hash, *raw)) {
        problems_.Add(name + ": signature does not verify");
      }
    }
    for (const char* key : {"merkle_root", "prev_hash"}) {
      if (digest.Find(key)) {
        auto h = GetHash(digest, key);
        const Hash& mine =
            std::string_view(key) == "merkle_root" ? b.header.merkle_root : b.header.prev_hash;
        if (!h || *h != mine) {
          problems_.Add(name + ": " + key + " differs from block " + std::to_string(*block_no));
        }
      }
    }
    if (digest.Find("sealed_at_us")) {
      auto t = GetInt(digest, "sealed_at_us");
      if (!t || *t != b.header.sealed_at_us) {
        problems_.Add(name + ": sealed_at_us differs from block " + std::to_string(*block_no));
      }
    }
    if (const Value* node = digest.Find("node_id"); node && !node->is_null()) {
      std::string id = node->is_string() ? node->as_string() : node->number_text();
      if (id != b.header.node_id) {
        problems_.Add(name + ": node_id differs from block " + std::to_string(*block_no));
      }
    }
    // The chain from this block to the end of the file was checked line by line, and
    // the file must not stop short of it.
  }

  int problem_count() const { return problems_.count(); }
  size_t block_count() const { return blocks_verified_; }
  size_t entry_count() const { return entries_verified_; }

 private:
  // Members outside the export's encoding, and integers written as strings: what the
  // hashes do not cover must not pass for sealed.
  template <size_t N>
  void CheckMembers(const Value& v, const std::array<std::string_view, N>& members,
                    std::initializer_list<const char*> integers,
                    const std::function<void(const std::string&)>& bad) {
    for (const auto& [key, value] : v.as_object())
      if (!comply::ledger::IsMember(key, members)) bad("unknown field \"" + key + "\"");
    for (const char* key : integers)
      if (const Value* x = v.Find(key); x && x->is_string()) bad(std::string("field \"") + key + "\" is a string, not a number");
  }

  void Entry(const std::string& where, const Value& v) {
    PendingEntry p;
    const auto id = GetInt(v, "id");
    p.label = id ? "entry " + std::to_string(*id) : where;
    bool ok = true;
    auto bad = [&](const std::string& what) {
      problems_.Add(p.label + ": " + what);
      ok = false;
    };
    CheckMembers(v, comply::ledger::kEntryMembers, {"id", "logged_at_us", "block_no", "leaf_index"}, bad);
    if (!id) bad("field \"id\" is missing or not an integer");
    p.entry.id = id.value_or(0);
    if (auto t = GetInt(v, "logged_at_us")) {
      p.entry.logged_at_us = *t;
    } else {
      bad("field \"logged_at_us\" is missing or not an integer");
    }
    struct Field {
      const char* key;
      std::optional<std::string> comply::ledger::Entry::*member;
    };
    static const Field kFields[] = {
        {"session_user", &comply::ledger::Entry::session_user},
        {"current_user", &comply::ledger::Entry::current_user},
        {"application_name", &comply::ledger::Entry::application_name},
        {"client_addr", &comply::ledger::Entry::client_addr},
        {"xid", &comply::ledger::Entry::xid},
        {"action", &comply::ledger::Entry::action},
        {"object", &comply::ledger::Entry::object},
        {"details", &comply::ledger::Entry::details},
    };
    for (const Field& f : kFields) {
      if (!GetOptString(v, f.key, &(p.entry.*f.member))) {
        bad(std::string("field \"") + f.key + "\" is missing or neither text nor null");
      }
    }
    const Value* block_no = v.Find("block_no");
    if (block_no && block_no->is_null()) {
      ++unsealed_;
      return;
    }
    p.block_no = GetInt(v, "block_no");
    if (!p.block_no) bad("field \"block_no\" is missing or not an integer");
    if (auto li = GetInt(v, "leaf_index"); li && *li >= 0) {
      p.leaf_index = *li;
    } else {
      bad("field \"leaf_index\" is missing or not a non-negative integer");
    }
    if (id && !ids_.insert(*id).second) bad("duplicate entry id");
    p.hash = comply::ledger::EntryHash(p.entry);
    // An export may carry each entry's leaf hash; it then pins down which entry changed.
    if (const Value* eh = v.Find("entry_hash"); eh && !eh->is_null()) {
      auto given = GetHash(v, "entry_hash");
      if (!given) {
        bad("field \"entry_hash\" is not 64 hex digits");
      } else if (*given != p.hash) {
        bad("hash mismatch");
      }
    }
    if (p.block_no) pending_.push_back(std::move(p));
  }

  void Block(const std::string& where, const Value& v) {
    comply::ledger::BlockHeader h;
    const auto block_no = GetInt(v, "block_no");
    const std::string label = block_no ? "block " + std::to_string(*block_no) : where;
    bool ok = true;
    auto bad = [&](const std::string& what) {
      problems_.Add(label + ": " + what);
      ok = false;
    };
    CheckMembers(v, comply::ledger::kBlockMembers, {"block_no", "entry_count", "sealed_at_us"}, bad);
    if (!block_no) bad("field \"block_no\" is missing or not an integer");
    h.block_no = block_no.value_or(0);
    if (auto x = GetHash(v, "prev_hash")) {
      h.prev_hash = *x;
    } else {
      bad("field \"prev_hash\" is missing or not 64 hex digits");
    }
    if (auto x = GetHash(v, "merkle_root")) {
      h.merkle_root = *x;
    } else {
      bad("field \"merkle_root\" is missing or not 64 hex digits");
    }
    if (auto x = GetInt(v, "entry_count"); x && *x >= 0) {
      h.entry_count = *x;
    } else {
      bad("field \"entry_count\" is missing or not a non-negative integer");
    }
    if (auto x = GetInt(v, "sealed_at_us")) {
      h.sealed_at_us = *x;
    } else {
      bad("field \"sealed_at_us\" is missing or not an integer");
    }
    const Value* node = v.Find("node_id");
    if (node && node->is_string()) {
      h.node_id = node->as_string();
    } else if (node && node->is_number()) {
      h.node_id = node->number_text();
    } else {
      bad("field \"node_id\" is missing or not text");
    }
    const auto given_hash = GetHash(v, "block_hash");
    if (!given_hash) bad("field \"block_hash\" is missing or not 64 hex digits");
    const bool header_ok = ok;  // the header is readable: its hashes can be checked
    // Optional fields of raw bytes in hex: absent or null is fine, anything else must
    // be bytes hex digits long.
    auto optional_hex = [&](const char* name, size_t bytes) -> std::optional<std::string> {
      const Value* f = v.Find(name);
      if (f && f->is_string()) {
        auto raw = comply::ledger::FromHex(f->as_string());
        if (raw && raw->size() == bytes) return raw;
        bad(std::string("field \"") + name + "\" is not " + std::to_string(2 * bytes) +
            " hex digits");
      } else if (f && !f->is_null()) {
        bad(std::string("field \"") + name + "\" is neither text nor null");
      }
      return std::nullopt;
    };
    const Value* sig = v.Find("signature");
    const std::optional<std::string> signature = optional_hex("signature", 64);
    const std::optional<std::string> signer_key = optional_hex("signer_key", 32);

    // This block's entries: those listed since the previous block line.
    std::vector<PendingEntry> entries;
    for (auto& p : pending_) {
      if (block_no && p.block_no && *p.block_no == *block_no) {
        entries.push_back(std::move(p));
      } else {
        problems_.Add(p.label + ": belongs to block " +
                      (p.block_no ? std::to_string(*p.block_no) : std::string("?")) +
                      " but is listed before " + label);
      }
    }
    pending_.clear();
    std::stable_sort(entries.begin(), entries.end(),
                     [](const PendingEntry& a, const PendingEntry& b) {
                       return a.leaf_index < b.leaf_index;
                     });
    // Leaf indexes must be 0..n-1: report duplicates and each gap once.
    int64_t expected = 0;
    for (size_t i = 0; i < entries.size(); ++i) {
      const int64_t li = entries[i].leaf_index;
      if (i > 0 && li == entries[i - 1].leaf_index) {
        problems_.Add(label + ": leaf index " + std::to_string(li) + " is used by " +
                      entries[i - 1].label + " and " + entries[i].label);
        continue;
      }
      if (li > expected) {
        problems_.Add(label + ": no entry at leaf index " + std::to_string(expected) +
                      (li == expected + 1 ? std::string() : ".." + std::to_string(li - 1)));
      }
      expected = li + 1;
    }
    if (header_ok && static_cast<int64_t>(entries.size()) != h.entry_count) {
      bad("entry_count is " + std::to_string(h.entry_count) + " but the file has " +
          std::to_string(entries.size()) + " entries for it");
    }
    std::vector<Hash> leaves;
    leaves.reserve(entries.size());
    for (const auto& p : entries) leaves.push_back(p.hash);
    for (const auto& p : entries) NoteAdoption(h.block_no, p.entry);
    const Hash root = comply::ledger::MerkleRoot(leaves);
    if (header_ok && root != h.merkle_root) {
      std::string which;
      if (!entries.empty()) {
        which = " (" + entries.front().label +
                (entries.size() > 1 ? " .. " + entries.back().label : std::string()) + ")";
      }
      bad("merkle root mismatch" + which);
    }

    if (!block_no) {
      previous_.reset();
      return;
    }
    const Hash computed = comply::ledger::BlockHash(h);
    if (header_ok && computed != *given_hash) {
      bad("block hash mismatch");
    }

    // The chain.
    if (previous_) {
      const auto& [prev_no, prev] = *previous_;
      if (h.block_no != prev_no + 1) {
        bad("follows block " + std::to_string(prev_no) + " (block numbers must be consecutive)");
      } else if (h.prev_hash != prev.computed_hash) {
        bad("prev_hash does not match the hash of block " + std::to_string(prev_no));
      }
      // Another node seals from here on: legitimate only if an entry of this block or a
      // later one records the change (comply.adopt_node(), after a pg_upgrade).
      if (h.node_id != prev.header.node_id) {
        node_changes_.push_back({h.block_no, prev.header.node_id, h.node_id});
      }
    } else if (!first_seen_) {
      first_seen_ = true;
      first_block_no_ = h.block_no;
      first_node_id_ = h.node_id;
      if (h.block_no == 1) {
        if (h.prev_hash != Hash{}) bad("prev_hash of the first block is not all zeros");
      } else {
        std::cout << "note: the file starts at block " << h.block_no
                  << "; its prev_hash is not checked\n";
      }
    }

    // The signature, over the recomputed hash.
    if (!public_keys_.empty()) {
      if (!sig || sig->is_null()) {
        bad("not signed");
      } else if (signer_key && std::find(public_keys_.begin(), public_keys_.end(), *signer_key) ==
                                   public_keys_.end()) {
        bad("signed by key " + comply::ledger::ToHex(*signer_key).substr(0, 16) +
            "..., which is not one of the --public-key keys");
      } else if (header_ok && signature && !SignedByGivenKey(signer_key, computed, *signature)) {
        bad("signature does not verify");
      }
    }

    BlockInfo info;
    info.computed_hash = computed;
    info.header = h;
    info.signature = signature;
    info.signer_key = signer_key;
    if (h.block_no == 1) {
      info.entries_through = h.entry_count;
    } else if (previous_ && previous_->second.entries_through &&
               h.block_no == previous_->first + 1) {
      info.entries_through = *previous_->second.entries_through + h.entry_count;
    }
    if (!blocks_.emplace(h.block_no, info).second) bad("appears twice");
    previous_.emplace(h.block_no, info);
    ++blocks_verified_;
    entries_verified_ += entries.size();
  }

  // True if signature is one of h by the block's key (when it names one given) or, for a
  // block that names none, by any key given.
  bool SignedByGivenKey(const std::optional<std::string>& signer_key, const Hash& h,
                        const std::string& signature) const {
    for (const std::string& key : public_keys_) {
      if (signer_key && key != *signer_key) continue;
      if (comply::ledger::VerifySignature(key, h, signature)) return true;
    }
    return false;
  }

  std::vector<std::string> public_keys_;
  Problems problems_;
  std::vector<PendingEntry> pending_;
  std::map<int64_t, BlockInfo> blocks_;
  std::optional<std::pair<int64_t, BlockInfo>> previous_;
  bool first_seen_ = false;
  int64_t first_block_no_ = 0;
  std::string first_node_id_;
  // Changes of node between consecutive blocks, and the adoptions the entries record.
  struct NodeChange {
    int64_t block_no;
    std::string from, to;
  };
  std::vector<NodeChange> node_changes_;
  std::vector<NodeChange> adoptions_;
  std::set<int64_t> ids_;
  size_t unsealed_ = 0;
  size_t blocks_verified_ = 0;
  size_t entries_verified_ = 0;
};

}  // namespace

int main(int argc, char** argv) {
  std::string ledger_path;
  std::string digest_path;
  std::vector<std::string> key_args;
  for (int i = 1; i < argc; ++i) {
    std::string arg = argv[i];
    std::string value;
    bool has_value = false;
    if (const size_t eq = arg.find('='); arg.rfind("--", 0) == 0 && eq != std::string::npos) {
      value = arg.substr(eq + 1);
      arg = arg.substr(0, eq);
      has_value = true;
    }
    if (arg == "-h" || arg == "--help") {
      Usage(std::cout);
      return kExitOk;
    }
    std::string* target = nullptr;
    std::string key_arg;
    if (arg == "--ledger") {
      target = &ledger_path;
    } else if (arg == "--digest") {
      target = &digest_path;
    } else if (arg == "--public-key") {
      target = &key_arg;
    } else {
      std::cerr << "pg_comply_verify: unknown argument \"" << arg << "\"\n";
      Usage(std::cerr);
      return kExitUsage;
    }
    if (!has_value) {
      if (i + 1 >= argc) {
        std::cerr << "pg_comply_verify: " << arg << " needs a value\n";
        Usage(std::cerr);
        return kExitUsage;
      }
      value = argv[++i];
    }
    if (value.empty()) {
      std::cerr << "pg_comply_verify: " << arg << " needs a non-empty value\n";
      return kExitUsage;
    }
    *target = value;
    if (target == &key_arg) key_args.push_back(key_arg);
  }
  if (ledger_path.empty()) {
    std::cerr << "pg_comply_verify: --ledger is required\n";
    Usage(std::cerr);
    return kExitUsage;
  }

  std::vector<std::string> public_keys;
  for (const std::string& key_arg : key_args) {
    std::string error;
    std::optional<std::string> public_key = LoadPublicKey(key_arg, &error);
    if (!public_key) {
      std::cerr << "pg_comply_verify: " << error << "\n";
      return kExitUsage;
    }
    public_keys.push_back(*public_key);
  }

  std::optional<Value> digest;
  if (!digest_path.empty()) {
    auto text = ReadFile(digest_path);
    if (!text) {
      std::cerr << "pg_comply_verify: cannot read digest file \"" << digest_path << "\"\n";
      return kExitUsage;
    }
    try {
      digest = comply::json::Parse(Trim(*text));
    } catch (const comply::Error& e) {
      std::cerr << "pg_comply_verify: digest file \"" << digest_path
                << "\" is not valid JSON: " << e.what() << "\n";
      return kExitUsage;
    }
    if (!digest->is_object()) {
      std::cerr << "pg_comply_verify: digest file \"" << digest_path
                << "\" does not hold a JSON object\n";
      return kExitUsage;
    }
    // An unusable digest is not evidence of tampering: a block number (a JSON number, as
    // comply.ledger_digest() writes it, from 1) and a hash.
    const Value* no = digest->Find("block_no");
    const std::optional<int64_t> block_no = no && no->is_number() ? GetInt(*digest, "block_no") : std::nullopt;
    if (!block_no || *block_no < 1 || !GetHash(*digest, "block_hash")) {
      std::cerr << "pg_comply_verify: digest file \"" << digest_path
                << "\" needs a \"block_no\" of 1 or more and a 64-hex-digit \"block_hash\"\n";
      return kExitUsage;
    }
  }

  std::ifstream in(ledger_path, std::ios::binary);
  if (!in) {
    std::cerr << "pg_comply_verify: cannot read ledger file \"" << ledger_path << "\"\n";
    return kExitUsage;
  }

  Verifier verifier(public_keys);
  std::string line;
  size_t line_no = 0;
  while (std::getline(in, line)) {
    ++line_no;
    verifier.Line(line_no, line);
  }
  if (in.bad()) {
    std::cerr << "pg_comply_verify: error reading ledger file \"" << ledger_path << "\"\n";
    return kExitUsage;
  }
  verifier.Finish();
  if (digest) verifier.CheckDigest(*digest);
  // No block at all: nothing was verified (an export that failed and left an empty file
  // said "ok: 0 blocks").
  if (verifier.block_count() == 0 && verifier.problem_count() == 0) {
    std::cerr << "pg_comply_verify: ledger file \"" << ledger_path
              << "\" holds no block: nothing to verify\n";
    return kExitUsage;
  }

  if (verifier.problem_count() > 0) {
    std::cout << "FAILED: " << verifier.problem_count()
              << (verifier.problem_count() == 1 ? " problem" : " problems") << "\n";
    return kExitFailed;
  }
  std::cout << "ok: " << verifier.block_count() << " blocks, " << verifier.entry_count()
            << " entries verified"
            << (public_keys.empty() ? " (signatures not checked: no --public-key)" : "") << "\n";
  return kExitOk;
}
