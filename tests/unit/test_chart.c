/*
 * test_chart.c - reports/chart.c: "nice" ticks on hand-checked ranges, compact tick labels,
 * the palette, UTF-8-safe ellipsis, input errors, and a render test that draws every chart
 * type (with the hard cases: 30 long UTF-8 names, all-NAN values, a single point, 200 rows,
 * negative waterfall steps, values far outside the band) into a PDF, then checks it with
 * qpdf --check, finds the labels with pdftotext, checks with pdftotext -bbox that no two words
 * overlap, and with pdftoppm that nothing is drawn outside each chart's box.
 *
 * The render test needs DejaVu Sans (fonts-dejavu-core) and skips without it; each external
 * tool part skips when the tool is missing. FA_TEST_KEEP=DIR keeps the PDF in DIR.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h>

#include <float.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "common/text.h"
#include "include/fairaudit.h"
#include "reports/chart.h"

#define FONT "/usr/share/fonts/truetype/dejavu/DejaVuSans.ttf"
#define FONT_BOLD "/usr/share/fonts/truetype/dejavu/DejaVuSans-Bold.ttf"

/* ------------------------------------------------------------------ ticks */

static void expect_ticks(double lo, double hi, size_t max, const double *want, size_t n_want,
                         double want_step)
{
    double t[16], step = 0;
    size_t n = fa_chart_nice_ticks(lo, hi, max, t, &step);
    if (n != n_want) {
        print_error("[%g, %g] max %zu: %zu ticks, expected %zu\n", lo, hi, max, n, n_want);
        fail();
    }
    for (size_t i = 0; i < n; i++) {
        if (t[i] != want[i]) {
            print_error("[%g, %g] tick %zu = %.17g, expected %.17g\n", lo, hi, i, t[i], want[i]);
            fail();
        }
    }
    assert_true(step == want_step);
}

static void chart__ticks_of_unit_range_are_fifths(void **state)
{
    (void)state;
    /* span 1 / 5 gaps = 0.2: steps 0.01 .. 0.1 give 11+ ticks, 0.2 gives 0, 0.2, ..., 1 */
    const double w[] = {0.0, 0.2, 0.4, 0.6, 0.8, 1.0};
    expect_ticks(0.0, 1.0, 6, w, 6, 0.2);
    const double w11[] = {0.0, 0.1, 0.2, 0.3, 0.4, 0.5, 0.6, 0.7, 0.8, 0.9, 1.0};
    expect_ticks(0.0, 1.0, 11, w11, 11, 0.1);
    const double w3[] = {0.0, 0.5, 1.0};
    expect_ticks(0.0, 1.0, 3, w3, 3, 0.5);
}

static void chart__ticks_cover_an_inner_range(void **state)
{
    (void)state;
    /* [0.37, 0.91]: step 0.1 needs 0.3..1.0 = 8 ticks; with at most 6, step 0.2: 0.2..1.0 */
    const double w6[] = {0.2, 0.4, 0.6, 0.8, 1.0};
    expect_ticks(0.37, 0.91, 6, w6, 5, 0.2);
    const double w8[] = {0.3, 0.4, 0.5, 0.6, 0.7, 0.8, 0.9, 1.0};
    expect_ticks(0.37, 0.91, 8, w8, 8, 0.1);
    /* reversed bounds are the same range */
    expect_ticks(0.91, 0.37, 6, w6, 5, 0.2);
}

static void chart__ticks_of_negative_ranges(void **state)
{
    (void)state;
    /* [-3.7, -1.2]: step 0.5 gives -4..-1 = 7 ticks > 6; step 1 gives -4, -3, -2, -1 */
    const double w[] = {-4.0, -3.0, -2.0, -1.0};
    expect_ticks(-3.7, -1.2, 6, w, 4, 1.0);
    /* [-0.15, 0.35]: step 0.1 gives -0.2..0.4 = 7 ticks; step 0.2 gives -0.2, 0, 0.2, 0.4 */
    const double w2[] = {-0.2, 0.0, 0.2, 0.4};
    expect_ticks(-0.15, 0.35, 6, w2, 4, 0.2);
    double t[8];
    size_t n = fa_chart_nice_ticks(-0.15, 0.35, 6, t, NULL);
    assert_int_equal(n, 4);
    assert_false(signbit(t[1])); /* a zero tick is +0, never printed "-0" */
}

static void chart__ticks_of_one_value(void **state)
{
    (void)state;
    /* lo == hi = 0.5 widens by 10%: [0.45, 0.55], step 0.05 */
    const double w[] = {0.45, 0.5, 0.55};
    expect_ticks(0.5, 0.5, 6, w, 3, 0.05);
    /* 0 widens to [-1, 1]: step 0.2 gives 11 ticks, 0.5 gives 5 */
    const double w0[] = {-1.0, -0.5, 0.0, 0.5, 1.0};
    expect_ticks(0.0, 0.0, 6, w0, 5, 0.5);
}

static void chart__ticks_of_huge_and_tiny_values(void **state)
{
    (void)state;
    /* [0, 3e9]: 5e8 gives 7 ticks, 1e9 gives 0, 1e9, 2e9, 3e9 */
    const double w[] = {0.0, 1e9, 2e9, 3e9};
    expect_ticks(0.0, 3e9, 6, w, 4, 1e9);
    /* [1e-12, 4.5e-12]: 5e-13 gives 2..9 = 8 ticks, 1e-12 gives 1e-12 .. 5e-12 */
    const double wt[] = {1e-12, 2e-12, 3e-12, 4e-12, 5e-12};
    expect_ticks(1e-12, 4.5e-12, 6, wt, 5, 1e-12);
    /* values far from 0 with a small spread: [1e6 + 0.2, 1e6 + 0.9] */
    const double wf[] = {1000000.2, 1000000.4, 1000000.6, 1000000.8, 1000001.0};
    expect_ticks(1000000.2, 1000000.9, 6, wf, 5, 0.2);
}

static void chart__ticks_reject_non_finite_input(void **state)
{
    (void)state;
    double t[8], step = 0;
    assert_int_equal(fa_chart_nice_ticks(NAN, 1.0, 6, t, &step), 0);
    assert_true(isnan(step));
    assert_int_equal(fa_chart_nice_ticks(0.0, INFINITY, 6, t, NULL), 0);
    assert_int_equal(fa_chart_nice_ticks(-DBL_MAX, DBL_MAX, 6, t, NULL), 0); /* span overflows */
    assert_int_equal(fa_chart_nice_ticks(0.0, 1.0, 6, NULL, NULL), 0);
    /* max_ticks below 3 is 3: a range around 0 needs -s, 0, s */
    const double w[] = {-0.5, 0.0, 0.5};
    expect_ticks(-0.3, 0.4, 1, w, 3, 0.5);
}

/* Property over many ranges: at most max ticks, covering [lo, hi], 1-2-5 x 10^k apart. */
static void chart__ticks_hold_their_contract_on_many_ranges(void **state)
{
    (void)state;
    uint64_t s = 42;
    for (int it = 0; it < 20000; it++) {
        double u[3];
        for (int j = 0; j < 3; j++) {
            s = s * 6364136223846793005ULL + 1442695040888963407ULL;
            u[j] = (double)(s >> 11) / 9007199254740992.0;
        }
        double scale = pow(10.0, floor(u[2] * 24.0) - 12.0);
        double lo = (u[0] - 0.5) * scale, hi = lo + u[1] * scale;
        size_t max = 3 + (size_t)(u[2] * 1000.0) % 9;
        double t[16], step = 0;
        size_t n = fa_chart_nice_ticks(lo, hi, max, t, &step);
        assert_true(n >= 2 && n <= max);
        assert_true(t[0] <= lo && t[n - 1] >= hi);
        double m = step / pow(10.0, floor(log10(step) + 1e-9));
        assert_true(fabs(m - 1.0) < 1e-9 || fabs(m - 2.0) < 1e-9 || fabs(m - 5.0) < 1e-9);
        for (size_t i = 1; i < n; i++) {
            assert_true(fabs((t[i] - t[i - 1]) - step) <= 1e-9 * fmax(step, fabs(t[i])));
        }
    }
}

/* ------------------------------------------------------------------ tick labels */

static void expect_tick(double v, double step, const char *want)
{
    char buf[32];
    fa_chart_format_tick(buf, sizeof buf, v, step);
    if (strcmp(buf, want) != 0) {
        print_error("tick %.17g (step %g): \"%s\", expected \"%s\"\n", v, step, buf, want);
        fail();
    }
}

static void chart__tick_labels_are_compact(void **state)
{
    (void)state;
    expect_tick(0.25, 0.05, "0.25");
    expect_tick(0.6, 0.2, "0.6");
    expect_tick(1.0, 0.2, "1");
    expect_tick(-0.4, 0.2, "-0.4");
    expect_tick(0.0, 0.2, "0");
    expect_tick(-1e-17, 0.1, "0"); /* never "-0" */
    expect_tick(100.0, 50.0, "100");
    expect_tick(1050.0, 50.0, "1050"); /* a suffix would need 1.05k */
    expect_tick(1500.0, 500.0, "1.5k");
    expect_tick(1000.0, 500.0, "1k");
    expect_tick(2e6, 1e6, "2M");
    expect_tick(3e9, 1e9, "3G");
    expect_tick(2.5e12, 5e11, "2.5T");
    expect_tick(0.001, 0.001, "0.001");
    expect_tick(0.001, 5e-4, "1e-3");
    expect_tick(1e-4, 1e-4, "1e-4");
    expect_tick(0.0015, 5e-4, "1.5e-3");
    expect_tick(-2e-12, 1e-12, "-2e-12");
    expect_tick(3e15, 1e15, "3e15");
    expect_tick(0.012, 0.002, "0.012");
    expect_tick(NAN, 0.1, "undefined");
    char small[4];
    fa_chart_format_tick(small, sizeof small, 1234.5678, 0.0001);
    assert_int_equal(strlen(small), 3); /* truncated, terminated */
}

/* ------------------------------------------------------------------ palette */

static void chart__palette_is_okabe_ito_and_wraps(void **state)
{
    (void)state;
    double a[3], b[3], g[3];
    fa_chart_color(0, a); /* orange #E69F00 */
    assert_true(fabs(a[0] - 230.0 / 255.0) < 0.002 && fabs(a[1] - 159.0 / 255.0) < 0.002 &&
                a[2] == 0.0);
    fa_chart_color(4, a); /* blue #0072B2 */
    assert_true(a[0] == 0.0 && fabs(a[1] - 114.0 / 255.0) < 0.002 &&
                fabs(a[2] - 178.0 / 255.0) < 0.002);
    fa_chart_color(3, a); /* vermillion #D55E00 */
    assert_true(fabs(a[0] - 213.0 / 255.0) < 0.002 && fabs(a[1] - 94.0 / 255.0) < 0.002 &&
                a[2] == 0.0);
    fa_chart_color(FA_CHART_N_COLORS + 2, b);
    fa_chart_color(2, a);
    assert_memory_equal(a, b, sizeof a);
    fa_chart_color_other(g);
    assert_true(g[0] == g[1] && g[1] == g[2] && g[0] > 0.3 && g[0] < 0.8);
    for (size_t i = 0; i < FA_CHART_N_COLORS; i++) {
        fa_chart_color(i, a);
        assert_false(a[0] == a[1] && a[1] == a[2]); /* no grey in the palette */
        for (size_t j = i + 1; j < FA_CHART_N_COLORS; j++) {
            fa_chart_color(j, b);
            double d = fabs(a[0] - b[0]) + fabs(a[1] - b[1]) + fabs(a[2] - b[2]);
            assert_true(d > 0.25);
        }
    }
}

/* ------------------------------------------------------------------ a document and fonts */

typedef struct hpdf_log {
    HPDF_STATUS last;
    int count;
} hpdf_log;

static void on_hpdf_error(HPDF_STATUS error_no, HPDF_STATUS detail_no, void *user)
{
    (void)detail_no;
    hpdf_log *log = user;
    log->last = error_no;
    log->count++;
}

typedef struct doc {
    HPDF_Doc pdf;
    fa_chart_style st;
    hpdf_log log;
} doc;

static int font_present(void)
{
    return access(FONT, R_OK) == 0 && access(FONT_BOLD, R_OK) == 0;
}

static void doc_open(doc *d)
{
    memset(d, 0, sizeof *d);
    d->pdf = HPDF_New(on_hpdf_error, &d->log);
    assert_non_null(d->pdf);
    assert_int_equal(HPDF_UseUTFEncodings(d->pdf), HPDF_OK);
    const char *r = HPDF_LoadTTFontFromFile(d->pdf, FONT, HPDF_TRUE);
    const char *b = HPDF_LoadTTFontFromFile(d->pdf, FONT_BOLD, HPDF_TRUE);
    assert_non_null(r);
    assert_non_null(b);
    d->st.font = HPDF_GetFont(d->pdf, r, "UTF-8");
    d->st.bold = HPDF_GetFont(d->pdf, b, "UTF-8");
    d->st.font_size = 8;
    assert_non_null(d->st.font);
    assert_non_null(d->st.bold);
}

/* ------------------------------------------------------------------ text width and ellipsis */

static void chart__text_width_adds_up_over_utf8(void **state)
{
    (void)state;
    if (!font_present()) {
        skip();
    }
    doc d;
    doc_open(&d);
    double a = fa_chart_text_width(d.st.font, 10, "a");
    assert_true(a > 4.0 && a < 8.0); /* DejaVu Sans "a" is 0.613 em */
    assert_true(fabs(fa_chart_text_width(d.st.font, 10, "aa") - 2 * a) < 1e-9);
    double ma = fa_chart_text_width(d.st.font, 10, "M\xC4\x81ori");
    double parts = fa_chart_text_width(d.st.font, 10, "M") +
                   fa_chart_text_width(d.st.font, 10, "\xC4\x81") +
                   fa_chart_text_width(d.st.font, 10, "ori");
    assert_true(fabs(ma - parts) < 1e-9);
    assert_true(fabs(fa_chart_text_width(d.st.font, 20, "M\xC4\x81ori") - 2 * ma) < 1e-9);
    assert_true(fa_chart_text_width(d.st.font, 10, "") == 0.0);
    assert_true(fa_chart_text_width(d.st.font, 10, NULL) == 0.0);
    HPDF_Free(d.pdf);
}

static void chart__ellipsis_cuts_at_character_boundaries(void **state)
{
    (void)state;
    if (!font_present()) {
        skip();
    }
    doc d;
    doc_open(&d);
    char buf[256];
    HPDF_Font f = d.st.font;
    /* fits: unchanged, width returned */
    double w = fa_chart_ellipsize(buf, sizeof buf, f, 8, "M\xC4\x81ori", 100);
    assert_string_equal(buf, "M\xC4\x81ori");
    assert_true(fabs(w - fa_chart_text_width(f, 8, "M\xC4\x81ori")) < 1e-9);
    /* two-byte letters: every cut keeps whole characters, ends with U+2026, fits */
    const char *name = "\xC4\x80\xC4\x80\xC4\x80\xC4\x80\xC4\x80\xC4\x80\xC4\x80\xC4\x80";
    double full = fa_chart_text_width(f, 8, name);
    for (double max = 2; max < full; max += 0.7) {
        w = fa_chart_ellipsize(buf, sizeof buf, f, 8, name, max);
        size_t len = strlen(buf);
        assert_true(fa_utf8_valid(buf, len, NULL));
        assert_true(w <= max + 1e-9);
        assert_true(fabs(w - fa_chart_text_width(f, 8, buf)) < 1e-9);
        if (len > 0) {
            assert_string_equal(buf + len - 3, "\xE2\x80\xA6");
            assert_int_equal((len - 3) % 2, 0); /* whole two-byte characters */
        }
    }
    /* the longest prefix is kept: "Ā…" is wider than 1 letter + ellipsis, narrower than 2 */
    double one = fa_chart_text_width(f, 8, "\xC4\x80\xE2\x80\xA6");
    fa_chart_ellipsize(buf, sizeof buf, f, 8, name, one + 0.01);
    assert_string_equal(buf, "\xC4\x80\xE2\x80\xA6");
    /* spaces before the ellipsis are dropped */
    double ab = fa_chart_text_width(f, 8, "ab\xE2\x80\xA6");
    fa_chart_ellipsize(buf, sizeof buf, f, 8, "ab  cdefghijkl", ab + 0.5);
    assert_string_equal(buf, "ab\xE2\x80\xA6");
    /* invalid bytes become '?', control characters spaces */
    fa_chart_ellipsize(buf, sizeof buf, f, 8, "a\xFF\tb", 1000);
    assert_string_equal(buf, "a? b");
    /* a small buffer truncates at a character boundary, with the ellipsis */
    char small[8];
    fa_chart_ellipsize(small, sizeof small, f, 8, name, 1000);
    assert_true(fa_utf8_valid(small, strlen(small), NULL));
    assert_string_equal(small, "\xC4\x80\xC4\x80\xE2\x80\xA6");
    /* nothing fits: empty */
    w = fa_chart_ellipsize(buf, sizeof buf, f, 8, name, 1.0);
    assert_string_equal(buf, "");
    assert_true(w == 0.0);
    HPDF_Free(d.pdf);
}

/* ------------------------------------------------------------------ input errors */

static void chart__bad_input_is_a_status_with_a_message(void **state)
{
    (void)state;
    if (!font_present()) {
        skip();
    }
    doc d;
    doc_open(&d);
    HPDF_Page page = HPDF_AddPage(d.pdf);
    fa_error err;
    fa_chart_box box = {50, 50, 300, 200};
    fa_chart_row row = {"a", 0.5, NAN, NAN, 0};

    fa_error_clear(&err);
    fa_chart_box tiny = {50, 50, 40, 20};
    assert_int_equal(
        fa_chart_dot_whisker(page, tiny, &d.st, "t", "x", &row, 1, NAN, NAN, NAN, &err), FA_EINVAL);
    assert_string_equal(err.message, "chart: box 40x20 pt is too small (at least 72x48)");

    /* big enough to try, too small for a title, an axis and one row */
    fa_error_clear(&err);
    fa_chart_box flat = {50, 50, 80, 48};
    fa_chart_row two[2] = {{"a", 0.5, NAN, NAN, 0}, {"b", 0.6, NAN, NAN, 0}};
    assert_int_equal(fa_chart_dot_whisker(page, flat, &d.st, "t", "x", two, 2, NAN, NAN, NAN, &err),
                     FA_EINVAL);
    assert_string_equal(err.message, "chart: box 80x48 pt holds no rows");

    fa_chart_style none = {NULL, NULL, 8};
    fa_error_clear(&err);
    assert_int_equal(fa_chart_confusion(page, box, &none, "t", 1, 2, 3, 4, &err), FA_EINVAL);
    assert_string_equal(err.message, "chart: no page or no font");

    fa_error_clear(&err);
    assert_int_equal(fa_chart_hbars(page, box, &d.st, "t", "x", NULL, NULL, NULL, NULL, 3, &err),
                     FA_EINVAL);
    assert_string_equal(err.message, "chart: 3 rows but no data");

    fa_error_clear(&err);
    assert_int_equal(
        fa_chart_dot_whisker(page, box, &d.st, "t", "x", &row, 1, 1.0, 1.25, 0.8, &err), FA_EINVAL);
    assert_string_equal(err.message, "chart: policy band 1.25..0.8 is empty");

    const char *lab[1] = {"a"};
    const double step[1] = {0.1};
    fa_error_clear(&err);
    assert_int_equal(fa_chart_waterfall(page, box, &d.st, "t", "x", "s", NAN, lab, step, NULL, NULL,
                                        1, "e", &err),
                     FA_EINVAL);
    assert_string_equal(err.message, "chart: waterfall start is undefined");

    fa_error_clear(&err);
    assert_int_equal(fa_chart_confusion(page, box, &d.st, "t", 1, -2, 3, 4, &err), FA_EINVAL);
    assert_string_equal(err.message, "chart: negative count -2");

    fa_chart_series s = {"a", NULL, NULL, 3};
    fa_error_clear(&err);
    assert_int_equal(fa_chart_lines(page, box, &d.st, "t", "x", "y", &s, 1, 0, 1, 0, 1, 0, &err),
                     FA_EINVAL);
    assert_string_equal(err.message, "chart: series 0 has no data");

    /* a page left inside a text object by the caller: libharu refuses, the chart says so */
    assert_int_equal(HPDF_Page_BeginText(page), HPDF_OK);
    fa_error_clear(&err);
    assert_int_equal(fa_chart_hbars(page, box, &d.st, "t", "x", lab, step, NULL, NULL, 1, &err),
                     FA_EIO);
    assert_non_null(strstr(err.message, "chart: libharu error 0x"));
    assert_true(d.log.count > 0);
    HPDF_Free(d.pdf);
}

/* ------------------------------------------------------------------ render test */

#define MAX_PAGES 24
#define MAX_BOXES 8

typedef struct page_boxes {
    fa_chart_box box[MAX_BOXES];
    size_t n;
} page_boxes;

typedef struct render {
    doc d;
    page_boxes pages[MAX_PAGES];
    size_t n_pages;
    size_t control; /* 1-based page drawn wrongly on purpose: the checks must catch it */
    char dir[256], pdf[512];
} render;

static HPDF_Page new_page(render *r)
{
    assert_true(r->n_pages < MAX_PAGES);
    HPDF_Page p = HPDF_AddPage(r->d.pdf);
    assert_non_null(p);
    assert_int_equal(HPDF_Page_SetSize(p, HPDF_PAGE_SIZE_A4, HPDF_PAGE_PORTRAIT), HPDF_OK);
    r->pages[r->n_pages++].n = 0;
    return p;
}

static fa_chart_box use_box(render *r, double x, double y, double w, double h)
{
    page_boxes *pb = &r->pages[r->n_pages - 1];
    fa_chart_box b = {x, y, w, h};
    assert_true(pb->n < MAX_BOXES);
    pb->box[pb->n++] = b;
    return b;
}

static int ok(int rc, const fa_error *err)
{
    if (rc != FA_OK) {
        print_error("chart failed: %d %s\n", rc, err->message);
    }
    return rc;
}

static uint64_t rng_state = 7;

static double uniform(void)
{
    rng_state = rng_state * 6364136223846793005ULL + 1442695040888963407ULL;
    return (double)(rng_state >> 11) / 9007199254740992.0;
}

static const char *const LONG_NAMES[6] = {
    "M\xC4\x81ori",
    "Afro-Brasileiro",
    "Aboriginal and Torres Strait Islander peoples of the northern territories",
    "\xC3\x85land Islanders (\xC3\x85lands\xC3\xB6\x62\x6F\x61r)",
    "Native Hawaiian or Other Pacific Islander, born outside the United States",
    "S\xC3\xA1mi"};

static void draw_all(render *r)
{
    fa_error err;
    fa_error_clear(&err);
    fa_chart_style *st = &r->d.st;
    char names[200][96];

    /* page 1: dot and whisker, 30 rows with long UTF-8 names, the band, a reference, values
     * far outside the band, undefined values and small groups */
    HPDF_Page p = new_page(r);
    fa_chart_row rows[200];
    for (size_t i = 0; i < 30; i++) {
        snprintf(names[i], sizeof names[i], "%s %02zu", LONG_NAMES[i % 6], i);
        double v = 0.6 + 0.8 * uniform();
        rows[i] = (fa_chart_row){names[i], v, v - 0.1, v + 0.12, i % 7 == 3};
    }
    rows[4].value = NAN;
    rows[4].lo = rows[4].hi = NAN;
    rows[9].value = 5.3; /* far above the band */
    rows[9].lo = 4.1;
    rows[9].hi = 6.0;
    rows[12].value = 0.02;
    rows[12].lo = NAN; /* no interval */
    assert_int_equal(ok(fa_chart_dot_whisker(p, use_box(r, 40, 300, 515, 500), st,
                                             "Selection rate ratio to the reference group",
                                             "ratio to reference", rows, 30, 1.0, 0.8, 1.25, &err),
                        &err),
                     FA_OK);
    /* and below it, a single point with a one-sided band, and an all-undefined chart */
    fa_chart_row one = {"Only group", 0.42, 0.30, 0.55, 0};
    assert_int_equal(ok(fa_chart_dot_whisker(p, use_box(r, 40, 150, 250, 120), st, "Single group",
                                             "selection rate", &one, 1, 0.5, NAN, 0.6, &err),
                        &err),
                     FA_OK);
    fa_chart_row und[3] = {
        {"alpha", NAN, NAN, NAN, 0}, {"beta", NAN, 0.1, 0.2, 1}, {"gamma", NAN, NAN, NAN, 0}};
    assert_int_equal(ok(fa_chart_dot_whisker(p, use_box(r, 305, 150, 250, 120), st, "All undefined",
                                             "true positive rate", und, 3, NAN, NAN, NAN, &err),
                        &err),
                     FA_OK);

    /* page 2: 200 groups in a box that holds fewer */
    p = new_page(r);
    for (size_t i = 0; i < 200; i++) {
        snprintf(names[i], sizeof names[i], "group-%03zu", i);
        rows[i] = (fa_chart_row){names[i], 0.1 + 0.004 * (double)i, NAN, NAN, 0};
    }
    assert_int_equal(
        ok(fa_chart_dot_whisker(p, use_box(r, 40, 60, 515, 720), st, "Two hundred groups",
                                "selection rate", rows, 200, NAN, NAN, NAN, &err),
           &err),
        FA_OK);

    /* page 3: bars - signed with whiskers and an undefined value; counts; a narrow box */
    p = new_page(r);
    const char *bl[6] = {"income",
                         "age",
                         "hours per week",
                         "M\xC4\x81ori community",
                         "zip",
                         "education level (years of schooling completed)"};
    const double bv[6] = {0.31, -0.12, 0.08, NAN, -0.27, 0.02};
    const double blo[6] = {0.25, -0.2, 0.01, NAN, -0.31, -0.03};
    const double bhi[6] = {0.36, -0.05, 0.15, NAN, -0.22, 0.07};
    assert_int_equal(
        ok(fa_chart_hbars(p, use_box(r, 40, 560, 515, 240), st, "Permutation fairness importance",
                          "change in disparity", bl, bv, blo, bhi, 6, &err),
           &err),
        FA_OK);
    const char *gl[4] = {"African-American", "Caucasian", "Hispanic", "Other"};
    const double gv[4] = {3175, 2103, 509, 343};
    assert_int_equal(ok(fa_chart_hbars(p, use_box(r, 40, 330, 300, 200), st, "Group sizes", "rows",
                                       gl, gv, NULL, NULL, 4, &err),
                        &err),
                     FA_OK);
    const double gn[4] = {-1500, -300, 800, 12500};
    assert_int_equal(ok(fa_chart_hbars(p, use_box(r, 360, 330, 195, 200), st,
                                       "Narrow diverging bars with a very long title indeed",
                                       "difference", gl, gn, NULL, NULL, 4, &err),
                        &err),
                     FA_OK);
    /* the smallest boxes: the label column gives way to the plot */
    fa_chart_row tiny[3] = {{"Aboriginal and Torres Strait Islander", 0.5, 0.4, 0.6, 1},
                            {"M\xC4\x81ori", NAN, NAN, NAN, 0},
                            {"Afro-Brasileiro", 1e6 + 0.2, NAN, NAN, 0}};
    assert_int_equal(
        ok(fa_chart_dot_whisker(p, use_box(r, 330, 150, 72, 100), st, "Tiny box, long names", "x",
                                tiny, 3, 1.0, 0.8, 1.25, &err),
           &err),
        FA_OK);
    assert_int_equal(ok(fa_chart_hbars(p, use_box(r, 420, 150, 100, 72), st, "Tiny", "x", gl, gn,
                                       NULL, NULL, 4, &err),
                        &err),
                     FA_OK);
    assert_int_equal(ok(fa_chart_hbars(p, use_box(r, 40, 150, 250, 150), st, "Empty", "x", NULL,
                                       NULL, NULL, NULL, 0, &err),
                        &err),
                     FA_OK);

    /* page 4: lines - ROC with a diagonal; calibration with a gap; a single point */
    p = new_page(r);
    double rx[3][21], ry[3][21];
    for (size_t k = 0; k < 3; k++) {
        for (size_t i = 0; i < 21; i++) {
            double f = (double)i / 20.0;
            rx[k][i] = f;
            ry[k][i] = pow(f, 0.3 + 0.25 * (double)k);
        }
    }
    ry[1][10] = NAN; /* a gap in one curve */
    fa_chart_series ser[3] = {{"African-American", rx[0], ry[0], 21},
                              {"Caucasian", rx[1], ry[1], 21},
                              {"M\xC4\x81ori", rx[2], ry[2], 21}};
    assert_int_equal(
        ok(fa_chart_lines(p, use_box(r, 40, 480, 515, 320), st, "ROC curves", "false positive rate",
                          "true positive rate", ser, 3, 0, 1, 0, 1, 1, &err),
           &err),
        FA_OK);
    double px[1] = {0.4}, py[1] = {0.7};
    fa_chart_series single = {"one point", px, py, 1};
    assert_int_equal(
        ok(fa_chart_lines(p, use_box(r, 40, 200, 250, 240), st, "Single point", "threshold",
                          "selection rate", &single, 1, NAN, NAN, NAN, NAN, 0, &err),
           &err),
        FA_OK);
    /* twelve series in a narrow box: the legend runs out, "+ K more not shown" */
    static double tx[12][5], ty[12][5];
    fa_chart_series many[12];
    char sn[12][32];
    for (size_t k = 0; k < 12; k++) {
        for (size_t i = 0; i < 5; i++) {
            tx[k][i] = 100.0 * (double)i;
            ty[k][i] = 1000.0 * (double)k + 250.0 * (double)i;
        }
        snprintf(sn[k], sizeof sn[k], "series %zu", k);
        many[k] = (fa_chart_series){sn[k], tx[k], ty[k], 5};
    }
    assert_int_equal(ok(fa_chart_lines(p, use_box(r, 305, 200, 250, 240), st, "Many series",
                                       "score", "count", many, 12, NAN, NAN, NAN, NAN, 0, &err),
                        &err),
                     FA_OK);

    /* negative values, a long name in a right-hand legend, a series with no finite point */
    static double nx[40], ny[40], nn[3] = {NAN, NAN, NAN};
    for (size_t i = 0; i < 40; i++) {
        nx[i] = (double)i * 0.25 - 2.0;
        ny[i] = sin(nx[i]) * 2.5 - 0.5;
    }
    fa_chart_series neg[2] = {
        {"Native Hawaiian or Other Pacific Islander, born outside the United States", nx, ny, 40},
        {"nothing", nn, nn, 3}};
    assert_int_equal(ok(fa_chart_lines(p, use_box(r, 40, 20, 515, 160), st, "Negative values",
                                       "margin", "difference", neg, 2, NAN, NAN, NAN, NAN, 0, &err),
                        &err),
                     FA_OK);

    /* page 5: waterfalls - negative steps with intervals and an undefined step; 60 steps */
    p = new_page(r);
    const char *wl[5] = {"prior convictions", "age", "M\xC4\x81ori indicator", "charge degree",
                         "sex"};
    const double ws[5] = {0.081, -0.034, NAN, -0.052, 0.012};
    const double wlo[5] = {0.06, -0.05, NAN, -0.07, -0.004};
    const double whi[5] = {0.10, -0.02, NAN, -0.03, 0.03};
    assert_int_equal(
        ok(fa_chart_waterfall(p, use_box(r, 40, 560, 515, 240), st,
                              "Decomposition of the disparity", "mean output", "reference group",
                              0.412, wl, ws, wlo, whi, 5, "African-American", &err),
           &err),
        FA_OK);
    const char *fl[60];
    double fs[60];
    for (size_t i = 0; i < 60; i++) {
        snprintf(names[i], sizeof names[i], "feature %02zu", i);
        fl[i] = names[i];
        fs[i] = (i % 2 ? -1.0 : 1.0) * 0.2 / (double)(i + 1);
    }
    assert_int_equal(
        ok(fa_chart_waterfall(p, use_box(r, 40, 60, 515, 470), st, "Sixty steps fold into one row",
                              "score", "base", -0.3, fl, fs, NULL, NULL, 60, "final", &err),
           &err),
        FA_OK);

    /* page 6: beeswarm and confusion matrices */
    p = new_page(r);
    enum { NR = 300, NF = 5 };
    static double phi[NR * NF], xv[NR * NF];
    for (size_t i = 0; i < NR; i++) {
        for (size_t j = 0; j < NF; j++) {
            double x = uniform();
            xv[i * NF + j] = x;
            phi[i * NF + j] = (x - 0.5) * 0.4 / (double)(j + 1) + 0.02 * (uniform() - 0.5);
            if (j == 3) {
                phi[i * NF + j] = NAN; /* a feature with no attributions */
            }
        }
    }
    const char *feat[NF] = {"prior convictions", "age", "charge degree", "M\xC4\x81ori indicator",
                            "juvenile misdemeanours"};
    assert_int_equal(
        ok(fa_chart_beeswarm(p, use_box(r, 40, 520, 515, 280), st, "Shapley values",
                             "SHAP value (impact on score)", feat, NF, phi, xv, NR, &err),
           &err),
        FA_OK);
    assert_int_equal(
        ok(fa_chart_confusion(p, use_box(r, 40, 300, 250, 180), st, "Confusion matrix: Caucasian",
                              1234, 567, 89, 4321, &err),
           &err),
        FA_OK);
    assert_int_equal(ok(fa_chart_confusion(p, use_box(r, 305, 300, 250, 180), st,
                                           "Confusion matrix: empty group", 0, 0, 0, 0, &err),
                        &err),
                     FA_OK);
    assert_int_equal(ok(fa_chart_confusion(p, use_box(r, 40, 100, 150, 120), st, "Weighted", 12.5,
                                           3.25, NAN, 1e7, &err),
                        &err),
                     FA_OK);
    /* thirty series in a small box: the legend takes a third of the height, the rest is
     * "+ K more not shown" and those series are not drawn */
    static double mx[30][2], my[30][2];
    static char mn[30][16];
    fa_chart_series thirty[30];
    for (size_t k = 0; k < 30; k++) {
        mx[k][0] = 0.0, mx[k][1] = 1.0;
        my[k][0] = 0.0, my[k][1] = (double)(k + 1) / 30.0;
        snprintf(mn[k], sizeof mn[k], "curve %zu", k);
        thirty[k] = (fa_chart_series){mn[k], mx[k], my[k], 2};
    }
    assert_int_equal(ok(fa_chart_lines(p, use_box(r, 305, 60, 250, 180), st, "Thirty curves", "x",
                                       "y", thirty, 30, 0, 1, 0, 1, 1, &err),
                        &err),
                     FA_OK);
}

/* A page that breaks both rules on purpose: two overlapping words, ink outside its box. */
static void draw_control(render *r)
{
    HPDF_Page p = new_page(r);
    use_box(r, 100, 400, 200, 100);
    assert_int_equal(HPDF_Page_BeginText(p), HPDF_OK);
    assert_int_equal(HPDF_Page_SetFontAndSize(p, r->d.st.font, 10), HPDF_OK);
    assert_int_equal(HPDF_Page_TextOut(p, 110, 450, "control"), HPDF_OK);
    assert_int_equal(HPDF_Page_TextOut(p, 114, 452, "overlap"), HPDF_OK);
    assert_int_equal(HPDF_Page_EndText(p), HPDF_OK);
    assert_int_equal(HPDF_Page_Rectangle(p, 400, 100, 20, 20), HPDF_OK);
    assert_int_equal(HPDF_Page_Fill(p), HPDF_OK);
    r->control = r->n_pages;
}

static int have(const char *tool)
{
    char cmd[128];
    snprintf(cmd, sizeof cmd, "command -v %s >/dev/null 2>&1", tool);
    return system(cmd) == 0;
}

static char *slurp(const char *path)
{
    FILE *f = fopen(path, "rb");
    if (!f) {
        return NULL;
    }
    fseek(f, 0, SEEK_END);
    long n = ftell(f);
    fseek(f, 0, SEEK_SET);
    char *s = malloc((size_t)n + 1);
    if (s && fread(s, 1, (size_t)n, f) != (size_t)n) {
        free(s);
        s = NULL;
    }
    if (s) {
        s[n] = '\0';
    }
    fclose(f);
    return s;
}

static void check_text(const render *r)
{
    char cmd[2048], out[600];
    snprintf(out, sizeof out, "%s/chart.txt", r->dir);
    snprintf(cmd, sizeof cmd, "pdftotext -enc UTF-8 '%s' '%s' 2>/dev/null", r->pdf, out);
    assert_int_equal(system(cmd), 0);
    char *t = slurp(out);
    assert_non_null(t);
    static const char *const WANT[] = {"Selection rate ratio to the reference group",
                                       "M\xC4\x81ori 00",
                                       "S\xC3\xA1mi 05",
                                       "policy band 0.8\u20131.25",
                                       "reference 1",
                                       "outside band",
                                       "(n<30)",
                                       "beta (n<30)",
                                       "undefined",
                                       "5.3",
                                       "policy \xE2\x89\xA4 0.6",
                                       "Only group",
                                       "0.42",
                                       " more not shown",
                                       "Permutation fairness importance",
                                       "0.31",
                                       "-0.27",
                                       "3175",
                                       "12500",
                                       "no data",
                                       "ROC curves",
                                       "false positive rate",
                                       "0.2",
                                       "one point",
                                       "0.4",
                                       "Decomposition of the disparity",
                                       "reference group",
                                       "0.412",
                                       "+0.081",
                                       "-0.034",
                                       "African-American",
                                       "more (sum)",
                                       "Shapley values",
                                       "feature value:",
                                       "high",
                                       "M\xC4\x81ori indicator",
                                       "TP \xC2\xB7 19.9%",
                                       "1234",
                                       "4321",
                                       "FN \xC2\xB7 1.4%",
                                       "TN",
                                       "12.5",
                                       "TP \xC2\xB7 <0.1%",
                                       "3.25",
                                       "10000000",
                                       "Predicted +",
                                       "Actual \xE2\x88\x92",
                                       "group-000"};
    for (size_t i = 0; i < sizeof WANT / sizeof WANT[0]; i++) {
        if (!strstr(t, WANT[i])) {
            print_error("pdftotext output lacks \"%s\"\n", WANT[i]);
            fail();
        }
    }
    /* thirty curves: the legend's shown entries and "+ K more" add up to 30 */
    const char *tc = strstr(t, "Thirty curves");
    assert_non_null(tc);
    size_t curves = 0, curves_more = 0;
    for (int k = 0; k < 30; k++) {
        char name[32];
        snprintf(name, sizeof name, "curve %d\n", k);
        curves += strstr(tc, name) != NULL;
    }
    const char *cm = strstr(tc, " more not shown");
    assert_non_null(cm);
    while (cm > tc && *cm != '+') {
        cm--;
    }
    assert_int_equal(sscanf(cm, "+ %zu more not shown", &curves_more), 1);
    assert_true(curves >= 2 && curves < 30);
    assert_int_equal(curves + curves_more, 30);
    /* pdftotext may drop the narrow spaces of the diagonal's legend entry */
    assert_true(strstr(t, "y = x") || strstr(t, "y=x"));
    /* 200 rows: the shown groups and the "+ K more" add up to 200 */
    size_t shown = 0, more = 0;
    for (int i = 0; i < 200; i++) {
        char g[32];
        snprintf(g, sizeof g, "group-%03d", i);
        shown += strstr(t, g) != NULL;
    }
    const char *m = strstr(t, "Two hundred groups");
    assert_non_null(m);
    const char *q = strstr(m, " more not shown");
    assert_non_null(q);
    while (q > m && *q != '+') {
        q--;
    }
    assert_int_equal(sscanf(q, "+ %zu more not shown", &more), 1);
    assert_true(shown > 40 && shown < 200);
    assert_int_equal(shown + more, 200);
    free(t);
}

/* Word boxes from pdftotext -bbox, per page: no two words of a page overlap. */
static void check_no_overlap(const render *r)
{
    char cmd[2048], out[600], line[1024];
    snprintf(out, sizeof out, "%s/chart.html", r->dir);
    snprintf(cmd, sizeof cmd, "pdftotext -bbox -enc UTF-8 '%s' '%s' 2>/dev/null", r->pdf, out);
    assert_int_equal(system(cmd), 0);
    FILE *f = fopen(out, "r");
    assert_non_null(f);
    enum { MAXW = 4000 };
    static double bx[MAXW][4];
    static char bw[MAXW][64];
    size_t n = 0, pages = 0, words = 0;
    int bad = 0, caught = 0;
    for (int more = 1; more;) {
        more = fgets(line, sizeof line, f) != NULL;
        if (!more || strstr(line, "<page ")) {
            for (size_t i = 0; i < n; i++) {
                for (size_t j = i + 1; j < n; j++) {
                    double ox = fmin(bx[i][2], bx[j][2]) - fmax(bx[i][0], bx[j][0]);
                    double oy = fmin(bx[i][3], bx[j][3]) - fmax(bx[i][1], bx[j][1]);
                    if (ox > 0.3 && oy > 0.6 && pages == r->control) {
                        caught = 1;
                    } else if (ox > 0.3 && oy > 0.6) {
                        print_error("page %zu: \"%s\" overlaps \"%s\" (%.1f x %.1f pt)\n", pages,
                                    bw[i], bw[j], ox, oy);
                        bad = 1;
                    }
                }
            }
            pages += more;
            n = 0;
            continue;
        }
        double a, b, c, d;
        char w[64] = "";
        if (sscanf(line, " <word xMin=\"%lf\" yMin=\"%lf\" xMax=\"%lf\" yMax=\"%lf\">%63[^<]", &a,
                   &b, &c, &d, w) >= 4 &&
            n < MAXW) {
            bx[n][0] = a, bx[n][1] = b, bx[n][2] = c, bx[n][3] = d;
            snprintf(bw[n], sizeof bw[n], "%s", w);
            n++;
            words++;
        }
    }
    fclose(f);
    assert_int_equal(pages, r->n_pages);
    assert_true(words > 400);
    assert_false(bad);
    assert_true(caught);
}

/* Renders each page to greyscale and checks every pixel outside the page's boxes is white. */
static void check_inside_boxes(const render *r)
{
    const double dpi = 72.0, px = dpi / 72.0;
    for (size_t pg = 0; pg < r->n_pages; pg++) {
        char cmd[2048], base[600], pgm[640];
        snprintf(base, sizeof base, "%s/page%zu", r->dir, pg + 1);
        snprintf(pgm, sizeof pgm, "%s.pgm", base);
        snprintf(cmd, sizeof cmd,
                 "pdftoppm -gray -r %.0f -f %zu -l %zu -singlefile '%s' '%s' 2>/dev/null", dpi,
                 pg + 1, pg + 1, r->pdf, base);
        assert_int_equal(system(cmd), 0);
        FILE *f = fopen(pgm, "rb");
        assert_non_null(f);
        int w = 0, h = 0, mx = 0;
        assert_int_equal(fscanf(f, "P5 %d %d %d", &w, &h, &mx), 3);
        fgetc(f);
        unsigned char *img = malloc((size_t)w * (size_t)h);
        assert_non_null(img);
        assert_int_equal(fread(img, 1, (size_t)w * (size_t)h, f), (size_t)w * (size_t)h);
        fclose(f);
        size_t outside = 0, inside_ink = 0;
        const page_boxes *pb = &r->pages[pg];
        for (int y = 0; y < h; y++) {
            for (int x = 0; x < w; x++) {
                /* pixel centre in PDF points, origin bottom-left */
                double cx = (x + 0.5) / px, cy = (double)h / px - (y + 0.5) / px;
                int in = 0;
                for (size_t b = 0; b < pb->n; b++) {
                    const fa_chart_box *bb = &pb->box[b];
                    in |= cx >= bb->x - 1.5 && cx <= bb->x + bb->w + 1.5 && cy >= bb->y - 1.5 &&
                          cy <= bb->y + bb->h + 1.5;
                }
                unsigned char v = img[(size_t)y * (size_t)w + (size_t)x];
                if (!in && v < 250) {
                    if (outside++ < 5 && pg + 1 != r->control) {
                        print_error("page %zu: ink at (%.0f, %.0f) pt outside every box\n", pg + 1,
                                    cx, cy);
                    }
                }
                inside_ink += in && v < 128;
            }
        }
        free(img);
        remove(pgm);
        if (pg + 1 == r->control) {
            assert_true(outside > 100); /* the 20 x 20 pt square */
            continue;
        }
        assert_int_equal(outside, 0);
        assert_true(inside_ink > 2000); /* not an empty page */
    }
}

static void chart__every_chart_renders_readably(void **state)
{
    (void)state;
    if (!font_present()) {
        skip();
    }
    render *r = calloc(1, sizeof *r);
    assert_non_null(r);
    const char *keep = getenv("FA_TEST_KEEP");
    if (keep && *keep) {
        snprintf(r->dir, sizeof r->dir, "%s", keep);
    } else {
        snprintf(r->dir, sizeof r->dir, "/tmp/test_chart_XXXXXX");
        assert_non_null(mkdtemp(r->dir));
    }
    snprintf(r->pdf, sizeof r->pdf, "%s/chart.pdf", r->dir);
    doc_open(&r->d);
    draw_all(r);
    draw_control(r);
    assert_int_equal(r->d.log.count, 0);
    assert_int_equal(HPDF_SaveToFile(r->d.pdf, r->pdf), HPDF_OK);
    HPDF_Free(r->d.pdf);

    if (have("qpdf")) {
        char cmd[700];
        snprintf(cmd, sizeof cmd, "qpdf --check '%s' >/dev/null", r->pdf);
        assert_int_equal(system(cmd), 0);
    }
    int tools = have("pdftotext") && have("pdftoppm");
    if (tools) {
        check_text(r);
        check_no_overlap(r);
        check_inside_boxes(r);
    }
    if (!(keep && *keep)) {
        char cmd[700];
        snprintf(cmd, sizeof cmd, "rm -rf '%s'", r->dir);
        assert_int_equal(system(cmd), 0);
    }
    free(r);
    if (!tools) {
        skip();
    }
}

/* The same charts give the same bytes: no clock, no address, no hash order in the output. */
static void chart__same_input_same_bytes(void **state)
{
    (void)state;
    if (!font_present()) {
        skip();
    }
    unsigned char *bytes[2] = {NULL, NULL};
    HPDF_UINT32 len[2] = {0, 0};
    for (int k = 0; k < 2; k++) {
        render *r = calloc(1, sizeof *r);
        assert_non_null(r);
        doc_open(&r->d);
        rng_state = 7;
        draw_all(r);
        assert_int_equal(HPDF_SaveToStream(r->d.pdf), HPDF_OK);
        len[k] = HPDF_GetStreamSize(r->d.pdf);
        assert_true(len[k] > 1000);
        bytes[k] = malloc(len[k]);
        assert_non_null(bytes[k]);
        HPDF_UINT32 got = len[k];
        assert_int_equal(HPDF_ReadFromStream(r->d.pdf, bytes[k], &got), HPDF_OK);
        assert_int_equal(got, len[k]);
        HPDF_Free(r->d.pdf);
        free(r);
    }
    assert_int_equal(len[0], len[1]);
    assert_memory_equal(bytes[0], bytes[1], len[0]);
    free(bytes[0]);
    free(bytes[1]);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(chart__ticks_of_unit_range_are_fifths),
        cmocka_unit_test(chart__ticks_cover_an_inner_range),
        cmocka_unit_test(chart__ticks_of_negative_ranges),
        cmocka_unit_test(chart__ticks_of_one_value),
        cmocka_unit_test(chart__ticks_of_huge_and_tiny_values),
        cmocka_unit_test(chart__ticks_reject_non_finite_input),
        cmocka_unit_test(chart__ticks_hold_their_contract_on_many_ranges),
        cmocka_unit_test(chart__tick_labels_are_compact),
        cmocka_unit_test(chart__palette_is_okabe_ito_and_wraps),
        cmocka_unit_test(chart__text_width_adds_up_over_utf8),
        cmocka_unit_test(chart__ellipsis_cuts_at_character_boundaries),
        cmocka_unit_test(chart__bad_input_is_a_status_with_a_message),
        cmocka_unit_test(chart__every_chart_renders_readably),
        cmocka_unit_test(chart__same_input_same_bytes),
    };
    return cmocka_run_group_tests_name("chart", tests, NULL, NULL);
}
