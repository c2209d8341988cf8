/*
 * tests/unit/test_decompose.c - the disparity decomposition of Shapley values
 * (explain/decompose.c): hand-computed group means and gaps, the identity sum of terms = gap in
 * mean output, bootstrap intervals against the exact distribution of a tiny example, [0, 0]
 * for a feature the model ignores, coverage on simulated data, thread-count independence.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h>

#include <gsl/gsl_randist.h>
#include <gsl/gsl_rng.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "explain/decompose.h"

#define P 3

/*
 * Group 0 "A": phi (1, 2, 0), (3, -1, 0); group 1 "B" (the reference): (0, 1, 0), (2, 1, 0),
 * (1, -2, 0); one row without a group; base 0.5 everywhere; feature 2 is never used.
 */
static const double PHI[6 * (P + 1)] = {1, 2, 0, 0.5, 3, -1, 0, 0.5, 0, 1, 0, 0.5,
                                        2, 1, 0, 0.5, 1, -2, 0, 0.5, 9, 9, 0, 0.5};
static const int32_t GROUP[6] = {0, 0, 1, 1, 1, -1};

static void decompose__group_means_and_gaps_by_hand(void **state)
{
    (void)state;
    const double f[6] = {3.5, 2.5, 1.5, 3.5, -0.5, 18.5}; /* 0.5 + the row's phi */
    fa_decompose *d;
    fa_error err;
    assert_int_equal(fa_decompose_create(&d, PHI, f, 6, P, GROUP, 2, 1, NULL, &err), FA_OK);
    assert_int_equal(d->rows[0], 2);
    assert_int_equal(d->rows[1], 3);       /* the row without a group is left out */
    assert_true(d->output[0] == 3.0);      /* (3.5 + 2.5) / 2 */
    assert_true(d->output[1] == 1.5);      /* (1.5 + 3.5 - 0.5) / 3 */
    assert_true(d->phi[0 * P + 0] == 2.0); /* (1 + 3) / 2 */
    assert_true(d->phi[0 * P + 1] == 0.5); /* (2 - 1) / 2 */
    assert_true(d->phi[1 * P + 0] == 1.0); /* (0 + 2 + 1) / 3 */
    assert_true(d->phi[1 * P + 1] == 0.0); /* (1 + 1 - 2) / 3 */
    assert_true(d->base[0] == 0.5 && d->base[1] == 0.5);
    assert_true(d->gap[0 * P + 0] == 1.0); /* 2 - 1 */
    assert_true(d->gap[0 * P + 1] == 0.5); /* 0.5 - 0 */
    assert_true(d->gap[0 * P + 2] == 0.0);
    assert_true(d->output_gap[0] == 1.5); /* 3 - 1.5 = 1 + 0.5 */
    for (size_t k = 0; k < P; k++) {
        assert_true(d->gap[1 * P + k] == 0.0); /* the reference against itself */
    }
    assert_int_equal(d->bootstrap, 0);
    assert_null(d->gap_lo);
    fa_decompose_free(d);
    /* without f, the outputs are the rows' sums of phi and the base */
    assert_int_equal(fa_decompose_create(&d, PHI, NULL, 6, P, GROUP, 2, 1, NULL, &err), FA_OK);
    assert_true(d->output[0] == 3.0 && d->output[1] == 1.5);
    fa_decompose_free(d);
    /* no reference: no gaps, no intervals */
    fa_decompose_options o = FA_DECOMPOSE_OPTIONS_INIT;
    o.bootstrap = 50;
    assert_int_equal(fa_decompose_create(&d, PHI, f, 6, P, GROUP, 2, -1, &o, &err), FA_OK);
    assert_true(isnan(d->gap[0]) && isnan(d->output_gap[0]));
    assert_int_equal(d->bootstrap, 0);
    assert_null(d->gap_lo);
    fa_decompose_free(d);
}

/* Random phi with a common base; f summed in another order than the decomposition's. */
static void random_rows(double phi[], double f[], int32_t g[], size_t n, size_t p, size_t n_groups,
                        unsigned long seed)
{
    gsl_rng *r = gsl_rng_alloc(gsl_rng_mt19937);
    gsl_rng_set(r, seed);
    for (size_t i = 0; i < n; i++) {
        g[i] = (int32_t)gsl_rng_uniform_int(r, n_groups);
        double *row = phi + i * (p + 1);
        row[p] = -1.2345;
        f[i] = row[p];
        for (size_t k = 0; k < p; k++) {
            row[k] = gsl_ran_gaussian(r, 1.0) + 0.3 * (double)g[i] * (double)(k % 3);
        }
        for (size_t k = p; k-- > 0;) {
            f[i] += row[k];
        }
    }
    gsl_rng_free(r);
}

static void decompose__terms_add_up_to_the_output_gap(void **state)
{
    (void)state;
    enum { N = 2000, NP = 12, NG = 4 };
    static double phi[N * (NP + 1)], f[N];
    static int32_t g[N];
    random_rows(phi, f, g, N, NP, NG, 5);
    fa_decompose *d;
    fa_error err;
    assert_int_equal(fa_decompose_create(&d, phi, f, N, NP, g, NG, 2, NULL, &err), FA_OK);
    for (size_t h = 0; h < NG; h++) {
        double sum = 0.0;
        for (size_t k = 0; k < NP; k++) {
            sum += d->gap[h * NP + k];
        }
        double gap = d->output[h] - d->output[2];
        assert_true(d->output_gap[h] == gap);
        if (h != 2) {
            assert_true(fabs(gap) > 0.01);
            assert_true(fabs(sum - gap) <= 1e-12 * fabs(gap));
        } else {
            assert_true(gap == 0.0 && sum == 0.0);
        }
    }
    fa_decompose_free(d);
}

/*
 * Exact replicate distributions. Group 0 (3 rows): feature 0 takes 0, 0, 3; feature 1 is 1.
 * Reference 1 (2 rows): feature 0 is 0; feature 1 takes 0, 2. Feature 2 is 0 everywhere.
 *   gap_0* = mean of 3 draws from {0, 0, 3} = K, K ~ Binomial(3, 1/3): P(0, 1, 2, 3) =
 *            8/27, 12/27, 6/27, 1/27, so the CDF is 0.296, 0.741, 0.963, 1;
 *   gap_1* = 1 - mean of 2 draws from {0, 2} = 1, 0, -1 with P 1/4, 1/2, 1/4.
 * 90% interval (quantiles 0.05, 0.95): gap_0 [0, 2], gap_1 [-1, 1]; 20% interval (0.4, 0.6):
 * gap_0 [1, 1], gap_1 [0, 0]. With B = 20000 the empirical CDF is within 0.004 (3 sd) of the
 * exact one, and every quantile level above lies at least 0.013 from a jump of the CDF.
 */
static void decompose__bootstrap_matches_the_exact_distribution(void **state)
{
    (void)state;
    const double phi[5 * 4] = {0, 1, 0, 0, 0, 1, 0, 0, 3, 1, 0, 0, 0, 0, 0, 0, 0, 2, 0, 0};
    const int32_t g[5] = {0, 0, 0, 1, 1};
    fa_decompose_options o = FA_DECOMPOSE_OPTIONS_INIT;
    o.bootstrap = 20000;
    o.seed = 3;
    o.confidence_level = 0.90;
    fa_decompose *d;
    fa_error err;
    assert_int_equal(fa_decompose_create(&d, phi, NULL, 5, 3, g, 2, 1, &o, &err), FA_OK);
    assert_int_equal(d->bootstrap, 20000);
    assert_true(d->gap[0] == 1.0 && d->gap[1] == 0.0 && d->gap[2] == 0.0);
    assert_true(d->gap_lo[0] == 0.0 && d->gap_hi[0] == 2.0);
    assert_true(d->gap_lo[1] == -1.0 && d->gap_hi[1] == 1.0);
    assert_true(d->gap_lo[2] == 0.0 && d->gap_hi[2] == 0.0); /* the ignored feature */
    for (size_t k = 0; k < 3; k++) {                         /* the reference itself */
        assert_true(d->gap_lo[3 + k] == 0.0 && d->gap_hi[3 + k] == 0.0);
    }
    fa_decompose_free(d);
    o.confidence_level = 0.20;
    assert_int_equal(fa_decompose_create(&d, phi, NULL, 5, 3, g, 2, 1, &o, &err), FA_OK);
    assert_true(d->gap_lo[0] == 1.0 && d->gap_hi[0] == 1.0);
    assert_true(d->gap_lo[1] == 0.0 && d->gap_hi[1] == 0.0);
    /* the sum of the terms, gap_0* + gap_1*: its point 1 lies inside its interval */
    assert_true(d->output_gap[0] == 1.0);
    assert_true(d->output_gap_lo[0] <= 1.0 && d->output_gap_hi[0] >= 1.0);
    fa_decompose_free(d);
}

/*
 * Coverage: 200 data sets, each 100 rows per group with phi_0 ~ N(0.5, 1) in group 0 and
 * N(0, 1) in the reference (true gap 0.5), phi_1 = 0. A 95% percentile interval must cover the
 * true gap in about 95% of them: between 88% and 99% (the binomial sd is 1.5%); phi_1's
 * interval is [0, 0] every time.
 */
static void decompose__intervals_cover_the_true_gap(void **state)
{
    (void)state;
    enum { N = 200, S = 200 };
    static double phi[N * 3];
    static int32_t g[N];
    gsl_rng *r = gsl_rng_alloc(gsl_rng_mt19937);
    gsl_rng_set(r, 17);
    fa_decompose_options o = FA_DECOMPOSE_OPTIONS_INIT;
    o.bootstrap = 400;
    o.threads = 2;
    int covered = 0;
    for (int s = 0; s < S; s++) {
        for (size_t i = 0; i < N; i++) {
            g[i] = (int32_t)(i % 2);
            phi[3 * i] = (g[i] == 0 ? 0.5 : 0.0) + gsl_ran_gaussian(r, 1.0);
            phi[3 * i + 1] = 0.0;
            phi[3 * i + 2] = 0.1;
        }
        o.seed = (uint64_t)s;
        fa_decompose *d;
        fa_error err;
        assert_int_equal(fa_decompose_create(&d, phi, NULL, N, 2, g, 2, 1, &o, &err), FA_OK);
        covered += d->gap_lo[0] <= 0.5 && 0.5 <= d->gap_hi[0];
        assert_true(d->gap_lo[0] <= d->gap[0] && d->gap[0] <= d->gap_hi[0]);
        assert_true(d->gap_lo[1] == 0.0 && d->gap_hi[1] == 0.0);
        fa_decompose_free(d);
    }
    gsl_rng_free(r);
    assert_in_range(covered, 176, 198);
}

static void decompose__same_bytes_whatever_the_threads(void **state)
{
    (void)state;
    enum { N = 1500, NP = 7, NG = 3 };
    static double phi[N * (NP + 1)], f[N];
    static int32_t g[N];
    random_rows(phi, f, g, N, NP, NG, 9);
    fa_decompose_options o = FA_DECOMPOSE_OPTIONS_INIT;
    o.bootstrap = 301;
    o.seed = 42;
    fa_decompose *d[4];
    fa_error err;
    for (int t = 0; t < 3; t++) {
        o.threads = t + 1;
        assert_int_equal(fa_decompose_create(&d[t], phi, f, N, NP, g, NG, 0, &o, &err), FA_OK);
    }
    o.seed = 43;
    assert_int_equal(fa_decompose_create(&d[3], phi, f, N, NP, g, NG, 0, &o, &err), FA_OK);
    for (int t = 1; t < 3; t++) {
        assert_memory_equal(d[0]->gap_lo, d[t]->gap_lo, NG * NP * sizeof(double));
        assert_memory_equal(d[0]->gap_hi, d[t]->gap_hi, NG * NP * sizeof(double));
        assert_memory_equal(d[0]->output_gap_lo, d[t]->output_gap_lo, NG * sizeof(double));
    }
    /* another seed, other replicates */
    assert_memory_not_equal(d[0]->gap_lo + NP, d[3]->gap_lo + NP, NP * sizeof(double));
    for (int t = 0; t < 4; t++) {
        fa_decompose_free(d[t]);
    }
}

static void decompose__bad_arguments(void **state)
{
    (void)state;
    fa_decompose *d = (fa_decompose *)1;
    fa_error err;
    int32_t bad[6] = {0, 0, 1, 2, 1, -1};
    assert_int_equal(fa_decompose_create(&d, PHI, NULL, 6, P, bad, 2, 1, NULL, &err), FA_EINVAL);
    assert_null(d);
    assert_non_null(strstr(err.message, "row 3: group 2 out of range"));
    assert_int_equal(fa_decompose_create(&d, PHI, NULL, 6, P, GROUP, 2, 2, NULL, &err), FA_EINVAL);
    assert_int_equal(fa_decompose_create(&d, PHI, NULL, 6, 0, GROUP, 2, 1, NULL, &err), FA_EINVAL);
    fa_decompose_options o = FA_DECOMPOSE_OPTIONS_INIT;
    o.bootstrap = 10;
    o.confidence_level = 1.0;
    assert_int_equal(fa_decompose_create(&d, PHI, NULL, 6, P, GROUP, 2, 1, &o, &err), FA_EINVAL);
    assert_non_null(strstr(err.message, "confidence level"));
    /* an empty group: NAN means and intervals, not a failure */
    o.confidence_level = 0.9;
    assert_int_equal(fa_decompose_create(&d, PHI, NULL, 6, P, GROUP, 3, 1, &o, &err), FA_OK);
    assert_int_equal(d->rows[2], 0);
    assert_true(isnan(d->output[2]) && isnan(d->gap[2 * P]) && isnan(d->gap_lo[2 * P]));
    assert_true(d->gap_lo[2] == 0.0 && d->gap_hi[2] == 0.0);
    fa_decompose_free(d);
    fa_decompose_free(NULL);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(decompose__group_means_and_gaps_by_hand),
        cmocka_unit_test(decompose__terms_add_up_to_the_output_gap),
        cmocka_unit_test(decompose__bootstrap_matches_the_exact_distribution),
        cmocka_unit_test(decompose__intervals_cover_the_true_gap),
        cmocka_unit_test(decompose__same_bytes_whatever_the_threads),
        cmocka_unit_test(decompose__bad_arguments),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
