/* audit/extmodel.h - "--model cmd:PROGRAM ARG..." : an external model on the command line. */
#ifndef FA_AUDIT_EXTMODEL_H
#define FA_AUDIT_EXTMODEL_H

#include "include/fairaudit.h"

#define FA_EXTERNAL_TIMEOUT_MS 10000L

/*
 * When spec starts with "cmd:", starts the external model "PROGRAM ARG..." (split on spaces,
 * no shell) whose features are the columns of t in order, less the names in exclude (the
 * label and group columns), answering probabilities (logistic link), with a 10 s timeout.
 * Returns FA_OK with *out NULL when spec is not a command (a model file).
 */
int fa_extmodel_from_spec(fa_model **out, const char *spec, const fa_table *t,
                          const char *const exclude[], size_t n_exclude, fa_error *err);

#endif
