/*
 * audit/csv.c - a streaming RFC 4180 CSV reader.
 *
 * The file is read with read(2) into one buffer (1 MiB, grown only for a record longer than
 * half of it, up to max_line_bytes), and records are parsed in place: a field is a
 * (pointer, length) view into the buffer, so memory is bounded by the longest record and
 * never grows with the number of rows. A quoted field keeps its bytes in place too; doubled
 * quotes are undone in place once the whole record has been parsed (the unescaped text is
 * never longer than the raw one).
 *
 * Speed (the audit of a 1e7-row file must take well under a second): the common record, n
 * unquoted fields ended by LF or CRLF, takes a fast path (fast_record) that finds every
 * delimiter and the line end from SSE2 bit masks of 32 bytes at a time, with no per-byte loop
 * and a few stores per field; anything unusual falls back to the general parser
 * (parse_record), which reads the same record again from its start. The buffer always ends
 * with a NUL sentinel, so no scan needs a bounds check: a NUL stops it, and only then is "end
 * of buffer" told apart from "a NUL byte in the input" (an error: the binary-file guard).
 * When a record runs into the end of the buffer, the parse is abandoned, the partial record
 * moved to the front, more bytes read, and the record parsed again; nothing is written into
 * the buffer before a record is complete, so the restart is safe, and it happens once per
 * buffer-full. Line numbers cost one increment per record; a field's column is computed on
 * request from its position (and counted in full only for a record with line breaks
 * inside quotes).
 *
 * Accepted: quoted fields with doubled quotes, delimiters and line breaks inside quotes,
 * LF, CRLF or lone CR line ends, a UTF-8 byte-order mark at the start of the file (not
 * counted in columns), blank lines (skipped), a last record without a line end.
 * Locations: lines are physical and 1-based (a line break inside quotes counts), columns
 * are 1-based byte offsets within the physical line on which the field starts; an error
 * points at the offending byte (the opening quote for an unclosed quote).
 *
 * Range readers (audit/csv.h) read a byte range of the file with the header of a whole-file
 * reader, for the parallel audit; their lines count from the start of the range.
 */
#include "audit/csv.h"

#include <assert.h>
#include <errno.h>
#include <fcntl.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <sys/types.h>
#include <unistd.h>

#if defined(__SSE2__) && defined(__GNUC__) && !defined(FA_CSV_NO_SIMD)
#include <emmintrin.h>
#endif

#include "common/alloc.h"
#include "common/error.h"

#define CSV_BUF_INITIAL ((size_t)1 << 20)       /* 1 MiB */
#define CSV_MAX_LINE_DEFAULT ((size_t)64 << 20) /* 64 MiB */
#define CSV_HEADER_FIELDS_INITIAL 16

/* Byte classes of the scanner. The order matters: in a quoted field, classes up to
 * CL_DELIM are plain content. */
enum { CL_PLAIN = 0, CL_DELIM, CL_LF, CL_CR, CL_QUOTE, CL_NUL };

/* Outcomes of one parse attempt besides a (negative) status. */
enum { REC_EOF = 0, REC_OK = 1, REC_MORE = 2 };

/*
 * The scanner finds the next special byte (delimiter, quote, CR, LF, NUL) at or after p.
 * With SSE2 it keeps a 32-byte window and two bit masks (delimiters, all specials) made
 * with a few vector compares, and hands out their set bits in order: a row of short fields
 * costs one window, no byte loop and no mispredicted loop exit per field, and a delimiter is
 * told from the other specials without loading the byte. The buffer has CSV_PAD bytes after
 * its sentinel, so a window that starts at or before the sentinel stays inside it. Without
 * SSE2, one table lookup per byte. Bits for bytes before p are always already consumed:
 * callers only ask again from just past the byte returned, or reset the window.
 */
#if defined(__SSE2__) && defined(__GNUC__) && !defined(FA_CSV_NO_SIMD)
#define CSV_PAD 32
#define SCAN_INLINE static inline __attribute__((always_inline))
typedef struct scanner {
    const unsigned char *w; /* window start, NULL when unset */
    uint32_t md;            /* delimiters in [w, w + 32) */
    uint32_t all;           /* unconsumed specials (delimiters included) in [w, w + 32) */
    __m128i vd, vq, vlf, vcr;
} scanner;

SCAN_INLINE void scan_init(scanner *sc, unsigned char delim)
{
    sc->w = NULL;
    sc->vd = _mm_set1_epi8((char)delim);
    sc->vq = _mm_set1_epi8('"');
    sc->vlf = _mm_set1_epi8('\n');
    sc->vcr = _mm_set1_epi8('\r');
}

SCAN_INLINE void scan_reset(scanner *sc)
{
    sc->w = NULL;
}

SCAN_INLINE void scan_half(const scanner *sc, const unsigned char *w, uint32_t *md, uint32_t *ms)
{
    __m128i x = _mm_loadu_si128((const __m128i *)(const void *)w);
    __m128i d = _mm_cmpeq_epi8(x, sc->vd);
    __m128i other = _mm_or_si128(
        _mm_or_si128(_mm_cmpeq_epi8(x, sc->vq), _mm_cmpeq_epi8(x, sc->vlf)),
        _mm_or_si128(_mm_cmpeq_epi8(x, sc->vcr), _mm_cmpeq_epi8(x, _mm_setzero_si128())));
    *md = (uint32_t)_mm_movemask_epi8(d);
    *ms = (uint32_t)_mm_movemask_epi8(_mm_or_si128(d, other));
}

SCAN_INLINE void scan_load(scanner *sc, const unsigned char *w)
{
    uint32_t d0, s0, d1, s1;
    scan_half(sc, w, &d0, &s0);
    scan_half(sc, w + 16, &d1, &s1);
    sc->w = w;
    sc->md = d0 | d1 << 16;
    sc->all = s0 | s1 << 16;
}

SCAN_INLINE const unsigned char *scan_next(scanner *sc, const unsigned char *cls,
                                           const unsigned char *p, int *is_delim)
{
    (void)cls;
    if (sc->w == NULL) {
        scan_load(sc, p);
    }
    while (sc->all == 0) {
        scan_load(sc, sc->w + 32);
    }
    const unsigned t = (unsigned)__builtin_ctz(sc->all);
    sc->all &= sc->all - 1;
    *is_delim = (int)((sc->md >> t) & 1u);
    return sc->w + t;
}
#else
#define CSV_PAD 0
typedef struct scanner {
    int unused;
} scanner;

static inline void scan_init(scanner *sc, unsigned char delim)
{
    (void)delim;
    sc->unused = 0;
}

static inline void scan_reset(scanner *sc)
{
    (void)sc;
}

static inline const unsigned char *scan_next(scanner *sc, const unsigned char *cls,
                                             const unsigned char *p, int *is_delim)
{
    (void)sc;
    while (cls[*p] == CL_PLAIN) {
        p++;
    }
    *is_delim = cls[*p] == CL_DELIM;
    return p;
}
#endif

struct fa_csv_reader {
    int fd;
    int eof;    /* read() has returned 0 */
    int failed; /* status of the error that stopped the reader, or 0 */
    unsigned char delim;
    unsigned char cls[256];
    char *path;
    size_t max_line;    /* longest record accepted, bytes without its line end */
    size_t limit;       /* most data bytes the buffer may hold: max_line + 2 (a CRLF) */
    unsigned char *buf; /* cap + 1 bytes: buf[end] is always the NUL sentinel */
    size_t cap;
    size_t pos;        /* start of the unparsed bytes */
    size_t end;        /* end of the bytes read */
    uint64_t base;     /* file offset of buf[0] */
    uint64_t line;     /* physical line at buf[pos] */
    uint64_t rec_line; /* line on which the current record starts */
    /* the header */
    size_t n_cols;
    char **names;
    char *names_block;
    size_t *hash; /* open addressing: column index + 1, 0 = empty */
    size_t hash_mask;
    /* the current record: fields, and for a record with line breaks inside quotes, their
     * columns (0-based) and lines; `dq` lists the fields that hold doubled quotes. `fcap`
     * fields are stored (n_cols after the header). */
    fa_field *fields;
    const unsigned char *rec; /* where the current record starts in buf */
    int multiline;            /* it has line breaks inside quotes: cols and lines are set */
    size_t n_stored;          /* fields stored: min(fields read, fcap) */
    size_t *cols;
    uint64_t *lines;
    size_t *dq;
    size_t fcap;
    size_t falloc;
    uint64_t extra_line; /* location of the first field past n_cols */
    size_t extra_col;
    fa_error err; /* the error that stopped the reader, repeated to later calls */
    /* range readers (audit/csv.h): reading stops at file offset `stop`; `saw_quote` is set
     * when any byte read is a quote, since a line end may then lie inside a quoted field */
    uint64_t stop;
    int saw_quote;
};

/* --------------------------------------------------------------- helpers */

static int grow_fields(fa_csv_reader *r, size_t need)
{
    if (need <= r->falloc) {
        return 0;
    }
    size_t n = r->falloc ? r->falloc : CSV_HEADER_FIELDS_INITIAL;
    while (n < need) {
        if (n > SIZE_MAX / 2) {
            return -1;
        }
        n *= 2;
    }
    fa_field *f = fa_realloc_array(r->fields, n, sizeof *f);
    if (f == NULL) {
        return -1;
    }
    r->fields = f;
    size_t *c = fa_realloc_array(r->cols, n, sizeof *c);
    if (c == NULL) {
        return -1;
    }
    r->cols = c;
    uint64_t *l = fa_realloc_array(r->lines, n, sizeof *l);
    if (l == NULL) {
        return -1;
    }
    r->lines = l;
    size_t *d = fa_realloc_array(r->dq, n, sizeof *d);
    if (d == NULL) {
        return -1;
    }
    r->dq = d;
    r->falloc = n;
    return 0;
}

/* Length of the UTF-8 sequence a lead byte announces (1 for anything else), at most avail. */
static size_t char_len(unsigned char c, size_t avail)
{
    size_t n = c >= 0xF0 && c <= 0xF7   ? 4
               : c >= 0xE0 && c <= 0xEF ? 3
               : c >= 0xC0 && c <= 0xDF ? 2
                                        : 1;
    return n < avail ? n : avail;
}

static int err_at(fa_csv_reader *r, uint64_t line, uint64_t col, const char *msg)
{
    return fa_error_set(&r->err, FA_EPARSE, r->path, line, col, "%s", msg);
}

static int err_nul(fa_csv_reader *r, uint64_t line, uint64_t col)
{
    return err_at(r, line, col, "NUL byte in input");
}

static int err_after_quote(fa_csv_reader *r, uint64_t line, uint64_t col, const unsigned char *p,
                           const unsigned char *end)
{
    char q[64];
    fa_error_quote(q, sizeof q, (const char *)p, char_len(*p, (size_t)(end - p)));
    return fa_error_set(&r->err, FA_EPARSE, r->path, line, col,
                        "expected a delimiter or line end after closing quote, got %s", q);
}

static int err_count(fa_csv_reader *r, uint64_t line, uint64_t col, size_t got)
{
    return fa_error_set(&r->err, FA_EPARSE, r->path, line, col, "expected %zu field%s, got %zu",
                        r->n_cols, r->n_cols == 1 ? "" : "s", got);
}

/* Undoes doubled quotes of field i in place. */
static void unescape(fa_csv_reader *r, size_t i)
{
    fa_field *f = &r->fields[i];
    unsigned char *s = r->buf + ((const unsigned char *)f->data - r->buf);
    size_t o = 0;
    for (size_t k = 0; k < f->len; k++) {
        s[o++] = s[k];
        if (s[k] == '"') {
            k++; /* the parser guarantees its twin follows */
        }
    }
    f->len = o;
}

/* Where stored field i of the current record starts in the buffer: its opening quote, if any.
 * Only an opening quote can precede a field's data (a delimiter cannot be a quote). */
static const unsigned char *field_start(const fa_csv_reader *r, size_t i)
{
    const unsigned char *d = (const unsigned char *)r->fields[i].data;
    return d > r->rec && d[-1] == '"' ? d - 1 : d;
}

/*
 * Fills cols[] and lines[] of a record with line breaks inside quotes, by counting the
 * breaks before each field (LF, CRLF or a lone CR, as the parser does). Runs before the
 * doubled quotes are undone, so the raw bytes are intact.
 */
static void locate_fields(fa_csv_reader *r)
{
    const unsigned char *q = r->rec, *ls = r->rec;
    uint64_t line = r->rec_line;
    for (size_t i = 0; i < r->n_stored; i++) {
        const unsigned char *fs = field_start(r, i);
        for (; q < fs; q++) {
            if (*q == '\n' || (*q == '\r' && q[1] != '\n')) {
                line++;
                ls = q + 1;
            }
        }
        r->lines[i] = line;
        r->cols[i] = (size_t)(fs - ls);
    }
}

/* Line and column (1-based) of stored field i of the current record. */
static void field_loc(const fa_csv_reader *r, size_t i, uint64_t *line, uint64_t *col)
{
    if (r->multiline) {
        *line = r->lines[i];
        *col = (uint64_t)r->cols[i] + 1;
    } else {
        *line = r->rec_line;
        *col = (uint64_t)(field_start(r, i) - r->rec) + 1;
    }
}

/* Where the parser stands: the next byte, the start of its physical line, the line. */
typedef struct cursor {
    const unsigned char *p;
    const unsigned char *ls;
    uint64_t line;
    int multiline; /* a line break inside quotes was crossed */
} cursor;

/*
 * Reads a quoted field whose opening quote is at c->p, up to and past its closing quote.
 * Returns 0 (with *data, *len the raw content and *has_dq set when it holds doubled quotes),
 * REC_MORE, or a negative status.
 */
static int quoted_field(fa_csv_reader *r, cursor *c, const unsigned char *end,
                        const unsigned char **data, size_t *len, int *has_dq)
{
    const unsigned char *const cls = r->cls;
    const unsigned char *p = c->p + 1;
    const uint64_t qline = c->line, qcol = (uint64_t)(c->p - c->ls) + 1;
    for (;;) {
        while (cls[*p] <= CL_DELIM) {
            p++;
        }
        unsigned k = cls[*p];
        if (k == CL_QUOTE) {
            if (p + 1 == end && !r->eof) {
                return REC_MORE; /* a closing quote, or the first of a doubled one? */
            }
            if (p[1] != '"') {
                break;
            }
            *has_dq = 1;
            p += 2;
        } else if (k == CL_LF || k == CL_CR) {
            if (k == CL_CR && p + 1 == end && !r->eof) {
                return REC_MORE;
            }
            p += k == CL_CR && p[1] == '\n' ? 2 : 1;
            c->line++;
            c->ls = p;
            c->multiline = 1;
        } else if (p != end) {
            return err_nul(r, c->line, (uint64_t)(p - c->ls) + 1);
        } else if (!r->eof) {
            return REC_MORE;
        } else {
            return err_at(r, qline, qcol,
                          "unclosed quote: expected a closing '\"' before end of file");
        }
    }
    *data = c->p + 1;
    *len = (size_t)(p - *data);
    c->p = p + 1;
    unsigned k = cls[*c->p];
    if (k == CL_PLAIN || k == CL_QUOTE) {
        return err_after_quote(r, c->line, (uint64_t)(c->p - c->ls) + 1, c->p, end);
    }
    return 0;
}

/* Skips blank lines at buf[pos] and keeps them skipped (pos and line move past them). */
static void skip_blank_lines(fa_csv_reader *r)
{
    const unsigned char *const end = r->buf + r->end;
    const unsigned char *p = r->buf + r->pos;
    uint64_t line = r->line;
    for (;;) {
        if (*p == '\n') {
            p++;
        } else if (*p == '\r' && (p + 1 < end || r->eof)) {
            p += p[1] == '\n' ? 2 : 1;
        } else {
            break;
        }
        line++;
    }
    r->pos = (size_t)(p - r->buf);
    r->line = line;
}

/*
 * Parses one record starting at buf[pos]. Returns REC_OK (fields stored, pos and line moved
 * past the record), REC_EOF, REC_MORE (the record runs past the bytes read: refill and call
 * again; blank lines already skipped are kept skipped), or a negative status in r->err.
 * `header` lets the field arrays grow; otherwise fields past n_cols are only counted.
 */
static int parse_record(fa_csv_reader *r, int header, size_t *n_fields)
{
    skip_blank_lines(r);
    const unsigned char *const end = r->buf + r->end;
    const unsigned char *const rec = r->buf + r->pos;
    if (rec == end || *rec == '\r') {
        /* the end of the bytes read, or a CR there that may be followed by a LF */
        return rec == end && r->eof ? REC_EOF : REC_MORE;
    }
    cursor c = {rec, rec, r->line, 0};
    size_t nf = 0, ndq = 0;
    size_t fcap = header ? r->falloc : r->fcap;
    fa_field *fields = r->fields;
    unsigned k;
    scanner sc;
    scan_init(&sc, r->delim);
    for (;;) {
        const unsigned char *const fs = c.p;
        int is_delim;
        c.p = scan_next(&sc, r->cls, c.p, &is_delim);
        if (is_delim && nf < fcap) {
            fields[nf].data = (const char *)fs;
            fields[nf].len = (size_t)(c.p - fs);
            nf++;
            c.p++;
            continue;
        }
        const uint64_t fline = c.line;
        const size_t fcol = (size_t)(fs - c.ls);
        const unsigned char *data = fs;
        size_t len = (size_t)(c.p - fs);
        int has_dq = 0;
        k = is_delim ? CL_DELIM : r->cls[*c.p];
        if (k == CL_QUOTE) {
            if (c.p != fs) {
                return err_at(r, c.line, (uint64_t)(c.p - c.ls) + 1,
                              "unexpected '\"' inside an unquoted field");
            }
            int rc = quoted_field(r, &c, end, &data, &len, &has_dq);
            if (rc != 0) {
                return rc;
            }
            scan_reset(&sc);
            k = r->cls[*c.p];
        }
        if (k == CL_NUL && c.p != end) {
            return err_nul(r, c.line, (uint64_t)(c.p - c.ls) + 1);
        }
        if (k == CL_NUL && !r->eof) {
            return REC_MORE;
        }
        if (nf >= fcap && header) {
            if (grow_fields(r, nf + 1) != 0) {
                return fa_error_set(&r->err, FA_ENOMEM, r->path, fline, (uint64_t)fcol + 1,
                                    "out of memory reading the header");
            }
            fcap = r->falloc;
            fields = r->fields;
        }
        if (nf < fcap) {
            fields[nf].data = (const char *)data;
            fields[nf].len = len;
            if (has_dq) {
                r->dq[ndq++] = nf;
            }
        } else if (nf == fcap) {
            r->extra_line = fline;
            r->extra_col = fcol;
        }
        nf++;
        if (k != CL_DELIM) {
            break;
        }
        c.p++;
    }

    /* c.p is at the line end (LF, CR) or at the end of the file */
    const unsigned char *const rec_end = c.p;
    const uint64_t eol_line = c.line, eol_col = (uint64_t)(c.p - c.ls) + 1;
    if (k == CL_CR && c.p + 1 == end && !r->eof) {
        return REC_MORE;
    }
    if (k == CL_LF || k == CL_CR) {
        c.p += k == CL_CR && c.p[1] == '\n' ? 2 : 1;
        c.line++;
    }
    if ((size_t)(rec_end - rec) > r->max_line) {
        return fa_error_set(&r->err, FA_EPARSE, r->path, r->line, 1, "record longer than %zu bytes",
                            r->max_line);
    }
    if (!header && nf != r->n_cols) {
        if (nf < r->n_cols) {
            return err_count(r, eol_line, eol_col, nf);
        }
        return err_count(r, r->extra_line, (uint64_t)r->extra_col + 1, nf);
    }
    r->rec = rec;
    r->rec_line = r->line;
    r->multiline = c.multiline;
    r->n_stored = nf < fcap ? nf : fcap;
    if (c.multiline) {
        locate_fields(r); /* before unescaping: it reads the raw bytes */
    }
    for (size_t i = 0; i < ndq; i++) {
        unescape(r, r->dq[i]);
    }
    r->pos = (size_t)(c.p - r->buf);
    r->line = c.line;
    *n_fields = nf;
    return REC_OK;
}

/*
 * The fast path of fa_csv_next: a record of n_cols fields, unquoted or quoted without
 * doubled quotes or line breaks, ended by LF or CRLF, wholly in the buffer, read from the
 * scanner alone. Anything else (a doubled quote, a line break in quotes, a blank line,
 * another number of fields, the end of the buffer, a NUL, a lone CR, a record too long,
 * any malformed field) returns 0 with the reader where it was (only fields[] written), and
 * parse_record reads the record again and handles it (or reports it).
 */
static inline int fast_record(fa_csv_reader *r)
{
    const unsigned char *const rec = r->buf + r->pos;
    const unsigned char *p = rec;
    fa_field *const fields = r->fields;
    const unsigned char *const cls = r->cls;
    const size_t last = r->n_cols - 1;
    size_t nf = 0;
    int is_delim;
    scanner sc;
    scan_init(&sc, r->delim);
    for (;; nf++) {
        const unsigned char *data = p;
        const unsigned char *q = scan_next(&sc, cls, p, &is_delim);
        size_t len = (size_t)(q - p);
        if (!is_delim && q == p && *q == '"') {
            do {
                q = scan_next(&sc, cls, q + 1, &is_delim);
            } while (is_delim);
            if (*q != '"' || q[1] == '"') {
                return 0;
            }
            data = p + 1;
            len = (size_t)(q - data);
            const unsigned char *after = q + 1;
            q = scan_next(&sc, cls, after, &is_delim);
            if (q != after) {
                return 0;
            }
        }
        fields[nf].data = (const char *)data;
        fields[nf].len = len;
        if (is_delim) {
            if (nf == last) {
                return 0;
            }
            p = q + 1;
            continue;
        }
        const unsigned char *next;
        if (*q == '\n') {
            next = q + 1;
        } else if (*q == '\r' && q[1] == '\n') {
            next = q + 2;
        } else {
            return 0;
        }
        if (nf != last || q == rec || (size_t)(q - rec) > r->max_line) {
            return 0;
        }
        r->rec = rec;
        r->rec_line = r->line;
        r->multiline = 0;
        r->n_stored = nf + 1;
        r->pos = (size_t)(next - r->buf);
        r->line++;
        return 1;
    }
}

/*
 * Makes room for more bytes after the partial record at buf[pos..end) and reads them: the
 * partial record moves to the front; the buffer doubles when the record fills half of it
 * (up to `limit`). A buffer full of one unfinished record is a record too long.
 */
static int refill(fa_csv_reader *r)
{
    assert(!r->eof);
    size_t keep = r->end - r->pos;
    if (r->pos > 0) {
        memmove(r->buf, r->buf + r->pos, keep);
        r->base += r->pos;
        r->pos = 0;
        r->end = keep;
    }
    if (keep >= r->cap / 2 && r->cap < r->limit) {
        size_t ncap = r->cap > r->limit / 2 ? r->limit : r->cap * 2;
        unsigned char *nb = realloc(r->buf, ncap + 1 + CSV_PAD);
        if (nb == NULL) {
            return fa_error_set(&r->err, FA_ENOMEM, r->path, r->line, 1,
                                "out of memory for a record of %zu bytes", keep);
        }
        memset(nb + r->cap + 1, 0, ncap - r->cap + CSV_PAD);
        r->buf = nb;
        r->cap = ncap;
    }
    if (r->end == r->cap) {
        return fa_error_set(&r->err, FA_EPARSE, r->path, r->line, 1, "record longer than %zu bytes",
                            r->max_line);
    }
    for (;;) {
        size_t want = r->cap - r->end;
        uint64_t at = r->base + r->end;
        if (at >= r->stop) {
            want = 0;
        } else if (r->stop - at < want) {
            want = (size_t)(r->stop - at);
        }
        ssize_t n = want ? read(r->fd, r->buf + r->end, want) : 0;
        if (n < 0 && errno == EINTR) {
            continue;
        }
        if (n < 0) {
            return fa_error_set(&r->err, FA_EIO, r->path, 0, 0, "cannot read file: %s",
                                strerror(errno));
        }
        if (n == 0) {
            r->eof = 1;
        }
        if (!r->saw_quote && n > 0 && memchr(r->buf + r->end, '"', (size_t)n) != NULL) {
            r->saw_quote = 1;
        }
        r->end += (size_t)n;
        break;
    }
    r->buf[r->end] = '\0';
    return 0;
}

/* Parses the next record, reading more of the file as needed. */
static int next_record(fa_csv_reader *r, int header, size_t *n_fields)
{
    for (;;) {
        int rc = parse_record(r, header, n_fields);
        if (rc != REC_MORE) {
            return rc;
        }
        rc = refill(r);
        if (rc != 0) {
            return rc;
        }
    }
}

static size_t hash_name(const char *s, size_t len)
{
    uint64_t h = 1469598103934665603u; /* FNV-1a */
    for (size_t i = 0; i < len; i++) {
        h ^= (unsigned char)s[i];
        h *= 1099511628211u;
    }
    return (size_t)h;
}

/* Index of the column named s[0..len), or -1. */
static long lookup(const fa_csv_reader *r, const char *s, size_t len)
{
    if (r->hash == NULL) {
        return -1; /* a range reader has no header of its own */
    }
    size_t h = hash_name(s, len) & r->hash_mask;
    while (r->hash[h] != 0) {
        size_t i = r->hash[h] - 1;
        if (strlen(r->names[i]) == len && memcmp(r->names[i], s, len) == 0) {
            return (long)i;
        }
        h = (h + 1) & r->hash_mask;
    }
    return -1;
}

/* Copies the header fields into names, checks them and builds the name index. */
static int take_header(fa_csv_reader *r, size_t nf)
{
    size_t total = 0;
    for (size_t i = 0; i < nf; i++) {
        total += r->fields[i].len + 1; /* cannot overflow: the header fits in memory */
    }
    size_t hcap = 8;
    while (hcap < 2 * nf) {
        hcap *= 2;
    }
    r->names = fa_alloc_array(nf, sizeof *r->names);
    r->names_block = malloc(total ? total : 1); /* nf >= 1 for a record; 0 kept safe */
    r->hash = fa_calloc_array(hcap, sizeof *r->hash);
    if (r->names == NULL || r->names_block == NULL || r->hash == NULL) {
        return fa_error_set(&r->err, FA_ENOMEM, r->path, 0, 0, "out of memory reading the header");
    }
    r->hash_mask = hcap - 1;
    char *o = r->names_block;
    for (size_t i = 0; i < nf; i++) {
        const fa_field *f = &r->fields[i];
        uint64_t line, col;
        if (f->len == 0) {
            field_loc(r, i, &line, &col);
            return err_at(r, line, col, "empty column name in header");
        }
        long prev = lookup(r, f->data, f->len);
        if (prev >= 0) {
            char q[64];
            fa_error_quote(q, sizeof q, f->data, f->len);
            field_loc(r, i, &line, &col);
            return fa_error_set(&r->err, FA_EPARSE, r->path, line, col,
                                "duplicate column name %s (also column %ld)", q, prev + 1);
        }
        memcpy(o, f->data, f->len);
        o[f->len] = '\0';
        r->names[i] = o;
        o += f->len + 1;
        size_t h = hash_name(f->data, f->len) & r->hash_mask;
        while (r->hash[h] != 0) {
            h = (h + 1) & r->hash_mask;
        }
        r->hash[h] = i + 1;
        r->n_cols = i + 1;
    }
    r->fcap = nf;
    return FA_OK;
}

static int open_reader(fa_csv_reader *r, const char *path, const fa_csv_options *opts)
{
    r->fd = -1;
    r->stop = UINT64_MAX;
    r->delim = (unsigned char)(opts && opts->delimiter ? opts->delimiter : ',');
    r->max_line = opts && opts->max_line_bytes ? opts->max_line_bytes : CSV_MAX_LINE_DEFAULT;
    if (r->max_line > SIZE_MAX / 4) {
        r->max_line = SIZE_MAX / 4;
    }
    r->limit = r->max_line + 2;
    r->cap = r->limit < CSV_BUF_INITIAL ? r->limit : CSV_BUF_INITIAL;
    r->line = 1;
    r->path = fa_strdup(path);
    r->buf = calloc(1, r->cap + 1 + CSV_PAD);
    if (r->path == NULL || r->buf == NULL || grow_fields(r, CSV_HEADER_FIELDS_INITIAL) != 0) {
        return fa_error_set(&r->err, FA_ENOMEM, path, 0, 0, "out of memory opening a CSV file");
    }
    r->buf[0] = '\0';
    r->cls['\n'] = CL_LF;
    r->cls['\r'] = CL_CR;
    r->cls['"'] = CL_QUOTE;
    r->cls[0] = CL_NUL;
    if (r->cls[r->delim] != CL_PLAIN) {
        return fa_error_set(&r->err, FA_EINVAL, path, 0, 0,
                            "invalid delimiter: it cannot be a quote, a line end or NUL");
    }
    r->cls[r->delim] = CL_DELIM;
    do {
        r->fd = open(path, O_RDONLY | O_CLOEXEC);
    } while (r->fd < 0 && errno == EINTR);
    if (r->fd < 0) {
        return fa_error_set(&r->err, FA_EIO, path, 0, 0, "cannot open file: %s", strerror(errno));
    }
    /* the byte-order mark: read until 3 bytes are in (or the file ends) */
    while (r->end < 3 && !r->eof) {
        int rc = refill(r);
        if (rc != 0) {
            return rc;
        }
    }
    if (r->end >= 3 && memcmp(r->buf, "\xEF\xBB\xBF", 3) == 0) {
        r->pos = 3;
    }
    /* Excel's "Unicode text" and other UTF-16 exports: say so, rather than "NUL byte" */
    if (r->end >= 2 &&
        ((memcmp(r->buf, "\xFF\xFE", 2) == 0 || memcmp(r->buf, "\xFE\xFF", 2) == 0))) {
        return fa_error_set(&r->err, FA_EPARSE, path, 1, 1,
                            "UTF-16 text (byte order mark %s): expected UTF-8; save the file as "
                            "CSV UTF-8",
                            (unsigned char)r->buf[0] == 0xFF ? "FF FE" : "FE FF");
    }
    size_t nf = 0;
    int rc = next_record(r, 1, &nf);
    if (rc < 0) {
        return rc;
    }
    if (rc == REC_EOF) {
        return err_at(r, 1, 1, "empty file: expected a header row");
    }
    return take_header(r, nf);
}

/* ---------------------------------------------------------------- public */

int fa_csv_reader_create(fa_csv_reader **out, const char *path, const fa_csv_options *opts,
                         fa_error *err)
{
    assert(out != NULL && path != NULL);
    *out = NULL;
    fa_csv_reader *r = calloc(1, sizeof *r);
    if (r == NULL) {
        return fa_error_set(err, FA_ENOMEM, path, 0, 0, "out of memory opening a CSV file");
    }
    int rc = open_reader(r, path, opts);
    if (rc != FA_OK) {
        if (err != NULL) {
            *err = r->err;
        }
        fa_csv_reader_free(r);
        return rc;
    }
    *out = r;
    return FA_OK;
}

void fa_csv_reader_free(fa_csv_reader *r)
{
    if (r == NULL) {
        return;
    }
    if (r->fd >= 0) {
        close(r->fd);
    }
    free(r->path);
    free(r->buf);
    free(r->names);
    free(r->names_block);
    free(r->hash);
    free(r->fields);
    free(r->cols);
    free(r->lines);
    free(r->dq);
    free(r);
}

size_t fa_csv_n_columns(const fa_csv_reader *r)
{
    assert(r != NULL);
    return r->n_cols;
}

const char *fa_csv_column_name(const fa_csv_reader *r, size_t i)
{
    assert(r != NULL && i < r->n_cols);
    return r->names[i];
}

long fa_csv_column_index(const fa_csv_reader *r, const char *name)
{
    assert(r != NULL);
    if (name == NULL) {
        return -1;
    }
    return lookup(r, name, strlen(name));
}

int fa_csv_next(fa_csv_reader *r, const fa_field **fields, fa_error *err)
{
    assert(r != NULL && fields != NULL);
    *fields = NULL;
    if (r->failed == 0) {
        if (fast_record(r)) {
            *fields = r->fields;
            return 1;
        }
        size_t nf;
        int rc = next_record(r, 0, &nf);
        if (rc == REC_OK) {
            *fields = r->fields;
            return 1;
        }
        if (rc == REC_EOF) {
            return 0;
        }
        r->failed = rc;
    }
    if (err != NULL) {
        *err = r->err;
    }
    return r->failed;
}

uint64_t fa_csv_record_line(const fa_csv_reader *r)
{
    assert(r != NULL);
    return r->rec_line;
}

uint64_t fa_csv_field_line(const fa_csv_reader *r, size_t i)
{
    assert(r != NULL && i < r->n_cols);
    uint64_t line, col;
    field_loc(r, i, &line, &col);
    return line;
}

uint64_t fa_csv_field_column(const fa_csv_reader *r, size_t i)
{
    assert(r != NULL && i < r->n_cols);
    uint64_t line, col;
    field_loc(r, i, &line, &col);
    return col;
}

uint64_t fa_csv_bytes_read(const fa_csv_reader *r)
{
    assert(r != NULL);
    return r->base + r->pos;
}

const char *fa_csv_path(const fa_csv_reader *r)
{
    assert(r != NULL);
    return r->path;
}

static int word_eq(const char *s, size_t len, const char *w)
{
    for (size_t i = 0; i < len; i++) {
        char c = s[i];
        if (c >= 'A' && c <= 'Z') {
            c = (char)(c - 'A' + 'a');
        }
        if (c != w[i] || w[i] == '\0') {
            return 0;
        }
    }
    return w[len] == '\0';
}

int fa_value_is_missing(const char *s, size_t len)
{
    while (len > 0 && (s[0] == ' ' || s[0] == '\t')) {
        s++;
        len--;
    }
    while (len > 0 && (s[len - 1] == ' ' || s[len - 1] == '\t')) {
        len--;
    }
    if (len == 0) {
        return 1;
    }
    if (len > 4 || (s[0] != 'n' && s[0] != 'N')) {
        return 0;
    }
    return word_eq(s, len, "na") || word_eq(s, len, "n/a") || word_eq(s, len, "nan") ||
           word_eq(s, len, "null") || word_eq(s, len, "none");
}

/* ------------------------------------------------- range readers (audit/csv.h) */

uint64_t fa_csv__data_offset(const fa_csv_reader *r)
{
    return r->base + r->pos;
}

int fa_csv__saw_quote(const fa_csv_reader *r)
{
    return r->saw_quote;
}

int fa_csv__reader_create_range(fa_csv_reader **out, const fa_csv_reader *h, uint64_t start,
                                uint64_t end, fa_error *err)
{
    *out = NULL;
    fa_csv_reader *r = calloc(1, sizeof *r);
    if (r == NULL) {
        return fa_error_set(err, FA_ENOMEM, h->path, 0, 0, "out of memory");
    }
    r->fd = -1;
    r->stop = end;
    r->base = start;
    r->delim = h->delim;
    memcpy(r->cls, h->cls, sizeof r->cls);
    r->max_line = h->max_line;
    r->limit = h->limit;
    r->cap = r->limit < CSV_BUF_INITIAL ? r->limit : CSV_BUF_INITIAL;
    r->line = 1;
    r->path = fa_strdup(h->path);
    r->buf = calloc(1, r->cap + 1 + CSV_PAD);
    r->n_cols = h->n_cols;
    r->fcap = h->fcap;
    if (r->path == NULL || r->buf == NULL || grow_fields(r, h->falloc) != 0) {
        fa_csv_reader_free(r);
        return fa_error_set(err, FA_ENOMEM, h->path, 0, 0, "out of memory");
    }
    do {
        r->fd = open(h->path, O_RDONLY | O_CLOEXEC);
    } while (r->fd < 0 && errno == EINTR);
    if (r->fd < 0 || lseek(r->fd, (off_t)start, SEEK_SET) != (off_t)start) {
        int e = errno;
        fa_csv_reader_free(r);
        return fa_error_set(err, FA_EIO, h->path, 0, 0, "cannot open file: %s", strerror(e));
    }
    *out = r;
    return FA_OK;
}
