/*
 * prshm_names.h - the lists of every function prshm exports, from which the
 * link names are made (prshm_link.h).
 *
 * prshm is built twice from one source: the standalone library (libprshm),
 * which brings its own NSPR base types and error state, and the companion
 * library (libprshm-nspr), which uses NSPR's headers and NSPR's error state.
 * A program compiled with either build's headers must call that build's
 * functions, whatever else is linked into the process. So on Unix, where
 * one process has one global symbol namespace, each function gets a link
 * name of its build (prshm_link.h renames it); only the name the C code
 * writes stays NSPR's. These lists say which functions there are.
 *
 * Adding a function that replaces one of NSPR's (a semaphore call, say) is
 * one line in PRSHM_REPLACED_FUNCTIONS; adding an extension is one line in
 * PRSHM_EXTENSION_FUNCTIONS. Nothing else needs to change: the renaming,
 * the companion's exports for LD_PRELOAD and the checks of both libraries'
 * symbol tables all come from these lists.
 */
#ifndef PRSHM_NAMES_H
#define PRSHM_NAMES_H

/*
 * NSPR's functions that both builds implement, and that the companion
 * replaces: X(return type, name, (parameters), (arguments)). The types are
 * there so that the companion can define, for LD_PRELOAD, a function under
 * each plain NSPR name that calls its own.
 */
/* clang-format off */
#define PRSHM_REPLACED_FUNCTIONS(X)                                                  \
  X(PRSharedMemory *, PR_OpenSharedMemory,                                           \
    (const char *name, PRSize size, PRIntn flags, PRIntn mode),                      \
    (name, size, flags, mode))                                                       \
  X(void *, PR_AttachSharedMemory, (PRSharedMemory *shm, PRIntn flags), (shm, flags)) \
  X(PRStatus, PR_DetachSharedMemory, (PRSharedMemory *shm, void *addr), (shm, addr))  \
  X(PRStatus, PR_CloseSharedMemory, (PRSharedMemory *shm), (shm))                     \
  X(PRStatus, PR_DeleteSharedMemory, (const char *name), (name))                     \
  X(PRSem *, PR_OpenSemaphore,                                                       \
    (const char *name, PRIntn flags, PRIntn mode, PRUintn value),                    \
    (name, flags, mode, value))                                                      \
  X(PRStatus, PR_WaitSemaphore, (PRSem *sem), (sem))                                 \
  X(PRStatus, PR_PostSemaphore, (PRSem *sem), (sem))                                 \
  X(PRStatus, PR_CloseSemaphore, (PRSem *sem), (sem))                                \
  X(PRStatus, PR_DeleteSemaphore, (const char *name), (name))
/* clang-format on */

/*
 * NSPR's error functions: the standalone library has its own (prerror.h),
 * the companion uses libnspr4's and defines none of them. X(name).
 */
/* clang-format off */
#define PRSHM_BASE_FUNCTIONS(X)                                                             \
  X(PR_SetError) X(PR_GetError) X(PR_GetOSError) X(PR_SetErrorText) X(PR_GetErrorTextLength) \
  X(PR_GetErrorText) X(PR_ErrorToName) X(PR_ErrorToString)

/*
 * prshm's extensions (prshm_ext.h), by the part of the name after
 * "prshm_": X(get_size) stands for prshm_get_size. Both builds have them.
 * A name listed here before its function exists costs nothing: renaming a
 * function no one declares has no effect.
 */
#define PRSHM_EXTENSION_FUNCTIONS(X)                                              \
  X(version) X(backend_name) X(get_size) X(native_name) X(open_native)            \
  X(namespace) X(list_open) X(list_next) X(list_close) X(stat) X(stat_native)     \
  X(stat_object) X(remove_orphan) X(sem_value_max) X(sem_trywait) X(sem_timedwait) \
  X(sem_getvalue) X(lock_open) X(lock_close) X(lock_delete) X(lock_acquire)       \
  X(lock_tryacquire) X(lock_timedacquire) X(lock_release)
/* clang-format on */

/*
 * PRSHM_LINK_AS(name, link): from here on, the function the C code calls
 * `name` has the symbol `link` in object files. It works whether `name` has
 * been declared yet or not (an NSPR header may have declared it first), for
 * C and for C++'s extern "C" functions. GCC and Clang have the pragma on
 * every Unix system (the compiler adds the system's symbol prefix itself).
 * Windows needs no renaming, and gets none: there each imported function
 * names the DLL it comes from. PRSHM_RENAMES says that renaming is in force.
 */
#if !defined(_WIN32) && !defined(__CYGWIN__)
#ifndef __PRAGMA_REDEFINE_EXTNAME
/* clang-format off */
#error "prshm: this compiler lacks #pragma redefine_extname, which binds a program to prshm's own functions; build with GCC or Clang."
/* clang-format on */
#endif
#define PRSHM_RENAMES 1
#define PRSHM__PRAGMA(text) _Pragma(#text)
#define PRSHM_LINK_AS(name, link) PRSHM__PRAGMA(redefine_extname name link)
#endif

#endif /* PRSHM_NAMES_H */
