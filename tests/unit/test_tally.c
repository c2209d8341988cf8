/*
 * test_tally.c - metrics/tally.c: groups interned per attribute in first-seen order, the
 * "(missing)" group, the intersection ("A & B"), and the shard identity: the tally of shards
 * merged equals the tally of the whole, whatever order the shards saw the groups in and even
 * when a shard never saw a group.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h>

#include <math.h>
#include <stdio.h>
#include <string.h>

#include "include/fairaudit.h"
#include "metrics/tally.h"

#define assert_double_exact(got, want) check_exact((got), (want), #got, __FILE__, __LINE__)

static void check_exact(double got, double want, const char *expr, const char *file, int line)
{
    if (!(got == want)) {
        print_error("%s = %.17g, expected %.17g\n", expr, got, want);
        _fail(file, line);
    }
}

/* Counts equal field by field (exactly: the fixtures' weights are binary fractions). */
#define assert_counts_equal(got, want) check_counts((got), (want), __FILE__, __LINE__)

static void check_counts(const fa_counts *got, const fa_counts *want, const char *file, int line)
{
    if (got->tp != want->tp || got->fp != want->fp || got->tn != want->tn || got->fn != want->fn ||
        got->score_sum != want->score_sum || got->score_weight != want->score_weight ||
        got->rows != want->rows) {
        print_error("counts {tp %g fp %g tn %g fn %g ss %g sw %g rows %llu}, expected "
                    "{tp %g fp %g tn %g fn %g ss %g sw %g rows %llu}\n",
                    got->tp, got->fp, got->tn, got->fn, got->score_sum, got->score_weight,
                    (unsigned long long)got->rows, want->tp, want->fp, want->tn, want->fn,
                    want->score_sum, want->score_weight, (unsigned long long)want->rows);
        _fail(file, line);
    }
}

/* Index of the group whose value is `value` in attribute a, or -1. */
static long find_group(const fa_tally *t, size_t a, const char *value)
{
    for (size_t g = 0; g < fa_tally_n_groups(t, a); g++) {
        if (strcmp(fa_tally_group_value(t, a, g), value) == 0) {
            return (long)g;
        }
    }
    return -1;
}

/* Adds a row whose values are NUL-terminated strings (NULL = missing). */
static void add(fa_tally *t, const char *const values[], size_t n, int label, int pred,
                double weight, double score)
{
    size_t lens[4] = {0};
    for (size_t a = 0; a < n; a++) {
        lens[a] = values[a] ? strlen(values[a]) : 0;
    }
    fa_error err;
    fa_error_clear(&err);
    assert_int_equal(fa_tally_add(t, values, lens, label, pred, weight, score, &err), FA_OK);
}

static const char *const RACE_SEX[] = {"race", "sex"};

/* ------------------------------------------------------------ construction */

static void tally__intersection_is_named_after_its_attributes(void **state)
{
    (void)state;
    fa_tally *t;
    assert_int_equal(fa_tally_create(&t, RACE_SEX, 2, 1, NULL), FA_OK);
    assert_int_equal(fa_tally_n_attrs(t), 3);
    assert_string_equal(fa_tally_attr_name(t, 0), "race");
    assert_string_equal(fa_tally_attr_name(t, 1), "sex");
    assert_string_equal(fa_tally_attr_name(t, 2), "race & sex");
    assert_int_equal(fa_tally_n_groups(t, 0), 0);
    assert_int_equal(fa_tally_overall(t)->rows, 0);
    fa_tally_free(t);

    const char *const three[] = {"a", "bb", "ccc"};
    assert_int_equal(fa_tally_create(&t, three, 3, 1, NULL), FA_OK);
    assert_int_equal(fa_tally_n_attrs(t), 4);
    assert_string_equal(fa_tally_attr_name(t, 3), "a & bb & ccc");
    fa_tally_free(t);
}

static void tally__one_attribute_has_no_intersection(void **state)
{
    (void)state;
    fa_tally *t;
    assert_int_equal(fa_tally_create(&t, RACE_SEX, 1, 1, NULL), FA_OK);
    assert_int_equal(fa_tally_n_attrs(t), 1);
    fa_tally_free(t);
    assert_int_equal(fa_tally_create(&t, RACE_SEX, 2, 0, NULL), FA_OK);
    assert_int_equal(fa_tally_n_attrs(t), 2);
    fa_tally_free(t);
    fa_tally_free(NULL); /* NULL-safe */
}

/* ------------------------------------------------------------------ groups */

static void tally__groups_are_interned_in_first_seen_order(void **state)
{
    (void)state;
    fa_tally *t;
    assert_int_equal(fa_tally_create(&t, RACE_SEX, 2, 1, NULL), FA_OK);
    add(t, (const char *const[]){"A", "F"}, 2, 1, 1, 1.0, NAN);  /* tp */
    add(t, (const char *const[]){"B", "M"}, 2, 0, 1, 1.0, NAN);  /* fp */
    add(t, (const char *const[]){"A", "M"}, 2, 1, 0, 1.0, NAN);  /* fn */
    add(t, (const char *const[]){"A", "F"}, 2, 0, 0, 1.0, NAN);  /* tn */
    add(t, (const char *const[]){NULL, "F"}, 2, 1, 1, 1.0, NAN); /* tp, race missing */

    assert_int_equal(fa_tally_n_groups(t, 0), 3);
    assert_string_equal(fa_tally_group_value(t, 0, 0), "A");
    assert_string_equal(fa_tally_group_value(t, 0, 1), "B");
    assert_string_equal(fa_tally_group_value(t, 0, 2), FA_MISSING_GROUP);
    assert_string_equal(FA_MISSING_GROUP, "(missing)");
    /* race A: rows 1, 3, 4 = tp + fn + tn */
    const fa_counts a = {1.0, 0.0, 1.0, 1.0, 0.0, 0.0, 3};
    const fa_counts b = {0.0, 1.0, 0.0, 0.0, 0.0, 0.0, 1};
    const fa_counts miss = {1.0, 0.0, 0.0, 0.0, 0.0, 0.0, 1};
    assert_counts_equal(fa_tally_group_counts(t, 0, 0), &a);
    assert_counts_equal(fa_tally_group_counts(t, 0, 1), &b);
    assert_counts_equal(fa_tally_group_counts(t, 0, 2), &miss);

    /* sex F: rows 1, 4, 5 = tp + tn + tp; M: rows 2, 3 = fp + fn */
    assert_int_equal(fa_tally_n_groups(t, 1), 2);
    assert_string_equal(fa_tally_group_value(t, 1, 0), "F");
    const fa_counts f = {2.0, 0.0, 1.0, 0.0, 0.0, 0.0, 3};
    const fa_counts m = {0.0, 1.0, 0.0, 1.0, 0.0, 0.0, 2};
    assert_counts_equal(fa_tally_group_counts(t, 1, 0), &f);
    assert_counts_equal(fa_tally_group_counts(t, 1, 1), &m);

    const fa_counts all = {2.0, 1.0, 1.0, 1.0, 0.0, 0.0, 5};
    assert_counts_equal(fa_tally_overall(t), &all);
    fa_tally_free(t);
}

static void tally__intersection_joins_values_with_ampersand(void **state)
{
    (void)state;
    fa_tally *t;
    assert_int_equal(fa_tally_create(&t, RACE_SEX, 2, 1, NULL), FA_OK);
    add(t, (const char *const[]){"A", "F"}, 2, 1, 1, 1.0, NAN);
    add(t, (const char *const[]){"B", "M"}, 2, 0, 1, 1.0, NAN);
    add(t, (const char *const[]){"A", "M"}, 2, 1, 0, 1.0, NAN);
    add(t, (const char *const[]){"A", "F"}, 2, 0, 0, 1.0, NAN);
    add(t, (const char *const[]){NULL, "F"}, 2, 1, 1, 1.0, NAN);
    assert_int_equal(fa_tally_n_groups(t, 2), 4);
    assert_string_equal(fa_tally_group_value(t, 2, 0), "A & F");
    assert_string_equal(fa_tally_group_value(t, 2, 1), "B & M");
    assert_string_equal(fa_tally_group_value(t, 2, 2), "A & M");
    assert_string_equal(fa_tally_group_value(t, 2, 3), "(missing) & F");
    const fa_counts af = {1.0, 0.0, 1.0, 0.0, 0.0, 0.0, 2}; /* rows 1 and 4: tp + tn */
    const fa_counts bm = {0.0, 1.0, 0.0, 0.0, 0.0, 0.0, 1};
    const fa_counts am = {0.0, 0.0, 0.0, 1.0, 0.0, 0.0, 1};
    const fa_counts mf = {1.0, 0.0, 0.0, 0.0, 0.0, 0.0, 1};
    assert_counts_equal(fa_tally_group_counts(t, 2, 0), &af);
    assert_counts_equal(fa_tally_group_counts(t, 2, 1), &bm);
    assert_counts_equal(fa_tally_group_counts(t, 2, 2), &am);
    assert_counts_equal(fa_tally_group_counts(t, 2, 3), &mf);
    fa_tally_free(t);
}

static void tally__values_are_taken_by_length_not_nul(void **state)
{
    (void)state;
    const char *const attrs[] = {"region"};
    fa_tally *t;
    assert_int_equal(fa_tally_create(&t, attrs, 1, 0, NULL), FA_OK);
    /* fields of a record buffer, not NUL-terminated: "North" then "North, rural" */
    const char *buf = "North, rural;South";
    const char *v1[] = {buf};
    size_t l5[] = {5}, l12[] = {12};
    const char *v2[] = {buf + 13};
    assert_int_equal(fa_tally_add(t, v1, l5, 1, 1, 1.0, NAN, NULL), FA_OK);
    assert_int_equal(fa_tally_add(t, v1, l12, 1, 0, 1.0, NAN, NULL), FA_OK);
    assert_int_equal(fa_tally_add(t, v2, l5, 0, 0, 1.0, NAN, NULL), FA_OK);
    assert_int_equal(fa_tally_add(t, v1, l5, 0, 1, 1.0, NAN, NULL), FA_OK);
    assert_int_equal(fa_tally_n_groups(t, 0), 3);
    assert_string_equal(fa_tally_group_value(t, 0, 0), "North");
    assert_string_equal(fa_tally_group_value(t, 0, 1), "North, rural");
    assert_string_equal(fa_tally_group_value(t, 0, 2), "South");
    const fa_counts north = {1.0, 1.0, 0.0, 0.0, 0.0, 0.0, 2};
    assert_counts_equal(fa_tally_group_counts(t, 0, 0), &north);
    fa_tally_free(t);
}

static void tally__empty_value_is_its_own_group_not_missing(void **state)
{
    (void)state;
    const char *const attrs[] = {"x"};
    fa_tally *t;
    assert_int_equal(fa_tally_create(&t, attrs, 1, 0, NULL), FA_OK);
    add(t, (const char *const[]){""}, 1, 1, 1, 1.0, NAN);
    add(t, (const char *const[]){NULL}, 1, 1, 1, 1.0, NAN);
    assert_int_equal(fa_tally_n_groups(t, 0), 2);
    assert_string_equal(fa_tally_group_value(t, 0, 0), "");
    assert_string_equal(fa_tally_group_value(t, 0, 1), "(missing)");
    fa_tally_free(t);
}

static void tally__many_short_and_long_values_keep_their_counts(void **state)
{
    (void)state;
    /* more distinct short values than any small-value cache, and values sharing prefixes */
    const char *const attrs[] = {"g"};
    fa_tally *t;
    assert_int_equal(fa_tally_create(&t, attrs, 1, 0, NULL), FA_OK);
    char names[40][24];
    for (int k = 0; k < 40; k++) {
        if (k < 20) {
            snprintf(names[k], sizeof names[k], "g%d", k); /* "g1" is a prefix of "g10" */
        } else {
            snprintf(names[k], sizeof names[k], "a long group value %d", k);
        }
    }
    /* value k gets k + 1 rows, one of them a true positive, the rest true negatives */
    for (int rep = 0; rep < 41; rep++) {
        for (int k = 0; k < 40; k++) {
            if (rep <= k) {
                const char *v[] = {names[k]};
                add(t, v, 1, rep == 0, rep == 0, 1.0, NAN);
            }
        }
    }
    assert_int_equal(fa_tally_n_groups(t, 0), 40);
    for (int k = 0; k < 40; k++) {
        long g = find_group(t, 0, names[k]);
        assert_true(g >= 0);
        const fa_counts *c = fa_tally_group_counts(t, 0, (size_t)g);
        assert_int_equal(c->rows, (uint64_t)k + 1);
        assert_double_exact(c->tp, 1.0);
        assert_double_exact(c->tn, (double)k);
    }
    fa_tally_free(t);
}

static void tally__weights_and_scores_add_up(void **state)
{
    (void)state;
    const char *const attrs[] = {"sex"};
    fa_tally *t;
    assert_int_equal(fa_tally_create(&t, attrs, 1, 0, NULL), FA_OK);
    add(t, (const char *const[]){"F"}, 1, 1, 1, 0.5, 0.75);
    add(t, (const char *const[]){"F"}, 1, 1, 0, 2.0, NAN);
    add(t, (const char *const[]){"F"}, 1, 0, 1, 1.5, 0.25);
    const fa_counts f = {0.5, 1.5, 0.0, 2.0, 0.5 * 0.75 + 1.5 * 0.25, 0.5 + 1.5, 3};
    assert_counts_equal(fa_tally_group_counts(t, 0, 0), &f);
    assert_counts_equal(fa_tally_overall(t), &f);
    fa_tally_free(t);
}

/* ------------------------------------------------------------------ shards */

#define N_ROWS 200

typedef struct row {
    const char *v[4]; /* race, sex, band, region */
    int label, pred;
    double weight, score;
} row;

static uint64_t splitmix(uint64_t *s)
{
    uint64_t z = (*s += 0x9e3779b97f4a7c15u);
    z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9u;
    z = (z ^ (z >> 27)) * 0x94d049bb133111ebu;
    return z ^ (z >> 31);
}

/*
 * 200 pseudo-random rows. Weights and scores are multiples of 1/8, so every sum is exact in
 * any order and merged counts can be compared with ==.
 */
static void make_rows(row rows[N_ROWS])
{
    static const char *const RACE[] = {"Asian", "Black", "White", "Hispanic-or-Latino", NULL};
    static const char *const SEX[] = {"F", "M"};
    static const char *const BAND[] = {"18-25", "26-40", "41 and over, retired or not"};
    static const char *const REGION[] = {"N", "S"};
    uint64_t s = 20240601;
    for (size_t i = 0; i < N_ROWS; i++) {
        rows[i].v[0] = RACE[splitmix(&s) % 5];
        rows[i].v[1] = SEX[splitmix(&s) % 2];
        rows[i].v[2] = BAND[splitmix(&s) % 3];
        rows[i].v[3] = REGION[splitmix(&s) % 2];
        rows[i].label = (int)(splitmix(&s) % 2);
        rows[i].pred = (int)(splitmix(&s) % 2);
        rows[i].weight = (double)(1 + splitmix(&s) % 16) / 8.0;
        uint64_t sc = splitmix(&s) % 10;
        rows[i].score = sc == 0 ? NAN : (double)sc / 8.0;
    }
}

static const char *const ATTRS[] = {"race", "sex", "band", "region"};

/* The tally of rows idx[0..n) on the first n_attrs attributes and their intersection. */
static fa_tally *tally_of(const row rows[], const size_t idx[], size_t n, size_t n_attrs)
{
    fa_tally *t;
    assert_int_equal(fa_tally_create(&t, ATTRS, n_attrs, 1, NULL), FA_OK);
    for (size_t k = 0; k < n; k++) {
        const row *r = &rows[idx[k]];
        add(t, r->v, n_attrs, r->label, r->pred, r->weight, r->score);
    }
    return t;
}

/* Every group of every attribute (the intersection included) and the overall counts agree. */
static void assert_same_tally(const fa_tally *got, const fa_tally *want)
{
    assert_int_equal(fa_tally_n_attrs(got), fa_tally_n_attrs(want));
    for (size_t a = 0; a < fa_tally_n_attrs(want); a++) {
        assert_string_equal(fa_tally_attr_name(got, a), fa_tally_attr_name(want, a));
        assert_int_equal(fa_tally_n_groups(got, a), fa_tally_n_groups(want, a));
        for (size_t g = 0; g < fa_tally_n_groups(want, a); g++) {
            const char *value = fa_tally_group_value(want, a, g);
            long k = find_group(got, a, value);
            if (k < 0) {
                fail_msg("group '%s' of '%s' is missing", value, fa_tally_attr_name(want, a));
            }
            assert_counts_equal(fa_tally_group_counts(got, a, (size_t)k),
                                fa_tally_group_counts(want, a, g));
        }
    }
    assert_counts_equal(fa_tally_overall(got), fa_tally_overall(want));
}

/*
 * Shard 0 gets every "Hispanic-or-Latino" row and a third of the rest, in file order; shard
 * 1 a third, in reverse order; shard 2 a third, never a Hispanic-or-Latino row (nor a missing
 * race: those go to shard 1). The merge goes into shard 2, which must add the groups it lacks.
 */
static void split_rows(const row rows[], size_t idx[3][N_ROWS], size_t n[3])
{
    n[0] = n[1] = n[2] = 0;
    for (size_t i = 0; i < N_ROWS; i++) {
        size_t s = i % 3;
        if (rows[i].v[0] == NULL) {
            s = 1;
        } else if (strcmp(rows[i].v[0], "Hispanic-or-Latino") == 0) {
            s = 0;
        }
        idx[s][n[s]++] = i;
    }
    for (size_t k = 0; k < n[1] / 2; k++) {
        size_t tmp = idx[1][k];
        idx[1][k] = idx[1][n[1] - 1 - k];
        idx[1][n[1] - 1 - k] = tmp;
    }
}

static void check_shards(size_t n_attrs)
{
    row rows[N_ROWS];
    make_rows(rows);
    size_t all_idx[N_ROWS];
    for (size_t i = 0; i < N_ROWS; i++) {
        all_idx[i] = i;
    }
    size_t idx[3][N_ROWS], n[3];
    split_rows(rows, idx, n);
    assert_true(n[0] > 0 && n[1] > 0 && n[2] > 0);

    fa_tally *whole = tally_of(rows, all_idx, N_ROWS, n_attrs);
    fa_tally *s0 = tally_of(rows, idx[0], n[0], n_attrs);
    fa_tally *s1 = tally_of(rows, idx[1], n[1], n_attrs);
    fa_tally *s2 = tally_of(rows, idx[2], n[2], n_attrs);
    /* the fixture is what the comment says: shard 2 lacks a group the whole has */
    assert_true(find_group(whole, 0, "Hispanic-or-Latino") >= 0);
    assert_true(find_group(whole, 0, FA_MISSING_GROUP) >= 0);
    assert_int_equal(find_group(s2, 0, "Hispanic-or-Latino"), -1);
    assert_int_equal(find_group(s2, 0, FA_MISSING_GROUP), -1);
    /* and the shards saw the groups in different orders */
    assert_string_not_equal(fa_tally_group_value(s0, n_attrs, 0),
                            fa_tally_group_value(s1, n_attrs, 0));

    fa_error err;
    fa_error_clear(&err);
    assert_int_equal(fa_tally_merge(s2, s1, &err), FA_OK);
    assert_int_equal(fa_tally_merge(s2, s0, &err), FA_OK);
    assert_same_tally(s2, whole);
    assert_int_equal(fa_tally_overall(s2)->rows, N_ROWS);

    fa_tally_free(whole);
    fa_tally_free(s0);
    fa_tally_free(s1);
    fa_tally_free(s2);
}

static void tally__merged_shards_equal_the_whole(void **state)
{
    (void)state;
    check_shards(3); /* 3 attributes: intersection keys packed into one integer */
}

static void tally__merged_shards_equal_the_whole_with_four_attributes(void **state)
{
    (void)state;
    check_shards(4); /* 4 attributes: intersection keys interned as bytes */
}

static void tally__merge_into_an_empty_tally_copies(void **state)
{
    (void)state;
    row rows[N_ROWS];
    make_rows(rows);
    size_t all_idx[N_ROWS];
    for (size_t i = 0; i < N_ROWS; i++) {
        all_idx[i] = i;
    }
    fa_tally *whole = tally_of(rows, all_idx, N_ROWS, 3);
    fa_tally *empty = tally_of(rows, all_idx, 0, 3);
    assert_int_equal(fa_tally_merge(empty, whole, NULL), FA_OK);
    assert_same_tally(empty, whole);
    fa_tally_free(whole);
    fa_tally_free(empty);
}

/* After a merge, rows of combinations only the source had seen must land in the merged
 * groups, not in new duplicates. */
static void check_rows_after_merge(size_t n_attrs)
{
    row rows[N_ROWS];
    make_rows(rows);
    size_t idx[3][N_ROWS], n[3];
    split_rows(rows, idx, n);
    size_t first[N_ROWS], n_first = 0;
    for (size_t k = 0; k < n[0]; k++) {
        first[n_first++] = idx[0][k];
    }
    for (size_t k = 0; k < n[1]; k++) {
        first[n_first++] = idx[1][k];
    }
    for (size_t k = 0; k < n[2]; k++) {
        first[n_first++] = idx[2][k];
    }
    fa_tally *whole = tally_of(rows, first, n_first, n_attrs);
    fa_tally *s2 = tally_of(rows, idx[2], n[2], n_attrs);
    fa_tally *s01 = tally_of(rows, idx[0], n[0], n_attrs);
    fa_tally *s1 = tally_of(rows, idx[1], n[1], n_attrs);
    assert_int_equal(fa_tally_merge(s01, s1, NULL), FA_OK);
    assert_int_equal(fa_tally_merge(s2, s01, NULL), FA_OK);
    /* then every row once more, into both */
    for (size_t i = 0; i < N_ROWS; i++) {
        const row *r = &rows[i];
        add(whole, r->v, n_attrs, r->label, r->pred, r->weight, r->score);
        add(s2, r->v, n_attrs, r->label, r->pred, r->weight, r->score);
    }
    assert_same_tally(s2, whole);
    fa_tally_free(whole);
    fa_tally_free(s2);
    fa_tally_free(s01);
    fa_tally_free(s1);
}

static void tally__rows_added_after_a_merge_still_add_up(void **state)
{
    (void)state;
    check_rows_after_merge(3);
    check_rows_after_merge(4);
}

static void tally__merge_of_different_attributes_is_invalid(void **state)
{
    (void)state;
    fa_tally *a, *b, *c, *d;
    const char *const other[] = {"race", "gender"};
    assert_int_equal(fa_tally_create(&a, RACE_SEX, 2, 0, NULL), FA_OK);
    assert_int_equal(fa_tally_create(&b, other, 2, 0, NULL), FA_OK);
    assert_int_equal(fa_tally_create(&c, RACE_SEX, 1, 0, NULL), FA_OK);
    assert_int_equal(fa_tally_create(&d, RACE_SEX, 2, 1, NULL), FA_OK);
    add(b, (const char *const[]){"A", "F"}, 2, 1, 1, 1.0, NAN);
    fa_error err;
    fa_error_clear(&err);
    assert_int_equal(fa_tally_merge(a, b, &err), FA_EINVAL);
    assert_int_equal(err.status, FA_EINVAL);
    assert_string_equal(err.message, "cannot merge tallies of different attributes");
    assert_int_equal(fa_tally_merge(a, c, NULL), FA_EINVAL); /* fewer attributes */
    assert_int_equal(fa_tally_merge(a, d, NULL), FA_EINVAL); /* intersection or not */
    assert_int_equal(fa_tally_merge(d, a, NULL), FA_EINVAL);
    /* the failed merges left the destination untouched */
    assert_int_equal(fa_tally_n_groups(a, 0), 0);
    assert_int_equal(fa_tally_overall(a)->rows, 0);
    fa_tally_free(a);
    fa_tally_free(b);
    fa_tally_free(c);
    fa_tally_free(d);
}

/* ------------------------------------------------------------ scores per group */

/*
 * Seven rows of attribute g (group, label, score):
 *   A: (1, 0.9) (0, 0.8) (1, 0.4) (0, 0.2)      P = 2, N = 2
 *   B: (1, 0.8) (0, 0.4) (0, 0.1)               P = 1, N = 2
 * Five distinct scores in all, so the grid is every one of them: 0.1 0.2 0.4 0.8 0.9.
 */
static fa_tally *seven_rows(void)
{
    static const char *const G[] = {"g"};
    static const char *const V[7] = {"A", "A", "A", "A", "B", "B", "B"};
    static const int L[7] = {1, 0, 1, 0, 1, 0, 0};
    static const double S[7] = {0.9, 0.8, 0.4, 0.2, 0.8, 0.4, 0.1};
    fa_tally *t;
    assert_int_equal(fa_tally_create(&t, G, 1, 0, NULL), FA_OK);
    assert_int_equal(fa_tally_enable_scores(t), FA_OK);
    for (int i = 0; i < 7; i++) {
        add(t, &V[i], 1, L[i], 0, 1.0, S[i]);
    }
    return t;
}

static void check_sweep(const fa_sweep_point *p, const double want[5][4])
{
    for (int i = 0; i < 5; i++) {
        assert_double_exact(p[i].threshold, want[i][0]);
        assert_double_exact(p[i].selection_rate, want[i][1]);
        assert_double_exact(p[i].tpr, want[i][2]);
        assert_double_exact(p[i].fpr, want[i][3]);
    }
}

static void tally__group_sweeps_share_the_grid_of_all_rows(void **state)
{
    (void)state;
    fa_tally *t = seven_rows();
    fa_score_request req = {1, 101, FA_CUTOFF_NONE, 0.0, FA_SCORES_OPTIONS_INIT};
    fa_score_output out;
    for (int threads = 1; threads <= 2; threads++) {
        assert_int_equal(fa_tally__compute_scores(&out, t, &req, threads, NULL), FA_OK);
        assert_int_equal(out.n_sweep, 5);
        /* threshold, selection rate (of W), TPR (of P), FPR (of N): rows with score >= t */
        const double a[5][4] = {{0.1, 1.0, 1.0, 1.0},
                                {0.2, 1.0, 1.0, 1.0},
                                {0.4, 3.0 / 4.0, 2.0 / 2.0, 1.0 / 2.0},
                                {0.8, 2.0 / 4.0, 1.0 / 2.0, 1.0 / 2.0},
                                {0.9, 1.0 / 4.0, 1.0 / 2.0, 0.0 / 2.0}};
        const double b[5][4] = {{0.1, 1.0, 1.0, 1.0},
                                {0.2, 2.0 / 3.0, 1.0, 1.0 / 2.0},
                                {0.4, 2.0 / 3.0, 1.0, 1.0 / 2.0},
                                {0.8, 1.0 / 3.0, 1.0, 0.0},
                                {0.9, 0.0, 0.0, 0.0}};
        const double all[5][4] = {{0.1, 1.0, 1.0, 1.0},
                                  {0.2, 6.0 / 7.0, 1.0, 3.0 / 4.0},
                                  {0.4, 5.0 / 7.0, 1.0, 2.0 / 4.0},
                                  {0.8, 3.0 / 7.0, 2.0 / 3.0, 1.0 / 4.0},
                                  {0.9, 1.0 / 7.0, 1.0 / 3.0, 0.0}};
        check_sweep(out.sweeps[0][0], a);
        check_sweep(out.sweeps[0][1], b);
        check_sweep(out.overall_sweep, all);
        /* A: U = 1 (0.9 over both negatives: 2) + (0.4 over 0.2: 1) = 3 of P N = 4 */
        assert_double_exact(fa_scores_value(out.groups[0][0], FA_SCORE_ROC_AUC, NULL), 0.75);
        /* the values are gone once the sweep is made: only the metrics stay */
        assert_true(isnan(fa_scores_min(out.groups[0][0])));
        fa_tally__score_output_dispose(&out);
    }
    fa_tally_free(t);
}

static void tally__top_k_predicts_the_highest_scores_with_their_ties(void **state)
{
    (void)state;
    fa_tally *t = seven_rows();
    fa_score_request req = {0, 101, FA_CUTOFF_TOP_K, 2.0, FA_SCORES_OPTIONS_INIT};
    fa_score_output out;
    assert_int_equal(fa_tally__compute_scores(&out, t, &req, 0, NULL), FA_OK);
    /* 0.9 is one row, fewer than 2: the two rows at 0.8 come in together, 3 selected */
    assert_double_exact(out.cutoff.threshold, 0.8);
    assert_double_exact(out.cutoff.selected, 3.0);
    assert_double_exact(out.cutoff.tied, 2.0);
    assert_int_equal(out.cutoff.ties_included, 1);
    /* A: 0.9 (1) tp, 0.8 (0) fp, 0.4 (1) fn, 0.2 (0) tn; B: 0.8 (1) tp, two tn */
    const fa_counts a = {1, 1, 1, 1, 0, 0, 0}, b = {1, 0, 2, 0, 0, 0, 0};
    fa_counts ga = out.counts[0][0], gb = out.counts[0][1], all = out.overall_counts;
    assert_true(ga.tp == a.tp && ga.fp == a.fp && ga.tn == a.tn && ga.fn == a.fn);
    assert_true(gb.tp == b.tp && gb.fp == b.fp && gb.tn == b.tn && gb.fn == b.fn);
    assert_true(all.tp == 2 && all.fp == 1 && all.tn == 3 && all.fn == 1);
    assert_int_equal(ga.rows, 4); /* the rest of the counts are the tally's */
    assert_null(out.groups[0]);   /* no metrics asked */
    fa_tally__score_output_dispose(&out);
    /* exactly 3: 0.9 and both 0.8, no tie beyond */
    req.cutoff_value = 3.0;
    assert_int_equal(fa_tally__compute_scores(&out, t, &req, 0, NULL), FA_OK);
    assert_double_exact(out.cutoff.threshold, 0.8);
    assert_int_equal(out.cutoff.ties_included, 0);
    fa_tally__score_output_dispose(&out);
    /* 50 % of 7 = 3.5 rows: 0.9, 0.8, 0.8 are 3, so both rows at 0.4 join: 5 */
    req.cutoff = FA_CUTOFF_TOP_PERCENT;
    req.cutoff_value = 50.0;
    assert_int_equal(fa_tally__compute_scores(&out, t, &req, 0, NULL), FA_OK);
    assert_double_exact(out.cutoff.threshold, 0.4);
    assert_double_exact(out.cutoff.selected, 5.0);
    assert_double_exact(out.cutoff.requested, 3.5);
    fa_tally__score_output_dispose(&out);
    fa_tally_free(t);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(tally__intersection_is_named_after_its_attributes),
        cmocka_unit_test(tally__one_attribute_has_no_intersection),
        cmocka_unit_test(tally__groups_are_interned_in_first_seen_order),
        cmocka_unit_test(tally__intersection_joins_values_with_ampersand),
        cmocka_unit_test(tally__values_are_taken_by_length_not_nul),
        cmocka_unit_test(tally__empty_value_is_its_own_group_not_missing),
        cmocka_unit_test(tally__many_short_and_long_values_keep_their_counts),
        cmocka_unit_test(tally__weights_and_scores_add_up),
        cmocka_unit_test(tally__merged_shards_equal_the_whole),
        cmocka_unit_test(tally__merged_shards_equal_the_whole_with_four_attributes),
        cmocka_unit_test(tally__merge_into_an_empty_tally_copies),
        cmocka_unit_test(tally__rows_added_after_a_merge_still_add_up),
        cmocka_unit_test(tally__merge_of_different_attributes_is_invalid),
        cmocka_unit_test(tally__group_sweeps_share_the_grid_of_all_rows),
        cmocka_unit_test(tally__top_k_predicts_the_highest_scores_with_their_ties),
    };
    return cmocka_run_group_tests_name("tally", tests, NULL, NULL);
}
