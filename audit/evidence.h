/* audit/evidence.h - tests, Holm correction and class imbalance of a computed result. */
#ifndef FA_AUDIT_EVIDENCE_H
#define FA_AUDIT_EVIDENCE_H

#include "reports/result.h"

/* Fills every group's tests, every attribute's independence tests and imbalance, and the
 * Holm-adjusted p-values, and the bootstrap intervals when res->bootstrap > 0. Needs the
 * groups, their counts and the references. */
int fa_evidence__compute(fa_result *res, int threads, fa_error *err);

/*
 * consistency(k) of the predictions over the features file o->features_path (rows aligned
 * with pred_path): res->consistency and its k, or a reason. k >= rows is FA_EINVAL naming the
 * flag or the policy path; a features file that does not match is FA_EPARSE.
 */
int fa_audit__consistency(fa_result *res, const char *pred_path, const fa_audit_options *o,
                          const fa_policy *p, fa_error *err);

#endif
