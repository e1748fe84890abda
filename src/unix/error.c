/*
 * error.c (Unix) - the one place where errno values become NSPR codes.
 */
#include <errno.h>

#include "internal.h"

PRErrorCode prshm__os_error_code(PRInt32 oserr) {
  switch (oserr) {
    case ENOENT: return PR_FILE_NOT_FOUND_ERROR;
    case EEXIST: return PR_FILE_EXISTS_ERROR;
    case EACCES:
    case EPERM: return PR_NO_ACCESS_RIGHTS_ERROR;
    case ENOSPC:
#ifdef EDQUOT
    case EDQUOT:
#endif
      return PR_NO_DEVICE_SPACE_ERROR;
    case ENOMEM: return PR_OUT_OF_MEMORY_ERROR;
    case EMFILE: return PR_PROC_DESC_TABLE_FULL_ERROR;
    case ENFILE: return PR_SYS_DESC_TABLE_FULL_ERROR;
    case ENAMETOOLONG: return PR_NAME_TOO_LONG_ERROR;
    case ELOOP: return PR_LOOP_ERROR;
    case EROFS: return PR_READ_ONLY_FILESYSTEM_ERROR;
    case EINVAL: return PR_INVALID_ARGUMENT_ERROR;
    case EFBIG:
    case EOVERFLOW: return PR_FILE_TOO_BIG_ERROR;
    case EISDIR: return PR_IS_DIRECTORY_ERROR;
    case ENOTDIR: return PR_NOT_DIRECTORY_ERROR;
    case EINTR: return PR_PENDING_INTERRUPT_ERROR;
    case EAGAIN: return PR_INSUFFICIENT_RESOURCES_ERROR;
    case EBUSY:
    case ETXTBSY: return PR_FILE_IS_BUSY_ERROR;
    case EIO: return PR_IO_ERROR;
    case EBADF: return PR_BAD_DESCRIPTOR_ERROR;
    case EFAULT: return PR_ACCESS_FAULT_ERROR;
    case ENODEV:
    case ENXIO: return PR_OPERATION_NOT_SUPPORTED_ERROR;
    case EXDEV: return PR_NOT_SAME_DEVICE_ERROR;
    case ENOSYS: return PR_NOT_IMPLEMENTED_ERROR;
    default: break;
  }
  /* EOPNOTSUPP and ENOTSUP are one value on Linux and two elsewhere, so
   * they cannot both be case labels. */
  if (oserr == EOPNOTSUPP || oserr == ENOTSUP) return PR_OPERATION_NOT_SUPPORTED_ERROR;
  return PR_UNKNOWN_ERROR;
}
