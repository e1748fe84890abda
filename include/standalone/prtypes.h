/*
 * prtypes.h - the NSPR base types and macros, as the standalone prshm
 * library provides them.
 *
 * prshm implements NSPR's named shared memory API. Programs written for NSPR
 * name these types and macros, so the standalone library (libprshm, for
 * programs without NSPR) provides them with NSPR's names, values and
 * meanings, as they are on every platform prshm supports. This header is
 * prshm's own; it is not NSPR's header, and it has its own include guard.
 *
 * A program that uses NSPR itself (threads, I/O, NSS) builds against the
 * companion library instead, which takes all of this from NSPR's own
 * headers: `pkg-config --cflags --libs prshm-nspr`, or prshm::prshm_nspr in
 * CMake. This header and NSPR's cannot meet in one translation unit; if
 * they do, the build stops with a message saying so.
 *
 * Sections: the companion check; linkage and export macros; integer types
 * and their limits; sizes, booleans and status; everyday macros.
 */
#ifndef PRSHM_PRTYPES_H
#define PRSHM_PRTYPES_H

/* ---- The companion check ----
 * prtypes_h___ is the include guard of NSPR's prtypes.h: NSPR's headers are
 * already in this translation unit. */
#ifdef prtypes_h___
/* clang-format off */
#error "prshm: NSPR's headers and the standalone prshm's are in one build. A program that uses NSPR builds against the companion library: pkg-config --cflags --libs prshm-nspr (CMake: prshm::prshm_nspr)."
/* clang-format on */
#endif
/* The other order: NSPR's prtypes.h, coming after this one, includes the
 * file named by MDCPUCFG when that is defined (NSPR's own build uses it to
 * pick a CPU configuration). Pointing it at a file that stops the build
 * with the same message turns what would be a screen of conflicting
 * definitions into that message. */
#ifndef MDCPUCFG
#define MDCPUCFG "prshm_not_nspr.h"
#endif

#include <stddef.h>
#include <stdint.h>

#include "prshm_link.h" /* the standalone library's link names */

/* ---- Linkage and export macros ---- */

/* C linkage for C++ callers. */
#ifdef __cplusplus
#define PR_BEGIN_EXTERN_C extern "C" {
#define PR_END_EXTERN_C }
#else
#define PR_BEGIN_EXTERN_C
#define PR_END_EXTERN_C
#endif

/*
 * Symbol visibility of prshm's own functions. A build of the library
 * defines PRSHM_BUILDING; a program linking the static library on Windows
 * defines PRSHM_STATIC so that it does not expect a DLL import.
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

/*
 * NSPR's macros for a program's own exported functions and data, with
 * NSPR's meanings: PR_EXTERN/PR_EXPORT declare (exported), PR_IMPORT
 * declares what another module exports, PR_IMPLEMENT defines (exported).
 * On Windows they are dllexport and dllimport; elsewhere default visibility.
 */
#if defined(_WIN32) || defined(__CYGWIN__)
#define PR_EXPORT(type) extern __declspec(dllexport) type
#define PR_EXPORT_DATA(type) extern __declspec(dllexport) type
#define PR_IMPORT(type) __declspec(dllimport) type
#define PR_IMPORT_DATA(type) __declspec(dllimport) type
#define PR_EXTERN(type) extern __declspec(dllexport) type
#define PR_IMPLEMENT(type) __declspec(dllexport) type
#define PR_EXTERN_DATA(type) extern __declspec(dllexport) type
#define PR_IMPLEMENT_DATA(type) __declspec(dllexport) type
#else
#if defined(__GNUC__) && __GNUC__ >= 4
#define PR_VISIBILITY_DEFAULT __attribute__((visibility("default")))
#else
#define PR_VISIBILITY_DEFAULT
#endif
#define PR_EXPORT(type) extern PR_VISIBILITY_DEFAULT type
#define PR_EXPORT_DATA(type) extern PR_VISIBILITY_DEFAULT type
#define PR_IMPORT(type) extern PR_VISIBILITY_DEFAULT type
#define PR_IMPORT_DATA(type) extern PR_VISIBILITY_DEFAULT type
#define PR_EXTERN(type) extern PR_VISIBILITY_DEFAULT type
#define PR_IMPLEMENT(type) PR_VISIBILITY_DEFAULT type
#define PR_EXTERN_DATA(type) extern PR_VISIBILITY_DEFAULT type
#define PR_IMPLEMENT_DATA(type) PR_VISIBILITY_DEFAULT type
#endif

/* Calling-convention markers of callbacks: empty on every platform prshm
 * supports, as in NSPR. */
#define PR_CALLBACK
#define PR_CALLBACK_DECL
#define PR_STATIC_CALLBACK(type) static type

/* ---- Integer types and their limits ---- */

typedef uint8_t PRUint8;
typedef int8_t PRInt8;
typedef uint16_t PRUint16;
typedef int16_t PRInt16;
typedef uint32_t PRUint32;
typedef int32_t PRInt32;
typedef uint64_t PRUint64;
typedef int64_t PRInt64;

#define PR_INT8_MAX 127
#define PR_INT8_MIN (-128)
#define PR_UINT8_MAX 255U
#define PR_INT16_MAX 32767
#define PR_INT16_MIN (-32768)
#define PR_UINT16_MAX 65535U

/* Constants of the 32- and 64-bit types: PR_INT64(1) has type PRInt64. */
#define PR_INT32(x) INT32_C(x)
#define PR_UINT32(x) UINT32_C(x)
#define PR_INT64(x) INT64_C(x)
#define PR_UINT64(x) UINT64_C(x)

#define PR_INT32_MAX PR_INT32(2147483647)
#define PR_INT32_MIN (-PR_INT32_MAX - 1)
#define PR_UINT32_MAX PR_UINT32(4294967295)
#define PR_INT64_MAX PR_INT64(0x7fffffffffffffff)
#define PR_INT64_MIN (-PR_INT64_MAX - 1)
#define PR_UINT64_MAX PR_UINT64(0xffffffffffffffff)

/* The natural integer of the platform, at least 32 bits on all of them. */
typedef int PRIntn;
typedef unsigned int PRUintn;

typedef double PRFloat64;

/* ---- Sizes, booleans and status ---- */

/* Sizes of objects in memory, and file offsets. */
typedef size_t PRSize;
typedef PRInt32 PROffset32;
typedef PRInt64 PROffset64;
typedef ptrdiff_t PRPtrdiff;

/* Integers as wide as a pointer: long, except on 64-bit Windows, where
 * long has 32 bits (NSPR's choice, so that format strings agree). */
#ifdef _WIN64
typedef PRUint64 PRUptrdiff;
typedef PRInt64 PRWord;
typedef PRUint64 PRUword;
#else
typedef unsigned long PRUptrdiff;
typedef long PRWord;
typedef unsigned long PRUword;
#endif

/* A UTF-16 code unit. Another header may have defined it first, as NSPR
 * allows, under the same guard. */
#ifndef __PRUNICHAR__
#define __PRUNICHAR__
#ifdef _WIN32
typedef wchar_t PRUnichar;
#else
typedef PRUint16 PRUnichar;
#endif
#endif

/* Booleans: PRBool is an int holding PR_TRUE or PR_FALSE. */
typedef PRIntn PRBool;
#define PR_TRUE 1
#define PR_FALSE 0
typedef PRUint8 PRPackedBool;

/* The result of a call that either succeeds or fails. If a compiler stops
 * here with a conflicting PRStatus, NSPR's prtypes.h is in the same build:
 * see the top of this file. */
typedef enum { PR_FAILURE = -1, PR_SUCCESS = 0 } PRStatus;

/* ---- Everyday macros ---- */

/* A statement-like macro body: PR_BEGIN_MACRO ... PR_END_MACRO. */
/* clang-format off */
#define PR_BEGIN_MACRO do {
#define PR_END_MACRO } while (0)
/* clang-format on */

/* Bit n (0-31) as a PRUint32, and the mask of bits 0 to n-1. */
#define PR_BIT(n) ((PRUint32)1 << (n))
#define PR_BITMASK(n) (PR_BIT(n) - 1)

/* x rounded up to a multiple of y; the smaller and larger of two values;
 * the absolute value. Arguments may be evaluated twice. */
#define PR_ROUNDUP(x, y) ((((x) + ((y)-1)) / (y)) * (y))
#define PR_MIN(x, y) ((x) < (y) ? (x) : (y))
#define PR_MAX(x, y) ((x) > (y) ? (x) : (y))
#define PR_ABS(x) ((x) < 0 ? -(x) : (x))

/* The number of elements of an array (not of a pointer). */
#define PR_ARRAY_SIZE(a) (sizeof(a) / sizeof((a)[0]))

/* Stops the build if a constant condition is false; usable wherever an
 * extern declaration is. */
#define PR_STATIC_ASSERT(condition) \
  extern void prshm_static_assertion(int assertion_failed[(condition) ? 1 : -1])

/* Marks a function that does not return, for static analysers: nothing
 * here, as in NSPR outside clang's analyser. */
#define PR_PRETEND_NORETURN

#endif /* PRSHM_PRTYPES_H */
