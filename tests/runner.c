/*
 * runner.c - finds the case named on the command line and runs it.
 *
 *   test_x NAME               run test NAME (exit 0 pass, 1 fail, 77 skip)
 *   test_x --list             print the names of the tests
 *   test_x --child NAME ARGS  run child NAME (multi-process cases)
 *   test_x                    run every test in turn (by hand)
 */
#include <stdarg.h>

#include "runner.h"

#define T_MAX_CASES 512
#define T_NAMES 64

typedef struct t_case {
  const char *name; /* as written in TEST() or CHILD() */
  t_test_fn test;   /* set for tests */
  t_child_fn child; /* set for children */
} t_case;

static t_case t_cases[T_MAX_CASES];
static int t_ncases;
static char t_names[T_NAMES][96]; /* every name t_name() gave out */
static int t_nnames;

static void t_add(const char *name, t_test_fn test, t_child_fn child) {
  if (t_ncases == T_MAX_CASES) {
    fprintf(stderr, "runner: too many cases\n");
    exit(1);
  }
  t_cases[t_ncases].name = name;
  t_cases[t_ncases].test = test;
  t_cases[t_ncases].child = child;
  t_ncases++;
}

void t_register_test(const char *name, t_test_fn fn) { t_add(name, fn, NULL); }
void t_register_child(const char *name, t_child_fn fn) { t_add(name, NULL, fn); }

void t_fail(const char *file, int line, const char *fmt, ...) {
  va_list ap;
  fprintf(stderr, "FAIL %s:%d: ", file, line);
  va_start(ap, fmt);
  vfprintf(stderr, fmt, ap);
  va_end(ap);
  fputc('\n', stderr);
  t_cleanup();
  exit(1);
}

void t_skip(const char *reason) {
  printf("SKIP: %s\n", reason);
  fflush(stdout);
  t_cleanup();
  exit(T_SKIP_CODE);
}

const char *t_name(const char *tag) {
  char *slot;

  if (t_nnames == T_NAMES) t_fail(__FILE__, __LINE__, "too many names in one test");
  slot = t_names[t_nnames++];
  snprintf(slot, sizeof t_names[0], "/prshm-test-%ld-%s", t_pid(), tag);
  t_remove_all(slot);
  return slot;
}

void t_remove_all(const char *name) {
  (void)PR_DeleteSharedMemory(name);
  (void)PR_DeleteSemaphore(name);
  (void)prshm_lock_delete(name);
}

void t_cleanup(void) {
  int i;
  for (i = 0; i < t_nnames; i++) t_remove_all(t_names[i]);
  t_nnames = 0;
}

static const t_case *t_find(const char *name, int child) {
  int i;
  for (i = 0; i < t_ncases; i++)
    if (strcmp(t_cases[i].name, name) == 0 && (child ? t_cases[i].child != NULL
                                                     : t_cases[i].test != NULL))
      return &t_cases[i];
  return NULL;
}

static int t_run(const t_case *c) {
  printf("RUN  %s\n", c->name);
  fflush(stdout);
  c->test();
  t_cleanup();
  printf("PASS %s\n", c->name);
  fflush(stdout);
  return 0;
}

int main(int argc, char **argv) {
  const t_case *c;
  int i;

  setvbuf(stdout, NULL, _IOLBF, 0);
  if (argc >= 3 && strcmp(argv[1], "--child") == 0) {
    c = t_find(argv[2], 1);
    if (c == NULL) {
      fprintf(stderr, "runner: no child %s\n", argv[2]);
      return 2;
    }
    return c->child(argc - 3, argv + 3);
  }
  if (argc >= 2 && strcmp(argv[1], "--list") == 0) {
    for (i = 0; i < t_ncases; i++)
      if (t_cases[i].test != NULL) printf("%s\n", t_cases[i].name);
    return 0;
  }
  if (argc >= 2) {
    c = t_find(argv[1], 0);
    if (c == NULL) {
      fprintf(stderr, "runner: no test %s\n", argv[1]);
      return 2;
    }
    return t_run(c);
  }
  /* By hand: every test, each in this process, in order. */
  for (i = 0; i < t_ncases; i++)
    if (t_cases[i].test != NULL) t_run(&t_cases[i]);
  return 0;
}
