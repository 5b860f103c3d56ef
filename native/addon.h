/* Shared by the addon's source files: the two entry points and small helpers. */
#ifndef SOCKAUDIT_ADDON_H
#define SOCKAUDIT_ADDON_H

#include <stddef.h>
#include <node_api.h>

/* fd-scan.c: scanSocketFds(prefix, pids, threads) */
napi_value scan_socket_fds(napi_env env, napi_callback_info info);
/* sock-diag.c: dumpSockets(requests) */
napi_value dump_sockets(napi_env env, napi_callback_info info);
/* sock-destroy.c: openDestroyEvents(netnsPath, onEvents) */
napi_value open_destroy_events(napi_env env, napi_callback_info info);
napi_value trim_malloc(napi_env env, napi_callback_info info);
/* sock-diag.c: packSockDiagMessages(family, messages) */
napi_value pack_sock_diag_messages(napi_env env, napi_callback_info info);
/* digest.c: digestJsonElements(json) */
napi_value digest_json_elements(napi_env env, napi_callback_info info);
/* digest.c: matchDigests(current, open) */
napi_value match_digests(napi_env env, napi_callback_info info);
/* set-hash.c: ltHashUpdate(state, added, removed) */
napi_value lthash_update(napi_env env, napi_callback_info info);

/* json-assembly.c: createJsonAssembler(), assembleJson(assembler, pieces, tokens, count, out) */
napi_value create_json_assembler(napi_env env, napi_callback_info info);
napi_value assemble_json(napi_env env, napi_callback_info info);

/* A byte buffer that grows by doubling. */
typedef struct {
  unsigned char *data;
  size_t length, capacity;
} growable_bytes;

/* Appends `size` bytes; 0 when out of memory (the buffer is left as it was). */
int append_bytes(growable_bytes *bytes, const void *source, size_t size);
/* Room for `size` more bytes; 0 when out of memory. */
int reserve_bytes(growable_bytes *bytes, size_t size);

/* Node's name for an errno ("ENOENT", "EACCES", ...), or "errno N" for one not named here. */
const char *errno_code(int code);

/* Moves the calling thread into the network namespace at `netns_path` (setns; only this
   thread's namespace changes). 0, or the errno of the open or the setns. */
int enter_netns(const char *netns_path);

#endif
