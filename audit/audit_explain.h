/* audit/audit_explain.h - attributions inside `fairaudit audit` (--model, --features-file). */
#ifndef FA_AUDIT_AUDIT_EXPLAIN_H
#define FA_AUDIT_AUDIT_EXPLAIN_H

#include "include/fairaudit.h"

typedef struct fa_audit_explain {
    const char *model_path, *features_path, *pred_path;
    const char *const *scorings; /* permutation scorings: performance or fairness summaries */
    size_t n_scorings;
    size_t repeats;
} fa_audit_explain;

/* Loads the model, the features and the prediction file's labels and groups, runs every
 * scoring (fairness scorings once per sensitive column) and adds the runs to res. */
int fa_audit_explain_run(fa_result *res, const fa_audit_explain *e, const fa_audit_options *o,
                         fa_error *err);

#endif
