/*
 * audit/cmd_demo.c - `fairaudit demo [--out DIR] [--data DIR]`: the whole audit on the bundled
 * loan-decision fixture (fixtures/loans.csv, made by fixtures/gen_loans.c, with a documented
 * injected disparity against women) under the demo policy; writes DIR/audit.json and exits
 * with the policy's verdict (1: the injected disparity fails the four-fifths rule).
 */
#include <errno.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>

#include "audit/cli.h"

#ifndef FA_DATADIR
#define FA_DATADIR "fixtures"
#endif

int fa_cmd_demo(int argc, char **argv)
{
    const char *out = "out/demo", *data = FA_DATADIR;
    for (int i = 1; i < argc; i++) {
        if (strcmp(argv[i], "--help") == 0 || strcmp(argv[i], "-h") == 0) {
            puts("Usage: fairaudit demo [--out DIR] [--data DIR]\n\n"
                 "Audits the bundled synthetic loan decisions (DIR/loans.csv, default data dir\n"
                 "'" FA_DATADIR "') by sex and age band under DIR/demo_policy.json, prints the\n"
                 "summary, writes OUT/audit.json (default out/demo) and exits with the verdict.");
            return 0;
        }
        if ((strcmp(argv[i], "--out") == 0 || strcmp(argv[i], "--data") == 0) && i + 1 < argc) {
            if (argv[i][2] == 'o') {
                out = argv[++i];
            } else {
                data = argv[++i];
            }
            continue;
        }
        return fa_cli_usage_error("demo: unknown argument '%s'", argv[i]);
    }
    char input[4096], policy[4096], json[4096];
    snprintf(input, sizeof input, "%s/loans.csv", data);
    snprintf(policy, sizeof policy, "%s/demo_policy.json", data);
    snprintf(json, sizeof json, "%s/audit.json", out);
    /* create OUT and its parent (out/demo) */
    char dir[4096];
    snprintf(dir, sizeof dir, "%s", out);
    for (char *p = dir + 1; *p; p++) {
        if (*p == '/') {
            *p = '\0';
            (void)mkdir(dir, 0755);
            *p = '/';
        }
    }
    if (mkdir(dir, 0755) != 0 && errno != EEXIST) {
        fprintf(stderr, "%s: error: cannot create directory: %s\n", out, strerror(errno));
        return FA_EXIT_USAGE;
    }
    const char *const cargs[] = {"audit",    input,          "--label",     "repaid",
                                 "--pred",   "approved",     "--score",     "score",
                                 "--group",  "sex,age_band", "--intersect", "--score-metrics",
                                 "--policy", policy,         "--json",      json};
    enum { N_ARGS = sizeof cargs / sizeof cargs[0] };
    /* getopt wants writable strings: copy the arguments into one buffer */
    static const size_t STORE = 3 * 4096 + 256;
    char store[3 * 4096 + 256], *args[N_ARGS + 1];
    size_t o = 0;
    for (size_t i = 0; i < N_ARGS; i++) {
        size_t len = strlen(cargs[i]) + 1;
        if (o + len > STORE) {
            return fa_cli_usage_error("demo: paths too long");
        }
        memcpy(store + o, cargs[i], len);
        args[i] = store + o;
        o += len;
    }
    args[N_ARGS] = NULL;
    int n = N_ARGS;
    printf("fairaudit demo: auditing %s with %s\n\n", input, policy);
    fflush(stdout);
    int st = fa_cmd_audit(n, args);
    if (st <= 1 || st == 4) {
        printf("\nwrote %s\n", json);
    }
    return st;
}
