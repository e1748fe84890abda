/*
 * prtypes.h - the NSPR base types that prshm's API is written in.
 *
 * prshm implements NSPR's named shared memory API. Programs written for NSPR
 * name these types, so prshm provides them with NSPR's names and meanings,
 * as they are on every platform prshm supports. This header is prshm's own;
 * it is not NSPR's header.
 */
#ifndef prtypes_h___
#define prtypes_h___

#include <stddef.h>
#include <stdint.h>

/* C linkage for C++ callers. */
#ifdef __cplusplus
#define PR_BEGIN_EXTERN_C extern "C" {
#define PR_END_EXTERN_C }
#else
#define PR_BEGIN_EXTERN_C
#define PR_END_EXTERN_C
#endif

/*
 * Symbol visibility. A build of the library defines PRSHM_BUILDING; a
 * program linking the static library on Windows defines PRSHM_STATIC so that
 * it does not expect a DLL import.
 */
#if defined(_WIN32) || defined(__CYGWIN__)
#if defined(PRSHM_BUILDING) && !defined(PRSHM_STATIC)
#define PR_EXPORT_SYMBOL __declspec(dllexport)
#elif defined(PRSHM_STATIC)
#define PR_EXPORT_SYMBOL
#else
#define PR_EXPORT_SYMBOL __declspec(dllimport)
#endif
#elif defined(__GNUC__) && __GNUC__ >= 4
#define PR_EXPORT_SYMBOL __attribute__((visibility("default")))
#else
#define PR_EXPORT_SYMBOL
#endif

#ifdef __cplusplus
#define PR_EXTERN_LINKAGE extern "C"
#else
#define PR_EXTERN_LINKAGE extern
#endif

/* Declares a public function returning `type`: exported, C linkage. */
#define NSPR_API(type) PR_EXTERN_LINKAGE PR_EXPORT_SYMBOL type
/* Declares a public variable of type `type`. */
#define NSPR_DATA_API(type) PR_EXTERN_LINKAGE PR_EXPORT_SYMBOL type

/* Integer types of fixed width. */
typedef uint8_t PRUint8;
typedef int8_t PRInt8;
typedef uint16_t PRUint16;
typedef int16_t PRInt16;
typedef uint32_t PRUint32;
typedef int32_t PRInt32;
typedef uint64_t PRUint64;
typedef int64_t PRInt64;

/* The natural integer of the platform, at least 32 bits on all of them. */
typedef int PRIntn;
typedef unsigned int PRUintn;

typedef double PRFloat64;

/* Sizes of objects in memory. */
typedef size_t PRSize;
typedef ptrdiff_t PRPtrdiff;
typedef uintptr_t PRUptrdiff;
typedef intptr_t PRWord;
typedef uintptr_t PRUword;

/* Booleans: PRBool is an int holding PR_TRUE or PR_FALSE. */
typedef PRIntn PRBool;
#define PR_TRUE 1
#define PR_FALSE 0
typedef PRUint8 PRPackedBool;

/* The result of a call that either succeeds or fails. */
typedef enum { PR_FAILURE = -1, PR_SUCCESS = 0 } PRStatus;

#endif /* prtypes_h___ */
