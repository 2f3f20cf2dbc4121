#ifndef MAESTRO_CCRYPTO_SHIM_H
#define MAESTRO_CCRYPTO_SHIM_H

// The system's libcrypto (OpenSSL 3, Debian libssl-dev) for SHA-256: Linux
// Foundation has none, and swift-crypto would add a long first build to
// every CI run for one hash function.
#include <openssl/evp.h>

#endif
