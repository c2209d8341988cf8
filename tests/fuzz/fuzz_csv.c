/*
 * tests/fuzz/fuzz_csv.c - libFuzzer target: the CSV reader and the streaming audit input on
 * arbitrary bytes. The reader takes a path, so each input goes to a memory file (memfd).
 * Any crash, hang, leak or sanitizer report is a finding; statuses are expected.
 */
#define _GNU_SOURCE
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <sys/mman.h>
#include <unistd.h>

#include "include/fairaudit.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    int fd = memfd_create("fuzz_csv", 0);
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
    fa_csv_reader *r;
    fa_csv_options o = FA_CSV_OPTIONS_INIT;
    o.max_line_bytes = 1 << 16;
    if (fa_csv_reader_create(&r, path, &o, &err) == FA_OK) {
        const fa_field *f;
        while (fa_csv_next(r, &f, &err) == 1) {
            for (size_t i = 0; i < fa_csv_n_columns(r); i++) {
                (void)fa_csv_field_column(r, i);
            }
        }
        fa_csv_reader_free(r);
    }
    /* the audit over the first three columns, whatever they are called */
    fa_audit_options ao = FA_AUDIT_OPTIONS_INIT;
    const char *groups[] = {"g"};
    ao.label = "y";
    ao.pred = "p";
    ao.groups = groups;
    ao.n_groups = 1;
    ao.threads = 1;
    ao.bootstrap = 20;
    fa_result *res;
    if (fa_audit_csv(&res, path, &ao, NULL, &err) == FA_OK) {
        char *json;
        if (fa_result_to_json_string(&json, res, &err) == FA_OK) {
            free(json);
        }
        fa_result_free(res);
    }
    fa_table *t;
    if (fa_table_load_csv(&t, path, &o, &err) == FA_OK) {
        fa_table_free(t);
    }
    close(fd);
    return 0;
}
