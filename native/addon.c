/*
 * sockaudit's native addon: the two parts of collection where JavaScript is too slow,
 * the fd-link scan (fd-scan.c) and the TCP, UDP and unix table dumps over sock_diag
 * (sock-diag.c); the sockets' destroy events for `watch` (sock-destroy.c); a snapshot's
 * version digests, hashed off the JavaScript thread (digest.c); and the set hash updates
 * of verify (set-hash.c); the JSON text of collect --json and show --json, assembled from
 * tokens (json-assembly.c).
 * Built by `npm run build:native` (node-gyp); loaded by src/native/native-addon.ts.
 */
#define _GNU_SOURCE /* setns */
#include <errno.h>
#include <fcntl.h>
#include <sched.h>
#include <unistd.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "addon.h"

int append_bytes(growable_bytes *bytes, const void *source, size_t size) {
  if (bytes->length + size > bytes->capacity) {
    size_t wanted = bytes->capacity == 0 ? 64 * 1024 : bytes->capacity;
    while (wanted < bytes->length + size) wanted *= 2;
    unsigned char *grown = realloc(bytes->data, wanted);
    if (grown == NULL) return 0;
    bytes->data = grown;
    bytes->capacity = wanted;
  }
  memcpy(bytes->data + bytes->length, source, size);
  bytes->length += size;
  return 1;
}

int reserve_bytes(growable_bytes *bytes, size_t size) {
  if (bytes->capacity - bytes->length >= size) return 1;
  size_t wanted = bytes->capacity == 0 ? 64 * 1024 : bytes->capacity;
  while (wanted - bytes->length < size) wanted *= 2;
  unsigned char *grown = realloc(bytes->data, wanted);
  if (grown == NULL) return 0;
  bytes->data = grown;
  bytes->capacity = wanted;
  return 1;
}

const char *errno_code(int code) {
  switch (code) {
    case ENOENT: return "ENOENT";
    case ESRCH: return "ESRCH";
    case EACCES: return "EACCES";
    case EPERM: return "EPERM";
    case ENOTDIR: return "ENOTDIR";
    case ELOOP: return "ELOOP";
    case EMFILE: return "EMFILE";
    case ENFILE: return "ENFILE";
    case ENOMEM: return "ENOMEM";
    case EIO: return "EIO";
    case EINVAL: return "EINVAL";
    case ENAMETOOLONG: return "ENAMETOOLONG";
    case EPROTO: return "EPROTO";
    case EPROTONOSUPPORT: return "EPROTONOSUPPORT";
    case EAFNOSUPPORT: return "EAFNOSUPPORT";
    case EOPNOTSUPP: return "EOPNOTSUPP";
    default: {
      /* an errno we do not name: the caller treats it as unexpected. Static storage is
         safe: this only runs on the JavaScript thread (in complete callbacks). */
      static char unnamed[24];
      snprintf(unnamed, sizeof unnamed, "errno %d", code);
      return unnamed;
    }
  }
}

static napi_value init(napi_env env, napi_value exports) {
  napi_value function;
  if (napi_create_function(env, "scanSocketFds", NAPI_AUTO_LENGTH, scan_socket_fds, NULL, &function) != napi_ok ||
      napi_set_named_property(env, exports, "scanSocketFds", function) != napi_ok ||
      napi_create_function(env, "dumpSockets", NAPI_AUTO_LENGTH, dump_sockets, NULL, &function) != napi_ok ||
      napi_set_named_property(env, exports, "dumpSockets", function) != napi_ok ||
      napi_create_function(env, "packSockDiagMessages", NAPI_AUTO_LENGTH, pack_sock_diag_messages, NULL, &function) != napi_ok ||
      napi_set_named_property(env, exports, "packSockDiagMessages", function) != napi_ok ||
      napi_create_function(env, "digestJsonElements", NAPI_AUTO_LENGTH, digest_json_elements, NULL, &function) != napi_ok ||
      napi_set_named_property(env, exports, "digestJsonElements", function) != napi_ok ||
      napi_create_function(env, "matchDigests", NAPI_AUTO_LENGTH, match_digests, NULL, &function) != napi_ok ||
      napi_set_named_property(env, exports, "matchDigests", function) != napi_ok ||
      napi_create_function(env, "ltHashUpdate", NAPI_AUTO_LENGTH, lthash_update, NULL, &function) != napi_ok ||
      napi_set_named_property(env, exports, "ltHashUpdate", function) != napi_ok ||
      napi_create_function(env, "openDestroyEvents", NAPI_AUTO_LENGTH, open_destroy_events, NULL, &function) != napi_ok ||
      napi_set_named_property(env, exports, "openDestroyEvents", function) != napi_ok ||
      napi_create_function(env, "createJsonAssembler", NAPI_AUTO_LENGTH, create_json_assembler, NULL, &function) != napi_ok ||
      napi_set_named_property(env, exports, "createJsonAssembler", function) != napi_ok ||
      napi_create_function(env, "assembleJson", NAPI_AUTO_LENGTH, assemble_json, NULL, &function) != napi_ok ||
      napi_set_named_property(env, exports, "assembleJson", function) != napi_ok ||
      napi_create_function(env, "trimMalloc", NAPI_AUTO_LENGTH, trim_malloc, NULL, &function) != napi_ok ||
      napi_set_named_property(env, exports, "trimMalloc", function) != napi_ok)
    return NULL;
  return exports;
}

NAPI_MODULE(NODE_GYP_MODULE_NAME, init)

int enter_netns(const char *netns_path) {
  int netns_fd = open(netns_path, O_RDONLY | O_CLOEXEC);
  if (netns_fd < 0) return errno;
  int error = setns(netns_fd, CLONE_NEWNET) == 0 ? 0 : errno;
  close(netns_fd);
  return error;
}
