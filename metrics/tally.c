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
#include <omp.h>
#include <stdint.h>
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
        size_t o = 0; /* name_len covers every value and separator */
        for (size_t a = 0; a < n_attrs; a++) {
            if (a) {
                memcpy(name + o, SEP, strlen(SEP));
                o += strlen(SEP);
            }
            memcpy(name + o, attrs[a], strlen(attrs[a]));
            o += strlen(attrs[a]);
        }
        name[o] = '\0';
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
        /* NOLINTNEXTLINE(bugprone-sizeof-expression): an array of pointers */
        if (fa_grow(&p, &t->cell_cap, k + 1, sizeof *t->cell_scores) != 0) {
            return fa_error_set(err, FA_ENOMEM, NULL, 0, 0, "out of memory");
        }
        t->cell_scores = p;
        /* NOLINTNEXTLINE(bugprone-sizeof-expression): an array of pointers */
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

/*
 * Every cell's statistics, then every group's (merged from its cells), each an independent
 * task run in parallel: a task's result does not depend on which thread runs it, so the
 * bytes are the same whatever the thread count. The largest merges (all rows, then the base
 * attributes' groups) go first so that they start early. Each group keeps its metrics and its
 * sweep and drops its values at once, so at most one merged copy per thread is alive.
 */
typedef struct score_task {
    size_t attr; /* SIZE_MAX: all rows */
    size_t group;
    size_t weight; /* values to merge: the larger first */
} score_task;

typedef struct score_job {
    const fa_tally *t;
    const fa_score_request *req;
    fa_scores **cells;
    double *grid; /* req->sweep_points slots */
    size_t n_grid;
    fa_score_output *out;
} score_job;

static int task_heavier(const void *a, const void *b)
{
    const score_task *x = a, *y = b;
    return x->weight < y->weight ? 1 : x->weight > y->weight ? -1 : 0;
}

/* Cell k's group in attribute a. */
static size_t cell_member(const fa_tally *t, size_t k, size_t a)
{
    const uint32_t *m = (const uint32_t *)(const void *)fa_intern_str(&t->tuples, k);
    return a < t->n_base ? m[a] : t->tuple_group[k];
}

static int in_task(const fa_tally *t, size_t k, size_t attr, size_t group)
{
    return attr == SIZE_MAX || cell_member(t, k, attr) == group;
}

/* The statistics of the cells of one group (attr SIZE_MAX: all rows). */
static int merge_group(fa_scores **out, const score_job *j, size_t attr, size_t group,
                       fa_error *err)
{
    size_t n_cells = fa_intern_count(&j->t->tuples), np = 0;
    /* NOLINTNEXTLINE(bugprone-sizeof-expression): an array of pointers */
    const fa_scores **parts = fa_calloc_array(n_cells ? n_cells : 1, sizeof *parts);
    if (parts == NULL) {
        return fa_error_set(err, FA_ENOMEM, NULL, 0, 0, "out of memory");
    }
    for (size_t k = 0; k < n_cells; k++) {
        if (j->cells[k] != NULL && in_task(j->t, k, attr, group)) {
            parts[np++] = j->cells[k];
        }
    }
    int st = fa_scores_merge(out, parts, np, &j->req->o, err);
    free(parts);
    return st;
}

/* The sweep of sc at the grid, then sc's values dropped. */
static int sweep_and_drop(fa_sweep_point **sweep, fa_scores *sc, const score_job *j, fa_error *err)
{
    *sweep = fa_calloc_array(j->n_grid ? j->n_grid : 1, sizeof **sweep);
    if (*sweep == NULL) {
        return fa_error_set(err, FA_ENOMEM, NULL, 0, 0, "out of memory");
    }
    fa_scores_sweep(*sweep, sc, j->grid, j->n_grid);
    fa_scores_drop_values(sc);
    return FA_OK;
}

static int run_task(const score_task *tk, const score_job *j, fa_error *err)
{
    int all = tk->attr == SIZE_MAX;
    fa_scores **dst = all ? &j->out->overall : &j->out->groups[tk->attr][tk->group];
    fa_sweep_point **sw = all ? &j->out->overall_sweep : &j->out->sweeps[tk->attr][tk->group];
    int st = merge_group(dst, j, tk->attr, tk->group, err);
    return st == FA_OK ? sweep_and_drop(sw, *dst, j, err) : st;
}

/* The first failure in item order (whatever thread met it) fills err. */
static int first_failure(const int st[], const fa_error errs[], size_t n, fa_error *err)
{
    for (size_t i = 0; i < n; i++) {
        if (st[i] != FA_OK) {
            if (err) {
                *err = errs[i];
            }
            return st[i];
        }
    }
    return FA_OK;
}

static int compute_cells(fa_scores **cells, const fa_tally *t, const fa_scores_options *o,
                         int threads, fa_error *err)
{
    size_t n = fa_intern_count(&t->tuples);
    int *st = fa_calloc_array(n ? n : 1, sizeof *st);
    fa_error *errs = fa_calloc_array(n ? n : 1, sizeof *errs);
    if (st == NULL || errs == NULL) {
        free(st);
        free(errs);
        return fa_error_set(err, FA_ENOMEM, NULL, 0, 0, "out of memory");
    }
#pragma omp parallel for schedule(dynamic, 1) num_threads(threads)
    for (size_t k = 0; k < n; k++) {
        if (k < t->cell_cap && t->cell_scores[k] != NULL) {
            st[k] = fa_scores_compute(&cells[k], t->cell_scores[k], o, &errs[k]);
        }
    }
    int rc = first_failure(st, errs, n, err);
    free(st);
    free(errs);
    return rc;
}

/* One task per group of every attribute, and one for all rows unless `overall_done`. */
static score_task *make_tasks(size_t *n_out, const score_job *j, int overall_done)
{
    const fa_tally *t = j->t;
    size_t n_attrs = fa_tally_n_attrs(t), n_cells = fa_intern_count(&t->tuples), n = 1;
    for (size_t a = 0; a < n_attrs; a++) {
        n += fa_tally_n_groups(t, a);
    }
    score_task *tasks = fa_calloc_array(n, sizeof *tasks);
    if (tasks == NULL) {
        return NULL;
    }
    size_t i = 0;
    for (size_t a = 0; a <= n_attrs; a++) {
        size_t ng = a < n_attrs ? fa_tally_n_groups(t, a) : overall_done ? 0 : 1;
        for (size_t g = 0; g < ng; g++, i++) {
            tasks[i].attr = a < n_attrs ? a : SIZE_MAX;
            tasks[i].group = g;
            for (size_t k = 0; k < n_cells; k++) {
                if (j->cells[k] != NULL && in_task(t, k, tasks[i].attr, g)) {
                    tasks[i].weight += fa_scores_n_distinct(j->cells[k]);
                }
            }
        }
    }
    qsort(tasks, i, sizeof *tasks, task_heavier);
    *n_out = i;
    return tasks;
}

static int run_tasks(const score_job *j, int overall_done, int threads, fa_error *err)
{
    size_t n = 0;
    score_task *tasks = make_tasks(&n, j, overall_done);
    int *st = fa_calloc_array(n ? n : 1, sizeof *st);
    fa_error *errs = fa_calloc_array(n ? n : 1, sizeof *errs);
    int rc = FA_OK;
    if (tasks == NULL || st == NULL || errs == NULL) {
        rc = fa_error_set(err, FA_ENOMEM, NULL, 0, 0, "out of memory");
    } else {
#pragma omp parallel for schedule(dynamic, 1) num_threads(threads)
        for (size_t i = 0; i < n; i++) {
            st[i] = run_task(&tasks[i], j, &errs[i]);
        }
        rc = first_failure(st, errs, n, err);
    }
    free(tasks);
    free(st);
    free(errs);
    return rc;
}

/* The output's arrays, empty. */
static int alloc_output(fa_score_output *out, const fa_tally *t, int metrics, int cutoff)
{
    size_t na = fa_tally_n_attrs(t);
    out->n_attrs = na;
    out->n_groups = fa_calloc_array(na ? na : 1, sizeof *out->n_groups);
    out->groups = fa_calloc_array(na ? na : 1, sizeof *out->groups);
    out->sweeps = fa_calloc_array(na ? na : 1, sizeof *out->sweeps);
    /* NOLINTNEXTLINE(bugprone-sizeof-expression): an array of pointers */
    out->counts = fa_calloc_array(na ? na : 1, sizeof *out->counts);
    if (!out->n_groups || !out->groups || !out->sweeps || !out->counts) {
        return -1;
    }
    for (size_t a = 0; a < na; a++) {
        size_t ng = fa_tally_n_groups(t, a), m = ng ? ng : 1;
        out->n_groups[a] = ng;
        /* NOLINTBEGIN(bugprone-sizeof-expression): arrays of pointers */
        if ((metrics && ((out->groups[a] = fa_calloc_array(m, sizeof **out->groups)) == NULL ||
                         (out->sweeps[a] = fa_calloc_array(m, sizeof **out->sweeps)) == NULL)) ||
            (cutoff && (out->counts[a] = fa_calloc_array(m, sizeof **out->counts)) == NULL)) {
            return -1;
        }
        /* NOLINTEND(bugprone-sizeof-expression) */
    }
    return 0;
}

/* Every group's counts under the cut-off: tp, fp, tn, fn summed over its cells in order. */
static void counts_at_cutoff(fa_score_output *out, const fa_tally *t, fa_scores *const cells[])
{
    size_t n_cells = fa_intern_count(&t->tuples);
    out->overall_counts = *fa_tally_overall(t);
    for (size_t a = 0; a <= out->n_attrs; a++) {
        size_t ng = a < out->n_attrs ? out->n_groups[a] : 1;
        for (size_t g = 0; g < ng; g++) {
            fa_counts *c = a < out->n_attrs ? &out->counts[a][g] : &out->overall_counts;
            if (a < out->n_attrs) {
                *c = *fa_tally_group_counts(t, a, g);
            }
            c->tp = c->fp = c->tn = c->fn = 0.0;
            for (size_t k = 0; k < n_cells; k++) {
                if (cells[k] != NULL && in_task(t, k, a < out->n_attrs ? a : SIZE_MAX, g)) {
                    fa_counts x;
                    fa_scores_counts_at(&x, cells[k], out->cutoff.threshold);
                    c->tp += x.tp;
                    c->fp += x.fp;
                    c->tn += x.tn;
                    c->fn += x.fn;
                }
            }
        }
    }
}

/* The cut-off over all rows, the groups' counts under it, and (with metrics) the overall
 * statistics, which are merged for it anyway. */
static int apply_cutoff(const score_job *j, fa_error *err)
{
    fa_scores *all;
    int st = merge_group(&all, j, SIZE_MAX, 0, err);
    if (st != FA_OK) {
        return st;
    }
    const fa_score_request *r = j->req;
    st = r->cutoff == FA_CUTOFF_TOP_K
             ? fa_scores_cutoff_top_k(&j->out->cutoff, all, r->cutoff_value, err)
             : fa_scores_cutoff_top_percent(&j->out->cutoff, all, r->cutoff_value, err);
    if (st == FA_OK) {
        counts_at_cutoff(j->out, j->t, j->cells);
    }
    if (st == FA_OK && r->metrics) {
        j->out->overall = all;
        return sweep_and_drop(&j->out->overall_sweep, all, j, err);
    }
    fa_scores_free(all);
    return st;
}

/* The threshold grid of all rows, from the cells. */
static int make_grid(score_job *j, fa_error *err)
{
    size_t n_cells = fa_intern_count(&j->t->tuples), np = 0;
    /* NOLINTNEXTLINE(bugprone-sizeof-expression): an array of pointers */
    const fa_scores **parts = fa_calloc_array(n_cells ? n_cells : 1, sizeof *parts);
    if (parts == NULL) {
        return fa_error_set(err, FA_ENOMEM, NULL, 0, 0, "out of memory");
    }
    for (size_t k = 0; k < n_cells; k++) {
        if (j->cells[k] != NULL) {
            parts[np++] = j->cells[k];
        }
    }
    int st =
        fa_scores_threshold_grid_parts(j->grid, &j->n_grid, parts, np, j->req->sweep_points, err);
    free(parts);
    return st;
}

void fa_tally__score_output_dispose(fa_score_output *out)
{
    int whole = out->n_groups && out->groups && out->sweeps && out->counts;
    for (size_t a = 0; whole && a < out->n_attrs; a++) {
        for (size_t g = 0; g < out->n_groups[a]; g++) {
            if (out->groups[a]) {
                fa_scores_free(out->groups[a][g]);
            }
            if (out->sweeps[a]) {
                free(out->sweeps[a][g]);
            }
        }
        free(out->groups[a]);
        free(out->sweeps[a]);
        free(out->counts[a]);
    }
    free(out->n_groups);
    free(out->groups);
    free(out->sweeps);
    free(out->counts);
    fa_scores_free(out->overall);
    free(out->overall_sweep);
    memset(out, 0, sizeof *out);
}

int fa_tally__compute_scores(fa_score_output *out, const fa_tally *t, const fa_score_request *req,
                             int threads, fa_error *err)
{
    memset(out, 0, sizeof *out);
    size_t n_cells = fa_intern_count(&t->tuples);
    int cutoff = req->cutoff != FA_CUTOFF_NONE;
    if (threads <= 0) {
        threads = omp_get_max_threads();
    }
    double *grid = fa_calloc_array(req->sweep_points ? req->sweep_points : 1, sizeof *grid);
    /* NOLINTNEXTLINE(bugprone-sizeof-expression): an array of pointers */
    fa_scores **cells = fa_calloc_array(n_cells ? n_cells : 1, sizeof *cells);
    int st = FA_OK;
    if (grid == NULL || cells == NULL || alloc_output(out, t, req->metrics, cutoff) != 0) {
        st = fa_error_set(err, FA_ENOMEM, NULL, 0, 0, "out of memory");
    }
    if (st == FA_OK) {
        st = compute_cells(cells, t, &req->o, threads, err);
    }
    score_job j = {t, req, cells, grid, 0, out};
    if (st == FA_OK && req->metrics) {
        st = make_grid(&j, err);
    }
    if (st == FA_OK && cutoff) {
        st = apply_cutoff(&j, err);
    }
    out->n_sweep = j.n_grid;
    if (st == FA_OK && req->metrics) {
        st = run_tasks(&j, cutoff, threads, err);
    }
    for (size_t k = 0; cells && k < n_cells; k++) {
        fa_scores_free(cells[k]);
    }
    free(cells);
    free(grid);
    if (st != FA_OK) {
        fa_tally__score_output_dispose(out);
    }
    return st;
}
