/*
 * metrics/scores.c - score-based metrics of one group (METRICS.md "Scores").
 *
 * Accumulation. A group's rows enter a hash map from the score's 64-bit pattern (-0.0 made
 * 0.0) to the number (or, once a weight other than 1 appears, the weight) of its positive and
 * of its negative rows: open addressing, linear probing, at most 70 % full, 16-byte slots
 * (plus 16 bytes of weights in weight mode). Rows are held back in batches of BATCH so that a
 * large map's slots are prefetched together. Memory follows the number of distinct scores,
 * not rows, and two maps merge by adding weights value by value. A score of weight 1 that is
 * exactly k / 1e6 (six decimals at most, as CSV files print probabilities) skips the map: it
 * is appended to a log (k << 1 | label, a sequential write), and a full log (2^18 rows) is
 * counted into dense counters [k][label] for k = 0 .. 1e6 with each line prefetched ahead;
 * logs of merged shards are appended while they fit, counters add up array by array. A group
 * of millions of such rows thus costs a store a row and one prefetched increment, instead of a
 * hash insert per row and another per shard merged. The first weight other than 1 (or a
 * count reaching 2^32) moves the log and counters to the map for good. Nothing else is kept: every
 * metric below is a function of the per-value weights, summed in the order of the sorted
 * values, so it never depends on the order rows or shards arrived in (with integer weights
 * every per-value total is exact, hence the same bits; see scores.h).
 *
 * Computation. The d distinct values are sorted once (LSD radix sort of 16-byte records on an
 * order-preserving transform of the bits, skipping passes in which every key has the same
 * digit), then two passes. With v_1 < ... < v_d, p_i and n_i the positive and negative weight
 * at v_i, P = sum p_i, N = sum n_i, W = P + N:
 *
 *  - ROC AUC (Mann-Whitney, ties counted half; scikit-learn's roc_auc_score):
 *      U = sum_i p_i (n_1 + ... + n_{i-1} + n_i / 2),  AUC = U / (P N).
 *    With integer weights every term of U is a multiple of 1/2, so U is exact below 2^52 and
 *    AUC is one correctly rounded division (scikit-learn's trapezoids differ by an ulp).
 *    Undefined when P = 0 or N = 0.
 *  - Average precision (scikit-learn's definition, thresholds at the distinct scores taken in
 *    decreasing order, no interpolation): AP = sum_n (R_n - R_{n-1}) P_n
 *      = (1 / P) sum_i p_i TP_i / (TP_i + FP_i),  TP_i = p_i + ... + p_d, FP_i likewise.
 *    Undefined when P = 0; 1 when N = 0.
 *  - Brier score = sum_i [p_i (1 - v_i)^2 + n_i v_i^2] / W (scikit-learn's brier_score_loss).
 *  - Log loss = -sum_i [p_i log c_i + n_i log(1 - c_i)] / W with c_i = v_i clipped to
 *    [eps, 1 - eps], eps = 1e-15 by default: scikit-learn's historical default (log_loss
 *    before 1.2; 1.2's eps="auto" clips at the machine epsilon 2.2e-16 instead, and the two
 *    differ only for scores within 1e-15 of 0 or 1). Like scikit-learn, 1 - c is computed
 *    after clipping.
 *  - Calibration: n_bins equal-width bins, bin b = (b / n_bins, (b + 1) / n_bins], the first
 *    closed at 0 (right-closed like scikit-learn's calibration_curve and Guo et al. 2017, so
 *    decile scores k / 10 each fall in a bin of their own). Per bin: weight W_b, mean score
 *    S_b / W_b, observed rate P_b / W_b. ECE = sum_b (W_b / W) |P_b / W_b - S_b / W_b|,
 *    computed as sum_b |P_b - S_b| / W. Calibration-in-the-large = mean score - base rate,
 *    computed as (sum w s - P) / W.
 *    Brier score, log loss and calibration need probabilities: when some score lies outside
 *    [0, 1] they are undefined ("scores outside [0, 1]").
 *  - The sweep, the ROC curve, cut-offs and counts at a threshold sum TP_i, FP_i (the weight
 *    at or above v_i) from the top down when asked, in one pass: only the values and their
 *    weights are kept, 24 bytes a distinct value.
 *
 * A group made of several cells (a base group of an intersection, all rows) need not have a
 * map of its own: fa_scores_merge merges the cells' sorted values (a k-way merge on a heap
 * ordered by value, then cell), which gives what one map of all their rows would.
 *
 * Rows of weight 0 leave no trace but the row count, as scikit-learn drops them.
 */
#include "metrics/scores.h"

#include <assert.h>
#include <float.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "common/alloc.h"
#include "common/error.h"

#define EMPTY_KEY UINT64_MAX /* a NaN pattern: never the key of a finite score */
#define SIGN_BIT (UINT64_C(1) << 63)
#define MIN_SLOTS 16 /* power of two */
#define LOAD_NUM 7   /* the map grows past 7/10 full */
#define LOAD_DEN 10
#define BATCH 32                /* rows held back, then inserted with their slots prefetched */
#define PREFETCH_MIN_SLOTS 4096 /* smaller maps stay in cache: no batching needed */
#define RADIX_BITS 11
#define RADIX_SIZE ((size_t)1 << RADIX_BITS)
#define RADIX_PASSES 6 /* 6 x 11 bits >= 64 */
#define SMALL_SORT 64  /* fewer records: insertion sort */
#define MAX_BINS ((size_t)1 << 20)
#define DENSE_SCALE 1e6                  /* dense mode: scores k / 1e6, k in [0, 1e6] */
#define DENSE_SIZE ((size_t)1000000 + 1) /* counters of the dense mode */
#define LOG_CAP ((size_t)1 << 18)        /* logged rows counted at once */
#define LOG_AHEAD 16                     /* counters prefetched this many rows ahead */

#if defined(__GNUC__)
#define PREFETCH(p) __builtin_prefetch((p), 1, 1)
#else
#define PREFETCH(p) ((void)(p))
#endif

/*
 * A slot of the map: the key and, while every row has weight 1 (count mode), the number of
 * negative (n[0]) and positive (n[1]) rows at this score: 16 bytes, four to a cache line.
 * The first weight other than 1, or a count about to pass 2^32 - 1, switches the map to
 * weight mode for good: a parallel array w[slot][label] of doubles, filled from the counts.
 */
typedef struct slot {
    uint64_t key;
    uint32_t n[2];
} slot;

/* A row held back for a batched insert. */
typedef struct pending_row {
    uint64_t key;
    double weight;
    int label;
} pending_row;

struct fa_scorestats {
    slot *slots;
    double (*w)[2]; /* NULL in count mode */
    size_t cap;     /* a power of two, or 0 before the first row */
    size_t used;    /* distinct keys in the map */
    size_t limit;   /* grow when used reaches it */
    uint64_t rows;
    /* dense mode (count mode only): counters [k][label] of the scores k / 1e6, which then
     * never enter the map (unless no_dense); NULL until the log first fills */
    uint32_t (*dense)[2];
    size_t dense_used; /* k with a positive count */
    int no_dense;      /* 1: scores k / 1e6 go to the map too (weights, or out of memory) */
    /* rows at scores k / 1e6 logged as k << 1 | label (sequential writes), counted into the
     * dense counters LOG_CAP at a time, their lines prefetched */
    uint32_t *log;
    size_t n_log, log_cap;
    size_t n_pending;
    pending_row pending[BATCH];
};

/* A distinct value of the map, for sorting: key is the order key (see order_key); aux holds
 * the counts n[0] | n[1] << 32 in count mode, the slot index in weight mode. */
typedef struct record {
    uint64_t key;
    uint64_t aux;
} record;

struct fa_scores {
    size_t d;
    uint64_t rows;
    double *values; /* d distinct scores, increasing */
    double (*w)[2]; /* d weights: [0] of the negative rows at values[i], [1] of the positive */
    double w_total, p, n;
    double sws; /* sum of weight x score */
    int prob;   /* every score in [0, 1] */
    double metric[FA_SCORE_METRIC_COUNT];
    const char *reason[FA_SCORE_METRIC_COUNT];
    fa_calibration_bin *bins;
    size_t n_bins;       /* 0 when calibration is undefined */
    fa_scores_options o; /* what the metrics were computed with */
};

/* ------------------------------------------------------------------- the hash map */

static inline uint64_t score_key(double score)
{
    uint64_t k;
    if (score == 0.0) {
        score = 0.0; /* -0.0 and 0.0 are one value */
    }
    memcpy(&k, &score, sizeof k);
    return k;
}

/* 1 and *k when the score is exactly k / 1e6 (the double nearest to it, as strtod reads
 * "0.696883"): such a score is the dense counter k, and (double)k / 1e6 gives it back. */
static inline int dense_index(double score, uint32_t *k)
{
    if (!(score >= 0.0 && score <= 1.0)) {
        return 0;
    }
    uint32_t i = (uint32_t)(score * DENSE_SCALE + 0.5);
    if ((double)i / DENSE_SCALE != score) {
        return 0;
    }
    *k = i;
    return 1;
}

static inline double key_double(uint64_t key)
{
    double v;
    memcpy(&v, &key, sizeof v);
    return v;
}

/* murmur3's 64-bit finaliser: neighbouring scores differ only in low mantissa bits */
static inline size_t home_of(uint64_t key, size_t mask)
{
    key ^= key >> 33;
    key *= UINT64_C(0xff51afd7ed558ccd);
    key ^= key >> 33;
    key *= UINT64_C(0xc4ceb9fe1a85ec53);
    key ^= key >> 33;
    return (size_t)key & mask;
}

/* The index of key's slot, probing from i and claiming a free slot when the key is new. The
 * map has a free slot (used < limit < cap). */
static inline size_t claim(fa_scorestats *s, size_t i, uint64_t key)
{
    size_t mask = s->cap - 1;
    for (;;) {
        uint64_t k = s->slots[i].key;
        if (k == key) {
            return i;
        }
        if (k == EMPTY_KEY) {
            s->slots[i].key = key;
            s->slots[i].n[0] = s->slots[i].n[1] = 0;
            if (s->w) {
                s->w[i][0] = s->w[i][1] = 0.0;
            }
            s->used++;
            return i;
        }
        i = (i + 1) & mask;
    }
}

/* The index of key's slot, or cap when the key is not in the map. */
static size_t find(const fa_scorestats *s, uint64_t key)
{
    if (s->cap == 0) {
        return 0;
    }
    size_t mask = s->cap - 1;
    for (size_t i = home_of(key, mask);; i = (i + 1) & mask) {
        if (s->slots[i].key == key) {
            return i;
        }
        if (s->slots[i].key == EMPTY_KEY) {
            return s->cap;
        }
    }
}

static int grow(fa_scorestats *s)
{
    /* a map that is out of cache grows fourfold: rehashing a large map is a pass of cache
     * misses, and growing by two makes the moves add up to about the final size again */
    size_t cap = s->cap == 0 ? MIN_SLOTS : s->cap >= PREFETCH_MIN_SLOTS ? 4 * s->cap : 2 * s->cap;
    if (cap < s->cap || cap > SIZE_MAX / LOAD_NUM / 4) {
        return -1;
    }
    slot *slots = fa_alloc_array(cap, sizeof *slots);
    double(*w)[2] = s->w ? fa_alloc_array(cap, sizeof *w) : NULL;
    if (slots == NULL || (s->w && w == NULL)) {
        free(slots);
        free(w);
        return -1;
    }
    for (size_t i = 0; i < cap; i++) {
        slots[i].key = EMPTY_KEY;
    }
    for (size_t i = 0; i < s->cap; i++) {
        if (s->slots[i].key != EMPTY_KEY) {
            size_t j = home_of(s->slots[i].key, cap - 1);
            while (slots[j].key != EMPTY_KEY) {
                j = (j + 1) & (cap - 1);
            }
            slots[j] = s->slots[i];
            if (w) {
                memcpy(w[j], s->w[i], sizeof w[j]);
            }
        }
    }
    free(s->slots);
    free(s->w);
    s->slots = slots;
    s->w = w;
    s->cap = cap;
    s->limit = cap / LOAD_DEN * LOAD_NUM + cap % LOAD_DEN * LOAD_NUM / LOAD_DEN;
    return 0;
}

/* Room for `extra` more keys. */
static int reserve(fa_scorestats *s, size_t extra)
{
    while (s->used + extra > s->limit) {
        if (grow(s) != 0) {
            return -1;
        }
    }
    return 0;
}

static int add_counts_at(fa_scorestats *dst, size_t i, const uint32_t n[2]);

/* The dense counters and the logged rows back to the map (count mode), for good; -1 (and
 * nothing moved) when the map cannot grow. Rehashes: slot indices held across it are stale. */
static int undense(fa_scorestats *s)
{
    if (s->dense == NULL && s->n_log == 0) {
        s->no_dense = 1;
        return 0;
    }
    if (reserve(s, s->dense_used + s->n_log) != 0) {
        return -1;
    }
    uint32_t(*dense)[2] = s->dense;
    size_t n_log = s->n_log;
    s->dense = NULL; /* detached first: add_counts_at may come back here */
    s->dense_used = 0;
    s->n_log = 0;
    s->no_dense = 1;
    int rc = 0;
    for (size_t k = 0; dense != NULL && k < DENSE_SIZE && rc == 0; k++) {
        if (dense[k][0] | dense[k][1]) {
            uint64_t key = score_key((double)k / DENSE_SCALE);
            rc = add_counts_at(s, claim(s, home_of(key, s->cap - 1), key), dense[k]);
        }
    }
    for (size_t j = 0; j < n_log && rc == 0; j++) {
        uint64_t key = score_key((double)(s->log[j] >> 1) / DENSE_SCALE);
        uint32_t one[2] = {(s->log[j] & 1) ^ 1, s->log[j] & 1};
        rc = add_counts_at(s, claim(s, home_of(key, s->cap - 1), key), one);
    }
    free(dense);
    return rc;
}

/* Count mode to weight mode: the counts become weights (exactly: they are below 2^32). A dense
 * map goes back to the map first (slot indices are then stale). */
static int to_weights(fa_scorestats *s)
{
    if (undense(s) != 0) {
        return -1;
    }
    double(*w)[2] = fa_alloc_array(s->cap ? s->cap : 1, sizeof *w);
    if (w == NULL) {
        return -1;
    }
    for (size_t i = 0; i < s->cap; i++) {
        w[i][0] = (double)s->slots[i].n[0];
        w[i][1] = (double)s->slots[i].n[1];
    }
    s->w = w;
    return 0;
}

/* Adds a row of `weight` to slot i. In count mode the weight is 1 (see need_weights); a count
 * at 2^32 - 1 switches to weight mode (-1: out of memory). */
static inline int add_at(fa_scorestats *s, size_t i, int label, double weight)
{
    if (s->w == NULL) {
        uint32_t *n = &s->slots[i].n[label];
        if (*n < UINT32_MAX) {
            ++*n;
            return 0;
        }
        uint64_t key = s->slots[i].key;
        if (to_weights(s) != 0) {
            return -1;
        }
        i = find(s, key); /* to_weights may have rehashed */
    }
    s->w[i][label] += weight;
    return 0;
}

/* Switches to weight mode before a row of weight other than 1 is added (-1: out of memory).
 * Switching before the slot is claimed keeps every key in the map at a positive weight. */
static int need_weights(fa_scorestats *s, double weight)
{
    return s->w == NULL && weight != 1.0 ? to_weights(s) : 0;
}

/* Adds one row at key, growing the map when needed. */
static inline int add_row(fa_scorestats *s, uint64_t key, int label, double weight)
{
    if (need_weights(s, weight) != 0 || (s->used >= s->limit && grow(s) != 0)) {
        return -1;
    }
    return add_at(s, claim(s, home_of(key, s->cap - 1), key), label, weight);
}

/*
 * Inserts the held-back rows. A large map is out of cache, so every row's slot is fetched
 * first (the loads overlap) and the inserts then find their slots in cache. On failure the
 * rows not inserted stay held back, in order.
 */
static int flush(fa_scorestats *s)
{
    size_t n = s->n_pending, done = 0;
    int rc = 0;
    for (size_t j = 0; j < n; j++) {
        if (need_weights(s, s->pending[j].weight) != 0) {
            return -1;
        }
    }
    if (s->cap >= PREFETCH_MIN_SLOTS && reserve(s, n) == 0) {
        size_t mask = s->cap - 1, home[BATCH];
        for (size_t j = 0; j < n; j++) {
            home[j] = home_of(s->pending[j].key, mask);
            PREFETCH(&s->slots[home[j]]);
            if (s->w) {
                PREFETCH(&s->w[home[j]]);
            }
        }
        for (; done < n && rc == 0; done++) {
            const pending_row *r = &s->pending[done];
            rc = add_at(s, claim(s, home[done], r->key), r->label, r->weight);
        }
    } else {
        for (; done < n && rc == 0; done++) {
            const pending_row *r = &s->pending[done];
            rc = add_row(s, r->key, r->label, r->weight);
        }
    }
    if (rc != 0) {
        done--; /* the row that failed was not added */
    }
    memmove(s->pending, s->pending + done, (n - done) * sizeof *s->pending);
    s->n_pending = n - done;
    return rc;
}

/* ------------------------------------------------------------------ the dense mode */

/* The map's key += counts n (-1: out of memory). */
static int map_add_counts(fa_scorestats *s, uint64_t key, const uint32_t n[2])
{
    if (reserve(s, 1) != 0) {
        return -1;
    }
    return add_counts_at(s, claim(s, home_of(key, s->cap - 1), key), n);
}

/* Dense counter k += (n0, n1); a count about to pass 2^32 - 1 sends every value back to the
 * map, which then switches to weights (-1: out of memory). */
static inline int dense_add(fa_scorestats *s, uint32_t k, uint32_t n0, uint32_t n1)
{
    uint32_t *c = s->dense[k];
    if (c[0] <= UINT32_MAX - n0 && c[1] <= UINT32_MAX - n1) {
        s->dense_used += (size_t)((c[0] | c[1]) == 0 && (n0 | n1) != 0);
        c[0] += n0;
        c[1] += n1;
        return 0;
    }
    if (undense(s) != 0) {
        return -1;
    }
    uint32_t n[2] = {n0, n1};
    return map_add_counts(s, score_key((double)k / DENSE_SCALE), n);
}

/* The dense counters, allocated (zero) when missing; else everything goes to the map. */
static int ensure_dense(fa_scorestats *s)
{
    if (s->dense == NULL && !s->no_dense) {
        s->dense = fa_calloc_array(DENSE_SIZE, sizeof *s->dense);
        if (s->dense == NULL) {
            return undense(s);
        }
    }
    return 0;
}

/* Counts logged rows (not s->log itself) into the counters, or the map once there are none. */
static int count_log(fa_scorestats *s, const uint32_t *log, size_t n)
{
    for (size_t j = 0; j < n; j++) {
        uint32_t k = log[j] >> 1, label = log[j] & 1;
        int rc;
        if (s->dense != NULL) {
            if (j + LOG_AHEAD < n) {
                PREFETCH(&s->dense[log[j + LOG_AHEAD] >> 1]);
            }
            rc = dense_add(s, k, label ^ 1, label);
        } else {
            uint32_t one[2] = {label ^ 1, label};
            rc = map_add_counts(s, score_key((double)k / DENSE_SCALE), one);
        }
        if (rc != 0) {
            return -1;
        }
    }
    return 0;
}

/* The log counted and emptied. */
static int drain_log(fa_scorestats *s)
{
    if (s->n_log == 0) {
        return 0;
    }
    if (ensure_dense(s) != 0) {
        return -1;
    }
    if (s->dense == NULL) {
        return 0; /* ensure_dense moved the log to the map */
    }
    size_t n = s->n_log;
    s->n_log = 0; /* detached: an overflow's undense must not move these rows again */
    return count_log(s, s->log, n);
}

/* One row at the score k / 1e6 (count mode). */
static int add_log(fa_scorestats *s, uint32_t k, int label)
{
    if (s->n_log == s->log_cap) {
        int rc;
        if (s->log_cap < LOG_CAP) {
            void *p = s->log;
            size_t cap = s->log_cap;
            rc = fa_grow(&p, &cap, cap + 1, sizeof *s->log);
            if (rc == 0) {
                s->log = p;
                s->log_cap = cap;
            }
        } else {
            rc = drain_log(s);
        }
        if (rc != 0 && undense(s) != 0) {
            return -1;
        }
    }
    if (s->no_dense) {
        return add_row(s, score_key((double)k / DENSE_SCALE), label, 1.0);
    }
    s->log[s->n_log++] = k << 1 | (uint32_t)label;
    return 0;
}

/* One row at key, logged when it is a score k / 1e6 of weight 1, else to the map. */
static int add_one(fa_scorestats *s, uint64_t key, int label, double weight)
{
    uint32_t k;
    if (!s->no_dense && weight == 1.0 && dense_index(key_double(key), &k)) {
        return add_log(s, k, label);
    }
    return add_row(s, key, label, weight);
}

/* dst += src's dense counters (dst made dense when it can be). */
static int merge_dense(fa_scorestats *dst, const fa_scorestats *src)
{
    if (ensure_dense(dst) != 0) {
        return -1;
    }
    const uint32_t(*b)[2] = (const uint32_t(*)[2])src->dense;
    if (dst->dense != NULL) {
        /* the fast path, adding modulo 2^32; on a wrap-around it is undone */
        uint32_t(*a)[2] = dst->dense;
        size_t fresh = 0;
        uint32_t wrapped = 0;
        for (size_t k = 0; k < DENSE_SIZE; k++) {
            uint32_t a0 = a[k][0], a1 = a[k][1], r0 = a0 + b[k][0], r1 = a1 + b[k][1];
            fresh += (size_t)((a0 | a1) == 0 && (r0 | r1) != 0);
            wrapped |= (uint32_t)(r0 < a0) | (uint32_t)(r1 < a1);
            a[k][0] = r0;
            a[k][1] = r1;
        }
        if (!wrapped) {
            dst->dense_used += fresh;
            return 0;
        }
        for (size_t k = 0; k < DENSE_SIZE; k++) {
            a[k][0] -= b[k][0];
            a[k][1] -= b[k][1];
        }
    }
    for (size_t k = 0; k < DENSE_SIZE; k++) {
        if ((b[k][0] | b[k][1]) == 0) {
            continue;
        }
        int rc = dst->dense != NULL ? dense_add(dst, (uint32_t)k, b[k][0], b[k][1])
                                    : map_add_counts(dst, score_key((double)k / DENSE_SCALE), b[k]);
        if (rc != 0) {
            return -1;
        }
    }
    return 0;
}

/* dst += src's logged rows: appended while both logs fit in one, else counted. */
static int merge_log(fa_scorestats *dst, const fa_scorestats *src)
{
    size_t n = src->n_log;
    if (dst->no_dense) {
        return count_log(dst, src->log, n);
    }
    if (dst->dense == NULL && dst->n_log + n <= LOG_CAP) {
        void *p = dst->log;
        size_t cap = dst->log_cap;
        if (fa_grow(&p, &cap, dst->n_log + n, sizeof *dst->log) == 0) {
            dst->log = p;
            dst->log_cap = cap;
            memcpy(dst->log + dst->n_log, src->log, n * sizeof *dst->log);
            dst->n_log += n;
            return 0;
        }
    }
    if (drain_log(dst) != 0) {
        return -1;
    }
    if (ensure_dense(dst) != 0) {
        return -1;
    }
    return count_log(dst, src->log, n);
}

int fa_scorestats_create(fa_scorestats **out, fa_error *err)
{
    *out = calloc(1, sizeof **out);
    if (*out == NULL) {
        return fa_error_set(err, FA_ENOMEM, NULL, 0, 0, "out of memory");
    }
    return FA_OK;
}

void fa_scorestats_free(fa_scorestats *s)
{
    if (s != NULL) {
        free(s->slots);
        free(s->w);
        free(s->dense);
        free(s->log);
        free(s);
    }
}

int fa_scorestats_add(fa_scorestats *s, double score, int label, double weight, fa_error *err)
{
    assert(label == 0 || label == 1);
    if (!isfinite(score)) {
        return fa_error_set(err, FA_EDOMAIN, NULL, 0, 0, "a score must be a finite number");
    }
    if (!(weight >= 0.0 && weight <= DBL_MAX)) {
        return fa_error_set(err, FA_EDOMAIN, NULL, 0, 0, "a weight must be a finite number >= 0");
    }
    uint32_t k;
    if (weight == 1.0 && s->w == NULL && !s->no_dense && dense_index(score, &k)) {
        /* a score k / 1e6: logged, counted later in batches */
        if (add_log(s, k, label) != 0) {
            return fa_error_set(err, FA_ENOMEM, NULL, 0, 0, "out of memory");
        }
    } else if (weight > 0.0 && s->cap < PREFETCH_MIN_SLOTS) {
        /* a small map is in cache: straight in */
        if (add_row(s, score_key(score), label, weight) != 0) {
            return fa_error_set(err, FA_ENOMEM, NULL, 0, 0, "out of memory");
        }
    } else if (weight > 0.0) {
        if (s->n_pending == BATCH && flush(s) != 0) {
            return fa_error_set(err, FA_ENOMEM, NULL, 0, 0, "out of memory");
        }
        pending_row *r = &s->pending[s->n_pending++];
        r->key = score_key(score);
        r->weight = weight;
        r->label = label;
    }
    s->rows++;
    return FA_OK;
}

/* dst's slot i += counts n: in count mode while the sum fits, else as weights. */
static int add_counts_at(fa_scorestats *dst, size_t i, const uint32_t n[2])
{
    uint32_t *d = dst->slots[i].n;
    if (dst->w == NULL && d[0] <= UINT32_MAX - n[0] && d[1] <= UINT32_MAX - n[1]) {
        d[0] += n[0];
        d[1] += n[1];
        return 0;
    }
    if (dst->w == NULL) {
        uint64_t key = dst->slots[i].key;
        if (to_weights(dst) != 0) {
            return -1;
        }
        i = find(dst, key); /* to_weights may have rehashed */
    }
    dst->w[i][0] += (double)n[0];
    dst->w[i][1] += (double)n[1];
    return 0;
}

/* dst's slot j += src's slot i. */
static int merge_slot(fa_scorestats *dst, size_t j, const fa_scorestats *src, size_t i)
{
    if (src->w) {
        dst->w[j][0] += src->w[i][0];
        dst->w[j][1] += src->w[i][1];
        return 0;
    }
    return add_counts_at(dst, j, src->slots[i].n);
}

int fa_scorestats_merge(fa_scorestats *dst, const fa_scorestats *src, fa_error *err)
{
    assert(dst != src);
    if (src->w && dst->w == NULL && to_weights(dst) != 0) {
        return fa_error_set(err, FA_ENOMEM, NULL, 0, 0, "out of memory");
    }
    /* src's map holds scores k / 1e6 only when src is in no_dense mode: dst then is too */
    if ((src->no_dense && !dst->no_dense && undense(dst) != 0) ||
        (src->dense != NULL && merge_dense(dst, src) != 0) ||
        (src->n_log > 0 && merge_log(dst, src) != 0)) {
        return fa_error_set(err, FA_ENOMEM, NULL, 0, 0, "out of memory");
    }
    /* src's keys in batches, their slots in dst prefetched together as in flush */
    for (size_t i = 0; i < src->cap;) {
        size_t from[BATCH], home[BATCH], n = 0;
        for (; i < src->cap && n < BATCH; i++) {
            if (src->slots[i].key != EMPTY_KEY) {
                from[n++] = i;
            }
        }
        if (reserve(dst, n) != 0) {
            return fa_error_set(err, FA_ENOMEM, NULL, 0, 0, "out of memory");
        }
        for (size_t k = 0; k < n; k++) {
            home[k] = home_of(src->slots[from[k]].key, dst->cap - 1);
            PREFETCH(&dst->slots[home[k]]);
            if (dst->w) {
                PREFETCH(&dst->w[home[k]]);
            }
        }
        size_t cap = dst->cap;
        for (size_t k = 0; k < n; k++) {
            if (dst->cap != cap || dst->used + (n - k) > dst->limit) {
                /* a count overflow moved dst's counters to its map: room and homes anew */
                if (reserve(dst, n - k) != 0) {
                    return fa_error_set(err, FA_ENOMEM, NULL, 0, 0, "out of memory");
                }
                cap = dst->cap;
                for (size_t q = k; q < n; q++) {
                    home[q] = home_of(src->slots[from[q]].key, dst->cap - 1);
                }
            }
            size_t j = claim(dst, home[k], src->slots[from[k]].key);
            if (merge_slot(dst, j, src, from[k]) != 0) {
                return fa_error_set(err, FA_ENOMEM, NULL, 0, 0, "out of memory");
            }
        }
    }
    for (size_t j = 0; j < src->n_pending; j++) {
        const pending_row *r = &src->pending[j];
        if (add_one(dst, r->key, r->label, r->weight) != 0) {
            return fa_error_set(err, FA_ENOMEM, NULL, 0, 0, "out of memory");
        }
    }
    dst->rows += src->rows;
    return FA_OK;
}

uint64_t fa_scorestats_n_rows(const fa_scorestats *s)
{
    return s->rows;
}

static int cmp_u32(const void *a, const void *b)
{
    uint32_t x = *(const uint32_t *)a, y = *(const uint32_t *)b;
    return (x > y) - (x < y);
}

/* Distinct scores among the logged rows that the dense counters do not hold. */
static size_t log_distinct(const fa_scorestats *s)
{
    size_t d = 0;
    uint32_t *x = fa_alloc_array(s->n_log ? s->n_log : 1, sizeof *x);
    for (size_t j = 0; x != NULL && j < s->n_log; j++) {
        x[j] = s->log[j] >> 1;
    }
    if (x != NULL) {
        qsort(x, s->n_log, sizeof *x, cmp_u32);
    }
    for (size_t j = 0; j < s->n_log; j++) {
        uint32_t c = x != NULL ? x[j] : s->log[j] >> 1;
        int seen = s->dense != NULL && (s->dense[c][0] | s->dense[c][1]) != 0;
        if (x != NULL) {
            seen |= j > 0 && x[j - 1] == c;
        }
        for (size_t q = 0; x == NULL && q < j && !seen; q++) {
            seen = s->log[q] >> 1 == c; /* out of memory: the slow way */
        }
        d += !seen;
    }
    free(x);
    return d;
}

size_t fa_scorestats_n_distinct(const fa_scorestats *s)
{
    size_t d = s->used + s->dense_used + log_distinct(s);
    for (size_t j = 0; j < s->n_pending; j++) {
        uint32_t c;
        int seen = find(s, s->pending[j].key) < s->cap;
        if (!seen && dense_index(key_double(s->pending[j].key), &c)) {
            seen = s->dense != NULL && (s->dense[c][0] | s->dense[c][1]) != 0;
            for (size_t q = 0; q < s->n_log && !seen; q++) {
                seen = s->log[q] >> 1 == c;
            }
        }
        for (size_t k = 0; k < j && !seen; k++) {
            seen = s->pending[k].key == s->pending[j].key;
        }
        d += !seen;
    }
    return d;
}

size_t fa_scorestats_memory(const fa_scorestats *s)
{
    return sizeof *s + s->cap * (sizeof *s->slots + (s->w ? sizeof *s->w : 0)) +
           (s->dense ? DENSE_SIZE * sizeof *s->dense : 0) + s->log_cap * sizeof *s->log;
}

/* --------------------------------------------------------------------- sorting */

/* Unsigned integers in the order of the doubles: flip the sign bit of a positive value and
 * every bit of a negative one. */
static uint64_t order_key(uint64_t bits)
{
    return (bits & SIGN_BIT) ? ~bits : bits ^ SIGN_BIT;
}

static double key_value(uint64_t ordered)
{
    uint64_t bits = (ordered & SIGN_BIT) ? ordered ^ SIGN_BIT : ~ordered;
    double v;
    memcpy(&v, &bits, sizeof v);
    return v;
}

static void insertion_sort(record *a, size_t n)
{
    for (size_t i = 1; i < n; i++) {
        record x = a[i];
        size_t j = i;
        while (j > 0 && a[j - 1].key > x.key) {
            a[j] = a[j - 1];
            j--;
        }
        a[j] = x;
    }
}

/* LSD radix sort of a[0..n) by key; returns the array holding the result (a or tmp). */
static record *radix_sort(record *a, record *tmp, size_t n, size_t *hist)
{
    memset(hist, 0, RADIX_PASSES * RADIX_SIZE * sizeof *hist);
    for (size_t i = 0; i < n; i++) {
        for (size_t p = 0; p < RADIX_PASSES; p++) {
            hist[p * RADIX_SIZE + ((a[i].key >> (p * RADIX_BITS)) & (RADIX_SIZE - 1))]++;
        }
    }
    for (size_t p = 0; p < RADIX_PASSES; p++) {
        size_t *h = hist + p * RADIX_SIZE;
        unsigned shift = (unsigned)(p * RADIX_BITS);
        if (h[(a[0].key >> shift) & (RADIX_SIZE - 1)] == n) {
            continue; /* every key has this digit */
        }
        size_t sum = 0;
        for (size_t b = 0; b < RADIX_SIZE; b++) {
            size_t c = h[b];
            h[b] = sum;
            sum += c;
        }
        for (size_t i = 0; i < n; i++) {
            tmp[h[(a[i].key >> shift) & (RADIX_SIZE - 1)]++] = a[i];
        }
        record *t = a;
        a = tmp;
        tmp = t;
    }
    return a;
}

/* The map's keys in increasing order, as records in a[0..used) (tmp: scratch of the same
 * size); returns where the sorted records are (a or tmp). */
/* The logged rows as records (one per score, its counts), in increasing order; 0 (nothing
 * written) when out of memory. */
static int log_records(const fa_scorestats *s, record *a, size_t *k)
{
    size_t n = s->n_log;
    uint32_t *x = fa_alloc_array(2 * n, sizeof *x);
    if (x == NULL) {
        return 0;
    }
    uint32_t *y = x + n;
    /* k << 1 | label < 2^21: two LSD passes of 11 bits */
    size_t hist[2][RADIX_SIZE] = {{0}};
    for (size_t j = 0; j < n; j++) {
        hist[0][s->log[j] & (RADIX_SIZE - 1)]++;
        hist[1][(s->log[j] >> RADIX_BITS) & (RADIX_SIZE - 1)]++;
    }
    for (size_t p = 0; p < 2; p++) {
        size_t sum = 0;
        for (size_t b = 0; b < RADIX_SIZE; b++) {
            size_t c = hist[p][b];
            hist[p][b] = sum;
            sum += c;
        }
    }
    for (size_t j = 0; j < n; j++) {
        y[hist[0][s->log[j] & (RADIX_SIZE - 1)]++] = s->log[j];
    }
    for (size_t j = 0; j < n; j++) {
        x[hist[1][(y[j] >> RADIX_BITS) & (RADIX_SIZE - 1)]++] = y[j];
    }
    for (size_t j = 0; j < n;) {
        uint32_t v = x[j] >> 1, c[2] = {0, 0};
        for (; j < n && x[j] >> 1 == v; j++) {
            c[x[j] & 1]++;
        }
        a[*k].key = order_key(score_key((double)v / DENSE_SCALE));
        a[*k].aux = c[0] | (uint64_t)c[1] << 32;
        ++*k;
    }
    free(x);
    return 1;
}

static record *sorted_records(const fa_scorestats *s, record *a, record *tmp, size_t *n_out)
{
    size_t k = 0;
    for (size_t v = 0; s->dense != NULL && v < DENSE_SIZE; v++) {
        /* in increasing order already */
        if (s->dense[v][0] | s->dense[v][1]) {
            a[k].key = order_key(score_key((double)v / DENSE_SCALE));
            a[k].aux = s->dense[v][0] | (uint64_t)s->dense[v][1] << 32;
            k++;
        }
    }
    if (s->n_log > 0 && !log_records(s, a, &k)) {
        return NULL;
    }
    for (size_t i = 0; i < s->cap; i++) {
        if (s->slots[i].key != EMPTY_KEY) {
            a[k].key = order_key(s->slots[i].key);
            a[k].aux = s->w ? i : s->slots[i].n[0] | (uint64_t)s->slots[i].n[1] << 32;
            k++;
        }
    }
    *n_out = k;
    if (s->used == 0 && (s->dense_used == 0 || s->n_log == 0)) {
        return a; /* the counters alone, or the log alone: in order already */
    }
    if (k < SMALL_SORT) {
        insertion_sort(a, k);
        return a;
    }
    size_t *hist = fa_alloc_array(RADIX_PASSES * RADIX_SIZE, sizeof *hist);
    if (hist == NULL) {
        return NULL;
    }
    record *r = radix_sort(a, tmp, k, hist);
    free(hist);
    return r;
}

/* The held-back rows in increasing order of key, the order of arrival kept among equals. */
static void sorted_pending(const fa_scorestats *s, pending_row *p)
{
    memcpy(p, s->pending, s->n_pending * sizeof *p);
    for (size_t i = 0; i < s->n_pending; i++) {
        p[i].key = order_key(p[i].key);
    }
    for (size_t i = 1; i < s->n_pending; i++) {
        pending_row x = p[i];
        size_t j = i;
        while (j > 0 && p[j - 1].key > x.key) {
            p[j] = p[j - 1];
            j--;
        }
        p[j] = x;
    }
}

/* Appends (or adds to the last value when equal) a value and its weights. */
static void put(fa_scores *sc, uint64_t key, double w0, double w1)
{
    double v = key_value(key);
    if (sc->d > 0 && sc->values[sc->d - 1] == v) {
        sc->w[sc->d - 1][0] += w0;
        sc->w[sc->d - 1][1] += w1;
    } else {
        sc->values[sc->d] = v;
        sc->w[sc->d][0] = w0;
        sc->w[sc->d][1] = w1;
        sc->d++;
    }
}

/*
 * Fills sc's values and weights from the sorted records r[0..n) and the sorted held-back rows,
 * merged (a map record before held-back rows of the same key: the order flush adds them in).
 * The records may lie inside sc->w itself, n_pending pairs in: the pair written is then never
 * past the record read, so nothing unread is overwritten.
 */
static void fill(fa_scores *sc, const fa_scorestats *s, const record *r, size_t n,
                 const pending_row *p)
{
    size_t i = 0, j = 0;
    sc->d = 0;
    while (i < n || j < s->n_pending) {
        if (i < n && (j == s->n_pending || r[i].key <= p[j].key)) {
            record x;
            memcpy(&x, &r[i++], sizeof x); /* bytes: the pair written next may be this one */
            if (s->w) {
                put(sc, x.key, s->w[x.aux][0], s->w[x.aux][1]);
            } else {
                put(sc, x.key, (double)(uint32_t)x.aux, (double)(uint32_t)(x.aux >> 32));
            }
        } else {
            put(sc, p[j].key, p[j].label ? 0.0 : p[j].weight, p[j].label ? p[j].weight : 0.0);
            j++;
        }
    }
}

/* ------------------------------------------------------------------ computation */

void fa_scores_free(fa_scores *sc)
{
    if (sc != NULL) {
        free(sc->values);
        free(sc->w);
        free(sc->bins);
        free(sc);
    }
}

/* Statistics with room for d distinct values, not yet filled. */
static fa_scores *scores_new(size_t d, uint64_t rows)
{
    fa_scores *sc = calloc(1, sizeof *sc);
    if (sc == NULL) {
        return NULL;
    }
    sc->rows = rows;
    sc->values = fa_alloc_array(d, sizeof *sc->values);
    sc->w = fa_alloc_array(d, sizeof *sc->w);
    if (sc->values == NULL || sc->w == NULL) {
        fa_scores_free(sc);
        return NULL;
    }
    return sc;
}

/* Index of the bin holding v in [0, 1], from bin b on (values come in increasing order). */
static size_t bin_of(double v, size_t b, size_t n_bins)
{
    while (b + 1 < n_bins && v > (double)(b + 1) / (double)n_bins) {
        b++;
    }
    return b;
}

/* Increasing pass: U of the AUC, Brier, log loss, sum w s and the calibration bins. */
static void ascending_pass(fa_scores *sc, double eps, double sums[4])
{
    double neg_below = 0.0, u = 0.0, brier = 0.0, logl = 0.0, sws = 0.0;
    size_t b = 0;
    for (size_t i = 0; i < sc->d; i++) {
        double v = sc->values[i], wn = sc->w[i][0], wp = sc->w[i][1];
        u += wp * (neg_below + 0.5 * wn);
        neg_below += wn;
        sws += (wn + wp) * v;
        if (sc->prob) {
            double c = v < eps ? eps : v > 1.0 - eps ? 1.0 - eps : v;
            brier += wp * (1.0 - v) * (1.0 - v) + wn * v * v;
            /* a weight of 0 adds nothing: the logarithm is skipped, not multiplied by 0 */
            logl -= (wp > 0.0 ? wp * log(c) : 0.0) + (wn > 0.0 ? wn * log(1.0 - c) : 0.0);
            b = bin_of(v, b, sc->n_bins);
            fa_calibration_bin *bin = &sc->bins[b];
            bin->weight += wn + wp;
            bin->mean_predicted += (wn + wp) * v; /* sums for now, means below */
            bin->observed_rate += wp;
        }
    }
    sums[0] = u;
    sums[1] = brier;
    sums[2] = logl;
    sums[3] = sws;
}

/* Decreasing pass: P, N and the sum of p_i times the precision at v_i. */
static double descending_pass(fa_scores *sc)
{
    double ap = 0.0, tp = 0.0, fp = 0.0;
    for (size_t i = sc->d; i-- > 0;) {
        tp += sc->w[i][1];
        fp += sc->w[i][0];
        if (sc->w[i][1] > 0.0) {
            ap += sc->w[i][1] * (tp / (tp + fp));
        }
    }
    sc->p = tp;
    sc->n = fp;
    sc->w_total = tp + fp;
    return ap;
}

static void set_undefined(fa_scores *sc, fa_score_metric m, const char *why)
{
    sc->metric[m] = NAN;
    sc->reason[m] = why;
}

/* The calibration error from the bins' sums, which become means. */
static double finish_bins(fa_scores *sc)
{
    double gap = 0.0;
    for (size_t b = 0; b < sc->n_bins; b++) {
        fa_calibration_bin *bin = &sc->bins[b];
        gap += fabs(bin->observed_rate - bin->mean_predicted);
        bin->lo = (double)b / (double)sc->n_bins;
        bin->hi = (double)(b + 1) / (double)sc->n_bins;
        if (bin->weight > 0.0) {
            bin->mean_predicted /= bin->weight;
            bin->observed_rate /= bin->weight;
        } else {
            bin->mean_predicted = NAN;
            bin->observed_rate = NAN;
        }
    }
    return gap;
}

/* The metrics from the sums, each only when its denominator is positive. */
static void finish_metrics(fa_scores *sc, const double sums[4], double ap)
{
    if (sc->d == 0) {
        for (int m = 0; m < FA_SCORE_METRIC_COUNT; m++) {
            set_undefined(sc, (fa_score_metric)m, "no rows with a score");
        }
        return;
    }
    double w = sc->w_total; /* > 0: a value is kept only with a positive weight */
    if (sc->p == 0.0) {
        set_undefined(sc, FA_SCORE_ROC_AUC, "no actual positives");
        set_undefined(sc, FA_SCORE_AVERAGE_PRECISION, "no actual positives");
    } else {
        sc->metric[FA_SCORE_AVERAGE_PRECISION] = ap / sc->p;
        if (sc->n == 0.0) {
            set_undefined(sc, FA_SCORE_ROC_AUC, "no actual negatives");
        } else {
            sc->metric[FA_SCORE_ROC_AUC] = sums[0] / (sc->p * sc->n);
        }
    }
    sc->metric[FA_SCORE_MEAN] = sums[3] / w;
    if (!sc->prob) {
        set_undefined(sc, FA_SCORE_BRIER, "scores outside [0, 1]");
        set_undefined(sc, FA_SCORE_LOG_LOSS, "scores outside [0, 1]");
        set_undefined(sc, FA_SCORE_ECE, "scores outside [0, 1]");
        set_undefined(sc, FA_SCORE_CALIBRATION_IN_THE_LARGE, "scores outside [0, 1]");
        return;
    }
    sc->metric[FA_SCORE_BRIER] = sums[1] / w;
    sc->metric[FA_SCORE_LOG_LOSS] = sums[2] / w;
    sc->metric[FA_SCORE_CALIBRATION_IN_THE_LARGE] = (sums[3] - sc->p) / w;
    sc->metric[FA_SCORE_ECE] = finish_bins(sc) / w;
}

/* Everything from the filled values and weights: the two passes and the metrics. */
static int finish(fa_scores *sc, const fa_scores_options *o)
{
    sc->o = *o;
    sc->prob = sc->d > 0 && sc->values[0] >= 0.0 && sc->values[sc->d - 1] <= 1.0;
    sc->n_bins = sc->prob ? o->n_bins : 0;
    if (sc->prob && (sc->bins = fa_calloc_array(o->n_bins, sizeof *sc->bins)) == NULL) {
        return -1;
    }
    double sums[4];
    ascending_pass(sc, o->log_loss_eps, sums);
    double ap = descending_pass(sc);
    sc->sws = sums[3];
    finish_metrics(sc, sums, ap);
    return 0;
}

static const fa_scores_options *options_or_default(const fa_scores_options *o, fa_error *err)
{
    static const fa_scores_options defaults = FA_SCORES_OPTIONS_INIT;
    if (o == NULL) {
        return &defaults;
    }
    if (o->n_bins < 1 || o->n_bins > MAX_BINS) {
        fa_error_set(err, FA_EINVAL, NULL, 0, 0,
                     "the number of calibration bins must be in [1, %zu], got %zu", MAX_BINS,
                     o->n_bins);
        return NULL;
    }
    if (!(o->log_loss_eps >= 0.0 && o->log_loss_eps < 0.5)) {
        fa_error_set(err, FA_EINVAL, NULL, 0, 0,
                     "the log-loss clipping must be in [0, 0.5), got %g", o->log_loss_eps);
        return NULL;
    }
    return o;
}

int fa_scores_compute(fa_scores **out, const fa_scorestats *s, const fa_scores_options *opts,
                      fa_error *err)
{
    *out = NULL;
    const fa_scores_options *o = options_or_default(opts, err);
    if (o == NULL) {
        return FA_EINVAL;
    }
    /* the records are sorted inside sc->w, n_pending pairs in, and a scratch array */
    /* at most this many records: the counters, the log's distinct scores, the map */
    size_t n = s->used + s->dense_used + s->n_log, room = n + s->n_pending;
    int sort = s->used > 0 || (s->dense_used > 0 && s->n_log > 0); /* else in order */
    fa_scores *sc = scores_new(room ? room : 1, s->rows);
    record *tmp = sort && n >= SMALL_SORT ? fa_alloc_array(n, sizeof *tmp) : NULL;
    record *r = NULL;
    pending_row p[BATCH];
    if (sc != NULL && (!sort || n < SMALL_SORT || tmp != NULL)) {
        r = sorted_records(s, (record *)(void *)(sc->w + s->n_pending), tmp, &n);
    }
    if (r == NULL) {
        free(tmp);
        fa_scores_free(sc);
        return fa_error_set(err, FA_ENOMEM, NULL, 0, 0, "out of memory");
    }
    sorted_pending(s, p);
    fill(sc, s, r, n, p);
    free(tmp);
    if (finish(sc, o) != 0) {
        fa_scores_free(sc);
        return fa_error_set(err, FA_ENOMEM, NULL, 0, 0, "out of memory");
    }
    *out = sc;
    return FA_OK;
}

/* A k-way merge's heap: each part's next value, ordered by (value, part index). */
typedef struct heap_item {
    double v;
    size_t part;
} heap_item;

static int item_less(const heap_item *a, const heap_item *b)
{
    return a->v < b->v || (a->v == b->v && a->part < b->part);
}

static void heap_down(heap_item *h, size_t n, size_t i)
{
    for (;;) {
        size_t l = 2 * i + 1, m = i;
        if (l < n && item_less(&h[l], &h[m])) {
            m = l;
        }
        if (l + 1 < n && item_less(&h[l + 1], &h[m])) {
            m = l + 1;
        }
        if (m == i) {
            return;
        }
        heap_item t = h[i];
        h[i] = h[m];
        h[m] = t;
        i = m;
    }
}

/* Merges the parts' values into sc: equal values added up in part order. */
static void kway_merge(fa_scores *sc, const fa_scores *const parts[], heap_item *h, size_t *pos,
                       size_t n)
{
    for (size_t i = n; i-- > 0;) {
        heap_down(h, n, i);
    }
    sc->d = 0;
    while (n > 0) {
        size_t k = h[0].part;
        const fa_scores *p = parts[k];
        if (sc->d > 0 && sc->values[sc->d - 1] == h[0].v) {
            sc->w[sc->d - 1][0] += p->w[pos[k]][0];
            sc->w[sc->d - 1][1] += p->w[pos[k]][1];
        } else {
            sc->values[sc->d] = h[0].v;
            memcpy(sc->w[sc->d], p->w[pos[k]], sizeof sc->w[sc->d]);
            sc->d++;
        }
        if (++pos[k] < p->d) {
            h[0].v = p->values[pos[k]];
        } else {
            h[0] = h[--n];
        }
        heap_down(h, n, 0);
    }
}

/* A copy of sc (values, weights, metrics and bins): what merging sc alone would give. */
static fa_scores *clone(const fa_scores *sc)
{
    fa_scores *c = scores_new(sc->d ? sc->d : 1, sc->rows);
    double *values = c ? c->values : NULL;
    double(*w)[2] = c ? c->w : NULL;
    fa_calibration_bin *bins = sc->n_bins ? fa_alloc_array(sc->n_bins, sizeof *bins) : NULL;
    if (c == NULL || (sc->n_bins && bins == NULL)) {
        fa_scores_free(c);
        return NULL;
    }
    *c = *sc;
    c->values = values;
    c->w = w;
    c->bins = bins;
    memcpy(c->values, sc->values, sc->d * sizeof *c->values);
    memcpy(c->w, sc->w, sc->d * sizeof *c->w);
    if (sc->n_bins) {
        memcpy(c->bins, sc->bins, sc->n_bins * sizeof *c->bins);
    }
    return c;
}

int fa_scores_merge(fa_scores **out, const fa_scores *const parts[], size_t n_parts,
                    const fa_scores_options *opts, fa_error *err)
{
    *out = NULL;
    const fa_scores_options *o = options_or_default(opts, err);
    if (o == NULL) {
        return FA_EINVAL;
    }
    if (n_parts == 1 && parts[0]->values != NULL && parts[0]->o.n_bins == o->n_bins &&
        parts[0]->o.log_loss_eps == o->log_loss_eps) {
        /* one part (a cell that is a group of its own): its metrics are already computed */
        *out = clone(parts[0]);
        return *out ? FA_OK : fa_error_set(err, FA_ENOMEM, NULL, 0, 0, "out of memory");
    }
    size_t total = 0, n = 0;
    uint64_t rows = 0;
    heap_item *h = fa_alloc_array(n_parts, sizeof *h);
    size_t *pos = fa_calloc_array(n_parts, sizeof *pos);
    for (size_t k = 0; k < n_parts && h != NULL; k++) {
        total += parts[k]->d;
        rows += parts[k]->rows;
        if (parts[k]->d > 0) {
            h[n].v = parts[k]->values[0];
            h[n++].part = k;
        }
    }
    fa_scores *sc = h != NULL && pos != NULL ? scores_new(total, rows) : NULL;
    if (sc != NULL) {
        kway_merge(sc, parts, h, pos, n);
    }
    free(h);
    free(pos);
    if (sc == NULL || finish(sc, o) != 0) {
        fa_scores_free(sc);
        return fa_error_set(err, FA_ENOMEM, NULL, 0, 0, "out of memory");
    }
    *out = sc;
    return FA_OK;
}

const char *fa_score_metric_name(fa_score_metric m)
{
    /* a switch, not a table of pointers: no relocated data in the library */
    switch (m) {
    case FA_SCORE_ROC_AUC:
        return "roc_auc";
    case FA_SCORE_AVERAGE_PRECISION:
        return "average_precision";
    case FA_SCORE_BRIER:
        return "brier_score";
    case FA_SCORE_LOG_LOSS:
        return "log_loss";
    case FA_SCORE_ECE:
        return "expected_calibration_error";
    case FA_SCORE_CALIBRATION_IN_THE_LARGE:
        return "calibration_in_the_large";
    case FA_SCORE_MEAN:
        return "mean_score";
    default:
        return NULL;
    }
}

double fa_scores_value(const fa_scores *sc, fa_score_metric m, const char **reason)
{
    const char *dummy;
    if (reason == NULL) {
        reason = &dummy;
    }
    if ((unsigned)m >= FA_SCORE_METRIC_COUNT) {
        *reason = "unknown metric";
        return NAN;
    }
    *reason = sc->reason[m];
    return sc->metric[m];
}

uint64_t fa_scores_n_rows(const fa_scores *sc)
{
    return sc->rows;
}

size_t fa_scores_n_distinct(const fa_scores *sc)
{
    return sc->d;
}

double fa_scores_weight(const fa_scores *sc)
{
    return sc->w_total;
}

double fa_scores_positive_weight(const fa_scores *sc)
{
    return sc->p;
}

double fa_scores_negative_weight(const fa_scores *sc)
{
    return sc->n;
}

double fa_scores_min(const fa_scores *sc)
{
    return sc->d && sc->values ? sc->values[0] : NAN;
}

double fa_scores_max(const fa_scores *sc)
{
    return sc->d && sc->values ? sc->values[sc->d - 1] : NAN;
}

void fa_scores_drop_values(fa_scores *sc)
{
    free(sc->values);
    free(sc->w);
    sc->values = NULL;
    sc->w = NULL;
}

int fa_scores_are_probabilities(const fa_scores *sc)
{
    return sc->prob;
}

const fa_calibration_bin *fa_scores_bins(const fa_scores *sc, size_t *n)
{
    *n = sc->n_bins;
    return sc->n_bins ? sc->bins : NULL;
}

/* ------------------------------------------------------------ curves and cut-offs */

/*
 * The rates of "score >= threshold" all come from TP = p_i + ... + p_d and FP likewise, i the
 * first value at or above the threshold, summed from the top down (always in that order, so
 * every query gives the same bits for the same i).
 */
typedef struct walk {
    size_t i; /* values[i..d) are summed */
    double tp, fp;
} walk;

/* Extends the walk down to the first value >= t. */
static void walk_down_to(walk *k, const fa_scores *sc, double t)
{
    assert(sc->d == 0 || sc->values != NULL); /* not after fa_scores_drop_values */
    while (k->i > 0 && sc->values[k->i - 1] >= t) {
        k->i--;
        k->tp += sc->w[k->i][1];
        k->fp += sc->w[k->i][0];
    }
}

static double ratio_or_nan(double num, double den)
{
    return den > 0.0 ? num / den : NAN;
}

int fa_scores_threshold_grid(double out[], size_t *n_out, const fa_scores *overall,
                             size_t max_points, fa_error *err)
{
    *n_out = 0;
    if (max_points < 2) {
        return fa_error_set(err, FA_EINVAL, NULL, 0, 0,
                            "a threshold sweep needs at least 2 points, got %zu", max_points);
    }
    size_t d = overall->d;
    if (d <= max_points) {
        memcpy(out, overall->values, d * sizeof *out);
        *n_out = d;
        return FA_OK;
    }
    double lo = overall->prob ? 0.0 : overall->values[0];
    double hi = overall->prob ? 1.0 : overall->values[d - 1];
    for (size_t i = 0; i < max_points; i++) {
        double f = (double)i / (double)(max_points - 1);
        /* lo (1 - f) + hi f cannot overflow, unlike lo + (hi - lo) f */
        out[i] = i == 0 ? lo : i + 1 == max_points ? hi : lo * (1.0 - f) + hi * f;
        if (i > 0 && out[i] < out[i - 1]) {
            out[i] = out[i - 1]; /* rounding must not make the grid decrease */
        }
    }
    *n_out = max_points;
    return FA_OK;
}

int fa_scores_threshold_grid_parts(double out[], size_t *n_out, const fa_scores *const parts[],
                                   size_t n_parts, size_t max_points, fa_error *err)
{
    *n_out = 0;
    if (max_points < 2) {
        return fa_error_set(err, FA_EINVAL, NULL, 0, 0,
                            "a threshold sweep needs at least 2 points, got %zu", max_points);
    }
    size_t total = 0;
    int prob = 1;
    double lo = INFINITY, hi = -INFINITY;
    for (size_t k = 0; k < n_parts; k++) {
        assert(parts[k]->d == 0 || parts[k]->values != NULL);
        total += parts[k]->d;
        if (parts[k]->d > 0) {
            prob &= parts[k]->prob;
            lo = fmin(lo, parts[k]->values[0]);
            hi = fmax(hi, parts[k]->values[parts[k]->d - 1]);
        }
    }
    if (total == 0) {
        return FA_OK;
    }
    /* the union has more than max_points values when a part has: only then can the values
     * be skipped; otherwise merge them (at most max_points per part) and count */
    if (total <= max_points * n_parts) {
        fa_scores *u;
        int st = fa_scores_merge(&u, parts, n_parts, NULL, err);
        if (st != FA_OK) {
            return st;
        }
        st = fa_scores_threshold_grid(out, n_out, u, max_points, err);
        fa_scores_free(u);
        return st;
    }
    if (prob) {
        lo = 0.0;
        hi = 1.0;
    }
    for (size_t i = 0; i < max_points; i++) {
        double f = (double)i / (double)(max_points - 1);
        out[i] = i == 0 ? lo : i + 1 == max_points ? hi : lo * (1.0 - f) + hi * f;
        if (i > 0 && out[i] < out[i - 1]) {
            out[i] = out[i - 1];
        }
    }
    *n_out = max_points;
    return FA_OK;
}

void fa_scores_sweep(fa_sweep_point out[], const fa_scores *sc, const double thresholds[], size_t n)
{
    walk k = {sc->d, 0.0, 0.0};
    for (size_t j = n; j-- > 0;) {
        double t = thresholds[j];
        assert(!isnan(t) && (j == 0 || thresholds[j - 1] <= t));
        walk_down_to(&k, sc, t);
        out[j].threshold = t;
        out[j].selection_rate = ratio_or_nan(k.tp + k.fp, sc->w_total);
        out[j].tpr = ratio_or_nan(k.tp, sc->p);
        out[j].fpr = ratio_or_nan(k.fp, sc->n);
    }
}

static fa_roc_point roc_point(const fa_scores *sc, const walk *k)
{
    fa_roc_point pt = {k->i == sc->d ? INFINITY : sc->values[k->i], k->fp / sc->n, k->tp / sc->p};
    return pt;
}

size_t fa_scores_roc_curve(fa_roc_point out[], const fa_scores *sc, size_t max_points)
{
    assert(max_points >= 2);
    if (sc->p == 0.0 || sc->n == 0.0) {
        return 0;
    }
    /* point j = 0 is (0, 0), point j the j highest values selected; when there are too many,
     * the first point at or past each target 2 q / (K - 1) of FPR + TPR (which rises from 0
     * to 2), one point a target, and the last */
    int all = sc->d + 1 <= max_points;
    walk k = {sc->d, 0.0, 0.0};
    size_t n = 0, q = 1;
    out[n++] = roc_point(sc, &k);
    while (k.i > 1) {
        walk_down_to(&k, sc, sc->values[k.i - 1]);
        fa_roc_point pt = roc_point(sc, &k);
        if (all ||
            (q + 1 < max_points && pt.fpr + pt.tpr >= 2.0 * (double)q / (double)(max_points - 1))) {
            out[n++] = pt;
            q++;
        }
    }
    if (k.i > 0) {
        walk_down_to(&k, sc, sc->values[0]);
        out[n++] = roc_point(sc, &k);
    }
    return n;
}

void fa_scores_counts_at(fa_counts *out, const fa_scores *sc, double threshold)
{
    walk k = {sc->d, 0.0, 0.0};
    if (!isnan(threshold)) { /* score >= NAN holds for no row */
        walk_down_to(&k, sc, threshold);
    }
    memset(out, 0, sizeof *out);
    out->tp = k.tp;
    out->fp = k.fp;
    out->fn = sc->p - k.tp;
    out->tn = sc->n - k.fp;
    out->score_sum = sc->sws;
    out->score_weight = sc->w_total;
    out->rows = sc->rows;
}

int fa_scores_cutoff_top_k(fa_cutoff *out, const fa_scores *sc, double k, fa_error *err)
{
    memset(out, 0, sizeof *out);
    out->threshold = NAN;
    if (!(k > 0.0 && k <= DBL_MAX)) {
        return fa_error_set(err, FA_EINVAL, NULL, 0, 0, "a top-k cut-off needs k > 0, got %g", k);
    }
    if (sc->d == 0) {
        return fa_error_set(err, FA_EINVAL, NULL, 0, 0, "a top-k cut-off needs rows with a score");
    }
    /* down from the top until the weight selected reaches k, or every value is in */
    walk w = {sc->d, 0.0, 0.0};
    double before = 0.0;
    while (w.i > 0 && w.tp + w.fp < k) {
        before = w.tp + w.fp;
        walk_down_to(&w, sc, sc->values[w.i - 1]);
    }
    out->threshold = sc->values[w.i];
    out->requested = k;
    out->selected = w.tp + w.fp;
    out->tied = out->selected - before;
    out->ties_included = out->selected > k;
    return FA_OK;
}

int fa_scores_cutoff_top_percent(fa_cutoff *out, const fa_scores *sc, double percent, fa_error *err)
{
    if (!(percent > 0.0 && percent <= 100.0)) {
        memset(out, 0, sizeof *out);
        out->threshold = NAN;
        return fa_error_set(err, FA_EINVAL, NULL, 0, 0,
                            "a top-percent cut-off needs a percentage in (0, 100], got %g",
                            percent);
    }
    /* percent * W first: exact for whole percentages of integer weights (30 * 10 / 100 = 3,
     * where 0.3 * 10 would be 3.0000000000000004 and select a fourth row) */
    return fa_scores_cutoff_top_k(out, sc, percent * sc->w_total / 100.0, err);
}

int fa_scores_predict(double score, double threshold)
{
    return score >= threshold;
}

/* --------------------------------- restored from a saved result (reports/json_read.c) */

int fa_scores_restore(fa_scores **out, const double metric[FA_SCORE_METRIC_COUNT],
                      const char *const reason[FA_SCORE_METRIC_COUNT],
                      const fa_calibration_bin bins[], size_t n_bins, fa_error *err)
{
    *out = NULL;
    fa_scores *sc = calloc(1, sizeof *sc);
    if (sc == NULL || (n_bins > 0 && (sc->bins = fa_alloc_array(n_bins, sizeof *bins)) == NULL)) {
        free(sc);
        return fa_error_set(err, FA_ENOMEM, NULL, 0, 0, "out of memory");
    }
    if (n_bins > 0) {
        memcpy(sc->bins, bins, n_bins * sizeof *bins);
    }
    sc->n_bins = n_bins;
    /* the saved result keeps the metrics, not the distinct values nor the weights */
    sc->w_total = sc->p = sc->n = sc->sws = NAN;
    sc->prob = n_bins > 0;
    for (int k = 0; k < FA_SCORE_METRIC_COUNT; k++) {
        sc->metric[k] = metric[k];
        sc->reason[k] = reason[k];
    }
    *out = sc;
    return FA_OK;
}
