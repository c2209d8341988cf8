/*
 * explain/shapley.h - the internals of the Shapley estimators (METRICS.md, "Attributions"):
 * path-dependent and interventional TreeSHAP for XGBoost models (treeshap.c), the closed form
 * for linear models and exact values (shapley.c), KernelSHAP (kernelshap.c) and permutation
 * sampling (sampling.c). Their public entry points (fa_shap_*) and options are declared in
 * include/fairaudit.h; this header holds the interfaces between those files (fa_shapgame__*,
 * fa_treeshap__*).
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

/* The public part (fa_shap_*, fa_shap_options) is in include/fairaudit.h. */

/* ------------------------------------------------------- internal (kernelshap.c, sampling.c) */

/* The calling thread's number inside an OpenMP region (0 outside, or without OpenMP). */
int fa_shap__thread_id(void);

/* Threads for n_rows rows: opts' count (0 = all cores), 1 for a model that is not thread-safe,
 * at most n_rows (at least 1). */
int fa_shap__plan_threads(const fa_shap_options *o, const fa_model *m, size_t n_rows);

/*
 * The interventional game v(S) = mean over the background rows b of f(x_S, b_notS), for the
 * kernel and sampling estimators. For an XGBoost model in margin space it is computed from the
 * trees without predicting composite rows: a leaf's share of the background for the features
 * of its path that are outside S is tabulated once per background (over the subsets of the
 * path's features). Per explained row, each subtree whose features (with those on the path
 * above it) number at most 8 gets a table of its contribution for every subset of them, so a
 * coalition costs one look-up per subtree (BMI2 pext; without BMI2, or past 64 features, a
 * coalition walks each tree following x on the features of S and both branches elsewhere).
 * Other models predict the n_bg composite rows of each coalition in batches, updated column by
 * column from the previous coalition.
 */
typedef struct fa_shapgame fa_shapgame;
typedef struct fa_shapgame_ws fa_shapgame_ws;

/* Coalitions per fa_shapgame__values call at most. */
#define FA_SHAPGAME__MAX_BATCH 2048

int fa_shapgame__create(fa_shapgame **out, const fa_model *m, const double bg[], size_t n_bg,
                        fa_model_output output, fa_error *err);
void fa_shapgame__free(fa_shapgame *g);
/* v(empty): the mean output over the background. */
double fa_shapgame__null(const fa_shapgame *g);
/* The same, from a workspace of the game. */
double fa_shapgame__ws_null(const fa_shapgame_ws *w);
/* 1 when the tree tables are used. */
int fa_shapgame__is_tree(const fa_shapgame *g);
int fa_shapgame__ws_create(fa_shapgame_ws **out, const fa_shapgame *g);
void fa_shapgame__ws_free(fa_shapgame_ws *w);
/* Sets the explained row x (p values, copied) and returns f(x) in *fx. */
int fa_shapgame__set_row(fa_shapgame_ws *w, const double x[], double *fx, fa_error *err);
/* v of n <= FA_SHAPGAME__MAX_BATCH coalitions z (n x p bytes, 1 = in S) for the row set. */
int fa_shapgame__values(double v[], fa_shapgame_ws *w, const uint8_t z[], size_t n, fa_error *err);

/* What an estimator computes for row `row` (x its p values) into out/se (p + 1 each). */
typedef int (*fa_shap__row_fn)(double out[], double se[], fa_shapgame_ws *w, const double x[],
                               size_t row, const void *ctx, fa_error *err);

/*
 * Runs row() for every row over opts' threads (one game workspace each), reports progress,
 * and returns the first failing row's error. Checks the common arguments (fn names the caller).
 */
int fa_shap__drive(const char *fn, double out[], double se[], const fa_model *m, const double x[],
                   size_t n_rows, const double bg[], size_t n_bg, const fa_shap_options *opts,
                   fa_shap__row_fn row, const void *ctx, fa_error *err);

/* The gsl_rng seed of row `row`'s stream: splitmix64 of (seed, row), never 0. */
unsigned long fa_shap__row_seed(uint64_t seed, size_t row);

/* ------------------------------------------------------- internal (treeshap.c) */

/** Trees deeper than this (edges from root to leaf) are refused by fa_shap_tree. */
#define FA_TREESHAP__MAX_DEPTH 256

/* An XGBoost model prepared for TreeSHAP: per-tree depth and mean value, checked covers. */
typedef struct fa_treeshap fa_treeshap;

/*
 * What fa_treeshap__create prepares for: INTERVENTIONAL, fa_treeshap__rows_interventional
 * walking every (row, background row) pair (no covers needed); INTERVENTIONAL_TABLES, the
 * same with leaf tables over the background where they fit (for many rows); PATH,
 * fa_treeshap__rows by Algorithm 2 alone; PATH_TABLES, with precomputed leaf tables where they
 * fit (paths of at most 8 distinct features), Algorithm 2 elsewhere (for many rows).
 */
#define FA_TREESHAP__INTERVENTIONAL 0
#define FA_TREESHAP__PATH 1
#define FA_TREESHAP__PATH_TABLES 2
#define FA_TREESHAP__INTERVENTIONAL_TABLES 3

/*
 * Prepares model m (borrowed until fa_treeshap__free) for `mode`, with the errors of
 * fa_shap_tree (the messages name the tree and the node).
 */
int fa_treeshap__create(fa_treeshap **out, const fa_model *m, int mode, fa_error *err);

void fa_treeshap__free(fa_treeshap *ts);

/* The base value: base margin + sum over trees of the cover-weighted mean leaf. */
double fa_treeshap__base(const fa_treeshap *ts);

/* A thread's workspace for fa_treeshap__row: the path elements of the deepest tree. */
typedef struct fa_treeshap_ws fa_treeshap_ws;

/* A workspace for ts (one per thread); FA_ENOMEM. */
int fa_treeshap__ws_create(fa_treeshap_ws **out, const fa_treeshap *ts);

void fa_treeshap__ws_free(fa_treeshap_ws *ws);

/* Most rows per fa_treeshap__rows call. */
#define FA_TREESHAP__BLOCK 32

/*
 * The p + 1 path-dependent values of each of n_rows <= FA_TREESHAP__BLOCK rows x (row-major,
 * p = the model's feature count) into out (layout above), with the calling thread's own
 * workspace. A row's values do not depend on the rows it is computed with.
 */
void fa_treeshap__rows(double out[], const fa_treeshap *ts, const double x[], size_t n_rows,
                       fa_treeshap_ws *ws);

/* A background prepared for interventional TreeSHAP (float32 copies, mean margin). */
typedef struct fa_treeshap_bg fa_treeshap_bg;

/*
 * Prepares bg (n_bg >= 1 rows of p values) for ts (made with an interventional mode): its
 * float32 copy, its mean margin and, with tables, the leaf tables (threads trees at a time).
 */
int fa_treeshap__bg_create(fa_treeshap_bg **out, const fa_treeshap *ts, const double bg[],
                           size_t n_bg, int threads, fa_error *err);

void fa_treeshap__bg_free(fa_treeshap_bg *b);

/* The base value of the interventional game: the mean margin of the background. */
double fa_treeshap__bg_base(const fa_treeshap_bg *b);

/*
 * The p + 1 interventional values of each of n_rows <= FA_TREESHAP__BLOCK rows x into out,
 * with the thread's workspace; a row's values do not depend on the rows it comes with.
 */
void fa_treeshap__rows_interventional(double out[], const fa_treeshap *ts, const fa_treeshap_bg *b,
                                      const double x[], size_t n_rows, fa_treeshap_ws *ws);

#endif
