/*
 * explain/model.c - the model interface: loading a model file (its format recognised from its
 * content: LightGBM's text format starts with a line "tree", else JSON), the accessors, batch
 * prediction through the back end's vtable, and matching a data matrix's columns to the model's
 * features by name.
 *
 * Every back end predicts its native output (margins for linear and XGBoost models,
 * probabilities for an external command with a logistic link); fa_model_predict converts it
 * through the link: probability = 1 / (1 + exp(-margin)), margin = log(p) - log1p(-p). The
 * JSON helpers shared by the file readers live here too, so that every model error names the
 * file and the JSON path the same way ("learner.objective.name: expected a string, got 3").
 */
#include "explain/model.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cjson/cJSON.h>

#include "common/alloc.h"
#include "common/error.h"
#include "common/fileio.h"
#include "common/intern.h"
#include "common/jsoncheck.h"
#include "common/text.h"

/* Model files up to 1 GiB (an XGBoost model of thousands of deep trees is tens of MB). */
#define MODEL_MAX_BYTES ((size_t)1 << 30)
/* Missing features named in one error message before "and N more". */
#define MISSING_LISTED 10

/* What a JSON value is, in words, for "expected X, got Y" messages. */
static void describe(char *buf, size_t size, const cJSON *v)
{
    if (v == NULL) {
        snprintf(buf, size, "nothing");
    } else if (cJSON_IsString(v)) {
        fa_error_quote(buf, size, v->valuestring, strlen(v->valuestring));
    } else if (cJSON_IsNumber(v) && size >= 32) {
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

static int oom(const fa_model_json *c)
{
    return fa_error_set(c->err, FA_ENOMEM, c->name, 0, 0, "out of memory");
}

/* ------------------------------------------------------- shared JSON helpers */

void fa_model__json_path(char *buf, size_t size, const char *obj_path, const char *key)
{
    if (obj_path == NULL || obj_path[0] == '\0') {
        snprintf(buf, size, "%s", key);
    } else {
        snprintf(buf, size, "%s.%s", obj_path, key);
    }
}

int fa_model__json_bad(const fa_model_json *c, const char *json_path, const char *expected,
                       const cJSON *got)
{
    char d[128];
    describe(d, sizeof d, got);
    return fa_error_set_json(c->err, FA_EPARSE, c->name, json_path, "expected %s, got %s", expected,
                             d);
}

int fa_model__json_member(const cJSON **out, const fa_model_json *c, const cJSON *obj,
                          const char *obj_path, const char *key, int required)
{
    char jp[FA_ERROR_PATH_MAX];
    *out = NULL;
    for (const cJSON *a = obj->child; a != NULL; a = a->next) {
        if (a->string == NULL || strcmp(a->string, key) != 0) {
            continue;
        }
        if (*out != NULL) {
            fa_model__json_path(jp, sizeof jp, obj_path, key);
            return fa_error_set_json(c->err, FA_EPARSE, c->name, jp, "duplicate key");
        }
        *out = a;
    }
    if (*out == NULL && required) {
        fa_model__json_path(jp, sizeof jp, obj_path, key);
        return fa_error_set_json(c->err, FA_EPARSE, c->name, jp, "missing key");
    }
    return FA_OK;
}

int fa_model__json_number(double *out, const fa_model_json *c, const cJSON *v,
                          const char *json_path, int allow_string)
{
    if (cJSON_IsNumber(v) && isfinite(v->valuedouble)) {
        *out = v->valuedouble;
        return FA_OK;
    }
    if (allow_string && cJSON_IsString(v) &&
        fa_parse_double(v->valuestring, strlen(v->valuestring), out) == 0) {
        return FA_OK;
    }
    return fa_model__json_bad(c, json_path, "a number", v);
}

int fa_model__json_count(size_t *out, const fa_model_json *c, const cJSON *v, const char *json_path,
                         size_t max, int allow_string)
{
    double d = -1.0;
    if (cJSON_IsNumber(v)) {
        d = v->valuedouble;
    } else if (allow_string && cJSON_IsString(v) &&
               fa_parse_double(v->valuestring, strlen(v->valuestring), &d) != 0) {
        d = -1.0;
    }
    if (!(d >= 0.0) || d != floor(d) || d > (double)max) {
        char expected[64];
        snprintf(expected, sizeof expected, "a whole number from 0 to %zu", max);
        return fa_model__json_bad(c, json_path, expected, v);
    }
    *out = (size_t)d;
    return FA_OK;
}

int fa_model__json_doubles(double **out, size_t *n_out, const fa_model_json *c, const cJSON *v,
                           const char *json_path, size_t n)
{
    *out = NULL;
    if (!cJSON_IsArray(v)) {
        return fa_model__json_bad(c, json_path, "an array of numbers", v);
    }
    size_t len = 0;
    for (const cJSON *e = v->child; e != NULL; e = e->next) {
        len++;
    }
    if (n != SIZE_MAX && len != n) {
        return fa_error_set_json(c->err, FA_EPARSE, c->name, json_path,
                                 "has %zu entries, expected %zu (one per feature)", len, n);
    }
    double *a = fa_alloc_array(len, sizeof *a);
    if (a == NULL) {
        return oom(c);
    }
    size_t i = 0;
    for (const cJSON *e = v->child; e != NULL; e = e->next, i++) {
        if (!cJSON_IsNumber(e) || !isfinite(e->valuedouble)) {
            char jp[FA_ERROR_PATH_MAX];
            snprintf(jp, sizeof jp, "%s[%zu]", json_path, i);
            free(a);
            return fa_model__json_bad(c, jp, "a number", e);
        }
        a[i] = e->valuedouble;
    }
    if (n_out != NULL) {
        *n_out = len;
    }
    *out = a;
    return FA_OK;
}

void fa_model__free_names(char **names, size_t n)
{
    if (names == NULL) {
        return;
    }
    for (size_t i = 0; i < n; i++) {
        free(names[i]);
    }
    free(names);
}

int fa_model__json_names(char ***names, size_t *n_out, const fa_model_json *c, const cJSON *v,
                         const char *json_path)
{
    *names = NULL;
    *n_out = 0;
    if (!cJSON_IsArray(v)) {
        return fa_model__json_bad(c, json_path, "an array of feature names", v);
    }
    size_t len = 0;
    for (const cJSON *e = v->child; e != NULL; e = e->next) {
        len++;
    }
    char **a = fa_calloc_array(len, sizeof *a);
    fa_intern seen;
    fa_intern_init(&seen);
    if (a == NULL) {
        return oom(c);
    }
    size_t i = 0;
    int st = FA_OK;
    for (const cJSON *e = v->child; e != NULL && st == FA_OK; e = e->next, i++) {
        char jp[FA_ERROR_PATH_MAX];
        snprintf(jp, sizeof jp, "%s[%zu]", json_path, i);
        if (!cJSON_IsString(e)) {
            st = fa_model__json_bad(c, jp, "a string", e);
            break;
        }
        size_t sl = strlen(e->valuestring), idx;
        size_t before = fa_intern_count(&seen);
        if (fa_intern_get(&seen, e->valuestring, sl, &idx) != 0) {
            st = oom(c);
        } else if (fa_intern_count(&seen) == before) {
            char q[128];
            fa_error_quote(q, sizeof q, e->valuestring, sl);
            st = fa_error_set_json(c->err, FA_EPARSE, c->name, jp,
                                   "duplicate feature name %s (also entry %zu)", q, idx);
        } else if ((a[i] = fa_strndup(e->valuestring, sl)) == NULL) {
            st = oom(c);
        }
    }
    fa_intern_dispose(&seen);
    if (st != FA_OK) {
        fa_model__free_names(a, len);
        return st;
    }
    *names = a;
    *n_out = len;
    return FA_OK;
}

/* ------------------------------------------------------------ construction */

fa_model *fa_model__new(const fa_model_vtable *vt, fa_link link)
{
    fa_model *m = calloc(1, sizeof *m);
    if (m != NULL) {
        m->vt = vt;
        m->link = link;
    }
    return m;
}

int fa_model__set_names(fa_model *m, const char *const names[], size_t n, const char *path,
                        fa_error *err)
{
    char **a = fa_calloc_array(n, sizeof *a);
    if (a == NULL) {
        return fa_error_set(err, FA_ENOMEM, path, 0, 0, "out of memory");
    }
    for (size_t i = 0; i < n; i++) {
        a[i] = fa_strdup(names[i]);
        if (a[i] == NULL) {
            fa_model__free_names(a, n);
            return fa_error_set(err, FA_ENOMEM, path, 0, 0, "out of memory");
        }
    }
    fa_model__free_names(m->names, m->n_features);
    m->names = a;
    m->n_features = n;
    return FA_OK;
}

/* Which reader a parsed document is for, from its top-level keys. */
static int dispatch(fa_model **out, const cJSON *root, const fa_model_json *c)
{
    if (!cJSON_IsObject(root)) {
        return fa_model__json_bad(c, "(root)", "a JSON object", root);
    }
    const cJSON *learner, *kind, *coef;
    int st = fa_model__json_member(&learner, c, root, "", "learner", 0);
    if (st == FA_OK) {
        st = fa_model__json_member(&kind, c, root, "", "fairaudit_model", 0);
    }
    if (st == FA_OK) {
        st = fa_model__json_member(&coef, c, root, "", "coef", 0);
    }
    if (st != FA_OK) {
        return st;
    }
    if (learner != NULL) {
        return fa_xgboost__from_json(out, root, c);
    }
    if (kind != NULL) {
        if (!cJSON_IsString(kind) || strcmp(kind->valuestring, "linear") != 0) {
            return fa_model__json_bad(c, "fairaudit_model", "\"linear\"", kind);
        }
        return fa_linear__from_json(out, root, c);
    }
    if (coef != NULL) {
        return fa_linear__from_json(out, root, c);
    }
    return fa_error_set_json(c->err, FA_EPARSE, c->name, "(root)",
                             "not a model fairaudit reads: expected XGBoost's JSON (a "
                             "\"learner\" object) or a linear model (\"fairaudit_model\": "
                             "\"linear\", or \"coef\" and \"intercept\")");
}

int fa_model__parse_json(fa_model **out, const char *text, size_t len, const char *name,
                         fa_error *err)
{
    *out = NULL;
    if (name == NULL) {
        name = "(model)";
    }
    if (len == 0) {
        return fa_error_set(err, FA_EPARSE, name, 1, 1, "empty file: expected a JSON object");
    }
    /* syntax, NaN, 1e999, bad UTF-8, truncation, depth: exact line and column */
    int syntax = fa_json_check(text, len, name, FA_JSON_MAX_DEPTH, err);
    if (syntax != FA_OK) {
        return syntax;
    }
    cJSON *root = cJSON_ParseWithLength(text, len);
    if (root == NULL) { /* the check passed: only allocation can fail */
        return fa_error_set(err, FA_ENOMEM, name, 0, 0, "out of memory");
    }
    fa_model_json c = {name, err};
    int st = dispatch(out, root, &c);
    cJSON_Delete(root);
    return st;
}

/* ------------------------------------------------------------ public API */

int fa_model_load(fa_model **out, const char *path, fa_error *err)
{
    char *text;
    size_t len;
    *out = NULL;
    int st = fa_read_file(&text, &len, path, MODEL_MAX_BYTES, err);
    if (st != FA_OK) {
        return st;
    }
    if (fa_lightgbm__looks_like(text, len)) {
        st = fa_lightgbm__parse(out, text, len, path, err);
    } else {
        st = fa_model__parse_json(out, text, len, path, err);
    }
    free(text);
    return st;
}

void fa_model_free(fa_model *m)
{
    if (m == NULL) {
        return;
    }
    if (m->payload != NULL && m->vt != NULL && m->vt->free_payload != NULL) {
        m->vt->free_payload(m->payload);
    }
    fa_model__free_names(m->names, m->n_features);
    free(m);
}

size_t fa_model_n_features(const fa_model *m)
{
    return m->n_features;
}

const char *fa_model_feature_name(const fa_model *m, size_t j)
{
    return j < m->n_features ? m->names[j] : NULL;
}

int fa_model_has_feature_names(const fa_model *m)
{
    return !m->unnamed;
}

fa_link fa_model_link(const fa_model *m)
{
    return m->link;
}

const char *fa_model_kind(const fa_model *m)
{
    return m->vt->kind;
}

int fa_model_thread_safe(const fa_model *m)
{
    return m->vt->thread_safe;
}

int fa_model_predict(const fa_model *m, double out[], const double x[], size_t n_rows,
                     fa_model_output output, fa_error *err)
{
    if (m == NULL || (n_rows > 0 && (out == NULL || x == NULL)) ||
        (output != FA_OUTPUT_MARGIN && output != FA_OUTPUT_PROBABILITY)) {
        return fa_error_set(err, FA_EINVAL, NULL, 0, 0,
                            "fa_model_predict: no model, no matrix or an unknown output kind");
    }
    if (n_rows == 0) {
        return FA_OK;
    }
    int st = m->vt->predict(out, x, n_rows, m->n_features, err, m->payload);
    if (st == FA_OK) {
        fa_model__convert(m, out, n_rows, output);
    }
    return st;
}

void fa_model__convert(const fa_model *m, double out[], size_t n, fa_model_output output)
{
    if (m->link != FA_LINK_LOGISTIC || output == m->vt->native) {
        return;
    }
    if (output == FA_OUTPUT_PROBABILITY) {
        for (size_t i = 0; i < n; i++) {
            out[i] = 1.0 / (1.0 + exp(-out[i]));
        }
    } else {
        for (size_t i = 0; i < n; i++) {
            out[i] = log(out[i]) - log1p(-out[i]);
        }
    }
}

/* Appends the quoted names of the missing features to msg, politely truncated. */
static void list_missing(char *msg, size_t size, const fa_model *m, const size_t col_of[],
                         size_t n_missing)
{
    size_t o = (size_t)snprintf(msg, size,
                                "the data has no column for %zu of the model's %zu "
                                "features: ",
                                n_missing, m->n_features);
    size_t listed = 0;
    for (size_t j = 0; j < m->n_features && o < size; j++) {
        if (col_of[j] != SIZE_MAX) {
            continue;
        }
        char q[96];
        fa_error_quote(q, sizeof q, m->names[j], strlen(m->names[j]));
        if (listed == MISSING_LISTED || o + strlen(q) + 40 >= size) {
            snprintf(msg + o, size - o, "and %zu more", n_missing - listed);
            return;
        }
        o += (size_t)snprintf(msg + o, size - o, "%s%s", q, listed + 1 < n_missing ? ", " : "");
        listed++;
    }
}

/*
 * A model file without feature names (XGBoost's f0..fN-1, LightGBM's Column_0..) whose default
 * names are not columns of the data: refused, since features are matched by name, never by
 * position (a column order that differs from the training matrix's would give wrong
 * predictions silently).
 */
static int refuse_positional(const fa_model *m, size_t n_cols, fa_error *err)
{
    return fa_error_set(err, FA_EINVAL, NULL, 0, 0,
                        "the model file names no features (only the defaults %s..%s) and the "
                        "data (%zu columns) has no column %s: features are matched by name, "
                        "never by position; save the model with feature names, name them "
                        "(--feature-names, fa_model_set_feature_names), or take the data's "
                        "columns in order explicitly (--match-by-position)",
                        m->names[0], m->names[m->n_features - 1], n_cols, m->names[0]);
}

int fa_model_set_feature_names(fa_model *m, const char *const names[], size_t n, fa_error *err)
{
    if (m == NULL || (n > 0 && names == NULL)) {
        return fa_error_set(err, FA_EINVAL, NULL, 0, 0,
                            "fa_model_set_feature_names: no model or no names");
    }
    if (n != m->n_features) {
        return fa_error_set(err, FA_EINVAL, NULL, 0, 0,
                            "%zu feature names given for a model of %zu features", n,
                            m->n_features);
    }
    fa_intern t;
    fa_intern_init(&t);
    int st = FA_OK;
    for (size_t j = 0; j < n && st == FA_OK; j++) {
        size_t k, len = strlen(names[j]), before = fa_intern_count(&t);
        char q[96];
        if (len == 0) {
            st = fa_error_set(err, FA_EINVAL, NULL, 0, 0, "feature name %zu is empty", j + 1);
        } else if (fa_intern_get(&t, names[j], len, &k) != 0) {
            st = fa_error_set(err, FA_ENOMEM, NULL, 0, 0, "out of memory");
        } else if (fa_intern_count(&t) == before) {
            fa_error_quote(q, sizeof q, names[j], len);
            st =
                fa_error_set(err, FA_EINVAL, NULL, 0, 0,
                             "feature name %s is given twice (names %zu and %zu)", q, k + 1, j + 1);
        }
    }
    fa_intern_dispose(&t);
    if (st == FA_OK) {
        st = fa_model__set_names(m, names, n, NULL, err);
    }
    if (st == FA_OK) {
        m->unnamed = 0;
    }
    return st;
}

int fa_model_match_columns(size_t col_of[], const fa_model *m, const char *const names[],
                           size_t n_cols, fa_error *err)
{
    fa_intern t;
    fa_intern_init(&t);
    /* first[k] = the first column with interned name k; dup[k] = a second one, or SIZE_MAX */
    size_t *first = fa_alloc_array(n_cols, sizeof *first);
    size_t *dup = fa_alloc_array(n_cols, sizeof *dup);
    if (first == NULL || dup == NULL) {
        free(first);
        free(dup);
        return fa_error_set(err, FA_ENOMEM, NULL, 0, 0, "out of memory");
    }
    int st = FA_OK;
    for (size_t i = 0; i < n_cols && st == FA_OK; i++) {
        size_t k, before = fa_intern_count(&t);
        if (fa_intern_get(&t, names[i], strlen(names[i]), &k) != 0) {
            st = fa_error_set(err, FA_ENOMEM, NULL, 0, 0, "out of memory");
        } else if (fa_intern_count(&t) > before) {
            first[k] = i;
            dup[k] = SIZE_MAX;
        } else if (dup[k] == SIZE_MAX) {
            dup[k] = i;
        }
    }
    size_t n_missing = 0;
    if (st == FA_OK && m->unnamed && fa_intern_find(&t, m->names[0], strlen(m->names[0])) < 0) {
        st = refuse_positional(m, n_cols, err);
    }
    for (size_t j = 0; j < m->n_features && st == FA_OK; j++) {
        long k = fa_intern_find(&t, m->names[j], strlen(m->names[j]));
        col_of[j] = k < 0 ? SIZE_MAX : first[k];
        n_missing += k < 0;
        if (k >= 0 && dup[k] != SIZE_MAX) {
            char q[96];
            fa_error_quote(q, sizeof q, m->names[j], strlen(m->names[j]));
            st = fa_error_set(err, FA_EINVAL, NULL, 0, 0,
                              "the model's feature %s matches columns %zu and %zu of the data", q,
                              first[k] + 1, dup[k] + 1);
        }
    }
    if (st == FA_OK && n_missing > 0) {
        char msg[FA_ERROR_MSG_MAX];
        list_missing(msg, sizeof msg, m, col_of, n_missing);
        st = fa_error_set(err, FA_EINVAL, NULL, 0, 0, "%s", msg);
    }
    free(first);
    free(dup);
    fa_intern_dispose(&t);
    return st;
}
