/*
 * audit/evidence.c - the statistical evidence behind an audit's disparities: for each
 * attribute, two-proportion tests of every group against the reference (Fisher's exact test
 * when an expected cell is below 5, METRICS.md), chi-square tests of independence of
 * prediction and group (over all rows, among actual positives for the TPR, among actual
 * negatives for the FPR), Holm's correction across every test of the audit, and the class
 * imbalance of the labels. All from the per-group counts already in the result.
 */
#include <assert.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "audit/evidence.h"
#include "common/alloc.h"
#include "common/error.h"
#include "metrics/individual.h"

/* x successes of n trials of tested rate k in counts c. */
static void trial(const fa_counts *c, int k, double *x, double *n)
{
    switch (k) {
    case FA_TEST_SELECTION:
        *x = c->tp + c->fp;
        *n = c->tp + c->fp + c->tn + c->fn;
        break;
    case FA_TEST_TPR:
        *x = c->tp;
        *n = c->tp + c->fn;
        break;
    default:
        *x = c->fp;
        *n = c->fp + c->tn;
        break;
    }
}

static int attr_tests(fa_attr_result *at, fa_error *err)
{
    assert(at->n_groups == 0 || at->groups != NULL);
    const fa_group_result *ref = at->reference >= 0 ? &at->groups[at->reference] : NULL;
    double *col0 = fa_alloc_array(at->n_groups, sizeof *col0);
    double *col1 = fa_alloc_array(at->n_groups, sizeof *col1);
    if (col0 == NULL || col1 == NULL) {
        free(col0);
        free(col1);
        return fa_error_set(err, FA_ENOMEM, NULL, 0, 0, "out of memory");
    }
    int st = FA_OK;
    for (int k = 0; k < FA_N_TESTED && st == FA_OK; k++) {
        double xr = 0, nr = 0;
        if (ref) {
            trial(&ref->counts, k, &xr, &nr);
        }
        for (size_t g = 0; g < at->n_groups && st == FA_OK; g++) {
            fa_group_result *gr = &at->groups[g];
            double x, n;
            trial(&gr->counts, k, &x, &n);
            col0[g] = x;
            col1[g] = n - x;
            if (ref == NULL || gr == ref) {
                memset(&gr->test[k], 0, sizeof gr->test[k]);
                gr->test[k].p_value = NAN;
                gr->test[k].statistic = NAN;
                gr->test[k].reason = "the reference group";
                continue;
            }
            st = fa_stattest_two_prop(&gr->test[k], x, n, xr, nr, NULL, err);
        }
        if (st == FA_OK) {
            st = fa_stattest_chisq_2col(&at->chisq[k], col0, col1, at->n_groups, err);
        }
    }
    free(col0);
    free(col1);
    return st;
}

static int attr_imbalance(fa_attr_result *at, fa_error *err)
{
    double *pos = fa_alloc_array(at->n_groups, sizeof *pos);
    double *neg = fa_alloc_array(at->n_groups, sizeof *neg);
    fa_imbalance_group *ig = fa_calloc_array(at->n_groups, sizeof *ig);
    if (pos == NULL || neg == NULL || ig == NULL) {
        free(pos);
        free(neg);
        free(ig);
        return fa_error_set(err, FA_ENOMEM, NULL, 0, 0, "out of memory");
    }
    for (size_t g = 0; g < at->n_groups; g++) {
        pos[g] = at->groups[g].counts.tp + at->groups[g].counts.fn;
        neg[g] = at->groups[g].counts.fp + at->groups[g].counts.tn;
    }
    fa_imbalance_options o = FA_IMBALANCE_OPTIONS_INIT;
    o.reference = at->reference;
    fa_population_share *pop =
        at->n_population ? fa_calloc_array(at->n_population, sizeof *pop) : NULL;
    const char **names = at->n_population ? fa_calloc_array(at->n_groups, sizeof *names) : NULL;
    if (at->n_population && (pop == NULL || names == NULL)) {
        free(pop);
        free(names);
        free(pos);
        free(neg);
        free(ig);
        return fa_error_set(err, FA_ENOMEM, NULL, 0, 0, "out of memory");
    }
    for (size_t i = 0; i < at->n_population; i++) {
        pop[i].group = at->population_groups[i];
        pop[i].share = at->population_shares[i];
    }
    for (size_t g = 0; names && g < at->n_groups; g++) {
        names[g] = at->groups[g].value;
    }
    o.population = pop;
    o.n_population = at->n_population;
    int st = fa_imbalance_compute(&at->imbalance, ig, pos, neg, (const char *const *)names,
                                  at->n_groups, &o, err);
    free(pop);
    free(names);
    for (size_t g = 0; st == FA_OK && g < at->n_groups; g++) {
        at->groups[g].imbalance = ig[g];
    }
    free(pos);
    free(neg);
    free(ig);
    return st;
}

/* A label-only audit tests no prediction. */
static int no_tests(fa_attr_result *at)
{
    for (int k = 0; k < FA_N_TESTED; k++) {
        memset(&at->chisq[k], 0, sizeof at->chisq[k]);
        at->chisq[k].statistic = at->chisq[k].p_value = at->chisq[k].cramers_v = NAN;
        at->chisq[k].reason = "no prediction column";
        for (size_t g = 0; g < at->n_groups; g++) {
            fa_prop_test *t = &at->groups[g].test[k];
            memset(t, 0, sizeof *t);
            t->statistic = t->p_value = NAN;
            t->reason = "no prediction column";
        }
    }
    return FA_OK;
}

/* Holm across every p-value of the audit: group tests and independence tests. */
static int adjust_all(fa_result *res, fa_error *err)
{
    size_t n = 0;
    for (size_t a = 0; a < res->n_attrs; a++) {
        n += (res->attrs[a].n_groups + 1) * FA_N_TESTED;
    }
    double *p = fa_alloc_array(n, sizeof *p);
    size_t *work = fa_alloc_array(n, sizeof *work);
    if (p == NULL || work == NULL) {
        free(p);
        free(work);
        return fa_error_set(err, FA_ENOMEM, NULL, 0, 0, "out of memory");
    }
    size_t i = 0;
    for (size_t a = 0; a < res->n_attrs; a++) {
        fa_attr_result *at = &res->attrs[a];
        for (int k = 0; k < FA_N_TESTED; k++) {
            p[i++] = at->chisq[k].p_value;
            for (size_t g = 0; g < at->n_groups; g++) {
                p[i++] = at->groups[g].test[k].p_value;
            }
        }
    }
    int st = fa_stattest_holm(p, p, n, work, err);
    i = 0;
    for (size_t a = 0; st == FA_OK && a < res->n_attrs; a++) {
        fa_attr_result *at = &res->attrs[a];
        for (int k = 0; k < FA_N_TESTED; k++) {
            at->chisq_adjusted[k] = p[i++];
            for (size_t g = 0; g < at->n_groups; g++) {
                at->groups[g].p_adjusted[k] = p[i++];
            }
        }
    }
    free(p);
    free(work);
    return st;
}

/* Individual fairness: the benefit b = pred - label + 1 is a function of the confusion cell,
 * so every index follows from counts (metrics/individual.c). */
static int individual(fa_result *res, fa_error *err)
{
    const char *np = "no prediction column";
    if (!res->has_pred) {
        res->gei = res->theil = res->cv = NAN;
        res->gei_why = res->theil_why = res->cv_why = np;
    } else {
        res->gei = fa_individual_gei(&res->overall, res->gei_alpha, &res->gei_why);
        res->theil = fa_individual_theil_index(&res->overall, &res->theil_why);
        res->cv = fa_individual_coefficient_of_variation(&res->overall, &res->cv_why);
    }
    for (size_t a = 0; a < res->n_attrs; a++) {
        fa_attr_result *at = &res->attrs[a];
        fa_counts *c = fa_alloc_array(at->n_groups, sizeof *c);
        if (c == NULL) {
            return fa_error_set(err, FA_ENOMEM, NULL, 0, 0, "out of memory");
        }
        for (size_t g = 0; g < at->n_groups; g++) {
            c[g] = at->groups[g].counts;
        }
        if (!res->has_pred) {
            at->gei_between = at->gei_within = at->theil_between = at->theil_within = NAN;
            at->gei_between_why = at->gei_within_why = np;
            at->theil_between_why = at->theil_within_why = np;
        } else {
            at->gei_between = fa_individual_between_group_gei(c, at->n_groups, res->gei_alpha,
                                                              &at->gei_between_why);
            at->gei_within = fa_individual_within_group_gei(c, at->n_groups, res->gei_alpha,
                                                            &at->gei_within_why);
            at->theil_between =
                fa_individual_between_group_gei(c, at->n_groups, 1.0, &at->theil_between_why);
            at->theil_within =
                fa_individual_within_group_gei(c, at->n_groups, 1.0, &at->theil_within_why);
        }
        free(c);
    }
    return FA_OK;
}

/* The count bootstrap of every attribute (metrics/bootstrap.c): each attribute draws its own
 * stream of the seed, so the result does not depend on the order or the thread count. */
static int bootstrap(fa_result *res, int threads, fa_error *err)
{
    for (size_t a = 0; a < res->n_attrs; a++) {
        fa_attr_result *at = &res->attrs[a];
        fa_counts *c = fa_alloc_array(at->n_groups, sizeof *c);
        if (c == NULL) {
            return fa_error_set(err, FA_ENOMEM, NULL, 0, 0, "out of memory");
        }
        for (size_t g = 0; g < at->n_groups; g++) {
            c[g] = at->groups[g].counts;
        }
        fa_bootstrap_options o = FA_BOOTSTRAP_OPTIONS_INIT;
        o.replicates = res->bootstrap;
        o.seed = res->seed;
        o.stream = a;
        o.level = res->confidence_level;
        o.method = res->boot_method == FA_BOOT_BCA ? FA_BOOTSTRAP_BCA : FA_BOOTSTRAP_PERCENTILE;
        o.min_group_size = res->min_group_size;
        o.threads = threads;
        int st = fa_bootstrap_compute(&at->boot, c, at->n_groups, at->reference, &o, err);
        free(c);
        if (st != FA_OK) {
            return st;
        }
    }
    return FA_OK;
}

int fa_evidence__compute(fa_result *res, int threads, fa_error *err)
{
    int st = individual(res, err);
    if (st == FA_OK && res->bootstrap > 0 && res->has_pred) {
        st = bootstrap(res, threads, err);
    }
    for (size_t a = 0; a < res->n_attrs && st == FA_OK; a++) {
        st = res->has_pred ? attr_tests(&res->attrs[a], err) : no_tests(&res->attrs[a]);
        if (st == FA_OK) {
            st = attr_imbalance(&res->attrs[a], err);
        }
    }
    return st == FA_OK ? adjust_all(res, err) : st;
}
