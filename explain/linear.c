/*
 * explain/linear.c - linear models: a margin that is an affine function of the (optionally
 * standardised) features, with an identity or logistic link.
 *
 *     z_j    = (x_j - scaler_mean[j]) / scaler_scale[j]      (z_j = x_j without a scaler)
 *     margin = (sum_j coef[j] * z_j, left to right) + intercept
 *
 * The order of the operations is part of the format (docs/models.md): examples/predictor.py
 * repeats it so that both give the same bits. The scaler is applied as a division, as
 * scikit-learn's StandardScaler does, rather than folded into the coefficients, so the
 * margins of an sklearn export agree with sklearn's own to the last bits, not to 1e-13.
 * A missing value (NAN) has no meaning in a linear model: its margin is NAN.
 *
 * Two spellings are read: fairaudit's own ("fairaudit_model": "linear", an explicit "link")
 * and a plain export of a fitted StandardScaler + LogisticRegression (feature_names, coef,
 * intercept, scaler_mean, scaler_scale; coef may be sklearn's one-row [[...]] and intercept
 * a one-element list), which is logistic.
 */
#include "explain/model.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>

#include <cjson/cJSON.h>

#include "common/alloc.h"
#include "common/error.h"

typedef struct linear {
    size_t n;
    double *coef;
    double *mean;  /* NULL without a scaler */
    double *scale; /* NULL without a scaler */
    double intercept;
} linear;

static void linear_free(void *payload)
{
    linear *l = payload;
    if (l == NULL) {
        return;
    }
    free(l->coef);
    free(l->mean);
    free(l->scale);
    free(l);
}

static int linear_predict(double out[], const double x[], size_t n_rows, size_t n_cols,
                          fa_error *err, void *payload)
{
    (void)err;
    const linear *l = payload;
    const double *coef = l->coef, *mean = l->mean, *scale = l->scale;
    for (size_t i = 0; i < n_rows; i++) {
        const double *r = x + i * n_cols;
        double s = 0.0;
        if (mean != NULL) {
            for (size_t j = 0; j < n_cols; j++) {
                s += coef[j] * ((r[j] - mean[j]) / scale[j]);
            }
        } else {
            for (size_t j = 0; j < n_cols; j++) {
                s += coef[j] * r[j];
            }
        }
        out[i] = s + l->intercept;
    }
    return FA_OK;
}

static const fa_model_vtable LINEAR_VT = {"linear", linear_predict, linear_free, FA_OUTPUT_MARGIN,
                                          1};

/*
 * sklearn writes coef_ as [[...]] (one row per class) and intercept_ as [b]: a one-element
 * array holding an array (coef) or a number (intercept) stands for its element.
 */
static const cJSON *unwrap_one(const cJSON *v, int want_array)
{
    if (cJSON_IsArray(v) && v->child != NULL && v->child->next == NULL &&
        (want_array ? cJSON_IsArray(v->child) : cJSON_IsNumber(v->child))) {
        return v->child;
    }
    return v;
}

static int parse_link(fa_link *link, const cJSON *root, const fa_model_json *c, int required)
{
    const cJSON *v;
    int st = fa_model__json_member(&v, c, root, "", "link", required);
    if (st != FA_OK) {
        return st;
    }
    *link = FA_LINK_LOGISTIC;
    if (v == NULL) {
        return FA_OK;
    }
    if (cJSON_IsString(v) && strcmp(v->valuestring, "logistic") == 0) {
        return FA_OK;
    }
    if (cJSON_IsString(v) && strcmp(v->valuestring, "identity") == 0) {
        *link = FA_LINK_IDENTITY;
        return FA_OK;
    }
    return fa_model__json_bad(c, "link", "\"identity\" or \"logistic\"", v);
}

static int parse_scaler(linear *l, const cJSON *root, const fa_model_json *c)
{
    const cJSON *mean, *scale;
    int st = fa_model__json_member(&mean, c, root, "", "scaler_mean", 0);
    if (st == FA_OK) {
        st = fa_model__json_member(&scale, c, root, "", "scaler_scale", 0);
    }
    if (st != FA_OK || (mean == NULL && scale == NULL)) {
        return st;
    }
    if (mean == NULL || scale == NULL) {
        return fa_error_set_json(c->err, FA_EPARSE, c->name,
                                 mean == NULL ? "scaler_mean" : "scaler_scale",
                                 "missing key (scaler_mean and scaler_scale go together)");
    }
    st = fa_model__json_doubles(&l->mean, NULL, c, mean, "scaler_mean", l->n);
    if (st == FA_OK) {
        st = fa_model__json_doubles(&l->scale, NULL, c, scale, "scaler_scale", l->n);
    }
    for (size_t j = 0; st == FA_OK && j < l->n; j++) {
        if (l->scale[j] == 0.0) {
            char jp[64];
            snprintf(jp, sizeof jp, "scaler_scale[%zu]", j);
            st = fa_model__json_bad(c, jp, "a non-zero number", cJSON_GetArrayItem(scale, (int)j));
        }
    }
    return st;
}

static int parse_linear(linear *l, fa_model *m, const cJSON *root, const fa_model_json *c)
{
    const cJSON *names, *coef, *icpt;
    int st = fa_model__json_member(&names, c, root, "", "feature_names", 1);
    if (st == FA_OK) {
        st = fa_model__json_member(&coef, c, root, "", "coef", 1);
    }
    if (st == FA_OK) {
        st = fa_model__json_member(&icpt, c, root, "", "intercept", 1);
    }
    if (st == FA_OK) {
        st = fa_model__json_names(&m->names, &m->n_features, c, names, "feature_names");
    }
    if (st != FA_OK) {
        return st;
    }
    l->n = m->n_features;
    st = fa_model__json_doubles(&l->coef, NULL, c, unwrap_one(coef, 1), "coef", l->n);
    if (st == FA_OK) {
        st = fa_model__json_number(&l->intercept, c, unwrap_one(icpt, 0), "intercept", 0);
    }
    if (st == FA_OK) {
        st = parse_scaler(l, root, c);
    }
    return st;
}

/* ------------------------------------------------------------ internal API */

int fa_linear__from_json(fa_model **out, const cJSON *root, const fa_model_json *c)
{
    *out = NULL;
    const cJSON *kind;
    fa_link link;
    int st = fa_model__json_member(&kind, c, root, "", "fairaudit_model", 0);
    if (st == FA_OK) {
        /* fairaudit's own format states its link; an sklearn export is a logistic regression */
        st = parse_link(&link, root, c, kind != NULL);
    }
    if (st != FA_OK) {
        return st;
    }
    fa_model *m = fa_model__new(&LINEAR_VT, link);
    linear *l = calloc(1, sizeof *l);
    if (m == NULL || l == NULL) {
        free(m);
        free(l);
        return fa_error_set(c->err, FA_ENOMEM, c->name, 0, 0, "out of memory");
    }
    m->payload = l;
    st = parse_linear(l, m, root, c);
    if (st != FA_OK) {
        fa_model_free(m);
        return st;
    }
    *out = m;
    return FA_OK;
}

int fa_linear__params(fa_linear_params *out, const fa_model *m)
{
    if (m == NULL || m->vt != &LINEAR_VT) {
        return FA_EINVAL;
    }
    const linear *l = m->payload;
    out->n_features = l->n;
    out->coef = l->coef;
    out->mean = l->mean;
    out->scale = l->scale;
    out->intercept = l->intercept;
    return FA_OK;
}
