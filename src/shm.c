/*
 * shm.c - the front door: NSPR's five calls and prshm's extensions.
 *
 * Every argument is checked here, once; the backend (prshm__backend_impl)
 * then does the OS work without checking again. Handles are registry
 * tokens (registry.c), so misuse is refused before anything is touched.
 */
#include <string.h>

#include "internal.h"

#define PRSHM_MODE_BITS 0777

/* Checks a caller's name: NULL or empty, or 1024 bytes or more, fail. */
PRSHM__HOT static PRStatus shm_check_name(const char *name) {
  if (name == NULL || name[0] == '\0') return prshm__fail(PR_INVALID_ARGUMENT_ERROR, 0);
  if (strnlen(name, PRSHM__NAME_MAX + 1) > PRSHM__NAME_MAX)
    return prshm__fail(PR_NAME_TOO_LONG_ERROR, 0);
  return PR_SUCCESS;
}

PRSHM__HOT PRStatus prshm__name_key(const char *name, prshm__kind kind, char key[PRSHM__KEY_SIZE]) {
  if (shm_check_name(name) != PR_SUCCESS) return PR_FAILURE;
  return prshm__backend_impl.key(name, kind, key);
}

PRStatus prshm__native_key(const char *native, char key[PRSHM__KEY_SIZE]) {
  if (native == NULL || native[0] == '\0') return prshm__fail(PR_INVALID_ARGUMENT_ERROR, 0);
  if (strnlen(native, PRSHM_NATIVE_NAME_MAX) >= PRSHM_NATIVE_NAME_MAX)
    return prshm__fail(PR_NAME_TOO_LONG_ERROR, 0);
  return prshm__backend_impl.key_of_native(native, key);
}

/* Registers a segment the backend opened; closes it if that fails. */
PRSHM__HOT static PRSharedMemory *shm_register(prshm__seg *seg) {
  PRSharedMemory *shm = prshm__registry_add(seg);
  if (shm == NULL) (void)prshm__backend_impl.close(seg);
  return shm;
}

PRSHM__HOT PRSharedMemory *PR_OpenSharedMemory(const char *name, PRSize size, PRIntn flags,
                                               PRIntn mode) {
  char buf[PRSHM__KEY_ROOM + PRSHM__KEY_SIZE];
  char *key = buf + PRSHM__KEY_ROOM; /* with room in front (the backend's open) */
  prshm__seg seg;

  if ((flags & ~PRSHM__OPEN_FLAGS) != 0 || (mode & ~PRSHM_MODE_BITS) != 0 ||
      ((flags & PR_SHM_CREATE) != 0 && size == 0)) {
    prshm__fail(PR_INVALID_ARGUMENT_ERROR, 0);
    return NULL;
  }
  /* A size no address space can map is refused here, alike everywhere,
   * whatever the OS would let a create or an open get away with. */
  if (size > PRSHM__SIZE_MAX) {
    prshm__fail(PR_FILE_TOO_BIG_ERROR, 0);
    return NULL;
  }
  if (prshm__name_key(name, PRSHM__KIND_SEG, key) != PR_SUCCESS) return NULL;
  if (prshm__backend_impl.open(key, size, flags, mode, &seg) != PR_SUCCESS) return NULL;
  return shm_register(&seg);
}

PRSHM__HOT void *PR_AttachSharedMemory(PRSharedMemory *shm, PRIntn flags) {
  prshm__handle *h;
  PRSize size;
  void *addr;

  if ((flags & ~PR_SHM_READONLY) != 0) {
    prshm__fail(PR_INVALID_ARGUMENT_ERROR, 0);
    return NULL;
  }
  h = prshm__registry_acquire(shm);
  if (h == NULL) return NULL;
  /* The reference keeps the descriptor open while mmap() uses it, even if
   * another thread closes the handle meanwhile. */
  size = prshm__handle_seg(h)->size;
  addr = prshm__backend_impl.map(prshm__handle_seg(h), (flags & PR_SHM_READONLY) != 0);
  if (addr == NULL) {
    prshm__registry_release(h);
    return NULL;
  }
  if (prshm__registry_attached(h, addr) != PR_SUCCESS) {
    /* Unrecorded, it could never be detached: give it back. */
    (void)prshm__backend_impl.unmap(addr, size);
    prshm__fail(PR_OUT_OF_MEMORY_ERROR, 0);
    return NULL;
  }
  return addr;
}

/* Records `addr` as attached through `shm` again after its unmap failed
 * (it is still mapped), so that a later detach can unmap it; keeps the
 * unmap's error. If the handle was closed meanwhile, the memory stays
 * mapped, as a close leaves attachments. */
static void shm_reattach(PRSharedMemory *shm, void *addr) {
  const PRErrorCode code = PR_GetError();
  const PRInt32 oserr = PR_GetOSError();
  prshm__handle *h = prshm__registry_acquire(shm);

  if (h != NULL) (void)prshm__registry_attached(h, addr);
  (void)prshm__fail(code, oserr);
}

PRSHM__HOT PRStatus PR_DetachSharedMemory(PRSharedMemory *shm, void *addr) {
  PRSize size;

  /* Forgetting the address first means two threads detaching it at once
   * cannot both unmap it. */
  if (prshm__registry_detach(shm, addr, &size) != PR_SUCCESS) return PR_FAILURE;
  if (prshm__backend_impl.unmap(addr, size) == PR_SUCCESS) return PR_SUCCESS;
  shm_reattach(shm, addr);
  return PR_FAILURE;
}

PRSHM__HOT PRStatus PR_CloseSharedMemory(PRSharedMemory *shm) { return prshm__registry_close(shm); }

PRSHM__HOT PRStatus PR_DeleteSharedMemory(const char *name) {
  char key[PRSHM__KEY_SIZE];

  if (prshm__name_key(name, PRSHM__KIND_SEG, key) != PR_SUCCESS) return PR_FAILURE;
  return prshm__backend_impl.remove(key);
}

/* ---- Extensions (prshm_ext.h) ---- */

const char *prshm_version(void) { return PRSHM_VERSION; }

const char *prshm_backend_name(void) { return prshm__backend_impl.name; }

PRStatus prshm_get_size(PRSharedMemory *shm, PRSize *size) {
  prshm__handle *h;

  if (size == NULL) return prshm__fail(PR_INVALID_ARGUMENT_ERROR, 0);
  h = prshm__registry_acquire(shm);
  if (h == NULL) return PR_FAILURE;
  *size = prshm__handle_seg(h)->size;
  prshm__registry_release(h);
  return PR_SUCCESS;
}

PRStatus prshm_native_name(const char *name, char *buf, PRSize size) {
  char key[PRSHM__KEY_SIZE];

  if (buf == NULL || size == 0) return prshm__fail(PR_INVALID_ARGUMENT_ERROR, 0);
  if (prshm__name_key(name, PRSHM__KIND_SEG, key) != PR_SUCCESS) return PR_FAILURE;
  return prshm__backend_impl.native(key, buf, size);
}

PRSharedMemory *prshm_open_native(const char *native, PRSize size, PRIntn flags) {
  char buf[PRSHM__KEY_ROOM + PRSHM__KEY_SIZE];
  char *key = buf + PRSHM__KEY_ROOM; /* with room in front (the backend's open) */
  prshm__seg seg;

  if (flags != 0) {
    prshm__fail(PR_INVALID_ARGUMENT_ERROR, 0);
    return NULL;
  }
  if (prshm__native_key(native, key) != PR_SUCCESS) return NULL;
  /* Flags 0: an existing object only, with every check of an open. */
  if (prshm__backend_impl.open(key, size, 0, 0, &seg) != PR_SUCCESS) return NULL;
  return shm_register(&seg);
}

PRStatus prshm_namespace(char *buf, PRSize size) {
  if (buf == NULL || size == 0) return prshm__fail(PR_INVALID_ARGUMENT_ERROR, 0);
  return prshm__backend_impl.where(buf, size);
}
