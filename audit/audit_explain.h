/* audit/audit_explain.h - attributions inside `fairaudit audit` (--model, --features-file). */
#ifndef FA_AUDIT_AUDIT_EXPLAIN_H
#define FA_AUDIT_AUDIT_EXPLAIN_H

#include "include/fairaudit.h"

typedef struct fa_audit_explain {
    const char *model_path, *features_path, *pred_path;
    const char *method;          /* "permutation" (NULL: the same), or a Shapley method: "tree",
                                    "linear", "exact", "kernel", "sampling" */
    const char *const *scorings; /* permutation scorings: performance or fairness summaries */
    size_t n_scorings;
    size_t repeats;
    /* Shapley methods: a background file (model features by name), or its first
     * background_size rows of the features file (0: none) */
    const char *background_path;
    size_t background_size;
    size_t nsamples; /* kernel, sampling: budget per row (0: the estimator's default) */
    /* a model file without feature names takes the features file's columns in order */
    int by_position;
} fa_audit_explain;

/* Loads the model, the features and the prediction file's labels and groups, and adds to res
 * either every permutation scoring (fairness scorings once per sensitive column) or one
 * Shapley run per sensitive column (--group, in order; the intersection is not decomposed),
 * with the audit's bootstrap replicates, seed, confidence level and threads. */
int fa_audit_explain_run(fa_result *res, const fa_audit_explain *e, const fa_audit_options *o,
                         fa_error *err);

#endif
