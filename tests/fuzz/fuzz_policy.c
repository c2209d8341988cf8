/*
 * tests/fuzz/fuzz_policy.c - libFuzzer target: the policy parser (JSON from memory), then an
 * audit result computed under the policy, on a fixed small tally.
 */
#include <stdint.h>
#include <stdlib.h>

#include "include/fairaudit.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    fa_error err;
    fa_policy *p;
    if (fa_policy_parse_json(&p, (const char *)data, size, "fuzz.json", &err) != FA_OK) {
        return 0;
    }
    const char *attrs[] = {"sex", "race"};
    fa_tally *t;
    if (fa_tally_create(&t, attrs, 2, 1, &err) == FA_OK) {
        static const char *const V[4][2] = {
            {"Male", "A"}, {"Female", "B"}, {"Male", "B"}, {"Female", "A"}};
        for (size_t i = 0; i < 64; i++) {
            const char *v[2] = {V[i % 4][0], V[i % 4][1]};
            size_t len[2] = {v[0][0] == 'M' ? 4u : 6u, 1};
            (void)fa_tally_add(t, v, len, (int)(i % 3 == 0), (int)(i % 5 < 2), 1.0, 0.5, &err);
        }
        fa_audit_options o = FA_AUDIT_OPTIONS_INIT;
        o.label = "y";
        o.pred = "p";
        o.groups = attrs;
        o.n_groups = 2;
        o.intersect = 1;
        o.bootstrap = 10;
        o.threads = 1;
        fa_result *res;
        if (fa_result_compute(&res, t, &o, p, NULL, &err) == FA_OK) {
            char *json;
            if (fa_result_to_json_string(&json, res, &err) == FA_OK) {
                free(json);
            }
            fa_result_free(res);
        }
        fa_tally_free(t);
    }
    fa_policy_free(p);
    return 0;
}
