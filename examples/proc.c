/*
 * proc.c - process handling for the examples (see proc.h): one version for
 * POSIX systems (posix_spawn), one for Windows (CreateProcess).
 */
#include "proc.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#ifdef _WIN32

#include <fcntl.h>
#include <io.h>
#include <windows.h>

int ex_self_path(const char *argv0, char *buf, size_t size) {
  DWORD n = GetModuleFileNameA(NULL, buf, (DWORD)size);

  if (n > 0 && n < size) return 0;
  if (strlen(argv0) >= size) return -1;
  strcpy(buf, argv0);
  return 0;
}

/* Appends one argument to a command line, quoted so that the C runtime of
 * the child splits it back into the same string. */
static size_t proc_quote(char *out, const char *arg) {
  size_t n = 0, slashes = 0;

  if (arg[0] != '\0' && strpbrk(arg, " \t\"") == NULL) {
    if (out != NULL) memcpy(out, arg, strlen(arg));
    return strlen(arg);
  }
  if (out != NULL) out[n] = '"';
  n++;
  for (; *arg != '\0'; arg++) {
    if (*arg == '\\') {
      slashes++;
    } else {
      /* Backslashes before a quote are doubled, and the quote escaped. */
      size_t extra = *arg == '"' ? slashes + 1 : 0;
      for (; extra > 0; extra--, n++)
        if (out != NULL) out[n] = '\\';
      slashes = 0;
    }
    if (out != NULL) out[n] = *arg;
    n++;
  }
  /* Backslashes before the closing quote are doubled too. */
  for (; slashes > 0; slashes--, n++)
    if (out != NULL) out[n] = '\\';
  if (out != NULL) out[n] = '"';
  return n + 1;
}

/* Builds the command line of argv in heap memory; NULL if out of memory. */
static char *proc_command_line(const char *const argv[]) {
  size_t len = 1, i, n = 0;
  char *line;

  for (i = 0; argv[i] != NULL; i++) len += proc_quote(NULL, argv[i]) + 1;
  line = malloc(len);
  if (line == NULL) return NULL;
  for (i = 0; argv[i] != NULL; i++) {
    if (i > 0) line[n++] = ' ';
    n += proc_quote(line + n, argv[i]);
  }
  line[n] = '\0';
  return line;
}

int ex_spawn(const char *path, const char *const argv[], int *out_fd, ex_proc *proc) {
  SECURITY_ATTRIBUTES sa = {sizeof sa, NULL, TRUE};
  STARTUPINFOA si;
  PROCESS_INFORMATION pi;
  HANDLE rd = NULL, wr = NULL;
  char *line = proc_command_line(argv);
  BOOL ok;

  if (line == NULL) return -1;
  memset(&si, 0, sizeof si);
  si.cb = sizeof si;
  if (out_fd != NULL) {
    /* Only the writing end is inherited by the child. */
    if (!CreatePipe(&rd, &wr, &sa, 0) || !SetHandleInformation(rd, HANDLE_FLAG_INHERIT, 0)) {
      free(line);
      return -1;
    }
    si.dwFlags = STARTF_USESTDHANDLES;
    si.hStdInput = GetStdHandle(STD_INPUT_HANDLE);
    si.hStdOutput = wr;
    si.hStdError = GetStdHandle(STD_ERROR_HANDLE);
  }
  ok = CreateProcessA(path, line, NULL, NULL, out_fd != NULL, 0, NULL, NULL, &si, &pi);
  free(line);
  if (wr != NULL) CloseHandle(wr);
  if (!ok) {
    if (rd != NULL) CloseHandle(rd);
    return -1;
  }
  if (out_fd != NULL) *out_fd = _open_osfhandle((intptr_t)rd, _O_RDONLY | _O_BINARY);
  proc->id = (intptr_t)pi.hProcess;
  proc->thread = (intptr_t)pi.hThread;
  return 0;
}

int ex_wait(ex_proc proc) {
  DWORD code = 0;
  int rv = -1;

  if (WaitForSingleObject((HANDLE)proc.id, INFINITE) == WAIT_OBJECT_0 &&
      GetExitCodeProcess((HANDLE)proc.id, &code))
    rv = (int)code;
  CloseHandle((HANDLE)proc.thread);
  CloseHandle((HANDLE)proc.id);
  return rv;
}

long ex_read(int fd, void *buf, size_t size) {
  return _read(fd, buf, size > 65536 ? 65536u : (unsigned)size);
}

void ex_close(int fd) { (void)_close(fd); }

long ex_pid(void) { return (long)GetCurrentProcessId(); }

void ex_pause(unsigned round) { Sleep(round < 64 ? 0 : 1); }

int64_t ex_now_ms(void) { return (int64_t)GetTickCount64(); }

#else /* POSIX */

#include <errno.h>
#include <sched.h>
#include <spawn.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#ifdef __APPLE__
#include <mach-o/dyld.h>
#endif

extern char **environ;

/* The running program's path, where the system can tell it exactly. */
static int proc_exe_path(char *buf, size_t size) {
#if defined(__linux__)
  ssize_t n = readlink("/proc/self/exe", buf, size - 1);
  if (n <= 0) return -1;
  buf[n] = '\0';
  return 0;
#elif defined(__APPLE__)
  uint32_t n = (uint32_t)size;
  return _NSGetExecutablePath(buf, &n) == 0 ? 0 : -1;
#else
  (void)buf;
  (void)size;
  return -1;
#endif
}

int ex_self_path(const char *argv0, char *buf, size_t size) {
  if (proc_exe_path(buf, size) == 0) return 0;
  /* Elsewhere argv[0] will do when it holds a path. */
  if (strchr(argv0, '/') == NULL || strlen(argv0) >= size) return -1;
  strcpy(buf, argv0);
  return 0;
}

int ex_spawn(const char *path, const char *const argv[], int *out_fd, ex_proc *proc) {
  posix_spawn_file_actions_t actions;
  int pipefd[2] = {-1, -1};
  pid_t pid;
  int err;

  if (posix_spawn_file_actions_init(&actions) != 0) return -1;
  if (out_fd != NULL) {
    if (pipe(pipefd) != 0) goto fail_actions;
    /* The child's stdout becomes the pipe; neither end stays open in it
     * under its original number. */
    if (posix_spawn_file_actions_adddup2(&actions, pipefd[1], STDOUT_FILENO) != 0 ||
        posix_spawn_file_actions_addclose(&actions, pipefd[0]) != 0 ||
        posix_spawn_file_actions_addclose(&actions, pipefd[1]) != 0)
      goto fail_pipe;
  }
  /* posix_spawn takes char *const[]; it does not modify the strings. */
  err = posix_spawn(&pid, path, &actions, NULL, (char *const *)(uintptr_t)argv, environ);
  if (err != 0) goto fail_pipe;
  if (out_fd != NULL) {
    (void)close(pipefd[1]);
    *out_fd = pipefd[0];
  }
  posix_spawn_file_actions_destroy(&actions);
  proc->id = pid;
  proc->thread = 0;
  return 0;

fail_pipe:
  if (pipefd[0] >= 0) (void)close(pipefd[0]);
  if (pipefd[1] >= 0) (void)close(pipefd[1]);
fail_actions:
  posix_spawn_file_actions_destroy(&actions);
  return -1;
}

int ex_wait(ex_proc proc) {
  int status;
  pid_t rv;

  do {
    rv = waitpid((pid_t)proc.id, &status, 0);
  } while (rv < 0 && errno == EINTR);
  if (rv < 0) return -1;
  if (WIFSIGNALED(status)) return 128 + WTERMSIG(status);
  return WEXITSTATUS(status);
}

long ex_read(int fd, void *buf, size_t size) {
  ssize_t n;

  do {
    n = read(fd, buf, size);
  } while (n < 0 && errno == EINTR);
  return (long)n;
}

void ex_close(int fd) { (void)close(fd); }

long ex_pid(void) { return (long)getpid(); }

void ex_pause(unsigned round) {
  /* Yield at first (the other side is usually just about to move), then
   * sleep a little so that a long wait does not burn a processor. */
  if (round < 64) {
    (void)sched_yield();
  } else {
    struct timespec ts = {0, 100000L};
    (void)nanosleep(&ts, NULL);
  }
}

int64_t ex_now_ms(void) {
  struct timespec ts;
  (void)clock_gettime(CLOCK_MONOTONIC, &ts);
  return (int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

#endif
