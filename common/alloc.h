/* common/alloc.h - checked allocation: size arithmetic never overflows silently. */
#ifndef FA_COMMON_ALLOC_H
#define FA_COMMON_ALLOC_H

#include <stddef.h>

/* malloc(n * size), or NULL when the product overflows or memory is short. */
void *fa_alloc_array(size_t n, size_t size);

/* calloc(n, size), or NULL (calloc checks the product itself). */
void *fa_calloc_array(size_t n, size_t size);

/* realloc(p, n * size), or NULL (p is then untouched) when it overflows or memory is short. */
void *fa_realloc_array(void *p, size_t n, size_t size);

/* A NUL-terminated copy of len bytes, or NULL. */
char *fa_strndup(const char *s, size_t len);

/* A copy of a NUL-terminated string (NULL gives NULL). */
char *fa_strdup(const char *s);

/*
 * Grows *p (an array of *cap elements of `size` bytes) so it holds at least `need`
 * elements, doubling. Returns 0, or -1 on overflow or out of memory (then *p is unchanged).
 */
int fa_grow(void **p, size_t *cap, size_t need, size_t size);

#endif
