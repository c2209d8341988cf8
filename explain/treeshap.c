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
 *
 * Interventional TreeSHAP (Lundberg et al. 2020, "From local explanations to global
 * understanding with explainable AI for trees", the background algorithm of SHAP's
 * TreeExplainer): the game v(S) = mean over background rows z of f(x_S, z_notS). For one pair
 * (x, z) and one tree, the composite row (x_S, z_notS) takes x's branch at a split on a
 * feature in S and z's otherwise, so a split where x and z go the same way does not depend on
 * S. Walking down, a split where they differ on a feature not yet assigned is followed both
 * ways: x's branch with the feature put in A (must be in S), z's branch with it put in B (must
 * not be); a feature already assigned follows its side. A leaf of value v reached with sets A
 * and B is the unanimity-like game v 1[A within S, B outside S] over the path's features,
 * whose Shapley values are
 *
 *     v (|A| - 1)! |B|! / (|A| + |B|)!  for each feature of A,
 *    -v |A|! (|B| - 1)! / (|A| + |B|)!  for each feature of B
 *
 * (the marginal contribution is non-zero only for the coalition A - i, resp. A). Rather than
 * looping over the path at every leaf, each subtree returns its two sums sA = sum v c(|A| - 1,
 * |B|) and sB = sum v c(|A|, |B| - 1), c(a, b) = a! b! / (a + b + 1)!, and the feature
 * assigned at a split gets sA of its x branch minus sB of its z branch: O(nodes visited) per
 * (row, background row, tree), at most the leaves times the depth. The values are the mean
 * over the background; the base value is the mean margin of the background rows
 * (fa_model_predict), so each row adds up to the model's margin.
 *
 * Leaf tables, for many rows (FastTreeSHAP, Yang 2021, arXiv 2109.09847): in both games a
 * leaf's contribution to a row depends on the row only through the set of its path's distinct
 * features that the row follows at all their splits (leaf_table, fill_leaf derive it). For
 * paths of at most TABLE_MAX_K = 8 distinct features the contributions are tabulated once per
 * leaf for each of the 2^k sets (interventional: summed over the background's patterns at
 * that leaf, so a row no longer costs n_bg walks); a row then costs one pass over a tree's
 * nodes to find its sets and k additions per leaf. Rows go in blocks of FA_TREESHAP__BLOCK,
 * tree by tree, so that a tree's tables stay in cache. Trees with longer paths, or past
 * TABLE_MAX_VALUES, take the walks above. Each row adds its trees in tree order whatever its
 * block, so the values do not depend on the thread count; tables and walks differ in the
 * last bits only (the tests hold them to 1e-12 of each other).
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

/* The split feature's high bit marks "a missing value goes left". */
#define DEFAULT_LEFT 0x80000000u

/*
 * A node of the compact copy of the trees (16 bytes), all trees in one array, each in the
 * model's breadth-first order: at a split `left` is the left child's absolute index (the
 * right child is left + 1) and thr the float32 threshold; at a leaf left is -1 and thr the
 * leaf value (a float32, as the model sums it).
 */
typedef struct cnode {
    float thr;
    uint32_t feature; /* column | DEFAULT_LEFT; 0 at a leaf */
    int32_t left;
    uint32_t aux; /* tables: at a split, the position of its feature among the path's distinct
                     features (first occurrence first); at a leaf, its leafrec */
} cnode;

/* Most distinct features on a root-to-leaf path for which a leaf gets a table. */
#define TABLE_MAX_K 8
/* Most table values of a model (64 MB); the trees beyond them are walked (Algorithm 2, or
   pair by pair for the interventional game). */
#define TABLE_MAX_VALUES ((size_t)1 << 23)

/*
 * A leaf with a table (FastTreeSHAP's precomputation, Yang 2021, arXiv 2109.09847): the k
 * distinct features of its path, each with z_i = the product of cover(child) / cover(node)
 * over the path's splits on it; coef_i = (1 - z_i) / z_i; and P[H] (at table + off) for every
 * set H of the features x follows at all their splits (bit i = feature i of the path).
 */
typedef struct leafrec {
    uint32_t k;
    uint32_t feat[TABLE_MAX_K];
    double coef[TABLE_MAX_K];
    size_t off;  /* of the table in fa_treeshap.table (interventional: fa_treeshap_bg.table) */
    size_t coff; /* interventional: of its 2^k background pattern counts in its tree's block */
} leafrec;

struct fa_treeshap {
    const fa_model *m;
    const fa_xgboost_tree *trees; /* borrowed from the model */
    size_t n_trees;
    size_t p;
    tinfo *info;
    double *recip; /* recip[m] = 1 / m, m = 1 .. max_depth + 2 (recip[0] unused) */
    uint32_t max_depth;
    int path_dependent; /* 0: made for the interventional game (covers not needed) */
    double base;
    cnode *nodes;  /* the compact copy (interventional, tables) */
    size_t *root;  /* n_trees: index of each tree's root in nodes */
    double *cw;    /* interventional: cw[a (max_depth + 1) + b] = a! b! / (a + b + 1)! */
    uint8_t *fast; /* tables: per tree, 1 when its leaves have tables */
    leafrec *leaf; /* tables: the leaves of the fast trees (cnode.aux of a leaf indexes it) */
    size_t n_leaf, cap_leaf;
    double *table;             /* path-dependent tables: every leaf's 2^k values P[H] */
    size_t n_table, cap_table; /* values of all tables (interventional: (k + 1) 2^k a leaf) */
    size_t max_nodes;          /* nodes of the largest tree */
    size_t max_cnt;  /* interventional tables: most pattern counts of a tree (sum of 2^k) */
    size_t tree_cnt; /* while preparing: the pattern counts of the tree so far */
    size_t n_slow;   /* trees without tables */
};

/* Two elements (64 bytes) of padding each side keep two threads' paths off a cache line. */
#define PAD 2

struct fa_treeshap_ws {
    pelem *mem;
    pelem *path;    /* mem + PAD */
    float *xf;      /* interventional, tables: the row in float32 (NAN kept) */
    uint8_t *mask;  /* tables: per node of a tree, the path features x follows (bit set) */
    uint8_t *state; /* interventional: per feature, 0 unassigned, IN_A or IN_B */
};

/* A background prepared for interventional TreeSHAP. */
struct fa_treeshap_bg {
    float *zf; /* n_bg x p, in float32 as the model compares them (NAN kept) */
    size_t n_bg;
    double base;   /* the mean margin of the background rows */
    double *table; /* the leaf tables over this background (ts->n_table values), or NULL */
};

#define IN_A 1
#define IN_B 2

/* What one (row, background row) pair's walk reads and writes. */
typedef struct iwalk {
    const cnode *nodes;
    const float *xf, *zf;
    uint8_t *state;
    double *phi;
    const double *cw;
    size_t cdim; /* max_depth + 1 */
} iwalk;

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

/*
 * Checks the covers of tree t and fills its depth and mean (children follow parents); with
 * covers 0 (interventional) only the depth.
 */
static int prepare_tree(tinfo *ti, const fa_xgboost_tree *v, size_t t, int covers, double scratch[],
                        fa_error *err)
{
    for (size_t q = 0; covers && q < v->n_nodes; q++) {
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
    for (size_t q = covers ? v->n_nodes : 0; q-- > 0;) {
        if (v->left[q] < 0) {
            scratch[q] = (double)v->value[q];
        } else {
            size_t l = (size_t)v->left[q], r = (size_t)v->right[q];
            scratch[q] = (scratch[l] * v->cover[l] + scratch[r] * v->cover[r]) / v->cover[q];
        }
    }
    ti->depth = depth;
    ti->mean = covers ? scratch[0] : 0.0;
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

/* ------------------------------------------------------------ interventional */

/* float32(v) as the model compares it, NAN (missing) kept. */
static float to_f32_nan(double v)
{
    return isnan(v) ? NAN : to_f32(v);
}

/* The branch (child index) a float32 value v takes at split n. */
static int32_t child_of(const cnode *n, float v)
{
    int left = isnan(v) ? (n->feature & DEFAULT_LEFT) != 0 : v < n->thr;
    return n->left + (left ? 0 : 1);
}

/*
 * The subtree of node q for the pair (x, z), with na features in A and nb in B above it:
 * writes sA = sum over the leaves reached of v c(na' - 1, nb') and sB = sum of
 * v c(na', nb' - 1) (na', nb' the counts at the leaf; a sum is 0 while its count is 0), and
 * adds to phi the values of the features assigned inside the subtree.
 */
static void ivisit(const iwalk *w, int32_t q, uint32_t na, uint32_t nb, double *sa, double *sb)
{
    for (;;) {
        const cnode *n = &w->nodes[q];
        if (n->left < 0) {
            const double v = (double)n->thr;
            *sa = na > 0 ? v * w->cw[(na - 1) * w->cdim + nb] : 0.0;
            *sb = nb > 0 ? v * w->cw[na * w->cdim + nb - 1] : 0.0;
            return;
        }
        const uint32_t f = n->feature & ~DEFAULT_LEFT;
        const int32_t cx = child_of(n, w->xf[f]), cz = child_of(n, w->zf[f]);
        if (cx == cz || w->state[f] != 0) { /* the composite row's branch does not depend on S */
            q = cx == cz || w->state[f] == IN_A ? cx : cz;
            continue;
        }
        double a1, b1, a2, b2;
        w->state[f] = IN_A;
        ivisit(w, cx, na + 1, nb, &a1, &b1);
        w->state[f] = IN_B;
        ivisit(w, cz, na, nb + 1, &a2, &b2);
        w->state[f] = 0;
        w->phi[f] += a1 - b2;
        *sa = a1 + a2;
        *sb = b1 + b2;
        return;
    }
}

/*
 * Copies the trees into the compact array and, for the interventional game, fills the
 * weights c(a, b); FA_ENOMEM.
 */
static int build_compact(fa_treeshap *ts, int interventional)
{
    size_t total = 0;
    for (size_t t = 0; t < ts->n_trees; t++) {
        total += ts->trees[t].n_nodes;
    }
    const size_t cdim = (size_t)ts->max_depth + 1;
    ts->nodes = fa_alloc_array(total > 0 ? total : 1, sizeof *ts->nodes);
    ts->root = fa_alloc_array(ts->n_trees > 0 ? ts->n_trees : 1, sizeof *ts->root);
    ts->cw = fa_alloc_array(interventional ? cdim * cdim : 1, sizeof *ts->cw);
    if (ts->nodes == NULL || ts->root == NULL || ts->cw == NULL) {
        return FA_ENOMEM;
    }
    size_t at = 0;
    for (size_t t = 0; t < ts->n_trees; t++) {
        const fa_xgboost_tree *v = &ts->trees[t];
        ts->root[t] = at;
        for (size_t q = 0; q < v->n_nodes; q++) {
            cnode *n = &ts->nodes[at + q];
            n->thr = v->value[q];
            n->aux = 0;
            n->left = v->left[q] < 0 ? -1 : (int32_t)(at + (size_t)v->left[q]);
            n->feature =
                v->left[q] < 0 ? 0 : v->feature[q] | (v->default_left[q] ? DEFAULT_LEFT : 0);
        }
        at += v->n_nodes;
    }
    /* c(0, b) = 1 / (b + 1); c(a + 1, b) = c(a, b) (a + 1) / (a + b + 2) */
    for (size_t b = 0; interventional && b < cdim; b++) {
        double c = 1.0 / (double)(b + 1);
        for (size_t a = 0; a < cdim; a++) {
            ts->cw[a * cdim + b] = c;
            c *= (double)(a + 1) / (double)(a + b + 2);
        }
    }
    return FA_OK;
}

/* ------------------------------------------------------------ leaf tables */

/*
 * The table of a leaf of value v whose path has the k distinct features with fractions z:
 * P[H] = v Q(H), Q(H) = sum over S within H of w(|S|) prod_{j not in S} z_j, w(s) = s! (k - s
 * - 1)! / k!, for every H but the full set (unused, 0). The coefficient of t^s in
 * prod_{j in H} (z_j + t) prod_{j not in H} z_j is the sum over the S of size s, so Q(H) is
 * that polynomial's coefficients weighted by w.
 *
 * Why it suffices: the leaf's share of v(S) (path-dependent game) is v prod_{i in S} o_i
 * prod_{i not in S} z_i, o_i = 1 when x follows the path at every split on feature i. Its
 * Shapley value for a feature i with o_i = 0 is -v Q(H) (H = the features with o = 1), the
 * same for all of them; for one with o_i = 1 it is v (1 - z_i) sum over S within H - i of
 * w(|S|) prod_{j not in S, j != i} z_j = (1 - z_i) / z_i P[H - i] (every term of Q(H - i)
 * holds z_i). So a row costs one pass over the tree's nodes (which features x follows) and
 * k steps per leaf, instead of Algorithm 2's O(k^2) per leaf.
 */
static void leaf_table(double P[], const double z[], uint32_t k, double v)
{
    double w[TABLE_MAX_K];
    w[0] = k > 0 ? 1.0 / (double)k : 0.0;
    for (uint32_t j = 0; j + 1 < k; j++) {
        w[j + 1] = w[j] * (double)(j + 1) / (double)(k - j - 1);
    }
    const uint32_t full = (1u << k) - 1u;
    for (uint32_t h = 0; h < full; h++) {
        double c[TABLE_MAX_K + 1];
        uint32_t deg = 0;
        c[0] = 1.0;
        for (uint32_t j = 0; j < k; j++) {
            if ((h >> j) & 1u) { /* times (z_j + t) */
                c[deg + 1] = c[deg];
                for (uint32_t d = deg; d > 0; d--) {
                    c[d] = c[d] * z[j] + c[d - 1];
                }
                c[0] *= z[j];
                deg++;
            } else {
                for (uint32_t d = 0; d <= deg; d++) {
                    c[d] *= z[j];
                }
            }
        }
        double q = 0.0;
        for (uint32_t d = 0; d <= deg; d++) {
            q += c[d] * w[d];
        }
        P[h] = v * q;
    }
    P[full] = 0.0;
}

/* Outcomes of a tree's tables: made, does not fit (Algorithm 2 instead), out of memory. */
#define FIT_OK 0
#define FIT_NO 1
#define FIT_NOMEM 2

/*
 * Appends the record of a leaf reached with k distinct features feat and, path-dependent,
 * fractions z, with its table (interventional: only the room for it, (k + 1) 2^k values,
 * filled per background by fill_itables).
 */
static int add_leaf(fa_treeshap *ts, cnode *n, uint32_t k, const uint32_t feat[], const double z[])
{
    const size_t size = ts->path_dependent ? (size_t)1 << k : ((size_t)k + 1) << k;
    for (uint32_t i = 0; ts->path_dependent && i < k; i++) {
        if (!(z[i] > 0.0)) { /* a child of cover 0: coef would divide by 0 */
            return FIT_NO;
        }
    }
    if (ts->n_table + size > TABLE_MAX_VALUES || ts->n_leaf >= UINT32_MAX) {
        return FIT_NO;
    }
    if (ts->n_leaf == ts->cap_leaf) {
        size_t cap = ts->cap_leaf ? 2 * ts->cap_leaf : 256;
        leafrec *l = fa_realloc_array(ts->leaf, cap, sizeof *l);
        if (l == NULL) {
            return FIT_NOMEM;
        }
        ts->leaf = l;
        ts->cap_leaf = cap;
    }
    if (ts->path_dependent && ts->n_table + size > ts->cap_table) {
        size_t cap = ts->cap_table ? 2 * ts->cap_table : 4096;
        cap = cap < ts->n_table + size ? ts->n_table + size : cap;
        double *tb = fa_realloc_array(ts->table, cap, sizeof *tb);
        if (tb == NULL) {
            return FIT_NOMEM;
        }
        ts->table = tb;
        ts->cap_table = cap;
    }
    leafrec *r = &ts->leaf[ts->n_leaf];
    memset(r, 0, sizeof *r);
    r->k = k;
    r->off = ts->n_table;
    r->coff = ts->tree_cnt;
    ts->tree_cnt += (size_t)1 << k;
    for (uint32_t i = 0; i < k; i++) {
        r->feat[i] = feat[i];
        r->coef[i] = ts->path_dependent ? (1.0 - z[i]) / z[i] : 0.0;
    }
    if (ts->path_dependent) {
        leaf_table(ts->table + r->off, z, k, (double)n->thr);
    }
    n->aux = (uint32_t)ts->n_leaf++;
    ts->n_table += size;
    return FIT_OK;
}

/* The tables below node q of tree v (compact copy at base), reached with k features. */
static int table_visit(fa_treeshap *ts, const fa_xgboost_tree *v, cnode *base, size_t q, uint32_t k,
                       const uint32_t feat[], const double z[])
{
    if (v->left[q] < 0) {
        return add_leaf(ts, &base[q], k, feat, z);
    }
    const uint32_t f = v->feature[q];
    uint32_t pos = 0;
    while (pos < k && feat[pos] != f) {
        pos++;
    }
    const uint32_t nk = pos < k ? k : k + 1;
    if (nk > TABLE_MAX_K) {
        return FIT_NO;
    }
    base[q].aux = pos;
    const size_t child[2] = {(size_t)v->left[q], (size_t)v->right[q]};
    for (int c = 0; c < 2; c++) {
        uint32_t f2[TABLE_MAX_K];
        double z2[TABLE_MAX_K];
        memcpy(f2, feat, k * sizeof *f2);
        memcpy(z2, z, k * sizeof *z2);
        f2[pos] = f;
        z2[pos] = !ts->path_dependent
                      ? 0.0
                      : (pos < k ? z[pos] : 1.0) * (v->cover[child[c]] / v->cover[q]);
        int st = table_visit(ts, v, base, child[c], nk, f2, z2);
        if (st != FIT_OK) {
            return st;
        }
    }
    return FIT_OK;
}

/* Tables for every tree that fits; FA_ENOMEM. */
static int prepare_tables(fa_treeshap *ts)
{
    ts->fast = fa_calloc_array(ts->n_trees > 0 ? ts->n_trees : 1, sizeof *ts->fast);
    if (ts->fast == NULL) {
        return FA_ENOMEM;
    }
    ts->n_slow = 0;
    for (size_t t = 0; t < ts->n_trees; t++) {
        const size_t n_leaf = ts->n_leaf, n_table = ts->n_table;
        uint32_t f0[TABLE_MAX_K] = {0};
        double z0[TABLE_MAX_K] = {0};
        ts->tree_cnt = 0;
        int st = table_visit(ts, &ts->trees[t], ts->nodes + ts->root[t], 0, 0, f0, z0);
        if (st == FIT_NOMEM) {
            return FA_ENOMEM;
        }
        ts->fast[t] = st == FIT_OK;
        ts->n_slow += st != FIT_OK;
        if (st == FIT_OK && ts->tree_cnt > ts->max_cnt) {
            ts->max_cnt = ts->tree_cnt;
        }
        if (st != FIT_OK) { /* this tree goes through Algorithm 2: drop its leaves */
            ts->n_leaf = n_leaf;
            ts->n_table = n_table;
        }
    }
    return FA_OK;
}

/* Tree t's share of the row (xf in float32) into phi, through its leaves' tables. */
static void table_tree(double phi[], const fa_treeshap *ts, size_t t, const float xf[],
                       uint8_t mask[])
{
    const cnode *nodes = ts->nodes + ts->root[t];
    const size_t n = ts->trees[t].n_nodes;
    const int32_t base = (int32_t)ts->root[t];
    mask[0] = 0xFF;
    for (size_t q = 0; q < n; q++) {
        const cnode *nd = &nodes[q];
        const uint8_t mq = mask[q];
        if (nd->left >= 0) {
            const size_t l = (size_t)(nd->left - base);
            const float v = xf[nd->feature & ~DEFAULT_LEFT];
            const int left = isnan(v) ? (nd->feature & DEFAULT_LEFT) != 0 : v < nd->thr;
            const uint8_t cold = (uint8_t)(mq & ~(1u << nd->aux));
            mask[l] = left ? mq : cold;
            mask[l + 1] = left ? cold : mq;
            continue;
        }
        const leafrec *r = &ts->leaf[nd->aux];
        const double *P = ts->table + r->off;
        const uint32_t h = mq & ((1u << r->k) - 1u);
        const double pc = -P[h];
        for (uint32_t i = 0; i < r->k; i++) { /* a select, not a branch: h is data */
            const double sel[2] = {pc, r->coef[i] * P[h ^ (1u << i)]};
            phi[r->feat[i]] += sel[(h >> i) & 1u];
        }
    }
}

/*
 * Interventional tables. For a leaf of value v whose path has the distinct features
 * f_0..f_{k-1}, let X (Z) be the set of those that x (a background row z) follows at all
 * their splits on the path. The composite row (x_S, z_notS) reaches the leaf iff every f_i is
 * followed by the side it comes from, so the pair's game at the leaf is v 1[A within S, B
 * outside S] with A = X - Z, B = Z - X, when X + Z holds every f_i (else the leaf is never
 * reached). Then every f_i outside X is in B, and an f_i in X is in A iff it is outside Z.
 * So over the background, a leaf's contribution depends on x only through X: the table holds,
 * for every X, e[0] = -sum over z of v c(|A|, |B| - 1) (the value of each feature outside X)
 * and e[1 + i] = sum over z with f_i in A of v c(|A| - 1, |B|) (feature i in X), summed over
 * the distinct patterns Z of the background at that leaf with their counts. A row then costs
 * what a path-dependent row costs with tables, whatever the background's size.
 */

/* For every node of tree t, the path features (bits: aux positions) the row xf follows. */
static void follow_masks(uint8_t mask[], const fa_treeshap *ts, size_t t, const float xf[])
{
    const cnode *nodes = ts->nodes + ts->root[t];
    const size_t n = ts->trees[t].n_nodes;
    const int32_t base = (int32_t)ts->root[t];
    mask[0] = 0xFF;
    for (size_t q = 0; q < n; q++) {
        const cnode *nd = &nodes[q];
        if (nd->left >= 0) {
            const uint8_t mq = mask[q];
            const size_t l = (size_t)(nd->left - base);
            const float v = xf[nd->feature & ~DEFAULT_LEFT];
            const int left = isnan(v) ? (nd->feature & DEFAULT_LEFT) != 0 : v < nd->thr;
            const uint8_t cold = (uint8_t)(mq & ~(1u << nd->aux));
            mask[l] = left ? mq : cold;
            mask[l + 1] = left ? cold : mq;
        }
    }
}

/* The table of one leaf from the counts cnt[Z] of its background patterns. */
static void fill_leaf(double tab[], const leafrec *r, double v, const uint32_t cnt[],
                      const double cw[], size_t cdim)
{
    const uint32_t k = r->k, full = (1u << k) - 1u;
    uint32_t pat[1u << TABLE_MAX_K] = {0}, n_pat = 0;
    for (uint32_t z = 0; z <= full; z++) {
        if (cnt[z] > 0) {
            pat[n_pat++] = z;
        }
    }
    memset(tab, 0, ((size_t)k + 1) * ((size_t)full + 1) * sizeof *tab);
    for (uint32_t x = 0; x <= full; x++) {
        double *e = tab + (size_t)x * (k + 1);
        for (uint32_t j = 0; j < n_pat; j++) {
            const uint32_t z = pat[j];
            if ((x | z) != full || x == z) { /* not reached, or reached whatever S */
                continue;
            }
            const uint32_t a = x & ~z, b = z & ~x;
            const uint32_t na = (uint32_t)__builtin_popcount(a),
                           nb = (uint32_t)__builtin_popcount(b);
            const double c = (double)cnt[z] * v;
            if (nb > 0) {
                e[0] -= c * cw[na * cdim + nb - 1];
            }
            if (na > 0) {
                const double wa = c * cw[(na - 1) * cdim + nb];
                for (uint32_t i = 0; i < k; i++) {
                    e[1 + i] += ((a >> i) & 1u) ? wa : 0.0;
                }
            }
        }
    }
}

/* The tables of tree t over background b, with the scratch cnt (ts->max_cnt) and mask. */
static void fill_itables(const fa_treeshap *ts, fa_treeshap_bg *b, size_t t, uint32_t cnt[],
                         uint8_t mask[])
{
    const cnode *nodes = ts->nodes + ts->root[t];
    const size_t n = ts->trees[t].n_nodes;
    size_t n_cnt = 0;
    for (size_t q = 0; q < n; q++) {
        if (nodes[q].left < 0) {
            const leafrec *r = &ts->leaf[nodes[q].aux];
            n_cnt = r->coff + ((size_t)1 << r->k) > n_cnt ? r->coff + ((size_t)1 << r->k) : n_cnt;
        }
    }
    memset(cnt, 0, n_cnt * sizeof *cnt);
    for (size_t k = 0; k < b->n_bg; k++) {
        follow_masks(mask, ts, t, b->zf + k * ts->p);
        for (size_t q = 0; q < n; q++) {
            if (nodes[q].left < 0) {
                const leafrec *r = &ts->leaf[nodes[q].aux];
                cnt[r->coff + (mask[q] & ((1u << r->k) - 1u))]++;
            }
        }
    }
    for (size_t q = 0; q < n; q++) {
        if (nodes[q].left < 0) {
            const leafrec *r = &ts->leaf[nodes[q].aux];
            fill_leaf(b->table + r->off, r, (double)nodes[q].thr, cnt + r->coff, ts->cw,
                      (size_t)ts->max_depth + 1);
        }
    }
}

/* Tree t's share of the row (xf) over the whole background, from b's tables, into phi. */
static void itable_tree(double phi[], const fa_treeshap *ts, const fa_treeshap_bg *b, size_t t,
                        const float xf[], uint8_t mask[])
{
    follow_masks(mask, ts, t, xf);
    const cnode *nodes = ts->nodes + ts->root[t];
    const size_t n = ts->trees[t].n_nodes;
    for (size_t q = 0; q < n; q++) {
        if (nodes[q].left >= 0) {
            continue;
        }
        const leafrec *r = &ts->leaf[nodes[q].aux];
        const uint32_t x = mask[q] & ((1u << r->k) - 1u);
        const double *e = b->table + r->off + (size_t)x * (r->k + 1);
        for (uint32_t i = 0; i < r->k; i++) { /* e[1 + i] when bit i is set, else e[0]: an
                                                 index, not a branch (x is data) */
            phi[r->feat[i]] += e[(size_t)((x >> i) & 1u) * (i + 1)];
        }
    }
}

/* ------------------------------------------------------------ internal API */

void fa_treeshap__free(fa_treeshap *ts)
{
    if (ts == NULL) {
        return;
    }
    free(ts->info);
    free(ts->recip);
    free(ts->nodes);
    free(ts->root);
    free(ts->cw);
    free(ts->fast);
    free(ts->leaf);
    free(ts->table);
    free(ts);
}

int fa_treeshap__create(fa_treeshap **out, const fa_model *m, int mode, fa_error *err)
{
    const int path_dependent = mode == FA_TREESHAP__PATH || mode == FA_TREESHAP__PATH_TABLES;
    *out = NULL;
    const fa_xgboost_tree *trees;
    size_t n_trees;
    double base;
    if (fa_xgboost__trees(&trees, &n_trees, &base, m) != FA_OK) {
        return fa_error_set(err, FA_EINVAL, NULL, 0, 0,
                            "tree Shapley values need an XGBoost model, not a %s model",
                            m != NULL ? fa_model_kind(m) : "missing");
    }
    size_t max_nodes = 1, total = 0;
    for (size_t t = 0; t < n_trees; t++) {
        total += trees[t].n_nodes;
        if (mode != FA_TREESHAP__PATH && total > (size_t)INT32_MAX) {
            return fa_error_set(err, FA_EINVAL, NULL, 0, 0,
                                "the model has more than %d nodes: TreeSHAP refuses it", INT32_MAX);
        }
        if (path_dependent && trees[t].cover == NULL) {
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
    ts->m = m;
    ts->trees = trees;
    ts->n_trees = n_trees;
    ts->p = fa_model_n_features(m);
    ts->base = base;
    ts->path_dependent = path_dependent;
    ts->max_nodes = max_nodes;
    ts->n_slow = n_trees; /* until prepare_tables finds the trees that fit */
    int st = FA_OK;
    for (size_t t = 0; t < n_trees && st == FA_OK; t++) {
        st = prepare_tree(&ts->info[t], &trees[t], t, path_dependent, scratch, err);
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
    if (st == FA_OK && mode != FA_TREESHAP__PATH &&
        (build_compact(ts, !path_dependent) != FA_OK ||
         ((mode == FA_TREESHAP__PATH_TABLES || mode == FA_TREESHAP__INTERVENTIONAL_TABLES) &&
          prepare_tables(ts) != FA_OK))) {
        st = fa_error_set(err, FA_ENOMEM, NULL, 0, 0, "out of memory");
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
    const size_t p = ts->p > 0 ? ts->p : 1;
    ws->mem = fa_alloc_array(maxd * (maxd + 1) / 2 + 2 * (size_t)PAD, sizeof *ws->mem);
    ws->xf = fa_alloc_array(p, (size_t)FA_TREESHAP__BLOCK * sizeof *ws->xf);
    ws->state = fa_calloc_array(p, sizeof *ws->state);
    ws->mask = fa_alloc_array(ts->max_nodes, sizeof *ws->mask);
    if (ws->mem == NULL || ws->xf == NULL || ws->state == NULL || ws->mask == NULL) {
        fa_treeshap__ws_free(ws);
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
    free(ws->xf);
    free(ws->state);
    free(ws->mask);
    free(ws);
}

void fa_treeshap__rows(double out[], const fa_treeshap *ts, const double x[], size_t n_rows,
                       fa_treeshap_ws *ws)
{
    const size_t p = ts->p;
    for (size_t i = 0; i < n_rows; i++) {
        memset(out + i * (p + 1), 0, p * sizeof *out);
    }
    if (ts->fast != NULL) {
        for (size_t k = 0; k < n_rows * p; k++) {
            ws->xf[k] = to_f32_nan(x[k]);
        }
    }
    /* tree by tree over the block, so that a tree's nodes and tables stay in cache; each row
       still adds its trees in order, so the bits do not depend on the block */
    for (size_t t = 0; t < ts->n_trees; t++) {
        for (size_t i = 0; i < n_rows; i++) {
            if (ts->fast != NULL && ts->fast[t]) {
                table_tree(out + i * (p + 1), ts, t, ws->xf + i * p, ws->mask);
                continue;
            }
            walk w = {&ts->trees[t], x + i * p, out + i * (p + 1), ts->recip};
            /* the root's segment starts at 1: its parent's "path" is the empty one at 0 */
            recurse(&w, 0, ws->path, 0, 1.0, 1.0, NO_FEATURE);
        }
    }
    for (size_t i = 0; i < n_rows; i++) {
        out[i * (p + 1) + p] = ts->base;
    }
}

void fa_treeshap__bg_free(fa_treeshap_bg *b)
{
    if (b == NULL) {
        return;
    }
    free(b->zf);
    free(b->table);
    free(b);
}

/* The leaf tables of every tree that has them, trees in parallel; FA_ENOMEM. */
static int bg_tables(fa_treeshap_bg *b, const fa_treeshap *ts, int threads)
{
    b->table = fa_alloc_array(ts->n_table > 0 ? ts->n_table : 1, sizeof *b->table);
    if (b->table == NULL) {
        return FA_ENOMEM;
    }
    int failed = 0;
#pragma omp parallel num_threads(threads > 0 ? threads : 1)
    {
        uint32_t *cnt = fa_alloc_array(ts->max_cnt > 0 ? ts->max_cnt : 1, sizeof *cnt);
        uint8_t *mask = fa_alloc_array(ts->max_nodes, sizeof *mask);
        if (cnt == NULL || mask == NULL) {
#pragma omp atomic write
            failed = 1;
        }
#pragma omp for schedule(dynamic, 1)
        for (size_t t = 0; t < ts->n_trees; t++) {
            if (cnt != NULL && mask != NULL && ts->fast[t]) {
                fill_itables(ts, b, t, cnt, mask);
            }
        }
        free(cnt);
        free(mask);
    }
    return failed ? FA_ENOMEM : FA_OK;
}

int fa_treeshap__bg_create(fa_treeshap_bg **out, const fa_treeshap *ts, const double bg[],
                           size_t n_bg, int threads, fa_error *err)
{
    *out = NULL;
    fa_treeshap_bg *b = calloc(1, sizeof *b);
    double *f = fa_alloc_array(n_bg > 0 ? n_bg : 1, sizeof *f);
    if (b != NULL) {
        b->zf = fa_alloc_array(n_bg * ts->p > 0 ? n_bg * ts->p : 1, sizeof *b->zf);
    }
    if (b == NULL || f == NULL || b->zf == NULL) {
        free(f);
        fa_treeshap__bg_free(b);
        return fa_error_set(err, FA_ENOMEM, NULL, 0, 0, "out of memory");
    }
    b->n_bg = n_bg;
    for (size_t k = 0; k < n_bg * ts->p; k++) {
        b->zf[k] = to_f32_nan(bg[k]);
    }
    int st = fa_model_predict(ts->m, f, bg, n_bg, FA_OUTPUT_MARGIN, err);
    double sum = 0.0;
    for (size_t k = 0; st == FA_OK && k < n_bg; k++) {
        sum += f[k];
    }
    b->base = sum / (double)n_bg;
    free(f);
    if (st == FA_OK && ts->fast != NULL && bg_tables(b, ts, threads) != FA_OK) {
        st = fa_error_set(err, FA_ENOMEM, NULL, 0, 0, "out of memory");
    }
    if (st != FA_OK) {
        fa_treeshap__bg_free(b);
        return st;
    }
    *out = b;
    return FA_OK;
}

double fa_treeshap__bg_base(const fa_treeshap_bg *b)
{
    return b->base;
}

void fa_treeshap__rows_interventional(double out[], const fa_treeshap *ts, const fa_treeshap_bg *b,
                                      const double x[], size_t n_rows, fa_treeshap_ws *ws)
{
    const size_t p = ts->p;
    for (size_t i = 0; i < n_rows; i++) {
        memset(out + i * (p + 1), 0, p * sizeof *out);
    }
    for (size_t k = 0; k < n_rows * p; k++) {
        ws->xf[k] = to_f32_nan(x[k]);
    }
    for (size_t i = 0; ts->n_slow > 0 && i < n_rows; i++) {
        iwalk w = {ts->nodes, ws->xf + i * p,           NULL, ws->state, out + i * (p + 1),
                   ts->cw,    (size_t)ts->max_depth + 1};
        for (size_t k = 0; k < b->n_bg; k++) {
            w.zf = b->zf + k * p;
            for (size_t t = 0; t < ts->n_trees; t++) {
                if (ts->fast == NULL || !ts->fast[t]) {
                    double sa, sb;
                    ivisit(&w, (int32_t)ts->root[t], 0, 0, &sa, &sb);
                }
            }
        }
    }
    /* tree by tree over the block, so that a tree's tables stay in cache */
    for (size_t t = 0; ts->fast != NULL && t < ts->n_trees; t++) {
        for (size_t i = 0; ts->fast[t] && i < n_rows; i++) {
            itable_tree(out + i * (p + 1), ts, b, t, ws->xf + i * p, ws->mask);
        }
    }
    for (size_t i = 0; i < n_rows; i++) {
        for (size_t j = 0; j < p; j++) {
            out[i * (p + 1) + j] /= (double)b->n_bg;
        }
        out[i * (p + 1) + p] = b->base;
    }
}
