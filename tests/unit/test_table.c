/*
 * test_table.c - audit/table.c (in-memory CSV tables for feature matrices) and its memory
 * limit, with the byte-size helpers of common/text.c that the --max-memory flag uses.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h>

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "common/text.h"
#include "include/fairaudit.h"

static void test_parse_bytes(void **state)
{
    (void)state;
    size_t v;
    assert_int_equal(fa_parse_bytes("100000", &v), 0);
    assert_int_equal(v, 100000);
    assert_int_equal(fa_parse_bytes("4G", &v), 0);
    assert_int_equal(v, (size_t)4 << 30);
    assert_int_equal(fa_parse_bytes("4GiB", &v), 0);
    assert_int_equal(v, (size_t)4 << 30);
    assert_int_equal(fa_parse_bytes("512m", &v), 0);
    assert_int_equal(v, (size_t)512 << 20);
    assert_int_equal(fa_parse_bytes("1.5K", &v), 0);
    assert_int_equal(v, 1536);
    assert_int_equal(fa_parse_bytes("2kb", &v), 0);
    assert_int_equal(v, 2048);
    assert_int_equal(fa_parse_bytes("1T", &v), 0);
    assert_int_equal(v, (size_t)1 << 40);
    static const char *const bad[] = {"",    "G",   "4X",  "-1G", "0",
                                      "0.5", "nan", "inf", "4 G", "1e30T"};
    for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
        if (fa_parse_bytes(bad[i], &v) != -1) {
            print_error("\"%s\" was accepted\n", bad[i]);
            fail();
        }
    }
}

static void test_format_bytes(void **state)
{
    (void)state;
    char b[32];
    assert_string_equal(fa_format_bytes(b, sizeof b, 100), "100 bytes");
    assert_string_equal(fa_format_bytes(b, sizeof b, 1024), "1 KiB");
    assert_string_equal(fa_format_bytes(b, sizeof b, (size_t)4 << 30), "4 GiB");
    assert_string_equal(fa_format_bytes(b, sizeof b, (size_t)3 << 29), "1.5 GiB");
    assert_string_equal(fa_format_bytes(b, sizeof b, 1000000), "977 KiB");
}

/* A CSV of n rows x 3 numeric columns in a temporary file; returns its path (static). */
static const char *write_csv(size_t n)
{
    static char path[64];
    snprintf(path, sizeof path, "/tmp/fa_test_table_%ld.csv", (long)getpid());
    FILE *f = fopen(path, "w");
    assert_non_null(f);
    fputs("a,b,c\n", f);
    for (size_t i = 0; i < n; i++) {
        fprintf(f, "%zu,%zu.5,-%zu\n", i, i, i);
    }
    fclose(f);
    return path;
}

static void test_load_and_limit(void **state)
{
    (void)state;
    const char *path = write_csv(5000);
    fa_table *t = NULL;
    fa_error err;
    /* without a limit (the 4 GiB default) the table loads: 5000 rows, values in place */
    assert_int_equal(fa_table_load_csv(&t, path, NULL, &err), FA_OK);
    assert_int_equal(fa_table_n_rows(t), 5000);
    assert_int_equal(fa_table_n_cols(t), 3);
    assert_true(fa_table_numeric(t, 1)[4999] == 4999.5);
    assert_true(fa_table_numeric(t, 2)[7] == -7.0);
    fa_table_free(t);

    /* 3 columns x 16 bytes = 48 bytes a row: a 96000-byte limit holds exactly 2000 rows */
    fa_csv_options o = FA_CSV_OPTIONS_INIT;
    o.max_memory = 96000;
    t = NULL;
    assert_int_equal(fa_table_load_csv(&t, path, &o, &err), FA_EINVAL);
    assert_null(t);
    /* the row that did not fit is data row 2001, line 2002 of the file */
    assert_int_equal(err.line, 2002);
    assert_string_equal(err.message,
                        "the table would need more memory than the limit of 93.8 KiB "
                        "(--max-memory): 2000 rows of 3 columns read so far, 16 bytes a cell; "
                        "raise the limit or use fewer rows (--max-samples)");
    /* one row more of room and it still fails; enough room and it loads */
    o.max_memory = 5000 * 48;
    assert_int_equal(fa_table_load_csv(&t, path, &o, &err), FA_OK);
    assert_int_equal(fa_table_n_rows(t), 5000);
    fa_table_free(t);
    o.max_memory = 5000 * 48 - 1;
    assert_int_equal(fa_table_load_csv(&t, path, &o, &err), FA_EINVAL);
    unlink(path);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_parse_bytes),
        cmocka_unit_test(test_format_bytes),
        cmocka_unit_test(test_load_and_limit),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
