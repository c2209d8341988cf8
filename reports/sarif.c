/*
 * reports/sarif.c - the gates as a SARIF 2.1.0 log (OASIS Static Analysis Results Interchange
 * Format), which GitHub code scanning, GitLab and Azure DevOps show as findings.
 *
 * One run; tool.driver "fairaudit" with one rule per gate metric, sorted by id so that
 * reordering a policy does not renumber them:
 *   a named summary   "fairaudit/equalized_odds_difference" (its _to_overall form likewise)
 *   a rate disparity  "fairaudit/selection_rate-ratio" between groups, with "-reference" or
 *                     "-to_overall" appended for the other comparisons
 * (canonical metric names, whatever alias the policy used). One result per gate result that
 * did not pass: level "error" for a failed error-severity gate, "warning" for a failed
 * warning-severity gate and for any inconclusive one (missing evidence is shown, not hidden).
 * Each result is located at the input file and carries partialFingerprints
 * "metric/attribute/group/v1" = rule/attribute/group (each part with % and / percent-encoded,
 * the group empty for between-groups values), so the same finding keeps its identity across
 * runs and across thresholds. No timestamps: the same result gives the same bytes.
 *
 * Built as a cJSON tree, each node attached to its parent as soon as it is made, the tree
 * freed in one place; numbers printed by fa_format_double (NAN as null).
 */
#include "reports/ci.h"

#include <cjson/cJSON.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "common/alloc.h"
#include "common/error.h"
#include "common/fileio.h"
#include "common/text.h"
#include "reports/result.h"

#define SARIF_SCHEMA "https://json.schemastore.org/sarif-2.1.0.json"
#define RULE_ID_MAX 160

/* cJSON returns NULL on allocation failure; one flag collects them all. */
typedef struct sb {
    int oom;
} sb;

static cJSON *attach(sb *b, cJSON *parent, const char *key, cJSON *node)
{
    if (parent == NULL) {
        cJSON_Delete(node);
        return NULL;
    }
    if (node == NULL ||
        (key ? !cJSON_AddItemToObject(parent, key, node) : !cJSON_AddItemToArray(parent, node))) {
        cJSON_Delete(node);
        b->oom = 1;
        return NULL;
    }
    return node;
}

static cJSON *obj(sb *b, cJSON *parent, const char *key)
{
    return parent ? attach(b, parent, key, cJSON_CreateObject()) : NULL;
}

static cJSON *arr(sb *b, cJSON *parent, const char *key)
{
    return parent ? attach(b, parent, key, cJSON_CreateArray()) : NULL;
}

static void str(sb *b, cJSON *parent, const char *key, const char *s)
{
    if (parent) {
        attach(b, parent, key, s ? cJSON_CreateString(s) : cJSON_CreateNull());
    }
}

static void num(sb *b, cJSON *parent, const char *key, double v)
{
    if (parent) {
        char text[48];
        fa_format_double(text, sizeof text, v);
        attach(b, parent, key, isfinite(v) ? cJSON_CreateRaw(text) : cJSON_CreateNull());
    }
}

/* The message object {"text": s}. */
static void message(sb *b, cJSON *parent, const char *key, const char *s)
{
    str(b, obj(b, parent, key), "text", s);
}

/* The stable rule id of a gate's metric. */
static void rule_id(char *buf, size_t size, const fa_gate_spec *s)
{
    static const char *const SUFFIX[] = {"", "-reference", "-to_overall"};
    if (s->summary >= 0) {
        snprintf(buf, size, "fairaudit/%s", fa_ci__metric(s));
    } else {
        snprintf(buf, size, "fairaudit/%s-%s%s", fa_ci__metric(s),
                 s->ratio ? "ratio" : "difference", SUFFIX[s->against]);
    }
}

static int cmp_str(const void *a, const void *b)
{
    return strcmp((const char *)a, (const char *)b);
}

/* The distinct rule ids of the policy's gates, sorted; returns how many (<= n_gate_specs). */
static size_t rule_ids(char (*ids)[RULE_ID_MAX], const fa_result *res)
{
    size_t n = 0;
    for (size_t i = 0; i < res->n_gate_specs; i++) {
        rule_id(ids[n], RULE_ID_MAX, &res->gate_specs[i]);
        int seen = 0;
        for (size_t k = 0; k < n && !seen; k++) {
            seen = strcmp(ids[k], ids[n]) == 0;
        }
        n += !seen;
    }
    qsort(ids, n, sizeof ids[0], cmp_str);
    return n;
}

/* The spec of the first gate with rule id `id` (for the rule's descriptions). */
static const fa_gate_spec *spec_of(const fa_result *res, const char *id)
{
    char buf[RULE_ID_MAX];
    for (size_t i = 0; i < res->n_gate_specs; i++) {
        rule_id(buf, sizeof buf, &res->gate_specs[i]);
        if (strcmp(buf, id) == 0) {
            return &res->gate_specs[i];
        }
    }
    return NULL;
}

static void rules(sb *b, cJSON *driver, const fa_result *res, char (*ids)[RULE_ID_MAX], size_t n)
{
    static const char *const AGAINST[] = {"between groups", "of each group against the reference",
                                          "of each group to the overall population"};
    cJSON *ra = arr(b, driver, "rules");
    for (size_t k = 0; ra && k < n; k++) {
        const fa_gate_spec *s = spec_of(res, ids[k]);
        cJSON *r = obj(b, ra, NULL);
        str(b, r, "id", ids[k]);
        str(b, r, "name", ids[k] + strlen("fairaudit/"));
        char text[256];
        if (s->summary >= 0) {
            snprintf(text, sizeof text, "Fairness gate on %s", fa_ci__metric(s));
            message(b, r, "shortDescription", text);
            message(b, r, "fullDescription", fa_summary_definition(s->summary));
        } else {
            snprintf(text, sizeof text, "Fairness gate on the %s of %s %s",
                     s->ratio ? "ratio" : "difference", fa_ci__metric(s), AGAINST[s->against]);
            message(b, r, "shortDescription", text);
            message(b, r, "fullDescription", fa_metric_definition((fa_metric)s->rate));
        }
        str(b, obj(b, r, "defaultConfiguration"), "level", "error");
        cJSON *tags = arr(b, obj(b, r, "properties"), "tags");
        str(b, tags, NULL, "fairness");
    }
}

/* Appends s with '%' and '/' percent-encoded (a fingerprint component). */
static void component(fa_ci_str *out, const char *s)
{
    for (const char *p = s ? s : ""; *p; p++) {
        if (*p == '%' || *p == '/') {
            fa_ci__cat(out, "%%%02X", (unsigned)(unsigned char)*p);
        } else {
            fa_ci__cat(out, "%c", *p);
        }
    }
}

/* A relative or absolute path as a URI reference: every byte but unreserved ones and '/'
 * percent-encoded (a ':' too, lest "a:b.csv" read as a scheme). */
static void uri(fa_ci_str *out, const char *path)
{
    for (const unsigned char *p = (const unsigned char *)path; *p; p++) {
        if ((*p >= 'a' && *p <= 'z') || (*p >= 'A' && *p <= 'Z') || (*p >= '0' && *p <= '9') ||
            strchr("-._~/", *p) != NULL) {
            fa_ci__cat(out, "%c", *p);
        } else {
            fa_ci__cat(out, "%%%02X", (unsigned)*p);
        }
    }
}

static void result(sb *b, cJSON *results, const fa_result *res, const fa_gate_result *gr,
                   const char *id, size_t index)
{
    const fa_gate_spec *s = gr->spec;
    fa_ci_outcome o = fa_ci__outcome(res, gr);
    cJSON *r = obj(b, results, NULL);
    str(b, r, "ruleId", id);
    num(b, r, "ruleIndex", (double)index);
    str(b, r, "level", o == FA_CI_FAILED && !s->warning ? "error" : "warning");
    fa_ci_str t = {0};
    fa_ci__cat(&t, "%s [%s] %s%s: %s (", s->name, gr->attribute, fa_ci__verdict(gr->verdict),
               s->warning ? " (warning severity)" : "",
               gr->reason ? gr->reason : fa_ci__verdict(gr->verdict));
    fa_ci__details(&t, res, gr, 6);
    fa_ci__cat(&t, ")");
    b->oom |= t.oom;
    message(b, r, "message", t.oom ? "" : t.s);
    t.len = 0;
    if (res->input_path) {
        cJSON *loc = obj(b, arr(b, r, "locations"), NULL);
        uri(&t, res->input_path);
        b->oom |= t.oom;
        str(b, obj(b, obj(b, loc, "physicalLocation"), "artifactLocation"), "uri",
            t.oom ? "" : t.s);
        t.len = 0;
    }
    component(&t, id + strlen("fairaudit/"));
    fa_ci__cat(&t, "/");
    component(&t, gr->attribute);
    fa_ci__cat(&t, "/");
    component(&t, gr->group);
    b->oom |= t.oom;
    str(b, obj(b, r, "partialFingerprints"), "metric/attribute/group/v1", t.oom ? "" : t.s);
    free(t.s);
    cJSON *p = obj(b, r, "properties");
    str(b, p, "gate", s->name);
    str(b, p, "metric", fa_ci__metric(s));
    str(b, p, "attribute", gr->attribute);
    if (gr->group) {
        str(b, p, "group", gr->group);
    }
    num(b, p, "value", gr->value);
    double lo, hi;
    if (fa_ci__interval(fa_ci__attr(res, gr), gr, &lo, &hi)) {
        num(b, p, "interval_lo", lo);
        num(b, p, "interval_hi", hi);
    }
    if (s->has_min) {
        num(b, p, "min", s->min);
    }
    if (s->has_max) {
        num(b, p, "max", s->max);
    }
    str(b, p, "use", fa_ci__use(s));
    str(b, p, "severity", s->warning ? "warning" : "error");
    str(b, p, "outcome", fa_ci__verdict(gr->verdict));
    static const char *const CATEGORY[] = {"passed", "threshold", "undefined", "insufficient_data"};
    str(b, p, "category", CATEGORY[o]);
    if (gr->reason) {
        str(b, p, "reason", gr->reason);
    }
}

static void build(sb *b, cJSON *root, const fa_result *res, char (*ids)[RULE_ID_MAX])
{
    str(b, root, "$schema", SARIF_SCHEMA);
    str(b, root, "version", "2.1.0");
    cJSON *run = obj(b, arr(b, root, "runs"), NULL);
    cJSON *driver = obj(b, obj(b, run, "tool"), "driver");
    str(b, driver, "name", "fairaudit");
    str(b, driver, "version", FA_VERSION);
    str(b, driver, "semanticVersion", FA_VERSION);
    size_t n_ids = rule_ids(ids, res);
    rules(b, driver, res, ids, n_ids);
    cJSON *results = arr(b, run, "results");
    char id[RULE_ID_MAX];
    for (size_t i = 0; results && i < res->n_gates; i++) {
        const fa_gate_result *gr = &res->gates[i];
        if (gr->verdict == FA_VERDICT_PASSED) {
            continue;
        }
        rule_id(id, sizeof id, gr->spec);
        size_t k = 0;
        while (k + 1 < n_ids && strcmp(ids[k], id) != 0) {
            k++;
        }
        result(b, results, res, gr, id, k);
    }
    cJSON *p = obj(b, run, "properties");
    str(b, p, "input", res->input_path);
    num(b, p, "rows", (double)res->rows);
    str(b, p, "verdict", fa_ci__verdict(res->verdict));
    num(b, p, "exit_status", (double)fa_result_exit_status(res));
}

int fa_result_to_sarif_string(char **out, const fa_result *res, fa_error *err)
{
    *out = NULL;
    sb b = {0};
    char(*ids)[RULE_ID_MAX] =
        fa_calloc_array(res->n_gate_specs ? res->n_gate_specs : 1, sizeof *ids);
    cJSON *root = ids ? cJSON_CreateObject() : NULL;
    if (root) {
        build(&b, root, res, ids);
    }
    char *text = root && !b.oom ? cJSON_Print(root) : NULL;
    cJSON_Delete(root);
    free(ids);
    size_t n = text ? strlen(text) : 0;
    char *s = text ? realloc(text, n + 2) : NULL;
    if (s == NULL) {
        free(text);
        return fa_error_set(err, FA_ENOMEM, NULL, 0, 0, "out of memory");
    }
    s[n] = '\n';
    s[n + 1] = '\0';
    *out = s;
    return FA_OK;
}

int fa_result_write_sarif(const fa_result *res, const char *path, fa_error *err)
{
    char *s;
    int st = fa_result_to_sarif_string(&s, res, err);
    if (st != FA_OK) {
        return st;
    }
    st = fa_atomic_write(path, s, strlen(s), err);
    free(s);
    return st;
}

int fa_result_write_sarif_stream(const fa_result *res, FILE *f, fa_error *err)
{
    char *s;
    int st = fa_result_to_sarif_string(&s, res, err);
    if (st != FA_OK) {
        return st;
    }
    size_t n = strlen(s);
    if (fwrite(s, 1, n, f) != n || ferror(f)) {
        st = fa_error_set(err, FA_EIO, NULL, 0, 0, "cannot write the SARIF log");
    }
    free(s);
    return st;
}
