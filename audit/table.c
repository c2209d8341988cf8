/*
 * audit/table.c - a whole CSV file in memory, column by column, for the work that needs the
 * rows (feature matrices for models and attributions). Each column starts numeric and turns
 * categorical at its first cell that is neither a number nor a missing value; the numbers
 * seen so far are then re-read as text. Categorical values are interned (common/intern.c).
 */
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "common/alloc.h"
#include "common/error.h"
#include "common/intern.h"
#include "common/text.h"
#include "include/fairaudit.h"

typedef struct column {
    char *name;
    double *num;                /* numeric: values; NULL once categorical */
    int32_t *codes;             /* categorical: value indices, -1 = missing */
    fa_intern values;           /* categorical values */
    uint64_t bad_line, bad_col; /* first non-numeric cell */
    char bad_text[64];
    size_t bad_len;
} column;

struct fa_table {
    char *path;
    size_t n_rows, n_cols, cap;
    column *cols;
};

void fa_table_free(fa_table *t)
{
    if (t == NULL) {
        return;
    }
    for (size_t j = 0; j < t->n_cols; j++) {
        free(t->cols[j].name);
        free(t->cols[j].num);
        free(t->cols[j].codes);
        fa_intern_dispose(&t->cols[j].values);
    }
    free(t->cols);
    free(t->path);
    free(t);
}

/* Turns numeric column c categorical: its numbers so far become their shortest text. */
static int to_categorical(column *c, size_t n_rows, size_t cap)
{
    c->codes = fa_alloc_array(cap, sizeof *c->codes);
    if (c->codes == NULL) {
        return -1;
    }
    for (size_t i = 0; i < n_rows; i++) {
        if (isnan(c->num[i])) {
            c->codes[i] = -1;
            continue;
        }
        char buf[40];
        int n = fa_format_double(buf, sizeof buf, c->num[i]);
        size_t idx;
        if (fa_intern_get(&c->values, buf, (size_t)n, &idx) != 0) {
            return -1;
        }
        c->codes[i] = (int32_t)idx;
    }
    free(c->num);
    c->num = NULL;
    return 0;
}

/*
 * Doubles the row capacity, unless the columns at the new capacity and one matrix copy of them
 * (fa_table_matrix) would pass the memory limit: then 1, and nothing changes.
 */
static int grow(fa_table *t, size_t max_memory)
{
    size_t cap = t->cap ? 2 * t->cap : 1024;
    size_t per_row = t->n_cols * 2 * sizeof(double);
    if (per_row != 0 && cap > max_memory / per_row) {
        cap = max_memory / per_row; /* the last step may be short of a doubling */
        if (cap <= t->n_rows) {
            return 1;
        }
    }
    for (size_t j = 0; j < t->n_cols; j++) {
        column *c = &t->cols[j];
        void *p = c->num ? fa_realloc_array(c->num, cap, sizeof *c->num)
                         : fa_realloc_array(c->codes, cap, sizeof *c->codes);
        if (p == NULL) {
            return -1;
        }
        if (c->num) {
            c->num = p;
        } else {
            c->codes = p;
        }
    }
    t->cap = cap;
    return 0;
}

static int add_cell(fa_table *t, fa_csv_reader *r, size_t j, const fa_field *f)
{
    column *c = &t->cols[j];
    size_t i = t->n_rows;
    double v;
    if (c->num) {
        if (fa_parse_double(f->data, f->len, &v) == 0) {
            c->num[i] = v;
            return 0;
        }
        if (fa_value_is_missing(f->data, f->len)) {
            c->num[i] = NAN;
            return 0;
        }
        c->bad_line = fa_csv_field_line(r, j);
        c->bad_col = fa_csv_field_column(r, j);
        c->bad_len = f->len;
        memcpy(c->bad_text, f->data, f->len < sizeof c->bad_text ? f->len : sizeof c->bad_text);
        if (to_categorical(c, i, t->cap) != 0) {
            return -1;
        }
    }
    if (fa_value_is_missing(f->data, f->len)) {
        c->codes[i] = -1;
        return 0;
    }
    size_t idx;
    if (fa_intern_get(&c->values, f->data, f->len, &idx) != 0) {
        return -1;
    }
    c->codes[i] = (int32_t)idx;
    return 0;
}

int fa_table_load_csv(fa_table **out, const char *path, const fa_csv_options *opts, fa_error *err)
{
    *out = NULL;
    fa_csv_reader *r;
    int st = fa_csv_reader_create(&r, path, opts, err);
    if (st != FA_OK) {
        return st;
    }
    fa_table *t = calloc(1, sizeof *t);
    size_t nc = fa_csv_n_columns(r);
    if (t == NULL || (t->cols = fa_calloc_array(nc, sizeof *t->cols)) == NULL ||
        (t->path = fa_strdup(path)) == NULL) {
        fa_csv_reader_free(r);
        fa_table_free(t);
        return fa_error_set(err, FA_ENOMEM, path, 0, 0, "out of memory");
    }
    t->n_cols = nc;
    size_t max_memory = opts && opts->max_memory ? opts->max_memory : FA_DEFAULT_MAX_MEMORY;
    for (size_t j = 0; j < nc; j++) {
        fa_intern_init(&t->cols[j].values);
        t->cols[j].name = fa_strdup(fa_csv_column_name(r, j));
        t->cols[j].num = fa_alloc_array(1, sizeof(double));
        if (t->cols[j].name == NULL || t->cols[j].num == NULL) {
            st = fa_error_set(err, FA_ENOMEM, path, 0, 0, "out of memory");
        }
    }
    const fa_field *fields;
    while (st == FA_OK && (st = fa_csv_next(r, &fields, err)) == 1) {
        st = FA_OK;
        int g = t->n_rows == t->cap ? grow(t, max_memory) : 0;
        if (g == 1) {
            char lim[32];
            st = fa_error_set(err, FA_EINVAL, path, fa_csv_field_line(r, 0), 0,
                              "the table would need more memory than the limit of %s "
                              "(--max-memory): %zu %s of %zu columns read so far, 16 bytes a "
                              "cell; raise the limit or use fewer rows (--max-samples)",
                              fa_format_bytes(lim, sizeof lim, max_memory), t->n_rows,
                              t->n_rows == 1 ? "row" : "rows", nc);
            break;
        }
        if (g != 0) {
            st = fa_error_set(err, FA_ENOMEM, path, 0, 0, "out of memory");
            break;
        }
        for (size_t j = 0; j < nc && st == FA_OK; j++) {
            if (add_cell(t, r, j, &fields[j]) != 0) {
                st = fa_error_set(err, FA_ENOMEM, path, 0, 0, "out of memory");
            }
        }
        t->n_rows++;
    }
    fa_csv_reader_free(r);
    if (st == FA_OK && t->n_rows == 0) {
        st = fa_error_set(err, FA_EPARSE, path, 2, 1,
                          "no data rows: expected at least one row after the header");
    }
    if (st != FA_OK) {
        fa_table_free(t);
        return st;
    }
    *out = t;
    return FA_OK;
}

size_t fa_table_n_rows(const fa_table *t)
{
    return t->n_rows;
}

size_t fa_table_n_cols(const fa_table *t)
{
    return t->n_cols;
}

const char *fa_table_column_name(const fa_table *t, size_t j)
{
    return t->cols[j].name;
}

long fa_table_column_index(const fa_table *t, const char *name)
{
    for (size_t j = 0; j < t->n_cols; j++) {
        if (strcmp(t->cols[j].name, name) == 0) {
            return (long)j;
        }
    }
    return -1;
}

int fa_table_is_numeric(const fa_table *t, size_t j)
{
    return t->cols[j].num != NULL;
}

const double *fa_table_numeric(const fa_table *t, size_t j)
{
    return t->cols[j].num;
}

const int32_t *fa_table_codes(const fa_table *t, size_t j)
{
    return t->cols[j].codes;
}

size_t fa_table_n_categories(const fa_table *t, size_t j)
{
    return fa_intern_count(&t->cols[j].values);
}

const char *fa_table_category(const fa_table *t, size_t j, size_t code)
{
    return fa_intern_str(&t->cols[j].values, code);
}

int fa_table_not_numeric_error(const fa_table *t, size_t j, fa_error *err)
{
    const column *c = &t->cols[j];
    char q[128];
    size_t shown = c->bad_len < sizeof c->bad_text ? c->bad_len : sizeof c->bad_text;
    return fa_error_set(err, FA_EPARSE, t->path, c->bad_line, c->bad_col,
                        "column '%s': expected a number, got %s", c->name,
                        fa_error_quote(q, sizeof q, c->bad_text, shown));
}

int fa_table_matrix(double **out, const fa_table *t, const size_t col_of[], size_t n, fa_error *err)
{
    *out = NULL;
    for (size_t k = 0; k < n; k++) {
        if (t->cols[col_of[k]].num == NULL) {
            return fa_table_not_numeric_error(t, col_of[k], err);
        }
    }
    if (n != 0 && t->n_rows > SIZE_MAX / n) {
        return fa_error_set(err, FA_ENOMEM, t->path, 0, 0, "matrix too large");
    }
    double *x = fa_alloc_array(t->n_rows * n, sizeof *x);
    if (x == NULL) {
        return fa_error_set(err, FA_ENOMEM, t->path, 0, 0, "out of memory");
    }
    for (size_t k = 0; k < n; k++) {
        const double *col = t->cols[col_of[k]].num;
        for (size_t i = 0; i < t->n_rows; i++) {
            x[i * n + k] = col[i];
        }
    }
    *out = x;
    return FA_OK;
}
