/* audit/gate.h - evaluation of a policy's gates against a computed result. */
#ifndef FA_AUDIT_GATE_H
#define FA_AUDIT_GATE_H

#include "include/fairaudit.h"
#include "reports/result.h"

/*
 * Copies the policy's gates into the result, evaluates each on every attribute it applies to
 * (its "attribute", or every sensitive column), and sets res->verdict: failed when an
 * error-severity gate failed, else inconclusive when one could not be decided, else passed.
 */
int fa_gate__evaluate(fa_result *res, const fa_policy *policy, fa_error *err);

#endif
