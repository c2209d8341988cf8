/*
 * metrics/interval.c - confidence intervals of proportions (METRICS.md, "Uncertainty").
 *
 * Wilson (1927) score interval, the default: the set of p whose score test does not reject,
 *   (x + z^2/2 -+ z sqrt(x (n - x) / n + z^2 / 4)) / (n + z^2),  z = Phi^-1(1 - alpha/2),
 * written in counts rather than in p_hat so that x = 0 gives exactly 0 and x = n exactly 1.
 *
 * Clopper-Pearson (1934) exact interval: lo solves P(Bin(n, p) >= x) = alpha/2 and hi solves
 * P(Bin(n, p) <= x) = alpha/2; through the binomial-beta identity these are beta quantiles,
 * lo = B^-1(alpha/2; x, n - x + 1) and hi = B^-1(1 - alpha/2; x + 1, n - x), which also give
 * the natural interval for non-integer (weighted) x and n. Edges in closed form: x = 0 gives
 * lo = 0, hi = 1 - (alpha/2)^(1/n); x = n gives lo = (alpha/2)^(1/n), hi = 1.
 *
 * Why not gsl_cdf_beta_Pinv: it fails to converge for skewed parameters as small as n = 1000
 * (x = 1 or n - 1 at level 0.8, n = 10^4 at 0.95, ...) and then calls GSL's error handler,
 * which aborts the process by default; and gsl_cdf_beta_P returns NAN near the mode for
 * n >= 10^7. The library must not touch the process-global handler, so the quantile is solved
 * here: the regularised incomplete beta I_t(a, b) by its continued fraction (modified Lentz;
 * Numerical Recipes 6.4, converging in O(sqrt(max(a, b))) terms), ln B(a, b) by gsl_sf_lnbeta
 * (Stirling-corrected, accurate for huge arguments, thread-safe unlike lgamma's signgam), and
 * I_t(a, b) = q by Newton's method safeguarded by bisection, started from the Wilson bound.
 * Both bounds are solved as lower-tail problems in the small variable (hi = 1 - t with
 * I_t(n - x, x + 1) = alpha/2), so a bound near 1 keeps its precision.
 */
#include "metrics/interval.h"

#include <float.h>
#include <math.h>

#include <gsl/gsl_cdf.h>
#include <gsl/gsl_math.h>
#include <gsl/gsl_sf_gamma.h>
#include <gsl/gsl_sf_log.h>

/* Newton iterations before giving up (bisection alone needs fewer than 1100 on doubles). */
#define MAX_SOLVE_ITER 2000

double fa_interval_z(double level)
{
    if (!(level > 0.0 && level < 1.0)) {
        return NAN;
    }
    /* the lower tail, negated: Phi^-1 of a small probability keeps its relative precision */
    return -gsl_cdf_ugaussian_Pinv(0.5 * (1.0 - level));
}

/* Checks the arguments; clamps x to n when it exceeds n by rounding of weighted sums only. */
static int check_proportion(double *x, double n, double level)
{
    if (!(level > 0.0 && level < 1.0) || !isfinite(*x) || !isfinite(n) || *x < 0.0 || n < 0.0) {
        return FA_EDOMAIN;
    }
    if (*x > n) {
        if (*x - n > 8.0 * DBL_EPSILON * n) {
            return FA_EDOMAIN;
        }
        *x = n;
    }
    return FA_OK;
}

static int set_undefined(fa_interval *out, int status)
{
    out->lo = NAN;
    out->hi = NAN;
    return status;
}

static double clamp01(double v)
{
    return v < 0.0 ? 0.0 : v > 1.0 ? 1.0 : v;
}

int fa_interval_wilson(fa_interval *out, double x, double n, double level)
{
    int st = check_proportion(&x, n, level);
    if (st != FA_OK || n == 0.0) {
        return set_undefined(out, st);
    }
    const double z = fa_interval_z(level), z2 = z * z;
    const double center = x + 0.5 * z2;
    const double half = z * sqrt(x * (n - x) / n + 0.25 * z2);
    const double den = n + z2;
    out->lo = x == 0.0 ? 0.0 : clamp01((center - half) / den);
    out->hi = x == n ? 1.0 : clamp01((center + half) / den);
    return FA_OK;
}

/* Continued fraction of I_t(a, b) (modified Lentz); converges fast for t < (a+1)/(a+b+2). */
static double beta_cf(double t, double a, double b)
{
    const double tiny = 1e-300;
    const double qab = a + b, qap = a + 1.0, qam = a - 1.0;
    const double big = a > b ? a : b;
    const double max_iter = 100.0 + 20.0 * sqrt(big);
    double c = 1.0, d = 1.0 - qab * t / qap;
    d = 1.0 / (fabs(d) < tiny ? tiny : d);
    double h = d;
    for (double m = 1.0; m <= max_iter; m += 1.0) {
        const double m2 = 2.0 * m;
        double aa = m * (b - m) * t / ((qam + m2) * (a + m2));
        d = 1.0 + aa * d;
        d = 1.0 / (fabs(d) < tiny ? tiny : d);
        c = 1.0 + aa / c;
        c = fabs(c) < tiny ? tiny : c;
        h *= d * c;
        aa = -(a + m) * (qab + m) * t / ((a + m2) * (qap + m2));
        d = 1.0 + aa * d;
        d = 1.0 / (fabs(d) < tiny ? tiny : d);
        c = 1.0 + aa / c;
        c = fabs(c) < tiny ? tiny : c;
        const double del = d * c;
        h *= del;
        if (fabs(del - 1.0) <= DBL_EPSILON) {
            break;
        }
    }
    return h;
}

/* mu(z) = ln Gamma(z) - ((z - 1/2) ln z - z + ln(2 pi) / 2), Stirling's series, z >= 10. */
static double stirling_correction(double z)
{
    const double r = 1.0 / z, r2 = r * r;
    return r * (1.0 / 12.0 -
                r2 * (1.0 / 360.0 - r2 * (1.0 / 1260.0 - r2 * (1.0 / 1680.0 - r2 / 1188.0))));
}

/*
 * ln(t^a (1 - t)^b / B(a, b)). With a and b both large, the direct sum cancels terms of size
 * (a + b) ln 2 (10^12 rows lose 4 digits); around the mode t0 = a / (a + b) it is instead
 *   a L(d / t0) + b L(-d / (1 - t0)) + ln sqrt(a b / (2 pi (a + b))) + mu(a + b) - mu(a) - mu(b)
 * with d = t - t0 and L(u) = ln(1 + u) - u, whose terms are all of order one.
 */
static double log_front(double t, double a, double b)
{
    if (a < 10.0 || b < 10.0) {
        return a * log(t) + b * log1p(-t) - gsl_sf_lnbeta(a, b);
    }
    const double s = a + b, t0 = a / s, d = t - t0;
    return a * gsl_sf_log_1plusx_mx(d / t0) + b * gsl_sf_log_1plusx_mx(-d / (b / s)) +
           0.5 * log(a / (2.0 * M_PI) * (b / s)) + stirling_correction(s) - stirling_correction(a) -
           stirling_correction(b);
}

/* Regularised incomplete beta I_t(a, b), 0 < t < 1, a, b > 0; front = exp(log_front). */
static double beta_inc(double t, double a, double b, double front)
{
    if (t < (a + 1.0) / (a + b + 2.0)) {
        return front * beta_cf(t, a, b) / a;
    }
    return 1.0 - front * beta_cf(1.0 - t, b, a) / b;
}

/* The t in (0, 1) with I_t(a, b) = q, q in (0, 1), starting from `guess`. */
static double beta_quantile(double q, double a, double b, double guess)
{
    double lo = 0.0, hi = 1.0;
    double t = guess > 0.0 && guess < 1.0 ? guess : 0.5;
    for (int it = 0; it < MAX_SOLVE_ITER; it++) {
        const double front = exp(log_front(t, a, b));
        const double f = beta_inc(t, a, b, front) - q;
        if (f == 0.0) {
            return t;
        }
        if (f < 0.0) {
            lo = t;
        } else {
            hi = t;
        }
        const double pdf = front / (t * (1.0 - t)); /* 0 when far in a tail: bisect */
        double next = pdf > 0.0 ? t - f / pdf : NAN;
        if (!(next > lo && next < hi)) {
            /* Newton left the bracket: bisect, geometrically when the bracket spans decades */
            next = lo > 0.0 && hi > 4.0 * lo ? sqrt(lo * hi) : 0.5 * (lo + hi);
        }
        if (!(next > 0.0)) {
            return 0.0; /* the quantile underflows (x = 0.001 of n: below 1e-300) */
        }
        if (fabs(next - t) <= 4.0 * DBL_EPSILON * t || hi - lo <= 4.0 * DBL_EPSILON * hi) {
            return next;
        }
        t = next;
    }
    return t;
}

int fa_interval_clopper_pearson(fa_interval *out, double x, double n, double level)
{
    int st = check_proportion(&x, n, level);
    if (st != FA_OK || n == 0.0) {
        return set_undefined(out, st);
    }
    const double tail = 0.5 * (1.0 - level);
    fa_interval w;
    fa_interval_wilson(&w, x, n, level);
    if (x == 0.0) {
        out->lo = 0.0;
        out->hi = -expm1(log(tail) / n); /* 1 - (alpha/2)^(1/n) */
        return FA_OK;
    }
    if (x == n) {
        out->lo = exp(log(tail) / n);
        out->hi = 1.0;
        return FA_OK;
    }
    out->lo = beta_quantile(tail, x, n - x + 1.0, w.lo);
    out->hi = 1.0 - beta_quantile(tail, n - x, x + 1.0, 1.0 - w.hi);
    return FA_OK;
}

int fa_interval_proportion(fa_interval *out, double x, double n, double level,
                           fa_interval_method method)
{
    switch (method) {
    case FA_INTERVAL_WILSON:
        return fa_interval_wilson(out, x, n, level);
    case FA_INTERVAL_CLOPPER_PEARSON:
        return fa_interval_clopper_pearson(out, x, n, level);
    default:
        return set_undefined(out, FA_EINVAL);
    }
}

int fa_interval_rate_parts(double *x, double *n, fa_metric m, const fa_counts *g,
                           const fa_counts *all)
{
    /* the same sums, in the same order, as fa_metric_value, so x / n is its value bit for bit */
    const double p = g->tp + g->fn, nn = g->fp + g->tn;
    const double pp = g->tp + g->fp, pn = g->tn + g->fn;
    const double size = p + nn;
    double num = NAN, den = NAN;
    switch (m) {
    case FA_METRIC_SHARE:
        num = size;
        den = all ? all->tp + all->fn + all->fp + all->tn : 0.0;
        break;
    case FA_METRIC_BASE_RATE:
        num = p, den = size;
        break;
    case FA_METRIC_SELECTION_RATE:
        num = pp, den = size;
        break;
    case FA_METRIC_PREDICTED_POSITIVE_SHARE:
        num = pp;
        den = all ? all->tp + all->fp : 0.0;
        break;
    case FA_METRIC_TRUE_POSITIVE_RATE:
        num = g->tp, den = p;
        break;
    case FA_METRIC_FALSE_NEGATIVE_RATE:
        num = g->fn, den = p;
        break;
    case FA_METRIC_FALSE_POSITIVE_RATE:
        num = g->fp, den = nn;
        break;
    case FA_METRIC_TRUE_NEGATIVE_RATE:
        num = g->tn, den = nn;
        break;
    case FA_METRIC_POSITIVE_PREDICTIVE_VALUE:
        num = g->tp, den = pp;
        break;
    case FA_METRIC_FALSE_DISCOVERY_RATE:
        num = g->fp, den = pp;
        break;
    case FA_METRIC_NEGATIVE_PREDICTIVE_VALUE:
        num = g->tn, den = pn;
        break;
    case FA_METRIC_FALSE_OMISSION_RATE:
        num = g->fn, den = pn;
        break;
    case FA_METRIC_ACCURACY:
        num = g->tp + g->tn, den = size;
        break;
    case FA_METRIC_ERROR_RATE:
        num = g->fp + g->fn, den = size;
        break;
    default: /* count, balanced_accuracy, f1, treatment_equality, mean_score */
        *x = NAN;
        *n = NAN;
        return 0;
    }
    *x = num;
    *n = den;
    return 1;
}

int fa_interval_rate(fa_interval *out, fa_metric m, const fa_counts *g, const fa_counts *all,
                     double level, fa_interval_method method)
{
    double x, n;
    if (!fa_interval_rate_parts(&x, &n, m, g, all)) {
        return set_undefined(out, FA_EINVAL);
    }
    if (n == 0.0) {
        x = 0.0; /* undefined whatever the numerator (share without a population) */
    }
    return fa_interval_proportion(out, x, n, level, method);
}
