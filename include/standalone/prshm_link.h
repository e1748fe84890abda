/*
 * prshm_link.h (standalone) - binds a program compiled with the standalone
 * prshm's headers to the standalone library, and to nothing else.
 *
 * On Unix every loaded library shares one symbol namespace, so a process
 * that holds both libprshm and NSPR's libnspr4 (a program linked with both,
 * or a library that brings NSPR in) would otherwise get whichever defines
 * PR_OpenSharedMemory or PR_GetError first. Here each of prshm's functions
 * named like NSPR's gets the link name prshm_<name>: the C code still calls
 * PR_GetError(), the object file asks for prshm_PR_GetError, and only
 * libprshm has it. So the order of -l flags never matters, and libprshm
 * exports no name of NSPR's. prshm_ext.h's names are prshm's already.
 *
 * Windows needs none of this: each imported function names the DLL it
 * comes from.
 */
#ifndef PRSHM_LINK_H
#define PRSHM_LINK_H

#ifdef PRSHM_LINK_NSPR_H
/* clang-format off */
#error "prshm: the standalone prshm's headers and the companion's (prshm-nspr) are in one build: a program that uses NSPR needs only prshm-nspr."
/* clang-format on */
#endif

#include "prshm_names.h"

/* This translation unit uses the standalone library. */
#define PRSHM_STANDALONE 1

#ifdef PRSHM_RENAMES
#define PRSHM__LINK_REPLACED(type, name, params, args) PRSHM_LINK_AS(name, prshm_##name)
#define PRSHM__LINK_BASE(name) PRSHM_LINK_AS(name, prshm_##name)
PRSHM_REPLACED_FUNCTIONS(PRSHM__LINK_REPLACED)
PRSHM_BASE_FUNCTIONS(PRSHM__LINK_BASE)
#endif

#endif /* PRSHM_LINK_H */
