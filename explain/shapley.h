/*
 * explain/shapley.h - Shapley attributions of a model's output (METRICS.md, "Attributions"):
 * path-dependent TreeSHAP for XGBoost models (treeshap.c), the closed form for linear models
 * and exact interventional values for any model of at most FA_SHAP_EXACT_MAX_FEATURES
 * features (shapley.c).
 *
 * The first section is meant for include/fairaudit.h (public, fa_shap_*); the second is the
 * internal interface between shapley.c and treeshap.c (fa_treeshap__*).
 *
 * Layout of every result (XGBoost's pred_contribs, STYLE.md): row-major, n_rows x (p + 1)
 * with p = fa_model_n_features(m); row i holds phi_0 .. phi_{p-1} of row i and then the base
 * value, so that the p + 1 values of a row add up to the model's output for that row.
 */
#ifndef FA_EXPLAIN_SHAPLEY_H
#define FA_EXPLAIN_SHAPLEY_H

#include <stddef.h>
#include <stdint.h>

#include "explain/model.h"
#include "include/fairaudit.h"

/* ------------------------------------------------------- public (for fairaudit.h) */

/** Largest feature count fa_shap_exact accepts (2^20 coalitions per row). */
#define FA_SHAP_EXACT_MAX_FEATURES 20

/** Options of the Shapley estimators. Initialise with FA_SHAP_OPTIONS_INIT. */
typedef struct fa_shap_options {
    fa_model_output output; /* fa_shap_exact only: explain the margin or the probability;
                               fa_shap_tree and fa_shap_linear explain the margin and
                               refuse FA_OUTPUT_PROBABILITY */
    int threads;            /* rows in parallel; 0 = all cores; 1 when the model is not
                               thread-safe. The values do not depend on it, bit for bit */
} fa_shap_options;

#define FA_SHAP_OPTIONS_INIT                                                                       \
    {                                                                                              \
        FA_OUTPUT_MARGIN, 0                                                                        \
    }

/**
 * Path-dependent TreeSHAP (Lundberg, Erion and Lee 2018, Algorithm 2) of an XGBoost model,
 * in margin (log-odds) space and double precision: the Shapley values of the game
 * v(S) = sum over trees of E[tree | x_S], where a split on a feature outside S sends the row
 * down both branches weighted by the children's covers (sum_hessian). No background: the base
 * value is base_margin + sum over trees of the cover-weighted mean leaf value, the same for
 * every row; it is XGBoost's `bias` column of predict(pred_contribs=True).
 *
 * x: n_rows x p, row-major, in the model's feature order (NAN = missing: the split's default
 * branch). out: n_rows x (p + 1) (layout above). Each row adds up to the model's margin in
 * double (fa_model_predict, FA_OUTPUT_MARGIN) to about 1e-15 relative.
 *
 * FA_EINVAL: not an XGBoost model, FA_OUTPUT_PROBABILITY, a model file without sum_hessian,
 * or a tree deeper than 256; FA_EDOMAIN: a split whose cover is not positive or a negative or
 * non-finite cover; FA_ENOMEM.
 */
int fa_shap_tree(double out[], const fa_model *m, const double x[], size_t n_rows,
                 const fa_shap_options *opts, fa_error *err);

/**
 * Interventional Shapley values of a linear model (margin space, features taken as
 * independent): phi_j = w_j (x_j - mean_j) and base = margin(mean), where w_j is the raw
 * coefficient (coef_j / scale_j with a scaler) and mean the column means of the background
 * bg (n_bg x p, row-major). With bg NULL and n_bg 0 the background mean is the model's scaler
 * mean (the training mean of an sklearn export): then phi_j = coef_raw_j (x_j - scaler_mean_j)
 * as in ../shared/models/README.md. A NAN in x gives NAN values for that row.
 *
 * FA_EINVAL: not a linear model, FA_OUTPUT_PROBABILITY, no background for a model without a
 * scaler, n_bg > 0 with bg NULL; FA_EDOMAIN: a background value that is not finite.
 */
int fa_shap_linear(double out[], const fa_model *m, const double x[], size_t n_rows,
                   const double bg[], size_t n_bg, const fa_shap_options *opts, fa_error *err);

/**
 * Exact interventional Shapley values of any model over a background sample:
 * v(S) = mean over the n_bg background rows b of f(x_S, b_{not S}), f the model's output of
 * kind opts->output, and phi_j = sum over S not holding j of |S|! (p-|S|-1)! / p! (v(S + j) -
 * v(S)). The base value is v(empty) = mean of f over the background. All 2^p coalitions are
 * evaluated, in Gray-code order (one column changes from one coalition to the next), with the
 * model called on batches of whole coalitions (n_bg rows each): the model predicts n_bg 2^p
 * rows per explained row (6.6 million for p = 16 and 100 background rows), plus p 2^(p-1)
 * weighted differences. Additivity holds to rounding: sum phi + base = f(x) to ~1e-15 |f|.
 *
 * FA_EINVAL: p > FA_SHAP_EXACT_MAX_FEATURES (with the reason), p = 0, an empty background;
 * FA_ENOMEM; or the model's own failure (an external command), for the first failing row.
 */
int fa_shap_exact(double out[], const fa_model *m, const double x[], size_t n_rows,
                  const double bg[], size_t n_bg, const fa_shap_options *opts, fa_error *err);

/* ------------------------------------------------------- internal (treeshap.c) */

/** Trees deeper than this (edges from root to leaf) are refused by fa_shap_tree. */
#define FA_TREESHAP__MAX_DEPTH 256

/* An XGBoost model prepared for TreeSHAP: per-tree depth and mean value, checked covers. */
typedef struct fa_treeshap fa_treeshap;

/*
 * Prepares model m (borrowed until fa_treeshap__free) with the errors of fa_shap_tree (the
 * messages name the tree and the node).
 */
int fa_treeshap__create(fa_treeshap **out, const fa_model *m, fa_error *err);

void fa_treeshap__free(fa_treeshap *ts);

/* The base value: base margin + sum over trees of the cover-weighted mean leaf. */
double fa_treeshap__base(const fa_treeshap *ts);

/* A thread's workspace for fa_treeshap__row: the path elements of the deepest tree. */
typedef struct fa_treeshap_ws fa_treeshap_ws;

/* A workspace for ts (one per thread); FA_ENOMEM. */
int fa_treeshap__ws_create(fa_treeshap_ws **out, const fa_treeshap *ts);

void fa_treeshap__ws_free(fa_treeshap_ws *ws);

/*
 * The p + 1 values of one row x (p = the model's feature count) into out (layout above),
 * with the calling thread's own workspace.
 */
void fa_treeshap__row(double out[], const fa_treeshap *ts, const double x[], fa_treeshap_ws *ws);

#endif
