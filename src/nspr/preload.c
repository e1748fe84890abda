/*
 * preload.c (companion, shared library only) - NSPR's plain names, so that
 * `LD_PRELOAD=libprshm-nspr.so.0 program` gives an unmodified NSPR program
 * prshm's shared memory and semaphores.
 *
 * A program compiled against NSPR's own headers asks for PR_OpenSharedMemory,
 * PR_OpenSemaphore and the others prshm_names.h lists by their plain names;
 * a preloaded library is searched before libnspr4, so these definitions
 * answer. Each calls the
 * companion's own function (prshm_nspr_PR_..., the name prshm_link.h gives
 * the C name). Programs compiled with prshm-nspr's headers never reach these:
 * they ask for the prshm_nspr_ names. The static library leaves this file
 * out, since nothing can be preloaded into a static link.
 *
 * The functions come from the one list in prshm_names.h: a function added
 * there is exported here too.
 */
#include "internal.h"

/* For each replaced function F: prshm__preload_F, whose symbol is F. */
#define PRELOAD_DEFINE(type, name, params, args)   \
  PRSHM_LINK_AS(prshm__preload_##name, name)       \
  PR_IMPLEMENT(type) prshm__preload_##name params; \
  PR_IMPLEMENT(type) prshm__preload_##name params { return name args; }

PRSHM_REPLACED_FUNCTIONS(PRELOAD_DEFINE)
