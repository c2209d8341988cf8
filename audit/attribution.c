/*
 * audit/attribution.c - attributions inside an audit: runs an explain/ estimator and copies
 * its numbers into the result as plain data, so reports/ renders them without knowing models
 * (DESIGN.md layers: the result lives below explain/).
 *
 * Shapley runs (fa_result_add_shapley): the values of every row once (explain/shapley.c), the
 * model's margins, then per sensitive attribute the disparity decomposition (explain/
 * decompose.c) over the attribute's groups sorted bytewise, against the audit's reference of
 * that attribute (else the largest group). Importances are mean |phi| and its standard
 * deviation (ddof 0) over rows. The beeswarm sample is min(sample_rows, n_rows) rows drawn
 * without replacement (kept in row order) by a generator seeded from the seed on a stream of
 * its own, and is kept once, in the first run of the call (it does not depend on groups).
 */
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include <gsl/gsl_randist.h>
#include <gsl/gsl_rng.h>

#include "common/alloc.h"
#include "common/error.h"
#include "explain/decompose.h"
#include "explain/shapley.h"
#include "include/fairaudit.h"
#include "metrics/bootstrap.h"
#include "reports/result.h"

/* The beeswarm sample's random stream ("SHAPSMP"), apart from the bootstrap's. */
#define SAMPLE_STREAM 0x53484150534d50u
#define MISSING_GROUP "(missing)"

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

/* ------------------------------------------------------------- Shapley runs */

/* What one call computes once and shares between its runs. */
typedef struct shap_common {
    size_t n, p;
    double *phi; /* n x (p + 1) */
    double *f;   /* n margins */
    double *mabs, *sabs;
    size_t n_sample;
    size_t *sample; /* row indices, ascending */
} shap_common;

static void common_dispose(shap_common *c)
{
    free(c->phi);
    free(c->f);
    free(c->mabs);
    free(c->sabs);
    free(c->sample);
}

static int estimate(shap_common *c, const fa_model *m, const double x[],
                    const fa_result_shapley_options *o, fa_error *err)
{
    fa_shap_options so = FA_SHAP_OPTIONS_INIT;
    so.threads = o->threads;
    so.seed = o->seed;
    so.nsamples = o->nsamples;
    const double *bg = o->background;
    const size_t n_bg = o->n_background;
    if (strcmp(o->method, "tree") == 0) {
        return bg ? fa_shap_tree_interventional(c->phi, m, x, c->n, bg, n_bg, &so, err)
                  : fa_shap_tree(c->phi, m, x, c->n, &so, err);
    }
    if (strcmp(o->method, "linear") == 0) {
        return fa_shap_linear(c->phi, m, x, c->n, bg, n_bg, &so, err);
    }
    if (strcmp(o->method, "exact") == 0) {
        return fa_shap_exact(c->phi, m, x, c->n, bg, n_bg, &so, err);
    }
    if (strcmp(o->method, "kernel") == 0) {
        return fa_shap_kernel(c->phi, NULL, m, x, c->n, bg, n_bg, &so, err);
    }
    if (strcmp(o->method, "sampling") == 0) {
        return fa_shap_sampling(c->phi, NULL, m, x, c->n, bg, n_bg, &so, err);
    }
    return fa_error_set(err, FA_EINVAL, NULL, 0, 0,
                        "unknown Shapley method '%s' (expected tree, linear, exact, kernel or "
                        "sampling)",
                        o->method);
}

/* Mean |phi| and its std (ddof 0) per feature, two passes for accuracy. */
static void importances(shap_common *c)
{
    const size_t p = c->p;
    for (size_t k = 0; k < p; k++) {
        double s = 0.0;
        for (size_t i = 0; i < c->n; i++) {
            s += fabs(c->phi[i * (p + 1) + k]);
        }
        const double mean = s / (double)c->n;
        double ss = 0.0;
        for (size_t i = 0; i < c->n; i++) {
            const double d = fabs(c->phi[i * (p + 1) + k]) - mean;
            ss += d * d;
        }
        c->mabs[k] = mean;
        c->sabs[k] = sqrt(ss / (double)c->n);
    }
}

static int sample_rows(shap_common *c, size_t want, uint64_t seed)
{
    c->n_sample = want < c->n ? want : c->n;
    if (c->n_sample == 0) {
        return FA_OK;
    }
    c->sample = fa_alloc_array(c->n_sample, sizeof *c->sample);
    size_t *all = c->n_sample < c->n ? fa_alloc_array(c->n, sizeof *all) : NULL;
    if (c->sample == NULL || (c->n_sample < c->n && all == NULL)) {
        free(all);
        return FA_ENOMEM;
    }
    if (all == NULL) {
        for (size_t i = 0; i < c->n; i++) {
            c->sample[i] = i;
        }
        return FA_OK;
    }
    for (size_t i = 0; i < c->n; i++) {
        all[i] = i;
    }
    gsl_rng *r = gsl_rng_alloc(gsl_rng_mt19937);
    if (r == NULL) {
        free(all);
        return FA_ENOMEM;
    }
    gsl_rng_set(r, fa_bootstrap_block_seed(seed, SAMPLE_STREAM, 0));
    gsl_ran_choose(r, c->sample, c->n_sample, all, c->n, sizeof *all); /* keeps row order */
    gsl_rng_free(r);
    free(all);
    return FA_OK;
}

static int shap_common_init(shap_common *c, const fa_model *m, const double x[], size_t n_rows,
                            const fa_result_shapley_options *o, fa_error *err)
{
    memset(c, 0, sizeof *c);
    c->n = n_rows;
    c->p = fa_model_n_features(m);
    if (n_rows == 0 || c->p == 0) {
        return fa_error_set(err, FA_EINVAL, NULL, 0, 0, "Shapley values: %s",
                            n_rows == 0 ? "no rows to explain" : "the model has no features");
    }
    if (c->p + 1 > SIZE_MAX / n_rows) {
        return fa_error_set(err, FA_ENOMEM, NULL, 0, 0, "out of memory");
    }
    c->phi = fa_alloc_array(n_rows * (c->p + 1), sizeof *c->phi);
    c->f = fa_alloc_array(n_rows, sizeof *c->f);
    c->mabs = fa_alloc_array(c->p, sizeof *c->mabs);
    c->sabs = fa_alloc_array(c->p, sizeof *c->sabs);
    if (!c->phi || !c->f || !c->mabs || !c->sabs) {
        return fa_error_set(err, FA_ENOMEM, NULL, 0, 0, "out of memory");
    }
    int st = estimate(c, m, x, o, err);
    if (st == FA_OK) {
        st = fa_model_predict(m, c->f, x, n_rows, FA_OUTPUT_MARGIN, err);
    }
    if (st != FA_OK) {
        return st;
    }
    importances(c);
    if (sample_rows(c, o->sample_rows, o->seed) != FA_OK) {
        return fa_error_set(err, FA_ENOMEM, NULL, 0, 0, "out of memory");
    }
    return FA_OK;
}

/* The run's method, importances and (first run only) the sample. */
static int fill_common(fa_attribution *a, const shap_common *c, const fa_model *m, const double x[],
                       const char *const names[], const char *method, int with_sample)
{
    const size_t p = c->p;
    a->n = p;
    a->rows = c->n;
    a->baseline = NAN;
    a->base_value = c->phi[p];
    a->reference = -1;
    a->names = fa_calloc_array(p, sizeof *a->names);
    a->mean = fa_alloc_array(p, sizeof *a->mean);
    a->std = fa_alloc_array(p, sizeof *a->std);
    if (!a->names || !a->mean || !a->std || set(&a->method, method) || set(&a->output, "margin")) {
        return -1;
    }
    for (size_t k = 0; k < p; k++) {
        if (set(&a->names[k], names ? names[k] : fa_model_feature_name(m, k))) {
            return -1;
        }
    }
    memcpy(a->mean, c->mabs, p * sizeof *a->mean);
    memcpy(a->std, c->sabs, p * sizeof *a->std);
    if (!with_sample || c->n_sample == 0) {
        return 0;
    }
    a->sample_phi = fa_alloc_array(c->n_sample * p, sizeof *a->sample_phi);
    a->sample_x = fa_alloc_array(c->n_sample * p, sizeof *a->sample_x);
    if (!a->sample_phi || !a->sample_x) {
        return -1;
    }
    a->sample_rows = c->n_sample;
    for (size_t s = 0; s < c->n_sample; s++) {
        const size_t i = c->sample[s];
        memcpy(a->sample_phi + s * p, c->phi + i * (p + 1), p * sizeof *a->sample_phi);
        memcpy(a->sample_x + s * p, x + i * p, p * sizeof *a->sample_x);
    }
    return 0;
}

typedef struct sort_ctx {
    const char *name;
    size_t code; /* index into the attribute's values; n_values for "(missing)" */
} sort_ctx;

static int by_name(const void *a, const void *b)
{
    return strcmp(((const sort_ctx *)a)->name, ((const sort_ctx *)b)->name);
}

/* The audit's reference group value of attribute `name`, or NULL. */
static const char *audit_reference(const fa_result *res, const char *name)
{
    for (size_t i = 0; name && i < res->n_attrs; i++) {
        const fa_attr_result *at = &res->attrs[i];
        if (strcmp(at->name, name) == 0 && at->reference >= 0) {
            return at->groups[at->reference].value;
        }
    }
    return NULL;
}

/*
 * Groups of one attribute: the values that occur (and "(missing)"), sorted bytewise, their
 * names copied into a->group_names, and each row's index into them in g[0..n).
 */
static int group_rows(fa_attribution *a, int32_t g[], const fa_attribute_rows *ar, size_t n,
                      fa_error *err)
{
    const size_t nv = ar->n_values;
    uint64_t *count = fa_calloc_array(nv + 1, sizeof *count);
    size_t *rank = fa_alloc_array(nv + 1, sizeof *rank);
    sort_ctx *used = fa_alloc_array(nv + 1, sizeof *used);
    int st = count && rank && used ? FA_OK : FA_ENOMEM;
    for (size_t i = 0; st == FA_OK && i < n; i++) {
        if (ar->codes[i] >= 0 && (size_t)ar->codes[i] >= nv) {
            st = fa_error_set(err, FA_EINVAL, NULL, 0, 0,
                              "attribute '%s': row %zu has code %ld, but there are %zu values",
                              ar->attribute, i, (long)ar->codes[i], nv);
        } else {
            count[ar->codes[i] < 0 ? nv : (size_t)ar->codes[i]]++;
        }
    }
    size_t ng = 0;
    for (size_t v = 0; st == FA_OK && v <= nv; v++) {
        if (count[v] > 0) {
            used[ng].name = v < nv ? ar->values[v] : MISSING_GROUP;
            used[ng++].code = v;
        }
    }
    if (st == FA_OK) {
        qsort(used, ng, sizeof *used, by_name);
        a->n_groups = ng;
        a->group_names = fa_calloc_array(ng ? ng : 1, sizeof *a->group_names);
        a->group_rows = fa_alloc_array(ng ? ng : 1, sizeof *a->group_rows);
        st = a->group_names && a->group_rows ? FA_OK : FA_ENOMEM;
    }
    for (size_t k = 0; st == FA_OK && k < ng; k++) {
        rank[used[k].code] = k;
        a->group_rows[k] = count[used[k].code];
        st = set(&a->group_names[k], used[k].name) ? FA_ENOMEM : FA_OK;
    }
    for (size_t i = 0; st == FA_OK && i < n; i++) {
        g[i] = (int32_t)rank[ar->codes[i] < 0 ? nv : (size_t)ar->codes[i]];
    }
    free(count);
    free(rank);
    free(used);
    return st == FA_ENOMEM ? fa_error_set(err, FA_ENOMEM, NULL, 0, 0, "out of memory") : st;
}

/* The reference: the audit's group of the same name, else the largest (first on ties). */
static long pick_reference(const fa_attribution *a, const char *audit_ref)
{
    long best = -1;
    for (size_t k = 0; k < a->n_groups; k++) {
        if (audit_ref && strcmp(a->group_names[k], audit_ref) == 0) {
            return (long)k;
        }
        if (best < 0 || a->group_rows[k] > a->group_rows[best]) {
            best = (long)k;
        }
    }
    return best;
}

static double *copy_doubles(const double *v, size_t n)
{
    double *out = fa_alloc_array(n ? n : 1, sizeof *out);
    if (out && n) {
        memcpy(out, v, n * sizeof *out);
    }
    return out;
}

/* The decomposition of one attribute into a (groups, means, gaps, intervals). */
static int decompose(fa_attribution *a, const fa_result *res, const shap_common *c,
                     const fa_attribute_rows *ar, const fa_result_shapley_options *o, fa_error *err)
{
    int32_t *g = fa_alloc_array(c->n, sizeof *g);
    if (g == NULL || set(&a->attribute, ar->attribute)) {
        free(g);
        return fa_error_set(err, FA_ENOMEM, NULL, 0, 0, "out of memory");
    }
    int st = group_rows(a, g, ar, c->n, err);
    fa_decompose *d = NULL;
    if (st == FA_OK) {
        a->reference = pick_reference(a, audit_reference(res, ar->attribute));
        fa_decompose_options dopt = FA_DECOMPOSE_OPTIONS_INIT;
        dopt.bootstrap = o->bootstrap;
        dopt.confidence_level = o->confidence_level > 0.0     ? o->confidence_level
                                : res->confidence_level > 0.0 ? res->confidence_level
                                                              : FA_DEFAULT_CONFIDENCE;
        dopt.seed = o->seed;
        dopt.threads = o->threads;
        st = fa_decompose_create(&d, c->phi, c->f, c->n, c->p, g, a->n_groups, a->reference, &dopt,
                                 err);
    }
    free(g);
    if (st != FA_OK) {
        return st;
    }
    const size_t cells = a->n_groups * c->p;
    a->group_output = copy_doubles(d->output, a->n_groups);
    a->group_phi = copy_doubles(d->phi, cells);
    a->gap = copy_doubles(d->gap, cells);
    a->bootstrap = d->bootstrap;
    int ok = a->group_output && a->group_phi && a->gap;
    if (ok && d->bootstrap > 0) {
        a->gap_lo = copy_doubles(d->gap_lo, cells);
        a->gap_hi = copy_doubles(d->gap_hi, cells);
        ok = a->gap_lo && a->gap_hi;
    }
    fa_decompose_free(d);
    return ok ? FA_OK : fa_error_set(err, FA_ENOMEM, NULL, 0, 0, "out of memory");
}

int fa_result_add_shapley(fa_result *res, const fa_model *m, const double x[], size_t n_rows,
                          const char *const names[], const fa_attribute_rows attrs[],
                          size_t n_attrs, const fa_result_shapley_options *opts,
                          const char *model_path, const char *features_path, fa_error *err)
{
    fa_result_shapley_options o = FA_RESULT_SHAPLEY_OPTIONS_INIT;
    if (opts) {
        o = *opts;
    }
    if (o.method == NULL) {
        o.method = "tree";
    }
    shap_common c;
    int st = shap_common_init(&c, m, x, n_rows, &o, err);
    const size_t runs = n_attrs ? n_attrs : 1;
    void *p = st == FA_OK ? fa_realloc_array(res->attributions, res->n_attributions + runs,
                                             sizeof *res->attributions)
                          : NULL;
    if (st == FA_OK && p == NULL) {
        st = fa_error_set(err, FA_ENOMEM, NULL, 0, 0, "out of memory");
    }
    if (p) {
        res->attributions = p;
    }
    const size_t first = res->n_attributions;
    for (size_t r = 0; st == FA_OK && r < runs; r++) {
        fa_attribution *a = &res->attributions[res->n_attributions++];
        memset(a, 0, sizeof *a);
        if (fill_common(a, &c, m, x, names, o.method, r == 0)) {
            st = fa_error_set(err, FA_ENOMEM, NULL, 0, 0, "out of memory");
        } else if (n_attrs > 0) {
            st = decompose(a, res, &c, &attrs[r], &o, err);
        }
    }
    common_dispose(&c);
    while (st != FA_OK && res->n_attributions > first) { /* a failure adds no run */
        fa_result__attribution_dispose(&res->attributions[--res->n_attributions]);
    }
    int bad = 0;
    if (st == FA_OK && model_path && res->model_path == NULL) {
        bad = set(&res->model_path, model_path);
    }
    if (st == FA_OK && !bad && features_path && res->features_path == NULL) {
        bad = set(&res->features_path, features_path);
    }
    return bad ? fa_error_set(err, FA_ENOMEM, NULL, 0, 0, "out of memory") : st;
}
