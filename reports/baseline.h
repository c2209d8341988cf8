/* reports/baseline.h - an earlier result's gate values (public API in fairaudit.h). */
#ifndef FA_REPORTS_BASELINE_H
#define FA_REPORTS_BASELINE_H

#include "include/fairaudit.h"

/* The earlier value of gate `gate` on `attribute`: 1 and *value (NAN if it was undefined),
 * or 0 when the baseline has no such gate. */
int fa_baseline__value(const fa_baseline *b, const char *gate, const char *attribute,
                       double *value);

/* FA_EINVAL (with the baseline's JSON path) unless it audits exactly these attributes. */
int fa_baseline__check_attributes(const fa_baseline *b, const char *const attrs[], size_t n,
                                  fa_error *err);

#endif
