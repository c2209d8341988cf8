/*
 * audit/audit_explain.c - `fairaudit audit ... --model M --features-file X.csv`: permutation
 * importance inside an audit. X.csv is row-aligned with the prediction file; the labels and
 * the sensitive columns come from the prediction file (loaded as a table for this, since the
 * audit itself streamed it), the features from X.csv, matched to the model by name.
 */
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "audit/audit_explain.h"
#include "audit/extmodel.h"
#include "common/alloc.h"
#include "common/error.h"
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
    if (st == FA_OK && (st = column(&jl, pred, o->label, e->pred_path, err)) == FA_OK) {
        st = labels(&y, pred, jl, o->positive, e->pred_path, err);
    }
    size_t first = res->n_attributions;
    if (st == FA_OK) {
        st = runs(res, m, x, fa_table_n_rows(xt), y, pred, e, o, err);
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
