/*
 * test_unix_multiproc.c - segments shared by several live processes.
 *
 * Data crosses processes both ways; ten processes race create, open,
 * attach, delete on one name (creation is atomic, no
 * mapping is ever smaller than asked); a segment deleted while another
 * process is attached (close leaves attachments; delete removes the name at once); a process killed while it holds a handle
 * (the segment stays). Processes wait on pipes, never on time.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <unistd.h>

#include "runner.h"

/* Racers, and rounds each of them runs. */
#define MP_RACERS 10
#define MP_ROUNDS 300
/* Not a multiple of the page size: a mapping past the file's end would
 * fault on the last byte. */
#define MP_RACE_SIZE (3 * 4096 + 123)
/* A racer's stamp: this tag in the top bits, its id and round below. */
#define MP_STAMP_TAG 0x5a000000u

/* ---- Pipes between a test and its children (fixture_unix.c) ---- */

#define mp_pipe t_pipe
#define mp_fd_arg t_fd_arg
#define mp_send t_send
#define mp_recv t_recv

/* Receives one byte and checks that it is `want`. */
static void mp_expect(int fd, char want) { CHECK_EQ(mp_recv(fd), (unsigned char)want); }

/* The byte at offset i of message `round` written by side `side`. */
static unsigned char mp_pattern(size_t i, int round, int side) {
  return (unsigned char)(i * 31u + (size_t)round * 7u + (size_t)side * 101u + 1u);
}

/* Checks that `len` bytes at p hold the pattern of (round, side). */
static void mp_check_pattern(const unsigned char *p, size_t len, int round, int side) {
  size_t i;
  for (i = 0; i < len; i++)
    if (p[i] != mp_pattern(i, round, side))
      t_fail(__FILE__, __LINE__, "round %d byte %zu: %u, expected %u", round, i, p[i],
             mp_pattern(i, round, side));
}

static void mp_fill(unsigned char *p, size_t len, int round, int side) {
  size_t i;
  for (i = 0; i < len; i++) p[i] = mp_pattern(i, round, side);
}

/* ---- Data both ways ---- */

#define MP_PING_SIZE 65536
#define MP_PING_ROUNDS 200

/* The parent writes the first half, the child checks it and answers in the
 * second half, turn by turn; a pipe each way carries only "your turn". */
TEST(data_crosses_both_ways) {
  const char *name = t_name("pingpong");
  const size_t half = MP_PING_SIZE / 2;
  int to_child[2], to_parent[2], round;
  char a1[16], a2[16];
  const char *args[4];
  PRSharedMemory *shm;
  unsigned char *p;
  t_proc child;

  shm = PR_OpenSharedMemory(name, MP_PING_SIZE, PR_SHM_CREATE | PR_SHM_EXCL, 0600);
  CHECK_NOT_NULL(shm);
  p = PR_AttachSharedMemory(shm, 0);
  CHECK_NOT_NULL(p);
  mp_pipe(to_child, 0);
  mp_pipe(to_parent, 1);
  args[0] = name;
  args[1] = mp_fd_arg(to_child[0], a1);
  args[2] = mp_fd_arg(to_parent[1], a2);
  args[3] = NULL;
  child = t_spawn("pong", args);
  CHECK_EQ(close(to_child[0]), 0);
  CHECK_EQ(close(to_parent[1]), 0);

  mp_expect(to_parent[0], 'R');
  for (round = 0; round < MP_PING_ROUNDS; round++) {
    mp_fill(p, half, round, 0);
    mp_send(to_child[1], 'P');
    mp_expect(to_parent[0], 'Q');
    mp_check_pattern(p + half, half, round, 1);
  }
  CHECK_EQ(close(to_child[1]), 0); /* end of file: the child finishes */
  CHECK_EQ(t_wait(child), 0);
  CHECK_EQ(close(to_parent[0]), 0);
  CHECK_OK(PR_DetachSharedMemory(shm, p));
  CHECK_OK(PR_CloseSharedMemory(shm));
}

CHILD(pong) {
  PRSharedMemory *shm;
  unsigned char *p;
  PRSize size = 0;
  int in, out, round = 0;

  CHECK_EQ(argc, 3);
  in = atoi(argv[1]);
  out = atoi(argv[2]);
  /* Size 0 maps the whole segment, as its creator sized it. */
  shm = PR_OpenSharedMemory(argv[0], 0, 0, 0);
  CHECK_NOT_NULL(shm);
  CHECK_OK(prshm_get_size(shm, &size));
  CHECK_EQ(size, MP_PING_SIZE);
  p = PR_AttachSharedMemory(shm, 0);
  CHECK_NOT_NULL(p);
  mp_send(out, 'R');
  while (mp_recv(in) == 'P') {
    mp_check_pattern(p, MP_PING_SIZE / 2, round, 0);
    mp_fill(p + MP_PING_SIZE / 2, MP_PING_SIZE / 2, round, 1);
    mp_send(out, 'Q');
    round++;
  }
  CHECK_EQ(round, MP_PING_ROUNDS);
  CHECK_OK(PR_DetachSharedMemory(shm, p));
  CHECK_OK(PR_CloseSharedMemory(shm));
  return 0;
}

/* ---- Ten processes racing on one name ---- */

/* Released together, ten processes open-or-create, check, write, detach,
 * close and delete one name, round after round. Every child must end
 * normally (no SIGBUS, no crash), and every check is in the child. */
TEST(ten_processes_race_on_one_name) {
  const char *name = t_name("race");
  t_proc racers[MP_RACERS];
  char fdarg[16], idarg[MP_RACERS][16], rounds[16];
  int gate[2], codes[MP_RACERS], i;

  /* Every racer blocks reading the gate until this process closes it. */
  mp_pipe(gate, 0);
  snprintf(rounds, sizeof rounds, "%d", MP_ROUNDS);
  for (i = 0; i < MP_RACERS; i++) {
    const char *args[5];
    snprintf(idarg[i], sizeof idarg[i], "%d", i);
    args[0] = name;
    args[1] = mp_fd_arg(gate[0], fdarg);
    args[2] = idarg[i];
    args[3] = rounds;
    args[4] = NULL;
    racers[i] = t_spawn("racer", args);
  }
  CHECK_EQ(close(gate[0]), 0);
  CHECK_EQ(close(gate[1]), 0);
  /* All of them first: a racer still running could make the name again
   * after a failing test has removed it. */
  for (i = 0; i < MP_RACERS; i++) codes[i] = t_wait(racers[i]);
  for (i = 0; i < MP_RACERS; i++)
    if (codes[i] != 0)
      t_fail(__FILE__, __LINE__, "racer %d ended with %d%s", i, codes[i],
             codes[i] >= 128 ? " (killed by a signal)" : "");
}

/* Checks an open handle of the race segment: its size is exactly the one
 * every creator asks for, every slot holds 0 or a well-formed stamp of its
 * own racer, and the last byte can be read and written. */
static void mp_race_check(PRSharedMemory *shm, int id, int round, PRBool write) {
  PRSize size = 0;
  volatile unsigned char *p;
  uint32_t *slots;
  int i;

  CHECK_OK(prshm_get_size(shm, &size));
  CHECK_EQ(size, MP_RACE_SIZE);
  p = PR_AttachSharedMemory(shm, write ? 0 : PR_SHM_READONLY);
  CHECK_NOT_NULL(p);
  slots = (uint32_t *)(uintptr_t)p;
  for (i = 0; i < MP_RACERS; i++) {
    uint32_t s = __atomic_load_n(&slots[i], __ATOMIC_RELAXED);
    if (s != 0 && (s & 0xff000000u) != MP_STAMP_TAG)
      t_fail(__FILE__, __LINE__, "slot %d holds %#x: not a stamp", i, (unsigned)s);
    if (s != 0) CHECK_EQ((s >> 16) & 0xffu, (uint32_t)i);
  }
  (void)p[MP_RACE_SIZE - 1];
  if (write) {
    uint32_t stamp = MP_STAMP_TAG | (uint32_t)id << 16 | (uint32_t)round;
    __atomic_store_n(&slots[id], stamp, __ATOMIC_RELAXED);
    p[MP_RACE_SIZE - 1] = (unsigned char)round;
    CHECK_EQ(__atomic_load_n(&slots[id], __ATOMIC_RELAXED), stamp);
  }
  CHECK_OK(PR_DetachSharedMemory(shm, (void *)(uintptr_t)p));
}

/* One failed open in the race: only the outcomes prshm.h documents for a
 * name others create and delete concurrently. */
static void mp_race_open_failed(PRBool may_be_missing, PRBool may_exist) {
  PRErrorCode e = PR_GetError();
  if (e == PR_FILE_IS_BUSY_ERROR) return; /* bounded retries ran out */
  if (may_be_missing && e == PR_FILE_NOT_FOUND_ERROR) return;
  if (may_exist && e == PR_FILE_EXISTS_ERROR) return;
  t_fail(__FILE__, __LINE__, "open failed with %s (os error %d)", PR_ErrorToName(e),
         (int)PR_GetOSError());
}

/* A round of one racer: which calls it makes depends on (round + id), so
 * every kind of call meets every other kind. Returns 1 if its
 * open-or-create succeeded. */
static int mp_race_round(const char *name, int id, int round) {
  PRSharedMemory *shm;
  int ok = 0;

  if ((round + id) % 4 == 0)
    shm = PR_OpenSharedMemory(name, MP_RACE_SIZE, PR_SHM_CREATE | PR_SHM_EXCL, 0600);
  else
    shm = PR_OpenSharedMemory(name, MP_RACE_SIZE, PR_SHM_CREATE, 0600);
  if (shm == NULL) {
    mp_race_open_failed(PR_FALSE, (round + id) % 4 == 0);
  } else {
    ok = 1;
    mp_race_check(shm, id, round, PR_TRUE);
    CHECK_OK(PR_CloseSharedMemory(shm));
  }
  /* Opening what exists with size 0 maps its real size, which is never
   * anything but what the creator asked: a half-made segment is never
   * visible. */
  shm = PR_OpenSharedMemory(name, 0, 0, 0);
  if (shm == NULL) {
    mp_race_open_failed(PR_TRUE, PR_FALSE);
  } else {
    mp_race_check(shm, id, round, (round & 1) != 0);
    CHECK_OK(PR_CloseSharedMemory(shm));
  }
  if ((round + id) % 3 == 0 && PR_DeleteSharedMemory(name) != PR_SUCCESS)
    CHECK_ERROR(PR_FILE_NOT_FOUND_ERROR);
  return ok;
}

CHILD(racer) {
  int id, rounds, round, opened = 0;

  CHECK_EQ(argc, 4);
  id = atoi(argv[2]);
  rounds = atoi(argv[3]);
  /* End of file on the gate is the start signal. */
  CHECK_EQ(mp_recv(atoi(argv[1])), -1);
  for (round = 0; round < rounds; round++) opened += mp_race_round(argv[0], id, round);
  /* Busy and exists are allowed, but most open-or-creates succeed. */
  CHECK_INT(opened, >=, rounds / 2);
  return 0;
}

/* ---- Delete while another process is attached ---- */

#define MP_DEL_SIZE 8192

/* The parent deletes the name while the child is attached: the name is gone
 * for both at once, both keep sharing the old memory, and a new create
 * under the name is a different, zeroed segment. */
TEST(delete_while_other_process_attached) {
  const char *name = t_name("delattached");
  int to_child[2], to_parent[2];
  char a1[16], a2[16];
  const char *args[4];
  PRSharedMemory *old_shm, *new_shm;
  unsigned char *old_p, *new_p;
  t_proc child;
  size_t i;

  old_shm = PR_OpenSharedMemory(name, MP_DEL_SIZE, PR_SHM_CREATE | PR_SHM_EXCL, 0600);
  CHECK_NOT_NULL(old_shm);
  old_p = PR_AttachSharedMemory(old_shm, 0);
  CHECK_NOT_NULL(old_p);
  mp_fill(old_p, MP_DEL_SIZE, 1, 0);

  mp_pipe(to_child, 0);
  mp_pipe(to_parent, 1);
  args[0] = name;
  args[1] = mp_fd_arg(to_child[0], a1);
  args[2] = mp_fd_arg(to_parent[1], a2);
  args[3] = NULL;
  child = t_spawn("attached", args);
  CHECK_EQ(close(to_child[0]), 0);
  CHECK_EQ(close(to_parent[1]), 0);
  mp_expect(to_parent[0], 'A'); /* the child is attached to the old one */

  CHECK_OK(PR_DeleteSharedMemory(name));
  CHECK(PR_OpenSharedMemory(name, 0, 0, 0) == NULL);
  CHECK_ERROR(PR_FILE_NOT_FOUND_ERROR);
  mp_send(to_child[1], 'D');
  mp_expect(to_parent[0], 'W'); /* the child wrote into the old memory */
  mp_check_pattern(old_p, MP_DEL_SIZE, 2, 1);

  new_shm = PR_OpenSharedMemory(name, MP_DEL_SIZE, PR_SHM_CREATE | PR_SHM_EXCL, 0600);
  CHECK_NOT_NULL(new_shm);
  new_p = PR_AttachSharedMemory(new_shm, 0);
  CHECK_NOT_NULL(new_p);
  for (i = 0; i < MP_DEL_SIZE; i++) CHECK_EQ(new_p[i], 0);
  mp_fill(new_p, MP_DEL_SIZE, 3, 0);
  mp_send(to_child[1], 'N');
  mp_expect(to_parent[0], 'X'); /* the child answered in the new segment */
  mp_check_pattern(new_p, MP_DEL_SIZE, 4, 1);
  mp_check_pattern(old_p, MP_DEL_SIZE, 2, 1);

  CHECK_EQ(t_wait(child), 0);
  CHECK_EQ(close(to_child[1]), 0);
  CHECK_EQ(close(to_parent[0]), 0);
  CHECK_OK(PR_DetachSharedMemory(new_shm, new_p));
  CHECK_OK(PR_CloseSharedMemory(new_shm));
  CHECK_OK(PR_DetachSharedMemory(old_shm, old_p));
  CHECK_OK(PR_CloseSharedMemory(old_shm));
}

CHILD(attached) {
  PRSharedMemory *old_shm, *new_shm;
  unsigned char *old_p, *new_p;
  int in, out;

  CHECK_EQ(argc, 3);
  in = atoi(argv[1]);
  out = atoi(argv[2]);
  old_shm = PR_OpenSharedMemory(argv[0], MP_DEL_SIZE, 0, 0);
  CHECK_NOT_NULL(old_shm);
  old_p = PR_AttachSharedMemory(old_shm, 0);
  CHECK_NOT_NULL(old_p);
  mp_check_pattern(old_p, MP_DEL_SIZE, 1, 0);
  mp_send(out, 'A');

  mp_expect(in, 'D'); /* deleted: gone for this process too */
  CHECK(PR_OpenSharedMemory(argv[0], 0, 0, 0) == NULL);
  CHECK_ERROR(PR_FILE_NOT_FOUND_ERROR);
  mp_check_pattern(old_p, MP_DEL_SIZE, 1, 0);
  mp_fill(old_p, MP_DEL_SIZE, 2, 1);
  mp_send(out, 'W');

  mp_expect(in, 'N'); /* a new segment has the name now */
  new_shm = PR_OpenSharedMemory(argv[0], 0, 0, 0);
  CHECK_NOT_NULL(new_shm);
  new_p = PR_AttachSharedMemory(new_shm, 0);
  CHECK_NOT_NULL(new_p);
  mp_check_pattern(new_p, MP_DEL_SIZE, 3, 0);
  mp_check_pattern(old_p, MP_DEL_SIZE, 2, 1);
  mp_fill(new_p, MP_DEL_SIZE, 4, 1);
  mp_send(out, 'X');

  CHECK_OK(PR_DetachSharedMemory(new_shm, new_p));
  CHECK_OK(PR_CloseSharedMemory(new_shm));
  CHECK_OK(PR_DetachSharedMemory(old_shm, old_p));
  CHECK_OK(PR_CloseSharedMemory(old_shm));
  return 0;
}

/* ---- A process killed while it holds a handle ---- */

#define MP_KILL_SIZE 4096

/* The segment outlives a SIGKILLed holder; another process opens it and
 * finds what the dead one wrote. */
TEST(segment_outlives_killed_holder) {
  const char *name = t_name("killed");
  int to_parent[2], never[2];
  char a1[16], a2[16];
  const char *args[4];
  PRSharedMemory *shm;
  unsigned char *p;
  PRSize size = 0;
  t_proc child;

  mp_pipe(to_parent, 1);
  mp_pipe(never, 0); /* nothing is ever written: the child blocks on it */
  args[0] = name;
  args[1] = mp_fd_arg(to_parent[1], a1);
  args[2] = mp_fd_arg(never[0], a2);
  args[3] = NULL;
  child = t_spawn("hold_until_killed", args);
  CHECK_EQ(close(to_parent[1]), 0);
  CHECK_EQ(close(never[0]), 0);
  mp_expect(to_parent[0], 'H');
  t_kill(child);
  CHECK_EQ(t_wait(child), 128 + SIGKILL);
  CHECK_EQ(close(never[1]), 0);
  CHECK_EQ(close(to_parent[0]), 0);

  CHECK(PR_OpenSharedMemory(name, MP_KILL_SIZE, PR_SHM_CREATE | PR_SHM_EXCL, 0600) == NULL);
  CHECK_ERROR(PR_FILE_EXISTS_ERROR);
  shm = PR_OpenSharedMemory(name, 0, 0, 0);
  CHECK_NOT_NULL(shm);
  CHECK_OK(prshm_get_size(shm, &size));
  CHECK_EQ(size, MP_KILL_SIZE);
  p = PR_AttachSharedMemory(shm, 0);
  CHECK_NOT_NULL(p);
  mp_check_pattern(p, MP_KILL_SIZE, 5, 1);
  CHECK_OK(PR_DetachSharedMemory(shm, p));
  CHECK_OK(PR_CloseSharedMemory(shm));
  CHECK_OK(PR_DeleteSharedMemory(name));
}

CHILD(hold_until_killed) {
  PRSharedMemory *shm;
  unsigned char *p;

  CHECK_EQ(argc, 3);
  shm = PR_OpenSharedMemory(argv[0], MP_KILL_SIZE, PR_SHM_CREATE | PR_SHM_EXCL, 0600);
  CHECK_NOT_NULL(shm);
  p = PR_AttachSharedMemory(shm, 0);
  CHECK_NOT_NULL(p);
  mp_fill(p, MP_KILL_SIZE, 5, 1);
  mp_send(atoi(argv[1]), 'H');
  /* Blocks until killed; end of file means the test itself went away. */
  (void)mp_recv(atoi(argv[2]));
  return 3;
}
