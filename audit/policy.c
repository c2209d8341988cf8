/*
 * audit/policy.c - the policy file: reference groups, min_group_size, tau, gates.
 *
 * Parsed with cJSON, then validated key by key so that every error names its JSON path
 * ("gates[2].max: expected a number, got \"x\""). Syntax errors are located by line and
 * column from cJSON's error pointer. Duplicate keys are errors (cJSON would keep both and
 * silently use the first); unknown keys are warnings, so a typo never passes unnoticed.
 */
#include "audit/policy.h"

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
#include "metrics/summary.h"

#define POLICY_MAX_BYTES (16u << 20)
#define POLICY_MAX_DEPTH 64

typedef struct ctx {
    fa_policy *p;
    const char *name;
    fa_error *err;
} ctx;

static int add_warning(ctx *c, const char *fmt, ...) FA_PRINTF(2, 3);
static int add_warning(ctx *c, const char *fmt, ...)
{
    char buf[512];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(buf, sizeof buf, fmt, ap);
    va_end(ap);
    void *w = fa_realloc_array(c->p->warnings, c->p->n_warnings + 1, sizeof(char *));
    if (w == NULL) {
        return fa_error_set(c->err, FA_ENOMEM, c->name, 0, 0, "out of memory");
    }
    c->p->warnings = w;
    char *s = fa_strdup(buf);
    if (s == NULL) {
        return fa_error_set(c->err, FA_ENOMEM, c->name, 0, 0, "out of memory");
    }
    c->p->warnings[c->p->n_warnings++] = s;
    return FA_OK;
}

/* What a JSON value is, in words, for "expected X, got Y" messages. */
static void describe(char *buf, size_t size, const cJSON *v)
{
    if (cJSON_IsString(v)) {
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

static int bad(ctx *c, const char *path, const char *expected, const cJSON *got)
{
    char d[128];
    describe(d, sizeof d, got);
    return fa_error_set_json(c->err, FA_EPARSE, c->name, path, "expected %s, got %s", expected, d);
}

/* Rejects duplicate keys and warns about unknown ones; `known` is NULL-terminated. */
static int check_keys(ctx *c, const cJSON *obj, const char *path, const char *const known[])
{
    for (const cJSON *a = obj->child; a; a = a->next) {
        for (const cJSON *b = a->next; b; b = b->next) {
            if (strcmp(a->string, b->string) == 0) {
                char jp[FA_ERROR_PATH_MAX];
                snprintf(jp, sizeof jp, "%s%s%s", path, *path ? "." : "", b->string);
                return fa_error_set_json(c->err, FA_EPARSE, c->name, jp, "duplicate key");
            }
        }
        int ok = 0;
        for (size_t k = 0; known[k] && !ok; k++) {
            ok = strcmp(a->string, known[k]) == 0;
        }
        if (!ok) {
            int st = add_warning(c, "%s: warning: %s%s%s: unknown key (ignored)", c->name, path,
                                 *path ? "." : "", a->string);
            if (st != FA_OK) {
                return st;
            }
        }
    }
    return FA_OK;
}

static int get_string(ctx *c, const cJSON *v, const char *path, char **out)
{
    if (!cJSON_IsString(v)) {
        return bad(c, path, "a string", v);
    }
    *out = fa_strdup(v->valuestring);
    return *out ? FA_OK : fa_error_set(c->err, FA_ENOMEM, c->name, 0, 0, "out of memory");
}

static int get_number(ctx *c, const cJSON *v, const char *path, double *out)
{
    if (!cJSON_IsNumber(v) || !isfinite(v->valuedouble)) {
        return bad(c, path, "a number", v);
    }
    *out = v->valuedouble;
    return FA_OK;
}

static int parse_reference(ctx *c, const cJSON *v)
{
    if (!cJSON_IsObject(v)) {
        return bad(c, "reference", "an object mapping attribute to group value", v);
    }
    size_t n = (size_t)cJSON_GetArraySize(v);
    c->p->ref_attrs = fa_calloc_array(n, sizeof(char *));
    c->p->ref_values = fa_calloc_array(n, sizeof(char *));
    if (c->p->ref_attrs == NULL || c->p->ref_values == NULL) {
        return fa_error_set(c->err, FA_ENOMEM, c->name, 0, 0, "out of memory");
    }
    for (const cJSON *a = v->child; a; a = a->next) {
        for (const cJSON *b = a->next; b; b = b->next) {
            if (strcmp(a->string, b->string) == 0) {
                char jp[FA_ERROR_PATH_MAX];
                snprintf(jp, sizeof jp, "reference.%s", b->string);
                return fa_error_set_json(c->err, FA_EPARSE, c->name, jp, "duplicate key");
            }
        }
        char jp[FA_ERROR_PATH_MAX];
        snprintf(jp, sizeof jp, "reference.%s", a->string);
        size_t i = c->p->n_refs;
        c->p->ref_attrs[i] = fa_strdup(a->string);
        if (c->p->ref_attrs[i] == NULL) {
            return fa_error_set(c->err, FA_ENOMEM, c->name, 0, 0, "out of memory");
        }
        c->p->n_refs++;
        int st = get_string(c, a, jp, &c->p->ref_values[i]);
        if (st != FA_OK) {
            return st;
        }
    }
    return FA_OK;
}

/*
 * "population": {"race": {"A": 0.3, "B": 0.7}, ...}: reference population shares per attribute
 * (census shares, say) for the representation ratio of METRICS.md "Class imbalance". Each
 * share in [0, 1], each attribute's shares summing to 1 within 1e-6; groups the data lacks are
 * warned about at audit time (the policy does not know the data).
 */
#define POPULATION_SUM_TOLERANCE 1e-6

static int add_share(ctx *c, const char *attr, const char *group, double share)
{
    fa_policy *p = c->p;
    void *a = fa_realloc_array(p->pop_attrs, p->n_pop + 1, sizeof(char *));
    if (a != NULL) {
        p->pop_attrs = a;
    }
    void *g = a ? fa_realloc_array(p->pop_groups, p->n_pop + 1, sizeof(char *)) : NULL;
    if (g != NULL) {
        p->pop_groups = g;
    }
    void *v = g ? fa_realloc_array(p->pop_shares, p->n_pop + 1, sizeof(double)) : NULL;
    if (v == NULL) {
        return fa_error_set(c->err, FA_ENOMEM, c->name, 0, 0, "out of memory");
    }
    p->pop_shares = v;
    p->pop_attrs[p->n_pop] = fa_strdup(attr);
    p->pop_groups[p->n_pop] = fa_strdup(group);
    p->pop_shares[p->n_pop] = share;
    p->n_pop++;
    if (p->pop_attrs[p->n_pop - 1] == NULL || p->pop_groups[p->n_pop - 1] == NULL) {
        return fa_error_set(c->err, FA_ENOMEM, c->name, 0, 0, "out of memory");
    }
    return FA_OK;
}

static int parse_population_attr(ctx *c, const cJSON *a)
{
    char jp[FA_ERROR_PATH_MAX];
    snprintf(jp, sizeof jp, "population.%s", a->string);
    if (!cJSON_IsObject(a) || a->child == NULL) {
        return bad(c, jp, "an object mapping each group to its population share", a);
    }
    double sum = 0.0;
    for (const cJSON *g = a->child; g; g = g->next) {
        for (const cJSON *h = g->next; h; h = h->next) {
            if (strcmp(g->string, h->string) == 0) {
                snprintf(jp, sizeof jp, "population.%s.%s", a->string, h->string);
                return fa_error_set_json(c->err, FA_EPARSE, c->name, jp, "duplicate key");
            }
        }
        snprintf(jp, sizeof jp, "population.%s.%s", a->string, g->string);
        if (!cJSON_IsNumber(g) || !(g->valuedouble >= 0.0 && g->valuedouble <= 1.0)) {
            return bad(c, jp, "a share in [0, 1]", g);
        }
        sum += g->valuedouble;
        int st = add_share(c, a->string, g->string, g->valuedouble);
        if (st != FA_OK) {
            return st;
        }
    }
    if (fabs(sum - 1.0) > POPULATION_SUM_TOLERANCE) {
        char d[64];
        fa_format_double(d, sizeof d, sum);
        snprintf(jp, sizeof jp, "population.%s", a->string);
        return fa_error_set_json(c->err, FA_EPARSE, c->name, jp,
                                 "expected shares summing to 1 (within 1e-6), got a sum of %s", d);
    }
    return FA_OK;
}

static int parse_population(ctx *c, const cJSON *v)
{
    if (!cJSON_IsObject(v)) {
        return bad(c, "population", "an object mapping attribute to group shares", v);
    }
    for (const cJSON *a = v->child; a; a = a->next) {
        for (const cJSON *b = a->next; b; b = b->next) {
            if (strcmp(a->string, b->string) == 0) {
                char jp[FA_ERROR_PATH_MAX];
                snprintf(jp, sizeof jp, "population.%s", b->string);
                return fa_error_set_json(c->err, FA_EPARSE, c->name, jp, "duplicate key");
            }
        }
        int st = parse_population_attr(c, a);
        if (st != FA_OK) {
            return st;
        }
    }
    return FA_OK;
}

/* "individual": {"consistency_k": k}, the neighbours of consistency (with a features file). */
static int parse_individual(ctx *c, const cJSON *v)
{
    static const char *const KEYS[] = {"consistency_k", NULL};
    if (!cJSON_IsObject(v)) {
        return bad(c, "individual", "an object", v);
    }
    int st = check_keys(c, v, "individual", KEYS);
    const cJSON *k = cJSON_GetObjectItemCaseSensitive(v, "consistency_k");
    if (st == FA_OK && k != NULL) {
        if (!cJSON_IsNumber(k) || !(k->valuedouble >= 1.0 && k->valuedouble <= 1e9) ||
            floor(k->valuedouble) != k->valuedouble) {
            return bad(c, "individual.consistency_k", "an integer >= 1", k);
        }
        c->p->consistency_k = (long)k->valuedouble;
    }
    return st;
}

static const char *const GATE_KEYS[] = {"name",       "metric",
                                        "disparity",  "against",
                                        "attribute",  "min",
                                        "max",        "use",
                                        "severity",   "description",
                                        "comment",    "significant_only",
                                        "max_change", "max_relative_change",
                                        "direction",  NULL};

static int parse_enum(ctx *c, const cJSON *v, const char *path, const char *const names[],
                      const char *expected, int *out)
{
    if (cJSON_IsString(v)) {
        for (int i = 0; names[i]; i++) {
            if (strcmp(v->valuestring, names[i]) == 0) {
                *out = i;
                return FA_OK;
            }
        }
    }
    return bad(c, path, expected, v);
}

static int parse_gate_metric(ctx *c, fa_gate_spec *g, const cJSON *obj, const char *path)
{
    char jp[FA_ERROR_PATH_MAX];
    snprintf(jp, sizeof jp, "%s.metric", path);
    const cJSON *m = cJSON_GetObjectItemCaseSensitive(obj, "metric");
    if (m == NULL) {
        return fa_error_set_json(c->err, FA_EPARSE, c->name, jp, "missing required key");
    }
    int st = get_string(c, m, jp, &g->metric_name);
    if (st != FA_OK) {
        return st;
    }
    g->summary = fa_summary_from_name(g->metric_name);
    g->rate = g->summary < 0 ? fa_metric_from_name(g->metric_name) : -1;
    if (g->summary < 0 && g->rate < 0) {
        char q[128];
        return fa_error_set_json(
            c->err, FA_EPARSE, c->name, jp,
            "unknown metric %s: expected a rate (selection_rate, "
            "true_positive_rate, ...) or a summary "
            "(demographic_parity_ratio, equalized_odds_difference, ...); "
            "'fairaudit metrics' lists them",
            fa_error_quote(q, sizeof q, g->metric_name, strlen(g->metric_name)));
    }
    const cJSON *d = cJSON_GetObjectItemCaseSensitive(obj, "disparity");
    const cJSON *ag = cJSON_GetObjectItemCaseSensitive(obj, "against");
    snprintf(jp, sizeof jp, "%s.disparity", path);
    if (g->summary >= 0) {
        if (d) {
            return fa_error_set_json(c->err, FA_EPARSE, c->name, jp,
                                     "a named summary takes no disparity (it is one already)");
        }
        if (ag) {
            snprintf(jp, sizeof jp, "%s.against", path);
            return fa_error_set_json(c->err, FA_EPARSE, c->name, jp,
                                     "a named summary takes no 'against' (use the "
                                     "_to_overall name)");
        }
        return FA_OK;
    }
    if (d == NULL) {
        return fa_error_set_json(c->err, FA_EPARSE, c->name, jp,
                                 "missing required key: a rate gate needs \"disparity\": "
                                 "\"difference\" or \"ratio\"");
    }
    static const char *const DISP[] = {"difference", "ratio", NULL};
    st = parse_enum(c, d, jp, DISP, "\"difference\" or \"ratio\"", &g->ratio);
    if (st != FA_OK) {
        return st;
    }
    if (ag) {
        static const char *const AG[] = {"between_groups", "reference", "to_overall", NULL};
        snprintf(jp, sizeof jp, "%s.against", path);
        int v;
        st = parse_enum(c, ag, jp, AG, "\"between_groups\", \"reference\" or \"to_overall\"", &v);
        if (st != FA_OK) {
            return st;
        }
        g->against = (fa_gate_against)v;
    }
    return FA_OK;
}

static int parse_gate(ctx *c, fa_gate_spec *g, const cJSON *obj, size_t i)
{
    char path[64], jp[FA_ERROR_PATH_MAX];
    snprintf(path, sizeof path, "gates[%zu]", i);
    if (!cJSON_IsObject(obj)) {
        return bad(c, path, "an object", obj);
    }
    int st = check_keys(c, obj, path, GATE_KEYS);
    if (st != FA_OK) {
        return st;
    }
    const cJSON *v = cJSON_GetObjectItemCaseSensitive(obj, "name");
    if (v) {
        snprintf(jp, sizeof jp, "%s.name", path);
        if ((st = get_string(c, v, jp, &g->name)) != FA_OK) {
            return st;
        }
    }
    if ((st = parse_gate_metric(c, g, obj, path)) != FA_OK) {
        return st;
    }
    if (g->name == NULL) {
        g->name = fa_strdup(g->metric_name);
        if (g->name == NULL) {
            return fa_error_set(c->err, FA_ENOMEM, c->name, 0, 0, "out of memory");
        }
    }
    if ((v = cJSON_GetObjectItemCaseSensitive(obj, "attribute")) != NULL) {
        snprintf(jp, sizeof jp, "%s.attribute", path);
        if ((st = get_string(c, v, jp, &g->attribute)) != FA_OK) {
            return st;
        }
    }
    if ((v = cJSON_GetObjectItemCaseSensitive(obj, "min")) != NULL) {
        snprintf(jp, sizeof jp, "%s.min", path);
        if ((st = get_number(c, v, jp, &g->min)) != FA_OK) {
            return st;
        }
        g->has_min = 1;
    }
    if ((v = cJSON_GetObjectItemCaseSensitive(obj, "max")) != NULL) {
        snprintf(jp, sizeof jp, "%s.max", path);
        if ((st = get_number(c, v, jp, &g->max)) != FA_OK) {
            return st;
        }
        g->has_max = 1;
    }
    if ((v = cJSON_GetObjectItemCaseSensitive(obj, "max_change")) != NULL) {
        snprintf(jp, sizeof jp, "%s.max_change", path);
        if ((st = get_number(c, v, jp, &g->max_change)) != FA_OK) {
            return st;
        }
        if (g->max_change < 0) {
            return bad(c, jp, "a non-negative number", v);
        }
        g->has_max_change = 1;
    }
    if ((v = cJSON_GetObjectItemCaseSensitive(obj, "max_relative_change")) != NULL) {
        snprintf(jp, sizeof jp, "%s.max_relative_change", path);
        if ((st = get_number(c, v, jp, &g->max_relative_change)) != FA_OK) {
            return st;
        }
        if (g->max_relative_change < 0) {
            return bad(c, jp, "a non-negative number", v);
        }
        g->has_max_relative_change = 1;
    }
    g->direction = g->has_max && !g->has_min ? 1 : g->has_min && !g->has_max ? -1 : 0;
    if ((v = cJSON_GetObjectItemCaseSensitive(obj, "direction")) != NULL) {
        static const char *const DIR[] = {"any", "increase", "decrease", NULL};
        snprintf(jp, sizeof jp, "%s.direction", path);
        int d;
        if ((st = parse_enum(c, v, jp, DIR, "\"increase\", \"decrease\" or \"any\"", &d)) !=
            FA_OK) {
            return st;
        }
        g->direction = d == 0 ? 0 : d == 1 ? 1 : -1;
    }
    if (!g->has_min && !g->has_max && !g->has_max_change && !g->has_max_relative_change) {
        return fa_error_set_json(c->err, FA_EPARSE, c->name, path,
                                 "a gate needs \"min\" or \"max\" (or both), or a "
                                 "\"max_change\" against a baseline");
    }
    if (g->has_min && g->has_max && g->min > g->max) {
        char lo[40], hi[40];
        fa_format_double(lo, sizeof lo, g->min);
        fa_format_double(hi, sizeof hi, g->max);
        snprintf(jp, sizeof jp, "%s.min", path);
        return fa_error_set_json(c->err, FA_EPARSE, c->name, jp,
                                 "contradictory bounds: min %s is greater than max %s", lo, hi);
    }
    if ((v = cJSON_GetObjectItemCaseSensitive(obj, "use")) != NULL) {
        static const char *const USE[] = {"point", "upper_ci", "lower_ci", NULL};
        snprintf(jp, sizeof jp, "%s.use", path);
        int u;
        if ((st = parse_enum(c, v, jp, USE, "\"point\", \"upper_ci\" or \"lower_ci\"", &u)) !=
            FA_OK) {
            return st;
        }
        g->use = (fa_gate_use)u;
    }
    if ((v = cJSON_GetObjectItemCaseSensitive(obj, "significant_only")) != NULL) {
        snprintf(jp, sizeof jp, "%s.significant_only", path);
        if (!cJSON_IsBool(v)) {
            return bad(c, jp, "true or false", v);
        }
        g->significant_only = cJSON_IsTrue(v);
    }
    if ((v = cJSON_GetObjectItemCaseSensitive(obj, "severity")) != NULL) {
        static const char *const SEV[] = {"error", "warning", NULL};
        snprintf(jp, sizeof jp, "%s.severity", path);
        if ((st = parse_enum(c, v, jp, SEV, "\"error\" or \"warning\"", &g->warning)) != FA_OK) {
            return st;
        }
    }
    return FA_OK;
}

static const char *const TOP_KEYS[] = {
    "reference",        "min_group_size", "tau",        "inconclusive", "generalized_entropy_alpha",
    "confidence_level", "gates",          "title",      "name",         "description",
    "comment",          "$schema",        "population", "individual",   NULL};

static int parse_top(ctx *c, const cJSON *root)
{
    if (!cJSON_IsObject(root)) {
        return bad(c, "(root)", "an object", root);
    }
    int st = check_keys(c, root, "", TOP_KEYS);
    if (st != FA_OK) {
        return st;
    }
    const cJSON *v;
    if ((v = cJSON_GetObjectItemCaseSensitive(root, "title")) != NULL &&
        (st = get_string(c, v, "title", &c->p->title)) != FA_OK) {
        return st;
    }
    if ((v = cJSON_GetObjectItemCaseSensitive(root, "reference")) != NULL &&
        (st = parse_reference(c, v)) != FA_OK) {
        return st;
    }
    if ((v = cJSON_GetObjectItemCaseSensitive(root, "individual")) != NULL &&
        (st = parse_individual(c, v)) != FA_OK) {
        return st;
    }
    if ((v = cJSON_GetObjectItemCaseSensitive(root, "population")) != NULL &&
        (st = parse_population(c, v)) != FA_OK) {
        return st;
    }
    if ((v = cJSON_GetObjectItemCaseSensitive(root, "min_group_size")) != NULL) {
        if (!cJSON_IsNumber(v) || v->valuedouble < 0 || v->valuedouble > 1e15 ||
            floor(v->valuedouble) != v->valuedouble) {
            return bad(c, "min_group_size", "a non-negative integer", v);
        }
        c->p->min_group_size = (long)v->valuedouble;
    }
    if ((v = cJSON_GetObjectItemCaseSensitive(root, "tau")) != NULL) {
        if (!cJSON_IsNumber(v) || !(v->valuedouble > 0.0 && v->valuedouble <= 1.0)) {
            return bad(c, "tau", "a number in (0, 1]", v);
        }
        c->p->tau = v->valuedouble;
    }
    if ((v = cJSON_GetObjectItemCaseSensitive(root, "confidence_level")) != NULL) {
        if (!cJSON_IsNumber(v) || !(v->valuedouble > 0.0 && v->valuedouble < 1.0)) {
            return bad(c, "confidence_level", "a number in (0, 1)", v);
        }
        c->p->confidence_level = v->valuedouble;
    }
    if ((v = cJSON_GetObjectItemCaseSensitive(root, "generalized_entropy_alpha")) != NULL) {
        if ((st = get_number(c, v, "generalized_entropy_alpha", &c->p->gei_alpha)) != FA_OK) {
            return st;
        }
        c->p->has_gei_alpha = 1;
    }
    if ((v = cJSON_GetObjectItemCaseSensitive(root, "inconclusive")) != NULL) {
        static const char *const INC[] = {"inconclusive", "pass", "fail", NULL};
        int m;
        if ((st = parse_enum(c, v, "inconclusive", INC, "\"pass\", \"fail\" or \"inconclusive\"",
                             &m)) != FA_OK) {
            return st;
        }
        c->p->inconclusive = (fa_inconclusive_map)m;
    }
    if ((v = cJSON_GetObjectItemCaseSensitive(root, "gates")) != NULL) {
        if (!cJSON_IsArray(v)) {
            return bad(c, "gates", "an array of gates", v);
        }
        size_t n = (size_t)cJSON_GetArraySize(v);
        c->p->gates = fa_calloc_array(n, sizeof *c->p->gates);
        if (c->p->gates == NULL) {
            return fa_error_set(c->err, FA_ENOMEM, c->name, 0, 0, "out of memory");
        }
        size_t i = 0;
        for (const cJSON *g = v->child; g; g = g->next, i++) {
            c->p->gates[i].summary = -1;
            c->p->gates[i].rate = -1;
            c->p->n_gates = i + 1;
            if ((st = parse_gate(c, &c->p->gates[i], g, i)) != FA_OK) {
                return st;
            }
        }
    }
    return FA_OK;
}

int fa_policy_parse_json(fa_policy **out, const char *text, size_t len, const char *name,
                         fa_error *err)
{
    *out = NULL;
    if (name == NULL) {
        name = "(policy)";
    }
    if (len == 0) {
        return fa_error_set(err, FA_EPARSE, name, 1, 1, "empty file: expected a JSON object");
    }
    /* syntax, depth (cJSON recurses), NaN, 1e999, bad UTF-8...: exact line and column */
    int syntax = fa_json_check(text, len, name, POLICY_MAX_DEPTH, err);
    if (syntax != FA_OK) {
        return syntax;
    }
    cJSON *root = cJSON_ParseWithLength(text, len);
    if (root == NULL) { /* the check passed: only allocation can fail */
        return fa_error_set(err, FA_ENOMEM, name, 0, 0, "out of memory");
    }
    fa_policy *p = calloc(1, sizeof *p);
    if (p == NULL) {
        cJSON_Delete(root);
        return fa_error_set(err, FA_ENOMEM, name, 0, 0, "out of memory");
    }
    p->min_group_size = -1;
    p->name = fa_strdup(name);
    ctx c = {p, name, err};
    int st =
        p->name ? parse_top(&c, root) : fa_error_set(err, FA_ENOMEM, name, 0, 0, "out of memory");
    cJSON_Delete(root);
    if (st != FA_OK) {
        fa_policy_free(p);
        return st;
    }
    *out = p;
    return FA_OK;
}

int fa_policy_load_json(fa_policy **out, const char *path, fa_error *err)
{
    char *text;
    size_t len;
    *out = NULL;
    int st = fa_read_file(&text, &len, path, POLICY_MAX_BYTES, err);
    if (st != FA_OK) {
        return st;
    }
    st = fa_policy_parse_json(out, text, len, path, err);
    free(text);
    return st;
}

void fa_policy_free(fa_policy *p)
{
    if (p == NULL) {
        return;
    }
    for (size_t i = 0; i < p->n_refs; i++) {
        free(p->ref_attrs[i]);
        free(p->ref_values[i]);
    }
    free(p->ref_attrs);
    free(p->ref_values);
    for (size_t i = 0; i < p->n_pop; i++) {
        free(p->pop_attrs[i]);
        free(p->pop_groups[i]);
    }
    free(p->pop_attrs);
    free(p->pop_groups);
    free(p->pop_shares);
    for (size_t i = 0; i < p->n_gates; i++) {
        fa_result__gate_spec_dispose(&p->gates[i]);
    }
    free(p->gates);
    for (size_t i = 0; i < p->n_warnings; i++) {
        free(p->warnings[i]);
    }
    free(p->warnings);
    free(p->name);
    free(p->title);
    free(p);
}

size_t fa_policy_n_gates(const fa_policy *p)
{
    return p ? p->n_gates : 0;
}

size_t fa_policy__n_warnings(const fa_policy *p)
{
    return p ? p->n_warnings : 0;
}

const char *fa_policy__warning(const fa_policy *p, size_t i)
{
    return p->warnings[i];
}

int fa_policy__copy_gates(fa_gate_spec **out, const fa_gate_spec *src, size_t n)
{
    *out = NULL;
    fa_gate_spec *g = fa_calloc_array(n, sizeof *g);
    if (g == NULL) {
        return FA_ENOMEM;
    }
    for (size_t i = 0; i < n; i++) {
        g[i] = src[i];
        g[i].name = fa_strdup(src[i].name);
        g[i].metric_name = fa_strdup(src[i].metric_name);
        g[i].attribute = src[i].attribute ? fa_strdup(src[i].attribute) : NULL;
        if (g[i].name == NULL || g[i].metric_name == NULL ||
            (src[i].attribute && g[i].attribute == NULL)) {
            for (size_t k = 0; k <= i; k++) {
                fa_result__gate_spec_dispose(&g[k]);
            }
            free(g);
            return FA_ENOMEM;
        }
    }
    *out = g;
    return FA_OK;
}
