/*
 * audit/cmd_shap.c - `fairaudit explain --method tree|linear|exact|kernel|sampling`: Shapley
 * values of a model's output for every row of a data matrix (explain/shapley.c,
 * kernelshap.c, sampling.c), written as a CSV of
 * per-row values with the base value in a column `base_value`, a JSON summary (global mean
 * |phi| per feature, and with --group the mean phi per group and each group's gap to the
 * reference split into per-feature terms, METRICS.md "Disparity decomposition"), and a ranked
 * table on stdout. The gap terms add up to the gap in mean model output exactly, since every
 * row's values add up to its output (efficiency) and one background serves all rows.
 */
#include <errno.h>
#include <getopt.h>
#include <math.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include <cjson/cJSON.h>

#include "audit/cli.h"
#include "audit/extmodel.h"
#include "common/alloc.h"
#include "common/error.h"
#include "common/fileio.h"
#include "common/text.h"
#include "explain/shapley.h"

typedef struct shap_args {
    const char *method, *model, *data, *background, *group, *out_path, *json_path;
    const char *se_path; /* kernel, sampling: --se-out */
    long background_size;
    long rows; /* --rows N: the first N rows only (0 = all) */
    int probability, quiet, threads;
    size_t nsamples;   /* kernel, sampling: --nsamples (0 = the estimator's default) */
    double tolerance;  /* sampling: --tolerance */
    uint64_t seed;     /* kernel, sampling: --seed */
    size_t max_memory; /* --max-memory (0: the default) */
    int by_position;   /* --match-by-position: a model without feature names takes the columns
                          in order */
} shap_args;

typedef struct shap_run {
    fa_model *m;
    fa_table *data, *bg;
    size_t *col_of, p, n, n_bg;
    double *x, *xb, *phi;
    double *se; /* kernel, sampling: standard errors, the layout of phi */
} shap_run;

static void usage(void)
{
    puts("Usage: fairaudit explain --method tree|linear|exact|kernel|sampling --model MODEL\n"
         "                         --data X.csv [--background B.csv | --background-size K]\n"
         "                         [--rows N] [--group COL] [--output margin|probability]\n"
         "                         [--out VALUES.csv] [--json SUMMARY.json] [--threads N]\n"
         "                         [--nsamples N] [--tolerance T] [--seed S]\n"
         "                         [--se-out SE.csv] [--match-by-position]\n"
         "                         [--max-memory SIZE] [--quiet]\n"
         "\n"
         "Shapley values of the model's output for every row of X.csv (base value last):\n"
         "  tree     TreeSHAP of an XGBoost model, margin: without a background\n"
         "           path-dependent (equals XGBoost's pred_contribs); with one\n"
         "           interventional (equals exact on the same background, any M)\n"
         "  linear   coef_j * (x_j - mean of the background), margin; without a background\n"
         "           the model's scaler mean (the training mean)\n"
         "  exact    interventional Shapley values over a background, all 2^M coalitions\n"
         "           (M <= 20 features), margin or probability (--output)\n"
         "  kernel   KernelSHAP over a background (any M; margin or probability): --nsamples N\n"
         "           coalitions per row (default 2M + 2048, at least 2M + 2), whole sizes\n"
         "           enumerated when N covers them, the rest drawn in complementary pairs;\n"
         "           exact when N >= 2^M - 2\n"
         "  sampling permutation sampling over a background, antithetic pairs: at most\n"
         "           --nsamples N permutations per row (default 1000), stopping early once\n"
         "           every standard error is below --tolerance T (default 0: never)\n"
         "kernel and sampling draw row i's coalitions from a stream of --seed S (default 0)\n"
         "and i: the same values for any --threads. --se-out writes each value's standard\n"
         "error (kernel: delta method over the drawn pairs; sampling: sd of the pair means /\n"
         "sqrt(pairs)) in the layout of --out; the JSON gains \"seed\", \"nsamples\" and per\n"
         "feature \"max_se\". Progress goes to stderr when it is a terminal and the run\n"
         "takes over a second. --rows N explains the first N rows of X.csv only.\n"
         "--background-size K takes the first K rows of X.csv as the background (exact,\n"
         "linear, tree, kernel, sampling). --group COL (a column of X.csv that the model\n"
         "does not use) adds the mean values per group and each group's gap in mean output\n"
         "to the largest group, split into per-feature terms that add up to the gap.\n"
         "--out writes one row per explained row: the model's features, then base_value.\n"
         "--json writes {\"method\", \"output\", \"rows\", \"base_value\", \"importances\":\n"
         "[{\"feature\", \"mean_abs\", \"mean\"}], \"groups\"}.\n"
         "Features are matched to the model's by name; a model file without feature names\n"
         "(XGBoost's f0..fN-1) takes the columns of X.csv in order (the --group column left\n"
         "out) only with --match-by-position, and says so in a warning.\n"
         "\n" FA_CLI_MAX_MEMORY_HELP);
    fa_cli_print_exit_codes(stdout);
}

static int parse(shap_args *a, int argc, char **argv)
{
    static const struct option OPTS[] = {{"method", required_argument, NULL, 'm'},
                                         {"model", required_argument, NULL, 'M'},
                                         {"data", required_argument, NULL, 'd'},
                                         {"background", required_argument, NULL, 'b'},
                                         {"background-size", required_argument, NULL, 'k'},
                                         {"group", required_argument, NULL, 'g'},
                                         {"out", required_argument, NULL, 'o'},
                                         {"json", required_argument, NULL, 'j'},
                                         {"output", required_argument, NULL, 'u'},
                                         {"threads", required_argument, NULL, 't'},
                                         {"rows", required_argument, NULL, 'r'},
                                         {"nsamples", required_argument, NULL, 'n'},
                                         {"tolerance", required_argument, NULL, 'T'},
                                         {"seed", required_argument, NULL, 's'},
                                         {"se-out", required_argument, NULL, 'e'},
                                         {"quiet", no_argument, NULL, 'q'},
                                         {"max-memory", required_argument, NULL, 'X'},
                                         {"match-by-position", no_argument, NULL, 'P'},
                                         {"help", no_argument, NULL, 'h'},
                                         {NULL, 0, NULL, 0}};
    optind = 1;
    opterr = 0;
    int c;
    while ((c = getopt_long(argc, argv, ":", OPTS, NULL)) != -1) {
        char *end;
        switch (c) {
        case 'm':
            a->method = optarg;
            break;
        case 'M':
            a->model = optarg;
            break;
        case 'd':
            a->data = optarg;
            break;
        case 'b':
            a->background = optarg;
            break;
        case 'g':
            a->group = optarg;
            break;
        case 'o':
            a->out_path = optarg;
            break;
        case 'j':
            a->json_path = optarg;
            break;
        case 'q':
            a->quiet = 1;
            break;
        case 'h':
            usage();
            return 0;
        case 'u':
            if (strcmp(optarg, "margin") != 0 && strcmp(optarg, "probability") != 0) {
                return fa_cli_usage_error("--output: expected margin or probability, got '%s'",
                                          optarg);
            }
            a->probability = optarg[0] == 'p';
            break;
        case 'k':
        case 't':
            errno = 0;
            long v = strtol(optarg, &end, 10);
            if (*optarg == '\0' || *end != '\0' || errno || v < (c == 'k' ? 1 : 0) || v > 1000000) {
                return fa_cli_usage_error("%s: expected a non-negative integer, got '%s'",
                                          c == 'k' ? "--background-size" : "--threads", optarg);
            }
            if (c == 'k') {
                a->background_size = v;
            } else {
                a->threads = (int)v;
            }
            break;
        case 'e':
            a->se_path = optarg;
            break;
        case 'P':
            a->by_position = 1;
            break;
        case 'X':
            if (fa_cli_parse_max_memory(optarg, &a->max_memory) != 0) {
                return FA_EXIT_USAGE;
            }
            break;
        case 'r':
        case 'n':
        case 's': {
            errno = 0;
            unsigned long long u = strtoull(optarg, &end, 10);
            const char *what = c == 'r' ? "--rows" : c == 'n' ? "--nsamples" : "--seed";
            if (*optarg == '\0' || *optarg == '-' || *end != '\0' || errno ||
                (c != 's' && (u < 1 || u > 1000000000ULL))) {
                return fa_cli_usage_error(c == 's' ? "%s: expected an integer from 0 to 2^64 - 1, "
                                                     "got '%s'"
                                                   : "%s: expected a positive integer, got '%s'",
                                          what, optarg);
            }
            if (c == 'r') {
                a->rows = (long)u;
            } else if (c == 'n') {
                a->nsamples = (size_t)u;
            } else {
                a->seed = (uint64_t)u;
            }
            break;
        }
        case 'T':
            errno = 0;
            a->tolerance = strtod(optarg, &end);
            if (*optarg == '\0' || *end != '\0' || errno || !(a->tolerance >= 0.0) ||
                !isfinite(a->tolerance)) {
                return fa_cli_usage_error("--tolerance: expected a finite number >= 0, got '%s'",
                                          optarg);
            }
            break;
        case ':':
            return fa_cli_usage_error("option '%s' needs a value", argv[optind - 1]);
        default:
            return fa_cli_usage_error("unknown option '%s'", argv[optind - 1]);
        }
    }
    if (optind < argc) {
        return fa_cli_usage_error("explain: unexpected argument '%s'", argv[optind]);
    }
    if (a->model == NULL || a->data == NULL) {
        return fa_cli_usage_error("explain: --model and --data are required");
    }
    const int sampled = strcmp(a->method, "kernel") == 0 || strcmp(a->method, "sampling") == 0;
    if (a->probability && strcmp(a->method, "exact") != 0 && !sampled) {
        return fa_cli_usage_error("explain: --output probability needs --method exact, kernel "
                                  "or sampling (tree and linear values are in margin space)");
    }
    if ((strcmp(a->method, "exact") == 0 || sampled) && a->background == NULL &&
        a->background_size == 0) {
        return fa_cli_usage_error("explain: --method %s needs --background B.csv or "
                                  "--background-size K",
                                  a->method);
    }
    if (!sampled && (a->nsamples || a->tolerance > 0.0 || a->se_path)) {
        return fa_cli_usage_error("explain: --nsamples, --tolerance and --se-out are for "
                                  "--method kernel or sampling");
    }
    if (strcmp(a->method, "kernel") == 0 && a->tolerance > 0.0) {
        return fa_cli_usage_error("explain: --tolerance is for --method sampling (kernel spends "
                                  "its whole --nsamples budget)");
    }
    return -1;
}

/* Model features to data columns: by name; in order for a model without names only with
 * --match-by-position. */
static int match(shap_run *r, const shap_args *a, const fa_table *t, fa_error *err)
{
    size_t nc = fa_table_n_cols(t);
    const char **names = fa_calloc_array(nc, sizeof *names);
    if (names == NULL) {
        return fa_error_set(err, FA_ENOMEM, NULL, 0, 0, "out of memory");
    }
    for (size_t j = 0; j < nc; j++) {
        names[j] = fa_table_column_name(t, j);
    }
    int st = fa_model_match_columns(r->col_of, r->m, names, nc, err);
    free(names);
    if (st == FA_OK || fa_model_has_feature_names(r->m) || !a->by_position) {
        return st; /* never by position unless asked for (the library's error says how) */
    }
    size_t k = 0;
    for (size_t j = 0; j < nc; j++) {
        if (a->group && strcmp(fa_table_column_name(t, j), a->group) == 0) {
            continue;
        }
        if (k < r->p) {
            r->col_of[k] = j;
        }
        k++;
    }
    if (k != r->p) {
        return fa_error_set(err, FA_EINVAL, a->data, 0, 0,
                            "the model has no feature names and %zu features, but the data "
                            "has %zu feature columns",
                            r->p, k);
    }
    fa_error_clear(err);
    fprintf(stderr,
            "%s: warning: the model has no feature names: its features are the %zu "
            "columns of %s in order\n",
            a->model, r->p, a->data);
    return FA_OK;
}

static int load(shap_run *r, const shap_args *a, fa_error *err)
{
    fa_csv_options csv = FA_CSV_OPTIONS_INIT;
    csv.max_memory = a->max_memory;
    const char *const exclude[] = {a->group};
    int st = fa_table_load_csv(&r->data, a->data, &csv, err);
    if (st == FA_OK) {
        st = fa_extmodel_from_spec(&r->m, a->model, r->data, exclude, 1, err);
    }
    if (st == FA_OK && r->m == NULL) {
        st = fa_model_load(&r->m, a->model, err);
    }
    if (st != FA_OK) {
        return st;
    }
    r->p = fa_model_n_features(r->m);
    r->n = fa_table_n_rows(r->data);
    r->col_of = fa_alloc_array(r->p ? r->p : 1, sizeof *r->col_of);
    if (r->col_of == NULL) {
        return fa_error_set(err, FA_ENOMEM, NULL, 0, 0, "out of memory");
    }
    if ((st = match(r, a, r->data, err)) != FA_OK ||
        (st = fa_table_matrix(&r->x, r->data, r->col_of, r->p, err)) != FA_OK) {
        return st;
    }
    if (a->background) {
        if ((st = fa_table_load_csv(&r->bg, a->background, &csv, err)) != FA_OK ||
            (st = match(r, a, r->bg, err)) != FA_OK ||
            (st = fa_table_matrix(&r->xb, r->bg, r->col_of, r->p, err)) != FA_OK) {
            return st;
        }
        r->n_bg = fa_table_n_rows(r->bg);
    } else if (a->background_size > 0) {
        r->n_bg = (size_t)a->background_size < r->n ? (size_t)a->background_size : r->n;
        r->xb = fa_alloc_array(r->n_bg * r->p, sizeof *r->xb);
        if (r->xb == NULL) {
            return fa_error_set(err, FA_ENOMEM, NULL, 0, 0, "out of memory");
        }
        memcpy(r->xb, r->x, r->n_bg * r->p * sizeof *r->xb);
    }
    if (a->rows > 0) { /* --rows N: the first N rows */
        if ((size_t)a->rows > r->n) {
            return fa_error_set(err, FA_EINVAL, a->data, 0, 0,
                                "--rows %ld: expected at most the %zu rows the file has", a->rows,
                                r->n);
        }
        r->n = (size_t)a->rows;
    }
    return FA_OK;
}

/* Progress on stderr ("kernel: 40/100 rows, 2.1 s"), after the first second of a run. */
typedef struct progress_state {
    const char *method;
    struct timespec start;
    int shown;
} progress_state;

static double seconds_since(const struct timespec *t0)
{
    struct timespec t;
    clock_gettime(CLOCK_MONOTONIC, &t);
    return (double)(t.tv_sec - t0->tv_sec) + 1e-9 * (double)(t.tv_nsec - t0->tv_nsec);
}

static void show_progress(void *ctx, size_t done, size_t total)
{
    progress_state *ps = ctx;
    double el = seconds_since(&ps->start);
    if (el < 1.0 && !ps->shown) {
        return;
    }
    ps->shown = 1;
    fprintf(stderr, "\r%s: %zu/%zu rows, %.1f s%s", ps->method, done, total, el,
            done == total ? "\n" : "");
    fflush(stderr);
}

static int compute(shap_run *r, const shap_args *a, fa_error *err)
{
    r->phi = fa_alloc_array(r->n * (r->p + 1), sizeof *r->phi);
    if (r->phi == NULL) {
        return fa_error_set(err, FA_ENOMEM, NULL, 0, 0, "out of memory");
    }
    fa_shap_options o = FA_SHAP_OPTIONS_INIT;
    o.threads = a->threads;
    o.output = a->probability ? FA_OUTPUT_PROBABILITY : FA_OUTPUT_MARGIN;
    if (strcmp(a->method, "tree") == 0) {
        progress_state ps = {a->method, {0, 0}, 0};
        clock_gettime(CLOCK_MONOTONIC, &ps.start);
        if (isatty(STDERR_FILENO) && !a->quiet) {
            o.progress = show_progress;
            o.progress_ctx = &ps;
        }
        return r->xb != NULL
                   ? fa_shap_tree_interventional(r->phi, r->m, r->x, r->n, r->xb, r->n_bg, &o, err)
                   : fa_shap_tree(r->phi, r->m, r->x, r->n, &o, err);
    }
    if (strcmp(a->method, "linear") == 0) {
        return fa_shap_linear(r->phi, r->m, r->x, r->n, r->xb, r->n_bg, &o, err);
    }
    if (strcmp(a->method, "kernel") == 0 || strcmp(a->method, "sampling") == 0) {
        progress_state ps = {a->method, {0, 0}, 0};
        clock_gettime(CLOCK_MONOTONIC, &ps.start);
        o.nsamples = a->nsamples;
        o.tolerance = a->tolerance;
        o.seed = a->seed;
        if (isatty(STDERR_FILENO) && !a->quiet) {
            o.progress = show_progress;
            o.progress_ctx = &ps;
        }
        r->se = fa_alloc_array(r->n * (r->p + 1), sizeof *r->se);
        if (r->se == NULL) {
            return fa_error_set(err, FA_ENOMEM, NULL, 0, 0, "out of memory");
        }
        return a->method[0] == 'k'
                   ? fa_shap_kernel(r->phi, r->se, r->m, r->x, r->n, r->xb, r->n_bg, &o, err)
                   : fa_shap_sampling(r->phi, r->se, r->m, r->x, r->n, r->xb, r->n_bg, &o, err);
    }
    return fa_shap_exact(r->phi, r->m, r->x, r->n, r->xb, r->n_bg, &o, err);
}

static const char *feature(const shap_run *r, size_t k)
{
    return fa_table_column_name(r->data, r->col_of[k]);
}

/* values: phi or se (n x (p + 1)). */
static int write_csv(const shap_run *r, const double *values, const char *path, fa_error *err)
{
    fa_atomic_file af;
    int st = fa_atomic_open(&af, path, err);
    if (st != FA_OK) {
        return st;
    }
    char num[40];
    for (size_t k = 0; k < r->p; k++) {
        const char *name = feature(r, k);
        /* names may hold commas or quotes: quote them (RFC 4180) */
        if (strpbrk(name, ",\"\n\r")) {
            fputc('"', af.f);
            for (const char *c = name; *c; c++) {
                if (*c == '"') {
                    fputc('"', af.f);
                }
                fputc(*c, af.f);
            }
            fputs("\",", af.f);
        } else {
            fprintf(af.f, "%s,", name);
        }
    }
    fputs("base_value\n", af.f);
    for (size_t i = 0; i < r->n; i++) {
        for (size_t k = 0; k <= r->p; k++) {
            double v = values[i * (r->p + 1) + k];
            if (isfinite(v)) {
                fa_format_double(num, sizeof num, v);
            } else {
                num[0] = '\0'; /* a standard error from fewer than two draws */
            }
            fprintf(af.f, "%s%c", num, k == r->p ? '\n' : ',');
        }
    }
    return fa_atomic_commit(&af, err);
}

/* Mean |phi| and mean phi per feature over rows (rows where code == g, or all when g < 0). */
static void means(const shap_run *r, const int32_t *codes, long g, double *mabs, double *mean,
                  double *base, size_t *count)
{
    memset(mabs, 0, (r->p + 1) * sizeof *mabs);
    memset(mean, 0, (r->p + 1) * sizeof *mean);
    *count = 0;
    for (size_t i = 0; i < r->n; i++) {
        if (g >= 0 && codes[i] != g) {
            continue;
        }
        (*count)++;
        for (size_t k = 0; k <= r->p; k++) {
            double v = r->phi[i * (r->p + 1) + k];
            mabs[k] += fabs(v);
            mean[k] += v;
        }
    }
    for (size_t k = 0; k <= r->p && *count; k++) {
        mabs[k] /= (double)*count;
        mean[k] /= (double)*count;
    }
    *base = mean[r->p];
}

static int add_num(cJSON *o, const char *key, double v)
{
    char text[40];
    fa_format_double(text, sizeof text, v);
    cJSON *n = isfinite(v) ? cJSON_CreateRaw(text) : cJSON_CreateNull();
    return n && cJSON_AddItemToObject(o, key, n);
}

static cJSON *summary(const shap_run *r, const shap_args *a, double *mabs, double *mean,
                      fa_error *err)
{
    cJSON *root = cJSON_CreateObject();
    double base;
    size_t count;
    means(r, NULL, -1, mabs, mean, &base, &count);
    int ok = root && cJSON_AddStringToObject(root, "method", a->method) &&
             cJSON_AddStringToObject(root, "output", a->probability ? "probability" : "margin") &&
             add_num(root, "rows", (double)r->n) && add_num(root, "base_value", base);
    if (ok && r->se) { /* kernel, sampling: the draw settings */
        char seed[24];
        snprintf(seed, sizeof seed, "%llu", (unsigned long long)a->seed);
        ok = cJSON_AddItemToObject(root, "seed", cJSON_CreateRaw(seed)) &&
             add_num(root, "nsamples",
                     (double)(a->nsamples ? a->nsamples
                              : a->method[0] == 'k'
                                  ? 2 * r->p + FA_SHAP_KERNEL_DEFAULT_EXTRA
                                  : (size_t)FA_SHAP_SAMPLING_DEFAULT_PERMUTATIONS));
        if (ok && strcmp(a->method, "sampling") == 0) {
            ok = add_num(root, "tolerance", a->tolerance);
        }
    }
    cJSON *imp = ok ? cJSON_AddArrayToObject(root, "importances") : NULL;
    for (size_t k = 0; imp && k < r->p; k++) {
        cJSON *e = cJSON_CreateObject();
        ok = e && cJSON_AddItemToArray(imp, e) &&
             cJSON_AddStringToObject(e, "feature", feature(r, k)) &&
             add_num(e, "mean_abs", mabs[k]) && add_num(e, "mean", mean[k]);
        if (ok && r->se) { /* the largest standard error of the feature's values */
            double mx = 0.0;
            for (size_t i = 0; i < r->n; i++) {
                double v = r->se[i * (r->p + 1) + k];
                mx = isnan(v) || isnan(mx) ? NAN : fmax(mx, v);
            }
            ok = add_num(e, "max_se", mx);
        }
        if (!ok) {
            break;
        }
    }
    long gj = a->group ? fa_table_column_index(r->data, a->group) : -1;
    if (ok && a->group && (gj < 0 || fa_table_codes(r->data, (size_t)gj) == NULL)) {
        cJSON_Delete(root);
        fa_error_set(err, FA_EINVAL, a->data, 1, 0,
                     "--group column '%s' not found or not categorical", a->group);
        return NULL;
    }
    if (ok && gj >= 0) {
        /* per group: mean values; the gap to the largest group, per feature */
        const int32_t *codes = fa_table_codes(r->data, (size_t)gj);
        size_t ng = fa_table_n_categories(r->data, (size_t)gj), ref = 0, best = 0;
        double *gm = fa_alloc_array((r->p + 1) * (ng ? ng : 1), sizeof *gm);
        double *tmp = fa_alloc_array(r->p + 1, sizeof *tmp);
        size_t *cnt = fa_calloc_array(ng ? ng : 1, sizeof *cnt);
        cJSON *groups = cJSON_AddObjectToObject(root, "groups");
        ok = gm && tmp && cnt && groups;
        for (size_t g = 0; ok && g < ng; g++) {
            double b;
            means(r, codes, (long)g, tmp, gm + g * (r->p + 1), &b, &cnt[g]);
            if (cnt[g] > best) {
                best = cnt[g];
                ref = g;
            }
        }
        ok = ok && cJSON_AddStringToObject(root, "reference",
                                           fa_table_category(r->data, (size_t)gj, ref));
        for (size_t g = 0; ok && g < ng; g++) {
            cJSON *e = cJSON_AddObjectToObject(groups, fa_table_category(r->data, (size_t)gj, g));
            ok = e && add_num(e, "rows", (double)cnt[g]);
            double gap = 0.0;
            cJSON *terms = ok ? cJSON_AddObjectToObject(e, "gap_terms") : NULL;
            cJSON *mv = ok ? cJSON_AddObjectToObject(e, "mean") : NULL;
            for (size_t k = 0; ok && terms && mv && k < r->p; k++) {
                double d = gm[g * (r->p + 1) + k] - gm[ref * (r->p + 1) + k];
                gap += d;
                ok = add_num(terms, feature(r, k), d) &&
                     add_num(mv, feature(r, k), gm[g * (r->p + 1) + k]);
            }
            /* the mean output gap: sum of the terms (the base value is common to all rows) */
            ok = ok && add_num(e, "gap_in_mean_output", gap);
        }
        free(gm);
        free(tmp);
        free(cnt);
    }
    if (!ok) {
        cJSON_Delete(root);
        fa_error_set(err, FA_ENOMEM, NULL, 0, 0, "out of memory");
        return NULL;
    }
    return root;
}

static int outputs(const shap_run *r, const shap_args *a, fa_error *err)
{
    double *mabs = fa_alloc_array(r->p + 1, sizeof *mabs);
    double *mean = fa_alloc_array(r->p + 1, sizeof *mean);
    int st = mabs && mean ? FA_OK : fa_error_set(err, FA_ENOMEM, NULL, 0, 0, "out of memory");
    cJSON *root = st == FA_OK ? summary(r, a, mabs, mean, err) : NULL;
    if (root == NULL && st == FA_OK) {
        st = err->status ? err->status : FA_ENOMEM;
    }
    char *text = root && a->json_path ? cJSON_Print(root) : NULL;
    if (st == FA_OK && a->json_path) {
        st = text ? fa_atomic_write(a->json_path, text, strlen(text), err)
                  : fa_error_set(err, FA_ENOMEM, NULL, 0, 0, "out of memory");
    }
    if (st == FA_OK && a->out_path) {
        st = write_csv(r, r->phi, a->out_path, err);
    }
    if (st == FA_OK && a->se_path && r->se) {
        st = write_csv(r, r->se, a->se_path, err);
    }
    if (st == FA_OK && !a->quiet) {
        printf("%s Shapley values (%s) of %s on %s: %zu rows, base value %.6g\n", a->method,
               a->probability ? "probability" : "margin", a->model, a->data, r->n, mean[r->p]);
        for (int s = 0; s < 10 && (size_t)s < r->p; s++) { /* top 10 by mean |phi| */
            size_t best = 0;
            for (size_t k = 1; k < r->p; k++) {
                if (mabs[k] > mabs[best]) {
                    best = k;
                }
            }
            printf("  %-40.40s mean |phi| %.6f  mean %+.6f\n", feature(r, best), mabs[best],
                   mean[best]);
            mabs[best] = -1.0;
        }
    }
    free(text);
    cJSON_Delete(root);
    free(mabs);
    free(mean);
    return st;
}

int fa_cmd_explain_shap(int argc, char **argv)
{
    shap_args a;
    memset(&a, 0, sizeof a);
    int st = parse(&a, argc, argv);
    if (st >= 0) {
        return st;
    }
    const char *outs[] = {a.out_path, a.json_path, a.se_path};
    const char *ins[] = {a.model, a.data, a.background};
    if (fa_cli_refuse_overwriting_inputs(outs, 3, ins, 3) != 0) {
        return FA_EXIT_USAGE;
    }
    shap_run r;
    memset(&r, 0, sizeof r);
    fa_error err;
    fa_error_clear(&err);
    if (load(&r, &a, &err) != FA_OK || compute(&r, &a, &err) != FA_OK ||
        outputs(&r, &a, &err) != FA_OK) {
        st = fa_cli_report_error(&err);
    } else {
        st = 0;
    }
    free(r.x);
    free(r.xb);
    free(r.phi);
    free(r.se);
    free(r.col_of);
    fa_table_free(r.data);
    fa_table_free(r.bg);
    fa_model_free(r.m);
    return st;
}
