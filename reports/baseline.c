/*
 * reports/baseline.c - an earlier audit's JSON result read back as a baseline: the audited
 * attributes and every gate's value, so a gate can bound how much a metric may change since
 * the released model (TFMA-style "max_change"). Only what the comparison needs is kept.
 */
#include <cjson/cJSON.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "common/alloc.h"
#include "common/error.h"
#include "common/fileio.h"
#include "common/jsoncheck.h"
#include "include/fairaudit.h"
#include "reports/baseline.h"

#define BASELINE_MAX_BYTES ((size_t)256 << 20)

typedef struct baseline_gate {
    char *name, *attribute;
    double value; /* NAN when the earlier value was undefined */
} baseline_gate;

struct fa_baseline {
    char *path;
    char **attrs;
    size_t n_attrs;
    baseline_gate *gates;
    size_t n_gates;
};

void fa_baseline_free(fa_baseline *b)
{
    if (b == NULL) {
        return;
    }
    for (size_t i = 0; i < b->n_attrs; i++) {
        free(b->attrs[i]);
    }
    for (size_t i = 0; i < b->n_gates; i++) {
        free(b->gates[i].name);
        free(b->gates[i].attribute);
    }
    free(b->attrs);
    free(b->gates);
    free(b->path);
    free(b);
}

static int fill(fa_baseline *b, const cJSON *root, const char *path, fa_error *err)
{
    if (!cJSON_IsObject(root) ||
        !cJSON_IsString(cJSON_GetObjectItemCaseSensitive(root, "fairaudit_version"))) {
        return fa_error_set_json(err, FA_EPARSE, path, "fairaudit_version",
                                 "not a fairaudit result (expected a string)");
    }
    const cJSON *cols = cJSON_GetObjectItemCaseSensitive(root, "columns");
    const cJSON *groups = cJSON_GetObjectItemCaseSensitive(cols, "groups");
    const cJSON *gates = cJSON_GetObjectItemCaseSensitive(root, "gates");
    if (!cJSON_IsArray(groups)) {
        return fa_error_set_json(err, FA_EPARSE, path, "columns.groups",
                                 "expected an array of attribute names");
    }
    if (!cJSON_IsArray(gates)) {
        return fa_error_set_json(err, FA_EPARSE, path, "gates", "expected an array");
    }
    b->attrs = fa_calloc_array((size_t)cJSON_GetArraySize(groups), sizeof *b->attrs);
    b->gates = fa_calloc_array((size_t)cJSON_GetArraySize(gates), sizeof *b->gates);
    if (b->attrs == NULL || b->gates == NULL) {
        return fa_error_set(err, FA_ENOMEM, path, 0, 0, "out of memory");
    }
    size_t i = 0;
    for (const cJSON *g = groups->child; g; g = g->next, i++) {
        if (!cJSON_IsString(g)) {
            char jp[64];
            snprintf(jp, sizeof jp, "columns.groups[%zu]", i);
            return fa_error_set_json(err, FA_EPARSE, path, jp, "expected a string");
        }
        if ((b->attrs[b->n_attrs++] = fa_strdup(g->valuestring)) == NULL) {
            return fa_error_set(err, FA_ENOMEM, path, 0, 0, "out of memory");
        }
    }
    i = 0;
    for (const cJSON *g = gates->child; g; g = g->next, i++) {
        const cJSON *name = cJSON_GetObjectItemCaseSensitive(g, "name");
        const cJSON *attr = cJSON_GetObjectItemCaseSensitive(g, "attribute");
        const cJSON *value = cJSON_GetObjectItemCaseSensitive(g, "value");
        if (!cJSON_IsString(name) || !cJSON_IsString(attr) ||
            !(cJSON_IsNumber(value) || cJSON_IsNull(value))) {
            char jp[64];
            snprintf(jp, sizeof jp, "gates[%zu]", i);
            return fa_error_set_json(err, FA_EPARSE, path, jp,
                                     "expected a gate with a name, an attribute and a value");
        }
        baseline_gate *bg = &b->gates[b->n_gates++];
        bg->value = cJSON_IsNumber(value) ? value->valuedouble : NAN;
        if ((bg->name = fa_strdup(name->valuestring)) == NULL ||
            (bg->attribute = fa_strdup(attr->valuestring)) == NULL) {
            return fa_error_set(err, FA_ENOMEM, path, 0, 0, "out of memory");
        }
    }
    return FA_OK;
}

int fa_baseline_load_json(fa_baseline **out, const char *path, fa_error *err)
{
    *out = NULL;
    char *text;
    size_t len;
    int st = fa_read_file(&text, &len, path, BASELINE_MAX_BYTES, err);
    if (st != FA_OK) {
        return st;
    }
    st = fa_json_check(text, len, path, FA_JSON_MAX_DEPTH, err);
    if (st != FA_OK) {
        free(text);
        return st;
    }
    cJSON *root = cJSON_ParseWithLength(text, len);
    free(text);
    if (root == NULL) {
        return fa_error_set(err, FA_EPARSE, path, 0, 0, "invalid JSON: not a fairaudit result");
    }
    fa_baseline *b = calloc(1, sizeof *b);
    st = b ? fill(b, root, path, err) : fa_error_set(err, FA_ENOMEM, path, 0, 0, "out of memory");
    cJSON_Delete(root);
    if (st == FA_OK && (b->path = fa_strdup(path)) == NULL) {
        st = fa_error_set(err, FA_ENOMEM, path, 0, 0, "out of memory");
    }
    if (st != FA_OK) {
        fa_baseline_free(b);
        return st;
    }
    *out = b;
    return FA_OK;
}

int fa_baseline__value(const fa_baseline *b, const char *gate, const char *attribute, double *value)
{
    for (size_t i = 0; i < b->n_gates; i++) {
        if (strcmp(b->gates[i].name, gate) == 0 && strcmp(b->gates[i].attribute, attribute) == 0) {
            *value = b->gates[i].value;
            return 1;
        }
    }
    return 0;
}

int fa_baseline__check_attributes(const fa_baseline *b, const char *const attrs[], size_t n,
                                  fa_error *err)
{
    int same = b->n_attrs == n;
    for (size_t i = 0; same && i < n; i++) {
        int found = 0;
        for (size_t k = 0; k < b->n_attrs && !found; k++) {
            found = strcmp(b->attrs[k], attrs[i]) == 0;
        }
        same = found;
    }
    if (!same) {
        char list[256] = "";
        size_t o = 0;
        for (size_t k = 0; k < b->n_attrs && o + 40 < sizeof list; k++) {
            int w = snprintf(list + o, sizeof list - o, "%s%s", k ? ", " : "", b->attrs[k]);
            o += w > 0 ? (size_t)w : 0;
        }
        return fa_error_set_json(err, FA_EINVAL, b->path, "columns.groups",
                                 "the baseline audits other attributes (%s) than this audit", list);
    }
    return FA_OK;
}
