// Micro-benchmarks of PII detection and redaction in the core library (no PostgreSQL).
//
// The input is about 1 MiB of deterministic, realistic text: clinical notes, support
// tickets, payment disputes and HR notes built from hand-written templates, with embedded
// e-mail addresses, US phone numbers, SSNs, Luhn-valid card numbers, mod-97-valid IBANs,
// dates, IPv4 addresses and names, filled in by a fixed-seed PRNG (splitmix64, so the text
// is identical on every platform and standard library). Everything runs on one thread, so
// the bytes_per_second column is MB/s per core.
//
// Build: cmake -DCOMPLY_BENCH=ON ... && make detector_bench; run: ./detector_bench
#include <cstring>
#include <benchmark/benchmark.h>

#include <cstdint>
#include <cstdio>
#include <map>
#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include "core/rng.h"
#include "core/pii/detector.h"
#include "core/pii/redactor.h"

namespace {

using comply::pii::DetectOptions;
using comply::pii::Detector;
using comply::pii::Finding;

constexpr size_t kCorpusBytes = size_t{1} << 20;  // 1 MiB
constexpr uint64_t kSeed = 20240611;

using Rng = comply::SplitMix64;

const char* const kFirst[] = {"Maria",  "James",   "Linda",  "Robert", "Patricia", "Michael",
                              "Jennifer", "David", "Susan",  "Thomas", "Karen",    "Daniel",
                              "Nancy",  "Steven",  "Olivia", "Ethan",  "Aisha",    "Carlos",
                              "Priya",  "Hannah",  "George", "Emily",  "Samuel",   "Laura"};
const char* const kLast[] = {"Smith",    "Johnson", "Garcia",  "Nguyen",  "Okafor",
                             "Miller",   "Davis",   "Rodriguez", "Martinez", "Kowalski",
                             "Anderson", "Patel",   "Thompson", "Fischer", "O'Brien",
                             "Lindqvist", "Moreau", "Tanaka",   "Hughes",  "Reyes"};
const char* const kMailDomains[] = {"gmail.com", "outlook.com", "yahoo.com", "acme-health.org",
                                    "northwind.co.uk", "example.net"};
const char* const kAreaCodes[] = {"212", "312", "415", "617", "713", "206", "303", "404",
                                  "305", "512", "602", "919"};
const char* const kMonths[] = {"January", "February", "March",     "April",   "May",      "June",
                               "July",    "August",   "September", "October", "November", "December"};
const char* const kMonthsShort[] = {"Jan", "Feb", "Mar", "Apr", "May", "Jun",
                                    "Jul", "Aug", "Sep", "Oct", "Nov", "Dec"};

std::string Digits(Rng& rng, int n) {
  std::string s;
  for (int i = 0; i < n; ++i) s.push_back(char('0' + rng.Range(0, 9)));
  return s;
}

std::string Pad(int v, int width) {
  std::string s = std::to_string(v);
  while (static_cast<int>(s.size()) < width) s.insert(s.begin(), '0');
  return s;
}

std::string Lower(std::string s) {
  for (char& c : s)
    if (c >= 'A' && c <= 'Z') c = char(c - 'A' + 'a');
  return s;
}

struct Person {
  std::string first, last;
};

Person MakePerson(Rng& rng) { return {rng.Pick(kFirst), rng.Pick(kLast)}; }

std::string Email(Rng& rng, const Person& p) {
  std::string last;
  for (char c : Lower(p.last))
    if (c != '\'') last.push_back(c);
  std::string user;
  switch (rng.Range(0, 2)) {
    case 0: user = Lower(p.first) + "." + last; break;
    case 1: user = Lower(p.first).substr(0, 1) + last + std::to_string(rng.Range(1, 99)); break;
    default: user = Lower(p.first) + "_" + last.substr(0, 3); break;
  }
  return user + "@" + rng.Pick(kMailDomains);
}

std::string Phone(Rng& rng) {
  std::string area = rng.Pick(kAreaCodes);
  std::string exch = std::to_string(rng.Range(2, 9));
  exch += Digits(rng, 2);
  if (exch[1] == '1' && exch[2] == '1') exch[2] = '2';
  std::string line = Digits(rng, 4);
  switch (rng.Range(0, 3)) {
    case 0: return "(" + area + ") " + exch + "-" + line;
    case 1: return area + "-" + exch + "-" + line;
    case 2: return "+1 " + area + " " + exch + " " + line;
    default: return area + "." + exch + "." + line;
  }
}

std::string Ssn(Rng& rng) {
  int area;
  do area = rng.Range(1, 899);
  while (area == 666);
  int group = rng.Range(1, 99);
  int serial = rng.Range(1, 9999);
  std::string a = Pad(area, 3), g = Pad(group, 2), s = Pad(serial, 4);
  return rng.Range(0, 4) == 0 ? a + " " + g + " " + s : a + "-" + g + "-" + s;
}

// Appends the Luhn check digit to body.
std::string WithLuhn(const std::string& body) {
  int sum = 0;
  bool dbl = true;  // the digit left of the check digit is doubled
  for (auto it = body.rbegin(); it != body.rend(); ++it) {
    int d = *it - '0';
    if (dbl) {
      d *= 2;
      if (d > 9) d -= 9;
    }
    sum += d;
    dbl = !dbl;
  }
  return body + char('0' + (10 - sum % 10) % 10);
}

std::string Card(Rng& rng) {
  std::string prefix;
  int body = 0;  // random digits after the prefix, before the check digit
  switch (rng.Range(0, 3)) {
    case 0: prefix = "4", body = 14; break;                                   // Visa
    case 1: prefix = "5" + std::to_string(rng.Range(1, 5)), body = 13; break;  // Mastercard
    case 2: prefix = rng.Range(0, 1) ? "34" : "37", body = 12; break;          // Amex
    default: prefix = "6011", body = 11; break;                               // Discover
  }
  std::string number = WithLuhn(prefix + Digits(rng, body));
  int style = rng.Range(0, 2);
  if (style == 2) return number;
  char sep = style == 0 ? ' ' : '-';
  std::string out;
  if (number.size() == 15) {  // Amex 4-6-5
    out = number.substr(0, 4) + sep + number.substr(4, 6) + sep + number.substr(10);
  } else {
    for (size_t i = 0; i < number.size(); i += 4) {
      if (i) out.push_back(sep);
      out += number.substr(i, 4);
    }
  }
  return out;
}

std::string Iban(Rng& rng) {
  struct Country {
    const char* code;
    int letters;  // leading bank-code letters of the BBAN
    int digits;   // then digits
  };
  static const Country kCountries[] = {{"DE", 0, 18}, {"GB", 4, 14}, {"FR", 0, 23},
                                       {"NL", 4, 10}, {"ES", 0, 20}, {"IT", 1, 22}};
  const Country& c = kCountries[rng.Next() % (sizeof(kCountries) / sizeof(kCountries[0]))];
  std::string bban;
  for (int i = 0; i < c.letters; ++i) bban.push_back(char('A' + rng.Range(0, 25)));
  bban += Digits(rng, c.digits);
  // Check digits: 98 - (BBAN + country + "00" with letters as 10..35) mod 97.
  std::string rearranged = bban + c.code + "00";
  int mod = 0;
  for (char ch : rearranged) {
    if (ch >= 'A' && ch <= 'Z') {
      int v = ch - 'A' + 10;
      mod = (mod * 100 + v) % 97;
    } else {
      mod = (mod * 10 + (ch - '0')) % 97;
    }
  }
  std::string iban = std::string(c.code) + Pad(98 - mod, 2) + bban;
  if (rng.Range(0, 1)) return iban;
  std::string grouped;
  for (size_t i = 0; i < iban.size(); i += 4) {
    if (i) grouped.push_back(' ');
    grouped += iban.substr(i, 4);
  }
  return grouped;
}

std::string Date(Rng& rng, int year_lo, int year_hi) {
  int y = rng.Range(year_lo, year_hi), m = rng.Range(1, 12), d = rng.Range(1, 28);
  switch (rng.Range(0, 3)) {
    case 0: return Pad(m, 2) + "/" + Pad(d, 2) + "/" + std::to_string(y);
    case 1: return std::to_string(y) + "-" + Pad(m, 2) + "-" + Pad(d, 2);
    case 2: return std::string(kMonths[m - 1]) + " " + std::to_string(d) + ", " + std::to_string(y);
    default: return std::to_string(d) + " " + kMonthsShort[m - 1] + " " + std::to_string(y);
  }
}

std::string Ip(Rng& rng) {
  int a = rng.Range(1, 223), b = rng.Range(0, 255), c = rng.Range(0, 255), d = rng.Range(1, 254);
  return std::to_string(a) + "." + std::to_string(b) + "." + std::to_string(c) + "." +
         std::to_string(d);
}

// One record from one of the templates. PII density is roughly what real free-text
// columns hold: a few findings per few hundred bytes, plus PII-free records.
// Every random value is drawn in its own statement: the operands of one `a + f() + g()`
// expression are unsequenced, and the text must not depend on the compiler.
std::string Record(Rng& rng) {
  const int kind = rng.Range(0, 5);
  const Person p = MakePerson(rng);
  const Person q = MakePerson(rng);
  const std::string ticket = Digits(rng, 6);
  const int dollars = rng.Range(12, 2400);
  const int cents = rng.Range(0, 99);
  const std::string amount = std::to_string(dollars) + "." + Pad(cents, 2);
  const std::string title = rng.Range(0, 1) ? "Mr. " : "Ms. ";
  const std::string dob = Date(rng, 1940, 2005);
  const std::string recent = Date(rng, 2022, 2024);
  const std::string ssn = Ssn(rng);
  const std::string phone = Phone(rng);
  const std::string phone2 = Phone(rng);
  const std::string email_p = Email(rng, p);
  const std::string email_q = Email(rng, q);
  const std::string card = Card(rng);
  const std::string iban = Iban(rng);
  const std::string ip = Ip(rng);
  const std::string ip2 = Ip(rng);
  switch (kind) {
    case 0:
      return "Patient " + p.first + " " + p.last + " (DOB " + dob +
             ") seen today for follow-up of hypertension. BP 132/84, HR 72, afebrile. "
             "Reports occasional headaches, no chest pain or shortness of breath. Continue "
             "lisinopril 10 mg daily and recheck labs in six weeks. Insurance member SSN " +
             ssn + ". Daughter " + q.first + " can be reached at " + phone +
             " and asked that results be sent to " + email_q + ".";
    case 1:
      return "Ticket #" + ticket + ": customer " + p.first + " " + p.last +
             " cannot log in since the last update. The account e-mail is " + email_p +
             " and the failed attempts came from " + ip +
             ". Password reset link expired twice; cleared the session cache and asked the "
             "customer to try again. Callback requested at " + phone +
             " between 9 and 11 am. Escalated to tier 2 after no response within 48 hours.";
    case 2:
      return "Dispute opened by cardholder " + p.first + " " + p.last + " for a charge of $" +
             amount + " on " + recent + " to card " + card +
             ". The merchant says the goods were shipped, the cardholder says they never "
             "arrived. Refund to be credited to IBAN " + iban +
             " once the chargeback is approved. Contact: " + email_p + ", " + phone2 + ".";
    case 3:
      return "HR note: " + title + p.last + " (" + p.first + ") met with " + q.first + " " +
             q.last + " to discuss the relocation package. Employee SSN " + ssn +
             " and date of birth " + dob +
             " were verified against the onboarding file. Salary will be paid to " + iban +
             " from next month. Follow-up meeting scheduled; personal e-mail " + email_p +
             " to be removed from the distribution list.";
    case 4:
      return "The quarterly review found no material weaknesses in the reconciliation "
             "process. Three open items remain from the previous audit and are expected to "
             "close before the end of the month. The team agreed to automate the monthly "
             "export and to document the manual steps that remain. Next review in ninety days.";
    default:
      return "Mrs. " + p.last + " called about a duplicate payment. She paid by card " + card +
             " and again by transfer from " + iban + ". Verified identity with SSN " + ssn +
             " and DOB " + dob + ". Login history shows access from " + ip + " and " + ip2 +
             ". Reply sent to " + email_p + "; " + q.first + " from billing is cc'd.";
  }
}

struct Corpus {
  std::vector<std::string> records;
  std::string text;  // records joined by blank lines
  std::string prose; // same size, PII-free template only (scan cost baseline)
};

const Corpus& GetCorpus() {
  static const Corpus corpus = [] {
    Corpus c;
    Rng rng(kSeed);
    while (c.text.size() < kCorpusBytes) {
      std::string r = Record(rng);
      c.text += r;
      c.text += "\n\n";
      c.records.push_back(std::move(r));
    }
    Rng prose_rng(kSeed + 1);
    while (c.prose.size() < c.text.size()) {
      std::string r;
      do r = Record(prose_rng);
      while (r.rfind("The quarterly", 0) != 0);
      c.prose += r;
      c.prose += "\n\n";
    }
    c.prose.resize(c.text.size());
    return c;
  }();
  return corpus;
}

const Detector& GetDetector() {
  static const Detector detector(
      {}, comply::pii::LoadNameList(COMPLY_SOURCE_DIR "/data/first_names.txt"));
  return detector;
}

void BM_Detect(benchmark::State& state) {
  const std::string& text = GetCorpus().text;
  const Detector& det = GetDetector();
  DetectOptions opts;
  size_t findings = 0;
  for (auto _ : state) {
    std::vector<Finding> f = det.Detect(text, opts);
    findings = f.size();
    benchmark::DoNotOptimize(f.data());
  }
  state.SetBytesProcessed(int64_t(state.iterations()) * int64_t(text.size()));
  state.counters["findings"] = double(findings);
}
BENCHMARK(BM_Detect)->Unit(benchmark::kMillisecond);

// The same text, one Detect call per record (how comply.redact sees a table).
void BM_DetectPerRecord(benchmark::State& state) {
  const Corpus& c = GetCorpus();
  const Detector& det = GetDetector();
  DetectOptions opts;
  size_t bytes = 0;
  for (const auto& r : c.records) bytes += r.size();
  size_t findings = 0;
  for (auto _ : state) {
    findings = 0;
    for (const auto& r : c.records) {
      std::vector<Finding> f = det.Detect(r, opts);
      findings += f.size();
      benchmark::DoNotOptimize(f.data());
    }
  }
  state.SetBytesProcessed(int64_t(state.iterations()) * int64_t(bytes));
  state.SetItemsProcessed(int64_t(state.iterations()) * int64_t(c.records.size()));
  state.counters["findings"] = double(findings);
}
BENCHMARK(BM_DetectPerRecord)->Unit(benchmark::kMillisecond);

// The same records, one at a time with the caches cold: before each record 8 MiB of
// other memory are written (outside the timing), as the work of PostgreSQL and of
// other backends between two rows of a trigger evicts the detector's automata and
// tables. The difference with BM_DetectPerRecord is what cache misses cost.
void BM_DetectPerRecordColdCache(benchmark::State& state) {
  const Corpus& c = GetCorpus();
  const Detector& det = GetDetector();
  DetectOptions opts;
  std::vector<char> other(8 << 20);
  size_t bytes = 0, records = 0, findings = 0, i = 0;
  for (auto _ : state) {
    state.PauseTiming();
    std::memset(other.data(), static_cast<int>(i), other.size());
    benchmark::ClobberMemory();
    const std::string& r = c.records[i++ % c.records.size()];
    state.ResumeTiming();
    std::vector<Finding> f = det.Detect(r, opts);
    findings += f.size();
    bytes += r.size();
    ++records;
    benchmark::DoNotOptimize(f.data());
  }
  state.SetBytesProcessed(int64_t(bytes));
  state.SetItemsProcessed(int64_t(records));
}
BENCHMARK(BM_DetectPerRecordColdCache)->Unit(benchmark::kMicrosecond);

// The same, caches warm (nothing in between), timed the same way: the baseline of the
// cold-cache figure (pausing the timer costs alike in both).
void BM_DetectPerRecordWarmCache(benchmark::State& state) {
  const Corpus& c = GetCorpus();
  const Detector& det = GetDetector();
  DetectOptions opts;
  size_t bytes = 0, records = 0, i = 0;
  for (auto _ : state) {
    state.PauseTiming();
    const std::string& r = c.records[i++ % c.records.size()];
    state.ResumeTiming();
    std::vector<Finding> f = det.Detect(r, opts);
    bytes += r.size();
    ++records;
    benchmark::DoNotOptimize(f.data());
  }
  state.SetBytesProcessed(int64_t(bytes));
  state.SetItemsProcessed(int64_t(records));
}
BENCHMARK(BM_DetectPerRecordWarmCache)->Unit(benchmark::kMicrosecond);

// PII-free prose of the same size: the cost of the scan alone.
void BM_DetectNoPii(benchmark::State& state) {
  const std::string& text = GetCorpus().prose;
  const Detector& det = GetDetector();
  DetectOptions opts;
  size_t findings = 0;
  for (auto _ : state) {
    std::vector<Finding> f = det.Detect(text, opts);
    findings = f.size();
    benchmark::DoNotOptimize(f.data());
  }
  state.SetBytesProcessed(int64_t(state.iterations()) * int64_t(text.size()));
  state.counters["findings"] = double(findings);
}
BENCHMARK(BM_DetectNoPii)->Unit(benchmark::kMillisecond);

// Detect + Redact with the label operator (what comply.redact does per value).
void BM_DetectRedactLabel(benchmark::State& state) {
  const std::string& text = GetCorpus().text;
  const Detector& det = GetDetector();
  DetectOptions opts;
  comply::pii::OperatorConfig config;  // default operator: label
  size_t out_size = 0;
  for (auto _ : state) {
    std::string out = comply::pii::Redact(text, det.Detect(text, opts), config, {});
    out_size = out.size();
    benchmark::DoNotOptimize(out.data());
  }
  state.SetBytesProcessed(int64_t(state.iterations()) * int64_t(text.size()));
  state.counters["out_bytes"] = double(out_size);
}
BENCHMARK(BM_DetectRedactLabel)->Unit(benchmark::kMillisecond);

// Redact alone (label operator) over precomputed findings: the cost of rewriting.
void BM_RedactOnlyLabel(benchmark::State& state) {
  const std::string& text = GetCorpus().text;
  std::vector<Finding> findings = GetDetector().Detect(text, DetectOptions{});
  comply::pii::OperatorConfig config;
  for (auto _ : state) {
    std::string out = comply::pii::Redact(text, findings, config, {});
    benchmark::DoNotOptimize(out.data());
  }
  state.SetBytesProcessed(int64_t(state.iterations()) * int64_t(text.size()));
  state.counters["findings"] = double(findings.size());
}
BENCHMARK(BM_RedactOnlyLabel)->Unit(benchmark::kMillisecond);

// One Detect call for each of values, the findings counted (the short-values benchmarks).
void DetectEach(benchmark::State& state, const std::vector<std::string>& values) {
  const Detector& det = GetDetector();
  DetectOptions opts;
  size_t findings = 0;
  for (auto _ : state) {
    findings = 0;
    for (const std::string& v : values) {
      std::vector<Finding> f = det.Detect(v, opts);
      findings += f.size();
      benchmark::DoNotOptimize(f.data());
    }
  }
  state.SetItemsProcessed(int64_t(state.iterations()) * int64_t(values.size()));
  state.counters["findings"] = double(findings);
}

// Short values one at a time, as a jsonb document's strings reach the detector (a
// protected table's payload: names, e-mails, dates, tags, streets, cities, zips): the
// fixed cost of a Detect call.
void BM_DetectShortValues(benchmark::State& state) {
  static const std::vector<std::string> values = {
      "Barbara Miller", "barbara.miller2@hotmail.com", "1962-02-07", "mobile-first",
      "wholesale", "trial", "9749 Hillcrest Ave", "Madison", "06082", "partner",
      "Priya Okafor", "sofia.obrien12@gmail.com", "web", "1987-11-30", "loyalty",
      "412 Oak St", "Springfield", "62704"};
  DetectEach(state, values);
}
BENCHMARK(BM_DetectShortValues);

// More short strings, as a protected row's jsonb payload holds them (a customer record's
// members: names, e-mails, dates and timestamps, street names, cities, zip codes,
// countries, phone numbers, tags, states, ids), one Detect call each: where per-call
// fixed costs weigh most.
void BM_DetectShortStrings(benchmark::State& state) {
  static const std::vector<std::string> values = {
      "Barbara", "Miller", "Barbara Miller", "barbara.miller2@hotmail.com", "1962-02-07",
      "2024-03-14T10:30:00Z", "9749 Hillcrest Ave", "Hillcrest Avenue", "Madison", "WI",
      "53703", "06082-1234", "United States", "US", "+1 608 555 0142", "(608) 555-0142",
      "mobile-first", "wholesale", "trial", "partner", "loyalty", "web", "active", "pending",
      "gold", "true", "en-US", "EUR", "Priya Okafor", "sofia.obrien12@gmail.com",
      "O'Brien", "Dr. Maria Lopez", "412 Oak St", "Apt 4B", "Springfield", "IL", "62704",
      "Jan 5, 2024", "03/14/2024", "14.03.2024", "cust_00042", "order-7731",
      "a1b2c3d4-e5f6-4789-9abc-def012345678", "Rue de la Paix 12", "75002", "Paris", "FR",
      "Note: call back tomorrow", "VIP"};
  DetectEach(state, values);
}
BENCHMARK(BM_DetectShortStrings);

// Building a Detector (compiling every pattern): paid once per backend and cache rebuild.
void BM_DetectorConstruct(benchmark::State& state) {
  std::vector<std::string> names =
      comply::pii::LoadNameList(COMPLY_SOURCE_DIR "/data/first_names.txt");
  for (auto _ : state) {
    Detector det({}, names);
    benchmark::DoNotOptimize(&det);
  }
}
BENCHMARK(BM_DetectorConstruct)->Unit(benchmark::kMillisecond);

// Detect restricted to one entity (registered in main for each built-in entity): where
// the time goes. The pattern-set scan still runs; only that entity's candidates are
// searched, validated and scored.
void BM_DetectEntity(benchmark::State& state, const std::string& entity) {
  const std::string& text = GetCorpus().text;
  const Detector& det = GetDetector();
  DetectOptions opts;
  opts.entities = {entity};
  size_t findings = 0;
  for (auto _ : state) {
    std::vector<Finding> f = det.Detect(text, opts);
    findings = f.size();
    benchmark::DoNotOptimize(f.data());
  }
  state.SetBytesProcessed(int64_t(state.iterations()) * int64_t(text.size()));
  state.counters["findings"] = double(findings);
}

// Prints the corpus and what the detector finds in it, so a reader can tell the
// throughput numbers come from text that really contains PII.
void PrintCorpusSummary() {
  const Corpus& c = GetCorpus();
  std::vector<Finding> findings = GetDetector().Detect(c.text, DetectOptions{});
  std::map<std::string, size_t> per_entity;
  for (const auto& f : findings) ++per_entity[std::string(f.entity)];
  std::fprintf(stderr, "corpus: %zu bytes, %zu records, %zu findings (%.1f per KiB)\n",
               c.text.size(), c.records.size(), findings.size(),
               double(findings.size()) * 1024.0 / double(c.text.size()));
  for (const auto& [entity, n] : per_entity) std::fprintf(stderr, "  %-22s %zu\n", entity.c_str(), n);
}

}  // namespace

int main(int argc, char** argv) {
  benchmark::Initialize(&argc, argv);
  if (benchmark::ReportUnrecognizedArguments(argc, argv)) return 1;
  PrintCorpusSummary();
  for (const std::string& entity : comply::pii::BuiltinEntities())
    benchmark::RegisterBenchmark(("BM_DetectEntity/" + entity).c_str(), BM_DetectEntity, entity)
        ->Unit(benchmark::kMillisecond);
  benchmark::RunSpecifiedBenchmarks();
  benchmark::Shutdown();
  return 0;
}
