/*
 * sock-destroy: the kernel's sock_diag destroy events, for `sockaudit watch`.
 *
 * When a TCP or UDP socket is destroyed and some NETLINK_SOCK_DIAG socket of the same
 * network namespace has joined the matching multicast group, the kernel multicasts one
 * SOCK_DIAG_BY_FAMILY message describing it (net/core/sock_diag.c,
 * sock_diag_broadcast_destroy_work): a struct inet_diag_msg, then attributes, among them
 * INET_DIAG_PROTOCOL (u8). The groups (include/uapi/linux/sock_diag.h):
 *   SKNLGRP_INET_TCP_DESTROY 1, SKNLGRP_INET_UDP_DESTROY 2,
 *   SKNLGRP_INET6_TCP_DESTROY 3, SKNLGRP_INET6_UDP_DESTROY 4.
 * UDP-Lite, raw and every other family have no destroy group. Joining needs no
 * capability: the diag netlink kernel socket is created with NL_CFG_F_NONROOT_RECV
 * (diag_net_init). Entering another namespace (setns) needs CAP_SYS_ADMIN.
 * By the time the message is built the socket has left its file, so its inode is 0; its
 * cookie (idiag_cookie) is the one a dump of the live socket gave, and identifies it.
 *
 * JavaScript API (see src/native/destroy-events.ts):
 *   openDestroyEvents(netnsPath: string | null,
 *                     onEvents: (records: Uint8Array, protocols: Uint8Array, lost: number) => void,
 *                     queueBytes?: number)
 *     -> { netns: number, close(): void }
 * The socket is made on a short-lived thread that first enters `netnsPath` (a namespace
 * file such as /proc/PID/ns/net; null: ours): a socket stays in the namespace it was
 * made in. It is then watched on Node's own event loop (uv_poll), so no thread waits on
 * it. Each time it is readable, everything queued is read and handed to `onEvents` at
 * once: `records` the 72-byte inet_diag_msg of each event back to back (the layout
 * src/proc/parse-inet-diag.ts decodes, v6only in byte 2 as sock-diag.c packs it), `protocols` the IP protocol of each, and `lost`
 * the events the kernel dropped because the receive queue was full (ENOBUFS), counted
 * exactly from the socket's drop counter (SO_MEMINFO, SK_MEMINFO_DROPS). A failure to
 * open throws an Error whose `code` is the errno name. `close()` must be called to stop.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <linux/inet_diag.h>
#include <linux/netlink.h>
#include <linux/rtnetlink.h>
#include <linux/sock_diag.h>
#include <pthread.h>
#include <sched.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <unistd.h>
#include <uv.h>

#include "addon.h"

#ifndef SOL_NETLINK
#define SOL_NETLINK 270
#endif
#ifndef SO_MEMINFO
#define SO_MEMINFO 55
#endif

/* the default receive queue, 4 MB (the kernel doubles it for its bookkeeping): tens of
   thousands of closes between two reads before ENOBUFS. `queueBytes` overrides it. */
#define RECEIVE_QUEUE_BYTES (4 * 1024 * 1024)
#define READ_BUFFER_SIZE (64 * 1024)
/* at most this many events per call into JavaScript; the rest come on the next wake-up */
#define MAX_EVENTS_PER_CALL 4096

typedef struct {
  int fd;
  uv_poll_t poll;
  napi_env env;
  napi_ref callback;
  napi_async_context async_context;
  uint32_t drops_seen; /* SK_MEMINFO_DROPS when last read */
  int closing;
  growable_bytes records, protocols;
  unsigned char *buffer;
} destroy_listener;

typedef struct {
  const char *netns_path;
  int queue_bytes;
  int fd;
  int error;
  double netns;
} open_request;

static int netns_inode(double *inode) {
  struct stat status;
  if (stat("/proc/thread-self/ns/net", &status) != 0) return errno;
  *inode = (double)status.st_ino;
  return 0;
}

/* Makes the netlink socket and joins the four destroy groups, in the calling thread's namespace. */
static int open_in_current_netns(open_request *request) {
  int error = netns_inode(&request->netns);
  if (error != 0) return error;
  int sock = socket(AF_NETLINK, SOCK_DGRAM | SOCK_CLOEXEC | SOCK_NONBLOCK, NETLINK_SOCK_DIAG);
  if (sock < 0) return errno;
  int size = request->queue_bytes;
  /* FORCE passes net.core.rmem_max, which is root's (CAP_NET_ADMIN) alone */
  if (setsockopt(sock, SOL_SOCKET, SO_RCVBUFFORCE, &size, sizeof size) != 0)
    setsockopt(sock, SOL_SOCKET, SO_RCVBUF, &size, sizeof size);
  struct sockaddr_nl local = {.nl_family = AF_NETLINK};
  if (bind(sock, (struct sockaddr *)&local, sizeof local) != 0) {
    error = errno;
    close(sock);
    return error;
  }
  static const int groups[] = {SKNLGRP_INET_TCP_DESTROY, SKNLGRP_INET_UDP_DESTROY, SKNLGRP_INET6_TCP_DESTROY,
                               SKNLGRP_INET6_UDP_DESTROY};
  for (size_t i = 0; i < sizeof groups / sizeof groups[0]; i++) {
    if (setsockopt(sock, SOL_NETLINK, NETLINK_ADD_MEMBERSHIP, &groups[i], sizeof groups[i]) != 0) {
      error = errno;
      close(sock);
      return error;
    }
  }
  request->fd = sock;
  return 0;
}

static void *open_in_other_netns(void *raw) {
  open_request *request = raw;
  request->error = enter_netns(request->netns_path);
  if (request->error == 0) request->error = open_in_current_netns(request);
  return NULL;
}

/* The socket's drop counter: every message the kernel could not queue for it. */
static uint32_t read_drops(int fd) {
  uint32_t meminfo[SK_MEMINFO_VARS];
  socklen_t length = sizeof meminfo;
  memset(meminfo, 0, sizeof meminfo);
  if (getsockopt(fd, SOL_SOCKET, SO_MEMINFO, meminfo, &length) != 0 || length < (SK_MEMINFO_DROPS + 1) * sizeof(uint32_t))
    return 0;
  return meminfo[SK_MEMINFO_DROPS];
}

/* Appends one destroy message: its inet_diag_msg and its protocol (0 when not given). */
static int append_event(destroy_listener *listener, const struct nlmsghdr *header) {
  if (header->nlmsg_len < NLMSG_LENGTH(sizeof(struct inet_diag_msg))) return 1; /* malformed: skipped */
  const struct inet_diag_msg *message = NLMSG_DATA(header);
  unsigned char protocol = 0, v6only = 0;
  int remaining = (int)header->nlmsg_len - (int)NLMSG_LENGTH(sizeof *message);
  for (const struct rtattr *attribute = (const struct rtattr *)(message + 1); RTA_OK(attribute, remaining);
       attribute = RTA_NEXT(attribute, remaining)) {
    if (attribute->rta_type == INET_DIAG_PROTOCOL && RTA_PAYLOAD(attribute) >= 1) protocol = *(const unsigned char *)RTA_DATA(attribute);
    if (attribute->rta_type == INET_DIAG_SKV6ONLY && RTA_PAYLOAD(attribute) >= 1) v6only = *(const unsigned char *)RTA_DATA(attribute) != 0 ? 2 : 1;
  }
  /* byte 2 (idiag_timer) carries v6only as sock-diag.c packs it (0 not reported, 1 off,
     2 on): the decoder reads it there. Destroy messages do not report it today. */
  struct inet_diag_msg packed = *message;
  packed.idiag_timer = v6only;
  return append_bytes(&listener->records, &packed, sizeof packed) && append_bytes(&listener->protocols, &protocol, 1);
}

static void deliver(destroy_listener *listener, uint32_t lost) {
  napi_env env = listener->env;
  napi_handle_scope scope;
  if (napi_open_handle_scope(env, &scope) != napi_ok) return;
  napi_value callback, receiver, argv[3], result;
  void *bytes = NULL;
  napi_value buffer;
  size_t count = listener->protocols.length;
  if (napi_get_reference_value(env, listener->callback, &callback) != napi_ok || callback == NULL ||
      napi_get_global(env, &receiver) != napi_ok ||
      napi_create_arraybuffer(env, listener->records.length, &bytes, &buffer) != napi_ok)
    goto done;
  if (listener->records.length > 0) memcpy(bytes, listener->records.data, listener->records.length);
  if (napi_create_typedarray(env, napi_uint8_array, listener->records.length, buffer, 0, &argv[0]) != napi_ok ||
      napi_create_arraybuffer(env, count, &bytes, &buffer) != napi_ok)
    goto done;
  if (count > 0) memcpy(bytes, listener->protocols.data, count);
  if (napi_create_typedarray(env, napi_uint8_array, count, buffer, 0, &argv[1]) != napi_ok ||
      napi_create_uint32(env, lost, &argv[2]) != napi_ok)
    goto done;
  if (napi_make_callback(env, listener->async_context, receiver, callback, 3, argv, &result) == napi_pending_exception) {
    /* the callback threw: an uncaught exception, as for any other event callback */
    napi_value exception;
    if (napi_get_and_clear_last_exception(env, &exception) == napi_ok) napi_fatal_exception(env, exception);
  }
done:
  listener->records.length = 0;
  listener->protocols.length = 0;
  napi_close_handle_scope(env, scope);
}

static void on_readable(uv_poll_t *poll, int status, int events) {
  (void)events;
  destroy_listener *listener = poll->data;
  if (listener->closing) return;
  uint32_t lost = 0;
  int overrun = status < 0;
  while (listener->protocols.length < MAX_EVENTS_PER_CALL) {
    ssize_t received = recv(listener->fd, listener->buffer, READ_BUFFER_SIZE, MSG_DONTWAIT);
    if (received < 0) {
      if (errno == EINTR) continue;
      if (errno == ENOBUFS) {
        overrun = 1; /* reported once, then the queue reads on */
        continue;
      }
      break; /* EAGAIN: all read */
    }
    if (received == 0) break;
    size_t remaining = (size_t)received;
    for (struct nlmsghdr *header = (struct nlmsghdr *)listener->buffer; NLMSG_OK(header, remaining);
         header = NLMSG_NEXT(header, remaining)) {
      if (header->nlmsg_type != SOCK_DIAG_BY_FAMILY) continue;
      if (!append_event(listener, header)) break; /* out of memory: the rest of this datagram is lost */
    }
  }
  if (overrun) {
    uint32_t drops = read_drops(listener->fd);
    lost = drops - listener->drops_seen;
    listener->drops_seen = drops;
    if (lost == 0) lost = 1; /* an overrun without a readable counter: at least one */
  }
  if (listener->protocols.length > 0 || lost > 0) deliver(listener, lost);
}

static void on_poll_closed(uv_handle_t *handle) {
  destroy_listener *listener = handle->data;
  close(listener->fd);
  free(listener->buffer);
  free(listener->records.data);
  free(listener->protocols.data);
  free(listener);
}

static napi_value close_listener(napi_env env, napi_callback_info info) {
  destroy_listener *listener = NULL;
  napi_value undefined;
  napi_get_undefined(env, &undefined);
  if (napi_get_cb_info(env, info, NULL, NULL, NULL, (void **)&listener) != napi_ok || listener == NULL) return undefined;
  if (listener->closing) return undefined;
  listener->closing = 1;
  uv_poll_stop(&listener->poll);
  napi_delete_reference(env, listener->callback);
  napi_async_destroy(env, listener->async_context);
  uv_close((uv_handle_t *)&listener->poll, on_poll_closed);
  return undefined;
}

napi_value open_destroy_events(napi_env env, napi_callback_info info) {
  size_t argc = 3;
  napi_value argv[3];
  napi_valuetype path_type, callback_type;
  if (napi_get_cb_info(env, info, &argc, argv, NULL, NULL) != napi_ok || argc < 2 ||
      napi_typeof(env, argv[0], &path_type) != napi_ok || napi_typeof(env, argv[1], &callback_type) != napi_ok ||
      (path_type != napi_string && path_type != napi_null) || callback_type != napi_function) {
    napi_throw_type_error(env, NULL, "openDestroyEvents(netnsPath: string | null, onEvents: function) expected");
    return NULL;
  }
  char path[4096] = {0};
  open_request request = {.netns_path = NULL, .queue_bytes = RECEIVE_QUEUE_BYTES, .fd = -1, .error = 0, .netns = 0};
  napi_valuetype queue_type = napi_undefined;
  if (argc >= 3 && napi_typeof(env, argv[2], &queue_type) == napi_ok && queue_type == napi_number) {
    int32_t queue_bytes = 0;
    if (napi_get_value_int32(env, argv[2], &queue_bytes) != napi_ok || queue_bytes < 4096) {
      napi_throw_range_error(env, NULL, "openDestroyEvents: queueBytes must be at least 4096");
      return NULL;
    }
    request.queue_bytes = queue_bytes;
  }
  if (path_type == napi_string) {
    size_t length = 0;
    if (napi_get_value_string_utf8(env, argv[0], path, sizeof path, &length) != napi_ok || length >= sizeof path - 1) {
      napi_throw_type_error(env, NULL, "openDestroyEvents: netnsPath too long");
      return NULL;
    }
    request.netns_path = path;
    /* setns() changes the calling thread's namespace: done on a thread of its own, joined
       at once (opening takes microseconds; only the socket outlives the thread) */
    pthread_t thread;
    int error = pthread_create(&thread, NULL, open_in_other_netns, &request);
    if (error != 0) request.error = error;
    else pthread_join(thread, NULL);
  } else {
    request.error = open_in_current_netns(&request);
  }
  if (request.error != 0) {
    const char *code = errno_code(request.error);
    char message[160];
    snprintf(message, sizeof message, "cannot subscribe to socket destroy events: %s", code);
    napi_throw_error(env, code, message);
    return NULL;
  }

  destroy_listener *listener = calloc(1, sizeof *listener);
  unsigned char *buffer = malloc(READ_BUFFER_SIZE);
  uv_loop_t *loop = NULL;
  napi_value name, handle, function, value;
  if (listener == NULL || buffer == NULL) goto fail;
  listener->fd = request.fd;
  listener->env = env;
  listener->buffer = buffer;
  listener->drops_seen = read_drops(request.fd);
  if (napi_get_uv_event_loop(env, &loop) != napi_ok || uv_poll_init(loop, &listener->poll, request.fd) != 0) goto fail;
  listener->poll.data = listener;
  if (napi_create_reference(env, argv[1], 1, &listener->callback) != napi_ok ||
      napi_create_string_utf8(env, "sockaudit:sock-destroy", NAPI_AUTO_LENGTH, &name) != napi_ok ||
      napi_async_init(env, NULL, name, &listener->async_context) != napi_ok ||
      uv_poll_start(&listener->poll, UV_READABLE, on_readable) != 0 || napi_create_object(env, &handle) != napi_ok ||
      napi_create_function(env, "close", NAPI_AUTO_LENGTH, close_listener, listener, &function) != napi_ok ||
      napi_set_named_property(env, handle, "close", function) != napi_ok ||
      napi_create_double(env, request.netns, &value) != napi_ok || napi_set_named_property(env, handle, "netns", value) != napi_ok) {
    /* the poll handle may be initialised: closing it frees everything */
    if (listener->poll.data == listener) {
      listener->closing = 1;
      uv_poll_stop(&listener->poll);
      uv_close((uv_handle_t *)&listener->poll, on_poll_closed);
      napi_throw_error(env, NULL, "openDestroyEvents: cannot start watching");
      return NULL;
    }
    goto fail;
  }
  return handle;
fail:
  free(buffer);
  free(listener);
  close(request.fd);
  napi_throw_error(env, "ENOMEM", "openDestroyEvents: cannot start watching");
  return NULL;
}
