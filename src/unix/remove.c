/*
 * remove.c (Unix) - prshm_remove_orphan(): removing an object of the
 * namespace only if it is still the one listed and nothing holds it, and
 * never reporting a removal that did not happen safely.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <string.h>
#include <sys/file.h>
#include <unistd.h>

#include "list.h"

/* Whether `fname` is a name prshm makes: a segment's, semaphore's or
 * lock's key, or a creator's temporary name. Nothing else is ever removed
 * here. */
static int remove_prshm_name(const char *fname) { return prshm__list_prshm_name(fname); }

/* Finds the key of `info` and checks that it belongs to this namespace:
 * its native name must be exactly the one this namespace gives the key. */
static PRStatus remove_info_key(const prshm_seginfo *info, char key[PRSHM__KEY_SIZE]) {
  char native[PRSHM_NATIVE_NAME_MAX];
  const char *slash;

  if (info == NULL || memchr(info->native_name, '\0', sizeof info->native_name) == NULL)
    return prshm__fail(PR_INVALID_ARGUMENT_ERROR, 0);
  slash = strrchr(info->native_name, '/');
  if (slash == NULL || strlen(slash + 1) >= PRSHM__KEY_SIZE || !remove_prshm_name(slash + 1))
    return prshm__fail(PR_INVALID_ARGUMENT_ERROR, 0);
  strcpy(key, slash + 1);
  if (prshm__unix_native(key, native, sizeof native) != PR_SUCCESS ||
      strcmp(native, info->native_name) != 0)
    return prshm__fail(PR_INVALID_ARGUMENT_ERROR, 0);
  return PR_SUCCESS;
}

/* Whether the file fd designates is the object `info` describes. The inode
 * alone is not enough: file systems reuse inode numbers at once. */
static int remove_same_object(const struct stat *st, const prshm_seginfo *info) {
  return S_ISREG(st->st_mode) && (PRUint64)st->st_dev == info->device &&
         (PRUint64)st->st_ino == info->inode && (PRInt64)st->st_ctim.tv_sec == info->ctime &&
         (PRInt32)st->st_ctim.tv_nsec == info->ctime_nsec && (PRUint64)st->st_size == info->size;
}

/* The error for evidence that forbids removal. */
static PRStatus remove_refuse(PRUint32 evidence) {
  if ((evidence & PRSHM__LIST_HELD) != 0) return prshm__fail(PR_FILE_IS_BUSY_ERROR, 0);
  if ((evidence & (PRSHM_UNCHECKED_SOME | PRSHM_UNCHECKED_LOCK)) != 0)
    return prshm__fail(PR_NO_ACCESS_RIGHTS_ERROR, 0);
  return prshm__fail(PR_OPERATION_NOT_SUPPORTED_ERROR, 0);
}

/* Without the lease test: proves that nothing holds the segment from the
 * lock (taken: `locked`) and a complete scan of every process. */
static PRStatus remove_check_without_lease(const char *dir, int fd, int locked,
                                           prshm__list_entry *e) {
  /* Mappings and descriptors made without a handle are not excluded by
   * the lock; the scan sees them (all but our own probe descriptor). A
   * holder it finds makes the segment busy even where, without the lock
   * (Linux's handles take none), nothing could prove it free. */
  if (prshm__list_check_procs(dir, e, 1, fd) != PR_SUCCESS) return PR_FAILURE;
  if ((e->evidence & PRSHM__LIST_HELD) != 0) return remove_refuse(e->evidence);
  if (!locked) return prshm__fail(PR_OPERATION_NOT_SUPPORTED_ERROR, ENOLCK);
  if ((e->evidence & PRSHM__LIST_GAPS) != 0) return remove_refuse(e->evidence);
  return PR_SUCCESS;
}

/* Checks that nothing holds the segment of fd; with the lease taken, sets
 * *leased (prshm__list_lease_drop() must follow). */
static PRStatus remove_check_unheld(const char *dir, int fd, prshm__list_entry *e, int *leased) {
  /* Without handle locks (Linux) only the lease can prove it: no fallback
   * to a scan, which an opener could race between scan and unlink. */
  int locked = prshm__unix_handles_lock ? prshm__list_try_exclusive(fd) : -1;

  if (locked == 0) return prshm__fail(PR_FILE_IS_BUSY_ERROR, EWOULDBLOCK);
  switch (prshm__list_lease_take(fd)) {
    case PRSHM__LEASE_TAKEN:
      *leased = 1;
      return PR_SUCCESS;
    case PRSHM__LEASE_CONFLICT:
      return prshm__fail(PR_FILE_IS_BUSY_ERROR, EAGAIN);
    default:
      return remove_check_without_lease(dir, fd, locked > 0, e);
  }
}

/* Takes the name `path` away from the object fd holds under a lease: the
 * name is first moved to a temporary name no opener uses, and removed from
 * there only if the lease is still whole. An opener that reached the file
 * before the move and waits on the lease has broken it (or, after
 * fs.lease-break-time, the kernel has ended it): the name is then put back
 * and the removal reported busy, for that opener is using the segment.
 * `leased`: without a lease (the portable backend) there is nothing to
 * watch, and the name is simply removed. */
static PRStatus remove_name(const char *dir, const char *path, int fd, int leased) {
  static unsigned counter;
  char temp[PRSHM__LIST_PATH_SIZE + 64];

  if (leased && !prshm__list_lease_intact(fd)) return prshm__fail(PR_FILE_IS_BUSY_ERROR, EAGAIN);
  (void)snprintf(temp, sizeof temp, "%s/%s%ld-rm-%u", dir, PRSHM__LIST_TEMP_PREFIX, (long)getpid(),
                 __atomic_fetch_add(&counter, 1u, __ATOMIC_RELAXED));
  if (!leased || prshm__sys.rename_noreplace(path, temp) != 0) {
    /* No lease to watch, or no way to move without replacing: remove in
     * one step, the lease (if any) just checked. */
    if (prshm__sys.unlink(path) != 0) return prshm__fail_os(errno);
    return PR_SUCCESS;
  }
  if (!prshm__list_lease_intact(fd)) {
    /* If the name was taken meanwhile, the old file stays under its
     * temporary name, a leftover for a later prune. */
    (void)prshm__sys.rename_noreplace(temp, path);
    return prshm__fail(PR_FILE_IS_BUSY_ERROR, EAGAIN);
  }
  if (prshm__sys.unlink(temp) != 0) {
    const int err = errno;
    (void)prshm__sys.rename_noreplace(temp, path); /* it stays, as it was */
    return prshm__fail_os(err);
  }
  return PR_SUCCESS;
}

/*
 * The sequence, and why each step is there:
 *  1. open the file and check (fstat) that it is the object listed, not a
 *     newer one under the same name, and one of prshm's kinds;
 *  2. take LOCK_EX|LOCK_NB: failing means a prshm handle is open. Holding
 *     it keeps prshm's openers from adopting the segment until we are done:
 *     they take LOCK_SH with LOCK_NB and retry, bounded, and after locking
 *     re-check st_nlink, so an opener racing with us either finds the
 *     segment deleted and opens or creates it again, or makes us fail here;
 *  3. take a write lease (Linux): granted only if no other open file of it
 *     exists anywhere (a mapping keeps its file open), it proves that
 *     nothing holds the segment; and while it is held every open() of the
 *     file waits, which breaks the lease (prshm's openers, which do not
 *     block, retry). Where leases are not possible, scan every process
 *     instead, and refuse if any cannot be read;
 *  4. check that the name still refers to the object we hold;
 *  5. take the name away (remove_name), unless an opener has broken the
 *     lease; 6. drop the lease and close, which lets waiting openers on:
 *     they find the object nameless, or the name gone.
 * The one window left is between 4 and 5: a program that deletes the name
 * and creates another segment under it in those microseconds would lose
 * its new segment's name. prshm's creators never replace a name that
 * exists, so this needs a deletion by someone else at that instant.
 */
PRStatus prshm_remove_orphan(const prshm_seginfo *info) {
  char key[PRSHM__KEY_SIZE], path[PRSHM__LIST_PATH_SIZE];
  const char *dir;
  prshm__list_entry e;
  struct stat st, now;
  PRStatus rv = PR_FAILURE;
  int fd, leased = 0;

  if (remove_info_key(info, key) != PR_SUCCESS) return PR_FAILURE;
  /* Another program's objects, and what is no segment, are not prshm's. */
  if (info->kind == PRSHM_KIND_FOREIGN || info->kind == PRSHM_KIND_OTHER)
    return prshm__fail(PR_INVALID_ARGUMENT_ERROR, 0);
  dir = prshm__list_dir();
  if (dir == NULL) return PR_FAILURE;
  prshm__unix_path(dir, key, path);
  fd = prshm__list_open_probe(path);
  if (fd < 0) /* a link where the segment was is not the segment: gone */
    return prshm__fail_os(errno == ELOOP ? ENOENT : errno);
  if (prshm__sys.fstat(fd, &st) != 0) {
    prshm__fail_os(errno);
    goto close;
  }
  prshm__list_entry_init(&e, key, &st);
  if (!remove_same_object(&e.st, info)) {
    prshm__fail(PR_FILE_NOT_FOUND_ERROR, ENOENT);
    goto close;
  }
  if (e.kind == PRSHM_KIND_OTHER) { /* a segment's name on a file of two names */
    prshm__fail(PR_INVALID_STATE_ERROR, EMLINK);
    goto close;
  }
  if (remove_check_unheld(dir, fd, &e, &leased) != PR_SUCCESS) goto unlease;
  if (prshm__sys.lstat(path, &now) != 0 || now.st_dev != e.st.st_dev || now.st_ino != e.st.st_ino) {
    prshm__fail(PR_FILE_NOT_FOUND_ERROR, ENOENT);
    goto unlease;
  }
  rv = remove_name(dir, path, fd, leased);

unlease:
  if (leased) prshm__list_lease_drop(fd);
close:
  (void)prshm__sys.close(fd);
  return rv;
}
