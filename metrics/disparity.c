/*
 * metrics/disparity.c - disparities of one metric over the groups of an attribute.
 *
 * METRICS.md: difference = m(g) - m(r) (signed, AIF360's unprivileged - privileged),
 * ratio = m(g) / m(r), undefined when m(r) = 0 (reported, not capped at 10 as Aequitas does);
 * between_groups (fairlearn's default) difference = max - min, ratio = min / max; to_overall
 * difference = max |m(g) - m(overall)|, ratio = min over g of min(q, 1/q), q = m(g)/m(overall).
 * Groups that are undefined or too small are left out by the caller's mask.
 *
 * min(q, 1/q) is computed as min(a, b) / max(a, b), as fairlearn does, which equals
 * min(q, 1/q) for positive a, b and avoids a second rounding.
 */
#include "metrics/disparity.h"

#include <math.h>

double fa_disparity_difference(double m_g, double m_ref)
{
    if (isnan(m_g) || isnan(m_ref)) {
        return NAN;
    }
    return m_g - m_ref;
}

double fa_disparity_ratio(double m_g, double m_ref)
{
    if (isnan(m_g) || isnan(m_ref) || m_ref == 0.0) {
        return NAN;
    }
    return m_g / m_ref;
}

void fa_disparity_compute(fa_disparity *out, const double values[], const unsigned char excl[],
                          size_t n, double overall)
{
    out->between_difference = NAN;
    out->between_ratio = NAN;
    out->to_overall_difference = NAN;
    out->to_overall_ratio = NAN;
    out->argmin = 0;
    out->argmax = 0;
    out->n_included = 0;
    double lo = 0.0, hi = 0.0, dmax = 0.0, rmin = INFINITY;
    int ratio_ok = !isnan(overall);
    for (size_t g = 0; g < n; g++) {
        double v = values[g];
        if (excl[g] != 0 || isnan(v)) {
            continue;
        }
        if (out->n_included == 0 || v < lo) {
            lo = v;
            out->argmin = g;
        }
        if (out->n_included == 0 || v > hi) {
            hi = v;
            out->argmax = g;
        }
        out->n_included++;
        if (!isnan(overall)) {
            double d = fabs(v - overall);
            if (d > dmax) {
                dmax = d;
            }
            double a = v, b = overall;
            double big = a > b ? a : b, small = a > b ? b : a;
            if (b == 0.0 && a != 0.0) {
                ratio_ok = 0; /* q = m(g) / 0 is undefined */
            } else if (big == 0.0) {
                /* both zero: the group equals the overall value, q = 1 */
                if (rmin > 1.0) {
                    rmin = 1.0;
                }
            } else if (small < 0.0) {
                ratio_ok = 0;
            } else if (small / big < rmin) {
                rmin = small / big;
            }
        }
    }
    if (out->n_included >= 2) {
        out->between_difference = hi - lo;
        out->between_ratio = hi == 0.0 ? NAN : lo / hi;
    }
    if (out->n_included >= 1 && !isnan(overall)) {
        out->to_overall_difference = dmax;
        out->to_overall_ratio = ratio_ok ? rmin : NAN;
    }
}
