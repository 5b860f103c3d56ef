/*
 * sock-diag: dumps of the kernel's TCP, UDP, UDP-Lite and unix socket tables over
 * NETLINK_SOCK_DIAG, the interface `ss` uses, in place of reading
 * /proc/PID/net/{tcp,tcp6,udp,udp6,udplite,udplite6,unix}.
 *
 * Why: the kernel formats /proc/net/tcp as text one socket at a time and walks its hash
 * tables again for every read() of the file; the same table over sock_diag comes as
 * binary records, hundreds to a recv(). Measured on 50k sockets: 0.10 s of kernel time
 * for the four inet /proc files, about 0.03 s for the four dumps, and no text to parse.
 *
 * JavaScript API (see src/native/native-addon.ts):
 *   dumpSockets(requests: { netnsPath: string | null, family: 4 | 6 | 'unix', protocol: number }[])
 *     -> Promise<({ netns: number, records: Uint8Array, socketInode } | { code: string, socketInode })[]>
 * A request may also carry `states`, a mask of kernel state numbers (1 << 10: LISTEN) to
 * dump only those (the kernel filters; `watch` polls listeners alone); default: all.
 *   packSockDiagMessages(family, messages: Uint8Array) -> { records } | { code }
 *     (the packing below, over a dump captured with `raw: true` in its request, which
 *     keeps the kernel's messages as received: see the end of this file)
 * dumpSockets gives one result per request, in order; `netns` is the inode of the namespace the dump came
 * from; `socketInode` the inode of the netlink socket the dump used (0 if none was made),
 * so that the collector can leave sockaudit's own sockets out of the netlink table. `records`:
 * - inet (family 4 or 6): every struct inet_diag_msg of the dump (72 bytes each, the
 *   kernel's layout, see linux/inet_diag.h), back to back, with one byte changed: byte 2,
 *   the kernel's idiag_timer (which sockaudit does not use), carries the socket's
 *   INET_DIAG_SKV6ONLY attribute instead: 0 absent, 1 for IPV6_V6ONLY off (a dual-stack
 *   socket), 2 for IPV6_V6ONLY on. The kernel sends the attribute for every AF_INET6
 *   socket in LISTEN or CLOSE (unconnected datagram) state (net/ipv4/inet_diag.c,
 *   inet_diag_msg_attrs_fill); `ss -e` prints it as v6only:0/1;
 * - unix: per socket, 12 bytes [type u8, state u8, name length u16, inode u32, peer inode
 *   u32] (host order; the peer is UNIX_DIAG_PEER, 0 when the socket has none) then the name's bytes (UNIX_DIAG_NAME: sun_path as bound, a path's trailing
 *   NUL included, an abstract name's leading NUL included), padded to 4 bytes.
 * With a `netnsPath` (e.g. "/proc/1234/ns/net") the dump runs on a thread of its own that
 * first enters that namespace with setns(); entering needs CAP_SYS_ADMIN, and a refusal
 * comes back as { code: "EPERM" } for the caller to fall back to the /proc file.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <linux/inet_diag.h>
#include <linux/netlink.h>
#include <linux/rtnetlink.h>
#include <linux/sock_diag.h>
#include <linux/unix_diag.h>
#include <netinet/in.h>
#include <pthread.h>
#include <sched.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <unistd.h>

#include "addon.h"

#define MAX_REQUESTS 256
#define RECEIVE_BUFFER_SIZE (64 * 1024)

typedef struct {
  char *netns_path; /* NULL: the namespace this process is in */
  int family;       /* AF_INET, AF_INET6 or AF_UNIX */
  int protocol;     /* IPPROTO_TCP, IPPROTO_UDP, ... */
  uint32_t states;  /* bit per kernel state (1 << TCP_LISTEN, ...); ~0: every state */
  int raw;          /* keep the netlink messages as received instead of packing them */
  /* result */
  int error;        /* errno, 0 on success */
  double netns;     /* inode of the namespace dumped */
  double socket_inode; /* inode of the NETLINK_SOCK_DIAG socket of this dump, 0 if none */
  growable_bytes records;
} dump_request;

typedef struct {
  dump_request *requests;
  size_t count;
  napi_async_work work;
  napi_deferred deferred;
} dump_job;

/* Inode of the network namespace the calling thread is in. */
static int current_netns_inode(double *inode) {
  struct stat status;
  if (stat("/proc/thread-self/ns/net", &status) != 0) return errno;
  *inode = (double)status.st_ino;
  return 0;
}

/* The header of a dump request of `length` bytes in all. */
static void fill_dump_header(struct nlmsghdr *header, size_t length) {
  header->nlmsg_len = (uint32_t)length;
  header->nlmsg_type = SOCK_DIAG_BY_FAMILY;
  header->nlmsg_flags = NLM_F_REQUEST | NLM_F_DUMP;
  header->nlmsg_seq = 1;
}

/* Sends the dump request for (family, protocol): every socket, all states. */
static int send_dump_request(int sock, const dump_request *request) {
  struct sockaddr_nl kernel = {.nl_family = AF_NETLINK};
  if (request->family == AF_UNIX) {
    struct {
      struct nlmsghdr header;
      struct unix_diag_req body;
    } message;
    memset(&message, 0, sizeof message);
    fill_dump_header(&message.header, sizeof message);
    message.body.sdiag_family = AF_UNIX;
    message.body.udiag_states = request->states;
    message.body.udiag_show = UDIAG_SHOW_NAME | UDIAG_SHOW_PEER;
    return sendto(sock, &message, sizeof message, 0, (struct sockaddr *)&kernel, sizeof kernel) < 0 ? errno : 0;
  }
  struct {
    struct nlmsghdr header;
    struct inet_diag_req_v2 body;
  } message;
  memset(&message, 0, sizeof message);
  fill_dump_header(&message.header, sizeof message);
  message.body.sdiag_family = (uint8_t)request->family;
  message.body.sdiag_protocol = (uint8_t)request->protocol;
  message.body.idiag_states = request->states; /* by default every state, TIME_WAIT and SYN_RECV included, as /proc lists them */
  return sendto(sock, &message, sizeof message, 0, (struct sockaddr *)&kernel, sizeof kernel) < 0 ? errno : 0;
}

/* Appends one unix socket in the packed form described at the top. */
static int append_unix_record(growable_bytes *records, const struct nlmsghdr *header) {
  const struct unix_diag_msg *message = NLMSG_DATA(header);
  const unsigned char *name = NULL;
  uint16_t name_length = 0;
  uint32_t peer = 0;
  int remaining = (int)header->nlmsg_len - (int)NLMSG_LENGTH(sizeof *message);
  for (const struct rtattr *attribute = (const struct rtattr *)(message + 1); RTA_OK(attribute, remaining);
       attribute = RTA_NEXT(attribute, remaining)) {
    if (attribute->rta_type == UNIX_DIAG_NAME) {
      name = RTA_DATA(attribute);
      name_length = (uint16_t)RTA_PAYLOAD(attribute);
    } else if (attribute->rta_type == UNIX_DIAG_PEER && RTA_PAYLOAD(attribute) >= sizeof peer) {
      memcpy(&peer, RTA_DATA(attribute), sizeof peer);
    }
  }
  unsigned char head[12];
  uint32_t inode = message->udiag_ino;
  head[0] = message->udiag_type;
  head[1] = message->udiag_state;
  memcpy(head + 2, &name_length, 2);
  memcpy(head + 4, &inode, 4);
  memcpy(head + 8, &peer, 4);
  static const unsigned char padding[4] = {0, 0, 0, 0};
  size_t pad = (4 - name_length % 4) % 4;
  return append_bytes(records, head, sizeof head) && (name_length == 0 || append_bytes(records, name, name_length)) &&
         (pad == 0 || append_bytes(records, padding, pad));
}

/* Byte 2 of a packed inet record (see the top): the v6only attribute, 0 when absent. */
#define V6ONLY_ABSENT 0
#define V6ONLY_OFF 1
#define V6ONLY_ON 2

/*
 * Appends one inet socket: its inet_diag_msg, with idiag_timer replaced by the
 * INET_DIAG_SKV6ONLY attribute (V6ONLY_*). The caller has checked the message's length.
 */
static int append_inet_record(growable_bytes *records, const struct nlmsghdr *header) {
  struct inet_diag_msg message;
  memcpy(&message, NLMSG_DATA(header), sizeof message);
  unsigned char v6only = V6ONLY_ABSENT;
  int remaining = (int)header->nlmsg_len - (int)NLMSG_LENGTH(sizeof message);
  for (const struct rtattr *attribute = (const struct rtattr *)((const char *)NLMSG_DATA(header) + NLMSG_ALIGN(sizeof message));
       RTA_OK(attribute, remaining); attribute = RTA_NEXT(attribute, remaining)) {
    if (attribute->rta_type == INET_DIAG_SKV6ONLY && RTA_PAYLOAD(attribute) >= 1) {
      v6only = *(const unsigned char *)RTA_DATA(attribute) != 0 ? V6ONLY_ON : V6ONLY_OFF;
    }
  }
  message.idiag_timer = v6only;
  return append_bytes(records, &message, sizeof message);
}

/*
 * Reads the netlink messages in `buffer` (whole messages, as one recv() gives them, or a
 * captured dump's bytes back to back) and appends each socket to `packed` in the form
 * described at the top; `packed` NULL only checks them. Sets *done at the message that
 * ends the dump (NLMSG_DONE, or NLMSG_ERROR). Returns 0 or the errno the dump failed with.
 */
static int pack_messages(int family, const char *buffer, size_t length, growable_bytes *packed, int *done) {
  size_t remaining = length;
  for (const struct nlmsghdr *header = (const struct nlmsghdr *)buffer; NLMSG_OK(header, remaining);
       header = NLMSG_NEXT(header, remaining)) {
    if (header->nlmsg_type == NLMSG_DONE) {
      /* the end of a dump carries the error that ended it, if any (0: complete) */
      int ended_with = 0;
      if (header->nlmsg_len >= NLMSG_LENGTH(sizeof ended_with)) memcpy(&ended_with, NLMSG_DATA(header), sizeof ended_with);
      *done = 1;
      return ended_with < 0 ? -ended_with : 0;
    }
    if (header->nlmsg_type == NLMSG_ERROR) {
      /* ENOENT: no diag module for this protocol (udp_diag not loaded, say); 0 is an
         acknowledgement, which a dump does not ask for: taken as the end */
      *done = 1;
      if (header->nlmsg_len < NLMSG_LENGTH(sizeof(struct nlmsgerr))) return EPROTO;
      const struct nlmsgerr *failure = NLMSG_DATA(header);
      return failure->error < 0 ? -failure->error : 0;
    }
    if (header->nlmsg_type != SOCK_DIAG_BY_FAMILY) continue;
    if (family == AF_UNIX) {
      if (header->nlmsg_len < NLMSG_LENGTH(sizeof(struct unix_diag_msg))) return EPROTO;
      if (packed != NULL && !append_unix_record(packed, header)) return ENOMEM;
      continue;
    }
    if (header->nlmsg_len < NLMSG_LENGTH(sizeof(struct inet_diag_msg))) return EPROTO;
    if (packed != NULL && !append_inet_record(packed, header)) return ENOMEM;
  }
  return 0;
}

/* One dump, in the calling thread's namespace. */
static int dump_in_current_netns(dump_request *request) {
  int error = current_netns_inode(&request->netns);
  if (error != 0) return error;
  int sock = socket(AF_NETLINK, SOCK_DGRAM | SOCK_CLOEXEC, NETLINK_SOCK_DIAG);
  if (sock < 0) return errno;
  struct stat socket_stat;
  if (fstat(sock, &socket_stat) == 0) request->socket_inode = (double)socket_stat.st_ino;
  error = send_dump_request(sock, request);
  if (error != 0) {
    close(sock);
    return error;
  }

  char *buffer = malloc(RECEIVE_BUFFER_SIZE);
  if (buffer == NULL) {
    close(sock);
    return ENOMEM;
  }
  int done = 0;
  while (!done && error == 0) {
    ssize_t received = recv(sock, buffer, RECEIVE_BUFFER_SIZE, 0);
    if (received < 0) {
      if (errno == EINTR) continue;
      error = errno;
      break;
    }
    if (received == 0) break;
    /* raw (scripts/capture-proc.mjs): the messages as the kernel sent them, for fixtures */
    if (request->raw && !append_bytes(&request->records, buffer, (size_t)received)) {
      error = ENOMEM;
      break;
    }
    error = pack_messages(request->family, buffer, (size_t)received, request->raw ? NULL : &request->records, &done);
  }
  free(buffer);
  close(sock);
  return error;
}

/* Thread body for a dump in another namespace: setns() changes only this thread's. */
static void *dump_in_other_netns(void *raw) {
  dump_request *request = raw;
  /* unshare(CLONE_FS) is not needed: only the network namespace changes */
  request->error = enter_netns(request->netns_path);
  if (request->error == 0) request->error = dump_in_current_netns(request);
  return NULL;
}

static void execute_dumps(napi_env env, void *data) {
  (void)env;
  dump_job *job = data;
  for (size_t i = 0; i < job->count; i++) {
    dump_request *request = &job->requests[i];
    if (request->netns_path == NULL) {
      request->error = dump_in_current_netns(request);
      continue;
    }
    pthread_t thread;
    int error = pthread_create(&thread, NULL, dump_in_other_netns, request);
    if (error != 0) {
      request->error = error;
      continue;
    }
    pthread_join(thread, NULL);
  }
}

static void free_dump_job(dump_job *job) {
  if (job == NULL) return;
  if (job->requests != NULL) {
    for (size_t i = 0; i < job->count; i++) {
      free(job->requests[i].netns_path);
      free(job->requests[i].records.data);
    }
    free(job->requests);
  }
  free(job);
}

static void complete_dumps(napi_env env, napi_status work_status, void *data) {
  dump_job *job = data;
  napi_value results, error_message, error;
  if (work_status != napi_ok || napi_create_array_with_length(env, job->count, &results) != napi_ok) goto fail;
  for (size_t i = 0; i < job->count; i++) {
    dump_request *request = &job->requests[i];
    napi_value result, value;
    if (napi_create_object(env, &result) != napi_ok) goto fail;
    if (napi_create_double(env, request->socket_inode, &value) != napi_ok ||
        napi_set_named_property(env, result, "socketInode", value) != napi_ok)
      goto fail;
    if (request->error != 0) {
      if (napi_create_string_utf8(env, errno_code(request->error), NAPI_AUTO_LENGTH, &value) != napi_ok ||
          napi_set_named_property(env, result, "code", value) != napi_ok)
        goto fail;
    } else {
      void *bytes = NULL;
      napi_value buffer;
      if (napi_create_arraybuffer(env, request->records.length, &bytes, &buffer) != napi_ok) goto fail;
      if (request->records.length > 0) memcpy(bytes, request->records.data, request->records.length);
      if (napi_create_typedarray(env, napi_uint8_array, request->records.length, buffer, 0, &value) != napi_ok ||
          napi_set_named_property(env, result, "records", value) != napi_ok ||
          napi_create_double(env, request->netns, &value) != napi_ok ||
          napi_set_named_property(env, result, "netns", value) != napi_ok)
        goto fail;
    }
    if (napi_set_element(env, results, (uint32_t)i, result) != napi_ok) goto fail;
  }
  napi_resolve_deferred(env, job->deferred, results);
  napi_delete_async_work(env, job->work);
  free_dump_job(job);
  return;
fail:
  napi_create_string_utf8(env, "sock_diag dump failed", NAPI_AUTO_LENGTH, &error_message);
  napi_create_error(env, NULL, error_message, &error);
  napi_reject_deferred(env, job->deferred, error);
  napi_delete_async_work(env, job->work);
  free_dump_job(job);
}

static napi_value fail_argument(napi_env env, dump_job *job, const char *message) {
  free_dump_job(job);
  napi_throw_type_error(env, NULL, message);
  return NULL;
}

napi_value dump_sockets(napi_env env, napi_callback_info info) {
  size_t argc = 1;
  napi_value argv[1];
  bool is_array = false;
  uint32_t count = 0;
  if (napi_get_cb_info(env, info, &argc, argv, NULL, NULL) != napi_ok || argc < 1 ||
      napi_is_array(env, argv[0], &is_array) != napi_ok || !is_array ||
      napi_get_array_length(env, argv[0], &count) != napi_ok || count > MAX_REQUESTS) {
    napi_throw_type_error(env, NULL, "dumpSockets(requests): an array of at most 256 requests expected");
    return NULL;
  }
  dump_job *job = calloc(1, sizeof *job);
  if (job == NULL) return fail_argument(env, NULL, "dumpSockets: out of memory");
  job->requests = calloc(count > 0 ? count : 1, sizeof(dump_request));
  if (job->requests == NULL) return fail_argument(env, job, "dumpSockets: out of memory");
  job->count = count;
  for (uint32_t i = 0; i < count; i++) {
    dump_request *request = &job->requests[i];
    napi_value element, path, family, protocol, states;
    napi_valuetype path_type, family_type, states_type;
    int32_t family_value = 0, protocol_value = 0;
    if (napi_get_element(env, argv[0], i, &element) != napi_ok ||
        napi_get_named_property(env, element, "netnsPath", &path) != napi_ok ||
        napi_get_named_property(env, element, "family", &family) != napi_ok ||
        napi_get_named_property(env, element, "protocol", &protocol) != napi_ok ||
        napi_typeof(env, family, &family_type) != napi_ok ||
        napi_get_value_int32(env, protocol, &protocol_value) != napi_ok || napi_typeof(env, path, &path_type) != napi_ok)
      return fail_argument(env, job, "dumpSockets: each request needs netnsPath, family and protocol");
    request->states = ~0u;
    if (napi_get_named_property(env, element, "states", &states) == napi_ok && napi_typeof(env, states, &states_type) == napi_ok &&
        states_type == napi_number && napi_get_value_uint32(env, states, &request->states) != napi_ok)
      return fail_argument(env, job, "dumpSockets: states must be a 32-bit mask");
    if (family_type == napi_string) {
      char name[8] = {0};
      size_t length = 0;
      napi_get_value_string_utf8(env, family, name, sizeof name, &length);
      if (strcmp(name, "unix") != 0) return fail_argument(env, job, "dumpSockets: family must be 4, 6 or 'unix'");
      request->family = AF_UNIX;
      request->protocol = 0;
    } else {
      if (napi_get_value_int32(env, family, &family_value) != napi_ok || (family_value != 4 && family_value != 6))
        return fail_argument(env, job, "dumpSockets: family must be 4, 6 or 'unix'");
      if (protocol_value <= 0 || protocol_value > 255)
        return fail_argument(env, job, "dumpSockets: protocol must be an IP protocol number");
      request->family = family_value == 4 ? AF_INET : AF_INET6;
      request->protocol = protocol_value;
    }
    if (path_type == napi_string) {
      size_t length = 0;
      napi_get_value_string_utf8(env, path, NULL, 0, &length);
      request->netns_path = malloc(length + 1);
      if (request->netns_path == NULL) return fail_argument(env, job, "dumpSockets: out of memory");
      napi_get_value_string_utf8(env, path, request->netns_path, length + 1, &length);
    } else if (path_type != napi_null) {
      return fail_argument(env, job, "dumpSockets: netnsPath must be a string or null");
    }
    napi_value raw;
    bool raw_value = false;
    bool has_raw = false;
    if (napi_has_named_property(env, element, "raw", &has_raw) == napi_ok && has_raw &&
        napi_get_named_property(env, element, "raw", &raw) == napi_ok && napi_get_value_bool(env, raw, &raw_value) != napi_ok)
      return fail_argument(env, job, "dumpSockets: raw must be a boolean");
    request->raw = raw_value;
  }
  napi_value promise, name;
  if (napi_create_promise(env, &job->deferred, &promise) != napi_ok ||
      napi_create_string_utf8(env, "sockaudit:sock-diag", NAPI_AUTO_LENGTH, &name) != napi_ok ||
      napi_create_async_work(env, NULL, name, execute_dumps, complete_dumps, job, &job->work) != napi_ok ||
      napi_queue_async_work(env, job->work) != napi_ok) {
    free_dump_job(job);
    napi_throw_error(env, NULL, "dumpSockets: cannot start the dumps");
    return NULL;
  }
  return promise;
}

/*
 * packSockDiagMessages(family: 4 | 6 | 'unix', messages: Uint8Array)
 *   -> { records: Uint8Array } | { code: string }
 * The packing dumpSockets does, over a dump captured raw (dumpSockets with raw: true, as
 * scripts/capture-proc.mjs records them under PID/net/sock_diag/): so that the tests hold
 * this C path equal to the /proc text parsers on fixtures, without a live host. A dump
 * without its end message comes back as { code: "EPROTO" }.
 */
napi_value pack_sock_diag_messages(napi_env env, napi_callback_info info) {
  size_t argc = 2;
  napi_value argv[2];
  napi_valuetype family_type;
  bool is_typedarray = false;
  napi_typedarray_type array_type;
  size_t length = 0;
  void *data = NULL;
  int family = 0;
  if (napi_get_cb_info(env, info, &argc, argv, NULL, NULL) != napi_ok || argc < 2 || napi_typeof(env, argv[0], &family_type) != napi_ok ||
      napi_is_typedarray(env, argv[1], &is_typedarray) != napi_ok || !is_typedarray ||
      napi_get_typedarray_info(env, argv[1], &array_type, &length, &data, NULL, NULL) != napi_ok || array_type != napi_uint8_array) {
    napi_throw_type_error(env, NULL, "packSockDiagMessages(family, messages): a family and a Uint8Array expected");
    return NULL;
  }
  if (family_type == napi_string) {
    char name[8] = {0};
    size_t name_length = 0;
    napi_get_value_string_utf8(env, argv[0], name, sizeof name, &name_length);
    if (strcmp(name, "unix") == 0) family = AF_UNIX;
  } else {
    int32_t version = 0;
    if (napi_get_value_int32(env, argv[0], &version) == napi_ok) family = version == 4 ? AF_INET : version == 6 ? AF_INET6 : 0;
  }
  if (family == 0) {
    napi_throw_type_error(env, NULL, "packSockDiagMessages: family must be 4, 6 or 'unix'");
    return NULL;
  }
  growable_bytes packed = {NULL, 0, 0};
  int done = 0;
  /* netlink messages are 4-byte aligned: copy, as a view into a Buffer need not be */
  char *messages = malloc(length > 0 ? length : 1);
  if (messages == NULL) {
    napi_throw_error(env, NULL, "packSockDiagMessages: out of memory");
    return NULL;
  }
  if (length > 0) memcpy(messages, data, length);
  int error = pack_messages(family, messages, length, &packed, &done);
  free(messages);
  if (error == 0 && !done) error = EPROTO;
  napi_value result, value, buffer;
  void *bytes = NULL;
  napi_status status = napi_create_object(env, &result);
  if (status == napi_ok && error != 0) {
    status = napi_create_string_utf8(env, errno_code(error), NAPI_AUTO_LENGTH, &value);
    if (status == napi_ok) status = napi_set_named_property(env, result, "code", value);
  } else if (status == napi_ok) {
    status = napi_create_arraybuffer(env, packed.length, &bytes, &buffer);
    if (status == napi_ok && packed.length > 0) memcpy(bytes, packed.data, packed.length);
    if (status == napi_ok) status = napi_create_typedarray(env, napi_uint8_array, packed.length, buffer, 0, &value);
    if (status == napi_ok) status = napi_set_named_property(env, result, "records", value);
  }
  free(packed.data);
  if (status != napi_ok) {
    napi_throw_error(env, NULL, "packSockDiagMessages failed");
    return NULL;
  }
  return result;
}
