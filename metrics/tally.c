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
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "common/alloc.h"
#include "common/error.h"
#include "common/intern.h"
#include "include/fairaudit.h"
#include "metrics/scores.h"
#include "metrics/tally.h"

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
    size_t n_base;       /* sensitive attributes */
    int intersect;       /* 1 when attrs[n_base] is the intersection */
    attr_tally *attrs;   /* n_base + intersect */
    fa_intern tuples;    /* intersection: raw bytes of the members' uint32 indices -> k */
    size_t *tuple_group; /* k -> group index in attrs[n_base] */
    size_t tuple_cap;
    uint32_t *tuple; /* scratch: the current row's member indices */
    /* score accumulators per cell (tuple k), when enabled: every group of every attribute is
     * a union of cells, so its score statistics are the cells' merged (metrics/scores.c) */
    int with_scores;
    fa_scorestats **cell_scores;
    size_t cell_cap;
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
    for (size_t k = 0; k < t->cell_cap; k++) {
        fa_scorestats_free(t->cell_scores[k]);
    }
    free(t->cell_scores);
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

/* Cell (tuple index k) of the current t->tuple, creating it (and, with an intersection, its
 * display group tuple_group[k]) when new. */
static int tuple_index(fa_tally *t, size_t *idx)
{
    size_t key_len = t->n_base * sizeof *t->tuple;
    size_t before = fa_intern_count(&t->tuples), k;
    if (fa_intern_get(&t->tuples, (const char *)t->tuple, key_len, &k) != 0) {
        return -1;
    }
    *idx = k;
    if (fa_intern_count(&t->tuples) == before) {
        return 0;
    }
    void *p = t->tuple_group;
    if (fa_grow(&p, &t->tuple_cap, k + 1, sizeof *t->tuple_group) != 0) {
        return -1;
    }
    t->tuple_group = p;
    if (!t->intersect) {
        t->tuple_group[k] = k; /* cells only (for scores): no display group */
        return 0;
    }
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
    size_t g;
    int rc = group_index(&t->attrs[t->n_base], s, len, &g);
    free(s);
    if (rc != 0) {
        return -1;
    }
    t->tuple_group[k] = g;
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

/* Cell of the current t->tuple: the packed-key map in front of tuple_index. */
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

/* The score accumulator of cell k, created empty when the cell has none yet. */
static int cell_accumulator(fa_tally *t, size_t k, fa_scorestats **out, fa_error *err)
{
    if (k >= t->cell_cap) {
        size_t old = t->cell_cap;
        void *p = t->cell_scores;
        if (fa_grow(&p, &t->cell_cap, k + 1, sizeof *t->cell_scores) != 0) {
            return fa_error_set(err, FA_ENOMEM, NULL, 0, 0, "out of memory");
        }
        t->cell_scores = p;
        memset(t->cell_scores + old, 0, (t->cell_cap - old) * sizeof *t->cell_scores);
    }
    if (t->cell_scores[k] == NULL) {
        int st = fa_scorestats_create(&t->cell_scores[k], err);
        if (st != FA_OK) {
            return st;
        }
    }
    *out = t->cell_scores[k];
    return FA_OK;
}

static int cell_add_score(fa_tally *t, size_t k, double score, int label, double weight,
                          fa_error *err)
{
    fa_scorestats *acc;
    int st = cell_accumulator(t, k, &acc, err);
    return st != FA_OK ? st : fa_scorestats_add(acc, score, label, weight, err);
}

int fa_tally_add(fa_tally *t, const char *const values[], const size_t lens[], int label, int pred,
                 double weight, double score, fa_error *err)
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
    if (t->intersect || t->with_scores) {
        size_t k;
        if (combo_index(t, &k) != 0) {
            return fa_error_set(err, FA_ENOMEM, NULL, 0, 0, "out of memory");
        }
        if (t->intersect) {
            fa_counts_add_row(&t->attrs[t->n_base].counts[t->tuple_group[k]], label, pred, weight,
                              score);
        }
        if (t->with_scores && !isnan(score)) {
            int st = cell_add_score(t, k, score, label, weight, err);
            if (st != FA_OK) {
                return st;
            }
        }
    }
    fa_counts_add_row(&t->overall, label, pred, weight, score);
    return FA_OK;
}

/* Merges the source's cell score accumulators into the destination's matching cells. */
static int merge_cells(fa_tally *dst, const fa_tally *src, fa_error *err)
{
    if (!dst->with_scores || !src->with_scores) {
        return FA_OK;
    }
    for (size_t k = 0; k < src->cell_cap; k++) {
        if (src->cell_scores[k] == NULL) {
            continue;
        }
        const uint32_t *m = (const uint32_t *)(const void *)fa_intern_str(&src->tuples, k);
        for (size_t a = 0; a < dst->n_base; a++) {
            const fa_intern *sv = &src->attrs[a].values;
            long d = fa_intern_find(&dst->attrs[a].values, fa_intern_str(sv, m[a]),
                                    fa_intern_len(sv, m[a]));
            if (d < 0) {
                return fa_error_set(err, FA_EINTERNAL, NULL, 0, 0, "merge: cell member missing");
            }
            dst->tuple[a] = (uint32_t)d;
        }
        size_t k2;
        if (combo_index(dst, &k2) != 0) {
            return fa_error_set(err, FA_ENOMEM, NULL, 0, 0, "out of memory");
        }
        fa_scorestats *acc;
        int st = cell_accumulator(dst, k2, &acc, err);
        if (st == FA_OK) {
            st = fa_scorestats_merge(acc, src->cell_scores[k], err);
        }
        if (st != FA_OK) {
            return st;
        }
    }
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
    return merge_cells(dst, src, err);
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

int fa_tally_enable_scores(fa_tally *t)
{
    t->with_scores = 1;
    return FA_OK;
}

/* Every cell's statistics computed once; NULL for a cell without scores. */
static int compute_cells(fa_scores ***out, const fa_tally *t, const fa_scores_options *o,
                         fa_error *err)
{
    size_t n = fa_intern_count(&t->tuples);
    fa_scores **cells = fa_calloc_array(n, sizeof *cells);
    if (cells == NULL) {
        return fa_error_set(err, FA_ENOMEM, NULL, 0, 0, "out of memory");
    }
    int st = FA_OK;
    for (size_t k = 0; k < n && st == FA_OK; k++) {
        if (k < t->cell_cap && t->cell_scores[k] != NULL) {
            st = fa_scores_compute(&cells[k], t->cell_scores[k], o, err);
        }
    }
    *out = cells;
    return st;
}

int fa_tally__compute_scores(fa_scores ***groups, fa_scores **overall, const fa_tally *t,
                             const fa_scores_options *o, fa_error *err)
{
    size_t n_attrs = fa_tally_n_attrs(t), n_cells = fa_intern_count(&t->tuples);
    *overall = NULL;
    fa_scores **cells = NULL;
    const fa_scores **parts = fa_calloc_array(n_cells, sizeof *parts);
    int st = parts ? compute_cells(&cells, t, o, err)
                   : fa_error_set(err, FA_ENOMEM, NULL, 0, 0, "out of memory");
    for (size_t a = 0; a < n_attrs && st == FA_OK; a++) {
        size_t ng = fa_tally_n_groups(t, a);
        groups[a] = fa_calloc_array(ng, sizeof *groups[a]);
        if (groups[a] == NULL) {
            st = fa_error_set(err, FA_ENOMEM, NULL, 0, 0, "out of memory");
            break;
        }
        for (size_t g = 0; g < ng && st == FA_OK; g++) {
            size_t np = 0;
            for (size_t k = 0; k < n_cells; k++) {
                const uint32_t *m = (const uint32_t *)(const void *)fa_intern_str(&t->tuples, k);
                size_t member = a < t->n_base ? m[a] : t->tuple_group[k];
                if (cells[k] != NULL && member == g) {
                    parts[np++] = cells[k];
                }
            }
            st = fa_scores_merge(&groups[a][g], parts, np, o, err);
        }
    }
    if (st == FA_OK) {
        size_t np = 0;
        for (size_t k = 0; k < n_cells; k++) {
            if (cells[k] != NULL) {
                parts[np++] = cells[k];
            }
        }
        st = fa_scores_merge(overall, parts, np, o, err);
    }
    for (size_t k = 0; cells && k < n_cells; k++) {
        fa_scores_free(cells[k]);
    }
    free(cells);
    free(parts);
    return st;
}
