/*
 * metrics/imbalance.c - class imbalance of the labels (METRICS.md "Class imbalance").
 *
 * From the label counts of each group of one attribute, P_g (actual positives) and N_g
 * (actual negatives), n_g = P_g + N_g, and their totals P, N, n:
 *   label shares P / n and N / n; imbalance ratio = max(P, N) / min(P, N), undefined when a
 *   class is absent (an infinite ratio says nothing a count of 0 does not); minority share
 *   min(P, N) / n;
 *   group share n_g / n; representation ratio = share / population share, when a reference
 *   population gives the group a share (undefined when it gives none, or 0);
 *   base rate P_g / n_g;
 *   Pearson's chi-square test of label x group (metrics/stattest.c) with Cramer's V;
 *   AIF360's class_imbalance (n_g - n_ref) / (n_g + n_ref), group sizes against the reference
 *   group (unprivileged minus privileged);
 *   KL divergence of the label distributions D(P_g || P_ref) = sum_y p(y) log(p(y) / q(y)),
 *   nats, 0 log 0 = 0, +infinity when q(y) = 0 < p(y) - returned as INFINITY with a flag and
 *   a reason, so the JSON can say null and why. AIF360's sklearn kl_divergence takes the
 *   other direction, D(P_ref || P_g) (privileged first); both are computed.
 * Weighted counts are used as they are.
 */
#include "metrics/imbalance.h"

#include <assert.h>
#include <math.h>
#include <string.h>

#include "common/error.h"

static fa_measure defined(double v)
{
    fa_measure m = {v, NULL};
    return m;
}

static fa_measure undefined(const char *reason)
{
    fa_measure m = {NAN, reason};
    return m;
}

/* x / d, or undefined with `why` when d = 0. */
static fa_measure quotient(double x, double d, const char *why)
{
    return d > 0.0 ? defined(x / d) : undefined(why);
}

double fa_imbalance_ratio(double positives, double negatives, const char **reason)
{
    const char *why = NULL;
    double v = NAN;
    if (positives == 0.0 && negatives == 0.0) {
        why = "no rows";
    } else if (positives == 0.0) {
        why = "no actual positives";
    } else if (negatives == 0.0) {
        why = "no actual negatives";
    } else {
        v = positives > negatives ? positives / negatives : negatives / positives;
    }
    if (reason) {
        *reason = why;
    }
    return v;
}

double fa_imbalance_class_imbalance(double n_u, double n_p, const char **reason)
{
    double s = n_u + n_p;
    if (reason) {
        *reason = s > 0.0 ? NULL : "no rows";
    }
    return s > 0.0 ? (n_u - n_p) / s : NAN;
}

/* What the KL computation met. */
enum kl_case { KL_OK = 0, KL_P_EMPTY, KL_Q_EMPTY, KL_Q_NO_POS, KL_Q_NO_NEG };

/* p log(p / q) for one label; the caller has ruled out q = 0 < p. */
static double kl_term(double p, double q)
{
    return p > 0.0 ? p * log(p / q) : 0.0;
}

static double kl_core(double pp, double pn, double qp, double qn, enum kl_case *c)
{
    double np = pp + pn, nq = qp + qn;
    *c = !(np > 0.0) ? KL_P_EMPTY : !(nq > 0.0) ? KL_Q_EMPTY : KL_OK;
    if (*c != KL_OK) {
        return NAN;
    }
    if (qp == 0.0 && pp > 0.0) {
        *c = KL_Q_NO_POS;
        return INFINITY;
    }
    if (qn == 0.0 && pn > 0.0) {
        *c = KL_Q_NO_NEG;
        return INFINITY;
    }
    double d = kl_term(pp / np, qp / nq) + kl_term(pn / np, qn / nq);
    return d > 0.0 ? d : 0.0; /* equal distributions can round to -1e-17; D is never negative */
}

/*
 * The reason for a kl_case, for D(group || reference) or, with ref_first, for
 * D(reference || group). A switch rather than a table of pointers: no relocated data.
 */
static const char *kl_why(enum kl_case c, int ref_first)
{
    switch (c) {
    case KL_OK:
        return NULL;
    case KL_P_EMPTY:
        return ref_first ? "the reference group has no rows" : "the group has no rows";
    case KL_Q_EMPTY:
        return ref_first ? "the group has no rows" : "the reference group has no rows";
    case KL_Q_NO_POS:
        return ref_first ? "the group has no actual positives and the reference group has some "
                           "(infinite)"
                         : "the reference group has no actual positives and the group has some "
                           "(infinite)";
    case KL_Q_NO_NEG:
        return ref_first ? "the group has no actual negatives and the reference group has some "
                           "(infinite)"
                         : "the reference group has no actual negatives and the group has some "
                           "(infinite)";
    }
    return NULL;
}

double fa_imbalance_kl(double p_pos, double p_neg, double q_pos, double q_neg, int *infinite,
                       const char **reason)
{
    enum kl_case c;
    double d = kl_core(p_pos, p_neg, q_pos, q_neg, &c);
    *infinite = c == KL_Q_NO_POS || c == KL_Q_NO_NEG;
    if (reason) {
        *reason = kl_why(c, 0);
    }
    return d;
}

static int check_counts(const double pos[], const double neg[], size_t n_groups, fa_error *err)
{
    for (size_t g = 0; g < n_groups; g++) {
        if (!isfinite(pos[g]) || !isfinite(neg[g]) || pos[g] < 0.0 || neg[g] < 0.0) {
            return fa_error_set(err, FA_EDOMAIN, NULL, 0, 0,
                                "class imbalance: group %zu: label counts must be finite and "
                                "non-negative, got %.17g positives and %.17g negatives",
                                g + 1, pos[g], neg[g]);
        }
    }
    return FA_OK;
}

/* Finds the population share of `name`: 1 found, 0 not given, or a negative status. */
static int population_share(double *share, const char *name, const fa_imbalance_options *o,
                            fa_error *err)
{
    int found = 0;
    for (size_t i = 0; i < o->n_population; i++) {
        const fa_population_share *ps = &o->population[i];
        if (ps->group == NULL || strcmp(ps->group, name) != 0) {
            continue;
        }
        if (found) {
            return fa_error_set(err, FA_EINVAL, NULL, 0, 0,
                                "population shares: group \"%s\" is given twice", name);
        }
        if (!(ps->share >= 0.0 && ps->share <= 1.0)) {
            return fa_error_set(err, FA_EDOMAIN, NULL, 0, 0,
                                "population shares: group \"%s\": a share must lie in [0, 1], "
                                "got %.17g",
                                name, ps->share);
        }
        *share = ps->share;
        found = 1;
    }
    return found;
}

static void overall(fa_imbalance *out, const double pos[], const double neg[], size_t n_groups)
{
    out->positives = 0.0;
    out->negatives = 0.0;
    for (size_t g = 0; g < n_groups; g++) {
        out->positives += pos[g];
        out->negatives += neg[g];
    }
    out->n = out->positives + out->negatives;
    out->positive_share = quotient(out->positives, out->n, "no rows");
    out->negative_share = quotient(out->negatives, out->n, "no rows");
    const char *why = NULL;
    double r = fa_imbalance_ratio(out->positives, out->negatives, &why);
    out->imbalance_ratio = why ? undefined(why) : defined(r);
    double minority = out->positives < out->negatives ? out->positives : out->negatives;
    out->minority_share = quotient(minority, out->n, "no rows");
    out->minority_label = out->positives < out->negatives   ? 1
                          : out->negatives < out->positives ? 0
                                                            : -1;
}

/* Chi-square of label x group; its generic reasons said in terms of groups and labels. */
static int label_by_group(fa_imbalance *out, const double pos[], const double neg[],
                          size_t n_groups, fa_error *err)
{
    int st = fa_stattest_chisq_2col(&out->chisq, pos, neg, n_groups, err);
    if (st == FA_OK && out->chisq.reason && out->chisq.n > 0.0) {
        out->chisq.reason = out->chisq.n_rows_used < 2 ? "fewer than two groups have rows"
                                                       : "only one label occurs";
    }
    return st;
}

static void against_reference(fa_imbalance_group *g, const fa_imbalance_group *ref)
{
    if (ref == NULL) {
        g->class_imbalance = undefined("no reference group");
        g->kl_divergence = undefined("no reference group");
        g->kl_divergence_ref = undefined("no reference group");
        return;
    }
    const char *why = NULL;
    double ci = fa_imbalance_class_imbalance(g->size, ref->size, &why);
    g->class_imbalance =
        why ? undefined("neither the group nor the reference group has rows") : defined(ci);
    enum kl_case c;
    double d = kl_core(g->positives, g->negatives, ref->positives, ref->negatives, &c);
    g->kl_divergence.value = d;
    g->kl_divergence.reason = kl_why(c, 0);
    g->kl_infinite = c == KL_Q_NO_POS || c == KL_Q_NO_NEG;
    d = kl_core(ref->positives, ref->negatives, g->positives, g->negatives, &c);
    g->kl_divergence_ref.value = d;
    g->kl_divergence_ref.reason = kl_why(c, 1);
    g->kl_ref_infinite = c == KL_Q_NO_POS || c == KL_Q_NO_NEG;
}

static int representation(fa_imbalance_group *g, const char *name, const fa_imbalance_options *o,
                          fa_error *err)
{
    g->population_share = undefined("no population share given");
    g->representation = undefined("no population share given");
    if (o->population == NULL) {
        return FA_OK;
    }
    assert(name != NULL);
    double ps = 0.0;
    int found = population_share(&ps, name, o, err);
    if (found < 0) {
        return found;
    }
    if (found) {
        g->population_share = defined(ps);
        g->representation = g->share.reason ? undefined(g->share.reason)
                            : ps > 0.0      ? defined(g->share.value / ps)
                                            : undefined("the population share is 0");
    }
    return FA_OK;
}

int fa_imbalance_compute(fa_imbalance *out, fa_imbalance_group groups[], const double positives[],
                         const double negatives[], const char *const names[], size_t n_groups,
                         const fa_imbalance_options *opts, fa_error *err)
{
    static const fa_imbalance_options none = FA_IMBALANCE_OPTIONS_INIT;
    const fa_imbalance_options *o = opts ? opts : &none;
    assert(o->reference >= -1 && (o->reference < 0 || (size_t)o->reference < n_groups));
    assert(o->population == NULL || names != NULL);
    int st = check_counts(positives, negatives, n_groups, err);
    if (st != FA_OK) {
        return st;
    }
    overall(out, positives, negatives, n_groups);
    st = label_by_group(out, positives, negatives, n_groups, err);
    for (size_t i = 0; i < n_groups && st == FA_OK; i++) {
        fa_imbalance_group *g = &groups[i];
        memset(g, 0, sizeof *g);
        g->positives = positives[i];
        g->negatives = negatives[i];
        g->size = positives[i] + negatives[i];
        g->share = quotient(g->size, out->n, "no rows");
        g->base_rate = quotient(g->positives, g->size, "the group has no rows");
        st = representation(g, names ? names[i] : NULL, o, err);
    }
    const fa_imbalance_group *ref = o->reference >= 0 ? &groups[o->reference] : NULL;
    for (size_t i = 0; i < n_groups && st == FA_OK; i++) {
        against_reference(&groups[i], ref);
    }
    return st;
}
