/*
 * test_csv.c - the streaming CSV reader (audit/csv.c).
 *
 * Every test writes its input to a temporary file (mkstemp in /tmp, removed by the teardown)
 * and reads it back through the public API. Expected locations are counted by hand: lines are
 * physical and 1-based, columns are 1-based bytes within the line where the field (or the
 * offending byte) starts. Every error message of the reader is pinned here word for word.
 * The buffer-boundary tests read the same bytes with many buffer sizes (max_line_bytes sets
 * the buffer size when it is small) and require the same records, lines and columns.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "audit/csv.h"
#include "include/fairaudit.h"

/* ------------------------------------------------------------------ fixture */

typedef struct fixture {
    char path[64];
    fa_csv_reader *r;
    fa_error err;
} fixture;

static int setup(void **state)
{
    fixture *f = calloc(1, sizeof *f);
    if (f == NULL) {
        return -1;
    }
    fa_error_clear(&f->err);
    *state = f;
    return 0;
}

static int teardown(void **state)
{
    fixture *f = *state;
    fa_csv_reader_free(f->r);
    if (f->path[0] != '\0') {
        unlink(f->path);
    }
    free(f);
    return 0;
}

static void write_bytes(fixture *f, const char *data, size_t len)
{
    strcpy(f->path, "/tmp/fa_test_csv_XXXXXX");
    int fd = mkstemp(f->path);
    assert_true(fd >= 0);
    size_t done = 0;
    while (done < len) {
        ssize_t n = write(fd, data + done, len - done);
        assert_true(n > 0);
        done += (size_t)n;
    }
    assert_int_equal(close(fd), 0);
}

/* Writes s to a new temporary file and opens it; returns the status of create. */
static int open_len(fixture *f, const char *s, size_t len, const fa_csv_options *opts)
{
    write_bytes(f, s, len);
    return fa_csv_reader_create(&f->r, f->path, opts, &f->err);
}

static int open_str(fixture *f, const char *s, const fa_csv_options *opts)
{
    return open_len(f, s, strlen(s), opts);
}

/* The current record as "a|b|c" (fields joined by '|'), into buf. */
static const char *joined(const fixture *f, const fa_field *fields, char *buf, size_t size)
{
    size_t o = 0, n = fa_csv_n_columns(f->r);
    for (size_t i = 0; i < n; i++) {
        assert_true(o + fields[i].len + 2 < size);
        if (i > 0) {
            buf[o++] = '|';
        }
        memcpy(buf + o, fields[i].data, fields[i].len);
        o += fields[i].len;
    }
    buf[o] = '\0';
    return buf;
}

/* Reads the next record and checks its fields (joined by '|') and its first line. */
static void expect_record(fixture *f, const char *want, uint64_t line)
{
    const fa_field *fields = NULL;
    char buf[512];
    int rc = fa_csv_next(f->r, &fields, &f->err);
    if (rc != 1) {
        fail_msg("expected a record \"%s\", got %d: %s", want, rc, f->err.message);
    }
    assert_non_null(fields);
    assert_string_equal(joined(f, fields, buf, sizeof buf), want);
    assert_int_equal(fa_csv_record_line(f->r), line);
}

static void expect_eof(fixture *f)
{
    const fa_field *fields = NULL;
    assert_int_equal(fa_csv_next(f->r, &fields, &f->err), 0);
    assert_null(fields);
}

static void expect_error(const fixture *f, int status, uint64_t line, uint64_t column,
                         const char *message)
{
    assert_int_equal(f->err.status, status);
    assert_string_equal(f->err.path, f->path);
    assert_int_equal(f->err.line, line);
    assert_int_equal(f->err.column, column);
    assert_string_equal(f->err.message, message);
}

/* Reads records until one fails; checks the status returned and the error record. */
static void expect_next_error(fixture *f, int status, uint64_t line, uint64_t column,
                              const char *message)
{
    const fa_field *fields;
    int rc;
    while ((rc = fa_csv_next(f->r, &fields, &f->err)) == 1) {
    }
    assert_int_equal(rc, status);
    expect_error(f, status, line, column, message);
}

#define TEST(name) cmocka_unit_test_setup_teardown(name, setup, teardown)

/* --------------------------------------------------------------- features */

static void csv__reads_header_and_records(void **state)
{
    fixture *f = *state;
    const char *text = "g,label,score\nA,1,0.25\nB,0,0.75\n";
    assert_int_equal(open_str(f, text, NULL), FA_OK);
    assert_int_equal(fa_csv_n_columns(f->r), 3);
    assert_string_equal(fa_csv_column_name(f->r, 0), "g");
    assert_string_equal(fa_csv_column_name(f->r, 2), "score");
    assert_int_equal(fa_csv_column_index(f->r, "label"), 1);
    assert_int_equal(fa_csv_column_index(f->r, "scor"), -1);
    assert_int_equal(fa_csv_column_index(f->r, "Score"), -1);
    assert_int_equal(fa_csv_column_index(f->r, NULL), -1);
    assert_string_equal(fa_csv_path(f->r), f->path);
    assert_int_equal(fa_csv_bytes_read(f->r), 14); /* the header and its LF */
    expect_record(f, "A|1|0.25", 2);
    assert_int_equal(fa_csv_field_column(f->r, 0), 1);
    assert_int_equal(fa_csv_field_column(f->r, 1), 3);
    assert_int_equal(fa_csv_field_column(f->r, 2), 5);
    expect_record(f, "B|0|0.75", 3);
    expect_eof(f);
    assert_int_equal(fa_csv_bytes_read(f->r), strlen(text));
}

static void csv__end_of_file_is_returned_again(void **state)
{
    fixture *f = *state;
    assert_int_equal(open_str(f, "a\n1\n", NULL), FA_OK);
    expect_record(f, "1", 2);
    expect_eof(f);
    expect_eof(f);
}

static void csv__header_only_file_has_no_records(void **state)
{
    fixture *f = *state;
    assert_int_equal(open_str(f, "a,b\n", NULL), FA_OK);
    assert_int_equal(fa_csv_n_columns(f->r), 2);
    expect_eof(f);
}

static void csv__header_without_line_end_is_read(void **state)
{
    fixture *f = *state;
    assert_int_equal(open_str(f, "a,b", NULL), FA_OK);
    assert_string_equal(fa_csv_column_name(f->r, 1), "b");
    expect_eof(f);
}

static void csv__quoted_field_with_doubled_quotes(void **state)
{
    fixture *f = *state;
    assert_int_equal(open_str(f, "a,b\n\"say \"\"hi\"\"\",x\n\"\"\"\",\"\"\n", NULL), FA_OK);
    expect_record(f, "say \"hi\"|x", 2);
    assert_int_equal(fa_csv_field_column(f->r, 0), 1);
    assert_int_equal(fa_csv_field_column(f->r, 1), 14);
    expect_record(f, "\"|", 3); /* """" is one quote; "" is empty */
    expect_eof(f);
}

static void csv__quoted_field_with_delimiter(void **state)
{
    fixture *f = *state;
    assert_int_equal(open_str(f, "name,n\n\"Smith, J.\",3\n", NULL), FA_OK);
    expect_record(f, "Smith, J.|3", 2);
    assert_int_equal(fa_csv_field_column(f->r, 1), 13);
    expect_eof(f);
}

static void csv__quoted_header_names(void **state)
{
    fixture *f = *state;
    assert_int_equal(open_str(f, "\"a,b\",\"say \"\"x\"\"\"\n1,2\n", NULL), FA_OK);
    assert_string_equal(fa_csv_column_name(f->r, 0), "a,b");
    assert_string_equal(fa_csv_column_name(f->r, 1), "say \"x\"");
    assert_int_equal(fa_csv_column_index(f->r, "say \"x\""), 1);
    expect_record(f, "1|2", 2);
}

static void csv__embedded_newline_advances_line_numbers(void **state)
{
    fixture *f = *state;
    /* line 1 header; record on lines 2-4; record on line 5; record on lines 6-7 (CRLF inside) */
    const char *text = "id,note,n\n"
                       "1,\"two\nlines\nmore\",x\n"
                       "2,plain,y\n"
                       "3,\"a\r\nb\",\"z\"\n";
    assert_int_equal(open_str(f, text, NULL), FA_OK);
    expect_record(f, "1|two\nlines\nmore|x", 2);
    assert_int_equal(fa_csv_field_column(f->r, 1), 3);
    assert_int_equal(fa_csv_field_column(f->r, 2), 7); /* after `more",` on line 4 */
    expect_record(f, "2|plain|y", 5);
    expect_record(f, "3|a\r\nb|z", 6);
    assert_int_equal(fa_csv_field_column(f->r, 2), 4); /* after `b",` on line 7 */
    /* an error after the records counts the lines inside quotes too */
    fa_csv_reader_free(f->r);
    f->r = NULL;
    unlink(f->path);
    assert_int_equal(open_str(f, "a,b\n\"x\ny\",1\n2\n", NULL), FA_OK);
    expect_next_error(f, FA_EPARSE, 4, 2, "expected 2 fields, got 1");
}

static void csv__crlf_line_ends(void **state)
{
    fixture *f = *state;
    assert_int_equal(open_str(f, "a,b\r\n1,2\r\n\r\n3,\"x\"\r\n", NULL), FA_OK);
    assert_string_equal(fa_csv_column_name(f->r, 1), "b");
    expect_record(f, "1|2", 2);
    assert_int_equal(fa_csv_field_column(f->r, 1), 3);
    expect_record(f, "3|x", 4);
    expect_eof(f);
}

static void csv__lone_cr_ends_a_line(void **state)
{
    fixture *f = *state;
    assert_int_equal(open_str(f, "a,b\r1,2\r3,4", NULL), FA_OK);
    expect_record(f, "1|2", 2);
    expect_record(f, "3|4", 3);
    expect_eof(f);
}

static void csv__utf8_bom_is_skipped(void **state)
{
    fixture *f = *state;
    assert_int_equal(open_str(f, "\xEF\xBB\xBFid,\"x\n", NULL), FA_EPARSE);
    /* the BOM is not counted in columns: the quote is the fourth byte after it */
    expect_error(f, FA_EPARSE, 1, 4, "unclosed quote: expected a closing '\"' before end of file");
    unlink(f->path);
    assert_int_equal(open_str(f, "\xEF\xBB\xBFid,\xC3\xA9t\xC3\xA9\n1,2\n", NULL), FA_OK);
    assert_string_equal(fa_csv_column_name(f->r, 0), "id");
    assert_string_equal(fa_csv_column_name(f->r, 1), "\xC3\xA9t\xC3\xA9");
    assert_int_equal(fa_csv_column_index(f->r, "id"), 0);
    assert_int_equal(fa_csv_bytes_read(f->r), 3 + 9); /* the BOM counts as bytes read */
    expect_record(f, "1|2", 2);
    assert_int_equal(fa_csv_field_column(f->r, 1), 3);
}

static void csv__bom_only_in_the_first_bytes(void **state)
{
    fixture *f = *state;
    assert_int_equal(open_str(f, "a\n\xEF\xBB\xBF\n", NULL), FA_OK);
    expect_record(f, "\xEF\xBB\xBF", 2);
}

static void csv__semicolon_delimiter(void **state)
{
    fixture *f = *state;
    fa_csv_options opts = FA_CSV_OPTIONS_INIT;
    opts.delimiter = ';';
    assert_int_equal(open_str(f, "a;b,c\n1,5;\"x;y\"\n", &opts), FA_OK);
    assert_int_equal(fa_csv_n_columns(f->r), 2);
    assert_string_equal(fa_csv_column_name(f->r, 1), "b,c");
    expect_record(f, "1,5|x;y", 2);
    assert_int_equal(fa_csv_field_column(f->r, 1), 5);
    expect_eof(f);
}

static void csv__tab_delimiter(void **state)
{
    fixture *f = *state;
    fa_csv_options opts = FA_CSV_OPTIONS_INIT;
    opts.delimiter = '\t';
    assert_int_equal(open_str(f, "a\tb\n1\t2,3\n", &opts), FA_OK);
    expect_record(f, "1|2,3", 2);
}

static void csv__null_options_and_zero_delimiter_mean_comma(void **state)
{
    fixture *f = *state;
    fa_csv_options opts = {0, 0, 0};
    assert_int_equal(open_str(f, "a,b\n1,2\n", &opts), FA_OK);
    expect_record(f, "1|2", 2);
}

static void csv__quote_or_line_end_cannot_be_the_delimiter(void **state)
{
    fixture *f = *state;
    fa_csv_options opts = FA_CSV_OPTIONS_INIT;
    opts.delimiter = '"';
    assert_int_equal(open_str(f, "a,b\n", &opts), FA_EINVAL);
    assert_null(f->r);
    assert_string_equal(f->err.message,
                        "invalid delimiter: it cannot be a quote, a line end or NUL");
    opts.delimiter = '\n';
    assert_int_equal(fa_csv_reader_create(&f->r, f->path, &opts, &f->err), FA_EINVAL);
}

static void csv__blank_lines_are_skipped(void **state)
{
    fixture *f = *state;
    assert_int_equal(open_str(f, "\n\r\na,b\n\n1,2\n\r\n\n3,4\n\n", NULL), FA_OK);
    assert_string_equal(fa_csv_column_name(f->r, 0), "a");
    expect_record(f, "1|2", 5);
    expect_record(f, "3|4", 8);
    expect_eof(f);
}

static void csv__last_record_without_line_end(void **state)
{
    fixture *f = *state;
    assert_int_equal(open_str(f, "a,b\n1,2\n3,4", NULL), FA_OK);
    expect_record(f, "1|2", 2);
    expect_record(f, "3|4", 3);
    expect_eof(f);
    assert_int_equal(fa_csv_bytes_read(f->r), 11);
}

static void csv__last_quoted_field_without_line_end(void **state)
{
    fixture *f = *state;
    assert_int_equal(open_str(f, "a,b\n1,\"x\"\"\"", NULL), FA_OK);
    expect_record(f, "1|x\"", 2);
    expect_eof(f);
}

static void csv__empty_fields(void **state)
{
    fixture *f = *state;
    assert_int_equal(open_str(f, "a,b,c\n,,\n1,,\n,,3", NULL), FA_OK);
    expect_record(f, "||", 2);
    assert_int_equal(fa_csv_field_column(f->r, 2), 3);
    expect_record(f, "1||", 3);
    expect_record(f, "||3", 4);
    expect_eof(f);
}

static void csv__one_column_quoted_empty_value_is_a_record(void **state)
{
    fixture *f = *state;
    /* a blank line is skipped, but "" is a record with one empty field */
    assert_int_equal(open_str(f, "a\n\n\"\"\nx\n", NULL), FA_OK);
    expect_record(f, "", 3);
    expect_record(f, "x", 4);
    expect_eof(f);
}

static void csv__spaces_are_kept(void **state)
{
    fixture *f = *state;
    assert_int_equal(open_str(f, "a,b\n 1 , x\n", NULL), FA_OK);
    expect_record(f, " 1 | x", 2);
}

static void csv__many_columns_are_indexed(void **state)
{
    fixture *f = *state;
    char *text = malloc(20000);
    assert_non_null(text);
    size_t o = 0;
    for (int i = 0; i < 1000; i++) {
        o += (size_t)sprintf(text + o, "%sc%d", i ? "," : "", i);
    }
    text[o++] = '\n';
    for (int i = 0; i < 1000; i++) {
        o += (size_t)sprintf(text + o, "%s%d", i ? "," : "", i * 2);
    }
    text[o] = '\0';
    int rc = open_str(f, text, NULL);
    free(text);
    assert_int_equal(rc, FA_OK);
    assert_int_equal(fa_csv_n_columns(f->r), 1000);
    for (int i = 0; i < 1000; i++) {
        char name[16];
        snprintf(name, sizeof name, "c%d", i);
        assert_int_equal(fa_csv_column_index(f->r, name), i);
        assert_string_equal(fa_csv_column_name(f->r, (size_t)i), name);
    }
    assert_int_equal(fa_csv_column_index(f->r, "c1000"), -1);
    const fa_field *fields;
    assert_int_equal(fa_csv_next(f->r, &fields, &f->err), 1);
    assert_int_equal(fields[999].len, 4);
    assert_memory_equal(fields[999].data, "1998", 4);
}

static void csv__bytes_read_follows_the_records(void **state)
{
    fixture *f = *state;
    assert_int_equal(open_str(f, "a\n1\n\n22\n", NULL), FA_OK);
    assert_int_equal(fa_csv_bytes_read(f->r), 2);
    expect_record(f, "1", 2);
    assert_int_equal(fa_csv_bytes_read(f->r), 4);
    expect_record(f, "22", 4);
    assert_int_equal(fa_csv_bytes_read(f->r), 8);
}

static void csv__value_is_missing(void **state)
{
    (void)state;
    const char *missing[] = {"",    " ",    "NA",   "na",   "N/A",  "n/a",  "NaN",  "nan",
                             "NAN", "null", "NULL", "Null", "None", "none", " NA ", "\tnull"};
    const char *present[] = {"0",     "n", "N",    "nA/", "nana", "nul", "nulls",
                             "Nonee", "-", "\"\"", "NA1", "x NA", "0.0", "inf"};
    for (size_t i = 0; i < sizeof missing / sizeof *missing; i++) {
        if (!fa_value_is_missing(missing[i], strlen(missing[i]))) {
            fail_msg("\"%s\" should be missing", missing[i]);
        }
    }
    for (size_t i = 0; i < sizeof present / sizeof *present; i++) {
        if (fa_value_is_missing(present[i], strlen(present[i]))) {
            fail_msg("\"%s\" should not be missing", present[i]);
        }
    }
    assert_true(fa_value_is_missing("NAME", 2)); /* only len bytes are read */
}

static void csv__fixture_file_with_bom_crlf_and_quotes(void **state)
{
    fixture *f = *state;
    fa_csv_reader *r = NULL;
    int rc = fa_csv_reader_create(&r, "tests/data/csv/bom_crlf_quoted.csv", NULL, &f->err);
    if (rc != FA_OK) {
        fail_msg("%s (run from the repository root)", f->err.message);
    }
    f->r = r;
    assert_int_equal(fa_csv_n_columns(r), 4);
    assert_int_equal(fa_csv_column_index(r, "race"), 1);
    expect_record(f, "1|African-American|1|0.81", 2);
    expect_record(f, "2|Caucasian|0|NA", 3);
    expect_record(f, "3|Hispanic, other|1|0.5", 5);
    expect_record(f, "4|\"Native\" American|0|", 6);
    expect_record(f, "5|Asian\r\nPacific|1|0.1", 7);
    expect_eof(f);
}

/* ------------------------------------------------------- buffer boundaries */

/* A file with a 3 MiB record (the initial buffer holds 1 MiB) between ordinary ones. */
static void csv__record_longer_than_the_buffer(void **state)
{
    fixture *f = *state;
    const size_t big = (size_t)3 << 20;
    const size_t size = big * 2 + 65536;
    char *text = malloc(size);
    assert_non_null(text);
    size_t o = (size_t)sprintf(text, "k,v\n");
    for (int i = 0; i < 1000; i++) {
        o += (size_t)sprintf(text + o, "%d,%d\n", i, i * 7);
    }
    /* an unquoted 3 MiB field */
    text[o++] = 'u';
    text[o++] = ',';
    memset(text + o, 'x', big);
    o += big;
    text[o++] = '\n';
    /* a quoted 3 MiB field with doubled quotes and a line break near its end */
    o += (size_t)sprintf(text + o, "q,\"");
    memset(text + o, 'y', big);
    o += big;
    o += (size_t)sprintf(text + o, "\"\"\nz\"\nlast,1");
    int rc = open_len(f, text, o, NULL);
    free(text);
    assert_int_equal(rc, FA_OK);
    const fa_field *fields;
    for (int i = 0; i < 1000; i++) {
        char want[32];
        assert_int_equal(fa_csv_next(f->r, &fields, &f->err), 1);
        snprintf(want, sizeof want, "%d", i * 7);
        assert_int_equal(fields[1].len, strlen(want));
        assert_memory_equal(fields[1].data, want, strlen(want));
    }
    assert_int_equal(fa_csv_next(f->r, &fields, &f->err), 1);
    assert_int_equal(fa_csv_record_line(f->r), 1002);
    assert_int_equal(fields[1].len, big);
    assert_int_equal(fields[1].data[0], 'x');
    assert_int_equal(fields[1].data[big - 1], 'x');
    assert_null(memchr(fields[1].data, 'y', big));
    assert_int_equal(fa_csv_next(f->r, &fields, &f->err), 1);
    assert_int_equal(fa_csv_record_line(f->r), 1003);
    assert_int_equal(fields[1].len, big + 3);
    assert_memory_equal(fields[1].data + big - 1, "y\"\nz", 4);
    assert_int_equal(fa_csv_field_column(f->r, 1), 3);
    expect_record(f, "last|1", 1005);
    expect_eof(f);
}

/* One parse of the whole file: every record joined, with its line and field columns. */
static char *transcript(const char *path, const fa_csv_options *opts, fa_error *err)
{
    fa_csv_reader *r = NULL;
    if (fa_csv_reader_create(&r, path, opts, err) != FA_OK) {
        return NULL;
    }
    size_t cap = 1 << 16, o = 0;
    char *out = malloc(cap);
    assert_non_null(out);
    const fa_field *fields;
    int rc;
    while ((rc = fa_csv_next(r, &fields, err)) == 1) {
        o += (size_t)snprintf(out + o, cap - o, "%llu:", (unsigned long long)fa_csv_record_line(r));
        for (size_t i = 0; i < fa_csv_n_columns(r); i++) {
            o += (size_t)snprintf(out + o, cap - o, "%llu=[%.*s]",
                                  (unsigned long long)fa_csv_field_column(r, i), (int)fields[i].len,
                                  fields[i].data);
        }
        o += (size_t)snprintf(out + o, cap - o, "\n");
        assert_true(o < cap - 256);
    }
    if (rc < 0) {
        o += (size_t)snprintf(out + o, cap - o, "error %d %llu:%llu %s\n", rc,
                              (unsigned long long)err->line, (unsigned long long)err->column,
                              err->message);
    }
    o += (size_t)snprintf(out + o, cap - o, "bytes %llu\n",
                          (unsigned long long)fa_csv_bytes_read(r));
    fa_csv_reader_free(r);
    return out;
}

/*
 * Small max_line_bytes makes the buffer small (max_line_bytes + 2), so the same file read
 * with 20 buffer sizes puts a buffer boundary at every position: inside quoted fields, between
 * the two quotes of a doubled quote and of a closing quote, between CR and LF, in blank lines.
 */
static void csv__every_buffer_boundary_gives_the_same_records(void **state)
{
    fixture *f = *state;
    const char *text = "\xEF\xBB\xBF"
                       "id,\"na\"\"me\",v\r\n"
                       "1,\"a,b\",x\r\n"
                       "\r\n"
                       "2,\"\"\"q\"\"\",\r\n"
                       "3,\"line\r\nbreak\",z\n"
                       "44,,\"\"\n"
                       "\n\n"
                       "5,plain text,\"w\"\r"
                       "6,\"\",\"multi\nline\nfield\"\n"
                       "7,last,\"\"\"\"";
    write_bytes(f, text, strlen(text));
    fa_error err;
    char *ref = transcript(f->path, NULL, &err);
    assert_non_null(ref);
    assert_null(strstr(ref, "error"));
    assert_non_null(strstr(ref, "2:1=[1]3=[a,b]9=[x]\n"));
    assert_non_null(strstr(ref, "4:1=[2]3=[\"q\"]11=[]\n"));
    assert_non_null(strstr(ref, "5:1=[3]3=[line\r\nbreak]8=[z]\n"));
    assert_non_null(strstr(ref, "11:1=[6]3=[]6=[multi\nline\nfield]\n"));
    assert_non_null(strstr(ref, "14:1=[7]3=[last]8=[\"]\n"));
    for (size_t max = 24; max < 48; max++) {
        fa_csv_options opts = FA_CSV_OPTIONS_INIT;
        opts.max_line_bytes = max;
        char *got = transcript(f->path, &opts, &err);
        if (got == NULL) {
            fail_msg("max_line_bytes %zu: %s", max, err.message);
        }
        if (strcmp(got, ref) != 0) {
            fail_msg("max_line_bytes %zu:\n%s\nexpected:\n%s", max, got, ref);
        }
        free(got);
    }
    free(ref);
}

static void csv__record_of_exactly_max_line_bytes_is_accepted(void **state)
{
    fixture *f = *state;
    fa_csv_options opts = FA_CSV_OPTIONS_INIT;
    opts.max_line_bytes = 10;
    assert_int_equal(open_str(f, "a,b\r\n1234,56789\r\n12345,\"\"\"\"\n", &opts), FA_OK);
    expect_record(f, "1234|56789", 2);
    expect_record(f, "12345|\"", 3);
    expect_eof(f);
}

/* ------------------------------------------------------------ range readers */

static void csv__range_reader_reads_only_its_bytes(void **state)
{
    fixture *f = *state;
    /* BOM (3) + "a,b\n" (4): data at 7; "1,2\n" 7..11; "3,\"x\"\n" 11..17; "5,6\n" 17..21 */
    assert_int_equal(open_str(f,
                              "\xEF\xBB\xBF"
                              "a,b\n1,2\n3,\"x\"\n5,6\n",
                              NULL),
                     FA_OK);
    assert_int_equal(fa_csv__data_offset(f->r), 7);
    assert_int_equal(fa_csv__saw_quote(f->r), 1); /* the first read took the whole file */
    const uint64_t cuts[4] = {7, 11, 17, 21};
    const char *want[3] = {"1|2", "3|x", "5|6"};
    for (size_t i = 0; i < 3; i++) {
        fa_csv_reader *range = NULL;
        fa_error err;
        assert_int_equal(fa_csv__reader_create_range(&range, f->r, cuts[i], cuts[i + 1], &err),
                         FA_OK);
        const fa_field *fields;
        char buf[64];
        assert_int_equal(fa_csv_next(range, &fields, &err), 1);
        size_t o = 0;
        for (size_t j = 0; j < 2; j++) {
            o += (size_t)snprintf(buf + o, sizeof buf - o, "%s%.*s", j ? "|" : "",
                                  (int)fields[j].len, fields[j].data);
        }
        assert_string_equal(buf, want[i]);
        assert_int_equal(fa_csv_record_line(range), 1); /* lines count from the range start */
        assert_int_equal(fa_csv_next(range, &fields, &err), 0);
        assert_int_equal(fa_csv_bytes_read(range), cuts[i + 1]);
        assert_int_equal(fa_csv__saw_quote(range), i == 1);
        assert_int_equal(fa_csv_column_index(range, "a"), -1); /* no header of its own */
        fa_csv_reader_free(range);
    }
}

static void csv__range_reader_reports_faults_in_its_range(void **state)
{
    fixture *f = *state;
    assert_int_equal(open_str(f, "a,b\n1,2\n3\n", NULL), FA_OK);
    fa_csv_reader *range = NULL;
    fa_error err;
    assert_int_equal(fa_csv__reader_create_range(&range, f->r, 8, 10, &err), FA_OK);
    const fa_field *fields;
    assert_int_equal(fa_csv_next(range, &fields, &err), FA_EPARSE);
    assert_int_equal(err.line, 1);
    assert_int_equal(err.column, 2);
    assert_string_equal(err.message, "expected 2 fields, got 1");
    fa_csv_reader_free(range);
}

/* ------------------------------------------------------------------ errors */

static void csv__missing_file_cannot_be_opened(void **state)
{
    fixture *f = *state;
    strcpy(f->path, "/tmp/fa_test_csv_does_not_exist.csv");
    assert_int_equal(fa_csv_reader_create(&f->r, f->path, NULL, &f->err), FA_EIO);
    assert_null(f->r);
    expect_error(f, FA_EIO, 0, 0, "cannot open file: No such file or directory");
    f->path[0] = '\0';
}

static void csv__directory_cannot_be_read(void **state)
{
    fixture *f = *state;
    assert_int_equal(fa_csv_reader_create(&f->r, "/tmp", NULL, &f->err), FA_EIO);
    assert_null(f->r);
    assert_string_equal(f->err.path, "/tmp");
    assert_string_equal(f->err.message, "cannot read file: Is a directory");
}

static void csv__error_record_may_be_null(void **state)
{
    fixture *f = *state;
    assert_int_equal(open_str(f, "", NULL), FA_EPARSE);
    assert_int_equal(fa_csv_reader_create(&f->r, f->path, NULL, NULL), FA_EPARSE);
    assert_null(f->r);
    unlink(f->path);
    assert_int_equal(open_str(f, "a\n\"", NULL), FA_OK);
    const fa_field *fields;
    assert_int_equal(fa_csv_next(f->r, &fields, NULL), FA_EPARSE);
}

static void csv__empty_file_has_no_header(void **state)
{
    fixture *f = *state;
    assert_int_equal(open_str(f, "", NULL), FA_EPARSE);
    assert_null(f->r);
    expect_error(f, FA_EPARSE, 1, 1, "empty file: expected a header row");
}

static void csv__bom_and_blank_lines_only_is_an_empty_file(void **state)
{
    fixture *f = *state;
    assert_int_equal(open_str(f, "\xEF\xBB\xBF\n\r\n\n", NULL), FA_EPARSE);
    expect_error(f, FA_EPARSE, 1, 1, "empty file: expected a header row");
    unlink(f->path);
    assert_int_equal(open_str(f, "\xEF\xBB\xBF", NULL), FA_EPARSE);
    expect_error(f, FA_EPARSE, 1, 1, "empty file: expected a header row");
}

static void csv__utf16_is_refused_with_the_reason(void **state)
{
    fixture *f = *state;
    /* "la" in UTF-16LE after its byte order mark, as Excel's "Unicode text" writes it */
    assert_int_equal(open_len(f, "\xFF\xFEl\0a\0\n\0", 8, NULL), FA_EPARSE);
    expect_error(f, FA_EPARSE, 1, 1,
                 "UTF-16 text (byte order mark FF FE): expected UTF-8; save the file as CSV UTF-8");
    unlink(f->path);
    assert_int_equal(open_len(f, "\xFE\xFF\0l\0a", 6, NULL), FA_EPARSE);
    expect_error(f, FA_EPARSE, 1, 1,
                 "UTF-16 text (byte order mark FE FF): expected UTF-8; save the file as CSV UTF-8");
}

static void csv__duplicate_column_name(void **state)
{
    fixture *f = *state;
    assert_int_equal(open_str(f, "id,x,score,x\n1,2,3,4\n", NULL), FA_EPARSE);
    assert_null(f->r);
    expect_error(f, FA_EPARSE, 1, 12, "duplicate column name \"x\" (also column 2)");
}

static void csv__duplicate_quoted_column_name_on_a_later_line(void **state)
{
    fixture *f = *state;
    /* the first name spans lines 2-3; the duplicate starts at byte 4 of line 3 */
    assert_int_equal(open_str(f, "\n\"a\nb\",\"a\nb\"\n", NULL), FA_EPARSE);
    expect_error(f, FA_EPARSE, 3, 4, "duplicate column name \"a\\x0Ab\" (also column 1)");
}

static void csv__empty_column_name(void **state)
{
    fixture *f = *state;
    assert_int_equal(open_str(f, "a,,b\n1,2,3\n", NULL), FA_EPARSE);
    expect_error(f, FA_EPARSE, 1, 3, "empty column name in header");
    unlink(f->path);
    assert_int_equal(open_str(f, "a,b,\"\"\n", NULL), FA_EPARSE);
    expect_error(f, FA_EPARSE, 1, 5, "empty column name in header");
}

static void csv__row_with_too_few_fields(void **state)
{
    fixture *f = *state;
    assert_int_equal(open_str(f, "a,b,c,d,e\n1,2,3,4,5\n1,2,3,4\n", NULL), FA_OK);
    expect_record(f, "1|2|3|4|5", 2);
    /* the line end of `1,2,3,4` is byte 8 */
    expect_next_error(f, FA_EPARSE, 3, 8, "expected 5 fields, got 4");
}

static void csv__row_with_too_few_fields_at_end_of_file(void **state)
{
    fixture *f = *state;
    assert_int_equal(open_str(f, "a,b\r\n1,2\r\n3", NULL), FA_OK);
    expect_next_error(f, FA_EPARSE, 3, 2, "expected 2 fields, got 1");
}

static void csv__row_with_too_many_fields(void **state)
{
    fixture *f = *state;
    assert_int_equal(open_str(f, "a,b\n1,2\n10,20,30,40\n", NULL), FA_OK);
    /* the first extra field, 30, starts at byte 7 */
    expect_next_error(f, FA_EPARSE, 3, 7, "expected 2 fields, got 4");
}

static void csv__one_column_row_with_two_fields(void **state)
{
    fixture *f = *state;
    assert_int_equal(open_str(f, "a\n1\n2,\n", NULL), FA_OK);
    expect_next_error(f, FA_EPARSE, 3, 3, "expected 1 field, got 2");
}

static void csv__unclosed_quote_at_end_of_file(void **state)
{
    fixture *f = *state;
    assert_int_equal(open_str(f, "a,b\n1,2\n3,x\n4,\"open\n5,6\n", NULL), FA_OK);
    expect_record(f, "1|2", 2);
    expect_record(f, "3|x", 3);
    expect_next_error(f, FA_EPARSE, 4, 3,
                      "unclosed quote: expected a closing '\"' before end of file");
}

static void csv__unclosed_quote_in_header(void **state)
{
    fixture *f = *state;
    assert_int_equal(open_str(f, "a,\"b", NULL), FA_EPARSE);
    expect_error(f, FA_EPARSE, 1, 3, "unclosed quote: expected a closing '\"' before end of file");
}

static void csv__quote_inside_unquoted_field(void **state)
{
    fixture *f = *state;
    assert_int_equal(open_str(f, "a,b\n1,ab\"c\n", NULL), FA_OK);
    expect_next_error(f, FA_EPARSE, 2, 5, "unexpected '\"' inside an unquoted field");
}

static void csv__text_after_closing_quote(void **state)
{
    fixture *f = *state;
    assert_int_equal(open_str(f, "a,b\n1,\"ab\"x\n", NULL), FA_OK);
    expect_next_error(f, FA_EPARSE, 2, 7,
                      "expected a delimiter or line end after closing quote, got \"x\"");
}

static void csv__multibyte_character_after_closing_quote(void **state)
{
    fixture *f = *state;
    assert_int_equal(open_str(f, "a\n\"\"\xC3\xA9t\xC3\xA9\n", NULL), FA_OK);
    expect_next_error(f, FA_EPARSE, 2, 3,
                      "expected a delimiter or line end after closing quote, got \"\xC3\xA9\"");
}

static void csv__space_after_closing_quote(void **state)
{
    fixture *f = *state;
    assert_int_equal(open_str(f, "a,b\n\"x\" ,1\n", NULL), FA_OK);
    expect_next_error(f, FA_EPARSE, 2, 4,
                      "expected a delimiter or line end after closing quote, got \" \"");
}

static void csv__record_longer_than_max_line_bytes(void **state)
{
    fixture *f = *state;
    fa_csv_options opts = FA_CSV_OPTIONS_INIT;
    opts.max_line_bytes = 10;
    /* 11 bytes: fits in the buffer (12 bytes) with its LF, caught once read */
    assert_int_equal(open_str(f, "a,b\n1,2\n12345,78901\n", &opts), FA_OK);
    expect_record(f, "1|2", 2);
    expect_next_error(f, FA_EPARSE, 3, 1, "record longer than 10 bytes");
    fa_csv_reader_free(f->r);
    f->r = NULL;
    unlink(f->path);
    /* much longer: the buffer fills before the record ends */
    assert_int_equal(open_str(f, "a,b\n\n1,\"2\n3\"\n123456789,123456789,123\n", &opts), FA_OK);
    expect_record(f, "1|2\n3", 3);
    expect_next_error(f, FA_EPARSE, 5, 1, "record longer than 10 bytes");
}

static void csv__header_longer_than_max_line_bytes(void **state)
{
    fixture *f = *state;
    fa_csv_options opts = FA_CSV_OPTIONS_INIT;
    opts.max_line_bytes = 4;
    assert_int_equal(open_str(f, "\n\nabc,def\n", &opts), FA_EPARSE);
    expect_error(f, FA_EPARSE, 3, 1, "record longer than 4 bytes");
}

static void csv__nul_byte_in_input(void **state)
{
    fixture *f = *state;
    assert_int_equal(open_len(f, "a,b\n1,x\0y\n", 10, NULL), FA_OK);
    expect_next_error(f, FA_EPARSE, 2, 4, "NUL byte in input");
}

static void csv__nul_byte_inside_quotes_and_in_header(void **state)
{
    fixture *f = *state;
    assert_int_equal(open_len(f, "a,b\n1,\"x\n\0\"\n", 12, NULL), FA_OK);
    expect_next_error(f, FA_EPARSE, 3, 1, "NUL byte in input");
    fa_csv_reader_free(f->r);
    f->r = NULL;
    unlink(f->path);
    assert_int_equal(open_len(f,
                              "\x7F"
                              "ELF\0\0\0",
                              7, NULL),
                     FA_EPARSE);
    expect_error(f, FA_EPARSE, 1, 5, "NUL byte in input");
}

static void csv__error_is_repeated_after_failure(void **state)
{
    fixture *f = *state;
    assert_int_equal(open_str(f, "a,b\n1\n2,3\n", NULL), FA_OK);
    expect_next_error(f, FA_EPARSE, 2, 2, "expected 2 fields, got 1");
    fa_error_clear(&f->err);
    const fa_field *fields = (const fa_field *)f;
    assert_int_equal(fa_csv_next(f->r, &fields, &f->err), FA_EPARSE);
    assert_null(fields);
    expect_error(f, FA_EPARSE, 2, 2, "expected 2 fields, got 1");
}

static void csv__free_accepts_null(void **state)
{
    (void)state;
    fa_csv_reader_free(NULL);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        TEST(csv__reads_header_and_records),
        TEST(csv__end_of_file_is_returned_again),
        TEST(csv__header_only_file_has_no_records),
        TEST(csv__header_without_line_end_is_read),
        TEST(csv__quoted_field_with_doubled_quotes),
        TEST(csv__quoted_field_with_delimiter),
        TEST(csv__quoted_header_names),
        TEST(csv__embedded_newline_advances_line_numbers),
        TEST(csv__crlf_line_ends),
        TEST(csv__lone_cr_ends_a_line),
        TEST(csv__utf8_bom_is_skipped),
        TEST(csv__bom_only_in_the_first_bytes),
        TEST(csv__utf16_is_refused_with_the_reason),
        TEST(csv__semicolon_delimiter),
        TEST(csv__tab_delimiter),
        TEST(csv__null_options_and_zero_delimiter_mean_comma),
        TEST(csv__quote_or_line_end_cannot_be_the_delimiter),
        TEST(csv__blank_lines_are_skipped),
        TEST(csv__last_record_without_line_end),
        TEST(csv__last_quoted_field_without_line_end),
        TEST(csv__empty_fields),
        TEST(csv__one_column_quoted_empty_value_is_a_record),
        TEST(csv__spaces_are_kept),
        TEST(csv__many_columns_are_indexed),
        TEST(csv__bytes_read_follows_the_records),
        TEST(csv__value_is_missing),
        TEST(csv__fixture_file_with_bom_crlf_and_quotes),
        TEST(csv__record_longer_than_the_buffer),
        TEST(csv__every_buffer_boundary_gives_the_same_records),
        TEST(csv__record_of_exactly_max_line_bytes_is_accepted),
        TEST(csv__range_reader_reads_only_its_bytes),
        TEST(csv__range_reader_reports_faults_in_its_range),
        TEST(csv__missing_file_cannot_be_opened),
        TEST(csv__directory_cannot_be_read),
        TEST(csv__error_record_may_be_null),
        TEST(csv__empty_file_has_no_header),
        TEST(csv__bom_and_blank_lines_only_is_an_empty_file),
        TEST(csv__duplicate_column_name),
        TEST(csv__duplicate_quoted_column_name_on_a_later_line),
        TEST(csv__empty_column_name),
        TEST(csv__row_with_too_few_fields),
        TEST(csv__row_with_too_few_fields_at_end_of_file),
        TEST(csv__row_with_too_many_fields),
        TEST(csv__one_column_row_with_two_fields),
        TEST(csv__unclosed_quote_at_end_of_file),
        TEST(csv__unclosed_quote_in_header),
        TEST(csv__quote_inside_unquoted_field),
        TEST(csv__text_after_closing_quote),
        TEST(csv__multibyte_character_after_closing_quote),
        TEST(csv__space_after_closing_quote),
        TEST(csv__record_longer_than_max_line_bytes),
        TEST(csv__header_longer_than_max_line_bytes),
        TEST(csv__nul_byte_in_input),
        TEST(csv__nul_byte_inside_quotes_and_in_header),
        TEST(csv__error_is_repeated_after_failure),
        TEST(csv__free_accepts_null),
    };
    return cmocka_run_group_tests_name("csv", tests, NULL, NULL);
}
