/*
 * metrics/bootstrap.c - the stratified count bootstrap (METRICS.md, "Uncertainty").
 *
 * Replicate: for every group g, (TP, FP, TN, FN)* ~ Multinomial(n_g; cells / W_g), each drawn
 * row weighing W_g / n_g (exactly 1 for unit weights); overall* = the sum of the groups*. Per
 * replicate, for every resampled metric m (fa_rates_has_disparity, but mean_score), the same
 * quantities audit/compute.c computes from the data: the four aggregate disparities with the
 * same exclusion mask, every group's difference and ratio against the reference, and the
 * FA_SUMMARY_SLOTS summaries. A replicate in which a statistic is undefined is left out of that
 * statistic's quantiles and counted.
 *
 * Percentile interval: the (1-level)/2 and (1+level)/2 quantiles of the defined replicates.
 * BCa (Efron 1987; Efron & Tibshirani 1993, 14.3): the quantiles at Phi(z0 + (z0 + z) /
 * (1 - a (z0 + z))) for z = -+z_(1-alpha/2), with z0 = Phi^-1(share of replicates below the
 * point, ties counting half) and a the acceleration. Since the resampling is stratified, a is
 * the skewness of the stratified linear approximation (Davison & Hinkley 1997, 3.2):
 *   a = (1/6) sum_g n_g^-3 sum_i l_gi^3 / (sum_g n_g^-2 sum_i l_gi^2)^(3/2),
 * with the jackknife influence values l_gi = (n_g - 1)(mean_g - theta_(gi)), theta_(gi) the
 * statistic without row i of group g and mean_g their mean over the group's rows. Removing one
 * row changes only its group's cell, so there are at most 4 distinct theta_(gi) per group, each
 * shared by the rows of its cell: the leave-one-row-out jackknife is computed exactly from
 * 4 x n_groups statistic vectors, each weighted by its cell's row count. With one group this is
 * Efron's a = sum d^3 / (6 (sum d^2)^(3/2)), d = mean - theta_(i). The exclusion mask stays that
 * of the data (a group does not turn "small" by losing a row); jackknife values that are
 * undefined are left out; no spread gives a = 0. With weights, a removed row weighs W_g / n_g
 * (at most what its cell holds), the bootstrap's own model of the rows.
 *
 * Determinism and threads: replicates come in blocks of FA_BOOTSTRAP_BLOCK, block k drawn from
 * a generator seeded with a hash of (seed, stream, k) and written to fixed slots, so the result
 * is the same bytes whatever the number of threads. Memory: the replicate values of a statistic
 * must all be there before its quantiles; when all statistics of all replicates exceed the
 * memory limit (200 groups, B = 1000: 6484 statistics, 52 MB), the statistics are split into
 * passes that each regenerate the same replicates from their seeds (peak 36 MB resident there,
 * with the default 32 MB limit: two passes). Quantiles by selection, O(B) per statistic, not
 * sorting: bounds in the tails (up to 64 order statistics from either end, B = 1000 at 95%
 * needs 25) from one pass with a small sorted buffer, others by a Hoare partition. Each thread
 * has one workspace, allocated before the loop; the jackknife (4 x n_groups statistic vectors)
 * runs on one thread, so its sums are in a fixed order.
 */
#include "metrics/bootstrap.h"

#include <assert.h>
#include <limits.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include <gsl/gsl_cdf.h>
#include <gsl/gsl_randist.h>
#ifdef _OPENMP
#include <omp.h>
#endif

#include "common/alloc.h"
#include "common/error.h"
#include "metrics/disparity.h"
#include "metrics/rates.h"

struct fa_bootstrap {
    size_t n_groups, replicates;
    fa_bootstrap_ci disp[FA_METRIC_COUNT_ALL][FA_BOOTSTRAP_KINDS];
    fa_bootstrap_ci summary[FA_SUMMARY_SLOTS];
    fa_bootstrap_ci *diff, *ratio; /* [g * FA_METRIC_COUNT_ALL + m] */
};

/*
 * What each replicate computes, fixed for the attribute. Statistic s of a vector is, with
 * k the fa_disparity_kind, j the index into metrics[] and nm = n_metrics:
 *   [k * nm + j]  aggregate disparities;  [4 nm + i]  summary slot i;
 *   [4 nm + SLOTS + g * 2 nm + j]  difference of group g;  ... + nm + j  its ratio.
 */
typedef struct plan {
    const fa_counts *groups;
    size_t n_groups;
    long reference;
    const unsigned char *small; /* FA_EXCL_SMALL or FA_EXCL_NONE per group */
    fa_metric metrics[FA_METRIC_COUNT_ALL];
    size_t n_metrics, n_stats;
} plan;

/* One thread's workspace. */
typedef struct work {
    fa_counts *rep;
    double *vals;
    unsigned char *excl;
    double *stats;
    gsl_rng *rng;
} work;

static size_t group_base(const plan *p)
{
    return FA_BOOTSTRAP_KINDS * p->n_metrics + (size_t)FA_SUMMARY_SLOTS;
}

/* The statistic vector of groups c[0..n_groups) into st[0..n_stats). Pure, no allocation. */
static void compute_stats(double st[], const plan *p, const fa_counts c[], work *w)
{
    const size_t nm = p->n_metrics, ng = p->n_groups;
    fa_counts all;
    memset(&all, 0, sizeof all);
    for (size_t g = 0; g < ng; g++) {
        fa_counts_add(&all, &c[g]);
    }
    fa_disparity disp[FA_METRIC_COUNT_ALL];
    for (int m = 0; m < FA_METRIC_COUNT_ALL; m++) {
        fa_disparity_compute(&disp[m], NULL, NULL, 0, NAN); /* undefined unless resampled */
    }
    double *gst = st + group_base(p);
    for (size_t j = 0; j < nm; j++) {
        const fa_metric m = p->metrics[j];
        const double overall = fa_metric_value(m, &all, &all, NULL);
        for (size_t g = 0; g < ng; g++) {
            const double v = fa_metric_value(m, &c[g], &all, NULL);
            w->vals[g] = v;
            w->excl[g] = p->small[g] ? FA_EXCL_SMALL : isnan(v) ? FA_EXCL_UNDEFINED : FA_EXCL_NONE;
        }
        fa_disparity *d = &disp[m];
        fa_disparity_compute(d, w->vals, w->excl, ng, overall);
        st[FA_DISPARITY_BETWEEN_DIFFERENCE * nm + j] = d->between_difference;
        st[FA_DISPARITY_BETWEEN_RATIO * nm + j] = d->between_ratio;
        st[FA_DISPARITY_TO_OVERALL_DIFFERENCE * nm + j] = d->to_overall_difference;
        st[FA_DISPARITY_TO_OVERALL_RATIO * nm + j] = d->to_overall_ratio;
        const double ref = p->reference >= 0 ? w->vals[p->reference] : NAN;
        for (size_t g = 0; g < ng; g++) {
            gst[g * 2 * nm + j] = fa_disparity_difference(w->vals[g], ref);
            gst[g * 2 * nm + nm + j] = fa_disparity_ratio(w->vals[g], ref);
        }
    }
    fa_summary_compute(st + FA_BOOTSTRAP_KINDS * nm, disp);
}

/* Where statistic s goes in the result. */
static fa_bootstrap_ci *slot(fa_bootstrap *bs, const plan *p, size_t s)
{
    const size_t nm = p->n_metrics, base = group_base(p);
    if (s < FA_BOOTSTRAP_KINDS * nm) {
        return &bs->disp[p->metrics[s % nm]][s / nm];
    }
    if (s < base) {
        return &bs->summary[s - FA_BOOTSTRAP_KINDS * nm];
    }
    const size_t g = (s - base) / (2 * nm), q = (s - base) % (2 * nm);
    fa_bootstrap_ci *arr = q < nm ? bs->diff : bs->ratio;
    return &arr[g * FA_METRIC_COUNT_ALL + p->metrics[q % nm]];
}

static uint64_t splitmix64(uint64_t x)
{
    uint64_t z = x + 0x9E3779B97F4A7C15u;
    z = (z ^ (z >> 30)) * 0xBF58476D1CE4E5B9u;
    z = (z ^ (z >> 27)) * 0x94D049BB133111EBu;
    return z ^ (z >> 31);
}

/* Exchange and select for the quantiles (Hoare partitions, median-of-three; ties are cheap). */
static void swap_d(double v[], size_t i, size_t j)
{
    double t = v[i];
    v[i] = v[j];
    v[j] = t;
}

/* Rearranges v[0..n) so v[k] is the k-th smallest, smaller before it, larger after. */
static double select_kth(double v[], size_t n, size_t k)
{
    size_t l = 0, ir = n - 1;
    for (;;) {
        if (ir <= l + 1) {
            if (ir == l + 1 && v[ir] < v[l]) {
                swap_d(v, l, ir);
            }
            return v[k];
        }
        swap_d(v, l + (ir - l) / 2, l + 1);
        if (v[l] > v[ir]) {
            swap_d(v, l, ir);
        }
        if (v[l + 1] > v[ir]) {
            swap_d(v, l + 1, ir);
        }
        if (v[l] > v[l + 1]) {
            swap_d(v, l, l + 1);
        }
        /* v[l] <= pivot <= v[ir] are sentinels: i stops by ir, j by l + 1 */
        size_t i = l + 1, j = ir;
        const double a = v[l + 1];
        for (;;) {
            do {
                i++;
            } while (v[i] < a);
            do {
                j--;
            } while (v[j] > a);
            if (j < i) {
                break;
            }
            swap_d(v, i, j);
        }
        v[l + 1] = v[j];
        v[j] = a;
        if (j >= k) {
            ir = j - 1;
        }
        if (j <= k) {
            l = i;
        }
    }
}

/* Order statistics a selection of the tails takes from one pass with a small sorted buffer. */
#define TAIL_MAX 64

/*
 * The j-th and (j+1)-th smallest of v[0..m) (0-based, j + 1 < m, j < TAIL_MAX), or, with
 * `largest`, the j-th and (j+1)-th largest: one pass keeping the j + 2 most extreme values
 * sorted. Percentile bounds sit in the tails (j = 24 of B = 1000 at 95%), where this pass's
 * comparisons are predictable, unlike a partition's, and it is several times faster.
 */
static void tail_pair(double *first, double *second, const double v[], size_t m, size_t j,
                      int largest)
{
    double buf[TAIL_MAX + 2];
    const size_t cap = j + 2;
    const double sign = largest ? -1.0 : 1.0; /* the largest of v are the smallest of -v */
    for (size_t len = 0; len < cap; len++) {
        const double x = sign * v[len];
        size_t at = len;
        /* buf[0..len) holds the values kept so far */
        // cppcheck-suppress uninitvar
        while (at > 0 && buf[at - 1] > x) {
            buf[at] = buf[at - 1];
            at--;
        }
        buf[at] = x;
    }
    double worst = buf[cap - 1];
    for (size_t i = cap; i < m; i++) {
        const double x = sign * v[i];
        if (x >= worst) {
            continue;
        }
        size_t at = cap - 1;
        while (at > 0 && buf[at - 1] > x) {
            buf[at] = buf[at - 1];
            at--;
        }
        buf[at] = x;
        worst = buf[cap - 1];
    }
    *first = sign * buf[j];
    *second = sign * buf[j + 1];
}

/* Quantile p of v[0..m), m >= 1, linear between order statistics (type 7). */
static double quantile(double v[], size_t m, double p)
{
    const double h = (double)(m - 1) * p;
    const double fk = floor(h);
    const size_t k = fk <= 0.0 ? 0 : (size_t)fk;
    if (k >= m - 1) {
        double hi = v[0];
        for (size_t i = 1; i < m; i++) {
            hi = v[i] > hi ? v[i] : hi;
        }
        return hi;
    }
    double lo, next;
    if (k < TAIL_MAX) {
        tail_pair(&lo, &next, v, m, k, 0);
    } else if (m - 1 - k <= TAIL_MAX) {
        tail_pair(&next, &lo, v, m, m - 2 - k, 1); /* x_(k+1), x_(k) from the top */
    } else {
        lo = select_kth(v, m, k);
        next = v[k + 1];
        for (size_t i = k + 2; i < m; i++) {
            next = v[i] < next ? v[i] : next;
        }
    }
    return lo + (h - fk) * (next - lo);
}

static void ci_undefined(fa_bootstrap_ci *ci, size_t replicates)
{
    ci->point = NAN;
    ci->lo = NAN;
    ci->hi = NAN;
    ci->n_undefined = replicates;
    ci->z0 = NAN;
    ci->accel = NAN;
}

/* ------------------------------------------------------------- workspaces */

static void work_dispose(work *w)
{
    free(w->rep);
    free(w->vals);
    free(w->excl);
    free(w->stats);
    if (w->rng) {
        gsl_rng_free(w->rng);
    }
    memset(w, 0, sizeof *w);
}

static int work_init(work *w, const plan *p)
{
    memset(w, 0, sizeof *w);
    w->rep = fa_calloc_array(p->n_groups, sizeof *w->rep);
    w->vals = fa_alloc_array(p->n_groups, sizeof *w->vals);
    w->excl = fa_alloc_array(p->n_groups, 1);
    w->stats = fa_alloc_array(p->n_stats, sizeof *w->stats);
    w->rng = gsl_rng_alloc(gsl_rng_mt19937);
    if (!w->rep || !w->vals || !w->excl || !w->stats || !w->rng) {
        work_dispose(w);
        return FA_ENOMEM;
    }
    return FA_OK;
}

/* ------------------------------------------------------------- the phases */

/*
 * The stratified jackknife acceleration of every statistic into accel[0..n_stats); scratch
 * is n_groups counts, jk 4 * n_stats values, s2 and s3 n_stats each.
 */
static void jackknife_accel(double accel[], const plan *p, work *w, fa_counts scratch[],
                            double jk[], double s2[], double s3[])
{
    const size_t ns = p->n_stats;
    memset(s2, 0, ns * sizeof *s2);
    memset(s3, 0, ns * sizeof *s3);
    memcpy(scratch, p->groups, p->n_groups * sizeof *scratch);
    for (size_t g = 0; g < p->n_groups; g++) {
        const fa_counts *c = &p->groups[g];
        const double total = ((c->tp + c->fp) + c->tn) + c->fn;
        if (c->rows < 2 || !(total > 0.0)) {
            continue; /* (n_g - 1) = 0, or nothing to remove: no influence */
        }
        const double n_g = (double)c->rows, row_w = total / n_g;
        const double cells[4] = {c->tp, c->fp, c->tn, c->fn};
        double rows_in[4] = {0.0, 0.0, 0.0, 0.0};
        for (int k = 0; k < 4; k++) {
            if (!(cells[k] > 0.0)) {
                continue;
            }
            double *cell = k == 0   ? &scratch[g].tp
                           : k == 1 ? &scratch[g].fp
                           : k == 2 ? &scratch[g].tn
                                    : &scratch[g].fn;
            *cell -= cells[k] < row_w ? cells[k] : row_w;
            scratch[g].rows--;
            compute_stats(jk + (size_t)k * ns, p, scratch, w);
            scratch[g] = *c;
            rows_in[k] = cells[k] / row_w;
        }
        const double f = (n_g - 1.0) / n_g; /* l_gi / n_g = f (mean_g - theta_(gi)) */
        for (size_t s = 0; s < ns; s++) {
            double sw = 0.0, sv = 0.0;
            for (int k = 0; k < 4; k++) {
                const double v = jk[(size_t)k * ns + s];
                if (rows_in[k] > 0.0 && !isnan(v)) {
                    sw += rows_in[k];
                    sv += rows_in[k] * v;
                }
            }
            if (sw == 0.0) {
                continue;
            }
            const double mean = sv / sw;
            for (int k = 0; k < 4; k++) {
                const double v = jk[(size_t)k * ns + s];
                if (rows_in[k] > 0.0 && !isnan(v)) {
                    const double d = f * (mean - v);
                    s2[s] += rows_in[k] * d * d;
                    s3[s] += rows_in[k] * d * d * d;
                }
            }
        }
    }
    for (size_t s = 0; s < ns; s++) {
        accel[s] = s2[s] > 0.0 ? s3[s] / (6.0 * s2[s] * sqrt(s2[s])) : 0.0;
    }
}

/* Replicates [0, B) of statistics [s0, s1) into buf[(s - s0) * B + b]. */
static void run_replicates(double buf[], const plan *p, work ws[], int threads, size_t s0,
                           size_t s1, const fa_bootstrap_options *o)
{
    const size_t B = o->replicates;
    const size_t n_blocks = (B + FA_BOOTSTRAP_BLOCK - 1) / FA_BOOTSTRAP_BLOCK;
    (void)threads;
#ifdef _OPENMP
#pragma omp parallel for num_threads(threads) schedule(dynamic, 1)
#endif
    for (size_t blk = 0; blk < n_blocks; blk++) {
#ifdef _OPENMP
        work *w = &ws[omp_get_thread_num()];
#else
        work *w = &ws[0];
#endif
        gsl_rng_set(w->rng, fa_bootstrap_block_seed(o->seed, o->stream, blk));
        const size_t end = (blk + 1) * FA_BOOTSTRAP_BLOCK < B ? (blk + 1) * FA_BOOTSTRAP_BLOCK : B;
        for (size_t b = blk * FA_BOOTSTRAP_BLOCK; b < end; b++) {
            fa_bootstrap_draw(w->rep, p->groups, p->n_groups, w->rng);
            compute_stats(w->stats, p, w->rep, w);
            for (size_t s = s0; s < s1; s++) {
                buf[(s - s0) * B + b] = w->stats[s];
            }
        }
    }
}

static void finish_intervals(fa_bootstrap *bs, const plan *p, double buf[], int threads, size_t s0,
                             size_t s1, const fa_bootstrap_options *o)
{
    (void)threads;
#ifdef _OPENMP
#pragma omp parallel for num_threads(threads) schedule(static)
#endif
    for (size_t s = s0; s < s1; s++) {
        fa_bootstrap_ci_from_values(slot(bs, p, s), buf + (s - s0) * o->replicates, o->replicates,
                                    o->level, o->method);
    }
}

static int check_input(const fa_counts groups[], size_t n_groups, long reference,
                       const fa_bootstrap_options *o, fa_error *err)
{
    if (o->replicates < 1) {
        return fa_error_set(err, FA_EINVAL, NULL, 0, 0, "bootstrap: replicates must be >= 1");
    }
    if (!(o->level > 0.0 && o->level < 1.0)) {
        return fa_error_set(err, FA_EDOMAIN, NULL, 0, 0,
                            "bootstrap: confidence level %g is not between 0 and 1", o->level);
    }
    if (o->method != FA_BOOTSTRAP_PERCENTILE && o->method != FA_BOOTSTRAP_BCA) {
        return fa_error_set(err, FA_EINVAL, NULL, 0, 0, "bootstrap: unknown interval method %d",
                            (int)o->method);
    }
    if (o->min_group_size < 0) {
        return fa_error_set(err, FA_EINVAL, NULL, 0, 0, "bootstrap: min_group_size %ld is negative",
                            o->min_group_size);
    }
    if (reference < -1 || (reference >= 0 && (size_t)reference >= n_groups)) {
        return fa_error_set(err, FA_EINVAL, NULL, 0, 0,
                            "bootstrap: reference group %ld out of range (%zu groups)", reference,
                            n_groups);
    }
    for (size_t g = 0; g < n_groups; g++) {
        const fa_counts *c = &groups[g];
        const double cells[4] = {c->tp, c->fp, c->tn, c->fn};
        for (int k = 0; k < 4; k++) {
            if (!isfinite(cells[k]) || cells[k] < 0.0) {
                return fa_error_set(err, FA_EDOMAIN, NULL, 0, 0,
                                    "bootstrap: group %zu has a negative or non-finite count", g);
            }
        }
        if (c->rows == 0 && cells[0] + cells[1] + cells[2] + cells[3] > 0.0) {
            return fa_error_set(err, FA_EDOMAIN, NULL, 0, 0,
                                "bootstrap: group %zu has weight but no rows", g);
        }
    }
    return FA_OK;
}

/* The plan's metric list, statistic count and small-group mask (small: n_groups bytes). */
static int make_plan(plan *p, unsigned char small[], const fa_counts groups[], size_t n_groups,
                     long reference, long min_group_size)
{
    memset(p, 0, sizeof *p);
    p->groups = groups;
    p->n_groups = n_groups;
    p->reference = reference;
    p->small = small;
    for (int m = 0; m < FA_METRIC_COUNT_ALL; m++) {
        if (fa_rates_has_disparity((fa_metric)m) && m != FA_METRIC_MEAN_SCORE) {
            p->metrics[p->n_metrics++] = (fa_metric)m;
        }
    }
    for (size_t g = 0; g < n_groups; g++) {
        small[g] = groups[g].rows < (uint64_t)min_group_size ? FA_EXCL_SMALL : FA_EXCL_NONE;
    }
    const size_t per_group = 2 * p->n_metrics;
    if (n_groups > (SIZE_MAX / sizeof(double) - group_base(p)) / per_group) {
        return FA_ENOMEM;
    }
    p->n_stats = group_base(p) + per_group * n_groups;
    return FA_OK;
}

static fa_bootstrap *result_alloc(size_t n_groups, size_t replicates)
{
    fa_bootstrap *bs = calloc(1, sizeof *bs);
    if (bs == NULL) {
        return NULL;
    }
    bs->n_groups = n_groups;
    bs->replicates = replicates;
    bs->diff = fa_alloc_array(n_groups * FA_METRIC_COUNT_ALL, sizeof *bs->diff);
    bs->ratio = fa_alloc_array(n_groups * FA_METRIC_COUNT_ALL, sizeof *bs->ratio);
    if (bs->diff == NULL || bs->ratio == NULL) {
        fa_bootstrap_free(bs);
        return NULL;
    }
    for (size_t i = 0; i < n_groups * FA_METRIC_COUNT_ALL; i++) {
        ci_undefined(&bs->diff[i], replicates);
        ci_undefined(&bs->ratio[i], replicates);
    }
    for (int m = 0; m < FA_METRIC_COUNT_ALL; m++) {
        for (int k = 0; k < FA_BOOTSTRAP_KINDS; k++) {
            ci_undefined(&bs->disp[m][k], replicates);
        }
    }
    for (int i = 0; i < FA_SUMMARY_SLOTS; i++) {
        ci_undefined(&bs->summary[i], replicates);
    }
    return bs;
}

/* Point estimates (and BCa accelerations) into the result's slots. */
static int set_points(fa_bootstrap *bs, const plan *p, work *w, const fa_bootstrap_options *o)
{
    const size_t ns = p->n_stats;
    double *point = fa_alloc_array(ns, sizeof *point);
    double *accel = fa_alloc_array(ns, sizeof *accel);
    double *jk = o->method == FA_BOOTSTRAP_BCA ? fa_alloc_array(ns, 6 * sizeof *jk) : NULL;
    fa_counts *scratch = fa_calloc_array(p->n_groups, sizeof *scratch);
    int st = FA_ENOMEM;
    if (point && accel && scratch && (jk || o->method != FA_BOOTSTRAP_BCA)) {
        compute_stats(point, p, p->groups, w);
        if (jk) {
            jackknife_accel(accel, p, w, scratch, jk, jk + 4 * ns, jk + 5 * ns);
        }
        for (size_t s = 0; s < ns; s++) {
            fa_bootstrap_ci *ci = slot(bs, p, s);
            ci->point = point[s];
            ci->accel = jk ? accel[s] : NAN;
        }
        st = FA_OK;
    }
    free(point);
    free(accel);
    free(jk);
    free(scratch);
    return st;
}

/* Workspaces for every thread, the replicate passes, the quantiles. */
static int run_passes(fa_bootstrap *bs, const plan *p, work ws[], int threads,
                      const fa_bootstrap_options *o)
{
    const size_t B = o->replicates;
    const size_t limit = o->memory_limit ? o->memory_limit : FA_BOOTSTRAP_DEFAULT_MEMORY;
    size_t chunk = limit / sizeof(double) / B;
    chunk = chunk < 1 ? 1 : chunk > p->n_stats ? p->n_stats : chunk;
    if (B > SIZE_MAX / sizeof(double)) {
        return FA_ENOMEM;
    }
    double *buf = fa_alloc_array(chunk, B * sizeof *buf);
    if (buf == NULL) {
        return FA_ENOMEM;
    }
    for (size_t s0 = 0; s0 < p->n_stats; s0 += chunk) {
        const size_t s1 = s0 + chunk < p->n_stats ? s0 + chunk : p->n_stats;
        run_replicates(buf, p, ws, threads, s0, s1, o);
        finish_intervals(bs, p, buf, threads, s0, s1, o);
    }
    free(buf);
    return FA_OK;
}

static int thread_count(const fa_bootstrap_options *o)
{
    int t = o->threads;
#ifdef _OPENMP
    if (t <= 0) {
        t = omp_get_max_threads();
    }
#else
    t = 1;
#endif
    const size_t n_blocks = (o->replicates + FA_BOOTSTRAP_BLOCK - 1) / FA_BOOTSTRAP_BLOCK;
    if ((size_t)t > n_blocks) {
        t = (int)n_blocks;
    }
    return t < 1 ? 1 : t;
}

/* ------------------------------------------------------------- public */

int fa_bootstrap_compute(fa_bootstrap **out, const fa_counts groups[], size_t n_groups,
                         long reference, const fa_bootstrap_options *opts, fa_error *err)
{
    *out = NULL;
    int st = check_input(groups, n_groups, reference, opts, err);
    if (st != FA_OK) {
        return st;
    }
    const int threads = thread_count(opts);
    plan p;
    unsigned char *small = fa_alloc_array(n_groups, 1);
    work *ws = fa_calloc_array((size_t)threads, sizeof *ws);
    fa_bootstrap *bs = result_alloc(n_groups, opts->replicates);
    st = small && ws && bs ? FA_OK : FA_ENOMEM;
    if (st == FA_OK) {
        st = make_plan(&p, small, groups, n_groups, reference, opts->min_group_size);
    }
    for (int t = 0; t < threads && st == FA_OK; t++) {
        st = work_init(&ws[t], &p);
    }
    if (st == FA_OK) {
        st = set_points(bs, &p, &ws[0], opts);
    }
    if (st == FA_OK) {
        st = run_passes(bs, &p, ws, threads, opts);
    }
    for (int t = 0; ws && t < threads; t++) {
        work_dispose(&ws[t]);
    }
    free(ws);
    free(small);
    if (st != FA_OK) {
        fa_bootstrap_free(bs);
        return fa_error_set(err, st, NULL, 0, 0, "bootstrap: out of memory");
    }
    *out = bs;
    return FA_OK;
}

void fa_bootstrap_free(fa_bootstrap *bs)
{
    if (bs == NULL) {
        return;
    }
    free(bs->diff);
    free(bs->ratio);
    free(bs);
}

size_t fa_bootstrap_n_groups(const fa_bootstrap *bs)
{
    return bs->n_groups;
}

size_t fa_bootstrap_replicates(const fa_bootstrap *bs)
{
    return bs->replicates;
}

const fa_bootstrap_ci *fa_bootstrap_disparity(const fa_bootstrap *bs, fa_metric m,
                                              fa_disparity_kind kind)
{
    assert((int)m >= 0 && m < FA_METRIC_COUNT_ALL);
    assert((int)kind >= 0 && (int)kind < FA_BOOTSTRAP_KINDS);
    return &bs->disp[m][kind];
}

const fa_bootstrap_ci *fa_bootstrap_summary(const fa_bootstrap *bs, int slot_index)
{
    assert(slot_index >= 0 && slot_index < FA_SUMMARY_SLOTS);
    return &bs->summary[slot_index];
}

const fa_bootstrap_ci *fa_bootstrap_group_difference(const fa_bootstrap *bs, size_t g, fa_metric m)
{
    assert(g < bs->n_groups && (int)m >= 0 && m < FA_METRIC_COUNT_ALL);
    return &bs->diff[g * FA_METRIC_COUNT_ALL + m];
}

const fa_bootstrap_ci *fa_bootstrap_group_ratio(const fa_bootstrap *bs, size_t g, fa_metric m)
{
    assert(g < bs->n_groups && (int)m >= 0 && m < FA_METRIC_COUNT_ALL);
    return &bs->ratio[g * FA_METRIC_COUNT_ALL + m];
}

void fa_bootstrap_draw(fa_counts rep[], const fa_counts groups[], size_t n_groups, gsl_rng *rng)
{
    for (size_t g = 0; g < n_groups; g++) {
        const fa_counts *c = &groups[g];
        const double p[4] = {c->tp, c->fp, c->tn, c->fn};
        const double total = ((c->tp + c->fp) + c->tn) + c->fn;
        memset(&rep[g], 0, sizeof rep[g]);
        rep[g].rows = c->rows;
        if (c->rows == 0 || !(total > 0.0)) {
            continue; /* nothing to draw from: GSL would divide by a zero total */
        }
        uint64_t k[4] = {0, 0, 0, 0};
        for (uint64_t left = c->rows; left > 0;) {
            /* a multinomial of n = n1 + n2 is the sum of two with the same p */
            const unsigned int n = left > UINT_MAX ? UINT_MAX : (unsigned int)left;
            unsigned int d[4];
            gsl_ran_multinomial(rng, 4, n, p, d);
            for (int i = 0; i < 4; i++) {
                k[i] += d[i];
            }
            left -= n;
        }
        const double row_w = total / (double)c->rows; /* 1 exactly for unit weights */
        rep[g].tp = (double)k[0] * row_w;
        rep[g].fp = (double)k[1] * row_w;
        rep[g].tn = (double)k[2] * row_w;
        rep[g].fn = (double)k[3] * row_w;
    }
}

unsigned long fa_bootstrap_block_seed(uint64_t seed, uint64_t stream, uint64_t block)
{
    const uint64_t h = splitmix64(splitmix64(splitmix64(seed) ^ stream) ^ block);
    /* GSL's generators take 32 bits of seed: fold the hash into them */
    return (unsigned long)((h ^ (h >> 32)) & 0xFFFFFFFFu);
}

int fa_bootstrap_bca_levels(double *p_lo, double *p_hi, double z0, double accel, double level)
{
    *p_lo = NAN;
    *p_hi = NAN;
    if (!isfinite(z0) || !isfinite(accel) || !(level > 0.0 && level < 1.0)) {
        return FA_EDOMAIN;
    }
    if (z0 == 0.0 && accel == 0.0) {
        *p_lo = 0.5 * (1.0 - level); /* exactly the percentile levels */
        *p_hi = 1.0 - *p_lo;
        return FA_OK;
    }
    const double z = fa_interval_z(level);
    const double wl = z0 - z, wh = z0 + z;
    const double dl = 1.0 - accel * wl, dh = 1.0 - accel * wh;
    if (!(dl > 0.0 && dh > 0.0)) {
        return FA_EDOMAIN;
    }
    *p_lo = gsl_cdf_ugaussian_P(z0 + wl / dl);
    *p_hi = gsl_cdf_ugaussian_P(z0 + wh / dh);
    return FA_OK;
}

void fa_bootstrap_ci_from_values(fa_bootstrap_ci *ci, double values[], size_t n, double level,
                                 fa_bootstrap_method method)
{
    size_t m = 0;
    for (size_t i = 0; i < n; i++) {
        if (!isnan(values[i])) {
            values[m++] = values[i];
        }
    }
    ci->n_undefined = n - m;
    ci->lo = NAN;
    ci->hi = NAN;
    ci->z0 = NAN;
    if (m == 0 || isnan(ci->point)) {
        return;
    }
    double p_lo = 0.5 * (1.0 - level), p_hi = 1.0 - p_lo;
    if (method == FA_BOOTSTRAP_BCA) {
        size_t below = 0, ties = 0;
        for (size_t i = 0; i < m; i++) {
            below += values[i] < ci->point;
            ties += values[i] == ci->point;
        }
        const double share = ((double)below + 0.5 * (double)ties) / (double)m;
        if (!(share > 0.0 && share < 1.0)) {
            return; /* z0 infinite: the point lies outside every replicate */
        }
        ci->z0 = gsl_cdf_ugaussian_Pinv(share);
        if (fa_bootstrap_bca_levels(&p_lo, &p_hi, ci->z0, ci->accel, level) != FA_OK) {
            return;
        }
    }
    ci->lo = quantile(values, m, p_lo);
    ci->hi = quantile(values, m, p_hi);
}

/* --------------------------------- restored from a saved result (reports/json_read.c) */

int fa_bootstrap_restore(fa_bootstrap **out, size_t n_groups, size_t replicates, fa_error *err)
{
    *out = NULL;
    fa_bootstrap *bs = calloc(1, sizeof *bs);
    if (bs == NULL) {
        return fa_error_set(err, FA_ENOMEM, NULL, 0, 0, "out of memory");
    }
    size_t n = n_groups * FA_METRIC_COUNT_ALL;
    bs->diff = fa_alloc_array(n ? n : 1, sizeof *bs->diff);
    bs->ratio = fa_alloc_array(n ? n : 1, sizeof *bs->ratio);
    if (bs->diff == NULL || bs->ratio == NULL) {
        fa_bootstrap_free(bs);
        return fa_error_set(err, FA_ENOMEM, NULL, 0, 0, "out of memory");
    }
    bs->n_groups = n_groups;
    bs->replicates = replicates;
    const fa_bootstrap_ci none = {NAN, NAN, NAN, 0, NAN, NAN};
    for (size_t i = 0; i < n; i++) {
        bs->diff[i] = bs->ratio[i] = none;
    }
    for (int m = 0; m < FA_METRIC_COUNT_ALL; m++) {
        for (int k = 0; k < FA_BOOTSTRAP_KINDS; k++) {
            bs->disp[m][k] = none;
        }
    }
    for (int i = 0; i < FA_SUMMARY_SLOTS; i++) {
        bs->summary[i] = none;
    }
    *out = bs;
    return FA_OK;
}

fa_bootstrap_ci *fa_bootstrap_restore_ci(fa_bootstrap *bs, int table, size_t g, int i, int kind)
{
    switch (table) {
    case FA_BOOTSTRAP_TABLE_DISPARITY:
        assert(i >= 0 && i < FA_METRIC_COUNT_ALL && kind >= 0 && kind < FA_BOOTSTRAP_KINDS);
        return &bs->disp[i][kind];
    case FA_BOOTSTRAP_TABLE_SUMMARY:
        assert(i >= 0 && i < FA_SUMMARY_SLOTS);
        return &bs->summary[i];
    default:
        assert(g < bs->n_groups && i >= 0 && i < FA_METRIC_COUNT_ALL);
        return table == FA_BOOTSTRAP_TABLE_RATIO ? &bs->ratio[g * FA_METRIC_COUNT_ALL + (size_t)i]
                                                 : &bs->diff[g * FA_METRIC_COUNT_ALL + (size_t)i];
    }
}
