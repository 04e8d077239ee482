// Micro-benchmarks of the builtin text classifier in the core library (no PostgreSQL).
//
// Data: the shipped test/data/compliance_docs.tsv (3,000 labelled documents, about 180
// bytes each) and 100,000 more made by the same generator
// (test/data/make_compliance_docs.py --rows 100000 --seed 2, run through python3 once at
// start-up; the training benchmarks on it are skipped if python3 is missing). Everything
// runs on one thread, so items_per_second is documents per second per core.
//
// Baselines measured in the same run, printed as counters:
// - featurize_passes: a training run's time divided by the time of featurizing every
//   document once, i.e. how many "reads" of the data training costs;
// - x_featurize: a prediction's time divided by featurizing the same document.
//
// Build: cmake -DCOMPLY_BENCH=ON ... && cmake --build . --target classifier_bench
// Run:   ./classifier_bench   (e.g. --benchmark_filter=Train100k)
#include <benchmark/benchmark.h>

#include <chrono>
#include <cstdio>
#include <fstream>
#include <memory>
#include <sstream>
#include <string>
#include <vector>

#include "core/ai/classifier.h"

namespace {

using comply::ai::Example;
using comply::ai::Feature;
using comply::ai::Model;
using comply::ai::TrainOptions;
using comply::ai::TrainReport;

std::vector<Example> ParseTsv(std::istream& in) {
  std::vector<Example> out;
  std::string line;
  while (std::getline(in, line)) {
    const size_t tab = line.find('\t');
    if (tab != std::string::npos) out.push_back({line.substr(0, tab), line.substr(tab + 1)});
  }
  return out;
}

const std::vector<Example>& Shipped() {
  static const std::vector<Example> docs = [] {
    std::ifstream in(COMPLY_SOURCE_DIR "/test/data/compliance_docs.tsv");
    return ParseTsv(in);
  }();
  return docs;
}

// 100,000 generated documents (empty if python3 is not available).
const std::vector<Example>& Large() {
  static const std::vector<Example> docs = [] {
    std::string text;
    const char* cmd =
        "python3 " COMPLY_SOURCE_DIR "/test/data/make_compliance_docs.py --rows 100000 --seed 2";
    if (FILE* p = popen(cmd, "r")) {
      char buf[1 << 16];
      size_t n;
      while ((n = fread(buf, 1, sizeof buf, p)) > 0) text.append(buf, n);
      if (pclose(p) != 0) text.clear();
    }
    std::istringstream in(text);
    return ParseTsv(in);
  }();
  return docs;
}

size_t Bytes(const std::vector<Example>& docs) {
  size_t n = 0;
  for (const Example& e : docs) n += e.text.size();
  return n;
}

double Since(std::chrono::steady_clock::time_point t0) {
  return std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
}

// Seconds to featurize every document once (the baseline of the training counters).
double FeaturizePass(const std::vector<Example>& docs, int hash_bits) {
  std::vector<Feature> f;
  const auto t0 = std::chrono::steady_clock::now();
  for (const Example& e : docs) {
    comply::ai::Featurize(e.text, hash_bits, f);
    benchmark::DoNotOptimize(f.data());
  }
  return Since(t0);
}

const Model& ShippedModel() {
  static const Model model = comply::ai::Train(Shipped(), TrainOptions{});
  return model;
}

void BM_Featurize(benchmark::State& state) {
  const auto& docs = Shipped();
  std::vector<Feature> f;
  size_t features = 0;
  for (auto _ : state) {
    features = 0;
    for (const Example& e : docs) {
      comply::ai::Featurize(e.text, 18, f);
      features += f.size();
      benchmark::DoNotOptimize(f.data());
    }
  }
  state.SetItemsProcessed(int64_t(state.iterations()) * int64_t(docs.size()));
  state.SetBytesProcessed(int64_t(state.iterations()) * int64_t(Bytes(docs)));
  state.counters["features_per_doc"] = double(features) / double(docs.size());
}
BENCHMARK(BM_Featurize)->Unit(benchmark::kMillisecond);

// Predict over every shipped document (the model: 6 labels, 2^18 buckets).
void BM_Predict(benchmark::State& state) {
  const auto& docs = Shipped();
  const Model& m = ShippedModel();
  const auto t0 = std::chrono::steady_clock::now();
  for (auto _ : state) {
    for (const Example& e : docs) {
      comply::ai::Prediction p = m.Predict(e.text);
      benchmark::DoNotOptimize(p.confidence);
    }
  }
  const double seconds = Since(t0) / double(state.iterations());
  // After the loop, so outside the measured time.
  state.counters["x_featurize"] = seconds / FeaturizePass(docs, m.hash_bits());
  state.SetItemsProcessed(int64_t(state.iterations()) * int64_t(docs.size()));
  state.SetBytesProcessed(int64_t(state.iterations()) * int64_t(Bytes(docs)));
}
BENCHMARK(BM_Predict)->Unit(benchmark::kMillisecond);

// Predict restricted to three of the six labels.
void BM_PredictRestricted(benchmark::State& state) {
  const auto& docs = Shipped();
  const Model& m = ShippedModel();
  const std::vector<std::string> allowed = {"hr", "legal", "phi"};
  for (auto _ : state) {
    for (const Example& e : docs) {
      comply::ai::Prediction p = m.Predict(e.text, &allowed);
      benchmark::DoNotOptimize(p.confidence);
    }
  }
  state.SetItemsProcessed(int64_t(state.iterations()) * int64_t(docs.size()));
}
BENCHMARK(BM_PredictRestricted)->Unit(benchmark::kMillisecond);

// Full training (split, SGD, calibration, evaluation and by default the refit) on docs.
void RunTrain(benchmark::State& state, const std::vector<Example>& docs, TrainOptions options) {
  if (docs.empty()) {
    state.SkipWithError("no data (is python3 on PATH?)");
    return;
  }
  TrainReport report;
  const auto t0 = std::chrono::steady_clock::now();
  for (auto _ : state) {
    Model m = comply::ai::Train(docs, options, {}, &report);
    benchmark::DoNotOptimize(&m);
  }
  const double seconds = Since(t0) / double(state.iterations());
  state.counters["featurize_passes"] = seconds / FeaturizePass(docs, options.hash_bits);
  state.SetItemsProcessed(int64_t(state.iterations()) * int64_t(docs.size()));
  state.SetBytesProcessed(int64_t(state.iterations()) * int64_t(Bytes(docs)));
  state.counters["accuracy"] = report.accuracy;
  state.counters["ece_after"] = report.ece_after;
}

void BM_TrainShipped(benchmark::State& state) { RunTrain(state, Shipped(), TrainOptions{}); }
BENCHMARK(BM_TrainShipped)->Unit(benchmark::kMillisecond);

void BM_Train100k(benchmark::State& state) { RunTrain(state, Large(), TrainOptions{}); }
BENCHMARK(BM_Train100k)->Unit(benchmark::kSecond)->Iterations(1)->Repetitions(3);

void BM_Train100kNoRefit(benchmark::State& state) {
  TrainOptions o;
  o.refit = false;
  RunTrain(state, Large(), o);
}
BENCHMARK(BM_Train100kNoRefit)->Unit(benchmark::kSecond)->Iterations(1);

// Without the feature cache every epoch featurizes again: the cost the cache saves.
void BM_Train100kNoCache(benchmark::State& state) {
  TrainOptions o;
  o.feature_cache_bytes = 0;
  RunTrain(state, Large(), o);
}
BENCHMARK(BM_Train100kNoCache)->Unit(benchmark::kSecond)->Iterations(1);

void BM_Serialize(benchmark::State& state) {
  const Model& m = ShippedModel();
  size_t size = 0;
  for (auto _ : state) {
    std::string blob = m.Serialize();
    size = blob.size();
    benchmark::DoNotOptimize(blob.data());
  }
  state.SetBytesProcessed(int64_t(state.iterations()) * int64_t(size));
  state.counters["blob_bytes"] = double(size);
}
BENCHMARK(BM_Serialize)->Unit(benchmark::kMillisecond);

// Loading a stored model (what a backend pays once per model and cache refresh).
void BM_Deserialize(benchmark::State& state) {
  const std::string blob = ShippedModel().Serialize();
  for (auto _ : state) {
    Model m = Model::Deserialize(blob);
    benchmark::DoNotOptimize(&m);
  }
  state.SetBytesProcessed(int64_t(state.iterations()) * int64_t(blob.size()));
}
BENCHMARK(BM_Deserialize)->Unit(benchmark::kMillisecond);

}  // namespace

int main(int argc, char** argv) {
  benchmark::Initialize(&argc, argv);
  if (benchmark::ReportUnrecognizedArguments(argc, argv)) return 1;
  std::fprintf(stderr, "data: %zu shipped documents (%zu bytes), %zu generated (%zu bytes)\n",
               Shipped().size(), Bytes(Shipped()), Large().size(), Bytes(Large()));
  benchmark::RunSpecifiedBenchmarks();
  benchmark::Shutdown();
  return 0;
}
