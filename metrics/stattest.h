/*
 * metrics/stattest.h - hypothesis tests of an audit (METRICS.md "Uncertainty", tests): the
 * two-proportion z test, Fisher's exact test of a 2x2 table, the chooser between them, the
 * chi-square test of independence of an r x c table with Cramer's V, and Holm's step-down
 * correction of the p-values of one audit.
 *
 * Every function is pure: no allocation, no I/O, no global state (GSL's error handler is never
 * touched; arguments are validated before GSL is called, so GSL never reports an error).
 * A test that cannot be computed (a group without rows, no variation) is data, not a failure:
 * FA_OK with p_value NAN and a static reason. Bad input (a negative or non-finite count,
 * successes above the group size, a p-value outside [0, 1]) is FA_EDOMAIN with a message.
 *
 * Weighted counts: the z and chi-square tests take the (weighted) counts as they are; Fisher's
 * test needs integers and rounds each cell of the 2x2 table to the nearest integer (halves
 * away from zero), flagging it in `rounded`. With weights that are not frequency weights no
 * test's nominal level holds; the report says so.
 */
#ifndef FA_METRICS_STATTEST_H
#define FA_METRICS_STATTEST_H

#include <stddef.h>

#include "include/fairaudit.h"

/* Defaults (METRICS.md; the tolerance is R's fisher.test relErr - 1). */
#ifndef FA_DEFAULT_FISHER_MIN_EXPECTED
#define FA_DEFAULT_FISHER_MIN_EXPECTED 5.0
#endif
#ifndef FA_DEFAULT_FISHER_REL_TOL
#define FA_DEFAULT_FISHER_REL_TOL 1e-7
#endif

/* Options of the tests. Initialise with FA_STATTEST_OPTIONS_INIT; NULL means the defaults. */
typedef struct fa_stattest_options {
    /* The chooser runs Fisher's exact test when an expected cell count of the 2x2 table is
     * below this, else the z test. */
    double fisher_min_expected;
    /* Fisher's two-sided p-value sums the tables whose probability is at most
     * p_observed * (1 + fisher_rel_tol), so tables tied with the observed one in exact
     * arithmetic are not lost to rounding. */
    double fisher_rel_tol;
} fa_stattest_options;

#define FA_STATTEST_OPTIONS_INIT                                                                   \
    {                                                                                              \
        FA_DEFAULT_FISHER_MIN_EXPECTED, FA_DEFAULT_FISHER_REL_TOL                                  \
    }

/* The test behind a two-proportion p-value. */
typedef enum fa_test_method { FA_TEST_Z = 0, FA_TEST_FISHER = 1 } fa_test_method;

/* "two_proportion_z" or "fisher_exact"; NULL when out of range. */
const char *fa_stattest_method_name(fa_test_method m);

/* A test of x1/n1 against x2/n2 (group 1 and group 2, "success" and "failure" outcomes). */
typedef struct fa_prop_test {
    fa_test_method method;
    double p1, p2;       /* x1 / n1 and x2 / n2; NAN for a group without rows */
    double statistic;    /* z = (p1 - p2) / pooled SE, signed; NAN for Fisher or undefined */
    double p_value;      /* two-sided; NAN when undefined (then reason is set) */
    double min_expected; /* smallest expected cell count under independence (0 without rows) */
    int rounded;         /* Fisher: 1 when a weighted cell was rounded to an integer */
    const char *reason;  /* static phrase when p_value is NAN, else NULL */
} fa_prop_test;

/*
 * Two-proportion z test with the pooled standard error:
 *   p = (x1 + x2) / (n1 + n2), z = (x1/n1 - x2/n2) / sqrt(p (1 - p) (1/n1 + 1/n2)),
 *   p_value = 2 Q(|z|), Q the upper standard normal tail (gsl_cdf_ugaussian_Q).
 * Undefined when a group has no rows or every row has the same outcome (p = 0 or 1; then
 * Fisher's test gives 1). 0 <= x <= n, finite, else FA_EDOMAIN. z^2 equals the Pearson
 * chi-square statistic of the 2x2 table (no continuity correction).
 */
int fa_stattest_z(fa_prop_test *out, double x1, double n1, double x2, double n2, fa_error *err);

/*
 * Fisher's exact test of the 2x2 table (x1, n1 - x1; x2, n2 - x2), two-sided as R's
 * fisher.test: the probability, under the hypergeometric law with the margins fixed, of the
 * tables at most as likely as the observed one (relative tolerance opts->fisher_rel_tol).
 * Cells are rounded to integers (see above); cells above 2^53 are FA_EDOMAIN. Works for
 * tables of any size without overflow (probabilities relative to the mode, see stattest.c).
 * p_value is 1 when only one table has the margins (no successes, or no failures);
 * undefined when a group has no rows.
 */
int fa_stattest_fisher(fa_prop_test *out, double x1, double n1, double x2, double n2,
                       const fa_stattest_options *opts, fa_error *err);

/*
 * The two-proportion test of METRICS.md: Fisher's exact test when an expected cell count
 * ((n_g * successes or failures) / n) is below opts->fisher_min_expected, else the z test.
 */
int fa_stattest_two_prop(fa_prop_test *out, double x1, double n1, double x2, double n2,
                         const fa_stattest_options *opts, fa_error *err);

/* A chi-square test of independence. */
typedef struct fa_chisq_test {
    double statistic;    /* Pearson's X^2 = sum (O - E)^2 / E, no continuity correction */
    size_t dof;          /* (rows used - 1) (columns used - 1) */
    double p_value;      /* upper tail of chi-square(dof) at X^2; NAN when undefined */
    double cramers_v;    /* sqrt(X^2 / (n (min(rows used, columns used) - 1))) */
    double n;            /* total of the table */
    double min_expected; /* smallest expected count over the cells used (NAN when none) */
    size_t n_rows_used;  /* rows with a positive total */
    size_t n_cols_used;  /* columns with a positive total */
    const char *reason;  /* static phrase when undefined, else NULL */
} fa_chisq_test;

/*
 * Pearson's chi-square test of independence of the rows and columns of the n_rows x n_cols
 * table `table` (row-major, n_rows * n_cols non-negative finite counts, weighted counts as
 * they are). A row or column whose total is 0 carries no information and would make an
 * expected count 0: it is dropped, from the statistic and from the degrees of freedom
 * (as scipy's chi2_contingency would refuse such a table and R's chisq.test return NaN).
 * Undefined ("no rows", "fewer than two non-empty rows", "fewer than two non-empty columns")
 * when fewer than two rows or columns are left. FA_EDOMAIN on a negative or non-finite cell.
 */
int fa_stattest_chisq(fa_chisq_test *out, const double table[], size_t n_rows, size_t n_cols,
                      fa_error *err);

/*
 * The same for an n_rows x 2 table given as two columns (groups x outcomes: col0[g] and
 * col1[g] are group g's counts of the two outcomes).
 */
int fa_stattest_chisq_2col(fa_chisq_test *out, const double col0[], const double col1[],
                           size_t n_rows, fa_error *err);

/*
 * Holm's step-down correction: with the m non-NaN p-values sorted p_(1) <= ... <= p_(m),
 * adjusted p_(k) = min(1, max over j <= k of (m - j + 1) p_(j)) - monotone in p, tied
 * p-values get equal adjusted values, as R's p.adjust(p, "holm"). NaN p-values (tests that
 * could not be computed) stay NaN and are not counted in m. `adjusted` may be `p` (in place).
 * `work` is the caller's workspace of n indices; on return its first m entries are the
 * indices of the non-NaN p-values in ascending order of p (ties by index).
 * FA_EDOMAIN (nothing written) when a p-value is outside [0, 1].
 */
int fa_stattest_holm(double adjusted[], const double p[], size_t n, size_t work[], fa_error *err);

#endif
