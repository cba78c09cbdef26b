/* replay: main() of a target outside a fuzzing build (fuzz_target.h). It feeds the target every
 * file named on the command line (a directory: each file in it), or, with no argument, every
 * seed and reproducer committed for it: $UNITLS_SRCDIR/fuzz/corpus/TARGET and
 * $UNITLS_SRCDIR/fuzz/regressions/TARGET. Each input is copied into a heap block of exactly
 * its size, so that a sanitizer build catches a read past its end. Prints "N passed, 0 failed"
 * (tests/summarize.sh counts it); an input that breaks the target aborts the program. */
#include <dirent.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "fuzz/fuzz_target.h"

#ifndef FUZZ_TARGET_NAME
#error "FUZZ_TARGET_NAME names the target (fuzz/fuzz.am)"
#endif

#define REPLAY_MAX_INPUT (1u << 20) /* libFuzzer's inputs here stay far below this */

/* Feeds the file at path to the target: 1 when replayed, 0 after reporting why not. */
static int replay_file(const char *path)
{
    FILE *f = fopen(path, "rb");
    if (!f) {
        fprintf(stderr, "replay: %s: %s\n", path, strerror(errno));
        return 0;
    }
    uint8_t *staging = malloc(REPLAY_MAX_INPUT);
    size_t len = staging ? fread(staging, 1, REPLAY_MAX_INPUT, f) : 0;
    int ok = staging && !ferror(f) && len < REPLAY_MAX_INPUT;
    fclose(f);
    uint8_t *input = ok ? malloc(len ? len : 1) : NULL;
    int replayed = input != NULL;
    if (replayed) {
        memcpy(input, staging, len);
        LLVMFuzzerTestOneInput(input, len);
    } else {
        fprintf(stderr, "replay: %s: unreadable, or %u bytes or more\n", path, REPLAY_MAX_INPUT);
    }
    free(input);
    free(staging);
    return replayed;
}

static int skip_name(const struct dirent *e)
{
    return e->d_name[0] != '.';
}

/* Replays every file of dir; the number replayed, or -1 after reporting a failure. */
static long replay_dir(const char *dir)
{
    struct dirent **names = NULL;
    int n = scandir(dir, &names, skip_name, alphasort);
    if (n < 0) {
        fprintf(stderr, "replay: %s: %s\n", dir, strerror(errno));
        return -1;
    }
    long done = 0;
    for (int i = 0; i < n; i++) {
        char path[4096];
        if (snprintf(path, sizeof path, "%s/%s", dir, names[i]->d_name) >= (int)sizeof path ||
            !replay_file(path))
            done = -1;
        else if (done >= 0)
            done++;
        free(names[i]);
    }
    free(names);
    return done;
}

/* A file or a directory of files; the number replayed, or -1. */
static long replay_path(const char *path)
{
    struct stat st;
    if (stat(path, &st) != 0) {
        fprintf(stderr, "replay: %s: %s\n", path, strerror(errno));
        return -1;
    }
    return S_ISDIR(st.st_mode) ? replay_dir(path) : replay_file(path) ? 1 : -1;
}

/* The committed inputs: the seeds must exist, the reproducers may not (none found yet). */
static long replay_committed(void)
{
    const char *srcdir = getenv("UNITLS_SRCDIR");
    char dir[4096];
    if (!srcdir) {
        fprintf(stderr, "replay: UNITLS_SRCDIR is not set; name inputs on the command line\n");
        return -1;
    }
    snprintf(dir, sizeof dir, "%s/fuzz/corpus/%s", srcdir, FUZZ_TARGET_NAME);
    long seeds = replay_dir(dir);
    if (seeds == 0)
        fprintf(stderr, "replay: %s holds no seed\n", dir);
    if (seeds <= 0)
        return -1;
    printf("%s: %ld seeds from %s\n", FUZZ_TARGET_NAME, seeds, dir);
    snprintf(dir, sizeof dir, "%s/fuzz/regressions/%s", srcdir, FUZZ_TARGET_NAME);
    struct stat st;
    if (stat(dir, &st) != 0)
        return seeds;
    long found = replay_dir(dir);
    if (found < 0)
        return -1;
    printf("%s: %ld reproducers from %s\n", FUZZ_TARGET_NAME, found, dir);
    return seeds + found;
}

int main(int argc, char **argv)
{
    LLVMFuzzerInitialize(&argc, &argv);
    long total = 0;
    if (argc < 2)
        total = replay_committed();
    for (int i = 1; i < argc && total >= 0; i++) {
        long n = replay_path(argv[i]);
        total = n < 0 ? -1 : total + n;
    }
    if (total < 0) {
        printf("0 passed, 1 failed\n");
        return 1;
    }
    printf("%ld passed, 0 failed\n", total);
    return 0;
}
