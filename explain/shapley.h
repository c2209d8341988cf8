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

/** fa_shap_kernel's default budget is 2p + this (SHAP's "auto"). */
#define FA_SHAP_KERNEL_DEFAULT_EXTRA 2048

/** fa_shap_sampling's default budget, in permutations. */
#define FA_SHAP_SAMPLING_DEFAULT_PERMUTATIONS 1000

/**
 * Progress of a long estimator run: `done` of `total` rows finished. Called from the library
 * (from one thread at a time, never concurrently) at most about every 0.1 s and after the
 * last row; it must not call back into the estimator. The library never prints.
 */
typedef void (*fa_shap_progress_fn)(void *ctx, size_t done, size_t total);

/** Options of the Shapley estimators. Initialise with FA_SHAP_OPTIONS_INIT. */
typedef struct fa_shap_options {
    fa_model_output output;       /* fa_shap_exact, fa_shap_kernel, fa_shap_sampling: explain the
                                     margin or the probability; fa_shap_tree and fa_shap_linear
                                     explain the margin and refuse FA_OUTPUT_PROBABILITY */
    int threads;                  /* rows in parallel; 0 = all cores; 1 when the model is not
                                     thread-safe. The values do not depend on it, bit for bit */
    size_t nsamples;              /* fa_shap_kernel: coalitions per row (0 = 2p + 2048, SHAP's
                                     default); fa_shap_sampling: permutations per row, at most
                                     (0 = 1000); each costs n_bg (kernel) or p n_bg (sampling)
                                     model evaluations */
    double tolerance;             /* fa_shap_sampling: stop a row once every standard error is
                                     below it (0 = spend the whole budget) */
    uint64_t seed;                /* random streams; row i uses a stream derived from (seed, i),
                                     so the values do not depend on the thread count */
    fa_shap_progress_fn progress; /* NULL = no progress reports */
    void *progress_ctx;           /* passed to progress */
} fa_shap_options;

#define FA_SHAP_OPTIONS_INIT                                                                       \
    {                                                                                              \
        .output = FA_OUTPUT_MARGIN, .threads = 0, .nsamples = 0, .tolerance = 0.0, .seed = 0,      \
        .progress = NULL, .progress_ctx = NULL                                                     \
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
 * From 64 rows on, each leaf's shares are first tabulated for every set of its path's features
 * that x follows (FastTreeSHAP's precomputation, for paths of at most 8 distinct features): a
 * row then costs one pass over each tree. opts->progress is called as rows finish.
 *
 * FA_EINVAL: not an XGBoost model, FA_OUTPUT_PROBABILITY, a model file without sum_hessian,
 * or a tree deeper than 256; FA_EDOMAIN: a split whose cover is not positive or a negative or
 * non-finite cover; FA_ENOMEM.
 */
int fa_shap_tree(double out[], const fa_model *m, const double x[], size_t n_rows,
                 const fa_shap_options *opts, fa_error *err);

/**
 * Interventional TreeSHAP (Lundberg et al. 2020; SHAP's TreeExplainer with
 * feature_perturbation="interventional") of an XGBoost model over a background sample, in
 * margin space: the Shapley values of v(S) = mean over the n_bg background rows b of
 * margin(x_S, b_notS), the game of fa_shap_exact, computed from the trees in O(trees x leaves
 * x depth) per (row, background row) pair at most, for any feature count. A missing value
 * (NAN, in x or in b) follows the split's default branch, as the model does. The base value is
 * the mean margin of the background; each row adds up to the model's margin (fa_model_predict,
 * FA_OUTPUT_MARGIN) to rounding. bg: n_bg x p, row-major. Covers are not needed. From 64 rows
 * on, each leaf's shares over the whole background are first tabulated for every set of its
 * path's features that x follows (at most 8 distinct): a row then costs one pass over each
 * tree, whatever n_bg. The values do not depend on the thread count, bit for bit.
 *
 * FA_EINVAL: not an XGBoost model, FA_OUTPUT_PROBABILITY (the probability game does not
 * split over trees: use fa_shap_exact), an empty background, a tree deeper than 256;
 * FA_ENOMEM. opts->progress is called as rows finish.
 */
int fa_shap_tree_interventional(double out[], const fa_model *m, const double x[], size_t n_rows,
                                const double bg[], size_t n_bg, const fa_shap_options *opts,
                                fa_error *err);

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

/**
 * KernelSHAP (Lundberg and Lee 2017) of the interventional game of fa_shap_exact, for any
 * feature count: a weighted least-squares fit of v(S) - v(empty) on the coalition's indicator
 * vector with the Shapley kernel weights, the efficiency constraint sum phi = f(x) - v(empty)
 * imposed exactly (one variable eliminated), over opts->nsamples coalitions per row drawn as
 * SHAP's KernelExplainer draws them: whole coalition sizes enumerated while the budget covers
 * them (smallest and largest first), the rest sampled in complementary pairs from the kernel
 * over the remaining sizes, a repeated coalition adding to its weight. Features whose value
 * equals every background value get phi = 0 and take no part (they are dummies of the game).
 * When the budget covers all 2^M - 2 coalitions of the M varying features the values are the
 * exact Shapley values (to rounding).
 *
 * se (NULL, or n_rows x (p + 1), layout of out): the standard error of each value, from the
 * delta method on the randomly drawn pairs (Covert and Lee 2021): the sandwich
 * A^-1 (sum over draws of g g') A^-1 with g a draw's weighted residual term; 0 for enumerated
 * coalitions, for dummies and for the base value (computed exactly).
 *
 * Row i draws from its own stream derived from (opts->seed, i): the output is the same bits
 * for any thread count. Additivity: sum phi + base = f(x) to rounding.
 *
 * FA_EINVAL: opts->nsamples below 2p + 2 (with the reason), p = 0, an empty background;
 * FA_ENOMEM; or the model's own failure, for the first failing row.
 */
int fa_shap_kernel(double out[], double se[], const fa_model *m, const double x[], size_t n_rows,
                   const double bg[], size_t n_bg, const fa_shap_options *opts, fa_error *err);

/**
 * Permutation sampling (Strumbelj and Kononenko 2014; Castro et al. 2009) of the
 * interventional game of fa_shap_exact, with antithetic permutations: each random permutation
 * is followed by its reverse, and the pair's mean marginal contributions is one draw. A
 * permutation is evaluated incrementally: the composite rows (x_S, b_notS) gain one column of
 * x at a time. Row i stops when every standard error (sd of the pair means / sqrt(pairs)) is
 * below opts->tolerance, after at least 8 pairs, or when opts->nsamples permutations (0 =
 * 1000) are spent. Each permutation's contributions add up to f(x) - v(empty) exactly, so
 * the values are additive to rounding.
 *
 * se: as fa_shap_kernel. Row i draws from its own stream derived from (opts->seed, i).
 *
 * FA_EINVAL: opts->nsamples of 1 (one pair needs 2), a negative or non-finite tolerance, p = 0,
 * an empty background; FA_ENOMEM; or the model's own failure, for the first failing row.
 */
int fa_shap_sampling(double out[], double se[], const fa_model *m, const double x[], size_t n_rows,
                     const double bg[], size_t n_bg, const fa_shap_options *opts, fa_error *err);

/* ------------------------------------------------------- internal (kernelshap.c, sampling.c) */

/*
 * The interventional game v(S) = mean over the background rows b of f(x_S, b_notS), for the
 * kernel and sampling estimators. For an XGBoost model in margin space it is computed from the
 * trees without predicting composite rows: a leaf's share of the background for the features
 * of its path that are outside S is tabulated once per background (over the subsets of the
 * path's features), and a coalition walks each tree following x on the features of S and both
 * branches elsewhere. Other models predict the n_bg composite rows of each coalition in
 * batches, updated column by column from the previous coalition.
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
