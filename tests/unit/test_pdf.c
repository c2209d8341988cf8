/*
 * test_pdf.c - reports/pdf*.c: the findings on the cover and the pagination of long tables.
 *
 * Results are made through the public API (a tally by hand, a policy from a string,
 * fa_result_compute). The fixture, one attribute "sex", reference M (from the policy),
 * min_group_size 10:
 *   M: 60 rows, TP 24, FN 6, FP 12, TN 18 -> SR 36/60 = 0.6,  TPR 24/30 = 0.8, FPR 12/30 = 0.4
 *   F: 40 rows, TP 10, FN 10, FP 4, TN 16 -> SR 14/40 = 0.35, TPR 10/20 = 0.5, FPR 4/20 = 0.2
 * F against M: selection-rate ratio 0.35 / 0.6 = 0.5833 ("0.58"), TPR difference
 * 0.5 - 0.8 = -0.3 ("0.30 lower"), FPR difference 0.2 - 0.4 = -0.2 ("0.20 lower"). By distance
 * from parity (|ln ratio| = 0.539, 2 |difference| = 0.6 and 0.4) the TPR gap comes first.
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

#include "include/fairaudit.h"
#include "reports/pdf.h"
#include "reports/result.h"

static const char *const SEX[] = {"sex"};

static void add_rows(fa_tally *t, const char *value, int label, int pred, int count)
{
    const char *v[] = {value};
    size_t len[] = {strlen(value)};
    for (int i = 0; i < count; i++) {
        assert_int_equal(fa_tally_add(t, v, len, label, pred, 1.0, NAN, NULL), FA_OK);
    }
}

static void add_group(fa_tally *t, const char *value, int tp, int fp, int tn, int fn)
{
    add_rows(t, value, 1, 1, tp);
    add_rows(t, value, 0, 1, fp);
    add_rows(t, value, 0, 0, tn);
    add_rows(t, value, 1, 0, fn);
}

static fa_result *compute(fa_tally *t, const char *policy, size_t B)
{
    fa_policy *p = NULL;
    fa_error err;
    char buf[1400];
    if (policy && fa_policy_parse_json(&p, policy, strlen(policy), "policy.json", &err) != FA_OK) {
        fa_error_format(buf, sizeof buf, &err);
        fail_msg("policy: %s", buf);
    }
    fa_audit_options opts = FA_AUDIT_OPTIONS_INIT;
    opts.label = "y";
    opts.pred = "p";
    opts.groups = SEX;
    opts.n_groups = 1;
    opts.min_group_size = 10;
    opts.bootstrap = B;
    opts.seed = 7;
    opts.threads = 1;
    fa_result *res = NULL;
    int st = fa_result_compute(&res, t, &opts, p, "test.csv", &err);
    fa_policy_free(p);
    fa_tally_free(t);
    if (st != FA_OK) {
        fa_error_format(buf, sizeof buf, &err);
        fail_msg("fa_result_compute: %s", buf);
    }
    return res;
}

static const char FOUR_FIFTHS[] =
    "{\"reference\": {\"sex\": \"M\"}, \"gates\": [{\"name\": \"four_fifths\", \"metric\": "
    "\"selection_rate\", \"disparity\": \"ratio\", \"against\": \"reference\", \"min\": 0.8}]}";

static fa_result *fixture(size_t B)
{
    fa_tally *t;
    assert_int_equal(fa_tally_create(&t, SEX, 1, 0, NULL), FA_OK);
    add_group(t, "M", 24, 12, 18, 6);
    add_group(t, "F", 10, 4, 16, 10);
    return compute(t, FOUR_FIFTHS, B);
}

static void free_all(char *f[], size_t n)
{
    for (size_t i = 0; i < n; i++) {
        free(f[i]);
    }
}

static void findings__failed_gate_first_then_largest_gaps(void **state)
{
    (void)state;
    fa_result *res = fixture(0);
    char *f[5];
    size_t n = 0;
    assert_int_equal(fa_pdf__findings(f, 5, &n, res), FA_OK);
    assert_int_equal(n, 3);
    assert_string_equal(f[0], "Gate \xE2\x80\x9C"
                              "four_fifths\xE2\x80\x9D failed: for sex, the selection rate of F "
                              "is 0.58 times that of M; the policy requires at least 0.8.");
    /* the selection-rate gap is the gate's: not told twice; TPR (0.6) before FPR (0.4) */
    assert_string_equal(f[1], "For sex, the true positive rate of F is 0.30 lower than that of M "
                              "(0.50 vs 0.80).");
    assert_string_equal(f[2], "For sex, the false positive rate of F is 0.20 lower than that of M "
                              "(0.20 vs 0.40).");
    free_all(f, n);
    fa_result_free(res);
}

/* With a bootstrap the sentences carry the intervals the result holds, as printed. */
static void findings__carry_the_bootstrap_intervals(void **state)
{
    (void)state;
    fa_result *res = fixture(200);
    const fa_attr_result *at = &res->attrs[0];
    long g = strcmp(at->groups[0].value, "F") == 0 ? 0 : 1;
    const fa_bootstrap_ci *ratio =
        fa_bootstrap_group_ratio(at->boot, (size_t)g, FA_METRIC_SELECTION_RATE);
    const fa_bootstrap_ci *tpr =
        fa_bootstrap_group_difference(at->boot, (size_t)g, FA_METRIC_TRUE_POSITIVE_RATE);
    char want0[200], want1[200];
    snprintf(want0, sizeof want0, "is 0.58 times that of M; 95%% CI %.2f\xE2\x80\x93%.2f;",
             ratio->lo, ratio->hi);
    /* a range of negative numbers reads "-0.53 to -0.40" */
    snprintf(want1, sizeof want1, "(0.50 vs 0.80; 95%% CI of the difference %.2f to %.2f).",
             tpr->lo, tpr->hi);
    assert_true(ratio->lo < 0.5834 && ratio->hi > 0.5833 && tpr->lo < -0.3 && tpr->hi > -0.3);
    assert_true(tpr->hi < 0); /* the whole interval below 0: the "to" form */
    char *f[5];
    size_t n = 0;
    assert_int_equal(fa_pdf__findings(f, 5, &n, res), FA_OK);
    assert_true(n >= 2);
    assert_non_null(strstr(f[0], want0));
    assert_non_null(strstr(f[1], want1));
    free_all(f, n);
    fa_result_free(res);
}

/* A passing policy says so, then the largest gaps fill the cover up to three findings. */
static void findings__all_passed(void **state)
{
    (void)state;
    fa_tally *t;
    assert_int_equal(fa_tally_create(&t, SEX, 1, 0, NULL), FA_OK);
    add_group(t, "M", 24, 12, 18, 6);
    add_group(t, "F", 10, 4, 16, 10);
    fa_result *res = compute(t,
                             "{\"reference\": {\"sex\": \"M\"}, \"gates\": [{\"name\": \"dp\", "
                             "\"metric\": \"demographic_parity_difference\", \"max\": 0.3}]}",
                             0);
    char *f[5];
    size_t n = 0;
    assert_int_equal(fa_pdf__findings(f, 5, &n, res), FA_OK);
    assert_int_equal(n, 3);
    assert_string_equal(f[0], "All 1 gate results of the policy passed.");
    assert_string_equal(f[1], "For sex, the true positive rate of F is 0.30 lower than that of M "
                              "(0.50 vs 0.80).");
    assert_string_equal(f[2], "For sex, the selection rate of F is 0.58 times that of M "
                              "(0.35 vs 0.60).");
    free_all(f, n);
    fa_result_free(res);
}

/* 100 rows of 13 pt under a 13 pt header: 22 on a first page with 300 pt free, then 52 a page
 * with 700 pt, then the 26 left. */
static void paginate__splits_and_repeats_the_header(void **state)
{
    (void)state;
    size_t per[10];
    assert_int_equal(fa_pdf__paginate(per, 10, 100, 300, 700, 13, 13), 3);
    assert_int_equal(per[0], 22); /* floor((300 - 13) / 13) */
    assert_int_equal(per[1], 52); /* floor((700 - 13) / 13) */
    assert_int_equal(per[2], 26);
    assert_int_equal(fa_pdf__paginate(per, 10, 5, 300, 700, 13, 13), 1);
    assert_int_equal(per[0], 5);
    /* a first page too full for one row: the table starts on the next */
    assert_int_equal(fa_pdf__paginate(per, 10, 5, 20, 700, 13, 13), 2);
    assert_int_equal(per[0], 0);
    assert_int_equal(per[1], 5);
    assert_int_equal(fa_pdf__paginate(per, 10, 5, 300, 20, 13, 13), 0);
}

/* The renderer breaks a long table where fa_pdf__paginate says, with the header on each page. */
static void table__renderer_follows_the_pagination_and_measures(void **state)
{
    (void)state;
    fa_result *res = fixture(0);
    fa_pdf p;
    fa_error err;
    fa_pdf_options o = FA_PDF_OPTIONS_INIT;
    o.creation_time = 0;
    assert_int_equal(fa_pdf__open(&p, res, &o, &err), FA_OK);
    /* the cached advances measure as libharu does, ASCII or not */
    static const char *const S[] = {"M\u0101ori & Afro-Brasileiro 0.123 (0.1\u20130.2)",
                                    "\u00d1uble & B\u00edo-B\u00edo",
                                    "plain ASCII text, with {punctuation}!"};
    for (size_t i = 0; i < 3; i++) {
        assert_float_equal(fa_pdf__width(&p, p.font, 9, S[i]), fa_chart_text_width(p.font, 9, S[i]),
                           1e-9);
        assert_float_equal(fa_pdf__width(&p, p.bold, 7, S[i]), fa_chart_text_width(p.bold, 7, S[i]),
                           1e-9);
        assert_true(fa_pdf__width(&p, p.bold, 7, S[i]) > 20);
    }
    fa_pdf__new_page(&p);
    fa_pdf__skip(&p, 400);
    double first = p.y - p.bottom;
    static const fa_pdf_col COLS[] = {{"group", 0.5, 0}, {"value", 0.5, 1}};
    fa_pdf_table t;
    fa_pdf__table_begin(&p, &t, COLS, 2, "Long table");
    const char *cells[2] = {"Māori", "0.5"};
    for (int i = 0; i < 300; i++) {
        fa_pdf__table_row(&p, &t, cells, 0);
    }
    assert_true(fa_pdf__ok(&p));
    double caption = FA_PDF_BODY * 1.8, page = p.top - p.bottom - caption;
    size_t per[64];
    size_t pages = fa_pdf__paginate(per, 64, 300, first, page, t.row_h, t.row_h);
    assert_true(pages >= 3);
    assert_int_equal(t.headers, pages);
    assert_int_equal(p.n_pages, pages);
    assert_int_equal(t.row, 300);
    fa_pdf__close(&p);
    fa_result_free(res);
}

/* The same result renders to the same bytes; A4 and letter differ. */
static void render__deterministic_bytes(void **state)
{
    (void)state;
    fa_result *res = fixture(50);
    fa_pdf_options o = FA_PDF_OPTIONS_INIT;
    o.creation_time = 1700000000;
    unsigned char *a, *b, *c;
    size_t na, nb, nc;
    fa_error err;
    assert_int_equal(fa_report_pdf_render(&a, &na, res, &o, &err), FA_OK);
    assert_int_equal(fa_report_pdf_render(&b, &nb, res, &o, &err), FA_OK);
    o.paper = FA_PAPER_LETTER;
    assert_int_equal(fa_report_pdf_render(&c, &nc, res, &o, &err), FA_OK);
    assert_int_equal(na, nb);
    assert_memory_equal(a, b, na);
    assert_true(na > 1000 && memcmp(a, "%PDF-", 5) == 0);
    assert_true(nc != na || memcmp(a, c, na) != 0);
    free(a);
    free(b);
    free(c);
    fa_result_free(res);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(findings__failed_gate_first_then_largest_gaps),
        cmocka_unit_test(findings__carry_the_bootstrap_intervals),
        cmocka_unit_test(findings__all_passed),
        cmocka_unit_test(paginate__splits_and_repeats_the_header),
        cmocka_unit_test(table__renderer_follows_the_pagination_and_measures),
        cmocka_unit_test(render__deterministic_bytes),
    };
    return cmocka_run_group_tests_name("pdf", tests, NULL, NULL);
}
