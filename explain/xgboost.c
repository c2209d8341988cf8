/*
 * explain/xgboost.c - XGBoost tree ensembles read from Booster.save_model's JSON (the 1.7
 * layout: ../shared/models/README.md), objectives binary:logistic, reg:logistic (logistic
 * link) and reg:squarederror (identity link), one output, numerical splits.
 *
 *     margin = base + sum over trees (in order) of the leaf the row reaches
 *     base   = logit(base_score) for the logistic objectives, base_score otherwise
 *
 * At a split the row goes left when float32(x[feature]) < threshold (strict, in float32, as
 * XGBoost stores data and thresholds), and a missing value (NAN) follows default_left. The
 * leaf value is split_conditions at a leaf (base_weights is the weight before the learning
 * rate and is not used).
 *
 * Summation: by default the float32 leaf values are added exactly, in fixed point (an int64
 * count of the smallest power of two among the leaves' lowest bits; fixed_point_setup), and
 * the base margin added to the sum rounded once to double. This differs from XGBoost's own
 * margin by up to ~2.4e-6 on the shared models (probabilities by ~1.4e-7), since XGBoost
 * sums in float32. A model whose leaves span more than ~2^61 in those units (never seen) falls
 * back to adding the leaves in double in tree order. A flag (fa_xgboost__set_float32) switches
 * to XGBoost's arithmetic: a float accumulator starting from the float32 base margin
 * (-logf(1/base_score - 1)), adding the leaves in tree order, which reproduces
 * Booster.predict(output_margin=True) bit for bit.
 *
 * Validation is strict, since a model file is input: every child index must lie inside its
 * tree, every node must be reached at most once from the root (so every path ends: no cycle
 * can be written), a split has two children and a leaf none, the parallel arrays have
 * num_nodes entries, split features are below num_feature, and num_trees and tree_info agree
 * with the trees. Each error names the file and the JSON path of the offending value.
 *
 * Speed (prediction runs millions of rows in permutation importance): the trees are
 * renumbered breadth-first into one array of 16-byte nodes, a split's two children adjacent;
 * each float32 threshold becomes the double boundary that splits the doubles the same way
 * (f32_boundary), so a step is two loads and one compare with no conversion; a leaf is a
 * split to itself, so a step has no test and no branch (a data-dependent branch there cost
 * about a quarter of the time); rows go in blocks of BLOCK, all rows of a block one tree
 * level at a time (walk_block), which keeps a tree in cache and lets the rows' steps overlap
 * (about 2.5x faster than walking row by row). Nothing is written outside the caller's
 * output, so predict is thread-safe.
 *
 * Incremental prediction (fa_xgboost__index_*, fa_xgboost__delta_*, model.h): permutation
 * importance changes a few columns at a time, and a row's path in a tree can change only at a
 * split on a changed column. An index lists, per block of INDEX_BLOCK rows, the rows that
 * reach each leaf (a bucket), and keeps every row's exact sum. A changed matrix is predicted
 * by visiting only the buckets of leaves below a split on a changed column; each row of such
 * a bucket tests the changed splits of its (known) path, and only a row that now turns at
 * one walks on, from the topmost such split (on the 100-tree depth-6 benchmark: a fifth of
 * the (row, tree) pairs are tested, a third of those walk). Its sum changes by the difference
 * of the two leaves, exactly, so the margins are the bits of a full prediction whatever the
 * order. Branches on the data are replaced by masks: they mispredict half the time.
 */
#include "explain/model.h"

#include <float.h>
#include <math.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cjson/cJSON.h>

#include "common/alloc.h"
#include "common/error.h"

#define TREES "learner.gradient_booster.model.trees"
/* Rows predicted together, tree by tree (16 to 128 measure about the same). */
#define BLOCK 64
/* Rows of a block of the index (fa_xgboost__index_create): row numbers within a block fit a
 * uint16_t, and a block's rows (2048 x 20 doubles: 320 kB) stay in the L2 cache while a
 * repeat re-walks them. */
#define INDEX_BLOCK 2048
_Static_assert(INDEX_BLOCK <= 65536, "a row within a block fits a uint16_t");
/* Rows of a bucket walked together, one level at a time. */
#define WALK_LANES 16
/* Largest |sum of leaves| in fixed point: a row's sum, and a sum's change, fit an int64_t. */
#define FIXED_LIMIT 0x1p61
/* The split feature's high bit marks "a missing value goes right". */
#define DEFAULT_RIGHT 0x80000000u
/* Largest tree and feature count accepted (node indices and features fit 31 bits). */
#define MAX_NODES ((size_t)INT32_MAX)
#define MAX_FEATURES (((size_t)1 << 30) - 1)
/* In a delta workspace's copy of the nodes, marks a split on a changed column: its feature
 * field then holds the column's slot in the changed set (fa_xgboost__delta_predict). */
#define FROM_SLOT 0x40000000u

/*
 * A node of the flat array (16 bytes). At a split: `left` is the left child's absolute index
 * (the right child is left + 1) and `thr` the double boundary equivalent to the float32
 * threshold (go right when x >= thr, see f32_boundary). A leaf is a split to itself that
 * every row takes: left is its own index, thr is NAN (x >= NAN is false for every x, NAN
 * included) and a missing value goes left; so a step needs no test for "at a leaf", and no
 * branch. Its value is in the parallel array xgb.leaf.
 */
typedef struct xnode {
    double thr;
    uint32_t feature; /* column | DEFAULT_RIGHT; 0 at a leaf */
    uint32_t left;
} xnode;

typedef struct xgb {
    size_t n_trees;
    uint32_t *root;  /* n_trees indices into nodes */
    uint32_t *depth; /* n_trees: edges on the longest path from the root */
    xnode *nodes;
    double *leaf; /* per node: the leaf value (a float32, exact in double), 0 at a split */
    size_t n_nodes;
    fa_xgboost_tree *trees; /* the explainers' view, breadth-first numbering */
    void **tree_mem;        /* per tree, the one block its view's arrays live in */
    double base;            /* base margin, double */
    float base32;           /* base margin as XGBoost computes it in float32 */
    int float32;            /* 1: accumulate in float like XGBoost */
    int64_t *fixed;         /* per node: the leaf value / scale, an integer; NULL: not exact */
    double scale;           /* a power of two */
} xgb;

/* One tree while it is read: its arrays in the file's numbering. */
typedef struct rawtree {
    size_t n;
    int32_t *left, *right;
    uint32_t *feature;
    float *cond;
    uint8_t *dl;
    double *cover; /* NULL when the file has no sum_hessian */
    uint8_t *split_type;
} rawtree;

static void xgb_free(void *payload)
{
    xgb *g = payload;
    if (g == NULL) {
        return;
    }
    if (g->tree_mem != NULL) {
        for (size_t t = 0; t < g->n_trees; t++) {
            free(g->tree_mem[t]);
        }
    }
    free(g->tree_mem);
    free(g->trees);
    free(g->root);
    free(g->depth);
    free(g->nodes);
    free(g->leaf);
    free(g->fixed);
    free(g);
}

/* float32(v) for a parameter; out-of-range values saturate instead of being undefined. */
static inline float to_f32(double v)
{
    if (v > FLT_MAX) {
        return INFINITY;
    }
    if (v < -FLT_MAX) {
        return -INFINITY;
    }
    return (float)v;
}

/*
 * The double b with  float32(v) < t  <=>  v < b  for every double v (round to nearest, ties
 * to even, as the conversion XGBoost applies to its input). float32(v) < t exactly when v
 * rounds to t's predecessor p or below: v below the midpoint m of p and t, or v == m when
 * the tie goes to p. m is exact in double. Comparing in double then needs no conversion per
 * step and is defined for every v, including values beyond float range.
 */
static double f32_boundary(float t)
{
    float p = nextafterf(t, -INFINITY);
    if (isinf(p)) {
        /* t = -FLT_MAX: below -(FLT_MAX + half an ulp) values round to -inf (a tie too) */
        return nextafter(-(double)FLT_MAX - ldexp(1.0, 103), INFINITY);
    }
    double m = ((double)p + (double)t) / 2.0;
    return (float)m == p ? nextafter(m, INFINITY) : m;
}

/*
 * One step of a row down a tree: the child of node `at` the row goes to (`at` itself at a
 * leaf), with no branch. x >= thr is !(x < thr) for a number; a missing value compares false
 * and goes right only when the split says so.
 */
static inline uint32_t step(const xnode *nodes, uint32_t at, const double row[])
{
    const xnode *nd = nodes + at;
    double v = row[nd->feature & ~DEFAULT_RIGHT];
    uint32_t right = (uint32_t)(v >= nd->thr) | ((uint32_t)(v != v) & (nd->feature >> 31));
    return nd->left + right;
}

/*
 * The leaves (absolute node indices) that rows [0, nb) of a block (nb <= BLOCK) reach in
 * tree t. All rows descend one level at a time, for as many levels as the tree is deep, so
 * the steps of different rows overlap in the processor (a row at its leaf stays there).
 */
static inline void walk_block(uint32_t idx[], const xgb *g, size_t t, const double xb[], size_t nb,
                              size_t n_cols)
{
    const xnode *nodes = g->nodes;
    const uint32_t root = g->root[t];
    for (size_t i = 0; i < nb; i++) {
        idx[i] = root;
    }
    for (uint32_t d = 0; d < g->depth[t]; d++) {
        for (size_t i = 0; i < nb; i++) {
            idx[i] = step(nodes, idx[i], xb + i * n_cols);
        }
    }
}

/*
 * The margins of x's rows, block by block, tree by tree: exact sums in fixed point when the
 * model allows them (the default), XGBoost's float32 sums in tree order (float32 mode), or
 * double sums in tree order (a model whose leaves span too many binary orders).
 */
static void predict_rows(double out[], const xgb *g, const double x[], size_t n_rows, size_t n_cols)
{
    uint32_t idx[BLOCK];
    for (size_t i0 = 0; i0 < n_rows; i0 += BLOCK) {
        size_t nb = n_rows - i0 < BLOCK ? n_rows - i0 : BLOCK;
        const double *xb = x + i0 * n_cols;
        if (g->float32) {
            float acc[BLOCK];
            for (size_t i = 0; i < nb; i++) {
                acc[i] = g->base32;
            }
            for (size_t t = 0; t < g->n_trees; t++) {
                walk_block(idx, g, t, xb, nb, n_cols);
                for (size_t i = 0; i < nb; i++) {
                    acc[i] += (float)g->leaf[idx[i]];
                }
            }
            for (size_t i = 0; i < nb; i++) {
                out[i0 + i] = (double)acc[i];
            }
        } else if (g->fixed != NULL) {
            int64_t acc[BLOCK] = {0};
            for (size_t t = 0; t < g->n_trees; t++) {
                walk_block(idx, g, t, xb, nb, n_cols);
                for (size_t i = 0; i < nb; i++) {
                    acc[i] += g->fixed[idx[i]];
                }
            }
            for (size_t i = 0; i < nb; i++) {
                out[i0 + i] = g->base + (double)acc[i] * g->scale;
            }
        } else {
            double acc[BLOCK];
            for (size_t i = 0; i < nb; i++) {
                acc[i] = g->base;
            }
            for (size_t t = 0; t < g->n_trees; t++) {
                walk_block(idx, g, t, xb, nb, n_cols);
                for (size_t i = 0; i < nb; i++) {
                    acc[i] += g->leaf[idx[i]];
                }
            }
            /* acc[0..nb) is set above; cppcheck does not see it */
            // cppcheck-suppress uninitvar
            memcpy(out + i0, acc, nb * sizeof *acc);
        }
    }
}

static int xgb_predict(double out[], const double x[], size_t n_rows, size_t n_cols, fa_error *err,
                       void *payload)
{
    (void)err;
    predict_rows(out, payload, x, n_rows, n_cols);
    return FA_OK;
}

static const fa_model_vtable XGB_VT = {"xgboost", xgb_predict, xgb_free, FA_OUTPUT_MARGIN, 1};

/* ------------------------------------------------------------ reading a tree */

static int oom(const fa_model_json *c)
{
    return fa_error_set(c->err, FA_ENOMEM, c->name, 0, 0, "out of memory");
}

static void raw_dispose(rawtree *r)
{
    free(r->left);
    free(r->right);
    free(r->feature);
    free(r->cond);
    free(r->dl);
    free(r->cover);
    free(r->split_type);
}

/* The array `key` of tree `tp` (path "<TREES>[t]"), which must hold exactly n entries. */
static int tree_array(const cJSON **arr, const fa_model_json *c, const cJSON *tree, const char *tp,
                      const char *key, size_t n, int required)
{
    int st = fa_model__json_member(arr, c, tree, tp, key, required);
    if (st != FA_OK || *arr == NULL) {
        return st;
    }
    char jp[FA_ERROR_PATH_MAX];
    fa_model__json_path(jp, sizeof jp, tp, key);
    if (!cJSON_IsArray(*arr)) {
        return fa_model__json_bad(c, jp, "an array", *arr);
    }
    size_t len = 0;
    for (const cJSON *e = (*arr)->child; e != NULL; e = e->next) {
        len++;
    }
    if (len != n) {
        return fa_error_set_json(c->err, FA_EPARSE, c->name, jp,
                                 "has %zu entries, expected %zu (tree_param.num_nodes)", len, n);
    }
    return FA_OK;
}

/* Reads entry i of an array as a whole number in [lo, hi]. */
static int entry_int(long *out, const fa_model_json *c, const cJSON *e, const char *tp,
                     const char *key, size_t i, double lo, double hi)
{
    if (cJSON_IsNumber(e) && e->valuedouble == floor(e->valuedouble) && e->valuedouble >= lo &&
        e->valuedouble <= hi) {
        *out = (long)e->valuedouble;
        return FA_OK;
    }
    if (cJSON_IsBool(e) && lo <= 0 && hi >= 1) {
        *out = cJSON_IsTrue(e);
        return FA_OK;
    }
    char jp[FA_ERROR_PATH_MAX], expected[80];
    snprintf(jp, sizeof jp, "%s.%s[%zu]", tp, key, i);
    snprintf(expected, sizeof expected, "a whole number from %.0f to %.0f", lo, hi);
    return fa_model__json_bad(c, jp, expected, e);
}

static int entry_float(float *out, const fa_model_json *c, const cJSON *e, const char *tp,
                       const char *key, size_t i)
{
    if (cJSON_IsNumber(e) && fabs(e->valuedouble) <= FLT_MAX) {
        *out = (float)e->valuedouble;
        return FA_OK;
    }
    char jp[FA_ERROR_PATH_MAX];
    snprintf(jp, sizeof jp, "%s.%s[%zu]", tp, key, i);
    return fa_model__json_bad(c, jp, "a finite float32 number", e);
}

/* The arrays of a tree that fairaudit reads; the first five are required. */
enum { A_LEFT, A_RIGHT, A_SPLIT, A_COND, A_DL, A_COVER, A_TYPE, N_ARRAYS };
static const char *const TREE_KEYS[N_ARRAYS] = {
    "left_children", "right_children", "split_indices", "split_conditions",
    "default_left",  "sum_hessian",    "split_type"};

/* Reads node i from the current entries e[] of the arrays (children range-checked later). */
static int read_node(rawtree *r, const fa_model_json *c, const cJSON *const e[], const char *tp,
                     size_t i)
{
    const double lo = (double)INT32_MIN, hi = (double)INT32_MAX;
    long v[N_ARRAYS] = {0};
    int st = entry_int(&v[A_LEFT], c, e[A_LEFT], tp, TREE_KEYS[A_LEFT], i, lo, hi);
    if (st == FA_OK) {
        st = entry_int(&v[A_RIGHT], c, e[A_RIGHT], tp, TREE_KEYS[A_RIGHT], i, lo, hi);
    }
    if (st == FA_OK) {
        st = entry_int(&v[A_SPLIT], c, e[A_SPLIT], tp, TREE_KEYS[A_SPLIT], i, 0, hi);
    }
    if (st == FA_OK) {
        st = entry_float(&r->cond[i], c, e[A_COND], tp, TREE_KEYS[A_COND], i);
    }
    if (st == FA_OK) {
        st = entry_int(&v[A_DL], c, e[A_DL], tp, TREE_KEYS[A_DL], i, 0, 1);
    }
    if (st == FA_OK && e[A_TYPE] != NULL) {
        st = entry_int(&v[A_TYPE], c, e[A_TYPE], tp, TREE_KEYS[A_TYPE], i, 0, 255);
    }
    if (st == FA_OK && r->cover != NULL) {
        char jp[FA_ERROR_PATH_MAX];
        snprintf(jp, sizeof jp, "%s.%s[%zu]", tp, TREE_KEYS[A_COVER], i);
        st = fa_model__json_number(&r->cover[i], c, e[A_COVER], jp, 0);
    }
    r->left[i] = (int32_t)v[A_LEFT];
    r->right[i] = (int32_t)v[A_RIGHT];
    r->feature[i] = (uint32_t)v[A_SPLIT];
    r->dl[i] = (uint8_t)v[A_DL];
    r->split_type[i] = (uint8_t)v[A_TYPE];
    return st;
}

/* Reads the parallel arrays of one tree into r (the file's numbering, not yet checked). */
static int read_arrays(rawtree *r, const fa_model_json *c, const cJSON *tree, const char *tp)
{
    const cJSON *e[N_ARRAYS];
    for (size_t k = 0; k < N_ARRAYS; k++) {
        int st = tree_array(&e[k], c, tree, tp, TREE_KEYS[k], r->n, k < A_COVER);
        if (st != FA_OK) {
            return st;
        }
        e[k] = e[k] != NULL ? e[k]->child : NULL;
    }
    r->left = fa_alloc_array(r->n, sizeof *r->left);
    r->right = fa_alloc_array(r->n, sizeof *r->right);
    r->feature = fa_alloc_array(r->n, sizeof *r->feature);
    r->cond = fa_alloc_array(r->n, sizeof *r->cond);
    r->dl = fa_alloc_array(r->n, sizeof *r->dl);
    r->split_type = fa_alloc_array(r->n, sizeof *r->split_type);
    int with_cover = e[A_COVER] != NULL;
    r->cover = with_cover ? fa_alloc_array(r->n, sizeof *r->cover) : NULL;
    if (!r->left || !r->right || !r->feature || !r->cond || !r->dl || !r->split_type ||
        (with_cover && !r->cover)) {
        return oom(c);
    }
    for (size_t i = 0; i < r->n; i++) {
        int st = read_node(r, c, e, tp, i);
        if (st != FA_OK) {
            return st;
        }
        for (size_t k = 0; k < N_ARRAYS; k++) {
            e[k] = e[k] != NULL ? e[k]->next : NULL;
        }
    }
    return FA_OK;
}

/* Error at "<tp>.<key>[node]". */
static int node_error(const fa_model_json *c, const char *tp, const char *key, size_t node,
                      const char *fmt, ...) FA_PRINTF(5, 6);
static int node_error(const fa_model_json *c, const char *tp, const char *key, size_t node,
                      const char *fmt, ...)
{
    char jp[FA_ERROR_PATH_MAX], msg[256];
    snprintf(jp, sizeof jp, "%s.%s[%zu]", tp, key, node);
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(msg, sizeof msg, fmt, ap);
    va_end(ap);
    return fa_error_set_json(c->err, FA_EPARSE, c->name, jp, "%s", msg);
}

/*
 * Checks the structure breadth-first from the root and writes the new numbering: order[q]
 * is the file's node at position q; a split at q gets its children at two fresh consecutive
 * positions. A node reached a second time means a cycle or a shared child: error. Since each
 * node is queued at most once, the walk ends after at most n steps whatever the file says.
 */
static int check_tree(size_t *n_reached, size_t order[], long newidx[], const rawtree *r,
                      const fa_model_json *c, const char *tp, size_t num_feature)
{
    const char *const LC = "left_children", *const RC = "right_children";
    for (size_t i = 0; i < r->n; i++) {
        newidx[i] = -1;
    }
    order[0] = 0;
    newidx[0] = 0;
    size_t count = 1;
    for (size_t q = 0; q < count; q++) {
        size_t o = order[q];
        int32_t ch[2] = {r->left[o], r->right[o]};
        if (ch[0] == -1 && ch[1] == -1) {
            continue;
        }
        for (int s = 0; s < 2; s++) {
            const char *key = s == 0 ? LC : RC;
            if (ch[s] == -1) {
                return node_error(c, tp, key, o,
                                  "node %ld has one child (%ld): a split needs two, a leaf none",
                                  (long)o, (long)ch[1 - s]);
            }
            if (ch[s] < 0 || (size_t)ch[s] >= r->n) {
                return node_error(c, tp, key, o, "node index %ld outside the tree (%ld nodes)",
                                  (long)ch[s], (long)r->n);
            }
            if (newidx[ch[s]] != -1) {
                return node_error(c, tp, key, o,
                                  "node %ld is reached twice: the tree has a cycle or a "
                                  "shared node (parent %ld)",
                                  (long)ch[s], (long)o);
            }
            newidx[ch[s]] = (long)count;
            order[count++] = (size_t)ch[s];
        }
        if (r->feature[o] >= num_feature) {
            return node_error(c, tp, "split_indices", o, "feature index %ld >= num_feature (%ld)",
                              (long)r->feature[o], (long)num_feature);
        }
        if (r->split_type[o] != 0) {
            return node_error(c, tp, "split_type", o,
                              "categorical split (type %d) not supported: only numerical splits "
                              "are read",
                              (int)r->split_type[o]);
        }
    }
    *n_reached = count;
    return FA_OK;
}

/*
 * Builds the explainers' view and the flat nodes of one checked tree. The view's arrays
 * share one block (*mem), widest type first so each stays aligned.
 */
static int build_tree(fa_xgboost_tree *t, void **mem, xnode *flat, double *leafv, size_t base,
                      const rawtree *r, const size_t order[], const long newidx[], size_t count)
{
    size_t per_node =
        sizeof(double) + 2 * sizeof(int32_t) + sizeof(uint32_t) + sizeof(float) + sizeof(uint8_t);
    unsigned char *blk = fa_alloc_array(count, per_node);
    if (blk == NULL) {
        return FA_ENOMEM;
    }
    *mem = blk;
    double *cover = (double *)(void *)blk;
    int32_t *left = (int32_t *)(void *)(cover + count);
    int32_t *right = left + count;
    uint32_t *feature = (uint32_t *)(void *)(right + count);
    float *value = (float *)(void *)(feature + count);
    uint8_t *dl = (uint8_t *)(void *)(value + count);
    for (size_t q = 0; q < count; q++) {
        size_t o = order[q];
        int leaf = r->left[o] == -1;
        left[q] = leaf ? -1 : (int32_t)newidx[r->left[o]];
        right[q] = leaf ? -1 : (int32_t)newidx[r->right[o]];
        feature[q] = leaf ? 0 : r->feature[o];
        value[q] = r->cond[o];
        dl[q] = leaf ? 0 : r->dl[o];
        cover[q] = r->cover ? r->cover[o] : NAN;
        flat[q].thr = leaf ? NAN : f32_boundary(value[q]);
        flat[q].feature = feature[q] | (leaf || dl[q] ? 0u : DEFAULT_RIGHT);
        flat[q].left = (uint32_t)(base + (leaf ? q : (size_t)left[q]));
        leafv[q] = leaf ? (double)value[q] : 0.0;
    }
    t->n_nodes = count;
    t->left = left;
    t->right = right;
    t->feature = feature;
    t->value = value;
    t->default_left = dl;
    t->cover = r->cover ? cover : NULL;
    return FA_OK;
}

/* tree_param.num_nodes of the tree at tp: at least 1. */
static int read_num_nodes(size_t *n, const fa_model_json *c, const cJSON *tree, const char *tp)
{
    char jp[FA_ERROR_PATH_MAX], np[FA_ERROR_PATH_MAX];
    const cJSON *param, *nn;
    int st = fa_model__json_member(&param, c, tree, tp, "tree_param", 1);
    fa_model__json_path(jp, sizeof jp, tp, "tree_param");
    if (st == FA_OK && !cJSON_IsObject(param)) {
        st = fa_model__json_bad(c, jp, "an object", param);
    }
    if (st == FA_OK) {
        st = fa_model__json_member(&nn, c, param, jp, "num_nodes", 1);
    }
    fa_model__json_path(np, sizeof np, jp, "num_nodes");
    if (st == FA_OK) {
        st = fa_model__json_count(n, c, nn, np, MAX_NODES, 1);
    }
    if (st == FA_OK && *n == 0) {
        st = fa_error_set_json(c->err, FA_EPARSE, c->name, np, "a tree needs at least a root");
    }
    return st;
}

/* Edges on the longest root-to-leaf path; level[] is scratch of n_nodes entries. */
static uint32_t tree_depth(const fa_xgboost_tree *v, size_t level[])
{
    size_t depth = 0;
    level[0] = 0;
    for (size_t q = 0; q < v->n_nodes; q++) { /* children follow their parent */
        if (v->left[q] >= 0) {
            level[v->left[q]] = level[v->right[q]] = level[q] + 1;
            depth = level[q] + 1 > depth ? level[q] + 1 : depth;
        }
    }
    return (uint32_t)depth;
}

/* Reads, checks and appends tree t. */
static int read_tree(xgb *g, size_t cap[2], const fa_model_json *c, const cJSON *tree, size_t t,
                     size_t num_feature)
{
    char tp[64];
    snprintf(tp, sizeof tp, TREES "[%zu]", t);
    if (!cJSON_IsObject(tree)) {
        return fa_model__json_bad(c, tp, "a tree object", tree);
    }
    rawtree r = {0};
    int st = read_num_nodes(&r.n, c, tree, tp);
    if (st == FA_OK) {
        st = read_arrays(&r, c, tree, tp);
    }
    size_t *order = NULL, count = 0;
    long *newidx = NULL;
    if (st == FA_OK) {
        order = fa_alloc_array(r.n, sizeof *order);
        newidx = fa_alloc_array(r.n, sizeof *newidx);
        st = order && newidx ? check_tree(&count, order, newidx, &r, c, tp, num_feature) : oom(c);
    }
    if (st == FA_OK && g->n_nodes + count > (size_t)UINT32_MAX) {
        st = fa_error_set_json(c->err, FA_EPARSE, c->name, tp, "the model has too many nodes");
    }
    if (st == FA_OK && g->n_nodes + count > cap[0]) {
        void *p = g->nodes;
        st = fa_grow(&p, &cap[0], g->n_nodes + count, sizeof *g->nodes) == 0 ? FA_OK : oom(c);
        g->nodes = p;
    }
    if (st == FA_OK && g->n_nodes + count > cap[1]) {
        void *p = g->leaf;
        st = fa_grow(&p, &cap[1], g->n_nodes + count, sizeof *g->leaf) == 0 ? FA_OK : oom(c);
        g->leaf = p;
    }
    if (st == FA_OK &&
        build_tree(&g->trees[t], &g->tree_mem[t], g->nodes + g->n_nodes, g->leaf + g->n_nodes,
                   g->n_nodes, &r, order, newidx, count) != FA_OK) {
        st = oom(c);
    }
    if (st == FA_OK) {
        g->depth[t] = tree_depth(&g->trees[t], order);
        g->root[t] = (uint32_t)g->n_nodes;
        g->n_nodes += count;
    }
    free(order);
    free(newidx);
    raw_dispose(&r);
    return st;
}

/* ------------------------------------------------------------ the learner */

/* obj.key as an object (required). */
static int object_member(const cJSON **out, const fa_model_json *c, const cJSON *obj,
                         const char *path, const char *key, char *jp, size_t jp_size)
{
    int st = fa_model__json_member(out, c, obj, path, key, 1);
    fa_model__json_path(jp, jp_size, path, key);
    if (st == FA_OK && !cJSON_IsObject(*out)) {
        st = fa_model__json_bad(c, jp, "an object", *out);
    }
    return st;
}

/* A numeric parameter of an object, written as a string ("50") or a number. */
static int count_param(size_t *out, const fa_model_json *c, const cJSON *obj, const char *path,
                       const char *key, size_t max, int required)
{
    const cJSON *v;
    int st = fa_model__json_member(&v, c, obj, path, key, required);
    if (st != FA_OK || v == NULL) {
        return st;
    }
    char jp[FA_ERROR_PATH_MAX];
    fa_model__json_path(jp, sizeof jp, path, key);
    return fa_model__json_count(out, c, v, jp, max, 1);
}

static const char *const OBJECTIVES[] = {"binary:logistic", "reg:logistic", "reg:squarederror"};

/* learner.objective.name: the link. */
static int read_objective(fa_link *link, const fa_model_json *c, const cJSON *learner)
{
    char jp[FA_ERROR_PATH_MAX];
    const cJSON *obj, *name;
    int st = object_member(&obj, c, learner, "learner", "objective", jp, sizeof jp);
    if (st == FA_OK) {
        st = fa_model__json_member(&name, c, obj, "learner.objective", "name", 1);
    }
    if (st != FA_OK) {
        return st;
    }
    size_t k = 0;
    while (k < 3 && !(cJSON_IsString(name) && strcmp(name->valuestring, OBJECTIVES[k]) == 0)) {
        k++;
    }
    if (k == 3) {
        return fa_model__json_bad(c, "learner.objective.name",
                                  "binary:logistic, reg:logistic or reg:squarederror "
                                  "(the objectives fairaudit reads)",
                                  name);
    }
    *link = k < 2 ? FA_LINK_LOGISTIC : FA_LINK_IDENTITY;
    return FA_OK;
}

/* The base margin from base_score (a float in XGBoost): logit for the logistic link. */
static int base_margin(xgb *g, fa_link link, const fa_model_json *c, const cJSON *bs)
{
    const char *BS = "learner.learner_model_param.base_score";
    double b = 0.0;
    int st = fa_model__json_number(&b, c, bs, BS, 1);
    if (st != FA_OK) {
        return st;
    }
    float b32 = to_f32(b);
    if (link == FA_LINK_LOGISTIC) {
        if (!(b32 > 0.0f && b32 < 1.0f)) {
            return fa_model__json_bad(c, BS, "a probability strictly between 0 and 1", bs);
        }
        g->base = log((double)b32) - log1p(-(double)b32);
        g->base32 = -logf(1.0f / b32 - 1.0f); /* XGBoost's ProbToMargin, in float */
    } else {
        if (!isfinite(b32)) {
            return fa_model__json_bad(c, BS, "a finite float32 number", bs);
        }
        g->base = (double)b32;
        g->base32 = b32;
    }
    return FA_OK;
}

/* learner.learner_model_param: feature count, one output, base margin. */
static int read_model_param(xgb *g, size_t *num_feature, fa_link link, const fa_model_json *c,
                            const cJSON *learner)
{
    char jp[FA_ERROR_PATH_MAX];
    const char *P = "learner.learner_model_param";
    const cJSON *lmp, *bs;
    size_t num_class = 0, num_target = 1;
    int st = object_member(&lmp, c, learner, "learner", "learner_model_param", jp, sizeof jp);
    if (st == FA_OK) {
        st = count_param(num_feature, c, lmp, P, "num_feature", MAX_FEATURES, 1);
    }
    if (st == FA_OK) {
        st = count_param(&num_class, c, lmp, P, "num_class", MAX_FEATURES, 0);
    }
    if (st == FA_OK) {
        st = count_param(&num_target, c, lmp, P, "num_target", MAX_FEATURES, 0);
    }
    if (st == FA_OK && (num_class > 1 || num_target > 1)) {
        st = fa_error_set_json(c->err, FA_EPARSE, c->name,
                               num_class > 1 ? "learner.learner_model_param.num_class"
                                             : "learner.learner_model_param.num_target",
                               "models with several outputs are not supported (%zu)",
                               num_class > 1 ? num_class : num_target);
    }
    if (st == FA_OK) {
        st = fa_model__json_member(&bs, c, lmp, P, "base_score", 1);
    }
    return st == FA_OK ? base_margin(g, link, c, bs) : st;
}

/* learner.feature_names, or f0..f{n-1} when the file has none (a model fitted on a matrix). */
static int read_names(fa_model *m, const fa_model_json *c, const cJSON *learner, size_t n)
{
    const cJSON *v;
    int st = fa_model__json_member(&v, c, learner, "learner", "feature_names", 0);
    if (st == FA_OK && v != NULL && !(cJSON_IsArray(v) && v->child == NULL)) {
        st = fa_model__json_names(&m->names, &m->n_features, c, v, "learner.feature_names");
        if (st == FA_OK && m->n_features != n) {
            return fa_error_set_json(c->err, FA_EPARSE, c->name, "learner.feature_names",
                                     "has %zu names, expected %zu "
                                     "(learner.learner_model_param.num_feature)",
                                     m->n_features, n);
        }
        return st;
    }
    if (st != FA_OK) {
        return st;
    }
    m->names = fa_calloc_array(n, sizeof *m->names);
    if (m->names == NULL) {
        return oom(c);
    }
    m->n_features = n;
    m->unnamed = n > 0;
    for (size_t j = 0; j < n; j++) {
        char buf[32];
        snprintf(buf, sizeof buf, "f%zu", j);
        if ((m->names[j] = fa_strdup(buf)) == NULL) {
            return oom(c);
        }
    }
    return FA_OK;
}

/* learner.gradient_booster: a gbtree; *model = its "model" object. */
static int booster_model(const cJSON **model, const fa_model_json *c, const cJSON *learner)
{
    char jp[FA_ERROR_PATH_MAX];
    const char *GB = "learner.gradient_booster";
    const cJSON *gb, *name;
    int st = object_member(&gb, c, learner, "learner", "gradient_booster", jp, sizeof jp);
    if (st == FA_OK) {
        st = fa_model__json_member(&name, c, gb, GB, "name", 1);
    }
    if (st == FA_OK && !(cJSON_IsString(name) && strcmp(name->valuestring, "gbtree") == 0)) {
        st = fa_model__json_bad(c, "learner.gradient_booster.name",
                                "\"gbtree\" (fairaudit reads tree boosters, not dart or gblinear)",
                                name);
    }
    return st == FA_OK ? object_member(model, c, gb, GB, "model", jp, sizeof jp) : st;
}

/* tree_info (optional): one entry per tree, all 0 (a single output). */
static int check_tree_info(const fa_model_json *c, const cJSON *model, size_t n_trees)
{
    const char *TI = "learner.gradient_booster.model.tree_info";
    const cJSON *info;
    int st =
        fa_model__json_member(&info, c, model, "learner.gradient_booster.model", "tree_info", 0);
    if (st != FA_OK || info == NULL) {
        return st;
    }
    double *ti = NULL;
    size_t n_info = 0;
    st = fa_model__json_doubles(&ti, &n_info, c, info, TI, SIZE_MAX);
    if (st == FA_OK && n_info != n_trees) {
        st = fa_error_set_json(c->err, FA_EPARSE, c->name, TI, "has %zu entries for %zu trees",
                               n_info, n_trees);
    }
    for (size_t i = 0; st == FA_OK && i < n_info; i++) {
        if (ti[i] != 0.0) {
            char jp[FA_ERROR_PATH_MAX];
            snprintf(jp, sizeof jp, "%s[%zu]", TI, i);
            st = fa_error_set_json(c->err, FA_EPARSE, c->name, jp,
                                   "tree of output %.17g: models with several outputs are not "
                                   "supported",
                                   ti[i]);
        }
    }
    free(ti);
    return st;
}

/* gradient_booster: gbtree, num_trees, tree_info, and every tree. */
static int read_booster(xgb *g, const fa_model_json *c, const cJSON *learner, size_t num_feature)
{
    char jp[FA_ERROR_PATH_MAX];
    const char *MODEL = "learner.gradient_booster.model";
    const cJSON *model, *gmp, *trees;
    size_t num_trees = 0;
    int st = booster_model(&model, c, learner);
    if (st == FA_OK) {
        st = object_member(&gmp, c, model, MODEL, "gbtree_model_param", jp, sizeof jp);
    }
    if (st == FA_OK) {
        st = count_param(&num_trees, c, gmp, jp, "num_trees", MAX_NODES, 1);
    }
    if (st == FA_OK) {
        st = fa_model__json_member(&trees, c, model, MODEL, "trees", 1);
    }
    if (st == FA_OK && !cJSON_IsArray(trees)) {
        st = fa_model__json_bad(c, TREES, "an array of trees", trees);
    }
    if (st != FA_OK) {
        return st;
    }
    for (const cJSON *t = trees->child; t != NULL; t = t->next) {
        g->n_trees++;
    }
    if (g->n_trees != num_trees) {
        return fa_error_set_json(c->err, FA_EPARSE, c->name,
                                 "learner.gradient_booster.model.gbtree_model_param.num_trees",
                                 "says %zu trees, but " TREES " has %zu", num_trees, g->n_trees);
    }
    st = check_tree_info(c, model, g->n_trees);
    if (st != FA_OK) {
        return st;
    }
    g->root = fa_alloc_array(g->n_trees, sizeof *g->root);
    g->depth = fa_alloc_array(g->n_trees, sizeof *g->depth);
    g->trees = fa_calloc_array(g->n_trees, sizeof *g->trees);
    g->tree_mem = fa_calloc_array(g->n_trees, sizeof *g->tree_mem);
    if (g->root == NULL || g->depth == NULL || g->trees == NULL || g->tree_mem == NULL) {
        return oom(c);
    }
    size_t cap[2] = {0, 0}, t = 0;
    for (const cJSON *tree = trees->child; tree != NULL && st == FA_OK; tree = tree->next) {
        st = read_tree(g, cap, c, tree, t++, num_feature);
    }
    return st;
}

/* ------------------------------------------------------------ exact sums */

/*
 * The exponent e of the lowest set bit of v (v = odd integer * 2^e), for a nonzero float32
 * value held in a double: frexp gives v = f * 2^k with f in [0.5, 1), and f * 2^24 is an
 * integer, since a float32 has 24 significant bits.
 */
static int lowest_bit(double v)
{
    int k;
    double f = frexp(fabs(v), &k);
    uint64_t mant = (uint64_t)ldexp(f, 24);
    int e = k - 24;
    while ((mant & 1u) == 0) {
        mant >>= 1;
        e++;
    }
    return e;
}

/*
 * Fixed point (why: permutation importance's incremental prediction). Every leaf value is a
 * float32, an integer multiple of 2^e for the smallest e over the leaves; when every sum of
 * one leaf per tree stays below 2^61 in those units (leaves within ~2^55 of each other in
 * magnitude: always so for models fairaudit has met), the margins are computed as
 *
 *     margin = base + (double)(sum of the leaves / 2^e, an exact int64) * 2^e
 *
 * The sum is exact, so it does not depend on the order of the terms: a prediction can then
 * be updated by adding the changes of a few trees' leaves, and still give the bits of a full
 * prediction. The result is the correctly rounded sum of the leaves (rounded once, then the
 * base is added), which differs from adding the leaves one by one in double by a few ulps at
 * most. Otherwise g->fixed stays NULL and the leaves are added in double, in tree order.
 */
static int fixed_point_setup(xgb *g)
{
    int e_min = INT32_MAX;
    double bound = 0.0;
    for (size_t t = 0; t < g->n_trees; t++) {
        double top = 0.0;
        for (size_t q = g->root[t]; q < g->root[t] + g->trees[t].n_nodes; q++) {
            double v = g->leaf[q];
            if (v != 0.0) {
                int e = lowest_bit(v);
                e_min = e < e_min ? e : e_min;
                top = fabs(v) > top ? fabs(v) : top;
            }
        }
        bound += top;
    }
    if (e_min == INT32_MAX) { /* every leaf is 0 */
        e_min = 0;
    }
    if (!(ldexp(bound, -e_min) < FIXED_LIMIT)) {
        return FA_OK;
    }
    g->fixed = fa_alloc_array(g->n_nodes > 0 ? g->n_nodes : 1, sizeof *g->fixed);
    if (g->fixed == NULL) {
        return FA_ENOMEM;
    }
    for (size_t q = 0; q < g->n_nodes; q++) {
        g->fixed[q] = (int64_t)ldexp(g->leaf[q], -e_min);
    }
    g->scale = ldexp(1.0, e_min);
    return FA_OK;
}

/* ------------------------------------------------------------ internal API */

int fa_xgboost__from_json(fa_model **out, const cJSON *root, const fa_model_json *c)
{
    *out = NULL;
    const cJSON *learner;
    char jp[FA_ERROR_PATH_MAX];
    int st = object_member(&learner, c, root, "", "learner", jp, sizeof jp);
    if (st != FA_OK) {
        return st;
    }
    xgb *g = calloc(1, sizeof *g);
    fa_model *m = fa_model__new(&XGB_VT, FA_LINK_LOGISTIC);
    if (g == NULL || m == NULL) {
        free(g);
        free(m);
        return oom(c);
    }
    m->payload = g;
    size_t num_feature = 0;
    st = read_objective(&m->link, c, learner);
    if (st == FA_OK) {
        st = read_model_param(g, &num_feature, m->link, c, learner);
    }
    if (st == FA_OK) {
        st = read_names(m, c, learner, num_feature);
    }
    if (st == FA_OK) {
        st = read_booster(g, c, learner, num_feature);
    }
    if (st == FA_OK && fixed_point_setup(g) != FA_OK) {
        st = oom(c);
    }
    if (st != FA_OK) {
        fa_model_free(m);
        return st;
    }
    *out = m;
    return FA_OK;
}

int fa_xgboost__trees(const fa_xgboost_tree **trees, size_t *n_trees, double *base_margin,
                      const fa_model *m)
{
    if (m == NULL || m->vt != &XGB_VT) {
        return FA_EINVAL;
    }
    const xgb *g = m->payload;
    *trees = g->trees;
    *n_trees = g->n_trees;
    *base_margin = g->base;
    return FA_OK;
}

int fa_xgboost__set_float32(fa_model *m, int on)
{
    if (m == NULL || m->vt != &XGB_VT) {
        return FA_EINVAL;
    }
    ((xgb *)m->payload)->float32 = on != 0;
    return FA_OK;
}

/* ------------------------------------------------------------ incremental prediction */

/* "No split on a changed column above this node". */
#define NO_NODE UINT32_MAX

struct fa_xgboost_index {
    const xgb *g;
    const double *x; /* borrowed: n_rows x n_cols */
    size_t n_rows, n_cols, n_blocks;
    int64_t *sum;   /* n_rows: each row's sum of leaves, in fixed point */
    uint32_t *off;  /* per block, n_nodes + 1 bounds: the bucket of node q is [off[q], off[q+1]) */
    uint16_t *rows; /* per block, n_trees * INDEX_BLOCK rows (within the block), by leaf */
    double *cols;   /* n_cols x n_rows: x by column, for gathering shuffled columns */
};

struct fa_xgboost_delta {
    const fa_xgboost_index *ix;
    size_t max_cols;
    xnode *nodes;    /* the model's nodes; a split on a changed column reads its slot */
    size_t *slot;    /* per column: its slot in the changed set, or SIZE_MAX */
    uint32_t *start; /* per node: the first split on a changed column above it, or NO_NODE */
    uint32_t *level; /* per node: edges from its root */
    uint32_t *above; /* per node: the nearest split on a changed column above it, or NO_NODE */
    uint8_t *side;   /* per node: 1 when it lies right of `above` */
    uint32_t *hit, *hit_steps; /* leaves below a split on a changed column; steps below it */
    size_t n_hit;
    double *pcol;   /* max_cols x n_rows: the changed columns' new values */
    int64_t *acc;   /* INDEX_BLOCK */
    uint32_t *from; /* INDEX_BLOCK: where the rows of a bucket whose path changes go on */
    uint16_t *who;  /* INDEX_BLOCK: those rows */
};

/* a * b + c, or SIZE_MAX when it overflows. */
static size_t mul_add(size_t a, size_t b, size_t c)
{
    if (a != 0 && b > (SIZE_MAX - c) / a) {
        return SIZE_MAX;
    }
    return a * b + c;
}

static size_t add_sat(size_t a, size_t b)
{
    return a > SIZE_MAX - b ? SIZE_MAX : a + b;
}

size_t fa_xgboost__index_bytes(const fa_model *m, size_t n_rows)
{
    if (m == NULL || m->vt != &XGB_VT) {
        return SIZE_MAX;
    }
    const xgb *g = m->payload;
    size_t blocks = n_rows / INDEX_BLOCK + (n_rows % INDEX_BLOCK != 0);
    size_t b = mul_add(n_rows, sizeof(int64_t), 0);
    b = add_sat(b, mul_add(mul_add(blocks, g->n_nodes, blocks), sizeof(uint32_t), 0));
    b = add_sat(b, mul_add(mul_add(blocks, g->n_trees, 0), INDEX_BLOCK * sizeof(uint16_t), 0));
    return add_sat(b, mul_add(mul_add(n_rows, m->n_features, 0), sizeof(double), 0));
}

void fa_xgboost__index_free(fa_xgboost_index *ix)
{
    if (ix == NULL) {
        return;
    }
    free(ix->sum);
    free(ix->off);
    free(ix->rows);
    free(ix->cols);
    free(ix);
}

/* Block b of the index: each row's leaves, their sum and margin, the buckets. */
static void index_block(fa_xgboost_index *ix, double margins[], uint32_t lb[], uint32_t pos[],
                        size_t b)
{
    const xgb *g = ix->g;
    const size_t p = ix->n_cols, r0 = b * INDEX_BLOCK;
    const size_t nb = ix->n_rows - r0 < INDEX_BLOCK ? ix->n_rows - r0 : INDEX_BLOCK;
    uint32_t idx[BLOCK];
    for (size_t i0 = 0; i0 < nb; i0 += BLOCK) {
        size_t n = nb - i0 < BLOCK ? nb - i0 : BLOCK;
        for (size_t t = 0; t < g->n_trees; t++) {
            walk_block(idx, g, t, ix->x + (r0 + i0) * p, n, p);
            memcpy(lb + t * INDEX_BLOCK + i0, idx, n * sizeof *idx);
        }
    }
    int64_t *sum = ix->sum + r0;
    uint32_t *off = ix->off + b * (g->n_nodes + 1);
    uint16_t *rows = ix->rows + b * g->n_trees * INDEX_BLOCK;
    memset(sum, 0, nb * sizeof *sum);
    memset(off, 0, (g->n_nodes + 1) * sizeof *off);
    for (size_t t = 0; t < g->n_trees; t++) {
        for (size_t i = 0; i < nb; i++) {
            sum[i] += g->fixed[lb[t * INDEX_BLOCK + i]];
            off[lb[t * INDEX_BLOCK + i] + 1]++;
        }
    }
    for (size_t q = 0; q < g->n_nodes; q++) {
        off[q + 1] += off[q];
    }
    memcpy(pos, off, g->n_nodes * sizeof *pos);
    for (size_t t = 0; t < g->n_trees; t++) { /* rows in increasing order within a bucket */
        for (size_t i = 0; i < nb; i++) {
            rows[pos[lb[t * INDEX_BLOCK + i]]++] = (uint16_t)i;
        }
    }
    for (size_t i = 0; i < nb; i++) {
        margins[r0 + i] = g->base + (double)sum[i] * g->scale;
    }
}

int fa_xgboost__index_create(fa_xgboost_index **out, double margins[], const fa_model *m,
                             const double x[], size_t n_rows)
{
    *out = NULL;
    if (m == NULL || m->vt != &XGB_VT) {
        return FA_EINVAL;
    }
    const xgb *g = m->payload;
    if (g->fixed == NULL || g->float32 || n_rows == 0 || g->n_trees > UINT32_MAX / INDEX_BLOCK ||
        g->n_nodes >= UINT32_MAX || fa_xgboost__index_bytes(m, n_rows) == SIZE_MAX) {
        return FA_EDOMAIN;
    }
    fa_xgboost_index *ix = calloc(1, sizeof *ix);
    if (ix == NULL) {
        return FA_ENOMEM;
    }
    ix->g = g;
    ix->x = x;
    ix->n_rows = n_rows;
    ix->n_cols = m->n_features;
    ix->n_blocks = n_rows / INDEX_BLOCK + (n_rows % INDEX_BLOCK != 0);
    ix->sum = fa_alloc_array(n_rows, sizeof *ix->sum);
    ix->off = fa_alloc_array(ix->n_blocks, (g->n_nodes + 1) * sizeof *ix->off);
    ix->rows = fa_alloc_array(ix->n_blocks * g->n_trees, INDEX_BLOCK * sizeof *ix->rows);
    ix->cols = fa_alloc_array(n_rows, (ix->n_cols > 0 ? ix->n_cols : 1) * sizeof *ix->cols);
    uint32_t *lb = fa_alloc_array(g->n_trees > 0 ? g->n_trees : 1, INDEX_BLOCK * sizeof *lb);
    uint32_t *pos = fa_alloc_array(g->n_nodes > 0 ? g->n_nodes : 1, sizeof *pos);
    if (ix->sum == NULL || ix->off == NULL || ix->rows == NULL || ix->cols == NULL || lb == NULL ||
        pos == NULL) {
        free(lb);
        free(pos);
        fa_xgboost__index_free(ix);
        return FA_ENOMEM;
    }
    for (size_t b = 0; b < ix->n_blocks; b++) {
        index_block(ix, margins, lb, pos, b);
    }
    for (size_t i = 0; i < n_rows; i++) {
        for (size_t j = 0; j < ix->n_cols; j++) {
            ix->cols[j * n_rows + i] = x[i * ix->n_cols + j];
        }
    }
    free(lb);
    free(pos);
    *out = ix;
    return FA_OK;
}

void fa_xgboost__delta_free(fa_xgboost_delta *d)
{
    if (d == NULL) {
        return;
    }
    free(d->nodes);
    free(d->slot);
    free(d->start);
    free(d->level);
    free(d->above);
    free(d->side);
    free(d->hit);
    free(d->hit_steps);
    free(d->pcol);
    free(d->acc);
    free(d->from);
    free(d->who);
    free(d);
}

int fa_xgboost__delta_create(fa_xgboost_delta **out, const fa_xgboost_index *ix, size_t max_cols)
{
    *out = NULL;
    fa_xgboost_delta *d = calloc(1, sizeof *d);
    if (d == NULL) {
        return FA_ENOMEM;
    }
    const size_t nn = ix->g->n_nodes > 0 ? ix->g->n_nodes : 1;
    d->ix = ix;
    d->max_cols = max_cols;
    d->nodes = fa_alloc_array(nn, sizeof *d->nodes);
    d->slot = fa_alloc_array(ix->n_cols > 0 ? ix->n_cols : 1, sizeof *d->slot);
    d->start = fa_alloc_array(nn, sizeof *d->start);
    d->level = fa_alloc_array(nn, sizeof *d->level);
    d->above = fa_alloc_array(nn, sizeof *d->above);
    d->side = fa_alloc_array(nn, sizeof *d->side);
    d->hit = fa_alloc_array(nn, sizeof *d->hit);
    d->hit_steps = fa_alloc_array(nn, sizeof *d->hit_steps);
    d->pcol = fa_alloc_array(ix->n_rows, (max_cols > 0 ? max_cols : 1) * sizeof *d->pcol);
    d->acc = fa_alloc_array(INDEX_BLOCK, sizeof *d->acc);
    d->from = fa_alloc_array(INDEX_BLOCK, sizeof *d->from);
    d->who = fa_alloc_array(INDEX_BLOCK, sizeof *d->who);
    if (!d->nodes || !d->slot || !d->start || !d->level || !d->above || !d->side || !d->hit ||
        !d->hit_steps || !d->pcol || !d->acc || !d->from || !d->who) {
        fa_xgboost__delta_free(d);
        return FA_ENOMEM;
    }
    for (size_t j = 0; j < ix->n_cols; j++) {
        d->slot[j] = SIZE_MAX;
    }
    *out = d;
    return FA_OK;
}

/*
 * Marks the splits on the columns cols[] in the workspace's copy of the nodes (their feature
 * becomes the column's slot | FROM_SLOT), links every node to the nearest marked split above
 * it (and the side it lies on), and lists the leaves below a marked split with the steps
 * from the first such split's children to the deepest level of the tree. Parents precede
 * children in the numbering, so one pass suffices.
 */
static void delta_mark(fa_xgboost_delta *d, const size_t cols[], size_t n_cols)
{
    const xgb *g = d->ix->g;
    memcpy(d->nodes, g->nodes, g->n_nodes * sizeof *d->nodes);
    for (size_t k = 0; k < n_cols; k++) {
        d->slot[cols[k]] = k;
    }
    d->n_hit = 0;
    for (size_t t = 0; t < g->n_trees; t++) {
        const uint32_t root = g->root[t], end = root + (uint32_t)g->trees[t].n_nodes;
        d->start[root] = d->above[root] = NO_NODE;
        d->level[root] = 0;
        for (uint32_t q = root; q < end; q++) {
            xnode *nd = d->nodes + q;
            uint32_t s = d->start[q];
            if (nd->left == q) { /* a leaf */
                if (s != NO_NODE) {
                    d->hit[d->n_hit] = q;
                    d->hit_steps[d->n_hit] = g->depth[t] - d->level[s] - 1;
                    d->n_hit++;
                }
                continue;
            }
            size_t k = d->slot[nd->feature & ~DEFAULT_RIGHT];
            const uint32_t l = nd->left;
            if (k != SIZE_MAX) {
                s = s == NO_NODE ? q : s;
                nd->feature = (nd->feature & DEFAULT_RIGHT) | FROM_SLOT | (uint32_t)k;
                d->above[l] = d->above[l + 1] = q;
                d->side[l] = 0;
                d->side[l + 1] = 1;
            } else {
                d->above[l] = d->above[l + 1] = d->above[q];
                d->side[l] = d->side[l + 1] = d->side[q];
            }
            d->start[l] = d->start[l + 1] = s;
            d->level[l] = d->level[l + 1] = d->level[q] + 1;
        }
    }
    for (size_t k = 0; k < n_cols; k++) {
        d->slot[cols[k]] = SIZE_MAX;
    }
}

/*
 * One step of row r from node `at`, as step() does, except that a marked split reads the
 * row's new value of its column from pc (the changed columns, n_rows apart, from row r on).
 */
static inline uint32_t delta_step(const xnode *nodes, uint32_t at, const double row[],
                                  const double pc[], size_t n_rows)
{
    const xnode *nd = nodes + at;
    const size_t f = nd->feature & ~(DEFAULT_RIGHT | FROM_SLOT);
    /* the address selected with a mask, not a branch (which mispredicts half the time) */
    const uintptr_t from = 0u - (uintptr_t)((nd->feature >> 30) & 1u);
    const uintptr_t a = (uintptr_t)(row + f), b = (uintptr_t)(pc + f * n_rows);
    double v = *(const double *)((a & ~from) | (b & from));
    uint32_t right = (uint32_t)(v >= nd->thr) | ((uint32_t)(v != v) & (nd->feature >> 31));
    return nd->left + right;
}

/*
 * The rows of bucket [lo, hi) of a block (leaf hit h; rows r0 + rows[k]), their sums updated.
 * A row leaves the leaf only if one of the marked splits on the leaf's path now sends it the
 * other way, and then from the topmost such split: so each row first tests the marked splits
 * of the path (the same for every row of the bucket, bottom up, without branching on the
 * data), and only the rows that turn somewhere walk on, together, from the other child.
 */
static void delta_bucket(fa_xgboost_delta *d, const uint16_t rows[], size_t lo, size_t hi, size_t h,
                         size_t r0)
{
    const fa_xgboost_index *ix = d->ix;
    const int64_t *fixed = ix->g->fixed;
    const uint32_t leaf = d->hit[h], steps = d->hit_steps[h];
    const xnode *nodes = d->nodes;
    const size_t p = ix->n_cols, n = ix->n_rows;
    size_t moved = 0;
    const uint32_t top = d->above[leaf];
    if (d->above[top] == NO_NODE) { /* one changed split on the path: a shorter loop */
        const xnode *nd = nodes + top;
        const double *pc = d->pcol + r0 + (size_t)(nd->feature & ~(DEFAULT_RIGHT | FROM_SLOT)) * n;
        const uint32_t side = d->side[leaf], dr = nd->feature >> 31, other = nd->left + !side;
        for (size_t k = lo; k < hi; k++) {
            double v = pc[rows[k]];
            uint32_t right = (uint32_t)(v >= nd->thr) | ((uint32_t)(v != v) & dr);
            d->from[moved] = other;
            d->who[moved] = rows[k];
            moved += right != side;
        }
    }
    for (size_t k = lo; k < hi && d->above[top] != NO_NODE; k++) {
        const double *pc = d->pcol + r0 + rows[k];
        uint32_t from = NO_NODE;
        for (uint32_t q = d->above[leaf], side = d->side[leaf]; q != NO_NODE;
             side = d->side[q], q = d->above[q]) {
            const xnode *nd = nodes + q;
            double v = pc[(size_t)(nd->feature & ~(DEFAULT_RIGHT | FROM_SLOT)) * n];
            uint32_t right = (uint32_t)(v >= nd->thr) | ((uint32_t)(v != v) & (nd->feature >> 31));
            uint32_t turn = 0u - (right ^ side); /* all ones when the row turns here */
            from = (turn & (nd->left + right)) | (~turn & from);
        }
        d->from[moved] = from;
        d->who[moved] = rows[k];
        moved += from != NO_NODE;
    }
    const int64_t old = fixed[leaf];
    for (size_t k = 0; k < moved; k += WALK_LANES) {
        size_t lanes = moved - k < WALK_LANES ? moved - k : WALK_LANES;
        uint32_t idx[WALK_LANES];
        memcpy(idx, d->from + k, lanes * sizeof *idx);
        for (uint32_t st = 0; st < steps; st++) {
            for (size_t l = 0; l < lanes; l++) {
                size_t r = r0 + d->who[k + l];
                idx[l] = delta_step(nodes, idx[l], ix->x + r * p, d->pcol + r, n);
            }
        }
        for (size_t l = 0; l < lanes; l++) {
            d->acc[d->who[k + l]] += fixed[idx[l]] - old;
        }
    }
}

void fa_xgboost__delta_predict(double out[], fa_xgboost_delta *d, const size_t cols[],
                               size_t n_cols, const double src[], const size_t perm[])
{
    const fa_xgboost_index *ix = d->ix;
    const xgb *g = ix->g;
    const size_t n = ix->n_rows, p = ix->n_cols;
    delta_mark(d, cols, n_cols);
    for (size_t k = 0; k < n_cols; k++) { /* the new values, gathered column by column */
        double *dst = d->pcol + k * n;
        if (src == NULL) {
            const double *col = ix->cols + cols[k] * n;
            for (size_t i = 0; i < n; i++) {
                dst[i] = col[perm != NULL ? perm[i] : i];
            }
        } else {
            for (size_t i = 0; i < n; i++) {
                dst[i] = src[(perm != NULL ? perm[i] : i) * p + cols[k]];
            }
        }
    }
    for (size_t b = 0; b < ix->n_blocks; b++) {
        const size_t r0 = b * INDEX_BLOCK, nb = n - r0 < INDEX_BLOCK ? n - r0 : INDEX_BLOCK;
        const uint32_t *off = ix->off + b * (g->n_nodes + 1);
        const uint16_t *rows = ix->rows + b * g->n_trees * INDEX_BLOCK;
        memcpy(d->acc, ix->sum + r0, nb * sizeof *d->acc);
        for (size_t h = 0; h < d->n_hit; h++) {
            uint32_t q = d->hit[h];
            if (off[q] < off[q + 1]) {
                delta_bucket(d, rows, off[q], off[q + 1], h, r0);
            }
        }
        for (size_t i = 0; i < nb; i++) {
            out[r0 + i] = g->base + (double)d->acc[i] * g->scale;
        }
    }
}
