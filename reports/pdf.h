/*
 * reports/pdf.h - the PDF audit report (reports/pdf.c: the document, its layout primitives and
 * the writer; reports/pdf_sections.c: the sections, in the order of issue 6). Private to
 * reports/: the public entry points are in include/fairaudit.h.
 *
 * The layout is a cursor that moves down the page: every block asks for its height first
 * (fa_pdf__need) and a new page begins when it does not fit. Errors are sticky: the first
 * libharu error (through the error handler, whose user data is the context) or fa_error status
 * is kept, every later drawing call does nothing, and the writer reports it and writes nothing.
 */
#ifndef FA_REPORTS_PDF_H
#define FA_REPORTS_PDF_H

#include <hpdf.h>
#include <stddef.h>

#include "include/fairaudit.h"
#include "reports/chart.h"
#include "reports/result.h"

/* Type sizes (points) of the body, small print, headings. */
#define FA_PDF_BODY 9.0
#define FA_PDF_SMALL 7.5
#define FA_PDF_TABLE 7.0
#define FA_PDF_H1 16.0
#define FA_PDF_H2 11.5
#define FA_PDF_MARGIN 50.0

/* Most groups a chart shows: the top and bottom halves by the key rate beyond this. */
#define FA_PDF_CHART_MAX_ROWS 30
/* Most confusion matrices drawn per attribute (the largest groups; the table has them all). */
#define FA_PDF_MAX_CONFUSION 12
/* Most findings on the cover. */
#define FA_PDF_MAX_FINDINGS 5

typedef struct fa_pdf {
    HPDF_Doc doc;
    HPDF_Font font, bold;
    double adv_regular[128], adv_bold[128]; /* ASCII advances at size 1 */
    fa_chart_style st;
    const fa_result *r;
    const fa_pdf_options *o;
    const char *title;
    int64_t when;                    /* the report's date, seconds since 1970 UTC */
    double pw, ph;                   /* page width and height */
    double left, right, top, bottom; /* the text area */
    HPDF_Page page;
    HPDF_Page *pages;
    size_t n_pages, cap_pages;
    double y; /* top of the next block */
    HPDF_Outline root, section;
    HPDF_Encoder utf8;
    HPDF_STATUS hpdf_error, hpdf_detail; /* the first libharu error, 0 when none */
    int status;                          /* the first failure, FA_OK while none */
    fa_error *err;
} fa_pdf;

/* One column of a table: its heading, width as a share of the text width, right-aligned. */
typedef struct fa_pdf_col {
    const char *head;
    double share;
    int right;
} fa_pdf_col;

typedef struct fa_pdf_table {
    const fa_pdf_col *cols;
    size_t n_cols;
    double size, row_h;
    size_t row;          /* rows drawn so far */
    size_t headers;      /* times the header was drawn: once per page the table spans */
    const char *caption; /* repeated, with "(continued)", above the header on later pages */
} fa_pdf_table;

/* ------------------------------------------------------------- layout (reports/pdf.c) */

/* Sets p up for a result: the document, its fonts and info (FA_OK, or the error). */
int fa_pdf__open(fa_pdf *p, const fa_result *res, const fa_pdf_options *opts, fa_error *err);
/* Frees what fa_pdf__open made. */
void fa_pdf__close(fa_pdf *p);
/* 1 while no error has happened. */
int fa_pdf__ok(const fa_pdf *p);
/* Records status and a message unless an error is already recorded; returns status. */
int fa_pdf__fail(fa_pdf *p, int status, const char *msg);
/* Records the status of a chart call (its message is already in p->err). */
void fa_pdf__chart(fa_pdf *p, int status);
/* Begins a new page (the cursor at its top). */
void fa_pdf__new_page(fa_pdf *p);
/* Begins a new page unless h points fit below the cursor. */
void fa_pdf__need(fa_pdf *p, double h);
/* Width of UTF-8 text. */
double fa_pdf__width(const fa_pdf *p, HPDF_Font font, double size, const char *s);
/* Draws one line of text at (x, y) (baseline), in grey g (0 black). */
void fa_pdf__text(fa_pdf *p, HPDF_Font font, double size, double x, double y, const char *s,
                  double g);
/* A paragraph word-wrapped between left + indent and right; the cursor moves below it. */
void fa_pdf__para(fa_pdf *p, HPDF_Font font, double size, double indent, const char *s);
/* A section heading: level 1 starts a page and a top-level bookmark, level 2 a child one. */
void fa_pdf__heading(fa_pdf *p, int level, const char *s);
/* Vertical space. */
void fa_pdf__skip(fa_pdf *p, double h);
/* A table: the header now, rows with fa_pdf__table_row (header repeated on each new page). */
void fa_pdf__table_begin(fa_pdf *p, fa_pdf_table *t, const fa_pdf_col *cols, size_t n_cols,
                         const char *caption);
/* One row; grey non-zero draws the row's text in that grey (e.g. for excluded groups). */
void fa_pdf__table_row(fa_pdf *p, fa_pdf_table *t, const char *const cells[], double grey);
/* A rectangle free for a chart of height h below the cursor (a new page when needed). */
fa_chart_box fa_pdf__box(fa_pdf *p, double x_share, double w_share, double h);

/*
 * How a table of n_rows rows of height row_h, under a header of height head_h, splits into
 * pages: `first` points are free on the first page, `page` on every later one (the header is
 * repeated). Writes the rows of each page to per_page (max_pages entries at most) and returns
 * the number of pages; 0 when not even one row fits on an empty page.
 */
size_t fa_pdf__paginate(size_t per_page[], size_t max_pages, size_t n_rows, double first,
                        double page, double head_h, double row_h);

/* Number formatting: "undefined" for NAN, else `decimals` decimals. Returns buf. */
char *fa_pdf__num(char *buf, size_t size, double v, int decimals);
/* "0.56–0.59" (en dash), or "" when either bound is NAN. Returns buf. */
char *fa_pdf__range(char *buf, size_t size, double lo, double hi, int decimals);
/* A human name of a metric: "selection rate", "true positive rate", "equalized odds
 * difference". Returns buf. */
char *fa_pdf__metric_words(char *buf, size_t size, const char *snake);

/* ------------------------------------------------------- sections (reports/pdf_sections.c) */

/*
 * The three to five most important findings as sentences: the failed gates first, then the
 * inconclusive ones, then the largest disparities against the reference group (selection
 * rate ratio, false and true positive rate differences) with their bootstrap intervals.
 * out[0..*n) are allocated strings the caller frees with free(). FA_ENOMEM.
 */
int fa_pdf__findings(char *out[], size_t max, size_t *n, const fa_result *r);

void fa_pdf__cover(fa_pdf *p);
void fa_pdf__gates(fa_pdf *p);
void fa_pdf__data(fa_pdf *p);
void fa_pdf__attributes(fa_pdf *p);
void fa_pdf__scores(fa_pdf *p);
void fa_pdf__attributions(fa_pdf *p);
void fa_pdf__methodology(fa_pdf *p);
void fa_pdf__reproducibility(fa_pdf *p);

#endif
