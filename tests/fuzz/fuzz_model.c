/*
 * tests/fuzz/fuzz_model.c - libFuzzer target: the model loaders (XGBoost JSON and linear JSON)
 * on arbitrary bytes, then a prediction on a few rows when the file loads.
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
    int fd = memfd_create("fuzz_model", 0);
    if (fd < 0) {
        return 0;
    }
    if (size && write(fd, data, size) != (ssize_t)size) {
        close(fd);
        return 0;
    }
    char path[64];
    snprintf(path, sizeof path, "/proc/self/fd/%d", fd);
    fa_error err;
    fa_model *m;
    if (fa_model_load(&m, path, &err) == FA_OK) {
        size_t nf = fa_model_n_features(m);
        if (nf > 0 && nf < 4096) {
            double *x = malloc(4 * nf * sizeof *x), out[4];
            if (x) {
                for (size_t i = 0; i < 4 * nf; i++) {
                    x[i] = (i % 7 == 0) ? NAN : (double)(i % 5) - 2.0;
                }
                (void)fa_model_predict(m, out, x, 4, FA_OUTPUT_PROBABILITY, &err);
                free(x);
            }
        }
        fa_model_free(m);
    }
    close(fd);
    return 0;
}
