/*
 * tests/unit/test_input.c - the streaming input of an audit: a file large enough to be read
 * in parallel chunks gives the same bytes with one thread or two, and the same counts as the
 * sequential reader (forced by a quote in the header, since a quoted file is never split).
 */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "include/fairaudit.h"

#define ROWS 1300000 /* about 20 MB: more than two 8 MiB chunks */

/* Writes a deterministic prediction file; `quoted` quotes the first header name. */
static void write_file(const char *path, int quoted)
{
    FILE *f = fopen(path, "w");
    assert_non_null(f);
    fprintf(f, "%s,group2,label,score,pred\n", quoted ? "\"group\"" : "group");
    uint64_t x = 42;
    static const char *const G[] = {"a", "a", "a", "a", "b", "b", "b", "c", "c", "d"};
    static const char *const G2[] = {"x", "y", "z"};
    for (long i = 0; i < ROWS; i++) {
        x ^= x << 13;
        x ^= x >> 7;
        x ^= x << 17;
        int label = (int)(x & 1), pred = (int)((x >> 1) & 1);
        fprintf(f, "%s,%s,%d,0.%06u,%d\n", G[(x >> 8) % 10], G2[(x >> 16) % 3], label,
                (unsigned)((x >> 20) % 1000000), pred);
    }
    assert_int_equal(fclose(f), 0);
}

static fa_result *audit(const char *path, int threads)
{
    fa_audit_options o = FA_AUDIT_OPTIONS_INIT;
    const char *groups[] = {"group", "group2"};
    o.label = "label";
    o.pred = "pred";
    o.score = "score";
    o.groups = groups;
    o.n_groups = 2;
    o.intersect = 1;
    o.threads = threads;
    o.score_metrics = 1;
    fa_error err;
    fa_result *res = NULL;
    int st = fa_audit_csv(&res, path, &o, NULL, &err);
    if (st != FA_OK) {
        fail_msg("%s", err.message);
    }
    return res;
}

static char *json(const fa_result *res)
{
    char *s = NULL;
    fa_error err;
    assert_int_equal(fa_result_to_json_string(&s, res, &err), FA_OK);
    return s;
}

static void input__chunked_read_is_the_same_bytes_with_one_thread_or_two(void **state)
{
    (void)state;
    char path[] = "/tmp/fa_test_input_XXXXXX";
    int fd = mkstemp(path);
    assert_true(fd >= 0);
    close(fd);
    write_file(path, 0);
    fa_result *r1 = audit(path, 1), *r2 = audit(path, 2);
    char *j1 = json(r1), *j2 = json(r2);
    assert_string_equal(j1, j2);
    assert_int_equal((int)fa_result_group_counts(r1, 0, 0)->rows +
                         (int)fa_result_group_counts(r1, 0, 1)->rows +
                         (int)fa_result_group_counts(r1, 0, 2)->rows +
                         (int)fa_result_group_counts(r1, 0, 3)->rows,
                     ROWS);
    free(j1);
    free(j2);
    fa_result_free(r1);
    fa_result_free(r2);
    unlink(path);
}

static void input__chunked_counts_equal_the_sequential_reader(void **state)
{
    (void)state;
    char p1[] = "/tmp/fa_test_input_XXXXXX", p2[] = "/tmp/fa_test_input_XXXXXX";
    int f1 = mkstemp(p1), f2 = mkstemp(p2);
    assert_true(f1 >= 0 && f2 >= 0);
    close(f1);
    close(f2);
    write_file(p1, 0); /* split into chunks */
    write_file(p2, 1); /* a quote: read sequentially */
    fa_result *a = audit(p1, 2), *b = audit(p2, 2);
    assert_int_equal(fa_result_n_attrs(a), fa_result_n_attrs(b));
    for (size_t k = 0; k < fa_result_n_attrs(a); k++) {
        assert_int_equal(fa_result_n_groups(a, k), fa_result_n_groups(b, k));
        for (size_t g = 0; g < fa_result_n_groups(a, k); g++) {
            const fa_counts *x = fa_result_group_counts(a, k, g);
            const fa_counts *y = fa_result_group_counts(b, k, g);
            assert_string_equal(fa_result_group_value(a, k, g), fa_result_group_value(b, k, g));
            assert_true(x->tp == y->tp && x->fp == y->fp && x->tn == y->tn && x->fn == y->fn);
            assert_int_equal(x->rows, y->rows);
            /* score sums are added in another order: equal to rounding */
            assert_true(fabs(x->score_sum - y->score_sum) <= 1e-9 * y->score_sum);
        }
    }
    /* exact AUC from the cells merged: the same number whichever way the file was read */
    const char *why;
    double auc_a = fa_result_score_metric(a, (size_t)-1, 0, "roc_auc", &why);
    double auc_b = fa_result_score_metric(b, (size_t)-1, 0, "roc_auc", &why);
    assert_true(auc_a > 0.0 && auc_a == auc_b);
    assert_true(fa_result_score_metric(a, 0, 0, "roc_auc", &why) ==
                fa_result_score_metric(b, 0, 0, "roc_auc", &why));
    fa_result_free(a);
    fa_result_free(b);
    unlink(p1);
    unlink(p2);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(input__chunked_read_is_the_same_bytes_with_one_thread_or_two),
        cmocka_unit_test(input__chunked_counts_equal_the_sequential_reader),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
