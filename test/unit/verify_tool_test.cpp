// Runs the built pg_comply_verify on exports generated with the core's ledger functions,
// valid and tampered.
#include <gtest/gtest.h>

#include <sys/wait.h>
#include <unistd.h>

#include <algorithm>
#include <cstdio>
#include <cstdlib>
#include <fstream>
#include <functional>
#include <optional>
#include <string>
#include <vector>

#include "core/json.h"
#include "core/ledger/ledger.h"

namespace comply::ledger {
namespace {

#ifdef COMPLY_VERIFY_BIN

// RFC 8032 TEST 1 key.
const char* kSeedHex = "9d61b19deffd5a60ba844af492ec2cc44449c5697b326919703bac031cae7f60";
const char* kPublicHex = "d75a980182b10ab7d54bfed3c964073a0ee172f3daa62325af021a68f707511a";
const char* kNodeId = "7301234567890123456";

Signer TestSigner() { return Signer::FromSeed(*FromHex(kSeedHex)); }

std::optional<Hash> ParseHashHex(const std::string& hex) {
  auto b = FromHex(hex);
  if (!b || b->size() != 32) return std::nullopt;
  Hash h{};
  std::copy(b->begin(), b->end(), h.begin());
  return h;
}

void AppendField(std::string& out, const char* key, const std::optional<std::string>& v) {
  out += ",\"";
  out += key;
  out += "\":";
  if (v) {
    json::AppendQuoted(out, *v);
  } else {
    out += "null";
  }
}

std::string EntryLine(const Entry& e, int64_t block_no, int64_t leaf_index,
                      bool with_hash = false) {
  std::string out = "{\"type\":\"entry\",\"id\":" + std::to_string(e.id) +
                    ",\"logged_at_us\":" + std::to_string(e.logged_at_us);
  AppendField(out, "session_user", e.session_user);
  AppendField(out, "current_user", e.current_user);
  AppendField(out, "application_name", e.application_name);
  AppendField(out, "client_addr", e.client_addr);
  AppendField(out, "xid", e.xid);
  AppendField(out, "action", e.action);
  AppendField(out, "object", e.object);
  AppendField(out, "details", e.details);
  out += ",\"block_no\":" + std::to_string(block_no) +
         ",\"leaf_index\":" + std::to_string(leaf_index);
  if (with_hash) out += ",\"entry_hash\":\"" + ToHex(EntryHash(e)) + "\"";
  return out + "}";
}

std::string BlockLine(const BlockHeader& h, const Hash& hash,
                      const std::optional<std::string>& signature) {
  std::string out = "{\"type\":\"block\",\"block_no\":" + std::to_string(h.block_no) +
                    ",\"prev_hash\":\"" + ToHex(h.prev_hash) + "\",\"merkle_root\":\"" +
                    ToHex(h.merkle_root) +
                    "\",\"entry_count\":" + std::to_string(h.entry_count) +
                    ",\"sealed_at_us\":" + std::to_string(h.sealed_at_us) +
                    ",\"node_id\":\"" + h.node_id + "\",\"block_hash\":\"" + ToHex(hash) +
                    "\",\"signature\":";
  if (signature) {
    out += "\"" + ToHex(*signature) + "\"";
  } else {
    out += "null";
  }
  return out + "}";
}

struct Export {
  std::vector<std::string> lines;
  std::vector<BlockHeader> headers;
  std::vector<Hash> hashes;
};

struct ExportOptions {
  std::vector<int> entries_per_block = {3, 1, 4};
  bool sign = true;
  bool entry_hashes = false;
  bool shuffle_leaves = false;  // list each block's entries in reverse leaf order
  // Called on each header before it is hashed and signed (a "re-hashing" attacker).
  std::function<void(BlockHeader&)> tamper_header;
  // Called on each entry (with its block's number) before it is hashed.
  std::function<void(Entry&, int64_t)> edit_entry;
};

Export MakeExport(const ExportOptions& opt = {}) {
  Export ex;
  const Signer signer = TestSigner();
  Hash prev{};
  int64_t id = 1;
  for (size_t b = 0; b < opt.entries_per_block.size(); ++b) {
    std::vector<Entry> entries;
    for (int i = 0; i < opt.entries_per_block[b]; ++i, ++id) {
      Entry e;
      e.id = id;
      e.logged_at_us = 1700000000000000 + id * 1000;
      e.session_user = "alice";
      e.current_user = id % 2 ? "alice" : "auditor";
      e.application_name = id % 3 ? std::optional<std::string>("psql") : std::nullopt;
      e.client_addr = std::nullopt;
      e.xid = std::to_string(700 + id);
      e.action = "read";
      e.object = "patients";
      e.details = "{\"n\": " + std::to_string(id) + ", \"note\": \"\\u00e9\"}";
      if (opt.edit_entry) opt.edit_entry(e, static_cast<int64_t>(b + 1));
      entries.push_back(e);
    }
    std::vector<Hash> leaves;
    for (const auto& e : entries) leaves.push_back(EntryHash(e));
    std::vector<std::string> entry_lines;
    for (size_t i = 0; i < entries.size(); ++i) {
      entry_lines.push_back(EntryLine(entries[i], static_cast<int64_t>(b + 1),
                                      static_cast<int64_t>(i), opt.entry_hashes));
    }
    if (opt.shuffle_leaves) std::reverse(entry_lines.begin(), entry_lines.end());
    ex.lines.insert(ex.lines.end(), entry_lines.begin(), entry_lines.end());
    BlockHeader h;
    h.block_no = static_cast<int64_t>(b + 1);
    h.prev_hash = prev;
    h.merkle_root = MerkleRoot(leaves);
    h.entry_count = static_cast<int64_t>(entries.size());
    h.sealed_at_us = 1700000100000000 + static_cast<int64_t>(b) * 60000000;
    h.node_id = kNodeId;
    if (opt.tamper_header) opt.tamper_header(h);
    const Hash hash = BlockHash(h);
    ex.lines.push_back(
        BlockLine(h, hash, opt.sign ? std::optional<std::string>(signer.Sign(hash))
                                    : std::nullopt));
    ex.headers.push_back(h);
    ex.hashes.push_back(hash);
    prev = hash;
  }
  return ex;
}

class TempDir {
 public:
  TempDir() {
    char tmpl[] = "/tmp/verify_tool_test_XXXXXX";
    const char* d = mkdtemp(tmpl);
    EXPECT_NE(d, nullptr);
    path_ = d ? d : "/tmp";
  }
  ~TempDir() {
    for (const auto& f : files_) std::remove(f.c_str());
    rmdir(path_.c_str());
  }
  std::string Write(const std::string& name, const std::string& content) {
    const std::string p = path_ + "/" + name;
    std::ofstream out(p, std::ios::binary);
    out << content;
    files_.push_back(p);
    return p;
  }

 private:
  std::string path_;
  std::vector<std::string> files_;
};

struct RunResult {
  int exit_code = -1;
  std::string output;
};

std::string Quote(const std::string& s) { return "'" + s + "'"; }

RunResult RunVerifier(const std::string& args) {
  RunResult r;
  const std::string cmd = std::string(COMPLY_VERIFY_BIN) + " " + args + " 2>&1";
  FILE* p = popen(cmd.c_str(), "r");
  if (!p) return r;
  char buf[4096];
  size_t n;
  while ((n = fread(buf, 1, sizeof buf, p)) > 0) r.output.append(buf, n);
  const int status = pclose(p);
  r.exit_code = WIFEXITED(status) ? WEXITSTATUS(status) : -1;
  return r;
}

std::string Join(const std::vector<std::string>& lines) {
  std::string out;
  for (const auto& l : lines) out += l + "\n";
  return out;
}

// Runs the verifier on lines (with the test public key unless key is empty).
RunResult Verify(const std::vector<std::string>& lines, const std::string& extra = "",
           bool with_key = true) {
  TempDir dir;
  const std::string path = dir.Write("ledger.jsonl", Join(lines));
  std::string args = "--ledger " + Quote(path);
  if (with_key) args += std::string(" --public-key ") + kPublicHex;
  if (!extra.empty()) args += " " + extra;
  return RunVerifier(args);
}

void ReplaceOnce(std::string& s, const std::string& from, const std::string& to) {
  const size_t pos = s.find(from);
  ASSERT_NE(pos, std::string::npos) << from;
  s.replace(pos, from.size(), to);
}

// Line index of the entry with the given id / the given block.
size_t EntryLineIndex(const Export& ex, int64_t id) {
  const std::string key = "\"type\":\"entry\",\"id\":" + std::to_string(id) + ",";
  for (size_t i = 0; i < ex.lines.size(); ++i) {
    if (ex.lines[i].find(key) != std::string::npos) return i;
  }
  ADD_FAILURE() << "no entry " << id;
  return 0;
}

size_t BlockLineIndex(const Export& ex, int64_t block_no) {
  const std::string key = "\"type\":\"block\",\"block_no\":" + std::to_string(block_no) + ",";
  for (size_t i = 0; i < ex.lines.size(); ++i) {
    if (ex.lines[i].find(key) != std::string::npos) return i;
  }
  ADD_FAILURE() << "no block " << block_no;
  return 0;
}

bool Contains(const std::string& haystack, const std::string& needle) {
  return haystack.find(needle) != std::string::npos;
}

TEST(VerifyTool, ValidExportPasses) {
  const Export ex = MakeExport();
  RunResult r = Verify(ex.lines);
  EXPECT_EQ(r.exit_code, 0) << r.output;
  EXPECT_EQ(r.output, "ok: 3 blocks, 8 entries verified\n");
  // Without a key, signatures are not checked, and the verdict says so.
  r = Verify(ex.lines, "", /*with_key=*/false);
  EXPECT_EQ(r.exit_code, 0) << r.output;
  EXPECT_EQ(r.output, "ok: 3 blocks, 8 entries verified (signatures not checked: no --public-key)\n");
  // Unsigned blocks are fine without a key.
  ExportOptions unsigned_opt;
  unsigned_opt.sign = false;
  r = Verify(MakeExport(unsigned_opt).lines, "", false);
  EXPECT_EQ(r.exit_code, 0) << r.output;
}

TEST(VerifyTool, AFileWithoutBlocksIsNotVerified) {
  // An empty file (an export that failed, redirected) is no ledger: exit 2, not "ok".
  RunResult r = Verify({});
  EXPECT_EQ(r.exit_code, 2) << r.output;
  EXPECT_TRUE(Contains(r.output, "holds no block: nothing to verify")) << r.output;
  r = Verify({"", ""});
  EXPECT_EQ(r.exit_code, 2) << r.output;
}

TEST(VerifyTool, LeafOrderInFileDoesNotMatter) {
  ExportOptions opt;
  opt.shuffle_leaves = true;
  RunResult r = Verify(MakeExport(opt).lines);
  EXPECT_EQ(r.exit_code, 0) << r.output;
}

TEST(VerifyTool, EmptyBlocksAndLargerBlocks) {
  ExportOptions opt;
  opt.entries_per_block = {0, 17, 1, 0, 33};
  RunResult r = Verify(MakeExport(opt).lines);
  EXPECT_EQ(r.exit_code, 0) << r.output;
  EXPECT_TRUE(Contains(r.output, "ok: 5 blocks, 51 entries verified")) << r.output;
}

TEST(VerifyTool, PublicKeyFiles) {
  const Export ex = MakeExport();
  TempDir dir;
  const std::string ledger = dir.Write("ledger.jsonl", Join(ex.lines));
  const std::string hex_file = dir.Write("key.hex", std::string(kPublicHex) + "\n");
  RunResult r = RunVerifier("--ledger " + Quote(ledger) + " --public-key " + Quote(hex_file));
  EXPECT_EQ(r.exit_code, 0) << r.output;
  // PEM public key (SubjectPublicKeyInfo) of the RFC 8032 TEST 1 key.
  const std::string pem_file =
      dir.Write("key.pub",
                "-----BEGIN PUBLIC KEY-----\n"
                "MCowBQYDK2VwAyEA11qYAYKxCrfVS/7TyWQHOg7hcvPapiMlrwIaaPcHURo=\n"
                "-----END PUBLIC KEY-----\n");
  r = RunVerifier("--ledger=" + Quote(ledger) + " --public-key=" + Quote(pem_file));
  EXPECT_EQ(r.exit_code, 0) << r.output;
}

TEST(VerifyTool, WrongKeyFailsEveryBlock) {
  const Signer other = Signer::FromSeed(std::string(32, '\x07'));
  const Export ex = MakeExport();
  RunResult r = Verify(ex.lines, "", false);
  ASSERT_EQ(r.exit_code, 0);
  TempDir dir;
  const std::string ledger = dir.Write("ledger.jsonl", Join(ex.lines));
  r = RunVerifier("--ledger " + Quote(ledger) + " --public-key " + ToHex(other.PublicKey()));
  EXPECT_EQ(r.exit_code, 1) << r.output;
  EXPECT_TRUE(Contains(r.output, "block 1: signature does not verify")) << r.output;
  EXPECT_TRUE(Contains(r.output, "block 3: signature does not verify")) << r.output;
  EXPECT_TRUE(Contains(r.output, "FAILED: 3 problems")) << r.output;
}

TEST(VerifyTool, CorruptedEntryIsFound) {
  Export ex = MakeExport();
  std::string& line = ex.lines[EntryLineIndex(ex, 5)];  // block 2 holds entry 4; 5..8 in 3
  ReplaceOnce(line, "\"action\":\"read\"", "\"action\":\"rEad\"");
  RunResult r = Verify(ex.lines);
  EXPECT_EQ(r.exit_code, 1) << r.output;
  EXPECT_TRUE(Contains(r.output, "block 3: merkle root mismatch")) << r.output;
  EXPECT_TRUE(Contains(r.output, "entry 5")) << r.output;
  EXPECT_FALSE(Contains(r.output, "block 1:")) << r.output;
  EXPECT_TRUE(Contains(r.output, "FAILED: 1 problem\n")) << r.output;
}

TEST(VerifyTool, CorruptedEntryWithEntryHashIsNamed) {
  ExportOptions opt;
  opt.entry_hashes = true;
  Export ex = MakeExport(opt);
  ASSERT_EQ(Verify(ex.lines).exit_code, 0);
  std::string& line = ex.lines[EntryLineIndex(ex, 2)];
  ReplaceOnce(line, "\"session_user\":\"alice\"", "\"session_user\":null");
  RunResult r = Verify(ex.lines);
  EXPECT_EQ(r.exit_code, 1) << r.output;
  EXPECT_TRUE(Contains(r.output, "entry 2: hash mismatch")) << r.output;
  EXPECT_TRUE(Contains(r.output, "block 1: merkle root mismatch")) << r.output;
}

TEST(VerifyTool, CorruptedTimestampAndIdAreFound) {
  Export ex = MakeExport();
  ReplaceOnce(ex.lines[EntryLineIndex(ex, 4)], "\"logged_at_us\":1700000000004000",
              "\"logged_at_us\":1700000000004001");
  RunResult r = Verify(ex.lines);
  EXPECT_EQ(r.exit_code, 1) << r.output;
  EXPECT_TRUE(Contains(r.output, "block 2: merkle root mismatch")) << r.output;
}

TEST(VerifyTool, CorruptedBlockHashIsFound) {
  Export ex = MakeExport();
  std::string& line = ex.lines[BlockLineIndex(ex, 2)];
  const std::string good = ToHex(ex.hashes[1]);
  std::string bad = good;
  bad[10] = bad[10] == '0' ? '1' : '0';
  ReplaceOnce(line, "\"block_hash\":\"" + good, "\"block_hash\":\"" + bad);
  RunResult r = Verify(ex.lines);
  EXPECT_EQ(r.exit_code, 1) << r.output;
  EXPECT_TRUE(Contains(r.output, "block 2: block hash mismatch")) << r.output;
  // Block 3 chains to the true hash of block 2, so only one problem.
  EXPECT_TRUE(Contains(r.output, "FAILED: 1 problem\n")) << r.output;
}

TEST(VerifyTool, CorruptedBlockHeaderIsFound) {
  Export ex = MakeExport();
  ReplaceOnce(ex.lines[BlockLineIndex(ex, 2)], "\"sealed_at_us\":1700000160000000",
              "\"sealed_at_us\":1700000160000001");
  RunResult r = Verify(ex.lines);
  EXPECT_EQ(r.exit_code, 1) << r.output;
  EXPECT_TRUE(Contains(r.output, "block 2: block hash mismatch")) << r.output;
  // The signature is over the recomputed hash, so it fails too; block 3's link breaks.
  EXPECT_TRUE(Contains(r.output, "block 2: signature does not verify")) << r.output;
  EXPECT_TRUE(Contains(r.output, "block 3: prev_hash does not match")) << r.output;
}

TEST(VerifyTool, CorruptedSignatureIsFound) {
  Export ex = MakeExport();
  std::string& line = ex.lines[BlockLineIndex(ex, 3)];
  const size_t pos = line.find("\"signature\":\"");
  ASSERT_NE(pos, std::string::npos);
  char& c = line[pos + 13 + 20];
  c = c == 'a' ? 'b' : 'a';
  RunResult r = Verify(ex.lines);
  EXPECT_EQ(r.exit_code, 1) << r.output;
  EXPECT_TRUE(Contains(r.output, "block 3: signature does not verify")) << r.output;
  EXPECT_TRUE(Contains(r.output, "FAILED: 1 problem\n")) << r.output;
  // Without a key, the signature is not checked.
  EXPECT_EQ(Verify(ex.lines, "", false).exit_code, 0);
}

TEST(VerifyTool, MissingSignatureWithKeyIsFound) {
  ExportOptions opt;
  opt.sign = false;
  RunResult r = Verify(MakeExport(opt).lines);
  EXPECT_EQ(r.exit_code, 1) << r.output;
  EXPECT_TRUE(Contains(r.output, "block 1: not signed")) << r.output;
  EXPECT_TRUE(Contains(r.output, "block 2: not signed")) << r.output;
  EXPECT_TRUE(Contains(r.output, "block 3: not signed")) << r.output;
}

TEST(VerifyTool, DroppedEntryIsFound) {
  Export ex = MakeExport();
  ex.lines.erase(ex.lines.begin() + static_cast<long>(EntryLineIndex(ex, 6)));
  RunResult r = Verify(ex.lines);
  EXPECT_EQ(r.exit_code, 1) << r.output;
  EXPECT_TRUE(Contains(r.output, "block 3: no entry at leaf index 1")) << r.output;
  EXPECT_TRUE(Contains(r.output, "block 3: entry_count is 4 but the file has 3")) << r.output;
  EXPECT_TRUE(Contains(r.output, "block 3: merkle root mismatch")) << r.output;
}

TEST(VerifyTool, DroppedLastEntryOfBlockIsFound) {
  Export ex = MakeExport();
  ex.lines.erase(ex.lines.begin() + static_cast<long>(EntryLineIndex(ex, 3)));
  RunResult r = Verify(ex.lines);
  EXPECT_EQ(r.exit_code, 1) << r.output;
  EXPECT_TRUE(Contains(r.output, "block 1: entry_count is 3 but the file has 2")) << r.output;
}

TEST(VerifyTool, DroppedBlockIsFound) {
  Export ex = MakeExport();
  // Drop block 2 and its entry.
  const size_t b2 = BlockLineIndex(ex, 2);
  ex.lines.erase(ex.lines.begin() + static_cast<long>(b2) - 1,
                 ex.lines.begin() + static_cast<long>(b2) + 1);
  RunResult r = Verify(ex.lines);
  EXPECT_EQ(r.exit_code, 1) << r.output;
  EXPECT_TRUE(Contains(r.output, "block 3: follows block 1")) << r.output;
}

TEST(VerifyTool, RehashedChainBreakIsFound) {
  // An attacker who rewrites block 2 and re-hashes it (without the key) breaks the link
  // from block 3, and cannot sign.
  ExportOptions opt;
  opt.tamper_header = [](BlockHeader& h) {
    if (h.block_no == 3) h.prev_hash[0] ^= 1;
  };
  RunResult r = Verify(MakeExport(opt).lines);
  EXPECT_EQ(r.exit_code, 1) << r.output;
  EXPECT_TRUE(Contains(r.output, "block 3: prev_hash does not match the hash of block 2"))
      << r.output;
}

TEST(VerifyTool, FirstBlockMustStartFromZeros) {
  ExportOptions opt;
  opt.tamper_header = [](BlockHeader& h) {
    if (h.block_no == 1) h.prev_hash[31] = 1;
  };
  RunResult r = Verify(MakeExport(opt).lines);
  EXPECT_EQ(r.exit_code, 1) << r.output;
  EXPECT_TRUE(Contains(r.output, "block 1: prev_hash of the first block is not all zeros"))
      << r.output;
}

TEST(VerifyTool, NodeIdMustNotChange) {
  ExportOptions opt;
  opt.tamper_header = [](BlockHeader& h) {
    if (h.block_no == 2) h.node_id = "7301234567890123457";
  };
  RunResult r = Verify(MakeExport(opt).lines);
  EXPECT_EQ(r.exit_code, 1) << r.output;
  EXPECT_TRUE(Contains(r.output, "block 2: sealed by another node (7301234567890123457, after " +
                                     std::string(kNodeId) + ")"))
      << r.output;
  EXPECT_TRUE(Contains(r.output, "block 3: sealed by another node (" + std::string(kNodeId) +
                                     ", after 7301234567890123457)"))
      << r.output;
}

// A change of node that a ledger.node_adopted entry, sealed from the block where the node
// changed on, records (comply.adopt_node() after a pg_upgrade) is accepted; one that
// names other nodes, or sits in a block before the change, is not.
TEST(VerifyTool, NodeChangeRecordedByAnAdoptionIsAccepted) {
  const std::string next = "7301234567890123457";
  auto run = [&](int64_t adoption_block, const std::string& from) {
    ExportOptions opt;
    opt.tamper_header = [&](BlockHeader& h) {
      if (h.block_no >= 2) h.node_id = next;
    };
    opt.edit_entry = [&](Entry& e, int64_t block_no) {
      if (block_no == adoption_block && e.action == "read") {
        e.action = "ledger.node_adopted";
        e.object = "ledger";
        e.details = "{\"node\": \"" + next + "\", \"previous_node\": \"" + from + "\"}";
      }
    };
    return Verify(MakeExport(opt).lines);
  };
  RunResult adopted = run(3, kNodeId);
  EXPECT_EQ(adopted.exit_code, 0) << adopted.output;
  RunResult other = run(3, "1234");
  EXPECT_EQ(other.exit_code, 1) << other.output;
  EXPECT_TRUE(Contains(other.output, "block 2: sealed by another node")) << other.output;
  RunResult early = run(1, kNodeId);
  EXPECT_EQ(early.exit_code, 1) << early.output;
}

TEST(VerifyTool, EntryMovedToAnotherBlockIsFound) {
  Export ex = MakeExport();
  // Entry 4 (block 2) listed among block 3's entries.
  const size_t i = EntryLineIndex(ex, 4);
  std::string line = ex.lines[i];
  ex.lines.erase(ex.lines.begin() + static_cast<long>(i));
  ex.lines.insert(ex.lines.begin() + static_cast<long>(BlockLineIndex(ex, 3)), line);
  RunResult r = Verify(ex.lines);
  EXPECT_EQ(r.exit_code, 1) << r.output;
  EXPECT_TRUE(Contains(r.output, "entry 4: belongs to block 2 but is listed before block 3"))
      << r.output;
}

TEST(VerifyTool, MalformedLinesAreProblems) {
  Export ex = MakeExport();
  ex.lines.insert(ex.lines.begin() + 1, "{not json");
  ex.lines.insert(ex.lines.begin() + 2, "[1,2]");
  ex.lines.insert(ex.lines.begin() + 3, "{\"type\":\"other\"}");
  RunResult r = Verify(ex.lines);
  EXPECT_EQ(r.exit_code, 1) << r.output;
  EXPECT_TRUE(Contains(r.output, "line 2: not valid JSON")) << r.output;
  EXPECT_TRUE(Contains(r.output, "line 3: not a JSON object")) << r.output;
  EXPECT_TRUE(Contains(r.output, "line 4: \"type\" is neither")) << r.output;
  EXPECT_TRUE(Contains(r.output, "FAILED: 3 problems")) << r.output;
}

TEST(VerifyTool, MissingFieldIsAProblem) {
  Export ex = MakeExport();
  ReplaceOnce(ex.lines[EntryLineIndex(ex, 1)], ",\"xid\":\"701\"", "");
  RunResult r = Verify(ex.lines);
  EXPECT_EQ(r.exit_code, 1) << r.output;
  EXPECT_TRUE(Contains(r.output, "entry 1: field \"xid\" is missing")) << r.output;
}

TEST(VerifyTool, TrailingEntriesWithoutBlock) {
  Export ex = MakeExport();
  Entry e;
  e.id = 99;
  ex.lines.push_back(EntryLine(e, 4, 0));
  RunResult r = Verify(ex.lines);
  EXPECT_EQ(r.exit_code, 1) << r.output;
  EXPECT_TRUE(Contains(r.output, "entry 99: block 4 is not in the file")) << r.output;
  // An unsealed entry (block_no null) is only noted.
  ex.lines.back() = "{\"type\":\"entry\",\"id\":99,\"logged_at_us\":1,\"session_user\":null,"
                    "\"current_user\":null,\"application_name\":null,\"client_addr\":null,"
                    "\"xid\":null,\"action\":null,\"object\":null,\"details\":null,"
                    "\"block_no\":null,\"leaf_index\":null}";
  r = Verify(ex.lines);
  EXPECT_EQ(r.exit_code, 0) << r.output;
  EXPECT_TRUE(Contains(r.output, "note: 1 unsealed entries")) << r.output;
}

// A digest as comply.ledger_digest() writes it: entry_count counts blocks 1..block_no.
std::string DigestJson(const Export& ex, size_t block_index, const std::string& hash) {
  const BlockHeader& h = ex.headers[block_index];
  int64_t through = 0;
  for (size_t i = 0; i <= block_index; ++i) through += ex.headers[i].entry_count;
  return "{\"block_no\": " + std::to_string(h.block_no) + ", \"block_hash\": \"" + hash +
         "\", \"entry_count\": " + std::to_string(through) +
         ", \"sealed_at\": \"2023-11-14 22:15:00+00\", \"node_id\": \"" + kNodeId +
         "\", \"signature\": \"" + ToHex(TestSigner().Sign(*ParseHashHex(hash))) + "\"}\n";
}

TEST(VerifyTool, Digest) {
  const Export ex = MakeExport();
  TempDir dir;
  const std::string ledger = dir.Write("ledger.jsonl", Join(ex.lines));
  const std::string base = "--ledger " + Quote(ledger) + " --public-key " + kPublicHex;

  const std::string good = dir.Write("good.json", DigestJson(ex, 1, ToHex(ex.hashes[1])));
  RunResult r = RunVerifier(base + " --digest " + Quote(good));
  EXPECT_EQ(r.exit_code, 0) << r.output;
  EXPECT_EQ(r.output, "ok: 3 blocks, 8 entries verified\n");

  const std::string last = dir.Write("last.json", DigestJson(ex, 2, ToHex(ex.hashes[2])));
  EXPECT_EQ(RunVerifier(base + " --digest " + Quote(last)).exit_code, 0);

  // A digest of a different chain (or a rewritten history).
  const std::string wrong = dir.Write("wrong.json", DigestJson(ex, 1, ToHex(ex.hashes[0])));
  r = RunVerifier(base + " --digest " + Quote(wrong));
  EXPECT_EQ(r.exit_code, 1) << r.output;
  EXPECT_TRUE(Contains(r.output, "block 2 in the file has a different hash")) << r.output;

  // The file was truncated before the digested block.
  const std::string later = dir.Write(
      "later.json", "{\"block_no\": 4, \"block_hash\": \"" + ToHex(ex.hashes[2]) + "\"}");
  r = RunVerifier(base + " --digest " + Quote(later));
  EXPECT_EQ(r.exit_code, 1) << r.output;
  EXPECT_TRUE(Contains(r.output, "block 4 is not in the file")) << r.output;

  // entry_count differs (block 2's own count is 1; blocks 1..2 hold 4).
  std::string json = DigestJson(ex, 1, ToHex(ex.hashes[1]));
  ReplaceOnce(json, "\"entry_count\": 4", "\"entry_count\": 1");
  const std::string count = dir.Write("count.json", json);
  r = RunVerifier(base + " --digest " + Quote(count));
  EXPECT_EQ(r.exit_code, 1) << r.output;
  EXPECT_TRUE(Contains(r.output, "digest (block 2): entry_count 1 differs from the 4 entries")) << r.output;

  // Malformed digest files are usage errors.
  const std::string bad = dir.Write("bad.json", "{oops");
  EXPECT_EQ(RunVerifier(base + " --digest " + Quote(bad)).exit_code, 2);
  const std::string arr = dir.Write("arr.json", "[]");
  EXPECT_EQ(RunVerifier(base + " --digest " + Quote(arr)).exit_code, 2);
  EXPECT_EQ(RunVerifier(base + " --digest /nonexistent/digest.json").exit_code, 2);
  // So is one without its hash, or with a hash that is not one: not a failed verification.
  const std::string no_hash = dir.Write("no_hash.json", "{\"block_no\": 2}");
  EXPECT_EQ(RunVerifier(base + " --digest " + Quote(no_hash)).exit_code, 2);
  const std::string short_hash = dir.Write("short.json", "{\"block_no\": 2, \"block_hash\": \"zz\"}");
  EXPECT_EQ(RunVerifier(base + " --digest " + Quote(short_hash)).exit_code, 2);
  const std::string hash = ToHex(ex.hashes[1]);
  for (const char* no : {"0", "-1", "\"2\""}) {
    const std::string odd = dir.Write("odd.json", std::string("{\"block_no\": ") + no +
                                                      ", \"block_hash\": \"" + hash + "\"}");
    EXPECT_EQ(RunVerifier(base + " --digest " + Quote(odd)).exit_code, 2) << no;
  }
}

TEST(VerifyTool, DigestOfPartialExport) {
  // An export from block 2 on: the digest's hash is checked, its cumulative count is not.
  const Export ex = MakeExport();
  std::vector<std::string> lines(ex.lines.begin() + static_cast<long>(BlockLineIndex(ex, 1)) + 1,
                                 ex.lines.end());
  TempDir dir;
  const std::string ledger = dir.Write("ledger.jsonl", Join(lines));
  const std::string digest = dir.Write("d.json", DigestJson(ex, 2, ToHex(ex.hashes[2])));
  RunResult r = RunVerifier("--ledger " + Quote(ledger) + " --public-key " + kPublicHex +
                            " --digest " + Quote(digest));
  EXPECT_EQ(r.exit_code, 0) << r.output;
  EXPECT_TRUE(Contains(r.output, "note: the file starts at block 2")) << r.output;
  EXPECT_TRUE(Contains(r.output, "ok: 2 blocks, 5 entries verified")) << r.output;
}

TEST(VerifyTool, DigestSignatureIsChecked) {
  const Export ex = MakeExport();
  TempDir dir;
  const std::string ledger = dir.Write("ledger.jsonl", Join(ex.lines));
  std::string json = DigestJson(ex, 2, ToHex(ex.hashes[2]));
  const std::string other_sig = ToHex(TestSigner().Sign(ex.hashes[1]));
  const size_t pos = json.find("\"signature\": \"") + 14;
  json.replace(pos, 128, other_sig);
  const std::string digest = dir.Write("d.json", json);
  RunResult r = RunVerifier("--ledger " + Quote(ledger) + " --public-key " + kPublicHex +
                            " --digest " + Quote(digest));
  EXPECT_EQ(r.exit_code, 1) << r.output;
  EXPECT_TRUE(Contains(r.output, "digest (block 3): signature does not verify")) << r.output;
}

TEST(VerifyTool, UsageErrors) {
  EXPECT_EQ(RunVerifier("").exit_code, 2);
  EXPECT_EQ(RunVerifier("--bogus").exit_code, 2);
  EXPECT_EQ(RunVerifier("--ledger").exit_code, 2);
  EXPECT_EQ(RunVerifier("--ledger /nonexistent/ledger.jsonl").exit_code, 2);
  TempDir dir;
  const std::string ledger = dir.Write("ledger.jsonl", Join(MakeExport().lines));
  EXPECT_EQ(RunVerifier("--ledger " + Quote(ledger) + " --public-key abcd").exit_code, 2);
  EXPECT_EQ(
      RunVerifier("--ledger " + Quote(ledger) + " --public-key /nonexistent/key").exit_code,
      2);
  const std::string junk = dir.Write("junk.key", "not a key\n");
  EXPECT_EQ(RunVerifier("--ledger " + Quote(ledger) + " --public-key " + Quote(junk)).exit_code,
            2);
  RunResult r = RunVerifier("--help");
  EXPECT_EQ(r.exit_code, 0);
  EXPECT_TRUE(Contains(r.output, "usage: pg_comply_verify")) << r.output;
}

#else

TEST(VerifyTool, NotBuilt) { GTEST_SKIP() << "built with COMPLY_TOOLS=OFF"; }

#endif

}  // namespace
}  // namespace comply::ledger
