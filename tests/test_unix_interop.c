/*
 * test_unix_interop.c - a prshm segment is an ordinary POSIX shared memory
 * object that another program opens by its native name (segments are ordinary objects of the system): here
 * Python's multiprocessing.shared_memory, both ways.
 *
 * Python's resource tracker unlinks, when the program ends, every segment
 * the program opened through SharedMemory, even one it did not create; the
 * scripts unregister theirs and wait for the tracker, and the tests check
 * that the segment is still there afterwards. Skips where python3 (3.8 or
 * later, for shared_memory) cannot be run.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <sys/wait.h>
#include <unistd.h>

#include "runner.h"

#define INTEROP_SIZE 65536
#define INTEROP_HALF (INTEROP_SIZE / 2)
/* The scripts' exit code when shared_memory cannot be imported. */
#define INTEROP_NO_MODULE 3

/*
 * Run as: python3 -c SCRIPT ROLE NAME SIZE. Byte i of the first half is
 * (i * 7 + 3) % 256 and of the second half (i * 13 + 5) % 256. ROLE
 * "reply": check the first half of an existing segment, write the second.
 * ROLE "create": create the segment, write the first half.
 */
static const char interop_script[] =
    "import sys\n"
    "try:\n"
    "    from multiprocessing import resource_tracker, shared_memory\n"
    "except ImportError:\n"
    "    sys.exit(3)\n"
    "role, name, size = sys.argv[1], sys.argv[2], int(sys.argv[3])\n"
    "half = size // 2\n"
    "first = bytes((i * 7 + 3) % 256 for i in range(half))\n"
    "second = bytes((i * 13 + 5) % 256 for i in range(half))\n"
    "shm = shared_memory.SharedMemory(name=name, create=(role == 'create'), size=size)\n"
    "# The tracker would unlink the segment when this program ends.\n"
    "resource_tracker.unregister(shm._name, 'shared_memory')\n"
    "code = 0\n"
    "if shm.size != size:\n"
    "    code = 4\n"
    "elif role == 'reply':\n"
    "    if bytes(shm.buf[:half]) != first:\n"
    "        code = 5\n"
    "    else:\n"
    "        shm.buf[half:size] = second\n"
    "else:\n"
    "    shm.buf[:half] = first\n"
    "shm.close()\n"
    "# Let the tracker finish, so that anything it would do is done now.\n"
    "stop = getattr(resource_tracker._resource_tracker, '_stop', None)\n"
    "if stop is not None:\n"
    "    stop()\n"
    "sys.exit(code)\n";

static unsigned char interop_first(size_t i) { return (unsigned char)((i * 7 + 3) % 256); }
static unsigned char interop_second(size_t i) { return (unsigned char)((i * 13 + 5) % 256); }

/* What the last script wrote to its standard error (it and its resource
 * tracker, which inherits it). */
static char interop_err[8192];

/* Runs the script with `role` on native name `native` (without its '/');
 * returns its exit code, or skips if python3 cannot be run. Its standard
 * error is kept in interop_err. */
static int interop_python(const char *role, const char *native) {
  char size[16], errpath[64];
  int status, errfd;
  ssize_t n;
  pid_t pid;

  snprintf(errpath, sizeof errpath, "/tmp/prshm-interop-%ld.err", t_pid());
  errfd = open(errpath, O_RDWR | O_CREAT | O_TRUNC | O_CLOEXEC, 0600);
  CHECK_INT(errfd, >=, 0);
  CHECK_EQ(unlink(errpath), 0);

  snprintf(size, sizeof size, "%d", INTEROP_SIZE);
  /* Under valgrind the interpreter runs under it too (--trace-children):
   * Python's own allocator confuses it, the system's does not, and the
   * blocks the interpreter keeps until exit are not prshm's to report.
   * Both variables are ignored when valgrind is not there. */
  CHECK_EQ(setenv("PYTHONMALLOC", "malloc", 1), 0);
  CHECK_EQ(setenv("VALGRIND_OPTS", "--show-possibly-lost=no", 1), 0);
  fflush(NULL);
  pid = fork();
  CHECK_INT(pid, >=, 0);
  if (pid == 0) {
    static char system_python[] = "/usr/bin/python3", python[] = "python3", dash_c[] = "-c";
    char *argv[7];
    if (dup2(errfd, 2) < 0) _exit(126);
    argv[1] = dash_c;
    argv[2] = (char *)(uintptr_t)interop_script;
    argv[3] = (char *)(uintptr_t)role;
    argv[4] = (char *)(uintptr_t)native;
    argv[5] = size;
    argv[6] = NULL;
    /* The distribution's interpreter first (scripts/deps/core.txt), then
     * whichever the PATH offers. argv[0] is the path run: Python takes its
     * own executable from it, and starts its resource tracker with that. */
    if (access(system_python, X_OK) == 0) {
      argv[0] = system_python;
      execv(system_python, argv);
    }
    argv[0] = python;
    execvp(python, argv);
    _exit(127);
  }
  CHECK_EQ(unsetenv("PYTHONMALLOC"), 0);
  CHECK_EQ(unsetenv("VALGRIND_OPTS"), 0);
  CHECK_EQ(waitpid(pid, &status, 0), pid);
  n = pread(errfd, interop_err, sizeof interop_err - 1, 0);
  interop_err[n > 0 ? n : 0] = '\0';
  CHECK_EQ(close(errfd), 0);
  if (interop_err[0] != '\0') printf("python's standard error:\n%s\n", interop_err);
  CHECK(WIFEXITED(status));
  if (WEXITSTATUS(status) == 127) SKIP("python3 cannot be run here");
  if (WEXITSTATUS(status) == INTEROP_NO_MODULE)
    SKIP("python3 has no multiprocessing.shared_memory (needs 3.8 or later)");
  return WEXITSTATUS(status);
}

/* The native name of `name` as Python's SharedMemory takes it. */
static const char *interop_python_name(const char *name, char *native) {
  CHECK_OK(prshm_native_name(name, native, PRSHM_NATIVE_NAME_MAX));
  if (getenv(PRSHM_DIR_ENV) != NULL)
    SKIP("PRSHM_DIR is set: segments are files there, not shm_open() objects");
  CHECK_EQ(native[0], '/');
  CHECK(strchr(native + 1, '/') == NULL);
  return native + 1;
}

TEST(python_reads_and_replies) {
  const char *name = t_name("python");
  char native[PRSHM_NATIVE_NAME_MAX];
  PRSharedMemory *shm;
  unsigned char *p;
  size_t i;

  shm = PR_OpenSharedMemory(name, INTEROP_SIZE, PR_SHM_CREATE | PR_SHM_EXCL, 0600);
  CHECK_NOT_NULL(shm);
  p = PR_AttachSharedMemory(shm, 0);
  CHECK_NOT_NULL(p);
  for (i = 0; i < INTEROP_HALF; i++) p[i] = interop_first(i);

  CHECK_EQ(interop_python("reply", interop_python_name(name, native)), 0);
  for (i = 0; i < INTEROP_HALF; i++) CHECK_EQ(p[INTEROP_HALF + i], interop_second(i));
  CHECK_OK(PR_DetachSharedMemory(shm, p));
  CHECK_OK(PR_CloseSharedMemory(shm));

  /* Python and its tracker are gone and the segment is still there. */
  shm = PR_OpenSharedMemory(name, 0, 0, 0);
  CHECK_NOT_NULL(shm);
  CHECK_OK(PR_CloseSharedMemory(shm));
  CHECK_OK(PR_DeleteSharedMemory(name));
}

TEST(prshm_opens_what_python_created) {
  const char *name = t_name("frompython");
  char native[PRSHM_NATIVE_NAME_MAX];
  PRSharedMemory *shm;
  unsigned char *p;
  PRSize size = 0;
  size_t i;

  CHECK_EQ(interop_python("create", interop_python_name(name, native)), 0);
  shm = PR_OpenSharedMemory(name, 0, 0, 0);
  CHECK_NOT_NULL(shm);
  CHECK_OK(prshm_get_size(shm, &size));
  CHECK_EQ(size, INTEROP_SIZE);
  p = PR_AttachSharedMemory(shm, PR_SHM_READONLY);
  CHECK_NOT_NULL(p);
  for (i = 0; i < INTEROP_HALF; i++) CHECK_EQ(p[i], interop_first(i));
  for (i = INTEROP_HALF; i < INTEROP_SIZE; i++) CHECK_EQ(p[i], 0);
  CHECK_OK(PR_DetachSharedMemory(shm, p));
  CHECK_OK(PR_CloseSharedMemory(shm));
  CHECK_OK(PR_DeleteSharedMemory(name));
  CHECK(PR_OpenSharedMemory(name, 0, 0, 0) == NULL);
  CHECK_ERROR(PR_FILE_NOT_FOUND_ERROR);
}

/* Nothing on Python's standard error: no traceback from the program, and
 * none from its resource tracker (valgrind's own lines aside). */
static void interop_check_quiet(void) {
  CHECK(strstr(interop_err, "Traceback") == NULL);
  CHECK(strstr(interop_err, "Error") == NULL);
  CHECK(strstr(interop_err, "leaked") == NULL);
}

TEST(python_is_quiet_with_names_of_many_components) {
  /* Python 3.11's resource tracker split its messages at ':' and printed a
   * ValueError for every segment whose name had more than one component
   * (0.1 wrote '/' as ':'). Both ways: Python opens prshm's, and creates
   * one prshm opens. */
  char name[128], name2[128], native[PRSHM_NATIVE_NAME_MAX];
  PRSharedMemory *shm;
  unsigned char *p;
  size_t i;

  snprintf(name, sizeof name, "/prshm-test-%ld/app/state", t_pid());
  snprintf(name2, sizeof name2, "/prshm-test-%ld/app/from:python", t_pid());
  (void)PR_DeleteSharedMemory(name);
  (void)PR_DeleteSharedMemory(name2);
  shm = PR_OpenSharedMemory(name, INTEROP_SIZE, PR_SHM_CREATE | PR_SHM_EXCL, 0600);
  CHECK_NOT_NULL(shm);
  p = PR_AttachSharedMemory(shm, 0);
  CHECK_NOT_NULL(p);
  for (i = 0; i < INTEROP_HALF; i++) p[i] = interop_first(i);
  CHECK_EQ(interop_python("reply", interop_python_name(name, native)), 0);
  interop_check_quiet();
  for (i = 0; i < INTEROP_HALF; i++) CHECK_EQ(p[INTEROP_HALF + i], interop_second(i));
  CHECK_OK(PR_DetachSharedMemory(shm, p));
  CHECK_OK(PR_CloseSharedMemory(shm));
  /* The segment outlived Python and its tracker. */
  shm = PR_OpenSharedMemory(name, 0, 0, 0);
  CHECK_NOT_NULL(shm);
  CHECK_OK(PR_CloseSharedMemory(shm));
  CHECK_OK(PR_DeleteSharedMemory(name));

  CHECK_EQ(interop_python("create", interop_python_name(name2, native)), 0);
  interop_check_quiet();
  shm = PR_OpenSharedMemory(name2, 0, 0, 0);
  CHECK_NOT_NULL(shm);
  CHECK_OK(PR_CloseSharedMemory(shm));
  CHECK_OK(PR_DeleteSharedMemory(name2));
}
