/*
 * test_json.c - reports/json.c: the JSON result parses, every number in it is the accessor's
 * value bit for bit, undefined values are null with their reason under "undefined", the same
 * input gives the same bytes, and fa_result_write_json replaces its target atomically.
 *
 * The fixture, one attribute "grp", min_group_size 0, every row scored:
 *   A: TP 1, FN 2, FP 0, TN 3 (6 rows) -> TPR 1/3, FPR 0/3, PPV 1/1
 *   B: TP 6, FN 1, FP 1, TN 1 (9 rows) -> TPR 6/7, SR 7/9, PPV 6/7
 *   C: TP 0, FN 0, FP 2, TN 2 (4 rows) -> TPR undefined (no actual positives)
 * 1/3, 6/7 and 7/9 need 17 significant digits to read back to the same double.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h>

#include <dirent.h>
#include <errno.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cjson/cJSON.h>

#include "include/fairaudit.h"
#include "reports/result.h"

typedef struct grp {
    const char *value;
    int tp, fp, tn, fn;
} grp;

static const grp GROUPS[3] = {{"A", 1, 0, 3, 2}, {"B", 6, 1, 1, 1}, {"C", 0, 2, 2, 0}};
static const char *const COLS[] = {"grp"};

static void add_rows(fa_tally *t, const char *value, int label, int pred, int count, double weight)
{
    const char *v[] = {value};
    size_t len[] = {strlen(value)};
    for (int i = 0; i < count; i++) {
        /* scores k/8: exact sums */
        double score = (double)((label + pred + i) % 8) / 8.0;
        assert_int_equal(fa_tally_add(t, v, len, label, pred, weight, score, NULL), FA_OK);
    }
}

/* The fixture's tally; `reverse` adds the groups and cells in the opposite order. */
static fa_tally *fixture_tally(int reverse, double weight)
{
    fa_tally *t;
    assert_int_equal(fa_tally_create(&t, COLS, 1, 0, NULL), FA_OK);
    for (int k = 0; k < 3; k++) {
        const grp *g = &GROUPS[reverse ? 2 - k : k];
        if (reverse) {
            add_rows(t, g->value, 1, 0, g->fn, weight);
            add_rows(t, g->value, 0, 0, g->tn, weight);
            add_rows(t, g->value, 0, 1, g->fp, weight);
            add_rows(t, g->value, 1, 1, g->tp, weight);
        } else {
            add_rows(t, g->value, 1, 1, g->tp, weight);
            add_rows(t, g->value, 0, 1, g->fp, weight);
            add_rows(t, g->value, 0, 0, g->tn, weight);
            add_rows(t, g->value, 1, 0, g->fn, weight);
        }
    }
    return t;
}

static fa_result *compute(const fa_tally *t, const char *score, const char *policy)
{
    fa_policy *p = NULL;
    if (policy) {
        assert_int_equal(fa_policy_parse_json(&p, policy, strlen(policy), "policy.json", NULL),
                         FA_OK);
    }
    fa_audit_options opts = FA_AUDIT_OPTIONS_INIT;
    opts.label = "y";
    opts.pred = "p";
    opts.score = score;
    opts.groups = COLS;
    opts.n_groups = 1;
    opts.min_group_size = 0;
    fa_result *res;
    fa_error err;
    fa_error_clear(&err);
    assert_int_equal(fa_result_compute(&res, t, &opts, p, "fixture.csv", &err), FA_OK);
    fa_policy_free(p);
    return res;
}

static const char *POLICY = "{\"gates\": [{\"metric\": \"equal_opportunity_ratio\", "
                            "\"min\": 0.8}, {\"metric\": \"tpr\", \"disparity\": \"ratio\", "
                            "\"against\": \"reference\", \"min\": 0.5}]}";

static fa_result *fixture_result(void)
{
    fa_tally *t = fixture_tally(0, 1.0);
    fa_result *res = compute(t, "score", POLICY);
    fa_tally_free(t);
    return res;
}

static char *json_of(const fa_result *res)
{
    char *s = NULL;
    fa_error err;
    fa_error_clear(&err);
    assert_int_equal(fa_result_to_json_string(&s, res, &err), FA_OK);
    assert_non_null(s);
    return s;
}

static const cJSON *get(const cJSON *o, const char *key)
{
    return cJSON_GetObjectItemCaseSensitive(o, key);
}

/* ------------------------------------------------- comparing every number */

typedef struct checker {
    size_t n_checked, n_bad;
} checker;

/* JSON node `n` holds `want` bit for bit, or null when want is NAN. */
static void check_number(checker *c, const cJSON *n, double want, const char *where,
                         const char *key)
{
    c->n_checked++;
    int ok;
    if (isnan(want)) {
        ok = cJSON_IsNull(n);
    } else {
        double got = cJSON_IsNumber(n) ? n->valuedouble : NAN;
        ok = cJSON_IsNumber(n) && memcmp(&got, &want, sizeof got) == 0;
    }
    if (!ok) {
        if (c->n_bad < 12) {
            char *text = n ? cJSON_PrintUnformatted(n) : NULL;
            print_error("%s.%s: JSON %s, accessor %.17g\n", where, key, text ? text : "(absent)",
                        want);
            free(text);
        }
        c->n_bad++;
    }
}

static size_t attr_index(const fa_result *res, const char *name)
{
    for (size_t a = 0; a < fa_result_n_attrs(res); a++) {
        if (strcmp(fa_result_attr_name(res, a), name) == 0) {
            return a;
        }
    }
    fail_msg("attribute '%s' not in the result", name);
    return 0;
}

static size_t group_index(const fa_result *res, size_t a, const char *value)
{
    for (size_t g = 0; g < fa_result_n_groups(res, a); g++) {
        if (strcmp(fa_result_group_value(res, a, g), value) == 0) {
            return g;
        }
    }
    fail_msg("group '%s' not in the result", value);
    return 0;
}

static void check_counts(checker *c, const cJSON *o, const fa_counts *want, const char *where)
{
    const cJSON *n = get(o, "counts");
    check_number(c, get(n, "tp"), want->tp, where, "counts.tp");
    check_number(c, get(n, "fp"), want->fp, where, "counts.fp");
    check_number(c, get(n, "tn"), want->tn, where, "counts.tn");
    check_number(c, get(n, "fn"), want->fn, where, "counts.fn");
    check_number(c, get(n, "rows"), (double)want->rows, where, "counts.rows");
}

/* Every metric of the "metrics" object of o; undefined ones have their reason. */
static void check_metrics(checker *c, const cJSON *o,
                          double (*value)(const fa_result *, size_t, size_t, fa_metric,
                                          const char **),
                          const fa_result *res, size_t a, size_t g, const char *where)
{
    const cJSON *m = get(o, "metrics");
    const cJSON *u = get(o, "undefined");
    assert_non_null(m);
    for (int k = 0; k < FA_METRIC_COUNT_ALL; k++) {
        const char *name = fa_metric_name((fa_metric)k);
        const char *reason;
        double want = value(res, a, g, (fa_metric)k, &reason);
        check_number(c, get(m, name), want, where, name);
        if (isnan(want)) {
            const char *got = cJSON_GetStringValue(get(u, name));
            if (got == NULL || reason == NULL || strcmp(got, reason) != 0) {
                print_error("%s.undefined.%s: \"%s\", accessor \"%s\"\n", where, name,
                            got ? got : "(absent)", reason ? reason : "(null)");
                c->n_bad++;
            }
        }
    }
}

static double overall_metric(const fa_result *res, size_t a, size_t g, fa_metric m,
                             const char **reason)
{
    (void)a;
    (void)g;
    return fa_result_overall_metric(res, m, reason);
}

static const char *const KINDS[4][2] = {{"between_groups", "difference"},
                                        {"between_groups", "ratio"},
                                        {"to_overall", "difference"},
                                        {"to_overall", "ratio"}};

static void check_disparities(checker *c, const cJSON *root, const fa_result *res)
{
    const cJSON *d;
    cJSON_ArrayForEach(d, get(root, "disparities"))
    {
        size_t a = attr_index(res, cJSON_GetStringValue(get(d, "attribute")));
        int m = fa_metric_from_name(cJSON_GetStringValue(get(d, "metric")));
        assert_true(m >= 0);
        char where[128];
        snprintf(where, sizeof where, "disparities[%s]", fa_metric_name((fa_metric)m));
        const cJSON *e;
        cJSON_ArrayForEach(e, get(d, "by_group"))
        {
            size_t g = group_index(res, a, e->string);
            check_number(c, get(e, "difference"),
                         fa_result_group_difference(res, a, g, (fa_metric)m), where, e->string);
            check_number(c, get(e, "ratio"), fa_result_group_ratio(res, a, g, (fa_metric)m), where,
                         e->string);
        }
        for (int k = 0; k < 4; k++) {
            check_number(c, get(get(d, KINDS[k][0]), KINDS[k][1]),
                         fa_result_disparity(res, a, (fa_metric)m, (fa_disparity_kind)k), where,
                         KINDS[k][0]);
        }
    }
}

static void check_summaries(checker *c, const cJSON *root, const fa_result *res)
{
    const cJSON *s;
    cJSON_ArrayForEach(s, get(root, "summary"))
    {
        size_t a = attr_index(res, s->string);
        const cJSON *v;
        cJSON_ArrayForEach(v, s)
        {
            check_number(c, v, fa_result_summary(res, a, v->string), "summary", v->string);
        }
    }
    cJSON_ArrayForEach(s, get(root, "vs_reference"))
    {
        size_t a = attr_index(res, s->string);
        const cJSON *e, *v;
        cJSON_ArrayForEach(e, get(s, "groups"))
        {
            size_t g = group_index(res, a, e->string);
            cJSON_ArrayForEach(v, e)
            {
                check_number(c, v, fa_result_vs_reference(res, a, g, v->string), e->string,
                             v->string);
            }
        }
        cJSON_ArrayForEach(v, get(s, "vs_rest"))
        {
            check_number(c, v, fa_result_vs_rest(res, a, v->string), "vs_rest", v->string);
        }
    }
}

static double group_metric(const fa_result *res, size_t a, size_t g, fa_metric m,
                           const char **reason)
{
    return fa_result_group_metric(res, a, g, m, reason);
}

/*
 * Walks the whole document: every number it holds is compared with its accessor. Returns the
 * number of mismatches (each printed), so the caller can free before failing.
 */
static size_t count_mismatches(const char *json, const fa_result *res)
{
    cJSON *root = cJSON_Parse(json);
    assert_non_null(root);
    checker c = {0, 0};
    check_number(&c, get(get(root, "input"), "rows"), (double)res->rows, "input", "rows");
    check_number(&c, get(get(root, "options"), "tau"), res->tau, "options", "tau");
    const cJSON *ov = get(root, "overall");
    check_number(&c, get(ov, "count"), fa_result_overall_metric(res, FA_METRIC_COUNT, NULL),
                 "overall", "count");
    check_counts(&c, ov, &res->overall, "overall");
    check_metrics(&c, ov, overall_metric, res, 0, 0, "overall");
    const cJSON *e;
    cJSON_ArrayForEach(e, get(root, "groups"))
    {
        size_t a = attr_index(res, cJSON_GetStringValue(get(e, "attribute")));
        size_t g = group_index(res, a, cJSON_GetStringValue(get(e, "value")));
        char where[128];
        snprintf(where, sizeof where, "groups[%s]", fa_result_group_value(res, a, g));
        check_number(&c, get(e, "count"), fa_result_group_metric(res, a, g, FA_METRIC_COUNT, NULL),
                     where, "count");
        check_counts(&c, e, fa_result_group_counts(res, a, g), where);
        check_metrics(&c, e, group_metric, res, a, g, where);
    }
    check_disparities(&c, root, res);
    check_summaries(&c, root, res);
    assert_int_equal(cJSON_GetArraySize(get(root, "gates")), (int)fa_result_n_gates(res));
    for (size_t i = 0; i < fa_result_n_gates(res); i++) {
        double v;
        fa_result_gate(res, i, NULL, &v);
        check_number(&c, get(cJSON_GetArrayItem(get(root, "gates"), (int)i), "value"), v, "gates",
                     "value");
    }
    check_number(&c, get(root, "exit_status"), (double)fa_result_exit_status(res), "root",
                 "exit_status");
    cJSON_Delete(root);
    if (c.n_bad > 0) {
        print_error("%zu of %zu numbers differ from the accessors\n", c.n_bad, c.n_checked);
    }
    assert_true(c.n_checked > 250); /* the walk reached the whole document */
    return c.n_bad;
}

/* ------------------------------------------------------------------ tests */

static void json__parses_with_the_expected_structure(void **state)
{
    (void)state;
    fa_result *res = fixture_result();
    char *json = json_of(res);
    cJSON *root = cJSON_Parse(json);
    assert_non_null(root);
    assert_string_equal(cJSON_GetStringValue(get(root, "fairaudit_version")), FA_VERSION);
    assert_string_equal(cJSON_GetStringValue(get(get(root, "input"), "path")), "fixture.csv");
    assert_int_equal(cJSON_GetArraySize(get(root, "groups")), 3);
    /* groups sorted by value, each with its attribute */
    const char *values[] = {"A", "B", "C"};
    for (int g = 0; g < 3; g++) {
        const cJSON *e = cJSON_GetArrayItem(get(root, "groups"), g);
        assert_string_equal(cJSON_GetStringValue(get(e, "attribute")), "grp");
        assert_string_equal(cJSON_GetStringValue(get(e, "value")), values[g]);
    }
    assert_string_equal(cJSON_GetStringValue(get(root, "verdict")), "failed");
    assert_true(cJSON_IsFalse(get(root, "passed")));
    assert_int_equal((int)get(root, "exit_status")->valuedouble, fa_result_exit_status(res));
    assert_int_equal(cJSON_GetArraySize(get(root, "gates")), (int)fa_result_n_gates(res));
    size_t n = strlen(json);
    assert_true(n > 0 && json[n - 1] == '\n'); /* one trailing newline */
    cJSON_Delete(root);
    free(json);
    fa_result_free(res);
}

static void json__one_third_round_trips(void **state)
{
    (void)state;
    fa_result *res = fixture_result();
    char *json = json_of(res);
    cJSON *root = cJSON_Parse(json);
    const cJSON *a = cJSON_GetArrayItem(get(root, "groups"), 0); /* A */
    const cJSON *tpr = get(get(a, "metrics"), "true_positive_rate");
    assert_true(cJSON_IsNumber(tpr));
    const double want = 1.0 / 3.0; /* tp / (tp + fn) = 1 / (1 + 2) */
    assert_memory_equal(&tpr->valuedouble, &want, sizeof want);
    cJSON_Delete(root);
    free(json);
    fa_result_free(res);
}

static void json__undefined_metrics_are_null_with_the_reason(void **state)
{
    (void)state;
    fa_result *res = fixture_result();
    char *json = json_of(res);
    cJSON *root = cJSON_Parse(json);
    const cJSON *c = cJSON_GetArrayItem(get(root, "groups"), 2); /* C: no actual positives */
    assert_string_equal(cJSON_GetStringValue(get(c, "value")), "C");
    assert_true(cJSON_IsNull(get(get(c, "metrics"), "true_positive_rate")));
    assert_true(cJSON_IsNull(get(get(c, "metrics"), "false_negative_rate")));
    assert_string_equal(cJSON_GetStringValue(get(get(c, "undefined"), "true_positive_rate")),
                        "no actual positives");
    assert_string_equal(cJSON_GetStringValue(get(get(c, "undefined"), "balanced_accuracy")),
                        "no actual positives");
    /* defined metrics have no reason */
    assert_null(get(get(c, "undefined"), "selection_rate"));
    /* A (FP 0) has one undefined metric only, treatment_equality = fn / fp */
    const cJSON *a = cJSON_GetArrayItem(get(root, "groups"), 0);
    assert_true(cJSON_IsNumber(get(get(a, "metrics"), "false_positive_rate"))); /* 0 / 3 */
    assert_true(cJSON_IsNull(get(get(a, "metrics"), "treatment_equality")));
    assert_int_equal(cJSON_GetArraySize(get(a, "undefined")), 1);
    assert_string_equal(cJSON_GetStringValue(get(get(a, "undefined"), "treatment_equality")),
                        "no false positives");
    cJSON_Delete(root);
    free(json);
    fa_result_free(res);
}

static void json__without_score_column_has_no_mean_score(void **state)
{
    (void)state;
    fa_tally *t = fixture_tally(0, 1.0);
    fa_result *res = compute(t, NULL, NULL);
    char *json = json_of(res);
    cJSON *root = cJSON_Parse(json);
    const cJSON *a = cJSON_GetArrayItem(get(root, "groups"), 0);
    assert_null(get(get(a, "metrics"), "mean_score"));
    assert_null(get(get(a, "undefined"), "mean_score"));
    assert_true(cJSON_IsNull(get(get(root, "columns"), "score")));
    cJSON_Delete(root);
    free(json);
    fa_result_free(res);
    fa_tally_free(t);
}

static void json__without_score_column_mean_score_accessor_is_undefined(void **state)
{
    (void)state;
    /* the tally carries scores, but the audit names no score column: rates.c defines
     * mean_score as undefined without a score column, and the accessor says why */
    fa_tally *t = fixture_tally(0, 1.0);
    fa_result *res = compute(t, NULL, NULL);
    const char *why = NULL;
    double g = fa_result_group_metric(res, 0, 0, FA_METRIC_MEAN_SCORE, &why);
    const char *why_all = NULL;
    double all = fa_result_overall_metric(res, FA_METRIC_MEAN_SCORE, &why_all);
    fa_result_free(res);
    fa_tally_free(t);
    assert_string_equal(why, "no score column");
    assert_string_equal(why_all, "no score column");
    if (!isnan(g) || !isnan(all)) {
        fail_msg("mean_score = %.17g (group), %.17g (overall) with reason \"no score column\"", g,
                 all);
    }
}

static void json__every_number_equals_the_accessor_bit_for_bit(void **state)
{
    (void)state;
    fa_result *res = fixture_result();
    char *json = json_of(res);
    size_t n_bad = count_mismatches(json, res);
    free(json);
    fa_result_free(res);
    assert_int_equal(n_bad, 0);
}

static void json__fractional_weight_counts_round_trip(void **state)
{
    (void)state;
    /* weight 0.1: A's tp is 0.1, its tn 0.1 + 0.1 + 0.1 = 0.30000000000000004 */
    fa_tally *t = fixture_tally(0, 0.1);
    fa_result *res = compute(t, "score", POLICY);
    char *json = json_of(res);
    size_t n_bad = count_mismatches(json, res);
    free(json);
    fa_result_free(res);
    fa_tally_free(t);
    assert_int_equal(n_bad, 0);
}

static void json__same_input_gives_the_same_bytes(void **state)
{
    (void)state;
    fa_result *r1 = fixture_result();
    fa_result *r2 = fixture_result();
    fa_tally *t = fixture_tally(1, 1.0); /* the same rows in another order */
    fa_result *r3 = compute(t, "score", POLICY);
    char *j1 = json_of(r1), *j2 = json_of(r2), *j3 = json_of(r3), *j1b = json_of(r1);
    assert_string_equal(j1, j1b);
    assert_string_equal(j1, j2);
    assert_string_equal(j1, j3);
    free(j1);
    free(j1b);
    free(j2);
    free(j3);
    fa_result_free(r1);
    fa_result_free(r2);
    fa_result_free(r3);
    fa_tally_free(t);
}

/* ----------------------------------------------------------- atomic write */

/* Names in dir, sorted and joined by ',' ("" when empty). */
static void list_dir(char *buf, size_t size, const char *dir)
{
    char names[16][256];
    size_t n = 0;
    DIR *d = opendir(dir);
    assert_non_null(d);
    struct dirent *e;
    while ((e = readdir(d)) != NULL) {
        if (strcmp(e->d_name, ".") != 0 && strcmp(e->d_name, "..") != 0 && n < 16) {
            snprintf(names[n++], sizeof names[0], "%s", e->d_name);
        }
    }
    closedir(d);
    qsort(names, n, sizeof names[0], (int (*)(const void *, const void *))strcmp);
    buf[0] = '\0';
    for (size_t i = 0; i < n; i++) {
        strncat(buf, i ? "," : "", size - strlen(buf) - 1);
        strncat(buf, names[i], size - strlen(buf) - 1);
    }
}

static char *read_all(const char *path)
{
    FILE *f = fopen(path, "rb");
    assert_non_null(f);
    static char buf[1 << 20];
    size_t n = fread(buf, 1, sizeof buf - 1, f);
    fclose(f);
    buf[n] = '\0';
    return buf;
}

static void remove_tree(const char *dir)
{
    char cmd[600];
    snprintf(cmd, sizeof cmd, "rm -rf '%s'", dir);
    assert_int_equal(system(cmd), 0);
}

static void json__write_replaces_the_target_and_leaves_no_temporary(void **state)
{
    (void)state;
    char dir[] = "/tmp/fa_test_json_XXXXXX";
    assert_non_null(mkdtemp(dir));
    char path[300], names[1024];
    snprintf(path, sizeof path, "%s/out.json", dir);
    FILE *f = fopen(path, "w");
    assert_non_null(f);
    fputs("old contents", f);
    fclose(f);

    fa_result *res = fixture_result();
    fa_error err;
    fa_error_clear(&err);
    assert_int_equal(fa_result_write_json(res, path, &err), FA_OK);
    char *json = json_of(res);
    assert_string_equal(read_all(path), json);
    list_dir(names, sizeof names, dir);
    assert_string_equal(names, "out.json");
    free(json);
    fa_result_free(res);
    remove_tree(dir);
}

static void json__write_into_a_missing_directory_fails_and_leaves_nothing(void **state)
{
    (void)state;
    char dir[] = "/tmp/fa_test_json_XXXXXX";
    assert_non_null(mkdtemp(dir));
    char path[300], names[1024];
    snprintf(path, sizeof path, "%s/missing/out.json", dir);
    fa_result *res = fixture_result();
    fa_error err;
    fa_error_clear(&err);
    assert_int_equal(fa_result_write_json(res, path, &err), FA_EIO);
    assert_int_equal(err.status, FA_EIO);
    assert_string_equal(err.path, path);
    assert_string_equal(err.message, "cannot create output file: No such file or directory");
    list_dir(names, sizeof names, dir);
    assert_string_equal(names, "");
    fa_result_free(res);
    remove_tree(dir);
}

static void json__write_over_a_directory_fails_and_removes_the_temporary(void **state)
{
    (void)state;
    char dir[] = "/tmp/fa_test_json_XXXXXX";
    assert_non_null(mkdtemp(dir));
    char path[300], names[1024];
    snprintf(path, sizeof path, "%s/out.json", dir);
    assert_int_equal(mkdir(path, 0755), 0); /* the target is a directory: rename fails */
    fa_result *res = fixture_result();
    fa_error err;
    fa_error_clear(&err);
    assert_int_equal(fa_result_write_json(res, path, &err), FA_EIO);
    assert_string_equal(err.path, path);
    assert_string_equal(err.message, "cannot write output file: Is a directory");
    list_dir(names, sizeof names, dir);
    assert_string_equal(names, "out.json");
    list_dir(names, sizeof names, path);
    assert_string_equal(names, "");
    fa_result_free(res);
    remove_tree(dir);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(json__parses_with_the_expected_structure),
        cmocka_unit_test(json__one_third_round_trips),
        cmocka_unit_test(json__undefined_metrics_are_null_with_the_reason),
        cmocka_unit_test(json__without_score_column_has_no_mean_score),
        cmocka_unit_test(json__without_score_column_mean_score_accessor_is_undefined),
        cmocka_unit_test(json__every_number_equals_the_accessor_bit_for_bit),
        cmocka_unit_test(json__fractional_weight_counts_round_trip),
        cmocka_unit_test(json__same_input_gives_the_same_bytes),
        cmocka_unit_test(json__write_replaces_the_target_and_leaves_no_temporary),
        cmocka_unit_test(json__write_into_a_missing_directory_fails_and_leaves_nothing),
        cmocka_unit_test(json__write_over_a_directory_fails_and_removes_the_temporary),
    };
    return cmocka_run_group_tests_name("json", tests, NULL, NULL);
}
