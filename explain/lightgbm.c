/*
 * explain/lightgbm.c - LightGBM tree ensembles read from the text model format
 * (Booster.save_model("m.txt"), versions v3 and v4; LightGBM's src/boosting/gbdt_model_text.cpp
 * and src/io/tree.cpp write it), objectives binary (logistic link) and the regressions
 * (identity link), one tree per iteration.
 *
 *     raw    = sum over trees (in order, in double) of the leaf the row reaches
 *              (divided by the number of trees with "average_output", random-forest mode)
 *     margin = sigmoid * raw for binary ("objective=binary sigmoid:K", K = 1 by default), so
 *              that probability = 1 / (1 + exp(-margin)) as LightGBM computes it; raw otherwise
 *
 * LightGBM stores each tree's leaf values with the learning rate (shrinkage) and the initial
 * score already applied, so they are added as they are. A tree is its internal nodes
 * 0..num_leaves-2 (node 0 the root); a child c >= 0 is an internal node, c < 0 the leaf ~c.
 * decision_type holds bit 0 categorical, bit 1 default_left, bits 2-3 the missing type
 * (0 None, 1 Zero, 2 NaN). LightGBM's Tree::NumericalDecision and CategoricalDecision:
 *
 *   numerical: a NAN becomes 0.0 unless the missing type is NaN; then a missing value (NaN
 *     with type NaN, or |v| <= 1e-35f with type Zero: -1e-35f < v <= 1e-35f) goes to the
 *     default side; otherwise left when v <= threshold (a double, not rounded to float32);
 *   categorical: threshold is an index c into cat_boundaries; the categories going left are
 *     the set bits of the 32-bit words cat_threshold[cat_boundaries[c] ..
 *     cat_boundaries[c + 1]); a value goes left when its integer part (C truncation, so -0.5
 *     is category 0) is a set bit; NaN, negative categories and categories past the bitset go
 *     right.
 *
 * Feature names: LightGBM writes Column_0 .. Column_N-1 for a model fitted without names;
 * such a model counts as unnamed (model.c: never matched by position without an explicit
 * opt-in). Multiclass models (num_class or num_tree_per_iteration above 1), linear trees,
 * other objectives (ranking, poisson, gamma, tweedie, custom) are refused with a clear error.
 *
 * Validation: every error names file:line:column of the offending value: a truncated file (no
 * "end of trees" line), a tree that is not numbered in order, arrays of the wrong length, a
 * child outside the tree, a node reached twice from the root (a cycle or a shared child) or
 * never reached, a split feature past max_feature_idx, a bad categorical bitset. The walk of
 * a checked tree ends after at most num_leaves - 1 steps whatever the file says.
 */
#include "explain/model.h"

#include <math.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "common/alloc.h"
#include "common/error.h"
#include "common/text.h"

/* LightGBM's kZeroThreshold, a float constant: values in (-z, z] are "zero" for type Zero. */
#define ZERO_THRESHOLD ((double)1e-35f)
#define DT_CATEGORICAL 1u
#define DT_DEFAULT_LEFT 2u
#define MISSING_ZERO 1u
#define MISSING_NAN 2u
/* Largest tree, feature count and tree count accepted (indices fit an int32_t). */
#define MAX_COUNT ((size_t)INT32_MAX)
/* Longest token (a number) of an array. */
#define TOKEN_MAX 64

typedef struct ltree {
    size_t n_leaves, n_cat;
    int32_t *left, *right; /* n_leaves - 1: >= 0 an internal node, < 0 the leaf ~c */
    uint32_t *feature;     /* n_leaves - 1 */
    double *thr;           /* n_leaves - 1: threshold, or the categorical split's index */
    uint8_t *dtype;        /* n_leaves - 1 */
    double *leaf;          /* n_leaves */
    uint32_t *cat_bound;   /* n_cat + 1, or NULL */
    uint32_t *cat_bits;    /* cat_bound[n_cat] words, or NULL */
} ltree;

typedef struct lgb {
    size_t n_trees;
    ltree *trees;
    double sigmoid; /* margin = sigmoid * raw (1 for the regressions) */
    int average;    /* average_output: raw / n_trees */
} lgb;

/* ------------------------------------------------------------ prediction */

/* The child of internal node q for value v (LightGBM's Tree::Decision). */
static int32_t decide(const ltree *t, size_t q, double v)
{
    const unsigned dt = t->dtype[q];
    if (dt & DT_CATEGORICAL) {
        if (isnan(v) || v <= -1.0 || v >= 2147483648.0) {
            return t->right[q];
        }
        size_t cat = (size_t)v, c = (size_t)t->thr[q];
        size_t lo = t->cat_bound[c], words = t->cat_bound[c + 1] - lo;
        if (cat / 32 >= words) {
            return t->right[q];
        }
        return (t->cat_bits[lo + cat / 32] >> (cat % 32)) & 1u ? t->left[q] : t->right[q];
    }
    const unsigned missing = (dt >> 2) & 3u;
    if (isnan(v) && missing != MISSING_NAN) {
        v = 0.0;
    }
    if ((missing == MISSING_ZERO && v > -ZERO_THRESHOLD && v <= ZERO_THRESHOLD) ||
        (missing == MISSING_NAN && isnan(v))) {
        return dt & DT_DEFAULT_LEFT ? t->left[q] : t->right[q];
    }
    return v <= t->thr[q] ? t->left[q] : t->right[q];
}

static double tree_value(const ltree *t, const double row[])
{
    if (t->n_leaves == 1) {
        return t->leaf[0];
    }
    int32_t node = 0;
    while (node >= 0) { /* checked: every path from the root ends at a leaf */
        node = decide(t, (size_t)node, row[t->feature[node]]);
    }
    return t->leaf[~node];
}

static int lgb_predict(double out[], const double x[], size_t n_rows, size_t n_cols, fa_error *err,
                       void *payload)
{
    (void)err;
    const lgb *g = payload;
    for (size_t i = 0; i < n_rows; i++) {
        const double *row = x + i * n_cols;
        double raw = 0.0;
        for (size_t t = 0; t < g->n_trees; t++) {
            raw += tree_value(&g->trees[t], row);
        }
        if (g->average && g->n_trees > 0) {
            raw /= (double)g->n_trees;
        }
        out[i] = g->sigmoid * raw;
    }
    return FA_OK;
}

static void tree_dispose(ltree *t)
{
    free(t->left);
    free(t->right);
    free(t->feature);
    free(t->thr);
    free(t->dtype);
    free(t->leaf);
    free(t->cat_bound);
    free(t->cat_bits);
}

static void lgb_free(void *payload)
{
    lgb *g = payload;
    if (g == NULL) {
        return;
    }
    for (size_t t = 0; g->trees != NULL && t < g->n_trees; t++) {
        tree_dispose(&g->trees[t]);
    }
    free(g->trees);
    free(g);
}

static const fa_model_vtable LGB_VT = {"lightgbm", lgb_predict, lgb_free, FA_OUTPUT_MARGIN, 1};

/* ------------------------------------------------------------ reading lines */

typedef struct reader {
    const char *p, *end; /* the rest of the text */
    size_t line;         /* of the line last read */
    const char *name;
    fa_error *err;
} reader;

/* A line's "key=value" (or a flag without '='), where the value starts (line and column). */
typedef struct kv {
    const char *v;
    size_t len, line, col;
    int set;
} kv;

/* The next line into [*s, *s + *n) without its end of line; 0 at the end of the text. */
static int next_line(reader *r, const char **s, size_t *n)
{
    if (r->p >= r->end) {
        return 0;
    }
    const char *nl = memchr(r->p, '\n', (size_t)(r->end - r->p));
    const char *e = nl != NULL ? nl : r->end;
    *s = r->p;
    *n = (size_t)(e - r->p);
    if (*n > 0 && (*s)[*n - 1] == '\r') {
        (*n)--;
    }
    r->p = nl != NULL ? nl + 1 : r->end;
    r->line++;
    return 1;
}

static int bad(const reader *r, size_t line, size_t col, const char *fmt, ...) FA_PRINTF(4, 5);
static int bad(const reader *r, size_t line, size_t col, const char *fmt, ...)
{
    char msg[FA_ERROR_MSG_MAX];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(msg, sizeof msg, fmt, ap);
    va_end(ap);
    return fa_error_set(r->err, FA_EPARSE, r->name, line, col, "%s", msg);
}

static int oom(const reader *r)
{
    return fa_error_set(r->err, FA_ENOMEM, r->name, 0, 0, "out of memory");
}

/* 1 when line [s, s + n) is exactly `word`. */
static int is(const char *s, size_t n, const char *word)
{
    return n == strlen(word) && memcmp(s, word, n) == 0;
}

/* Stores line [s, s + n) as key `keys[k]` into vals[k] when it names one; duplicates are errors. */
static int store_key(kv vals[], const char *const keys[], size_t n_keys, const reader *r,
                     const char *s, size_t n)
{
    const char *eq = memchr(s, '=', n);
    size_t klen = eq != NULL ? (size_t)(eq - s) : n;
    for (size_t k = 0; k < n_keys; k++) {
        if (klen == strlen(keys[k]) && memcmp(s, keys[k], klen) == 0) {
            if (vals[k].set) {
                return bad(r, r->line, 1, "'%s' given twice (first on line %zu)", keys[k],
                           vals[k].line);
            }
            vals[k].set = 1;
            vals[k].line = r->line;
            vals[k].v = eq != NULL ? eq + 1 : s + n;
            vals[k].len = eq != NULL ? n - klen - 1 : 0;
            vals[k].col = klen + 2;
            return FA_OK;
        }
    }
    return FA_OK;
}

/* ------------------------------------------------------------ values */

/* Token i of a space-separated value: [*s, *s + *n) and its column. */
typedef struct tokens {
    const kv *k;
    const char *p, *end;
} tokens;

static int next_token(tokens *tk, const char **s, size_t *n, size_t *col)
{
    while (tk->p < tk->end && *tk->p == ' ') {
        tk->p++;
    }
    if (tk->p >= tk->end) {
        return 0;
    }
    *s = tk->p;
    while (tk->p < tk->end && *tk->p != ' ') {
        tk->p++;
    }
    *n = (size_t)(tk->p - *s);
    *col = tk->k->col + (size_t)(*s - tk->k->v);
    return 1;
}

static size_t count_tokens(const kv *k)
{
    tokens tk = {k, k->v, k->v + k->len};
    const char *s;
    size_t n, col, count = 0;
    while (next_token(&tk, &s, &n, &col)) {
        count++;
    }
    return count;
}

/* A required key: an error at the line after the block (`at`) when it is missing. */
static int need(const reader *r, const kv *k, const char *key, const char *where, size_t at)
{
    if (!k->set) {
        return bad(r, at, 1, "%s has no '%s=' line", where, key);
    }
    return FA_OK;
}

/* A whole number in [lo, hi] from [s, s + n) at (line, col). */
static int parse_int(long long *out, const reader *r, const char *s, size_t n, size_t line,
                     size_t col, const char *key, long long lo, long long hi)
{
    char buf[TOKEN_MAX + 1];
    double d;
    if (n > 0 && n <= TOKEN_MAX) {
        memcpy(buf, s, n);
        buf[n] = '\0';
    }
    if (n == 0 || n > TOKEN_MAX || fa_parse_double(s, n, &d) != 0 || d != floor(d) ||
        d < (double)lo || d > (double)hi) {
        char q[96];
        fa_error_quote(q, sizeof q, s, n);
        return bad(r, line, col, "%s: expected a whole number from %lld to %lld, got %s", key, lo,
                   hi, q);
    }
    *out = (long long)d;
    return FA_OK;
}

/* Exactly `want` numbers of key k into out[] (ints: whole numbers in [lo, hi]). */
static int parse_array(double out[], const reader *r, const kv *k, const char *key, size_t want,
                       const char *why, int ints, long long lo, long long hi)
{
    size_t have = count_tokens(k);
    if (have != want) {
        return bad(r, k->line, k->col, "%s: %zu values, expected %zu (%s)", key, have, want, why);
    }
    tokens tk = {k, k->v, k->v + k->len};
    const char *s;
    size_t n, col;
    for (size_t i = 0; next_token(&tk, &s, &n, &col); i++) {
        if (ints) {
            long long v;
            int st = parse_int(&v, r, s, n, k->line, col, key, lo, hi);
            if (st != FA_OK) {
                return st;
            }
            out[i] = (double)v;
        } else if (fa_parse_double(s, n, &out[i]) != 0) {
            char q[96];
            fa_error_quote(q, sizeof q, s, n);
            return bad(r, k->line, col, "%s: expected a finite number, got %s", key, q);
        }
    }
    return FA_OK;
}

/* ------------------------------------------------------------ one tree */

enum {
    T_NUM_LEAVES,
    T_NUM_CAT,
    T_SPLIT_FEATURE,
    T_THRESHOLD,
    T_DECISION_TYPE,
    T_LEFT,
    T_RIGHT,
    T_LEAF_VALUE,
    T_CAT_BOUNDARIES,
    T_CAT_THRESHOLD,
    T_IS_LINEAR,
    N_TREE_KEYS
};
static const char *const TREE_KEYS[N_TREE_KEYS] = {
    "num_leaves",  "num_cat",    "split_feature",  "threshold",     "decision_type", "left_child",
    "right_child", "leaf_value", "cat_boundaries", "cat_threshold", "is_linear"};

/* The whole-number array `key` (want entries) into an int-typed array via a double scratch. */
static int read_ints(double *scratch, const reader *r, const kv *k, const char *key, size_t want,
                     const char *why, long long lo, long long hi)
{
    if (want == 0 && !k->set) {
        return FA_OK;
    }
    return parse_array(scratch, r, k, key, want, why, 1, lo, hi);
}

/*
 * Every internal node and leaf reached exactly once from the root, breadth-first (each node
 * is queued at most once, so this ends whatever the children say).
 */
static int check_structure(const ltree *t, const reader *r, const kv vals[])
{
    const size_t n_int = t->n_leaves - 1;
    unsigned char *seen_int = calloc(n_int, 1), *seen_leaf = calloc(t->n_leaves, 1);
    size_t *queue = fa_alloc_array(n_int, sizeof *queue);
    if (seen_int == NULL || seen_leaf == NULL || queue == NULL) {
        free(seen_int);
        free(seen_leaf);
        free(queue);
        return oom(r);
    }
    int st = FA_OK;
    size_t head = 0, tail = 0;
    queue[tail++] = 0;
    seen_int[0] = 1;
    while (head < tail && st == FA_OK) {
        size_t q = queue[head++];
        for (int side = 0; side < 2 && st == FA_OK; side++) {
            int32_t c = side ? t->right[q] : t->left[q];
            const kv *k = &vals[side ? T_RIGHT : T_LEFT];
            unsigned char *seen = c >= 0 ? &seen_int[c] : &seen_leaf[~c];
            if (*seen) {
                st = bad(r, k->line, k->col,
                         "%s of node %zu: %s %ld is reached twice from the root (a cycle or a "
                         "shared child)",
                         TREE_KEYS[side ? T_RIGHT : T_LEFT], q, c >= 0 ? "node" : "leaf",
                         c >= 0 ? (long)c : (long)~c);
            } else {
                *seen = 1;
                if (c >= 0) {
                    queue[tail++] = (size_t)c;
                }
            }
        }
    }
    for (size_t q = 0; st == FA_OK && q < n_int; q++) {
        if (!seen_int[q]) {
            st = bad(r, vals[T_LEFT].line, vals[T_LEFT].col,
                     "node %zu is not reached from the root", q);
        }
    }
    for (size_t l = 0; st == FA_OK && l < t->n_leaves; l++) {
        if (!seen_leaf[l]) {
            st = bad(r, vals[T_LEFT].line, vals[T_LEFT].col,
                     "leaf %zu is not reached from the root", l);
        }
    }
    free(seen_int);
    free(seen_leaf);
    free(queue);
    return st;
}

/* cat_boundaries and cat_threshold, and every categorical split's index into them. */
static int read_categories(ltree *t, const reader *r, const kv vals[])
{
    const kv *kb = &vals[T_CAT_BOUNDARIES], *kt = &vals[T_CAT_THRESHOLD];
    if (t->n_cat == 0) {
        return FA_OK;
    }
    int st =
        need(r, kb, TREE_KEYS[T_CAT_BOUNDARIES], "a tree with num_cat > 0", vals[T_NUM_CAT].line);
    if (st == FA_OK) {
        st = need(r, kt, TREE_KEYS[T_CAT_THRESHOLD], "a tree with num_cat > 0",
                  vals[T_NUM_CAT].line);
    }
    size_t words = st == FA_OK ? count_tokens(kt) : 0;
    double *w =
        st == FA_OK ? fa_alloc_array(words > t->n_cat ? words + 1 : t->n_cat + 2, sizeof *w) : NULL;
    t->cat_bound = fa_alloc_array(t->n_cat + 1, sizeof *t->cat_bound);
    t->cat_bits = fa_alloc_array(words > 0 ? words : 1, sizeof *t->cat_bits);
    if (st == FA_OK && (w == NULL || t->cat_bound == NULL || t->cat_bits == NULL)) {
        st = oom(r);
    }
    if (st == FA_OK) {
        st = parse_array(w, r, kb, TREE_KEYS[T_CAT_BOUNDARIES], t->n_cat + 1, "num_cat + 1", 1, 0,
                         (long long)words);
    }
    for (size_t c = 0; st == FA_OK && c <= t->n_cat; c++) {
        t->cat_bound[c] = (uint32_t)w[c];
        if ((c == 0 && w[0] != 0.0) || (c > 0 && w[c] < w[c - 1]) ||
            (c == t->n_cat && w[c] != (double)words)) {
            st = bad(r, kb->line, kb->col,
                     "cat_boundaries: expected non-decreasing offsets from 0 to %zu (the "
                     "cat_threshold words)",
                     words);
        }
    }
    if (st == FA_OK) {
        st = parse_array(w, r, kt, TREE_KEYS[T_CAT_THRESHOLD], words, "its own count", 1, 0,
                         (long long)UINT32_MAX);
    }
    for (size_t i = 0; st == FA_OK && i < words; i++) {
        t->cat_bits[i] = (uint32_t)w[i];
    }
    for (size_t q = 0; st == FA_OK && q + 1 < t->n_leaves; q++) {
        double c = t->thr[q];
        if ((t->dtype[q] & DT_CATEGORICAL) &&
            !(c >= 0.0 && c < (double)t->n_cat && c == floor(c))) {
            st = bad(r, vals[T_THRESHOLD].line, vals[T_THRESHOLD].col,
                     "threshold of categorical node %zu: expected an index below num_cat = %zu", q,
                     t->n_cat);
        }
    }
    free(w);
    return st;
}

/* The arrays of the internal nodes (num_leaves - 1 entries each). */
static int read_nodes(ltree *t, double *w, const reader *r, const kv vals[], size_t n_features)
{
    const size_t n_int = t->n_leaves - 1;
    const char *why = "num_leaves - 1";
    int st = FA_OK;
    for (int k = T_SPLIT_FEATURE; k <= T_RIGHT && st == FA_OK; k++) {
        if (n_int > 0) {
            st = need(r, &vals[k], TREE_KEYS[k], "a tree with splits", vals[T_NUM_LEAVES].line);
        }
    }
    if (st == FA_OK) {
        st = read_ints(w, r, &vals[T_SPLIT_FEATURE], "split_feature", n_int, why, 0,
                       (long long)n_features - 1);
    }
    for (size_t q = 0; st == FA_OK && q < n_int; q++) {
        t->feature[q] = (uint32_t)w[q];
    }
    if (st == FA_OK && n_int > 0) {
        st = parse_array(t->thr, r, &vals[T_THRESHOLD], "threshold", n_int, why, 0, 0, 0);
    }
    if (st == FA_OK) {
        st = read_ints(w, r, &vals[T_DECISION_TYPE], "decision_type", n_int, why, 0, 255);
    }
    for (size_t q = 0; st == FA_OK && q < n_int; q++) {
        t->dtype[q] = (uint8_t)w[q];
        if ((((unsigned)w[q] >> 2) & 3u) == 3u || (unsigned)w[q] > 15u) {
            st = bad(r, vals[T_DECISION_TYPE].line, vals[T_DECISION_TYPE].col,
                     "decision_type of node %zu: %u is not a LightGBM decision type (bits: 1 "
                     "categorical, 2 default left, 4/8 missing Zero/NaN)",
                     q, (unsigned)w[q]);
        }
    }
    for (int side = 0; side < 2 && st == FA_OK; side++) {
        int k = side ? T_RIGHT : T_LEFT;
        st = read_ints(w, r, &vals[k], TREE_KEYS[k], n_int, why, -(long long)t->n_leaves,
                       (long long)n_int - 1);
        for (size_t q = 0; st == FA_OK && q < n_int; q++) {
            (side ? t->right : t->left)[q] = (int32_t)w[q];
        }
    }
    return st;
}

/* Builds tree `index` from its key lines (vals); `after` is the line after its block. */
static int build_tree(ltree *t, const reader *r, const kv vals[], size_t n_features, size_t after)
{
    long long v = 0;
    const kv *k = &vals[T_NUM_LEAVES];
    int st = need(r, k, "num_leaves", "a tree", after);
    if (st == FA_OK) {
        st = parse_int(&v, r, k->v, k->len, k->line, k->col, "num_leaves", 1, (long long)MAX_COUNT);
    }
    t->n_leaves = (size_t)v;
    k = &vals[T_IS_LINEAR];
    if (st == FA_OK && k->set && !is(k->v, k->len, "0")) {
        st = bad(r, k->line, k->col, "linear trees (is_linear=1) are not supported");
    }
    k = &vals[T_NUM_CAT];
    if (st == FA_OK && k->set) {
        st = parse_int(&v, r, k->v, k->len, k->line, k->col, "num_cat", 0,
                       (long long)t->n_leaves - 1);
        t->n_cat = (size_t)v;
    }
    if (st != FA_OK) {
        return st;
    }
    const size_t n_int = t->n_leaves - 1, na = n_int > 0 ? n_int : 1;
    double *w = fa_alloc_array(t->n_leaves, sizeof *w);
    t->left = fa_alloc_array(na, sizeof *t->left);
    t->right = fa_alloc_array(na, sizeof *t->right);
    t->feature = fa_alloc_array(na, sizeof *t->feature);
    t->thr = fa_alloc_array(na, sizeof *t->thr);
    t->dtype = fa_alloc_array(na, sizeof *t->dtype);
    t->leaf = fa_alloc_array(t->n_leaves, sizeof *t->leaf);
    if (!w || !t->left || !t->right || !t->feature || !t->thr || !t->dtype || !t->leaf) {
        free(w);
        return oom(r);
    }
    st = read_nodes(t, w, r, vals, n_features);
    if (st == FA_OK) {
        st = need(r, &vals[T_LEAF_VALUE], "leaf_value", "a tree", after);
    }
    if (st == FA_OK) {
        st = parse_array(t->leaf, r, &vals[T_LEAF_VALUE], "leaf_value", t->n_leaves, "num_leaves",
                         0, 0, 0);
    }
    if (st == FA_OK) {
        st = read_categories(t, r, vals);
    }
    for (size_t q = 0; st == FA_OK && t->n_cat == 0 && q < n_int; q++) {
        if (t->dtype[q] & DT_CATEGORICAL) {
            st = bad(r, vals[T_DECISION_TYPE].line, vals[T_DECISION_TYPE].col,
                     "decision_type of node %zu is categorical, but the tree has num_cat=0", q);
        }
    }
    if (st == FA_OK && n_int > 0) {
        st = check_structure(t, r, vals);
    }
    free(w);
    return st;
}

/* ------------------------------------------------------------ the header */

enum {
    H_VERSION,
    H_NUM_CLASS,
    H_NUM_TREE_PER_ITERATION,
    H_MAX_FEATURE_IDX,
    H_OBJECTIVE,
    H_FEATURE_NAMES,
    H_AVERAGE_OUTPUT,
    H_TREE_SIZES,
    N_HEADER_KEYS
};
static const char *const HEADER_KEYS[N_HEADER_KEYS] = {
    "version",   "num_class",     "num_tree_per_iteration", "max_feature_idx",
    "objective", "feature_names", "average_output",         "tree_sizes"};

/* The objective line: the link and the sigmoid factor. */
static int read_objective(fa_link *link, double *sigmoid, const reader *r, const kv *k)
{
    static const char *const REGRESSIONS[] = {"regression", "regression_l2",
                                              "l2",         "mean_squared_error",
                                              "mse",        "l2_root",
                                              "rmse",       "regression_l1",
                                              "l1",         "mean_absolute_error",
                                              "mae",        "huber",
                                              "fair",       "quantile",
                                              "mape",       "mean_absolute_percentage_error"};
    tokens tk = {k, k->v, k->v + k->len};
    const char *s;
    size_t n, col;
    if (!next_token(&tk, &s, &n, &col)) {
        return bad(r, k->line, k->col, "objective: empty");
    }
    char q[96];
    fa_error_quote(q, sizeof q, s, n);
    *sigmoid = 1.0;
    if (is(s, n, "binary") || is(s, n, "cross_entropy") || is(s, n, "xentropy")) {
        *link = FA_LINK_LOGISTIC;
    } else {
        *link = FA_LINK_IDENTITY;
        size_t i = 0;
        while (i < sizeof REGRESSIONS / sizeof REGRESSIONS[0] && !is(s, n, REGRESSIONS[i])) {
            i++;
        }
        if (i == sizeof REGRESSIONS / sizeof REGRESSIONS[0]) {
            return bad(r, k->line, col,
                       "objective %s is not supported (binary, cross_entropy or a regression: "
                       "regression, regression_l1, huber, fair, quantile, mape)",
                       q);
        }
    }
    while (next_token(&tk, &s, &n, &col)) { /* parameters: "sigmoid:2", "sqrt", ... */
        if (n > 8 && memcmp(s, "sigmoid:", 8) == 0 && *link == FA_LINK_LOGISTIC) {
            if (fa_parse_double(s + 8, n - 8, sigmoid) != 0 || !(*sigmoid > 0.0)) {
                fa_error_quote(q, sizeof q, s, n);
                return bad(r, k->line, col, "objective: expected sigmoid:K with K > 0, got %s", q);
            }
        } else if (is(s, n, "sqrt")) {
            return bad(r, k->line, col,
                       "objective: regression with reg_sqrt (predictions squared back) is not "
                       "supported");
        }
    }
    return FA_OK;
}

/* Default names Column_0 .. Column_{n-1}: a model fitted without feature names. */
static int default_names(char *const names[], size_t n)
{
    for (size_t j = 0; j < n; j++) {
        char want[32];
        snprintf(want, sizeof want, "Column_%zu", j);
        if (strcmp(names[j], want) != 0) {
            return 0;
        }
    }
    return n > 0;
}

/* feature_names: max_feature_idx + 1 distinct names. */
static int read_names(fa_model *m, const reader *r, const kv *k, size_t n)
{
    size_t have = count_tokens(k);
    if (have != n) {
        return bad(r, k->line, k->col,
                   "feature_names: %zu names, expected %zu (max_feature_idx + 1)", have, n);
    }
    char **names = fa_calloc_array(n > 0 ? n : 1, sizeof *names);
    if (names == NULL) {
        return oom(r);
    }
    tokens tk = {k, k->v, k->v + k->len};
    const char *s;
    size_t len, col;
    int st = FA_OK;
    for (size_t j = 0; st == FA_OK && next_token(&tk, &s, &len, &col); j++) {
        if ((names[j] = fa_strndup(s, len)) == NULL) {
            st = oom(r);
        }
        for (size_t i = 0; st == FA_OK && i < j; i++) {
            if (strcmp(names[i], names[j]) == 0) {
                char q[96];
                fa_error_quote(q, sizeof q, s, len);
                st = bad(r, k->line, col, "feature_names: %s is given twice (names %zu and %zu)", q,
                         i + 1, j + 1);
            }
        }
    }
    if (st == FA_OK) {
        st = fa_model__set_names(m, (const char *const *)names, n, r->name, r->err);
        m->unnamed = default_names(names, n);
    }
    fa_model__free_names(names, n);
    return st;
}

/* Reads the header lines up to the first "Tree=" line (left in *s, *n). */
static int read_header(kv h[], reader *r, const char **s, size_t *n)
{
    while (next_line(r, s, n)) {
        if (*n >= 5 && memcmp(*s, "Tree=", 5) == 0) {
            return FA_OK;
        }
        if (is(*s, *n, "end of trees")) {
            return FA_OK;
        }
        int st = store_key(h, HEADER_KEYS, N_HEADER_KEYS, r, *s, *n);
        if (st != FA_OK) {
            return st;
        }
    }
    return bad(r, r->line, 1, "the file ends before its first tree (truncated?)");
}

/* The header's counts: one class, one tree per iteration, the feature count. */
static int check_header(fa_model *m, size_t *n_features, const reader *r, const kv h[])
{
    const char *where = "the model header";
    for (int k = H_VERSION; k <= H_FEATURE_NAMES; k++) {
        int st = need(r, &h[k], HEADER_KEYS[k], where, r->line);
        if (st != FA_OK) {
            return st;
        }
    }
    if (!is(h[H_VERSION].v, h[H_VERSION].len, "v3") &&
        !is(h[H_VERSION].v, h[H_VERSION].len, "v4")) {
        char q[96];
        fa_error_quote(q, sizeof q, h[H_VERSION].v, h[H_VERSION].len);
        return bad(r, h[H_VERSION].line, h[H_VERSION].col,
                   "version: expected v3 or v4 (LightGBM 3 and 4), got %s", q);
    }
    long long v;
    const kv *k = &h[H_NUM_CLASS];
    int st = parse_int(&v, r, k->v, k->len, k->line, k->col, "num_class", 1, (long long)MAX_COUNT);
    if (st == FA_OK && v != 1) {
        st = bad(r, k->line, k->col,
                 "num_class=%lld: multiclass models are not supported (one output per row)", v);
    }
    k = &h[H_NUM_TREE_PER_ITERATION];
    if (st == FA_OK) {
        st = parse_int(&v, r, k->v, k->len, k->line, k->col, "num_tree_per_iteration", 1,
                       (long long)MAX_COUNT);
    }
    if (st == FA_OK && v != 1) {
        st = bad(r, k->line, k->col,
                 "num_tree_per_iteration=%lld: multiclass models are not supported (one output "
                 "per row)",
                 v);
    }
    k = &h[H_MAX_FEATURE_IDX];
    if (st == FA_OK) {
        st = parse_int(&v, r, k->v, k->len, k->line, k->col, "max_feature_idx", 0,
                       (long long)MAX_COUNT - 1);
        *n_features = (size_t)v + 1;
    }
    if (st == FA_OK) {
        st = read_objective(&m->link, &((lgb *)m->payload)->sigmoid, r, &h[H_OBJECTIVE]);
    }
    if (st == FA_OK) {
        st = read_names(m, r, &h[H_FEATURE_NAMES], *n_features);
    }
    ((lgb *)m->payload)->average = h[H_AVERAGE_OUTPUT].set;
    return st;
}

/* ------------------------------------------------------------ the trees */

/* Appends a zeroed tree; *cap grows as needed. */
static int push_tree(lgb *g, size_t *cap, const reader *r)
{
    if (g->n_trees == *cap) {
        void *p = g->trees;
        if (fa_grow(&p, cap, g->n_trees + 1, sizeof *g->trees) != 0) {
            return oom(r);
        }
        g->trees = p;
    }
    memset(&g->trees[g->n_trees], 0, sizeof g->trees[0]);
    g->n_trees++;
    return FA_OK;
}

/* "Tree=K" with K == want. */
static int tree_header(const reader *r, const char *s, size_t n, size_t want)
{
    long long v = 0;
    int st = parse_int(&v, r, s + 5, n - 5, r->line, 6, "Tree", 0, (long long)MAX_COUNT);
    if (st == FA_OK && (size_t)v != want) {
        st = bad(r, r->line, 6, "Tree=%lld: expected Tree=%zu (trees are numbered in order)", v,
                 want);
    }
    return st;
}

/* Every tree from the "Tree=0" line in (s, n) to "end of trees". */
static int read_trees(lgb *g, reader *r, const char *s, size_t n, size_t n_features)
{
    size_t cap = 0;
    while (!is(s, n, "end of trees")) {
        int st = tree_header(r, s, n, g->n_trees);
        if (st == FA_OK) {
            st = push_tree(g, &cap, r);
        }
        if (st != FA_OK) {
            return st;
        }
        kv vals[N_TREE_KEYS];
        memset(vals, 0, sizeof vals);
        int more;
        while ((more = next_line(r, &s, &n)) != 0) {
            if ((n >= 5 && memcmp(s, "Tree=", 5) == 0) || is(s, n, "end of trees")) {
                break;
            }
            if ((st = store_key(vals, TREE_KEYS, N_TREE_KEYS, r, s, n)) != FA_OK) {
                return st;
            }
        }
        if (!more) {
            return bad(r, r->line, 1,
                       "the file ends inside tree %zu, without an 'end of trees' line "
                       "(truncated?)",
                       g->n_trees - 1);
        }
        st = build_tree(&g->trees[g->n_trees - 1], r, vals, n_features, r->line);
        if (st != FA_OK) {
            return st;
        }
    }
    return FA_OK;
}

/* ------------------------------------------------------------ internal API */

int fa_lightgbm__looks_like(const char *text, size_t len)
{
    if (len >= 3 && memcmp(text, "\xEF\xBB\xBF", 3) == 0) {
        text += 3;
        len -= 3;
    }
    return len >= 5 && memcmp(text, "tree", 4) == 0 && (text[4] == '\n' || text[4] == '\r');
}

int fa_lightgbm__parse(fa_model **out, const char *text, size_t len, const char *name,
                       fa_error *err)
{
    *out = NULL;
    reader r = {text, text + len, 0, name != NULL ? name : "(model)", err};
    if (len >= 3 && memcmp(text, "\xEF\xBB\xBF", 3) == 0) {
        r.p += 3;
    }
    if (memchr(text, '\0', len) != NULL) {
        return bad(&r, 1, 1, "NUL byte in a LightGBM text model");
    }
    lgb *g = calloc(1, sizeof *g);
    fa_model *m = fa_model__new(&LGB_VT, FA_LINK_IDENTITY);
    if (g == NULL || m == NULL) {
        free(g);
        free(m);
        return oom(&r);
    }
    m->payload = g;
    const char *s = NULL;
    size_t n = 0, n_features = 0;
    kv h[N_HEADER_KEYS];
    memset(h, 0, sizeof h);
    int st = next_line(&r, &s, &n) && is(s, n, "tree")
                 ? FA_OK
                 : bad(&r, 1, 1, "expected a LightGBM text model (a first line 'tree')");
    if (st == FA_OK) {
        st = read_header(h, &r, &s, &n);
    }
    if (st == FA_OK) {
        st = check_header(m, &n_features, &r, h);
    }
    if (st == FA_OK) {
        st = read_trees(g, &r, s, n, n_features);
    }
    if (st == FA_OK && h[H_TREE_SIZES].set && count_tokens(&h[H_TREE_SIZES]) != g->n_trees) {
        st = bad(&r, h[H_TREE_SIZES].line, h[H_TREE_SIZES].col,
                 "tree_sizes lists %zu trees, but the file has %zu", count_tokens(&h[H_TREE_SIZES]),
                 g->n_trees);
    }
    if (st != FA_OK) {
        fa_model_free(m);
        return st;
    }
    *out = m;
    return FA_OK;
}
