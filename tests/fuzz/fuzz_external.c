/*
 * tests/fuzz/fuzz_external.c - libFuzzer target: the reader of the external-model protocol
 * (explain/external.c). The fuzz input is what the child answers: a real child process
 * (/bin/sh -c 'cat FILE') prints the bytes on its stdout and exits, while fairaudit feeds it a
 * batch of rows and parses the answer (one number per row). Any answer must give FA_OK with 8
 * finite or NAN numbers, or a clean error: never a crash, a hang past the timeout, or a leak.
 * A process per input makes this target slow (hundreds of executions a second).
 */
#define _GNU_SOURCE
#include <math.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <sys/mman.h>
#include <unistd.h>

#include "include/fairaudit.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    int fd = memfd_create("fuzz_external", 0);
    if (fd < 0) {
        return 0;
    }
    if (size && write(fd, data, size) != (ssize_t)size) {
        close(fd);
        return 0;
    }
    char path[64];
    snprintf(path, sizeof path, "/proc/%ld/fd/%d", (long)getpid(), fd);
    const char *const argv[] = {"/bin/sh", "-c", "cat \"$0\"", path, NULL};
    const char *const names[] = {"x0", "x1"};
    fa_error err;
    fa_model *m;
    if (fa_model_create_external(&m, argv, names, 2, FA_LINK_IDENTITY, 2000, &err) == FA_OK) {
        double x[16], out[8];
        for (size_t i = 0; i < 16; i++) {
            x[i] = (i % 5 == 0) ? NAN : (double)i / 3.0;
        }
        if (fa_model_predict(m, out, x, 8, FA_OUTPUT_MARGIN, &err) == FA_OK) {
            for (size_t i = 0; i < 8; i++) {
                if (isinf(out[i])) {
                    abort(); /* an answer the protocol must refuse */
                }
            }
        }
        fa_model_free(m);
    }
    close(fd);
    return 0;
}
