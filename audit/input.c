/*
 * audit/input.c - streams a prediction file into a tally: one pass, one record in memory at a
 * time, so memory grows with the number of groups and never with the number of rows.
 *
 * Labels and predictions are binary: 1/0, true/false, yes/no (any case), or, with a positive
 * value given, that value against exactly one other value (a third value is an error, not a
 * silent negative). A row with a missing label or prediction is skipped and counted; a
 * missing sensitive value forms the group "(missing)"; a group value that is not valid UTF-8
 * is kept, with its bad bytes written as \xNN, and reported once per column.
 */
#include <math.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <fcntl.h>
#include <omp.h>
#include <sys/stat.h>
#include <unistd.h>

#include "audit/csv.h"
#include "audit/evidence.h"
#include "common/alloc.h"
#include "common/error.h"
#include "common/text.h"
#include "include/fairaudit.h"
#include "metrics/tally.h"
#include "reports/result.h"

/* The two classes of a binary column. */
typedef struct binary_col {
    const char *name;
    long idx;
    const char *positive; /* NULL: the built-in spellings */
    char negative[128];   /* with a positive value: the other class, once seen */
    size_t neg_len;
    int have_negative;
} binary_col;

typedef struct reader_ctx {
    fa_csv_reader *r;
    const fa_audit_options *o;
    const char *path;
    binary_col label, pred;
    long score_idx, weight_idx;
    long *group_idx;
    const char **values;
    size_t *lens;
    char **sanitized; /* per group column: scratch for a value with bad UTF-8 */
    int *warned_utf8;
    uint64_t skipped, first_skipped_line;
} reader_ctx;

static int ieq(const char *s, size_t len, const char *word)
{
    size_t n = strlen(word);
    if (len != n) {
        return 0;
    }
    for (size_t i = 0; i < n; i++) {
        char c = s[i];
        if (c >= 'A' && c <= 'Z') {
            c = (char)(c - 'A' + 'a');
        }
        if (c != word[i]) {
            return 0;
        }
    }
    return 1;
}

static void trim(const char **s, size_t *len)
{
    while (*len > 0 && (**s == ' ' || **s == '\t')) {
        (*s)++;
        (*len)--;
    }
    while (*len > 0 && ((*s)[*len - 1] == ' ' || (*s)[*len - 1] == '\t')) {
        (*len)--;
    }
}

/* 1 or 0, -1 for a missing value, or an error status (< -1 never collides: FA_E* < -1). */
static int parse_binary(reader_ctx *c, binary_col *b, const fa_field *f, size_t col_i, int *out,
                        fa_error *err)
{
    const char *s = f->data;
    size_t len = f->len;
    if (b->positive == NULL && len == 1 && (s[0] == '1' || s[0] == '0')) {
        *out = s[0] == '1'; /* the common case, before any trimming */
        return FA_OK;
    }
    trim(&s, &len);
    if (fa_value_is_missing(s, len)) {
        *out = -1;
        return FA_OK;
    }
    if (b->positive == NULL) {
        if (len == 1 && (s[0] == '1' || s[0] == '0')) {
            *out = s[0] == '1';
            return FA_OK;
        }
        if (ieq(s, len, "1.0") || ieq(s, len, "true") || ieq(s, len, "yes")) {
            *out = 1;
            return FA_OK;
        }
        if (ieq(s, len, "0.0") || ieq(s, len, "false") || ieq(s, len, "no")) {
            *out = 0;
            return FA_OK;
        }
        char q[128];
        return fa_error_set(err, FA_EDOMAIN, c->path, fa_csv_field_line(c->r, col_i),
                            fa_csv_field_column(c->r, col_i),
                            "column '%s': expected a binary value (1/0, true/false, yes/no; or "
                            "name the positive class with --positive), got %s",
                            b->name, fa_error_quote(q, sizeof q, f->data, f->len));
    }
    if (len == strlen(b->positive) && memcmp(s, b->positive, len) == 0) {
        *out = 1;
        return FA_OK;
    }
    if (!b->have_negative && len < sizeof b->negative) {
        memcpy(b->negative, s, len);
        b->neg_len = len;
        b->have_negative = 1;
    }
    if (b->have_negative && len == b->neg_len && memcmp(s, b->negative, len) == 0) {
        *out = 0;
        return FA_OK;
    }
    char q[128], qp[128], qn[128];
    return fa_error_set(err, FA_EDOMAIN, c->path, fa_csv_field_line(c->r, col_i),
                        fa_csv_field_column(c->r, col_i),
                        "column '%s': expected one of the two classes %s (positive) and %s, "
                        "got a third value %s",
                        b->name, fa_error_quote(qp, sizeof qp, b->positive, strlen(b->positive)),
                        fa_error_quote(qn, sizeof qn, b->negative, b->neg_len),
                        fa_error_quote(q, sizeof q, f->data, f->len));
}

static int find_column(reader_ctx *c, const char *name, const char *role, long *idx, fa_error *err)
{
    *idx = fa_csv_column_index(c->r, name);
    if (*idx >= 0) {
        return FA_OK;
    }
    char list[400] = "";
    size_t o = 0, n = fa_csv_n_columns(c->r);
    for (size_t i = 0; i < n && o + 48 < sizeof list; i++) {
        const char *col = fa_csv_column_name(c->r, i);
        size_t len = strlen(col);
        int plain = fa_utf8_valid(col, len, NULL);
        for (size_t k = 0; plain && k < len; k++) {
            plain = (unsigned char)col[k] >= 0x20 && col[k] != 0x7F;
        }
        char q[128];
        /* names with invalid UTF-8 or control bytes are shown escaped, in quotes */
        int w = snprintf(list + o, sizeof list - o, "%s%s", i ? ", " : "",
                         plain ? col : fa_error_quote(q, sizeof q, col, len));
        o += w > 0 ? (size_t)w : 0;
    }
    if (o >= sizeof list) {
        o = sizeof list - 1;
    }
    /* one column holding another delimiter: the file is not comma-separated */
    char hint[96] = "";
    const char *one = n == 1 ? fa_csv_column_name(c->r, 0) : "";
    const char *d = strpbrk(one, ";\t|");
    if (d != NULL) {
        char dl[4] = {*d, '\0'};
        if (*d == '\t') {
            memcpy(dl, "tab", 4);
        }
        snprintf(hint, sizeof hint, " (one column: is the delimiter '%s'? use --delimiter '%s')",
                 dl, dl);
    }
    return fa_error_set(err, FA_EINVAL, c->path, 1, 0,
                        "%s column '%s' not found in the header; columns are: %s%s%s", role, name,
                        list, o + 48 >= sizeof list ? ", ..." : "", hint);
}

static void log_msg(const fa_audit_options *o, const char *fmt, ...) FA_PRINTF(2, 3);
static void log_msg(const fa_audit_options *o, const char *fmt, ...)
{
    if (o->log == NULL) {
        return;
    }
    char buf[1024];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(buf, sizeof buf, fmt, ap);
    va_end(ap);
    o->log(FA_LOG_WARNING, buf, o->log_payload);
}

/* Rewrites bytes that are not valid UTF-8 as \xNN into c->sanitized[a]. */
static int sanitize(reader_ctx *c, size_t a, const char *s, size_t len, const char **out,
                    size_t *out_len, fa_error *err)
{
    char *buf = fa_alloc_array(len, 4);
    if (buf == NULL) {
        return fa_error_set(err, FA_ENOMEM, c->path, 0, 0, "out of memory");
    }
    size_t o = 0, i = 0;
    while (i < len) {
        size_t bad;
        if (fa_utf8_valid(s + i, len - i, &bad)) {
            memcpy(buf + o, s + i, len - i);
            o += len - i;
            break;
        }
        memcpy(buf + o, s + i, bad);
        o += bad;
        o += (size_t)snprintf(buf + o, 5, "\\x%02X", (unsigned char)s[i + bad]);
        i += bad + 1;
    }
    free(c->sanitized[a]);
    c->sanitized[a] = buf;
    *out = buf;
    *out_len = o;
    return FA_OK;
}

static int number_field(reader_ctx *c, const fa_field *f, long idx, const char *role,
                        int allow_missing, double *out, fa_error *err)
{
    if (fa_parse_double(f->data, f->len, out) == 0) {
        return FA_OK;
    }
    if (allow_missing && fa_value_is_missing(f->data, f->len)) {
        *out = NAN;
        return FA_OK;
    }
    char q[128];
    return fa_error_set(err, FA_EPARSE, c->path, fa_csv_field_line(c->r, (size_t)idx),
                        fa_csv_field_column(c->r, (size_t)idx),
                        "%s column '%s': expected a %snumber, got %s", role,
                        fa_csv_column_name(c->r, (size_t)idx), allow_missing ? "" : "finite ",
                        fa_error_quote(q, sizeof q, f->data, f->len));
}

/* A top-k or top-percent cut-off: predictions come from the score distribution, after the read. */
static int uses_cutoff(const fa_audit_options *o)
{
    return o->top_k > 0.0 || o->top_percent > 0.0;
}

/* The tally keeps per-cell score statistics: for score metrics, or to place a cut-off. */
static int wants_scores(const fa_audit_options *o)
{
    return o->score && (o->score_metrics || uses_cutoff(o));
}

static int add_record(reader_ctx *c, fa_tally *t, const fa_field *fields, fa_error *err)
{
    const fa_audit_options *o = c->o;
    int label, pred = 0, st;
    if ((st = parse_binary(c, &c->label, &fields[c->label.idx], (size_t)c->label.idx, &label,
                           err)) != FA_OK ||
        (c->pred.idx >= 0 && (st = parse_binary(c, &c->pred, &fields[c->pred.idx],
                                                (size_t)c->pred.idx, &pred, err)) != FA_OK)) {
        return st;
    }
    if (label < 0 || pred < 0) {
        if (c->skipped++ == 0) {
            c->first_skipped_line = fa_csv_record_line(c->r);
        }
        return FA_OK;
    }
    double weight = 1.0, score = NAN;
    if (c->weight_idx >= 0) {
        if ((st = number_field(c, &fields[c->weight_idx], c->weight_idx, "weight", 0, &weight,
                               err)) != FA_OK) {
            return st;
        }
        if (weight < 0.0) {
            char q[128];
            return fa_error_set(
                err, FA_EDOMAIN, c->path, fa_csv_field_line(c->r, (size_t)c->weight_idx),
                fa_csv_field_column(c->r, (size_t)c->weight_idx),
                "weight column '%s': expected a non-negative number, got %s", o->weight,
                fa_error_quote(q, sizeof q, fields[c->weight_idx].data, fields[c->weight_idx].len));
        }
    }
    if (c->score_idx >= 0 && (st = number_field(c, &fields[c->score_idx], c->score_idx, "score", 1,
                                                &score, err)) != FA_OK) {
        return st;
    }
    if (!isnan(score) && o->score_metrics && !o->score_any_real &&
        !(score >= 0.0 && score <= 1.0)) {
        char q[128];
        const fa_field *f = &fields[c->score_idx];
        return fa_error_set(
            err, FA_EDOMAIN, c->path, fa_csv_field_line(c->r, (size_t)c->score_idx),
            fa_csv_field_column(c->r, (size_t)c->score_idx),
            "score column '%s': expected a probability in [0, 1] (Brier score, log "
            "loss and calibration need one; --score-any-real for other scores), got %s",
            o->score, fa_error_quote(q, sizeof q, f->data, f->len));
    }
    if (c->pred.idx < 0 && (!isnan(o->threshold) || uses_cutoff(o))) {
        if (isnan(score)) { /* no score, no prediction: skipped like a missing prediction */
            if (c->skipped++ == 0) {
                c->first_skipped_line = fa_csv_record_line(c->r);
            }
            return FA_OK;
        }
        pred = uses_cutoff(o) ? 0 : score >= o->threshold; /* a cut-off decides later */
    }
    for (size_t a = 0; a < o->n_groups; a++) {
        const fa_field *f = &fields[c->group_idx[a]];
        const char *s = f->data;
        size_t len = f->len;
        /* values are kept as written (no trimming), as pandas would read them; every
         * missing spelling is empty or starts with a blank, 'N' or 'n' */
        if ((len == 0 || s[0] == ' ' || s[0] == '\t' || s[0] == 'N' || s[0] == 'n') &&
            fa_value_is_missing(s, len)) {
            c->values[a] = NULL;
            continue;
        }
        size_t bad;
        if (!fa_utf8_valid(s, len, &bad)) {
            if (!c->warned_utf8[a]) {
                c->warned_utf8[a] = 1;
                log_msg(o,
                        "%s:%llu:%llu: warning: group column '%s': invalid UTF-8 in a group "
                        "value (byte 0x%02X); bad bytes are shown as \\xNN",
                        c->path,
                        (unsigned long long)fa_csv_field_line(c->r, (size_t)c->group_idx[a]),
                        (unsigned long long)fa_csv_field_column(c->r, (size_t)c->group_idx[a]) +
                            (unsigned long long)bad,
                        o->groups[a], (unsigned char)s[bad]);
            }
            if ((st = sanitize(c, a, s, len, &s, &len, err)) != FA_OK) {
                return st;
            }
        }
        c->values[a] = s;
        c->lens[a] = len;
    }
    return fa_tally_add(t, c->values, c->lens, label, pred, weight, score, err);
}

static void ctx_dispose(reader_ctx *c)
{
    if (c->sanitized) {
        for (size_t a = 0; a < c->o->n_groups; a++) {
            free(c->sanitized[a]);
        }
    }
    free(c->sanitized);
    free(c->warned_utf8);
    free(c->group_idx);
    free(c->values);
    free(c->lens);
    fa_csv_reader_free(c->r);
}

static int alloc_ctx(reader_ctx *c, const char *path, const fa_audit_options *o, fa_error *err)
{
    size_t ng = o->n_groups;
    c->o = o;
    c->path = path;
    c->group_idx = fa_calloc_array(ng, sizeof *c->group_idx);
    c->values = fa_calloc_array(ng, sizeof *c->values);
    c->lens = fa_calloc_array(ng, sizeof *c->lens);
    c->sanitized = fa_calloc_array(ng, sizeof *c->sanitized);
    c->warned_utf8 = fa_calloc_array(ng, sizeof *c->warned_utf8);
    if (!c->group_idx || !c->values || !c->lens || !c->sanitized || !c->warned_utf8) {
        return fa_error_set(err, FA_ENOMEM, path, 0, 0, "out of memory");
    }
    c->label.name = o->label;
    c->label.positive = o->positive;
    c->pred.name = o->pred;
    c->pred.positive = o->positive;
    c->score_idx = c->weight_idx = -1;
    c->pred.idx = -1;
    return FA_OK;
}

static int setup(reader_ctx *c, const char *path, const fa_audit_options *o, fa_error *err)
{
    int st = alloc_ctx(c, path, o, err);
    if (st != FA_OK || (st = fa_csv_reader_create(&c->r, path, &o->csv, err)) != FA_OK) {
        return st;
    }
    if ((st = find_column(c, o->label, "label", &c->label.idx, err)) != FA_OK ||
        (o->pred && (st = find_column(c, o->pred, "prediction", &c->pred.idx, err)) != FA_OK) ||
        (o->score && (st = find_column(c, o->score, "score", &c->score_idx, err)) != FA_OK) ||
        (o->weight && (st = find_column(c, o->weight, "weight", &c->weight_idx, err)) != FA_OK)) {
        return st;
    }
    for (size_t a = 0; a < o->n_groups; a++) {
        if ((st = find_column(c, o->groups[a], "group", &c->group_idx[a], err)) != FA_OK) {
            return st;
        }
        for (size_t b = 0; b < a; b++) {
            if (c->group_idx[b] == c->group_idx[a]) {
                return fa_error_set(err, FA_EINVAL, path, 0, 0, "group column '%s' is named twice",
                                    o->groups[a]);
            }
        }
    }
    return FA_OK;
}

/*
 * Parallel reading. A large file is cut into chunks of FA_CHUNK_BYTES at line ends, each
 * chunk is tallied by its own reader, and the tallies are merged in chunk order. The cut
 * points depend on the file only, never on the thread count, so floating-point sums (scores,
 * fractional weights) add up in the same order and the result is the same bytes with one
 * thread or many. A line end is a record boundary only outside quotes, so a chunk that meets
 * a quote character, and any chunk that meets something to report (an error, a skipped row,
 * bad UTF-8, a third class), makes the whole file go through the sequential reader instead,
 * which reports with exact line numbers. The fast path is for the common, clean file.
 */
#define FA_CHUNK_BYTES ((uint64_t)8 << 20)

typedef struct chunk {
    uint64_t start, end;
    fa_tally *t;
    uint64_t records;
    int clean; /* 1: tallied without anything to report */
    char label_neg[128], pred_neg[128];
    size_t label_neg_len, pred_neg_len;
    int label_has_neg, pred_has_neg;
} chunk;

static void read_chunk(const reader_ctx *proto, chunk *ch)
{
    reader_ctx c;
    memset(&c, 0, sizeof c);
    fa_error e;
    ch->clean = 0;
    if (alloc_ctx(&c, proto->path, proto->o, &e) != FA_OK ||
        fa_csv__reader_create_range(&c.r, proto->r, ch->start, ch->end, &e) != FA_OK ||
        fa_tally_create(&ch->t, proto->o->groups, proto->o->n_groups, proto->o->intersect, &e) !=
            FA_OK ||
        (wants_scores(proto->o) && fa_tally_enable_scores(ch->t) != FA_OK)) {
        ctx_dispose(&c);
        return;
    }
    c.label.idx = proto->label.idx;
    c.pred.idx = proto->pred.idx;
    c.score_idx = proto->score_idx;
    c.weight_idx = proto->weight_idx;
    memcpy(c.group_idx, proto->group_idx, proto->o->n_groups * sizeof *c.group_idx);
    const fa_field *fields;
    int st;
    while ((st = fa_csv_next(c.r, &fields, &e)) == 1) {
        ch->records++;
        if (add_record(&c, ch->t, fields, &e) != FA_OK) {
            st = -1;
            break;
        }
    }
    int utf8 = 0;
    for (size_t a = 0; a < proto->o->n_groups; a++) {
        utf8 |= c.warned_utf8[a];
    }
    ch->clean = st == 0 && c.skipped == 0 && !utf8 && !fa_csv__saw_quote(c.r);
    memcpy(ch->label_neg, c.label.negative, sizeof ch->label_neg);
    memcpy(ch->pred_neg, c.pred.negative, sizeof ch->pred_neg);
    ch->label_neg_len = c.label.neg_len;
    ch->pred_neg_len = c.pred.neg_len;
    ch->label_has_neg = c.label.have_negative;
    ch->pred_has_neg = c.pred.have_negative;
    ctx_dispose(&c);
}

/* Start of the first line that begins at or after `at` (the byte after a '\n'), or 0. */
static uint64_t line_start_after(int fd, uint64_t at, uint64_t size)
{
    char buf[1 << 16];
    uint64_t pos = at - 1; /* a '\n' just before `at` makes `at` itself a line start */
    while (pos < size) {
        ssize_t n = pread(fd, buf, sizeof buf, (off_t)pos);
        if (n <= 0) {
            return 0;
        }
        const char *nl = memchr(buf, '\n', (size_t)n);
        if (nl) {
            return pos + (uint64_t)(nl - buf) + 1;
        }
        pos += (uint64_t)n;
    }
    return 0;
}

/* The same negative class seen by every chunk that saw one (with --positive). */
static int same_classes(const chunk *ch, size_t n)
{
    const chunk *l = NULL, *p = NULL;
    for (size_t i = 0; i < n; i++) {
        if (ch[i].label_has_neg) {
            if (l && (l->label_neg_len != ch[i].label_neg_len ||
                      memcmp(l->label_neg, ch[i].label_neg, l->label_neg_len) != 0)) {
                return 0;
            }
            l = &ch[i];
        }
        if (ch[i].pred_has_neg) {
            if (p && (p->pred_neg_len != ch[i].pred_neg_len ||
                      memcmp(p->pred_neg, ch[i].pred_neg, p->pred_neg_len) != 0)) {
                return 0;
            }
            p = &ch[i];
        }
    }
    return 1;
}

/*
 * Tallies the file in chunks; *out is NULL (and the status FA_OK) when the file is small or
 * the chunks met something the sequential reader must handle.
 */
static int tally_chunked(fa_tally **out, const reader_ctx *main_ctx, fa_error *err)
{
    *out = NULL;
    struct stat sb;
    uint64_t data = fa_csv__data_offset(main_ctx->r);
    if (stat(main_ctx->path, &sb) != 0 || !S_ISREG(sb.st_mode) || data == 0 ||
        (uint64_t)sb.st_size < data + 2 * FA_CHUNK_BYTES) {
        return FA_OK;
    }
    uint64_t size = (uint64_t)sb.st_size;
    size_t n = (size_t)((size - data) / FA_CHUNK_BYTES);
    chunk *ch = fa_calloc_array(n, sizeof *ch);
    int fd = open(main_ctx->path, O_RDONLY);
    if (ch == NULL || fd < 0) {
        free(ch);
        if (fd >= 0) {
            close(fd);
        }
        return FA_OK; /* the sequential reader will say what is wrong */
    }
    size_t k = 0;
    uint64_t start = data;
    for (size_t i = 1; i <= n; i++) {
        uint64_t end = i == n ? size : line_start_after(fd, data + i * FA_CHUNK_BYTES, size);
        if (end == 0 || end >= size) {
            end = size;
        }
        if (end > start) {
            ch[k].start = start;
            ch[k].end = end;
            k++;
            start = end;
        }
        if (end == size) {
            break;
        }
    }
    close(fd);
    /* read by num_threads() below, which the analyzer does not model */
    int threads = /* NOLINT(clang-analyzer-deadcode.DeadStores) */
        main_ctx->o->threads > 0 ? main_ctx->o->threads : omp_get_max_threads();
    /* Each chunk's tally is merged into chunk 0's as soon as the chunks before it are (in
     * chunk order, so sums add up in the same order whatever the thread count) and freed:
     * while one thread merges, the others read, and at most about one tally per thread is
     * alive (with score metrics, a chunk's per-cell score maps are tens of megabytes). */
    fa_tally *acc = NULL;
    int clean = 1, st = FA_OK;
#pragma omp parallel for ordered schedule(dynamic, 1) num_threads(threads)
    for (size_t i = 0; i < k; i++) {
        read_chunk(main_ctx, &ch[i]);
#pragma omp ordered
        {
            clean &= ch[i].clean && ch[i].t != NULL;
            if (i == 0) {
                acc = ch[0].t;
                ch[0].t = NULL;
            } else if (clean && st == FA_OK) {
                st = fa_tally_merge(acc, ch[i].t, err);
            }
            fa_tally_free(ch[i].t);
            ch[i].t = NULL;
        }
    }
    clean &= same_classes(ch, k);
    if (clean && st == FA_OK && k > 0) {
        *out = acc;
        acc = NULL;
    }
    fa_tally_free(acc);
    free(ch);
    return clean ? st : FA_OK;
}

static int validate_options(const char *path, const fa_audit_options *o, fa_error *err)
{
    if (o->label == NULL) {
        return fa_error_set(err, FA_EINVAL, path, 0, 0, "an audit needs a label column");
    }
    if (!isnan(o->threshold) && (o->pred != NULL || o->score == NULL)) {
        return fa_error_set(err, FA_EINVAL, path, 0, 0,
                            o->pred ? "give a prediction column or a threshold, not both"
                                    : "a threshold needs a score column");
    }
    if (!isnan(o->threshold) && !isfinite(o->threshold)) {
        return fa_error_set(err, FA_EINVAL, path, 0, 0, "the threshold must be finite");
    }
    if (o->top_k != 0.0 && !(o->top_k > 0.0 && isfinite(o->top_k))) {
        return fa_error_set(err, FA_EINVAL, path, 0, 0, "--top-k: expected a number > 0, got %g",
                            o->top_k);
    }
    if (o->top_percent != 0.0 && !(o->top_percent > 0.0 && o->top_percent <= 100.0)) {
        return fa_error_set(err, FA_EINVAL, path, 0, 0,
                            "--top-percent: expected a percentage in (0, 100], got %g",
                            o->top_percent);
    }
    if (uses_cutoff(o) && (o->top_k > 0.0) + (o->top_percent > 0.0) + (o->pred != NULL) +
                                  !isnan(o->threshold) + (o->score == NULL) !=
                              1) {
        return fa_error_set(err, FA_EINVAL, path, 0, 0,
                            "a top-k or top-percent cut-off needs a score column and no prediction "
                            "column, threshold or other cut-off");
    }
    if (o->n_groups == 0 || o->groups == NULL) {
        return fa_error_set(err, FA_EINVAL, path, 0, 0,
                            "an audit needs at least one group (sensitive attribute) column");
    }
    if (o->positive && strlen(o->positive) >= sizeof(((binary_col *)0)->negative)) {
        return fa_error_set(err, FA_EINVAL, path, 0, 0, "the positive value is too long");
    }
    return FA_OK;
}

int fa_audit_tally_csv(fa_tally **out, const char *path, const fa_audit_options *opts,
                       fa_error *err)
{
    *out = NULL;
    int st = validate_options(path, opts, err);
    if (st != FA_OK) {
        return st;
    }
    reader_ctx c;
    memset(&c, 0, sizeof c);
    fa_tally *t = NULL;
    if ((st = setup(&c, path, opts, err)) != FA_OK ||
        (st = fa_tally_create(&t, opts->groups, opts->n_groups, opts->intersect, err)) != FA_OK ||
        (wants_scores(opts) && (st = fa_tally_enable_scores(t)) != FA_OK)) {
        ctx_dispose(&c);
        return st;
    }
    fa_tally *fast = NULL;
    if ((st = tally_chunked(&fast, &c, err)) != FA_OK || fast != NULL) {
        fa_tally_free(t);
        ctx_dispose(&c);
        *out = fast;
        return st;
    }
    const fa_field *fields;
    uint64_t records = 0;
    while ((st = fa_csv_next(c.r, &fields, err)) == 1) {
        records++;
        if ((st = add_record(&c, t, fields, err)) != FA_OK) {
            break;
        }
    }
    if (st == FA_OK && records == 0) {
        st = fa_error_set(err, FA_EPARSE, path, 2, 1,
                          "no data rows: expected at least one row after the header");
    }
    if (st == FA_OK && c.skipped == records) {
        st = fa_error_set(err, FA_EPARSE, path, c.first_skipped_line, 0,
                          "every row has a missing label or prediction (or score, with a "
                          "threshold)");
    }
    if (st == FA_OK && c.skipped > 0) {
        log_msg(opts,
                "%s:%llu: warning: %llu row%s skipped: missing label or prediction (the "
                "first on this line)",
                path, (unsigned long long)c.first_skipped_line, (unsigned long long)c.skipped,
                c.skipped == 1 ? "" : "s");
    }
    ctx_dispose(&c);
    if (st != FA_OK) {
        fa_tally_free(t);
        return st;
    }
    *out = t;
    return FA_OK;
}

/* Collects warnings during the read, to copy them into the result afterwards. */
typedef struct collector {
    char **msgs;
    size_t n, cap;
    const fa_audit_options *user;
} collector;

static void collect(fa_log_level level, const char *msg, void *payload)
{
    collector *col = payload;
    void *p = col->msgs;
    if (fa_grow(&p, &col->cap, col->n + 1, sizeof(char *)) == 0) {
        col->msgs = p;
        char *s = fa_strdup(msg);
        if (s) {
            col->msgs[col->n++] = s;
        }
    }
    if (col->user->log) {
        col->user->log(level, msg, col->user->log_payload);
    }
}

int fa_audit_csv(fa_result **out, const char *path, const fa_audit_options *opts,
                 const fa_policy *policy, fa_error *err)
{
    *out = NULL;
    collector col = {NULL, 0, 0, opts};
    fa_audit_options o = *opts;
    o.log = collect;
    o.log_payload = &col;
    fa_tally *t;
    int st = fa_audit_tally_csv(&t, path, &o, err);
    if (st == FA_OK) {
        st = fa_result_compute(out, t, opts, policy, path, err);
        fa_tally_free(t);
    }
    if (st == FA_OK && opts->features_path &&
        (st = fa_audit__consistency(*out, path, opts, policy, err)) != FA_OK) {
        fa_result_free(*out);
        *out = NULL;
    }
    for (size_t i = 0; i < col.n; i++) {
        if (st == FA_OK && fa_result__add_warning(*out, "%s", col.msgs[i]) != FA_OK) {
            fa_result_free(*out);
            *out = NULL;
            st = fa_error_set(err, FA_ENOMEM, path, 0, 0, "out of memory");
        }
        free(col.msgs[i]);
    }
    free(col.msgs);
    return st;
}
