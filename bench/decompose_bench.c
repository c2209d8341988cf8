/*
 * bench/decompose_bench.c - the disparity decomposition of Shapley values (explain/decompose.c)
 * on real values: TreeSHAP of an XGBoost model over a features file, then the decomposition by
 * a sensitive column of the (row-aligned) prediction file with B bootstrap replicates, timed
 * at 1 and 2 threads (median of RUNS), with a check that both give the same bytes.
 *
 *   decompose_bench MODEL.json X.csv PRED.csv GROUP_COL [B [RUNS]]
 *   e.g. build/release/bench/decompose_bench ../shared/models/adult_xgb.json \
 *        ../shared/models/adult_test_features.csv ../shared/models/adult_pred_xgb.csv race
 *
 * The model's features are the columns of X.csv in order when the model names none.
 */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "explain/decompose.h"
#include "explain/shapley.h"
#include "include/fairaudit.h"

static double now(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec + 1e-9 * (double)ts.tv_nsec;
}

/* CPU seconds of the process (all threads): the work, whatever else runs on the machine. */
static double cpu(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_PROCESS_CPUTIME_ID, &ts);
    return (double)ts.tv_sec + 1e-9 * (double)ts.tv_nsec;
}

static int cmp_double(const void *a, const void *b)
{
    const double x = *(const double *)a, y = *(const double *)b;
    return x < y ? -1 : x > y;
}

static int fail(const fa_error *err)
{
    char buf[1024];
    fa_error_format(buf, sizeof buf, err);
    fprintf(stderr, "decompose_bench: %s\n", buf);
    return 1;
}

int main(int argc, char **argv)
{
    if (argc < 5) {
        fprintf(stderr, "usage: decompose_bench MODEL.json X.csv PRED.csv GROUP_COL [B [RUNS]]\n");
        return 2;
    }
    const size_t B = argc > 5 ? (size_t)strtoul(argv[5], NULL, 10) : 1000;
    const int runs = argc > 6 ? atoi(argv[6]) : 3;
    fa_error err;
    fa_model *m;
    fa_table *xt, *pt;
    fa_csv_options csv = FA_CSV_OPTIONS_INIT;
    if (fa_model_load(&m, argv[1], &err) != FA_OK || fa_table_load_csv(&xt, argv[2], &csv, &err) ||
        fa_table_load_csv(&pt, argv[3], &csv, &err)) {
        return fail(&err);
    }
    const size_t n = fa_table_n_rows(xt), p = fa_model_n_features(m), nc = fa_table_n_cols(xt);
    const char **names = calloc(nc, sizeof *names);
    size_t *col_of = calloc(p, sizeof *col_of);
    for (size_t j = 0; j < nc; j++) {
        names[j] = fa_table_column_name(xt, j);
    }
    if (!fa_model_has_feature_names(m) && fa_model_set_feature_names(m, names, p, &err) != FA_OK) {
        return fail(&err);
    }
    double *x, *phi = malloc(n * (p + 1) * sizeof *phi), *f = malloc(n * sizeof *f);
    if (fa_model_match_columns(col_of, m, names, nc, &err) != FA_OK ||
        fa_table_matrix(&x, xt, col_of, p, &err) != FA_OK) {
        return fail(&err);
    }
    fa_shap_options so = FA_SHAP_OPTIONS_INIT;
    double t0 = now();
    if (fa_shap_tree(phi, m, x, n, &so, &err) != FA_OK ||
        fa_model_predict(m, f, x, n, FA_OUTPUT_MARGIN, &err) != FA_OK) {
        return fail(&err);
    }
    const double t_shap = now() - t0;
    long gj = fa_table_column_index(pt, argv[4]);
    if (gj < 0 || fa_table_codes(pt, (size_t)gj) == NULL || fa_table_n_rows(pt) != n) {
        fprintf(stderr, "decompose_bench: %s: no categorical column '%s' of %zu rows\n", argv[3],
                argv[4], n);
        return 1;
    }
    const int32_t *g = fa_table_codes(pt, (size_t)gj);
    const size_t ng = fa_table_n_categories(pt, (size_t)gj);
    printf("%zu rows x %zu features, %zu groups of %s, B = %zu; TreeSHAP (all threads) %.3f s\n", n,
           p, ng, argv[4], B, t_shap);
    double *lo[2] = {NULL, NULL};
    for (int threads = 1; threads <= 2; threads++) {
        double *ts = malloc((size_t)runs * sizeof *ts), *cs = malloc((size_t)runs * sizeof *cs);
        for (int r = 0; r < runs; r++) {
            fa_decompose_options o = FA_DECOMPOSE_OPTIONS_INIT;
            o.bootstrap = B;
            o.seed = 1;
            o.threads = threads;
            fa_decompose *d;
            t0 = now();
            const double c0 = cpu();
            if (fa_decompose_create(&d, phi, f, n, p, g, ng, 0, &o, &err) != FA_OK) {
                return fail(&err);
            }
            ts[r] = now() - t0;
            cs[r] = cpu() - c0;
            if (r == 0 && B > 0) {
                lo[threads - 1] = malloc(ng * p * sizeof(double));
                memcpy(lo[threads - 1], d->gap_lo, ng * p * sizeof(double));
            }
            fa_decompose_free(d);
        }
        qsort(ts, (size_t)runs, sizeof *ts, cmp_double);
        qsort(cs, (size_t)runs, sizeof *cs, cmp_double);
        printf("decomposition + bootstrap, %d thread%s: median wall %.3f s, CPU %.3f s of %d "
               "runs (CPU %.2f ns per replicate-row-feature)\n",
               threads, threads > 1 ? "s" : "", ts[runs / 2], cs[runs / 2], runs,
               B ? 1e9 * cs[runs / 2] / ((double)B * (double)n * (double)p) : 0.0);
        free(ts);
        free(cs);
    }
    if (B > 0) {
        printf("intervals with 1 and 2 threads: %s\n",
               memcmp(lo[0], lo[1], ng * p * sizeof(double)) == 0 ? "the same bytes" : "DIFFER");
    }
    free(lo[0]);
    free(lo[1]);
    free(x);
    free(phi);
    free(f);
    free(names);
    free(col_of);
    fa_table_free(xt);
    fa_table_free(pt);
    fa_model_free(m);
    return 0;
}
