// SHA-256 from OpenSSL, its implementation looked up once per process.
#pragma once
#include "core/no_postgres.h"

#include <openssl/evp.h>

namespace comply {

// OpenSSL 3 looks the digest that EVP_sha256() names up again in its provider store at
// every EVP_Digest or EVP_DigestInit_ex (an "implicit fetch", with its locks): several
// thousand instructions a call, more than hashing a ledger entry itself (the sealer made
// two such calls an entry). A digest fetched explicitly, once, is used as it is. Never
// freed: it lives as long as the process. (Before OpenSSL 3 there is nothing to fetch.)
inline const EVP_MD* Sha256Md() {
#if OPENSSL_VERSION_NUMBER >= 0x30000000L
  static const EVP_MD* const md = [] {
    const EVP_MD* fetched = EVP_MD_fetch(nullptr, "SHA256", nullptr);
    return fetched ? fetched : EVP_sha256();
  }();
  return md;
#else
  return EVP_sha256();
#endif
}

}  // namespace comply
