/*
 * explain/model.h - the model boundary inside explain/: one vtable with a batch predict
 * callback and a payload, shared by every back end (linear.c, xgboost.c, external.c), the
 * JSON helpers the file readers share, the LightGBM text reader (lightgbm.c), and read-only
 * views of the parsed models for the
 * explainers (linear Shapley values, TreeSHAP).
 *
 * Private to the library: nothing here is in include/fairaudit.h.
 */
#ifndef FA_EXPLAIN_MODEL_H
#define FA_EXPLAIN_MODEL_H

#include <stddef.h>
#include <stdint.h>

#include "include/fairaudit.h"

struct cJSON;

/*
 * The batch callback (STYLE.md, "the model boundary"): writes n_rows outputs to out[] for
 * the row-major n_rows x n_cols matrix x[] (n_cols = the model's feature count, NAN =
 * missing). Returns FA_OK or a negative status with err filled.
 */
typedef int (*fa_model_predict_fn)(double out[], const double x[], size_t n_rows, size_t n_cols,
                                   fa_error *err, void *payload);

/* One per back end, static and constant. */
typedef struct fa_model_vtable {
    const char *kind;            /* "linear", "xgboost", "external" */
    fa_model_predict_fn predict; /* writes `native` outputs */
    void (*free_payload)(void *payload);
    fa_model_output native; /* what predict writes: margins or probabilities */
    int thread_safe;        /* 1 when predict may run in several threads at once */
} fa_model_vtable;

struct fa_model {
    const fa_model_vtable *vt;
    void *payload; /* owned; freed with vt->free_payload */
    char **names;  /* n_features owned copies */
    size_t n_features;
    fa_link link;
    int unnamed; /* 1: the file names no features; names are f0..f{n-1}, matched by position */
};

/* A zeroed model of the given back end (payload and names still to be set), or NULL. */
fa_model *fa_model__new(const fa_model_vtable *vt, fa_link link);

/* Copies n names into m->names (m->n_features = n). FA_ENOMEM on failure (err names `path`). */
int fa_model__set_names(fa_model *m, const char *const names[], size_t n, const char *path,
                        fa_error *err);

/*
 * Parses a model file held in memory (what fa_model_load does after reading the file);
 * `name` is the file name used in messages.
 */
int fa_model__parse_json(fa_model **out, const char *text, size_t len, const char *name,
                         fa_error *err);

/*
 * Converts n outputs of m's back end (its native kind) to `output` in place, through the
 * link, as fa_model_predict does after calling the back end.
 */
void fa_model__convert(const fa_model *m, double out[], size_t n, fa_model_output output);

/* ------------------------------------------------------- shared JSON helpers */

/* Context of a model file being read: its name for messages and the caller's error record. */
typedef struct fa_model_json {
    const char *name;
    fa_error *err;
} fa_model_json;

/* "<obj_path>.<key>" (or "<key>" at the root) into buf. */
void fa_model__json_path(char *buf, size_t size, const char *obj_path, const char *key);

/* FA_EPARSE at json_path: "expected <expected>, got <a rendering of got>". */
int fa_model__json_bad(const fa_model_json *c, const char *json_path, const char *expected,
                       const struct cJSON *got);

/*
 * The member `key` of object obj (at obj_path) into *out: a duplicate key is an error, a
 * missing one too when `required` (then "missing key"), else *out = NULL.
 */
int fa_model__json_member(const struct cJSON **out, const fa_model_json *c, const struct cJSON *obj,
                          const char *obj_path, const char *key, int required);

/* A finite JSON number, or (when `allow_string`) a string holding one, as XGBoost writes. */
int fa_model__json_number(double *out, const fa_model_json *c, const struct cJSON *v,
                          const char *json_path, int allow_string);

/* A whole number in [0, max], as a number or (when `allow_string`) a string. */
int fa_model__json_count(size_t *out, const fa_model_json *c, const struct cJSON *v,
                         const char *json_path, size_t max, int allow_string);

/*
 * An array of exactly n finite numbers (n = SIZE_MAX: any length, written to *n_out) into
 * a new array (caller frees).
 */
int fa_model__json_doubles(double **out, size_t *n_out, const fa_model_json *c,
                           const struct cJSON *v, const char *json_path, size_t n);

/* An array of distinct strings into *names (n_out copies; free with fa_model__free_names). */
int fa_model__json_names(char ***names, size_t *n_out, const fa_model_json *c,
                         const struct cJSON *v, const char *json_path);

void fa_model__free_names(char **names, size_t n);

/* ------------------------------------------------------------ back ends */

/* Builds a linear model from a parsed JSON document (fairaudit's format or an sklearn export). */
int fa_linear__from_json(fa_model **out, const struct cJSON *root, const fa_model_json *c);

/* Builds an XGBoost model from a parsed Booster.save_model document. */
int fa_xgboost__from_json(fa_model **out, const struct cJSON *root, const fa_model_json *c);

/* 1 when a file's text is LightGBM's text model format (a first line "tree"). */
int fa_lightgbm__looks_like(const char *text, size_t len);

/* Parses a LightGBM text model held in memory; errors name `name`:line:column. */
int fa_lightgbm__parse(fa_model **out, const char *text, size_t len, const char *name,
                       fa_error *err);

/* ------------------------------------------------ views for the explainers */

/* A linear model's parameters: margin = intercept + sum_j coef[j] * (x[j] - mean[j]) / scale[j]. */
typedef struct fa_linear_params {
    size_t n_features;
    const double *coef;
    const double *mean;  /* NULL when the model has no scaler (then mean 0, scale 1) */
    const double *scale; /* NULL with mean */
    double intercept;
} fa_linear_params;

/* The parameters of a linear model; FA_EINVAL when m is not one. */
int fa_linear__params(fa_linear_params *out, const fa_model *m);

/*
 * One tree of an XGBoost model, renumbered breadth-first: node 0 is the root, every child
 * has a larger index than its parent and right[n] == left[n] + 1 at a split.
 */
typedef struct fa_xgboost_tree {
    size_t n_nodes;
    const int32_t *left;     /* left child, -1 at a leaf */
    const int32_t *right;    /* right child, -1 at a leaf */
    const uint32_t *feature; /* split column (0 at a leaf) */
    const float *value;      /* split threshold (go left when x < value), leaf value at a leaf */
    const uint8_t *default_left; /* 1 when a missing value goes left */
    const double *cover;         /* sum_hessian per node, or NULL when the file has none */
} fa_xgboost_tree;

/*
 * The trees of an XGBoost model (borrowed until fa_model_free) and its base margin (the
 * margin of a model without trees: logit(base_score) for logistic objectives, in double).
 * FA_EINVAL when m is not an XGBoost model.
 */
int fa_xgboost__trees(const fa_xgboost_tree **trees, size_t *n_trees, double *base_margin,
                      const fa_model *m);

/*
 * Switches an XGBoost model between summing leaves in double (the default, 0) and
 * XGBoost's own float32 accumulation in tree order (1), which reproduces
 * Booster.predict(output_margin=True) bit for bit. Not to be called while predictions run.
 * FA_EINVAL when m is not an XGBoost model.
 */
int fa_xgboost__set_float32(fa_model *m, int on);

/*
 * Incremental prediction, for permutation importance, which replaces a few columns of the
 * same matrix over and over. When only the columns of a set S change, a row can reach another
 * leaf of a tree only if the path it took tests a column of S, and then only from the first
 * node of that path that does: the nodes above it see the same values. An index of the
 * matrix (fa_xgboost__index_create) keeps, per block of rows, the rows that reach each leaf of
 * each tree and each row's exact sum of leaves (fixed point, xgboost.c); a changed matrix is
 * then predicted (fa_xgboost__delta_predict) by walking again only the rows of the leaves
 * below a split on S, from that split, and adding the change of their leaf to their sum.
 * Integer sums do not depend on the order of the terms, so the margins are the bits of
 * fa_model_predict on the changed matrix, whatever the thread or the task order.
 */
typedef struct fa_xgboost_index fa_xgboost_index;

/* Bytes an index of n_rows rows takes; SIZE_MAX when m is not an XGBoost model or overflow. */
size_t fa_xgboost__index_bytes(const fa_model *m, size_t n_rows);

/*
 * The index of x (row-major, n_rows x fa_model_n_features(m); borrowed until
 * fa_xgboost__index_free, as is m) and x's margins (FA_OUTPUT_MARGIN, the bits of
 * fa_model_predict) into margins[]. FA_EINVAL when m is not an XGBoost model; FA_EDOMAIN when
 * its sums are not exact (float32 mode, leaves of too many binary orders), n_rows is 0 or the
 * model too large: predict in full then; FA_ENOMEM.
 */
int fa_xgboost__index_create(fa_xgboost_index **out, double margins[], const fa_model *m,
                             const double x[], size_t n_rows);

void fa_xgboost__index_free(fa_xgboost_index *ix);

/* A thread's workspace for incremental prediction. */
typedef struct fa_xgboost_delta fa_xgboost_delta;

/* A workspace for index ix (borrowed) and changed sets of up to max_cols columns. */
int fa_xgboost__delta_create(fa_xgboost_delta **out, const fa_xgboost_index *ix, size_t max_cols);

void fa_xgboost__delta_free(fa_xgboost_delta *d);

/*
 * Margins (the bits of fa_model_predict with FA_OUTPUT_MARGIN) of the indexed matrix with the
 * n_cols (<= max_cols, distinct) columns cols[] changed: row i takes column c from row
 * perm[i] (perm NULL: row i) of src, a matrix of the same shape (src NULL: the indexed one).
 */
void fa_xgboost__delta_predict(double out[], fa_xgboost_delta *d, const size_t cols[],
                               size_t n_cols, const double src[], const size_t perm[]);

#endif
