/*
 * digest: the version digests of a whole snapshot (versionDigest in
 * src/store/canonical-socket.ts) in one call, computed off the JavaScript thread.
 *
 * Why: a snapshot hashes the canonical string of every socket to compare it with the open
 * versions. Built and hashed one by one, that took 2-3 us per socket of the JavaScript
 * thread (10,000 sockets: 25 ms), most of it the cost of 10,000 calls rather than of the
 * work. Here JavaScript makes one JSON.stringify over a run of sockets' canonical arrays,
 * and this file splits that text into its elements (each one exactly a socket's
 * canonical string) and hashes them on a pool thread, while the JavaScript thread writes
 * the next run.
 *
 * JavaScript API (see src/store/version-digests.ts):
 *   digestJsonElements(json: string) -> Promise<string>
 * `json` is a JSON array of arrays as JSON.stringify writes it (no white space). Resolves
 * to the digest of every element's text, 16 characters each, back to back: base64url of
 * the first 12 bytes of SHA-256 over the element's UTF-8, exactly what
 * crypto.hash('sha256', text, 'base64url').slice(0, 16) gives (a lone surrogate becomes
 * U+FFFD in both, as V8 encodes strings to UTF-8). SHA-256 is OpenSSL's, the copy inside
 * Node, which addons may link to (Node's documentation, "Linking to libraries included
 * with Node.js").
 */
#define _GNU_SOURCE /* qsort_r */
#include <openssl/evp.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "addon.h"

#define DIGEST_CHARS 16 /* 12 bytes of SHA-256 in base64url */

typedef struct {
  growable_bytes json; /* the array's UTF-8 */
  char *digests;       /* DIGEST_CHARS per element */
  size_t count;
  int failed;
  napi_async_work work;
  napi_deferred deferred;
} digest_job;

static const char BASE64URL[] = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_";

/* 12 bytes -> 16 base64url characters (12 is a multiple of 3: no padding). */
static void encode_base64url_12(const unsigned char *bytes, char *out) {
  for (int i = 0; i < 12; i += 3) {
    uint32_t group = ((uint32_t)bytes[i] << 16) | ((uint32_t)bytes[i + 1] << 8) | bytes[i + 2];
    *out++ = BASE64URL[(group >> 18) & 63];
    *out++ = BASE64URL[(group >> 12) & 63];
    *out++ = BASE64URL[(group >> 6) & 63];
    *out++ = BASE64URL[group & 63];
  }
}

/*
 * The next element of a JSON array of arrays, from `at` (just past '[' or ','): sets
 * *end past its closing ']' and returns 1; 0 when the text is not such an array.
 * Strings are skipped whole, escapes included, so brackets inside them do not count.
 */
static int next_element(const unsigned char *text, size_t length, size_t at, size_t *end) {
  if (at >= length || text[at] != '[') return 0;
  int depth = 0;
  for (size_t i = at; i < length; i++) {
    unsigned char c = text[i];
    if (c == '"') {
      for (i++; i < length && text[i] != '"'; i++)
        if (text[i] == '\\') i++;
      if (i >= length) return 0;
    } else if (c == '[') {
      depth++;
    } else if (c == ']' && --depth == 0) {
      *end = i + 1;
      return 1;
    }
  }
  return 0;
}

/* One context and one fetched algorithm for every element: EVP_Digest() would set up a
   context and look SHA-256 up in OpenSSL's providers again for each. */
static int add_digest(digest_job *job, EVP_MD_CTX *context, const EVP_MD *sha256, const unsigned char *text, size_t length, size_t *capacity) {
  if (job->count == *capacity) {
    size_t wanted = *capacity == 0 ? 1024 : *capacity * 2;
    char *grown = realloc(job->digests, wanted * DIGEST_CHARS);
    if (grown == NULL) return 0;
    job->digests = grown;
    *capacity = wanted;
  }
  unsigned char digest[EVP_MAX_MD_SIZE];
  unsigned int digest_length = 0;
  if (EVP_DigestInit_ex(context, sha256, NULL) != 1 || EVP_DigestUpdate(context, text, length) != 1 ||
      EVP_DigestFinal_ex(context, digest, &digest_length) != 1 || digest_length < 12)
    return 0;
  encode_base64url_12(digest, job->digests + job->count * DIGEST_CHARS);
  job->count++;
  return 1;
}

/* Splits the array into its elements and hashes each; 0 when the text is not such an array. */
static int digest_elements(digest_job *job, EVP_MD_CTX *context, const EVP_MD *sha256) {
  const unsigned char *text = job->json.data;
  size_t length = job->json.length, capacity = 0;
  if (length < 2 || text[0] != '[' || text[length - 1] != ']') return 0;
  if (length == 2) return 1; /* [] */
  for (size_t at = 1;;) {
    size_t end = 0;
    if (!next_element(text, length, at, &end) || !add_digest(job, context, sha256, text + at, end - at, &capacity)) return 0;
    if (end == length - 1) return 1; /* the array's closing ']' */
    if (text[end] != ',') return 0;
    at = end + 1;
  }
}

static void execute_digests(napi_env env, void *data) {
  (void)env;
  digest_job *job = data;
  EVP_MD *sha256 = EVP_MD_fetch(NULL, "SHA256", NULL);
  EVP_MD_CTX *context = EVP_MD_CTX_new();
  job->failed = sha256 == NULL || context == NULL || !digest_elements(job, context, sha256);
  EVP_MD_CTX_free(context);
  EVP_MD_free(sha256);
}

static void free_digest_job(digest_job *job) {
  free(job->json.data);
  free(job->digests);
  free(job);
}

static void complete_digests(napi_env env, napi_status status, void *data) {
  digest_job *job = data;
  napi_value result, message;
  if (status == napi_ok && !job->failed &&
      napi_create_string_latin1(env, job->digests == NULL ? "" : job->digests, job->count * DIGEST_CHARS, &result) == napi_ok) {
    napi_resolve_deferred(env, job->deferred, result);
  } else {
    napi_create_string_utf8(env, "digestJsonElements: not a JSON array of arrays, or hashing failed", NAPI_AUTO_LENGTH, &message);
    napi_create_error(env, NULL, message, &result);
    napi_reject_deferred(env, job->deferred, result);
  }
  napi_delete_async_work(env, job->work);
  free_digest_job(job);
}

napi_value digest_json_elements(napi_env env, napi_callback_info info) {
  size_t argc = 1, length = 0, copied = 0;
  napi_value argv[1];
  if (napi_get_cb_info(env, info, &argc, argv, NULL, NULL) != napi_ok || argc < 1 ||
      napi_get_value_string_utf8(env, argv[0], NULL, 0, &length) != napi_ok) {
    napi_throw_type_error(env, NULL, "digestJsonElements(json): a string expected");
    return NULL;
  }
  digest_job *job = calloc(1, sizeof *job);
  if (job == NULL || !reserve_bytes(&job->json, length + 1)) goto out_of_memory;
  if (napi_get_value_string_utf8(env, argv[0], (char *)job->json.data, length + 1, &copied) != napi_ok || copied != length) goto out_of_memory;
  job->json.length = length;
  napi_value promise, name;
  if (napi_create_promise(env, &job->deferred, &promise) != napi_ok ||
      napi_create_string_utf8(env, "sockaudit:digest", NAPI_AUTO_LENGTH, &name) != napi_ok ||
      napi_create_async_work(env, NULL, name, execute_digests, complete_digests, job, &job->work) != napi_ok ||
      napi_queue_async_work(env, job->work) != napi_ok) {
    free_digest_job(job);
    napi_throw_error(env, NULL, "digestJsonElements: cannot start hashing");
    return NULL;
  }
  return promise;

out_of_memory:
  if (job != NULL) free_digest_job(job);
  napi_throw_error(env, NULL, "digestJsonElements: out of memory");
  return NULL;
}

/*
 * matchDigests(current: string, open: string)
 *   -> { sortedCurrent: string, unmatched: Int32Array, vanished: Int32Array }
 * Both arguments are 16-character digests back to back: the collected sockets' (in
 * socket order) and the host's open versions' (in row order). Equal digests pair up one
 * to one, as matchOpenVersions in src/store/write-snapshot.ts pairs them: `unmatched`
 * holds the positions of current digests left without a partner (new or changed
 * sockets), `vanished` those of open ones (versions to close), both ascending.
 * `sortedCurrent` is the current digests sorted and joined with '\n', as the snapshot's
 * content hash takes them (snapshotHash). Digests are ASCII, so byte order is
 * JavaScript's string order. Synchronous: at 10,000 digests about 3 ms with the joins,
 * where the JavaScript map and sort took 9 in a snapshot.
 */
#define MATCH_WIDTH DIGEST_CHARS

static int compare_digests_at(const void *a, const void *b, void *text) {
  return memcmp((const char *)text + (size_t)*(const int32_t *)a * MATCH_WIDTH, (const char *)text + (size_t)*(const int32_t *)b * MATCH_WIDTH, MATCH_WIDTH);
}

static int compare_int32(const void *a, const void *b) {
  int32_t x = *(const int32_t *)a, y = *(const int32_t *)b;
  return (x > y) - (x < y);
}

/* Copies a string of 16-character digests; sets *count. NULL (and a type error thrown) if it is not one. */
static char *digest_text(napi_env env, napi_value value, size_t *count) {
  size_t length = 0, copied = 0;
  if (napi_get_value_string_latin1(env, value, NULL, 0, &length) != napi_ok || length % MATCH_WIDTH != 0) {
    napi_throw_type_error(env, NULL, "matchDigests(current, open): strings of 16-character digests expected");
    return NULL;
  }
  char *text = malloc(length + 1);
  if (text == NULL || napi_get_value_string_latin1(env, value, text, length + 1, &copied) != napi_ok || copied != length) {
    free(text);
    napi_throw_error(env, NULL, "matchDigests: out of memory");
    return NULL;
  }
  *count = length / MATCH_WIDTH;
  return text;
}

static int32_t *sorted_positions(const char *text, size_t count) {
  int32_t *positions = malloc((count > 0 ? count : 1) * sizeof *positions);
  if (positions == NULL) return NULL;
  for (size_t i = 0; i < count; i++) positions[i] = (int32_t)i;
  qsort_r(positions, count, sizeof *positions, compare_digests_at, (void *)text);
  return positions;
}

static napi_status int32_array(napi_env env, const int32_t *values, size_t count, napi_value *result) {
  void *data = NULL;
  napi_value buffer;
  napi_status status = napi_create_arraybuffer(env, count * sizeof(int32_t), &data, &buffer);
  if (status != napi_ok) return status;
  if (count > 0) memcpy(data, values, count * sizeof(int32_t));
  return napi_create_typedarray(env, napi_int32_array, count, buffer, 0, result);
}

napi_value match_digests(napi_env env, napi_callback_info info) {
  size_t argc = 2, current_count = 0, open_count = 0;
  napi_value argv[2], result = NULL;
  if (napi_get_cb_info(env, info, &argc, argv, NULL, NULL) != napi_ok || argc < 2) {
    napi_throw_type_error(env, NULL, "matchDigests(current, open): two strings expected");
    return NULL;
  }
  char *current = digest_text(env, argv[0], &current_count);
  if (current == NULL) return NULL;
  char *open = digest_text(env, argv[1], &open_count);
  int32_t *current_order = open == NULL ? NULL : sorted_positions(current, current_count);
  int32_t *open_order = open == NULL ? NULL : sorted_positions(open, open_count);
  int32_t *unmatched = malloc((current_count > 0 ? current_count : 1) * sizeof *unmatched);
  int32_t *vanished = malloc((open_count > 0 ? open_count : 1) * sizeof *vanished);
  char *lines = malloc(current_count * (MATCH_WIDTH + 1) + 1);
  if (open == NULL) goto done; /* its error is thrown already */
  if (current_order == NULL || open_order == NULL || unmatched == NULL || vanished == NULL || lines == NULL) {
    napi_throw_error(env, NULL, "matchDigests: out of memory");
    goto done;
  }
  size_t i = 0, j = 0, unmatched_count = 0, vanished_count = 0;
  while (i < current_count || j < open_count) {
    int order = i == current_count ? 1 : j == open_count ? -1
              : memcmp(current + (size_t)current_order[i] * MATCH_WIDTH, open + (size_t)open_order[j] * MATCH_WIDTH, MATCH_WIDTH);
    if (order == 0) {
      i++;
      j++;
    } else if (order < 0) {
      unmatched[unmatched_count++] = current_order[i++];
    } else {
      vanished[vanished_count++] = open_order[j++];
    }
  }
  qsort(unmatched, unmatched_count, sizeof *unmatched, compare_int32);
  qsort(vanished, vanished_count, sizeof *vanished, compare_int32);
  char *at = lines;
  for (size_t k = 0; k < current_count; k++) {
    if (k > 0) *at++ = '\n';
    memcpy(at, current + (size_t)current_order[k] * MATCH_WIDTH, MATCH_WIDTH);
    at += MATCH_WIDTH;
  }
  napi_value sorted, unmatched_array, vanished_array;
  if (napi_create_string_latin1(env, lines, (size_t)(at - lines), &sorted) != napi_ok ||
      int32_array(env, unmatched, unmatched_count, &unmatched_array) != napi_ok ||
      int32_array(env, vanished, vanished_count, &vanished_array) != napi_ok || napi_create_object(env, &result) != napi_ok ||
      napi_set_named_property(env, result, "sortedCurrent", sorted) != napi_ok ||
      napi_set_named_property(env, result, "unmatched", unmatched_array) != napi_ok ||
      napi_set_named_property(env, result, "vanished", vanished_array) != napi_ok) {
    result = NULL;
    napi_throw_error(env, NULL, "matchDigests: cannot build the result");
  }
done:
  free(current);
  free(open);
  free(current_order);
  free(open_order);
  free(unmatched);
  free(vanished);
  free(lines);
  return result;
}
