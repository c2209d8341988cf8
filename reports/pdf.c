/*
 * reports/pdf.c - the PDF audit report: the document (libharu, DejaVu Sans and DejaVu Sans Bold
 * embedded as UTF-8 TrueType, document info, bookmarks), the layout primitives the sections
 * use (a cursor moving down the page, word-wrapped paragraphs, tables that break across pages
 * with their header repeated), "Page i of N" footers added once every page exists, and the
 * writer: rendered to memory (HPDF_SaveToStream) and written with fa_atomic_write, so an error
 * leaves no file and an existing output untouched.
 *
 * Reproducible bytes: libharu writes no document ID without encryption, and the creation date
 * comes from the options (SOURCE_DATE_EPOCH in the CLI), so the same result and options give
 * the same file. libharu errors reach handler() with the context as user data (no global state,
 * no longjmp): the first one is kept and the render stops.
 */
#include "reports/pdf.h"

#include <errno.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "common/alloc.h"
#include "common/error.h"
#include "common/fileio.h"

#ifndef FA_PDF_FONT_DIR
#define FA_PDF_FONT_DIR "/usr/share/fonts/truetype/dejavu"
#endif
#define FONT_REGULAR FA_PDF_FONT_DIR "/DejaVuSans.ttf"
#define FONT_BOLD FA_PDF_FONT_DIR "/DejaVuSans-Bold.ttf"

#define R(x) ((HPDF_REAL)(x))

static void handler(HPDF_STATUS error, HPDF_STATUS detail, void *user)
{
    fa_pdf *p = user;
    if (p->hpdf_error == 0) {
        p->hpdf_error = error;
        p->hpdf_detail = detail;
        fa_pdf__fail(p, FA_EINTERNAL, "libharu error");
    }
}

int fa_pdf__ok(const fa_pdf *p)
{
    return p->status == FA_OK;
}

int fa_pdf__fail(fa_pdf *p, int status, const char *msg)
{
    if (p->status == FA_OK) {
        p->status = status;
        if (p->hpdf_error != 0) {
            fa_error_set(p->err, status, NULL, 0, 0,
                         "pdf: libharu error 0x%04X (detail %u) while rendering the report",
                         (unsigned)p->hpdf_error, (unsigned)p->hpdf_detail);
        } else {
            fa_error_set(p->err, status, NULL, 0, 0, "pdf: %s", msg);
        }
    }
    return status;
}

void fa_pdf__chart(fa_pdf *p, int status)
{
    if (status != FA_OK && p->status == FA_OK) {
        p->status = status; /* the chart filled p->err */
    }
}

/* ------------------------------------------------------------------ pages */

static void footer_rule(fa_pdf *p)
{
    HPDF_Page_SetGrayStroke(p->page, R(0.75));
    HPDF_Page_SetLineWidth(p->page, R(0.5));
    HPDF_Page_MoveTo(p->page, R(p->left), R(p->bottom - 12));
    HPDF_Page_LineTo(p->page, R(p->right), R(p->bottom - 12));
    HPDF_Page_Stroke(p->page);
}

void fa_pdf__new_page(fa_pdf *p)
{
    if (!fa_pdf__ok(p)) {
        return;
    }
    if (p->n_pages == p->cap_pages) {
        void *v = p->pages;
        /* NOLINTNEXTLINE(bugprone-sizeof-expression): the elements are HPDF_Page handles */
        if (fa_grow(&v, &p->cap_pages, p->n_pages + 1, sizeof *p->pages) != 0) {
            fa_pdf__fail(p, FA_ENOMEM, "out of memory");
            return;
        }
        p->pages = v;
    }
    HPDF_Page page = HPDF_AddPage(p->doc);
    if (page == NULL) {
        fa_pdf__fail(p, FA_EINTERNAL, "cannot add a page");
        return;
    }
    HPDF_Page_SetWidth(page, R(p->pw));
    HPDF_Page_SetHeight(page, R(p->ph));
    p->pages[p->n_pages++] = page;
    p->page = page;
    p->y = p->top;
    if (p->n_pages > 1) {
        fa_pdf__text(p, p->font, FA_PDF_SMALL, p->left, p->ph - FA_PDF_MARGIN * 0.6, p->title,
                     0.45);
        footer_rule(p);
    }
}

void fa_pdf__need(fa_pdf *p, double h)
{
    if (p->page == NULL || p->y - h < p->bottom) {
        fa_pdf__new_page(p);
    }
}

void fa_pdf__skip(fa_pdf *p, double h)
{
    p->y -= h;
}

/* ------------------------------------------------------------------- text */

void fa_pdf__text(fa_pdf *p, HPDF_Font font, double size, double x, double y, const char *s,
                  double g)
{
    if (!fa_pdf__ok(p) || s == NULL || *s == '\0') {
        return;
    }
    HPDF_Page_SetGrayFill(p->page, R(g));
    HPDF_Page_BeginText(p->page);
    HPDF_Page_SetFontAndSize(p->page, font, R(size));
    HPDF_Page_TextOut(p->page, R(x), R(y), s);
    HPDF_Page_EndText(p->page);
    HPDF_Page_SetGrayFill(p->page, 0);
}

/* Length in bytes of the UTF-8 character at s (1 for a stray byte). */
static size_t u8len(const char *s)
{
    unsigned char c = (unsigned char)*s;
    size_t n = c < 0x80 ? 1 : c >= 0xF0 ? 4 : c >= 0xE0 ? 3 : c >= 0xC0 ? 2 : 1;
    for (size_t i = 1; i < n; i++) {
        if (s[i] == '\0') {
            return i;
        }
    }
    return n;
}

/*
 * Width of the n bytes of UTF-8 at s, at size 1: ASCII from the table of the report's font,
 * other characters asked of libharu one at a time. libharu looks glyphs up by a linear
 * search, so measuring every prefix of a line anew made word wrapping quadratic; the sum of
 * the advances is what HPDF_Font_TextWidth computes for the whole text (no kerning).
 */
static double span_width(const fa_pdf *p, HPDF_Font font, const char *s, size_t n)
{
    const double *adv = font == p->bold ? p->adv_bold : font == p->font ? p->adv_regular : NULL;
    double w = 0;
    for (size_t i = 0; i < n;) {
        unsigned char c = (unsigned char)s[i];
        size_t k = u8len(s + i);
        k = k < n - i ? k : n - i;
        if (adv && c < 128) {
            w += adv[c];
        } else {
            w += (double)HPDF_Font_TextWidth(font, (const HPDF_BYTE *)s + i, (HPDF_UINT)k).width /
                 1000.0;
        }
        i += k;
    }
    return w;
}

double fa_pdf__width(const fa_pdf *p, HPDF_Font font, double size, const char *s)
{
    return s ? span_width(p, font, s, strlen(s)) * size : 0.0;
}

/*
 * The longest prefix of s (from its start, at most `avail` bytes) that fits in width w: cut
 * after the last space that fits, or inside a word too long for a line. Returns its length
 * (at least one character).
 */
static size_t fit(const fa_pdf *p, HPDF_Font font, double size, const char *s, size_t avail,
                  double w)
{
    size_t best_space = 0, last_fit = 0, i = 0;
    double acc = 0;
    while (i < avail) {
        size_t k = i + u8len(s + i);
        if (k > avail) {
            k = avail;
        }
        acc += span_width(p, font, s + i, k - i) * size;
        if (acc > w) {
            break;
        }
        last_fit = k;
        if (k < avail && s[k] == ' ') {
            best_space = k;
        }
        i = k;
    }
    if (last_fit == avail) {
        return avail;
    }
    if (best_space > 0) {
        return best_space;
    }
    return last_fit > 0 ? last_fit : u8len(s);
}

void fa_pdf__para(fa_pdf *p, HPDF_Font font, double size, double indent, const char *s)
{
    char line[1024];
    double lead = size * 1.4, w = p->right - p->left - indent;
    while (fa_pdf__ok(p) && s && *s) {
        const char *nl = strchr(s, '\n');
        size_t avail = nl ? (size_t)(nl - s) : strlen(s);
        size_t n = avail == 0 ? 0 : fit(p, font, size, s, avail, w);
        n = n < sizeof line ? n : sizeof line - 1;
        fa_pdf__need(p, lead);
        memcpy(line, s, n);
        line[n] = '\0';
        fa_pdf__text(p, font, size, p->left + indent, p->y - size, line, 0);
        p->y -= lead;
        s += n;
        while (*s == ' ') {
            s++;
        }
        if (*s == '\n' && (size_t)(s - (nl ? nl : s)) == 0) {
            s++;
        }
    }
    p->y -= size * 0.4;
}

void fa_pdf__heading(fa_pdf *p, int level, const char *s)
{
    if (!fa_pdf__ok(p)) {
        return;
    }
    double size = level == 1 ? FA_PDF_H1 : FA_PDF_H2;
    if (level == 1) {
        fa_pdf__new_page(p);
    } else {
        fa_pdf__need(p, size * 2 + 130); /* never a heading alone at the foot of a page */
        p->y -= size * 0.6;
    }
    if (!fa_pdf__ok(p)) {
        return;
    }
    HPDF_Destination dst = HPDF_Page_CreateDestination(p->page);
    HPDF_Destination_SetFitH(dst, R(p->y + size));
    HPDF_Outline parent = level == 1 || p->section == NULL ? p->root : p->section;
    HPDF_Outline o = HPDF_CreateOutline(p->doc, parent, s, p->utf8);
    if (o != NULL) {
        HPDF_Outline_SetDestination(o, dst);
        HPDF_Outline_SetOpened(o, HPDF_FALSE);
        if (level == 1) {
            p->section = o;
        }
    }
    fa_pdf__text(p, p->bold, size, p->left, p->y - size, s, 0);
    p->y -= size * 1.8;
    if (level == 1) {
        HPDF_Page_SetRGBStroke(p->page, R(0.0), R(0.45), R(0.70));
        HPDF_Page_SetLineWidth(p->page, 1);
        HPDF_Page_MoveTo(p->page, R(p->left), R(p->y + size * 0.5));
        HPDF_Page_LineTo(p->page, R(p->right), R(p->y + size * 0.5));
        HPDF_Page_Stroke(p->page);
    }
}

/* ----------------------------------------------------------------- tables */

size_t fa_pdf__paginate(size_t per_page[], size_t max_pages, size_t n_rows, double first,
                        double page, double head_h, double row_h)
{
    if (!(row_h > 0) || page - head_h < row_h) {
        return 0;
    }
    size_t pages = 0, left = n_rows;
    double avail = first;
    while (left > 0 && pages < max_pages) {
        double fits = floor((avail - head_h) / row_h);
        size_t k = fits > 0 ? (size_t)fits : 0;
        if (k > left) {
            k = left;
        }
        per_page[pages++] = k;
        left -= k;
        avail = page;
    }
    return pages;
}

static void table_header(fa_pdf *p, fa_pdf_table *t)
{
    t->headers++;
    double x = p->left, w = p->right - p->left;
    HPDF_Page_SetRGBFill(p->page, R(0.86), R(0.91), R(0.95));
    HPDF_Page_Rectangle(p->page, R(p->left), R(p->y - t->row_h), R(w), R(t->row_h));
    HPDF_Page_Fill(p->page);
    for (size_t c = 0; c < t->n_cols; c++) {
        double cw = t->cols[c].share * w;
        char buf[256];
        double tw = fa_chart_ellipsize(buf, sizeof buf, p->bold, t->size, t->cols[c].head, cw - 4);
        double tx = t->cols[c].right ? x + cw - 2 - tw : x + 2;
        fa_pdf__text(p, p->bold, t->size, tx, p->y - t->row_h + t->size * 0.45, buf, 0);
        x += cw;
    }
    p->y -= t->row_h;
}

void fa_pdf__table_begin(fa_pdf *p, fa_pdf_table *t, const fa_pdf_col *cols, size_t n_cols,
                         const char *caption)
{
    t->cols = cols;
    t->n_cols = n_cols;
    t->size = FA_PDF_TABLE;
    t->row_h = FA_PDF_TABLE * 1.8;
    t->row = 0;
    t->headers = 0;
    t->caption = caption;
    fa_pdf__need(p, 3 * t->row_h);
    if (fa_pdf__ok(p)) {
        table_header(p, t);
    }
}

/* Splits a cell's text into at most FA_PDF_CELL_LINES lines of width w (the last one
 * ellipsized when the text is longer still); returns the number of lines. */
#define FA_PDF_CELL_LINES 3
static size_t cell_lines(const fa_pdf *p, char lines[][256], HPDF_Font font, double size,
                         const char *s, double w)
{
    size_t n = 0;
    while (*s && n < FA_PDF_CELL_LINES) {
        size_t avail = strlen(s);
        if (n == FA_PDF_CELL_LINES - 1) {
            fa_chart_ellipsize(lines[n++], 256, font, size, s, w);
            break;
        }
        size_t k = fit(p, font, size, s, avail, w);
        if (k >= 256) {
            k = 255;
        }
        memcpy(lines[n], s, k);
        lines[n++][k] = '\0';
        s += k;
        while (*s == ' ') {
            s++;
        }
    }
    if (n == 0) {
        lines[n++][0] = '\0';
    }
    return n;
}

void fa_pdf__table_row(fa_pdf *p, fa_pdf_table *t, const char *const cells[], double grey)
{
    if (!fa_pdf__ok(p)) {
        return;
    }
    double x = p->left, w = p->right - p->left, lead = t->size * 1.2;
    char lines[16][FA_PDF_CELL_LINES][256];
    size_t n_lines[16], most = 1;
    for (size_t c = 0; c < t->n_cols && c < 16; c++) {
        n_lines[c] = cell_lines(p, lines[c], p->font, t->size, cells[c] ? cells[c] : "",
                                t->cols[c].share * w - 4);
        most = n_lines[c] > most ? n_lines[c] : most;
    }
    double h = t->row_h + (double)(most - 1) * lead;
    if (p->y - h < p->bottom) {
        fa_pdf__new_page(p);
        if (t->caption) {
            char buf[300];
            snprintf(buf, sizeof buf, "%s (continued)", t->caption);
            fa_pdf__text(p, p->bold, FA_PDF_BODY, p->left, p->y - FA_PDF_BODY, buf, 0.3);
            p->y -= FA_PDF_BODY * 1.8;
        }
        table_header(p, t);
    }
    if (t->row % 2 == 1) {
        HPDF_Page_SetGrayFill(p->page, R(0.955));
        HPDF_Page_Rectangle(p->page, R(p->left), R(p->y - h), R(w), R(h));
        HPDF_Page_Fill(p->page);
    }
    for (size_t c = 0; c < t->n_cols && c < 16; c++) {
        double cw = t->cols[c].share * w;
        for (size_t l = 0; l < n_lines[c]; l++) {
            double tw = fa_pdf__width(p, p->font, t->size, lines[c][l]);
            double tx = t->cols[c].right ? x + cw - 2 - tw : x + 2;
            double ty = p->y - t->row_h + t->size * 0.45 - (double)l * lead;
            fa_pdf__text(p, p->font, t->size, tx, ty, lines[c][l], grey);
        }
        x += cw;
    }
    p->y -= h;
    t->row++;
}

fa_chart_box fa_pdf__box(fa_pdf *p, double x_share, double w_share, double h)
{
    fa_pdf__need(p, h);
    double w = p->right - p->left;
    fa_chart_box b = {p->left + x_share * w, p->y - h, w_share * w, h};
    return b;
}

/* ------------------------------------------------------------- formatting */

char *fa_pdf__num(char *buf, size_t size, double v, int decimals)
{
    if (isnan(v)) {
        snprintf(buf, size, "undefined");
    } else if (isinf(v)) {
        snprintf(buf, size, "%s", v > 0 ? "infinite" : "-infinite");
    } else {
        snprintf(buf, size, "%.*f", decimals, v);
        if (strcmp(buf, "-0") == 0 || strspn(buf, "-0.") == strlen(buf)) {
            snprintf(buf, size, "%.*f", decimals, 0.0); /* never "-0.000" */
        }
    }
    return buf;
}

char *fa_pdf__range(char *buf, size_t size, double lo, double hi, int decimals)
{
    if (isnan(lo) || isnan(hi)) {
        if (size) {
            buf[0] = '\0';
        }
        return buf;
    }
    char a[48], b[48];
    /* "-0.53 to -0.40" reads better than a dash between minus signs */
    snprintf(buf, size, lo < 0 ? "%s to %s" : "%s\xE2\x80\x93%s",
             fa_pdf__num(a, sizeof a, lo, decimals), fa_pdf__num(b, sizeof b, hi, decimals));
    return buf;
}

char *fa_pdf__metric_words(char *buf, size_t size, const char *snake)
{
    snprintf(buf, size, "%s", snake ? snake : "");
    for (char *c = buf; *c; c++) {
        if (*c == '_') {
            *c = ' ';
        }
    }
    return buf;
}

/* ------------------------------------------------------------ the document */

static void page_numbers(fa_pdf *p)
{
    for (size_t i = 0; fa_pdf__ok(p) && i < p->n_pages; i++) {
        char buf[64];
        snprintf(buf, sizeof buf, "Page %zu of %zu", i + 1, p->n_pages);
        p->page = p->pages[i];
        double w = fa_pdf__width(p, p->font, FA_PDF_SMALL, buf);
        fa_pdf__text(p, p->font, FA_PDF_SMALL, p->right - w, p->bottom - 24, buf, 0.35);
        if (i > 0) {
            fa_pdf__text(p, p->font, FA_PDF_SMALL, p->left, p->bottom - 24, "fairaudit " FA_VERSION,
                         0.35);
        }
    }
}

static int file_readable(const char *path)
{
    FILE *f = fopen(path, "rb");
    if (f) {
        fclose(f);
    }
    return f != NULL;
}

/* The report's date: the options', else $SOURCE_DATE_EPOCH (reproducible builds), else now. */
static int creation_time(int64_t *out, const fa_pdf_options *o, fa_error *err)
{
    const char *env = getenv("SOURCE_DATE_EPOCH");
    if (o->creation_time >= 0) {
        *out = o->creation_time;
    } else if (env != NULL && *env != '\0') {
        char *end;
        errno = 0;
        long long v = strtoll(env, &end, 10);
        if (*end != '\0' || errno == ERANGE || v < 0 || v > 253402300799LL) {
            return fa_error_set(err, FA_EINVAL, NULL, 0, 0,
                                "SOURCE_DATE_EPOCH: expected seconds since 1970 (an integer "
                                "from 0 to 253402300799), got '%s'",
                                env);
        }
        *out = (int64_t)v;
    } else {
        *out = (int64_t)time(NULL);
    }
    return FA_OK;
}

static void info(fa_pdf *p)
{
    time_t tt = (time_t)p->when;
    struct tm tm;
    if (gmtime_r(&tt, &tm) == NULL) {
        fa_pdf__fail(p, FA_EINVAL, "creation time out of range");
        return;
    }
    HPDF_Date d = {tm.tm_year + 1900, tm.tm_mon + 1, tm.tm_mday, tm.tm_hour, tm.tm_min,
                   tm.tm_sec,         'Z',           0,          0};
    HPDF_SetInfoDateAttr(p->doc, HPDF_INFO_CREATION_DATE, d);
    HPDF_SetInfoDateAttr(p->doc, HPDF_INFO_MOD_DATE, d);
    HPDF_SetInfoAttr(p->doc, HPDF_INFO_AUTHOR, "fairaudit");
    HPDF_SetInfoAttr(p->doc, HPDF_INFO_CREATOR, "fairaudit " FA_VERSION);
    HPDF_SetInfoAttr(p->doc, HPDF_INFO_TITLE, p->title);
    HPDF_SetInfoAttr(p->doc, HPDF_INFO_SUBJECT, "Fairness audit report");
}

static int setup(fa_pdf *p)
{
    const char *fonts[2] = {FONT_REGULAR, FONT_BOLD};
    for (size_t i = 0; i < 2; i++) {
        if (!file_readable(fonts[i])) {
            return fa_error_set(p->err, FA_EIO, fonts[i], 0, 0,
                                "cannot read the report's font (install fonts-dejavu-core)");
        }
    }
    p->doc = HPDF_New(handler, p);
    if (p->doc == NULL) {
        return fa_error_set(p->err, FA_ENOMEM, NULL, 0, 0, "pdf: cannot create the document");
    }
    HPDF_SetCompressionMode(p->doc, HPDF_COMP_ALL);
    HPDF_UseUTFEncodings(p->doc);
    HPDF_SetCurrentEncoder(p->doc, "UTF-8"); /* info and bookmarks as UTF-16 */
    HPDF_SetPageMode(p->doc, HPDF_PAGE_MODE_USE_OUTLINE);
    const char *fr = HPDF_LoadTTFontFromFile(p->doc, FONT_REGULAR, HPDF_TRUE);
    const char *fb = HPDF_LoadTTFontFromFile(p->doc, FONT_BOLD, HPDF_TRUE);
    if (fr == NULL || fb == NULL || !fa_pdf__ok(p)) {
        return fa_pdf__fail(p, FA_EINTERNAL, "cannot load the fonts");
    }
    p->font = HPDF_GetFont(p->doc, fr, "UTF-8");
    p->bold = HPDF_GetFont(p->doc, fb, "UTF-8");
    p->utf8 = HPDF_GetEncoder(p->doc, "UTF-8");
    for (int c = 32; c < 127; c++) {
        HPDF_BYTE ch = (HPDF_BYTE)c;
        p->adv_regular[c] = (double)HPDF_Font_TextWidth(p->font, &ch, 1).width / 1000.0;
        p->adv_bold[c] = (double)HPDF_Font_TextWidth(p->bold, &ch, 1).width / 1000.0;
    }
    if (p->font == NULL || p->bold == NULL || !fa_pdf__ok(p)) {
        return fa_pdf__fail(p, FA_EINTERNAL, "cannot load the fonts");
    }
    p->st.font = p->font;
    p->st.bold = p->bold;
    p->st.font_size = 7.5;
    if (p->o->paper == FA_PAPER_LETTER) {
        p->pw = 612;
        p->ph = 792;
    } else {
        p->pw = 595.276;
        p->ph = 841.89;
    }
    p->left = FA_PDF_MARGIN;
    p->right = p->pw - FA_PDF_MARGIN;
    p->top = p->ph - FA_PDF_MARGIN;
    p->bottom = FA_PDF_MARGIN + 10;
    p->root = HPDF_CreateOutline(p->doc, NULL, "fairaudit report", p->utf8);
    if (p->root != NULL) {
        HPDF_Outline_SetOpened(p->root, HPDF_TRUE);
    }
    info(p);
    return p->status;
}

static int save(fa_pdf *p, unsigned char **out, size_t *len)
{
    if (HPDF_SaveToStream(p->doc) != HPDF_OK || !fa_pdf__ok(p)) {
        return fa_pdf__fail(p, FA_EINTERNAL, "cannot save the document");
    }
    HPDF_UINT32 n = HPDF_GetStreamSize(p->doc);
    unsigned char *buf = malloc(n ? n : 1);
    if (buf == NULL) {
        return fa_pdf__fail(p, FA_ENOMEM, "out of memory");
    }
    HPDF_UINT32 got = n;
    HPDF_STATUS st = HPDF_ReadFromStream(p->doc, buf, &got);
    if ((st != HPDF_OK && st != HPDF_STREAM_EOF) || got != n) {
        free(buf);
        return fa_pdf__fail(p, FA_EINTERNAL, "cannot read the rendered document");
    }
    *out = buf;
    *len = n;
    return FA_OK;
}

int fa_pdf__open(fa_pdf *p, const fa_result *res, const fa_pdf_options *opts, fa_error *err)
{
    static const fa_pdf_options DEFAULTS = FA_PDF_OPTIONS_INIT;
    memset(p, 0, sizeof *p);
    p->r = res;
    p->o = opts ? opts : &DEFAULTS;
    p->err = err;
    p->status = FA_OK;
    p->title = p->o->title && *p->o->title ? p->o->title
               : res->policy_title         ? res->policy_title
                                           : "Fairness audit report";
    int st = creation_time(&p->when, p->o, err);
    return st == FA_OK ? setup(p) : st;
}

void fa_pdf__close(fa_pdf *p)
{
    if (p->doc) {
        HPDF_Free(p->doc);
        p->doc = NULL;
    }
    free(p->pages);
    p->pages = NULL;
}

int fa_report_pdf_render(unsigned char **out, size_t *len, const fa_result *res,
                         const fa_pdf_options *opts, fa_error *err)
{
    *out = NULL;
    *len = 0;
    fa_pdf *p = calloc(1, sizeof *p);
    if (p == NULL) {
        return fa_error_set(err, FA_ENOMEM, NULL, 0, 0, "out of memory");
    }
    int st = fa_pdf__open(p, res, opts, err);
    if (st == FA_OK) {
        fa_pdf__cover(p);
        fa_pdf__gates(p);
        fa_pdf__data(p);
        fa_pdf__attributes(p);
        fa_pdf__scores(p);
        fa_pdf__attributions(p);
        fa_pdf__methodology(p);
        fa_pdf__reproducibility(p);
        page_numbers(p);
        st = fa_pdf__ok(p) ? save(p, out, len) : p->status;
    }
    fa_pdf__close(p);
    free(p);
    return st;
}

int fa_report_pdf_write(const fa_result *res, const fa_pdf_options *opts, const char *path,
                        fa_error *err)
{
    unsigned char *buf;
    size_t len;
    int st = fa_report_pdf_render(&buf, &len, res, opts, err);
    if (st == FA_OK) {
        st = fa_atomic_write(path, buf, len, err);
        free(buf);
    }
    return st;
}
