/*
 * set-hash: LtHash16 updates (src/store/set-hash.ts) in C, the hot loop of verify.
 *
 * Why: verify adds every socket version of a history to the set hash when it opens and
 * subtracts it when it closes (a year of a 10,000-socket host: about a million updates).
 * Each update expands the element to 2048 bytes with SHAKE256 and adds 1024 lanes. In
 * JavaScript, createHash() with its objects and buffers made that about 8 us per element,
 * most of it allocation and call overhead, and garbage collection besides; here one call
 * does all of a snapshot's updates with one OpenSSL context. The JavaScript class is the
 * twin (used without the addon); test/store/set-hash.test.ts holds the two equal.
 *
 * JavaScript API:
 *   ltHashUpdate(state: Uint8Array, added: string, removed: string) -> undefined
 * `state` is 2048 bytes, 1024 little-endian 16-bit lanes, updated in place. `added` and
 * `removed` are elements separated by '\n' ("" for none), each expanded as
 * SHAKE256("sockaudit-lthash16-element-v1\0" || UTF-8 of the element, 2048 bytes), read as
 * little-endian lanes, and added to / subtracted from the state modulo 2^16.
 */
#include <openssl/evp.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "addon.h"

#define STATE_BYTES 2048
#define LANES (STATE_BYTES / 2)

static const char ELEMENT_TAG[] = "sockaudit-lthash16-element-v1"; /* hashed with its '\0' */

/* Fetched once: this runs on the JavaScript thread only (a synchronous call). */
static EVP_MD *shake256;
static EVP_MD_CTX *context;

static int expand(const char *element, size_t length, unsigned char *out) {
  return EVP_DigestInit_ex(context, shake256, NULL) == 1 && EVP_DigestUpdate(context, ELEMENT_TAG, sizeof ELEMENT_TAG) == 1 &&
         EVP_DigestUpdate(context, element, length) == 1 && EVP_DigestFinalXOF(context, out, STATE_BYTES) == 1;
}

/* Applies every '\n'-separated element of text to the lanes, with sign +1 or -1. */
static int apply(uint16_t *lanes, const char *text, size_t length, int sign) {
  unsigned char expanded[STATE_BYTES];
  size_t start = 0;
  while (start < length) {
    const char *newline = memchr(text + start, '\n', length - start);
    size_t end = newline == NULL ? length : (size_t)(newline - text);
    if (!expand(text + start, end - start, expanded)) return 0;
    for (size_t i = 0; i < LANES; i++) {
      uint16_t lane = (uint16_t)(expanded[2 * i] | (expanded[2 * i + 1] << 8));
      lanes[i] = (uint16_t)(sign > 0 ? lanes[i] + lane : lanes[i] - lane);
    }
    start = end + 1;
  }
  return 1;
}

static char *string_argument(napi_env env, napi_value value, size_t *length) {
  if (napi_get_value_string_utf8(env, value, NULL, 0, length) != napi_ok) return NULL;
  char *text = malloc(*length + 1);
  size_t copied = 0;
  if (text != NULL && napi_get_value_string_utf8(env, value, text, *length + 1, &copied) == napi_ok && copied == *length) return text;
  free(text);
  return NULL;
}

napi_value lthash_update(napi_env env, napi_callback_info info) {
  size_t argc = 3, byte_length = 0, offset = 0, added_length = 0, removed_length = 0;
  napi_value argv[3], buffer;
  napi_typedarray_type type;
  void *data = NULL;
  bool is_typedarray = false;
  if (napi_get_cb_info(env, info, &argc, argv, NULL, NULL) != napi_ok || argc < 3 || napi_is_typedarray(env, argv[0], &is_typedarray) != napi_ok ||
      !is_typedarray || napi_get_typedarray_info(env, argv[0], &type, &byte_length, &data, &buffer, &offset) != napi_ok ||
      type != napi_uint8_array || byte_length != STATE_BYTES) {
    napi_throw_type_error(env, NULL, "ltHashUpdate(state, added, removed): a 2048-byte Uint8Array and two strings expected");
    return NULL;
  }
  if (shake256 == NULL) shake256 = EVP_MD_fetch(NULL, "SHAKE256", NULL);
  if (context == NULL) context = EVP_MD_CTX_new();
  char *added = string_argument(env, argv[1], &added_length);
  char *removed = added == NULL ? NULL : string_argument(env, argv[2], &removed_length);
  /* lanes are little-endian in the state; work on a host-order copy */
  uint16_t lanes[LANES];
  const unsigned char *bytes = data;
  for (size_t i = 0; i < LANES; i++) lanes[i] = (uint16_t)(bytes[2 * i] | (bytes[2 * i + 1] << 8));
  int ok = shake256 != NULL && context != NULL && added != NULL && removed != NULL && apply(lanes, added, added_length, 1) &&
           apply(lanes, removed, removed_length, -1);
  free(added);
  free(removed);
  if (!ok) {
    napi_throw_error(env, NULL, "ltHashUpdate: bad arguments, out of memory, or SHAKE256 unavailable");
    return NULL;
  }
  unsigned char *out = data;
  for (size_t i = 0; i < LANES; i++) {
    out[2 * i] = (unsigned char)(lanes[i] & 0xff);
    out[2 * i + 1] = (unsigned char)(lanes[i] >> 8);
  }
  return NULL;
}
