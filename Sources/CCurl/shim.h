#ifndef MAESTRO_CCURL_SHIM_H
#define MAESTRO_CCURL_SHIM_H

// libcurl (Debian libcurl4-openssl-dev) for the S3 client: HTTP(S), TLS and
// Signature V4 (CURLOPT_AWS_SIGV4). curl_easy_setopt and curl_easy_getinfo
// are variadic, which Swift cannot call; these typed wrappers can be.
#include <curl/curl.h>

typedef size_t (*maestro_curl_data_callback)(char *buffer, size_t size, size_t count, void *context);

static inline CURLcode maestro_curl_global_init(void) { return curl_global_init(CURL_GLOBAL_DEFAULT); }

static inline CURLcode maestro_curl_set_long(CURL *handle, CURLoption option, long value) {
  return curl_easy_setopt(handle, option, value);
}

static inline CURLcode maestro_curl_set_offset(CURL *handle, CURLoption option, curl_off_t value) {
  return curl_easy_setopt(handle, option, value);
}

static inline CURLcode maestro_curl_set_string(CURL *handle, CURLoption option, const char *value) {
  return curl_easy_setopt(handle, option, value);
}

static inline CURLcode maestro_curl_set_pointer(CURL *handle, CURLoption option, void *value) {
  return curl_easy_setopt(handle, option, value);
}

static inline CURLcode maestro_curl_set_list(CURL *handle, CURLoption option, struct curl_slist *value) {
  return curl_easy_setopt(handle, option, value);
}

static inline CURLcode maestro_curl_set_callback(CURL *handle, CURLoption option, maestro_curl_data_callback value) {
  return curl_easy_setopt(handle, option, value);
}

static inline CURLcode maestro_curl_response_code(CURL *handle, long *code) {
  return curl_easy_getinfo(handle, CURLINFO_RESPONSE_CODE, code);
}

#endif
