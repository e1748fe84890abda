/*
 * prshm_link.h (companion) - binds a program compiled with the companion's
 * headers to libprshm-nspr, whatever the order of its -I and -l flags.
 *
 * The companion is for programs that use NSPR: its functions take NSPR's
 * types from NSPR's headers, and report failures through NSPR's own error
 * state (libnspr4's PR_GetError()). libnspr4 defines the same shared memory
 * and semaphore functions, and on Unix every loaded library shares one
 * symbol namespace, so the order of -l flags would pick one. Instead, each
 * of those (PRSHM_REPLACED_FUNCTIONS), and each extension of prshm_ext.h, gets the link name
 * prshm_nspr_<name>: the C code still calls PR_OpenSharedMemory(), the
 * object file asks for prshm_nspr_PR_OpenSharedMemory, and only
 * libprshm-nspr has it. NSPR's error functions keep their names: they are
 * libnspr4's.
 *
 * This file declares nothing and includes none of NSPR's headers, so it can
 * be included before anything else, by `-include`: pkg-config's and CMake's
 * flags for prshm-nspr do that. Then every translation unit is bound, even
 * one that reaches NSPR's own prshm.h through nspr.h, or finds NSPR's
 * include directory before prshm-nspr's. The companion's prshm.h includes
 * it too, for builds that write their flags by hand.
 */
#ifndef PRSHM_LINK_NSPR_H
#define PRSHM_LINK_NSPR_H

#ifdef PRSHM_LINK_H
/* clang-format off */
#error "prshm: the standalone prshm's headers and the companion's (prshm-nspr) are in one build: a program that uses NSPR needs only prshm-nspr."
/* clang-format on */
#endif

#include "prshm_names.h"

#ifndef PRSHM_RENAMES
/* clang-format off */
#error "prshm: the companion library prshm-nspr is for Unix systems; on Windows use the standalone prshm."
/* clang-format on */
#endif

/* This translation unit uses the companion library. */
#define PRSHM_NSPR 1

#define PRSHM__LINK_REPLACED(type, name, params, args) PRSHM_LINK_AS(name, prshm_nspr_##name)
#define PRSHM__LINK_EXTENSION(name) PRSHM_LINK_AS(prshm_##name, prshm_nspr_##name)
PRSHM_REPLACED_FUNCTIONS(PRSHM__LINK_REPLACED)
PRSHM_EXTENSION_FUNCTIONS(PRSHM__LINK_EXTENSION)

#endif /* PRSHM_LINK_NSPR_H */
