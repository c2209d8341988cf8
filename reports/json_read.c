/*
 * reports/json_read.c - a JSON result read back into an fa_result (DESIGN.md: "reports/json.c
 * writes it and reads it back"), so `fairaudit report AUDIT.json` renders every output again
 * without the data.
 *
 * The reader mirrors reports/json.c block by block and is strict, because the contract is
 * write(read(json)) == json byte for byte: every key the writer writes must be there with its
 * type, no key may appear twice, and a key the writer does not write is an error (a silently
 * dropped field would make a report that differs from the audit). Values the writer derives
 * from others (within_tau, left_out, vs_reference, a gate's "change", "passed") are checked
 * for type and recomputed by the writer. Reasons and reference sources, static phrases in a
 * computed result, are interned in the result (fa_result.strings). Score statistics come back
 * as their metrics, bins and sweeps (fa_scores_restore: no distinct values), bootstrap
 * intervals as lo and hi (fa_bootstrap_restore). What the JSON does not keep is derived where
 * it can be (has_pred, the pooled "rest" counts, n_included, minority_label, a gate's
 * small_reference and its policy "attribute" from the entries it gave, the policy's
 * "inconclusive" mapping from exit_status, a policy population from the groups'
 * population_share) and left empty otherwise (a gate's "significant_only" and explicit
 * "direction", the tests' expected counts, the seed past 2^53).
 *
 * Versions: "MAJOR.MINOR.PATCH". A result from a newer fairaudit is refused (it may hold what
 * this one cannot render), and so is one with another major version; an older one with the
 * same major version is read.
 *
 * Limits (the reader is fuzzed, tests/fuzz/fuzz_result.c): 256 MiB of text; the syntax, NaN
 * and Infinity, and a nesting depth of FA_JSON_MAX_DEPTH are checked by fa_json_check before
 * cJSON (which recurses) parses; duplicate keys are found by sorting the keys of large
 * objects (no quadratic scan).
 */
#include <cjson/cJSON.h>
#include <math.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "common/alloc.h"
#include "common/error.h"
#include "common/fileio.h"
#include "common/jsoncheck.h"
#include "common/text.h"
#include "metrics/rates.h"
#include "metrics/summary.h"
#include "reports/result.h"

#define READ_MAX_BYTES ((size_t)256 << 20)
#define JP FA_ERROR_PATH_MAX

typedef struct rd {
    const char *name;
    fa_error *err;
    fa_result *res;
    int sweep_seen; /* a sweep was read: n_sweep is set */
} rd;

/* ------------------------------------------------------------------ errors and paths */

static void describe(char *buf, size_t size, const cJSON *v)
{
    if (v == NULL) {
        snprintf(buf, size, "nothing");
    } else if (cJSON_IsString(v)) {
        fa_error_quote(buf, size, v->valuestring, strlen(v->valuestring));
    } else if (cJSON_IsNumber(v)) {
        fa_format_double(buf, size, v->valuedouble);
    } else if (cJSON_IsBool(v)) {
        snprintf(buf, size, "%s", cJSON_IsTrue(v) ? "true" : "false");
    } else if (cJSON_IsNull(v)) {
        snprintf(buf, size, "null");
    } else if (cJSON_IsArray(v)) {
        snprintf(buf, size, "an array");
    } else {
        snprintf(buf, size, "an object");
    }
}

static int bad(rd *r, const char *jp, const char *expected, const cJSON *got)
{
    char d[128];
    describe(d, sizeof d, got);
    return fa_error_set_json(r->err, FA_EPARSE, r->name, jp, "expected %s, found %s", expected, d);
}

static int oom(rd *r)
{
    return fa_error_set(r->err, FA_ENOMEM, r->name, 0, 0, "out of memory");
}

static int invalid(rd *r, const char *jp, const char *fmt, ...) FA_PRINTF(3, 4);
static int invalid(rd *r, const char *jp, const char *fmt, ...)
{
    char msg[FA_ERROR_MSG_MAX];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(msg, sizeof msg, fmt, ap);
    va_end(ap);
    return fa_error_set_json(r->err, FA_EINVAL, r->name, jp, "%s", msg);
}

/* out = jp + sep + tail, truncated to JP - 1 bytes; out may be jp itself. */
static void join(char out[JP], const char *jp, const char *sep, const char *tail)
{
    size_t n = strlen(jp);
    n = n < JP - 1 ? n : JP - 1;
    memmove(out, jp, n);
    for (const char *t = sep; *t && n < JP - 1; t++) {
        out[n++] = *t;
    }
    for (const char *t = tail; *t && n < JP - 1; t++) {
        out[n++] = *t;
    }
    out[n] = '\0';
}

static void sub(char out[JP], const char *jp, const char *key)
{
    join(out, jp, *jp ? "." : "", key);
}

static void idx(char out[JP], const char *jp, size_t i)
{
    char num[32];
    snprintf(num, sizeof num, "[%zu]", i);
    join(out, jp, "", num);
}

/* ------------------------------------------------------------------ typed access */

static int cmp_key(const void *a, const void *b)
{
    return strcmp(*(const char *const *)a, *(const char *const *)b);
}

static int duplicates(rd *r, const cJSON *o, const char *jp)
{
    size_t n = 0;
    for (const cJSON *a = o->child; a; a = a->next) {
        n++;
    }
    const char *dup = NULL;
    if (n <= 16) {
        for (const cJSON *a = o->child; a && !dup; a = a->next) {
            for (const cJSON *b = a->next; b && !dup; b = b->next) {
                dup = strcmp(a->string, b->string) == 0 ? b->string : NULL;
            }
        }
    } else {
        const char **keys = fa_alloc_array(n, sizeof *keys);
        if (keys == NULL) {
            return oom(r);
        }
        size_t i = 0;
        for (const cJSON *a = o->child; a; a = a->next) {
            keys[i++] = a->string;
        }
        qsort(keys, n, sizeof *keys, cmp_key);
        for (i = 1; i < n && !dup; i++) {
            dup = strcmp(keys[i - 1], keys[i]) == 0 ? keys[i] : NULL;
        }
        free(keys);
    }
    if (dup) {
        char p[JP];
        sub(p, jp, dup);
        return fa_error_set_json(r->err, FA_EPARSE, r->name, p, "duplicate key");
    }
    return FA_OK;
}

/* o is an object whose keys are among known[] (NULL-terminated; NULL: any), each once. */
static int object(rd *r, const cJSON *o, const char *jp, const char *const known[])
{
    if (!cJSON_IsObject(o)) {
        return bad(r, jp, "an object", o);
    }
    int st = duplicates(r, o, jp);
    for (const cJSON *a = o->child; st == FA_OK && known && a; a = a->next) {
        int ok = 0;
        for (size_t k = 0; known[k] && !ok; k++) {
            ok = strcmp(a->string, known[k]) == 0;
        }
        if (!ok) {
            char p[JP];
            sub(p, jp, a->string);
            st = fa_error_set_json(r->err, FA_EPARSE, r->name, p,
                                   "unknown key (not written by this fairaudit)");
        }
    }
    return st;
}

static int array(rd *r, const cJSON *a, const char *jp)
{
    return cJSON_IsArray(a) ? FA_OK : bad(r, jp, "an array", a);
}

/* The member `key` of o, which must be there. */
static int member(rd *r, const cJSON *o, const char *jp, const char *key, const cJSON **out)
{
    *out = cJSON_GetObjectItemCaseSensitive(o, key);
    if (*out == NULL) {
        char p[JP];
        sub(p, jp, key);
        return fa_error_set_json(r->err, FA_EPARSE, r->name, p, "missing key");
    }
    return FA_OK;
}

enum { NUM_ANY = 0, NUM_NULL = 1, NUM_NONNEG = 2, NUM_INT = 4 };

static int number(rd *r, const cJSON *v, const char *jp, int flags, double *out)
{
    if ((flags & NUM_NULL) && cJSON_IsNull(v)) {
        *out = NAN;
        return FA_OK;
    }
    double x = cJSON_IsNumber(v) ? v->valuedouble : NAN;
    int ok = isfinite(x) && (!(flags & NUM_NONNEG) || x >= 0.0) &&
             (!(flags & NUM_INT) || (x == floor(x) && x < 18446744073709551616.0));
    if (!ok) {
        const char *what = (flags & NUM_INT)      ? "a non-negative integer"
                           : (flags & NUM_NONNEG) ? "a non-negative number"
                           : (flags & NUM_NULL)   ? "a number or null"
                                                  : "a number";
        return bad(r, jp, what, v);
    }
    *out = x;
    return FA_OK;
}

static int num_at(rd *r, const cJSON *o, const char *jp, const char *key, int flags, double *out)
{
    const cJSON *v;
    int st = member(r, o, jp, key, &v);
    if (st == FA_OK) {
        char p[JP];
        sub(p, jp, key);
        st = number(r, v, p, flags, out);
    }
    return st;
}

static int u64_at(rd *r, const cJSON *o, const char *jp, const char *key, uint64_t *out)
{
    double x = 0;
    int st = num_at(r, o, jp, key, NUM_NONNEG | NUM_INT, &x);
    *out = (uint64_t)x;
    return st;
}

static int size_at(rd *r, const cJSON *o, const char *jp, const char *key, size_t *out)
{
    uint64_t x = 0;
    int st = u64_at(r, o, jp, key, &x);
    if (st == FA_OK && x > SIZE_MAX) {
        char p[JP];
        sub(p, jp, key);
        return invalid(r, p, "too large");
    }
    *out = (size_t)x;
    return st;
}

/* A copy of the string (NULL for null when nullable). */
static int string(rd *r, const cJSON *v, const char *jp, int nullable, char **out)
{
    *out = NULL;
    if (nullable && cJSON_IsNull(v)) {
        return FA_OK;
    }
    if (!cJSON_IsString(v)) {
        return bad(r, jp, nullable ? "a string or null" : "a string", v);
    }
    *out = fa_strdup(v->valuestring);
    return *out ? FA_OK : oom(r);
}

static int str_at(rd *r, const cJSON *o, const char *jp, const char *key, int nullable, char **out)
{
    const cJSON *v;
    *out = NULL;
    int st = member(r, o, jp, key, &v);
    if (st == FA_OK) {
        char p[JP];
        sub(p, jp, key);
        st = string(r, v, p, nullable, out);
    }
    return st;
}

/* The string value of a required member, borrowed from the tree. */
static int text_at(rd *r, const cJSON *o, const char *jp, const char *key, const char **out)
{
    const cJSON *v;
    int st = member(r, o, jp, key, &v);
    if (st == FA_OK && !cJSON_IsString(v)) {
        char p[JP];
        sub(p, jp, key);
        st = bad(r, p, "a string", v);
    }
    *out = st == FA_OK ? v->valuestring : NULL;
    return st;
}

/* A string kept in the result's pool (reasons: static phrases of a computed result). */
static int intern(rd *r, const cJSON *v, const char *jp, const char **out)
{
    if (!cJSON_IsString(v)) {
        return bad(r, jp, "a string", v);
    }
    size_t i;
    if (fa_intern_get(&r->res->strings, v->valuestring, strlen(v->valuestring), &i) != 0) {
        return oom(r);
    }
    *out = fa_intern_str(&r->res->strings, i);
    return FA_OK;
}

/* An optional phrase: NULL when the key is absent. */
static int phrase_at(rd *r, const cJSON *o, const char *jp, const char *key, const char **out)
{
    const cJSON *v = cJSON_GetObjectItemCaseSensitive(o, key);
    *out = NULL;
    if (v == NULL) {
        return FA_OK;
    }
    char p[JP];
    sub(p, jp, key);
    return intern(r, v, p, out);
}

static int bool_at(rd *r, const cJSON *o, const char *jp, const char *key, int *out)
{
    const cJSON *v;
    int st = member(r, o, jp, key, &v);
    if (st == FA_OK && !cJSON_IsBool(v)) {
        char p[JP];
        sub(p, jp, key);
        return bad(r, p, "true or false", v);
    }
    *out = st == FA_OK && cJSON_IsTrue(v);
    return st;
}

/* [lo, hi], each a number or null. */
static int pair(rd *r, const cJSON *v, const char *jp, double *lo, double *hi)
{
    if (!cJSON_IsArray(v) || cJSON_GetArraySize(v) != 2) {
        return bad(r, jp, "[lo, hi]", v);
    }
    char p[JP];
    idx(p, jp, 0);
    int st = number(r, v->child, p, NUM_NULL, lo);
    idx(p, jp, 1);
    return st != FA_OK ? st : number(r, v->child->next, p, NUM_NULL, hi);
}

static int pair_at(rd *r, const cJSON *o, const char *jp, const char *key, double *lo, double *hi)
{
    const cJSON *v;
    int st = member(r, o, jp, key, &v);
    if (st == FA_OK) {
        char p[JP];
        sub(p, jp, key);
        st = pair(r, v, p, lo, hi);
    }
    return st;
}

/* One of names[0..n) (NULL entries skipped); *out its index. */
static int choice(rd *r, const cJSON *o, const char *jp, const char *key, const char *const names[],
                  int n, int *out)
{
    const char *s;
    int st = text_at(r, o, jp, key, &s);
    for (int i = 0; st == FA_OK && i < n; i++) {
        if (names[i] && strcmp(s, names[i]) == 0) {
            *out = i;
            return FA_OK;
        }
    }
    if (st == FA_OK) {
        char p[JP], d[128];
        sub(p, jp, key);
        fa_error_quote(d, sizeof d, s, strlen(s));
        char list[256] = "";
        size_t used = 0;
        for (int i = 0; i < n && used < sizeof list; i++) {
            if (names[i]) {
                int w = snprintf(list + used, sizeof list - used, "%s\"%s\"", used ? " or " : "",
                                 names[i]);
                used += w > 0 ? (size_t)w : 0;
            }
        }
        st = fa_error_set_json(r->err, FA_EPARSE, r->name, p, "expected %s, found %s", list, d);
    }
    return st;
}

/* n numbers (or null) into out[0..n). */
static int numbers(rd *r, const cJSON *a, const char *jp, size_t n, double out[])
{
    if (!cJSON_IsArray(a) || (size_t)cJSON_GetArraySize(a) != n) {
        char what[64];
        snprintf(what, sizeof what, "an array of %zu numbers", n);
        return bad(r, jp, what, a);
    }
    size_t i = 0;
    for (const cJSON *v = a->child; v; v = v->next, i++) {
        if (cJSON_IsNull(v)) {
            out[i] = NAN;
        } else if (cJSON_IsNumber(v) && isfinite(v->valuedouble)) {
            out[i] = v->valuedouble;
        } else { /* the element's path only when it is needed */
            char p[JP];
            idx(p, jp, i);
            return number(r, v, p, NUM_NULL, &out[i]);
        }
    }
    return FA_OK;
}

static size_t array_size(const cJSON *a)
{
    size_t n = 0;
    for (const cJSON *v = a->child; v; v = v->next) {
        n++;
    }
    return n;
}

/* -------------------------------------------------------------------- lookups */

static long attr_index(const fa_result *res, const char *name)
{
    for (size_t a = 0; a < res->n_attrs; a++) {
        if (strcmp(res->attrs[a].name, name) == 0) {
            return (long)a;
        }
    }
    return -1;
}

/* Groups are sorted bytewise (checked when read): a binary search. */
static long group_index(const fa_attr_result *at, const char *value)
{
    size_t lo = 0, hi = at->n_groups;
    while (lo < hi) {
        size_t mid = lo + (hi - lo) / 2;
        int c = strcmp(at->groups[mid].value, value);
        if (c == 0) {
            return (long)mid;
        }
        if (c < 0) {
            lo = mid + 1;
        } else {
            hi = mid;
        }
    }
    return -1;
}

static int group_at(rd *r, const cJSON *o, const char *jp, const char *key,
                    const fa_attr_result *at, size_t *out)
{
    const char *s;
    int st = text_at(r, o, jp, key, &s);
    long g = st == FA_OK ? group_index(at, s) : -1;
    if (st == FA_OK && g < 0) {
        char p[JP], d[128];
        sub(p, jp, key);
        fa_error_quote(d, sizeof d, s, strlen(s));
        return invalid(r, p, "%s is not a group of '%s'", d, at->name);
    }
    *out = (size_t)g;
    return st;
}

static int has_metric(const fa_result *res, int m)
{
    return m != FA_METRIC_MEAN_SCORE || res->score != NULL;
}

/* ------------------------------------------------------------------ the header */

static int parse_version(const char *s, unsigned long v[3])
{
    for (int i = 0; i < 3; i++) {
        char *end;
        if (*s < '0' || *s > '9') {
            return -1;
        }
        v[i] = strtoul(s, &end, 10);
        if (*end != (i < 2 ? '.' : '\0')) {
            return -1;
        }
        s = end + (i < 2);
    }
    return 0;
}

static int version(rd *r, const cJSON *root)
{
    const cJSON *v = cJSON_GetObjectItemCaseSensitive(root, "fairaudit_version");
    if (!cJSON_IsString(v)) {
        return fa_error_set_json(r->err, FA_EPARSE, r->name, "fairaudit_version",
                                 "not a fairaudit result: expected the version string, found %s",
                                 v ? "another type" : "nothing");
    }
    unsigned long file[3], ours[3];
    if (parse_version(v->valuestring, file) != 0 || parse_version(FA_VERSION, ours) != 0) {
        return bad(r, "fairaudit_version", "a version MAJOR.MINOR.PATCH", v);
    }
    int newer = 0;
    for (int i = 0; i < 3 && !newer; i++) {
        if (file[i] != ours[i]) {
            newer = file[i] > ours[i] ? 1 : -1;
            break;
        }
    }
    if (newer > 0 || file[0] != ours[0]) {
        return invalid(r, "fairaudit_version", "written by fairaudit %s, %s this %s",
                       v->valuestring, newer > 0 ? "newer than" : "another major version than",
                       FA_VERSION);
    }
    return FA_OK;
}

static const char *const INPUT_KEYS[] = {"path", "rows", "bytes", "sha256", NULL};
static const char *const COLUMN_KEYS[] = {"label",     "pred",   "score",     "weight", "positive",
                                          "threshold", "groups", "intersect", NULL};
static const char *const OPTION_KEYS[] = {
    "min_group_size", "confidence_level", "ci_method", "bootstrap", "tau", NULL};
static const char *const BOOT_KEYS[] = {"replicates", "seed", "method", "resampling", NULL};

/* The input's size and SHA-256 (both or neither), the policy's title. */
static int provenance(rd *r, const cJSON *root, const cJSON *in)
{
    fa_result *res = r->res;
    const cJSON *sha = cJSON_GetObjectItemCaseSensitive(in, "sha256");
    const cJSON *pol = cJSON_GetObjectItemCaseSensitive(root, "policy");
    static const char *const POLICY_KEYS[] = {"title", NULL};
    int st;
    if (sha || cJSON_GetObjectItemCaseSensitive(in, "bytes")) {
        const char *h;
        if ((st = u64_at(r, in, "input", "bytes", &res->input_bytes)) != FA_OK ||
            (st = text_at(r, in, "input", "sha256", &h)) != FA_OK) {
            return st;
        }
        size_t n = strlen(h);
        if (n == 0 || n >= sizeof res->input_sha256 || strspn(h, "0123456789abcdef") != n) {
            return bad(r, "input.sha256", "a SHA-256 in lower-case hex", sha);
        }
        memcpy(res->input_sha256, h, n + 1);
    }
    if (pol && ((st = object(r, pol, "policy", POLICY_KEYS)) != FA_OK ||
                (st = str_at(r, pol, "policy", "title", 0, &res->policy_title)) != FA_OK)) {
        return st;
    }
    return FA_OK;
}

static int header(rd *r, const cJSON *root)
{
    fa_result *res = r->res;
    const cJSON *in, *c, *o, *b, *g;
    const char *resampling;
    double mgs;
    int st, k = 0;
    if ((st = member(r, root, "", "input", &in)) != FA_OK ||
        (st = object(r, in, "input", INPUT_KEYS)) != FA_OK ||
        (st = str_at(r, in, "input", "path", 1, &res->input_path)) != FA_OK ||
        (st = u64_at(r, in, "input", "rows", &res->rows)) != FA_OK ||
        (st = provenance(r, root, in)) != FA_OK ||
        (st = member(r, root, "", "columns", &c)) != FA_OK ||
        (st = object(r, c, "columns", COLUMN_KEYS)) != FA_OK ||
        (st = str_at(r, c, "columns", "label", 1, &res->label)) != FA_OK ||
        (st = str_at(r, c, "columns", "pred", 1, &res->pred)) != FA_OK ||
        (st = str_at(r, c, "columns", "score", 1, &res->score)) != FA_OK ||
        (st = str_at(r, c, "columns", "weight", 1, &res->weight)) != FA_OK ||
        (st = str_at(r, c, "columns", "positive", 1, &res->positive)) != FA_OK ||
        (st = num_at(r, c, "columns", "threshold", NUM_NULL, &res->threshold)) != FA_OK ||
        (st = member(r, c, "columns", "groups", &g)) != FA_OK ||
        (st = array(r, g, "columns.groups")) != FA_OK ||
        (st = bool_at(r, c, "columns", "intersect", &res->intersect)) != FA_OK) {
        return st;
    }
    size_t n = array_size(g);
    if ((res->group_cols = fa_calloc_array(n ? n : 1, sizeof(char *))) == NULL) {
        return oom(r);
    }
    for (const cJSON *v = g->child; v; v = v->next) {
        char p[JP];
        idx(p, "columns.groups", res->n_group_cols);
        if ((st = string(r, v, p, 0, &res->group_cols[res->n_group_cols])) != FA_OK) {
            return st;
        }
        res->n_group_cols++;
    }
    res->has_pred = res->pred != NULL || !isnan(res->threshold); /* or a cut-off: cutoff() */
    static const char *const CI[] = {"wilson", "clopper_pearson"};
    static const char *const BM[] = {"percentile", "bca"};
    double seed = 0;
    if ((st = member(r, root, "", "options", &o)) != FA_OK ||
        (st = object(r, o, "options", OPTION_KEYS)) != FA_OK ||
        (st = num_at(r, o, "options", "min_group_size", NUM_NONNEG | NUM_INT, &mgs)) != FA_OK ||
        (st = num_at(r, o, "options", "confidence_level", NUM_ANY, &res->confidence_level)) !=
            FA_OK ||
        (st = choice(r, o, "options", "ci_method", CI, 2, &k)) != FA_OK) {
        return st;
    }
    if (mgs > (double)(1L << 52)) {
        return invalid(r, "options.min_group_size", "too large");
    }
    res->min_group_size = (long)mgs;
    res->ci_method = k ? FA_CI_CLOPPER_PEARSON : FA_CI_WILSON;
    if ((st = member(r, o, "options", "bootstrap", &b)) != FA_OK ||
        (st = object(r, b, "options.bootstrap", BOOT_KEYS)) != FA_OK ||
        (st = size_at(r, b, "options.bootstrap", "replicates", &res->bootstrap)) != FA_OK ||
        (st = num_at(r, b, "options.bootstrap", "seed", NUM_NONNEG | NUM_INT, &seed)) != FA_OK ||
        (st = choice(r, b, "options.bootstrap", "method", BM, 2, &k)) != FA_OK ||
        (st = text_at(r, b, "options.bootstrap", "resampling", &resampling)) != FA_OK ||
        (st = num_at(r, o, "options", "tau", NUM_ANY, &res->tau)) != FA_OK) {
        return st;
    }
    res->seed = (uint64_t)seed;
    res->boot_method = k ? FA_BOOT_BCA : FA_BOOT_PERCENTILE;
    return FA_OK;
}

/* --------------------------------------------------- counts, metrics, intervals, scores */

static const char *const COUNT_KEYS[] = {"tp", "fp", "tn", "fn", "rows", NULL};

static int counts(rd *r, const cJSON *o, const char *jp, fa_counts *c)
{
    const cJSON *v;
    char p[JP];
    sub(p, jp, "counts");
    int st;
    if ((st = member(r, o, jp, "counts", &v)) != FA_OK ||
        (st = object(r, v, p, COUNT_KEYS)) != FA_OK ||
        (st = num_at(r, v, p, "tp", NUM_NONNEG, &c->tp)) != FA_OK ||
        (st = num_at(r, v, p, "fp", NUM_NONNEG, &c->fp)) != FA_OK ||
        (st = num_at(r, v, p, "tn", NUM_NONNEG, &c->tn)) != FA_OK ||
        (st = num_at(r, v, p, "fn", NUM_NONNEG, &c->fn)) != FA_OK ||
        (st = u64_at(r, v, p, "rows", &c->rows)) != FA_OK) {
        return st;
    }
    return FA_OK;
}

/* "metrics" and "undefined" (reasons) of a group or of all rows. */
static int metrics(rd *r, const cJSON *o, const char *jp, double m[], const char *reasons[])
{
    const cJSON *v, *u = cJSON_GetObjectItemCaseSensitive(o, "undefined");
    char p[JP], pu[JP];
    sub(p, jp, "metrics");
    sub(pu, jp, "undefined");
    int st = member(r, o, jp, "metrics", &v);
    if (st != FA_OK || (st = object(r, v, p, NULL)) != FA_OK ||
        (u && (st = object(r, u, pu, NULL)) != FA_OK)) {
        return st;
    }
    for (int k = 0; k < FA_METRIC_COUNT_ALL; k++) {
        m[k] = NAN;
        reasons[k] = NULL;
        if (has_metric(r->res, k) &&
            ((st = num_at(r, v, p, fa_metric_name((fa_metric)k), NUM_NULL, &m[k])) != FA_OK ||
             (st = phrase_at(r, u, pu, fa_metric_name((fa_metric)k), &reasons[k])) != FA_OK)) {
            return st;
        }
    }
    /* an undefined value always says why (renderers print the reason) */
    for (int k = 0; k < FA_METRIC_COUNT_ALL; k++) {
        if (has_metric(r->res, k) && isnan(m[k]) && reasons[k] == NULL) {
            char q[JP];
            sub(q, p, fa_metric_name((fa_metric)k));
            return invalid(r, q, "null without a reason under \"undefined\"");
        }
    }
    /* every key must be a metric this result has */
    for (int pass = 0; pass < 2; pass++) {
        const cJSON *x = pass ? u : v;
        for (const cJSON *e = x ? x->child : NULL; e; e = e->next) {
            int k = fa_metric_from_name(e->string);
            if (k < 0 || !has_metric(r->res, k)) {
                char q[JP];
                sub(q, pass ? pu : p, e->string);
                return fa_error_set_json(r->err, FA_EPARSE, r->name, q,
                                         "unknown key (not a metric of this result)");
            }
        }
    }
    return FA_OK;
}

static int intervals(rd *r, const cJSON *o, const char *jp, fa_interval ci[])
{
    const cJSON *v;
    char p[JP];
    sub(p, jp, "ci");
    int st = member(r, o, jp, "ci", &v);
    if (st != FA_OK || (st = object(r, v, p, NULL)) != FA_OK) {
        return st;
    }
    for (int k = 0; k < FA_METRIC_COUNT_ALL; k++) {
        ci[k].lo = ci[k].hi = NAN;
    }
    for (const cJSON *e = v->child; e; e = e->next) {
        char q[JP];
        sub(q, p, e->string);
        int k = fa_metric_from_name(e->string);
        if (k < 0) {
            return fa_error_set_json(r->err, FA_EPARSE, r->name, q, "unknown key (not a metric)");
        }
        if ((st = pair(r, e, q, &ci[k].lo, &ci[k].hi)) != FA_OK) {
            return st;
        }
        if (isnan(ci[k].lo)) {
            return bad(r, q, "a number as the lower bound", e->child);
        }
    }
    return FA_OK;
}

static const char *const SCORE_NAMES[FA_SCORE_METRIC_COUNT] = {
    "roc_auc",   "average_precision",          "brier_score",
    "log_loss",  "expected_calibration_error", "calibration_in_the_large",
    "mean_score"};
static const char *const BIN_KEYS[] = {"lo", "hi", "weight", "mean_predicted", "observed_rate",
                                       NULL};

static const char *const SWEEP_KEYS[] = {"thresholds", "selection_rate", "true_positive_rate",
                                         "false_positive_rate", NULL};

/* "scores.sweep" (when present): four arrays of the result's n_sweep points (the same
 * thresholds for every group: the first sweep read sets n_sweep). */
static int sweep(rd *r, const cJSON *s, const char *jp, fa_sweep_point **out)
{
    const cJSON *sw = cJSON_GetObjectItemCaseSensitive(s, "sweep"), *th;
    char p[JP];
    sub(p, jp, "sweep");
    int st;
    if (sw == NULL) {
        return FA_OK;
    }
    if ((st = object(r, sw, p, SWEEP_KEYS)) != FA_OK ||
        (st = member(r, sw, p, "thresholds", &th)) != FA_OK) {
        return st;
    }
    size_t n = cJSON_IsArray(th) ? array_size(th) : 0;
    if (r->sweep_seen && n != r->res->n_sweep) {
        char q[JP];
        sub(q, p, "thresholds");
        return invalid(r, q, "expected %zu thresholds, as every other sweep has", r->res->n_sweep);
    }
    r->sweep_seen = 1;
    r->res->n_sweep = n;
    double *v = fa_alloc_array(n + 1, sizeof *v);
    *out = fa_calloc_array(n + 1, sizeof **out);
    if (v == NULL || *out == NULL) {
        free(v);
        return oom(r);
    }
    for (int k = 0; k < 4; k++) {
        char q[JP];
        sub(q, p, SWEEP_KEYS[k]);
        const cJSON *a = cJSON_GetObjectItemCaseSensitive(sw, SWEEP_KEYS[k]);
        if (a == NULL) {
            free(v);
            return fa_error_set_json(r->err, FA_EPARSE, r->name, q, "missing key");
        }
        if ((st = numbers(r, a, q, n, v)) != FA_OK) {
            free(v);
            return st;
        }
        for (size_t i = 0; i < n; i++) {
            fa_sweep_point *pt = &(*out)[i];
            *(k == 0   ? &pt->threshold
              : k == 1 ? &pt->selection_rate
              : k == 2 ? &pt->tpr
                       : &pt->fpr) = v[i];
        }
    }
    free(v);
    return FA_OK;
}

/* "scores" and "calibration" of a group or of all rows; *out NULL when absent. */
static int scores(rd *r, const cJSON *o, const char *jp, fa_scores **out, fa_sweep_point **sw)
{
    *out = NULL;
    const cJSON *s = cJSON_GetObjectItemCaseSensitive(o, "scores"), *cal;
    if (s == NULL) {
        if (cJSON_GetObjectItemCaseSensitive(o, "calibration")) {
            char p[JP];
            sub(p, jp, "scores");
            return fa_error_set_json(r->err, FA_EPARSE, r->name, p,
                                     "missing key (\"calibration\" is given)");
        }
        return FA_OK;
    }
    char p[JP], pu[JP], pc[JP];
    sub(p, jp, "scores");
    sub(pu, p, "undefined");
    sub(pc, jp, "calibration");
    static const char *const KEYS[] = {"roc_auc",
                                       "average_precision",
                                       "brier_score",
                                       "log_loss",
                                       "expected_calibration_error",
                                       "calibration_in_the_large",
                                       "mean_score",
                                       "undefined",
                                       "sweep",
                                       NULL};
    const cJSON *u = cJSON_GetObjectItemCaseSensitive(s, "undefined");
    int st = object(r, s, p, KEYS);
    if (st != FA_OK || (u && (st = object(r, u, pu, KEYS)) != FA_OK) ||
        (st = member(r, o, jp, "calibration", &cal)) != FA_OK ||
        (st = array(r, cal, pc)) != FA_OK) {
        return st;
    }
    double m[FA_SCORE_METRIC_COUNT];
    const char *why[FA_SCORE_METRIC_COUNT];
    for (int k = 0; k < FA_SCORE_METRIC_COUNT; k++) {
        if ((st = num_at(r, s, p, SCORE_NAMES[k], NUM_NULL, &m[k])) != FA_OK ||
            (st = phrase_at(r, u, pu, SCORE_NAMES[k], &why[k])) != FA_OK) {
            return st;
        }
    }
    size_t n = array_size(cal), i = 0;
    fa_calibration_bin *bins = fa_calloc_array(n ? n : 1, sizeof *bins);
    if (bins == NULL) {
        return oom(r);
    }
    for (const cJSON *e = cal->child; e && st == FA_OK; e = e->next, i++) {
        char q[JP];
        idx(q, pc, i);
        fa_calibration_bin *bn = &bins[i];
        if ((st = object(r, e, q, BIN_KEYS)) != FA_OK ||
            (st = num_at(r, e, q, "lo", NUM_NULL, &bn->lo)) != FA_OK ||
            (st = num_at(r, e, q, "hi", NUM_NULL, &bn->hi)) != FA_OK ||
            (st = num_at(r, e, q, "weight", NUM_NULL, &bn->weight)) != FA_OK ||
            (st = num_at(r, e, q, "mean_predicted", NUM_NULL, &bn->mean_predicted)) != FA_OK) {
            break;
        }
        st = num_at(r, e, q, "observed_rate", NUM_NULL, &bn->observed_rate);
    }
    if (st == FA_OK) {
        st = fa_scores_restore(out, m, why, bins, n, r->err);
    }
    free(bins);
    return st != FA_OK ? st : sweep(r, s, p, sw);
}

/* ------------------------------------------------------------------ groups */

static const char *const GROUP_KEYS[] = {"attribute", "value",       "count",     "reference",
                                         "counts",    "metrics",     "undefined", "ci",
                                         "scores",    "calibration", "flags",     NULL};

static int group_flags(rd *r, const cJSON *o, const char *jp, fa_group_result *gr)
{
    const cJSON *f;
    char p[JP], small[96];
    sub(p, jp, "flags");
    snprintf(small, sizeof small, "below min_group_size (%ld)", r->res->min_group_size);
    int st = member(r, o, jp, "flags", &f);
    if (st != FA_OK || (st = array(r, f, p)) != FA_OK) {
        return st;
    }
    size_t i = 0;
    for (const cJSON *e = f->child; e; e = e->next, i++) {
        char q[JP];
        idx(q, p, i);
        if (!cJSON_IsString(e) || strcmp(e->valuestring, small) != 0 || gr->small) {
            char what[128];
            snprintf(what, sizeof what, "\"%s\" once at most", small);
            return bad(r, q, what, e);
        }
        gr->small = 1;
    }
    return FA_OK;
}

static int group(rd *r, const cJSON *o, const char *jp, fa_attr_result *at, size_t g)
{
    fa_group_result *gr = &at->groups[g];
    int st, ref;
    double count;
    if ((st = object(r, o, jp, GROUP_KEYS)) != FA_OK ||
        (st = str_at(r, o, jp, "value", 0, &gr->value)) != FA_OK ||
        (st = num_at(r, o, jp, "count", NUM_NULL, &count)) != FA_OK ||
        (st = bool_at(r, o, jp, "reference", &ref)) != FA_OK ||
        (st = counts(r, o, jp, &gr->counts)) != FA_OK ||
        (st = metrics(r, o, jp, gr->metrics, gr->reasons)) != FA_OK ||
        (st = intervals(r, o, jp, gr->ci)) != FA_OK ||
        (st = scores(r, o, jp, &gr->scores, &gr->sweep)) != FA_OK ||
        (st = group_flags(r, o, jp, gr)) != FA_OK) {
        return st;
    }
    char p[JP];
    if (!(count == gr->metrics[FA_METRIC_COUNT] ||
          (isnan(count) && isnan(gr->metrics[FA_METRIC_COUNT])))) {
        sub(p, jp, "count");
        return invalid(r, p, "differs from metrics.count");
    }
    sub(p, jp, "value");
    if (g > 0 && strcmp(at->groups[g - 1].value, gr->value) >= 0) {
        return invalid(r, p, "groups of '%s' are not in increasing bytewise order", at->name);
    }
    if (ref) {
        if (at->reference >= 0) {
            sub(p, jp, "reference");
            return invalid(r, p, "a second reference group of '%s'", at->name);
        }
        at->reference = (long)g;
        gr->is_reference = 1;
    }
    return FA_OK;
}

/* The attributes are the keys of "summary" (one per attribute, the intersection last). */
static int attributes(rd *r, const cJSON *root)
{
    fa_result *res = r->res;
    const cJSON *s;
    int st = member(r, root, "", "summary", &s);
    if (st != FA_OK || (st = object(r, s, "summary", NULL)) != FA_OK) {
        return st;
    }
    size_t n = array_size(s);
    if ((res->attrs = fa_calloc_array(n ? n : 1, sizeof *res->attrs)) == NULL) {
        return oom(r);
    }
    for (const cJSON *e = s->child; e; e = e->next) {
        fa_attr_result *at = &res->attrs[res->n_attrs];
        if ((at->name = fa_strdup(e->string)) == NULL) {
            return oom(r);
        }
        at->reference = -1;
        at->is_intersection = res->n_attrs >= res->n_group_cols;
        res->n_attrs++;
    }
    return FA_OK;
}

static int groups(rd *r, const cJSON *root)
{
    fa_result *res = r->res;
    const cJSON *ga;
    int st = member(r, root, "", "groups", &ga);
    if (st != FA_OK || (st = array(r, ga, "groups")) != FA_OK) {
        return st;
    }
    /* pass 1: how many groups each attribute has (they come attribute by attribute) */
    size_t *n = fa_calloc_array(res->n_attrs ? res->n_attrs : 1, sizeof *n), i = 0;
    if (n == NULL) {
        return oom(r);
    }
    long last = 0;
    for (const cJSON *e = ga->child; e && st == FA_OK; e = e->next, i++) {
        char p[JP];
        idx(p, "groups", i);
        const char *name;
        if ((st = object(r, e, p, GROUP_KEYS)) != FA_OK ||
            (st = text_at(r, e, p, "attribute", &name)) != FA_OK) {
            break;
        }
        long a = attr_index(res, name);
        sub(p, p, "attribute");
        if (a < 0 || a < last) {
            st = invalid(r, p,
                         a < 0 ? "'%s' is not an attribute of the summary"
                               : "'%s' out of order (groups come attribute by attribute)",
                         name);
            break;
        }
        last = a;
        n[a]++;
    }
    for (size_t a = 0; st == FA_OK && a < res->n_attrs; a++) {
        res->attrs[a].groups = fa_calloc_array(n[a] ? n[a] : 1, sizeof(fa_group_result));
        if (res->attrs[a].groups == NULL) {
            st = oom(r);
        }
    }
    free(n);
    i = 0;
    for (const cJSON *e = ga->child; e && st == FA_OK; e = e->next, i++) {
        char p[JP];
        idx(p, "groups", i);
        fa_attr_result *at = &res->attrs[attr_index(
            res, cJSON_GetObjectItemCaseSensitive(e, "attribute")->valuestring)];
        size_t g = at->n_groups++;
        st = group(r, e, p, at, g);
    }
    if (st != FA_OK) {
        return st;
    }
    /* m(g) - m(ref) and m(g) / m(ref) as audit/compute.c fills them; the JSON keeps those of
     * the rates with disparities, read next, which overwrite these */
    for (size_t a = 0; a < res->n_attrs; a++) {
        fa_attr_result *at = &res->attrs[a];
        const fa_group_result *ref = at->reference >= 0 ? &at->groups[at->reference] : NULL;
        memset(&at->rest, 0, sizeof at->rest);
        for (size_t g = 0; g < at->n_groups; g++) {
            fa_group_result *gr = &at->groups[g];
            for (int m = 0; m < FA_METRIC_COUNT_ALL; m++) {
                gr->diff[m] = ref ? fa_disparity_difference(gr->metrics[m], ref->metrics[m]) : NAN;
                gr->ratio[m] = ref ? fa_disparity_ratio(gr->metrics[m], ref->metrics[m]) : NAN;
            }
            if (ref && !gr->is_reference) {
                fa_counts_add(&at->rest, &gr->counts);
            }
        }
    }
    return FA_OK;
}

/* ------------------------------------------------------------------ disparities */

static const char *const DISP_KEYS[] = {"attribute",      "metric",     "reference", "by_group",
                                        "between_groups", "to_overall", "left_out",  NULL};
static const char *const BYG_KEYS[] = {"difference", "ratio",      "difference_ci",
                                       "ratio_ci",   "within_tau", NULL};
static const char *const BETWEEN_KEYS[] = {"difference",    "ratio",    "min_group", "max_group",
                                           "difference_ci", "ratio_ci", NULL};
static const char *const TO_KEYS[] = {"difference", "ratio", "difference_ci", "ratio_ci", NULL};

/* The bootstrap intervals of an aggregate or a group: present exactly when at->boot is. */
static int boot_pair(rd *r, const cJSON *o, const char *jp, const char *key, fa_bootstrap_ci *ci)
{
    if (ci == NULL) {
        if (cJSON_GetObjectItemCaseSensitive(o, key)) {
            char p[JP];
            sub(p, jp, key);
            return invalid(r, p, "an interval, but the attribute has no bootstrap intervals");
        }
        return FA_OK;
    }
    return pair_at(r, o, jp, key, &ci->lo, &ci->hi);
}

static fa_bootstrap_ci *boot_ci(fa_bootstrap *bs, int table, size_t g, int i, int kind)
{
    return bs ? fa_bootstrap_restore_ci(bs, table, g, i, kind) : NULL;
}

static int by_group(rd *r, const cJSON *o, const char *jp, fa_attr_result *at, int m)
{
    const cJSON *bg;
    char p[JP];
    sub(p, jp, "by_group");
    int st = member(r, o, jp, "by_group", &bg);
    if (st != FA_OK || (st = object(r, bg, p, NULL)) != FA_OK) {
        return st;
    }
    size_t seen = 0;
    for (size_t g = 0; g < at->n_groups; g++) {
        fa_group_result *gr = &at->groups[g];
        if (gr->is_reference) {
            continue;
        }
        const cJSON *e;
        char q[JP];
        sub(q, p, gr->value);
        int wt = 0;
        const cJSON *tau;
        if ((st = member(r, bg, p, gr->value, &e)) != FA_OK ||
            (st = object(r, e, q, BYG_KEYS)) != FA_OK ||
            (st = num_at(r, e, q, "difference", NUM_NULL, &gr->diff[m])) != FA_OK ||
            (st = num_at(r, e, q, "ratio", NUM_NULL, &gr->ratio[m])) != FA_OK ||
            (st = boot_pair(r, e, q, "difference_ci",
                            boot_ci(at->boot, FA_BOOTSTRAP_TABLE_DIFFERENCE, g, m, 0))) != FA_OK ||
            (st = boot_pair(r, e, q, "ratio_ci",
                            boot_ci(at->boot, FA_BOOTSTRAP_TABLE_RATIO, g, m, 0))) != FA_OK ||
            (st = member(r, e, q, "within_tau", &tau)) != FA_OK) {
            return st;
        }
        if (!cJSON_IsNull(tau) && (st = bool_at(r, e, q, "within_tau", &wt)) != FA_OK) {
            return st;
        }
        seen++;
    }
    if (seen != array_size(bg)) {
        return invalid(r, p, "expected one entry per group but the reference");
    }
    return FA_OK;
}

static int aggregate(rd *r, const cJSON *o, const char *jp, fa_attr_result *at, int m)
{
    fa_disparity *d = &at->disp[m];
    const cJSON *bw, *to;
    char pb[JP], pt[JP];
    sub(pb, jp, "between_groups");
    sub(pt, jp, "to_overall");
    int st;
    if ((st = member(r, o, jp, "between_groups", &bw)) != FA_OK ||
        (st = object(r, bw, pb, BETWEEN_KEYS)) != FA_OK ||
        (st = num_at(r, bw, pb, "difference", NUM_NULL, &d->between_difference)) != FA_OK ||
        (st = num_at(r, bw, pb, "ratio", NUM_NULL, &d->between_ratio)) != FA_OK ||
        (st = member(r, o, jp, "to_overall", &to)) != FA_OK ||
        (st = object(r, to, pt, TO_KEYS)) != FA_OK ||
        (st = num_at(r, to, pt, "difference", NUM_NULL, &d->to_overall_difference)) != FA_OK ||
        (st = num_at(r, to, pt, "ratio", NUM_NULL, &d->to_overall_ratio)) != FA_OK) {
        return st;
    }
    static const fa_disparity_kind K[4] = {
        FA_DISPARITY_BETWEEN_DIFFERENCE, FA_DISPARITY_BETWEEN_RATIO,
        FA_DISPARITY_TO_OVERALL_DIFFERENCE, FA_DISPARITY_TO_OVERALL_RATIO};
    for (int k = 0; k < 4; k++) {
        fa_bootstrap_ci *ci = boot_ci(at->boot, FA_BOOTSTRAP_TABLE_DISPARITY, 0, m, (int)K[k]);
        if ((st = boot_pair(r, k < 2 ? bw : to, k < 2 ? pb : pt,
                            k % 2 ? "ratio_ci" : "difference_ci", ci)) != FA_OK) {
            return st;
        }
    }
    /* groups in the max / min: neither small nor undefined (audit/compute.c) */
    d->n_included = 0;
    for (size_t g = 0; g < at->n_groups; g++) {
        d->n_included += !at->groups[g].small && !isnan(at->groups[g].metrics[m]);
    }
    if (cJSON_GetObjectItemCaseSensitive(bw, "min_group") == NULL &&
        cJSON_GetObjectItemCaseSensitive(bw, "max_group") == NULL) {
        d->n_included = 0;
        return FA_OK;
    }
    if ((st = group_at(r, bw, pb, "min_group", at, &d->argmin)) != FA_OK ||
        (st = group_at(r, bw, pb, "max_group", at, &d->argmax)) != FA_OK) {
        return st;
    }
    if (d->n_included == 0) {
        d->n_included = 1; /* named by the writer: at least the min and max groups */
    }
    return FA_OK;
}

static int disparities(rd *r, const cJSON *root)
{
    fa_result *res = r->res;
    const cJSON *da;
    int st = member(r, root, "", "disparities", &da);
    if (st != FA_OK || (st = array(r, da, "disparities")) != FA_OK) {
        return st;
    }
    const cJSON *e = da->child;
    size_t i = 0;
    for (size_t a = 0; a < res->n_attrs; a++) {
        fa_attr_result *at = &res->attrs[a];
        int first = 1;
        for (int m = 0; m < FA_METRIC_COUNT_ALL; m++) {
            if (!fa_rates_has_disparity((fa_metric)m) || !has_metric(res, m)) {
                continue;
            }
            char p[JP];
            idx(p, "disparities", i);
            const char *name, *metric;
            char *ref = NULL;
            if (e == NULL) {
                return invalid(r, p, "missing: expected the disparities of '%s', %s", at->name,
                               fa_metric_name((fa_metric)m));
            }
            if ((st = object(r, e, p, DISP_KEYS)) != FA_OK ||
                (st = text_at(r, e, p, "attribute", &name)) != FA_OK ||
                (st = text_at(r, e, p, "metric", &metric)) != FA_OK) {
                return st;
            }
            if (strcmp(name, at->name) != 0 || strcmp(metric, fa_metric_name((fa_metric)m)) != 0) {
                return invalid(r, p, "expected the disparities of '%s', %s (the writer's order)",
                               at->name, fa_metric_name((fa_metric)m));
            }
            if ((st = str_at(r, e, p, "reference", 1, &ref)) != FA_OK) {
                return st;
            }
            int same = (ref == NULL) == (at->reference < 0) &&
                       (ref == NULL || strcmp(ref, at->groups[at->reference].value) == 0);
            free(ref);
            if (!same) {
                char q[JP];
                sub(q, p, "reference");
                return invalid(r, q, "not the reference group of \"groups\"");
            }
            /* the first entry of an attribute says whether it was bootstrapped */
            const cJSON *bw = cJSON_GetObjectItemCaseSensitive(e, "between_groups");
            if (first && cJSON_IsObject(bw) &&
                cJSON_GetObjectItemCaseSensitive(bw, "difference_ci") != NULL &&
                (st = fa_bootstrap_restore(&at->boot, at->n_groups, res->bootstrap, r->err)) !=
                    FA_OK) {
                return st;
            }
            first = 0;
            const cJSON *lo;
            char q[JP];
            sub(q, p, "left_out");
            if ((st = by_group(r, e, p, at, m)) != FA_OK ||
                (st = aggregate(r, e, p, at, m)) != FA_OK ||
                (st = member(r, e, p, "left_out", &lo)) != FA_OK ||
                (st = array(r, lo, q)) != FA_OK) {
                return st;
            }
            e = e->next;
            i++;
        }
    }
    if (e != NULL) {
        char p[JP];
        idx(p, "disparities", i);
        return invalid(r, p, "more entries than attributes and rates");
    }
    return FA_OK;
}

/* ------------------------------------------------------ summaries and vs_reference */

static int summaries(rd *r, const cJSON *root)
{
    fa_result *res = r->res;
    const cJSON *s = cJSON_GetObjectItemCaseSensitive(root, "summary"), *sc, *v;
    int st = FA_OK;
    for (size_t a = 0; a < res->n_attrs; a++) {
        fa_attr_result *at = &res->attrs[a];
        const cJSON *o = cJSON_GetObjectItemCaseSensitive(s, at->name);
        char p[JP];
        sub(p, "summary", at->name);
        if ((st = object(r, o, p, NULL)) != FA_OK) {
            return st;
        }
        for (int i = 0; i < FA_SUMMARY_SLOTS; i++) {
            if ((st = num_at(r, o, p, fa_summary_name(i), NUM_NULL, &at->summary[i])) != FA_OK) {
                return st;
            }
        }
        if (array_size(o) != (size_t)FA_SUMMARY_SLOTS) {
            return invalid(r, p, "expected the %d named summaries only", FA_SUMMARY_SLOTS);
        }
    }
    /* intervals of the summaries: written when bootstrapped with predictions */
    sc = cJSON_GetObjectItemCaseSensitive(root, "summary_ci");
    if ((sc != NULL) != (res->bootstrap > 0 && res->has_pred)) {
        return sc ? invalid(r, "summary_ci", "given, but the audit has no bootstrap intervals")
                  : fa_error_set_json(r->err, FA_EPARSE, r->name, "summary_ci", "missing key");
    }
    for (size_t a = 0; sc && a < res->n_attrs; a++) {
        fa_attr_result *at = &res->attrs[a];
        const cJSON *o;
        char p[JP];
        sub(p, "summary_ci", at->name);
        if ((st = member(r, sc, "summary_ci", at->name, &o)) != FA_OK ||
            (st = object(r, o, p, NULL)) != FA_OK) {
            return st;
        }
        for (int i = 0; i < FA_SUMMARY_SLOTS && at->boot; i++) {
            fa_bootstrap_ci *ci =
                fa_bootstrap_restore_ci(at->boot, FA_BOOTSTRAP_TABLE_SUMMARY, 0, i, 0);
            if ((st = pair_at(r, o, p, fa_summary_name(i), &ci->lo, &ci->hi)) != FA_OK) {
                return st;
            }
        }
        if (array_size(o) != (at->boot ? (size_t)FA_SUMMARY_SLOTS : 0)) {
            return invalid(r, p, "expected an interval per summary when bootstrapped, else none");
        }
    }
    if (sc && array_size(sc) != res->n_attrs) {
        return invalid(r, "summary_ci", "expected one entry per attribute");
    }
    /* AIF360's pairwise metrics are recomputed from the counts; the source of the reference
     * is kept */
    static const char *const VS_KEYS[] = {"reference", "reference_source", "groups", "vs_rest",
                                          NULL};
    if ((st = member(r, root, "", "vs_reference", &v)) != FA_OK ||
        (st = object(r, v, "vs_reference", NULL)) != FA_OK) {
        return st;
    }
    for (size_t a = 0; a < res->n_attrs; a++) {
        fa_attr_result *at = &res->attrs[a];
        const cJSON *o, *x;
        char p[JP], q[JP];
        sub(p, "vs_reference", at->name);
        if ((st = member(r, v, "vs_reference", at->name, &o)) != FA_OK ||
            (st = object(r, o, p, VS_KEYS)) != FA_OK) {
            return st;
        }
        if (at->reference < 0) {
            if (o->child) {
                return invalid(r, p, "expected {} (the attribute has no reference group)");
            }
            continue;
        }
        size_t ref;
        if ((st = group_at(r, o, p, "reference", at, &ref)) != FA_OK ||
            (st = member(r, o, p, "reference_source", &x)) != FA_OK ||
            (st = intern(r, x, (sub(q, p, "reference_source"), q), &at->reference_source)) !=
                FA_OK ||
            (st = member(r, o, p, "groups", &x)) != FA_OK ||
            (st = object(r, x, (sub(q, p, "groups"), q), NULL)) != FA_OK ||
            (st = member(r, o, p, "vs_rest", &x)) != FA_OK ||
            (st = object(r, x, (sub(q, p, "vs_rest"), q), NULL)) != FA_OK) {
            return st;
        }
        if (ref != (size_t)at->reference) {
            sub(q, p, "reference");
            return invalid(r, q, "not the reference group of \"groups\"");
        }
    }
    return array_size(v) == res->n_attrs
               ? FA_OK
               : invalid(r, "vs_reference", "expected one entry per attribute");
}

/* ------------------------------------------------------------------ tests */

static const char *const TESTED[FA_N_TESTED] = {"selection_rate", "true_positive_rate",
                                                "false_positive_rate"};
static const char *const CHISQ_KEYS[] = {"attribute", "metric",  "test",       "statistic", "dof",
                                         "cramers_v", "p_value", "p_adjusted", "reason",    NULL};
static const char *const PROP_KEYS[] = {"attribute", "metric",  "test",       "group",  "reference",
                                        "statistic", "p_value", "p_adjusted", "reason", NULL};

static int test_head(rd *r, const cJSON *e, const char *p, const fa_attr_result *at, int k,
                     const char *const keys[])
{
    const char *name, *metric;
    int st;
    if ((st = object(r, e, p, keys)) != FA_OK ||
        (st = text_at(r, e, p, "attribute", &name)) != FA_OK ||
        (st = text_at(r, e, p, "metric", &metric)) != FA_OK) {
        return st;
    }
    if (strcmp(name, at->name) != 0 || strcmp(metric, TESTED[k]) != 0) {
        return invalid(r, p, "expected the tests of '%s', %s (the writer's order)", at->name,
                       TESTED[k]);
    }
    return FA_OK;
}

static int chisq(rd *r, const cJSON *e, const char *p, fa_attr_result *at, int k)
{
    fa_chisq_test *c = &at->chisq[k];
    static const char *const T[] = {"chi_square_independence"};
    int t;
    if (e == NULL) {
        return invalid(r, p, "missing: expected the tests of '%s', %s", at->name, TESTED[k]);
    }
    int st;
    if ((st = test_head(r, e, p, at, k, CHISQ_KEYS)) != FA_OK ||
        (st = choice(r, e, p, "test", T, 1, &t)) != FA_OK ||
        (st = num_at(r, e, p, "statistic", NUM_NULL, &c->statistic)) != FA_OK ||
        (st = size_at(r, e, p, "dof", &c->dof)) != FA_OK ||
        (st = num_at(r, e, p, "cramers_v", NUM_NULL, &c->cramers_v)) != FA_OK ||
        (st = num_at(r, e, p, "p_value", NUM_NULL, &c->p_value)) != FA_OK ||
        (st = num_at(r, e, p, "p_adjusted", NUM_NULL, &at->chisq_adjusted[k])) != FA_OK ||
        (st = phrase_at(r, e, p, "reason", &c->reason)) != FA_OK) {
        return st;
    }
    return FA_OK;
}

static int prop(rd *r, const cJSON *e, const char *p, fa_attr_result *at, size_t g, int k)
{
    fa_group_result *gr = &at->groups[g];
    fa_prop_test *t = &gr->test[k];
    const char *const M[2] = {fa_stattest_method_name(FA_TEST_Z),
                              fa_stattest_method_name(FA_TEST_FISHER)};
    int method = 0, st;
    size_t gg = 0, ref = 0;
    if (e == NULL) {
        return invalid(r, p, "missing: expected the test of '%s' = '%s', %s", at->name, gr->value,
                       TESTED[k]);
    }
    if ((st = test_head(r, e, p, at, k, PROP_KEYS)) != FA_OK ||
        (st = choice(r, e, p, "test", M, 2, &method)) != FA_OK ||
        (st = group_at(r, e, p, "group", at, &gg)) != FA_OK ||
        (st = group_at(r, e, p, "reference", at, &ref)) != FA_OK ||
        (st = num_at(r, e, p, "statistic", NUM_NULL, &t->statistic)) != FA_OK ||
        (st = num_at(r, e, p, "p_value", NUM_NULL, &t->p_value)) != FA_OK ||
        (st = num_at(r, e, p, "p_adjusted", NUM_NULL, &gr->p_adjusted[k])) != FA_OK ||
        (st = phrase_at(r, e, p, "reason", &t->reason)) != FA_OK) {
        return st;
    }
    if (gg != g || ref != (size_t)at->reference) {
        return invalid(r, p, "expected the test of '%s' against '%s' (the writer's order)",
                       gr->value, at->groups[at->reference].value);
    }
    t->method = method ? FA_TEST_FISHER : FA_TEST_Z;
    return FA_OK;
}

static int tests(rd *r, const cJSON *root)
{
    fa_result *res = r->res;
    const cJSON *ta;
    int st = member(r, root, "", "tests", &ta);
    if (st != FA_OK || (st = array(r, ta, "tests")) != FA_OK) {
        return st;
    }
    const cJSON *e = ta->child;
    size_t i = 0;
    for (size_t a = 0; a < res->n_attrs; a++) {
        fa_attr_result *at = &res->attrs[a];
        for (int k = 0; k < FA_N_TESTED; k++) {
            char p[JP];
            idx(p, "tests", i++);
            if ((st = chisq(r, e, p, at, k)) != FA_OK) {
                return st;
            }
            e = e->next;
            for (size_t g = 0; g < at->n_groups; g++) {
                if (at->groups[g].is_reference) {
                    continue;
                }
                if (at->reference < 0) {
                    return invalid(r, "groups", "attribute '%s' has groups but no reference",
                                   at->name);
                }
                idx(p, "tests", i++);
                if ((st = prop(r, e, p, at, g, k)) != FA_OK) {
                    return st;
                }
                e = e->next;
            }
        }
    }
    if (e != NULL) {
        char p[JP];
        idx(p, "tests", i);
        return invalid(r, p, "more tests than the attributes have");
    }
    return FA_OK;
}

/* ----------------------------------------------------- imbalance, individual fairness */

/* A value (number or null) and its reason under "undefined", if any. */
static int measure(rd *r, const cJSON *o, const char *jp, const cJSON *u, const char *key,
                   fa_measure *m)
{
    char pu[JP];
    sub(pu, jp, "undefined");
    int st = num_at(r, o, jp, key, NUM_NULL, &m->value);
    return st != FA_OK ? st : phrase_at(r, u, pu, key, &m->reason);
}

/* The "undefined" object of o (NULL when absent), its keys among known. */
static int undefined(rd *r, const cJSON *o, const char *jp, const char *const known[],
                     const cJSON **u)
{
    *u = cJSON_GetObjectItemCaseSensitive(o, "undefined");
    char p[JP];
    sub(p, jp, "undefined");
    return *u ? object(r, *u, p, known) : FA_OK;
}

static const char *const IMB_KEYS[] = {"positives",
                                       "negatives",
                                       "positive_share",
                                       "imbalance_ratio",
                                       "minority_share",
                                       "undefined",
                                       "label_group_chi_square",
                                       "groups",
                                       NULL};
static const char *const IMB_CHI_KEYS[] = {"statistic", "dof", "p_value", "cramers_v", NULL};
static const char *const IMB_GROUP_KEYS[] = {"size",
                                             "share",
                                             "base_rate",
                                             "class_imbalance",
                                             "kl_divergence",
                                             "population_share",
                                             "representation_ratio",
                                             "undefined",
                                             NULL};

static int imbalance_group(rd *r, const cJSON *e, const char *q, fa_imbalance_group *ig)
{
    const cJSON *u;
    int st;
    if ((st = object(r, e, q, IMB_GROUP_KEYS)) != FA_OK ||
        (st = undefined(r, e, q, IMB_GROUP_KEYS, &u)) != FA_OK ||
        (st = num_at(r, e, q, "size", NUM_NONNEG, &ig->size)) != FA_OK ||
        (st = measure(r, e, q, u, "share", &ig->share)) != FA_OK ||
        (st = measure(r, e, q, u, "base_rate", &ig->base_rate)) != FA_OK ||
        (st = measure(r, e, q, u, "class_imbalance", &ig->class_imbalance)) != FA_OK ||
        (st = measure(r, e, q, u, "kl_divergence", &ig->kl_divergence)) != FA_OK) {
        return st;
    }
    ig->population_share.value = ig->representation.value = NAN;
    if (cJSON_GetObjectItemCaseSensitive(e, "population_share") ||
        cJSON_GetObjectItemCaseSensitive(e, "representation_ratio")) {
        if ((st = measure(r, e, q, u, "population_share", &ig->population_share)) != FA_OK ||
            (st = measure(r, e, q, u, "representation_ratio", &ig->representation)) != FA_OK) {
            return st;
        }
    }
    return FA_OK;
}

/* The policy's population of an attribute, as far as the JSON keeps it: the share of each
 * group (NAN where the population omits it) when the groups carry "population_share". */
static int population(rd *r, const cJSON *gs, const char *jp, fa_attr_result *at)
{
    size_t n = 0;
    for (size_t g = 0; g < at->n_groups; g++) {
        n += cJSON_GetObjectItemCaseSensitive(
                 cJSON_GetObjectItemCaseSensitive(gs, at->groups[g].value), "population_share") !=
             NULL;
    }
    if (n == 0) {
        return FA_OK;
    }
    if (n != at->n_groups) {
        return invalid(r, jp, "\"population_share\" given for some groups only");
    }
    at->population_groups = fa_calloc_array(n, sizeof(char *));
    at->population_shares = fa_calloc_array(n, sizeof(double));
    if (at->population_groups == NULL || at->population_shares == NULL) {
        return oom(r);
    }
    for (size_t g = 0; g < n; g++) {
        if ((at->population_groups[g] = fa_strdup(at->groups[g].value)) == NULL) {
            return oom(r);
        }
        at->n_population = g + 1;
        at->population_shares[g] = at->groups[g].imbalance.population_share.value;
    }
    return FA_OK;
}

static int imbalance(rd *r, const cJSON *root)
{
    fa_result *res = r->res;
    const cJSON *im;
    int st = member(r, root, "", "imbalance", &im);
    if (st != FA_OK || (st = object(r, im, "imbalance", NULL)) != FA_OK) {
        return st;
    }
    for (size_t a = 0; a < res->n_attrs; a++) {
        fa_attr_result *at = &res->attrs[a];
        fa_imbalance *x = &at->imbalance;
        const cJSON *o, *u, *c, *gs;
        char p[JP], q[JP];
        sub(p, "imbalance", at->name);
        if ((st = member(r, im, "imbalance", at->name, &o)) != FA_OK ||
            (st = object(r, o, p, IMB_KEYS)) != FA_OK ||
            (st = undefined(r, o, p, IMB_KEYS, &u)) != FA_OK ||
            (st = num_at(r, o, p, "positives", NUM_NONNEG, &x->positives)) != FA_OK ||
            (st = num_at(r, o, p, "negatives", NUM_NONNEG, &x->negatives)) != FA_OK ||
            (st = measure(r, o, p, u, "positive_share", &x->positive_share)) != FA_OK ||
            (st = measure(r, o, p, u, "imbalance_ratio", &x->imbalance_ratio)) != FA_OK ||
            (st = measure(r, o, p, u, "minority_share", &x->minority_share)) != FA_OK ||
            (st = member(r, o, p, "label_group_chi_square", &c)) != FA_OK ||
            (st = object(r, c, (sub(q, p, "label_group_chi_square"), q), IMB_CHI_KEYS)) != FA_OK ||
            (st = num_at(r, c, q, "statistic", NUM_NULL, &x->chisq.statistic)) != FA_OK ||
            (st = size_at(r, c, q, "dof", &x->chisq.dof)) != FA_OK ||
            (st = num_at(r, c, q, "p_value", NUM_NULL, &x->chisq.p_value)) != FA_OK ||
            (st = num_at(r, c, q, "cramers_v", NUM_NULL, &x->chisq.cramers_v)) != FA_OK ||
            (st = member(r, o, p, "groups", &gs)) != FA_OK ||
            (st = object(r, gs, (sub(q, p, "groups"), q), NULL)) != FA_OK) {
            return st;
        }
        /* what the JSON leaves out follows from what it keeps */
        x->n = x->positives + x->negatives;
        x->chisq.n = x->n;
        x->minority_label = x->positives < x->negatives ? 1 : x->positives > x->negatives ? 0 : -1;
        x->negative_share.value = x->n > 0 ? x->negatives / x->n : NAN;
        x->negative_share.reason = x->positive_share.reason;
        for (size_t g = 0; g < at->n_groups; g++) {
            const cJSON *e;
            char pg[JP];
            sub(pg, q, at->groups[g].value);
            if ((st = member(r, gs, q, at->groups[g].value, &e)) != FA_OK ||
                (st = imbalance_group(r, e, pg, &at->groups[g].imbalance)) != FA_OK) {
                return st;
            }
            at->groups[g].imbalance.positives = at->groups[g].counts.tp + at->groups[g].counts.fn;
            at->groups[g].imbalance.negatives = at->groups[g].counts.fp + at->groups[g].counts.tn;
        }
        if (array_size(gs) != at->n_groups) {
            return invalid(r, q, "expected one entry per group");
        }
        if ((st = population(r, gs, q, at)) != FA_OK) {
            return st;
        }
    }
    return array_size(im) == res->n_attrs
               ? FA_OK
               : invalid(r, "imbalance", "expected one entry per attribute");
}

static const char *const IND_KEYS[] = {"alpha",       "consistency_k",
                                       "consistency", "generalized_entropy_index",
                                       "theil_index", "coefficient_of_variation",
                                       "undefined",   "by_attribute",
                                       NULL};
static const char *const IND_ATTR_KEYS[] = {"between_group_generalized_entropy_index",
                                            "within_group_generalized_entropy_index",
                                            "between_group_theil_index",
                                            "within_group_theil_index",
                                            "undefined",
                                            NULL};

static int individual(rd *r, const cJSON *root)
{
    fa_result *res = r->res;
    const cJSON *o, *u, *by;
    fa_measure m[4];
    int st;
    if ((st = member(r, root, "", "individual_fairness", &o)) != FA_OK ||
        (st = object(r, o, "individual_fairness", IND_KEYS)) != FA_OK ||
        (st = undefined(r, o, "individual_fairness", IND_KEYS, &u)) != FA_OK ||
        (st = num_at(r, o, "individual_fairness", "alpha", NUM_NULL, &res->gei_alpha)) != FA_OK ||
        (st = measure(r, o, "individual_fairness", u, IND_KEYS[3], &m[0])) != FA_OK ||
        (st = measure(r, o, "individual_fairness", u, IND_KEYS[4], &m[1])) != FA_OK ||
        (st = measure(r, o, "individual_fairness", u, IND_KEYS[5], &m[2])) != FA_OK ||
        (st = member(r, o, "individual_fairness", "by_attribute", &by)) != FA_OK ||
        (st = object(r, by, "individual_fairness.by_attribute", NULL)) != FA_OK) {
        return st;
    }
    /* consistency, with a features file */
    res->consistency = NAN;
    if (cJSON_GetObjectItemCaseSensitive(o, "consistency_k") ||
        cJSON_GetObjectItemCaseSensitive(o, "consistency")) {
        fa_measure c;
        if ((st = size_at(r, o, "individual_fairness", "consistency_k", &res->consistency_k)) !=
                FA_OK ||
            (st = measure(r, o, "individual_fairness", u, "consistency", &c)) != FA_OK) {
            return st;
        }
        if (res->consistency_k == 0) {
            return invalid(r, "individual_fairness.consistency_k", "expected at least 1");
        }
        res->consistency = c.value;
        res->consistency_why = c.reason;
    }
    res->gei = m[0].value;
    res->gei_why = m[0].reason;
    res->theil = m[1].value;
    res->theil_why = m[1].reason;
    res->cv = m[2].value;
    res->cv_why = m[2].reason;
    for (size_t a = 0; a < res->n_attrs; a++) {
        fa_attr_result *at = &res->attrs[a];
        const cJSON *e;
        char p[JP];
        sub(p, "individual_fairness.by_attribute", at->name);
        if ((st = member(r, by, "individual_fairness.by_attribute", at->name, &e)) != FA_OK ||
            (st = object(r, e, p, IND_ATTR_KEYS)) != FA_OK ||
            (st = undefined(r, e, p, IND_ATTR_KEYS, &u)) != FA_OK) {
            return st;
        }
        for (int k = 0; k < 4; k++) {
            if ((st = measure(r, e, p, u, IND_ATTR_KEYS[k], &m[k])) != FA_OK) {
                return st;
            }
        }
        at->gei_between = m[0].value;
        at->gei_between_why = m[0].reason;
        at->gei_within = m[1].value;
        at->gei_within_why = m[1].reason;
        at->theil_between = m[2].value;
        at->theil_between_why = m[2].reason;
        at->theil_within = m[3].value;
        at->theil_within_why = m[3].reason;
    }
    return array_size(by) == res->n_attrs
               ? FA_OK
               : invalid(r, "individual_fairness.by_attribute", "expected one entry per attribute");
}

/* ------------------------------------------------------------------ attributions */

static const char *const IMP_KEYS[] = {"feature", "mean", "std", NULL};
static const char *const PERM_KEYS[] = {"method", "scoring", "attribute",   "baseline",
                                        "rows",   "repeats", "importances", NULL};
static const char *const SHAP_KEYS[] = {"method",     "output",      "attribute", "rows",
                                        "base_value", "importances", "reference", "bootstrap",
                                        "groups",     "sample",      NULL};
static const char *const SHAP_GROUP_KEYS[] = {"group", "rows",   "mean_output", "mean_phi",
                                              "gap",   "gap_ci", NULL};

static int importances(rd *r, const cJSON *e, const char *p, fa_attribution *at)
{
    const cJSON *im;
    char q[JP];
    sub(q, p, "importances");
    int st = member(r, e, p, "importances", &im);
    if (st != FA_OK || (st = array(r, im, q)) != FA_OK) {
        return st;
    }
    size_t n = array_size(im), k = 0;
    at->names = fa_calloc_array(n ? n : 1, sizeof(char *));
    at->mean = fa_calloc_array(n ? n : 1, sizeof(double));
    at->std = fa_calloc_array(n ? n : 1, sizeof(double));
    if (at->names == NULL || at->mean == NULL || at->std == NULL) {
        return oom(r);
    }
    at->n = n;
    for (const cJSON *f = im->child; f; f = f->next, k++) {
        char pf[JP];
        idx(pf, q, k);
        if ((st = object(r, f, pf, IMP_KEYS)) != FA_OK ||
            (st = str_at(r, f, pf, "feature", 0, &at->names[k])) != FA_OK ||
            (st = num_at(r, f, pf, "mean", NUM_NULL, &at->mean[k])) != FA_OK ||
            (st = num_at(r, f, pf, "std", NUM_NULL, &at->std[k])) != FA_OK) {
            return st;
        }
    }
    return FA_OK;
}

static int shap_group(rd *r, const cJSON *o, const char *q, fa_attribution *at, size_t g)
{
    size_t n = at->n;
    const cJSON *v;
    int st;
    char pv[JP];
    if ((st = object(r, o, q, SHAP_GROUP_KEYS)) != FA_OK ||
        (st = str_at(r, o, q, "group", 0, &at->group_names[g])) != FA_OK ||
        (st = u64_at(r, o, q, "rows", &at->group_rows[g])) != FA_OK ||
        (st = num_at(r, o, q, "mean_output", NUM_NULL, &at->group_output[g])) != FA_OK ||
        (st = member(r, o, q, "mean_phi", &v)) != FA_OK ||
        (st = numbers(r, v, (sub(pv, q, "mean_phi"), pv), n, at->group_phi + g * n)) != FA_OK ||
        (st = member(r, o, q, "gap", &v)) != FA_OK ||
        (st = numbers(r, v, (sub(pv, q, "gap"), pv), n, at->gap + g * n)) != FA_OK) {
        return st;
    }
    v = cJSON_GetObjectItemCaseSensitive(o, "gap_ci");
    sub(pv, q, "gap_ci");
    if ((v != NULL) != (at->bootstrap > 0)) {
        return v ? invalid(r, pv, "given, but \"bootstrap\" is 0")
                 : fa_error_set_json(r->err, FA_EPARSE, r->name, pv, "missing key");
    }
    if (v == NULL) {
        return FA_OK;
    }
    if (!cJSON_IsArray(v) || array_size(v) != n) {
        char what[64];
        snprintf(what, sizeof what, "an array of %zu [lo, hi] pairs", n);
        return bad(r, pv, what, v);
    }
    size_t k = 0;
    for (const cJSON *x = v->child; x; x = x->next, k++) {
        char px[JP];
        idx(px, pv, k);
        if ((st = pair(r, x, px, &at->gap_lo[g * n + k], &at->gap_hi[g * n + k])) != FA_OK) {
            return st;
        }
    }
    return FA_OK;
}

/* rows x n numbers: an array of `rows` arrays of n. */
static int matrix(rd *r, const cJSON *s, const char *p, const char *key, size_t rows, size_t n,
                  double out[])
{
    const cJSON *v;
    char q[JP];
    sub(q, p, key);
    int st = member(r, s, p, key, &v);
    if (st != FA_OK) {
        return st;
    }
    if (!cJSON_IsArray(v) || array_size(v) != rows) {
        char what[64];
        snprintf(what, sizeof what, "an array of %zu rows", rows);
        return bad(r, q, what, v);
    }
    size_t i = 0;
    for (const cJSON *x = v->child; x; x = x->next, i++) {
        char px[JP];
        idx(px, q, i);
        if ((st = numbers(r, x, px, n, out + i * n)) != FA_OK) {
            return st;
        }
    }
    return FA_OK;
}

static int shapley_run(rd *r, const cJSON *e, const char *p, fa_attribution *at)
{
    static const char *const OUT[] = {"margin", "probability"};
    static const char *const SAMPLE_KEYS[] = {"rows", "phi", "x", NULL};
    int st, k;
    at->baseline = NAN;
    at->reference = -1;
    if ((st = object(r, e, p, SHAP_KEYS)) != FA_OK ||
        (st = choice(r, e, p, "output", OUT, 2, &k)) != FA_OK ||
        (st = str_at(r, e, p, "output", 0, &at->output)) != FA_OK ||
        (cJSON_GetObjectItemCaseSensitive(e, "attribute") &&
         (st = str_at(r, e, p, "attribute", 0, &at->attribute)) != FA_OK) ||
        (st = size_at(r, e, p, "rows", &at->rows)) != FA_OK ||
        (st = num_at(r, e, p, "base_value", NUM_NULL, &at->base_value)) != FA_OK ||
        (st = importances(r, e, p, at)) != FA_OK ||
        (st = size_at(r, e, p, "bootstrap", &at->bootstrap)) != FA_OK) {
        return st;
    }
    const cJSON *ga = cJSON_GetObjectItemCaseSensitive(e, "groups");
    const char *absent = at->attribute                                      ? NULL
                         : cJSON_GetObjectItemCaseSensitive(e, "reference") ? "reference"
                         : ga                                               ? "groups"
                                                                            : NULL;
    if (absent) {
        char q[JP];
        sub(q, p, absent);
        return invalid(r, q, "given, but the run has no \"attribute\"");
    }
    if (at->attribute) {
        char q[JP];
        sub(q, p, "groups");
        const cJSON *ref;
        if ((st = member(r, e, p, "groups", &ga)) != FA_OK || (st = array(r, ga, q)) != FA_OK ||
            (st = member(r, e, p, "reference", &ref)) != FA_OK) {
            return st;
        }
        size_t ng = array_size(ga), n = at->n, g = 0;
        at->group_names = fa_calloc_array(ng ? ng : 1, sizeof(char *));
        at->group_rows = fa_calloc_array(ng ? ng : 1, sizeof(uint64_t));
        at->group_output = fa_calloc_array(ng ? ng : 1, sizeof(double));
        at->group_phi = fa_calloc_array(ng * n + 1, sizeof(double));
        at->gap = fa_calloc_array(ng * n + 1, sizeof(double));
        if (at->bootstrap > 0) {
            at->gap_lo = fa_calloc_array(ng * n + 1, sizeof(double));
            at->gap_hi = fa_calloc_array(ng * n + 1, sizeof(double));
        }
        if (at->group_names == NULL || at->group_rows == NULL || at->group_output == NULL ||
            at->group_phi == NULL || at->gap == NULL ||
            (at->bootstrap > 0 && (at->gap_lo == NULL || at->gap_hi == NULL)) ||
            (n > 0 && ng > SIZE_MAX / n)) {
            return oom(r);
        }
        at->n_groups = ng;
        for (const cJSON *o = ga->child; o; o = o->next, g++) {
            char pg[JP];
            idx(pg, q, g);
            if ((st = shap_group(r, o, pg, at, g)) != FA_OK) {
                return st;
            }
        }
        char pr[JP];
        sub(pr, p, "reference");
        if (!cJSON_IsNull(ref)) {
            if (!cJSON_IsString(ref)) {
                return bad(r, pr, "a group name or null", ref);
            }
            for (g = 0; g < ng && at->reference < 0; g++) {
                at->reference = strcmp(at->group_names[g], ref->valuestring) == 0 ? (long)g : -1;
            }
            if (at->reference < 0) {
                return invalid(r, pr, "not one of the run's groups");
            }
        }
    }
    const cJSON *s = cJSON_GetObjectItemCaseSensitive(e, "sample");
    if (s == NULL) {
        return FA_OK;
    }
    char q[JP];
    sub(q, p, "sample");
    size_t rows;
    if ((st = object(r, s, q, SAMPLE_KEYS)) != FA_OK ||
        (st = size_at(r, s, q, "rows", &rows)) != FA_OK) {
        return st;
    }
    const cJSON *phi = cJSON_GetObjectItemCaseSensitive(s, "phi");
    if (rows == 0 || !cJSON_IsArray(phi) || array_size(phi) != rows) {
        sub(q, q, "rows");
        return invalid(r, q, "expected the number of rows of \"phi\" and \"x\", at least 1");
    }
    if (at->n > 0 && rows > SIZE_MAX / at->n) {
        return oom(r);
    }
    at->sample_phi = fa_calloc_array(rows * at->n + 1, sizeof(double));
    at->sample_x = fa_calloc_array(rows * at->n + 1, sizeof(double));
    if (at->sample_phi == NULL || at->sample_x == NULL) {
        return oom(r);
    }
    at->sample_rows = rows;
    if ((st = matrix(r, s, q, "phi", rows, at->n, at->sample_phi)) != FA_OK ||
        (st = matrix(r, s, q, "x", rows, at->n, at->sample_x)) != FA_OK) {
        return st;
    }
    return FA_OK;
}

static int permutation_run(rd *r, const cJSON *e, const char *p, fa_attribution *at)
{
    int st;
    if ((st = object(r, e, p, PERM_KEYS)) != FA_OK ||
        (st = str_at(r, e, p, "scoring", 1, &at->scoring)) != FA_OK ||
        (st = str_at(r, e, p, "attribute", 1, &at->attribute)) != FA_OK ||
        (st = num_at(r, e, p, "baseline", NUM_NULL, &at->baseline)) != FA_OK ||
        (st = size_at(r, e, p, "rows", &at->rows)) != FA_OK ||
        (st = size_at(r, e, p, "repeats", &at->repeats)) != FA_OK ||
        (st = importances(r, e, p, at)) != FA_OK) {
        return st;
    }
    at->reference = -1;
    return FA_OK;
}

static int attributions(rd *r, const cJSON *root)
{
    fa_result *res = r->res;
    static const char *const KEYS[] = {"model", "features_file", "runs", NULL};
    const cJSON *o = cJSON_GetObjectItemCaseSensitive(root, "attributions"), *runs;
    if (o == NULL) {
        return FA_OK;
    }
    int st;
    if ((st = object(r, o, "attributions", KEYS)) != FA_OK ||
        (st = str_at(r, o, "attributions", "model", 1, &res->model_path)) != FA_OK ||
        (st = str_at(r, o, "attributions", "features_file", 1, &res->features_path)) != FA_OK ||
        (st = member(r, o, "attributions", "runs", &runs)) != FA_OK ||
        (st = array(r, runs, "attributions.runs")) != FA_OK) {
        return st;
    }
    size_t n = array_size(runs), i = 0;
    if (n == 0) {
        return invalid(r, "attributions.runs",
                       "expected at least one run (else no \"attributions\")");
    }
    if ((res->attributions = fa_calloc_array(n, sizeof *res->attributions)) == NULL) {
        return oom(r);
    }
    for (const cJSON *e = runs->child; e; e = e->next, i++) {
        char p[JP];
        idx(p, "attributions.runs", i);
        fa_attribution *at = &res->attributions[res->n_attributions++];
        if ((st = object(r, e, p, NULL)) != FA_OK ||
            (st = str_at(r, e, p, "method", 1, &at->method)) != FA_OK) {
            return st;
        }
        st = at->method && strcmp(at->method, "permutation") != 0 ? shapley_run(r, e, p, at)
                                                                  : permutation_run(r, e, p, at);
        if (st != FA_OK) {
            return st;
        }
    }
    return FA_OK;
}

/* ------------------------------------------------------------------ gates */

static const char *const GATE_KEYS[] = {"name",
                                        "metric",
                                        "disparity",
                                        "against",
                                        "attribute",
                                        "value",
                                        "group",
                                        "min",
                                        "max",
                                        "max_change",
                                        "max_relative_change",
                                        "baseline_value",
                                        "change",
                                        "use",
                                        "severity",
                                        "outcome",
                                        "passed",
                                        "reason",
                                        NULL};
static const char *const VERDICTS[] = {"passed", "failed", "inconclusive"};

static int optional_num(rd *r, const cJSON *o, const char *jp, const char *key, int *has, double *v)
{
    *has = cJSON_GetObjectItemCaseSensitive(o, key) != NULL;
    *v = NAN;
    return *has ? num_at(r, o, jp, key, NUM_ANY, v) : FA_OK;
}

/* The spec of one gate entry as the policy stated it (what the JSON keeps of it). */
static int gate_spec(rd *r, const cJSON *o, const char *p, fa_gate_spec *s)
{
    static const char *const DISP[] = {"difference", "ratio"};
    static const char *const AGAINST[] = {"between_groups", "reference", "to_overall"};
    static const char *const USE[] = {"point", "upper_ci", "lower_ci"};
    static const char *const SEV[] = {"error", "warning"};
    int st, k = 0;
    if ((st = str_at(r, o, p, "name", 0, &s->name)) != FA_OK ||
        (st = str_at(r, o, p, "metric", 0, &s->metric_name)) != FA_OK) {
        return st;
    }
    s->summary = fa_summary_from_name(s->metric_name);
    s->rate = s->summary < 0 ? fa_metric_from_name(s->metric_name) : -1;
    char q[JP];
    if (s->summary < 0 && s->rate < 0) {
        sub(q, p, "metric");
        return invalid(r, q, "not a metric nor a named summary");
    }
    if (s->summary < 0) {
        if ((st = choice(r, o, p, "disparity", DISP, 2, &s->ratio)) != FA_OK ||
            (st = choice(r, o, p, "against", AGAINST, 3, &k)) != FA_OK) {
            return st;
        }
        s->against = (fa_gate_against)k;
    } else if (cJSON_GetObjectItemCaseSensitive(o, "disparity") ||
               cJSON_GetObjectItemCaseSensitive(o, "against")) {
        sub(q, p, cJSON_GetObjectItemCaseSensitive(o, "disparity") ? "disparity" : "against");
        return invalid(r, q, "given for a named summary");
    }
    if ((st = optional_num(r, o, p, "min", &s->has_min, &s->min)) != FA_OK ||
        (st = optional_num(r, o, p, "max", &s->has_max, &s->max)) != FA_OK ||
        (st = optional_num(r, o, p, "max_change", &s->has_max_change, &s->max_change)) != FA_OK ||
        (st = optional_num(r, o, p, "max_relative_change", &s->has_max_relative_change,
                           &s->max_relative_change)) != FA_OK ||
        (st = choice(r, o, p, "use", USE, 3, &k)) != FA_OK) {
        return st;
    }
    s->use = (fa_gate_use)k;
    if ((st = choice(r, o, p, "severity", SEV, 2, &s->warning)) != FA_OK) {
        return st;
    }
    s->direction = s->has_max && !s->has_min ? 1 : s->has_min && !s->has_max ? -1 : 0;
    return FA_OK;
}

static int same_spec(const fa_gate_spec *a, const fa_gate_spec *b)
{
    return strcmp(a->name, b->name) == 0 && strcmp(a->metric_name, b->metric_name) == 0 &&
           a->ratio == b->ratio && a->against == b->against && a->has_min == b->has_min &&
           a->has_max == b->has_max && a->has_max_change == b->has_max_change &&
           a->has_max_relative_change == b->has_max_relative_change &&
           (!a->has_min || a->min == b->min) && (!a->has_max || a->max == b->max) &&
           (!a->has_max_change || a->max_change == b->max_change) &&
           (!a->has_max_relative_change || a->max_relative_change == b->max_relative_change) &&
           a->use == b->use && a->warning == b->warning;
}

static int gate(rd *r, const cJSON *o, const char *p, fa_gate_result *g, long *attr)
{
    int st, k = 0, passed;
    const cJSON *ch;
    if ((st = object(r, o, p, GATE_KEYS)) != FA_OK ||
        (st = str_at(r, o, p, "attribute", 0, &g->attribute)) != FA_OK ||
        (st = num_at(r, o, p, "value", NUM_NULL, &g->value)) != FA_OK ||
        (cJSON_GetObjectItemCaseSensitive(o, "group") &&
         (st = str_at(r, o, p, "group", 0, &g->group)) != FA_OK) ||
        (st = choice(r, o, p, "outcome", VERDICTS, 3, &k)) != FA_OK ||
        (st = bool_at(r, o, p, "passed", &passed)) != FA_OK ||
        (cJSON_GetObjectItemCaseSensitive(o, "reason") &&
         (st = str_at(r, o, p, "reason", 0, &g->reason)) != FA_OK)) {
        return st;
    }
    char q[JP];
    g->verdict = k == 0 ? FA_VERDICT_PASSED : k == 1 ? FA_VERDICT_FAILED : FA_VERDICT_INCONCLUSIVE;
    if (passed != (g->verdict == FA_VERDICT_PASSED)) {
        sub(q, p, "passed");
        return invalid(r, q, "contradicts \"outcome\"");
    }
    g->has_baseline = cJSON_GetObjectItemCaseSensitive(o, "baseline_value") != NULL;
    g->baseline_value = NAN;
    ch = cJSON_GetObjectItemCaseSensitive(o, "change");
    if (g->has_baseline != (ch != NULL)) {
        sub(q, p, g->has_baseline ? "change" : "baseline_value");
        return fa_error_set_json(r->err, FA_EPARSE, r->name, q, "missing key");
    }
    double change;
    if (g->has_baseline &&
        ((st = num_at(r, o, p, "baseline_value", NUM_NULL, &g->baseline_value)) != FA_OK ||
         (st = num_at(r, o, p, "change", NUM_NULL, &change)) != FA_OK)) {
        return st;
    }
    *attr = attr_index(r->res, g->attribute);
    if (*attr < 0) {
        sub(q, p, "attribute");
        return invalid(r, q, "not an attribute of the audit");
    }
    return FA_OK;
}

static int spec_attributes(rd *r);

static int gates(rd *r, const cJSON *root)
{
    fa_result *res = r->res;
    const cJSON *ga;
    int st = member(r, root, "", "gates", &ga);
    if (st != FA_OK || (st = array(r, ga, "gates")) != FA_OK) {
        return st;
    }
    size_t n = array_size(ga), i = 0;
    res->gates = fa_calloc_array(n ? n : 1, sizeof *res->gates);
    res->gate_specs = fa_calloc_array(n ? n : 1, sizeof *res->gate_specs);
    if (res->gates == NULL || res->gate_specs == NULL) {
        return oom(r);
    }
    long last_attr = -1;
    for (const cJSON *e = ga->child; e; e = e->next, i++) {
        char p[JP];
        idx(p, "gates", i);
        fa_gate_spec *s = &res->gate_specs[res->n_gate_specs++];
        fa_gate_result *g = &res->gates[res->n_gates++];
        long a = -1;
        if ((st = gate(r, e, p, g, &a)) != FA_OK || (st = gate_spec(r, e, p, s)) != FA_OK) {
            return st;
        }
        /* a policy gate gives one entry per attribute, in attribute order: an entry like the
         * previous one on a later attribute is the same gate */
        if (res->n_gate_specs > 1 && a > last_attr && same_spec(s - 1, s)) {
            fa_result__gate_spec_dispose(s);
            res->n_gate_specs--;
            s--;
        }
        g->spec = s;
        last_attr = a;
        const fa_attr_result *at = &res->attrs[a];
        g->small_reference = s->summary < 0 && s->against == FA_AGAINST_REFERENCE &&
                             at->reference >= 0 && at->groups[at->reference].small;
    }
    return spec_attributes(r);
}

/* A gate without "attribute" in the policy applies to every group column (the intersection
 * only when named): a spec whose results are exactly those was stated without one; else it
 * named the attribute of its one result. */
static int spec_attributes(rd *r)
{
    fa_result *res = r->res;
    for (size_t i = 0, k = 0; i < res->n_gate_specs; i++) {
        fa_gate_spec *s = &res->gate_specs[i];
        size_t first = k, n = 0;
        for (; k < res->n_gates && res->gates[k].spec == s; k++) {
            n++;
        }
        int every = n == res->n_group_cols && n <= res->n_attrs;
        for (size_t j = 0; every && j < n; j++) {
            every = strcmp(res->gates[first + j].attribute, res->attrs[j].name) == 0;
        }
        if (!every && n == 1 && (s->attribute = fa_strdup(res->gates[first].attribute)) == NULL) {
            return oom(r);
        }
    }
    return FA_OK;
}

static int verdict(rd *r, const cJSON *root)
{
    fa_result *res = r->res;
    int st;
    const cJSON *w;
    size_t i;
    int k, passed;
    double exit_status;
    if ((st = choice(r, root, "", "verdict", VERDICTS, 3, &k)) != FA_OK ||
        (st = bool_at(r, root, "", "passed", &passed)) != FA_OK ||
        (st = num_at(r, root, "", "exit_status", NUM_NONNEG | NUM_INT, &exit_status)) != FA_OK ||
        (st = member(r, root, "", "warnings", &w)) != FA_OK ||
        (st = array(r, w, "warnings")) != FA_OK) {
        return st;
    }
    res->verdict = k == 0   ? FA_VERDICT_PASSED
                   : k == 1 ? FA_VERDICT_FAILED
                            : FA_VERDICT_INCONCLUSIVE;
    if (passed != (res->verdict == FA_VERDICT_PASSED)) {
        return invalid(r, "passed", "contradicts \"verdict\"");
    }
    /* the policy's "inconclusive" mapping shows only in the exit status of an inconclusive
     * audit; elsewhere it changes nothing the renderers show */
    res->inconclusive = FA_INCONCLUSIVE_KEEP;
    if (res->verdict == FA_VERDICT_INCONCLUSIVE && exit_status < 2) {
        res->inconclusive = exit_status == 0 ? FA_INCONCLUSIVE_PASS : FA_INCONCLUSIVE_FAIL;
    }
    if ((double)fa_result_exit_status(res) != exit_status) {
        return invalid(r, "exit_status", "contradicts \"verdict\"");
    }
    size_t nw = array_size(w);
    res->warnings = fa_calloc_array(nw ? nw : 1, sizeof(char *));
    if (res->warnings == NULL) {
        return oom(r);
    }
    res->cap_warnings = nw ? nw : 1;
    i = 0;
    for (const cJSON *e = w->child; e; e = e->next, i++) {
        char p[JP];
        idx(p, "warnings", i);
        if ((st = string(r, e, p, 0, &res->warnings[res->n_warnings])) != FA_OK) {
            return st;
        }
        res->n_warnings++;
    }
    return FA_OK;
}

/* ------------------------------------------------------------------ the whole result */

static const char *const ROOT_KEYS[] = {"fairaudit_version",
                                        "input",
                                        "columns",
                                        "options",
                                        "overall",
                                        "groups",
                                        "disparities",
                                        "summary",
                                        "summary_ci",
                                        "vs_reference",
                                        "tests",
                                        "imbalance",
                                        "individual_fairness",
                                        "cutoff",
                                        "policy",
                                        "attributions",
                                        "gates",
                                        "verdict",
                                        "passed",
                                        "exit_status",
                                        "warnings",
                                        NULL};
static const char *const OVERALL_KEYS[] = {"count", "counts", "metrics",     "undefined",
                                           "ci",    "scores", "calibration", NULL};

static int overall(rd *r, const cJSON *root)
{
    fa_result *res = r->res;
    const cJSON *o;
    double count;
    int st;
    if ((st = member(r, root, "", "overall", &o)) != FA_OK ||
        (st = object(r, o, "overall", OVERALL_KEYS)) != FA_OK ||
        (st = num_at(r, o, "overall", "count", NUM_NULL, &count)) != FA_OK ||
        (st = counts(r, o, "overall", &res->overall)) != FA_OK ||
        (st = metrics(r, o, "overall", res->overall_metrics, res->overall_reasons)) != FA_OK ||
        (st = intervals(r, o, "overall", res->overall_ci)) != FA_OK ||
        (st = scores(r, o, "overall", &res->overall_scores, &res->overall_sweep)) != FA_OK) {
        return st;
    }
    if (!(count == res->overall_metrics[FA_METRIC_COUNT] ||
          (isnan(count) && isnan(res->overall_metrics[FA_METRIC_COUNT])))) {
        return invalid(r, "overall.count", "differs from metrics.count");
    }
    return FA_OK;
}

/* The top-k / top-percent cut-off that made the predictions, when there is one. */
static int cutoff(rd *r, const cJSON *root)
{
    static const char *const KEYS[] = {
        "rule",          "value", "requested_weight", "threshold", "selected_weight", "tied_weight",
        "ties_included", NULL};
    static const char *const RULES[] = {NULL, "top_k", "top_percent"};
    fa_result *res = r->res;
    const cJSON *o = cJSON_GetObjectItemCaseSensitive(root, "cutoff");
    fa_cutoff *c = &res->cutoff;
    int st;
    if (o == NULL) {
        return FA_OK;
    }
    if ((st = object(r, o, "cutoff", KEYS)) != FA_OK ||
        (st = choice(r, o, "cutoff", "rule", RULES, 3, &res->cutoff_rule)) != FA_OK ||
        (st = num_at(r, o, "cutoff", "value", NUM_NULL, &res->cutoff_value)) != FA_OK ||
        (st = num_at(r, o, "cutoff", "requested_weight", NUM_NULL, &c->requested)) != FA_OK ||
        (st = num_at(r, o, "cutoff", "threshold", NUM_NULL, &c->threshold)) != FA_OK ||
        (st = num_at(r, o, "cutoff", "selected_weight", NUM_NULL, &c->selected)) != FA_OK ||
        (st = num_at(r, o, "cutoff", "tied_weight", NUM_NULL, &c->tied)) != FA_OK ||
        (st = bool_at(r, o, "cutoff", "ties_included", &c->ties_included)) != FA_OK) {
        return st;
    }
    res->has_pred = 1; /* predictions from the cut-off (audit/compute.c) */
    return FA_OK;
}

static int fill(rd *r, const cJSON *root)
{
    int st;
    if (!cJSON_IsObject(root)) {
        char d[64];
        describe(d, sizeof d, root);
        return fa_error_set_json(r->err, FA_EPARSE, r->name, "",
                                 "not a fairaudit result: expected an object, found %s", d);
    }
    if ((st = version(r, root)) != FA_OK || (st = object(r, root, "", ROOT_KEYS)) != FA_OK ||
        (st = header(r, root)) != FA_OK || (st = cutoff(r, root)) != FA_OK ||
        (st = overall(r, root)) != FA_OK || (st = attributes(r, root)) != FA_OK ||
        (st = groups(r, root)) != FA_OK || (st = disparities(r, root)) != FA_OK ||
        (st = summaries(r, root)) != FA_OK || (st = tests(r, root)) != FA_OK ||
        (st = imbalance(r, root)) != FA_OK || (st = individual(r, root)) != FA_OK ||
        (st = attributions(r, root)) != FA_OK || (st = gates(r, root)) != FA_OK ||
        (st = verdict(r, root)) != FA_OK) {
        return st;
    }
    return FA_OK;
}

int fa_result_parse_json(fa_result **out, const char *text, size_t len, const char *name,
                         fa_error *err)
{
    *out = NULL;
    name = name ? name : "(result)";
    if (len > READ_MAX_BYTES) {
        return fa_error_set(err, FA_EPARSE, name, 0, 0, "larger than %zu MiB",
                            READ_MAX_BYTES >> 20);
    }
    /* exact positions and what-was-found for bad syntax, NaN and Infinity, depth */
    int st = fa_json_check(text, len, name, FA_JSON_MAX_DEPTH, err);
    if (st != FA_OK) {
        return st;
    }
    cJSON *root = cJSON_ParseWithLength(text, len);
    if (root == NULL) {
        return fa_error_set(err, FA_ENOMEM, name, 0, 0, "out of memory");
    }
    fa_result *res = calloc(1, sizeof *res);
    if (res == NULL) {
        cJSON_Delete(root);
        return fa_error_set(err, FA_ENOMEM, name, 0, 0, "out of memory");
    }
    rd r = {name, err, res, 0};
    st = fill(&r, root);
    cJSON_Delete(root);
    if (st != FA_OK) {
        fa_result_free(res);
        return st;
    }
    *out = res;
    return FA_OK;
}

int fa_result_load_json(fa_result **out, const char *path, fa_error *err)
{
    char *text;
    size_t len;
    *out = NULL;
    int st = fa_read_file(&text, &len, path, READ_MAX_BYTES, err);
    if (st != FA_OK) {
        return st;
    }
    st = fa_result_parse_json(out, text, len, path, err);
    free(text);
    return st;
}
