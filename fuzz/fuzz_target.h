/* fuzz_target: what every target in fuzz/ defines, and what runs it.
 *
 * A target is one C file defining the two libFuzzer entry points below. Built with
 * --enable-fuzzing (clang), libFuzzer supplies main() and calls them; in every other build
 * fuzz/replay.c supplies main() and `make check` feeds them each committed seed and
 * reproducer (fuzz/corpus/TARGET, fuzz/regressions/TARGET), so a target keeps compiling and
 * every crash once found stays fixed. A target aborts, with a message on stderr, when the code
 * under test breaks a contract its header states: a finding, like a crash. */
#ifndef UNITLS_FUZZ_TARGET_H
#define UNITLS_FUZZ_TARGET_H

#include <stddef.h>
#include <stdint.h>

/* Once, before any input: builds what every input shares. 0, or the process exits. */
int LLVMFuzzerInitialize(int *argc, char ***argv);
/* One input: data is size arbitrary bytes. Returns 0; anything the input reveals aborts. */
int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

/* Reports a broken contract on stderr and aborts (a libFuzzer crash with its input saved). */
void fuzz_fail(const char *fmt, ...) __attribute__((format(printf, 1, 2), noreturn));

#endif
