/*
 * error_table.h - every NSPR error code with prshm's English sentence for
 * it. One list, expanded by error_state.c into the name table and the string
 * table, so the two can never disagree. The numeric values come from
 * include/standalone/prerr.h.
 */
#define PRSHM__ERROR_LIST(X)                                                         \
  X(PR_OUT_OF_MEMORY_ERROR, "Not enough memory")                                    \
  X(PR_BAD_DESCRIPTOR_ERROR, "Bad file or handle descriptor")                        \
  X(PR_WOULD_BLOCK_ERROR, "The operation would block")                               \
  X(PR_ACCESS_FAULT_ERROR, "Invalid memory address argument")                        \
  X(PR_INVALID_METHOD_ERROR, "Invalid function for this object")                     \
  X(PR_ILLEGAL_ACCESS_ERROR, "Invalid memory access")                                \
  X(PR_UNKNOWN_ERROR, "Unknown error")                                               \
  X(PR_PENDING_INTERRUPT_ERROR, "The operation was interrupted")                     \
  X(PR_NOT_IMPLEMENTED_ERROR, "The function is not implemented")                     \
  X(PR_IO_ERROR, "Input/output error")                                               \
  X(PR_IO_TIMEOUT_ERROR, "The operation timed out")                                  \
  X(PR_IO_PENDING_ERROR, "An input/output operation is already pending")             \
  X(PR_DIRECTORY_OPEN_ERROR, "The directory could not be opened")                    \
  X(PR_INVALID_ARGUMENT_ERROR, "Invalid argument")                                   \
  X(PR_ADDRESS_NOT_AVAILABLE_ERROR, "The network address is not available")          \
  X(PR_ADDRESS_NOT_SUPPORTED_ERROR, "The network address type is not supported")     \
  X(PR_IS_CONNECTED_ERROR, "Already connected")                                      \
  X(PR_BAD_ADDRESS_ERROR, "The network address is invalid")                          \
  X(PR_ADDRESS_IN_USE_ERROR, "The local network address is in use")                  \
  X(PR_CONNECT_REFUSED_ERROR, "The connection was refused")                          \
  X(PR_NETWORK_UNREACHABLE_ERROR, "The network is unreachable")                      \
  X(PR_CONNECT_TIMEOUT_ERROR, "The connection attempt timed out")                    \
  X(PR_NOT_CONNECTED_ERROR, "Not connected")                                         \
  X(PR_LOAD_LIBRARY_ERROR, "The library could not be loaded")                        \
  X(PR_UNLOAD_LIBRARY_ERROR, "The library could not be unloaded")                    \
  X(PR_FIND_SYMBOL_ERROR, "The symbol was not found")                                \
  X(PR_INSUFFICIENT_RESOURCES_ERROR, "Not enough system resources")                  \
  X(PR_DIRECTORY_LOOKUP_ERROR, "A directory lookup on a network address failed")     \
  X(PR_TPD_RANGE_ERROR, "The thread-private data index is out of range")             \
  X(PR_PROC_DESC_TABLE_FULL_ERROR, "The process has no file descriptor left")        \
  X(PR_SYS_DESC_TABLE_FULL_ERROR, "The system has no file descriptor left")          \
  X(PR_NOT_SOCKET_ERROR, "The descriptor is not a socket")                           \
  X(PR_NOT_TCP_SOCKET_ERROR, "The descriptor is not a TCP socket")                   \
  X(PR_SOCKET_ADDRESS_IS_BOUND_ERROR, "The socket address is already bound")         \
  X(PR_NO_ACCESS_RIGHTS_ERROR, "Permission denied")                                  \
  X(PR_OPERATION_NOT_SUPPORTED_ERROR, "The operation is not supported")              \
  X(PR_PROTOCOL_NOT_SUPPORTED_ERROR, "The protocol is not supported")                \
  X(PR_REMOTE_FILE_ERROR, "A remote file error occurred")                            \
  X(PR_BUFFER_OVERFLOW_ERROR, "The buffer is too small")                             \
  X(PR_CONNECT_RESET_ERROR, "The connection was reset by the peer")                  \
  X(PR_RANGE_ERROR, "A value is out of range")                                       \
  X(PR_DEADLOCK_ERROR, "The operation would deadlock")                               \
  X(PR_FILE_IS_LOCKED_ERROR, "The file is locked")                                   \
  X(PR_FILE_TOO_BIG_ERROR, "The size is larger than the system allows")              \
  X(PR_NO_DEVICE_SPACE_ERROR, "No space left on the device")                         \
  X(PR_PIPE_ERROR, "The pipe is broken")                                             \
  X(PR_NO_SEEK_DEVICE_ERROR, "The device does not support seeking")                  \
  X(PR_IS_DIRECTORY_ERROR, "The name is a directory")                                \
  X(PR_LOOP_ERROR, "Too many symbolic links, or a symbolic link where none may be")  \
  X(PR_NAME_TOO_LONG_ERROR, "The name is too long")                                  \
  X(PR_FILE_NOT_FOUND_ERROR, "No such file or shared memory segment")                \
  X(PR_NOT_DIRECTORY_ERROR, "A component of the path is not a directory")            \
  X(PR_READ_ONLY_FILESYSTEM_ERROR, "The file system is read-only")                   \
  X(PR_DIRECTORY_NOT_EMPTY_ERROR, "The directory is not empty")                      \
  X(PR_FILESYSTEM_MOUNTED_ERROR, "The file system is mounted or busy")               \
  X(PR_NOT_SAME_DEVICE_ERROR, "The operation would cross devices")                   \
  X(PR_DIRECTORY_CORRUPTED_ERROR, "The directory is corrupted")                      \
  X(PR_FILE_EXISTS_ERROR, "The file or shared memory segment already exists")        \
  X(PR_MAX_DIRECTORY_ENTRIES_ERROR, "The directory is full")                         \
  X(PR_INVALID_DEVICE_STATE_ERROR, "The device is in an invalid state")              \
  X(PR_DEVICE_IS_LOCKED_ERROR, "The device is locked")                               \
  X(PR_NO_MORE_FILES_ERROR, "No more entries")                                       \
  X(PR_END_OF_FILE_ERROR, "End of file")                                             \
  X(PR_FILE_SEEK_ERROR, "The seek failed")                                           \
  X(PR_FILE_IS_BUSY_ERROR, "The file or segment is busy")                            \
  X(PR_OPERATION_ABORTED_ERROR, "The operation was aborted")                         \
  X(PR_IN_PROGRESS_ERROR, "The operation is in progress")                            \
  X(PR_ALREADY_INITIATED_ERROR, "The operation was already started")                 \
  X(PR_GROUP_EMPTY_ERROR, "The wait group is empty")                                 \
  X(PR_INVALID_STATE_ERROR, "The object is not in a state that allows this")         \
  X(PR_NETWORK_DOWN_ERROR, "The network is down")                                    \
  X(PR_SOCKET_SHUTDOWN_ERROR, "The socket was shut down")                            \
  X(PR_CONNECT_ABORTED_ERROR, "The connection was aborted")                          \
  X(PR_HOST_UNREACHABLE_ERROR, "The host is unreachable")                            \
  X(PR_LIBRARY_NOT_LOADED_ERROR, "The library is not loaded")                        \
  X(PR_CALL_ONCE_ERROR, "The one-time initialisation failed")                        \
  X(PR_MAX_ERROR, "Placeholder for the end of the error range")
