/*
 * tests/unit/test_attribution.c - attributions inside an audit result: the runs added with
 * fa_result_add_permutation carry exactly the numbers fa_permutation_importance gives, those
 * of fa_result_add_shapley exactly those of fa_shap_linear and fa_decompose_create against the
 * audit's reference group, and the JSON holds them under "attributions".
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h>

#include <cjson/cJSON.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "explain/decompose.h"
#include "explain/shapley.h"
#include "include/fairaudit.h"

#define N 400

/* rows: x0, x1 (the model uses them), x2 (its coefficient is 0.75 but x2 is constant 0) */
static void data(double x[], double y[], int32_t g[])
{
    uint64_t s = 7;
    for (size_t i = 0; i < N; i++) {
        s = s * 6364136223846793005u + 1442695040888963407u;
        x[3 * i] = (double)((s >> 33) % 100) / 25.0;
        x[3 * i + 1] = -3.0 + (double)((s >> 20) % 100) / 100.0;
        x[3 * i + 2] = 0.0;
        y[i] = (double)((s >> 45) & 1);
        g[i] = (int32_t)((s >> 50) % 2);
    }
}

static fa_result *empty_audit(void)
{
    fa_tally *t;
    fa_error err;
    const char *attrs[] = {"grp"};
    assert_int_equal(fa_tally_create(&t, attrs, 1, 0, &err), FA_OK);
    const char *v[] = {"a"};
    size_t len[] = {1};
    assert_int_equal(fa_tally_add(t, v, len, 1, 1, 1.0, NAN, &err), FA_OK);
    fa_audit_options o = FA_AUDIT_OPTIONS_INIT;
    o.label = "y";
    o.pred = "p";
    o.groups = attrs;
    o.n_groups = 1;
    fa_result *res;
    assert_int_equal(fa_result_compute(&res, t, &o, NULL, NULL, &err), FA_OK);
    fa_tally_free(t);
    return res;
}

static void attribution__runs_in_the_result_equal_the_direct_computation(void **state)
{
    (void)state;
    fa_model *m;
    fa_error err;
    assert_int_equal(fa_model_load(&m, "tests/data/models/tiny_linear.json", &err), FA_OK);
    static double x[3 * N], y[N];
    static int32_t g[N];
    data(x, y, g);
    fa_permutation_options po = FA_PERMUTATION_OPTIONS_INIT;
    po.repeats = 3;
    po.seed = 11;
    po.threads = 1;
    fa_permutation_result *direct;
    assert_int_equal(fa_permutation_importance(&direct, m, x, N, y, NULL, &po, &err), FA_OK);
    fa_result *res = empty_audit();
    assert_int_equal(
        fa_result_add_permutation(res, m, x, N, y, NULL, NULL, &po, "model.json", "x.csv", &err),
        FA_OK);
    po.scoring = "demographic_parity_difference";
    po.min_group_size = 1;
    assert_int_equal(fa_result_add_permutation(res, m, x, N, y, g, "grp", &po, NULL, NULL, &err),
                     FA_OK);
    assert_int_equal(fa_result_n_attributions(res), 2);
    char *json;
    assert_int_equal(fa_result_to_json_string(&json, res, &err), FA_OK);
    cJSON *root = cJSON_Parse(json);
    assert_non_null(root);
    cJSON *a = cJSON_GetObjectItem(root, "attributions");
    assert_string_equal(cJSON_GetObjectItem(a, "model")->valuestring, "model.json");
    cJSON *runs = cJSON_GetObjectItem(a, "runs");
    assert_int_equal(cJSON_GetArraySize(runs), 2);
    cJSON *r0 = cJSON_GetArrayItem(runs, 0);
    assert_string_equal(cJSON_GetObjectItem(r0, "scoring")->valuestring, "accuracy");
    assert_true(cJSON_GetObjectItem(r0, "baseline")->valuedouble ==
                fa_permutation_result_baseline(direct));
    cJSON *imp = cJSON_GetObjectItem(r0, "importances");
    assert_int_equal(cJSON_GetArraySize(imp), 3);
    for (int k = 0; k < 3; k++) {
        cJSON *f = cJSON_GetArrayItem(imp, k);
        assert_string_equal(cJSON_GetObjectItem(f, "feature")->valuestring,
                            fa_permutation_result_name(direct, (size_t)k));
        /* bit for bit: the JSON prints the shortest text that reads back exactly */
        assert_true(cJSON_GetObjectItem(f, "mean")->valuedouble ==
                    fa_permutation_result_mean(direct, (size_t)k));
    }
    /* x2 is constant: shuffling it changes nothing */
    assert_true(cJSON_GetObjectItem(cJSON_GetArrayItem(imp, 2), "mean")->valuedouble == 0.0);
    cJSON *r1 = cJSON_GetArrayItem(runs, 1);
    assert_string_equal(cJSON_GetObjectItem(r1, "attribute")->valuestring, "grp");
    cJSON_Delete(root);
    free(json);
    fa_result_free(res);
    fa_permutation_result_free(direct);
    fa_model_free(m);
}

/* An audit of attribute "grp" with groups "a" (3 rows) and "b" (1 row), reference "b". */
static fa_result *audit_with_reference_b(void)
{
    fa_tally *t;
    fa_error err;
    const char *attrs[] = {"grp"};
    assert_int_equal(fa_tally_create(&t, attrs, 1, 0, &err), FA_OK);
    const char *va[] = {"a"}, *vb[] = {"b"};
    size_t len[] = {1};
    for (int i = 0; i < 4; i++) {
        assert_int_equal(fa_tally_add(t, i < 3 ? va : vb, len, i % 2, 1, 1.0, NAN, &err), FA_OK);
    }
    fa_audit_options o = FA_AUDIT_OPTIONS_INIT;
    o.label = "y";
    o.pred = "p";
    o.groups = attrs;
    o.n_groups = 1;
    const char *ra[] = {"grp"}, *rv[] = {"b"};
    o.ref_attrs = ra;
    o.ref_values = rv;
    o.n_refs = 1;
    o.confidence_level = 0.9;
    fa_result *res;
    assert_int_equal(fa_result_compute(&res, t, &o, NULL, NULL, &err), FA_OK);
    fa_tally_free(t);
    return res;
}

static double item(const cJSON *a, int i)
{
    return cJSON_GetArrayItem(a, i)->valuedouble;
}

static void attribution__shapley_runs_equal_the_direct_computation(void **state)
{
    (void)state;
    fa_model *m;
    fa_error err;
    assert_int_equal(fa_model_load(&m, "tests/data/models/tiny_linear.json", &err), FA_OK);
    static double x[3 * N], y[N], phi[4 * N];
    static int32_t g[N], code[N];
    data(x, y, g);
    /* codes into {"b", "a"}: the run sorts the groups, "(missing)" for code -1 */
    for (size_t i = 0; i < N; i++) {
        code[i] = i == 5 ? -1 : g[i] == 0 ? 1 : 0;
    }
    const char *values[] = {"b", "a"};
    fa_attribute_rows ar = {"grp", code, values, 2};
    fa_result_shapley_options so = FA_RESULT_SHAPLEY_OPTIONS_INIT;
    so.method = "linear";
    so.bootstrap = 200;
    so.seed = 9;
    so.sample_rows = 50;
    fa_result *res = audit_with_reference_b();
    assert_int_equal(
        fa_result_add_shapley(res, m, x, N, NULL, &ar, 1, &so, "m.json", "x.csv", &err), FA_OK);
    /* the same numbers directly: values, then the decomposition against "b" at 90% */
    fa_shap_options o = FA_SHAP_OPTIONS_INIT;
    assert_int_equal(fa_shap_linear(phi, m, x, N, NULL, 0, &o, &err), FA_OK);
    static double f[N];
    assert_int_equal(fa_model_predict(m, f, x, N, FA_OUTPUT_MARGIN, &err), FA_OK);
    static int32_t sorted[N]; /* "(missing)" < "a" < "b" */
    for (size_t i = 0; i < N; i++) {
        sorted[i] = code[i] < 0 ? 0 : code[i] == 1 ? 1 : 2;
    }
    fa_decompose_options dopt = FA_DECOMPOSE_OPTIONS_INIT;
    dopt.bootstrap = 200;
    dopt.seed = 9;
    dopt.confidence_level = 0.9;
    fa_decompose *d;
    assert_int_equal(fa_decompose_create(&d, phi, f, N, 3, sorted, 3, 2, &dopt, &err), FA_OK);
    char *json;
    assert_int_equal(fa_result_to_json_string(&json, res, &err), FA_OK);
    cJSON *root = cJSON_Parse(json);
    cJSON *r = cJSON_GetArrayItem(
        cJSON_GetObjectItem(cJSON_GetObjectItem(root, "attributions"), "runs"), 0);
    assert_string_equal(cJSON_GetObjectItem(r, "method")->valuestring, "linear");
    assert_string_equal(cJSON_GetObjectItem(r, "output")->valuestring, "margin");
    assert_null(cJSON_GetObjectItem(r, "scoring"));
    assert_true(cJSON_GetObjectItem(r, "base_value")->valuedouble == phi[3]);
    /* mean |phi| of x2 (constant 0 = its scaler mean) is 0; of x0 by hand from phi */
    cJSON *imp = cJSON_GetObjectItem(r, "importances");
    double mabs = 0.0;
    for (size_t i = 0; i < N; i++) {
        mabs += fabs(phi[4 * i]);
    }
    assert_true(fabs(cJSON_GetObjectItem(cJSON_GetArrayItem(imp, 0), "mean")->valuedouble -
                     mabs / N) <= 1e-15 * mabs);
    assert_true(cJSON_GetObjectItem(cJSON_GetArrayItem(imp, 2), "mean")->valuedouble == 0.0);
    assert_string_equal(cJSON_GetObjectItem(r, "reference")->valuestring, "b");
    assert_int_equal(cJSON_GetObjectItem(r, "bootstrap")->valueint, 200);
    cJSON *groups = cJSON_GetObjectItem(r, "groups");
    assert_int_equal(cJSON_GetArraySize(groups), 3);
    const char *names[] = {"(missing)", "a", "b"};
    for (int k = 0; k < 3; k++) {
        cJSON *e = cJSON_GetArrayItem(groups, k);
        assert_string_equal(cJSON_GetObjectItem(e, "group")->valuestring, names[k]);
        assert_true(cJSON_GetObjectItem(e, "rows")->valuedouble == (double)d->rows[k]);
        assert_true(cJSON_GetObjectItem(e, "mean_output")->valuedouble == d->output[k]);
        cJSON *gap = cJSON_GetObjectItem(e, "gap"), *ci = cJSON_GetObjectItem(e, "gap_ci");
        for (int j = 0; j < 3; j++) {
            assert_true(item(cJSON_GetObjectItem(e, "mean_phi"), j) == d->phi[k * 3 + j]);
            assert_true(item(gap, j) == d->gap[k * 3 + j]);
            assert_true(item(cJSON_GetArrayItem(ci, j), 0) == d->gap_lo[k * 3 + j]);
            assert_true(item(cJSON_GetArrayItem(ci, j), 1) == d->gap_hi[k * 3 + j]);
        }
    }
    assert_int_equal(d->rows[0], 1);
    cJSON *sample = cJSON_GetObjectItem(r, "sample");
    assert_int_equal(cJSON_GetObjectItem(sample, "rows")->valueint, 50);
    assert_int_equal(cJSON_GetArraySize(cJSON_GetObjectItem(sample, "phi")), 50);
    cJSON_Delete(root);
    free(json);
    fa_decompose_free(d);
    /* no attribute: one run without groups; bad method: FA_EINVAL */
    so.method = "kernelish";
    assert_int_equal(fa_result_add_shapley(res, m, x, N, NULL, NULL, 0, &so, NULL, NULL, &err),
                     FA_EINVAL);
    assert_non_null(strstr(err.message, "unknown Shapley method 'kernelish'"));
    so.method = "tree";
    assert_int_equal(fa_result_add_shapley(res, m, x, N, NULL, NULL, 0, &so, NULL, NULL, &err),
                     FA_EINVAL);
    so.method = "linear";
    so.sample_rows = 0;
    size_t before = fa_result_n_attributions(res);
    /* a bad second attribute: FA_EINVAL, and the first attribute's run is not kept either */
    static int32_t bad[N];
    bad[7] = 2; /* 2 values only */
    fa_attribute_rows two[2] = {{"grp", code, values, 2}, {"other", bad, values, 2}};
    assert_int_equal(fa_result_add_shapley(res, m, x, N, NULL, two, 2, &so, NULL, NULL, &err),
                     FA_EINVAL);
    assert_non_null(strstr(err.message, "attribute 'other': row 7 has code 2"));
    assert_int_equal(fa_result_n_attributions(res), before);
    assert_int_equal(fa_result_add_shapley(res, m, x, N, NULL, NULL, 0, &so, NULL, NULL, &err),
                     FA_OK);
    assert_int_equal(fa_result_n_attributions(res), before + 1);
    assert_int_equal(fa_result_to_json_string(&json, res, &err), FA_OK);
    root = cJSON_Parse(json);
    cJSON *runs = cJSON_GetObjectItem(cJSON_GetObjectItem(root, "attributions"), "runs");
    r = cJSON_GetArrayItem(runs, cJSON_GetArraySize(runs) - 1);
    assert_null(cJSON_GetObjectItem(r, "attribute"));
    assert_null(cJSON_GetObjectItem(r, "groups"));
    assert_null(cJSON_GetObjectItem(r, "reference"));
    assert_null(cJSON_GetObjectItem(r, "sample"));
    cJSON_Delete(root);
    free(json);
    fa_result_free(res);
    fa_model_free(m);
}

/* The same call with one and with two threads gives the same JSON bytes. */
static void attribution__shapley_json_independent_of_threads(void **state)
{
    (void)state;
    fa_model *m;
    fa_error err;
    assert_int_equal(fa_model_load(&m, "tests/data/models/tiny_linear.json", &err), FA_OK);
    static double x[3 * N], y[N];
    static int32_t g[N];
    data(x, y, g);
    const char *values[] = {"a", "b"};
    fa_attribute_rows ar = {"grp", g, values, 2};
    char *json[2];
    for (int t = 0; t < 2; t++) {
        fa_result_shapley_options so = FA_RESULT_SHAPLEY_OPTIONS_INIT;
        so.method = "linear";
        so.bootstrap = 300;
        so.seed = 4;
        so.threads = t + 1;
        so.sample_rows = 100;
        fa_result *res = audit_with_reference_b();
        assert_int_equal(fa_result_add_shapley(res, m, x, N, NULL, &ar, 1, &so, NULL, NULL, &err),
                         FA_OK);
        assert_int_equal(fa_result_to_json_string(&json[t], res, &err), FA_OK);
        fa_result_free(res);
    }
    assert_string_equal(json[0], json[1]);
    free(json[0]);
    free(json[1]);
    fa_model_free(m);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(attribution__runs_in_the_result_equal_the_direct_computation),
        cmocka_unit_test(attribution__shapley_runs_equal_the_direct_computation),
        cmocka_unit_test(attribution__shapley_json_independent_of_threads),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
