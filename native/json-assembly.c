/*
 * The last step of collect --json and show --json: JSON text from tokens
 * (src/render/json-tokens.ts, whose JavaScript twin assembleJsonTokens does the same).
 *
 * JavaScript turns each record into tokens, each a double: an integer >= 0 stands for
 * itself, written in decimal; -(i + 1) stands for piece i, a JSON text JavaScript made
 * (JSON.stringify of a string, a key with its punctuation, `null`...). The pieces live here,
 * in the assembler, added as they first occur: a text of pieces each ending with '\n'
 * (JSON.stringify never writes a raw line feed, nor do the keys). Why: at 50,000 sockets
 * the JSON (30 MB) is written on the one core left busy after the fd scan; JSON.stringify
 * took 85-99 ms of it, the tokens and this assembly 59-72 ms (7 fresh processes each).
 *
 *   pieces "{\"port\":\n,\"name\":\n\"ssh\"\n}\n", tokens [-1, 22, -2, -3, -4]
 *   -> {"port":22,"name":"ssh"}
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "addon.h"

/* Marks an assembler: another addon's external passed instead is refused, not read as one. */
#define ASSEMBLER_MAGIC 0x6a736f6e61736d31ULL /* "jsonasm1" */

typedef struct {
  unsigned long long magic;
  growable_bytes text;  /* every piece, back to back */
  size_t *starts;       /* piece i is text[starts[i], starts[i + 1]) */
  size_t count, capacity;
} json_assembler;

static void free_assembler(napi_env env, void *data, void *hint) {
  json_assembler *assembler = data;
  free(assembler->text.data);
  free(assembler->starts);
  free(assembler);
}

/* createJsonAssembler(): an assembler with no pieces yet. */
napi_value create_json_assembler(napi_env env, napi_callback_info info) {
  json_assembler *assembler = calloc(1, sizeof *assembler);
  napi_value result;
  if (assembler == NULL || (assembler->starts = malloc(sizeof(size_t))) == NULL) {
    free(assembler);
    napi_throw_error(env, "ENOMEM", "out of memory for the JSON assembler");
    return NULL;
  }
  assembler->magic = ASSEMBLER_MAGIC;
  assembler->starts[0] = 0;
  assembler->capacity = 1;
  if (napi_create_external(env, assembler, free_assembler, NULL, &result) != napi_ok) {
    free_assembler(env, assembler, NULL);
    return NULL;
  }
  return result;
}

/* Adds the '\n'-terminated pieces of `value` (a string); 0 after throwing. */
static int add_pieces(napi_env env, json_assembler *assembler, napi_value value) {
  size_t length;
  if (napi_get_value_string_utf8(env, value, NULL, 0, &length) != napi_ok) {
    napi_throw_type_error(env, NULL, "assembleJson: pieces must be a string");
    return 0;
  }
  if (length == 0) return 1;
  growable_bytes *text = &assembler->text;
  if (!reserve_bytes(text, length + 1)) {
    napi_throw_error(env, "ENOMEM", "out of memory for JSON pieces");
    return 0;
  }
  size_t first = text->length;
  napi_get_value_string_utf8(env, value, (char *)text->data + first, length + 1, &length);
  if (text->data[first + length - 1] != '\n') {
    napi_throw_range_error(env, NULL, "assembleJson: pieces must end with a line feed");
    return 0;
  }
  /* each line feed ends a piece: the pieces' text is kept without them */
  size_t kept = first;
  for (size_t at = first; at < first + length; at++) {
    unsigned char byte = text->data[at];
    if (byte != '\n') {
      text->data[kept++] = byte;
      continue;
    }
    if (assembler->count + 2 > assembler->capacity) {
      size_t wanted = assembler->capacity * 2 + 64;
      size_t *grown = realloc(assembler->starts, wanted * sizeof(size_t));
      if (grown == NULL) {
        text->length = kept; /* the pieces counted so far, and no more */
        napi_throw_error(env, "ENOMEM", "out of memory for JSON pieces");
        return 0;
      }
      assembler->starts = grown;
      assembler->capacity = wanted;
    }
    assembler->starts[++assembler->count] = kept;
  }
  text->length = kept;
  return 1;
}

/* Decimal digits of an integer below 2^53, written backwards from `end`; returns the start. */
static char *format_integer(uint64_t value, char *end) {
  do {
    *--end = (char)('0' + value % 10);
    value /= 10;
  } while (value != 0);
  return end;
}

/*
 * Writes the JSON of tokens[0, count) into out (as much as fits); the bytes it needs in
 * *needed. NULL, or what is wrong with a token.
 */
static const char *assemble_tokens(const json_assembler *assembler, const double *tokens, uint32_t count, unsigned char *out, size_t out_length, size_t *needed) {
  const unsigned char *text = assembler->text.data;
  const size_t *starts = assembler->starts;
  size_t written = 0;
  char digits[24];
  for (uint32_t i = 0; i < count; i++) {
    double token = tokens[i];
    const void *source;
    size_t size;
    if (token < 0) {
      double index = -token - 1;
      if (!(index < (double)assembler->count) || index != (double)(size_t)index) return "assembleJson: a token names no piece";
      size_t piece = (size_t)index;
      source = text + starts[piece];
      size = starts[piece + 1] - starts[piece];
    } else {
      if (!(token <= 9007199254740991.0) || token != (double)(uint64_t)token) return "assembleJson: an integer token is not a safe integer";
      char *first = format_integer((uint64_t)token, digits + sizeof digits);
      source = first;
      size = (size_t)(digits + sizeof digits - first);
    }
    if (size != 0 && written + size <= out_length) memcpy(out + written, source, size);
    written += size;
  }
  *needed = written;
  return NULL;
}

/*
 * assembleJson(assembler, pieces, tokens, count, out): adds `pieces` (new pieces, each
 * ending with '\n'; '' for none), then writes the JSON of tokens[0, count) into `out`.
 * Returns the bytes written, or, when `out` is too small, minus the bytes it needs (out's
 * content is then unspecified; the pieces stay added).
 */
napi_value assemble_json(napi_env env, napi_callback_info info) {
  size_t argc = 5, tokens_length, out_length;
  napi_value argv[5], result;
  void *external, *tokens_data, *out_data;
  napi_typedarray_type tokens_type, out_type;
  uint32_t count;
  if (napi_get_cb_info(env, info, &argc, argv, NULL, NULL) != napi_ok || argc < 5 || napi_get_value_external(env, argv[0], &external) != napi_ok ||
      external == NULL || ((json_assembler *)external)->magic != ASSEMBLER_MAGIC ||
      napi_get_typedarray_info(env, argv[2], &tokens_type, &tokens_length, &tokens_data, NULL, NULL) != napi_ok || tokens_type != napi_float64_array ||
      napi_get_value_uint32(env, argv[3], &count) != napi_ok || count > tokens_length ||
      napi_get_typedarray_info(env, argv[4], &out_type, &out_length, &out_data, NULL, NULL) != napi_ok || out_type != napi_uint8_array) {
    napi_throw_type_error(env, NULL, "assembleJson(assembler, pieces, tokens: Float64Array, count, out: Uint8Array)");
    return NULL;
  }
  json_assembler *assembler = external;
  if (!add_pieces(env, assembler, argv[1])) return NULL;
  size_t needed;
  const char *problem = assemble_tokens(assembler, tokens_data, count, out_data, out_length, &needed);
  if (problem != NULL) {
    napi_throw_range_error(env, NULL, problem);
    return NULL;
  }
  napi_create_double(env, needed <= out_length ? (double)needed : -(double)needed, &result);
  return result;
}
