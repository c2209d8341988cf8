/*
 * chart_bench.c - speed of reports/chart.c: a 30-page document of charts, each page holding
 * a dot-and-whisker chart of 30 groups, horizontal bars of 20 features, a line chart of four
 * 101-point series and two confusion matrices, and every 10th page also a beeswarm of
 * 10 features x 500 rows (5000 dots: a report has one or two).
 * Prints the median over RUNS runs (default 7) of the time to draw and the time to save
 * (libharu compresses nothing here: HPDF_COMP_NONE, as the report may choose otherwise).
 *
 *   build/release/bench/chart_bench [RUNS] [FONT.ttf]
 */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "reports/chart.h"

#define PAGES 30
#define NR 500
#define NF 10

/* Wall (CLOCK_MONOTONIC) or CPU time of the process, in seconds. */
static double now(clockid_t id)
{
    struct timespec ts;
    clock_gettime(id, &ts);
    return (double)ts.tv_sec + (double)ts.tv_nsec * 1e-9;
}

static void on_error(HPDF_STATUS e, HPDF_STATUS d, void *user)
{
    (void)user;
    fprintf(stderr, "chart_bench: libharu error 0x%04X (%u)\n", (unsigned)e, (unsigned)d);
    exit(3);
}

static int cmp_double(const void *a, const void *b)
{
    double x = *(const double *)a, y = *(const double *)b;
    return (x > y) - (x < y);
}

static double phi[NR * NF], xv[NR * NF];

static int draw_page(HPDF_Page p, const fa_chart_style *st, int swarm, fa_error *err)
{
    static const char *const FEAT[NF] = {"income", "age",   "hours", "education", "tenure",
                                         "region", "score", "debt",  "savings",   "children"};
    char names[30][32];
    fa_chart_row rows[30];
    for (size_t i = 0; i < 30; i++) {
        snprintf(names[i], sizeof names[i], "group %02zu", i);
        double v = 0.5 + 0.02 * (double)i;
        rows[i] = (fa_chart_row){names[i], v, v - 0.05, v + 0.05, i % 9 == 0};
    }
    double bars[20], x[4][101], y[4][101];
    for (size_t i = 0; i < 20; i++) {
        bars[i] = 0.3 / (double)(i + 1) * (i % 3 ? 1.0 : -1.0);
    }
    const char *bl[20];
    for (size_t i = 0; i < 20; i++) {
        bl[i] = names[i];
    }
    fa_chart_series s[4];
    for (size_t k = 0; k < 4; k++) {
        for (size_t i = 0; i < 101; i++) {
            x[k][i] = (double)i / 100.0;
            y[k][i] = pow(x[k][i], 0.3 + 0.2 * (double)k);
        }
        s[k] = (fa_chart_series){names[k], x[k], y[k], 101};
    }
    fa_chart_box top = {40, 560, 515, 240}, mid = {40, 330, 250, 220}, mid2 = {305, 330, 250, 220};
    fa_chart_box low = {40, 130, 515, 190}, c1 = {40, 20, 250, 100}, c2 = {305, 20, 250, 100};
    int rc =
        fa_chart_dot_whisker(p, top, st, "Selection rate", "rate", rows, 30, 0.6, 0.48, 0.75, err);
    rc = rc ? rc : fa_chart_hbars(p, mid, st, "Importance", "phi", bl, bars, NULL, NULL, 20, err);
    rc = rc ? rc : fa_chart_lines(p, mid2, st, "ROC", "FPR", "TPR", s, 4, 0, 1, 0, 1, 1, err);
    if (swarm) {
        rc =
            rc ? rc
               : fa_chart_beeswarm(p, low, st, "Shapley values", "phi", FEAT, NF, phi, xv, NR, err);
    }
    rc = rc ? rc : fa_chart_confusion(p, c1, st, "Group A", 1520, 399, 260, 541, err);
    rc = rc ? rc : fa_chart_confusion(p, c2, st, "Group B", 970, 162, 527, 621, err);
    return rc;
}

int main(int argc, char **argv)
{
    int runs = argc > 1 ? atoi(argv[1]) : 7;
    const char *font = argc > 2 ? argv[2] : "/usr/share/fonts/truetype/dejavu/DejaVuSans.ttf";
    if (runs < 1 || runs > 100) {
        fprintf(stderr, "usage: chart_bench [RUNS 1..100] [FONT.ttf]\n");
        return 2;
    }
    unsigned long long st64 = 1;
    for (size_t i = 0; i < NR * NF; i++) {
        st64 = st64 * 6364136223846793005ULL + 1442695040888963407ULL;
        xv[i] = (double)(st64 >> 11) / 9007199254740992.0;
        phi[i] = (xv[i] - 0.5) * 0.3 / (double)(i % NF + 1);
    }
    double draw[100], save[100], cpu[100];
    for (int r = 0; r < runs; r++) {
        HPDF_Doc doc = HPDF_New(on_error, NULL);
        HPDF_UseUTFEncodings(doc);
        const char *name = HPDF_LoadTTFontFromFile(doc, font, HPDF_TRUE);
        fa_chart_style st = {HPDF_GetFont(doc, name, "UTF-8"), NULL, 8};
        fa_error err;
        double t0 = now(CLOCK_MONOTONIC), c0 = now(CLOCK_PROCESS_CPUTIME_ID);
        for (int pg = 0; pg < PAGES; pg++) {
            HPDF_Page p = HPDF_AddPage(doc);
            HPDF_Page_SetSize(p, HPDF_PAGE_SIZE_A4, HPDF_PAGE_PORTRAIT);
            if (draw_page(p, &st, pg % 10 == 0, &err) != FA_OK) {
                fprintf(stderr, "chart_bench: %s\n", err.message);
                return 3;
            }
        }
        double t1 = now(CLOCK_MONOTONIC);
        cpu[r] = now(CLOCK_PROCESS_CPUTIME_ID) - c0;
        HPDF_SaveToStream(doc);
        double t2 = now(CLOCK_MONOTONIC);
        draw[r] = t1 - t0;
        save[r] = t2 - t1;
        if (r == 0) {
            printf("chart_bench: %d pages, %u bytes\n", PAGES, (unsigned)HPDF_GetStreamSize(doc));
        }
        HPDF_Free(doc);
    }
    qsort(draw, (size_t)runs, sizeof draw[0], cmp_double);
    qsort(save, (size_t)runs, sizeof save[0], cmp_double);
    qsort(cpu, (size_t)runs, sizeof cpu[0], cmp_double);
    printf("chart_bench: median of %d runs: draw %.1f ms wall, %.1f ms CPU (%.2f ms CPU a page), "
           "save %.1f ms\n",
           runs, draw[runs / 2] * 1e3, cpu[runs / 2] * 1e3, cpu[runs / 2] * 1e3 / PAGES,
           save[runs / 2] * 1e3);
    return 0;
}
