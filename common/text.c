/*
 * common/text.c - UTF-8 validation, shortest round-trip number formatting, strict number
 * parsing. One formatting helper for every output, so the same double always prints the
 * same way (deterministic output, and JSON that reads back bit for bit).
 */
#include "common/text.h"

#include <errno.h>
#include <math.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

size_t fa_utf8_char_len(const unsigned char *s, size_t avail)
{
    unsigned char c = s[0];
    size_t n;
    uint32_t cp;
    if (c < 0x80) {
        return 1;
    } else if ((c & 0xE0) == 0xC0) {
        n = 2;
        cp = c & 0x1Fu;
    } else if ((c & 0xF0) == 0xE0) {
        n = 3;
        cp = c & 0x0Fu;
    } else if ((c & 0xF8) == 0xF0) {
        n = 4;
        cp = c & 0x07u;
    } else {
        return 0;
    }
    if (n > avail) {
        return 0;
    }
    for (size_t i = 1; i < n; i++) {
        if ((s[i] & 0xC0) != 0x80) {
            return 0;
        }
        cp = (cp << 6) | (s[i] & 0x3Fu);
    }
    if ((n == 2 && cp < 0x80) || (n == 3 && cp < 0x800) || (n == 4 && cp < 0x10000) ||
        (cp >= 0xD800 && cp <= 0xDFFF) || cp > 0x10FFFF) {
        return 0;
    }
    return n;
}

int fa_utf8_valid(const char *s, size_t len, size_t *bad)
{
    const unsigned char *u = (const unsigned char *)s;
    size_t i = 0;
    while (i < len) {
        if (u[i] < 0x80) { /* ASCII runs are the common case */
            i++;
            continue;
        }
        size_t n = fa_utf8_char_len(u + i, len - i);
        if (n == 0) {
            if (bad) {
                *bad = i;
            }
            return 0;
        }
        i += n;
    }
    return 1;
}

int fa_format_double(char *buf, size_t size, double v)
{
    if (!isfinite(v)) {
        return snprintf(buf, size, "null");
    }
    if (v == 0.0) {
        return snprintf(buf, size, "0");
    }
    int n = 0;
    for (int prec = 15; prec <= 17; prec++) {
        n = snprintf(buf, size, "%.*g", prec, v);
        if (strtod(buf, NULL) == v) {
            break;
        }
    }
    return n;
}

/*
 * Clinger's fast path: a decimal with at most 15 significant digits is an exact double m,
 * and 10^k for k <= 22 is exact too, so m * 10^k or m / 10^k is one correctly rounded
 * operation: the same double strtod gives, at a fraction of its cost. Anything else (more
 * digits, large exponents) goes to strtod.
 */
static const double POW10[23] = {1e0,  1e1,  1e2,  1e3,  1e4,  1e5,  1e6,  1e7,
                                 1e8,  1e9,  1e10, 1e11, 1e12, 1e13, 1e14, 1e15,
                                 1e16, 1e17, 1e18, 1e19, 1e20, 1e21, 1e22};

static int fast_path(const char *s, size_t len, double *out)
{
    size_t i = 0;
    int neg = 0;
    if (i < len && (s[i] == '-' || s[i] == '+')) {
        neg = s[i] == '-';
        i++;
    }
    uint64_t m = 0;
    int digits = 0, frac = 0, any = 0;
    while (i < len && s[i] >= '0' && s[i] <= '9') {
        if (m || s[i] != '0') {
            digits++;
        }
        m = m * 10 + (uint64_t)(s[i] - '0');
        any = 1;
        i++;
        if (digits > 15) {
            return -1;
        }
    }
    if (i < len && s[i] == '.') {
        i++;
        while (i < len && s[i] >= '0' && s[i] <= '9') {
            if (m || s[i] != '0') {
                digits++;
            }
            m = m * 10 + (uint64_t)(s[i] - '0');
            frac++;
            any = 1;
            i++;
            if (digits > 15) {
                return -1;
            }
        }
    }
    if (!any || i != len || frac > 22) {
        return -1; /* exponents, junk or too many decimals: let strtod decide */
    }
    double v = (double)m / POW10[frac];
    *out = neg ? -v : v;
    return 0;
}

int fa_parse_double(const char *s, size_t len, double *out)
{
    char tmp[128];
    while (len > 0 && (*s == ' ' || *s == '\t')) {
        s++;
        len--;
    }
    while (len > 0 && (s[len - 1] == ' ' || s[len - 1] == '\t')) {
        len--;
    }
    if (len == 0 || len >= sizeof tmp) {
        return -1;
    }
    if (fast_path(s, len, out) == 0) {
        return 0;
    }
    /* strtod accepts hex floats, "inf" and "nan": none of them is a number in a CSV cell */
    for (size_t i = 0; i < len; i++) {
        char c = s[i];
        if (!((c >= '0' && c <= '9') || c == '.' || c == '-' || c == '+' || c == 'e' || c == 'E')) {
            return -1;
        }
    }
    memcpy(tmp, s, len);
    tmp[len] = '\0';
    char *end;
    double v = strtod(tmp, &end);
    if (end != tmp + len || !isfinite(v)) {
        return -1;
    }
    *out = v;
    return 0;
}

void fa_text_locate(const char *text, const char *at, uint64_t *line, uint64_t *col)
{
    *line = 1;
    *col = 1;
    for (const char *p = text; p < at; p++) {
        if (*p == '\n') {
            (*line)++;
            *col = 1;
        } else {
            (*col)++;
        }
    }
}

char *fa_format_bytes(char *buf, size_t size, size_t bytes)
{
    static const char *const UNITS[] = {"bytes", "KiB", "MiB", "GiB", "TiB", "PiB", "EiB"};
    double v = (double)bytes;
    size_t u = 0;
    while (v >= 1024.0 && u + 1 < sizeof UNITS / sizeof UNITS[0]) {
        v /= 1024.0;
        u++;
    }
    if (u == 0 || v == (double)(uint64_t)v) {
        snprintf(buf, size, "%.0f %s", v, UNITS[u]);
    } else {
        snprintf(buf, size, "%.3g %s", v, UNITS[u]);
    }
    return buf;
}

int fa_parse_bytes(const char *s, size_t *out)
{
    char *end;
    errno = 0;
    double v = strtod(s, &end);
    if (end == s || errno != 0 || !(v >= 0) || isinf(v)) {
        return -1;
    }
    double mult = 1;
    switch (*end) {
    case 'k':
    case 'K':
        mult = 1024.0;
        break;
    case 'm':
    case 'M':
        mult = 1024.0 * 1024.0;
        break;
    case 'g':
    case 'G':
        mult = 1024.0 * 1024.0 * 1024.0;
        break;
    case 't':
    case 'T':
        mult = 1024.0 * 1024.0 * 1024.0 * 1024.0;
        break;
    default:
        break;
    }
    if (mult > 1) {
        end++;
        if (*end == 'i' || *end == 'I') {
            end++;
        }
    }
    if (*end == 'b' || *end == 'B') {
        end++;
    }
    if (*end != '\0') {
        return -1;
    }
    v *= mult;
    if (v < 1 || v >= 18446744073709551615.0 || v > (double)SIZE_MAX) {
        return -1;
    }
    *out = (size_t)v;
    return 0;
}
