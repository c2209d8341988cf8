/*
 * explain/kernelshap.c - KernelSHAP (fa_shap_kernel), the interventional game shared with the
 * permutation-sampling estimator (fa_shapgame__*), and their row driver (fa_shap__drive).
 *
 * The game. v(S) = mean over the n_bg background rows b of f(x_S, b_notS).
 * - Any model: the n_bg composite rows of each coalition are predicted in batches of about
 *   GENERIC_ROWS rows; the block of composite rows is kept from one coalition to the next and
 *   only the columns whose membership changed are rewritten (one column per step along a
 *   permutation).
 * - An XGBoost model in margin space: v(S) = base + sum over trees of mean_b tree(x_S, b_notS).
 *   In a tree, the composite row reaches leaf L exactly when (a) x goes L's way at every node
 *   of L's path whose feature is in S and (b) b goes L's way at every node whose feature is
 *   not in S. With F_L the distinct features of L's path and Bad_L(b) those at which b leaves
 *   the path, (b) reads Bad_L(b) within S, so the background's share of L depends only on
 *   T = S ∩ F_L: cnt_L[T] = #{b : Bad_L(b) ⊆ T}, tabulated once per background for every
 *   T ⊆ F_L (a subset-sum over the counts of each Bad_L(b)); tab_L[T] = value_L cnt_L[T] / n_bg.
 *   A coalition then walks each tree from the root: at a feature in S it follows x (and sets
 *   the feature's bit of T), elsewhere both children, and adds tab_L[T] at each leaf reached.
 *   About 2^(depth - |path ∩ S|) leaves per tree instead of n_bg root-to-leaf walks. Paths
 *   with more than TREE_MAX_PATH_FEATURES distinct features, or tables above
 *   TREE_MAX_ENTRIES, fall back to predicting. The sums differ from the predicted means only
 *   by rounding (the order of the additions).
 *   When the trees test at most 64 columns and the CPU has BMI2, the walk is replaced by the
 *   frontier game (see front_prepare): per explained row, one table per subtree of at most
 *   FRONT_MAX_COLUMNS columns (path included), then one look-up per such subtree and
 *   coalition. On the bench's 100 trees of depth 6 over 20 columns the kernel's game costs
 *   about 0.15 s instead of 1 s for 100 rows x 2048 coalitions.
 *
 * KernelSHAP (fa_shap_kernel, Lundberg and Lee 2017, as SHAP's KernelExplainer runs it).
 * M = the varying features of the row (those where some background value differs from x;
 * the others are dummies with phi = 0). The Shapley kernel gives a coalition of size s the
 * weight (M - 1) / (C(M, s) s (M - s)); per size, the total is proportional to
 * (M - 1) / (s (M - s)), sizes s and M - s taken together ("paired") for s < M / 2.
 * Sizes are enumerated from the outside in (1 and M - 1, then 2 and M - 2, ...) while the
 * budget left times the size's share of the weight left covers all its coalitions; the rest
 * of the budget is drawn: a size from the kernel over the sizes left, a uniform subset of that
 * size, and its complement for a paired size; a coalition drawn again adds 1 to its count
 * instead of taking a new place; the drawn counts are scaled to the kernel weight left.
 * The fit: minimise sum_k w_k (v(S_k) - v(empty) - z_k' phi)^2 subject to sum phi = f(x) -
 * v(empty) = D; eliminating phi_M = D - sum_{j<M} phi_j leaves an unconstrained weighted
 * least-squares problem in M - 1 unknowns with rows z_kj - z_kM and targets v(S_k) - v(empty)
 * - z_kM D; it is solved from its normal equations A beta = c (A = X'WX, (M-1) x (M-1)) by a
 * GSL singular value decomposition (Jacobi), singular values below 1e-12 of the largest
 * dropped (a pseudo-inverse when the drawn coalitions do not determine the values).
 *
 * Standard errors. The values are a smooth function of the sums A and c; only the drawn part
 * of them is random, a sum over U independent draws (a coalition and its complement) of
 * terms with the same scaled count w. The delta method (Covert and Lee 2021, "Improving
 * KernelSHAP") gives Var(beta) = A^-1 Var(sum_u w g_u) A^-1 with g_u = sum over the draw's
 * coalitions of X_k r_k, r_k the residual at beta; Var(sum_u w g_u) is estimated as
 * w^2 U/(U-1) sum_u (g_u - mean g)(g_u - mean g)' (the heteroskedasticity-robust "sandwich").
 * Var(phi_M) = 1' Var(beta) 1. It is 0 when every coalition was enumerated, NaN with fewer
 * than two draws. The WLS covariance sigma^2 A^-1 would be wrong here: the residuals are the
 * game's interactions, not noise, and do not shrink as the budget grows.
 *
 * Threads: OpenMP over rows (fa_shap__drive); row i draws from a gsl_rng seeded from (seed,
 * i) and every row's arithmetic is the same whatever the thread, so the output is the same
 * bits for any thread count.
 */
#include "explain/shapley.h"

#include <float.h>
#include <math.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#if defined(__x86_64__) && (defined(__GNUC__) || defined(__clang__))
#include <immintrin.h>
#endif

#include <gsl/gsl_linalg.h>
#include <gsl/gsl_matrix.h>
#include <gsl/gsl_rng.h>
#include <gsl/gsl_vector.h>

#include "common/alloc.h"
#include "common/error.h"

/* Composite rows per model call of the generic game. */
#define GENERIC_ROWS 8192
/* Tree tables: distinct features on a path, and entries in all, at most. */
#define TREE_MAX_PATH_FEATURES 16
#define TREE_MAX_ENTRIES ((size_t)1 << 23)
/* Random draws per place left, at most, before the budget is given up (SHAP's 4). */
#define KERNEL_DRAWS_PER_PLACE 4
/* Relative cut-off of the singular values of the normal equations. */
#define KERNEL_RCOND 1e-12
/* Seconds between progress reports. */
#define PROGRESS_INTERVAL 0.1

#define NO_ROW SIZE_MAX

/* ------------------------------------------------------------------ seeds */

static uint64_t splitmix64(uint64_t z)
{
    z += 0x9e3779b97f4a7c15u;
    z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9u;
    z = (z ^ (z >> 27)) * 0x94d049bb133111ebu;
    return z ^ (z >> 31);
}

unsigned long fa_shap__row_seed(uint64_t seed, size_t row)
{
    uint64_t s = splitmix64(splitmix64(seed) ^ splitmix64((uint64_t)row + 0x632be59bd9b4e019u));
    unsigned long v = (unsigned long)(s ^ (s >> 32));
    return v != 0 ? v : 1; /* gsl_rng_set treats 0 as its default seed */
}

/* ------------------------------------------------------------------ the game */

/* A frontier node (see front_prepare) and a leaf under it. */
typedef struct front_node {
    uint64_t R;             /* the columns (bits of cmap) on its path and in its subtree */
    size_t node;            /* its index in the per-node arrays (node_off + n) */
    size_t leaf0, n_leaves; /* its leaves in fleaf */
    size_t goff;            /* its table in a workspace's G: 2^|R| doubles, by pext(S, R) */
} front_node;

typedef struct front_leaf {
    uint64_t F;  /* the columns of its path */
    size_t node; /* its index in the per-node arrays */
    size_t tab;  /* its table in tab, indexed by pext(T, F) */
} front_leaf;

struct fa_shapgame {
    const fa_model *m;
    const double *bg;
    size_t n_bg, p;
    fa_model_output output;
    double vnull;
    /* linear model in margin space (linear = 1): lin_bg[j] = coef_j times the background
     * mean of feature j's standardised value */
    int linear;
    fa_linear_params lp;
    double *lin_bg;
    /* tree tables (tree = 1) */
    int tree;
    const fa_xgboost_tree *trees;
    size_t n_trees, max_depth;
    double base;
    size_t *node_off; /* per tree: its first node in the arrays below */
    uint32_t *pbit;   /* per node: its feature's bit among its path's distinct features */
    uint8_t *kpre;    /* per leaf: the distinct features of its path */
    uint8_t *first;   /* per split: 1 where its feature first appears on the path */
    size_t *tab_off;  /* per leaf: its table in tab */
    double *tab;
    /* the frontier game (fast = 1; see front_prepare): tab is then in the frontier's layout */
    int fast;
    int32_t *cmap;     /* per column: its bit among the trees' columns, -1 when unused */
    front_node *front; /* the frontier nodes of every tree, in tree order */
    size_t n_front;
    front_leaf *fleaf; /* the leaves under them, in order */
    size_t n_fleaf;
    size_t gsize; /* doubles of a workspace's frontier tables */
};

struct fa_shapgame_ws {
    const fa_shapgame *g;
    double *x;
    /* tree */
    uint8_t *xleft;  /* per node: x goes left */
    double *lin_d;   /* linear: per feature, its term at x minus its background mean term */
    uint64_t *in;    /* per feature: the batch's coalitions holding it (bit set) */
    uint64_t *reach; /* per tree level: the coalitions reaching the node (tree_node) */
    uint32_t *idx;   /* per coalition: its table index along the path */
    size_t nw;       /* words of the current batch's bit sets (at most TREE_WORDS) */
    /* frontier game */
    uint64_t *dnode; /* per node: the columns at which x leaves the path to it */
    uint64_t *smask; /* per coalition of a batch: its columns */
    double *G;       /* the frontier nodes' tables for the row */
    /* generic */
    double *cur;    /* n_bg composite rows of the coalition prevz */
    uint8_t *prevz; /* p */
    double *rows;   /* per_call blocks of cur */
    double *pred;
    size_t per_call;
};

static inline int is_leaf(const fa_xgboost_tree *t, int32_t n)
{
    return t->left[n] < 0;
}

/* XGBoost's decision: float32(v) < threshold, a missing value following default_left. */
static inline int goes_left(const fa_xgboost_tree *t, int32_t n, double v)
{
    if (isnan(v)) {
        return t->default_left[n] != 0;
    }
    float f = v > FLT_MAX ? INFINITY : v < -FLT_MAX ? -INFINITY : (float)v;
    return f < t->value[n];
}

/*
 * Assigns pbit to every node and a table to every leaf of tree t (depth-first, the path's
 * distinct features in path[0..k)); *entries grows by each leaf's 2^k. 0 when a path has too
 * many distinct features or the tree is too deep.
 */
static int tree_layout(fa_shapgame *g, size_t t, size_t *entries, size_t *depth)
{
    const fa_xgboost_tree *tr = &g->trees[t];
    const size_t off = g->node_off[t];
    int32_t node[FA_TREESHAP__MAX_DEPTH + 2];
    uint32_t feat[FA_TREESHAP__MAX_DEPTH + 2][TREE_MAX_PATH_FEATURES] = {{0}};
    unsigned nfeat[FA_TREESHAP__MAX_DEPTH + 2];
    size_t dep[FA_TREESHAP__MAX_DEPTH + 2];
    size_t sp = 0;
    node[0] = 0;
    nfeat[0] = 0;
    dep[0] = 0;
    sp = 1;
    while (sp > 0) {
        sp--;
        int32_t n = node[sp];
        unsigned k = nfeat[sp];
        size_t d = dep[sp];
        uint32_t f[TREE_MAX_PATH_FEATURES];
        memcpy(f, feat[sp], k * sizeof *f);
        if (d > *depth) {
            *depth = d;
        }
        if (is_leaf(tr, n)) {
            g->pbit[off + (size_t)n] = 0;
            g->kpre[off + (size_t)n] = (uint8_t)k;
            g->tab_off[off + (size_t)n] = *entries;
            *entries += (size_t)1 << k;
            if (*entries > TREE_MAX_ENTRIES) {
                return 0;
            }
            continue;
        }
        if (d >= FA_TREESHAP__MAX_DEPTH) {
            return 0;
        }
        uint32_t j = tr->feature[n];
        unsigned pos = 0;
        while (pos < k && f[pos] != j) {
            pos++;
        }
        g->first[off + (size_t)n] = pos == k;
        if (pos == k) {
            if (k == TREE_MAX_PATH_FEATURES) {
                return 0;
            }
            f[k++] = j;
        }
        g->pbit[off + (size_t)n] = (uint32_t)1 << pos;
        const int32_t kids[2] = {tr->right[n], tr->left[n]};
        for (int c = 0; c < 2; c++) {
            node[sp] = kids[c];
            nfeat[sp] = k;
            dep[sp] = d + 1;
            memcpy(feat[sp], f, k * sizeof *f);
            sp++;
        }
    }
    return 1;
}

/* Adds background row b's Bad mask to the raw counts of every leaf of tree t. */
static void tree_count(fa_shapgame *g, size_t t, const double b[], int32_t *snode, uint32_t *smask)
{
    const fa_xgboost_tree *tr = &g->trees[t];
    const size_t off = g->node_off[t];
    size_t sp = 1;
    snode[0] = 0;
    smask[0] = 0;
    while (sp > 0) {
        sp--;
        int32_t n = snode[sp];
        uint32_t mask = smask[sp];
        while (!is_leaf(tr, n)) {
            uint32_t bit = g->pbit[off + (size_t)n];
            int left = goes_left(tr, n, b[tr->feature[n]]);
            /* b's own child keeps the mask; the other child is reached only with j in S */
            snode[sp] = left ? tr->right[n] : tr->left[n];
            smask[sp] = mask | bit;
            sp++;
            n = left ? tr->left[n] : tr->right[n];
        }
        g->tab[g->tab_off[off + (size_t)n] + mask] += 1.0;
    }
}

/* Turns every leaf's raw counts into tab_L[T] = value_L #{b : Bad_L(b) ⊆ T} / n_bg. */
static void tree_finish(fa_shapgame *g, size_t t)
{
    const fa_xgboost_tree *tr = &g->trees[t];
    for (size_t n = 0; n < tr->n_nodes; n++) {
        const size_t at = g->node_off[t] + n;
        if (!is_leaf(tr, (int32_t)n)) {
            continue;
        }
        double *c = g->tab + g->tab_off[at];
        const size_t size = (size_t)1 << g->kpre[at];
        for (size_t bit = 1; bit < size; bit <<= 1) { /* subset sums */
            for (size_t s = 0; s < size; s++) {
                if (s & bit) {
                    c[s] += c[s ^ bit];
                }
            }
        }
        const double v = (double)tr->value[n];
        for (size_t s = 0; s < size; s++) {
            c[s] = v * c[s] / (double)g->n_bg;
        }
    }
}

/* The tree tables; g->tree stays 0 when a limit is exceeded. */
static int tree_prepare(fa_shapgame *g)
{
    size_t total = 0;
    for (size_t t = 0; t < g->n_trees; t++) {
        total += g->trees[t].n_nodes;
    }
    g->node_off = fa_alloc_array(g->n_trees + 1, sizeof *g->node_off);
    g->pbit = fa_alloc_array(total + 1, sizeof *g->pbit);
    g->kpre = fa_calloc_array(total + 1, sizeof *g->kpre);
    g->first = fa_calloc_array(total + 1, sizeof *g->first);

    g->tab_off = fa_calloc_array(total + 1, sizeof *g->tab_off);
    if (g->node_off == NULL || g->pbit == NULL || g->kpre == NULL || g->first == NULL ||
        g->tab_off == NULL) {
        return FA_ENOMEM;
    }
    size_t at = 0, entries = 0, depth = 0;
    for (size_t t = 0; t < g->n_trees; t++) {
        g->node_off[t] = at;
        at += g->trees[t].n_nodes;
        if (!tree_layout(g, t, &entries, &depth)) {
            return FA_OK; /* too large for tables: predict instead */
        }
    }
    g->max_depth = depth;
    g->tab = fa_calloc_array(entries + 1, sizeof *g->tab);
    int32_t *snode = fa_alloc_array(depth + 2, sizeof *snode);
    uint32_t *smask = fa_alloc_array(depth + 2, sizeof *smask);
    int st = g->tab && snode && smask ? FA_OK : FA_ENOMEM;
    for (size_t t = 0; st == FA_OK && t < g->n_trees; t++) {
        for (size_t k = 0; k < g->n_bg; k++) {
            tree_count(g, t, g->bg + k * g->p, snode, smask);
        }
        tree_finish(g, t);
    }
    free(snode);
    free(smask);
    if (st == FA_OK) {
        g->tree = 1;
    }
    return st;
}

/* Coalitions handled together by the tree game: 64-bit words of a batch's bit sets. */
#define TREE_WORDS ((FA_SHAPGAME__MAX_BATCH + 63) / 64)

/*
 * Adds to v[] the leaves of the subtree at `node` for the coalitions of the bit set at
 * `level` (w->nw words) that reach it; idx[k] is coalition k's table index so far. At a
 * split on feature j with bit b: the coalitions holding j follow x only (b set in their
 * index where j first appears on the path, and cleared again on the way back); the others go
 * both ways, since their background rows split.
 */
static void tree_node(const fa_shapgame *g, fa_shapgame_ws *w, size_t t, int32_t node, size_t level,
                      double v[])
{
    const fa_xgboost_tree *tr = &g->trees[t];
    const size_t at = g->node_off[t] + (size_t)node;
    const size_t nw = w->nw;
    const uint64_t *r = w->reach + level * nw;
    uint32_t *idx = w->idx;
    if (is_leaf(tr, node)) {
        const double *tab = g->tab + g->tab_off[at];
        for (size_t q = 0; q < nw; q++) {
            for (uint64_t m = r[q]; m != 0; m &= m - 1) {
                const size_t k = q * 64 + (size_t)__builtin_ctzll(m);
                v[k] += tab[idx[k]];
            }
        }
        return;
    }
    const uint64_t *in = w->in + (size_t)tr->feature[node] * nw;
    const uint32_t b = g->pbit[at];
    const int first = g->first[at], xl = w->xleft[at];
    uint64_t *nr = w->reach + (level + 1) * nw;
    uint64_t any = 0; /* x's child: every coalition */
    for (size_t q = 0; q < nw; q++) {
        nr[q] = r[q];
        any |= r[q] & in[q];
    }
    if (first && any != 0) {
        for (size_t q = 0; q < nw; q++) {
            for (uint64_t m = r[q] & in[q]; m != 0; m &= m - 1) {
                idx[q * 64 + (size_t)__builtin_ctzll(m)] |= b;
            }
        }
    }
    tree_node(g, w, t, xl ? tr->left[node] : tr->right[node], level + 1, v);
    if (first && any != 0) {
        for (size_t q = 0; q < nw; q++) {
            for (uint64_t m = r[q] & in[q]; m != 0; m &= m - 1) {
                idx[q * 64 + (size_t)__builtin_ctzll(m)] &= ~b;
            }
        }
    }
    any = 0; /* the other child: the coalitions without j */
    for (size_t q = 0; q < nw; q++) {
        nr[q] = r[q] & ~in[q];
        any |= nr[q];
    }
    if (any != 0) {
        tree_node(g, w, t, xl ? tr->right[node] : tr->left[node], level + 1, v);
    }
}

/* v of the n coalitions z (n x p bytes) from the tree tables. */
static void tree_values(double v[], fa_shapgame_ws *w, const uint8_t z[], size_t n)
{
    const fa_shapgame *g = w->g;
    const size_t p = g->p;
    const size_t nw = (n + 63) / 64; /* words of this batch's bit sets */
    w->nw = nw;
    memset(w->in, 0, p * nw * sizeof *w->in);
    for (size_t k = 0; k < n; k++) {
        v[k] = g->base;
        for (size_t j = 0; j < p; j++) {
            w->in[j * nw + k / 64] |= (uint64_t)(z[k * p + j] != 0) << (k % 64);
        }
    }
    for (size_t q = 0; q < nw; q++) { /* level 0: every coalition */
        const size_t lo = q * 64;
        w->reach[q] = lo >= n ? 0 : n - lo >= 64 ? ~(uint64_t)0 : ((uint64_t)1 << (n - lo)) - 1;
    }
    memset(w->idx, 0, n * sizeof *w->idx);
    for (size_t t = 0; t < g->n_trees; t++) {
        tree_node(g, w, t, 0, 0, v);
    }
}

/*
 * The frontier game. For a model whose trees test at most 64 distinct columns, each tree is
 * cut into subtrees at a frontier: the highest nodes N whose path and subtree together test
 * at most FRONT_MAX_COLUMNS columns R_N (and the leaves above them). A coalition S reaches N
 * when x goes N's way at every node of the path whose column is in S, i.e. when S misses D_N,
 * the columns at which x leaves the path; the subtree's share of v(S) then depends only on
 * S ∩ K_N, K_N = R_N \ D_N. For each explained row, every frontier node gets a table over
 * the subsets U of R_N: G_N[U] = sum over the leaves L under N that U lets through (U misses
 * D_L ⊇ D_N) of tab_L[U ∩ F_L], and 0 for the U that meet D_N; a coalition then costs one
 * look-up per frontier node: v(S) = base + sum over the frontier nodes, in tree order, of
 * G_N[S ∩ R_N]. Sets are 64-bit masks over the trees' columns (cmap), tables are indexed by
 * BMI2's pext (so the frontier game is used only on CPUs that have it; elsewhere the walk),
 * and a leaf's table is relaid out in the order of its columns' bits. On the bench model
 * (100 trees of depth 6 over 20 columns, about 54 leaves a tree) that is about 7 frontier
 * nodes a tree, against about 40 node visits a coalition a tree for the walk. The values
 * differ from the walk's only by rounding (the order of the additions); v(empty) is the
 * walk's.
 */
#define FRONT_MAX_COLUMNS 8
/* Frontier nodes added in one pass over the coalitions (front_add: written for 4). */
#define FRONT_GROUP 4

#if defined(__x86_64__) && (defined(__GNUC__) || defined(__clang__))
#define FRONT_HAVE_BMI2 1
#define FRONT_TARGET __attribute__((target("bmi2")))

/* 1 when the CPU runs BMI2 (pext): the frontier game is used only then. */
static int front_cpu_ok(void)
{
    return __builtin_cpu_supports("bmi2") != 0;
}

/* Adds to G (indexed by pext(U, R)) the shares of the nl leaves lf for every U ⊆ K. */
FRONT_TARGET static void front_build(double G[], uint64_t R, uint64_t K, const front_leaf *lf,
                                     size_t nl, const uint64_t *dnode, const double *tab)
{
    for (size_t l = 0; l < nl; l++) {
        const uint64_t Kl = K & ~dnode[lf[l].node], F = lf[l].F; /* U must miss D_L */
        const double *t = tab + lf[l].tab;
        uint64_t U = 0;
        do { /* every U ⊆ Kl */
            G[_pext_u64(U, R)] += t[_pext_u64(U, F)];
            U = (U - Kl) & Kl;
        } while (U != 0);
    }
}

/* v[k] += G[f][pext(s[k], R[f])] for the nf <= FRONT_GROUP frontier nodes f, in order. */
FRONT_TARGET static void front_add(double v[], const uint64_t s[], size_t n, const uint64_t R[],
                                   const double *const G[], size_t nf)
{
    if (nf == FRONT_GROUP) { /* the usual case, unrolled */
        for (size_t k = 0; k < n; k++) {
            const uint64_t sk = s[k];
            double acc = v[k];
            acc += G[0][_pext_u64(sk, R[0])];
            acc += G[1][_pext_u64(sk, R[1])];
            acc += G[2][_pext_u64(sk, R[2])];
            acc += G[3][_pext_u64(sk, R[3])];
            v[k] = acc;
        }
        return;
    }
    for (size_t k = 0; k < n; k++) {
        for (size_t f = 0; f < nf; f++) {
            v[k] += G[f][_pext_u64(s[k], R[f])];
        }
    }
}
#else
#define FRONT_HAVE_BMI2 0

static int front_cpu_ok(void)
{
    return 0;
}
#endif

/* Per node: the columns tested in its subtree, into sub[off + n]. */
static uint64_t front_sub(const fa_shapgame *g, const fa_xgboost_tree *tr, size_t off, int32_t n,
                          uint64_t sub[])
{
    uint64_t s = 0;
    if (!is_leaf(tr, n)) {
        s = ((uint64_t)1 << g->cmap[tr->feature[n]]) | front_sub(g, tr, off, tr->left[n], sub) |
            front_sub(g, tr, off, tr->right[n], sub);
    }
    sub[off + (size_t)n] = s;
    return s;
}

/* Appends the leaves of the subtree at n (left first) to g->fleaf; path = the columns above. */
static void front_leaves(fa_shapgame *g, const fa_xgboost_tree *tr, size_t off, int32_t n,
                         uint64_t path)
{
    if (is_leaf(tr, n)) {
        front_leaf *l = &g->fleaf[g->n_fleaf++];
        l->F = path;
        l->node = off + (size_t)n;
        l->tab = g->tab_off[off + (size_t)n];
        return;
    }
    path |= (uint64_t)1 << g->cmap[tr->feature[n]];
    front_leaves(g, tr, off, tr->left[n], path);
    front_leaves(g, tr, off, tr->right[n], path);
}

/* Finds the frontier nodes of the subtree at n (path = the columns above n). */
static void front_cut(fa_shapgame *g, const fa_xgboost_tree *tr, size_t off, int32_t n,
                      uint64_t path, const uint64_t sub[])
{
    const uint64_t R = path | sub[off + (size_t)n];
    if (is_leaf(tr, n) || __builtin_popcountll(R) <= FRONT_MAX_COLUMNS) {
        front_node *f = &g->front[g->n_front++];
        f->R = R;
        f->node = off + (size_t)n;
        f->leaf0 = g->n_fleaf;
        front_leaves(g, tr, off, n, path);
        f->n_leaves = g->n_fleaf - f->leaf0;
        f->goff = g->gsize;
        g->gsize += (size_t)1 << __builtin_popcountll(R);
        return;
    }
    path |= (uint64_t)1 << g->cmap[tr->feature[n]];
    front_cut(g, tr, off, tr->left[n], path, sub);
    front_cut(g, tr, off, tr->right[n], path, sub);
}

/*
 * Lays the tables of the leaves under n out by pext(T, F_L) (their columns in cmap order)
 * instead of the path order of first appearance that tree_count and tree_node use: cols[0..k)
 * are the columns above n in that order, tmp holds 2^TREE_MAX_PATH_FEATURES doubles.
 */
static void front_relayout(fa_shapgame *g, const fa_xgboost_tree *tr, size_t off, int32_t n,
                           unsigned cols[], unsigned k, double tmp[])
{
    if (is_leaf(tr, n)) {
        double *t = g->tab + g->tab_off[off + (size_t)n];
        uint64_t F = 0;
        for (unsigned i = 0; i < k; i++) {
            F |= (uint64_t)1 << cols[i];
        }
        const size_t size = (size_t)1 << k;
        for (size_t idx = 0; idx < size; idx++) {
            size_t to = 0;
            for (unsigned i = 0; i < k; i++) {
                if (idx >> i & 1) { /* column cols[i]'s rank among F's bits */
                    to |= (size_t)1 << __builtin_popcountll(F & (((uint64_t)1 << cols[i]) - 1));
                }
            }
            tmp[to] = t[idx];
        }
        memcpy(t, tmp, size * sizeof *t);
        return;
    }
    const unsigned c = (unsigned)g->cmap[tr->feature[n]];
    unsigned pos = 0;
    while (pos < k && cols[pos] != c) {
        pos++;
    }
    if (pos == k) {
        cols[k++] = c; /* k <= TREE_MAX_PATH_FEATURES: tree_layout checked it */
    }
    front_relayout(g, tr, off, tr->left[n], cols, k, tmp);
    front_relayout(g, tr, off, tr->right[n], cols, k, tmp);
}

/*
 * Switches g to the frontier game when the trees test at most 64 columns (else g keeps the
 * walk); called once the tables and v(empty) are made. FA_ENOMEM.
 */
static int front_prepare(fa_shapgame *g)
{
    if (!front_cpu_ok()) {
        return FA_OK;
    }
    g->cmap = fa_alloc_array(g->p ? g->p : 1, sizeof *g->cmap);
    if (g->cmap == NULL) {
        return FA_ENOMEM;
    }
    for (size_t j = 0; j < g->p; j++) {
        g->cmap[j] = -1;
    }
    int32_t used = 0;
    size_t total = 0;
    for (size_t t = 0; t < g->n_trees; t++) {
        const fa_xgboost_tree *tr = &g->trees[t];
        total += tr->n_nodes;
        for (size_t n = 0; n < tr->n_nodes; n++) {
            if (!is_leaf(tr, (int32_t)n) && g->cmap[tr->feature[n]] < 0) {
                if (used == 64) {
                    return FA_OK;
                }
                g->cmap[tr->feature[n]] = used++;
            }
        }
    }
    uint64_t *sub = fa_alloc_array(total + 1, sizeof *sub);
    double *tmp = fa_alloc_array((size_t)1 << TREE_MAX_PATH_FEATURES, sizeof *tmp);
    g->front = fa_alloc_array(total + 1, sizeof *g->front);
    g->fleaf = fa_alloc_array(total + 1, sizeof *g->fleaf);
    int st = sub && tmp && g->front && g->fleaf ? FA_OK : FA_ENOMEM;
    for (size_t t = 0; st == FA_OK && t < g->n_trees; t++) {
        const fa_xgboost_tree *tr = &g->trees[t];
        unsigned cols[TREE_MAX_PATH_FEATURES];
        front_sub(g, tr, g->node_off[t], 0, sub);
        front_cut(g, tr, g->node_off[t], 0, 0, sub);
        front_relayout(g, tr, g->node_off[t], 0, cols, 0, tmp);
    }
    free(sub);
    free(tmp);
    g->fast = st == FA_OK;
    return st;
}

/* The row's frontier: D per node (from x), then K and the table of every frontier node. */
static void front_set_row(fa_shapgame_ws *w, const double x[])
{
    const fa_shapgame *g = w->g;
    for (size_t t = 0; t < g->n_trees; t++) {
        const fa_xgboost_tree *tr = &g->trees[t];
        const size_t off = g->node_off[t];
        /* parents before children: a node's D is set before its children are seen, since
         * the walk goes down from the root through a stack */
        int32_t stack[FA_TREESHAP__MAX_DEPTH + 2];
        size_t sp = 0;
        stack[sp++] = 0;
        w->dnode[off] = 0;
        while (sp > 0) {
            const int32_t n = stack[--sp];
            if (is_leaf(tr, n)) {
                continue;
            }
            const uint64_t D = w->dnode[off + (size_t)n];
            const uint64_t bit = (uint64_t)1 << g->cmap[tr->feature[n]];
            const int left = goes_left(tr, n, x[tr->feature[n]]);
            w->dnode[off + (size_t)tr->left[n]] = left ? D : D | bit;
            w->dnode[off + (size_t)tr->right[n]] = left ? D | bit : D;
            stack[sp++] = tr->left[n];
            stack[sp++] = tr->right[n];
        }
    }
    for (size_t f = 0; f < g->n_front; f++) {
        const front_node *fn = &g->front[f];
        const uint64_t K = fn->R & ~w->dnode[fn->node];
        double *G = w->G + fn->goff;
        memset(G, 0, ((size_t)1 << __builtin_popcountll(fn->R)) * sizeof *G);
#if FRONT_HAVE_BMI2
        front_build(G, fn->R, K, g->fleaf + fn->leaf0, fn->n_leaves, w->dnode, g->tab);
#else
        (void)K;
#endif
    }
}

/* v of the n coalitions z (n x p bytes) from the row's frontier tables. */
static void front_values(double v[], fa_shapgame_ws *w, const uint8_t z[], size_t n)
{
    const fa_shapgame *g = w->g;
    const size_t p = g->p;
    for (size_t k = 0; k < n; k++) {
        uint64_t s = 0;
        for (size_t j = 0; j < p; j++) {
            if (z[k * p + j] && g->cmap[j] >= 0) {
                s |= (uint64_t)1 << g->cmap[j];
            }
        }
        w->smask[k] = s;
        v[k] = g->base;
    }
#if FRONT_HAVE_BMI2 /* else g->fast is 0 and this is not called */
    for (size_t f0 = 0; f0 < g->n_front; f0 += FRONT_GROUP) {
        const size_t nf = g->n_front - f0 < FRONT_GROUP ? g->n_front - f0 : FRONT_GROUP;
        uint64_t R[FRONT_GROUP] = {0};
        const double *G[FRONT_GROUP] = {NULL};
        for (size_t f = 0; f < nf; f++) {
            R[f] = g->front[f0 + f].R;
            G[f] = w->G + g->front[f0 + f].goff;
        }
        front_add(v, w->smask, n, R, G, nf);
    }
#endif
}

void fa_shapgame__free(fa_shapgame *g)
{
    if (g == NULL) {
        return;
    }
    free(g->node_off);
    free(g->pbit);
    free(g->kpre);
    free(g->first);
    free(g->tab_off);
    free(g->tab);
    free(g->cmap);
    free(g->front);
    free(g->fleaf);
    free(g->lin_bg);
    free(g);
}

int fa_shapgame__create(fa_shapgame **out, const fa_model *m, const double bg[], size_t n_bg,
                        fa_model_output output, fa_error *err)
{
    *out = NULL;
    fa_shapgame *g = fa_calloc_array(1, sizeof *g);
    if (g == NULL) {
        return fa_error_set(err, FA_ENOMEM, NULL, 0, 0, "out of memory");
    }
    g->m = m;
    g->bg = bg;
    g->n_bg = n_bg;
    g->p = fa_model_n_features(m);
    g->output = output;
    int st = FA_OK;
    const int margin = output == FA_OUTPUT_MARGIN || fa_model_link(m) == FA_LINK_IDENTITY;
    if (margin && fa_xgboost__trees(&g->trees, &g->n_trees, &g->base, m) == FA_OK) {
        st = tree_prepare(g);
    } else if (margin && fa_linear__params(&g->lp, m) == FA_OK) {
        /* affine in x: v(S) = v(empty) + sum over j in S of (term_j(x) - mean_b term_j(b)) */
        g->lin_bg = fa_calloc_array(g->p ? g->p : 1, sizeof *g->lin_bg);
        st = g->lin_bg != NULL ? FA_OK : FA_ENOMEM;
        for (size_t k = 0; st == FA_OK && k < n_bg; k++) {
            for (size_t j = 0; j < g->p; j++) {
                g->lin_bg[j] += bg[k * g->p + j];
            }
        }
        for (size_t j = 0; st == FA_OK && j < g->p; j++) {
            const double mu = g->lin_bg[j] / (double)n_bg;
            g->lin_bg[j] = g->lp.scale != NULL
                               ? g->lp.coef[j] * ((mu - g->lp.mean[j]) / g->lp.scale[j])
                               : g->lp.coef[j] * mu;
        }
        g->linear = st == FA_OK;
    }
    if (st != FA_OK) {
        fa_shapgame__free(g);
        return fa_error_set(err, FA_ENOMEM, NULL, 0, 0, "out of memory");
    }
    if (g->tree) {
        fa_shapgame_ws *w = NULL;
        uint8_t *z = fa_calloc_array(g->p, 1);
        st = z != NULL ? fa_shapgame__ws_create(&w, g) : FA_ENOMEM;
        if (st == FA_OK) {
            tree_values(&g->vnull, w, z, 1); /* no feature of x: both ways at every split */
        }
        fa_shapgame__ws_free(w);
        free(z);
        if (st == FA_OK) {
            st = front_prepare(g);
        }
    } else {
        double *pred = fa_alloc_array(n_bg, sizeof *pred);
        st = pred != NULL ? fa_model_predict(m, pred, bg, n_bg, output, err) : FA_ENOMEM;
        double s = 0.0;
        for (size_t k = 0; st == FA_OK && k < n_bg; k++) {
            s += pred[k];
        }
        g->vnull = s / (double)n_bg;
        free(pred);
        if (st != FA_OK && st != FA_ENOMEM) {
            fa_shapgame__free(g);
            return st;
        }
    }
    if (st != FA_OK) {
        fa_shapgame__free(g);
        return fa_error_set(err, FA_ENOMEM, NULL, 0, 0, "out of memory");
    }
    *out = g;
    return FA_OK;
}

double fa_shapgame__null(const fa_shapgame *g)
{
    return g->vnull;
}

double fa_shapgame__ws_null(const fa_shapgame_ws *w)
{
    return w->g->vnull;
}

int fa_shapgame__is_tree(const fa_shapgame *g)
{
    return g->tree;
}

void fa_shapgame__ws_free(fa_shapgame_ws *w)
{
    if (w == NULL) {
        return;
    }
    free(w->x);
    free(w->xleft);
    free(w->lin_d);
    free(w->in);
    free(w->reach);
    free(w->idx);
    free(w->dnode);
    free(w->smask);
    free(w->G);
    free(w->cur);
    free(w->prevz);
    free(w->rows);
    free(w->pred);
    free(w);
}

int fa_shapgame__ws_create(fa_shapgame_ws **out, const fa_shapgame *g)
{
    fa_shapgame_ws *w = fa_calloc_array(1, sizeof *w);
    *out = NULL;
    if (w == NULL) {
        return FA_ENOMEM;
    }
    w->g = g;
    const size_t p = g->p;
    w->x = fa_alloc_array(p ? p : 1, sizeof *w->x);
    int ok = w->x != NULL;
    if (g->fast) {
        size_t nodes = g->node_off[g->n_trees - 1] + g->trees[g->n_trees - 1].n_nodes;
        w->dnode = fa_alloc_array(nodes + 1, sizeof *w->dnode);
        w->smask = fa_alloc_array(FA_SHAPGAME__MAX_BATCH, sizeof *w->smask);
        w->G = fa_alloc_array(g->gsize + 1, sizeof *w->G);
        ok = ok && w->dnode && w->smask && w->G;
    } else if (g->tree) {
        size_t nodes = g->node_off[g->n_trees - 1] + g->trees[g->n_trees - 1].n_nodes;
        w->xleft = fa_calloc_array(nodes + 1, 1);
        w->in = fa_alloc_array(p ? p : 1, TREE_WORDS * sizeof *w->in);
        w->reach = fa_alloc_array(g->max_depth + 2, TREE_WORDS * sizeof *w->reach);
        w->idx = fa_alloc_array(FA_SHAPGAME__MAX_BATCH, sizeof *w->idx);
        ok = ok && w->xleft && w->in && w->reach && w->idx;
    } else if (g->linear) {
        w->lin_d = fa_alloc_array(p ? p : 1, sizeof *w->lin_d);
        ok = ok && w->lin_d;
    } else {
        w->per_call = g->n_bg < GENERIC_ROWS ? GENERIC_ROWS / g->n_bg : 1;
        w->per_call = w->per_call < FA_SHAPGAME__MAX_BATCH ? w->per_call : FA_SHAPGAME__MAX_BATCH;
        w->cur = fa_alloc_array(g->n_bg, p * sizeof *w->cur);
        w->prevz = fa_calloc_array(p ? p : 1, 1);
        w->rows = fa_alloc_array(w->per_call * g->n_bg, p * sizeof *w->rows);
        w->pred = fa_alloc_array(w->per_call * g->n_bg, sizeof *w->pred);
        ok = ok && w->cur && w->prevz && w->rows && w->pred;
    }
    if (!ok) {
        fa_shapgame__ws_free(w);
        return FA_ENOMEM;
    }
    *out = w;
    return FA_OK;
}

int fa_shapgame__set_row(fa_shapgame_ws *w, const double x[], double *fx, fa_error *err)
{
    const fa_shapgame *g = w->g;
    memcpy(w->x, x, g->p * sizeof *x);
    if (g->fast) {
        front_set_row(w, x);
    } else if (g->tree) {
        for (size_t t = 0; t < g->n_trees; t++) {
            const fa_xgboost_tree *tr = &g->trees[t];
            for (size_t n = 0; n < tr->n_nodes; n++) {
                w->xleft[g->node_off[t] + n] =
                    !is_leaf(tr, (int32_t)n) && goes_left(tr, (int32_t)n, x[tr->feature[n]]);
            }
        }
    } else if (g->linear) {
        const fa_linear_params *lp = &g->lp;
        for (size_t j = 0; j < g->p; j++) {
            const double t = lp->scale != NULL ? lp->coef[j] * ((x[j] - lp->mean[j]) / lp->scale[j])
                                               : lp->coef[j] * x[j];
            w->lin_d[j] = t - g->lin_bg[j];
        }
    } else { /* the composite block of the empty coalition */
        memcpy(w->cur, g->bg, g->n_bg * g->p * sizeof *w->cur);
        memset(w->prevz, 0, g->p);
    }
    return fa_model_predict(g->m, fx, x, 1, g->output, err);
}

int fa_shapgame__values(double v[], fa_shapgame_ws *w, const uint8_t z[], size_t n, fa_error *err)
{
    const fa_shapgame *g = w->g;
    const size_t p = g->p, K = g->n_bg;
    if (g->fast) {
        front_values(v, w, z, n);
        return FA_OK;
    }
    if (g->tree) {
        tree_values(v, w, z, n);
        return FA_OK;
    }
    if (g->linear) {
        for (size_t c = 0; c < n; c++) {
            double s = g->vnull;
            for (size_t j = 0; j < p; j++) {
                if (z[c * p + j]) {
                    s += w->lin_d[j];
                }
            }
            v[c] = s;
        }
        return FA_OK;
    }
    for (size_t c0 = 0; c0 < n; c0 += w->per_call) {
        size_t nc = n - c0 < w->per_call ? n - c0 : w->per_call;
        for (size_t c = 0; c < nc; c++) {
            const uint8_t *zc = z + (c0 + c) * p;
            for (size_t j = 0; j < p; j++) {
                if (zc[j] != w->prevz[j]) {
                    for (size_t k = 0; k < K; k++) {
                        w->cur[k * p + j] = zc[j] ? w->x[j] : g->bg[k * p + j];
                    }
                    w->prevz[j] = zc[j];
                }
            }
            memcpy(w->rows + c * K * p, w->cur, K * p * sizeof *w->cur);
        }
        int st = fa_model_predict(g->m, w->pred, w->rows, nc * K, g->output, err);
        if (st != FA_OK) {
            return st;
        }
        for (size_t c = 0; c < nc; c++) {
            double s = 0.0;
            for (size_t k = 0; k < K; k++) {
                s += w->pred[c * K + k];
            }
            v[c0 + c] = s / (double)K;
        }
    }
    return FA_OK;
}

/* ------------------------------------------------------------------ the row driver */

static double now_seconds(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec + 1e-9 * (double)ts.tv_nsec;
}

typedef struct drive_ws {
    fa_shapgame_ws *gw;
    size_t failed_row;
    fa_error err;
} drive_ws;

int fa_shap__drive(const char *fn, double out[], double se[], const fa_model *m, const double x[],
                   size_t n_rows, const double bg[], size_t n_bg, const fa_shap_options *opts,
                   fa_shap__row_fn row, const void *ctx, fa_error *err)
{
    const fa_shap_options def = FA_SHAP_OPTIONS_INIT;
    const fa_shap_options *o = opts != NULL ? opts : &def;
    if (m == NULL || (n_rows > 0 && (out == NULL || x == NULL))) {
        return fa_error_set(err, FA_EINVAL, NULL, 0, 0, "%s: no model, no output or no matrix", fn);
    }
    if (o->output != FA_OUTPUT_MARGIN && o->output != FA_OUTPUT_PROBABILITY) {
        return fa_error_set(err, FA_EINVAL, NULL, 0, 0, "%s: unknown output kind %d", fn,
                            (int)o->output);
    }
    const size_t p = fa_model_n_features(m);
    if (p == 0) {
        return fa_error_set(err, FA_EINVAL, NULL, 0, 0, "%s: the model has no features", fn);
    }
    if (n_bg == 0 || bg == NULL) {
        return fa_error_set(err, FA_EINVAL, NULL, 0, 0,
                            "%s: interventional Shapley values need a background: it is empty", fn);
    }
    if (n_rows == 0) {
        return FA_OK;
    }
    fa_shapgame *g = NULL;
    int st = fa_shapgame__create(&g, m, bg, n_bg, o->output, err);
    if (st != FA_OK) {
        return st;
    }
    int threads = fa_shap__plan_threads(o, m, n_rows);
    drive_ws *ws = fa_calloc_array((size_t)threads, sizeof *ws);
    int made = 0;
    while (ws != NULL && made < threads && fa_shapgame__ws_create(&ws[made].gw, g) == FA_OK) {
        ws[made].failed_row = NO_ROW;
        made++;
    }
    if (made < threads) {
        st = fa_error_set(err, FA_ENOMEM, NULL, 0, 0, "out of memory");
    } else {
        int stop = 0;
        size_t done = 0;
        double last = now_seconds();
#pragma omp parallel for num_threads(threads) schedule(dynamic, 1)
        for (size_t i = 0; i < n_rows; i++) {
            int stopped;
#pragma omp atomic read
            stopped = stop;
            drive_ws *w = &ws[fa_shap__thread_id()];
            if (stopped) {
                continue;
            }
            if (row(out + i * (p + 1), se != NULL ? se + i * (p + 1) : NULL, w->gw, x + i * p, i,
                    ctx, &w->err) != FA_OK) {
                w->failed_row = w->failed_row < i ? w->failed_row : i;
#pragma omp atomic write
                stop = 1;
                continue;
            }
            if (o->progress != NULL) {
#pragma omp critical(fa_shap_progress)
                {
                    done++;
                    double t = now_seconds();
                    if (t - last >= PROGRESS_INTERVAL || done == n_rows) {
                        last = t;
                        o->progress(o->progress_ctx, done, n_rows);
                    }
                }
            }
        }
        const drive_ws *first = NULL;
        for (int i = 0; i < threads; i++) {
            if (ws[i].failed_row != NO_ROW &&
                (first == NULL || ws[i].failed_row < first->failed_row)) {
                first = &ws[i];
            }
        }
        if (first != NULL) {
            if (err != NULL) {
                *err = first->err;
            }
            st = first->err.status != FA_OK ? first->err.status : FA_EINTERNAL;
        }
    }
    for (int i = 0; i < made; i++) {
        fa_shapgame__ws_free(ws[i].gw);
    }
    free(ws);
    fa_shapgame__free(g);
    return st;
}

/* ------------------------------------------------------------------ KernelSHAP */

typedef struct kernel_ctx {
    const double *bg;
    size_t n_bg, p, nsamples;
    uint64_t seed;
} kernel_ctx;

/* One row's coalitions (over the M varying features) and their weights. */
typedef struct kernel_plan {
    size_t M, cap, n; /* features, places, coalitions added */
    uint8_t *z;       /* cap x M */
    double *w;        /* kernel weights */
    size_t n_fixed;   /* the enumerated coalitions come first */
    size_t *draw;     /* per draw: its first coalition; the complement follows when paired */
    uint8_t *paired;  /* per draw */
    size_t n_draws, draw_cap;
    size_t *hash; /* open addressing over the drawn coalitions: index + 1, 0 = empty */
    size_t hash_cap;
} kernel_plan;

static void plan_free(kernel_plan *k)
{
    free(k->z);
    free(k->w);
    free(k->draw);
    free(k->paired);
    free(k->hash);
}

static uint64_t hash_z(const uint8_t z[], size_t M)
{
    uint64_t h = 0xcbf29ce484222325u;
    for (size_t j = 0; j < M; j++) {
        h = (h ^ z[j]) * 0x100000001b3u;
    }
    return splitmix64(h);
}

/* The slot of coalition z in the hash: where it is, or the empty slot it would take. */
static size_t hash_slot(const kernel_plan *k, const uint8_t z[])
{
    size_t s = (size_t)hash_z(z, k->M) & (k->hash_cap - 1);
    while (k->hash[s] != 0 && memcmp(k->z + (k->hash[s] - 1) * k->M, z, k->M) != 0) {
        s = (s + 1) & (k->hash_cap - 1);
    }
    return s;
}

static void plan_add(kernel_plan *k, const uint8_t z[], double w)
{
    memcpy(k->z + k->n * k->M, z, k->M);
    k->w[k->n] = w;
    k->n++;
}

/* C(n, k) in double (exact for the sizes used: M <= 63 here needs at most ~1e18). */
static double binom(size_t n, size_t k)
{
    double r = 1.0;
    for (size_t i = 1; i <= k; i++) {
        r = r * (double)(n - k + i) / (double)i;
    }
    return r;
}

/* Builds the coalitions of a row with M >= 2 varying features and budget ns. */
static int plan_build(kernel_plan *k, size_t M, size_t ns, gsl_rng *rng)
{
    memset(k, 0, sizeof *k);
    k->M = M;
    k->cap = ns;
    k->z = fa_alloc_array(ns, M);
    k->w = fa_alloc_array(ns, sizeof *k->w);
    const size_t n_sizes = M / 2, n_paired = (M - 1) / 2; /* ceil((M-1)/2), floor((M-1)/2) */
    double *wv = fa_alloc_array(n_sizes, sizeof *wv);
    double *rw = fa_alloc_array(n_sizes, sizeof *rw);
    uint8_t *mask = fa_alloc_array(M, 1);
    size_t *idx = fa_alloc_array(M, sizeof *idx);
    int st = k->z && k->w && wv && rw && mask && idx ? FA_OK : FA_ENOMEM;
    double total = 0.0;
    for (size_t s = 1; st == FA_OK && s <= n_sizes; s++) {
        wv[s - 1] = (double)(M - 1) / ((double)s * (double)(M - s)) * (s <= n_paired ? 2.0 : 1.0);
        total += wv[s - 1];
    }
    for (size_t s = 0; st == FA_OK && s < n_sizes; s++) {
        wv[s] /= total;
        rw[s] = wv[s];
    }
    /* whole sizes while the budget covers them */
    size_t n_full = 0;
    double left = (double)ns;
    for (size_t s = 1; st == FA_OK && s <= n_sizes; s++) {
        double nsub = binom(M, s) * (s <= n_paired ? 2.0 : 1.0);
        if (!(left * rw[s - 1] / nsub >= 1.0 - 1e-8) || nsub > (double)(k->cap - k->n)) {
            break;
        }
        n_full++;
        left -= nsub;
        if (rw[s - 1] < 1.0) {
            const double r = rw[s - 1];
            for (size_t q = 0; q < n_sizes; q++) {
                rw[q] /= (1.0 - r);
            }
        }
        double w = wv[s - 1] / binom(M, s) / (s <= n_paired ? 2.0 : 1.0);
        for (size_t i = 0; i < s; i++) {
            idx[i] = i;
        }
        for (;;) {
            memset(mask, 0, M);
            for (size_t i = 0; i < s; i++) {
                mask[idx[i]] = 1;
            }
            plan_add(k, mask, w);
            if (s <= n_paired) {
                for (size_t j = 0; j < M; j++) {
                    mask[j] = (uint8_t)!mask[j];
                }
                plan_add(k, mask, w);
            }
            /* the next combination of s out of M */
            size_t i = s;
            while (i > 0 && idx[i - 1] == M - s + i - 1) {
                i--;
            }
            if (i == 0) {
                break;
            }
            idx[i - 1]++;
            for (size_t q = i; q < s; q++) {
                idx[q] = idx[q - 1] + 1;
            }
        }
    }
    k->n_fixed = k->n;
    size_t places = k->cap - k->n;
    if (st == FA_OK && n_full < n_sizes && places > 0) {
        /* the kernel over the sizes left, a paired size counting once per draw of two */
        double sum = 0.0;
        for (size_t s = n_full; s < n_sizes; s++) {
            rw[s] = wv[s] / (s < n_paired ? 2.0 : 1.0);
            sum += rw[s];
        }
        k->draw_cap = KERNEL_DRAWS_PER_PLACE * places;
        k->draw = fa_alloc_array(k->draw_cap, sizeof *k->draw);
        k->paired = fa_alloc_array(k->draw_cap, 1);
        k->hash_cap = 16;
        while (k->hash_cap < 2 * places) {
            k->hash_cap *= 2;
        }
        k->hash = fa_calloc_array(k->hash_cap, sizeof *k->hash);
        st = k->draw && k->paired && k->hash ? FA_OK : FA_ENOMEM;
        for (size_t j = 0; j < M; j++) {
            idx[j] = j;
        }
        while (st == FA_OK && k->n < k->cap && k->n_draws < k->draw_cap) {
            double u = gsl_rng_uniform(rng) * sum, acc = 0.0;
            size_t s = n_full;
            for (; s + 1 < n_sizes; s++) {
                acc += rw[s];
                if (u < acc) {
                    break;
                }
            }
            const size_t size = s + 1;
            const int paired = size <= n_paired;
            if (paired && k->cap - k->n < 2) {
                break; /* no place for the complement: stop with the budget less one */
            }
            for (size_t i = 0; i < size; i++) { /* a uniform subset: partial Fisher-Yates */
                size_t r = i + (size_t)gsl_rng_uniform_int(rng, (unsigned long)(M - i));
                size_t tmp = idx[i];
                idx[i] = idx[r];
                idx[r] = tmp;
            }
            memset(mask, 0, M);
            for (size_t i = 0; i < size; i++) {
                mask[idx[i]] = 1;
            }
            size_t slot = hash_slot(k, mask);
            size_t at;
            if (k->hash[slot] != 0) {
                at = k->hash[slot] - 1;
                k->w[at] += 1.0;
                if (paired) {
                    k->w[at + 1] += 1.0;
                }
            } else {
                at = k->n;
                k->hash[slot] = at + 1;
                plan_add(k, mask, 1.0);
                if (paired) {
                    for (size_t j = 0; j < M; j++) {
                        mask[j] = (uint8_t)!mask[j];
                    }
                    plan_add(k, mask, 1.0); /* never drawn on its own: no hash entry needed */
                }
            }
            k->draw[k->n_draws] = at;
            k->paired[k->n_draws] = (uint8_t)paired;
            k->n_draws++;
        }
        double wl = 0.0, counts = 0.0;
        for (size_t s = n_full; s < n_sizes; s++) {
            wl += wv[s];
        }
        for (size_t c = k->n_fixed; c < k->n; c++) {
            counts += k->w[c];
        }
        for (size_t c = k->n_fixed; st == FA_OK && c < k->n; c++) {
            k->w[c] *= wl / counts;
        }
    }
    free(wv);
    free(rw);
    free(mask);
    free(idx);
    return st;
}

/*
 * Pseudo-inverse of the symmetric positive semi-definite q x q matrix A (overwritten) into
 * inv, by a GSL Jacobi SVD; FA_ENOMEM or FA_EINTERNAL.
 */
static int pinv(gsl_matrix *inv, gsl_matrix *A)
{
    const size_t q = A->size1;
    gsl_matrix *V = gsl_matrix_alloc(q, q);
    gsl_vector *S = gsl_vector_alloc(q);
    int st = V && S ? FA_OK : FA_ENOMEM;
    if (st == FA_OK && gsl_linalg_SV_decomp_jacobi(A, V, S) != 0) {
        st = FA_EINTERNAL;
    }
    if (st == FA_OK) {
        const double smax = gsl_vector_get(S, 0);
        for (size_t a = 0; a < q; a++) {
            for (size_t b = 0; b < q; b++) {
                double s = 0.0;
                for (size_t c = 0; c < q; c++) {
                    double sv = gsl_vector_get(S, c);
                    if (sv > KERNEL_RCOND * smax && sv > 0.0) {
                        s += gsl_matrix_get(V, a, c) * gsl_matrix_get(A, b, c) / sv;
                    }
                }
                gsl_matrix_set(inv, a, b, s);
            }
        }
    }
    gsl_matrix_free(V);
    gsl_vector_free(S);
    return st;
}

/* The constrained fit of plan k with coalition values v: phi[0..M) and se[0..M) (or NULL). */
static int kernel_solve(double phi[], double se[], const kernel_plan *k, const double v[],
                        double vnull, double D)
{
    const size_t M = k->M, q = M - 1;
    gsl_matrix *A = gsl_matrix_calloc(q, q);
    gsl_matrix *Ai = gsl_matrix_alloc(q, q);
    double *c = fa_calloc_array(q, sizeof *c);
    double *xr = fa_alloc_array(q, sizeof *xr);
    double *y = fa_alloc_array(k->n, sizeof *y);
    size_t *nzi = fa_alloc_array(q, sizeof *nzi);
    int st = A && Ai && c && xr && y && nzi ? FA_OK : FA_ENOMEM;
    for (size_t r = 0; st == FA_OK && r < k->n; r++) {
        const uint8_t *z = k->z + r * M;
        y[r] = v[r] - vnull - (double)z[q] * D;
        size_t nz = 0; /* the zero terms leave the sums as they are: skipped */
        for (size_t a = 0; a < q; a++) {
            xr[a] = (double)z[a] - (double)z[q];
            if (xr[a] != 0.0) {
                nzi[nz++] = a;
            }
        }
        for (size_t i = 0; i < nz; i++) {
            const size_t a = nzi[i];
            const double wa = k->w[r] * xr[a];
            double *Aa = A->data + a * A->tda;
            c[a] += wa * y[r];
            for (size_t e = 0; e <= i; e++) {
                Aa[nzi[e]] += wa * xr[nzi[e]];
            }
        }
    }
    for (size_t a = 0; st == FA_OK && a < q; a++) {
        for (size_t b = 0; b < a; b++) {
            gsl_matrix_set(A, b, a, gsl_matrix_get(A, a, b));
        }
    }
    if (st == FA_OK) {
        st = pinv(Ai, A);
    }
    double sum = 0.0;
    for (size_t a = 0; st == FA_OK && a < q; a++) {
        double s = 0.0;
        for (size_t b = 0; b < q; b++) {
            s += gsl_matrix_get(Ai, a, b) * c[b];
        }
        phi[a] = s;
        sum += s;
    }
    if (st == FA_OK) {
        phi[q] = D - sum;
    }
    if (st == FA_OK && se != NULL) {
        st = FA_OK;
        if (k->n_draws == 0) {
            for (size_t a = 0; a < M; a++) {
                se[a] = 0.0;
            }
        } else if (k->n_draws < 2) {
            for (size_t a = 0; a < M; a++) {
                se[a] = NAN;
            }
        } else {
            /* g_u = sum over the draw's coalitions of X_k r_k; the per-draw weight is that of
             * one count: w_k / count_k, the same for every drawn coalition */
            const size_t U = k->n_draws;
            double *g = fa_alloc_array(U, q * sizeof *g);
            double *mean = fa_calloc_array(q, sizeof *mean);
            double *B = fa_calloc_array(q * q, sizeof *B);
            double *T = fa_alloc_array(q * q, sizeof *T);
            if (!g || !mean || !B || !T) {
                st = FA_ENOMEM;
            }
            double unit = 0.0, counts = 0.0, wsum = 0.0;
            for (size_t u = 0; st == FA_OK && u < U; u++) {
                counts += k->paired[u] ? 2.0 : 1.0;
            }
            for (size_t r = k->n_fixed; st == FA_OK && r < k->n; r++) {
                wsum += k->w[r];
            }
            unit = counts > 0.0 ? wsum / counts : 0.0;
            for (size_t u = 0; st == FA_OK && u < U; u++) {
                double *gu = g + u * q;
                for (size_t a = 0; a < q; a++) {
                    gu[a] = 0.0;
                }
                for (size_t e = 0; e < (k->paired[u] ? 2u : 1u); e++) {
                    const size_t r = k->draw[u] + e;
                    const uint8_t *z = k->z + r * M;
                    double res = y[r];
                    for (size_t a = 0; a < q; a++) {
                        res -= ((double)z[a] - (double)z[q]) * phi[a];
                    }
                    for (size_t a = 0; a < q; a++) {
                        gu[a] += unit * ((double)z[a] - (double)z[q]) * res;
                    }
                }
                for (size_t a = 0; a < q; a++) {
                    mean[a] += gu[a] / (double)U;
                }
            }
            for (size_t u = 0; st == FA_OK && u < U; u++) {
                double *gu = g + u * q;
                for (size_t a = 0; a < q; a++) {
                    gu[a] -= mean[a];
                }
                for (size_t a = 0; a < q; a++) { /* the lower triangle; B is symmetric */
                    for (size_t b = 0; b <= a; b++) {
                        B[a * q + b] += gu[a] * gu[b];
                    }
                }
            }
            for (size_t a = 0; st == FA_OK && a < q; a++) {
                for (size_t b = 0; b < a; b++) {
                    B[b * q + a] = B[a * q + b];
                }
            }
            const double f = (double)U / (double)(U - 1);
            /* V = Ai (f B) Ai */
            for (size_t a = 0; st == FA_OK && a < q; a++) {
                for (size_t b = 0; b < q; b++) {
                    double s = 0.0;
                    for (size_t e = 0; e < q; e++) {
                        s += gsl_matrix_get(Ai, a, e) * B[e * q + b];
                    }
                    T[a * q + b] = f * s;
                }
            }
            double all = 0.0;
            for (size_t a = 0; st == FA_OK && a < q; a++) {
                for (size_t b = 0; b < q; b++) {
                    double s = 0.0;
                    for (size_t e = 0; e < q; e++) {
                        s += T[a * q + e] * gsl_matrix_get(Ai, e, b);
                    }
                    all += s;
                    if (a == b) {
                        se[a] = sqrt(s > 0.0 ? s : 0.0);
                    }
                }
            }
            if (st == FA_OK) {
                se[q] = sqrt(all > 0.0 ? all : 0.0);
            }
            free(g);
            free(mean);
            free(B);
            free(T);
        }
    }
    gsl_matrix_free(A);
    gsl_matrix_free(Ai);
    free(c);
    free(xr);
    free(y);
    free(nzi);
    return st;
}

static int same_value(double a, double b)
{
    return a == b || (isnan(a) && isnan(b));
}

static int kernel_row(double out[], double se[], fa_shapgame_ws *w, const double x[], size_t row,
                      const void *vctx, fa_error *err)
{
    const kernel_ctx *kc = vctx;
    const size_t p = kc->p;
    double fx;
    int st = fa_shapgame__set_row(w, x, &fx, err);
    if (st != FA_OK) {
        return st;
    }
    const double vnull = w->g->vnull, D = fx - vnull;
    for (size_t j = 0; j < p; j++) {
        out[j] = 0.0;
        if (se != NULL) {
            se[j] = 0.0;
        }
    }
    out[p] = vnull;
    if (se != NULL) {
        se[p] = 0.0;
    }
    size_t *var = fa_alloc_array(p, sizeof *var);
    if (var == NULL) {
        return fa_error_set(err, FA_ENOMEM, NULL, 0, 0, "out of memory");
    }
    size_t M = 0;
    for (size_t j = 0; j < p; j++) {
        for (size_t b = 0; b < kc->n_bg; b++) {
            if (!same_value(x[j], kc->bg[b * p + j])) {
                var[M++] = j;
                break;
            }
        }
    }
    if (M == 1) {
        out[var[0]] = D;
    }
    if (M < 2) {
        free(var);
        return FA_OK;
    }
    size_t ns = kc->nsamples;
    if (M < 63) {
        size_t all = ((size_t)1 << M) - 2;
        ns = ns < all ? ns : all;
    }
    gsl_rng *rng = gsl_rng_alloc(gsl_rng_mt19937);
    kernel_plan k;
    memset(&k, 0, sizeof k);
    double *v = NULL, *phi = NULL, *sev = NULL;
    uint8_t *zf = NULL;
    st = rng != NULL ? FA_OK : FA_ENOMEM;
    if (st == FA_OK) {
        gsl_rng_set(rng, fa_shap__row_seed(kc->seed, row));
        st = plan_build(&k, M, ns, rng);
    }
    if (st == FA_OK) {
        v = fa_alloc_array(k.n ? k.n : 1, sizeof *v);
        phi = fa_alloc_array(M, sizeof *phi);
        sev = fa_alloc_array(M, sizeof *sev);
        zf = fa_calloc_array(FA_SHAPGAME__MAX_BATCH, p);
        st = v && phi && sev && zf ? FA_OK : FA_ENOMEM;
    }
    if (st == FA_ENOMEM) {
        st = fa_error_set(err, FA_ENOMEM, NULL, 0, 0, "out of memory");
    }
    for (size_t c0 = 0; st == FA_OK && c0 < k.n; c0 += FA_SHAPGAME__MAX_BATCH) {
        size_t nc = k.n - c0 < FA_SHAPGAME__MAX_BATCH ? k.n - c0 : FA_SHAPGAME__MAX_BATCH;
        for (size_t c = 0; c < nc; c++) { /* non-varying features: either value is the same */
            for (size_t a = 0; a < M; a++) {
                zf[c * p + var[a]] = k.z[(c0 + c) * M + a];
            }
        }
        st = fa_shapgame__values(v + c0, w, zf, nc, err);
    }
    if (st == FA_OK) {
        st = kernel_solve(phi, se != NULL ? sev : NULL, &k, v, vnull, D);
        if (st != FA_OK) {
            st = fa_error_set(err, st, NULL, 0, 0,
                              st == FA_ENOMEM ? "out of memory"
                                              : "kernel SHAP: the singular value decomposition "
                                                "of row %zu's normal equations failed",
                              row);
        }
    }
    for (size_t a = 0; st == FA_OK && a < M; a++) {
        out[var[a]] = phi[a];
        if (se != NULL) {
            se[var[a]] = sev[a];
        }
    }
    plan_free(&k);
    gsl_rng_free(rng);
    free(v);
    free(phi);
    free(sev);
    free(zf);
    free(var);
    return st;
}

int fa_shap_kernel(double out[], double se[], const fa_model *m, const double x[], size_t n_rows,
                   const double bg[], size_t n_bg, const fa_shap_options *opts, fa_error *err)
{
    const fa_shap_options def = FA_SHAP_OPTIONS_INIT;
    const fa_shap_options *o = opts != NULL ? opts : &def;
    if (m == NULL) {
        return fa_error_set(err, FA_EINVAL, NULL, 0, 0, "fa_shap_kernel: no model");
    }
    const size_t p = fa_model_n_features(m);
    kernel_ctx kc = {bg, n_bg, p, o->nsamples, o->seed};
    if (kc.nsamples == 0) {
        kc.nsamples = 2 * p + FA_SHAP_KERNEL_DEFAULT_EXTRA;
    }
    if (kc.nsamples < 2 * p + 2) {
        return fa_error_set(err, FA_EINVAL, NULL, 0, 0,
                            "kernel SHAP: a budget of %zu coalitions is below 2M + 2 = %zu for "
                            "M = %zu features: the weighted fit needs more coalitions than "
                            "unknowns (raise --nsamples)",
                            kc.nsamples, 2 * p + 2, p);
    }
    return fa_shap__drive("fa_shap_kernel", out, se, m, x, n_rows, bg, n_bg, o, kernel_row, &kc,
                          err);
}
