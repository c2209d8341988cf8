/*
 * test_json_read.c - reports/json_read.c: a JSON result read back gives a result that every
 * renderer renders exactly as the original (JSON byte for byte, and the text summary,
 * Markdown, JUnit, SARIF and annotations too), over fixtures built through the API with
 * bootstrap intervals (percentile and BCa), score metrics, intersections and weights,
 * imbalance, a label-only audit, baseline gates, warnings, the inconclusive mapping, and
 * permutation and Shapley attributions. Bad input fails with FA_EPARSE / FA_EINVAL naming the
 * JSON path (or line and column), and no prefix of a valid result is accepted.
 *
 * The fixture's groups (attribute "grp"; "sex" with --intersect):
 *   A: TP 1, FN 2, FP 0, TN 3      B: TP 6, FN 1, FP 1, TN 1      C: TP 0, FN 0, FP 2, TN 2
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

#include "include/fairaudit.h"
#include "reports/result.h"

typedef struct grp {
    const char *value;
    int tp, fp, tn, fn;
} grp;

static const grp GROUPS[3] = {{"A", 1, 0, 3, 2}, {"B", 6, 1, 1, 1}, {"C", 0, 2, 2, 0}};
static const char *const COLS[] = {"grp", "sex"};

static void add_rows(fa_tally *t, size_t n_cols, const char *value, int label, int pred, int count,
                     double weight)
{
    for (int i = 0; i < count; i++) {
        const char *sex = i % 2 ? "F" : "M";
        const char *v[] = {value, sex};
        size_t len[] = {strlen(value), 1};
        double score = (double)((label + pred + i) % 8) / 8.0;
        assert_int_equal(fa_tally_add(t, v, len, label, pred, weight * (1 + i % 3), score, NULL),
                         FA_OK);
    }
    (void)n_cols;
}

static fa_tally *fixture_tally(size_t n_cols, int intersect, double weight)
{
    fa_tally *t;
    assert_int_equal(fa_tally_create(&t, COLS, n_cols, intersect, NULL), FA_OK);
    for (int k = 0; k < 3; k++) {
        const grp *g = &GROUPS[k];
        add_rows(t, n_cols, g->value, 1, 1, g->tp, weight);
        add_rows(t, n_cols, g->value, 0, 1, g->fp, weight);
        add_rows(t, n_cols, g->value, 0, 0, g->tn, weight);
        add_rows(t, n_cols, g->value, 1, 0, g->fn, weight);
    }
    return t;
}

static fa_result *compute(const fa_tally *t, fa_audit_options *opts, const char *policy)
{
    fa_policy *p = NULL;
    if (policy) {
        assert_int_equal(fa_policy_parse_json(&p, policy, strlen(policy), "policy.json", NULL),
                         FA_OK);
    }
    fa_result *res;
    fa_error err;
    fa_error_clear(&err);
    int st = fa_result_compute(&res, t, opts, p, "fixture.csv", &err);
    if (st != FA_OK) {
        fail_msg("%s", err.message);
    }
    fa_policy_free(p);
    return res;
}

static fa_audit_options base_options(size_t n_cols)
{
    fa_audit_options o = FA_AUDIT_OPTIONS_INIT;
    o.label = "y";
    o.pred = "p";
    o.groups = COLS;
    o.n_groups = n_cols;
    o.min_group_size = 5;
    return o;
}

static const char *POLICY =
    "{\"gates\": [{\"name\": \"eo\", \"metric\": \"equal_opportunity_ratio\", \"min\": 0.8},"
    " {\"name\": \"tpr\", \"metric\": \"true_positive_rate\", \"disparity\": \"ratio\","
    " \"against\": \"reference\", \"min\": 0.5, \"use\": \"lower_ci\"},"
    " {\"name\": \"sr\", \"metric\": \"selection_rate\", \"disparity\": \"difference\","
    " \"max\": 0.9, \"severity\": \"warning\"},"
    " {\"name\": \"sr\", \"metric\": \"selection_rate\", \"disparity\": \"difference\","
    " \"max\": 0.9, \"severity\": \"warning\"}]}";

/* ---------------------------------------------------------- rendering and comparing */

static char *json_of(const fa_result *res)
{
    char *s = NULL;
    assert_int_equal(fa_result_to_json_string(&s, res, NULL), FA_OK);
    return s;
}

typedef int (*stream_fn)(const fa_result *, FILE *, fa_error *);

static char *stream_of(const fa_result *res, stream_fn fn)
{
    char *buf = NULL;
    size_t size = 0;
    FILE *f = open_memstream(&buf, &size);
    assert_non_null(f);
    assert_int_equal(fn(res, f, NULL), FA_OK);
    assert_int_equal(fclose(f), 0);
    return buf;
}

static fa_result *read_back(const char *json)
{
    fa_result *back = NULL;
    fa_error err;
    fa_error_clear(&err);
    int st = fa_result_parse_json(&back, json, strlen(json), "r.json", &err);
    if (st != FA_OK) {
        char msg[2048];
        fa_error_format(msg, sizeof msg, &err);
        fail_msg("%s", msg);
    }
    return back;
}

static fa_result *read_of(const fa_result *res)
{
    char *s = json_of(res);
    fa_result *back = read_back(s);
    free(s);
    return back;
}

/* write(read(json)) == json, and every other renderer gives the same text from both. */
static void assert_round_trip(const fa_result *res)
{
    char *a = json_of(res);
    fa_result *back = read_back(a);
    char *b = json_of(back);
    assert_string_equal(a, b);
    static const stream_fn FNS[] = {fa_result_write_text, fa_result_write_markdown_stream,
                                    fa_result_write_junit_stream, fa_result_write_sarif_stream,
                                    fa_result_write_annotations};
    for (size_t i = 0; i < sizeof FNS / sizeof FNS[0]; i++) {
        char *x = stream_of(res, FNS[i]), *y = stream_of(back, FNS[i]);
        assert_string_equal(x, y);
        free(x);
        free(y);
    }
    assert_int_equal(fa_result_exit_status(back), fa_result_exit_status(res));
    /* and a second read of the rewritten text is the same again */
    fa_result *again = read_back(b);
    char *c = json_of(again);
    assert_string_equal(b, c);
    free(c);
    fa_result_free(again);
    free(a);
    free(b);
    fa_result_free(back);
}

/* ---------------------------------------------------------------- round trips */

static void read__plain_result_with_gates_round_trips(void **state)
{
    (void)state;
    fa_tally *t = fixture_tally(1, 0, 1.0);
    fa_audit_options o = base_options(1);
    fa_result *res = compute(t, &o, POLICY);
    assert_true(fa_result_n_gates(res) >= 4);
    assert_round_trip(res);
    /* the duplicated "sr" gate stays two specs, as the policy has it */
    fa_result *back = read_of(res);
    assert_int_equal(back->n_gate_specs, res->n_gate_specs);
    fa_result_free(back);
    fa_result_free(res);
    fa_tally_free(t);
}

static void read__bootstrap_intersection_and_weights_round_trip(void **state)
{
    (void)state;
    fa_tally *t = fixture_tally(2, 1, 0.37);
    fa_audit_options o = base_options(2);
    o.intersect = 1;
    o.weight = "w";
    o.bootstrap = 200;
    o.seed = 7;
    o.min_group_size = 2;
    fa_result *res = compute(t, &o, POLICY);
    assert_int_equal(res->n_attrs, 3);
    assert_non_null(res->attrs[0].boot);
    assert_round_trip(res);
    fa_result_free(res);
    /* the policy's own "attribute" of a gate comes back from the entries it gave */
    res = compute(t, &o,
                  "{\"gates\": [{\"name\": \"all\", \"metric\": "
                  "\"demographic_parity_ratio\", \"min\": 0.8},"
                  " {\"name\": \"sex\", \"metric\": \"demographic_parity_ratio\", \"min\": 0.8,"
                  " \"attribute\": \"sex\"},"
                  " {\"name\": \"both\", \"metric\": \"demographic_parity_ratio\", \"min\": 0.8,"
                  " \"attribute\": \"grp & sex\"}]}");
    assert_round_trip(res);
    fa_result *back = read_of(res);
    assert_int_equal(back->n_gate_specs, 3);
    assert_int_equal(res->n_gate_specs, 3);
    for (size_t i = 0; i < 3; i++) {
        const char *want = res->gate_specs[i].attribute, *got = back->gate_specs[i].attribute;
        assert_true((want == NULL) == (got == NULL));
        if (want) {
            assert_string_equal(want, got);
        }
    }
    fa_result_free(back);
    fa_result_free(res);
    o.boot_method = FA_BOOT_BCA;
    o.ci_method = FA_CI_CLOPPER_PEARSON;
    o.confidence_level = 0.9;
    res = compute(t, &o, NULL);
    assert_round_trip(res);
    fa_result_free(res);
    fa_tally_free(t);
}

static void read__score_metrics_round_trip(void **state)
{
    (void)state;
    fa_tally *t = fixture_tally(1, 0, 1.0);
    fa_audit_options o = base_options(1);
    o.score = "s";
    o.score_metrics = 1;
    fa_result *res = compute(t, &o, POLICY);
    assert_non_null(res->overall_scores);
    assert_round_trip(res);
    fa_result *back = read_of(res);
    /* every score metric of every group reads back with its bits and its reason */
    static const char *const NAMES[] = {
        "roc_auc",   "average_precision",          "brier_score",
        "log_loss",  "expected_calibration_error", "calibration_in_the_large",
        "mean_score"};
    size_t n_undefined = 0;
    for (size_t g = 0; g < 3; g++) {
        for (size_t k = 0; k < sizeof NAMES / sizeof NAMES[0]; k++) {
            const char *w0 = NULL, *w1 = NULL;
            double v0 = fa_result_score_metric(res, 0, g, NAMES[k], &w0);
            double v1 = fa_result_score_metric(back, 0, g, NAMES[k], &w1);
            assert_memory_equal(&v0, &v1, sizeof v0);
            assert_true((w0 == NULL) == (w1 == NULL));
            if (w0) {
                assert_string_equal(w0, w1);
                n_undefined++;
            }
        }
    }
    /* group C has no actual positives: AUC and AP are undefined there */
    assert_true(n_undefined >= 2);
    fa_result_free(back);
    fa_result_free(res);
    fa_tally_free(t);
}

static void read__population_round_trips(void **state)
{
    (void)state;
    fa_tally *t = fixture_tally(1, 0, 1.0);
    fa_audit_options o = base_options(1);
    o.bootstrap = 30;
    fa_result *res = compute(t, &o,
                             "{\"population\": {\"grp\": {\"A\": 0.25, \"B\": 0.5, "
                             "\"C\": 0.25}}}");
    assert_int_equal(res->attrs[0].n_population, 3);
    assert_round_trip(res);
    fa_result *back = read_of(res);
    assert_int_equal(back->attrs[0].n_population, 3);
    assert_true(back->attrs[0].population_shares[1] == 0.5);
    fa_result_free(back);
    fa_result_free(res);
    fa_tally_free(t);
}

static void read__label_only_audit_round_trips(void **state)
{
    (void)state;
    fa_tally *t = fixture_tally(1, 0, 1.0);
    fa_audit_options o = base_options(1);
    o.pred = NULL;
    fa_result *res = compute(t, &o, NULL);
    assert_false(res->has_pred);
    assert_round_trip(res);
    fa_result_free(res);
    fa_tally_free(t);
}

static void read__warnings_and_inconclusive_mapping_round_trip(void **state)
{
    (void)state;
    fa_tally *t = fixture_tally(1, 0, 1.0);
    fa_audit_options o = base_options(1);
    o.min_group_size = 1000; /* every group small: every gate inconclusive */
    fa_result *res = compute(t, &o,
                             "{\"inconclusive\": \"pass\", \"gates\": [{\"metric\": "
                             "\"demographic_parity_difference\", \"max\": 0.1}]}");
    assert_int_equal(fa_result_verdict(res), FA_VERDICT_INCONCLUSIVE);
    assert_int_equal(fa_result_exit_status(res), 0);
    assert_int_equal(fa_result__add_warning(res, "a warning with \"quotes\" and \\"), FA_OK);
    assert_round_trip(res);
    fa_result *back = read_of(res);
    assert_int_equal(back->inconclusive, FA_INCONCLUSIVE_PASS);
    assert_int_equal(back->n_warnings, res->n_warnings);
    fa_result_free(back);
    fa_result_free(res);
    fa_tally_free(t);
}

static void read__baseline_gates_round_trip(void **state)
{
    (void)state;
    char path[] = "/tmp/fa_test_json_read_XXXXXX";
    int fd = mkstemp(path);
    assert_true(fd >= 0);
    close(fd);
    fa_tally *t = fixture_tally(1, 0, 1.0);
    fa_audit_options o = base_options(1);
    const char *policy = "{\"gates\": [{\"name\": \"dp\", \"metric\": "
                         "\"demographic_parity_difference\", \"max\": 0.9, "
                         "\"max_change\": 0.01, \"max_relative_change\": 0.5}]}";
    fa_result *old = compute(t, &o, policy);
    assert_int_equal(fa_result_write_json(old, path, NULL), FA_OK);
    fa_baseline *b = NULL;
    assert_int_equal(fa_baseline_load_json(&b, path, NULL), FA_OK);
    o.baseline = b;
    fa_result *res = compute(t, &o, policy);
    assert_true(res->gates[0].has_baseline);
    assert_round_trip(res);
    /* the reader's own file entry point */
    fa_result *back = NULL;
    assert_int_equal(fa_result_load_json(&back, path, NULL), FA_OK);
    char *x = json_of(old), *y = json_of(back);
    assert_string_equal(x, y);
    free(x);
    free(y);
    fa_result_free(back);
    fa_result_free(res);
    fa_result_free(old);
    fa_baseline_free(b);
    fa_tally_free(t);
    unlink(path);
}

/* 24 rows of 3 features for tests/data/models/tiny_linear.json, groups A, B, C. */
static void model_data(double x[72], double y[24], int32_t g[24])
{
    for (int i = 0; i < 24; i++) {
        x[3 * i] = (double)(i % 5) - 2.0;
        x[3 * i + 1] = (double)(i % 7) / 3.0 - 3.0;
        x[3 * i + 2] = (double)((i * 5) % 11) / 4.0;
        y[i] = (double)((i * 7) % 3 == 0);
        g[i] = (int32_t)(i % 3);
    }
}

static void read__permutation_and_shapley_attributions_round_trip(void **state)
{
    (void)state;
    fa_model *m = NULL;
    fa_error err;
    fa_error_clear(&err);
    if (fa_model_load(&m, "tests/data/models/tiny_linear.json", &err) != FA_OK) {
        fail_msg("%s", err.message);
    }
    double x[72], y[24];
    int32_t g[24];
    model_data(x, y, g);
    fa_tally *t = fixture_tally(1, 0, 1.0);
    fa_audit_options o = base_options(1);
    fa_result *res = compute(t, &o, NULL);
    fa_permutation_options po = FA_PERMUTATION_OPTIONS_INIT;
    po.repeats = 3;
    po.seed = 5;
    assert_int_equal(
        fa_result_add_permutation(res, m, x, 24, y, NULL, NULL, &po, "tiny.json", "x.csv", &err),
        FA_OK);
    po.scoring = "demographic_parity_difference";
    assert_int_equal(
        fa_result_add_permutation(res, m, x, 24, y, g, "grp", &po, "tiny.json", "x.csv", &err),
        FA_OK);
    static const char *const VALUES[] = {"A", "B", "C"};
    fa_attribute_rows ar = {"grp", g, VALUES, 3};
    fa_result_shapley_options so = FA_RESULT_SHAPLEY_OPTIONS_INIT;
    so.method = "linear";
    so.bootstrap = 50;
    so.sample_rows = 10;
    so.seed = 3;
    if (fa_result_add_shapley(res, m, x, 24, NULL, &ar, 1, &so, "tiny.json", "x.csv", &err) !=
        FA_OK) {
        fail_msg("%s", err.message);
    }
    so.bootstrap = 0;
    so.sample_rows = 0;
    assert_int_equal(
        fa_result_add_shapley(res, m, x, 24, NULL, NULL, 0, &so, "tiny.json", "x.csv", &err),
        FA_OK);
    assert_int_equal(fa_result_n_attributions(res), 4);
    assert_round_trip(res);
    fa_result *back = read_of(res);
    const fa_attribution *sh = &back->attributions[2];
    assert_string_equal(sh->method, "linear");
    assert_int_equal(sh->n_groups, 3);
    assert_int_equal(sh->sample_rows, 10);
    assert_int_equal(sh->bootstrap, 50);
    assert_null(back->attributions[3].group_names);
    fa_result_free(back);
    fa_result_free(res);
    fa_tally_free(t);
    fa_model_free(m);
}

/* ------------------------------------------------------------------ bad input */

static char *fixture_json(void)
{
    fa_tally *t = fixture_tally(1, 0, 1.0);
    fa_audit_options o = base_options(1);
    o.bootstrap = 50;
    fa_result *res = compute(t, &o, POLICY);
    char *s = json_of(res);
    fa_result_free(res);
    fa_tally_free(t);
    return s;
}

/* s with the first occurrence of `from` replaced by `to`. */
static char *replaced(const char *s, const char *from, const char *to)
{
    const char *at = strstr(s, from);
    assert_non_null(at);
    size_t n = strlen(s) - strlen(from) + strlen(to);
    char *out = malloc(n + 1);
    assert_non_null(out);
    size_t k = (size_t)(at - s);
    memcpy(out, s, k);
    strcpy(out + k, to);
    strcat(out, at + strlen(from));
    return out;
}

static fa_error parse_fails(const char *text, int status)
{
    fa_result *res = (fa_result *)1;
    fa_error err;
    fa_error_clear(&err);
    assert_int_equal(fa_result_parse_json(&res, text, strlen(text), "r.json", &err), status);
    assert_null(res);
    return err;
}

static void read__not_json_names_line_and_column(void **state)
{
    (void)state;
    fa_error e = parse_fails("{\n  \"fairaudit_version\": ", FA_EPARSE);
    assert_int_equal(e.line, 2);
    e = parse_fails("{\"fairaudit_version\": NaN}", FA_EPARSE);
    assert_int_equal(e.line, 1);
    assert_int_equal(e.column, 23);
    parse_fails("", FA_EPARSE);
}

static void read__not_a_result_names_the_path(void **state)
{
    (void)state;
    fa_error e = parse_fails("[1, 2]", FA_EPARSE);
    assert_string_equal(e.json_path, "");
    e = parse_fails("{\"input\": {}}", FA_EPARSE);
    assert_string_equal(e.json_path, "fairaudit_version");
    e = parse_fails("{\"fairaudit_version\": 1}", FA_EPARSE);
    assert_string_equal(e.json_path, "fairaudit_version");
    e = parse_fails("{\"fairaudit_version\": \"banana\"}", FA_EPARSE);
    assert_string_equal(e.json_path, "fairaudit_version");
}

static void read__newer_version_is_refused_older_is_read(void **state)
{
    (void)state;
    char *s = fixture_json();
    char *newer = replaced(s, "\"" FA_VERSION "\"", "\"999.0.0\"");
    fa_error e = parse_fails(newer, FA_EINVAL);
    assert_string_equal(e.json_path, "fairaudit_version");
    assert_non_null(strstr(e.message, "newer"));
    char *older = replaced(s, "\"" FA_VERSION "\"", "\"0.0.1\"");
    fa_result *res = NULL;
    assert_int_equal(fa_result_parse_json(&res, older, strlen(older), "r.json", NULL), FA_OK);
    fa_result_free(res);
    free(newer);
    free(older);
    free(s);
}

static void read__wrong_type_deep_inside_names_the_path(void **state)
{
    (void)state;
    char *s = fixture_json();
    /* groups[0] is A: TP 1 */
    char *bad = replaced(s, "\"tp\":\t1,", "\"tp\":\t-1,");
    fa_error e = parse_fails(bad, FA_EPARSE);
    assert_string_equal(e.json_path, "groups[0].counts.tp");
    assert_string_equal(e.message, "expected a non-negative number, found -1");
    free(bad);
    bad = replaced(s, "\"intersect\":\tfalse", "\"intersect\":\t0");
    e = parse_fails(bad, FA_EPARSE);
    assert_string_equal(e.json_path, "columns.intersect");
    free(bad);
    bad = replaced(s, "\"difference_ci\":\t[", "\"difference_ci\":\t[\"x\", ");
    e = parse_fails(bad, FA_EPARSE);
    assert_string_equal(e.json_path, "disparities[0].by_group.A.difference_ci");
    free(bad);
    free(s);
}

static void read__duplicate_and_unknown_keys_are_errors(void **state)
{
    (void)state;
    char *s = fixture_json();
    char *bad = replaced(s, "\"tp\":\t1,", "\"tp\":\t1, \"tp\": 1,");
    fa_error e = parse_fails(bad, FA_EPARSE);
    assert_string_equal(e.json_path, "groups[0].counts.tp");
    assert_string_equal(e.message, "duplicate key");
    free(bad);
    bad = replaced(s, "\"tp\":\t1,", "\"tq\": 1, \"tp\": 1,");
    e = parse_fails(bad, FA_EPARSE);
    assert_string_equal(e.json_path, "groups[0].counts.tq");
    free(bad);
    bad = replaced(s, "\"tp\":\t1,", "\"fp\": 0,");
    e = parse_fails(bad, FA_EPARSE);
    assert_string_equal(e.json_path, "groups[0].counts.fp");
    free(bad);
    free(s);
}

static void read__contradictions_are_einval(void **state)
{
    (void)state;
    char *s = fixture_json();
    char *bad = replaced(s, "\"passed\":\tfalse,\n\t\"exit_status\"",
                         "\"passed\":\ttrue,\n\t\"exit_status\"");
    parse_fails(bad, FA_EINVAL);
    free(bad);
    bad = replaced(s, "\"reference\":\ttrue", "\"reference\":\tfalse");
    parse_fails(bad, FA_EINVAL);
    free(bad);
    free(s);
}

static void read__deep_nesting_is_refused(void **state)
{
    (void)state;
    size_t n = 10000;
    char *t = malloc(2 * n + 1);
    assert_non_null(t);
    memset(t, '[', n);
    memset(t + n, ']', n);
    t[2 * n] = '\0';
    parse_fails(t, FA_EPARSE);
    free(t);
}

static void read__no_prefix_of_a_result_is_accepted(void **state)
{
    (void)state;
    char *s = fixture_json();
    size_t n = strlen(s);
    for (size_t k = 0; k + 2 < n; k += 37) {
        fa_result *res = NULL;
        fa_error err;
        fa_error_clear(&err);
        assert_int_equal(fa_result_parse_json(&res, s, k, "r.json", &err), FA_EPARSE);
        assert_null(res);
    }
    free(s);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(read__plain_result_with_gates_round_trips),
        cmocka_unit_test(read__bootstrap_intersection_and_weights_round_trip),
        cmocka_unit_test(read__score_metrics_round_trip),
        cmocka_unit_test(read__population_round_trips),
        cmocka_unit_test(read__label_only_audit_round_trips),
        cmocka_unit_test(read__warnings_and_inconclusive_mapping_round_trip),
        cmocka_unit_test(read__baseline_gates_round_trip),
        cmocka_unit_test(read__permutation_and_shapley_attributions_round_trip),
        cmocka_unit_test(read__not_json_names_line_and_column),
        cmocka_unit_test(read__not_a_result_names_the_path),
        cmocka_unit_test(read__newer_version_is_refused_older_is_read),
        cmocka_unit_test(read__wrong_type_deep_inside_names_the_path),
        cmocka_unit_test(read__duplicate_and_unknown_keys_are_errors),
        cmocka_unit_test(read__contradictions_are_einval),
        cmocka_unit_test(read__deep_nesting_is_refused),
        cmocka_unit_test(read__no_prefix_of_a_result_is_accepted),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
