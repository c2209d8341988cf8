/*
 * golden_util.h - helpers of the golden-comparison tests (test_golden.c): where ../shared is,
 * reading a golden JSON file, a tally of comparisons that reports every mismatch (not only the
 * first) before failing the test, and lookups in an fa_result.
 *
 * Header-only (static inline), included by test_golden.c only. Include after cmocka.h.
 */
#ifndef FAIRAUDIT_TESTS_GOLDEN_UTIL_H
#define FAIRAUDIT_TESTS_GOLDEN_UTIL_H

#include <cjson/cJSON.h>
#include <math.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "include/fairaudit.h"

/* Rates agree bit for bit (golden README); 1e-12 absolute, relative above 1 (ratios, counts). */
#define GOLDEN_TOL 1e-12
/* Mismatches printed per test; the rest are only counted. */
#define GOLDEN_MAX_PRINTED 30

static inline int golden_is_dir(const char *path)
{
    struct stat st;
    return stat(path, &st) == 0 && S_ISDIR(st.st_mode);
}

/* The shared folder (env FAIRAUDIT_SHARED, else ../shared from the repository root), or NULL. */
static inline const char *golden_shared_dir(void)
{
    const char *env = getenv("FAIRAUDIT_SHARED");
    if (env != NULL && env[0] != '\0')
        return golden_is_dir(env) ? env : NULL;
    return golden_is_dir("../shared") ? "../shared" : NULL;
}

static inline void golden_say_skipped(void)
{
    static int told;
    if (!told++)
        fprintf(stderr, "../shared not found: golden tests skipped\n");
}

/* The shared folder; without it the calling test is skipped (the reason printed once). */
#define GOLDEN_SHARED_OR_SKIP(dir_var)                                                             \
    do {                                                                                           \
        (dir_var) = golden_shared_dir();                                                           \
        if ((dir_var) == NULL) {                                                                   \
            golden_say_skipped();                                                                  \
            skip();                                                                                \
            return;                                                                                \
        }                                                                                          \
    } while (0)

/* "<shared>/<sub>/<name>" into buf; 1 when the file exists. */
static inline int golden_path(char *buf, size_t size, const char *shared, const char *sub,
                              const char *name)
{
    struct stat st;
    int n = snprintf(buf, size, "%s/%s/%s", shared, sub, name);
    return n > 0 && (size_t)n < size && stat(buf, &st) == 0 && S_ISREG(st.st_mode);
}

/* Reads and parses a JSON file; NULL (after printing why) on failure. */
static inline cJSON *golden_load_json(const char *path)
{
    FILE *f = fopen(path, "rb");
    if (f == NULL) {
        print_error("cannot open %s\n", path);
        return NULL;
    }
    size_t cap = 1 << 16, len = 0;
    char *text = malloc(cap);
    while (text != NULL) {
        len += fread(text + len, 1, cap - 1 - len, f);
        if (len < cap - 1)
            break;
        char *bigger = realloc(text, cap * 2);
        if (bigger == NULL) {
            free(text);
            text = NULL;
            break;
        }
        text = bigger;
        cap *= 2;
    }
    fclose(f);
    if (text == NULL)
        return NULL;
    text[len] = '\0';
    cJSON *doc = cJSON_Parse(text);
    free(text);
    if (doc == NULL)
        print_error("cannot parse %s as JSON\n", path);
    return doc;
}

/** Counts of one test's comparisons. */
typedef struct golden_check {
    const char *test;  /* for messages */
    size_t compared;   /* values that had to agree, and were compared */
    size_t undefined;  /* undefined on both sides (null there, NAN here) */
    size_t shown;      /* a peer's stand-in number (0, 10, a value built on it) where ours is
                          undefined: the convention difference, shown on purpose */
    size_t recomputed; /* peer aggregates rebuilt from its defined per-group values */
    size_t skipped;    /* values not compared (later features, definitions not shared) */
    size_t failed;
    char what[512]; /* the value being compared, for messages */
} golden_check;

#define GOLDEN_CHECK_INIT(name)                                                                    \
    {                                                                                              \
        .test = (name)                                                                             \
    }

#if defined(__GNUC__)
__attribute__((format(printf, 2, 3)))
#endif
static inline void
golden_fail(golden_check *ck, const char *fmt, ...)
{
    ck->failed++;
    if (ck->failed > GOLDEN_MAX_PRINTED)
        return;
    char msg[1024];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(msg, sizeof msg, fmt, ap);
    va_end(ap);
    print_error("%s: %s\n", ck->test, msg);
}

/* Names the value about to be compared (printf-style); returns ck->what. */
#if defined(__GNUC__)
__attribute__((format(printf, 2, 3)))
#endif
static inline const char *
golden_what(golden_check *ck, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(ck->what, sizeof ck->what, fmt, ap);
    va_end(ap);
    return ck->what;
}

static inline int golden_close(double expected, double got)
{
    double scale = fabs(expected) > 1.0 ? fabs(expected) : 1.0;
    return fabs(expected - got) <= GOLDEN_TOL * scale;
}

/* expected and got must agree to GOLDEN_TOL. */
static inline void golden_expect_close(golden_check *ck, const char *what, double expected,
                                       double got)
{
    ck->compared++;
    if (isnan(got) || !golden_close(expected, got))
        golden_fail(ck, "%s: expected %.17g, got %.17g", what, expected, got);
}

/* A count: exact. */
static inline void golden_expect_count(golden_check *ck, const char *what, double expected,
                                       double got)
{
    ck->compared++;
    if (!(expected == got))
        golden_fail(ck, "%s: expected count %.17g, got %.17g", what, expected, got);
}

/* A golden JSON number or null against ours: null must be NAN, a number must agree. */
static inline void golden_expect_json(golden_check *ck, const char *what, const cJSON *expected,
                                      double got)
{
    if (cJSON_IsNull(expected)) {
        if (isnan(got))
            ck->undefined++;
        else
            golden_fail(ck, "%s: expected undefined (null), got %.17g", what, got);
    } else if (cJSON_IsNumber(expected)) {
        golden_expect_close(ck, what, expected->valuedouble, got);
    } else {
        golden_fail(ck, "%s: golden value missing or not a number", what);
    }
}

/* Ends a test: prints the tally when FAIRAUDIT_GOLDEN_VERBOSE is set, fails on a mismatch or
 * when nothing at all was compared. */
static inline void golden_finish(const golden_check *ck)
{
    const char *verbose = getenv("FAIRAUDIT_GOLDEN_VERBOSE");
    if (verbose != NULL && verbose[0] != '\0' && verbose[0] != '0')
        print_message("%s: %zu compared, %zu undefined on both sides, %zu peer stand-ins shown "
                      "undefined here, %zu rebuilt, %zu skipped, %zu failed\n",
                      ck->test, ck->compared, ck->undefined, ck->shown, ck->recomputed, ck->skipped,
                      ck->failed);
    if (ck->failed > 0)
        fail_msg("%s: %zu mismatch(es) against the golden values", ck->test, ck->failed);
    if (ck->compared == 0)
        fail_msg("%s: nothing was compared", ck->test);
}

/* The named member of obj, or NULL. */
static inline const cJSON *golden_get(const cJSON *obj, const char *key)
{
    return obj == NULL ? NULL : cJSON_GetObjectItemCaseSensitive(obj, key);
}

/* A string member, or NULL. */
static inline const char *golden_str(const cJSON *obj, const char *key)
{
    const cJSON *v = golden_get(obj, key);
    return cJSON_IsString(v) ? v->valuestring : NULL;
}

/* ------------------------------------------------------- an fa_result's groups and counts */

/* A group g of attribute a, or all rows. */
typedef struct golden_target {
    int overall;
    size_t a, g;
} golden_target;

/* All rows' counts. There is no accessor for them, but every row is in exactly one group of
 * attribute 0 (missing values in "(missing)"), so its groups add up to all rows. */
static inline fa_counts golden_overall_counts(const fa_result *res)
{
    fa_counts all = {0};
    for (size_t g = 0; g < fa_result_n_groups(res, 0); g++)
        fa_counts_add(&all, fa_result_group_counts(res, 0, g));
    return all;
}

static inline fa_counts golden_counts(const fa_result *res, const golden_target *t)
{
    return t->overall ? golden_overall_counts(res) : *fa_result_group_counts(res, t->a, t->g);
}

static inline double golden_metric(const fa_result *res, const golden_target *t, fa_metric m,
                                   const char **reason)
{
    return t->overall ? fa_result_overall_metric(res, m, reason)
                      : fa_result_group_metric(res, t->a, t->g, m, reason);
}

/* The denominators of METRICS.md; D_ERRORS is FP + FN, the numerator of the error rate. */
typedef enum golden_denom { D_NONE, D_N, D_P, D_NEG, D_PP, D_PN, D_PP_ALL, D_ERRORS } golden_denom;

static inline double golden_denom_value(golden_denom d, const fa_counts *c, const fa_counts *all)
{
    switch (d) {
    case D_N:
        return c->tp + c->fp + c->tn + c->fn;
    case D_P:
        return c->tp + c->fn;
    case D_NEG:
        return c->fp + c->tn;
    case D_PP:
        return c->tp + c->fp;
    case D_PN:
        return c->tn + c->fn;
    case D_PP_ALL:
        return all->tp + all->fp;
    case D_ERRORS:
        return c->fp + c->fn;
    default:
        return 1.0;
    }
}

/* 1 when metric m has a zero denominator for counts c (all: the overall counts), decided from
 * the counts, independently of the library's NAN. */
static inline int golden_undefined(fa_metric m, const fa_counts *c, const fa_counts *all)
{
    static const golden_denom denom[FA_METRIC_COUNT_ALL] = {
        [FA_METRIC_BASE_RATE] = D_N,
        [FA_METRIC_SELECTION_RATE] = D_N,
        [FA_METRIC_PREDICTED_POSITIVE_SHARE] = D_PP_ALL,
        [FA_METRIC_TRUE_POSITIVE_RATE] = D_P,
        [FA_METRIC_FALSE_NEGATIVE_RATE] = D_P,
        [FA_METRIC_FALSE_POSITIVE_RATE] = D_NEG,
        [FA_METRIC_TRUE_NEGATIVE_RATE] = D_NEG,
        [FA_METRIC_POSITIVE_PREDICTIVE_VALUE] = D_PP,
        [FA_METRIC_FALSE_DISCOVERY_RATE] = D_PP,
        [FA_METRIC_NEGATIVE_PREDICTIVE_VALUE] = D_PN,
        [FA_METRIC_FALSE_OMISSION_RATE] = D_PN,
        [FA_METRIC_ACCURACY] = D_N,
        [FA_METRIC_ERROR_RATE] = D_N,
    };
    return (unsigned)m < FA_METRIC_COUNT_ALL && golden_denom_value(denom[m], c, all) == 0.0;
}

static inline int golden_find_attr(const fa_result *res, const char *name, size_t *a)
{
    for (*a = 0; *a < fa_result_n_attrs(res); (*a)++)
        if (strcmp(fa_result_attr_name(res, *a), name) == 0)
            return 1;
    return 0;
}

static inline int golden_find_group(const fa_result *res, size_t a, const char *value, size_t *g)
{
    for (*g = 0; *g < fa_result_n_groups(res, a); (*g)++)
        if (strcmp(fa_result_group_value(res, a, *g), value) == 0)
            return 1;
    return 0;
}

/* The peers' intersection key "A+B" is our attribute "A & B"; other keys are the same. */
static inline void golden_attr_name(const char *key, char *buf, size_t size)
{
    size_t o = 0;
    for (const char *p = key; *p != '\0' && o + 4 < size; p++) {
        if (*p == '+') {
            memcpy(buf + o, " & ", 3);
            o += 3;
        } else {
            buf[o++] = *p;
        }
    }
    buf[o] = '\0';
}

/* An object's string values joined by " & ": AIF360's privileged {"race": "Caucasian",
 * "sex": "Male"} is our intersection group "Caucasian & Male". */
static inline void golden_join_values(const cJSON *obj, char *buf, size_t size)
{
    const cJSON *v;
    buf[0] = '\0';
    cJSON_ArrayForEach(v, obj)
    {
        if (buf[0] != '\0')
            strncat(buf, " & ", size - strlen(buf) - 1);
        strncat(buf, cJSON_IsString(v) ? v->valuestring : "?", size - strlen(buf) - 1);
    }
}

/* METRICS.md's disparity of kind k over per-group values v[0..n) and the overall value:
 * max - min, min / max, max |v - overall|, min of min(q, 1/q) with q = v / overall. */
static inline double golden_aggregate(const double *v, size_t n, double overall,
                                      fa_disparity_kind k)
{
    int between = k == FA_DISPARITY_BETWEEN_DIFFERENCE || k == FA_DISPARITY_BETWEEN_RATIO;
    if (n == 0 || (between && n < 2) || (k == FA_DISPARITY_TO_OVERALL_RATIO && overall == 0))
        return NAN;
    double lo = v[0], hi = v[0], diff = 0.0, ratio = INFINITY;
    for (size_t i = 0; i < n; i++) {
        double q = overall != 0.0 ? v[i] / overall : NAN;
        lo = fmin(lo, v[i]);
        hi = fmax(hi, v[i]);
        diff = fmax(diff, fabs(v[i] - overall));
        ratio = fmin(ratio, q == 0.0 ? 0.0 : fmin(q, 1.0 / q));
    }
    switch (k) {
    case FA_DISPARITY_BETWEEN_DIFFERENCE:
        return hi - lo;
    case FA_DISPARITY_BETWEEN_RATIO:
        return hi == 0.0 ? NAN : lo / hi;
    case FA_DISPARITY_TO_OVERALL_DIFFERENCE:
        return diff;
    default:
        return ratio;
    }
}

/* ------------------------------------------------ a test's fixture: a golden file and an audit */

/* Set up by the test's setup function (spec is its prestate), freed by golden_teardown. */
typedef struct golden_fixture {
    const void *spec; /* what to audit: the test's own description */
    cJSON *doc;       /* the golden file */
    fa_result *res;   /* our audit */
    char error[2560]; /* set when loading or auditing failed: the test fails with it */
} golden_fixture;

/* Attribute / group lookups that count a miss as a failure. */
static inline int golden_find_peer_attr(golden_check *ck, const fa_result *res, const char *key,
                                        size_t *a)
{
    char name[256];
    golden_attr_name(key, name, sizeof name);
    if (golden_find_attr(res, name, a))
        return 1;
    golden_fail(ck, "attribute \"%s\" (peer key \"%s\") is not in our result", name, key);
    return 0;
}

static inline int golden_find_peer_group(golden_check *ck, const fa_result *res, size_t a,
                                         const char *value, size_t *g)
{
    if (golden_find_group(res, a, value, g))
        return 1;
    golden_fail(ck, "%s: group \"%s\" is not in our result", fa_result_attr_name(res, a), value);
    return 0;
}

/* fa_audit_csv into fx->res; on failure the formatted error goes to fx->error. */
static inline void golden_fixture_audit(golden_fixture *fx, const char *csv,
                                        const fa_audit_options *opts)
{
    fa_error err;
    fa_error_clear(&err);
    int rc = fa_audit_csv(&fx->res, csv, opts, NULL, &err);
    if (rc != FA_OK) {
        char msg[1200];
        fa_error_format(msg, sizeof msg, &err);
        snprintf(fx->error, sizeof fx->error, "fa_audit_csv(%s) failed (%d): %s", csv, rc, msg);
    }
}

/* Replaces the prestate (kept as ->spec) by a fresh fixture; 0 when there is no ../shared. */
static inline int golden_fixture_new(void **state, golden_fixture **out)
{
    golden_fixture *fx = calloc(1, sizeof *fx);
    assert_non_null(fx);
    fx->spec = *state;
    *state = fx;
    *out = fx;
    return golden_shared_dir() != NULL;
}

static inline int golden_teardown(void **state)
{
    golden_fixture *fx = *state;
    if (fx != NULL) {
        cJSON_Delete(fx->doc);
        fa_result_free(fx->res);
        free(fx);
    }
    return 0;
}

/* The test's fixture; skips without ../shared, fails when the audit failed. */
#define GOLDEN_FIXTURE_OR_SKIP(fx, state)                                                          \
    do {                                                                                           \
        const char *shared_;                                                                       \
        GOLDEN_SHARED_OR_SKIP(shared_);                                                            \
        (void)shared_;                                                                             \
        (fx) = *(state);                                                                           \
        if ((fx)->error[0] != '\0')                                                                \
            fail_msg("%s", (fx)->error);                                                           \
    } while (0)

#endif /* FAIRAUDIT_TESTS_GOLDEN_UTIL_H */
