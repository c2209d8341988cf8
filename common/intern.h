/*
 * common/intern.h - string interning: each distinct byte string gets a dense index.
 * Used for group values, so per-row work is one hash and one compare.
 */
#ifndef FA_COMMON_INTERN_H
#define FA_COMMON_INTERN_H

#include <stddef.h>
#include <stdint.h>

typedef struct fa_intern {
    char **strs;      /* index -> NUL-terminated copy */
    size_t *lens;     /* index -> length */
    uint64_t *hashes; /* index -> hash */
    size_t n, cap;
    uint32_t *slots; /* open addressing: index + 1, 0 = empty */
    size_t n_slots;  /* power of two */
} fa_intern;

/* Initialises an empty table in caller storage. */
void fa_intern_init(fa_intern *t);

/* Frees what the table owns. NULL-safe; the table is empty afterwards. */
void fa_intern_dispose(fa_intern *t);

/* Hash of bytes as the table computes it. */
uint64_t fa_intern_hash(const char *s, size_t len);

/* Finds s or adds it; *idx receives its index. Returns 0, or -1 when memory is short. */
int fa_intern_get(fa_intern *t, const char *s, size_t len, size_t *idx);

/* Index of s, or -1 when absent. */
long fa_intern_find(const fa_intern *t, const char *s, size_t len);

/* Number of strings. */
static inline size_t fa_intern_count(const fa_intern *t)
{
    return t->n;
}

/* String i (NUL-terminated, borrowed). */
static inline const char *fa_intern_str(const fa_intern *t, size_t i)
{
    return t->strs[i];
}

/* Length of string i. */
static inline size_t fa_intern_len(const fa_intern *t, size_t i)
{
    return t->lens[i];
}

#endif
