// Fuzzes the classifier's two inputs from outside: a stored model blob and a document.
// The input is read as a model blob: it either fails with a 22P02 "invalid model data"
// error, or loads into a model that serializes back to the same bytes and predicts
// probabilities that sum to 1. When its first byte is odd, the rest gets a valid SHA-256
// appended first, so mutations reach the field checks behind the checksum (the corpus
// seed is such a resealable model). The input is also read as a document: its features
// are in range and their values have unit norm (per family, summed).
#include <cmath>
#include <cstddef>
#include <cstdint>
#include <cstring>
#include <string>
#include <string_view>
#include <vector>

#include <openssl/evp.h>

#include "core/ai/classifier.h"
#include "core/error.h"
#include "fuzz_util.h"

using comply::fuzz::Die;

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  std::string_view input(reinterpret_cast<const char*>(data), size);

  std::vector<comply::ai::Feature> features;
  comply::ai::Featurize(input, 12, features);
  double norm = 0;
  for (const auto& f : features) {
    if (f.index >= (1u << 12)) Die("feature bucket out of range");
    if (!std::isfinite(f.value)) Die("non-finite feature value");
    norm += double(f.value) * f.value;
  }
  if (std::fabs(norm - 1.0) > 1e-4) Die("features do not have unit norm");

  std::string blob(input);
  if (!blob.empty() && (blob[0] & 1)) {
    blob.erase(0, 1);
    unsigned char h[32];
    unsigned int len = 0;
    if (EVP_Digest(blob.data(), blob.size(), h, &len, EVP_sha256(), nullptr) != 1) Die("SHA-256");
    blob.append(reinterpret_cast<const char*>(h), sizeof h);
  }
  try {
    comply::ai::Model m = comply::ai::Model::Deserialize(blob);
    if (m.Serialize() != blob) Die("a loaded model does not serialize to its bytes");
    comply::ai::Prediction p = m.Predict("payment dispute for member [US_SSN]");
    double sum = 0;
    for (const auto& [label, prob] : p.probabilities) sum += prob;
    if (std::fabs(sum - 1.0) > 1e-9) Die("probabilities do not sum to 1");
  } catch (const comply::Error& e) {
    if (std::strcmp(e.sqlstate(), comply::sqlstate::kInvalidTextRepresentation) != 0)
      Die("model error with unexpected SQLSTATE");
    if (std::string_view(e.what()).rfind("invalid model data: ", 0) != 0)
      Die("model error without the invalid model data prefix");
  }
  return 0;
}
