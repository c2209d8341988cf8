/*
 * audit/consistency.c - consistency(k) of the audit's predictions (METRICS.md "Individual
 * fairness"), when the options name a features file: X.csv holds the rows of the prediction
 * file, in the same order, every column a numeric feature. The predictions are read back from
 * the prediction file (the audit itself streamed it and kept counts only): the prediction
 * column, or score >= the threshold or the cut-off. The search is metrics/individual.c's exact
 * one on standardised features, O(n^2 d): past FA_CONSISTENCY_MAX_ROWS rows consistency is
 * left undefined with a reason and a warning, rather than taking hours.
 */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "audit/evidence.h"
#include "audit/policy.h"
#include "common/alloc.h"
#include "common/error.h"
#include "metrics/individual.h"
#include "reports/result.h"

/* The prediction of every row of the prediction file, as the audit made it. */
static int predictions(double **out, size_t *n, const char *path, const fa_audit_options *o,
                       const fa_result *res, fa_error *err)
{
    fa_table *t;
    int st = fa_table_load_csv(&t, path, &o->csv, err);
    if (st != FA_OK) {
        return st;
    }
    const char *col = o->pred ? o->pred : o->score;
    long j = fa_table_column_index(t, col);
    *n = fa_table_n_rows(t);
    double *y = fa_alloc_array(*n ? *n : 1, sizeof *y);
    if (j < 0 || y == NULL) {
        fa_table_free(t);
        free(y);
        return j < 0 ? fa_error_set(err, FA_EPARSE, path, 1, 0, "no column '%s'", col)
                     : fa_error_set(err, FA_ENOMEM, path, 0, 0, "out of memory");
    }
    const double *num = fa_table_numeric(t, (size_t)j);
    const int32_t *codes = fa_table_codes(t, (size_t)j);
    double cut = res->cutoff_rule ? res->cutoff.threshold : o->threshold;
    for (size_t i = 0; i < *n && st == FA_OK; i++) {
        const char *v =
            codes && codes[i] >= 0 ? fa_table_category(t, (size_t)j, (size_t)codes[i]) : NULL;
        if (o->pred == NULL && num && !isnan(num[i])) {
            y[i] = num[i] >= cut ? 1.0 : 0.0;
        } else if (o->pred && num && (num[i] == 0.0 || num[i] == 1.0) && o->positive == NULL) {
            y[i] = num[i];
        } else if (o->pred && v && o->positive) {
            y[i] = strcmp(v, o->positive) == 0 ? 1.0 : 0.0;
        } else if (o->pred && v && o->positive == NULL &&
                   (strcmp(v, "true") == 0 || strcmp(v, "yes") == 0 || strcmp(v, "false") == 0 ||
                    strcmp(v, "no") == 0)) {
            y[i] = v[0] == 't' || v[0] == 'y' ? 1.0 : 0.0;
        } else {
            st = fa_error_set(err, FA_EPARSE, path, (uint64_t)i + 2, 0,
                              "column '%s': consistency needs a prediction on every row", col);
        }
    }
    fa_table_free(t);
    if (st != FA_OK) {
        free(y);
        return st;
    }
    *out = y;
    return FA_OK;
}

/* The features: every column of the file, numeric, as a row-major matrix. */
static int features(double **x, size_t *n_rows, size_t *n_cols, const char *path,
                    const fa_audit_options *o, fa_error *err)
{
    fa_table *t;
    int st = fa_table_load_csv(&t, path, &o->csv, err);
    if (st != FA_OK) {
        return st;
    }
    *n_rows = fa_table_n_rows(t);
    *n_cols = fa_table_n_cols(t);
    size_t *col_of = fa_alloc_array(*n_cols ? *n_cols : 1, sizeof *col_of);
    if (col_of == NULL) {
        fa_table_free(t);
        return fa_error_set(err, FA_ENOMEM, path, 0, 0, "out of memory");
    }
    for (size_t j = 0; j < *n_cols; j++) {
        col_of[j] = j;
    }
    st = fa_table_matrix(x, t, col_of, *n_cols, err);
    if (st == FA_EPARSE) {
        st = FA_EDOMAIN; /* a column that is not numeric: see soft_failure */
    }
    free(col_of);
    fa_table_free(t);
    return st;
}

/*
 * A features file whose columns are not all numbers, or with a missing (not finite) value,
 * leaves consistency undefined with a warning rather than failing the audit: the same file may
 * feed a model (which takes missing values, and ignores columns it does not use).
 */
static int soft_failure(fa_result *res, const char *path, fa_error *err)
{
    res->consistency = NAN;
    res->consistency_why = "a feature is not a number on every row";
    int st = fa_result__add_warning(res, "%s: warning: consistency left undefined: %s", path,
                                    err ? err->message : "a feature is not a number");
    fa_error_clear(err);
    return st == FA_OK ? FA_OK : fa_error_set(err, FA_ENOMEM, NULL, 0, 0, "out of memory");
}

/* The most work (rows^2 x features) consistency does when nobody asked for it. */
#define FA_CONSISTENCY_AUTO_WORK 2e9

int fa_audit__consistency(fa_result *res, const char *pred_path, const fa_audit_options *o,
                          const fa_policy *p, fa_error *err)
{
    const char *src = o->consistency_k > 0 ? "--consistency-k" : "individual.consistency_k";
    size_t k = o->consistency_k > 0          ? o->consistency_k
               : (p && p->consistency_k > 0) ? (size_t)p->consistency_k
                                             : FA_DEFAULT_CONSISTENCY_K;
    res->consistency = NAN;
    res->consistency_k = k;
    res->consistency_why = NULL;
    if (!res->has_pred) {
        res->consistency_why = "no prediction column";
        return FA_OK;
    }
    double *x = NULL, *y = NULL;
    size_t n = 0, d = 0, n_pred = 0;
    int st = features(&x, &n, &d, o->features_path, o, err);
    if (st == FA_OK) {
        st = predictions(&y, &n_pred, pred_path, o, res, err);
    }
    if (st == FA_OK && n != n_pred) {
        st = fa_error_set(err, FA_EPARSE, o->features_path, 0, 0,
                          "%zu feature rows, but %zu rows in the prediction file %s: consistency "
                          "needs the same rows in the same order",
                          n, n_pred, pred_path);
    }
    int given = o->consistency_k > 0 || (p && p->consistency_k > 0);
    if (st == FA_OK && k >= n && !given) {
        /* the default k on a tiny file: nothing to compare, not an error of the user's */
        res->consistency_why = "no more rows than neighbours (k)";
    } else if (st == FA_OK && k >= n) {
        st = p && o->consistency_k == 0 && p->consistency_k > 0
                 ? fa_error_set_json(err, FA_EINVAL, p->name, src,
                                     "expected fewer neighbours than the %zu rows, got %zu", n, k)
                 : fa_error_set(err, FA_EINVAL, NULL, 0, 0,
                                "%s: expected fewer neighbours than the %zu rows, got %zu", src, n,
                                k);
    }
    /* Not asked for, the exact search runs only when it is quick: n^2 d at most 2e9
     * multiply-adds, about a second (16281 Adult rows of 88 features would be 2.3e10, tens of
     * seconds). Asked for with a k, it runs up to FA_CONSISTENCY_MAX_ROWS rows. */
    if (st == FA_OK && res->consistency_why == NULL && !given &&
        (double)n * (double)n * (double)d > FA_CONSISTENCY_AUTO_WORK) {
        res->consistency_why = "not computed unless asked for (--consistency-k) on this many rows";
        st = fa_result__add_warning(res,
                                    "%s: warning: consistency skipped: %zu rows x %zu features is "
                                    "an exact neighbour search of about %.0e operations; ask for "
                                    "it with --consistency-k K (or individual.consistency_k)",
                                    o->features_path, n, d, (double)n * (double)n * (double)d);
    } else if (st == FA_OK && res->consistency_why == NULL && n > FA_CONSISTENCY_MAX_ROWS) {
        res->consistency_why = "more rows than the exact neighbour search takes (200000)";
        st = fa_result__add_warning(res,
                                    "%s: warning: %zu rows: consistency is left undefined past "
                                    "%d rows (exact search, O(n^2))",
                                    o->features_path, n, FA_CONSISTENCY_MAX_ROWS);
    } else if (st == FA_OK && res->consistency_why == NULL) {
        fa_consistency_options co = FA_CONSISTENCY_OPTIONS_INIT;
        co.k = k;
        co.threads = o->threads;
        st = fa_individual_consistency_ext(&res->consistency, x, n, d, y, &co, err);
    }
    if (st == FA_EDOMAIN) {
        st = soft_failure(res, o->features_path, err);
    }
    free(x);
    free(y);
    return st;
}
