/*
 * proc_win.h - test helpers that exist on Windows only (proc_win.c),
 * besides the portable ones of runner.h.
 */
#ifndef PRSHM_TEST_PROC_WIN_H
#define PRSHM_TEST_PROC_WIN_H

/* The number of handles this process holds on sections, events and
 * mutexes whose object name contains `infix` (ASCII, under 128 bytes): with
 * the part of a test's names that is unique to it, every handle of prshm's
 * on that test's segments and on the objects that go with them. */
long t_win_named_handles(const char *infix);

#endif /* PRSHM_TEST_PROC_WIN_H */
