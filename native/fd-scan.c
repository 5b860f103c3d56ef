/*
 * fd-scan: the collector's hottest path in C. For every pid given, list PROC/PID/fd and
 * readlink each entry; keep the ones that point at a socket ("socket:[12345]" -> 12345).
 *
 * Why native: a host with 50,000 sockets has 50,000 fd links to read. From JavaScript each
 * readlink resolves the whole path again and crosses into libuv; here each one is a
 * readlinkat() relative to the open fd directory (about 3 us of kernel time, nothing
 * else), and the work is shared by several threads, off the JavaScript thread, which
 * meanwhile reads the socket tables. Measured on 50k sockets / 200 processes: 0.25 s for
 * the JavaScript scan, 0.16 s here on one thread, 0.08 s on two.
 *
 * JavaScript API (see src/native/native-addon.ts):
 *   scanSocketFds(prefix: string, pids: Int32Array, threads: number)
 *     -> Promise<{ pids: Int32Array, fds: Int32Array, inodes: Float64Array,
 *                  failures: { pid: number, code: string }[], claimed: number }>
 * `prefix` is the proc root ending in '/', e.g. "/proc/" or "fixtures/proc/x/".
 * Semantics match scanFdLinksFromQueue in src/proc/fd-links.ts: a pid whose fd directory
 * cannot be opened is a failure with its errno name; a link that vanished between listing
 * and readlink (ENOENT) is skipped; any other readlink error is a failure for that pid and
 * ends its scan. Entries come out grouped by pid, each pid's fds in directory order.
 *
 * The result also carries, for every pid that holds at least one socket, the files its
 * owner details are made of (src/inventory/process-details.ts), read by the same thread
 * right after its fds, so that the JavaScript thread need not read them at the end:
 *   processes: { pids: Int32Array, spans: Int32Array, bytes: Uint8Array }
 * spans holds PROCESS_FILE_COUNT (offset, length) pairs per pid, in the order comm, stat,
 * exe (the link's target), cmdline, status, cgroup; a length below zero is -errno, and stat (only
 * read when comm cannot be) is NOT_READ otherwise, and a file that is not a regular file
 * (a FIFO, a device) is NOT_REGULAR; at most MAX_PROCESS_FILE + 1 bytes of a file are read. At 50,000 sockets (205 processes) the
 * JavaScript thread took 12 ms to read these after the scan; here they are some ten system
 * calls per process, shared among the threads while the JavaScript thread parses. cgroup
 * is read here too (which container a process runs in, src/inventory/container-identity.ts):
 * on the JavaScript thread after the scan, its 200 reads at 50,000 sockets were some 10 ms
 * of a collection's critical path.
 */
#define _GNU_SOURCE
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <stddef.h>
#include <pthread.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "addon.h"

#define MAX_THREADS 16

enum { FILE_COMM, FILE_STAT, FILE_EXE, FILE_CMDLINE, FILE_STATUS, FILE_CGROUP, PROCESS_FILE_COUNT };
static const char *const PROCESS_FILE_NAMES[PROCESS_FILE_COUNT] = {"comm", "stat", "exe", "cmdline", "status", "cgroup"};
#define NOT_READ INT32_MIN
/* The length of a file that is not a regular file (a FIFO, a device, a socket): never read. */
#define NOT_REGULAR (INT32_MIN + 1)
/*
 * Longest process file read (PROCESS_FILE_LIMITS and CMDLINE_LIMITS in
 * src/proc/bounded-read.ts): one byte more is read, so that the JavaScript side can tell a
 * file of exactly this size from a longer one, cut it and warn just as its twin does.
 */
#define MAX_PROCESS_FILE (1024 * 1024)

typedef struct {
  int32_t pid;
  int32_t code; /* errno */
} scan_failure;

/* One thread's share: pids it claimed, in the order it claimed them. */
typedef struct {
  int32_t *pids;
  int32_t *fds;
  double *inodes;
  size_t count, capacity;
  scan_failure *failures;
  size_t failure_count, failure_capacity;
  /* processes holding sockets: pid, PROCESS_FILE_COUNT (offset, length) spans, file bytes */
  int32_t *process_pids;
  size_t process_count, process_capacity;
  int32_t *process_spans;
  growable_bytes process_bytes;
  int out_of_memory;
} scan_share;

typedef struct {
  char *prefix;
  int32_t *pids;
  size_t pid_count;
  int thread_count;
  size_t next_index; /* claimed with __atomic_fetch_add */
  scan_share shares[MAX_THREADS];
  napi_async_work work;
  napi_deferred deferred;
} scan_job;

static int grow(void **array, size_t element_size, size_t *capacity) {
  size_t wanted = *capacity == 0 ? 1024 : *capacity * 2;
  void *grown = realloc(*array, wanted * element_size);
  if (grown == NULL) return 0;
  *array = grown;
  *capacity = wanted;
  return 1;
}

static int add_socket(scan_share *share, int32_t pid, int32_t fd, double inode) {
  if (share->count == share->capacity) {
    size_t capacity = share->capacity;
    if (!grow((void **)&share->pids, sizeof(int32_t), &capacity)) return 0;
    capacity = share->capacity;
    if (!grow((void **)&share->fds, sizeof(int32_t), &capacity)) return 0;
    capacity = share->capacity;
    if (!grow((void **)&share->inodes, sizeof(double), &capacity)) return 0;
    share->capacity = capacity;
  }
  share->pids[share->count] = pid;
  share->fds[share->count] = fd;
  share->inodes[share->count] = inode;
  share->count++;
  return 1;
}

static int add_failure(scan_share *share, int32_t pid, int code) {
  if (share->failure_count == share->failure_capacity &&
      !grow((void **)&share->failures, sizeof(scan_failure), &share->failure_capacity))
    return 0;
  share->failures[share->failure_count].pid = pid;
  share->failures[share->failure_count].code = code;
  share->failure_count++;
  return 1;
}

/*
 * Appends one file of the process directory `directory_fd` (a link's target for "exe")
 * to `out`; sets its span to (offset, length), or (offset, -errno). 0 when out of memory.
 */
static int read_process_file(int directory_fd, int file, growable_bytes *out, int32_t *span) {
  size_t start = out->length;
  span[0] = (int32_t)start;
  if (file == FILE_EXE) {
    if (!reserve_bytes(out, 8192)) return 0;
    ssize_t length = readlinkat(directory_fd, "exe", (char *)out->data + start, 8192);
    span[1] = length < 0 ? -errno : (int32_t)length;
    if (length > 0) out->length += (size_t)length;
    return 1;
  }
  /*
   * A captured tree (--proc-root) is hostile: O_NONBLOCK so that a FIFO cannot block the
   * open, and fstat so that a FIFO or a device (a link to /dev/zero) is never read. procfs
   * files are regular files; the fstat is one system call per file of a process that holds
   * sockets (some 800 at 50,000 sockets), not per fd.
   */
  int fd = openat(directory_fd, PROCESS_FILE_NAMES[file], O_RDONLY | O_CLOEXEC | O_NONBLOCK | O_NOCTTY);
  if (fd < 0) {
    span[1] = -errno;
    return 1;
  }
  struct stat status;
  int stat_failed = fstat(fd, &status) != 0;
  if (stat_failed || !S_ISREG(status.st_mode)) {
    span[1] = stat_failed ? -errno : NOT_REGULAR;
    close(fd);
    return 1;
  }
  for (;;) {
    size_t room = MAX_PROCESS_FILE + 1 - (out->length - start);
    if (room == 0) break;
    if (!reserve_bytes(out, 4096)) {
      close(fd);
      return 0;
    }
    size_t want = out->capacity - out->length;
    if (want > room) want = room;
    ssize_t got = read(fd, out->data + out->length, want);
    if (got < 0 && errno == EINTR) continue;
    if (got < 0) {
      span[1] = -errno;
      out->length = start;
      close(fd);
      return 1;
    }
    if (got == 0) break;
    out->length += (size_t)got;
  }
  close(fd);
  span[1] = (int32_t)(out->length - start);
  return 1;
}

/* Reads the files of a process that holds sockets; `path` is "PREFIX/PID". 0 when out of memory. */
static int read_process_files(scan_share *share, int32_t pid, const char *path) {
  if (share->process_count == share->process_capacity) {
    size_t capacity = share->process_capacity;
    if (!grow((void **)&share->process_pids, sizeof(int32_t), &capacity)) return 0;
    capacity = share->process_capacity;
    if (!grow((void **)&share->process_spans, PROCESS_FILE_COUNT * 2 * sizeof(int32_t), &capacity)) return 0;
    share->process_capacity = capacity;
  }
  int32_t *spans = share->process_spans + share->process_count * PROCESS_FILE_COUNT * 2;
  share->process_pids[share->process_count++] = pid;
  int directory_fd = open(path, O_PATH | O_DIRECTORY | O_CLOEXEC);
  for (int file = 0; file < PROCESS_FILE_COUNT; file++) {
    int32_t *span = spans + file * 2;
    if (directory_fd < 0) {
      span[0] = (int32_t)share->process_bytes.length;
      span[1] = file == FILE_STAT ? NOT_READ : -errno;
      continue;
    }
    /* stat stands in for comm on kernels without /proc/PID/comm (before 2.6.33) */
    if (file == FILE_STAT && spans[FILE_COMM * 2 + 1] >= 0) {
      span[0] = (int32_t)share->process_bytes.length;
      span[1] = NOT_READ;
      continue;
    }
    if (!read_process_file(directory_fd, file, &share->process_bytes, span)) {
      close(directory_fd);
      return 0;
    }
  }
  if (directory_fd >= 0) close(directory_fd);
  return 1;
}

/* "socket:[12345]" -> 12345; -1 for anything else (files, pipes, anon_inode:...). */
static double parse_socket_link(const char *target, ssize_t length) {
  if (length < 10 || memcmp(target, "socket:[", 8) != 0 || target[length - 1] != ']') return -1;
  double value = 0;
  for (ssize_t i = 8; i < length - 1; i++) {
    if (target[i] < '0' || target[i] > '9') return -1;
    value = value * 10 + (target[i] - '0');
  }
  return value;
}

/* fd directory entry name -> fd number; -1 for anything that is not a plain number. */
static int32_t parse_fd_name(const char *name) {
  if (*name == '\0') return -1;
  int64_t value = 0;
  for (; *name != '\0'; name++) {
    if (*name < '0' || *name > '9' || value > INT32_MAX / 10) return -1;
    value = value * 10 + (*name - '0');
  }
  return value > INT32_MAX ? -1 : (int32_t)value;
}

static void scan_one_pid(scan_share *share, int32_t pid, char *path, size_t prefix_length) {
  /* path holds the prefix already; append "PID/fd" */
  char *tail = path + prefix_length;
  int written = 0;
  char digits[16];
  int digit_count = 0;
  int32_t rest = pid;
  do {
    digits[digit_count++] = (char)('0' + rest % 10);
    rest /= 10;
  } while (rest > 0 && digit_count < 15);
  while (digit_count > 0) tail[written++] = digits[--digit_count];
  memcpy(tail + written, "/fd", 4);

  int directory_fd = open(path, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
  if (directory_fd < 0) {
    if (!add_failure(share, pid, errno)) share->out_of_memory = 1;
    return;
  }
  DIR *directory = fdopendir(directory_fd);
  if (directory == NULL) {
    if (!add_failure(share, pid, errno)) share->out_of_memory = 1;
    close(directory_fd);
    return;
  }
  char target[64]; /* "socket:[N]" is at most 29 bytes; longer targets are not sockets */
  size_t sockets_before = share->count;
  struct dirent *entry;
  while ((entry = readdir(directory)) != NULL) {
    if (entry->d_name[0] == '.') continue;
    ssize_t length = readlinkat(directory_fd, entry->d_name, target, sizeof target);
    if (length < 0) {
      if (errno == ENOENT) continue; /* closed between readdir and readlink: holds nothing now */
      if (!add_failure(share, pid, errno)) share->out_of_memory = 1;
      break; /* EACCES: no fd of this process is readable */
    }
    double inode = parse_socket_link(target, length);
    if (inode < 0) continue;
    int32_t fd = parse_fd_name(entry->d_name);
    if (fd < 0) continue;
    if (!add_socket(share, pid, fd, inode)) {
      share->out_of_memory = 1;
      break;
    }
  }
  closedir(directory);
  if (share->count > sockets_before && !share->out_of_memory) {
    tail[written] = '\0'; /* path is now "PREFIX/PID" */
    if (!read_process_files(share, pid, path)) share->out_of_memory = 1;
  }
}

typedef struct {
  scan_job *job;
  scan_share *share;
} thread_argument;

static void *scan_thread(void *raw) {
  thread_argument *argument = raw;
  scan_job *job = argument->job;
  size_t prefix_length = strlen(job->prefix);
  char *path = malloc(prefix_length + 32);
  if (path == NULL) {
    argument->share->out_of_memory = 1;
    return NULL;
  }
  memcpy(path, job->prefix, prefix_length);
  for (;;) {
    size_t index = __atomic_fetch_add(&job->next_index, 1, __ATOMIC_RELAXED);
    if (index >= job->pid_count || argument->share->out_of_memory) break;
    scan_one_pid(argument->share, job->pids[index], path, prefix_length);
  }
  free(path);
  return NULL;
}

/* Runs on a libuv pool thread: it scans too, with thread_count - 1 helpers. */
static void execute_scan(napi_env env, void *data) {
  (void)env;
  scan_job *job = data;
  pthread_t helpers[MAX_THREADS];
  thread_argument arguments[MAX_THREADS];
  int started = 0;
  for (int i = 1; i < job->thread_count; i++) {
    arguments[i].job = job;
    arguments[i].share = &job->shares[i];
    if (pthread_create(&helpers[i], NULL, scan_thread, &arguments[i]) != 0) break;
    started = i;
  }
  arguments[0].job = job;
  arguments[0].share = &job->shares[0];
  scan_thread(&arguments[0]);
  for (int i = 1; i <= started; i++) pthread_join(helpers[i], NULL);
}

static void free_job(scan_job *job) {
  for (int i = 0; i < MAX_THREADS; i++) {
    free(job->shares[i].pids);
    free(job->shares[i].fds);
    free(job->shares[i].inodes);
    free(job->shares[i].failures);
    free(job->shares[i].process_pids);
    free(job->shares[i].process_spans);
    free(job->shares[i].process_bytes.data);
  }
  free(job->prefix);
  free(job->pids);
  free(job);
}

/* A typed array of `count` elements holding a copy of each share's array at `offset`. */
static napi_status make_typed_array(napi_env env, napi_typedarray_type type, size_t element_size, const scan_job *job,
                                    size_t total, size_t field_offset, napi_value *result) {
  void *data = NULL;
  napi_value buffer;
  napi_status status = napi_create_arraybuffer(env, total * element_size, &data, &buffer);
  if (status != napi_ok) return status;
  char *out = data;
  for (int i = 0; i < job->thread_count; i++) {
    const scan_share *share = &job->shares[i];
    const void *source = *(void *const *)((const char *)share + field_offset);
    if (share->count > 0) memcpy(out, source, share->count * element_size);
    out += share->count * element_size;
  }
  return napi_create_typedarray(env, type, total, buffer, 0, result);
}

/* Every share's process files as one { pids, spans, bytes }, spans rebased onto the joined bytes. */
static napi_status make_process_files(napi_env env, const scan_job *job, napi_value *result) {
  size_t count = 0, byte_total = 0;
  for (int i = 0; i < job->thread_count; i++) {
    count += job->shares[i].process_count;
    byte_total += job->shares[i].process_bytes.length;
  }
  if (byte_total > INT32_MAX) return napi_generic_failure;
  void *pid_data, *span_data, *byte_data;
  napi_value pid_buffer, span_buffer, byte_buffer, pids, spans, bytes;
  napi_status status;
  if ((status = napi_create_arraybuffer(env, count * sizeof(int32_t), &pid_data, &pid_buffer)) != napi_ok ||
      (status = napi_create_arraybuffer(env, count * PROCESS_FILE_COUNT * 2 * sizeof(int32_t), &span_data, &span_buffer)) != napi_ok ||
      (status = napi_create_arraybuffer(env, byte_total, &byte_data, &byte_buffer)) != napi_ok)
    return status;
  int32_t *pid_out = pid_data, *span_out = span_data;
  unsigned char *byte_out = byte_data;
  size_t base = 0;
  for (int i = 0; i < job->thread_count; i++) {
    const scan_share *share = &job->shares[i];
    if (share->process_count > 0) memcpy(pid_out, share->process_pids, share->process_count * sizeof(int32_t));
    pid_out += share->process_count;
    for (size_t j = 0; j < share->process_count * PROCESS_FILE_COUNT; j++) {
      *span_out++ = share->process_spans[j * 2] + (int32_t)base;
      *span_out++ = share->process_spans[j * 2 + 1];
    }
    if (share->process_bytes.length > 0) memcpy(byte_out + base, share->process_bytes.data, share->process_bytes.length);
    base += share->process_bytes.length;
  }
  if ((status = napi_create_typedarray(env, napi_int32_array, count, pid_buffer, 0, &pids)) != napi_ok ||
      (status = napi_create_typedarray(env, napi_int32_array, count * PROCESS_FILE_COUNT * 2, span_buffer, 0, &spans)) != napi_ok ||
      (status = napi_create_typedarray(env, napi_uint8_array, byte_total, byte_buffer, 0, &bytes)) != napi_ok ||
      (status = napi_create_object(env, result)) != napi_ok ||
      (status = napi_set_named_property(env, *result, "pids", pids)) != napi_ok ||
      (status = napi_set_named_property(env, *result, "spans", spans)) != napi_ok ||
      (status = napi_set_named_property(env, *result, "bytes", bytes)) != napi_ok)
    return status;
  return napi_ok;
}

#define CHECK(call)                 \
  do {                              \
    if ((call) != napi_ok) goto fail; \
  } while (0)

static void complete_scan(napi_env env, napi_status work_status, void *data) {
  scan_job *job = data;
  napi_value result, pids, fds, inodes, failures, processes, claimed, error_message, error;
  size_t total = 0, failure_total = 0;
  int out_of_memory = 0;
  for (int i = 0; i < job->thread_count; i++) {
    total += job->shares[i].count;
    failure_total += job->shares[i].failure_count;
    out_of_memory |= job->shares[i].out_of_memory;
  }
  if (work_status != napi_ok || out_of_memory) goto fail;
  CHECK(make_typed_array(env, napi_int32_array, sizeof(int32_t), job, total, offsetof(scan_share, pids), &pids));
  CHECK(make_typed_array(env, napi_int32_array, sizeof(int32_t), job, total, offsetof(scan_share, fds), &fds));
  CHECK(make_typed_array(env, napi_float64_array, sizeof(double), job, total, offsetof(scan_share, inodes), &inodes));
  CHECK(napi_create_array_with_length(env, failure_total, &failures));
  uint32_t failure_index = 0;
  for (int i = 0; i < job->thread_count; i++) {
    for (size_t j = 0; j < job->shares[i].failure_count; j++) {
      const scan_failure *failure = &job->shares[i].failures[j];
      napi_value object, pid, code;
      const char *name = errno_code(failure->code);
      CHECK(napi_create_object(env, &object));
      CHECK(napi_create_int32(env, failure->pid, &pid));
      CHECK(napi_create_string_utf8(env, name, NAPI_AUTO_LENGTH, &code));
      CHECK(napi_set_named_property(env, object, "pid", pid));
      CHECK(napi_set_named_property(env, object, "code", code));
      CHECK(napi_set_element(env, failures, failure_index++, object));
    }
  }
  CHECK(make_process_files(env, job, &processes));
  CHECK(napi_create_double(env, (double)job->pid_count, &claimed));
  CHECK(napi_create_object(env, &result));
  CHECK(napi_set_named_property(env, result, "pids", pids));
  CHECK(napi_set_named_property(env, result, "fds", fds));
  CHECK(napi_set_named_property(env, result, "inodes", inodes));
  CHECK(napi_set_named_property(env, result, "failures", failures));
  CHECK(napi_set_named_property(env, result, "processes", processes));
  CHECK(napi_set_named_property(env, result, "claimed", claimed));
  napi_resolve_deferred(env, job->deferred, result);
  napi_delete_async_work(env, job->work);
  free_job(job);
  return;
fail:
  napi_create_string_utf8(env, out_of_memory ? "fd scan: out of memory" : "fd scan failed", NAPI_AUTO_LENGTH, &error_message);
  napi_create_error(env, NULL, error_message, &error);
  napi_reject_deferred(env, job->deferred, error);
  napi_delete_async_work(env, job->work);
  free_job(job);
}

static napi_value throw_type_error(napi_env env, const char *message) {
  napi_throw_type_error(env, NULL, message);
  return NULL;
}

napi_value scan_socket_fds(napi_env env, napi_callback_info info) {
  size_t argc = 3;
  napi_value argv[3];
  if (napi_get_cb_info(env, info, &argc, argv, NULL, NULL) != napi_ok || argc < 3)
    return throw_type_error(env, "scanSocketFds(prefix, pids, threads): three arguments expected");

  size_t prefix_length = 0;
  if (napi_get_value_string_utf8(env, argv[0], NULL, 0, &prefix_length) != napi_ok)
    return throw_type_error(env, "scanSocketFds: prefix must be a string");
  bool is_typed_array = false;
  napi_is_typedarray(env, argv[1], &is_typed_array);
  napi_typedarray_type type;
  size_t pid_count = 0;
  void *pid_data = NULL;
  if (!is_typed_array || napi_get_typedarray_info(env, argv[1], &type, &pid_count, &pid_data, NULL, NULL) != napi_ok ||
      type != napi_int32_array)
    return throw_type_error(env, "scanSocketFds: pids must be an Int32Array");
  int32_t threads = 1;
  if (napi_get_value_int32(env, argv[2], &threads) != napi_ok)
    return throw_type_error(env, "scanSocketFds: threads must be a number");
  if (threads < 1) threads = 1;
  if (threads > MAX_THREADS) threads = MAX_THREADS;

  scan_job *job = calloc(1, sizeof *job);
  if (job == NULL) return throw_type_error(env, "scanSocketFds: out of memory");
  job->prefix = malloc(prefix_length + 1);
  job->pids = malloc((pid_count > 0 ? pid_count : 1) * sizeof(int32_t));
  if (job->prefix == NULL || job->pids == NULL) {
    free_job(job);
    return throw_type_error(env, "scanSocketFds: out of memory");
  }
  napi_get_value_string_utf8(env, argv[0], job->prefix, prefix_length + 1, &prefix_length);
  if (pid_count > 0) memcpy(job->pids, pid_data, pid_count * sizeof(int32_t));
  job->pid_count = pid_count;
  job->thread_count = threads;

  napi_value promise, name;
  if (napi_create_promise(env, &job->deferred, &promise) != napi_ok ||
      napi_create_string_utf8(env, "sockaudit:fd-scan", NAPI_AUTO_LENGTH, &name) != napi_ok ||
      napi_create_async_work(env, NULL, name, execute_scan, complete_scan, job, &job->work) != napi_ok ||
      napi_queue_async_work(env, job->work) != napi_ok) {
    free_job(job);
    napi_throw_error(env, NULL, "scanSocketFds: cannot start the scan");
    return NULL;
  }
  return promise;
}
