// jsonb -> json::Value: one PgCall walks the container into a flat array of plain-C
// tokens (strings point into the jsonb, numbers are rendered by numeric_out), then C++
// builds the document from the tokens with an explicit stack.
#include "pg/jsonb_doc.h"

#include <cstdlib>
#include <string>
#include <utility>
#include <vector>

#include "pg/guard.h"

extern "C" {
#include "utils/builtins.h"
#include "utils/fmgrprotos.h"
#include "utils/numeric.h"
}

namespace comply::pg {
namespace {

enum TokenKind { kBeginObject, kEndObject, kBeginArray, kEndArray, kKey, kNull, kTrue, kFalse,
                 kString, kNumber };

struct Token {
  TokenKind kind;
  const char* str;  // kKey, kString: into the jsonb; kNumber: palloc'd text
  int len;
};

struct TokenList {
  Token* items;
  int n;
  int cap;
};

// Appends one token, growing the palloc'd array (plain C, may ereport).
void Push(TokenList* list, TokenKind kind, const char* str, int len) {
  if (list->n == list->cap) {
    list->cap *= 2;
    list->items = static_cast<Token*>(repalloc(list->items, sizeof(Token) * list->cap));
  }
  list->items[list->n++] = {kind, str, len};
}

// Walks jb into tokens (plain C, may ereport).
TokenList* Tokenize(Jsonb* jb) {
  TokenList* list = static_cast<TokenList*>(palloc(sizeof(TokenList)));
  list->cap = 64;
  list->n = 0;
  list->items = static_cast<Token*>(palloc(sizeof(Token) * list->cap));
  JsonbIterator* it = JsonbIteratorInit(&jb->root);
  JsonbValue v;
  JsonbIteratorToken tok;
  bool raw_scalar = false;
  while ((tok = JsonbIteratorNext(&it, &v, false)) != WJB_DONE) {
    CHECK_FOR_INTERRUPTS();
    switch (tok) {
      case WJB_BEGIN_OBJECT:
        Push(list, kBeginObject, nullptr, 0);
        break;
      case WJB_END_OBJECT:
        Push(list, kEndObject, nullptr, 0);
        break;
      case WJB_BEGIN_ARRAY:
        // A scalar document is stored as a one-element "raw scalar" array.
        if (v.val.array.rawScalar) raw_scalar = true;
        else Push(list, kBeginArray, nullptr, 0);
        break;
      case WJB_END_ARRAY:
        if (!raw_scalar) Push(list, kEndArray, nullptr, 0);
        break;
      case WJB_KEY:
        Push(list, kKey, v.val.string.val, v.val.string.len);
        break;
      case WJB_VALUE:
      case WJB_ELEM:
        switch (v.type) {
          case jbvNull:
            Push(list, kNull, nullptr, 0);
            break;
          case jbvBool:
            Push(list, v.val.boolean ? kTrue : kFalse, nullptr, 0);
            break;
          case jbvString:
            Push(list, kString, v.val.string.val, v.val.string.len);
            break;
          case jbvNumeric: {
            char* text = DatumGetCString(
                DirectFunctionCall1(numeric_out, NumericGetDatum(v.val.numeric)));
            Push(list, kNumber, text, static_cast<int>(strlen(text)));
            break;
          }
          default:
            elog(ERROR, "unexpected jsonb value type %d", static_cast<int>(v.type));
        }
        break;
      default:
        break;
    }
  }
  return list;
}

}  // namespace

json::Value JsonbToValue(Jsonb* jb, size_t* depth, size_t max_depth) {
  TokenList* tokens = PgCall([&] { return Tokenize(jb); });
  // Containers under construction; a key waits beside its object until its value comes.
  struct Frame {
    json::Value value;
    std::string key;
  };
  std::vector<Frame> stack;
  json::Value root;
  auto add = [&](json::Value v) {
    if (stack.empty()) {
      root = std::move(v);
      return;
    }
    Frame& top = stack.back();
    if (top.value.is_array()) top.value.as_array().push_back(std::move(v));
    else top.value.as_object().emplace_back(std::move(top.key), std::move(v));
  };
  const CancelCheck& cancel = InterruptCheck();
  for (int i = 0; i < tokens->n; ++i) {
    // (A schema or policy of millions of values is converted for seconds.)
    if ((i & 4095) == 4095) PollCancel(cancel);
    const Token& t = tokens->items[i];
    switch (t.kind) {
      case kBeginObject:
      case kBeginArray:
        if (stack.size() >= max_depth) {
          if (depth) *depth = max_depth + 1;
          return json::Value();
        }
        stack.push_back(
            {t.kind == kBeginObject ? json::Value::MakeObject() : json::Value::MakeArray(), {}});
        if (depth && stack.size() > *depth) *depth = stack.size();
        break;
      case kEndObject:
      case kEndArray: {
        json::Value done = std::move(stack.back().value);
        stack.pop_back();
        add(std::move(done));
        break;
      }
      case kKey:
        stack.back().key.assign(t.str, t.len);
        break;
      case kNull:
        add(json::Value());
        break;
      case kTrue:
      case kFalse:
        add(json::Value::Bool(t.kind == kTrue));
        break;
      case kString:
        add(json::Value::String(std::string(t.str, t.len)));
        break;
      case kNumber: {
        std::string text(t.str, t.len);
        double d = std::strtod(text.c_str(), nullptr);
        add(json::Value::Number(d, std::move(text)));
        break;
      }
    }
  }
  return root;
}

json::Value JsonbWithinDepth(Jsonb* jb, const std::string& subject, const std::string& detail,
                             const std::string& hint) {
  size_t depth = 0;
  json::Value doc = JsonbToValue(jb, &depth, json::kMaxDepth);
  if (depth > static_cast<size_t>(json::kMaxDepth))
    throw Error(sqlstate::kProgramLimitExceeded,
                subject + " deeper than " + std::to_string(json::kMaxDepth) + " levels", detail,
                hint);
  return doc;
}

json::Value JsonbArgument(Jsonb* jb, const char* argument) {
  return JsonbWithinDepth(jb, std::string("argument \"") + argument + "\" nests",
                          "pg_comply reads a jsonb argument to at most " +
                              std::to_string(json::kMaxDepth) + " levels of nesting.",
                          std::string("Check the value passed as \"") + argument +
                              "\": no argument of pg_comply's needs that many levels.");
}

}  // namespace comply::pg
