/*
 * common/error.c - the error record.
 *
 * One fixed-size record owned by the caller carries status, location and message; nothing
 * here allocates, so out-of-memory errors can be reported too. Messages are formatted the
 * way compilers do ("path:line:column: error: ..."), so editors and CI systems link them.
 */
#define FA_ERROR_IMPL /* the definitions below, not the analyzer macros of error.h */
#include "common/error.h"

#include <stdarg.h>
#include <stdio.h>
#include <string.h>

#include "common/text.h"

static void copy_str(char *dst, size_t size, const char *src)
{
    if (src == NULL) {
        dst[0] = '\0';
        return;
    }
    size_t n = strlen(src);
    if (n >= size) {
        n = size - 1;
    }
    memcpy(dst, src, n);
    dst[n] = '\0';
}

void fa_error_clear(fa_error *err)
{
    if (err == NULL) {
        return;
    }
    err->status = FA_OK;
    err->path[0] = '\0';
    err->line = 0;
    err->column = 0;
    err->json_path[0] = '\0';
    err->message[0] = '\0';
}

int fa_error_set(fa_error *err, int status, const char *path, uint64_t line, uint64_t column,
                 const char *fmt, ...)
{
    if (err == NULL) {
        return status;
    }
    err->status = status;
    copy_str(err->path, sizeof err->path, path);
    err->line = line;
    err->column = column;
    err->json_path[0] = '\0';
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(err->message, sizeof err->message, fmt, ap);
    va_end(ap);
    return status;
}

int fa_error_set_json(fa_error *err, int status, const char *path, const char *json_path,
                      const char *fmt, ...)
{
    if (err == NULL) {
        return status;
    }
    err->status = status;
    copy_str(err->path, sizeof err->path, path);
    err->line = 0;
    err->column = 0;
    copy_str(err->json_path, sizeof err->json_path, json_path);
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(err->message, sizeof err->message, fmt, ap);
    va_end(ap);
    return status;
}

int fa_error_format(char *buf, size_t size, const fa_error *err)
{
    if (err == NULL) {
        return snprintf(buf, size, "error: unknown error");
    }
    const char *msg = err->message[0] ? err->message : fa_status_name(err->status);
    if (err->path[0] && err->line > 0) {
        if (err->column > 0) {
            return snprintf(buf, size, "%s:%llu:%llu: error: %s", err->path,
                            (unsigned long long)err->line, (unsigned long long)err->column, msg);
        }
        return snprintf(buf, size, "%s:%llu: error: %s", err->path, (unsigned long long)err->line,
                        msg);
    }
    if (err->path[0] && err->json_path[0]) {
        return snprintf(buf, size, "%s: error: %s: %s", err->path, err->json_path, msg);
    }
    if (err->json_path[0]) {
        return snprintf(buf, size, "error: %s: %s", err->json_path, msg);
    }
    if (err->path[0]) {
        return snprintf(buf, size, "%s: error: %s", err->path, msg);
    }
    return snprintf(buf, size, "error: %s", msg);
}

const char *fa_status_name(int status)
{
    switch (status) {
    case FA_OK:
        return "success";
    case FA_ENOMEM:
        return "out of memory";
    case FA_EIO:
        return "input/output error";
    case FA_EPARSE:
        return "parse error";
    case FA_EINVAL:
        return "invalid argument";
    case FA_EDOMAIN:
        return "value out of domain";
    case FA_EINTERNAL:
        return "internal error";
    default:
        return "unknown status";
    }
}

/* Characters that print as nothing (a byte order mark in the middle of a file, zero-width
 * spaces, bidirectional controls): quoted as \uXXXX so an error message shows them. The three
 * bytes are a valid UTF-8 sequence. */
static int invisible_format_char(const unsigned char *s)
{
    unsigned cp = ((s[0] & 0x0Fu) << 12) | ((s[1] & 0x3Fu) << 6) | (s[2] & 0x3Fu);
    return cp == 0xFEFF || (cp >= 0x200B && cp <= 0x200F) || (cp >= 0x2028 && cp <= 0x202E) ||
           (cp >= 0x2060 && cp <= 0x2064) || (cp >= 0x2066 && cp <= 0x2069);
}

char *fa_error_quote(char *buf, size_t size, const char *data, size_t len)
{
    const size_t shown_max = 40;
    size_t o = 0;
    if (size < 8) {
        if (size > 0) {
            buf[0] = '\0';
        }
        return buf;
    }
    const unsigned char *s = (const unsigned char *)data;
    buf[o++] = '"';
    size_t i = 0, shown = 0;
    while (i < len && shown < shown_max) {
        size_t n = fa_utf8_char_len(s + i, len - i);
        char tmp[8];
        size_t tl;
        if (n == 1 && (s[i] < 0x20 || s[i] == 0x7F)) {
            tl = (size_t)snprintf(tmp, sizeof tmp, "\\x%02X", s[i]);
        } else if (n == 1 && (s[i] == '"' || s[i] == '\\')) {
            tmp[0] = '\\';
            tmp[1] = (char)s[i];
            tl = 2;
        } else if (n == 0) {
            tl = (size_t)snprintf(tmp, sizeof tmp, "\\x%02X", s[i]);
            n = 1;
        } else if (n == 3 && invisible_format_char(s + i)) {
            unsigned cp = ((s[i] & 0x0Fu) << 12) | ((s[i + 1] & 0x3Fu) << 6) | (s[i + 2] & 0x3Fu);
            tl = (size_t)snprintf(tmp, sizeof tmp, "\\u%04X", cp);
        } else {
            memcpy(tmp, s + i, n);
            tl = n;
        }
        if (o + tl + 5 >= size) {
            break;
        }
        memcpy(buf + o, tmp, tl);
        o += tl;
        i += n;
        shown++;
    }
    if (i < len && o + 4 < size) {
        memcpy(buf + o, "...", 3);
        o += 3;
    }
    buf[o++] = '"';
    buf[o] = '\0';
    return buf;
}
