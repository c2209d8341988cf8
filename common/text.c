/*
 * common/text.c - UTF-8 validation, shortest round-trip number formatting, strict number
 * parsing. One formatting helper for every output, so the same double always prints the
 * same way (deterministic output, and JSON that reads back bit for bit).
 */
#include "common/text.h"

#include <math.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

int fa_utf8_valid(const char *s, size_t len, size_t *bad)
{
    const unsigned char *u = (const unsigned char *)s;
    size_t i = 0;
    while (i < len) {
        unsigned char c = u[i];
        if (c < 0x80) {
            i++;
            continue;
        }
        size_t n;
        uint32_t cp;
        if ((c & 0xE0) == 0xC0) {
            n = 2;
            cp = c & 0x1Fu;
        } else if ((c & 0xF0) == 0xE0) {
            n = 3;
            cp = c & 0x0Fu;
        } else if ((c & 0xF8) == 0xF0) {
            n = 4;
            cp = c & 0x07u;
        } else {
            goto fail;
        }
        if (n > len - i) {
            goto fail;
        }
        for (size_t k = 1; k < n; k++) {
            if ((u[i + k] & 0xC0) != 0x80) {
                goto fail;
            }
            cp = (cp << 6) | (u[i + k] & 0x3Fu);
        }
        if ((n == 2 && cp < 0x80) || (n == 3 && cp < 0x800) || (n == 4 && cp < 0x10000) ||
            (cp >= 0xD800 && cp <= 0xDFFF) || cp > 0x10FFFF) {
            goto fail;
        }
        i += n;
    }
    return 1;
fail:
    if (bad) {
        *bad = i;
    }
    return 0;
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
    /* strtod accepts hex floats, "inf" and "nan": none of them is a number in a CSV cell */
    for (size_t i = 0; i < len; i++) {
        char c = s[i];
        if (!((c >= '0' && c <= '9') || c == '.' || c == '-' || c == '+' || c == 'e' ||
              c == 'E')) {
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
