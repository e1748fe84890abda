/*
 * sync.c (Windows) - the semaphore and lock backends: named semaphore and
 * mutex objects, beside the sections of win32.c and sharing its rules.
 *
 * Names are "Local\prsem.<name>" and "Local\prlck.<name>" (or Global\),
 * keys of their own kinds, so no segment, semaphore or lock ever shares an
 * object name. The security descriptor comes from the mode (security.c),
 * handles are never inheritable, and the creating process keeps the object
 * alive until it is deleted (keep.c), as for sections. Delete gives the
 * object the tombstone DACL (win32.c): handles that exist keep working,
 * their waiters are not failed, and nobody can open it any more; the name
 * is free again once its last handle is closed (until then a create fails
 * with PR_FILE_IS_BUSY_ERROR, as for sections).
 *
 * Semaphores count up to 0x7fffffff (PRSHM_SEM_VALUE_MAX); a post beyond
 * fails with PR_RANGE_ERROR (ERROR_TOO_MANY_POSTS). Waits are never
 * alertable, so nothing but a post ends them.
 *
 * Locks are mutexes. Windows reports a holder that died (its thread ended,
 * whatever the reason) to the next waiter as WAIT_ABANDONED, once, and
 * gives it the mutex: exactly prshm's robust lock. Windows would also let
 * a holder acquire its mutex again (recursion), which prshm refuses: after
 * every acquire the mutex's count says whether this thread already held
 * it, and then it is released once and the call fails with
 * PR_DEADLOCK_ERROR.
 *
 * Sections: the two kinds; opening and creating; semaphores; locks.
 */
#include "winsync.h"

#define WSYNC_OPEN_ATTEMPTS 64

/* ---- The two kinds ---- */

/* What differs between a semaphore and a mutex here. */
typedef struct wsync_kind {
  prshm__kind kind; /* for keys and security descriptors */
  DWORD access;     /* what an opener asks for: to wait, post or release */
  HANDLE (*open)(DWORD access, const WCHAR *name);                              /* not inherited */
  HANDLE (*create)(SECURITY_ATTRIBUTES *sa, PRUint32 value, const WCHAR *name); /* sets the error */
} wsync_kind;

static HANDLE wsync_open_sem(DWORD access, const WCHAR *name) {
  return prshm__sys.open_semaphore(access, FALSE, name);
}

static HANDLE wsync_create_sem(SECURITY_ATTRIBUTES *sa, PRUint32 value, const WCHAR *name) {
  return prshm__sys.create_semaphore(sa, (LONG)value, name);
}

static HANDLE wsync_open_mutex(DWORD access, const WCHAR *name) {
  return prshm__sys.open_mutex(access, FALSE, name);
}

static HANDLE wsync_create_mutex(SECURITY_ATTRIBUTES *sa, PRUint32 value, const WCHAR *name) {
  (void)value;
  /* Not owned at creation; every right, as CreateMutexW() would give. */
  return prshm__sys.create_mutex(sa, name, 0, MUTEX_ALL_ACCESS);
}

static const wsync_kind wsync_sem = {
    PRSHM__KIND_SEM,
    SYNCHRONIZE | SEMAPHORE_MODIFY_STATE | 0x0001 /* SEMAPHORE_QUERY_STATE */,
    wsync_open_sem,
    wsync_create_sem,
};

static const wsync_kind wsync_mutex = {
    PRSHM__KIND_LOCK,
    SYNCHRONIZE | 0x0001 /* MUTANT_QUERY_STATE */,
    wsync_open_mutex,
    wsync_create_mutex,
};

/* ---- Opening and creating ---- */

/* The outcome of one step of opening or creating. */
typedef enum wsync_step {
  WSYNC_DONE,    /* *out is the handle */
  WSYNC_FAIL,    /* error set */
  WSYNC_ABSENT,  /* nothing has the name */
  WSYNC_DELETED, /* a deleted object someone still holds has it */
  WSYNC_EXISTS,  /* an object has it (creating) */
  WSYNC_RETRY    /* it changed hands meanwhile: start again */
} wsync_step;

/* What a denied open or create found under the name (see win32.c's
 * win_denied): `present` is the answer when an object this process may not
 * use has it. */
static wsync_step wsync_denied(const wsync_kind *k, const char *key, const WCHAR *wname,
                               wsync_step present) {
  HANDLE h = k->open(READ_CONTROL, wname);

  switch (prshm__win_probe_opened(h, h == NULL ? GetLastError() : 0)) {
    case PROBE_DELETED:
      return prshm__win_keep_release_deleted(key, PR_TRUE) ? WSYNC_RETRY : WSYNC_DELETED;
    case PROBE_ABSENT:
      return WSYNC_ABSENT;
    case PROBE_FAIL:
      return WSYNC_FAIL;
    default:
      break;
  }
  if (present == WSYNC_FAIL) prshm__fail(PR_NO_ACCESS_RIGHTS_ERROR, ERROR_ACCESS_DENIED);
  return present;
}

static wsync_step wsync_open_existing(const wsync_kind *k, const char *key, const WCHAR *wname,
                                      HANDLE *out) {
  DWORD err;
  wsync_step rv;

  *out = k->open(k->access, wname);
  if (*out != NULL) return WSYNC_DONE;
  err = GetLastError();
  if (err == ERROR_FILE_NOT_FOUND) return WSYNC_ABSENT;
  if (err != ERROR_ACCESS_DENIED) {
    (void)prshm__win_fail_name(err);
    return WSYNC_FAIL;
  }
  /* Denied: not this process's to use, or deleted (the tombstone denies
   * everyone). */
  rv = wsync_denied(k, key, wname, WSYNC_FAIL);
  return rv == WSYNC_ABSENT ? WSYNC_RETRY : rv;
}

static wsync_step wsync_create(const wsync_kind *k, const char *key, const WCHAR *wname,
                               PRIntn mode, PRUint32 value, HANDLE *out) {
  prshm__win_sd sd, esd;
  SECURITY_ATTRIBUTES sa, esa;
  DWORD err;
  wsync_step rv;

  if (prshm__win_sd_for_kind(&sd, k->kind, mode, 0) != PR_SUCCESS) return WSYNC_FAIL;
  /* The NOTIFY event by which a delete elsewhere makes this process let go
   * of the handle it keeps is labelled as the object (see win32.c). */
  prshm__win_sd_event(&esd, sd.level, PRSHM__WIN_EVENT_RIGHTS);
  esa.nLength = (DWORD)sizeof esa;
  esa.lpSecurityDescriptor = &esd.sd;
  esa.bInheritHandle = FALSE;
  sa.nLength = (DWORD)sizeof sa;
  sa.lpSecurityDescriptor = &sd.sd;
  sa.bInheritHandle = FALSE;
  SetLastError(ERROR_SUCCESS);
  /* The value and the descriptor are part of the creation: nobody sees the
   * object without them. */
  *out = k->create(&sa, value, wname);
  err = GetLastError();
  if (*out != NULL && err == ERROR_ALREADY_EXISTS) {
    (void)prshm__sys.close_handle(*out);
    return WSYNC_EXISTS;
  }
  if (*out != NULL) {
    if (prshm__win_keep_add(key, *out, &esa) != PR_SUCCESS) {
      (void)prshm__sys.close_handle(*out);
      return WSYNC_FAIL;
    }
    return WSYNC_DONE;
  }
  if (err != ERROR_ACCESS_DENIED) {
    (void)prshm__win_fail_name(err);
    return WSYNC_FAIL;
  }
  rv = wsync_denied(k, key, wname, WSYNC_EXISTS);
  if (rv == WSYNC_ABSENT) {
    /* Nothing has the name: this process may not create there (Global\). */
    prshm__fail(PR_NO_ACCESS_RIGHTS_ERROR, (PRInt32)err);
    return WSYNC_FAIL;
  }
  return rv;
}

static PRStatus wsync_open(const wsync_kind *k, const char *key, PRIntn flags, PRIntn mode,
                           PRUint32 value, prshm__sync *s) {
  const PRBool create = (flags & PR_SEM_CREATE) != 0;
  const PRBool excl = create && (flags & PR_SEM_EXCL) != 0;
  WCHAR wname[PRSHM__KEY_SIZE];
  HANDLE h = NULL;
  int attempt;

  if (prshm__win_widen(key, wname) != PR_SUCCESS) return PR_FAILURE;
  for (attempt = 0; attempt < WSYNC_OPEN_ATTEMPTS; attempt++) {
    wsync_step rv = excl ? WSYNC_ABSENT : wsync_open_existing(k, key, wname, &h);
    if (rv == WSYNC_ABSENT && create) rv = wsync_create(k, key, wname, mode, value, &h);
    switch (rv) {
      case WSYNC_DONE:
        s->os = (uintptr_t)h;
        s->addr = h;
        s->size = 0;
        s->local = NULL;
        return PR_SUCCESS;
      case WSYNC_FAIL:
        return PR_FAILURE;
      case WSYNC_ABSENT:
        return prshm__fail(PR_FILE_NOT_FOUND_ERROR, ERROR_FILE_NOT_FOUND);
      case WSYNC_DELETED:
        return prshm__fail(create ? PR_FILE_IS_BUSY_ERROR : PR_FILE_NOT_FOUND_ERROR,
                           ERROR_ACCESS_DENIED);
      case WSYNC_EXISTS:
        if (excl) return prshm__fail(PR_FILE_EXISTS_ERROR, ERROR_ALREADY_EXISTS);
        break;
      case WSYNC_RETRY:
        break;
    }
  }
  return prshm__fail(PR_FILE_IS_BUSY_ERROR, 0);
}

static PRStatus wsync_close(prshm__sync *s) {
  if (!prshm__sys.close_handle((HANDLE)s->os)) return prshm__fail_os((PRInt32)GetLastError());
  return PR_SUCCESS;
}

/* Milliseconds to wait for `deadline`: INFINITE for none, else what is
 * left, capped below INFINITE (a longer wait is made of several). */
static DWORD wsync_ms(PRUint64 deadline) {
  PRUint64 now, left;

  if (deadline == PRSHM__FOREVER) return INFINITE;
  now = prshm__os_now_ns();
  if (now >= deadline) return 0;
  left = (deadline - now + 999999u) / 1000000u;
  return left < (PRUint64)(INFINITE - 1) ? (DWORD)left : INFINITE - 1;
}

/* ---- Semaphores ---- */

static PRStatus wsem_open(const char *key, PRIntn flags, PRIntn mode, PRUint32 value,
                          prshm__sync *s) {
  return wsync_open(&wsync_sem, key, flags, mode, value, s);
}

static PRStatus wsem_remove(const char *key) { return prshm__win_remove(key, wsync_open_sem); }

PRStatus prshm__sem_post(prshm__sync *s) { return prshm__sem_post_fast(s->addr); }

int prshm__sem_trywait(prshm__sync *s) { return prshm__sem_trywait_fast(s->addr); }

static PRStatus wsem_wait(prshm__sync *s, PRUint64 deadline) {
  for (;;) {
    DWORD ms = wsync_ms(deadline), rv = prshm__sys.wait_object((HANDLE)s->os, ms);
    if (rv == WAIT_OBJECT_0) return PR_SUCCESS;
    if (rv != WAIT_TIMEOUT) return prshm__fail_os((PRInt32)GetLastError());
    if (ms != INFINITE && prshm__os_now_ns() >= deadline)
      return prshm__fail(PR_IO_TIMEOUT_ERROR, ERROR_TIMEOUT);
  }
}

static PRStatus wsem_getvalue(prshm__sync *s, PRUint32 *value) {
  LONG count;

  if (!prshm__sys.query_semaphore((HANDLE)s->os, &count))
    return prshm__fail_os((PRInt32)GetLastError());
  *value = count > 0 ? (PRUint32)count : 0;
  return PR_SUCCESS;
}

const prshm__sem_backend prshm__sem_impl = {
    "win32-semaphore",  0x7fffffffu, wsem_open,     wsync_close, wsem_remove, prshm__sem_post,
    prshm__sem_trywait, wsem_wait,   wsem_getvalue, NULL,        NULL,
};

/* ---- Locks ---- */

static PRStatus wlock_open(const char *key, PRIntn flags, PRIntn mode, prshm__sync *s) {
  return wsync_open(&wsync_mutex, key, flags, mode, 0, s);
}

static PRStatus wlock_remove(const char *key) { return prshm__win_remove(key, wsync_open_mutex); }

/* The mutex is this thread's after a wait returned `rv`: 1, or -1 (error
 * set, mutex given back) if the thread held it already. */
static int wlock_took(prshm__sync *s, DWORD rv, PRBool *died) {
  LONG count;

  *died = rv == WAIT_ABANDONED ? PR_TRUE : PR_FALSE;
  /* Held once: 0. Held again by this thread: below 0. A system that cannot
   * tell leaves recursion to the front door's record of the holder. */
  if (prshm__sys.query_mutex((HANDLE)s->os, &count) && count < 0) {
    (void)prshm__sys.release_mutex((HANDLE)s->os);
    prshm__fail(PR_DEADLOCK_ERROR, 0);
    return -1;
  }
  return 1;
}

int prshm__lock_trylock(prshm__sync *s, PRBool *died) {
  DWORD rv;

  if (atomic_load_explicit(&s->holder, memory_order_relaxed) == prshm__os_thread_id()) {
    prshm__fail(PR_DEADLOCK_ERROR, 0);
    return -1;
  }
  rv = prshm__sys.wait_object((HANDLE)s->os, 0);
  if (rv == WAIT_OBJECT_0 || rv == WAIT_ABANDONED) return wlock_took(s, rv, died);
  if (rv == WAIT_TIMEOUT) return 0;
  prshm__fail_os((PRInt32)GetLastError());
  return -1;
}

static PRStatus wlock_lock(prshm__sync *s, PRUint64 deadline, PRBool *died) {
  for (;;) {
    DWORD ms = wsync_ms(deadline), rv = prshm__sys.wait_object((HANDLE)s->os, ms);
    if (rv == WAIT_OBJECT_0 || rv == WAIT_ABANDONED)
      return wlock_took(s, rv, died) > 0 ? PR_SUCCESS : PR_FAILURE;
    if (rv != WAIT_TIMEOUT) return prshm__fail_os((PRInt32)GetLastError());
    if (ms != INFINITE && prshm__os_now_ns() >= deadline)
      return prshm__fail(PR_IO_TIMEOUT_ERROR, ERROR_TIMEOUT);
  }
}

PRStatus prshm__lock_unlock(prshm__sync *s) {
  DWORD err;

  if (prshm__sys.release_mutex((HANDLE)s->os)) return PR_SUCCESS;
  err = GetLastError();
  if (err == ERROR_NOT_OWNER) return prshm__fail(PR_INVALID_STATE_ERROR, (PRInt32)err);
  return prshm__fail_os((PRInt32)err);
}

const prshm__lock_backend prshm__lock_impl = {
    "win32-mutex",       wlock_open, wsync_close,        wlock_remove,
    prshm__lock_trylock, wlock_lock, prshm__lock_unlock, NULL,
};
