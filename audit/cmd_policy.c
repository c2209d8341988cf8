/*
 * audit/cmd_policy.c - `fairaudit policy check POLICY.json` validates a policy alone (every
 * error with its JSON path); `fairaudit policy init` prints a starter policy.
 */
#include <stdio.h>
#include <string.h>

#include "audit/cli.h"
#include "audit/policy.h"

static const char STARTER[] =
    "{\n"
    "  \"comment\": [\"fairaudit policy: thresholds a model must meet. Reference groups are\",\n"
    "              \"the groups others are compared with; gates fail the audit (exit 1) when a\",\n"
    "              \"value breaks its bound, and are inconclusive (exit 4) when it cannot be\",\n"
    "              \"decided.\"],\n"
    "  \"reference\": {\"sex\": \"Male\"},\n"
    "  \"min_group_size\": 30,\n"
    "  \"inconclusive\": \"inconclusive\",\n"
    "  \"gates\": [\n"
    "    {\"name\": \"four_fifths\", \"metric\": \"selection_rate\", \"disparity\": \"ratio\",\n"
    "     \"against\": \"reference\", \"min\": 0.8,\n"
    "     \"comment\": \"every group selected at least 4/5 as often as the reference\"},\n"
    "    {\"name\": \"equalized_odds\", \"metric\": \"equalized_odds_difference\", \"max\": 0.1,\n"
    "     \"comment\": \"TPR and FPR differ by at most 0.1 between groups\"}\n"
    "  ]\n"
    "}\n";

static void usage(FILE *f)
{
    fputs("Usage: fairaudit policy check POLICY.json\n"
          "       fairaudit policy init\n\n"
          "check: validates a policy file; errors name their JSON path (exit 2), unknown keys\n"
          "       are warnings.\n"
          "init:  prints a starter policy (four-fifths rule, equalized odds difference <= 0.1,\n"
          "       min group size 30) on stdout.\n",
          f);
}

int fa_cmd_policy(int argc, char **argv)
{
    if (argc >= 2 && (strcmp(argv[1], "--help") == 0 || strcmp(argv[1], "-h") == 0)) {
        usage(stdout);
        return 0;
    }
    if (argc == 2 && strcmp(argv[1], "init") == 0) {
        fputs(STARTER, stdout);
        return 0;
    }
    if (argc == 3 && strcmp(argv[1], "check") == 0) {
        fa_error err;
        fa_error_clear(&err);
        fa_policy *p;
        if (fa_policy_load_json(&p, argv[2], &err) != FA_OK) {
            return fa_cli_report_error(&err);
        }
        for (size_t i = 0; i < fa_policy__n_warnings(p); i++) {
            fprintf(stderr, "%s\n", fa_policy__warning(p, i));
        }
        printf("%s: ok: %zu gate%s\n", argv[2], fa_policy_n_gates(p),
               fa_policy_n_gates(p) == 1 ? "" : "s");
        fa_policy_free(p);
        return 0;
    }
    return fa_cli_usage_error("policy: expected 'check POLICY.json' or 'init'");
}
