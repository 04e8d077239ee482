// Fuzzes ciphertext recognition: Classify must not throw, and its result must be
// consistent (lengths, entropy range, block size, verdict against the kind of evidence),
// deterministic, and serialise to JSON that parses. The OpenPGP parser, armor decoder
// and bounded inflate are fuzzed on the same input, directly and on prefixes (a value
// the glue fetched only a slice of).
#include <cstddef>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

#include "core/error.h"
#include "core/json.h"
#include "core/posture/ciphertext.h"
#include "core/posture/codec.h"
#include "core/posture/openpgp.h"
#include "fuzz_util.h"

using comply::fuzz::Die;
namespace posture = comply::posture;

namespace {

// Checks the invariants of one classification of a value of total bytes.
void Check(const posture::Classification& c, size_t examined, size_t total) {
  const posture::Evidence& e = c.evidence;
  if (e.length != total) Die("length is not the value's length");
  if (e.examined != examined) Die("examined is not the bytes given");
  if (e.examined > posture::kMaxExamined) Die("examined more than the cap");
  if (e.format.empty()) Die("no format");
  if (e.reasons.empty()) Die("no reason");
  if (!(e.entropy_bits_per_byte >= 0 && e.entropy_bits_per_byte <= 8.0 + 1e-9)) {
    Die("entropy out of range");
  }
  if (e.block_size != 0 && e.block_size != 8 && e.block_size != 16) Die("odd block size");
  if (e.block_size != 0) {
    // The block size divides the length of what was judged: the value, or the bytes
    // decoded from its text (all of them when the whole value was examined).
    size_t judged_total = e.encoding.empty() ? total : e.judged;
    if ((e.encoding.empty() || examined == total) && judged_total % e.block_size != 0) {
      Die("block size does not divide the length");
    }
  }
  using Kind = posture::Evidence::Kind;
  if (c.verdict == posture::Verdict::kEncrypted && e.kind != Kind::kStructure &&
      e.kind != Kind::kStatistics) {
    Die("encrypted without structure or statistics");
  }
  if (e.kind == Kind::kSignature && c.verdict != posture::Verdict::kNotEncrypted) {
    Die("a known file format called encrypted");
  }
  // Only an empty value, or text that decodes to nothing (armor of ''), is "empty".
  if (total == 0 && e.kind != Kind::kEmpty) Die("empty value not called empty");
  if (e.kind == Kind::kEmpty && total != 0 && e.encoding.empty()) Die("non-empty value empty");
  if (e.kind == Kind::kStatistics && e.encoding.empty() &&
      examined < posture::kMinStatisticalLength) {
    Die("statistics on too few bytes");
  }
  std::string json = posture::EvidenceJson(c);
  if (!comply::fuzz::IsValidUtf8(json)) Die("evidence is not UTF-8");
  try {
    comply::json::Value v = comply::json::Parse(json);
    if (!v.is_object()) Die("evidence is not an object");
  } catch (const comply::Error&) {
    Die("evidence does not parse");
  }
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  std::string_view value(reinterpret_cast<const char*>(data), size);
  try {
    posture::Classification c = posture::Classify(value);
    size_t examined = size < posture::kMaxExamined ? size : posture::kMaxExamined;
    Check(c, examined, size);
    if (posture::EvidenceJson(posture::Classify(value)) != posture::EvidenceJson(c)) {
      Die("not deterministic");
    }
    // A slice of a longer value (as the glue may fetch it).
    if (size > 1) {
      size_t cut = size / 2;
      posture::Classification p = posture::Classify(value.substr(0, cut), size);
      Check(p, cut, size);
    }

    posture::openpgp::Message m = posture::openpgp::ParseBinary(value, size);
    if (m.kind == posture::openpgp::MessageKind::kEncrypted) {
      if (m.payload_begin > m.payload_end || m.payload_end > size) Die("payload out of bounds");
      if (m.packets.empty()) Die("encrypted message without packets");
    } else if (m.kind == posture::openpgp::MessageKind::kNone && *m.failure == '\0') {
      Die("rejection without a reason");
    }
    posture::openpgp::ParseBinary(value.substr(0, size / 3), posture::openpgp::kUnknownLength);

    posture::openpgp::Armor a = posture::openpgp::DecodeArmor(value);
    if (a.checksum_ok && !a.checksum_present) Die("checksum ok without a checksum");
    if (!a.found && (a.well_formed || !a.data.empty())) Die("armor data without armor");

    std::optional<std::string> inflated = posture::InflatePrefix(value, 4096);
    if (inflated && inflated->size() > 4096) Die("inflated past the limit");
  } catch (const std::bad_alloc&) {
    throw;
  } catch (...) {
    Die("an exception escaped");
  }
  return 0;
}
