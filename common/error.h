/* common/error.h - filling the caller's fa_error record. */
#ifndef FA_COMMON_ERROR_H
#define FA_COMMON_ERROR_H

#include <stddef.h>
#include <stdint.h>

#include "include/fairaudit.h"

#if defined(__GNUC__)
#define FA_PRINTF(a, b) __attribute__((format(printf, a, b)))
#else
#define FA_PRINTF(a, b)
#endif

/*
 * Fills err (NULL-safe) with a status, an optional location (path may be NULL, line and column
 * 0 when unknown) and a printf-style message; returns status so callers can
 * `return fa_error_set(...)`.
 */
int fa_error_set(fa_error *err, int status, const char *path, uint64_t line, uint64_t column,
                 const char *fmt, ...) FA_PRINTF(6, 7);

/* The same for an error inside a JSON document, located by its JSON path ("gates[2].max"). */
int fa_error_set_json(fa_error *err, int status, const char *path, const char *json_path,
                      const char *fmt, ...) FA_PRINTF(5, 6);

/*
 * For the static analyzer (clang-tidy, `make lint`) only: it cannot see across files that
 * fa_error_set returns its status argument, and then reports "null dereference" on every
 * `*out = NULL; ... return fa_error_set(err, FA_ENOMEM, ...)` path that the caller checks.
 * These macros say so; a compiled build never sees them.
 */
#if defined(__clang_analyzer__) && !defined(FA_ERROR_IMPL)
static inline int fa_error__returns(int status)
{
    return status;
}
#define fa_error_set(err, status, ...)                                                             \
    fa_error__returns((fa_error_set((err), (status), __VA_ARGS__), (status)))
#define fa_error_set_json(err, status, ...)                                                        \
    fa_error__returns((fa_error_set_json((err), (status), __VA_ARGS__), (status)))
#endif

/*
 * Writes a printable, double-quoted rendering of bytes into buf: printable ASCII and valid
 * UTF-8 as is, '"' and '\\' escaped, characters that print as nothing (U+FEFF, zero-width
 * and bidirectional controls) as \uXXXX, anything else as \xNN; truncated with "..." past
 * about 40 characters. Returns buf.
 */
char *fa_error_quote(char *buf, size_t size, const char *data, size_t len);

#endif
