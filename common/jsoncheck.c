/*
 * common/jsoncheck.c - a strict RFC 8259 syntax check of JSON text, run before any JSON
 * reader (policy, models, feature groups, baselines, saved results) hands the text to cJSON.
 *
 * cJSON says only where parsing stopped. Users of those files need more: what was expected,
 * what was found, and the line and column, for the mistakes hand-edited and machine-made JSON
 * really holds (NaN and Infinity from Python's json module, hexadecimal or out-of-range
 * numbers, single quotes, trailing commas, control characters and invalid UTF-8 inside
 * strings, truncated uploads, nesting that would exhaust a recursive parser). The check is
 * iterative (an explicit stack of at most max_depth bytes), so no input can overflow the
 * machine stack, and it reads each byte once.
 */
#include "common/jsoncheck.h"

#include <errno.h>
#include <math.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "common/error.h"
#include "common/text.h"

typedef struct jc {
    const char *text, *p, *end;
    const char *name;
    fa_error *err;
} jc;

static int fail_at(jc *c, const char *at, const char *fmt, ...) FA_PRINTF(3, 4);

static int fail_at(jc *c, const char *at, const char *fmt, ...)
{
    char msg[256];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(msg, sizeof msg, fmt, ap);
    va_end(ap);
    uint64_t line, col;
    fa_text_locate(c->text, at, &line, &col);
    return fa_error_set(c->err, FA_EPARSE, c->name, line, col, "%s", msg);
}

/* "found ..." for the text at p: the end of the text, or a short quoted excerpt. */
static int fail_found(jc *c, const char *at, const char *expected)
{
    if (at >= c->end) {
        return fail_at(c, c->end,
                       "invalid JSON: expected %s, found the end of the text (truncated?)",
                       expected);
    }
    size_t left = (size_t)(c->end - at);
    for (size_t k = 0; k < left; k++) { /* the excerpt stops at the end of its line */
        if (at[k] == '\n' || at[k] == '\r') {
            left = k;
            break;
        }
    }
    if (left == 0) {
        return fail_at(c, at, "invalid JSON: expected %s, found a line break", expected);
    }
    size_t n = left < 12 ? left : 12;
    while (n < left && n > 1 && ((unsigned char)at[n] & 0xC0) == 0x80) {
        n--; /* do not cut a UTF-8 character in two */
    }
    char q[80], msg[200];
    fa_error_quote(q, sizeof q - 4, at, n);
    size_t l = strlen(q);
    if (n < left && l >= 2) {
        memcpy(q + l - 1, "...\"", 5);
    }
    snprintf(msg, sizeof msg, "invalid JSON: expected %s, found %s", expected, q);
    return fail_at(c, at, "%s", msg);
}

static void skip_ws(jc *c)
{
    while (c->p < c->end && (*c->p == ' ' || *c->p == '\t' || *c->p == '\n' || *c->p == '\r')) {
        c->p++;
    }
}

static int starts(const jc *c, const char *word)
{
    size_t n = strlen(word);
    return (size_t)(c->end - c->p) >= n && memcmp(c->p, word, n) == 0;
}

static int is_digit(char ch)
{
    return ch >= '0' && ch <= '9';
}

static int hex_value(char ch)
{
    if (ch >= '0' && ch <= '9') {
        return ch - '0';
    }
    if (ch >= 'a' && ch <= 'f') {
        return ch - 'a' + 10;
    }
    if (ch >= 'A' && ch <= 'F') {
        return ch - 'A' + 10;
    }
    return -1;
}

/* \uXXXX at p (p points at the 'u'); returns the code unit or -1. */
static long read_u4(const jc *c, const char *p)
{
    if (c->end - p < 5) {
        return -1;
    }
    long v = 0;
    for (int i = 1; i <= 4; i++) {
        int h = hex_value(p[i]);
        if (h < 0) {
            return -1;
        }
        v = v * 16 + h;
    }
    return v;
}

static int check_string(jc *c)
{
    const char *start = c->p++; /* the opening quote */
    while (c->p < c->end) {
        unsigned char ch = (unsigned char)*c->p;
        if (ch == '"') {
            c->p++;
            return FA_OK;
        }
        if (ch == '\\') {
            const char *e = c->p + 1;
            if (e >= c->end) {
                break;
            }
            if (strchr("\"\\/bfnrt", *e) != NULL && *e != '\0') {
                c->p = e + 1;
                continue;
            }
            if (*e != 'u') {
                char q[16];
                return fail_at(c, c->p, "invalid JSON: invalid escape %s in a string",
                               fa_error_quote(q, sizeof q, c->p, 2));
            }
            long u = read_u4(c, e);
            if (u < 0) {
                return fail_at(c, c->p, "invalid JSON: %s",
                               "expected four hexadecimal digits after \\u");
            }
            if (u >= 0xD800 && u <= 0xDBFF) { /* a high surrogate needs its low half */
                long lo = (c->end - e >= 7 && e[5] == '\\' && e[6] == 'u') ? read_u4(c, e + 6) : -1;
                if (lo < 0xDC00 || lo > 0xDFFF) {
                    return fail_at(c, c->p, "invalid JSON: %s",
                                   "a \\u escape of a high surrogate without its low surrogate");
                }
                c->p = e + 11;
                continue;
            }
            if (u >= 0xDC00 && u <= 0xDFFF) {
                return fail_at(c, c->p, "invalid JSON: %s",
                               "a \\u escape of a low surrogate without its high surrogate");
            }
            c->p = e + 5;
            continue;
        }
        if (ch < 0x20) {
            char what[64];
            snprintf(what, sizeof what, "0x%02X", ch);
            return fail_at(c, c->p,
                           "invalid JSON: control character %s inside a string (escape it, e.g. "
                           "\\n or \\u00XX)",
                           what);
        }
        if (ch < 0x80) {
            c->p++;
            continue;
        }
        size_t n = fa_utf8_char_len((const unsigned char *)c->p, (size_t)(c->end - c->p));
        if (n == 0) {
            char what[16];
            snprintf(what, sizeof what, "0x%02X", ch);
            return fail_at(c, c->p, "invalid JSON: invalid UTF-8 (byte %s) inside a string", what);
        }
        c->p += n;
    }
    return fail_at(c, start, "invalid JSON: %s",
                   "a string that is never closed: the text ends inside it (truncated?)");
}

static int check_number(jc *c)
{
    const char *start = c->p;
    if (*c->p == '-') {
        c->p++;
    }
    if (c->p >= c->end || !is_digit(*c->p)) {
        if (starts(c, "Infinity")) {
            return fail_at(c, start, "invalid JSON: %s",
                           "-Infinity is not a JSON number (write null, or a finite number)");
        }
        return fail_found(c, c->p, "a digit after '-'");
    }
    if (*c->p == '0' && c->p + 1 < c->end &&
        (is_digit(c->p[1]) || c->p[1] == 'x' || c->p[1] == 'X')) {
        return fail_at(c, start, "invalid JSON: %s",
                       c->p[1] == 'x' || c->p[1] == 'X'
                           ? "hexadecimal numbers are not JSON (write the number in decimal)"
                           : "a number with a leading zero (JSON numbers do not start with 0 "
                             "followed by a digit)");
    }
    while (c->p < c->end && is_digit(*c->p)) {
        c->p++;
    }
    if (c->p < c->end && *c->p == '.') {
        c->p++;
        if (c->p >= c->end || !is_digit(*c->p)) {
            return fail_found(c, c->p, "a digit after the decimal point");
        }
        while (c->p < c->end && is_digit(*c->p)) {
            c->p++;
        }
    }
    if (c->p < c->end && (*c->p == 'e' || *c->p == 'E')) {
        c->p++;
        if (c->p < c->end && (*c->p == '+' || *c->p == '-')) {
            c->p++;
        }
        if (c->p >= c->end || !is_digit(*c->p)) {
            return fail_found(c, c->p, "a digit in the exponent");
        }
        while (c->p < c->end && is_digit(*c->p)) {
            c->p++;
        }
    }
    /* the value must fit a double: 1e999 would silently become infinity (or null) */
    char buf[64];
    size_t n = (size_t)(c->p - start);
    double v;
    if (n < sizeof buf) {
        memcpy(buf, start, n);
        buf[n] = '\0';
        v = strtod(buf, NULL);
    } else {
        char *big = malloc(n + 1);
        if (big == NULL) {
            return fa_error_set(c->err, FA_ENOMEM, c->name, 0, 0, "out of memory");
        }
        memcpy(big, start, n);
        big[n] = '\0';
        v = strtod(big, NULL);
        free(big);
    }
    if (isinf(v)) {
        char q[64];
        return fail_at(c, start,
                       "invalid JSON: the number %s is out of range (beyond the largest double, "
                       "about 1.8e308)",
                       fa_error_quote(q, sizeof q, start, n));
    }
    return FA_OK;
}

/* A scalar value at c->p (not an object or array). */
static int check_scalar(jc *c)
{
    char ch = *c->p;
    if (ch == '"') {
        return check_string(c);
    }
    if (ch == '-' || is_digit(ch)) {
        return check_number(c);
    }
    static const char *const words[] = {"true", "false", "null"};
    for (size_t i = 0; i < 3; i++) {
        if (starts(c, words[i])) {
            c->p += strlen(words[i]);
            return FA_OK;
        }
    }
    if (starts(c, "NaN") || starts(c, "nan")) {
        return fail_at(c, c->p, "invalid JSON: %s",
                       "NaN is not a JSON number (write null, or a number)");
    }
    if (starts(c, "Infinity") || starts(c, "inf")) {
        return fail_at(c, c->p, "invalid JSON: %s",
                       "Infinity is not a JSON number (write null, or a finite number)");
    }
    if (ch == '\'') {
        return fail_at(c, c->p, "invalid JSON: %s",
                       "a single-quoted string (JSON strings take double quotes)");
    }
    if (ch == '+') {
        return fail_at(c, c->p, "invalid JSON: %s",
                       "a number with a leading '+' (JSON numbers take no plus sign)");
    }
    if (ch == '.') {
        return fail_at(c, c->p, "invalid JSON: %s",
                       "a number starting with '.' (write 0. before the decimals)");
    }
    return fail_found(c, c->p, "a value (an object, array, string, number, true, false or null)");
}

int fa_json_check(const char *text, size_t len, const char *name, unsigned max_depth, fa_error *err)
{
    jc c = {text, text, text + len, name, err};
    if (len >= 3 && memcmp(text, "\xEF\xBB\xBF", 3) == 0) {
        return fail_at(&c, text, "invalid JSON: %s",
                       "a byte order mark (U+FEFF) before the text (save the file as UTF-8 "
                       "without BOM)");
    }
    if (len >= 2 && ((unsigned char)text[0] == 0xFF || (unsigned char)text[0] == 0xFE) &&
        ((unsigned char)text[1] == 0xFE || (unsigned char)text[1] == 0xFF)) {
        return fail_at(&c, text, "invalid JSON: %s",
                       "UTF-16 text (byte order mark FF FE or FE FF): save the file as UTF-8");
    }
    const char *nul = memchr(text, '\0', len);
    if (nul != NULL) {
        return fail_at(&c, nul, "%s", "NUL byte in JSON text");
    }
    skip_ws(&c);
    if (c.p >= c.end) {
        return fail_at(&c, c.p, "%s", "empty file: expected a JSON value");
    }
    /* stack[d] = '{' or '[' of each open container */
    char small[64];
    char *stack = max_depth <= sizeof small ? small : malloc(max_depth);
    if (stack == NULL) {
        return fa_error_set(err, FA_ENOMEM, name, 0, 0, "out of memory");
    }
    unsigned depth = 0;
    int st = FA_OK;
    /* state: 0 = expecting a value; 1 = after a value */
    int want_value = 1;
    for (;;) {
        skip_ws(&c);
        if (want_value) {
            if (c.p >= c.end) {
                st = fail_found(&c, c.p, "a value");
                break;
            }
            if (*c.p == '{' || *c.p == '[') {
                if (depth >= max_depth) {
                    char lim[32];
                    snprintf(lim, sizeof lim, "%u", max_depth);
                    st = fail_at(&c, c.p, "invalid JSON: nested deeper than %s levels", lim);
                    break;
                }
                stack[depth++] = *c.p;
                char open = *c.p++;
                skip_ws(&c);
                if (c.p < c.end && *c.p == (open == '{' ? '}' : ']')) {
                    c.p++;
                    depth--;
                    want_value = 0;
                    continue;
                }
                if (open == '{') {
                    if (c.p >= c.end || *c.p != '"') {
                        st = fail_found(&c, c.p, "a string key (in double quotes) or '}'");
                        break;
                    }
                    if ((st = check_string(&c)) != FA_OK) {
                        break;
                    }
                    skip_ws(&c);
                    if (c.p >= c.end || *c.p != ':') {
                        st = fail_found(&c, c.p, "':' after the key");
                        break;
                    }
                    c.p++;
                }
                continue; /* want_value stays 1 */
            }
            if ((st = check_scalar(&c)) != FA_OK) {
                break;
            }
            want_value = 0;
            continue;
        }
        /* after a value */
        if (depth == 0) {
            if (c.p < c.end) {
                st = fail_at(&c, c.p, "%s",
                             "invalid JSON: unexpected text after the top-level value");
            }
            break;
        }
        char open = stack[depth - 1];
        char close = open == '{' ? '}' : ']';
        if (c.p < c.end && *c.p == close) {
            c.p++;
            depth--;
            continue;
        }
        if (c.p < c.end && *c.p == ',') {
            c.p++;
            skip_ws(&c);
            if (c.p < c.end && *c.p == close) {
                st = fail_at(&c, c.p,
                             "invalid JSON: a comma before '%s' (trailing commas are not JSON)",
                             open == '{' ? "}" : "]");
                break;
            }
            if (open == '{') {
                if (c.p >= c.end || *c.p != '"') {
                    st = fail_found(&c, c.p, "a string key (in double quotes)");
                    break;
                }
                if ((st = check_string(&c)) != FA_OK) {
                    break;
                }
                skip_ws(&c);
                if (c.p >= c.end || *c.p != ':') {
                    st = fail_found(&c, c.p, "':' after the key");
                    break;
                }
                c.p++;
            }
            want_value = 1;
            continue;
        }
        st = fail_found(&c, c.p, open == '{' ? "',' or '}'" : "',' or ']'");
        break;
    }
    if (stack != small) {
        free(stack);
    }
    return st;
}
