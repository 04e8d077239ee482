// The builtin text classifier: multinomial logistic regression (softmax) over hashed
// features of already-redacted text, trained with SGD and L2 regularisation, with
// probabilities calibrated by temperature scaling. No network, no PostgreSQL: the glue
// trains it from a labelled query and stores Serialize()'s blob in a table.
//
// Features of a text (see Featurize): lower-cased word unigrams and bigrams (digits
// folded to 0), character 3- and 4-grams of each word with boundary marks ("<wo", "ord>"),
// and PII features from the redactor's placeholders (`[US_SSN]`, any `[A-Z][A-Z0-9_]*]`):
// one per entity type present, one count bucket per entity type (1, 2-3, 4+) and one
// bucket of the total count (0, 1, 2-3, 4-7, 8+). Each family is hashed (64-bit FNV-1a,
// then a murmur3 finaliser: stable on every platform, which stored models need) into
// 2^hash_bits signed buckets, weighted 1 + ln(tf) and L2-normalised on its own, so words,
// character n-grams and PII weigh the same. Character 5-grams were measured and left out:
// on the generated compliance documents (test/data) they add 29% more features and 22%
// more training time for no measurable accuracy (held-out 0.919 either way over four
// seeds of the shipped set, 0.959 and 0.960 on 30,000 documents): words already carry
// what long subwords do, and 3- and 4-grams carry typos and inflections.
#pragma once
#include "core/no_postgres.h"

#include <cstdint>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "core/cancel.h"
#include "core/json.h"

namespace comply::ai {

// Length in bytes of the word character at text[i]: an ASCII letter or digit, or a
// non-ASCII letter, digit or combining mark (Unicode categories L, N, M); 0 for
// anything else (blanks, punctuation, symbols, emoji, whatever their script). A byte
// that does not begin valid UTF-8 counts as a word byte (text of a SQL_ASCII database).
size_t WordCharLength(std::string_view text, size_t i);
// Whether text holds a word character: a text without one (blanks, punctuation, a
// no-break space, emoji) has nothing to classify.
bool HasWord(std::string_view text);

// Whether label (valid UTF-8) has a character a reader sees: not only white space,
// controls and invisible format characters (a zero-width space, a bidi mark). A label
// of none reads as blank to a reviewer deciding with it. New labels only: a model stored
// with such a label still loads.
bool LabelIsVisible(std::string_view label);

// One labelled training document. text is redacted the way prediction input will be.
struct Example {
  std::string label;
  std::string text;
};

// Training hyper-parameters; every field has the default ParseTrainOptions keeps.
struct TrainOptions {
  int epochs = 5;                     // passes over the training split, 1..1000
  double learning_rate = 2;           // initial SGD step, decayed linearly to 0; (0, 10]
  double l2 = 1e-6;                   // adds l2/2 * |w|^2 to the mean loss, [0, 0.01]
  int hash_bits = 18;                 // 2^hash_bits feature buckets, 10..24
  double test_fraction = 0.2;         // held out for the reported metrics, [0.01, 0.5]
  double calibration_fraction = 0.1;  // held out to fit the temperature, [0.01, 0.5]
  uint64_t seed = 42;                 // shuffles the split and the SGD order, 0..2^53-1
  bool refit = true;                  // retrain on train+test after evaluating
  // Not a hyper-parameter (ParseTrainOptions leaves it alone): memory for the training
  // features, computed once and replayed each epoch (4 bytes per feature, about 300
  // features per 200-byte document). Examples past it are featurized again on every
  // use: slower, same model.
  size_t feature_cache_bytes = size_t{256} << 20;
};

// Bounds checked by ParseTrainOptions and Train.
inline constexpr int kMinHashBits = 10;
inline constexpr int kMaxHashBits = 24;
inline constexpr int kMaxEpochs = 1000;
inline constexpr size_t kMinExamples = 10;
inline constexpr size_t kMaxLabels = 1000;
inline constexpr size_t kMaxLabelBytes = 200;
// A model holds labels x 2^hash_bits float32 weights (6 MiB for 6 labels at the
// default 18 bits). It is stored in one bytea and loaded into each backend that
// classifies, so it is capped at 2^26 weights (256 MiB): 1000 labels need hash_bits <= 16.
inline constexpr uint64_t kMaxWeights = uint64_t{1} << 26;

// Reads options from JSON such as {"epochs": 5, "hash_bits": 18, "refit": false}. null
// means all defaults. Throws comply::Error (22023) naming the key for an unknown key, a
// wrong type or a value out of range.
TrainOptions ParseTrainOptions(const json::Value& options);

// Held-out quality of one label on the test split.
struct LabelMetrics {
  std::string label;
  double precision = 0;  // 0 when the label was never predicted
  double recall = 0;     // 0 when the label has no test example
  double f1 = 0;
  int64_t support = 0;  // test examples with this label
};

// What training measured. Metrics are on the test split, with calibrated probabilities,
// even when the stored model was refitted on more data afterwards.
struct TrainReport {
  int64_t examples = 0;
  int64_t train = 0;
  int64_t calibration = 0;
  int64_t test = 0;
  std::vector<std::string> labels;  // sorted (byte order), as the model stores them
  double accuracy = 0;
  // Mean F1 over the labels that occur in the test split or are predicted there.
  double macro_f1 = 0;
  // Accuracy of always answering the most frequent label of the training split.
  double baseline_accuracy = 0;
  // Expected calibration error (10 equal-width confidence bins) at temperature 1 and at
  // the fitted temperature.
  double ece_before = 0;
  double ece_after = 0;
  double temperature = 1;
  std::vector<LabelMetrics> per_label;  // in labels order
  int hash_bits = 0;
  int epochs = 0;
  bool refit = false;
};

// The report as a JSON object: {"examples":N,"train":..,"calibration":..,"test":..,
// "labels":[..],"accuracy":..,"macro_f1":..,"baseline_accuracy":..,"ece_before":..,
// "ece_after":..,"temperature":..,"per_label":{"<label>":{"precision":..,"recall":..,
// "f1":..,"support":..}},"hash_bits":..,"epochs":..,"refit":..}. Rates have 6 decimals.
std::string ReportJson(const TrainReport& report);

// One prediction: the most probable label, its calibrated probability, and every
// considered label's probability, most probable first (ties in label order). For a text
// with no word at all (empty, blanks, punctuation) the probabilities are the model's
// prior and the confidence is 0, so that such a text is never decided automatically
// (unless a single label is allowed).
struct Prediction {
  std::string label;
  double confidence = 0;
  std::vector<std::pair<std::string, double>> probabilities;
};

// One hashed feature: bucket and (signed) value.
struct Feature {
  uint32_t index = 0;
  float value = 0;
};

// Replaces out with the features of text as the model sees them: words and bigrams,
// then character n-grams, then PII features, each in first-seen order; a bucket may
// appear once per family. Exposed for tests and tools. cancel is polled every 64 KiB of
// text; throws comply::Error (22023) if hash_bits is out of range.
void Featurize(std::string_view text, int hash_bits, std::vector<Feature>& out,
               const CancelCheck& cancel = {});

// The PII features of text by name, as Featurize hashes them, e.g. "pii:US_SSN",
// "pii:US_SSN:2-3", "pii_total:2-3" (for tests and explanations).
std::vector<std::string> PiiFeatureNames(std::string_view redacted_text);

class Model {
 public:
  // The labels, sorted in byte order.
  const std::vector<std::string>& labels() const { return labels_; }
  int hash_bits() const { return hash_bits_; }
  // Logits are divided by this before the softmax.
  double temperature() const { return temperature_; }

  // Classifies redacted text. With allowed_labels, the softmax runs over that subset
  // only (renormalised); a label the model does not know, or an empty subset, throws
  // comply::Error (22023). Repeated labels count once.
  Prediction Predict(std::string_view redacted_text,
                     const std::vector<std::string>* allowed_labels = nullptr,
                     const CancelCheck& cancel = {}) const;

  // Compact little-endian blob: magic, format version, feature scheme, hash_bits,
  // temperature, labels, then bias and weights as float32 (labels x 2^hash_bits x 4
  // bytes: nearly all of it), then a SHA-256 of everything before it.
  std::string Serialize() const;

  // Reads a Serialize() blob. Throws comply::Error (22P02, "invalid model data: ...")
  // on anything truncated, corrupt, of another version or out of bounds; never reads
  // past the input, whatever its bytes.
  static Model Deserialize(std::string_view blob);

 private:
  friend Model Train(const std::vector<Example>&, const TrainOptions&, const CancelCheck&,
                     TrainReport*);
  friend class Trainer;

  Model() = default;  // models come from Train or Deserialize

  // Logits (bias + weights . features) of one feature vector into scores (size K).
  void Logits(const std::vector<Feature>& features, std::vector<double>& scores) const;

  std::vector<std::string> labels_;
  int hash_bits_ = 0;
  double temperature_ = 1;
  std::vector<float> bias_;     // one per label
  std::vector<float> weights_;  // bucket-major: weights_[bucket * K + label]
};

// Trains a model on examples: a seeded shuffle splits them into train, calibration and
// test; SGD fits the train split; a temperature is fitted on the calibration split by
// minimising its negative log-likelihood (with a weak prior on ln T worth about one
// example, so a tiny split cannot make every answer certain); the test split is evaluated
// into *report (if not null); with options.refit the weights are then retrained on
// train + test with the same hyper-parameters, keeping the temperature. Deterministic for
// a given input, options and seed. Throws comply::Error: 22023 with fewer than
// kMinExamples examples, fewer than 2 distinct labels, or a label empty or over
// kMaxLabelBytes; 22021 for a label that is not UTF-8; 54000 over kMaxLabels labels or
// kMaxWeights weights. Messages never contain document text. cancel is polled every 1024
// examples or so.
Model Train(const std::vector<Example>& examples, const TrainOptions& options,
            const CancelCheck& cancel = {}, TrainReport* report = nullptr);

}  // namespace comply::ai
