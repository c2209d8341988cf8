/*
 * explain/treeshap.c - path-dependent TreeSHAP of an XGBoost model (Lundberg, Erion and Lee,
 * "Consistent individualized feature attribution for tree ensembles", 2018, Algorithm 2), as
 * XGBoost's pred_contribs computes it (src/tree/tree_model.cc, RegTree::TreeShap), in double.
 *
 * The game of one tree: v(S) = E[tree | x_S], where a split on a feature in S sends the row
 * down the branch x takes (the "hot" one; a missing value takes the default branch) and a
 * split on a feature outside S sends it down both, weighted by cover(child) / cover(node)
 * (cover = sum_hessian, the training rows' hessian mass). The Shapley values of the ensemble
 * are the sums of the trees'. Algorithm 2 gets them in O(L D^2) per tree (L leaves, depth D)
 * by carrying, down each root-to-leaf path, the proportion of the 2^|path| subsets of each
 * size that flow to the node (ExtendPath); a feature split on twice is first removed from the
 * path and then added back with the product of its fractions (UnwindPath), and at a leaf each
 * feature's weight is the path sum with that feature removed (UnwoundPathSum).
 *
 * Base value: v(empty) of each tree is its cover-weighted mean leaf, computed bottom-up as
 * mean(n) = (mean(l) cover(l) + mean(r) cover(r)) / cover(n) (XGBoost's FillNodeMeanValue).
 * Along any path the fractions telescope to cover(leaf) / cover(root), so this is the same
 * v(empty) the path algorithm uses even where a node's cover is not exactly the sum of its
 * children's (float sums), and efficiency (sum phi = v(all) - v(empty)) holds to rounding.
 *
 * The hot branch is chosen exactly as explain/xgboost.c predicts (float32(x) < threshold,
 * strict), so the values add up to our own double margin. XGBoost itself computes in float32
 * (covers, fractions, weights, the sum of phi): its values differ from these by up to ~2e-6
 * on the shared Adult model (../shared/golden/README.md, "Precision").
 */
#include "explain/shapley.h"

#include <float.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "common/alloc.h"
#include "common/error.h"

/* The root's placeholder feature on the path (never a split column: features fit 31 bits). */
#define NO_FEATURE UINT32_MAX

/* An element of the unique path: a feature and the share of the subsets flowing through it. */
typedef struct pelem {
    double zero;    /* fraction of the rows that reach the node when the feature is unknown */
    double one;     /* 1 when x follows this branch, else 0 (when the feature is known) */
    double pweight; /* the proportion of subsets of this element's size */
    uint32_t feature;
} pelem;

typedef struct tinfo {
    uint32_t depth; /* edges on the longest root-to-leaf path */
    double mean;    /* cover-weighted mean leaf value */
} tinfo;

struct fa_treeshap {
    const fa_xgboost_tree *trees; /* borrowed from the model */
    size_t n_trees;
    size_t p;
    tinfo *info;
    double *recip; /* recip[m] = 1 / m, m = 1 .. max_depth + 2 (recip[0] unused) */
    uint32_t max_depth;
    double base;
};

/* Two elements (64 bytes) of padding each side keep two threads' paths off a cache line. */
#define PAD 2

struct fa_treeshap_ws {
    pelem *mem;
    pelem *path; /* mem + PAD */
};

/* What one tree's recursion reads and writes. */
typedef struct walk {
    const fa_xgboost_tree *t;
    const double *x;
    double *phi;
    const double *r; /* r[m] = 1 / m */
} walk;

/* ------------------------------------------------------------ preparation */

/*
 * float32(v), correctly rounded also beyond float range, where (float)v is undefined: from
 * FLT_MAX + half an ulp (2^103) on, v rounds to infinity (the tie too: FLT_MAX is odd).
 */
static float to_f32(double v)
{
    const double lim = (double)FLT_MAX + ldexp(1.0, 103);
    if (fabs(v) <= (double)FLT_MAX) {
        return (float)v;
    }
    if (v >= lim || v <= -lim) {
        return v > 0 ? INFINITY : -INFINITY;
    }
    return v > 0 ? FLT_MAX : -FLT_MAX;
}

/* Checks the covers of tree t and fills its depth and mean (children follow parents). */
static int prepare_tree(tinfo *ti, const fa_xgboost_tree *v, size_t t, double scratch[],
                        fa_error *err)
{
    for (size_t q = 0; q < v->n_nodes; q++) {
        double c = v->cover[q];
        int split = v->left[q] >= 0;
        if (!isfinite(c) || c < 0.0 || (split && c == 0.0)) {
            return fa_error_set(err, FA_EDOMAIN, NULL, 0, 0,
                                "tree %zu node %zu: cover (sum_hessian) %.17g: TreeSHAP needs "
                                "finite covers, positive at a split",
                                t, q, c);
        }
    }
    /* depths top-down into scratch, then means bottom-up into scratch */
    uint32_t depth = 0;
    scratch[0] = 0.0;
    for (size_t q = 0; q < v->n_nodes; q++) {
        if (v->left[q] >= 0) {
            scratch[v->left[q]] = scratch[v->right[q]] = scratch[q] + 1.0;
            depth = scratch[q] + 1.0 > (double)depth ? (uint32_t)(scratch[q] + 1.0) : depth;
        }
        if (depth > FA_TREESHAP__MAX_DEPTH) {
            return fa_error_set(err, FA_EINVAL, NULL, 0, 0,
                                "tree %zu is deeper than %d: TreeSHAP refuses it", t,
                                FA_TREESHAP__MAX_DEPTH);
        }
    }
    for (size_t q = v->n_nodes; q-- > 0;) {
        if (v->left[q] < 0) {
            scratch[q] = (double)v->value[q];
        } else {
            size_t l = (size_t)v->left[q], r = (size_t)v->right[q];
            scratch[q] = (scratch[l] * v->cover[l] + scratch[r] * v->cover[r]) / v->cover[q];
        }
    }
    ti->depth = depth;
    ti->mean = scratch[0];
    return FA_OK;
}

/* ------------------------------------------------------------ Algorithm 2 */

/*
 * The three path operations below divide only by the fractions: the divisions by the small
 * integers 1 .. depth + 2 are multiplications by their reciprocals r[m] = 1 / m (the loops
 * are latency-bound chains, and a division costs about five multiplications there). The
 * values change in the last bits, within rounding of XGBoost's own order of operations.
 */

/* Adds an element (feature f with fractions zero, one) at position d of path[0..d). */
static void extend_path(pelem path[], uint32_t d, double zero, double one, uint32_t f,
                        const double r[])
{
    path[d].feature = f;
    path[d].zero = zero;
    path[d].one = one;
    path[d].pweight = d == 0 ? 1.0 : 0.0;
    const double inv = r[d + 1];
    for (uint32_t i = d; i-- > 0;) {
        path[i + 1].pweight += one * path[i].pweight * ((double)i + 1.0) * inv;
        path[i].pweight = zero * path[i].pweight * (double)(d - i) * inv;
    }
}

/* Removes element k of path[0..d] (the inverse of extend_path). */
static void unwind_path(pelem path[], uint32_t d, uint32_t k, const double r[])
{
    const double one = path[k].one, zero = path[k].zero, dp1 = (double)d + 1.0, inv = r[d + 1];
    double next = path[d].pweight;
    if (one != 0.0) {
        const double s = dp1 / one;
        for (uint32_t i = d; i-- > 0;) {
            double tmp = path[i].pweight;
            path[i].pweight = next * s * r[i + 1];
            next = tmp - path[i].pweight * zero * (double)(d - i) * inv;
        }
    } else {
        const double s = dp1 / zero;
        for (uint32_t i = d; i-- > 0;) {
            path[i].pweight = path[i].pweight * s * r[d - i];
        }
    }
    for (uint32_t i = k; i < d; i++) {
        path[i].feature = path[i + 1].feature;
        path[i].zero = path[i + 1].zero;
        path[i].one = path[i + 1].one;
    }
}

/*
 * At a leaf reached by path[0..d], adds to phi each feature's share of the leaf value:
 * phi[f_k] += W_k (one_k - zero_k) leaf, W_k = the total weight of the path with element k
 * removed (UnwoundPathSum). For an element with one = 0 (x went the other way), the unwound
 * weights are pweight[i] (d + 1) / (zero (d - i)), so W_k = (d + 1) / zero_k times one sum Q
 * shared by all such elements. The others (one != 0) need the recursion of UnwoundPathSum;
 * it is run for all of them at once, step i outermost, so that their chains of dependent
 * multiplications overlap instead of running one after another.
 */
static void leaf_phi(const walk *w, const pelem path[], uint32_t d, double leaf)
{
    const double *r = w->r, dp1 = (double)d + 1.0, inv = r[d + 1];
    double next[FA_TREESHAP__MAX_DEPTH + 1], total[FA_TREESHAP__MAX_DEPTH + 1];
    double s[FA_TREESHAP__MAX_DEPTH + 1], z[FA_TREESHAP__MAX_DEPTH + 1];
    uint32_t hot[FA_TREESHAP__MAX_DEPTH + 1], n_hot = 0;
    double q = 0.0;
    for (uint32_t i = 0; i < d; i++) {
        q += path[i].pweight * r[d - i];
    }
    for (uint32_t k = 1; k <= d; k++) {
        const pelem *el = path + k;
        if (el->one != 0.0) {
            hot[n_hot] = k;
            s[n_hot] = dp1 / el->one;
            z[n_hot] = el->zero * inv;
            next[n_hot] = path[d].pweight;
            total[n_hot++] = 0.0;
        } else if (el->zero != 0.0) { /* W_k (one_k - zero_k) = (d + 1) / zero_k Q (-zero_k) */
            w->phi[el->feature] -= dp1 * q * leaf;
        }
    }
    for (uint32_t i = d; i-- > 0;) {
        const double ri = r[i + 1], di = (double)(d - i), pw = path[i].pweight;
        /* entries [0, n_hot) of next, s, z, total are set above; cppcheck loses track */
        for (uint32_t h = 0; h < n_hot; h++) {
            // cppcheck-suppress uninitvar
            double tmp = next[h] * s[h] * ri;
            total[h] += tmp;
            // cppcheck-suppress uninitvar
            next[h] = pw - tmp * z[h] * di;
        }
    }
    for (uint32_t h = 0; h < n_hot; h++) {
        // cppcheck-suppress uninitvar
        const pelem *el = path + hot[h];
        w->phi[el->feature] += total[h] * (el->one - el->zero) * leaf;
    }
}

/* The branch x takes at split q, as explain/xgboost.c predicts. */
static int goes_left(const fa_xgboost_tree *t, size_t q, const double x[])
{
    double v = x[t->feature[q]];
    if (isnan(v)) {
        return t->default_left[q];
    }
    return to_f32(v) < t->value[q];
}

/*
 * Node q, reached with the unique path parent[0..d) of its parent, to be extended by
 * (zero, one, f) into d + 1 elements. The node's own path goes right after its parent's
 * (XGBoost's layout), so the workspace holds every level of the recursion at once.
 */
static void recurse(const walk *w, size_t q, pelem parent[], uint32_t d, double zero, double one,
                    uint32_t f)
{
    const fa_xgboost_tree *t = w->t;
    pelem *path = parent + d + 1;
    memcpy(path, parent, (size_t)d * sizeof *path); /* element d is written next */
    extend_path(path, d, zero, one, f, w->r);
    if (t->left[q] < 0) {
        leaf_phi(w, path, d, (double)t->value[q]);
        return;
    }
    const size_t l = (size_t)t->left[q], r = (size_t)t->right[q];
    const size_t hot = goes_left(t, q, w->x) ? l : r, cold = hot == l ? r : l;
    const uint32_t split = t->feature[q];
    double in_zero = 1.0, in_one = 1.0;
    uint32_t k = 0;
    while (k <= d && path[k].feature != split) {
        k++;
    }
    if (k <= d) { /* split on before: undo that element, redo it with both fractions */
        in_zero = path[k].zero;
        in_one = path[k].one;
        unwind_path(path, d, k, w->r);
        d--;
    }
    const double c = t->cover[q];
    recurse(w, hot, path, d + 1, t->cover[hot] / c * in_zero, in_one, split);
    recurse(w, cold, path, d + 1, t->cover[cold] / c * in_zero, 0.0, split);
}

/* ------------------------------------------------------------ internal API */

void fa_treeshap__free(fa_treeshap *ts)
{
    if (ts == NULL) {
        return;
    }
    free(ts->info);
    free(ts->recip);
    free(ts);
}

int fa_treeshap__create(fa_treeshap **out, const fa_model *m, fa_error *err)
{
    *out = NULL;
    const fa_xgboost_tree *trees;
    size_t n_trees;
    double base;
    if (fa_xgboost__trees(&trees, &n_trees, &base, m) != FA_OK) {
        return fa_error_set(err, FA_EINVAL, NULL, 0, 0,
                            "tree Shapley values need an XGBoost model, not a %s model",
                            m != NULL ? fa_model_kind(m) : "missing");
    }
    size_t max_nodes = 1;
    for (size_t t = 0; t < n_trees; t++) {
        if (trees[t].cover == NULL) {
            return fa_error_set(err, FA_EINVAL, NULL, 0, 0,
                                "tree %zu has no node covers (sum_hessian): path-dependent "
                                "TreeSHAP needs them",
                                t);
        }
        max_nodes = trees[t].n_nodes > max_nodes ? trees[t].n_nodes : max_nodes;
    }
    fa_treeshap *ts = calloc(1, sizeof *ts);
    double *scratch = fa_alloc_array(max_nodes, sizeof *scratch);
    if (ts != NULL) {
        ts->info = fa_calloc_array(n_trees > 0 ? n_trees : 1, sizeof *ts->info);
    }
    if (ts == NULL || scratch == NULL || ts->info == NULL) {
        free(scratch);
        fa_treeshap__free(ts);
        return fa_error_set(err, FA_ENOMEM, NULL, 0, 0, "out of memory");
    }
    ts->trees = trees;
    ts->n_trees = n_trees;
    ts->p = fa_model_n_features(m);
    ts->base = base;
    int st = FA_OK;
    for (size_t t = 0; t < n_trees && st == FA_OK; t++) {
        st = prepare_tree(&ts->info[t], &trees[t], t, scratch, err);
        if (st == FA_OK) {
            ts->base += ts->info[t].mean;
            ts->max_depth = ts->info[t].depth > ts->max_depth ? ts->info[t].depth : ts->max_depth;
        }
    }
    free(scratch);
    if (st == FA_OK) {
        ts->recip = fa_alloc_array((size_t)ts->max_depth + 3, sizeof *ts->recip);
        st = ts->recip != NULL ? FA_OK : fa_error_set(err, FA_ENOMEM, NULL, 0, 0, "out of memory");
    }
    if (st != FA_OK) {
        fa_treeshap__free(ts);
        return st;
    }
    ts->recip[0] = 0.0;
    for (size_t k = 1; k < (size_t)ts->max_depth + 3; k++) {
        ts->recip[k] = 1.0 / (double)k;
    }
    *out = ts;
    return FA_OK;
}

double fa_treeshap__base(const fa_treeshap *ts)
{
    return ts->base;
}

int fa_treeshap__ws_create(fa_treeshap_ws **out, const fa_treeshap *ts)
{
    *out = NULL;
    /* XGBoost's bound: level u of the recursion starts u + 1 after its parent's */
    size_t maxd = (size_t)ts->max_depth + 2;
    fa_treeshap_ws *ws = calloc(1, sizeof *ws);
    if (ws == NULL) {
        return FA_ENOMEM;
    }
    ws->mem = fa_alloc_array(maxd * (maxd + 1) / 2 + 2 * PAD, sizeof *ws->mem);
    if (ws->mem == NULL) {
        free(ws);
        return FA_ENOMEM;
    }
    ws->path = ws->mem + PAD;
    *out = ws;
    return FA_OK;
}

void fa_treeshap__ws_free(fa_treeshap_ws *ws)
{
    if (ws == NULL) {
        return;
    }
    free(ws->mem);
    free(ws);
}

void fa_treeshap__row(double out[], const fa_treeshap *ts, const double x[], fa_treeshap_ws *ws)
{
    memset(out, 0, ts->p * sizeof *out);
    walk w = {NULL, x, out, ts->recip};
    for (size_t t = 0; t < ts->n_trees; t++) {
        w.t = &ts->trees[t];
        /* the root's segment starts at 1: its parent's "path" is the empty one at 0 */
        recurse(&w, 0, ws->path, 0, 1.0, 1.0, NO_FEATURE);
    }
    out[ts->p] = ts->base;
}
