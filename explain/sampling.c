/*
 * explain/sampling.c - permutation sampling of interventional Shapley values
 * (fa_shap_sampling; Castro, Gomez and Tejada 2009, Strumbelj and Kononenko 2014).
 *
 * phi_j = E over uniform permutations pi of v(Pre_pi(j) + j) - v(Pre_pi(j)), Pre_pi(j) the
 * features before j in pi, v the interventional game of fa_shap_exact (kernelshap.c's
 * fa_shapgame). One draw is an antithetic pair: a uniform permutation of the M varying
 * features and its reverse; the draw's value is the mean of the two permutations' marginal
 * contributions. The reverse puts late features early, so the two contributions of a
 * feature are negatively correlated for the usual games and the pair mean varies less than
 * two independent permutations (for a game of pairwise interactions the pair is exact).
 *
 * Along a permutation the coalitions grow one feature at a time: v(empty) = the game's
 * base, then M - 1 coalitions, then v(all) (the game's, equal to f(x) to rounding); the
 * contributions of a permutation telescope to v(all) - v(empty), so every pair and their
 * mean are additive to rounding, and a feature the model ignores gets exactly 0. The 2 (M - 1)
 * coalitions of a pair go to the game in one batch, ordered so that consecutive coalitions differ
 * in one feature (the forward chain, then the reverse chain from its largest coalition down), which
 * lets the generic game rewrite one column of its composite rows per coalition.
 *
 * Stopping: after each pair (from the 8th on), the standard error of feature j is
 * sd_j / sqrt(pairs), sd_j the sample standard deviation of the pair values (Welford);
 * the row stops when every one is below opts->tolerance (> 0), or when opts->nsamples
 * permutations (nsamples / 2 pairs) are spent. Features whose value equals every
 * background value are dummies of the game: phi = 0, se = 0.
 *
 * Row i draws its permutations from a gsl_rng seeded from (seed, i) (fa_shap__row_seed), so
 * the values do not depend on the thread count.
 */
#include "explain/shapley.h"

#include <math.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <gsl/gsl_rng.h>

#include "common/alloc.h"
#include "common/error.h"

/* Pairs before the first stopping test; pairs evaluated per call of the game, at most. */
#define SAMPLING_MIN_PAIRS 8
#define SAMPLING_PAIRS_PER_CALL 16

typedef struct sampling_ctx {
    const double *bg;
    size_t n_bg, p, pairs;
    double tolerance;
    uint64_t seed;
} sampling_ctx;

/* Workspace of one row. */
typedef struct sampling_ws {
    size_t *var, *perm, *last;        /* varying features; a batch's permutations; the last one */
    uint8_t *z;                       /* 2 (M - 1) coalitions x p */
    double *v, *d, *mean, *m2, *pair; /* values; contributions; Welford; a pair's values */
} sampling_ws;

static void sws_free(sampling_ws *s)
{
    free(s->var);
    free(s->perm);
    free(s->last);
    free(s->z);
    free(s->v);
    free(s->d);
    free(s->mean);
    free(s->m2);
    free(s->pair);
}

static int same_value(double a, double b)
{
    return a == b || (isnan(a) && isnan(b));
}

/*
 * Contributions of a permutation into d[0..p): vals[t] = v of the first t + 1 features of
 * order (t < M - 1); v(empty) = v0, v(all) = fx.
 */
static void contributions(double d[], const size_t order[], size_t M, const double vals[],
                          double v0, double fx)
{
    double prev = v0;
    for (size_t t = 0; t < M; t++) {
        double cur = t + 1 < M ? vals[t] : fx;
        d[order[t]] += cur - prev;
        prev = cur;
    }
}

static int sampling_row(double out[], double se[], fa_shapgame_ws *w, const double x[], size_t row,
                        const void *vctx, fa_error *err)
{
    const sampling_ctx *sc = vctx;
    const size_t p = sc->p;
    double fx;
    int st = fa_shapgame__set_row(w, x, &fx, err);
    if (st != FA_OK) {
        return st;
    }
    const double v0 = fa_shapgame__ws_null(w), D = fx - v0;
    for (size_t j = 0; j <= p; j++) {
        out[j] = 0.0;
        if (se != NULL) {
            se[j] = 0.0;
        }
    }
    out[p] = v0;
    sampling_ws s;
    memset(&s, 0, sizeof s);
    s.var = fa_alloc_array(p, sizeof *s.var);
    if (s.var == NULL) {
        return fa_error_set(err, FA_ENOMEM, NULL, 0, 0, "out of memory");
    }
    size_t M = 0;
    for (size_t j = 0; j < p; j++) {
        for (size_t b = 0; b < sc->n_bg; b++) {
            if (!same_value(x[j], sc->bg[b * p + j])) {
                s.var[M++] = j;
                break;
            }
        }
    }
    if (M < 2) {
        if (M == 1) {
            out[s.var[0]] = D;
        }
        sws_free(&s);
        return FA_OK;
    }
    const size_t nc = 2 * (M - 1);
    size_t per_call = FA_SHAPGAME__MAX_BATCH / nc;
    per_call = per_call < 1                         ? 1
               : per_call > SAMPLING_PAIRS_PER_CALL ? SAMPLING_PAIRS_PER_CALL
                                                    : per_call;
    s.perm = fa_alloc_array(per_call * M, sizeof *s.perm);
    s.last = fa_alloc_array(M, sizeof *s.last);
    s.z = fa_calloc_array(per_call * nc, p);
    s.v = fa_alloc_array(per_call * nc, sizeof *s.v);
    s.d = fa_alloc_array(p, sizeof *s.d);
    s.mean = fa_calloc_array(p, sizeof *s.mean);
    s.m2 = fa_calloc_array(p, sizeof *s.m2);
    s.pair = fa_alloc_array(p, sizeof *s.pair);
    gsl_rng *rng = gsl_rng_alloc(gsl_rng_mt19937);
    if (!s.perm || !s.last || !s.z || !s.v || !s.d || !s.mean || !s.m2 || !s.pair || !rng) {
        sws_free(&s);
        gsl_rng_free(rng);
        return fa_error_set(err, FA_ENOMEM, NULL, 0, 0, "out of memory");
    }
    gsl_rng_set(rng, fa_shap__row_seed(sc->seed, row));
    /* v(all) from the game, not f(x): the mean of n_bg equal outputs may differ from f(x) in
     * the last bit, and a feature the model ignores must get exactly 0 wherever it stands */
    double vall = fx;
    memset(s.z, 1, p);
    st = fa_shapgame__values(&vall, w, s.z, 1, err);
    memcpy(s.last, s.var, M * sizeof *s.last); /* each permutation shuffles the previous */
    size_t n = 0;
    int done = 0;
    while (st == FA_OK && !done && n < sc->pairs) {
        /* a batch of pairs for one call of the game; the stopping test still runs after
         * each pair, so the values do not depend on the batch (later pairs are dropped) */
        const size_t nb = sc->pairs - n < per_call ? sc->pairs - n : per_call;
        memset(s.z, 0, nb * nc * p);
        for (size_t e = 0; e < nb; e++) {
            size_t *pe = s.perm + e * M;
            memcpy(pe, e > 0 ? pe - M : s.last, M * sizeof *pe);
            for (size_t i = 0; i + 1 < M; i++) { /* a uniform permutation: Fisher-Yates */
                size_t r = i + (size_t)gsl_rng_uniform_int(rng, (unsigned long)(M - i));
                size_t tmp = pe[i];
                pe[i] = pe[r];
                pe[r] = tmp;
            }
            /* forward: {pi_0}, {pi_0, pi_1}, ..., all but pi_{M-1};
             * reverse, largest first: all but pi_0, ..., {pi_{M-1}} */
            uint8_t *ze = s.z + e * nc * p;
            for (size_t t = 0; t + 1 < M; t++) {
                for (size_t u = 0; u <= t; u++) {
                    ze[t * p + pe[u]] = 1;
                }
                for (size_t u = t + 1; u < M; u++) {
                    ze[(M - 1 + t) * p + pe[u]] = 1;
                }
            }
        }
        memcpy(s.last, s.perm + (nb - 1) * M, M * sizeof *s.last);
        for (size_t c0 = 0; st == FA_OK && c0 < nb * nc; c0 += FA_SHAPGAME__MAX_BATCH) {
            size_t k =
                nb * nc - c0 < FA_SHAPGAME__MAX_BATCH ? nb * nc - c0 : FA_SHAPGAME__MAX_BATCH;
            st = fa_shapgame__values(s.v + c0, w, s.z + c0 * p, k, err);
        }
        for (size_t e = 0; st == FA_OK && e < nb && !done; e++) {
            size_t *pe = s.perm + e * M;
            const double *ve = s.v + e * nc;
            for (size_t a = 0; a < M; a++) {
                s.d[s.var[a]] = 0.0;
            }
            contributions(s.d, pe, M, ve, v0, vall);
            /* the reverse order pi_{M-1}, ..., pi_0: its t-th coalition (t + 1 features) is
             * the reverse chain's entry M - 2 - t */
            for (size_t a = 0; a < M / 2; a++) {
                size_t tmp = pe[a];
                pe[a] = pe[M - 1 - a];
                pe[M - 1 - a] = tmp;
            }
            for (size_t t = 0; t + 1 < M; t++) {
                s.pair[t] = ve[(M - 1) + (M - 2 - t)];
            }
            contributions(s.d, pe, M, s.pair, v0, vall);
            n++;
            done = sc->tolerance > 0.0 && n >= SAMPLING_MIN_PAIRS;
            for (size_t a = 0; a < M; a++) {
                const size_t j = s.var[a];
                const double g = s.d[j] / 2.0, delta = g - s.mean[j];
                s.mean[j] += delta / (double)n;
                s.m2[j] += delta * (g - s.mean[j]);
                if (done && !(sqrt(s.m2[j] / (double)(n - 1) / (double)n) < sc->tolerance)) {
                    done = 0;
                }
            }
        }
    }
    for (size_t a = 0; st == FA_OK && a < M; a++) {
        const size_t j = s.var[a];
        out[j] = s.mean[j];
        if (se != NULL) {
            se[j] = n > 1 ? sqrt(s.m2[j] / (double)(n - 1) / (double)n) : NAN;
        }
    }
    sws_free(&s);
    gsl_rng_free(rng);
    return st;
}

int fa_shap_sampling(double out[], double se[], const fa_model *m, const double x[], size_t n_rows,
                     const double bg[], size_t n_bg, const fa_shap_options *opts, fa_error *err)
{
    const fa_shap_options def = FA_SHAP_OPTIONS_INIT;
    const fa_shap_options *o = opts != NULL ? opts : &def;
    if (m == NULL) {
        return fa_error_set(err, FA_EINVAL, NULL, 0, 0, "fa_shap_sampling: no model");
    }
    size_t perms = o->nsamples != 0 ? o->nsamples : FA_SHAP_SAMPLING_DEFAULT_PERMUTATIONS;
    if (perms < 2) {
        return fa_error_set(err, FA_EINVAL, NULL, 0, 0,
                            "permutation sampling: a budget of %zu permutation is below 2: "
                            "each draw is a permutation and its reverse (raise --nsamples)",
                            perms);
    }
    if (!(o->tolerance >= 0.0) || !isfinite(o->tolerance)) {
        return fa_error_set(err, FA_EINVAL, NULL, 0, 0,
                            "permutation sampling: the tolerance must be a finite number >= 0, "
                            "not %g",
                            o->tolerance);
    }
    sampling_ctx sc = {bg, n_bg, fa_model_n_features(m), perms / 2, o->tolerance, o->seed};
    return fa_shap__drive("fa_shap_sampling", out, se, m, x, n_rows, bg, n_bg, o, sampling_row, &sc,
                          err);
}
