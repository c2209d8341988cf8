/* common/sha256.h - SHA-256 (FIPS 180-4) of memory and of files, for the report's provenance. */
#ifndef FA_COMMON_SHA256_H
#define FA_COMMON_SHA256_H

#include <stddef.h>
#include <stdint.h>

#include "include/fairaudit.h"

/* A running hash: fa_sha256_init, fa_sha256_update any number of times, fa_sha256_final. */
typedef struct fa_sha256 {
    uint32_t h[8];
    uint64_t bytes; /* hashed so far */
    unsigned char buf[64];
    size_t n_buf;
    int hw; /* 1: the x86 SHA extensions, detected at init */
} fa_sha256;

void fa_sha256_init(fa_sha256 *s);
void fa_sha256_update(fa_sha256 *s, const void *data, size_t len);
/* The digest (32 bytes); s is spent afterwards. */
void fa_sha256_final(fa_sha256 *s, unsigned char digest[32]);
/* The digest as 64 lower-case hex digits and a NUL. */
void fa_sha256_hex(char hex[65], const unsigned char digest[32]);
/* SHA-256 of a whole file as hex, and its size in bytes. FA_EIO when it cannot be read. */
int fa_sha256_file(char hex[65], uint64_t *bytes, const char *path, fa_error *err);

/* For tests: 1 when this CPU has the SHA extensions (then both code paths can be compared),
 * and the portable path forced on a running hash (call right after fa_sha256_init). */
int fa_sha256__hw_available(void);
void fa_sha256__force_portable(fa_sha256 *s);

#endif
