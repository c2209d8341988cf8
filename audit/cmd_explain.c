/*
 * audit/cmd_explain.c - `fairaudit explain`: feature attributions of a model on a data matrix.
 * --method permutation is here (explain/permutation.c); tree, linear and exact Shapley values
 * are in audit/cmd_shap.c; kernel and sampling are
 * usage errors ("not available yet") until they land.
 *
 * Reads the model, the data and the optional row-aligned label and group files, matches the
 * model's features to the data's columns by name (XGBoost models fitted on a plain matrix
 * carry no names, only f0, f1, ...: their features are then the data's columns in order),
 * runs the library, and only when everything succeeded writes the outputs (JSON summary, CSV
 * of every repeat) atomically and prints the ranked table. Bad input writes nothing.
 */
#include <errno.h>
#include <getopt.h>
#include <math.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include <cjson/cJSON.h>

#include "audit/cli.h"
#include "audit/extmodel.h"
#include "common/alloc.h"
#include "common/error.h"
#include "common/fileio.h"
#include "common/jsoncheck.h"
#include "common/text.h"

/* The dispatch table of audit/main.c calls this; declared here until audit/cli.h does. */
int fa_cmd_explain(int argc, char **argv);

/* Largest feature-groups file read (the shared encodings are a few kB). */
#define GROUPS_FILE_MAX ((size_t)64 << 20)
/* Names listed in a warning before "and N more". */
#define WARN_LISTED 10
/* Widest feature-name column of the printed table (longer names are cut). */
#define NAME_WIDTH_MAX 64

typedef struct explain_args {
    const char *method, *model, *data, *label, *labels_file, *group, *groups_file;
    const char *scoring, *feature_groups, *json_path, *out_path, *max_samples;
    const char *feature_names; /* --feature-names a,b,c: names for a model file without */
    fa_permutation_options o;
    int quiet;
    int by_position;   /* --match-by-position */
    size_t max_memory; /* --max-memory (0: the default) */
} explain_args;

/* Everything a run owns, freed in one place. */
typedef struct explain_run {
    fa_model *model;
    fa_table *data, *labels, *groups; /* labels and groups: NULL when they are in data */
    size_t p, n;
    size_t *col_of;   /* model feature -> data column */
    char **col_names; /* the data column of each model feature, kept once the tables go */
    double *x, *y;
    int32_t *g;
    size_t *members, *sizes; /* feature groups */
    char **group_names;
    size_t n_fgroups, n_members;
    fa_permutation_result *res;
} explain_run;

static void usage(FILE *f)
{
    fputs("Usage: fairaudit explain --method permutation --model MODEL --data X.csv\n"
          "                         --label COL [OPTIONS]\n"
          "\n"
          "Explains a model on a data matrix. Permutation importance: how much a score changes\n"
          "when one feature's values (or a group of features, moved together) are shuffled\n"
          "across rows; importance = score(original) - score(shuffled), mean and standard\n"
          "deviation (ddof 0) over the repeats. The model's features are matched to the\n"
          "columns of X.csv by name, never by position (a model file without feature names\n"
          "needs --feature-names or --match-by-position); columns the model does not use are\n"
          "listed in a warning.\n"
          "\n"
          "Input:\n"
          "  --method METHOD          permutation; tree, linear, exact, kernel and sampling\n"
          "                           are Shapley values ('fairaudit explain --method kernel\n"
          "                           --help')\n"
          "  --model MODEL            XGBoost JSON (Booster.save_model), LightGBM text\n"
          "                           (save_model(\"m.txt\")) or a linear model JSON;\n"
          "                           or cmd:PROGRAM ARG... an external model (no shell) fed\n"
          "                           the data's other columns as CSV on stdin, answering one\n"
          "                           probability per row (docs/models.md)\n"
          "  --data X.csv             the feature matrix, one row per example, with a header\n"
          "  --label COL              true label column (0/1, true/false, yes/no), in X.csv or\n"
          "                           in --labels-file\n"
          "  --labels-file Y.csv      a file holding --label, row-aligned with X.csv\n"
          "  --group COL              sensitive attribute column, for the fairness scorings, in\n"
          "                           X.csv or in --groups-file\n"
          "  --groups-file G.csv      a file holding --group, row-aligned with X.csv\n"
          "  --feature-names A,B,...  names for the features of a model file that has none\n"
          "                           (XGBoost's f0..fN-1), in the model's order; then matched\n"
          "                           by name. Or FILE.json: an array of names, or an object\n"
          "                           with \"feature_names\" (a <ds>_encoding.json)\n",
          f);
    fputs(
        "  --match-by-position      a model file without feature names takes the columns of\n"
        "                           X.csv other than --label and --group, in order (what\n"
        "                           XGBoost does with a plain matrix; a warning says so)\n"
        "Permutation importance:\n"
        "  --scoring NAME           accuracy (default), balanced_accuracy, roc_auc, log_loss,\n"
        "                           brier, or a fairness summary over --group:\n"
        "                           demographic_parity_difference, demographic_parity_ratio,\n"
        "                           equalized_odds_difference, equal_opportunity_difference,\n"
        "                           ... ('fairaudit metrics' lists them; _to_overall too).\n"
        "                           Losses: importance = loss(shuffled) - loss(original).\n"
        "                           Summaries: importance = summary(original) -\n"
        "                           summary(shuffled); for a difference, a positive value is\n"
        "                           the part of the gap that flows through the feature; for\n"
        "                           a ratio the sign is reversed\n"
        "  --repeats R              shuffles per feature (default 5)\n"
        "  --seed S                 random seed, 0 to 2^64-1 (default 0); the result does not\n"
        "                           depend on --threads\n"
        "  --feature-groups FILE    JSON {\"name\": [\"col\", ...], ...}, or a file with such an\n"
        "                           object under \"feature_groups\" (a <ds>_encoding.json):\n"
        "                           each group is shuffled together, and only the groups are\n"
        "                           reported\n"
        "  --max-samples N          score a subsample of N rows (or a fraction in (0, 1] of\n"
        "                           the rows), drawn once from the seed without replacement\n"
        "  --threads N              threads (default 0: all cores)\n"
        "Output:\n"
        "  --json OUT.json          {\"method\", \"scoring\", \"baseline\", \"repeats\", "
        "\"seed\",\n"
        "                           \"rows\", \"importances\": [{\"feature\", \"mean\", \"std\",\n"
        "                           \"values\"}]}, in feature order (written atomically)\n"
        "  --out VALUES.csv         feature,mean,std,value_1..value_R (written atomically)\n"
        "  --quiet                  no table on stdout\n"
        "  --max-memory SIZE        the most memory the data may take in memory, e.g. 512M,\n"
        "                           8G (default 4G); past it: exit 2 with the reason\n"
        "  --help                   this text\n"
        "\n"
        "stdout: the features ranked by mean importance. An undefined score (roc_auc with one\n"
        "class, a summary with fewer than two groups) is 'undefined' here and null in JSON.\n"
        "\n",
        f);
    fa_cli_print_exit_codes(f);
}

/* ------------------------------------------------------------------ options */

static int parse_u64(const char *s, const char *opt, uint64_t lo, uint64_t hi, uint64_t *out)
{
    char *end;
    errno = 0;
    unsigned long long v = strtoull(s, &end, 10);
    if (*s == '\0' || *s == '-' || *s == '+' || *end != '\0' || errno == ERANGE || v < lo ||
        v > hi) {
        return fa_cli_usage_error("%s: expected an integer in [%llu, %llu], got '%s'", opt,
                                  (unsigned long long)lo, (unsigned long long)hi, s);
    }
    *out = (uint64_t)v;
    return 0;
}

enum {
    OPT_METHOD = 256,
    OPT_MODEL,
    OPT_DATA,
    OPT_LABEL,
    OPT_LABELS_FILE,
    OPT_GROUP,
    OPT_GROUPS_FILE,
    OPT_SCORING,
    OPT_REPEATS,
    OPT_SEED,
    OPT_FEATURE_GROUPS,
    OPT_MAX_SAMPLES,
    OPT_THREADS,
    OPT_JSON,
    OPT_OUT,
    OPT_QUIET,
    OPT_MAX_MEMORY,
    OPT_FEATURE_NAMES,
    OPT_BY_POSITION,
    OPT_HELP
};

static const struct option LONG_OPTS[] = {
    {"method", required_argument, NULL, OPT_METHOD},
    {"model", required_argument, NULL, OPT_MODEL},
    {"data", required_argument, NULL, OPT_DATA},
    {"label", required_argument, NULL, OPT_LABEL},
    {"labels-file", required_argument, NULL, OPT_LABELS_FILE},
    {"group", required_argument, NULL, OPT_GROUP},
    {"groups-file", required_argument, NULL, OPT_GROUPS_FILE},
    {"scoring", required_argument, NULL, OPT_SCORING},
    {"repeats", required_argument, NULL, OPT_REPEATS},
    {"seed", required_argument, NULL, OPT_SEED},
    {"feature-groups", required_argument, NULL, OPT_FEATURE_GROUPS},
    {"max-samples", required_argument, NULL, OPT_MAX_SAMPLES},
    {"threads", required_argument, NULL, OPT_THREADS},
    {"json", required_argument, NULL, OPT_JSON},
    {"out", required_argument, NULL, OPT_OUT},
    {"quiet", no_argument, NULL, OPT_QUIET},
    {"max-memory", required_argument, NULL, OPT_MAX_MEMORY},
    {"feature-names", required_argument, NULL, OPT_FEATURE_NAMES},
    {"match-by-position", no_argument, NULL, OPT_BY_POSITION},
    {"help", no_argument, NULL, OPT_HELP},
    {NULL, 0, NULL, 0},
};

/* Returns -1 to go on, or an exit status. */
static int parse_option(explain_args *a, int c, const char *arg)
{
    uint64_t v = 0;
    switch (c) {
    case OPT_METHOD:
        a->method = arg;
        break;
    case OPT_MODEL:
        a->model = arg;
        break;
    case OPT_DATA:
        a->data = arg;
        break;
    case OPT_LABEL:
        a->label = arg;
        break;
    case OPT_LABELS_FILE:
        a->labels_file = arg;
        break;
    case OPT_GROUP:
        a->group = arg;
        break;
    case OPT_GROUPS_FILE:
        a->groups_file = arg;
        break;
    case OPT_SCORING:
        a->scoring = arg;
        break;
    case OPT_FEATURE_GROUPS:
        a->feature_groups = arg;
        break;
    case OPT_MAX_SAMPLES:
        a->max_samples = arg;
        break;
    case OPT_JSON:
        a->json_path = arg;
        break;
    case OPT_OUT:
        a->out_path = arg;
        break;
    case OPT_QUIET:
        a->quiet = 1;
        break;
    case OPT_MAX_MEMORY:
        if (fa_cli_parse_max_memory(arg, &a->max_memory) != 0) {
            return FA_EXIT_USAGE;
        }
        break;
    case OPT_FEATURE_NAMES:
        a->feature_names = arg;
        break;
    case OPT_BY_POSITION:
        a->by_position = 1;
        break;
    case OPT_REPEATS:
        if (parse_u64(arg, "--repeats", 1, 1000000, &v)) {
            return FA_EXIT_USAGE;
        }
        a->o.repeats = (size_t)v;
        break;
    case OPT_SEED:
        if (parse_u64(arg, "--seed", 0, UINT64_MAX, &v)) {
            return FA_EXIT_USAGE;
        }
        a->o.seed = v;
        break;
    case OPT_THREADS:
        if (parse_u64(arg, "--threads", 0, 1024, &v)) {
            return FA_EXIT_USAGE;
        }
        a->o.threads = (int)v;
        break;
    case OPT_HELP:
        usage(stdout);
        return 0;
    default:
        return FA_EXIT_USAGE;
    }
    return -1;
}

static int check_method(const char *method)
{
    static const char *const LATER[] = {"kernel", "sampling"};
    if (method == NULL) {
        return fa_cli_usage_error("explain: --method is required (permutation)");
    }
    if (strcmp(method, "permutation") == 0) {
        return -1;
    }
    for (size_t i = 0; i < sizeof LATER / sizeof LATER[0]; i++) {
        if (strcmp(method, LATER[i]) == 0) {
            return fa_cli_usage_error("explain: --method %s is not available yet (permutation, "
                                      "tree, linear and exact are)",
                                      method);
        }
    }
    return fa_cli_usage_error("explain: unknown method '%s' (expected permutation, tree, exact, "
                              "kernel, sampling or linear)",
                              method);
}

/* The checks that need no file. Returns -1 to go on, or an exit status. */
static int check_args(explain_args *a)
{
    int st = check_method(a->method);
    if (st >= 0) {
        return st;
    }
    if (a->model == NULL) {
        return fa_cli_usage_error("explain: --model MODEL is required");
    }
    if (a->data == NULL) {
        return fa_cli_usage_error("explain: --data X.csv is required");
    }
    int needs = fa_permutation_scoring_needs(a->scoring);
    if (needs < 0) {
        return fa_cli_usage_error("--scoring: unknown scoring '%s' (accuracy, balanced_accuracy, "
                                  "roc_auc, log_loss, brier, or a summary such as "
                                  "demographic_parity_difference)",
                                  a->scoring);
    }
    a->o.scoring = a->scoring;
    if (a->labels_file != NULL && a->label == NULL) {
        return fa_cli_usage_error("explain: --labels-file needs --label COL");
    }
    if (a->groups_file != NULL && a->group == NULL) {
        return fa_cli_usage_error("explain: --groups-file needs --group COL");
    }
    if (a->feature_names != NULL && a->by_position) {
        return fa_cli_usage_error("explain: --feature-names and --match-by-position exclude "
                                  "each other");
    }
    if ((needs & FA_SCORING_NEEDS_LABELS) && a->label == NULL) {
        return fa_cli_usage_error("explain: --label COL is required with --scoring %s",
                                  a->scoring ? a->scoring : "accuracy");
    }
    if ((needs & FA_SCORING_NEEDS_GROUPS) && a->group == NULL) {
        return fa_cli_usage_error("explain: --group COL is required with --scoring %s", a->scoring);
    }
    if (a->max_samples != NULL) {
        char *end;
        errno = 0;
        double v = strtod(a->max_samples, &end);
        if (*a->max_samples == '\0' || *end != '\0' || errno == ERANGE || !(v > 0.0) ||
            (v > 1.0 && v != floor(v)) || v > 1e15) {
            return fa_cli_usage_error("--max-samples: expected a number of rows or a fraction in "
                                      "(0, 1], got '%s'",
                                      a->max_samples);
        }
    }
    return -1;
}

static int parse_args(explain_args *a, int argc, char **argv)
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
            return st;
        }
    }
    if (optind < argc) {
        return fa_cli_usage_error("explain: unexpected argument '%s'", argv[optind]);
    }
    return check_args(a);
}

/* ------------------------------------------------------------------ columns */

/* Where data row `row`, column `col` of a CSV file starts, and its text quoted (for
 * messages); line 0 when the file cannot be read again. */
static void locate_cell(const char *path, size_t row, size_t col, uint64_t *line, uint64_t *column,
                        char *text, size_t size)
{
    fa_csv_options o = FA_CSV_OPTIONS_INIT;
    fa_csv_reader *r;
    fa_error e;
    *line = 0;
    *column = 0;
    snprintf(text, size, "?");
    if (fa_csv_reader_create(&r, path, &o, &e) != FA_OK) {
        return;
    }
    const fa_field *f;
    for (size_t i = 0; fa_csv_next(r, &f, &e) == 1; i++) {
        if (i == row) {
            *line = fa_csv_record_line(r);
            *column = fa_csv_field_column(r, col);
            fa_error_quote(text, size, f[col].data, f[col].len);
            break;
        }
    }
    fa_csv_reader_free(r);
}

/* A column of a row-aligned file: its index, or an error naming the file. */
static int find_column(size_t *col, const fa_table *t, const char *path, const char *name,
                       const char *opt, size_t n_rows, const char *data_path, fa_error *err)
{
    long c = fa_table_column_index(t, name);
    if (c < 0) {
        return fa_error_set(err, FA_EINVAL, path, 1, 0, "no column '%s' (%s)", name, opt);
    }
    if (fa_table_n_rows(t) != n_rows) {
        return fa_error_set(err, FA_EINVAL, path, 0, 0,
                            "%zu data rows, but %s has %zu: the rows must be aligned",
                            fa_table_n_rows(t), data_path, n_rows);
    }
    *col = (size_t)c;
    return FA_OK;
}

static int ieq(const char *a, const char *b)
{
    return strcasecmp(a, b) == 0;
}

/* The labels: 0/1 numbers, or true/false, yes/no in any case; a missing label is an error. */
static int read_labels(explain_run *run, const explain_args *a, fa_error *err)
{
    const fa_table *t = run->labels ? run->labels : run->data;
    const char *path = run->labels ? a->labels_file : a->data;
    size_t col;
    int st = find_column(&col, t, path, a->label, "--label", run->n, a->data, err);
    if (st != FA_OK) {
        return st;
    }
    if ((run->y = fa_alloc_array(run->n, sizeof *run->y)) == NULL) {
        return fa_error_set(err, FA_ENOMEM, NULL, 0, 0, "out of memory");
    }
    const double *num = fa_table_numeric(t, col);
    const int32_t *codes = fa_table_codes(t, col);
    for (size_t i = 0; i < run->n; i++) {
        double v = NAN;
        if (num != NULL) {
            v = num[i];
        } else if (codes[i] >= 0) {
            const char *s = fa_table_category(t, col, (size_t)codes[i]);
            if (ieq(s, "true") || ieq(s, "yes")) {
                v = 1.0;
            } else if (ieq(s, "false") || ieq(s, "no")) {
                v = 0.0;
            } else if (fa_parse_double(s, strlen(s), &v) != 0) {
                v = NAN;
            }
        }
        if (v != 0.0 && v != 1.0) {
            char text[128];
            uint64_t line, column;
            locate_cell(path, i, col, &line, &column, text, sizeof text);
            return fa_error_set(err, FA_EDOMAIN, path, line, column,
                                "column '%s': expected a label 1/0, true/false or yes/no, got %s",
                                a->label, text);
        }
        run->y[i] = v;
    }
    return FA_OK;
}

static int cmp_double(const void *a, const void *b)
{
    double x = *(const double *)a, y = *(const double *)b;
    return (x > y) - (x < y);
}

/* Group codes: a categorical column's value codes, or a numeric column's distinct values
 * numbered in order; a missing value is -1 (a group of its own). */
static int read_groups(explain_run *run, const explain_args *a, fa_error *err)
{
    const fa_table *t = run->groups ? run->groups : run->data;
    const char *path = run->groups ? a->groups_file : a->data;
    size_t col;
    int st = find_column(&col, t, path, a->group, "--group", run->n, a->data, err);
    if (st != FA_OK) {
        return st;
    }
    if ((run->g = fa_alloc_array(run->n, sizeof *run->g)) == NULL) {
        return fa_error_set(err, FA_ENOMEM, NULL, 0, 0, "out of memory");
    }
    const int32_t *codes = fa_table_codes(t, col);
    if (codes != NULL) {
        memcpy(run->g, codes, run->n * sizeof *run->g);
        return FA_OK;
    }
    const double *num = fa_table_numeric(t, col);
    double *sorted = fa_alloc_array(run->n, sizeof *sorted);
    if (sorted == NULL) {
        return fa_error_set(err, FA_ENOMEM, NULL, 0, 0, "out of memory");
    }
    size_t k = 0;
    for (size_t i = 0; i < run->n; i++) {
        if (!isnan(num[i])) {
            sorted[k++] = num[i];
        }
    }
    qsort(sorted, k, sizeof *sorted, cmp_double);
    for (size_t i = 0; i < run->n; i++) {
        const double *hit =
            isnan(num[i]) ? NULL : bsearch(&num[i], sorted, k, sizeof *sorted, cmp_double);
        run->g[i] = hit ? (int32_t)(hit - sorted) : -1; /* equal values share their first index */
    }
    free(sorted);
    return FA_OK;
}

/* 1 when column j of the data is named as the label or the group: never a feature, even when
 * the values are read from --labels-file or --groups-file. */
static int is_role_column(const explain_run *run, const explain_args *a, size_t j)
{
    const char *name = fa_table_column_name(run->data, j);
    return (a->label && strcmp(name, a->label) == 0) || (a->group && strcmp(name, a->group) == 0);
}

/*
 * --match-by-position: the features of a model file without names are the data's columns
 * other than the label and the group, in order. They are named after those columns, so
 * that the matching below is by name as always.
 */
static int name_by_position(explain_run *run, const explain_args *a, fa_error *err)
{
    size_t k = 0, nc = fa_table_n_cols(run->data);
    const char **names = fa_calloc_array(run->p ? run->p : 1, sizeof *names);
    if (names == NULL) {
        return fa_error_set(err, FA_ENOMEM, NULL, 0, 0, "out of memory");
    }
    for (size_t j = 0; j < nc; j++) {
        if (!is_role_column(run, a, j)) {
            if (k < run->p) {
                names[k] = fa_table_column_name(run->data, j);
            }
            k++;
        }
    }
    int st = FA_OK;
    char first[128], last[128];
    const char *f0 = fa_model_feature_name(run->model, 0);
    const char *fl = fa_model_feature_name(run->model, run->p - 1);
    fa_error_quote(first, sizeof first, f0 ? f0 : "", f0 ? strlen(f0) : 0);
    fa_error_quote(last, sizeof last, fl ? fl : "", fl ? strlen(fl) : 0);
    if (k != run->p) {
        st = fa_error_set(err, FA_EINVAL, a->data, 0, 0,
                          "--match-by-position: the model has %zu features (%s..%s), but the "
                          "data has %zu columns besides the label and the group",
                          run->p, first, last, k);
    } else {
        st = fa_model_set_feature_names(run->model, names, run->p, err);
    }
    if (st == FA_OK) {
        fprintf(stderr,
                "%s: warning: --match-by-position: the model's features %s..%s are the %zu "
                "columns of %s in order\n",
                a->model, first, last, run->p, a->data);
    }
    free(names);
    return st;
}

/* A JSON file read whole (feature groups, feature names); errors name line and column. */
static int read_json(cJSON **out, const char *path, fa_error *err);

/* 1 when s ends with suffix. */
static int ends_with(const char *s, const char *suffix)
{
    size_t n = strlen(s), k = strlen(suffix);
    return n >= k && strcmp(s + n - k, suffix) == 0;
}

/*
 * --feature-names FILE.json: a JSON array of names, or an object holding one under
 * "feature_names" (the shared data's <ds>_encoding.json).
 */
static int name_from_file(explain_run *run, const char *path, fa_error *err)
{
    cJSON *root;
    int st = read_json(&root, path, err);
    if (st != FA_OK) {
        return st;
    }
    const cJSON *arr = root;
    const char *jp = "(root)";
    if (cJSON_IsObject(root)) {
        arr = cJSON_GetObjectItemCaseSensitive(root, "feature_names");
        jp = "feature_names";
    }
    size_t n = cJSON_IsArray(arr) ? (size_t)cJSON_GetArraySize(arr) : 0;
    const char **names = fa_calloc_array(n ? n : 1, sizeof *names);
    if (!cJSON_IsArray(arr)) {
        st = fa_error_set_json(err, FA_EPARSE, path, jp,
                               "expected an array of feature names (or an object with "
                               "\"feature_names\")");
    } else if (names == NULL) {
        st = fa_error_set(err, FA_ENOMEM, NULL, 0, 0, "out of memory");
    }
    size_t i = 0;
    const cJSON *v;
    for (v = arr ? arr->child : NULL; st == FA_OK && v != NULL; v = v->next, i++) {
        if (!cJSON_IsString(v)) {
            char at[64];
            snprintf(at, sizeof at, "%s[%zu]", jp, i);
            st = fa_error_set_json(err, FA_EPARSE, path, at, "expected a string");
        } else {
            names[i] = v->valuestring;
        }
    }
    if (st == FA_OK) {
        st = fa_model_set_feature_names(run->model, names, n, err);
        if (st != FA_OK && err != NULL) {
            char msg[FA_ERROR_MSG_MAX];
            snprintf(msg, sizeof msg, "--feature-names: %.600s", err->message);
            fa_error_set_json(err, st, path, jp, "%s", msg);
        }
    }
    free(names);
    cJSON_Delete(root);
    return st;
}

/* --feature-names A,B,...: names for a model file without them. */
static int name_from_list(explain_run *run, const explain_args *a, fa_error *err)
{
    if (ends_with(a->feature_names, ".json")) {
        return name_from_file(run, a->feature_names, err);
    }
    char *copy = fa_strdup(a->feature_names);
    size_t n = 1;
    for (const char *p = a->feature_names; *p; p++) {
        n += *p == ',';
    }
    const char **names = fa_calloc_array(n, sizeof *names);
    if (copy == NULL || names == NULL) {
        free(copy);
        free(names);
        return fa_error_set(err, FA_ENOMEM, NULL, 0, 0, "out of memory");
    }
    char *p = copy;
    for (size_t i = 0; i < n; i++) {
        names[i] = p;
        char *comma = strchr(p, ',');
        if (comma != NULL) {
            *comma = '\0';
            p = comma + 1;
        }
    }
    int st = fa_model_set_feature_names(run->model, names, n, err);
    if (st != FA_OK && err != NULL) {
        char msg[FA_ERROR_MSG_MAX];
        snprintf(msg, sizeof msg, "--feature-names: %.600s", err->message);
        fa_error_set(err, st, a->model, 0, 0, "%s", msg);
    }
    free(names);
    free(copy);
    return st;
}

static int match_columns(explain_run *run, const explain_args *a, fa_error *err)
{
    int st = FA_OK;
    if ((a->feature_names != NULL || a->by_position) && fa_model_has_feature_names(run->model)) {
        return fa_error_set(err, FA_EINVAL, a->model, 0, 0,
                            "%s: the model file names its features, which are matched by name",
                            a->feature_names != NULL ? "--feature-names" : "--match-by-position");
    }
    if (a->feature_names != NULL) {
        st = name_from_list(run, a, err);
    } else if (a->by_position && !fa_model_has_feature_names(run->model)) {
        st = name_by_position(run, a, err);
    }
    size_t nc = fa_table_n_cols(run->data);
    const char **names = fa_alloc_array(nc, sizeof *names);
    if (st == FA_OK && names == NULL) {
        st = fa_error_set(err, FA_ENOMEM, NULL, 0, 0, "out of memory");
    }
    for (size_t j = 0; st == FA_OK && j < nc; j++) {
        names[j] = fa_table_column_name(run->data, j);
    }
    if (st == FA_OK) {
        st = fa_model_match_columns(run->col_of, run->model, names, nc, err);
        if (st != FA_OK && err != NULL && err->path[0] == '\0') {
            snprintf(err->path, sizeof err->path, "%s", a->data);
        }
    }
    free(names);
    return st;
}

/* One warning listing the data columns that are neither features nor label/group. */
static int warn_unused(const explain_run *run, const explain_args *a)
{
    size_t nc = fa_table_n_cols(run->data);
    unsigned char *used = calloc(nc ? nc : 1, 1);
    if (used == NULL) {
        return -1;
    }
    for (size_t k = 0; k < run->p; k++) {
        used[run->col_of[k]] = 1;
    }
    size_t n_unused = 0;
    for (size_t j = 0; j < nc; j++) {
        n_unused += !used[j] && !is_role_column(run, a, j);
    }
    if (n_unused > 0) {
        fprintf(stderr, "%s: warning: %zu column%s not used by the model:", a->data, n_unused,
                n_unused == 1 ? " is" : "s are");
        size_t listed = 0;
        for (size_t j = 0; j < nc && listed < WARN_LISTED; j++) {
            if (!used[j] && !is_role_column(run, a, j)) {
                char q[128];
                const char *name = fa_table_column_name(run->data, j);
                fprintf(stderr, "%s %s", listed ? "," : "",
                        fa_error_quote(q, sizeof q, name, strlen(name)));
                listed++;
            }
        }
        if (n_unused > listed) {
            fprintf(stderr, " and %zu more", n_unused - listed);
        }
        fputc('\n', stderr);
    }
    free(used);
    return 0;
}

/* ------------------------------------------------------------------ feature groups */

/* The model feature whose data column is `name`, or SIZE_MAX. */
static size_t feature_of_column(const explain_run *run, const char *name)
{
    long c = fa_table_column_index(run->data, name);
    for (size_t k = 0; c >= 0 && k < run->p; k++) {
        if (run->col_of[k] == (size_t)c) {
            return k;
        }
    }
    return SIZE_MAX;
}

/* One group `g` at JSON path jp into the members. */
static int add_group(explain_run *run, const cJSON *g, const char *jp, const char *path,
                     fa_error *err)
{
    if (!cJSON_IsArray(g) || cJSON_GetArraySize(g) == 0) {
        return fa_error_set_json(err, FA_EPARSE, path, jp,
                                 "expected a non-empty array of column names");
    }
    size_t i = 0;
    const cJSON *v;
    cJSON_ArrayForEach(v, g)
    {
        char ip[FA_ERROR_PATH_MAX + 32]; /* jp and "[index]" */
        snprintf(ip, sizeof ip, "%s[%zu]", jp, i++);
        if (!cJSON_IsString(v)) {
            return fa_error_set_json(err, FA_EPARSE, path, ip,
                                     "expected a column name (a "
                                     "string)");
        }
        size_t k = feature_of_column(run, v->valuestring);
        if (k == SIZE_MAX) {
            char q[160];
            fa_error_quote(q, sizeof q, v->valuestring, strlen(v->valuestring));
            return fa_error_set_json(err, FA_EINVAL, path, ip, "%s is not a feature of the model",
                                     q);
        }
        run->members[run->n_members++] = k;
    }
    run->sizes[run->n_fgroups] = i;
    if ((run->group_names[run->n_fgroups++] = fa_strdup(g->string)) == NULL) {
        return fa_error_set(err, FA_ENOMEM, NULL, 0, 0, "out of memory");
    }
    return FA_OK;
}

static int parse_groups(explain_run *run, const cJSON *root, const char *path, fa_error *err)
{
    const char *prefix = "";
    const cJSON *obj = root;
    const cJSON *fg =
        cJSON_IsObject(root) ? cJSON_GetObjectItemCaseSensitive(root, "feature_groups") : NULL;
    if (cJSON_IsObject(fg)) { /* an encoding file: its "feature_groups" */
        obj = fg;
        prefix = "feature_groups";
    }
    if (obj == NULL || !cJSON_IsObject(obj) || obj->child == NULL) {
        return fa_error_set_json(err, FA_EPARSE, path, *prefix ? prefix : "(root)",
                                 "expected an object of feature groups {\"name\": [\"column\", "
                                 "...]}");
    }
    size_t n = 0, total = 0;
    const cJSON *g;
    cJSON_ArrayForEach(g, obj)
    {
        n++;
        total += cJSON_IsArray(g) ? (size_t)cJSON_GetArraySize(g) : 0;
    }
    run->sizes = fa_alloc_array(n, sizeof *run->sizes);
    run->group_names = fa_calloc_array(n, sizeof *run->group_names);
    run->members = fa_alloc_array(total ? total : 1, sizeof *run->members);
    if (run->sizes == NULL || run->group_names == NULL || run->members == NULL) {
        return fa_error_set(err, FA_ENOMEM, NULL, 0, 0, "out of memory");
    }
    int st = FA_OK;
    cJSON_ArrayForEach(g, obj)
    {
        char jp[FA_ERROR_PATH_MAX];
        snprintf(jp, sizeof jp, "%s%s%s", prefix, *prefix ? "." : "", g->string);
        for (const cJSON *e = obj->child; e != g && st == FA_OK; e = e->next) {
            if (strcmp(e->string, g->string) == 0) {
                st = fa_error_set_json(err, FA_EPARSE, path, jp, "duplicate group name");
            }
        }
        if (st == FA_OK) {
            st = add_group(run, g, jp, path, err);
        }
        if (st != FA_OK) {
            break;
        }
    }
    return st;
}

static int read_json(cJSON **out, const char *path, fa_error *err)
{
    char *text;
    size_t len;
    *out = NULL;
    int st = fa_read_file(&text, &len, path, GROUPS_FILE_MAX, err);
    if (st != FA_OK) {
        return st;
    }
    cJSON *root = NULL;
    st = fa_json_check(text, len, path, FA_JSON_MAX_DEPTH, err);
    if (st == FA_OK && (root = cJSON_ParseWithLength(text, len)) == NULL) {
        st = fa_error_set(err, FA_ENOMEM, path, 0, 0, "out of memory");
    }
    free(text);
    *out = root;
    return st;
}

static int load_groups(explain_run *run, const char *path, fa_error *err)
{
    cJSON *root;
    int st = read_json(&root, path, err);
    if (st == FA_OK && root != NULL) {
        st = parse_groups(run, root, path, err);
    }
    cJSON_Delete(root);
    return st;
}

/* ------------------------------------------------------------------ outputs */

/* A JSON number that reads back to the same double; null for NAN. */
static cJSON *json_number(double v)
{
    char text[40];
    fa_format_double(text, sizeof text, v);
    return isfinite(v) ? cJSON_CreateRaw(text) : cJSON_CreateNull();
}

/* Adds item under key (or to an array with key NULL); 0 when cJSON ran out of memory. */
static int put(cJSON *parent, const char *key, cJSON *item)
{
    if (item == NULL) {
        return 0;
    }
    if (key ? !cJSON_AddItemToObject(parent, key, item) : !cJSON_AddItemToArray(parent, item)) {
        cJSON_Delete(item);
        return 0;
    }
    return 1;
}

/* The name printed for result entry k: the data's column name when each feature is alone. */
static const char *entry_name(const explain_run *run, size_t k)
{
    return run->n_fgroups ? fa_permutation_result_name(run->res, k) : run->col_names[k];
}

static int add_entry(cJSON *list, const explain_run *run, size_t k)
{
    const fa_permutation_result *r = run->res;
    cJSON *e = cJSON_CreateObject();
    if (!put(list, NULL, e)) {
        return 0;
    }
    int ok = put(e, "feature", cJSON_CreateString(entry_name(run, k)));
    if (run->n_fgroups) {
        cJSON *cols = cJSON_CreateArray();
        ok &= put(e, "columns", cols);
        size_t at = 0;
        for (size_t g = 0; g < k; g++) {
            at += run->sizes[g];
        }
        for (size_t i = 0; ok && i < run->sizes[k]; i++) {
            ok &= put(cols, NULL, cJSON_CreateString(run->col_names[run->members[at + i]]));
        }
    }
    ok &= put(e, "mean", json_number(fa_permutation_result_mean(r, k)));
    ok &= put(e, "std", json_number(fa_permutation_result_std(r, k)));
    cJSON *vals = cJSON_CreateArray();
    ok &= put(e, "values", vals);
    const double *v = fa_permutation_result_values(r, k);
    for (size_t i = 0; ok && i < fa_permutation_result_repeats(r); i++) {
        ok &= put(vals, NULL, json_number(v[i]));
    }
    return ok;
}

static char *render_json(const explain_run *run, const explain_args *a)
{
    const fa_permutation_result *r = run->res;
    cJSON *root = cJSON_CreateObject();
    char seed[32];
    snprintf(seed, sizeof seed, "%llu", (unsigned long long)a->o.seed);
    int ok = root != NULL && put(root, "method", cJSON_CreateString("permutation")) &&
             put(root, "scoring", cJSON_CreateString(fa_permutation_result_scoring(r))) &&
             put(root, "baseline", json_number(fa_permutation_result_baseline(r))) &&
             put(root, "repeats", cJSON_CreateNumber((double)fa_permutation_result_repeats(r))) &&
             put(root, "seed", cJSON_CreateRaw(seed)) &&
             put(root, "rows", cJSON_CreateNumber((double)fa_permutation_result_rows(r)));
    cJSON *list = cJSON_CreateArray();
    ok = ok && put(root, "importances", list);
    for (size_t k = 0; ok && k < fa_permutation_result_n(r); k++) {
        ok = add_entry(list, run, k);
    }
    char *text = ok ? cJSON_Print(root) : NULL;
    cJSON_Delete(root);
    return text;
}

/* A CSV field, quoted when it holds a comma, a quote or a line break. */
static void csv_field(FILE *f, const char *s)
{
    if (strpbrk(s, ",\"\r\n") == NULL) {
        fputs(s, f);
        return;
    }
    fputc('"', f);
    for (; *s; s++) {
        if (*s == '"') {
            fputc('"', f);
        }
        fputc(*s, f);
    }
    fputc('"', f);
}

/* A number for the CSV: the shortest exact text, empty when undefined. */
static void csv_number(FILE *f, double v)
{
    char text[40];
    fputc(',', f);
    if (isfinite(v)) {
        fa_format_double(text, sizeof text, v);
        fputs(text, f);
    }
}

static void write_csv(const explain_run *run, FILE *f)
{
    const fa_permutation_result *r = run->res;
    size_t R = fa_permutation_result_repeats(r);
    fputs("feature,mean,std", f);
    for (size_t i = 0; i < R; i++) {
        fprintf(f, ",value_%zu", i + 1);
    }
    fputc('\n', f);
    for (size_t k = 0; k < fa_permutation_result_n(r); k++) {
        csv_field(f, entry_name(run, k));
        csv_number(f, fa_permutation_result_mean(r, k));
        csv_number(f, fa_permutation_result_std(r, k));
        for (size_t i = 0; i < R; i++) {
            csv_number(f, fa_permutation_result_values(r, k)[i]);
        }
        fputc('\n', f);
    }
}

/* Both outputs under temporary names first, renamed only when both are written in full. */
static int write_outputs(const explain_run *run, const explain_args *a, fa_error *err)
{
    fa_atomic_file js = {NULL, NULL, NULL}, cs = {NULL, NULL, NULL};
    char *json = a->json_path ? render_json(run, a) : NULL;
    int st = FA_OK;
    if (a->json_path && json == NULL) {
        st = fa_error_set(err, FA_ENOMEM, NULL, 0, 0, "out of memory");
    }
    if (st == FA_OK && a->json_path && (st = fa_atomic_open(&js, a->json_path, err)) == FA_OK) {
        fprintf(js.f, "%s\n", json);
    }
    if (st == FA_OK && a->out_path && (st = fa_atomic_open(&cs, a->out_path, err)) == FA_OK) {
        write_csv(run, cs.f);
    }
    if (st == FA_OK && js.f != NULL) {
        st = fa_atomic_commit(&js, err);
    }
    if (st == FA_OK && cs.f != NULL) {
        st = fa_atomic_commit(&cs, err);
    }
    if (st != FA_OK) {
        fa_atomic_abort(&js);
        fa_atomic_abort(&cs);
    }
    cJSON_free(json);
    return st;
}

/* An entry of the ranked table. */
typedef struct ranked {
    double mean;
    size_t k;
} ranked;

/* Largest mean first, undefined last, ties in feature order. */
static int by_mean(const void *pa, const void *pb)
{
    const ranked *a = pa, *b = pb;
    if (isnan(a->mean) != isnan(b->mean)) {
        return isnan(a->mean) ? 1 : -1;
    }
    if (!isnan(a->mean) && a->mean != b->mean) {
        return a->mean > b->mean ? -1 : 1;
    }
    return (a->k > b->k) - (a->k < b->k);
}

static void print_number(double v)
{
    if (isnan(v)) {
        printf(" %11s", "undefined");
    } else {
        printf(" %11.6f", v);
    }
}

static int print_table(const explain_run *run, const explain_args *a)
{
    const fa_permutation_result *r = run->res;
    size_t n = fa_permutation_result_n(r);
    ranked *order = fa_alloc_array(n, sizeof *order);
    if (order == NULL) {
        return -1;
    }
    for (size_t k = 0; k < n; k++) {
        order[k].mean = fa_permutation_result_mean(r, k);
        order[k].k = k;
    }
    qsort(order, n, sizeof *order, by_mean);
    double base = fa_permutation_result_baseline(r);
    printf("permutation importance of %s on %s: %s, %zu rows, %zu repeats, seed %llu\n", a->model,
           a->data, fa_permutation_result_scoring(r), fa_permutation_result_rows(r),
           fa_permutation_result_repeats(r), (unsigned long long)a->o.seed);
    if (isnan(base)) {
        printf("baseline undefined\n\n");
    } else {
        printf("baseline %.6f\n\n", base);
    }
    int w = (int)strlen("feature");
    for (size_t k = 0; k < n; k++) {
        size_t len = strlen(entry_name(run, k));
        w = len > (size_t)w ? (len < NAME_WIDTH_MAX ? (int)len : NAME_WIDTH_MAX) : w;
    }
    printf("%5s  %-*s %11s %11s\n", "rank", w, "feature", "mean", "std");
    for (size_t i = 0; i < n; i++) {
        printf("%5zu  %-*.*s", i + 1, w, w, entry_name(run, order[i].k));
        print_number(order[i].mean);
        print_number(fa_permutation_result_std(r, order[i].k));
        putchar('\n');
    }
    free(order);
    return 0;
}

/* ------------------------------------------------------------------ run */

static void run_free(explain_run *run)
{
    fa_model_free(run->model);
    fa_table_free(run->data);
    fa_table_free(run->labels);
    fa_table_free(run->groups);
    free(run->col_of);
    for (size_t k = 0; run->col_names != NULL && k < run->p; k++) {
        free(run->col_names[k]);
    }
    free(run->col_names);
    free(run->x);
    free(run->y);
    free(run->g);
    free(run->members);
    free(run->sizes);
    for (size_t i = 0; run->group_names != NULL && i < run->n_fgroups; i++) {
        free(run->group_names[i]);
    }
    free(run->group_names);
    fa_permutation_result_free(run->res);
}

/* Model, data, labels, groups, feature groups: everything the library needs. */
static int load_inputs(explain_run *run, explain_args *a, fa_error *err)
{
    fa_csv_options csv = FA_CSV_OPTIONS_INIT;
    csv.max_memory = a->max_memory;
    int st = fa_table_load_csv(&run->data, a->data, &csv, err);
    if (st == FA_OK) {
        const char *const exclude[] = {a->label, a->group};
        st = fa_extmodel_from_spec(&run->model, a->model, run->data, exclude, 2, err);
    }
    if (st == FA_OK && run->model == NULL) {
        st = fa_model_load(&run->model, a->model, err);
    }
    if (st == FA_OK && a->labels_file) {
        st = fa_table_load_csv(&run->labels, a->labels_file, &csv, err);
    }
    if (st == FA_OK && a->groups_file) {
        st = fa_table_load_csv(&run->groups, a->groups_file, &csv, err);
    }
    if (st != FA_OK) {
        return st;
    }
    run->p = fa_model_n_features(run->model);
    run->n = fa_table_n_rows(run->data);
    if ((run->col_of = fa_alloc_array(run->p ? run->p : 1, sizeof *run->col_of)) == NULL) {
        return fa_error_set(err, FA_ENOMEM, NULL, 0, 0, "out of memory");
    }
    if ((st = match_columns(run, a, err)) != FA_OK ||
        (st = fa_table_matrix(&run->x, run->data, run->col_of, run->p, err)) != FA_OK ||
        (a->label && (st = read_labels(run, a, err)) != FA_OK) ||
        (a->group && (st = read_groups(run, a, err)) != FA_OK) ||
        (a->feature_groups && (st = load_groups(run, a->feature_groups, err)) != FA_OK)) {
        return st;
    }
    if ((run->col_names = fa_calloc_array(run->p ? run->p : 1, sizeof *run->col_names)) == NULL) {
        return fa_error_set(err, FA_ENOMEM, NULL, 0, 0, "out of memory");
    }
    for (size_t k = 0; k < run->p; k++) {
        const char *name = fa_table_column_name(run->data, run->col_of[k]);
        if ((run->col_names[k] = fa_strdup(name)) == NULL) {
            return fa_error_set(err, FA_ENOMEM, NULL, 0, 0, "out of memory");
        }
    }
    a->o.feature_group_members = run->members;
    a->o.feature_group_sizes = run->sizes;
    a->o.feature_group_names = (const char *const *)run->group_names;
    a->o.n_feature_groups = run->n_fgroups;
    if (a->max_samples != NULL) {
        double v = strtod(a->max_samples, NULL);
        /* scikit-learn: a fraction takes int(fraction * n_rows) rows */
        int fraction = v <= 1.0 && strpbrk(a->max_samples, ".eE") != NULL;
        double rows = fraction ? floor(v * (double)run->n) : v;
        if (rows < 1.0 || rows > (double)run->n) {
            return fa_error_set(err, FA_EINVAL, a->data, 0, 0,
                                fraction ? "--max-samples %s of the %zu rows selects no row"
                                         : "--max-samples %s: the data has only %zu rows",
                                a->max_samples, run->n);
        }
        a->o.max_samples = (size_t)rows;
    }
    return FA_OK;
}

static int run_explain(explain_args *a)
{
    explain_run run;
    memset(&run, 0, sizeof run);
    fa_error err;
    fa_error_clear(&err);
    int status = FA_EXIT_PASS;
    int st = load_inputs(&run, a, &err);
    if (st == FA_OK && warn_unused(&run, a) != 0) {
        st = fa_error_set(&err, FA_ENOMEM, NULL, 0, 0, "out of memory");
    }
    /* the matrix, labels, groups and names are out: the tables' memory goes back now */
    fa_table_free(run.data);
    fa_table_free(run.labels);
    fa_table_free(run.groups);
    run.data = run.labels = run.groups = NULL;
    if (st == FA_OK) {
        st =
            fa_permutation_importance(&run.res, run.model, run.x, run.n, run.y, run.g, &a->o, &err);
    }
    if (st == FA_OK) {
        st = write_outputs(&run, a, &err);
    }
    if (st == FA_OK && !a->quiet && print_table(&run, a) != 0) {
        st = fa_error_set(&err, FA_ENOMEM, NULL, 0, 0, "out of memory");
    }
    if (st != FA_OK) {
        status = fa_cli_report_error(&err);
    }
    run_free(&run);
    return status;
}

int fa_cmd_explain(int argc, char **argv)
{
    for (int i = 1; i + 1 < argc; i++) { /* the Shapley methods live in audit/cmd_shap.c */
        if (strcmp(argv[i], "--method") == 0 &&
            (strcmp(argv[i + 1], "tree") == 0 || strcmp(argv[i + 1], "linear") == 0 ||
             strcmp(argv[i + 1], "exact") == 0 || strcmp(argv[i + 1], "kernel") == 0 ||
             strcmp(argv[i + 1], "sampling") == 0)) {
            return fa_cmd_explain_shap(argc, argv);
        }
    }
    explain_args a;
    memset(&a, 0, sizeof a);
    fa_permutation_options init = FA_PERMUTATION_OPTIONS_INIT;
    a.o = init;
    int st = parse_args(&a, argc, argv);
    if (st >= 0) {
        return st;
    }
    const char *outs[] = {a.json_path, a.out_path};
    const char *ins[] = {a.model,       a.data,           a.labels_file,
                         a.groups_file, a.feature_groups, a.feature_names};
    if (fa_cli_refuse_overwriting_inputs(outs, 2, ins, sizeof ins / sizeof ins[0]) != 0) {
        return FA_EXIT_USAGE;
    }
    return run_explain(&a);
}
