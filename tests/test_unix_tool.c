/*
 * test_unix_tool.c - the prshm command, run as a real process against real
 * segments: every subcommand, every error case and exit code, and prune
 * with segments held in each way a segment can be held.
 *
 * The command's path comes from the build (PRSHM_TOOL_PATH, tests/tool.cmake).
 * Every case but one moves the namespace to a private directory
 * (PRSHM_DIR, inherited by the command) so that ls sees exactly its own
 * segments and prune can never touch anyone else's. Children holding
 * segments wait on pipes; nothing is ordered by sleeping.
 */
#define _GNU_SOURCE
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include "runner.h"

#ifndef PRSHM_TOOL_PATH
#define PRSHM_TOOL_PATH ""
#endif

/* Room for the listing of a crowded /dev/shm (10,000 segments and more,
 * as when the benchmark runs beside the tests). */
#define TL_OUT_MAX (16u << 20)
#define TL_ERR_MAX 16384

/* ---- Running the command ---- */

/* What one run of the command did. */
typedef struct tl_result {
  int code;             /* exit status, or 128 + signal */
  char *out;            /* standard output, NUL-terminated (static buffer) */
  size_t out_len;       /* its length (it may hold NULs) */
  char err[TL_ERR_MAX]; /* standard error, NUL-terminated */
} tl_result;

static char tl_out_buf[TL_OUT_MAX + 1];

/* Makes the child's side of the three pipes its stdin, stdout, stderr and
 * runs the command (as nobody when asked). Never returns. */
static void tl_exec(const int in[2], const int out[2], const int err[2], int as_nobody,
                    const char *const *args) {
  char *argv[32];
  int n = 0;

  if (dup2(in[0], 0) < 0 || dup2(out[1], 1) < 0 || dup2(err[1], 2) < 0) _exit(126);
  if (as_nobody && t_become_nobody() != 0) _exit(126);
  argv[n++] = (char *)(uintptr_t) "prshm";
  while (*args != NULL && n < 31) argv[n++] = (char *)(uintptr_t)*args++;
  argv[n] = NULL;
  execv(PRSHM_TOOL_PATH, argv);
  _exit(127);
}

/* Feeds `input` to the child and collects its output until both output
 * pipes reach end of file. */
static void tl_pump(int in, int out, int err, const char *input, size_t input_len, tl_result *r) {
  size_t err_len = 0, sent = 0;
  struct pollfd p[3];

  if (input_len == 0) close(in), in = -1;
  while (out >= 0 || err >= 0) {
    p[0].fd = in, p[0].events = POLLOUT;
    p[1].fd = out, p[1].events = POLLIN;
    p[2].fd = err, p[2].events = POLLIN;
    CHECK_INT(poll(p, 3, -1), >, 0);
    if (in >= 0 && p[0].revents != 0) {
      ssize_t n = write(in, input + sent, input_len - sent);
      if (n > 0) sent += (size_t)n;
      if (n < 0 || sent == input_len) close(in), in = -1; /* EPIPE: it stopped reading */
    }
    if (out >= 0 && p[1].revents != 0) {
      char scratch[4096];
      /* Past the buffer's end the output is read and dropped, so that the
       * command never dies of a broken pipe. */
      ssize_t n = r->out_len < TL_OUT_MAX ? read(out, r->out + r->out_len, TL_OUT_MAX - r->out_len)
                                          : read(out, scratch, sizeof scratch);
      if (n > 0 && r->out_len < TL_OUT_MAX) r->out_len += (size_t)n;
      if (n <= 0) close(out), out = -1;
    }
    if (err >= 0 && p[2].revents != 0) {
      ssize_t n = read(err, r->err + err_len, TL_ERR_MAX - 1 - err_len);
      if (n > 0)
        err_len += (size_t)n;
      else
        close(err), err = -1;
    }
  }
  if (in >= 0) close(in);
  r->out[r->out_len] = '\0';
  r->err[err_len] = '\0';
}

/* Runs `prshm ARGS...` with `input` on stdin; returns its exit code. */
static int tl_run(tl_result *r, int as_nobody, const char *input, size_t input_len,
                  const char *const *args) {
  int in[2], out[2], err[2], status;
  pid_t pid;

  if (PRSHM_TOOL_PATH[0] == '\0') SKIP("the prshm command is not built (PRSHM_TOOLS=OFF)");
  memset(r, 0, sizeof *r);
  r->out = tl_out_buf;
  CHECK_EQ(pipe2(in, O_CLOEXEC), 0);
  CHECK_EQ(pipe2(out, O_CLOEXEC), 0);
  CHECK_EQ(pipe2(err, O_CLOEXEC), 0);
  fflush(NULL);
  pid = fork();
  CHECK_INT(pid, >=, 0);
  if (pid == 0) tl_exec(in, out, err, as_nobody, args);
  close(in[0]), close(out[1]), close(err[1]);
  signal(SIGPIPE, SIG_IGN);
  tl_pump(in[1], out[0], err[0], input, input_len, r);
  CHECK_EQ(waitpid(pid, &status, 0), pid);
  r->code = WIFSIGNALED(status) ? 128 + WTERMSIG(status) : WEXITSTATUS(status);
  return r->code;
}

#define TL_ARGS(...) ((const char *const[]){__VA_ARGS__, NULL})
/* prshm ARGS..., no input. */
#define TL(r, ...) tl_run(r, 0, NULL, 0, TL_ARGS(__VA_ARGS__))
/* prshm ARGS... with the string `in` on stdin. */
#define TL_IN(r, in, ...) tl_run(r, 0, in, strlen(in), TL_ARGS(__VA_ARGS__))
/* prshm ARGS... as the user nobody. */
#define TL_NOBODY(r, ...) tl_run(r, 1, NULL, 0, TL_ARGS(__VA_ARGS__))

/* Checks that `text` contains `part`, printing both if not. */
#define CHECK_HAS(text, part)                                                 \
  do {                                                                        \
    if (strstr((text), (part)) == NULL)                                       \
      t_fail(__FILE__, __LINE__, "\"%s\" not found in:\n%s", (part), (text)); \
  } while (0)
#define CHECK_HASNT(text, part)                                           \
  do {                                                                    \
    if (strstr((text), (part)) != NULL)                                   \
      t_fail(__FILE__, __LINE__, "\"%s\" found in:\n%s", (part), (text)); \
  } while (0)

/* ---- A private namespace ---- */

static char tl_dir[64];

static void tl_remove_dir(void) {
  DIR *d = opendir(tl_dir);
  struct dirent *e;

  if (d == NULL) return;
  while ((e = readdir(d)) != NULL)
    if (strcmp(e->d_name, ".") != 0 && strcmp(e->d_name, "..") != 0)
      (void)unlinkat(dirfd(d), e->d_name, 0);
  closedir(d);
  (void)rmdir(tl_dir);
}

/* Moves the namespace of this process and of the commands it runs to a
 * new directory, sticky and open to all like /dev/shm. Must come before
 * any prshm call: PRSHM_DIR is read once. */
static void tl_private(void) {
  char native[PRSHM_NATIVE_NAME_MAX];

  snprintf(tl_dir, sizeof tl_dir, "/tmp/prshm-tool-XXXXXX");
  CHECK(mkdtemp(tl_dir) != NULL);
  CHECK_EQ(chmod(tl_dir, 01777), 0);
  atexit(tl_remove_dir);
  CHECK_EQ(setenv(PRSHM_DIR_ENV, tl_dir, 1), 0);
  CHECK_OK(prshm_native_name("/x", native, sizeof native));
  if (strncmp(native, tl_dir, strlen(tl_dir)) != 0)
    SKIP("the namespace was chosen before this test: run it on its own (as CTest does)");
}

/* The file behind a name, in the private directory. */
static const char *tl_file(const char *name) {
  static char native[PRSHM_NATIVE_NAME_MAX];
  CHECK_OK(prshm_native_name(name, native, sizeof native));
  return native;
}

static int tl_exists(const char *name) { return access(tl_file(name), F_OK) == 0; }

/* Creates a segment through the library, filled with `fill` bytes. */
static void tl_make(const char *name, PRSize size, PRIntn mode, int fill) {
  PRSharedMemory *shm = PR_OpenSharedMemory(name, size, PR_SHM_CREATE | PR_SHM_EXCL, mode);
  char *p;

  CHECK_NOT_NULL(shm);
  p = PR_AttachSharedMemory(shm, 0);
  CHECK_NOT_NULL(p);
  memset(p, fill, size);
  CHECK_OK(PR_DetachSharedMemory(shm, p));
  CHECK_OK(PR_CloseSharedMemory(shm));
}

/* ---- Children that hold segments ---- */

/* A child holding a segment, with the pipes that control it. */
typedef struct tl_holder {
  t_proc proc; /* the child */
  int ready;   /* reads 'r' once the child holds the segment */
  int go;      /* a byte written here lets it exit */
} tl_holder;

static const char *tl_num(int n, char buf[16]) {
  snprintf(buf, 16, "%d", n);
  return buf;
}

/* Starts child `how` on `target` and waits until it holds it. */
static tl_holder tl_hold(const char *how, const char *target) {
  int ready[2], go[2];
  char a[16], b[16];
  tl_holder h;
  char c = 0;

  CHECK_EQ(pipe2(ready, O_CLOEXEC), 0);
  CHECK_EQ(pipe2(go, O_CLOEXEC), 0);
  CHECK_EQ(fcntl(ready[1], F_SETFD, 0), 0);
  CHECK_EQ(fcntl(go[0], F_SETFD, 0), 0);
  {
    const char *args[] = {target, tl_num(ready[1], a), tl_num(go[0], b), NULL};
    h.proc = t_spawn(how, args);
  }
  close(ready[1]);
  close(go[0]);
  h.ready = ready[0];
  h.go = go[1];
  CHECK_EQ(read(h.ready, &c, 1), 1);
  CHECK_EQ(c, 'r');
  return h;
}

static void tl_release(tl_holder *h) {
  CHECK_EQ(write(h->go, "g", 1), 1);
  CHECK_EQ(t_wait(h->proc), 0);
  close(h->ready);
  close(h->go);
}

static void tl_kill(tl_holder *h) {
  t_kill(h->proc);
  CHECK_EQ(t_wait(h->proc), 128 + SIGKILL);
  close(h->ready);
  close(h->go);
}

/* In a child: says "ready", then waits for the word to go. */
static int tl_child_wait(char **argv) {
  char c;
  if (write(atoi(argv[1]), "r", 1) != 1) return 20;
  return read(atoi(argv[2]), &c, 1) == 1 ? 0 : 21;
}

/* Holds a prshm handle, attached. */
CHILD(hold_handle) {
  PRSharedMemory *shm;

  if (argc != 3) return 2;
  shm = PR_OpenSharedMemory(argv[0], 0, 0, 0);
  if (shm == NULL || PR_AttachSharedMemory(shm, 0) == NULL) return 3;
  return tl_child_wait(argv);
}

/* Attaches through prshm, closes the handle, and stays attached. */
CHILD(hold_mapping) {
  PRSharedMemory *shm;

  if (argc != 3) return 2;
  shm = PR_OpenSharedMemory(argv[0], 0, 0, 0);
  if (shm == NULL || PR_AttachSharedMemory(shm, 0) == NULL) return 3;
  if (PR_CloseSharedMemory(shm) != PR_SUCCESS) return 4;
  return tl_child_wait(argv);
}

/* A program that is not prshm: maps the file by its path and closes it. */
CHILD(hold_foreign_map) {
  void *p;
  int fd;

  if (argc != 3) return 2;
  fd = open(argv[0], O_RDWR);
  if (fd < 0) return 3;
  p = mmap(NULL, 4096, PROT_READ | PROT_WRITE, MAP_SHARED, fd, 0);
  close(fd);
  if (p == MAP_FAILED) return 4;
  return tl_child_wait(argv);
}

/* ---- Help, version, usage ---- */

TEST(help_and_version) {
  static const char *const commands[] = {"ls",  "info", "create", "rm",
                                         "cat", "dump", "write",  "prune"};
  tl_result r;
  size_t i;

  CHECK_EQ(TL(&r, "--help"), 0);
  CHECK_HAS(r.out, "usage: prshm COMMAND");
  for (i = 0; i < sizeof commands / sizeof commands[0]; i++) {
    char line[32];
    snprintf(line, sizeof line, "prshm %s", commands[i]);
    CHECK_HAS(r.out, line);
  }
  CHECK_HAS(r.out, "exit status");
  CHECK_STR(r.err, "");
  CHECK_EQ(TL(&r, "-h"), 0);
  CHECK_HAS(r.out, "usage: prshm COMMAND");
  CHECK_EQ(TL(&r, "--version"), 0);
  CHECK_HAS(r.out, "prshm " PRSHM_VERSION);
  CHECK_HAS(r.out, prshm_backend_name());
  CHECK_EQ(TL(&r, "create", "--help"), 0);
  CHECK_HAS(r.out, "usage: prshm create NAME SIZE");
}

TEST(bad_usage) {
  tl_result r;

  CHECK_EQ(tl_run(&r, 0, NULL, 0, TL_ARGS(NULL)), 2);
  CHECK_HAS(r.err, "prshm: no command given");
  CHECK_EQ(TL(&r, "frobnicate"), 2);
  CHECK_HAS(r.err, "prshm: unknown command 'frobnicate'");
  CHECK_HAS(r.err, "Try 'prshm --help'");
  CHECK_EQ(TL(&r, "ls", "--sparse"), 2);
  CHECK_HAS(r.err, "'prshm ls' has no option '--sparse'");
  CHECK_EQ(TL(&r, "ls", "extra"), 2);
  CHECK_HAS(r.err, "usage: prshm ls");
  CHECK_EQ(TL(&r, "create", "/x"), 2);
  CHECK_HAS(r.err, "usage: prshm create NAME SIZE");
  CHECK_EQ(TL(&r, "cat"), 2);
  CHECK_EQ(TL(&r, "cat", "/x", "--offset"), 2);
  CHECK_HAS(r.err, "option '--offset' needs a value");
  CHECK_EQ(TL(&r, "prune", "--dry-run=yes"), 2);
  CHECK_HAS(r.err, "option '--dry-run' takes no value");
  CHECK_EQ(TL(&r, "cat", "/x", "--offset", "-5"), 2);
  CHECK_HAS(r.err, "-5: not an offset");
  CHECK_STR(r.out, "");
}

/* ---- create, info, rm ---- */

TEST(create_info_rm) {
  const char *name;
  prshm_seginfo info;
  tl_result r;

  tl_private();
  name = t_name("cir");
  CHECK_EQ(TL(&r, "create", name, "12K", "--mode", "0640"), 0);
  CHECK_STR(r.out, "");
  CHECK_STR(r.err, "");
  CHECK_OK(prshm_stat(name, &info));
  CHECK_EQ(info.size, 12288);
  CHECK_EQ(info.mode, 0640);
  CHECK_EQ(TL(&r, "info", name), 0);
  CHECK_HAS(r.out, "size:       12288 bytes (12K)");
  CHECK_HAS(r.out, "mode:       0640");
  CHECK_HAS(r.out, "state:      not held");
  CHECK_HAS(r.out, "kind:       segment");
  CHECK_HAS(r.out, name);
  CHECK_HAS(r.out, tl_file(name));
  CHECK_EQ(TL(&r, "rm", name), 0);
  CHECK(!tl_exists(name));
  CHECK_EQ(TL(&r, "info", name), 3);
  CHECK_HAS(r.err, "no such segment");
  CHECK_STR(r.out, "");
  CHECK_EQ(TL(&r, "rm", name), 3);
}

TEST(info_and_rm_report_each_name) {
  char expect[256];
  const char *a, *missing;
  tl_result r;

  tl_private();
  a = t_name("each-a");
  missing = t_name("each-missing");
  tl_make(a, 100, 0600, 0);
  CHECK_EQ(TL(&r, "info", missing, a), 3);
  snprintf(expect, sizeof expect, "prshm: %s: no such segment\n", missing);
  CHECK_STR(r.err, expect);
  CHECK_HAS(r.out, "size:       100 bytes");
  CHECK_EQ(TL(&r, "info", "--json", a, missing), 3);
  CHECK_HAS(r.out, "\"size\": 100");
  /* rm goes on past a missing name, and reports it. */
  CHECK_EQ(TL(&r, "rm", missing, a), 3);
  CHECK_STR(r.err, expect);
  CHECK(!tl_exists(a));
}

TEST(create_default_mode_and_sizes) {
  static const struct {
    const char *text; /* as typed */
    PRUint64 bytes;   /* what it means */
  } sizes[] = {{"1", 1},       {"4096", 4096},   {"4K", 4096},      {"4k", 4096},
               {"4KiB", 4096}, {"4KB", 4000},    {"1M", 1 << 20},   {"2MB", 2000000},
               {"100B", 100},  {"1G", 1u << 30}, {"1gib", 1u << 30}};
  prshm_seginfo info;
  tl_result r;
  size_t i;

  tl_private();
  for (i = 0; i < sizeof sizes / sizeof sizes[0]; i++) {
    const char *name = t_name("sizes");
    /* Sparse, so that a gigabyte costs nothing. */
    CHECK_EQ(TL(&r, "create", name, sizes[i].text, "--sparse"), 0);
    CHECK_OK(prshm_stat(name, &info));
    CHECK_EQ(info.size, sizes[i].bytes);
    CHECK_EQ(info.mode, 0600);
    CHECK_OK(PR_DeleteSharedMemory(name));
  }
}

TEST(create_sparse_and_reserved) {
  const char *sparse, *full;
  struct stat st;
  tl_result r;

  tl_private();
  sparse = t_name("sparse");
  full = t_name("full");
  CHECK_EQ(TL(&r, "create", sparse, "64M", "--sparse"), 0);
  CHECK_EQ(stat(tl_file(sparse), &st), 0);
  CHECK_EQ(st.st_size, 64 << 20);
  CHECK_INT(st.st_blocks * 512, <, 1 << 20);
  CHECK_EQ(TL(&r, "create", full, "4M"), 0);
  CHECK_EQ(stat(tl_file(full), &st), 0);
  CHECK_INT(st.st_blocks * 512, >=, 4 << 20);
}

TEST(create_errors) {
  char longname[1100];
  const char *name;
  tl_result r;

  tl_private();
  name = t_name("createerr");
  CHECK_EQ(TL(&r, "create", name, "12XB"), 2);
  CHECK_HAS(r.err, "prshm: 12XB: not a size");
  CHECK_EQ(TL(&r, "create", name, "12K7"), 2);
  CHECK_EQ(TL(&r, "create", name, "-1"), 2);
  CHECK_EQ(TL(&r, "create", name, ""), 2);
  CHECK_EQ(TL(&r, "create", name, "0"), 2);
  CHECK_HAS(r.err, "at least 1 byte");
  CHECK_EQ(TL(&r, "create", name, "99999999999999999999"), 2);
  CHECK_EQ(TL(&r, "create", name, "20000000T"), 2);
  CHECK_EQ(TL(&r, "create", name, "1K", "--mode", "0999"), 2);
  CHECK_HAS(r.err, "0999: not a mode");
  CHECK_EQ(TL(&r, "create", name, "1K", "--mode", "1777"), 2);
  CHECK_EQ(TL(&r, "create", name, "1K", "--mode=rw"), 2);
  CHECK(!tl_exists(name));
  CHECK_EQ(TL(&r, "create", name, "1K", "--mode=644"), 0);
  CHECK_EQ(TL(&r, "create", name, "1K"), 5);
  CHECK_HAS(r.err, "a segment of that name exists already");
  memset(longname, 'n', 1050);
  longname[0] = '/';
  longname[1050] = '\0';
  CHECK_EQ(TL(&r, "create", longname, "1K"), 2);
  CHECK_HAS(r.err, "name too long (1050 bytes): at most 1023 bytes");
  CHECK_HAS(r.err, "..."); /* shortened in the message */
  CHECK_EQ(TL(&r, "info", longname), 2);
  CHECK_EQ(TL(&r, "rm", longname), 2);
  CHECK_EQ(TL(&r, "cat", longname), 2);
}

TEST(relative_names_resolve_against_the_current_directory) {
  char cwd[4096], abs[4200];
  tl_result r;

  tl_private();
  CHECK(getcwd(cwd, sizeof cwd) != NULL);
  CHECK_EQ(TL(&r, "create", "tool-relative", "10"), 0);
  snprintf(abs, sizeof abs, "%s/tool-relative", cwd);
  CHECK_EQ(TL(&r, "info", abs), 0);
  CHECK_HAS(r.out, "size:       10 bytes");
  CHECK_EQ(TL(&r, "rm", abs), 0);
}

/* The line of `text` that contains `part`, copied into line. */
static const char *tl_line(const char *text, const char *part, char *line, size_t size) {
  const char *at = strstr(text, part), *start, *end;

  if (at == NULL) t_fail(__FILE__, __LINE__, "\"%s\" not found in:\n%s", part, text);
  for (start = at; start > text && start[-1] != '\n'; start--) {
  }
  end = strchr(at, '\n');
  if (end == NULL) end = at + strlen(at);
  snprintf(line, size, "%.*s", (int)(end - start), start);
  return line;
}

/* Valid JSON, as Python reads it (when there is a Python). */
static void tl_check_json(const char *json) {
  int in[2], status;
  pid_t pid;

  if (access("/usr/bin/python3", X_OK) != 0) return;
  CHECK_EQ(pipe(in), 0);
  pid = fork();
  CHECK_INT(pid, >=, 0);
  if (pid == 0) {
    dup2(in[0], 0);
    close(in[1]);
    execl("/usr/bin/python3", "python3", "-c", "import json,sys; json.load(sys.stdin)", NULL);
    _exit(127);
  }
  close(in[0]);
  CHECK_EQ(write(in[1], json, strlen(json)), (ssize_t)strlen(json));
  close(in[1]);
  CHECK_EQ(waitpid(pid, &status, 0), pid);
  CHECK(WIFEXITED(status) && WEXITSTATUS(status) == 0);
}

TEST(unprintable_names_are_escaped) {
  const char *name = "/tool\x01\x1b[31mred";
  /* C1 controls written as UTF-8 (U+009B is CSI, which starts an escape
   * sequence on many terminals; U+0085 is NEL), a raw C1 byte, and the
   * bidirectional override U+202E: each shown as its bytes, escaped.
   * Short enough for a readable key on the portable backend too. */
  const char *c1 = "/\xc2\x9b\xc2\x85\x9b\xe2\x80\xae";
  tl_result r;

  tl_private();
  CHECK_EQ(TL(&r, "info", name), 3);
  CHECK_HAS(r.err, "prshm: /tool\\x01\\x1b[31mred: no such segment");
  CHECK_EQ(TL(&r, "create", name, "8"), 0);
  CHECK_EQ(TL(&r, "create", c1, "8"), 0);
  CHECK_EQ(TL(&r, "ls"), 0);
  CHECK_HAS(r.out, "/tool\\x01\\x1b[31mred");
  CHECK_HAS(r.out, "/\\xc2\\x9b\\xc2\\x85\\x9b\\xe2\\x80\\xae");
  CHECK_HASNT(r.out, "\x1b");
  CHECK_HASNT(r.out, "\xc2\x9b");
  CHECK_HASNT(r.out, "\xe2\x80\xae");
  CHECK_EQ(TL(&r, "info", c1), 0);
  CHECK_HASNT(r.out, "\xc2\x9b");
  CHECK_EQ(TL(&r, "cat", c1, "--offset", "9"), 2);
  CHECK_HAS(r.err, "prshm: /\\xc2\\x9b\\xc2\\x85");
  CHECK_HASNT(r.err, "\xc2\x9b");
  /* JSON keeps them, as escapes a program reads back exactly. */
  CHECK_EQ(TL(&r, "ls", "--json"), 0);
  tl_check_json(r.out);
  CHECK_HAS(r.out, "\"/\\u009b\\u0085\\udc9b\\u202e\"");
  CHECK_OK(PR_DeleteSharedMemory(name));
  CHECK_OK(PR_DeleteSharedMemory(c1));
}

TEST(bad_names_say_why) {
  char longname[1100];
  tl_result r;

  tl_private();
  CHECK_EQ(TL(&r, "info", ""), 2);
  CHECK_HAS(r.err, "prshm: \"\": not a valid name: a name must not be empty");
  CHECK_EQ(TL(&r, "create", "", "1"), 2);
  CHECK_HAS(r.err, "a name must not be empty");
  CHECK_EQ(TL(&r, "rm", ""), 2);
  memset(longname, 'n', 1030);
  longname[1030] = '\0';
  CHECK_EQ(TL(&r, "info", longname), 2);
  CHECK_HAS(r.err, "name too long (1030 bytes): at most 1023 bytes");
  CHECK_EQ(TL(&r, "info", "--native", "a/b"), 2);
  CHECK_HAS(r.err, "prshm: a/b: not a native name of ");
}

/* ---- other programs' objects, by native name ---- */

TEST(native_names_show_and_read_other_programs_objects) {
  /* What Python's multiprocessing.shared_memory makes: "psm_" and a few
   * hex digits, a plain file of the namespace. */
  char path[PRSHM_NATIVE_NAME_MAX + 16], line[512];
  tl_result r;
  int fd;

  tl_private();
  snprintf(path, sizeof path, "%s/psm_%ld", tl_dir, t_pid());
  fd = open(path, O_CREAT | O_EXCL | O_RDWR, 0600);
  CHECK_INT(fd, >=, 0);
  CHECK_EQ(write(fd, "from python", 11), 11);
  CHECK_EQ(ftruncate(fd, 64), 0);
  close(fd);
  CHECK_EQ(TL(&r, "ls"), 0);
  CHECK_HAS(tl_line(r.out, path, line, sizeof line), "(not prshm's)");
  CHECK_EQ(TL(&r, "info", "--native", strrchr(path, '/') + 1), 0);
  CHECK_HAS(r.out, "kind:       shared memory another program made");
  CHECK_HAS(r.out, "size:       64 bytes");
  CHECK_EQ(TL(&r, "info", "--native", path), 0); /* the path under PRSHM_DIR too */
  CHECK_EQ(TL(&r, "cat", "--native", strrchr(path, '/') + 1, "--length", "11"), 0);
  CHECK_STR(r.out, "from python");
  CHECK_EQ(TL_IN(&r, "FROM", "write", "--native", strrchr(path, '/') + 1, "--offset", "0"), 0);
  CHECK_EQ(TL(&r, "dump", "--native", strrchr(path, '/') + 1, "--length", "4"), 0);
  CHECK_HAS(r.out, "|FROM|");
  CHECK_EQ(TL(&r, "info", "--native", "psm_none"), 3);
  CHECK_HAS(r.err, "prshm: psm_none: no such object in the namespace");
  /* Never prshm's to prune. */
  CHECK_EQ(TL(&r, "prune", "--min-age", "0"), 0);
  CHECK_EQ(access(path, F_OK), 0);
  CHECK_EQ(unlink(path), 0);
}

/* ---- write, cat, dump ---- */

TEST(write_then_cat) {
  const char *name;
  tl_result r;
  size_t i;

  tl_private();
  name = t_name("wc");
  tl_make(name, 256, 0600, 0);
  CHECK_EQ(TL_IN(&r, "hello, segment", "write", name, "--offset", "100"), 0);
  CHECK_EQ(TL(&r, "cat", name, "--offset", "100", "--length", "14"), 0);
  CHECK_EQ(r.out_len, 14);
  CHECK_STR(r.out, "hello, segment");
  CHECK_EQ(TL(&r, "cat", name), 0);
  CHECK_EQ(r.out_len, 256);
  for (i = 0; i < 256; i++) CHECK_EQ(r.out[i], i >= 100 && i < 114 ? "hello, segment"[i - 100] : 0);
  CHECK_EQ(TL(&r, "cat", name, "--offset=250"), 0);
  CHECK_EQ(r.out_len, 6);
  CHECK_EQ(TL(&r, "cat", name, "--offset", "256"), 0);
  CHECK_EQ(r.out_len, 0);
  /* Exactly to the end fits; empty input writes nothing and succeeds. */
  CHECK_EQ(TL_IN(&r, "END", "write", name, "--offset", "253"), 0);
  CHECK_EQ(TL(&r, "cat", name, "--offset", "253"), 0);
  CHECK_STR(r.out, "END");
  CHECK_EQ(TL_IN(&r, "", "write", name, "--offset", "256"), 0);
}

TEST(cat_and_write_refuse_past_the_end) {
  char big[300];
  const char *name;
  tl_result r;

  tl_private();
  name = t_name("pastend");
  tl_make(name, 256, 0600, 'a');
  CHECK_EQ(TL(&r, "cat", name, "--offset", "257"), 2);
  CHECK_HAS(r.err, "offset 257 is past the end of the segment (256 bytes)");
  CHECK_EQ(r.out_len, 0);
  CHECK_EQ(TL(&r, "cat", name, "--offset", "200", "--length", "57"), 2);
  CHECK_HAS(r.err, "goes past the end");
  CHECK_EQ(TL(&r, "dump", name, "--length", "1K"), 2);
  /* Too much input: refused whole, nothing written. */
  memset(big, 'z', sizeof big - 1);
  big[sizeof big - 1] = '\0';
  CHECK_EQ(TL_IN(&r, big, "write", name), 2);
  CHECK_HAS(r.err, "the input does not fit");
  CHECK_HAS(r.err, "nothing was written");
  CHECK_EQ(TL_IN(&r, "xy", "write", name, "--offset", "255"), 2);
  CHECK_EQ(TL_IN(&r, "x", "write", name, "--offset", "257"), 2);
  CHECK_EQ(TL(&r, "cat", name), 0);
  CHECK_EQ(r.out_len, 256);
  CHECK_EQ(strspn(r.out, "a"), 256);
}

TEST(cat_large_segment) {
  const char *name;
  tl_result r;

  tl_private();
  name = t_name("large");
  tl_make(name, 1 << 20, 0600, 'q');
  CHECK_EQ(TL(&r, "cat", name), 0);
  CHECK_EQ(r.out_len, 1 << 20);
  CHECK_EQ(strspn(r.out, "q"), 1 << 20);
}

TEST(dump_shows_hex) {
  const char *name;
  tl_result r;

  tl_private();
  name = t_name("dump");
  tl_make(name, 100, 0600, 0);
  CHECK_EQ(TL_IN(&r, "Hello, dump!\n", "write", name, "--offset", "16"), 0);
  CHECK_EQ(TL(&r, "dump", name), 0);
  CHECK_STR(r.out,
            "00000000  00 00 00 00 00 00 00 00  00 00 00 00 00 00 00 00  |................|\n"
            "00000010  48 65 6c 6c 6f 2c 20 64  75 6d 70 21 0a 00 00 00  |Hello, dump!....|\n"
            "00000020  00 00 00 00 00 00 00 00  00 00 00 00 00 00 00 00  |................|\n"
            "*\n"
            "00000060  00 00 00 00                                       |....|\n"
            "00000064\n");
  CHECK_EQ(TL(&r, "dump", name, "--offset", "20", "--length", "3"), 0);
  CHECK_STR(r.out,
            "00000014  6f 2c 20                                          |o, |\n"
            "00000017\n");
}

TEST(missing_segments) {
  const char *name;
  char expect[128];
  tl_result r;

  tl_private();
  name = t_name("missing");
  snprintf(expect, sizeof expect, "prshm: %s: no such segment\n", name);
  CHECK_EQ(TL(&r, "cat", name), 3);
  CHECK_STR(r.err, expect);
  CHECK_EQ(TL(&r, "dump", name), 3);
  CHECK_STR(r.err, expect);
  CHECK_EQ(TL_IN(&r, "x", "write", name), 3);
  CHECK_STR(r.err, expect);
  CHECK_EQ(TL(&r, "info", name), 3);
  CHECK_EQ(TL(&r, "rm", name), 3);
  CHECK(!tl_exists(name));
}

TEST(no_permission) {
  const char *secret, *readable;
  tl_result r;

  if (geteuid() != 0) SKIP("needs root, to run the command as another user");
  tl_private();
  secret = t_name("secret");
  readable = t_name("readable");
  tl_make(secret, 64, 0600, 's');
  tl_make(readable, 64, 0644, 'r');
  CHECK_EQ(TL_NOBODY(&r, "cat", secret), 4);
  CHECK_HAS(r.err, ": permission denied");
  CHECK_EQ(TL_NOBODY(&r, "dump", secret), 4);
  /* Readable: cat works; writing needs write access. */
  CHECK_EQ(TL_NOBODY(&r, "cat", readable), 0);
  CHECK_EQ(r.out_len, 64);
  CHECK_EQ(tl_run(&r, 1, "x", 1, TL_ARGS("write", readable)), 4);
  CHECK_HAS(r.err, ": permission denied");
  /* The directory is sticky: only the owner removes. */
  CHECK_EQ(TL_NOBODY(&r, "rm", readable), 4);
  CHECK(tl_exists(readable));
}

/* ---- ls ---- */

TEST(ls_lists_every_kind) {
  char hashed[400], leftover[96], line[512];
  const char *named;
  tl_result r;
  size_t len;
  int fd;

  tl_private();
  named = t_name("lsnamed");
  tl_make(named, 4096, 0640, 0);
  snprintf(hashed, sizeof hashed, "%s-", t_name("lshashed"));
  len = strlen(hashed);
  memset(hashed + len, 'h', 300);
  hashed[len + 300] = '\0';
  tl_make(hashed, 3 << 20, 0600, 0);
  snprintf(leftover, sizeof leftover, "%s/.prshm-tmp-%ld-7", tl_dir, t_pid());
  fd = open(leftover, O_CREAT | O_EXCL | O_WRONLY, 0600);
  CHECK_INT(fd, >=, 0);
  close(fd);

  CHECK_EQ(TL(&r, "ls"), 0);
  CHECK_STR(r.err, "");
  CHECK_HAS(r.out, "STATE");
  CHECK_HAS(r.out, "NATIVE NAME");
  /* Lines are found by native name: under the portable backend's 30-byte
   * limit even a short caller's name may be stored hashed. */
  tl_line(r.out, tl_file(named), line, sizeof line);
  CHECK_HAS(line, "not held");
  CHECK_HAS(line, "4.0K");
  CHECK_HAS(line, "0640");
  tl_line(r.out, tl_file(hashed), line, sizeof line);
  CHECK_HAS(line, "3.0M");
  CHECK_HAS(line, "(hashed)");
  tl_line(r.out, "(leftover)", line, sizeof line);
  CHECK_HAS(line, leftover);
  CHECK_HAS(line, "0B");

  CHECK_EQ(TL(&r, "ls", "--bytes"), 0);
  CHECK_HAS(tl_line(r.out, tl_file(named), line, sizeof line), " 4096 ");
  CHECK_HAS(tl_line(r.out, tl_file(hashed), line, sizeof line), " 3145728 ");

  CHECK_EQ(TL(&r, "ls", "--json"), 0);
  tl_check_json(r.out);
  CHECK_HAS(r.out, "\"kind\": \"named\"");
  CHECK_HAS(r.out, "\"kind\": \"hashed\"");
  CHECK_HAS(r.out, "\"kind\": \"leftover\"");
  CHECK_HAS(r.out, "\"name\": null");
  CHECK_HAS(r.out, "\"size\": 3145728");
  CHECK_HAS(r.out, "\"mode\": \"0640\"");
  CHECK_HAS(r.out, "\"state\": \"not-held\"");
  CHECK_HAS(r.out, "\"pids\": []");
  CHECK_OK(PR_DeleteSharedMemory(hashed));
}

TEST(ls_of_an_empty_namespace) {
  char expect[256];
  tl_result r;

  tl_private();
  CHECK_EQ(TL(&r, "ls"), 0);
  snprintf(expect, sizeof expect, "nothing in %s\n", tl_dir);
  CHECK_STR(r.out, expect);
  CHECK_EQ(TL(&r, "ls", "--json"), 0);
  CHECK_STR(r.out, "[]\n");
}

TEST(ls_json_survives_any_name) {
  /* A quote, a backslash, a tab, a newline, a byte that is not UTF-8 and
   * one character that is; short enough to stay readable everywhere. */
  const char *name = "/\"\\\t\n\xff\xc3\xa9";
  tl_result r;

  tl_private();
  tl_make(name, 8, 0600, 0);
  CHECK_EQ(TL(&r, "ls", "--json"), 0);
  tl_check_json(r.out);
  /* The byte that is not UTF-8 as a lone surrogate: recoverable. */
  CHECK_HAS(r.out, "\"name\": \"/\\\"\\\\\\u0009\\u000a\\udcff\xc3\xa9\"");
  CHECK_EQ(TL(&r, "info", "--json", name), 0);
  tl_check_json(r.out);
  CHECK_OK(PR_DeleteSharedMemory(name));
}

TEST(ls_json_native_names_are_exact_bytes) {
  /* A namespace directory whose path is not UTF-8: JSON keeps its bytes
   * exactly (as \udcNN), and Python's surrogateescape reads them back. */
  char dir[64], json_has[96], script[512];
  const char *name = "/json-bytes";
  tl_result r;
  int status;
  pid_t pid;

  snprintf(dir, sizeof dir, "/tmp/prshm-tool-\xff%ld", t_pid());
  CHECK_EQ(mkdir(dir, 01777), 0);
  snprintf(tl_dir, sizeof tl_dir, "%s", dir);
  atexit(tl_remove_dir);
  CHECK_EQ(setenv(PRSHM_DIR_ENV, dir, 1), 0);
  CHECK_EQ(TL(&r, "create", name, "8"), 0);
  CHECK_EQ(TL(&r, "ls", "--json"), 0);
  tl_check_json(r.out);
  snprintf(json_has, sizeof json_has, "\"native_name\": \"/tmp/prshm-tool-\\udcff%ld/", t_pid());
  CHECK_HAS(r.out, json_has);
  CHECK_HASNT(r.out, "\\ufffd");
  if (access("/usr/bin/python3", X_OK) != 0) return;
  /* The path Python rebuilds from the JSON names the segment's file. */
  snprintf(script, sizeof script,
           "import json,os,sys; e=json.loads(sys.argv[1])[0];"
           "p=e['native_name'].encode('utf-8','surrogateescape');"
           "sys.exit(0 if os.path.exists(p) else 1)");
  pid = fork();
  CHECK_INT(pid, >=, 0);
  if (pid == 0) {
    execl("/usr/bin/python3", "python3", "-c", script, r.out, (char *)NULL);
    _exit(127);
  }
  CHECK_EQ(waitpid(pid, &status, 0), pid);
  CHECK(WIFEXITED(status) && WEXITSTATUS(status) == 0);
}

TEST(ls_missing_namespace) {
  tl_result r;

  CHECK_EQ(setenv(PRSHM_DIR_ENV, "/nonexistent/prshm-tool-test", 1), 0);
  CHECK_EQ(TL(&r, "ls"), 3);
  CHECK_HAS(r.err,
            "prshm: /nonexistent/prshm-tool-test: the namespace directory (set by "
            "PRSHM_DIR) does not exist");
  CHECK_EQ(TL(&r, "prune"), 3);
  /* A create there blames the directory, not the segment. */
  CHECK_EQ(TL(&r, "create", "/a", "1"), 3);
  CHECK_HAS(r.err, "prshm: /nonexistent/prshm-tool-test: the namespace directory");
  CHECK_HASNT(r.err, "prshm: /a:");
  CHECK_EQ(setenv(PRSHM_DIR_ENV, "relative/dir", 1), 0);
  CHECK_EQ(TL(&r, "ls"), 2);
  CHECK_HAS(r.err, "prshm: PRSHM_DIR=relative/dir: must be an absolute path");
  CHECK_EQ(TL(&r, "create", "/a", "1"), 2);
  CHECK_HAS(r.err, "PRSHM_DIR=relative/dir: must be an absolute path");
}

TEST(ls_default_namespace) {
  const char *name;
  PRSharedMemory *shm;
  tl_result r;
  char line[512];

  if (getenv(PRSHM_DIR_ENV) != NULL) SKIP("PRSHM_DIR is set");
  name = t_name("lsdefault");
  shm = PR_OpenSharedMemory(name, 4096, PR_SHM_CREATE | PR_SHM_EXCL, 0600);
  CHECK_NOT_NULL(shm);
  /* Only looking: never prune the shared namespace from a test. */
  CHECK_EQ(TL(&r, "ls"), 0);
  CHECK_HAS(tl_line(r.out, tl_file(name), line, sizeof line), "held");
  CHECK_OK(PR_CloseSharedMemory(shm));
}

/* ---- prune ---- */

TEST(prune_removes_only_orphans) {
  char leftover[96], line[512];
  const char *live, *killed, *attached, *foreign, *orphan;
  tl_holder h_live, h_killed, h_attached, h_foreign;
  tl_result r;
  int fd;

  tl_private();
  live = t_name("live");         /* a live process holds a handle */
  killed = t_name("killed");     /* its holder was killed */
  attached = t_name("attached"); /* handle closed, still attached */
  foreign = t_name("foreign");   /* mapped by a program without prshm */
  orphan = t_name("orphan");     /* closed and left behind */
  tl_make(live, 4096, 0600, 0);
  tl_make(killed, 4096, 0600, 0);
  tl_make(attached, 4096, 0600, 0);
  tl_make(foreign, 4096, 0600, 0);
  tl_make(orphan, 4096, 0600, 0);
  snprintf(leftover, sizeof leftover, "%s/.prshm-tmp-%ld-9", tl_dir, t_pid());
  fd = open(leftover, O_CREAT | O_EXCL | O_WRONLY, 0600);
  CHECK_INT(fd, >=, 0);
  close(fd);
  h_live = tl_hold("hold_handle", live);
  h_killed = tl_hold("hold_handle", killed);
  h_attached = tl_hold("hold_mapping", attached);
  h_foreign = tl_hold("hold_foreign_map", tl_file(foreign));
  tl_kill(&h_killed);

  CHECK_EQ(TL(&r, "ls"), 0);
  CHECK_HAS(tl_line(r.out, tl_file(live), line, sizeof line), "held");
  CHECK_HAS(tl_line(r.out, tl_file(killed), line, sizeof line), "not held");
  CHECK_HAS(tl_line(r.out, tl_file(attached), line, sizeof line), "held");
  CHECK_HASNT(tl_line(r.out, tl_file(attached), line, sizeof line), "not held");
  CHECK_HAS(tl_line(r.out, tl_file(foreign), line, sizeof line), "held");
  CHECK_HAS(tl_line(r.out, tl_file(orphan), line, sizeof line), "not held");
  CHECK_HAS(tl_line(r.out, "(leftover)", line, sizeof line), "not held");

  /* Made just now: prune's age guard alone would keep them all. */
  CHECK_EQ(TL(&r, "prune", "--dry-run", "--min-age", "0"), 0);
  CHECK_HAS(r.out, "would remove 3 segments not held; kept 3 held, 0 that could not be checked");
  CHECK_HAS(tl_line(r.out, tl_file(killed), line, sizeof line), "would remove");
  CHECK_HAS(tl_line(r.out, tl_file(orphan), line, sizeof line), "would remove");
  CHECK_HAS(tl_line(r.out, leftover, line, sizeof line), "would remove");
  CHECK(tl_exists(killed) && tl_exists(orphan) && access(leftover, F_OK) == 0);

  CHECK_EQ(TL(&r, "prune", "--min-age=0"), 0);
  CHECK_STR(r.err, "");
  CHECK_HAS(r.out, "removed 3 segments not held; kept 3 held, 0 that could not be checked");
  CHECK_HASNT(r.out, tl_file(live));
  CHECK_HASNT(r.out, tl_file(attached));
  CHECK_HASNT(r.out, tl_file(foreign));
  CHECK(!tl_exists(killed));
  CHECK(!tl_exists(orphan));
  CHECK(access(leftover, F_OK) != 0);
  CHECK(tl_exists(live) && tl_exists(attached) && tl_exists(foreign));

  /* Once their holders are gone, nothing holds them either. */
  tl_release(&h_live);
  tl_release(&h_attached);
  tl_release(&h_foreign);
  CHECK_EQ(TL(&r, "prune", "--min-age", "0s"), 0);
  CHECK_HAS(r.out, "removed 3 segments not held; kept 0 held");
  CHECK(!tl_exists(live) && !tl_exists(attached) && !tl_exists(foreign));
  CHECK_EQ(TL(&r, "prune", "--min-age", "0"), 0);
  CHECK_HAS(r.out, "removed 0 segments not held");
}

TEST(prune_keeps_what_was_made_moments_ago) {
  /* A segment made with `prshm create` stays until deleted, as NSPR's do:
   * nothing holds it until a program opens it. prune leaves it alone until
   * it is --min-age old (10 minutes by default); a creator's leftover goes
   * at once. */
  char leftover[96], line[512];
  const char *kept;
  tl_result r;
  int fd;

  tl_private();
  kept = t_name("forlater");
  CHECK_EQ(TL(&r, "create", kept, "4K"), 0);
  snprintf(leftover, sizeof leftover, "%s/.prshm-tmp-%ld-5", tl_dir, t_pid());
  fd = open(leftover, O_CREAT | O_EXCL | O_WRONLY, 0600);
  CHECK_INT(fd, >=, 0);
  close(fd);
  CHECK_EQ(TL(&r, "prune", "--dry-run"), 0);
  CHECK_HAS(r.out, "segments not held and unchanged for 10m (--min-age) would go");
  CHECK_HAS(tl_line(r.out, tl_file(kept), line, sizeof line), "would keep");
  CHECK_HAS(line, "less than --min-age");
  CHECK_HAS(tl_line(r.out, leftover, line, sizeof line), "would remove");
  CHECK_EQ(TL(&r, "prune"), 0);
  CHECK_HAS(r.out,
            "removed 1 segment not held; kept 0 held, 0 that could not be checked and 1 "
            "changed within 10m");
  CHECK(tl_exists(kept));
  CHECK(access(leftover, F_OK) != 0);
  CHECK_EQ(TL(&r, "prune", "--min-age", "1h"), 0);
  CHECK(tl_exists(kept));
  CHECK_EQ(TL(&r, "prune", "--min-age", "soon"), 2);
  CHECK_HAS(r.err, "soon: not an age");
  CHECK_EQ(TL(&r, "prune", "--min-age", "0"), 0);
  CHECK(!tl_exists(kept));
}

/* Run as a user who can neither lease the segments (not the owner) nor
 * read every process (not root), prune cannot prove anything orphaned:
 * it keeps everything and says why. */
TEST(prune_keeps_what_it_cannot_check) {
  const char *name;
  tl_result r;

  if (geteuid() != 0) SKIP("needs root, to run the command as another user");
  tl_private();
  name = t_name("unsure");
  tl_make(name, 4096, 0666, 0);
  CHECK_EQ(TL_NOBODY(&r, "ls"), 0);
  CHECK_HAS(r.out, "unknown");
  CHECK_EQ(TL_NOBODY(&r, "prune", "--min-age", "0"), 0);
  CHECK_HAS(r.err, "kept: cannot tell whether a process holds it");
  CHECK_HAS(r.out, "removed 0 segments not held; kept 0 held, 1 that could not be checked");
  CHECK(tl_exists(name));
  CHECK_EQ(TL_NOBODY(&r, "info", name), 0);
  CHECK_HAS(r.out, "state:      unknown");
}

/* ---- Semaphores and locks ---- */

/* The portable backend's semaphores are POSIX named semaphores, which a
 * PRSHM_DIR namespace does not hold, and its locks cannot be told
 * abandoned without taking them: both documented limits. */
static int tl_portable(void) { return strcmp(prshm_backend_name(), "posix") == 0; }

/* A semaphore and a lock of one name, beside a segment of another. ls
 * shows what each is, the semaphore's value and the lock's state. */
TEST(ls_shows_semaphores_and_locks) {
  const char *sem, *lock, *seg;
  PRSem *s;
  prshm_lock *lk;
  tl_result r;

  tl_private();
  sem = t_name("sem");
  lock = t_name("lock");
  seg = t_name("seg");
  s = PR_OpenSemaphore(sem, PR_SEM_CREATE | PR_SEM_EXCL, 0640, 4);
  lk = prshm_lock_open(lock, PRSHM_LOCK_CREATE | PRSHM_LOCK_EXCL, 0600);
  CHECK_NOT_NULL(s);
  CHECK_NOT_NULL(lk);
  tl_make(seg, 4096, 0600, 0);
  CHECK_EQ(TL(&r, "ls"), 0);
  CHECK_HAS(r.out, "TYPE");
  if (!tl_portable()) CHECK_HAS(r.out, "semaphore 4");
  CHECK_HAS(r.out, "lock free");
  CHECK_HAS(r.out, "segment");
  CHECK_OK(prshm_lock_acquire(lk, NULL));
  CHECK_EQ(TL(&r, "ls", "--json"), 0);
  tl_check_json(r.out);
  if (!tl_portable()) CHECK_HAS(r.out, "\"object\": \"semaphore\", \"value\": 4");
  CHECK_HAS(r.out, "\"object\": \"lock\", \"lock\": \"held\", \"holder_tid\": ");
  CHECK_HAS(r.out, "\"object\": \"segment\"");
  CHECK_EQ(TL(&r, "info", "--lock", lock), 0);
  CHECK_HAS(r.out, "kind:       lock");
  CHECK_HAS(r.out, tl_portable() ? "object:     lock held" : "object:     lock held (thread ");
  CHECK_HAS(r.out, "state:      held");
  if (tl_portable()) {
    CHECK_EQ(TL(&r, "info", "--semaphore", sem), 1);
    CHECK_HAS(r.err, "not implemented");
  } else {
    CHECK_EQ(TL(&r, "info", "--semaphore", sem), 0);
    CHECK_HAS(r.out, "object:     semaphore 4");
  }
  /* Each kind by its own option: the semaphore's name holds no segment. */
  CHECK_EQ(TL(&r, "info", sem), 3);
  CHECK_OK(prshm_lock_release(lk));
  CHECK_OK(prshm_lock_close(lk));
  CHECK_OK(PR_CloseSemaphore(s));
}

/* Holds the lock, then exits without releasing it. */
CHILD(lock_and_exit) {
  prshm_lock *lk = prshm_lock_open(argv[0], 0, 0);

  (void)argc;
  return lk != NULL && prshm_lock_acquire(lk, NULL) == PR_SUCCESS ? 0 : 2;
}

TEST(info_tells_an_abandoned_lock) {
  const char *lock;
  const char *args[2];
  tl_result r;

  tl_private();
  lock = t_name("dead");
  CHECK_OK(prshm_lock_close(prshm_lock_open(lock, PRSHM_LOCK_CREATE, 0600)));
  args[0] = lock;
  args[1] = NULL;
  CHECK_EQ(t_wait(t_spawn("lock_and_exit", args)), 0);
  CHECK_EQ(TL(&r, "info", "--lock", lock, "--json"), 0);
  CHECK_HAS(r.out, tl_portable() ? "\"lock\": \"held\"" : "\"lock\": \"abandoned\"");
  CHECK_EQ(TL(&r, "ls"), 0);
  CHECK_HAS(r.out, tl_portable() ? "lock held" : "lock abandoned");
}

TEST(rm_semaphores_and_locks) {
  const char *name;
  tl_result r;

  tl_private();
  name = t_name("rmsem");
  CHECK_OK(PR_CloseSemaphore(PR_OpenSemaphore(name, PR_SEM_CREATE, 0600, 1)));
  CHECK_OK(prshm_lock_close(prshm_lock_open(name, PRSHM_LOCK_CREATE, 0600)));
  tl_make(name, 4096, 0600, 0);
  /* Without an option, rm removes the segment and nothing else. */
  CHECK_EQ(TL(&r, "rm", name), 0);
  CHECK_OK(PR_CloseSemaphore(PR_OpenSemaphore(name, 0, 0, 0)));
  CHECK_EQ(TL(&r, "rm", "--semaphore", "--lock", name), 2);
  CHECK_HAS(r.err, "give at most one of --native, --semaphore and --lock");
  CHECK_EQ(TL(&r, "info", "--native", "--semaphore", name), 2);
  CHECK_EQ(TL(&r, "rm", "--semaphore", name), 0);
  CHECK(PR_OpenSemaphore(name, 0, 0, 0) == NULL);
  CHECK_ERROR(PR_FILE_NOT_FOUND_ERROR);
  CHECK_EQ(TL(&r, "rm", "--semaphore", name), 3);
  CHECK_EQ(TL(&r, "rm", "--lock", name), 0);
  CHECK(prshm_lock_open(name, 0, 0) == NULL);
  CHECK_ERROR(PR_FILE_NOT_FOUND_ERROR);
  CHECK_EQ(TL(&r, "rm", "--lock", name), 3);
}

/* prune removes semaphores and locks nothing holds, as it removes such
 * segments, and keeps the ones a process has open. */
TEST(prune_semaphores_and_locks) {
  const char *loose_sem, *loose_lock, *held_sem, *held_lock;
  PRSem *s;
  prshm_lock *lk;
  tl_result r;

  tl_private();
  loose_sem = t_name("loosesem");
  loose_lock = t_name("looselock");
  held_sem = t_name("heldsem");
  held_lock = t_name("heldlock");
  CHECK_OK(PR_CloseSemaphore(PR_OpenSemaphore(loose_sem, PR_SEM_CREATE, 0600, 2)));
  CHECK_OK(prshm_lock_close(prshm_lock_open(loose_lock, PRSHM_LOCK_CREATE, 0600)));
  s = PR_OpenSemaphore(held_sem, PR_SEM_CREATE, 0600, 0);
  lk = prshm_lock_open(held_lock, PRSHM_LOCK_CREATE, 0600);
  CHECK_NOT_NULL(s);
  CHECK_NOT_NULL(lk);
  CHECK_EQ(TL(&r, "prune", "--min-age", "0"), 0);
  CHECK((PR_OpenSemaphore(loose_sem, 0, 0, 0) == NULL) == !tl_portable());
  CHECK(prshm_lock_open(loose_lock, 0, 0) == NULL);
  CHECK_OK(PR_PostSemaphore(s));
  CHECK_OK(PR_CloseSemaphore(s));
  s = PR_OpenSemaphore(held_sem, 0, 0, 0);
  CHECK_NOT_NULL(s);
  CHECK_OK(PR_CloseSemaphore(s));
  CHECK_OK(prshm_lock_close(lk));
  lk = prshm_lock_open(held_lock, 0, 0);
  CHECK_NOT_NULL(lk);
  CHECK_OK(prshm_lock_close(lk));
}
