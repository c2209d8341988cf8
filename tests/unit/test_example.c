/*
 * test_example.c - examples/audit_api.c, the built binary build/$BUILD/examples/audit_api
 * (BUILD from the environment, release by default), run on fixtures/loans.csv from the
 * repository root. Expected numbers are the known answers of fixtures/README.md, counted by
 * fixtures/check_loans.py independently of fairaudit: Female selection rate 1132/2280, TPR
 * 970/1497; Male 1919/2720, 1520/1780. Every test skips when the binary is absent.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h>

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cjson/cJSON.h>

static char BIN[512];

static int find_binary(void **state)
{
    (void)state;
    const char *build = getenv("BUILD");
    snprintf(BIN, sizeof BIN, "build/%s/examples/audit_api", build && *build ? build : "release");
    return 0;
}

/* Runs the example with `args` (stderr joined to stdout when `join`); returns the status. */
static int run(const char *args, int join, char *out, size_t size)
{
    if (access(BIN, X_OK) != 0) {
        print_message("%s not built: skipped\n", BIN);
        skip();
    }
    char cmd[1024];
    snprintf(cmd, sizeof cmd, "%s %s %s", BIN, args, join ? "2>&1" : "2>/dev/null");
    FILE *p = popen(cmd, "r");
    assert_non_null(p);
    size_t n = fread(out, 1, size - 1, p);
    out[n] = '\0';
    int st = pclose(p);
    assert_true(WIFEXITED(st));
    return WEXITSTATUS(st);
}

static char OUT[1 << 20];

static void example__demo_policy_fails_with_status_1(void **state)
{
    (void)state;
    int st =
        run("fixtures/loans.csv repaid approved sex fixtures/demo_policy.json", 0, OUT, sizeof OUT);
    /* 0.496491 = 1132/2280, 0.647963 = 970/1497, 0.705515 = 1919/2720, 0.853933 = 1520/1780,
     * ratio 0.703729 = 0.496491 / 0.705515, equalized odds = FPR range 0.424468 - 0.206897,
     * demographic parity difference 0.705515 - 0.496491 */
    assert_string_equal(OUT, "sex (reference Male)\n"
                             "  Female                    selection_rate 0.496491  "
                             "true_positive_rate 0.647963\n"
                             "  Male                      selection_rate 0.705515  "
                             "true_positive_rate 0.853933\n"
                             "  demographic_parity_ratio 0.703729\n"
                             "gate four_fifths: failed  value 0.703729\n"
                             "gate equalized_odds: failed  value 0.217572\n"
                             "gate demographic_parity: failed  value 0.209023\n"
                             "exit status 1\n");
    assert_int_equal(st, 1);
}

static void example__without_policy_passes_and_audits_every_attribute(void **state)
{
    (void)state;
    int st = run("fixtures/loans.csv repaid approved sex,age_band", 0, OUT, sizeof OUT);
    assert_int_equal(st, 0);
    assert_non_null(strstr(OUT, "sex (reference Male)\n"));
    assert_non_null(strstr(OUT, "age_band (reference 26-40)\n")); /* the largest, 2059 rows */
    /* 18-25: 390/1105 selected, 300/555 true positives */
    assert_non_null(strstr(OUT, "  18-25                     selection_rate 0.352941  "
                                "true_positive_rate 0.540541\n"));
    /* the (missing) group (9 rows < 30) is left out: 0.352941 / 0.810811 over the rest */
    assert_non_null(strstr(OUT, "  demographic_parity_ratio 0.435294\n"));
    assert_non_null(strstr(OUT, "exit status 0\n"));
    assert_null(strstr(OUT, "gate "));
}

static void example__json_output_parses_and_holds_the_verdict(void **state)
{
    (void)state;
    int st = run("-j fixtures/loans.csv repaid approved sex fixtures/demo_policy.json", 0, OUT,
                 sizeof OUT);
    assert_int_equal(st, 1);
    cJSON *root = cJSON_Parse(OUT);
    assert_non_null(root);
    assert_string_equal(cJSON_GetStringValue(cJSON_GetObjectItem(root, "verdict")), "failed");
    assert_int_equal((int)cJSON_GetObjectItem(root, "exit_status")->valuedouble, 1);
    assert_int_equal(cJSON_GetArraySize(cJSON_GetObjectItem(root, "gates")), 3);
    const cJSON *sex = cJSON_GetObjectItem(cJSON_GetObjectItem(root, "summary"), "sex");
    double dpr = cJSON_GetObjectItem(sex, "demographic_parity_ratio")->valuedouble;
    double want = (1132.0 / 2280.0) / (1919.0 / 2720.0); /* SR(Female) / SR(Male) */
    assert_true(fabs(dpr - want) < 1e-12);
    cJSON_Delete(root);
}

static void example__bad_input_exits_2_with_a_located_message(void **state)
{
    (void)state;
    int st = run("fixtures/no_such_file.csv repaid approved sex", 1, OUT, sizeof OUT);
    assert_int_equal(st, 2);
    assert_string_equal(OUT, "audit_api: fixtures/no_such_file.csv: error: cannot open file: "
                             "No such file or directory\n");
    st = run("fixtures/loans.csv repaid approved sex fixtures/no_such_policy.json", 1, OUT,
             sizeof OUT);
    assert_int_equal(st, 2);
    assert_string_equal(OUT, "audit_api: fixtures/no_such_policy.json: error: cannot open file: "
                             "No such file or directory\n");
}

static void example__bad_usage_exits_2(void **state)
{
    (void)state;
    int st = run("fixtures/loans.csv repaid", 1, OUT, sizeof OUT);
    assert_int_equal(st, 2);
    assert_string_equal(OUT, "usage: audit_api [-j] FILE LABEL PRED GROUP[,GROUP...] [POLICY]\n");
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(example__demo_policy_fails_with_status_1),
        cmocka_unit_test(example__without_policy_passes_and_audits_every_attribute),
        cmocka_unit_test(example__json_output_parses_and_holds_the_verdict),
        cmocka_unit_test(example__bad_input_exits_2_with_a_located_message),
        cmocka_unit_test(example__bad_usage_exits_2),
    };
    return cmocka_run_group_tests_name("example", tests, find_binary, NULL);
}
