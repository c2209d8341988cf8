/* audit/evidence.h - tests, Holm correction and class imbalance of a computed result. */
#ifndef FA_AUDIT_EVIDENCE_H
#define FA_AUDIT_EVIDENCE_H

#include "reports/result.h"

/* Fills every group's tests, every attribute's independence tests and imbalance, and the
 * Holm-adjusted p-values, and the bootstrap intervals when res->bootstrap > 0. Needs the
 * groups, their counts and the references. */
int fa_evidence__compute(fa_result *res, int threads, fa_error *err);

#endif
