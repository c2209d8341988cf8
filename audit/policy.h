/* audit/policy.h - the parsed policy (public API in fairaudit.h). */
#ifndef FA_AUDIT_POLICY_H
#define FA_AUDIT_POLICY_H

#include "include/fairaudit.h"
#include "reports/result.h"

struct fa_policy {
    char *name; /* file name, for messages */
    char *title;
    char **ref_attrs, **ref_values;
    size_t n_refs;
    long min_group_size; /* -1 when the policy does not say */
    double tau;          /* 0 when the policy does not say */
    double confidence_level;
    int has_gei_alpha;
    double gei_alpha; /* generalized_entropy_alpha */
    fa_inconclusive_map inconclusive;
    /* "population": share pop_shares[i] of group pop_groups[i] of attribute pop_attrs[i] */
    char **pop_attrs, **pop_groups;
    double *pop_shares;
    size_t n_pop;
    long consistency_k; /* "individual": {"consistency_k": k}; 0 when not given */
    fa_gate_spec *gates;
    size_t n_gates;
    char **warnings; /* unknown keys and the like */
    size_t n_warnings;
};

/* Number of warnings the parse produced, and warning i (borrowed). */
size_t fa_policy__n_warnings(const fa_policy *p);
const char *fa_policy__warning(const fa_policy *p, size_t i);

/* Copies gate specs (deep) into a new array; returns FA_OK or FA_ENOMEM. */
int fa_policy__copy_gates(fa_gate_spec **out, const fa_gate_spec *src, size_t n);

#endif
