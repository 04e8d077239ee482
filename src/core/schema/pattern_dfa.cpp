// The byte-level DFA of simple patterns (pattern_dfa.h): a parser for the subset, a
// Thompson NFA over byte sets, and the subset construction over classes of bytes that
// no set tells apart, and its table of pairs of classes.
#include "core/schema/pattern_dfa.h"

#include <algorithm>
#include <bitset>
#include <cstddef>
#include <map>
#include <string_view>
#include <utility>
#include <vector>

namespace comply::schema::internal {
namespace {

// Bounds that keep the automata small; a pattern beyond them stays with RE2.
constexpr size_t kMaxNfaStates = 4000;
constexpr size_t kMaxDfaStates = 1000;
constexpr size_t kMaxTableEntries = 65536;  // offsets fit in 16 bits
constexpr int kMaxRepeat = 1000;  // RE2's own limit
constexpr int kUnbounded = -1;

using ByteSet = std::bitset<256>;

// A parsed expression.
struct Expr {
  enum Kind { kSet, kCat, kAlt, kRepeat } kind = kCat;
  ByteSet set;              // kSet
  std::vector<Expr> kids;   // kCat, kAlt; kRepeat: one
  int min = 0, max = 0;     // kRepeat; max kUnbounded for no bound
};

void AddRange(ByteSet& s, unsigned char lo, unsigned char hi) {
  for (unsigned b = lo; b <= hi; ++b) s.set(b);
}

// \d and \w, ASCII only in RE2.
void AddPerlClass(ByteSet& s, char c) {
  AddRange(s, '0', '9');
  if (c == 'w') {
    AddRange(s, 'A', 'Z');
    AddRange(s, 'a', 'z');
    s.set('_');
  }
}

// A recursive-descent parser of the subset; every method returns false outside it.
class Parser {
 public:
  Parser(std::string_view p, size_t begin, size_t end) : p_(p), i_(begin), end_(end) {}

  // Parses the whole range as an alternation.
  bool Parse(Expr* out) { return Alt(out) && i_ == end_; }

 private:
  bool Alt(Expr* out) {
    out->kind = Expr::kAlt;
    out->kids.emplace_back();
    if (!Cat(&out->kids.back())) return false;
    while (i_ < end_ && p_[i_] == '|') {
      ++i_;
      out->kids.emplace_back();
      if (!Cat(&out->kids.back())) return false;
    }
    return true;
  }

  bool Cat(Expr* out) {
    out->kind = Expr::kCat;
    while (i_ < end_ && p_[i_] != '|' && p_[i_] != ')') {
      out->kids.emplace_back();
      if (!Repeat(&out->kids.back())) return false;
    }
    return true;
  }

  // Reads a decimal count up to kMaxRepeat.
  bool Count(int* out) {
    size_t start = i_;
    int n = 0;
    while (i_ < end_ && p_[i_] >= '0' && p_[i_] <= '9') {
      n = n * 10 + (p_[i_] - '0');
      if (n > kMaxRepeat) return false;
      ++i_;
    }
    *out = n;
    return i_ > start;
  }

  bool Repeat(Expr* out) {
    Expr atom;
    if (!Atom(&atom)) return false;
    if (i_ >= end_ || (p_[i_] != '?' && p_[i_] != '*' && p_[i_] != '+' && p_[i_] != '{')) {
      *out = std::move(atom);
      return true;
    }
    out->kind = Expr::kRepeat;
    char q = p_[i_++];
    if (q == '?') {
      out->min = 0;
      out->max = 1;
    } else if (q == '*') {
      out->min = 0;
      out->max = kUnbounded;
    } else if (q == '+') {
      out->min = 1;
      out->max = kUnbounded;
    } else {
      if (!Count(&out->min)) return false;
      out->max = out->min;
      if (i_ < end_ && p_[i_] == ',') {
        ++i_;
        out->max = kUnbounded;
        if (i_ < end_ && p_[i_] != '}' && !Count(&out->max)) return false;
      }
      if (i_ >= end_ || p_[i_] != '}') return false;
      ++i_;
      if (out->max != kUnbounded && out->max < out->min) return false;
    }
    if (i_ < end_ && p_[i_] == '?') ++i_;  // lazy: the same strings match somewhere
    if (i_ < end_ && (p_[i_] == '?' || p_[i_] == '*' || p_[i_] == '+' || p_[i_] == '{'))
      return false;
    out->kids.push_back(std::move(atom));
    return true;
  }

  bool Atom(Expr* out) {
    char c = p_[i_];
    if (c == '(') {
      ++i_;
      if (i_ + 1 < end_ && p_[i_] == '?') {
        if (p_[i_ + 1] != ':') return false;
        i_ += 2;
      }
      if (!Alt(out) || i_ >= end_ || p_[i_] != ')') return false;
      ++i_;
      return true;
    }
    out->kind = Expr::kSet;
    if (c == '[') return Class(&out->set);
    if (c == '\\') {
      if (i_ + 1 >= end_) return false;
      char n = p_[i_ + 1];
      i_ += 2;
      if (n == 'd' || n == 'w') {
        AddPerlClass(out->set, n);
        return true;
      }
      if (!IsEscapedLiteral(n)) return false;
      out->set.set(static_cast<unsigned char>(n));
      return true;
    }
    if (!IsPlain(c)) return false;
    out->set.set(static_cast<unsigned char>(c));
    ++i_;
    return true;
  }

  // Reads one character of a class (a literal or an escaped punctuation mark) into c.
  bool ClassChar(char* c) {
    if (i_ >= end_) return false;
    if (p_[i_] == '\\') {
      if (i_ + 1 >= end_ || !IsEscapedLiteral(p_[i_ + 1])) return false;
      *c = p_[i_ + 1];
      i_ += 2;
      return true;
    }
    if (p_[i_] < 0x20 || p_[i_] > 0x7e || p_[i_] == '[' || p_[i_] == ']') return false;
    *c = p_[i_++];
    return true;
  }

  bool Class(ByteSet* set) {
    ++i_;  // '['
    if (i_ >= end_ || p_[i_] == '^' || p_[i_] == ']') return false;
    while (i_ < end_ && p_[i_] != ']') {
      if (p_[i_] == '\\' && i_ + 1 < end_ && (p_[i_ + 1] == 'd' || p_[i_ + 1] == 'w')) {
        AddPerlClass(*set, p_[i_ + 1]);
        i_ += 2;
        if (i_ < end_ && p_[i_] == '-' && i_ + 1 < end_ && p_[i_ + 1] != ']') return false;
        continue;
      }
      char lo;
      if (!ClassChar(&lo)) return false;
      char hi = lo;
      if (i_ + 1 < end_ && p_[i_] == '-' && p_[i_ + 1] != ']') {
        ++i_;
        if (!ClassChar(&hi) || hi < lo) return false;
        // "a-b-c": left to RE2.
        if (i_ + 1 < end_ && p_[i_] == '-' && p_[i_ + 1] != ']') return false;
      }
      AddRange(*set, static_cast<unsigned char>(lo), static_cast<unsigned char>(hi));
    }
    if (i_ >= end_) return false;
    ++i_;  // ']'
    return true;
  }

  std::string_view p_;
  size_t i_;
  size_t end_;
};

// A Thompson NFA: each state has byte-set edges and epsilon edges.
class Nfa {
 public:
  struct State {
    std::vector<std::pair<int, int>> edges;  // (set index, target)
    std::vector<int> eps;
  };

  int New() {
    states_.emplace_back();
    return static_cast<int>(states_.size()) - 1;
  }
  bool too_big() const { return states_.size() > kMaxNfaStates; }

  // Adds the states matching e from state in; returns the state where they end, or -1
  // if the automaton grew too big.
  int Emit(const Expr& e, int in) {
    if (too_big()) return -1;
    switch (e.kind) {
      case Expr::kSet: {
        int out = New();
        states_[in].edges.emplace_back(SetIndex(e.set), out);
        return out;
      }
      case Expr::kCat: {
        int cur = in;
        for (const Expr& k : e.kids)
          if ((cur = Emit(k, cur)) < 0) return -1;
        return cur;
      }
      case Expr::kAlt: {
        if (e.kids.size() == 1) return Emit(e.kids[0], in);
        int out = New();
        for (const Expr& k : e.kids) {
          int k_in = New();
          states_[in].eps.push_back(k_in);
          int k_out = Emit(k, k_in);
          if (k_out < 0) return -1;
          states_[k_out].eps.push_back(out);
        }
        return out;
      }
      case Expr::kRepeat: {
        const Expr& body = e.kids[0];
        int cur = in;
        for (int k = 0; k < e.min; ++k)
          if ((cur = Emit(body, cur)) < 0) return -1;
        if (e.max == kUnbounded) {
          int loop = New();
          states_[cur].eps.push_back(loop);
          int body_out = Emit(body, loop);
          if (body_out < 0) return -1;
          states_[body_out].eps.push_back(loop);
          return loop;
        }
        if (e.max == e.min) return cur;
        int out = New();
        for (int k = e.min; k < e.max; ++k) {
          states_[cur].eps.push_back(out);
          if ((cur = Emit(body, cur)) < 0) return -1;
        }
        states_[cur].eps.push_back(out);
        return out;
      }
    }
    return -1;
  }

  const std::vector<State>& states() const { return states_; }
  const std::vector<ByteSet>& sets() const { return sets_; }

 private:
  int SetIndex(const ByteSet& s) {
    for (size_t i = 0; i < sets_.size(); ++i)
      if (sets_[i] == s) return static_cast<int>(i);
    sets_.push_back(s);
    return static_cast<int>(sets_.size()) - 1;
  }

  std::vector<State> states_;
  std::vector<ByteSet> sets_;
};

// Adds the epsilon closure of state s to the marked set.
void Close(const Nfa& nfa, int s, std::vector<char>& marked, std::vector<int>& out) {
  std::vector<int> stack = {s};
  while (!stack.empty()) {
    int t = stack.back();
    stack.pop_back();
    if (marked[t]) continue;
    marked[t] = 1;
    out.push_back(t);
    for (int e : nfa.states()[t].eps) stack.push_back(e);
  }
}

}  // namespace

std::unique_ptr<ByteDfa> ByteDfa::Build(std::string_view p) {
  // Anchors: "^" first, "$" last (not escaped); anywhere else they are left to RE2.
  size_t begin = 0, end = p.size();
  bool anchored_start = false, anchored_end = false;
  if (begin < end && p[begin] == '^') {
    anchored_start = true;
    ++begin;
  }
  if (end > begin && p[end - 1] == '$') {
    size_t slashes = 0;
    for (size_t k = end - 1; k > begin && p[k - 1] == '\\'; --k) ++slashes;
    if (slashes % 2 == 0) {
      anchored_end = true;
      --end;
    }
  }
  Expr root;
  if (!Parser(p, begin, end).Parse(&root)) return nullptr;
  // "^a|b$" anchors each side of the alternation only: left to RE2.
  if ((anchored_start || anchored_end) && root.kids.size() > 1) return nullptr;

  Nfa nfa;
  int start = nfa.New();
  int final_state = nfa.Emit(root, start);
  if (final_state < 0 || nfa.too_big()) return nullptr;
  const size_t n = nfa.states().size();

  auto dfa = std::unique_ptr<ByteDfa>(new ByteDfa());

  // Classes of bytes that every set either holds all of or none of.
  uint32_t classes = 1;
  std::vector<int> cls(256, 0);
  for (const ByteSet& s : nfa.sets()) {
    std::map<std::pair<int, bool>, int> split;
    uint32_t next = 0;
    std::vector<int> refined(256);
    for (int b = 0; b < 256; ++b) {
      auto key = std::make_pair(cls[b], static_cast<bool>(s[b]));
      auto it = split.find(key);
      if (it == split.end()) it = split.emplace(key, static_cast<int>(next++)).first;
      refined[b] = it->second;
    }
    cls = std::move(refined);
    classes = next;
  }
  std::vector<int> representative(classes, -1);
  for (int b = 0; b < 256; ++b)
    if (representative[cls[b]] < 0) representative[cls[b]] = b;

  // Subset construction. Unanchored at the start, every step may also begin a match.
  std::vector<char> marked(n, 0);
  std::vector<int> start_closure;
  Close(nfa, start, marked, start_closure);
  std::map<std::vector<int>, uint32_t> ids;
  std::vector<std::vector<int>> sets;
  auto intern = [&](std::vector<int> set) -> int64_t {
    std::sort(set.begin(), set.end());
    auto it = ids.find(set);
    if (it != ids.end()) return it->second;
    if (sets.size() >= kMaxDfaStates) return -1;
    uint32_t id = static_cast<uint32_t>(sets.size());
    ids.emplace(set, id);
    sets.push_back(std::move(set));
    return id;
  };
  intern({});  // kDead
  {
    std::vector<int> s = start_closure;
    dfa->start_ = static_cast<uint32_t>(intern(std::move(s)));
  }
  std::vector<uint32_t> by_class;  // [state * classes + class]: the next state
  for (size_t d = 0; d < sets.size(); ++d) {
    for (uint32_t c = 0; c < classes; ++c) {
      const int b = representative[c];
      std::fill(marked.begin(), marked.end(), 0);
      std::vector<int> next;
      if (!anchored_start)
        for (int s : start_closure) Close(nfa, s, marked, next);
      for (int s : sets[d])
        for (const auto& [set, target] : nfa.states()[s].edges)
          if (nfa.sets()[set][b]) Close(nfa, target, marked, next);
      int64_t id = intern(std::move(next));
      if (id < 0) return nullptr;
      by_class.push_back(static_cast<uint32_t>(id));
    }
  }
  const size_t states = sets.size();
  std::vector<char> accepting(states, 0);
  for (size_t d = 0; d < states; ++d)
    for (int s : sets[d])
      if (s == final_state) accepting[d] = 1;
  // Unanchored at the end, a match anywhere settles it: accepting states keep
  // themselves, as the dead state does.
  if (!anchored_end)
    for (size_t d = 0; d < states; ++d)
      if (accepting[d])
        for (uint32_t c = 0; c < classes; ++c) by_class[d * classes + c] = static_cast<uint32_t>(d);

  // The table of pairs: classes (and the pad class) rounded up to a power of two, squared.
  uint32_t bits = 0;
  while ((1u << bits) < classes + 1) ++bits;
  const uint32_t width = 1u << bits;  // classes a state, rounded up
  const uint32_t shift = 2 * bits;
  if ((states << shift) > kMaxTableEntries) return nullptr;
  const uint32_t pad = classes;
  auto step = [&](uint32_t d, uint32_t c) { return c == pad ? d : by_class[d * classes + c]; };
  dfa->bits_ = bits;
  dfa->shift_ = shift;
  dfa->pad_ = pad;
  for (int b = 0; b < 256; ++b) dfa->class_of_[b] = static_cast<uint8_t>(cls[b]);
  dfa->next_.assign(states << shift, 0);
  for (uint32_t d = 0; d < states; ++d)
    for (uint32_t c0 = 0; c0 <= pad; ++c0)
      for (uint32_t c1 = 0; c1 <= pad; ++c1)
        dfa->next_[(d << shift) + c0 * width + c1] =
            static_cast<uint16_t>(step(step(d, c0), c1) << shift);
  dfa->start_ = dfa->start_ << shift;
  dfa->accepting_ = std::move(accepting);
  return dfa;
}

}  // namespace comply::schema::internal
