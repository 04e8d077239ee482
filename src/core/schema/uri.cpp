// RFC 3986 reference resolution, used to track base URIs ($id) and resolve $ref.
#include <string>
#include <string_view>

#include "core/schema/internal.h"

namespace comply::schema::internal {
namespace {

struct UriParts {
  std::string_view scheme, authority, path, query, fragment;
  bool has_scheme = false, has_authority = false, has_query = false, has_fragment = false;
};

// Splits s into its five components (RFC 3986 appendix B).
UriParts Split(std::string_view s) {
  UriParts u;
  size_t hash = s.find('#');
  if (hash != std::string_view::npos) {
    u.has_fragment = true;
    u.fragment = s.substr(hash + 1);
    s = s.substr(0, hash);
  }
  size_t q = s.find('?');
  if (q != std::string_view::npos) {
    u.has_query = true;
    u.query = s.substr(q + 1);
    s = s.substr(0, q);
  }
  size_t colon = s.find(':');
  if (colon != std::string_view::npos && colon > 0 && s.find('/') > colon) {
    bool ok = true;
    for (size_t i = 0; i < colon; ++i) {
      char c = s[i];
      bool alpha = (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z');
      if (!(alpha || (i > 0 && ((c >= '0' && c <= '9') || c == '+' || c == '-' || c == '.'))))
        ok = false;
    }
    if (ok) {
      u.has_scheme = true;
      u.scheme = s.substr(0, colon);
      s = s.substr(colon + 1);
    }
  }
  if (s.substr(0, 2) == "//") {
    u.has_authority = true;
    size_t slash = s.find('/', 2);
    u.authority = s.substr(2, slash == std::string_view::npos ? s.npos : slash - 2);
    s = slash == std::string_view::npos ? std::string_view() : s.substr(slash);
  }
  u.path = s;
  return u;
}

// Removes "." and ".." segments (RFC 3986 section 5.2.4).
std::string RemoveDots(std::string_view in) {
  std::string out;
  while (!in.empty()) {
    if (in.substr(0, 3) == "../") {
      in.remove_prefix(3);
    } else if (in.substr(0, 2) == "./") {
      in.remove_prefix(2);
    } else if (in.substr(0, 3) == "/./") {
      in.remove_prefix(2);
    } else if (in == "/.") {
      in = "/";
    } else if (in.substr(0, 4) == "/../" || in == "/..") {
      in = in.size() == 3 ? std::string_view("/") : in.substr(3);
      size_t last = out.rfind('/');
      out.resize(last == std::string::npos ? 0 : last);
    } else if (in == "." || in == "..") {
      in = {};
    } else {
      size_t next = in.find('/', 1);
      if (next == std::string_view::npos) next = in.size();
      out.append(in.substr(0, next));
      in.remove_prefix(next);
    }
  }
  return out;
}

}  // namespace

// Resolves reference against base (RFC 3986 section 5.2.2).
std::string NormalizeUri(std::string_view uri) {
  auto hex = [](char c) -> int {
    if (c >= '0' && c <= '9') return c - '0';
    if (c >= 'a' && c <= 'f') return c - 'a' + 10;
    if (c >= 'A' && c <= 'F') return c - 'A' + 10;
    return -1;
  };
  auto lower = [](std::string_view s) {
    std::string out(s);
    for (char& c : out)
      if (c >= 'A' && c <= 'Z') c = static_cast<char>(c | 0x20);
    return out;
  };
  // Percent-encodings: an unreserved character decoded, the others' hex in capitals.
  auto escapes = [&](std::string_view s) {
    std::string out;
    for (size_t i = 0; i < s.size(); ++i) {
      if (s[i] == '%' && i + 2 < s.size() && hex(s[i + 1]) >= 0 && hex(s[i + 2]) >= 0) {
        const char c = static_cast<char>(hex(s[i + 1]) * 16 + hex(s[i + 2]));
        const bool unreserved = (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') ||
                                (c >= '0' && c <= '9') || c == '-' || c == '.' || c == '_' || c == '~';
        if (unreserved) {
          out += c;
        } else {
          static const char kHex[] = "0123456789ABCDEF";
          out += '%';
          out += kHex[(c >> 4) & 15];
          out += kHex[c & 15];
        }
        i += 2;
      } else {
        out += s[i];
      }
    }
    return out;
  };
  const UriParts u = Split(uri);
  std::string out;
  std::string scheme;
  if (u.has_scheme) {
    scheme = lower(u.scheme);
    out += scheme + ":";
  }
  if (u.has_authority) {
    std::string_view auth = u.authority;
    std::string userinfo;
    const size_t at = auth.rfind('@');
    if (at != std::string_view::npos) {
      userinfo = escapes(auth.substr(0, at + 1));
      auth = auth.substr(at + 1);
    }
    // The port follows the last ':' after an IPv6 literal's ']'.
    const size_t bracket = auth.rfind(']');
    const size_t colon = auth.rfind(':');
    std::string_view host = auth, port;
    bool has_port = false;
    if (colon != std::string_view::npos && (bracket == std::string_view::npos || colon > bracket)) {
      host = auth.substr(0, colon);
      port = auth.substr(colon + 1);
      has_port = true;
    }
    out += "//" + userinfo + lower(escapes(host));
    const bool default_port = (scheme == "http" && port == "80") || (scheme == "https" && port == "443");
    if (has_port && !port.empty() && !default_port) out += ":" + std::string(port);
  }
  out += escapes(u.path);
  if (u.has_query) out += "?" + escapes(u.query);
  if (u.has_fragment) out += "#" + escapes(u.fragment);
  return out;
}

std::string ResolveUri(std::string_view base, std::string_view reference) {
  UriParts r = Split(reference);
  UriParts b = Split(base);
  std::string scheme, authority, path, query;
  bool has_authority = false, has_query = false;
  if (r.has_scheme) {
    scheme = r.scheme;
    has_authority = r.has_authority;
    authority = r.authority;
    path = RemoveDots(r.path);
    has_query = r.has_query;
    query = r.query;
  } else {
    scheme = b.scheme;
    if (r.has_authority) {
      has_authority = true;
      authority = r.authority;
      path = RemoveDots(r.path);
      has_query = r.has_query;
      query = r.query;
    } else {
      has_authority = b.has_authority;
      authority = b.authority;
      if (r.path.empty()) {
        path = std::string(b.path);
        has_query = r.has_query || b.has_query;
        query = r.has_query ? r.query : b.query;
      } else {
        if (r.path[0] == '/') {
          path = RemoveDots(r.path);
        } else {
          std::string merged;
          if (b.has_authority && b.path.empty()) {
            merged = "/" + std::string(r.path);
          } else {
            size_t slash = b.path.rfind('/');
            merged = slash == std::string_view::npos
                         ? std::string(r.path)
                         : std::string(b.path.substr(0, slash + 1)) + std::string(r.path);
          }
          path = RemoveDots(merged);
        }
        has_query = r.has_query;
        query = r.query;
      }
    }
  }
  std::string out;
  if (!scheme.empty()) {
    out += scheme;
    out += ':';
  }
  if (has_authority) {
    out += "//";
    out += authority;
  }
  out += path;
  if (has_query) {
    out += '?';
    out += query;
  }
  if (r.has_fragment) {
    out += '#';
    out.append(r.fragment);
  }
  return out;
}

}  // namespace comply::schema::internal
