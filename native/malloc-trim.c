/*
 * malloc-trim: gives the C heap's free pages back to the kernel, for `sockaudit watch`
 * (src/watch/release-heap.ts says when and why, with the measurement).
 *
 * JavaScript API (see src/native/trim-malloc.ts):
 *   trimMalloc() -> boolean   true when glibc returned some memory to the kernel
 * glibc's malloc_trim(0) releases the free memory of every arena (the main one and the
 * per-thread ones: since glibc 2.8 also the free pages inside them, by madvise), not only
 * the top of the main heap as free() does by itself past M_TRIM_THRESHOLD. Other C
 * libraries (musl) have no such call: false, nothing done.
 */
#include <stdbool.h>
/* any C library header defines __GLIBC__ on glibc; stdbool.h is the compiler's and does not */
#include <stdlib.h>
#ifdef __GLIBC__
#include <malloc.h>
#endif

#include "addon.h"

napi_value trim_malloc(napi_env env, napi_callback_info info) {
  bool released = false;
#ifdef __GLIBC__
  released = malloc_trim(0) == 1;
#endif
  napi_value result;
  if (napi_get_boolean(env, released, &result) != napi_ok) return NULL;
  return result;
}
