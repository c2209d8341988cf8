/*
 * tests/unit/test_attribution.c - permutation importance inside an audit result: the runs
 * added with fa_result_add_permutation carry exactly the numbers fa_permutation_importance
 * gives, and the JSON holds them under "attributions".
 */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>

#include <cjson/cJSON.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>

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
    assert_int_equal(fa_result_add_permutation(res, m, x, N, y, NULL, NULL, &po, "model.json",
                                               "x.csv", &err),
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

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(attribution__runs_in_the_result_equal_the_direct_computation),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
