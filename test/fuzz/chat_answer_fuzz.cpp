// Fuzzes the parser of AI provider answers (ParseChatResponse): any input either yields
// an answer that obeys the rules (label in the set, confidence in [0, 1]) or fails with
// a 22P02 error of the provider-answer kind; nothing else may escape.
#include <cmath>
#include <cstddef>
#include <cstdint>
#include <cstring>
#include <string>
#include <string_view>
#include <vector>

#include "core/ai/openai.h"
#include "core/error.h"
#include "fuzz_util.h"

using comply::fuzz::Die;

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  static const std::vector<std::string> kLabels = {"contract", "invoice", "medical_record"};
  std::string_view body(reinterpret_cast<const char*>(data), size);
  comply::ai::ChatAnswer answer;
  try {
    answer = comply::ai::ParseChatResponse(body, kLabels);
  } catch (const comply::Error& e) {
    if (std::strcmp(e.sqlstate(), comply::sqlstate::kInvalidTextRepresentation) != 0)
      Die("error with unexpected SQLSTATE");
    if (std::string_view(e.what()).rfind("invalid answer from the AI provider: ", 0) != 0)
      Die("error message of an unexpected kind");
    return 0;
  }
  bool known = false;
  for (const std::string& l : kLabels) known |= answer.label == l;
  if (!known) Die("label outside the allowed set accepted");
  if (!(answer.confidence >= 0 && answer.confidence <= 1)) Die("confidence outside [0, 1]");
  for (const auto& n : {answer.prompt_tokens, answer.completion_tokens, answer.total_tokens})
    if (n && *n < 0) Die("negative token count");
  return 0;
}
