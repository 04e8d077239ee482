// The intake JSON Schema of the SQL benchmarks, for the C++ ones and the unit tests: read
// from bench/intake_schema.sql (the text between its $schema$ quotes), so that it is
// written once. Needs COMPLY_SOURCE_DIR (the repository's root, set by CMake).
#pragma once

#include <fstream>
#include <sstream>
#include <stdexcept>
#include <string>

namespace comply::bench {

inline std::string IntakeSchemaJson() {
  const std::string path = COMPLY_SOURCE_DIR "/bench/intake_schema.sql";
  std::ifstream in(path);
  std::stringstream text;
  text << in.rdbuf();
  const std::string sql = text.str();
  const std::string quote = "$schema$";
  const size_t open = sql.find(quote);
  const size_t close = open == std::string::npos ? open : sql.find(quote, open + quote.size());
  if (close == std::string::npos) throw std::runtime_error("no $schema$-quoted schema in " + path);
  return sql.substr(open + quote.size(), close - open - quote.size());
}

}  // namespace comply::bench
