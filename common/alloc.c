/*
 * common/alloc.c - checked allocation.
 *
 * Every array allocation goes through a multiplication that is checked for overflow, so a
 * hostile size (a header with 1e9 columns) becomes FA_ENOMEM instead of a short buffer.
 */
#include "common/alloc.h"

#include <stdint.h>
#include <stdlib.h>
#include <string.h>

void *fa_alloc_array(size_t n, size_t size)
{
    if (size != 0 && n > SIZE_MAX / size) {
        return NULL;
    }
    size_t total = n * size;
    return malloc(total ? total : 1);
}

void *fa_calloc_array(size_t n, size_t size)
{
    if (n == 0 || size == 0) {
        return calloc(1, 1);
    }
    return calloc(n, size);
}

void *fa_realloc_array(void *p, size_t n, size_t size)
{
    if (size != 0 && n > SIZE_MAX / size) {
        return NULL;
    }
    size_t total = n * size;
    return realloc(p, total ? total : 1);
}

char *fa_strndup(const char *s, size_t len)
{
    if (len == SIZE_MAX) {
        return NULL;
    }
    char *d = malloc(len + 1);
    if (d == NULL) {
        return NULL;
    }
    if (len) {
        memcpy(d, s, len);
    }
    d[len] = '\0';
    return d;
}

char *fa_strdup(const char *s)
{
    return s ? fa_strndup(s, strlen(s)) : NULL;
}

int fa_grow(void **p, size_t *cap, size_t need, size_t size)
{
    if (need <= *cap) {
        return 0;
    }
    size_t nc = *cap ? *cap : 8;
    while (nc < need) {
        if (nc > SIZE_MAX / 2) {
            return -1;
        }
        nc *= 2;
    }
    void *q = fa_realloc_array(*p, nc, size);
    if (q == NULL) {
        return -1;
    }
    *p = q;
    *cap = nc;
    return 0;
}
