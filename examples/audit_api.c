/*
 * audit_api.c - a fairness audit of a prediction file through the public API of libfairaudit.
 *
 *   audit_api [-j] FILE LABEL PRED GROUP[,GROUP...] [POLICY]
 *
 * Audits FILE under the POLICY (if given), prints each group's selection rate and true positive
 * rate and each attribute's demographic_parity_ratio (with -j: the whole result as JSON), and
 * exits with the audit's status: 0 passed, 1 a gate failed, 4 inconclusive, 2 bad usage or
 * input. Warnings (skipped rows, a group column with one value) go to stderr.
 */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "include/fairaudit.h"

static void on_warning(fa_log_level level, const char *msg, void *payload)
{
    (void)level, (void)payload;
    fprintf(stderr, "%s\n", msg);
}

static int report_error(const fa_error *err)
{
    char buf[2048];
    fa_error_format(buf, sizeof buf, err);
    fprintf(stderr, "audit_api: %s\n", buf);
    return 2;
}

/* A value with 6 decimals, or "undefined (why)": an undefined metric is never a number. */
static void print_value(const char *name, double v, const char *why)
{
    if (isnan(v)) {
        printf("  %s undefined (%s)", name, why);
    } else {
        printf("  %s %.6f", name, v);
    }
}

static const char *const VERDICTS[] = {"passed", "failed", "", "", "inconclusive"}; /* 0 1 4 */

static void print_summary(const fa_result *res)
{
    for (size_t a = 0; a < fa_result_n_attrs(res); a++) {
        const char *ref = fa_result_reference(res, a);
        printf("%s (reference %s)\n", fa_result_attr_name(res, a), ref ? ref : "none");
        for (size_t g = 0; g < fa_result_n_groups(res, a); g++) {
            const char *why;
            printf("  %-24s", fa_result_group_value(res, a, g));
            double sr = fa_result_group_metric(res, a, g, FA_METRIC_SELECTION_RATE, &why);
            print_value("selection_rate", sr, why);
            double tpr = fa_result_group_metric(res, a, g, FA_METRIC_TRUE_POSITIVE_RATE, &why);
            print_value("true_positive_rate", tpr, why);
            printf("\n");
        }
        print_value("demographic_parity_ratio",
                    fa_result_summary(res, a, "demographic_parity_ratio"),
                    "fewer than two comparable groups");
        printf("\n");
    }
    for (size_t i = 0; i < fa_result_n_gates(res); i++) {
        const char *name;
        double value;
        fa_verdict v = fa_result_gate(res, i, &name, &value);
        printf("gate %s: %s", name, VERDICTS[v]);
        print_value("value", value, "not computed");
        printf("\n");
    }
    printf("exit status %d\n", fa_result_exit_status(res));
}

int main(int argc, char **argv)
{
    int json = argc > 1 && strcmp(argv[1], "-j") == 0;
    char **args = argv + 1 + json;
    int n_args = argc - 1 - json;
    if (n_args < 4 || n_args > 5) {
        fprintf(stderr, "usage: audit_api [-j] FILE LABEL PRED GROUP[,GROUP...] [POLICY]\n");
        return 2;
    }
    const char *groups[16];
    size_t n_groups = 0;
    for (char *s = args[3]; s != NULL && n_groups < sizeof groups / sizeof *groups;) {
        groups[n_groups++] = s; /* split "sex,age_band" in place */
        if ((s = strchr(s, ',')) != NULL) {
            *s++ = '\0';
        }
    }
    fa_error err;
    fa_error_clear(&err);
    fa_policy *policy = NULL;
    if (n_args == 5 && fa_policy_load_json(&policy, args[4], &err) != FA_OK) {
        return report_error(&err);
    }
    fa_audit_options opts = FA_AUDIT_OPTIONS_INIT;
    opts.label = args[1];
    opts.pred = args[2];
    opts.groups = groups;
    opts.n_groups = n_groups;
    opts.log = on_warning;
    fa_result *res;
    int status = fa_audit_csv(&res, args[0], &opts, policy, &err);
    fa_policy_free(policy);
    if (status != FA_OK) {
        return report_error(&err);
    }
    char *text = NULL;
    if (json && (status = fa_result_to_json_string(&text, res, &err)) == FA_OK) {
        fputs(text, stdout); /* the whole result, byte-identical for the same input */
        free(text);
    } else if (!json) {
        print_summary(res);
    }
    status = status == FA_OK ? fa_result_exit_status(res) : report_error(&err);
    fa_result_free(res);
    return status;
}
