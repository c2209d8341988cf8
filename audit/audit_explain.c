/*
 * audit/audit_explain.c - `fairaudit audit ... --model M --features-file X.csv`: permutation
 * importance, or Shapley values with their disparity decomposition (--explain tree|linear|
 * exact|kernel|sampling, one run per --group column), inside an audit. X.csv is row-aligned with
 * the prediction file; the labels and the sensitive columns come from the prediction file (loaded
 * as a table for this, since the audit itself streamed it), the features from X.csv, matched to the
 * model by name.
 */
#include <math.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "audit/audit_explain.h"
#include "audit/extmodel.h"
#include "common/alloc.h"
#include "common/error.h"
#include "common/intern.h"
#include "reports/result.h"

/* 0/1 labels of column j: numbers 0 and 1, or the --positive value against one other. */
static int labels(double **out, const fa_table *t, size_t j, const char *positive, const char *path,
                  fa_error *err)
{
    size_t n = fa_table_n_rows(t);
    double *y = fa_alloc_array(n, sizeof *y);
    if (y == NULL) {
        return fa_error_set(err, FA_ENOMEM, path, 0, 0, "out of memory");
    }
    const double *num = fa_table_numeric(t, j);
    const int32_t *codes = fa_table_codes(t, j);
    long pos = -1;
    if (codes && positive) {
        for (size_t c = 0; c < fa_table_n_categories(t, j); c++) {
            if (strcmp(fa_table_category(t, j, c), positive) == 0) {
                pos = (long)c;
            }
        }
    }
    for (size_t i = 0; i < n; i++) {
        if (num && (num[i] == 0.0 || num[i] == 1.0)) {
            y[i] = num[i];
        } else if (codes && positive && codes[i] >= 0) {
            y[i] = codes[i] == pos ? 1.0 : 0.0;
        } else {
            free(y);
            return fa_error_set(err, FA_EDOMAIN, path, (uint64_t)i + 2, 0,
                                "label column '%s': attributions need 0/1 labels (or "
                                "--positive) on every row",
                                fa_table_column_name(t, j));
        }
    }
    *out = y;
    return FA_OK;
}

/* Group codes of column j: categories as they are, numbers by their distinct values. */
static int codes_of(int32_t **out, const fa_table *t, size_t j, const char *path, fa_error *err)
{
    size_t n = fa_table_n_rows(t);
    int32_t *g = fa_alloc_array(n, sizeof *g);
    if (g == NULL) {
        return fa_error_set(err, FA_ENOMEM, path, 0, 0, "out of memory");
    }
    const int32_t *codes = fa_table_codes(t, j);
    if (codes) {
        memcpy(g, codes, n * sizeof *g);
    } else {
        const double *num = fa_table_numeric(t, j);
        double seen[256];
        size_t n_seen = 0;
        for (size_t i = 0; i < n; i++) {
            if (isnan(num[i])) {
                g[i] = -1;
                continue;
            }
            size_t k = 0;
            while (k < n_seen && seen[k] != num[i]) {
                k++;
            }
            if (k == n_seen) {
                if (n_seen == sizeof seen / sizeof seen[0]) {
                    free(g);
                    return fa_error_set(err, FA_EINVAL, path, 0, 0,
                                        "group column '%s' has more than 256 numeric values",
                                        fa_table_column_name(t, j));
                }
                seen[n_seen++] = num[i];
            }
            g[i] = (int32_t)k;
        }
    }
    *out = g;
    return FA_OK;
}

static int column(size_t *j, const fa_table *t, const char *name, const char *path, fa_error *err)
{
    long k = fa_table_column_index(t, name);
    if (k < 0) {
        return fa_error_set(err, FA_EINVAL, path, 1, 0, "column '%s' not found in the header",
                            name);
    }
    *j = (size_t)k;
    return FA_OK;
}

/* Runs every scoring; fairness scorings once per sensitive column. */
static int runs(fa_result *res, const fa_model *m, const double *x, size_t n, const double *y,
                const fa_table *pred, const fa_audit_explain *e, const fa_audit_options *o,
                fa_error *err)
{
    int st = FA_OK;
    for (size_t s = 0; s < e->n_scorings && st == FA_OK; s++) {
        int needs = fa_permutation_scoring_needs(e->scorings[s]);
        if (needs < 0) {
            return fa_error_set(err, FA_EINVAL, NULL, 0, 0, "unknown scoring '%s'", e->scorings[s]);
        }
        fa_permutation_options po = FA_PERMUTATION_OPTIONS_INIT;
        po.scoring = e->scorings[s];
        po.repeats = e->repeats;
        po.seed = o->seed;
        po.threads = o->threads;
        po.min_group_size =
            o->min_group_size >= 0 ? (size_t)o->min_group_size : FA_DEFAULT_MIN_GROUP_SIZE;
        if (!(needs & FA_SCORING_NEEDS_GROUPS)) {
            st = fa_result_add_permutation(res, m, x, n, y, NULL, NULL, &po, e->model_path,
                                           e->features_path, err);
            continue;
        }
        for (size_t a = 0; a < o->n_groups && st == FA_OK; a++) {
            size_t j = 0;
            int32_t *g = NULL;
            if ((st = column(&j, pred, o->groups[a], e->pred_path, err)) == FA_OK &&
                (st = codes_of(&g, pred, j, e->pred_path, err)) == FA_OK) {
                st = fa_result_add_permutation(res, m, x, n, y, g, o->groups[a], &po, e->model_path,
                                               e->features_path, err);
            }
            free(g);
        }
    }
    return st;
}

/*
 * The rows' groups of every sensitive column, for fa_result_add_shapley: read again from the
 * prediction file as text, one streaming pass, so that the groups are the audit's own (the
 * table would turn a numeric column into numbers: "2" and "2.0" are two groups of the audit).
 */
typedef struct shap_groups {
    fa_attribute_rows *attrs;
    int32_t **codes;     /* n_attrs x n_rows */
    fa_intern *values;   /* n_attrs distinct values */
    const char ***names; /* n_attrs arrays of the values' strings */
    size_t n;
} shap_groups;

static void groups_dispose(shap_groups *sg)
{
    for (size_t a = 0; a < sg->n; a++) {
        free(sg->codes[a]);
        fa_intern_dispose(&sg->values[a]);
        free(sg->names[a]);
    }
    free(sg->attrs);
    free(sg->codes);
    free(sg->values);
    free(sg->names);
}

static int read_groups(shap_groups *sg, const fa_audit_explain *e, const fa_audit_options *o,
                       size_t n, fa_error *err)
{
    const size_t na = o->n_groups;
    sg->attrs = fa_calloc_array(na ? na : 1, sizeof *sg->attrs);
    sg->codes = fa_calloc_array(na ? na : 1, sizeof *sg->codes);
    sg->values = fa_calloc_array(na ? na : 1, sizeof *sg->values);
    sg->names = fa_calloc_array(na ? na : 1, sizeof *sg->names);
    long *col = fa_alloc_array(na ? na : 1, sizeof *col);
    if (!sg->attrs || !sg->codes || !sg->values || !sg->names || !col) {
        free(col);
        return fa_error_set(err, FA_ENOMEM, NULL, 0, 0, "out of memory");
    }
    sg->n = na;
    int st = FA_OK;
    for (size_t a = 0; a < na; a++) {
        fa_intern_init(&sg->values[a]);
        sg->codes[a] = fa_alloc_array(n ? n : 1, sizeof *sg->codes[a]);
        if (sg->codes[a] == NULL) {
            st = fa_error_set(err, FA_ENOMEM, NULL, 0, 0, "out of memory");
        }
    }
    fa_csv_reader *r = NULL;
    if (st == FA_OK) {
        st = fa_csv_reader_create(&r, e->pred_path, &o->csv, err);
    }
    for (size_t a = 0; st == FA_OK && a < na; a++) {
        if ((col[a] = fa_csv_column_index(r, o->groups[a])) < 0) {
            st = fa_error_set(err, FA_EINVAL, e->pred_path, 1, 0,
                              "column '%s' not found in the header", o->groups[a]);
        }
    }
    const fa_field *f;
    size_t i = 0;
    int more = 0;
    while (st == FA_OK && (more = fa_csv_next(r, &f, err)) == 1) {
        for (size_t a = 0; i < n && a < na && st == FA_OK; a++) {
            const fa_field *v = &f[col[a]];
            size_t k = 0;
            if (fa_value_is_missing(v->data, v->len)) {
                sg->codes[a][i] = -1;
            } else if (fa_intern_get(&sg->values[a], v->data, v->len, &k) != 0 || k > INT32_MAX) {
                st = fa_error_set(err, FA_ENOMEM, NULL, 0, 0, "out of memory");
            } else {
                sg->codes[a][i] = (int32_t)k;
            }
        }
        i++;
    }
    if (st == FA_OK && more < 0) {
        st = more;
    }
    if (st == FA_OK && i != n) {
        st =
            fa_error_set(err, FA_EINVAL, e->pred_path, 0, 0,
                         "%zu rows, but the features file has %zu: they must be row-aligned", i, n);
    }
    fa_csv_reader_free(r);
    free(col);
    for (size_t a = 0; st == FA_OK && a < na; a++) {
        const size_t nv = fa_intern_count(&sg->values[a]);
        sg->names[a] = fa_alloc_array(nv ? nv : 1, sizeof *sg->names[a]);
        if (sg->names[a] == NULL) {
            return fa_error_set(err, FA_ENOMEM, NULL, 0, 0, "out of memory");
        }
        for (size_t v = 0; v < nv; v++) {
            sg->names[a][v] = fa_intern_str(&sg->values[a], v);
        }
        sg->attrs[a].attribute = o->groups[a];
        sg->attrs[a].codes = sg->codes[a];
        sg->attrs[a].values = sg->names[a];
        sg->attrs[a].n_values = nv;
    }
    return st;
}

/* The background of a Shapley method: a file's rows, or the first rows of the features. */
static int background(double **out, size_t *n_bg, const fa_model *m, const double *x, size_t n,
                      const fa_audit_explain *e, const fa_audit_options *o, fa_error *err)
{
    const size_t nf = fa_model_n_features(m);
    *out = NULL;
    *n_bg = 0;
    if (e->background_path) {
        fa_table *bt = NULL;
        size_t *col_of = fa_alloc_array(nf ? nf : 1, sizeof *col_of);
        int st = col_of ? fa_table_load_csv(&bt, e->background_path, &o->csv, err)
                        : fa_error_set(err, FA_ENOMEM, NULL, 0, 0, "out of memory");
        const char **names =
            st == FA_OK ? fa_calloc_array(fa_table_n_cols(bt) + 1, sizeof *names) : NULL;
        if (st == FA_OK && names == NULL) {
            st = fa_error_set(err, FA_ENOMEM, NULL, 0, 0, "out of memory");
        }
        for (size_t j = 0; st == FA_OK && j < fa_table_n_cols(bt); j++) {
            names[j] = fa_table_column_name(bt, j);
        }
        if (st == FA_OK &&
            (st = fa_model_match_columns(col_of, m, names, fa_table_n_cols(bt), err)) != FA_OK &&
            err && err->path[0] == '\0') {
            snprintf(err->path, sizeof err->path, "%s", e->background_path);
        }
        if (st == FA_OK && fa_table_n_rows(bt) == 0) {
            st = fa_error_set(err, FA_EINVAL, e->background_path, 0, 0,
                              "the background has no rows");
        }
        if (st == FA_OK && (st = fa_table_matrix(out, bt, col_of, nf, err)) == FA_OK) {
            *n_bg = fa_table_n_rows(bt);
        }
        free(names);
        free(col_of);
        fa_table_free(bt);
        return st;
    }
    if (e->background_size > 0) {
        *n_bg = e->background_size < n ? e->background_size : n;
        *out = fa_alloc_array(*n_bg * nf, sizeof **out);
        if (*out == NULL) {
            return fa_error_set(err, FA_ENOMEM, NULL, 0, 0, "out of memory");
        }
        memcpy(*out, x, *n_bg * nf * sizeof **out);
    }
    return FA_OK;
}

/* One Shapley run per sensitive column, the values computed once. */
static int shapley(fa_result *res, const fa_model *m, const double *x, size_t n,
                   const char *const *names, const fa_audit_explain *e, const fa_audit_options *o,
                   fa_error *err)
{
    shap_groups sg = {NULL, NULL, NULL, NULL, 0};
    const size_t na = o->n_groups;
    int st = read_groups(&sg, e, o, n, err);
    double *bg = NULL;
    size_t n_bg = 0;
    if (st == FA_OK) {
        st = background(&bg, &n_bg, m, x, n, e, o, err);
    }
    if (st == FA_OK) {
        fa_result_shapley_options so = FA_RESULT_SHAPLEY_OPTIONS_INIT;
        so.method = e->method;
        so.background = bg;
        so.n_background = n_bg;
        so.nsamples = e->nsamples;
        so.bootstrap = o->bootstrap;
        so.seed = o->seed;
        so.threads = o->threads;
        st = fa_result_add_shapley(res, m, x, n, names, sg.attrs, na, &so, e->model_path,
                                   e->features_path, err);
        /* the estimator's refusals (a method the model does not take, too many features for
         * exact, an empty background) are about the model: name it */
        if (st == FA_EINVAL && err && err->path[0] == '\0') {
            snprintf(err->path, sizeof err->path, "%s", e->model_path);
        }
    }
    free(bg);
    groups_dispose(&sg);
    return st;
}

/*
 * --match-by-position: the features of a model file without names (XGBoost's f0..fN-1) are
 * the features file's columns in order, all of them; they are named after those columns so
 * that the matching is by name as always.
 */
static int name_by_position(fa_model *m, const fa_table *xt, const fa_audit_explain *e,
                            const fa_audit_options *o, fa_error *err)
{
    const size_t nf = fa_model_n_features(m), nc = fa_table_n_cols(xt);
    if (nc != nf) {
        return fa_error_set(err, FA_EINVAL, e->features_path, 1, 0,
                            "--match-by-position: the model has %zu features, but the features "
                            "file has %zu columns",
                            nf, nc);
    }
    const char **names = fa_calloc_array(nf ? nf : 1, sizeof *names);
    if (names == NULL) {
        return fa_error_set(err, FA_ENOMEM, NULL, 0, 0, "out of memory");
    }
    for (size_t j = 0; j < nc; j++) {
        names[j] = fa_table_column_name(xt, j);
    }
    int st = fa_model_set_feature_names(m, names, nf, err);
    free(names);
    if (st == FA_OK && o->log) {
        char msg[512];
        snprintf(msg, sizeof msg,
                 "%s: warning: --match-by-position: the model's %zu unnamed features are the "
                 "%zu columns of %s in order",
                 e->model_path, nf, nf, e->features_path);
        o->log(FA_LOG_WARNING, msg, o->log_payload);
    }
    return st;
}

int fa_audit_explain_run(fa_result *res, const fa_audit_explain *e, const fa_audit_options *o,
                         fa_error *err)
{
    fa_model *m = NULL;
    fa_table *xt = NULL, *pred = NULL;
    double *x = NULL, *y = NULL;
    size_t *col_of = NULL, jl = 0;
    int st = fa_table_load_csv(&xt, e->features_path, &o->csv, err);
    if (st == FA_OK) {
        st = fa_extmodel_from_spec(&m, e->model_path, xt, NULL, 0, err);
    }
    if (st == FA_OK && m == NULL) {
        st = fa_model_load(&m, e->model_path, err);
    }
    if (st == FA_OK) {
        st = fa_table_load_csv(&pred, e->pred_path, &o->csv, err);
    }
    if (st == FA_OK && fa_table_n_rows(xt) != fa_table_n_rows(pred)) {
        st = fa_error_set(err, FA_EINVAL, e->features_path, 0, 0,
                          "%zu rows, but the prediction file %s has %zu: they must be "
                          "row-aligned",
                          fa_table_n_rows(xt), e->pred_path, fa_table_n_rows(pred));
    }
    size_t nf = m ? fa_model_n_features(m) : 0;
    if (st == FA_OK && e->by_position && !fa_model_has_feature_names(m)) {
        st = name_by_position(m, xt, e, o, err);
    }
    if (st == FA_OK) {
        const char **names = fa_calloc_array(fa_table_n_cols(xt), sizeof *names);
        col_of = fa_alloc_array(nf, sizeof *col_of);
        if (names == NULL || col_of == NULL) {
            st = fa_error_set(err, FA_ENOMEM, NULL, 0, 0, "out of memory");
        }
        for (size_t j = 0; st == FA_OK && j < fa_table_n_cols(xt); j++) {
            names[j] = fa_table_column_name(xt, j);
        }
        if (st == FA_OK) {
            st = fa_model_match_columns(col_of, m, names, fa_table_n_cols(xt), err);
        }
        free(names);
    }
    if (st == FA_OK) {
        st = fa_table_matrix(&x, xt, col_of, nf, err);
    }
    const int perm = e->method == NULL || strcmp(e->method, "permutation") == 0;
    if (st == FA_OK && perm && (st = column(&jl, pred, o->label, e->pred_path, err)) == FA_OK) {
        st = labels(&y, pred, jl, o->positive, e->pred_path, err);
    }
    size_t first = res->n_attributions;
    if (st == FA_OK && perm) {
        st = runs(res, m, x, fa_table_n_rows(xt), y, pred, e, o, err);
    }
    if (st == FA_OK && !perm) {
        const char **names = fa_calloc_array(nf ? nf : 1, sizeof *names);
        if (names == NULL) {
            st = fa_error_set(err, FA_ENOMEM, NULL, 0, 0, "out of memory");
        }
        for (size_t k = 0; names && k < nf; k++) {
            names[k] = fa_table_column_name(xt, col_of[k]);
        }
        if (st == FA_OK) {
            st = shapley(res, m, x, fa_table_n_rows(xt), names, e, o, err);
        }
        free(names);
    }
    /* report features by the data's column names (a nameless XGBoost model says f0..fN) */
    for (size_t i = first; st == FA_OK && i < res->n_attributions; i++) {
        fa_attribution *a = &res->attributions[i];
        for (size_t k = 0; a->n == nf && k < nf; k++) {
            char *name = fa_strdup(fa_table_column_name(xt, col_of[k]));
            if (name == NULL) {
                st = fa_error_set(err, FA_ENOMEM, NULL, 0, 0, "out of memory");
                break;
            }
            free(a->names[k]);
            a->names[k] = name;
        }
    }
    free(x);
    free(y);
    free(col_of);
    fa_table_free(xt);
    fa_table_free(pred);
    fa_model_free(m);
    return st;
}
