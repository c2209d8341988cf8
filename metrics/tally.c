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

typedef struct attr_tally {
    char *name;
    fa_intern values;  /* group value -> index */
    fa_counts *counts; /* index -> counts */
    size_t cap;
    /* last value seen: most files repeat a value over consecutive rows */
    size_t last_idx;
    int has_last;
} attr_tally;

struct fa_tally {
    size_t n_base;     /* sensitive attributes */
    int intersect;     /* 1 when attrs[n_base] is the intersection */
    attr_tally *attrs; /* n_base + intersect */
    fa_intern tuples;     /* intersection: raw bytes of the members' uint32 indices -> k */
    size_t *tuple_group;  /* k -> group index in attrs[n_base] */
    size_t tuple_cap;
    uint32_t *tuple;      /* scratch: the current row's member indices */
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

int fa_tally_add(fa_tally *t, const char *const values[], const size_t lens[], int label,
                 int pred, double weight, double score, fa_error *err)
{
    for (size_t a = 0; a < t->n_base; a++) {
        attr_tally *at = &t->attrs[a];
        const char *s = values[a] ? values[a] : FA_MISSING_GROUP;
        size_t len = values[a] ? lens[a] : strlen(FA_MISSING_GROUP);
        size_t idx;
        if (at->has_last && fa_intern_len(&at->values, at->last_idx) == len &&
            memcmp(fa_intern_str(&at->values, at->last_idx), s, len) == 0) {
            idx = at->last_idx;
        } else {
            if (group_index(at, s, len, &idx) != 0) {
                return fa_error_set(err, FA_ENOMEM, NULL, 0, 0, "out of memory");
            }
            at->last_idx = idx;
            at->has_last = 1;
        }
        t->tuple[a] = (uint32_t)idx;
        fa_counts_add_row(&at->counts[idx], label, pred, weight, score);
    }
    if (t->intersect) {
        size_t idx;
        if (tuple_index(t, &idx) != 0) {
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
