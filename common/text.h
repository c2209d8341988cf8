/* common/text.h - UTF-8 checks and number formatting shared by every layer. */
#ifndef FA_COMMON_TEXT_H
#define FA_COMMON_TEXT_H

#include <stddef.h>
#include <stdint.h>

/* Length (1..4) of the valid UTF-8 sequence at s, or 0 when it is not valid UTF-8 (overlong
 * forms, surrogates and code points past U+10FFFF are not). */
size_t fa_utf8_char_len(const unsigned char *s, size_t avail);

/* 1 when s[0..len) is valid UTF-8; otherwise 0 and *bad (if non-NULL) = offset of the fault. */
int fa_utf8_valid(const char *s, size_t len, size_t *bad);

/*
 * Formats v with the fewest significant digits (up to 17) that read back to the same double;
 * NAN and infinities give "null". Returns the length written (buf has at least 32 bytes).
 */
int fa_format_double(char *buf, size_t size, double v);

/*
 * Parses a whole field as a finite double (strtod in the C locale, no trailing garbage,
 * leading/trailing spaces allowed). Returns 0 on success, -1 otherwise.
 */
int fa_parse_double(const char *s, size_t len, double *out);

/* The 1-based line and column (bytes) of `at` in text (at >= text), for parse errors. */
void fa_text_locate(const char *text, const char *at, uint64_t *line, uint64_t *col);

/* "4 GiB", "1.5 MiB", "100 bytes": bytes in binary units, for messages. Returns buf. */
char *fa_format_bytes(char *buf, size_t size, size_t bytes);

/*
 * Parses a size as a user writes it: "4G", "4GiB", "512M", "1.5g", "100000" (bytes); K, M,
 * G, T are powers of 1024. 0 on success; -1 for anything else, or a size below one byte.
 */
int fa_parse_bytes(const char *s, size_t *out);

#endif
