/*
 * audit/attribution.c - attributions inside an audit: runs an explain/ estimator and copies
 * its numbers into the result as plain data, so reports/ renders them without knowing models
 * (DESIGN.md layers: the result lives below explain/).
 */
#include <stdlib.h>
#include <string.h>

#include "common/alloc.h"
#include "common/error.h"
#include "include/fairaudit.h"
#include "reports/result.h"

static int set(char **dst, const char *s)
{
    *dst = s ? fa_strdup(s) : NULL;
    return s && *dst == NULL ? -1 : 0;
}

static int copy_run(fa_attribution *a, const fa_permutation_result *r, const char *attribute)
{
    a->n = fa_permutation_result_n(r);
    a->names = fa_calloc_array(a->n, sizeof *a->names);
    a->mean = fa_alloc_array(a->n, sizeof *a->mean);
    a->std = fa_alloc_array(a->n, sizeof *a->std);
    if (a->names == NULL || a->mean == NULL || a->std == NULL || set(&a->method, "permutation") ||
        set(&a->scoring, fa_permutation_result_scoring(r)) || set(&a->attribute, attribute)) {
        return -1;
    }
    a->baseline = fa_permutation_result_baseline(r);
    a->rows = fa_permutation_result_rows(r);
    a->repeats = fa_permutation_result_repeats(r);
    for (size_t k = 0; k < a->n; k++) {
        if (set(&a->names[k], fa_permutation_result_name(r, k))) {
            return -1;
        }
        a->mean[k] = fa_permutation_result_mean(r, k);
        a->std[k] = fa_permutation_result_std(r, k);
    }
    return 0;
}

int fa_result_add_permutation(fa_result *res, const fa_model *m, const double x[], size_t n_rows,
                              const double y[], const int32_t group[], const char *attribute,
                              const fa_permutation_options *opts, const char *model_path,
                              const char *features_path, fa_error *err)
{
    fa_permutation_result *r;
    int st = fa_permutation_importance(&r, m, x, n_rows, y, group, opts, err);
    if (st != FA_OK) {
        return st;
    }
    void *p =
        fa_realloc_array(res->attributions, res->n_attributions + 1, sizeof *res->attributions);
    if (p == NULL) {
        fa_permutation_result_free(r);
        return fa_error_set(err, FA_ENOMEM, NULL, 0, 0, "out of memory");
    }
    res->attributions = p;
    fa_attribution *a = &res->attributions[res->n_attributions++];
    memset(a, 0, sizeof *a);
    int bad = copy_run(a, r, attribute);
    fa_permutation_result_free(r);
    if (!bad && model_path && res->model_path == NULL) {
        bad = set(&res->model_path, model_path);
    }
    if (!bad && features_path && res->features_path == NULL) {
        bad = set(&res->features_path, features_path);
    }
    return bad ? fa_error_set(err, FA_ENOMEM, NULL, 0, 0, "out of memory") : FA_OK;
}

size_t fa_result_n_attributions(const fa_result *res)
{
    return res->n_attributions;
}
