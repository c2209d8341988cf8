/*
 * reports/chart.h - charts drawn with libharu's vector primitives, for the PDF report.
 *
 * Coordinates are PDF points, origin bottom-left. Every chart draws inside `box` only (title,
 * axes, tick labels and legend included) and returns FA_OK or a negative FA_E* status with
 * `err` filled. libharu errors are reported through the HPDF error handler the caller installs;
 * the chart functions check every HPDF return value as well. All text uses the caller's fonts
 * (an embedded UTF-8 TrueType font, so "Māori" prints); NAN values are shown as "undefined",
 * never plotted as 0. When there are more rows than fit at the minimum font size (6 pt), the
 * first rows that fit are drawn and "+ K more not shown" is printed.
 */
#ifndef FA_REPORTS_CHART_H
#define FA_REPORTS_CHART_H

#include <hpdf.h>
#include <stddef.h>

#include "include/fairaudit.h" /* fa_error */

/* A rectangle in PDF points: lower-left corner (x, y), width w, height h. */
typedef struct fa_chart_box {
    double x, y, w, h;
} fa_chart_box;

/* Fonts (UTF-8 encoded, from HPDF_GetFont(doc, name, "UTF-8")) and the body size (e.g. 8). */
typedef struct fa_chart_style {
    HPDF_Font font, bold;
    double font_size;
} fa_chart_style;

/* Number of colours in the palette: Okabe-Ito without black, in the order orange, sky blue,
 * bluish green, vermillion, blue, reddish purple, yellow (neighbours differ most). */
#define FA_CHART_N_COLORS 7

/* Okabe-Ito colour-blind-safe palette entry i modulo its size, as RGB in [0, 1]. */
void fa_chart_color(size_t i, double rgb[3]);
/* The grey used for "other", references and undefined values, RGB in [0, 1]. */
void fa_chart_color_other(double rgb[3]);

/*
 * "Nice" ticks covering [lo, hi] with 1-2-5 steps (x 10^k), at most max_ticks of them (fewer
 * than 3 counts as 3: a range around 0 needs -s, 0, s): ticks[0] <= lo, ticks[count-1] >= hi,
 * consecutive ticks `*step` apart (step may be NULL), a zero tick is +0. lo > hi is swapped;
 * lo == hi widens by 10% of the value (by 1 around 0); non-finite input, or a span that
 * overflows, gives 0 (and *step NAN). ticks must hold max(max_ticks, 3) values. Returns the
 * count.
 */
size_t fa_chart_nice_ticks(double lo, double hi, size_t max_ticks, double ticks[], double *step);

/*
 * Formats a tick value compactly for a given tick step, with the decimals the step needs:
 * "0.25", "1.5k", "2M", "3G", "2.5T" (for steps of 100 or more), "1e-3", "1.5e-3" (steps below
 * 0.001), "-0.4", "0" (never "-0"); NAN: "undefined". Writes at most size bytes
 * (NUL-terminated); returns buf.
 */
char *fa_chart_format_tick(char *buf, size_t size, double value, double step);

/* Width of UTF-8 text in points at the given font size (0 for NULL or empty text). */
double fa_chart_text_width(HPDF_Font font, double size, const char *utf8);

/*
 * Copies utf8 into buf (size bytes), shortened with a trailing "…" (spaces before it dropped)
 * so that it is at most max_width points wide at the given size and fits buf; cuts only at
 * UTF-8 character boundaries. Invalid UTF-8 bytes become '?', control characters spaces.
 * Empty when not even "…" fits. Returns the width of the result in points.
 */
double fa_chart_ellipsize(char *buf, size_t size, HPDF_Font font, double font_size,
                          const char *utf8, double max_width);

/*
 * One row of a dot-and-whisker chart: a point with an interval (NAN bounds: no whisker;
 * NAN value: drawn as "undefined" text). flagged: small group, hollow marker and "(n<30)".
 */
typedef struct fa_chart_row {
    const char *label;
    double value, lo, hi;
    int flagged;
} fa_chart_row;

/*
 * Dot-and-whisker chart, one row per group, each value also printed in a column on the right;
 * a dashed vertical reference line at `reference` (NAN: none) and a shaded policy band
 * [band_lo, band_hi] (both NAN: none; one NAN: open on that side), both named in a legend
 * line under the title. Values outside the band are vermillion diamonds, others blue dots.
 * The axis always includes 0, and is [0, 1] when everything lies in [0, 1].
 * FA_EINVAL: band_lo > band_hi.
 */
int fa_chart_dot_whisker(HPDF_Page page, fa_chart_box box, const fa_chart_style *st,
                         const char *title, const char *axis_label, const fa_chart_row rows[],
                         size_t n, double reference, double band_lo, double band_hi, fa_error *err);

/*
 * Horizontal bars from 0 (blue positive, vermillion negative), optional interval whiskers
 * (lo/hi NULL: none; NAN entries: no whisker), each value printed at its bar's end; a NAN
 * value is shown as "undefined".
 */
int fa_chart_hbars(HPDF_Page page, fa_chart_box box, const fa_chart_style *st, const char *title,
                   const char *axis_label, const char *const labels[], const double values[],
                   const double lo[], const double hi[], size_t n, fa_error *err);

/* One line series: n points (x[i], y[i]); NAN points break the line. */
typedef struct fa_chart_series {
    const char *name;
    const double *x, *y;
    size_t n;
} fa_chart_series;

/*
 * Line chart of several series (ROC, calibration, selection rate vs threshold), colours from
 * fa_chart_color (dashed past the palette's size), an isolated point drawn as a dot, with a
 * legend outside the plot area: on the right when the box is at least 260 pt wide, else in two
 * columns under the title (a third of the height at most; further series are not drawn and the
 * legend ends with "+ K more not shown"). Axis limits: both of a pair finite and max > min gives
 * exactly that range, else from the data ([0, 1] when the data lie in it). diagonal: dashed y = x.
 */
int fa_chart_lines(HPDF_Page page, fa_chart_box box, const fa_chart_style *st, const char *title,
                   const char *x_label, const char *y_label, const fa_chart_series s[],
                   size_t n_series, double x_min, double x_max, double y_min, double y_max,
                   int diagonal, fa_error *err);

/*
 * Waterfall: from `start` (e.g. the reference group's mean output) through n signed steps to
 * the end value (start + sum of the finite steps), optional intervals per step (lo/hi NULL:
 * none; the interval of step i is around its own end). Horizontal layout: one row per step
 * (a floating bar, blue up, vermillion down, with its signed value), the start and end as
 * diamonds with dashed guides. A NAN step is "undefined" and adds nothing. When the rows do
 * not fit, the last steps are summed into one grey row "+ K more (sum)", so the end stays
 * exact. FA_EINVAL: start is not finite.
 */
int fa_chart_waterfall(HPDF_Page page, fa_chart_box box, const fa_chart_style *st,
                       const char *title, const char *axis_label, const char *start_label,
                       double start, const char *const labels[], const double steps[],
                       const double lo[], const double hi[], size_t n, const char *end_label,
                       fa_error *err);

/*
 * Beeswarm: one row per feature, a dot per sampled row at its phi, coloured by the feature
 * value's rank within that feature (low blue -> reddish purple -> high vermillion; ties share a
 * rank; NAN x: grey), with a colour legend; the dots of a row stack into a swarm.
 * phi and x are n_rows x n_features, row-major; x NULL: all grey. NAN phi: not drawn; a
 * feature with no finite phi shows "undefined".
 */
int fa_chart_beeswarm(HPDF_Page page, fa_chart_box box, const fa_chart_style *st, const char *title,
                      const char *axis_label, const char *const features[], size_t n_features,
                      const double phi[], const double x[], size_t n_rows, fa_error *err);

/*
 * 2x2 confusion matrix (rows actual +/-, columns predicted +/-), cells shaded by their share of
 * the total, with the count (whole numbers exactly) and "TP · 19.9%". NAN counts are
 * "undefined" and left out of the total. FA_EINVAL: a negative count.
 */
int fa_chart_confusion(HPDF_Page page, fa_chart_box box, const fa_chart_style *st,
                       const char *title, double tp, double fp, double fn, double tn,
                       fa_error *err);

#endif
