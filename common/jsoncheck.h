/* common/jsoncheck.h - strict JSON syntax check with exact error positions (libc only). */
#ifndef FA_COMMON_JSONCHECK_H
#define FA_COMMON_JSONCHECK_H

#include <stddef.h>

#include "include/fairaudit.h"

/* The nesting depth every fairaudit JSON reader accepts (its files nest a few levels). */
#define FA_JSON_MAX_DEPTH 64

/*
 * Checks that text[0..len) is one JSON value (RFC 8259) nested at most max_depth levels,
 * before a reader parses it with cJSON. On a fault returns FA_EPARSE with err located at
 * name:line:column (1-based, bytes) and a message saying what was expected and what was
 * found: "invalid JSON: expected ',' or '}', found \"]\"", "NaN is not a JSON number",
 * "the number \"1e999\" is out of range", "invalid UTF-8 (byte 0xE9) inside a string", a
 * trailing comma, a truncated text, a byte order mark, NUL bytes, too deep nesting.
 * Duplicate keys are the reader's concern (it knows the JSON path). FA_ENOMEM on allocation
 * failure (max_depth > 64 only).
 */
int fa_json_check(const char *text, size_t len, const char *name, unsigned max_depth,
                  fa_error *err);

#endif
