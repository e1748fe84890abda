/*
 * prshm_not_nspr.h - included only by NSPR's own prtypes.h, when it comes
 * after the standalone prshm's prtypes.h in one translation unit (which
 * points NSPR's MDCPUCFG here). Stops the build with the fix.
 */
/* clang-format off */
#error "prshm: NSPR's headers and the standalone prshm's are in one build. A program that uses NSPR builds against the companion library: pkg-config --cflags --libs prshm-nspr (CMake: prshm::prshm_nspr)."
/* clang-format on */
