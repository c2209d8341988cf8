/*
 * metrics/stattest.c - the hypothesis tests of an audit (METRICS.md "Uncertainty").
 *
 * Two-proportion z test, pooled: z = (p1 - p2) / sqrt(p (1 - p) (1/n1 + 1/n2)) with
 * p = (x1 + x2) / (n1 + n2); two-sided p-value 2 Q(|z|).
 *
 * Fisher's exact test, two-sided as R's fisher.test: with the margins fixed the first cell x
 * is hypergeometric, d(x) = C(n1, x) C(n2, k - x) / C(n, k) on max(0, k - n2) <= x <= min(k, n1),
 * k = x1 + x2 successes; p = sum of d(x) over the x with d(x) <= d(x1) (1 + tol).
 * C(n, k) overflows a double for n of a few thousand, and log-gamma sums lose digits at the
 * scale that matters: lgamma(1e7) is 1.5e8, so its rounding error (about 3e-8) is already the
 * size of the tie tolerance 1e-7. Instead the densities are taken relative to the mode m,
 * r(x) = d(x) / d(m) in (0, 1], by the exact ratio of neighbours
 *   d(x + 1) / d(x) = (n1 - x)(k - x) / ((x + 1)(n2 - k + x + 1)),
 * walking out from the mode until r falls below DBL_MIN (the law is log-concave, so r
 * decreases on each side of the mode and never comes back). C(n, k) cancels from
 * p = sum r / total r, nothing can overflow, and each step adds a few ulps: about 1e-11
 * relative after the 1e5 steps of a table with n in the millions. The walk is O(sqrt(n))
 * terms (some 40 standard deviations), done twice (total and observed, then the tail sum)
 * with no storage. Stopping at DBL_MIN rather than at 0 matters: far from the mode the ratio
 * of neighbours is close to 1, and a subnormal r times 0.99 rounds back to itself, so a walk
 * to 0 could crawl to the end of a support of 1e9. The terms left out are below 1e-308 of the
 * mode, so only p-values below about 1e-300 lose accuracy (reported as 0 or nearly).
 *
 * Chi-square test of independence: X^2 = sum (O - E)^2 / E, E = R_i C_j / n, over the rows
 * and columns with a positive total; dof = (r' - 1)(c' - 1) for the r' rows and c' columns
 * used; p = Q_chisq(X^2; dof); Cramer's V = sqrt(X^2 / (n (min(r', c') - 1))). No continuity
 * correction (scipy's chi2_contingency applies Yates's to 2x2 tables by default; R's
 * chisq.test too): for a 2x2 table X^2 = z^2 of the z test. Row and column totals are
 * recomputed instead of stored, looping over the smaller dimension's totals first, so the
 * cost is O(r c min(r, c)) - O(r) for groups x two outcomes - with no allocation.
 *
 * Holm: step-down on the sorted p-values (a heap sort of indices in the caller's workspace).
 */
#include "metrics/stattest.h"

#include <float.h>
#include <math.h>

#include <gsl/gsl_cdf.h>

#include "common/error.h"

/* 2^53: above it a double no longer holds every integer, and Fisher needs integer cells. */
#define MAX_EXACT_COUNT 9007199254740992.0

static const fa_stattest_options DEFAULTS = FA_STATTEST_OPTIONS_INIT;

const char *fa_stattest_method_name(fa_test_method m)
{
    switch (m) {
    case FA_TEST_Z:
        return "two_proportion_z";
    case FA_TEST_FISHER:
        return "fisher_exact";
    }
    return NULL;
}

static void prop_init(fa_prop_test *out, fa_test_method method)
{
    out->method = method;
    out->p1 = NAN;
    out->p2 = NAN;
    out->statistic = NAN;
    out->p_value = NAN;
    out->min_expected = 0.0;
    out->rounded = 0;
    out->reason = NULL;
}

/* 0 <= x <= n, both finite; else FA_EDOMAIN naming the group. */
static int check_group(double x, double n, int group, fa_error *err)
{
    if (!isfinite(x) || !isfinite(n) || x < 0.0 || n < 0.0) {
        return fa_error_set(err, FA_EDOMAIN, NULL, 0, 0,
                            "two-proportion test: group %d: counts must be finite and "
                            "non-negative, got %.17g of %.17g",
                            group, x, n);
    }
    if (x > n) {
        return fa_error_set(err, FA_EDOMAIN, NULL, 0, 0,
                            "two-proportion test: group %d: %.17g successes exceed the group "
                            "size %.17g",
                            group, x, n);
    }
    return FA_OK;
}

static int check_groups(double x1, double n1, double x2, double n2, fa_error *err)
{
    int st = check_group(x1, n1, 1, err);
    return st != FA_OK ? st : check_group(x2, n2, 2, err);
}

/* The smallest of the four expected counts n_g * (successes or failures) / n. */
static double min_expected_2x2(double x1, double n1, double x2, double n2)
{
    double n = n1 + n2;
    if (!(n > 0.0)) {
        return 0.0;
    }
    double k = x1 + x2;
    double f = n - k;
    double small_row = n1 < n2 ? n1 : n2;
    double small_col = k < f ? k : f;
    return small_row * small_col / n;
}

static void fill_props(fa_prop_test *out, double x1, double n1, double x2, double n2)
{
    out->p1 = n1 > 0.0 ? x1 / n1 : NAN;
    out->p2 = n2 > 0.0 ? x2 / n2 : NAN;
    out->min_expected = min_expected_2x2(x1, n1, x2, n2);
}

int fa_stattest_z(fa_prop_test *out, double x1, double n1, double x2, double n2, fa_error *err)
{
    prop_init(out, FA_TEST_Z);
    int st = check_groups(x1, n1, x2, n2, err);
    if (st != FA_OK) {
        return st;
    }
    fill_props(out, x1, n1, x2, n2);
    if (n1 == 0.0 || n2 == 0.0) {
        out->reason = n1 == 0.0 && n2 == 0.0 ? "no rows" : "a group has no rows";
        return FA_OK;
    }
    double pooled = (x1 + x2) / (n1 + n2);
    double var = pooled * (1.0 - pooled) * (1.0 / n1 + 1.0 / n2);
    if (!(var > 0.0)) {
        out->reason = "every row has the same outcome";
        return FA_OK;
    }
    double z = (out->p1 - out->p2) / sqrt(var);
    if (!isfinite(z)) {
        out->reason = "the standard error underflows";
        return FA_OK;
    }
    out->statistic = z;
    out->p_value = 2.0 * gsl_cdf_ugaussian_Q(fabs(z));
    return FA_OK;
}

/* The hypergeometric law of the first cell with the margins of a 2x2 table. */
typedef struct hyper {
    double n1, n2, k; /* group sizes and total successes */
    double lo, hi;    /* support */
    double mode;
} hyper;

/* r(x + 1) / r(x) and r(x - 1) / r(x). */
static double step_up(const hyper *h, double x)
{
    return ((h->n1 - x) * (h->k - x)) / ((x + 1.0) * (h->n2 - h->k + x + 1.0));
}

static double step_down(const hyper *h, double x)
{
    return (x * (h->n2 - h->k + x)) / ((h->n1 - x + 1.0) * (h->k - x + 1.0));
}

/*
 * Walks from the mode towards both ends (stopping after the first r below DBL_MIN) and
 * returns the sum of r(x) over the x with r(x) <= thr (all x when thr is INFINITY). With
 * `obs` >= 0, stores r(obs) in *r_obs (0 when obs lies beyond the stop). Same operations in
 * the same order on every call, so r(obs) compares equal to itself between the two passes.
 */
static double hyper_walk(const hyper *h, double thr, double obs, double *r_obs)
{
    double sum = 1.0 <= thr ? 1.0 : 0.0;
    if (r_obs) {
        *r_obs = obs == h->mode ? 1.0 : 0.0;
    }
    double r = 1.0;
    for (double x = h->mode; x < h->hi && r >= DBL_MIN; x += 1.0) {
        r *= step_up(h, x);
        sum += r <= thr ? r : 0.0;
        if (r_obs && x + 1.0 == obs) {
            *r_obs = r;
        }
    }
    r = 1.0;
    for (double x = h->mode; x > h->lo && r >= DBL_MIN; x -= 1.0) {
        r *= step_down(h, x);
        sum += r <= thr ? r : 0.0;
        if (r_obs && x - 1.0 == obs) {
            *r_obs = r;
        }
    }
    return sum;
}

/* Rounds a weighted cell to an integer; sets *rounded when it changed. */
static double round_cell(double v, int *rounded)
{
    double r = round(v);
    if (r != v) {
        *rounded = 1;
    }
    return r;
}

int fa_stattest_fisher(fa_prop_test *out, double x1, double n1, double x2, double n2,
                       const fa_stattest_options *opts, fa_error *err)
{
    prop_init(out, FA_TEST_FISHER);
    const fa_stattest_options *o = opts ? opts : &DEFAULTS;
    int st = check_groups(x1, n1, x2, n2, err);
    if (st != FA_OK) {
        return st;
    }
    if (!(o->fisher_rel_tol >= 0.0) || !isfinite(o->fisher_rel_tol)) {
        return fa_error_set(err, FA_EDOMAIN, NULL, 0, 0,
                            "fisher's exact test: the relative tolerance must be finite and "
                            "non-negative, got %.17g",
                            o->fisher_rel_tol);
    }
    /* the table (a, b; c, d) as integers */
    double a = round_cell(x1, &out->rounded), b = round_cell(n1 - x1, &out->rounded);
    double c = round_cell(x2, &out->rounded), d = round_cell(n2 - x2, &out->rounded);
    if (a + b + c + d > MAX_EXACT_COUNT) {
        return fa_error_set(err, FA_EDOMAIN, NULL, 0, 0,
                            "fisher's exact test: %.17g rows are more than an exact test can "
                            "count (2^53)",
                            a + b + c + d);
    }
    fill_props(out, a, a + b, c, c + d);
    hyper h = {a + b, c + d, a + c, 0.0, 0.0, 0.0};
    if (h.n1 == 0.0 || h.n2 == 0.0) {
        out->reason = h.n1 == 0.0 && h.n2 == 0.0 ? "no rows" : "a group has no rows";
        return FA_OK;
    }
    double n = h.n1 + h.n2;
    h.lo = h.k > h.n2 ? h.k - h.n2 : 0.0;
    h.hi = h.k < h.n1 ? h.k : h.n1;
    h.mode = floor((h.n1 + 1.0) * (h.k + 1.0) / (n + 2.0));
    h.mode = h.mode < h.lo ? h.lo : h.mode > h.hi ? h.hi : h.mode;
    double r_obs = 0.0;
    double total = hyper_walk(&h, INFINITY, a, &r_obs);
    double tail = hyper_walk(&h, r_obs * (1.0 + o->fisher_rel_tol), -1.0, NULL);
    double p = tail / total;
    out->p_value = p > 1.0 ? 1.0 : p; /* a guard: both walks add the same terms in the same order */
    return FA_OK;
}

int fa_stattest_two_prop(fa_prop_test *out, double x1, double n1, double x2, double n2,
                         const fa_stattest_options *opts, fa_error *err)
{
    const fa_stattest_options *o = opts ? opts : &DEFAULTS;
    prop_init(out, FA_TEST_Z);
    int st = check_groups(x1, n1, x2, n2, err);
    if (st != FA_OK) {
        return st;
    }
    if (min_expected_2x2(x1, n1, x2, n2) < o->fisher_min_expected) {
        return fa_stattest_fisher(out, x1, n1, x2, n2, o, err);
    }
    return fa_stattest_z(out, x1, n1, x2, n2, err);
}

/* ------------------------------------------------------------- chi-square */

/* A table seen either row-major (cells) or as two columns (col0, col1). */
typedef struct table_view {
    const double *cells;
    const double *col0, *col1;
    size_t n_rows, n_cols;
} table_view;

static double cell(const table_view *t, size_t i, size_t j)
{
    if (t->cells) {
        return t->cells[i * t->n_cols + j];
    }
    return j == 0 ? t->col0[i] : t->col1[i];
}

/* Total of row i (dim 0) or column i (dim 1). */
static double margin(const table_view *t, int dim, size_t i)
{
    double s = 0.0;
    size_t len = dim == 0 ? t->n_cols : t->n_rows;
    for (size_t j = 0; j < len; j++) {
        s += dim == 0 ? cell(t, i, j) : cell(t, j, i);
    }
    return s;
}

static int check_table(const table_view *t, fa_error *err)
{
    for (size_t i = 0; i < t->n_rows; i++) {
        for (size_t j = 0; j < t->n_cols; j++) {
            double v = cell(t, i, j);
            if (!isfinite(v) || v < 0.0) {
                return fa_error_set(err, FA_EDOMAIN, NULL, 0, 0,
                                    "chi-square test: cell (%zu, %zu) must be a finite "
                                    "non-negative count, got %.17g",
                                    i + 1, j + 1, v);
            }
        }
    }
    return FA_OK;
}

/*
 * X^2 and the smallest expected count over the cells of used rows and columns. The outer loop
 * runs over the smaller dimension so its totals are computed once each.
 */
static void chisq_sum(fa_chisq_test *out, const table_view *t)
{
    int outer = t->n_cols <= t->n_rows ? 1 : 0; /* 1: columns outside, rows inside */
    size_t n_out = outer == 1 ? t->n_cols : t->n_rows;
    size_t n_in = outer == 1 ? t->n_rows : t->n_cols;
    double x2 = 0.0, emin = INFINITY;
    for (size_t o = 0; o < n_out; o++) {
        double mo = margin(t, outer, o);
        if (mo == 0.0) {
            continue;
        }
        for (size_t i = 0; i < n_in; i++) {
            double mi = margin(t, 1 - outer, i);
            if (mi == 0.0) {
                continue;
            }
            double e = mo / out->n * mi;
            double obs = outer == 1 ? cell(t, i, o) : cell(t, o, i);
            x2 += (obs - e) * (obs - e) / e;
            emin = e < emin ? e : emin;
        }
    }
    out->statistic = x2;
    out->min_expected = emin;
}

static int chisq_run(fa_chisq_test *out, const table_view *t, fa_error *err)
{
    out->statistic = NAN;
    out->dof = 0;
    out->p_value = NAN;
    out->cramers_v = NAN;
    out->n = 0.0;
    out->min_expected = NAN;
    out->n_rows_used = 0;
    out->n_cols_used = 0;
    out->reason = NULL;
    int st = check_table(t, err);
    if (st != FA_OK) {
        return st;
    }
    for (size_t i = 0; i < t->n_rows; i++) {
        double r = margin(t, 0, i);
        out->n += r;
        out->n_rows_used += r > 0.0;
    }
    for (size_t j = 0; j < t->n_cols; j++) {
        out->n_cols_used += margin(t, 1, j) > 0.0;
    }
    if (!(out->n > 0.0)) {
        out->reason = "no rows";
        return FA_OK;
    }
    if (out->n_rows_used < 2 || out->n_cols_used < 2) {
        out->reason = out->n_rows_used < 2 ? "fewer than two non-empty rows"
                                           : "fewer than two non-empty columns";
        return FA_OK;
    }
    out->dof = (out->n_rows_used - 1) * (out->n_cols_used - 1);
    chisq_sum(out, t);
    if (!isfinite(out->statistic)) {
        out->reason = "the statistic overflows";
        out->statistic = NAN;
        return FA_OK;
    }
    out->p_value = gsl_cdf_chisq_Q(out->statistic, (double)out->dof);
    size_t k = out->n_rows_used < out->n_cols_used ? out->n_rows_used : out->n_cols_used;
    out->cramers_v = sqrt(out->statistic / (out->n * (double)(k - 1)));
    return FA_OK;
}

int fa_stattest_chisq(fa_chisq_test *out, const double table[], size_t n_rows, size_t n_cols,
                      fa_error *err)
{
    table_view t = {table, NULL, NULL, n_rows, n_cols};
    return chisq_run(out, &t, err);
}

int fa_stattest_chisq_2col(fa_chisq_test *out, const double col0[], const double col1[],
                           size_t n_rows, fa_error *err)
{
    table_view t = {NULL, col0, col1, n_rows, 2};
    return chisq_run(out, &t, err);
}

/* ------------------------------------------------------------------- Holm */

/* Index a sorts before index b: smaller p, ties by index (a total order). */
static int before(const double p[], size_t a, size_t b)
{
    /* a and b are indices into p; the index comparison only breaks ties */
    // cppcheck-suppress arrayIndexThenCheck
    return p[a] < p[b] || (p[a] == p[b] && a < b);
}

static void sift_down(size_t idx[], const double p[], size_t root, size_t len)
{
    for (;;) {
        size_t child = 2 * root + 1;
        if (child >= len) {
            return;
        }
        if (child + 1 < len && before(p, idx[child], idx[child + 1])) {
            child++;
        }
        if (!before(p, idx[root], idx[child])) {
            return;
        }
        size_t tmp = idx[root];
        idx[root] = idx[child];
        idx[child] = tmp;
        root = child;
    }
}

/* Heap sort: O(m log m), in place, no allocation. */
static void sort_indices(size_t idx[], const double p[], size_t m)
{
    for (size_t i = m / 2; i-- > 0;) {
        sift_down(idx, p, i, m);
    }
    for (size_t end = m; end-- > 1;) {
        size_t tmp = idx[0];
        idx[0] = idx[end];
        idx[end] = tmp;
        sift_down(idx, p, 0, end);
    }
}

int fa_stattest_holm(double adjusted[], const double p[], size_t n, size_t work[], fa_error *err)
{
    size_t m = 0;
    for (size_t i = 0; i < n; i++) {
        if (isnan(p[i])) {
            continue;
        }
        if (!(p[i] >= 0.0 && p[i] <= 1.0)) {
            return fa_error_set(err, FA_EDOMAIN, NULL, 0, 0,
                                "holm correction: p-value %zu must lie in [0, 1], got %.17g", i + 1,
                                p[i]);
        }
        work[m++] = i;
    }
    for (size_t i = 0; i < n; i++) {
        if (isnan(p[i])) {
            adjusted[i] = NAN;
        }
    }
    sort_indices(work, p, m);
    /* reads p[work[k]] before writing adjusted[work[k]]: safe when adjusted == p */
    double running = 0.0;
    for (size_t k = 0; k < m; k++) {
        double v = (double)(m - k) * p[work[k]];
        running = v > running ? v : running;
        adjusted[work[k]] = running < 1.0 ? running : 1.0;
    }
    return FA_OK;
}
