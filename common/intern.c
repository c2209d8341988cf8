/*
 * common/intern.c - string interning with open addressing.
 *
 * Group columns hold few distinct values (tens to thousands) repeated over millions of rows,
 * so the table is small and hot in cache: a 64-bit FNV-1a hash, linear probing over a power
 * of two number of slots kept at most half full, and the full hash stored per string so a
 * probe compares bytes only on a hash match.
 */
#include "common/intern.h"

#include <stdlib.h>
#include <string.h>

#include "common/alloc.h"

void fa_intern_init(fa_intern *t)
{
    memset(t, 0, sizeof *t);
}

void fa_intern_dispose(fa_intern *t)
{
    if (t == NULL) {
        return;
    }
    for (size_t i = 0; i < t->n; i++) {
        free(t->strs[i]);
    }
    free(t->strs);
    free(t->lens);
    free(t->hashes);
    free(t->slots);
    memset(t, 0, sizeof *t);
}

uint64_t fa_intern_hash(const char *s, size_t len)
{
    uint64_t h = 0xcbf29ce484222325u;
    for (size_t i = 0; i < len; i++) {
        h ^= (unsigned char)s[i];
        h *= 0x100000001b3u;
    }
    return h;
}

static long probe(const fa_intern *t, const char *s, size_t len, uint64_t h, size_t *slot)
{
    size_t mask = t->n_slots - 1;
    size_t i = (size_t)h & mask;
    for (;;) {
        uint32_t v = t->slots[i];
        if (v == 0) {
            *slot = i;
            return -1;
        }
        size_t k = v - 1;
        if (t->hashes[k] == h && t->lens[k] == len && memcmp(t->strs[k], s, len) == 0) {
            *slot = i;
            return (long)k;
        }
        i = (i + 1) & mask;
    }
}

static int rehash(fa_intern *t, size_t n_slots)
{
    uint32_t *slots = fa_calloc_array(n_slots, sizeof *slots);
    if (slots == NULL) {
        return -1;
    }
    size_t mask = n_slots - 1;
    for (size_t k = 0; k < t->n; k++) {
        size_t i = (size_t)t->hashes[k] & mask;
        while (slots[i] != 0) {
            i = (i + 1) & mask;
        }
        slots[i] = (uint32_t)(k + 1);
    }
    free(t->slots);
    t->slots = slots;
    t->n_slots = n_slots;
    return 0;
}

long fa_intern_find(const fa_intern *t, const char *s, size_t len)
{
    if (t->n_slots == 0) {
        return -1;
    }
    size_t slot;
    return probe(t, s, len, fa_intern_hash(s, len), &slot);
}

int fa_intern_get(fa_intern *t, const char *s, size_t len, size_t *idx)
{
    uint64_t h = fa_intern_hash(s, len);
    size_t slot = 0;
    if (t->n_slots) {
        long k = probe(t, s, len, h, &slot);
        if (k >= 0) {
            *idx = (size_t)k;
            return 0;
        }
    }
    if (t->n >= UINT32_MAX - 1) {
        return -1;
    }
    if (2 * (t->n + 1) > t->n_slots) {
        if (rehash(t, t->n_slots ? 2 * t->n_slots : 16) != 0) {
            return -1;
        }
        (void)probe(t, s, len, h, &slot);
    }
    if (t->n == t->cap) {
        size_t cap = t->cap;
        void *p = t->strs;
        if (fa_grow(&p, &cap, t->n + 1, sizeof *t->strs) != 0) {
            return -1;
        }
        t->strs = p;
        p = t->lens;
        size_t cap2 = t->cap;
        if (fa_grow(&p, &cap2, t->n + 1, sizeof *t->lens) != 0) {
            return -1;
        }
        t->lens = p;
        p = t->hashes;
        size_t cap3 = t->cap;
        if (fa_grow(&p, &cap3, t->n + 1, sizeof *t->hashes) != 0) {
            return -1;
        }
        t->hashes = p;
        t->cap = cap;
    }
    char *copy = fa_strndup(s, len);
    if (copy == NULL) {
        return -1;
    }
    t->strs[t->n] = copy;
    t->lens[t->n] = len;
    t->hashes[t->n] = h;
    t->slots[slot] = (uint32_t)(t->n + 1);
    *idx = t->n++;
    return 0;
}
