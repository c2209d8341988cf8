/*
 * reports/chart.c - charts for the PDF report, drawn with libharu's vector primitives.
 *
 * Every layout is computed before anything is drawn: all text is measured with the caller's
 * font (HPDF_Font_TextWidth, UTF-8 aware for a TrueType font with the UTF-8 encoder), row
 * labels are shortened with an ellipsis at a character boundary, and an axis keeps the largest
 * number of "nice" 1-2-5 ticks whose labels are at least a space apart (fewer ticks, then every
 * k-th label, when they would not be). The page is divided top to bottom into the title, a
 * legend line (so legends never cover data), the plot and the axis, all inside the caller's
 * box. NAN values are written as "undefined" where the mark would be, never drawn at 0.
 *
 * Colours: the Okabe-Ito palette (Okabe & Ito 2008), distinguishable under the common colour
 * vision deficiencies; meaning is carried by shape or dash as well as hue (a diamond for a
 * value outside the policy band, hollow markers for small groups, a dashed reference line).
 */
#include "reports/chart.h"

#include <float.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "common/alloc.h"
#include "common/error.h"
#include "common/text.h"

#define MIN_FS 6.0    /* smallest font size for any text */
#define LINE_H 1.25   /* line height, in font sizes */
#define ASCENT 0.93   /* DejaVu Sans ascent, in font sizes (0.928 em) */
#define MAX_TICKS 11  /* most ticks on one axis */
#define LABEL_MAX 256 /* bytes of a shortened label */
#define NUM_MAX 32    /* bytes of a formatted number */
#define MAX_LEGEND 8  /* items in a legend line */
#define R(v) ((HPDF_REAL)(v))

static const double PALETTE[FA_CHART_N_COLORS][3] = {
    {0.902, 0.624, 0.000}, /* orange #E69F00 */
    {0.337, 0.706, 0.914}, /* sky blue #56B4E9 */
    {0.000, 0.620, 0.451}, /* bluish green #009E73 */
    {0.835, 0.369, 0.000}, /* vermillion #D55E00 */
    {0.000, 0.447, 0.698}, /* blue #0072B2, after vermillion: far from sky blue */
    {0.800, 0.475, 0.655}, /* reddish purple #CC79A7 */
    {0.941, 0.894, 0.259}, /* yellow #F0E442, last: weakest on white */
};
static const double BLUE[3] = {0.000, 0.447, 0.698};
static const double VERMILLION[3] = {0.835, 0.369, 0.000};
static const double PURPLE[3] = {0.800, 0.475, 0.655};
static const double INK[3] = {0.15, 0.15, 0.15};
static const double MUTED[3] = {0.45, 0.45, 0.45};
static const double GRID[3] = {0.88, 0.88, 0.88};
static const double BAND[3] = {0.80, 0.92, 0.87};
static const double WHITE[3] = {1.0, 1.0, 1.0};
static const char ELLIPSIS[] = "\xE2\x80\xA6";

/* ------------------------------------------------------------------ drawing context */

typedef struct cx {
    HPDF_Page page;
    HPDF_Font font, bold;
    double fs, small; /* body and small (ticks, legend, notes) font sizes */
    HPDF_STATUS hs;   /* first libharu failure; nothing is drawn after one */
    /* the page's colours, line width and dash as last set (NAN, -1: unknown), so that
     * unchanged state is not written again: each libharu operator costs a 512-byte memset */
    double fc[3], sc[3], sw;
    int dash;
} cx;

static void cx_forget(cx *c)
{
    c->fc[0] = c->sc[0] = c->sw = NAN;
    c->dash = -1;
}

typedef enum { LEFT, CENTER, RIGHT } align;

static void ck(cx *c, HPDF_STATUS s)
{
    if (s != HPDF_OK && c->hs == HPDF_OK) {
        c->hs = s;
    }
}

static int same3(const double a[3], const double b[3])
{
    return a[0] == b[0] && a[1] == b[1] && a[2] == b[2];
}

static void fill(cx *c, const double rgb[3])
{
    if (!c->hs && !same3(c->fc, rgb)) {
        ck(c, HPDF_Page_SetRGBFill(c->page, R(rgb[0]), R(rgb[1]), R(rgb[2])));
        memcpy(c->fc, rgb, sizeof c->fc);
    }
}

static void stroke(cx *c, const double rgb[3], double width, int dashed)
{
    static const HPDF_UINT16 DASH[2] = {3, 2};
    if (c->hs) {
        return;
    }
    if (!same3(c->sc, rgb)) {
        ck(c, HPDF_Page_SetRGBStroke(c->page, R(rgb[0]), R(rgb[1]), R(rgb[2])));
        memcpy(c->sc, rgb, sizeof c->sc);
    }
    if (c->sw != width) {
        ck(c, HPDF_Page_SetLineWidth(c->page, R(width)));
        c->sw = width;
    }
    if (c->dash != (dashed != 0)) {
        ck(c, dashed ? HPDF_Page_SetDash(c->page, DASH, 2, 0)
                     : HPDF_Page_SetDash(c->page, NULL, 0, 0));
        c->dash = dashed != 0;
    }
}

static void seg(cx *c, double x0, double y0, double x1, double y1)
{
    if (!c->hs) {
        ck(c, HPDF_Page_MoveTo(c->page, R(x0), R(y0)));
        ck(c, HPDF_Page_LineTo(c->page, R(x1), R(y1)));
        ck(c, HPDF_Page_Stroke(c->page));
    }
}

static void rect(cx *c, double x, double y, double w, double h)
{
    if (!c->hs) {
        ck(c, HPDF_Page_Rectangle(c->page, R(x), R(y), R(w), R(h)));
        ck(c, HPDF_Page_Fill(c->page));
    }
}

/* A marker: circle or diamond of radius r, filled (or white with a coloured outline). */
static void marker(cx *c, double x, double y, double r, int diamond, int hollow,
                   const double rgb[3])
{
    if (c->hs) {
        return;
    }
    fill(c, hollow ? WHITE : rgb);
    stroke(c, rgb, 0.9, 0);
    if (diamond) {
        r *= 1.25;
        ck(c, HPDF_Page_MoveTo(c->page, R(x), R(y + r)));
        ck(c, HPDF_Page_LineTo(c->page, R(x + r), R(y)));
        ck(c, HPDF_Page_LineTo(c->page, R(x), R(y - r)));
        ck(c, HPDF_Page_LineTo(c->page, R(x - r), R(y)));
        ck(c, HPDF_Page_ClosePath(c->page));
    } else {
        ck(c, HPDF_Page_Circle(c->page, R(x), R(y), R(r)));
    }
    ck(c, HPDF_Page_FillStroke(c->page));
}

static double width_n(HPDF_Font font, double size, const char *s, size_t len)
{
    if (!font || !s || len == 0) {
        return 0.0;
    }
    HPDF_TextWidth tw = HPDF_Font_TextWidth(font, (const HPDF_BYTE *)s, (HPDF_UINT)len);
    return (double)tw.width * size / 1000.0;
}

/* Text with its baseline at y, aligned on x; rot: turned 90 degrees, centred on y. */
static void text_at(cx *c, HPDF_Font f, double size, double x, double y, align al, int rot,
                    const double rgb[3], const char *s)
{
    if (c->hs || !s || !*s) {
        return;
    }
    double w = fa_chart_text_width(f, size, s);
    fill(c, rgb);
    ck(c, HPDF_Page_BeginText(c->page));
    ck(c, HPDF_Page_SetFontAndSize(c->page, f, R(size)));
    if (rot) {
        ck(c, HPDF_Page_SetTextMatrix(c->page, 0, 1, -1, 0, R(x), R(y - w / 2)));
    } else {
        double dx = al == LEFT ? 0.0 : al == CENTER ? w / 2 : w;
        ck(c, HPDF_Page_SetTextMatrix(c->page, 1, 0, 0, 1, R(x - dx), R(y)));
    }
    ck(c, HPDF_Page_ShowText(c->page, s));
    ck(c, HPDF_Page_EndText(c->page));
}

static void clip_begin(cx *c, double x, double y, double w, double h)
{
    if (!c->hs) {
        ck(c, HPDF_Page_GSave(c->page));
        ck(c, HPDF_Page_Rectangle(c->page, R(x), R(y), R(w), R(h)));
        ck(c, HPDF_Page_Clip(c->page));
        ck(c, HPDF_Page_EndPath(c->page));
    }
}

static void clip_end(cx *c)
{
    if (!c->hs) {
        ck(c, HPDF_Page_GRestore(c->page));
        cx_forget(c);
    }
}

static int cx_init(cx *c, HPDF_Page page, fa_chart_box box, const fa_chart_style *st, fa_error *err)
{
    memset(c, 0, sizeof *c);
    cx_forget(c);
    if (!page || !st || !st->font) {
        return fa_error_set(err, FA_EINVAL, NULL, 0, 0, "chart: no page or no font");
    }
    if (!(box.w >= 72.0 && box.h >= 48.0) || !isfinite(box.x + box.y + box.w + box.h)) {
        return fa_error_set(err, FA_EINVAL, NULL, 0, 0,
                            "chart: box %.0fx%.0f pt is too small (at least 72x48)", box.w, box.h);
    }
    c->page = page;
    c->font = st->font;
    c->bold = st->bold ? st->bold : st->font;
    c->fs = isfinite(st->font_size) && st->font_size > MIN_FS ? fmin(st->font_size, 14.0) : MIN_FS;
    c->small = fmax(MIN_FS, c->fs - 1.0);
    return FA_OK;
}

static int cx_finish(const cx *c, fa_error *err)
{
    if (c->hs == HPDF_OK) {
        return FA_OK;
    }
    if (err && err->status != FA_OK) {
        return err->status; /* the caller's libharu error handler has said more */
    }
    return fa_error_set(err, FA_EIO, NULL, 0, 0, "chart: libharu error 0x%04X", (unsigned)c->hs);
}

/* ------------------------------------------------------------------ palette, ticks, text */

void fa_chart_color(size_t i, double rgb[3])
{
    const double *p = PALETTE[i % FA_CHART_N_COLORS];
    rgb[0] = p[0];
    rgb[1] = p[1];
    rgb[2] = p[2];
}

void fa_chart_color_other(double rgb[3])
{
    rgb[0] = rgb[1] = rgb[2] = 0.6;
}

/* i * mant * 10^k, dividing by 10^-k for negative k so that 3 * 2 / 10 rounds to 0.6. */
static double scaled(double i, double mant, int k)
{
    if (k >= 0) {
        return i * mant * pow(10.0, (double)k);
    }
    if (k >= -300) {
        return i * mant / pow(10.0, (double)-k);
    }
    return i * mant * pow(10.0, (double)k);
}

size_t fa_chart_nice_ticks(double lo, double hi, size_t max_ticks, double ticks[], double *step)
{
    static const double MANT[3] = {1.0, 2.0, 5.0};
    if (step) {
        *step = NAN;
    }
    if (!ticks || !isfinite(lo) || !isfinite(hi) || !isfinite(hi - lo) || !isfinite(lo - hi)) {
        return 0;
    }
    if (max_ticks < 3) {
        max_ticks = 3; /* a range around 0 always needs 3: -s, 0, s */
    }
    if (lo > hi) {
        double t = lo;
        lo = hi;
        hi = t;
    }
    double mag = fmax(fabs(lo), fabs(hi));
    if (hi - lo <= mag * 1e-9) { /* one value, or below the resolution of doubles */
        double d = mag > 1e-300 ? mag * 0.1 : 1.0;
        lo -= d;
        hi += d;
    }
    int k = (int)floor(log10((hi - lo) / (double)(max_ticks - 1))) - 1;
    for (int iter = 0; iter < 64; iter++, k++) {
        for (size_t m = 0; m < 3; m++) {
            double s = scaled(1.0, MANT[m], k);
            if (!(s > 0.0) || !isfinite(s)) {
                continue;
            }
            double a = floor(lo / s + 1e-9), b = ceil(hi / s - 1e-9);
            if (b - a + 1.0 > (double)max_ticks) {
                continue;
            }
            size_t n = (size_t)(b - a) + 1;
            for (size_t j = 0; j < n; j++) {
                double v = scaled(a + (double)j, MANT[m], k);
                ticks[j] = v == 0.0 ? 0.0 : v; /* never -0 */
            }
            if (step) {
                *step = s;
            }
            return n;
        }
    }
    return 0;
}

/* Decimals needed to write x (> 0) exactly, at most 12. */
static int decimals(double x)
{
    int d = 0;
    while (d < 12) {
        double y = x * pow(10.0, (double)d);
        if (fabs(y - round(y)) <= 1e-6 * fmax(1.0, y)) {
            break;
        }
        d++;
    }
    return d;
}

/* Removes trailing zeros (and a bare '.') after a decimal point in s[0..len). */
static size_t strip_zeros(char *s, size_t len)
{
    if (!memchr(s, '.', len)) {
        return len;
    }
    while (len > 0 && s[len - 1] == '0') {
        len--;
    }
    if (len > 0 && s[len - 1] == '.') {
        len--;
    }
    s[len] = '\0';
    return len;
}

char *fa_chart_format_tick(char *buf, size_t size, double value, double step)
{
    char tmp[64];
    if (!buf || size == 0) {
        return buf;
    }
    if (!isfinite(value)) {
        snprintf(buf, size, "undefined");
        return buf;
    }
    double av = fabs(value);
    if (!(step > 0.0) || !isfinite(step)) {
        step = av > 0.0 ? av : 1.0;
    }
    if (av < step * 1e-6) {
        snprintf(buf, size, "0");
        return buf;
    }
    int es = (int)floor(log10(step) + 1e-9);
    if (es <= -4 || es >= 15 || av >= 1e15) { /* 1.5e-3, 2e15 */
        int ev = (int)floor(log10(av) + 1e-9);
        int d = decimals(step / pow(10.0, (double)ev));
        snprintf(tmp, sizeof tmp, "%.*e", d, value);
        char *e = strchr(tmp, 'e');
        if (!e) {
            snprintf(buf, size, "%s", tmp);
            return buf;
        }
        *e = '\0';
        strip_zeros(tmp, strlen(tmp));
        long ex = strtol(e + 1, NULL, 10);
        snprintf(buf, size, "%se%ld", tmp, ex);
        return buf;
    }
    if (av >= 1000.0 && es >= 2) { /* 1.5k, 20M */
        static const char SUFFIX[4][2] = {"k", "M", "G", "T"};
        int u = av >= 1e12 ? 3 : av >= 1e9 ? 2 : av >= 1e6 ? 1 : 0;
        double unit = pow(10.0, (double)(3 * (u + 1)));
        snprintf(tmp, sizeof tmp, "%.*f", decimals(step / unit), value / unit);
        strip_zeros(tmp, strlen(tmp));
        snprintf(buf, size, "%s%s", tmp, SUFFIX[u]);
        return buf;
    }
    snprintf(tmp, sizeof tmp, "%.*f", decimals(step), value);
    strip_zeros(tmp, strlen(tmp));
    snprintf(buf, size, "%s", strcmp(tmp, "-0") == 0 ? "0" : tmp);
    return buf;
}

/* A value for a mark: whole numbers below 1e6 exactly, others with 3 significant digits,
 * compact: 3175, 0.412, -0.034, 1.25, 12.3M, 1.5e-4. */
static char *fmt_num(char *buf, size_t size, double v)
{
    char tmp[64];
    double av = fabs(v);
    if (!isfinite(v)) {
        snprintf(buf, size, "undefined");
    } else if (av < 1e6 && v == round(v)) {
        snprintf(buf, size, "%.0f", v == 0.0 ? 0.0 : v);
    } else if (av >= 1e6) {
        double step = pow(10.0, floor(log10(av)) - 2.0);
        return fa_chart_format_tick(buf, size, round(v / step) * step, step);
    } else if (av >= 1e-3) {
        int d = 2 - (int)floor(log10(av));
        snprintf(tmp, sizeof tmp, "%.*f", d < 0 ? 0 : d, v);
        strip_zeros(tmp, strlen(tmp));
        snprintf(buf, size, "%s", tmp);
    } else {
        snprintf(tmp, sizeof tmp, "%.2e", v);
        char *e = strchr(tmp, 'e');
        long ex = e ? strtol(e + 1, NULL, 10) : 0;
        if (e) {
            *e = '\0';
        }
        strip_zeros(tmp, strlen(tmp));
        snprintf(buf, size, "%se%ld", tmp, ex);
    }
    return buf;
}

double fa_chart_text_width(HPDF_Font font, double size, const char *utf8)
{
    return utf8 ? width_n(font, size, utf8, strlen(utf8)) : 0.0;
}

double fa_chart_ellipsize(char *buf, size_t size, HPDF_Font font, double font_size,
                          const char *utf8, double max_width)
{
    if (!buf || size == 0) {
        return 0.0;
    }
    buf[0] = '\0';
    if (!utf8) {
        return 0.0;
    }
    /* a clean copy: invalid bytes become '?', control characters spaces */
    size_t n = strlen(utf8), len = 0;
    int cut = 0;
    for (size_t i = 0; i < n;) {
        size_t k = fa_utf8_char_len((const unsigned char *)utf8 + i, n - i);
        const char *src = utf8 + i;
        size_t tl = k;
        if (k == 0) {
            src = "?";
            tl = k = 1;
        } else if (k == 1 && ((unsigned char)*src < 0x20 || *src == 0x7f)) {
            src = " ";
        }
        if (len + tl + 1 > size) {
            cut = 1;
            break;
        }
        memcpy(buf + len, src, tl);
        len += tl;
        i += k;
    }
    buf[len] = '\0';
    double w = width_n(font, font_size, buf, len);
    if (!cut && w <= max_width) {
        return w;
    }
    double ew = width_n(font, font_size, ELLIPSIS, 3);
    while (len > 0) {
        do { /* back one whole character */
            len--;
        } while (len > 0 && ((unsigned char)buf[len] & 0xC0) == 0x80);
        size_t keep = len;
        while (keep > 0 && buf[keep - 1] == ' ') {
            keep--;
        }
        if (keep == 0 || keep + 4 > size) {
            continue;
        }
        w = width_n(font, font_size, buf, keep) + ew;
        if (w <= max_width) {
            memcpy(buf + keep, ELLIPSIS, 4);
            return w;
        }
    }
    if (size >= 4 && ew <= max_width) {
        memcpy(buf, ELLIPSIS, 4);
        return ew;
    }
    buf[0] = '\0';
    return 0.0;
}

/* ------------------------------------------------------------------ axes */

typedef struct axis {
    double lo, hi; /* data range shown */
    double p0, p1; /* page coordinates of lo and hi */
    double ticks[MAX_TICKS];
    char lab[MAX_TICKS][NUM_MAX];
    double lw[MAX_TICKS]; /* label widths at c->small */
    size_t n, every;      /* ticks, and label every k-th */
} axis;

static double ax_map(const axis *a, double v)
{
    return a->p0 + (v - a->lo) / (a->hi - a->lo) * (a->p1 - a->p0);
}

/* Data extent of finite values; returns 0 when there is none. */
typedef struct extent {
    double lo, hi;
    int any;
} extent;

static void ext_add(extent *e, double v)
{
    if (!isfinite(v)) {
        return;
    }
    if (!e->any) {
        e->lo = e->hi = v;
        e->any = 1;
    }
    e->lo = fmin(e->lo, v);
    e->hi = fmax(e->hi, v);
}

/*
 * Ticks for [lo, hi] on an axis of `len` points: the most ticks (up to one per `density`
 * points) whose labels keep a gap, else every k-th label. exact: the axis is [lo, hi] and the
 * ticks inside it; otherwise the axis runs from the first to the last tick.
 */
static void ax_fit(cx *c, axis *a, double lo, double hi, int exact, double len, int vertical)
{
    double gap = vertical ? c->small * 0.6 : c->small * 0.9;
    double density = vertical ? c->small * 2.8 : c->small * 5.0;
    size_t m = (size_t)fmax(3.0, fmin((double)MAX_TICKS, floor(len / density) + 1.0));
    for (;; m--) {
        double t[MAX_TICKS], step = NAN;
        size_t n = fa_chart_nice_ticks(lo, hi, m, t, &step);
        a->n = 0;
        for (size_t i = 0; i < n; i++) {
            if (!exact || (t[i] >= lo - 1e-9 * (hi - lo) && t[i] <= hi + 1e-9 * (hi - lo))) {
                a->ticks[a->n++] = t[i];
            }
        }
        a->lo = exact || n == 0 ? lo : t[0];
        a->hi = exact || n == 0 ? hi : t[n - 1];
        for (size_t i = 0; i < a->n; i++) {
            fa_chart_format_tick(a->lab[i], NUM_MAX, a->ticks[i], step);
            a->lw[i] = vertical ? c->small : fa_chart_text_width(c->font, c->small, a->lab[i]);
        }
        double per = len / (a->hi - a->lo);
        for (a->every = 1; a->every < a->n + 1; a->every++) {
            size_t i = 0;
            for (; i + a->every < a->n; i += a->every) {
                double d = (a->ticks[i + a->every] - a->ticks[i]) * per;
                if (d < (a->lw[i] + a->lw[i + a->every]) / 2 + gap) {
                    break;
                }
            }
            if (i + a->every >= a->n) {
                break;
            }
        }
        if (a->every == 1 || m <= 3) {
            return;
        }
    }
}

/*
 * Draws a horizontal axis at y with grid lines up to y_top, tick labels and an axis label
 * (baseline label_y) centred under the axis, moved sideways if needed to stay in the box.
 */
static void ax_draw_x(cx *c, const axis *a, double y, double y_top, const char *label,
                      double label_y, fa_chart_box box)
{
    char buf[LABEL_MAX];
    for (size_t i = 0; i < a->n; i++) {
        double x = ax_map(a, a->ticks[i]);
        stroke(c, GRID, 0.5, 0);
        seg(c, x, y, x, y_top);
        stroke(c, INK, 0.6, 0);
        seg(c, x, y, x, y - 3);
        /* 5 pt down: clear of a y tick label at the same corner (lines chart) */
        if (i % a->every == 0) {
            text_at(c, c->font, c->small, x, y - 5 - c->small * ASCENT, CENTER, 0, INK, a->lab[i]);
        }
    }
    stroke(c, INK, 0.6, 0);
    seg(c, a->p0, y, a->p1, y);
    if (label && *label) {
        double w = fa_chart_ellipsize(buf, sizeof buf, c->font, c->fs, label, box.w);
        double mid = fmin(fmax((a->p0 + a->p1) / 2, box.x + w / 2), box.x + box.w - w / 2);
        text_at(c, c->font, c->fs, mid, label_y, CENTER, 0, INK, buf);
    }
}

/* Height under an x axis line: ticks, their labels and (if any) the axis label. */
static double ax_x_depth(const cx *c, const char *label)
{
    return 5 + c->small * LINE_H + (label && *label ? c->fs * LINE_H : 0.0);
}

/* ------------------------------------------------------------------ titles and legends */

typedef enum {
    SW_DASH,
    SW_BAND,
    SW_DOT,
    SW_HOLLOW,
    SW_DIAMOND,
    SW_LINE,
    SW_BAR,
    SW_GRADIENT
} swatch;

typedef struct legend_item {
    swatch kind;
    int dashed;
    const double *rgb;
    char text[LABEL_MAX];
} legend_item;

/* Colour of rank position t in [0, 1]: blue, reddish purple, vermillion. */
static void ramp(double t, double rgb[3])
{
    const double *a = t < 0.5 ? BLUE : PURPLE, *b = t < 0.5 ? PURPLE : VERMILLION;
    double u = t < 0.5 ? t * 2 : t * 2 - 1;
    for (int j = 0; j < 3; j++) {
        rgb[j] = a[j] + (b[j] - a[j]) * u;
    }
}

static double sw_width(const cx *c, swatch k)
{
    return k == SW_GRADIENT ? c->small * 5 : k == SW_DASH || k == SW_LINE ? c->small * 2 : c->small;
}

static void sw_draw(cx *c, const legend_item *it, double x, double y)
{
    double h = c->small * 0.7, w = sw_width(c, it->kind), cy = y + h / 2;
    switch (it->kind) {
    case SW_DASH:
    case SW_LINE:
        stroke(c, it->rgb, it->kind == SW_DASH ? 1.0 : 1.4, it->kind == SW_DASH || it->dashed);
        seg(c, x, cy, x + w, cy);
        break;
    case SW_BAND:
    case SW_BAR:
        fill(c, it->rgb);
        rect(c, x, y, w, h);
        break;
    case SW_DOT:
    case SW_HOLLOW:
    case SW_DIAMOND:
        marker(c, x + w / 2, cy, h / 2, it->kind == SW_DIAMOND, it->kind == SW_HOLLOW, it->rgb);
        break;
    case SW_GRADIENT:
        for (int i = 0; i < 20; i++) {
            double col[3];
            ramp((i + 0.5) / 20.0, col);
            fill(c, col);
            rect(c, x + w * i / 20.0, y, w / 20.0 + 0.2, h);
        }
        break;
    }
}

/* Shortens each item's text so that the item alone fits within width. */
static void legend_fit(const cx *c, legend_item *it, size_t n, double width)
{
    char tmp[LABEL_MAX];
    for (size_t i = 0; i < n; i++) {
        memcpy(tmp, it[i].text, sizeof tmp);
        fa_chart_ellipsize(it[i].text, sizeof it[i].text, c->font, c->small, tmp,
                           width - sw_width(c, it[i].kind) - 3);
    }
}

/* Lines needed to lay the items out left to right within width. */
static size_t legend_lines(const cx *c, const legend_item *it, size_t n, double width)
{
    size_t lines = n > 0;
    double x = 0;
    for (size_t i = 0; i < n; i++) {
        double w = sw_width(c, it[i].kind) + 3 + fa_chart_text_width(c->font, c->small, it[i].text);
        if (x > 0 && x + w > width) {
            lines++;
            x = 0;
        }
        x += w + c->small * 1.5;
    }
    return lines;
}

static void legend_draw(cx *c, const legend_item *it, size_t n, double x0, double y_top,
                        double width)
{
    double x = 0, base = y_top - c->small * ASCENT;
    for (size_t i = 0; i < n; i++) {
        double tw = fa_chart_text_width(c->font, c->small, it[i].text);
        double w = sw_width(c, it[i].kind) + 3 + tw;
        if (x > 0 && x + w > width) {
            base -= c->small * LINE_H;
            x = 0;
        }
        sw_draw(c, &it[i], x0 + x, base);
        text_at(c, c->font, c->small, x0 + x + sw_width(c, it[i].kind) + 3, base, LEFT, 0, INK,
                it[i].text);
        x += w + c->small * 1.5;
    }
}

/* Draws the title (bold, shortened to the box width); returns the y below it. */
static double draw_title(cx *c, fa_chart_box box, const char *title)
{
    char buf[LABEL_MAX];
    double top = box.y + box.h;
    if (!title || !*title) {
        return top;
    }
    double size = c->fs + 1;
    fa_chart_ellipsize(buf, sizeof buf, c->bold, size, title, box.w);
    text_at(c, c->bold, size, box.x, top - size * ASCENT, LEFT, 0, INK, buf);
    return top - size * LINE_H - 2;
}

static void no_data(cx *c, fa_chart_box box, double y_top, const char *msg)
{
    stroke(c, GRID, 0.6, 0);
    if (!c->hs) {
        ck(c, HPDF_Page_Rectangle(c->page, R(box.x + 0.5), R(box.y + 0.5), R(box.w - 1),
                                  R(y_top - box.y - 1)));
        ck(c, HPDF_Page_Stroke(c->page));
    }
    text_at(c, c->font, c->fs, box.x + box.w / 2, (box.y + y_top) / 2 - c->fs * 0.35, CENTER, 0,
            MUTED, msg);
}

/* ------------------------------------------------------------------ row charts */

/*
 * The frame shared by the one-row-per-item charts: rows from `top` down, `row_h` apart,
 * the first n_show of the n items, labels in a column on the left.
 */
typedef struct rows {
    double top, row_h, fs; /* first row's top edge, row pitch, label font size */
    double vfs;            /* font size of values beside marks */
    size_t n_show, n_more;
    double axis_y, label_x; /* x axis line; right edge of the label column */
    double note_y;          /* baseline of "+ K more not shown" */
} rows;

/* Vertical layout below y_top, down to the box bottom. Returns FA_OK or FA_EINVAL. */
static int rows_layout(const cx *c, fa_chart_box box, double y_top, size_t n,
                       const char *axis_label, int fold_extra, rows *r, fa_error *err)
{
    double depth = ax_x_depth(c, axis_label);
    double avail = y_top - c->small * 0.3 - (box.y + depth) - 1;
    double pitch_min = MIN_FS * LINE_H;
    memset(r, 0, sizeof *r);
    r->top = y_top - c->small * 0.3;
    r->n_show = n;
    if (n > 0 && avail / (double)n < pitch_min) {
        double note = fold_extra ? 0.0 : c->small * LINE_H;
        double fit = floor((avail - note) / pitch_min);
        if (fit < (fold_extra ? 3.0 : 1.0)) {
            return fa_error_set(err, FA_EINVAL, NULL, 0, 0, "chart: box %.0fx%.0f pt holds no rows",
                                box.w, box.h);
        }
        r->n_show = (size_t)fit;
        r->n_more = n - r->n_show + (fold_extra ? 1 : 0);
        avail -= note;
    }
    r->row_h = r->n_show ? fmin(avail / (double)r->n_show, c->fs * 3.0) : c->fs * 3.0;
    r->fs = fmax(MIN_FS, fmin(c->fs, r->row_h / LINE_H));
    r->vfs = fmin(c->small, r->fs);
    r->axis_y = r->top - r->row_h * (double)r->n_show - 1;
    r->note_y = r->axis_y - depth - c->small * ASCENT;
    return FA_OK;
}

static double row_mid(const rows *r, size_t i)
{
    return r->top - r->row_h * ((double)i + 0.5);
}

/* Baseline that centres text of size fs on y (DejaVu cap height 0.73 em). */
static double mid_base(double y, double fs)
{
    return y - fs * 0.36;
}

/* The label column's width: the widest shown label at r->fs, at most 40% of the box. */
static double label_col(const cx *c, fa_chart_box box, const rows *r, const char *const labels[],
                        size_t n, const char *suffix_of_flagged, const int *flagged)
{
    double w = 0;
    for (size_t i = 0; i < n && i < r->n_show; i++) {
        double lw = fa_chart_text_width(c->font, r->fs, labels[i]);
        if (flagged && flagged[i]) {
            lw += fa_chart_text_width(c->font, r->fs, suffix_of_flagged);
        }
        w = fmax(w, lw);
    }
    return fmin(w, box.w * 0.4);
}

/* A row label, shortened to width (a flagged suffix is kept whole), right-aligned at x. */
static void row_label(cx *c, const rows *r, size_t i, const char *label, const char *suffix,
                      double x, double width)
{
    char buf[LABEL_MAX + 16];
    double sw = suffix ? fa_chart_text_width(c->font, r->fs, suffix) : 0.0;
    if (sw > width - r->fs * 2) { /* no room: the hollow marker and the legend say it */
        suffix = NULL;
        sw = 0.0;
    }
    fa_chart_ellipsize(buf, LABEL_MAX, c->font, r->fs, label ? label : "", width - sw);
    if (suffix) {
        strncat(buf, suffix, sizeof buf - strlen(buf) - 1);
    }
    text_at(c, c->font, r->fs, x, mid_base(row_mid(r, i), r->fs), RIGHT, 0, INK, buf);
}

static void more_note(cx *c, fa_chart_box box, const rows *r)
{
    char buf[64];
    if (r->n_more > 0) {
        snprintf(buf, sizeof buf, "+ %zu more not shown", r->n_more);
        text_at(c, c->font, c->small, box.x, r->note_y, LEFT, 0, MUTED, buf);
    }
}

/*
 * Fits the x axis between the label column and the box's right edge less right_w, for data
 * [lo, hi]:
 * the first and last tick labels stay inside the box.
 */
static void rows_axis(cx *c, fa_chart_box box, double *label_w, double right_w, double lo,
                      double hi, axis *a)
{
    /* the plot keeps a third of the box at least: the label column gives way */
    double room = box.w - 2 - right_w - c->small * 0.8 - fmax(box.w / 3, c->small * 5);
    *label_w = fmax(0.0, fmin(*label_w, room));
    double left = box.x + *label_w + c->small * 0.8, right = box.x + box.w - 2 - right_w;
    /* the axis spans the data exactly (ticks inside), unless there is no span */
    int exact = hi - lo > 1e-12 * fmax(fabs(lo), fabs(hi));
    a->p0 = left;
    a->p1 = right - c->small;
    for (int pass = 0; pass < 3; pass++) {
        ax_fit(c, a, lo, hi, exact, a->p1 - a->p0, 0);
        size_t last = a->n ? ((a->n - 1) / a->every) * a->every : 0;
        double need_l = a->n ? box.x + a->lw[0] / 2 + 1 : left;
        double need_r = a->n ? right - a->lw[last] / 2 : right;
        if (a->n && last != a->n - 1) {
            need_r = right; /* the last tick has no label */
        }
        double p0 = fmax(left, need_l), p1 = need_r;
        if (fabs(p0 - a->p0) < 0.01 && fabs(p1 - a->p1) < 0.01) {
            break;
        }
        a->p0 = p0;
        a->p1 = p1;
    }
}

/* Common input checks of the row charts. */
static int check_arrays(size_t n, const void *a, const void *b, fa_error *err)
{
    if (n > 0 && (!a || !b)) {
        return fa_error_set(err, FA_EINVAL, NULL, 0, 0, "chart: %zu rows but no data", n);
    }
    if (n > (size_t)1 << 24) {
        return fa_error_set(err, FA_EINVAL, NULL, 0, 0, "chart: %zu rows is too many", n);
    }
    return FA_OK;
}

/* "undefined" in row i from x, moved left (not before x_min) or shortened to end by x_max. */
static void undefined_at(cx *c, const rows *r, size_t i, double x, double x_min, double x_max)
{
    char buf[16];
    double w = fa_chart_text_width(c->font, r->fs, "undefined");
    x = fmax(x_min, fmin(x, x_max - w));
    fa_chart_ellipsize(buf, sizeof buf, c->font, r->fs, "undefined", x_max - x);
    text_at(c, c->font, r->fs, x, mid_base(row_mid(r, i), r->fs), LEFT, 0, MUTED, buf);
}

static void whisker(cx *c, double x0, double x1, double y, double cap)
{
    stroke(c, INK, 0.8, 0);
    seg(c, x0, y, x1, y);
    seg(c, x0, y - cap, x0, y + cap);
    seg(c, x1, y - cap, x1, y + cap);
}

/* ------------------------------------------------------------------ dot and whisker */

static int in_band(double v, double lo, double hi)
{
    return (isnan(lo) || v >= lo) && (isnan(hi) || v <= hi);
}

int fa_chart_dot_whisker(HPDF_Page page, fa_chart_box box, const fa_chart_style *st,
                         const char *title, const char *axis_label, const fa_chart_row rows_in[],
                         size_t n, double reference, double band_lo, double band_hi, fa_error *err)
{
    cx c;
    rows r;
    axis a;
    legend_item leg[MAX_LEGEND];
    size_t nl = 0;
    char num[2][NUM_MAX];
    int rc = cx_init(&c, page, box, st, err);
    if (rc || (rc = check_arrays(n, rows_in, rows_in, err))) {
        return rc;
    }
    int band = isfinite(band_lo) || isfinite(band_hi), any_out = 0, any_flag = 0;
    if (band && isfinite(band_lo) && isfinite(band_hi) && band_lo > band_hi) {
        return fa_error_set(err, FA_EINVAL, NULL, 0, 0, "chart: policy band %g..%g is empty",
                            band_lo, band_hi);
    }
    for (size_t i = 0; i < n; i++) {
        any_flag |= rows_in[i].flagged != 0;
        any_out |=
            band && isfinite(rows_in[i].value) && !in_band(rows_in[i].value, band_lo, band_hi);
    }
    double y = draw_title(&c, box, title);
    if (band) {
        leg[nl] = (legend_item){SW_BAND, 0, BAND, ""};
        if (isfinite(band_lo) && isfinite(band_hi)) {
            snprintf(leg[nl].text, LABEL_MAX, "policy band %s\xE2\x80\x93%s",
                     fmt_num(num[0], NUM_MAX, band_lo), fmt_num(num[1], NUM_MAX, band_hi));
        } else {
            snprintf(leg[nl].text, LABEL_MAX, "policy %s %s",
                     isfinite(band_lo) ? "\xE2\x89\xA5" : "\xE2\x89\xA4",
                     fmt_num(num[0], NUM_MAX, isfinite(band_lo) ? band_lo : band_hi));
        }
        nl++;
    }
    if (isfinite(reference)) {
        leg[nl] = (legend_item){SW_DASH, 0, INK, ""};
        snprintf(leg[nl++].text, LABEL_MAX, "reference %s", fmt_num(num[0], NUM_MAX, reference));
    }
    if (any_out) {
        leg[nl++] = (legend_item){SW_DIAMOND, 0, VERMILLION, "outside band"};
    }
    if (any_flag) {
        leg[nl++] = (legend_item){SW_HOLLOW, 0, BLUE, "small group (n<30)"};
    }
    double leg_top = y;
    legend_fit(&c, leg, nl, box.w);
    y -= (double)legend_lines(&c, leg, nl, box.w) * c.small * LINE_H;
    if (n == 0) {
        no_data(&c, box, y, "no data");
        return cx_finish(&c, err);
    }
    if ((rc = rows_layout(&c, box, y, n, axis_label, 0, &r, err))) {
        return rc;
    }
    legend_draw(&c, leg, nl, box.x, leg_top, box.w);

    extent e = {0, 0, 0};
    for (size_t i = 0; i < r.n_show; i++) {
        ext_add(&e, rows_in[i].value);
        if (isfinite(rows_in[i].lo) && isfinite(rows_in[i].hi)) {
            ext_add(&e, rows_in[i].lo);
            ext_add(&e, rows_in[i].hi);
        }
    }
    ext_add(&e, reference);
    ext_add(&e, band_lo);
    ext_add(&e, band_hi);
    ext_add(&e, 0.0); /* rates, ratios and differences all read against 0 */
    if (e.lo >= 0.0 && e.hi <= 1.0) {
        e.hi = 1.0; /* a rate: the whole [0, 1] scale */
    }

    static const char FLAG[] = " (n<30)";
    const char *labels[1];
    double lw = 0;
    for (size_t i = 0; i < r.n_show; i++) {
        labels[0] = rows_in[i].label ? rows_in[i].label : "";
        int f = rows_in[i].flagged != 0;
        lw = fmax(lw, label_col(&c, box, &r, labels, 1, FLAG, &f));
    }
    /* the values in a column on the right, clear of every mark */
    double vw = 0;
    for (size_t i = 0; i < r.n_show; i++) {
        if (isfinite(rows_in[i].value)) {
            fmt_num(num[0], NUM_MAX, rows_in[i].value);
            vw = fmax(vw, fa_chart_text_width(c.font, r.vfs, num[0]));
        }
    }
    rows_axis(&c, box, &lw, vw > 0 ? vw + c.small : 0.0, e.lo, e.hi, &a);
    double y_top = r.top;
    if (band) {
        double x0 = ax_map(&a, isfinite(band_lo) ? band_lo : a.lo);
        double x1 = ax_map(&a, isfinite(band_hi) ? band_hi : a.hi);
        fill(&c, BAND);
        rect(&c, x0, r.axis_y, x1 - x0, y_top - r.axis_y);
    }
    ax_draw_x(&c, &a, r.axis_y, y_top, axis_label,
              r.axis_y - ax_x_depth(&c, axis_label) + 0.25 * c.fs, box);
    if (isfinite(reference)) {
        stroke(&c, INK, 1.0, 1);
        seg(&c, ax_map(&a, reference), r.axis_y, ax_map(&a, reference), y_top);
    }
    double rad = fmin(3.2, r.row_h * 0.3);
    for (size_t i = 0; i < r.n_show; i++) {
        const fa_chart_row *w = &rows_in[i];
        double ym = row_mid(&r, i), v = w->value;
        row_label(&c, &r, i, w->label, w->flagged ? FLAG : NULL, a.p0 - c.small * 0.8, lw);
        if (!isfinite(v)) {
            undefined_at(&c, &r, i, a.p0 + 2, a.p0, box.x + box.w);
            continue;
        }
        if (isfinite(w->lo) && isfinite(w->hi)) {
            whisker(&c, ax_map(&a, w->lo), ax_map(&a, w->hi), ym, rad * 0.8);
        }
        int out = band && !in_band(v, band_lo, band_hi);
        marker(&c, ax_map(&a, v), ym, rad, out, w->flagged, out ? VERMILLION : BLUE);
        fmt_num(num[0], NUM_MAX, v);
        text_at(&c, c.font, r.vfs, box.x + box.w, mid_base(ym, r.vfs), RIGHT, 0, INK, num[0]);
    }
    more_note(&c, box, &r);
    return cx_finish(&c, err);
}

/* ------------------------------------------------------------------ horizontal bars */

/*
 * The value texts beside bars need room: widens [lo, hi] until every text ends inside the
 * plot, given each row's bar end `end[i]` (NAN: none) in data units; texts at `size`, bold
 * (the widest font) when measured, with a "+" before positive values when `plus`, on the
 * right of the end when v[i] >= 0 or first_last (the first and last rows, a waterfall's
 * totals), else on the left.
 */
static void room_for_values(cx *c, fa_chart_box box, double *label_w, double size, int plus,
                            int first_last, const double end[], const double v[], size_t n,
                            double *lo, double *hi, axis *a)
{
    char num[NUM_MAX + 1];
    double span = *hi - *lo, lo0 = *lo, hi0 = *hi;
    for (int pass = 0; pass < 4; pass++) {
        rows_axis(c, box, label_w, 0.0, *lo, *hi, a);
        double per = (a->hi - a->lo) / (a->p1 - a->p0), need_lo = *lo, need_hi = *hi;
        for (size_t i = 0; i < n; i++) {
            if (!isfinite(end[i]) || !isfinite(v[i])) {
                continue;
            }
            num[0] = '+';
            fmt_num(num + 1, NUM_MAX, v[i]);
            const char *t = plus && v[i] > 0 ? num : num + 1;
            double tw = (fa_chart_text_width(c->bold, size, t) + 8) * per;
            if (v[i] >= 0 || (first_last && (i == 0 || i + 1 == n))) {
                need_hi = fmax(need_hi, end[i] + tw);
            } else {
                need_lo = fmin(need_lo, end[i] - tw);
            }
        }
        if (need_lo >= a->lo && need_hi <= a->hi) {
            return;
        }
        /* at most 3 times the data's span: past that a text goes inside its bar, or not at all */
        *lo = fmax(fmin(*lo, need_lo), lo0 - span);
        *hi = fmin(fmax(*hi, need_hi), hi0 + span);
    }
}

/*
 * A value text for row i at the end xe of a mark spanning [x0, x1]: outside the mark (right of
 * it when right, else left) if it ends within [x_min, x_max], else inside a bar (white on the
 * bar) if it fits there, else not at all.
 */
static void value_text(cx *c, const rows *r, size_t i, HPDF_Font f, const char *t, double xe,
                       int right, double x0, double x1, double x_min, double x_max)
{
    double w = fa_chart_text_width(f, r->vfs, t), y = mid_base(row_mid(r, i), r->vfs);
    if (right ? xe + 2 + w <= x_max : xe - 2 - w >= x_min) {
        text_at(c, f, r->vfs, right ? xe + 2 : xe - 2, y, right ? LEFT : RIGHT, 0, INK, t);
    } else if (fabs(x1 - x0) >= w + 4) {
        text_at(c, f, r->vfs, right ? fmax(x0, x1) - 2 : fmin(x0, x1) + 2, y, right ? RIGHT : LEFT,
                0, WHITE, t);
    }
}

int fa_chart_hbars(HPDF_Page page, fa_chart_box box, const fa_chart_style *st, const char *title,
                   const char *axis_label, const char *const labels[], const double values[],
                   const double lo[], const double hi[], size_t n, fa_error *err)
{
    cx c;
    rows r;
    axis a;
    char num[NUM_MAX];
    int rc = cx_init(&c, page, box, st, err);
    if (rc || (rc = check_arrays(n, labels, values, err))) {
        return rc;
    }
    int wk = lo && hi;
    double y = draw_title(&c, box, title);
    if (n == 0) {
        no_data(&c, box, y, "no data");
        return cx_finish(&c, err);
    }
    if ((rc = rows_layout(&c, box, y, n, axis_label, 0, &r, err))) {
        return rc;
    }
    double *end = fa_alloc_array(r.n_show, sizeof *end);
    if (!end) {
        return fa_error_set(err, FA_ENOMEM, NULL, 0, 0, "chart: out of memory");
    }
    extent e = {0, 0, 0};
    ext_add(&e, 0.0);
    for (size_t i = 0; i < r.n_show; i++) {
        double v = values[i];
        ext_add(&e, v);
        end[i] = v;
        if (wk && isfinite(v) && isfinite(lo[i]) && isfinite(hi[i])) {
            ext_add(&e, lo[i]);
            ext_add(&e, hi[i]);
            end[i] = v >= 0 ? fmax(v, hi[i]) : fmin(v, lo[i]);
        }
    }
    double lw = label_col(&c, box, &r, labels, n, NULL, NULL);
    double dlo = e.lo, dhi = e.hi;
    room_for_values(&c, box, &lw, r.vfs, 0, 0, end, values, r.n_show, &dlo, &dhi, &a);
    free(end);
    ax_draw_x(&c, &a, r.axis_y, r.top, axis_label,
              r.axis_y - ax_x_depth(&c, axis_label) + 0.25 * c.fs, box);
    double x0 = ax_map(&a, 0.0), th = fmin(r.row_h * 0.7, c.fs * 1.8);
    for (size_t i = 0; i < r.n_show; i++) {
        double ym = row_mid(&r, i), v = values[i];
        row_label(&c, &r, i, labels[i], NULL, a.p0 - c.small * 0.8, lw);
        if (!isfinite(v)) {
            undefined_at(&c, &r, i, x0 + 2, a.p0, box.x + box.w);
            continue;
        }
        double xv = ax_map(&a, v), xe = xv;
        fill(&c, v >= 0 ? BLUE : VERMILLION);
        rect(&c, fmin(x0, xv), ym - th / 2, fabs(xv - x0), th);
        if (wk && isfinite(lo[i]) && isfinite(hi[i])) {
            whisker(&c, ax_map(&a, lo[i]), ax_map(&a, hi[i]), ym, th * 0.3);
            xe = v >= 0 ? fmax(xv, ax_map(&a, hi[i])) : fmin(xv, ax_map(&a, lo[i]));
        }
        fmt_num(num, NUM_MAX, v);
        value_text(&c, &r, i, c.font, num, xe, v >= 0, x0, xv, a.p0, box.x + box.w);
    }
    stroke(&c, INK, 0.8, 0);
    seg(&c, x0, r.axis_y, x0, r.top);
    more_note(&c, box, &r);
    return cx_finish(&c, err);
}

/* ------------------------------------------------------------------ waterfall */

int fa_chart_waterfall(HPDF_Page page, fa_chart_box box, const fa_chart_style *st,
                       const char *title, const char *axis_label, const char *start_label,
                       double start, const char *const labels[], const double steps[],
                       const double lo[], const double hi[], size_t n, const char *end_label,
                       fa_error *err)
{
    cx c;
    rows r;
    axis a;
    char num[NUM_MAX], other[64];
    int rc = cx_init(&c, page, box, st, err);
    if (rc || (rc = check_arrays(n, labels, steps, err))) {
        return rc;
    }
    if (!isfinite(start)) {
        return fa_error_set(err, FA_EINVAL, NULL, 0, 0, "chart: waterfall start is undefined");
    }
    int wk = lo && hi;
    double y = draw_title(&c, box, title);
    /* rows: start, the steps, end; when they do not fit, the last steps shown fold into one */
    if ((rc = rows_layout(&c, box, y, n + 2, axis_label, 1, &r, err))) {
        return rc;
    }
    size_t n_rows = r.n_show, n_steps = r.n_more ? n_rows - 3 : n; /* steps drawn alone */
    size_t fold = r.n_more ? n - n_steps : 0;                      /* steps summed */
    r.n_more = 0;
    double *val = fa_alloc_array(n_rows, 5 * sizeof *val);
    const char **lab = fa_alloc_array(n_rows, sizeof *lab);
    if (!val || !lab) {
        free(val);
        free((void *)lab);
        return fa_error_set(err, FA_ENOMEM, NULL, 0, 0, "chart: out of memory");
    }
    /* per row: value (step or total), bar base, whisker lo and hi (absolute) */
    double *v = val, *base = val + n_rows, *wl = base + n_rows, *wh = wl + n_rows;
    double *endp = wh + n_rows; /* the far end of each mark, for the value texts */
    double cum = start;
    extent e = {0, 0, 0};
    ext_add(&e, start);
    lab[0] = start_label ? start_label : "start";
    v[0] = start;
    base[0] = wl[0] = wh[0] = NAN;
    for (size_t i = 0; i < n_steps + (fold ? 1 : 0); i++) {
        size_t row = i + 1;
        double s = 0;
        if (i < n_steps) {
            s = steps[i];
            lab[row] = labels[i];
            wl[row] = wk && isfinite(lo[i]) && isfinite(hi[i]) ? cum + lo[i] : NAN;
            wh[row] = wk && isfinite(lo[i]) && isfinite(hi[i]) ? cum + hi[i] : NAN;
        } else {
            for (size_t j = n_steps; j < n; j++) {
                s += isfinite(steps[j]) ? steps[j] : 0.0;
            }
            snprintf(other, sizeof other, "+ %zu more (sum)", fold);
            lab[row] = other;
            wl[row] = wh[row] = NAN;
        }
        v[row] = s;
        base[row] = cum;
        if (isfinite(s)) {
            cum += s;
        }
        ext_add(&e, cum);
        ext_add(&e, wl[row]);
        ext_add(&e, wh[row]);
    }
    lab[n_rows - 1] = end_label ? end_label : "end";
    v[n_rows - 1] = cum;
    base[n_rows - 1] = wl[n_rows - 1] = wh[n_rows - 1] = NAN;

    double lw = label_col(&c, box, &r, lab, n_rows, NULL, NULL);
    for (size_t i = 0; i < n_rows; i++) {
        double far = isfinite(base[i]) ? base[i] + (isfinite(v[i]) ? v[i] : 0.0) : v[i];
        if (isfinite(wh[i]) && v[i] >= 0) {
            far = fmax(far, wh[i]);
        } else if (isfinite(wh[i])) {
            far = fmin(far, wl[i]);
        }
        endp[i] = far;
    }
    double dlo = e.lo, dhi = e.hi;
    if (dhi - dlo < 1e-12 * fmax(1.0, fabs(dhi))) {
        dlo -= fmax(fabs(dlo) * 0.1, 1e-9);
        dhi += fmax(fabs(dhi) * 0.1, 1e-9);
    }
    room_for_values(&c, box, &lw, r.vfs, 1, 1, endp, v, n_rows, &dlo, &dhi, &a);
    ax_draw_x(&c, &a, r.axis_y, r.top, axis_label,
              r.axis_y - ax_x_depth(&c, axis_label) + 0.25 * c.fs, box);
    double th = fmin(r.row_h * 0.7, c.fs * 1.8), rad = fmin(3.2, r.row_h * 0.3);
    for (size_t i = 0; i < n_rows; i++) {
        double ym = row_mid(&r, i);
        row_label(&c, &r, i, lab[i], NULL, a.p0 - c.small * 0.8, lw);
        int total = i == 0 || i == n_rows - 1;
        if (!total && !isfinite(v[i])) {
            undefined_at(&c, &r, i, ax_map(&a, base[i]) + 3, a.p0, box.x + box.w);
            continue;
        }
        double x1, xe;
        if (total) {
            x1 = xe = ax_map(&a, v[i]);
            stroke(&c, MUTED, 0.6, 1);
            seg(&c, x1, r.axis_y, x1, r.top);
            marker(&c, x1, ym, rad * 1.1, 1, 0, INK);
            xe += rad * 1.4;
        } else {
            double x0 = ax_map(&a, base[i]);
            x1 = ax_map(&a, base[i] + v[i]);
            fill(&c, i == n_steps + 1 && fold ? MUTED : v[i] >= 0 ? BLUE : VERMILLION);
            rect(&c, fmin(x0, x1), ym - th / 2, fmax(fabs(x1 - x0), 0.6), th);
            xe = x1;
            if (isfinite(wh[i])) {
                double a0 = ax_map(&a, base[i] + (wk ? lo[i - 1] : 0.0));
                double a1 = ax_map(&a, base[i] + (wk ? hi[i - 1] : 0.0));
                whisker(&c, a0, a1, ym, th * 0.3);
                xe = v[i] >= 0 ? fmax(x1, a1) : fmin(x1, a0);
            }
            if (i + 1 < n_rows - 1) { /* connector to the next step */
                stroke(&c, MUTED, 0.5, 0);
                seg(&c, x1, ym - th / 2, x1, row_mid(&r, i + 1) + th / 2);
            }
        }
        fmt_num(num, NUM_MAX, v[i]);
        char sig[NUM_MAX + 1];
        snprintf(sig, sizeof sig, "%s%s", !total && v[i] > 0 ? "+" : "", num);
        int right = total || v[i] >= 0;
        if (total && xe + 2 + fa_chart_text_width(c.bold, r.vfs, sig) > box.x + box.w) {
            right = 0; /* a total at the right edge: its value on the left of the diamond */
            xe -= rad * 2.8;
        }
        value_text(&c, &r, i, total ? c.bold : c.font, sig, xe, right,
                   total ? xe : ax_map(&a, base[i]), x1, a.p0, box.x + box.w);
    }
    free(val);
    free((void *)lab);
    return cx_finish(&c, err);
}

/* ------------------------------------------------------------------ beeswarm */

typedef struct ranked {
    double v;
    size_t i;
} ranked;

static int cmp_ranked(const void *pa, const void *pb)
{
    const ranked *a = pa, *b = pb;
    if (a->v != b->v) {
        return a->v < b->v ? -1 : 1;
    }
    return a->i < b->i ? -1 : a->i > b->i;
}

/* Rank positions in [0, 1] of x[i * stride] (ties share their mean rank; NAN: NAN). */
static void rank01(const double *x, size_t stride, size_t n, ranked *tmp, double *out)
{
    size_t m = 0;
    for (size_t i = 0; i < n; i++) {
        out[i] = NAN;
        if (isfinite(x[i * stride])) {
            tmp[m++] = (ranked){x[i * stride], i};
        }
    }
    qsort(tmp, m, sizeof *tmp, cmp_ranked);
    for (size_t i = 0; i < m;) {
        size_t j = i;
        while (j + 1 < m && tmp[j + 1].v == tmp[i].v) {
            j++;
        }
        double rk = m > 1 ? ((double)i + (double)j) / 2.0 / (double)(m - 1) : 0.5;
        for (size_t k = i; k <= j; k++) {
            out[tmp[k].i] = rk;
        }
        i = j + 1;
    }
}

#define SHADES 24 /* colour levels of the rank ramp; SHADES itself is grey (no x) */

/*
 * Dots at pos[2i], pos[2i+1] of colour level shade[i] (> SHADES: none). Drawn as zero-length
 * strokes with round caps, one path per colour level: a filled circle each would be four
 * Bezier curves, 10 times the bytes and the time for a beeswarm of thousands of dots.
 */
static void dots(cx *c, const double *pos, const unsigned char *shade, size_t n, double rad)
{
    if (c->hs) {
        return;
    }
    ck(c, HPDF_Page_GSave(c->page));
    ck(c, HPDF_Page_SetLineCap(c->page, HPDF_ROUND_END));
    for (unsigned s = 0; s <= SHADES; s++) {
        double col[3];
        size_t m = 0;
        for (size_t i = 0; i < n && !c->hs; i++) {
            if (shade[i] != s) {
                continue;
            }
            if (m++ == 0) {
                if (s < SHADES) {
                    ramp((double)s / (SHADES - 1), col);
                } else {
                    fa_chart_color_other(col);
                }
                stroke(c, col, 2 * rad, 0);
            }
            ck(c, HPDF_Page_MoveTo(c->page, R(pos[2 * i]), R(pos[2 * i + 1])));
            ck(c, HPDF_Page_LineTo(c->page, R(pos[2 * i]), R(pos[2 * i + 1])));
        }
        if (m > 0 && !c->hs) {
            ck(c, HPDF_Page_Stroke(c->page));
        }
    }
    ck(c, HPDF_Page_GRestore(c->page));
    cx_forget(c);
}

int fa_chart_beeswarm(HPDF_Page page, fa_chart_box box, const fa_chart_style *st, const char *title,
                      const char *axis_label, const char *const features[], size_t n_features,
                      const double phi[], const double x[], size_t n_rows, fa_error *err)
{
    cx c;
    rows r;
    axis a;
    int rc = cx_init(&c, page, box, st, err);
    if (rc ||
        (rc = check_arrays(n_features, features, n_rows ? (const void *)phi : features, err))) {
        return rc;
    }
    if (n_rows > 0 && n_features > SIZE_MAX / n_rows) {
        return fa_error_set(err, FA_ENOMEM, NULL, 0, 0, "chart: beeswarm too large");
    }
    legend_item grad = {SW_GRADIENT, 0, BLUE, ""};
    double y = draw_title(&c, box, title);
    double leg_top = y;
    if (x) {
        y -= c.small * LINE_H;
    }
    if (n_features == 0 || n_rows == 0) {
        no_data(&c, box, y, "no data");
        return cx_finish(&c, err);
    }
    if ((rc = rows_layout(&c, box, y, n_features, axis_label, 0, &r, err))) {
        return rc;
    }
    extent e = {0, 0, 0};
    ext_add(&e, 0.0);
    for (size_t i = 0; i < n_rows; i++) {
        for (size_t j = 0; j < r.n_show; j++) {
            ext_add(&e, phi[i * n_features + j]);
        }
    }
    double lw = label_col(&c, box, &r, features, n_features, NULL, NULL);
    rows_axis(&c, box, &lw, 0.0, e.lo, e.hi, &a);
    double rad = fmax(0.8, fmin(1.8, r.row_h * 0.12)), d = rad * 1.6;
    size_t n_bins = (size_t)((a.p1 - a.p0) / d) + 2;
    ranked *tmp = fa_alloc_array(n_rows, sizeof *tmp);
    double *rank = fa_alloc_array(n_rows, sizeof *rank);
    double *pos = fa_alloc_array(n_rows, 2 * sizeof *pos);
    unsigned char *shade = fa_alloc_array(n_rows, 1);
    unsigned *bins = fa_alloc_array(n_bins, sizeof *bins);
    if (!tmp || !rank || !pos || !shade || !bins) {
        free(tmp);
        free(rank);
        free(pos);
        free(shade);
        free(bins);
        return fa_error_set(err, FA_ENOMEM, NULL, 0, 0, "chart: out of memory");
    }
    if (x) { /* legend: "feature value: low [ramp] high" */
        double lx = box.x, base = leg_top - c.small * ASCENT;
        text_at(&c, c.font, c.small, lx, base, LEFT, 0, INK, "feature value:  low");
        lx += fa_chart_text_width(c.font, c.small, "feature value:  low") + 3;
        sw_draw(&c, &grad, lx, base);
        text_at(&c, c.font, c.small, lx + sw_width(&c, SW_GRADIENT) + 3, base, LEFT, 0, INK,
                "high");
    }
    ax_draw_x(&c, &a, r.axis_y, r.top, axis_label,
              r.axis_y - ax_x_depth(&c, axis_label) + 0.25 * c.fs, box);
    stroke(&c, INK, 0.8, 0);
    seg(&c, ax_map(&a, 0.0), r.axis_y, ax_map(&a, 0.0), r.top);
    unsigned max_k = (unsigned)fmax(1.0, floor(r.row_h * 0.42 / d)) * 2 + 1;
    for (size_t j = 0; j < r.n_show; j++) {
        double ym = row_mid(&r, j);
        row_label(&c, &r, j, features[j], NULL, a.p0 - c.small * 0.8, lw);
        if (x) {
            rank01(x + j, n_features, n_rows, tmp, rank);
        }
        memset(bins, 0, n_bins * sizeof *bins);
        size_t drawn = 0;
        for (size_t i = 0; i < n_rows; i++) {
            double p = phi[i * n_features + j];
            shade[i] = SHADES + 1; /* not drawn */
            if (!isfinite(p)) {
                continue;
            }
            double px = ax_map(&a, p);
            size_t b = (size_t)fmax(0.0, fmin((double)(n_bins - 1), (px - a.p0) / d));
            unsigned k = bins[b]++ % max_k; /* 0, +1, -1, +2, -2, ... then wrap */
            pos[2 * i] = px;
            /* NOLINTNEXTLINE(bugprone-integer-division): k = 1, 2 -> offset 1; 3, 4 -> 2 */
            pos[2 * i + 1] = ym + (double)((k + 1) / 2) * d * (k % 2 ? 1.0 : -1.0);
            shade[i] = x && isfinite(rank[i]) ? (unsigned char)lround(rank[i] * (SHADES - 1))
                                              : (unsigned char)SHADES;
            drawn++;
        }
        dots(&c, pos, shade, n_rows, rad);
        if (drawn == 0) {
            undefined_at(&c, &r, j, a.p0 + 2, a.p0, box.x + box.w);
        }
    }
    free(tmp);
    free(rank);
    free(pos);
    free(shade);
    free(bins);
    more_note(&c, box, &r);
    return cx_finish(&c, err);
}

/* ------------------------------------------------------------------ confusion matrix */

static char *fmt_count(char *buf, size_t size, double v)
{
    if (!isfinite(v)) {
        snprintf(buf, size, "undefined");
    } else if (v == round(v) && fabs(v) < 1e15) {
        snprintf(buf, size, "%.0f", v);
    } else {
        fmt_num(buf, size, v);
    }
    return buf;
}

int fa_chart_confusion(HPDF_Page page, fa_chart_box box, const fa_chart_style *st,
                       const char *title, double tp, double fp, double fn, double tn, fa_error *err)
{
    cx c;
    int rc = cx_init(&c, page, box, st, err);
    if (rc) {
        return rc;
    }
    static const char ROW[2][16] = {"Actual +", "Actual \xE2\x88\x92"};
    static const char COL[2][16] = {"Predicted +", "Predicted \xE2\x88\x92"};
    static const char NAME[4][3] = {"TP", "FN", "FP", "TN"};
    double cell[4] = {tp, fn, fp, tn}, total = 0;
    for (int i = 0; i < 4; i++) {
        if (isfinite(cell[i]) && cell[i] < 0) {
            return fa_error_set(err, FA_EINVAL, NULL, 0, 0, "chart: negative count %g", cell[i]);
        }
        total += isfinite(cell[i]) ? cell[i] : 0.0;
    }
    double y = draw_title(&c, box, title);
    double head_w = fmax(fa_chart_text_width(c.font, c.small, ROW[0]),
                         fa_chart_text_width(c.font, c.small, ROW[1])) +
                    6;
    double cw = (box.w - head_w) / 2, top = y - c.small * LINE_H;
    double ch = fmin((top - box.y) / 2, cw * 0.75);
    if (ch < c.small * 3) {
        return fa_error_set(err, FA_EINVAL, NULL, 0, 0,
                            "chart: box %.0fx%.0f pt is too small for a confusion matrix", box.w,
                            box.h);
    }
    char buf[LABEL_MAX], num[NUM_MAX];
    for (int j = 0; j < 2; j++) {
        fa_chart_ellipsize(buf, sizeof buf, c.font, c.small, COL[j], cw - 2);
        text_at(&c, c.font, c.small, box.x + head_w + cw * (j + 0.5), top + c.small * 0.35, CENTER,
                0, INK, buf);
        text_at(&c, c.font, c.small, box.x, mid_base(top - ch * (j + 0.5), c.small), LEFT, 0, INK,
                ROW[j]);
    }
    for (int i = 0; i < 4; i++) {
        /* NOLINTNEXTLINE(bugprone-integer-division): i / 2 is the row of cell i */
        double x0 = box.x + head_w + cw * (i % 2), y0 = top - ch * (i / 2 + 1), col[3];
        double share = total > 0 && isfinite(cell[i]) ? cell[i] / total : NAN;
        double t = isfinite(share) ? 0.1 + 0.75 * share : 0.0;
        for (int j = 0; j < 3; j++) {
            col[j] = 1.0 + (BLUE[j] - 1.0) * t;
        }
        fill(&c, col);
        stroke(&c, GRID, 0.8, 0);
        if (!c.hs) {
            ck(&c, HPDF_Page_Rectangle(c.page, R(x0), R(y0), R(cw), R(ch)));
            ck(&c, HPDF_Page_FillStroke(c.page));
        }
        const double *ink = t > 0.5 ? WHITE : INK;
        double big = fmax(MIN_FS, fmin(c.fs + 2, ch / 3));
        fmt_count(num, NUM_MAX, cell[i]);
        while (big > MIN_FS && fa_chart_text_width(c.bold, big, num) > cw - 4) {
            big = fmax(MIN_FS, big - 1);
        }
        fa_chart_ellipsize(buf, sizeof buf, c.bold, big, num, cw - 4);
        text_at(&c, c.bold, big, x0 + cw / 2, y0 + ch / 2 + 1, CENTER, 0, ink, buf);
        if (isfinite(share) && share > 0 && share < 0.0005) {
            snprintf(buf, sizeof buf, "%s \xC2\xB7 <0.1%%", NAME[i]);
        } else if (isfinite(share)) {
            snprintf(buf, sizeof buf, "%s \xC2\xB7 %.1f%%", NAME[i], 100.0 * share);
        } else {
            snprintf(buf, sizeof buf, "%s", NAME[i]);
        }
        char fit[LABEL_MAX];
        fa_chart_ellipsize(fit, sizeof fit, c.font, c.small, buf, cw - 4);
        text_at(&c, c.font, c.small, x0 + cw / 2, y0 + ch / 2 - c.small * 1.3, CENTER, 0, ink, fit);
    }
    return cx_finish(&c, err);
}

/* ------------------------------------------------------------------ line chart */

static const HPDF_UINT16 SERIES_DASH[3][2] = {{6, 2}, {2, 2}, {4, 1}};

static void series_style(cx *c, size_t i)
{
    double rgb[3];
    fa_chart_color(i, rgb);
    stroke(c, rgb, 1.4, 0);
    if (i >= FA_CHART_N_COLORS && !c->hs) { /* a dash tells wrapped colours apart */
        ck(c, HPDF_Page_SetDash(c->page, SERIES_DASH[(i / FA_CHART_N_COLORS - 1) % 3], 2, 0));
        c->dash = -1;
    }
}

int fa_chart_lines(HPDF_Page page, fa_chart_box box, const fa_chart_style *st, const char *title,
                   const char *x_label, const char *y_label, const fa_chart_series s[],
                   size_t n_series, double x_min, double x_max, double y_min, double y_max,
                   int diagonal, fa_error *err)
{
    cx c;
    axis ax, ay;
    char buf[LABEL_MAX];
    int rc = cx_init(&c, page, box, st, err);
    if (rc || (rc = check_arrays(n_series, s, s, err))) {
        return rc;
    }
    for (size_t k = 0; k < n_series; k++) {
        if (s[k].n > 0 && (!s[k].x || !s[k].y)) {
            return fa_error_set(err, FA_EINVAL, NULL, 0, 0, "chart: series %zu has no data", k);
        }
    }
    double y = draw_title(&c, box, title);
    /* the legend: on the right when the box is wide, else in lines under the title */
    int right = box.w >= 260;
    double leg_w = 0;
    size_t n_leg = n_series + (diagonal ? 1 : 0);
    for (size_t k = 0; k < n_series; k++) {
        leg_w = fmax(leg_w, fa_chart_text_width(c.font, c.small, s[k].name));
    }
    leg_w = fmin(leg_w + c.small * 2 + 3 + 2, box.w * 0.3);
    double plot_top = y - c.small * 0.6, bottom = box.y + ax_x_depth(&c, x_label) + 1;
    size_t n_draw = n_series, n_more = 0;
    double max_leg_lines = floor((plot_top - bottom) / (c.small * LINE_H));
    if (!right) { /* above the plot: a third of the height at most, 2 lines at least */
        max_leg_lines = fmax(2.0, floor(max_leg_lines / 3.0));
    }
    size_t per_line = right ? 1 : 2;
    /* NOLINTNEXTLINE(bugprone-integer-division): lines needed, rounded up on purpose */
    if ((double)((n_leg + per_line - 1) / per_line) > max_leg_lines) {
        size_t cap = (size_t)fmax(1.0, max_leg_lines) * per_line;
        size_t fixed = diagonal ? 2 : 1;
        n_draw = cap > fixed ? cap - fixed : 0;
        n_more = n_series - n_draw;
    }
    if (!right && n_series > 0) {
        size_t rows_used = (n_draw + (diagonal ? 1u : 0u) + (n_more ? 1u : 0u) + 1) / 2;
        plot_top -= (double)rows_used * c.small * LINE_H;
    }
    extent ex = {0, 0, 0}, ey = {0, 0, 0};
    for (size_t k = 0; k < n_draw; k++) {
        for (size_t i = 0; i < s[k].n; i++) {
            if (isfinite(s[k].x[i]) && isfinite(s[k].y[i])) {
                ext_add(&ex, s[k].x[i]);
                ext_add(&ey, s[k].y[i]);
            }
        }
    }
    int exact_x = isfinite(x_min) && isfinite(x_max) && x_max > x_min;
    int exact_y = isfinite(y_min) && isfinite(y_max) && y_max > y_min;
    double xl = exact_x ? x_min : ex.any ? ex.lo : 0, xh = exact_x ? x_max : ex.any ? ex.hi : 1;
    double yl = exact_y ? y_min : ey.any ? ey.lo : 0, yh = exact_y ? y_max : ey.any ? ey.hi : 1;
    if (!exact_x && xl >= 0 && xh <= 1) {
        xl = 0, xh = 1;
    }
    if (!exact_y && yl >= 0 && yh <= 1) {
        yl = 0, yh = 1;
    }
    if (plot_top - bottom < c.small * 4) {
        return fa_error_set(err, FA_EINVAL, NULL, 0, 0, "chart: box %.0fx%.0f pt holds no plot",
                            box.w, box.h);
    }
    ay.p0 = bottom;
    ay.p1 = plot_top - c.small * 0.5; /* room for the top tick label */
    ax_fit(&c, &ay, yl, yh, exact_y, ay.p1 - ay.p0, 1);
    double ylw = 0;
    for (size_t i = 0; i < ay.n; i++) {
        ylw = fmax(ylw, fa_chart_text_width(c.font, c.small, ay.lab[i]));
    }
    double left = box.x + (y_label && *y_label ? c.fs * LINE_H : 0.0) + ylw + 5;
    double rgt = box.x + box.w - (right && n_series ? leg_w + c.small : 0.0) - 2;
    ax.p0 = left;
    ax.p1 = rgt - c.small;
    for (int pass = 0; pass < 2; pass++) {
        ax_fit(&c, &ax, xl, xh, exact_x, ax.p1 - ax.p0, 0);
        if (ax.n) {
            size_t last = ((ax.n - 1) / ax.every) * ax.every;
            double over = ax_map(&ax, ax.ticks[last]) + ax.lw[last] / 2 - rgt;
            ax.p1 -= fmax(0.0, over);
            ax.p0 = fmax(ax.p0, box.x + ax.lw[0] / 2);
        }
    }
    /* grid, axes and labels */
    for (size_t i = 0; i < ay.n; i++) {
        double yy = ax_map(&ay, ay.ticks[i]);
        stroke(&c, GRID, 0.5, 0);
        seg(&c, ax.p0, yy, ax.p1, yy);
        stroke(&c, INK, 0.6, 0);
        seg(&c, ax.p0 - 3, yy, ax.p0, yy);
        if (i % ay.every == 0) {
            text_at(&c, c.font, c.small, ax.p0 - 4, yy - c.small * 0.35, RIGHT, 0, INK, ay.lab[i]);
        }
    }
    stroke(&c, INK, 0.6, 0);
    seg(&c, ax.p0, ay.p0, ax.p0, ay.p1);
    ax_draw_x(&c, &ax, ay.p0, ay.p1, x_label, box.y + 0.25 * c.fs, box);
    if (y_label && *y_label) {
        fa_chart_ellipsize(buf, sizeof buf, c.font, c.fs, y_label, ay.p1 - ay.p0);
        text_at(&c, c.font, c.fs, box.x + c.fs * ASCENT, (ay.p0 + ay.p1) / 2, CENTER, 1, INK, buf);
    }
    /* the data, clipped to the plot */
    /* 1.5 pt beyond the axes, so a line along an edge (a rate of 1) shows whole */
    clip_begin(&c, ax.p0 - 1.5, ay.p0 - 1.5, ax.p1 - ax.p0 + 3, ay.p1 - ay.p0 + 3);
    if (diagonal) {
        double d0 = fmax(ax.lo, ay.lo), d1 = fmin(ax.hi, ay.hi);
        if (d1 > d0) {
            stroke(&c, MUTED, 0.8, 1);
            seg(&c, ax_map(&ax, d0), ax_map(&ay, d0), ax_map(&ax, d1), ax_map(&ay, d1));
        }
    }
    for (size_t k = 0; k < n_draw; k++) {
        series_style(&c, k);
        int open = 0;
        for (size_t i = 0; i < s[k].n && !c.hs; i++) {
            double px = s[k].x[i], py = s[k].y[i];
            if (!isfinite(px) || !isfinite(py)) {
                open = 0;
                continue;
            }
            int alone =
                !open && (i + 1 >= s[k].n || !isfinite(s[k].x[i + 1]) || !isfinite(s[k].y[i + 1]));
            if (alone) { /* an isolated point: a dot, or it would not show */
                double rgb[3];
                fa_chart_color(k, rgb);
                marker(&c, ax_map(&ax, px), ax_map(&ay, py), 2.0, 0, 0, rgb);
                series_style(&c, k);
                continue;
            }
            if (open) {
                ck(&c, HPDF_Page_LineTo(c.page, R(ax_map(&ax, px)), R(ax_map(&ay, py))));
            } else {
                ck(&c, HPDF_Page_MoveTo(c.page, R(ax_map(&ax, px)), R(ax_map(&ay, py))));
                open = 1;
            }
            if (open && (i + 1 >= s[k].n || !isfinite(s[k].x[i + 1]) || !isfinite(s[k].y[i + 1]))) {
                ck(&c, HPDF_Page_Stroke(c.page));
                open = 0;
            }
        }
    }
    clip_end(&c);
    /* the legend */
    double lx = right ? rgt + c.small : box.x, ly = right ? plot_top : y;
    double slot = right ? leg_w : box.w / 2;
    for (size_t k = 0; k < n_draw + (diagonal ? 1u : 0u) + (n_more ? 1u : 0u) && n_series; k++) {
        double ex0 = lx + (right ? 0.0 : slot * (double)(k % 2));
        double base = ly - c.small * ASCENT - c.small * LINE_H * (double)(right ? k : k / 2);
        const char *name;
        if (k < n_draw) {
            series_style(&c, k);
            seg(&c, ex0, base + c.small * 0.35, ex0 + c.small * 2, base + c.small * 0.35);
            name = s[k].name ? s[k].name : "";
        } else if (diagonal && k == n_draw) {
            stroke(&c, MUTED, 0.8, 1);
            seg(&c, ex0, base + c.small * 0.35, ex0 + c.small * 2, base + c.small * 0.35);
            name = "y = x";
        } else {
            snprintf(buf, sizeof buf, "+ %zu more not shown", n_more);
            text_at(&c, c.font, c.small, ex0, base, LEFT, 0, MUTED, buf);
            continue;
        }
        char fit[LABEL_MAX];
        fa_chart_ellipsize(fit, sizeof fit, c.font, c.small, name, slot - c.small * 2 - 3 - 2);
        text_at(&c, c.font, c.small, ex0 + c.small * 2 + 3, base, LEFT, 0, INK, fit);
    }
    return cx_finish(&c, err);
}
