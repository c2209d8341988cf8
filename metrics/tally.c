/*
 * metrics/tally.c - per-group confusion counts for each sensitive attribute, and for the
 * intersection of all of them: the sufficient statistics of every count-based metric.
 *
 * Group values are interned (common/intern.c), so a row costs one hash probe per attribute.
 * The intersection is keyed by the tuple of the row's group indices (interned as raw bytes),
 * and its display value ("Black & Female") is built once, when the combination first appears.
 * Tallies merge group by group, matched by value, so the tally of shards equals the tally of
 * the whole: the property that lets a file be counted in parallel chunks.
 */
#include <stdlib.h>
#include <string.h>

#include "common/alloc.h"
#include "common/error.h"
#include "common/intern.h"
#include "include/fairaudit.h"

#define SEP " & "
#define SMALL_CACHE 16
#define COMBO_BITS 21 /* members per packed intersection key: 3 x 21 bits */

typedef struct attr_tally {
    char *name;
    fa_intern values;  /* group value -> index */
    fa_counts *counts; /* index -> counts */
    size_t cap;
    /* values of at most 8 bytes, packed into an integer: a row's lookup is a short scan of
     * integer compares instead of a hash and a memcmp (group columns hold few short values) */
    uint64_t small_keys[SMALL_CACHE];
    uint32_t small_idx[SMALL_CACHE];
    unsigned char small_len[SMALL_CACHE];
    size_t n_small;
} attr_tally;

struct fa_tally {
    size_t n_base;     /* sensitive attributes */
    int intersect;     /* 1 when attrs[n_base] is the intersection */
    attr_tally *attrs; /* n_base + intersect */
    fa_intern tuples;     /* intersection: raw bytes of the members' uint32 indices -> k */
    size_t *tuple_group;  /* k -> group index in attrs[n_base] */
    size_t tuple_cap;
    uint32_t *tuple;      /* scratch: the current row's member indices */
    /* packed member indices (up to 3 attributes) -> intersection group: open addressing */
    uint64_t *combo_keys; /* key + 1; 0 = empty */
    uint32_t *combo_vals;
    size_t n_combo_slots, n_combos;
    fa_counts overall;
};

static void attr_dispose(attr_tally *a)
{
    free(a->name);
    fa_intern_dispose(&a->values);
    free(a->counts);
}

void fa_tally_free(fa_tally *t)
{
    if (t == NULL) {
        return;
    }
    if (t->attrs) {
        for (size_t a = 0; a < t->n_base + (size_t)t->intersect; a++) {
            attr_dispose(&t->attrs[a]);
        }
    }
    free(t->attrs);
    fa_intern_dispose(&t->tuples);
    free(t->tuple_group);
    free(t->tuple);
    free(t->combo_keys);
    free(t->combo_vals);
    free(t);
}

int fa_tally_create(fa_tally **out, const char *const attrs[], size_t n_attrs, int intersect,
                    fa_error *err)
{
    *out = NULL;
    fa_tally *t = calloc(1, sizeof *t);
    if (t == NULL) {
        return fa_error_set(err, FA_ENOMEM, NULL, 0, 0, "out of memory");
    }
    t->n_base = n_attrs;
    t->intersect = intersect && n_attrs >= 2;
    size_t total = n_attrs + (size_t)t->intersect;
    t->attrs = fa_calloc_array(total, sizeof *t->attrs);
    t->tuple = fa_calloc_array(n_attrs ? n_attrs : 1, sizeof *t->tuple);
    fa_intern_init(&t->tuples);
    if (t->attrs == NULL || t->tuple == NULL) {
        fa_tally_free(t);
        return fa_error_set(err, FA_ENOMEM, NULL, 0, 0, "out of memory");
    }
    for (size_t a = 0; a < total; a++) {
        fa_intern_init(&t->attrs[a].values);
    }
    size_t name_len = 0;
    for (size_t a = 0; a < n_attrs; a++) {
        t->attrs[a].name = fa_strdup(attrs[a]);
        if (t->attrs[a].name == NULL) {
            fa_tally_free(t);
            return fa_error_set(err, FA_ENOMEM, NULL, 0, 0, "out of memory");
        }
        name_len += strlen(attrs[a]) + strlen(SEP);
    }
    if (t->intersect) {
        char *name = malloc(name_len + 1);
        if (name == NULL) {
            fa_tally_free(t);
            return fa_error_set(err, FA_ENOMEM, NULL, 0, 0, "out of memory");
        }
        name[0] = '\0';
        for (size_t a = 0; a < n_attrs; a++) {
            if (a) {
                strcat(name, SEP);
            }
            strcat(name, attrs[a]);
        }
        t->attrs[n_attrs].name = name;
    }
    *out = t;
    return FA_OK;
}

/* Index of value s in attribute a, adding the group (with zero counts) when new. */
static int group_index(attr_tally *at, const char *s, size_t len, size_t *idx)
{
    if (fa_intern_get(&at->values, s, len, idx) != 0) {
        return -1;
    }
    if (*idx >= at->cap) {
        size_t old = at->cap;
        void *p = at->counts;
        if (fa_grow(&p, &at->cap, *idx + 1, sizeof *at->counts) != 0) {
            return -1;
        }
        at->counts = p;
        memset(at->counts + old, 0, (at->cap - old) * sizeof *at->counts);
    }
    return 0;
}

/* Index of the intersection group for the current t->tuple, creating it when new. */
static int tuple_index(fa_tally *t, size_t *idx)
{
    size_t key_len = t->n_base * sizeof *t->tuple;
    size_t before = fa_intern_count(&t->tuples), k;
    if (fa_intern_get(&t->tuples, (const char *)t->tuple, key_len, &k) != 0) {
        return -1;
    }
    if (fa_intern_count(&t->tuples) == before) {
        *idx = t->tuple_group[k];
        return 0;
    }
    void *p = t->tuple_group;
    if (fa_grow(&p, &t->tuple_cap, k + 1, sizeof *t->tuple_group) != 0) {
        return -1;
    }
    t->tuple_group = p;
    /* a new combination: its display value joins the member values */
    size_t len = 0;
    for (size_t a = 0; a < t->n_base; a++) {
        len += fa_intern_len(&t->attrs[a].values, t->tuple[a]) + (a ? strlen(SEP) : 0);
    }
    char *s = malloc(len + 1);
    if (s == NULL) {
        return -1;
    }
    size_t o = 0;
    for (size_t a = 0; a < t->n_base; a++) {
        if (a) {
            memcpy(s + o, SEP, strlen(SEP));
            o += strlen(SEP);
        }
        size_t l = fa_intern_len(&t->attrs[a].values, t->tuple[a]);
        memcpy(s + o, fa_intern_str(&t->attrs[a].values, t->tuple[a]), l);
        o += l;
    }
    s[o] = '\0';
    int rc = group_index(&t->attrs[t->n_base], s, len, idx);
    free(s);
    if (rc != 0) {
        return -1;
    }
    t->tuple_group[k] = *idx;
    return 0;
}

static uint64_t pack8(const char *s, size_t len)
{
    uint64_t k = 0;
    memcpy(&k, s, len);
    return k;
}

/* Group index of a row's value: the small-value cache first, then the interning table. */
static int lookup(attr_tally *at, const char *s, size_t len, size_t *idx)
{
    uint64_t key = 0;
    if (len <= 8) {
        key = pack8(s, len);
        for (size_t i = 0; i < at->n_small; i++) {
            if (at->small_keys[i] == key && at->small_len[i] == len) {
                *idx = at->small_idx[i];
                return 0;
            }
        }
    }
    if (group_index(at, s, len, idx) != 0) {
        return -1;
    }
    if (len <= 8 && at->n_small < SMALL_CACHE) {
        at->small_keys[at->n_small] = key;
        at->small_len[at->n_small] = (unsigned char)len;
        at->small_idx[at->n_small] = (uint32_t)*idx;
        at->n_small++;
    }
    return 0;
}

static uint64_t mix64(uint64_t x)
{
    x ^= x >> 33;
    x *= 0xff51afd7ed558ccdu;
    x ^= x >> 33;
    return x;
}

static int combo_rehash(fa_tally *t, size_t n_slots)
{
    uint64_t *keys = fa_calloc_array(n_slots, sizeof *keys);
    uint32_t *vals = fa_calloc_array(n_slots, sizeof *vals);
    if (keys == NULL || vals == NULL) {
        free(keys);
        free(vals);
        return -1;
    }
    for (size_t i = 0; i < t->n_combo_slots; i++) {
        if (t->combo_keys[i]) {
            size_t j = (size_t)mix64(t->combo_keys[i] - 1) & (n_slots - 1);
            while (keys[j]) {
                j = (j + 1) & (n_slots - 1);
            }
            keys[j] = t->combo_keys[i];
            vals[j] = t->combo_vals[i];
        }
    }
    free(t->combo_keys);
    free(t->combo_vals);
    t->combo_keys = keys;
    t->combo_vals = vals;
    t->n_combo_slots = n_slots;
    return 0;
}

/* Intersection group of the current t->tuple: the packed-key map in front of tuple_index. */
static int combo_index(fa_tally *t, size_t *idx)
{
    uint64_t key = 0;
    int packable = t->n_base <= 3;
    for (size_t a = 0; a < t->n_base && packable; a++) {
        packable = t->tuple[a] < (1u << COMBO_BITS);
        key |= (uint64_t)t->tuple[a] << (COMBO_BITS * a);
    }
    if (!packable) {
        return tuple_index(t, idx);
    }
    size_t j = 0;
    if (t->n_combo_slots) {
        j = (size_t)mix64(key) & (t->n_combo_slots - 1);
        while (t->combo_keys[j]) {
            if (t->combo_keys[j] == key + 1) {
                *idx = t->combo_vals[j];
                return 0;
            }
            j = (j + 1) & (t->n_combo_slots - 1);
        }
    }
    if (tuple_index(t, idx) != 0) {
        return -1;
    }
    if (2 * (t->n_combos + 1) > t->n_combo_slots) {
        if (combo_rehash(t, t->n_combo_slots ? 2 * t->n_combo_slots : 64) != 0) {
            return -1;
        }
        j = (size_t)mix64(key) & (t->n_combo_slots - 1);
        while (t->combo_keys[j]) {
            j = (j + 1) & (t->n_combo_slots - 1);
        }
    }
    t->combo_keys[j] = key + 1;
    t->combo_vals[j] = (uint32_t)*idx;
    t->n_combos++;
    return 0;
}

int fa_tally_add(fa_tally *t, const char *const values[], const size_t lens[], int label,
                 int pred, double weight, double score, fa_error *err)
{
    for (size_t a = 0; a < t->n_base; a++) {
        attr_tally *at = &t->attrs[a];
        const char *s = values[a] ? values[a] : FA_MISSING_GROUP;
        size_t len = values[a] ? lens[a] : sizeof FA_MISSING_GROUP - 1;
        size_t idx;
        if (lookup(at, s, len, &idx) != 0) {
            return fa_error_set(err, FA_ENOMEM, NULL, 0, 0, "out of memory");
        }
        t->tuple[a] = (uint32_t)idx;
        fa_counts_add_row(&at->counts[idx], label, pred, weight, score);
    }
    if (t->intersect) {
        size_t idx;
        if (combo_index(t, &idx) != 0) {
            return fa_error_set(err, FA_ENOMEM, NULL, 0, 0, "out of memory");
        }
        fa_counts_add_row(&t->attrs[t->n_base].counts[idx], label, pred, weight, score);
    }
    fa_counts_add_row(&t->overall, label, pred, weight, score);
    return FA_OK;
}

int fa_tally_merge(fa_tally *dst, const fa_tally *src, fa_error *err)
{
    size_t total = dst->n_base + (size_t)dst->intersect;
    int same = src->n_base == dst->n_base && src->intersect == dst->intersect;
    for (size_t a = 0; same && a < total; a++) {
        same = strcmp(dst->attrs[a].name, src->attrs[a].name) == 0;
    }
    if (!same) {
        return fa_error_set(err, FA_EINVAL, NULL, 0, 0,
                            "cannot merge tallies of different attributes");
    }
    /* Every attribute, the intersection included, merges by group value. The destination's
     * tuple map needs no entries for the source's combinations: a later row of the same
     * combination renders the same value and finds the merged group. */
    for (size_t a = 0; a < total; a++) {
        const attr_tally *sa = &src->attrs[a];
        for (size_t g = 0; g < fa_intern_count(&sa->values); g++) {
            size_t idx;
            if (group_index(&dst->attrs[a], fa_intern_str(&sa->values, g),
                            fa_intern_len(&sa->values, g), &idx) != 0) {
                return fa_error_set(err, FA_ENOMEM, NULL, 0, 0, "out of memory");
            }
            fa_counts_add(&dst->attrs[a].counts[idx], &sa->counts[g]);
        }
    }
    fa_counts_add(&dst->overall, &src->overall);
    return FA_OK;
}

size_t fa_tally_n_attrs(const fa_tally *t)
{
    return t->n_base + (size_t)t->intersect;
}

const char *fa_tally_attr_name(const fa_tally *t, size_t a)
{
    return t->attrs[a].name;
}

size_t fa_tally_n_groups(const fa_tally *t, size_t a)
{
    return fa_intern_count(&t->attrs[a].values);
}

const char *fa_tally_group_value(const fa_tally *t, size_t a, size_t g)
{
    return fa_intern_str(&t->attrs[a].values, g);
}

const fa_counts *fa_tally_group_counts(const fa_tally *t, size_t a, size_t g)
{
    return &t->attrs[a].counts[g];
}

const fa_counts *fa_tally_overall(const fa_tally *t)
{
    return &t->overall;
}
