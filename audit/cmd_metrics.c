/*
 * audit/cmd_metrics.c - `fairaudit metrics [NAME]`: every metric and named summary with its
 * definition and the case where it is undefined, from the same tables the library computes
 * with (metrics/rates.c, metrics/summary.c), so the text cannot drift from the code.
 */
#include <stdio.h>
#include <string.h>

#include "audit/cli.h"
#include "metrics/summary.h"

static void conventions(void)
{
    puts("\nConventions:\n"
         "  Counts: TP, FP, TN, FN are weighted counts of (label, prediction) = (1,1), (0,1),\n"
         "  (0,0), (1,0); P = TP + FN, N = FP + TN, PP = TP + FP, PN = TN + FN, n = P + N.\n"
         "  Undefined: a rate whose denominator is 0 is undefined - null in JSON, '-' in the\n"
         "  summary, with the reason - never 0 (fairlearn reports 0 for a TPR without actual\n"
         "  positives, AIF360 0 for a PPV without predicted positives).\n"
         "  Disparities: difference = m(g) - m(reference), ratio = m(g) / m(reference)\n"
         "  (undefined when m(reference) = 0, never capped); between_groups: max - min and\n"
         "  min / max; to_overall: max |m(g) - m(all)| and min over g of min(q, 1/q),\n"
         "  q = m(g) / m(all). Groups below min_group_size or with the metric undefined are\n"
         "  left out of max/min and listed. within_tau (Aequitas): tau <= ratio <= 1/tau.\n"
         "  AIF360 pairwise (vs_reference, vs_rest): statistical_parity_difference,\n"
         "  disparate_impact, average_odds_difference = ((FPR(g)-FPR(r)) + (TPR(g)-TPR(r)))/2,\n"
         "  average_abs_odds_difference, equal_opportunity_difference = TPR(g) - TPR(r),\n"
         "  error_rate_difference / _ratio on 1 - accuracy.");
}

int fa_cmd_metrics(int argc, char **argv)
{
    if (argc > 2) {
        return fa_cli_usage_error("metrics: expected at most one metric name");
    }
    if (argc == 2 && (strcmp(argv[1], "--help") == 0 || strcmp(argv[1], "-h") == 0)) {
        puts("Usage: fairaudit metrics [NAME]\n\nLists every metric and named summary with its "
             "definition; with NAME, that one only.");
        return 0;
    }
    if (argc == 2) {
        int m = fa_metric_from_name(argv[1]);
        if (m >= 0) {
            printf("%s\n  %s\n", fa_metric_name((fa_metric)m), fa_metric_definition((fa_metric)m));
            return 0;
        }
        int s = fa_summary_from_name(argv[1]);
        if (s >= 0) {
            printf("%s\n  %s%s\n", fa_summary_name(s), fa_summary_definition(s),
                   s >= FA_SUMMARY_COUNT ? " (to_overall: each group against all rows)" : "");
            return 0;
        }
        return fa_cli_usage_error("metrics: unknown metric '%s'", argv[1]);
    }
    puts("Per-group metrics (per group and overall):");
    for (int m = 0; m < FA_METRIC_COUNT_ALL; m++) {
        printf("  %-26s %s\n", fa_metric_name((fa_metric)m), fa_metric_definition((fa_metric)m));
    }
    puts("\nNamed summaries (per attribute, between groups; each also as NAME_to_overall):");
    for (int s = 0; s < FA_SUMMARY_COUNT; s++) {
        printf("  %-30s %s\n", fa_summary_name(s), fa_summary_definition(s));
    }
    conventions();
    return 0;
}
