/*
 * audit/cmd_audit.c - `fairaudit audit`: parse options, read the policy, run the audit
 * through the library, write the JSON atomically, print the summary, exit with the verdict.
 * Every output is computed in full before anything is written, so bad input writes nothing.
 */
#include <errno.h>
#include <getopt.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "audit/audit_explain.h"
#include "audit/cli.h"
#include "audit/policy.h"
#include "common/error.h"
#include "common/sha256.h"

#define MAX_LIST 64
#define FA_CLI_DEFAULT_BOOTSTRAP 1000

typedef struct audit_args {
    fa_audit_options o;
    const char *input, *policy_path, *json_path;
    const char *groups[MAX_LIST];
    const char *ref_attrs[MAX_LIST], *ref_values[MAX_LIST];
    char *owned[2 * MAX_LIST]; /* strings split out of argv */
    size_t n_owned;
    int quiet;
    const char *junit_path, *sarif_path, *markdown_path, *baseline_path;
    int annotations;
    const char *pdf_path;
    fa_pdf_options pdf;
    char *command_line; /* as given, before getopt_long permutes argv */
    fa_audit_explain ex;
    const char *scorings[MAX_LIST];
} audit_args;

static void usage(FILE *f)
{
    fputs(
        "Usage: fairaudit audit PRED.csv --label COL [--pred COL] --group COL[,COL...] [OPTIONS]\n"
        "\n"
        "Audits a prediction file: every rate of 'fairaudit metrics' per group and overall,\n"
        "differences and ratios against a reference group, between groups and to the\n"
        "overall population, fairlearn and AIF360 named summaries, and the policy's gates.\n"
        "\n"
        "Columns:\n"
        "  --label COL            true label column (binary)\n"
        "  --pred COL             prediction column (binary); without it, --threshold T\n"
        "                         derives prediction = score >= T, and without both the\n"
        "                         audit covers the labels alone (a training set)\n"
        "  --threshold T          prediction = (score >= T), with --score\n"
        "  --score COL            score column (numeric; its mean is reported per group)\n"
        "  --score-metrics        with --score: ROC AUC (ties half), average precision,\n"
        "                         Brier score, log loss, calibration bins and ECE, and a\n"
        "                         threshold sweep per group (memory grows with the number\n"
        "                         of distinct scores); a score outside [0, 1] is bad input\n"
        "  --score-any-real       the score is not a probability (a margin, a rank): AUC,\n"
        "                         average precision, sweeps and cut-offs only\n"
        "  --top-k K              without --pred: the K highest scores are predicted\n"
        "                         positive (K of the weight with --weight), every row tied\n"
        "                         at the cut-off score included (so more may be); the JSON\n"
        "                         'cutoff' gives the score and what it selected\n"
        "  --top-percent P        the same for the top P % of the rows, P in (0, 100]\n"
        "  --group COL[,COL...]   sensitive attribute columns (repeatable)\n"
        "  --weight COL           row weights (non-negative numbers)\n"
        "  --positive VALUE       the positive class of label and prediction (default:\n"
        "                         1/true/yes against 0/false/no)\n"
        "  --delimiter C          field separator (default ','; 'tab' for a tab)\n"
        "Groups and references:\n"
        "  --intersect            also audit the intersection of the group columns\n"
        "  --reference COL=VALUE  reference group of an attribute (repeatable; default: the\n"
        "                         policy's, else the largest group)\n"
        "  --reference-rule RULE  largest (default) or min_metric (lowest selection rate)\n"
        "  --min-group-size N     groups with fewer rows are flagged and left out of\n"
        "                         summaries and gates (default: the policy's, else 30)\n"
        "  --tau X                Aequitas's tau for the within_tau flag (default 0.8)\n"
        "Uncertainty:\n"
        "  --confidence X         confidence level of every interval (default: the\n"
        "                         policy's confidence_level, else 0.95); tests are\n"
        "                         significant below 1 - X (Holm-adjusted)\n"
        "  --ci METHOD            per-group rate intervals: wilson (default) or\n"
        "                         clopper-pearson\n"
        "  --bootstrap B          replicates of the stratified count bootstrap behind the\n"
        "                         intervals of every disparity and summary (default 1000;\n"
        "                         0 turns it off)\n"
        "  --seed N               seed of the bootstrap (default 0): same seed, same bytes\n"
        "  --bca                  bias-corrected and accelerated intervals (default:\n"
        "                         percentile)\n",
        f);
    fputs("Attributions (permutation importance, 'fairaudit explain --help'):\n"
          "  --model MODEL          XGBoost JSON, LightGBM text or linear model JSON\n"
          "                         (docs/models.md)\n"
          "  --features-file X.csv  the model's features, row-aligned with PRED.csv; also\n"
          "                         (with or without --model) consistency(k): 1 - mean |yhat -\n"
          "                         mean yhat of the k nearest rows| over every column of\n"
          "                         X.csv standardised, exact search; past 200000 rows it is\n"
          "                         left undefined with a warning\n"
          "  --consistency-k K      neighbours of consistency (default: the policy's\n"
          "                         individual.consistency_k, else 5; K < rows)\n"
          "  --explain METHOD       permutation (the default), or Shapley values of the\n"
          "                         margin: tree (XGBoost; interventional with a background),\n"
          "                         linear, exact, kernel, sampling; one run per --group\n"
          "                         column: mean |phi|, per-group mean output and phi, each\n"
          "                         group's gap to the audit's reference split into\n"
          "                         per-feature terms that add up to it, with --bootstrap\n"
          "                         intervals over rows (stratified by group, --seed,\n"
          "                         --confidence), and 1000 sampled rows for a beeswarm\n"
          "  --background B.csv     Shapley: the background rows (needed by exact, kernel and\n"
          "                         sampling; linear without one: the model's scaler mean)\n"
          "  --background-size K    Shapley: the first K rows of X.csv as background\n"
          "  --nsamples N           kernel: coalitions, sampling: permutations per row\n"
          "  --match-by-position    a model file without feature names (XGBoost's f0..fN-1)\n"
          "                         takes the columns of X.csv in order\n"
          "  --scoring LIST         scorings, comma-separated (default: accuracy,\n"
          "                         demographic_parity_difference; a fairness scoring runs\n"
          "                         once per --group column)\n"
          "  --repeats R            shuffles per feature (default 5), seeded by --seed\n"
          "Policy and output:\n"
          "  --policy POLICY.json   gates to evaluate (see README, 'fairaudit policy init')\n"
          "  --json OUT.json        write the full result as JSON (atomically)\n"
          "  --baseline OLD.json    an earlier audit's JSON: gates with \"max_change\" or\n"
          "                         \"max_relative_change\" bound how much their value may\n"
          "                         worsen since then (it must audit the same attributes)\n"
          "  --junit OUT.xml        JUnit XML: a testcase per gate (failure, error, skipped)\n"
          "  --sarif OUT.sarif      SARIF 2.1.0: a result per failed or inconclusive gate\n"
          "  --markdown OUT.md      a Markdown summary (for a PR comment or a job summary)\n"
          "  --pdf OUT.pdf          the audit report for people: verdict, findings, gates,\n"
          "                         rates with intervals, charts, methodology (atomically;\n"
          "                         dated by $SOURCE_DATE_EPOCH when set: same bytes)\n"
          "  --paper a4|letter      paper size of the PDF (default a4)\n"
          "  --title TEXT           title of the PDF (default: the policy's title)\n"
          "  --annotations github   ::error/::warning lines on stderr per failing gate, and\n"
          "                         the Markdown summary appended to $GITHUB_STEP_SUMMARY\n"
          "  --quiet                no summary on stdout\n"
          "  --max-memory SIZE      the most memory the features file (--features-file) may\n"
          "                         take in memory, e.g. 512M, 8G (default 4G)\n"
          "  --threads N            threads for reading large files (default: all cores;\n"
          "                         the result is the same bytes whatever N)\n"
          "  --help                 this text\n"
          "\n",
          f);
    fa_cli_print_exit_codes(f);
}

static int parse_long(const char *s, const char *opt, long lo, long hi, long *out)
{
    char *end;
    errno = 0;
    long v = strtol(s, &end, 10);
    if (*s == '\0' || *end != '\0' || errno == ERANGE || v < lo || v > hi) {
        *out = lo; /* never used (callers stop on the error); the analyzer cannot see that */
        return fa_cli_usage_error("%s: expected an integer in [%ld, %ld], got '%s'", opt, lo, hi,
                                  s);
    }
    *out = v;
    return 0;
}

static int add_groups(audit_args *a, const char *list)
{
    char *copy = strdup(list);
    if (copy == NULL || a->n_owned >= (size_t)(2 * MAX_LIST)) {
        free(copy);
        return fa_cli_usage_error("--group: too many columns");
    }
    a->owned[a->n_owned++] = copy;
    for (char *save = NULL, *tok = strtok_r(copy, ",", &save); tok;
         tok = strtok_r(NULL, ",", &save)) {
        if (a->o.n_groups >= MAX_LIST) {
            return fa_cli_usage_error("--group: at most %d columns", MAX_LIST);
        }
        a->groups[a->o.n_groups++] = tok;
    }
    return 0;
}

static int add_reference(audit_args *a, const char *spec)
{
    const char *eq = strchr(spec, '=');
    if (eq == NULL || eq == spec) {
        return fa_cli_usage_error("--reference: expected COL=VALUE, got '%s'", spec);
    }
    char *copy = strdup(spec);
    if (copy == NULL || a->n_owned >= (size_t)(2 * MAX_LIST) || a->o.n_refs >= MAX_LIST) {
        free(copy);
        return fa_cli_usage_error("--reference: too many references");
    }
    a->owned[a->n_owned++] = copy;
    copy[eq - spec] = '\0';
    a->ref_attrs[a->o.n_refs] = copy;
    a->ref_values[a->o.n_refs] = copy + (eq - spec) + 1;
    a->o.n_refs++;
    return 0;
}

enum {
    OPT_LABEL = 256,
    OPT_PRED,
    OPT_SCORE,
    OPT_GROUP,
    OPT_WEIGHT,
    OPT_POSITIVE,
    OPT_DELIM,
    OPT_INTERSECT,
    OPT_REFERENCE,
    OPT_REFRULE,
    OPT_MINSIZE,
    OPT_TAU,
    OPT_POLICY,
    OPT_JSON,
    OPT_QUIET,
    OPT_MAX_MEMORY,
    OPT_THREADS,
    OPT_THRESHOLD,
    OPT_CONFIDENCE,
    OPT_CI,
    OPT_BOOTSTRAP,
    OPT_SEED,
    OPT_BCA,
    OPT_SCORE_METRICS,
    OPT_TOP_K,
    OPT_TOP_PERCENT,
    OPT_SCORE_ANY_REAL,
    OPT_CONSISTENCY_K,
    OPT_MODEL,
    OPT_FEATURES,
    OPT_EXPLAIN,
    OPT_SCORING,
    OPT_REPEATS,
    OPT_BACKGROUND,
    OPT_BACKGROUND_SIZE,
    OPT_BY_POSITION,
    OPT_NSAMPLES,
    OPT_JUNIT,
    OPT_SARIF,
    OPT_MARKDOWN,
    OPT_ANNOTATIONS,
    OPT_BASELINE,
    OPT_PDF,
    OPT_PAPER,
    OPT_TITLE,
    OPT_HELP
};

static const struct option LONG_OPTS[] = {
    {"label", required_argument, NULL, OPT_LABEL},
    {"pred", required_argument, NULL, OPT_PRED},
    {"score", required_argument, NULL, OPT_SCORE},
    {"group", required_argument, NULL, OPT_GROUP},
    {"weight", required_argument, NULL, OPT_WEIGHT},
    {"positive", required_argument, NULL, OPT_POSITIVE},
    {"delimiter", required_argument, NULL, OPT_DELIM},
    {"intersect", no_argument, NULL, OPT_INTERSECT},
    {"reference", required_argument, NULL, OPT_REFERENCE},
    {"reference-rule", required_argument, NULL, OPT_REFRULE},
    {"min-group-size", required_argument, NULL, OPT_MINSIZE},
    {"tau", required_argument, NULL, OPT_TAU},
    {"policy", required_argument, NULL, OPT_POLICY},
    {"json", required_argument, NULL, OPT_JSON},
    {"quiet", no_argument, NULL, OPT_QUIET},
    {"max-memory", required_argument, NULL, OPT_MAX_MEMORY},
    {"threads", required_argument, NULL, OPT_THREADS},
    {"threshold", required_argument, NULL, OPT_THRESHOLD},
    {"confidence", required_argument, NULL, OPT_CONFIDENCE},
    {"ci", required_argument, NULL, OPT_CI},
    {"bootstrap", required_argument, NULL, OPT_BOOTSTRAP},
    {"seed", required_argument, NULL, OPT_SEED},
    {"bca", no_argument, NULL, OPT_BCA},
    {"score-metrics", no_argument, NULL, OPT_SCORE_METRICS},
    {"top-k", required_argument, NULL, OPT_TOP_K},
    {"top-percent", required_argument, NULL, OPT_TOP_PERCENT},
    {"score-any-real", no_argument, NULL, OPT_SCORE_ANY_REAL},
    {"consistency-k", required_argument, NULL, OPT_CONSISTENCY_K},
    {"model", required_argument, NULL, OPT_MODEL},
    {"features-file", required_argument, NULL, OPT_FEATURES},
    {"explain", required_argument, NULL, OPT_EXPLAIN},
    {"scoring", required_argument, NULL, OPT_SCORING},
    {"repeats", required_argument, NULL, OPT_REPEATS},
    {"background", required_argument, NULL, OPT_BACKGROUND},
    {"background-size", required_argument, NULL, OPT_BACKGROUND_SIZE},
    {"match-by-position", no_argument, NULL, OPT_BY_POSITION},
    {"nsamples", required_argument, NULL, OPT_NSAMPLES},
    {"junit", required_argument, NULL, OPT_JUNIT},
    {"sarif", required_argument, NULL, OPT_SARIF},
    {"markdown", required_argument, NULL, OPT_MARKDOWN},
    {"annotations", required_argument, NULL, OPT_ANNOTATIONS},
    {"baseline", required_argument, NULL, OPT_BASELINE},
    {"pdf", required_argument, NULL, OPT_PDF},
    {"paper", required_argument, NULL, OPT_PAPER},
    {"title", required_argument, NULL, OPT_TITLE},
    {"help", no_argument, NULL, OPT_HELP},
    {NULL, 0, NULL, 0},
};

/* Returns -1 to go on, or an exit status. */
static int parse_option(audit_args *a, int c, const char *arg)
{
    switch (c) {
    case OPT_LABEL:
        a->o.label = arg;
        break;
    case OPT_PRED:
        a->o.pred = arg;
        break;
    case OPT_SCORE:
        a->o.score = arg;
        break;
    case OPT_WEIGHT:
        a->o.weight = arg;
        break;
    case OPT_POSITIVE:
        a->o.positive = arg;
        break;
    case OPT_GROUP:
        return add_groups(a, arg) ? FA_EXIT_USAGE : -1;
    case OPT_REFERENCE:
        return add_reference(a, arg) ? FA_EXIT_USAGE : -1;
    case OPT_INTERSECT:
        a->o.intersect = 1;
        break;
    case OPT_POLICY:
        a->policy_path = arg;
        break;
    case OPT_JSON:
        a->json_path = arg;
        break;
    case OPT_QUIET:
        a->quiet = 1;
        break;
    case OPT_MAX_MEMORY:
        if (fa_cli_parse_max_memory(arg, &a->o.csv.max_memory) != 0) {
            return FA_EXIT_USAGE;
        }
        break;
    case OPT_DELIM:
        if (strcmp(arg, "tab") == 0 || strcmp(arg, "\\t") == 0) {
            a->o.csv.delimiter = '\t';
        } else if (strlen(arg) == 1 && arg[0] != '"' && arg[0] != '\n' && arg[0] != '\r') {
            a->o.csv.delimiter = arg[0];
        } else {
            return fa_cli_usage_error("--delimiter: expected one character or 'tab', got '%s'",
                                      arg);
        }
        break;
    case OPT_REFRULE:
        if (strcmp(arg, "largest") == 0) {
            a->o.reference_rule = FA_REFERENCE_LARGEST;
        } else if (strcmp(arg, "min_metric") == 0) {
            a->o.reference_rule = FA_REFERENCE_MIN_METRIC;
        } else {
            return fa_cli_usage_error("--reference-rule: expected 'largest' or 'min_metric', "
                                      "got '%s'",
                                      arg);
        }
        break;
    case OPT_MINSIZE:
        return parse_long(arg, "--min-group-size", 0, 1000000000L, &a->o.min_group_size)
                   ? FA_EXIT_USAGE
                   : -1;
    case OPT_TAU: {
        char *end;
        errno = 0;
        double v = strtod(arg, &end);
        if (*arg == '\0' || *end != '\0' || errno == ERANGE || !(v > 0.0 && v <= 1.0)) {
            return fa_cli_usage_error("--tau: expected a number in (0, 1], got '%s'", arg);
        }
        a->o.tau = v;
        break;
    }
    case OPT_THREADS: {
        long t;
        if (parse_long(arg, "--threads", 0, 1024, &t)) {
            return FA_EXIT_USAGE;
        }
        a->o.threads = (int)t;
        break;
    }
    case OPT_THRESHOLD: {
        char *end;
        errno = 0;
        double v = strtod(arg, &end);
        if (*arg == '\0' || *end != '\0' || errno == ERANGE || !isfinite(v)) {
            return fa_cli_usage_error("--threshold: expected a number, got '%s'", arg);
        }
        a->o.threshold = v;
        break;
    }
    case OPT_TOP_K:
    case OPT_TOP_PERCENT: {
        char *end;
        errno = 0;
        double v = strtod(arg, &end);
        int k = c == OPT_TOP_K;
        if (*arg == '\0' || *end != '\0' || errno == ERANGE || !(v > 0.0 && isfinite(v)) ||
            (!k && v > 100.0)) {
            return fa_cli_usage_error(k ? "--top-k: expected a number > 0, got '%s'"
                                        : "--top-percent: expected a number in (0, 100], got '%s'",
                                      arg);
        }
        *(k ? &a->o.top_k : &a->o.top_percent) = v;
        break;
    }
    case OPT_SCORE_ANY_REAL:
        a->o.score_any_real = 1;
        break;
    case OPT_CONFIDENCE: {
        char *end;
        errno = 0;
        double v = strtod(arg, &end);
        if (*arg == '\0' || *end != '\0' || errno == ERANGE || !(v > 0.0 && v < 1.0)) {
            return fa_cli_usage_error("--confidence: expected a number in (0, 1), got '%s'", arg);
        }
        a->o.confidence_level = v;
        break;
    }
    case OPT_CI:
        if (strcmp(arg, "wilson") == 0) {
            a->o.ci_method = FA_CI_WILSON;
        } else if (strcmp(arg, "clopper-pearson") == 0) {
            a->o.ci_method = FA_CI_CLOPPER_PEARSON;
        } else {
            return fa_cli_usage_error("--ci: expected 'wilson' or 'clopper-pearson', got '%s'",
                                      arg);
        }
        break;
    case OPT_BOOTSTRAP: {
        long b;
        if (parse_long(arg, "--bootstrap", 0, 1000000L, &b)) {
            return FA_EXIT_USAGE;
        }
        a->o.bootstrap = (size_t)b;
        break;
    }
    case OPT_SEED: {
        char *end;
        errno = 0;
        unsigned long long v = strtoull(arg, &end, 10);
        if (*arg == '\0' || *arg == '-' || *end != '\0' || errno == ERANGE) {
            return fa_cli_usage_error("--seed: expected a non-negative integer, got '%s'", arg);
        }
        a->o.seed = (uint64_t)v;
        break;
    }
    case OPT_BCA:
        a->o.boot_method = FA_BOOT_BCA;
        break;
    case OPT_SCORE_METRICS:
        a->o.score_metrics = 1;
        break;
    case OPT_MODEL:
        a->ex.model_path = arg;
        break;
    case OPT_FEATURES:
        a->ex.features_path = arg;
        a->o.features_path = arg; /* consistency(k), with or without a model */
        break;
    case OPT_CONSISTENCY_K: {
        long k;
        if (parse_long(arg, "--consistency-k", 1, 1000000000L, &k)) {
            return FA_EXIT_USAGE;
        }
        a->o.consistency_k = (size_t)k;
        break;
    }
    case OPT_EXPLAIN:
        if (strcmp(arg, "permutation") != 0 && strcmp(arg, "tree") != 0 &&
            strcmp(arg, "linear") != 0 && strcmp(arg, "exact") != 0 && strcmp(arg, "kernel") != 0 &&
            strcmp(arg, "sampling") != 0) {
            return fa_cli_usage_error("--explain: expected permutation, tree, linear, exact, "
                                      "kernel or sampling, got '%s'",
                                      arg);
        }
        a->ex.method = arg;
        break;
    case OPT_BACKGROUND:
        a->ex.background_path = arg;
        break;
    case OPT_BY_POSITION:
        a->ex.by_position = 1;
        break;
    case OPT_BACKGROUND_SIZE:
    case OPT_NSAMPLES: {
        long k;
        const char *name = c == OPT_NSAMPLES ? "--nsamples" : "--background-size";
        if (parse_long(arg, name, 1, c == OPT_NSAMPLES ? 100000000L : 1000000L, &k)) {
            return FA_EXIT_USAGE;
        }
        *(c == OPT_NSAMPLES ? &a->ex.nsamples : &a->ex.background_size) = (size_t)k;
        break;
    }
    case OPT_SCORING: {
        char *copy = strdup(arg);
        if (copy == NULL || a->n_owned >= (size_t)(2 * MAX_LIST)) {
            free(copy);
            return fa_cli_usage_error("--scoring: too many values");
        }
        a->owned[a->n_owned++] = copy;
        a->ex.n_scorings = 0;
        for (char *save = NULL, *tok = strtok_r(copy, ",", &save); tok;
             tok = strtok_r(NULL, ",", &save)) {
            if (a->ex.n_scorings >= MAX_LIST) {
                return fa_cli_usage_error("--scoring: at most %d values", MAX_LIST);
            }
            if (fa_permutation_scoring_needs(tok) < 0) {
                return fa_cli_usage_error("--scoring: unknown scoring '%s'", tok);
            }
            a->scorings[a->ex.n_scorings++] = tok;
        }
        break;
    }
    case OPT_JUNIT:
        a->junit_path = arg;
        break;
    case OPT_BASELINE:
        a->baseline_path = arg;
        break;
    case OPT_SARIF:
        a->sarif_path = arg;
        break;
    case OPT_MARKDOWN:
        a->markdown_path = arg;
        break;
    case OPT_PDF:
        a->pdf_path = arg;
        break;
    case OPT_PAPER:
        if (strcmp(arg, "a4") == 0) {
            a->pdf.paper = FA_PAPER_A4;
        } else if (strcmp(arg, "letter") == 0) {
            a->pdf.paper = FA_PAPER_LETTER;
        } else {
            return fa_cli_usage_error("--paper: expected 'a4' or 'letter', got '%s'", arg);
        }
        break;
    case OPT_TITLE:
        a->pdf.title = arg;
        break;
    case OPT_ANNOTATIONS:
        if (strcmp(arg, "github") != 0) {
            return fa_cli_usage_error("--annotations: expected 'github', got '%s'", arg);
        }
        a->annotations = 1;
        break;
    case OPT_REPEATS: {
        long r;
        if (parse_long(arg, "--repeats", 1, 10000, &r)) {
            return FA_EXIT_USAGE;
        }
        a->ex.repeats = (size_t)r;
        break;
    }
    case OPT_HELP:
        usage(stdout);
        return 0;
    default:
        return FA_EXIT_USAGE; /* getopt printed the message */
    }
    return -1;
}

static int parse_args(audit_args *a, int argc, char **argv)
{
    optind = 1;
    opterr = 0;
    int c;
    while ((c = getopt_long(argc, argv, ":", LONG_OPTS, NULL)) != -1) {
        if (c == '?') {
            return fa_cli_usage_error("unknown option '%s'", argv[optind - 1]);
        }
        if (c == ':') {
            return fa_cli_usage_error("option '%s' needs a value", argv[optind - 1]);
        }
        int st = parse_option(a, c, optarg);
        if (st >= 0) {
            return st == 0 ? 0 : st;
        }
    }
    if (optind >= argc) {
        return fa_cli_usage_error("audit: missing the prediction file (PRED.csv)");
    }
    if (optind + 1 < argc) {
        return fa_cli_usage_error("audit: unexpected argument '%s'", argv[optind + 1]);
    }
    a->input = argv[optind];
    if (a->o.label == NULL) {
        return fa_cli_usage_error("audit: --label COL is required");
    }
    if (a->o.n_groups == 0) {
        return fa_cli_usage_error("audit: --group COL is required");
    }
    if (a->o.pred && !isnan(a->o.threshold)) {
        return fa_cli_usage_error("audit: give --pred or --threshold, not both");
    }
    if (a->ex.model_path != NULL && a->ex.features_path == NULL) {
        return fa_cli_usage_error("audit: --model and --features-file go together");
    }
    if (a->o.consistency_k > 0 && a->o.features_path == NULL) {
        return fa_cli_usage_error("audit: --consistency-k needs --features-file");
    }
    if (a->ex.method && a->ex.model_path == NULL) {
        return fa_cli_usage_error("audit: --explain needs --model and --features-file");
    }
    if (a->ex.background_path && a->ex.background_size > 0) {
        return fa_cli_usage_error("audit: give --background or --background-size, not both");
    }
    const char *xm = a->ex.method ? a->ex.method : "permutation";
    const int needs_bg =
        strcmp(xm, "exact") == 0 || strcmp(xm, "kernel") == 0 || strcmp(xm, "sampling") == 0;
    if ((a->ex.background_path || a->ex.background_size > 0) && strcmp(xm, "permutation") == 0) {
        return fa_cli_usage_error("audit: --background and --background-size go with a "
                                  "Shapley --explain method");
    }
    if (needs_bg && a->ex.background_path == NULL && a->ex.background_size == 0) {
        return fa_cli_usage_error("audit: --explain %s needs --background B.csv or "
                                  "--background-size K",
                                  xm);
    }
    if (a->ex.nsamples > 0 && strcmp(xm, "kernel") != 0 && strcmp(xm, "sampling") != 0) {
        return fa_cli_usage_error("audit: --nsamples goes with --explain kernel or sampling");
    }
    if (a->o.score_metrics && a->o.score == NULL) {
        return fa_cli_usage_error("audit: --score-metrics needs --score");
    }
    if ((a->o.top_k > 0.0 || a->o.top_percent > 0.0) &&
        (a->o.score == NULL || a->o.pred != NULL || !isnan(a->o.threshold) ||
         (a->o.top_k > 0.0 && a->o.top_percent > 0.0))) {
        return fa_cli_usage_error("audit: --top-k and --top-percent need --score, and exclude "
                                  "--pred, --threshold and each other");
    }
    if (!isnan(a->o.threshold) && a->o.score == NULL) {
        return fa_cli_usage_error("audit: --threshold needs --score");
    }
    return -1;
}

/* GitHub: annotations on stderr, and the Markdown summary appended to $GITHUB_STEP_SUMMARY. */
static int ci_outputs(const fa_result *res, fa_error *err)
{
    int st = fa_result_write_annotations(res, stderr, err);
    const char *summary = getenv("GITHUB_STEP_SUMMARY");
    if (st == FA_OK && summary && *summary) {
        FILE *f = fopen(summary, "a");
        if (f == NULL) {
            return fa_error_set(err, FA_EIO, summary, 0, 0, "cannot open GITHUB_STEP_SUMMARY: %s",
                                strerror(errno));
        }
        st = fa_result_write_markdown_stream(res, f, err);
        if (fclose(f) != 0 && st == FA_OK) {
            st = fa_error_set(err, FA_EIO, summary, 0, 0, "cannot write GITHUB_STEP_SUMMARY");
        }
    }
    return st;
}

/* "fairaudit audit ..." with each argument quoted for a POSIX shell when it needs it. */
static char *command_line(int argc, char **argv)
{
    size_t cap = 16;
    for (int i = 0; i < argc; i++) {
        cap += 4 * strlen(argv[i]) + 3;
    }
    char *s = malloc(cap), *o = s;
    if (s == NULL) {
        return NULL;
    }
    o += sprintf(o, "fairaudit");
    for (int i = 0; i < argc; i++) {
        const char *v = argv[i];
        int plain = *v != '\0' && strspn(v, "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ"
                                            "0123456789_./,=:@%+-") == strlen(v);
        *o++ = ' ';
        if (plain) {
            o += sprintf(o, "%s", v);
            continue;
        }
        *o++ = '\'';
        for (; *v; v++) {
            if (*v == '\'') {
                memcpy(o, "'\\''", 4);
                o += 4;
            } else {
                *o++ = *v;
            }
        }
        *o++ = '\'';
        *o = '\0';
    }
    return s;
}

/* What the report's reproducibility section shows: the policy's title, the command line, the
 * input's size and SHA-256. */
static int provenance(fa_result *res, const audit_args *a, const fa_policy *policy, fa_error *err)
{
    if ((policy && policy->title && (res->policy_title = strdup(policy->title)) == NULL) ||
        a->command_line == NULL || (res->command_line = strdup(a->command_line)) == NULL) {
        return fa_error_set(err, FA_ENOMEM, NULL, 0, 0, "out of memory");
    }
    /* the input's hash costs a second read (~0.4 s for 170 MB): only for the outputs that
     * record it */
    if (a->json_path || a->pdf_path) {
        return fa_sha256_file(res->input_sha256, &res->input_bytes, a->input, err);
    }
    return FA_OK;
}

static int run(audit_args *a)
{
    const char *outs[] = {a->json_path, a->junit_path, a->sarif_path, a->markdown_path,
                          a->pdf_path};
    const char *ins[] = {a->input,         a->policy_path,      a->baseline_path,
                         a->ex.model_path, a->ex.features_path, a->ex.background_path};
    if (fa_cli_refuse_overwriting_inputs(outs, sizeof outs / sizeof outs[0], ins,
                                         sizeof ins / sizeof ins[0]) != 0) {
        return FA_EXIT_USAGE;
    }
    fa_error err;
    fa_error_clear(&err);
    fa_policy *policy = NULL;
    fa_result *res = NULL;
    int status;
    if (a->policy_path && fa_policy_load_json(&policy, a->policy_path, &err) != FA_OK) {
        return fa_cli_report_error(&err);
    }
    for (size_t i = 0; policy && i < fa_policy__n_warnings(policy); i++) {
        fprintf(stderr, "%s\n", fa_policy__warning(policy, i));
    }
    a->ex.pred_path = a->input;
    fa_baseline *baseline = NULL;
    if (a->baseline_path && fa_baseline_load_json(&baseline, a->baseline_path, &err) != FA_OK) {
        fa_policy_free(policy);
        return fa_cli_report_error(&err);
    }
    a->o.baseline = baseline;
    if (fa_audit_csv(&res, a->input, &a->o, policy, &err) != FA_OK ||
        (a->ex.model_path && fa_audit_explain_run(res, &a->ex, &a->o, &err) != FA_OK) ||
        provenance(res, a, policy, &err) != FA_OK) {
        status = fa_cli_report_error(&err);
    } else if ((a->pdf_path && fa_report_pdf_write(res, &a->pdf, a->pdf_path, &err) != FA_OK) ||
               (a->json_path && fa_result_write_json(res, a->json_path, &err) != FA_OK) ||
               (a->junit_path && fa_result_write_junit(res, a->junit_path, &err) != FA_OK) ||
               (a->sarif_path && fa_result_write_sarif(res, a->sarif_path, &err) != FA_OK) ||
               (a->markdown_path &&
                fa_result_write_markdown(res, a->markdown_path, &err) != FA_OK) ||
               (a->annotations && ci_outputs(res, &err) != FA_OK)) {
        status = fa_cli_report_error(&err);
    } else {
        if (!a->quiet && fa_result_write_text(res, stdout, &err) != FA_OK) {
            status = fa_cli_report_error(&err);
        } else {
            status = fa_result_exit_status(res);
        }
    }
    fa_result_free(res);
    fa_policy_free(policy);
    fa_baseline_free(baseline);
    return status;
}

int fa_cmd_audit(int argc, char **argv)
{
    audit_args a;
    memset(&a, 0, sizeof a);
    fa_audit_options init = FA_AUDIT_OPTIONS_INIT;
    a.o = init;
    a.o.groups = a.groups;
    a.o.ref_attrs = a.ref_attrs;
    a.o.ref_values = a.ref_values;
    a.o.log = fa_cli_log;
    a.o.bootstrap = FA_CLI_DEFAULT_BOOTSTRAP;
    static const char *const DEFAULT_SCORINGS[] = {"accuracy", "demographic_parity_difference"};
    for (size_t i = 0; i < 2; i++) {
        a.scorings[i] = DEFAULT_SCORINGS[i];
    }
    a.ex.scorings = a.scorings;
    a.ex.n_scorings = 2;
    a.ex.repeats = FA_PERMUTATION_DEFAULT_REPEATS;
    fa_pdf_options pdf = FA_PDF_OPTIONS_INIT;
    a.pdf = pdf;
    a.command_line = command_line(argc, argv);
    int st = parse_args(&a, argc, argv);
    if (st < 0) {
        st = run(&a);
    }
    for (size_t i = 0; i < a.n_owned; i++) {
        free(a.owned[i]);
    }
    free(a.command_line);
    return st;
}
