/*
 * test_policy.c - audit/policy.c: valid policies give the gates, references and options they
 * state; every invalid one fails with FA_EPARSE, its exact message and its JSON path (or
 * line:column for text that is not JSON); unknown keys are warnings, never silent.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "audit/policy.h"
#include "include/fairaudit.h"
#include "metrics/summary.h"

#define NAME "policy.json"

static fa_policy *parse_ok(const char *text)
{
    fa_policy *p = NULL;
    fa_error err;
    fa_error_clear(&err);
    int st = fa_policy_parse_json(&p, text, strlen(text), NAME, &err);
    if (st != FA_OK) {
        char buf[1400];
        fa_error_format(buf, sizeof buf, &err);
        fail_msg("unexpected error: %s", buf);
    }
    assert_non_null(p);
    return p;
}

/*
 * The text fails with FA_EPARSE, JSON path `json_path` and message `message` (exactly);
 * *out stays NULL and the record names the policy.
 */
#define assert_policy_error(text, json_path, message)                                              \
    check_error((text), strlen(text), (json_path), 0, 0, (message), __FILE__, __LINE__)

/* The same for an error located by line and column instead of a JSON path. */
#define assert_policy_error_at(text, len, line, column, message)                                   \
    check_error((text), (len), "", (line), (column), (message), __FILE__, __LINE__)

static void check_error(const char *text, size_t len, const char *json_path, uint64_t line,
                        uint64_t column, const char *message, const char *file, int at)
{
    fa_policy *p = (fa_policy *)&p; /* not NULL: the parser must reset it */
    fa_error err;
    fa_error_clear(&err);
    int st = fa_policy_parse_json(&p, text, len, NAME, &err);
    int ok = st == FA_EPARSE && err.status == FA_EPARSE && p == NULL &&
             strcmp(err.path, NAME) == 0 && strcmp(err.json_path, json_path) == 0 &&
             err.line == line && err.column == column && strcmp(err.message, message) == 0;
    if (!ok) {
        print_error("status %d (json_path \"%s\", %llu:%llu) \"%s\"\n"
                    "expected %d (json_path \"%s\", %llu:%llu) \"%s\"\n",
                    st, err.json_path, (unsigned long long)err.line, (unsigned long long)err.column,
                    err.message, FA_EPARSE, json_path, (unsigned long long)line,
                    (unsigned long long)column, message);
        if (st == FA_OK) {
            fa_policy_free(p);
        }
        _fail(file, at);
    }
}

/* ------------------------------------------------------------ valid policies */

static void policy__summary_gate_takes_its_defaults(void **state)
{
    (void)state;
    fa_policy *p = parse_ok("{\"gates\": [{\"metric\": \"demographic_parity_ratio\", "
                            "\"min\": 0.8}]}");
    assert_int_equal(fa_policy_n_gates(p), 1);
    const fa_gate_spec *g = &p->gates[0];
    assert_string_equal(g->name, "demographic_parity_ratio"); /* the metric names it */
    assert_string_equal(g->metric_name, "demographic_parity_ratio");
    assert_int_equal(g->summary, FA_SUMMARY_DEMOGRAPHIC_PARITY_RATIO);
    assert_int_equal(g->rate, -1);
    assert_null(g->attribute);
    assert_true(g->has_min);
    assert_false(g->has_max);
    assert_true(g->min == 0.8);
    assert_int_equal(g->use, FA_USE_POINT);
    assert_int_equal(g->warning, 0);
    assert_int_equal(p->min_group_size, -1); /* not said */
    assert_int_equal(p->inconclusive, FA_INCONCLUSIVE_KEEP);
    assert_int_equal(p->n_refs, 0);
    assert_int_equal(fa_policy__n_warnings(p), 0);
    fa_policy_free(p);
}

static void policy__to_overall_summary_is_a_summary(void **state)
{
    (void)state;
    fa_policy *p = parse_ok("{\"gates\": [{\"metric\": \"equalized_odds_difference_to_overall\","
                            " \"max\": 0.1}]}");
    assert_int_equal(p->gates[0].summary, FA_SUMMARY_COUNT + FA_SUMMARY_EQUALIZED_ODDS_DIFFERENCE);
    assert_true(p->gates[0].has_max);
    assert_true(p->gates[0].max == 0.1);
    fa_policy_free(p);
}

static void policy__rate_gate_with_every_key(void **state)
{
    (void)state;
    fa_policy *p = parse_ok("{\"gates\": [{\"name\": \"tpr_gap\", \"metric\": \"tpr\", "
                            "\"disparity\": \"difference\", \"against\": \"to_overall\", "
                            "\"attribute\": \"sex\", \"min\": -0.125, \"max\": 0.125, "
                            "\"use\": \"upper_ci\", \"severity\": \"warning\", "
                            "\"description\": \"d\", \"comment\": \"c\"}]}");
    const fa_gate_spec *g = &p->gates[0];
    assert_string_equal(g->name, "tpr_gap");
    assert_string_equal(g->metric_name, "tpr"); /* as written */
    assert_int_equal(g->summary, -1);
    assert_int_equal(g->rate, FA_METRIC_TRUE_POSITIVE_RATE);
    assert_int_equal(g->ratio, 0);
    assert_int_equal(g->against, FA_AGAINST_OVERALL);
    assert_string_equal(g->attribute, "sex");
    assert_true(g->has_min && g->has_max);
    assert_true(g->min == -0.125 && g->max == 0.125);
    assert_int_equal(g->use, FA_USE_UPPER_CI);
    assert_int_equal(g->warning, 1);
    assert_int_equal(fa_policy__n_warnings(p), 0); /* description, comment are known */
    fa_policy_free(p);
}

static void policy__rate_gate_against_defaults_to_between_groups(void **state)
{
    (void)state;
    fa_policy *p = parse_ok("{\"gates\": ["
                            "{\"metric\": \"selection_rate\", \"disparity\": \"ratio\", "
                            "\"min\": 0.8},"
                            "{\"metric\": \"precision\", \"disparity\": \"ratio\", "
                            "\"against\": \"reference\", \"min\": 0.8, \"use\": \"lower_ci\","
                            " \"severity\": \"error\"},"
                            "{\"metric\": \"fpr\", \"disparity\": \"difference\", "
                            "\"against\": \"between_groups\", \"max\": 0.1, \"use\": \"point\"}"
                            "]}");
    assert_int_equal(fa_policy_n_gates(p), 3);
    assert_int_equal(p->gates[0].rate, FA_METRIC_SELECTION_RATE);
    assert_int_equal(p->gates[0].ratio, 1);
    assert_int_equal(p->gates[0].against, FA_AGAINST_BETWEEN);
    assert_int_equal(p->gates[1].rate, FA_METRIC_POSITIVE_PREDICTIVE_VALUE);
    assert_int_equal(p->gates[1].against, FA_AGAINST_REFERENCE);
    assert_int_equal(p->gates[1].use, FA_USE_LOWER_CI);
    assert_int_equal(p->gates[1].warning, 0);
    assert_int_equal(p->gates[2].rate, FA_METRIC_FALSE_POSITIVE_RATE);
    assert_int_equal(p->gates[2].ratio, 0);
    assert_int_equal(p->gates[2].against, FA_AGAINST_BETWEEN);
    assert_int_equal(p->gates[2].use, FA_USE_POINT);
    fa_policy_free(p);
}

static void policy__equal_min_and_max_is_allowed(void **state)
{
    (void)state;
    fa_policy *p = parse_ok("{\"gates\": [{\"metric\": \"demographic_parity_difference\", "
                            "\"min\": 0, \"max\": 0}]}");
    assert_true(p->gates[0].min == 0.0 && p->gates[0].max == 0.0);
    fa_policy_free(p);
}

static void policy__top_level_options(void **state)
{
    (void)state;
    fa_policy *p = parse_ok("{\"$schema\": \"s\", \"title\": \"Release gates\", "
                            "\"reference\": {\"sex\": \"Male\", \"race\": \"White\"}, "
                            "\"min_group_size\": 50, \"tau\": 0.9, \"confidence_level\": 0.9, "
                            "\"inconclusive\": \"fail\", \"gates\": []}");
    assert_string_equal(p->title, "Release gates");
    assert_int_equal(p->n_refs, 2);
    assert_string_equal(p->ref_attrs[0], "sex");
    assert_string_equal(p->ref_values[0], "Male");
    assert_string_equal(p->ref_attrs[1], "race");
    assert_string_equal(p->ref_values[1], "White");
    assert_int_equal(p->min_group_size, 50);
    assert_true(p->tau == 0.9);
    assert_true(p->confidence_level == 0.9);
    assert_int_equal(p->inconclusive, FA_INCONCLUSIVE_FAIL);
    assert_int_equal(fa_policy_n_gates(p), 0);
    assert_int_equal(fa_policy__n_warnings(p), 0);
    fa_policy_free(p);

    p = parse_ok("{\"inconclusive\": \"pass\", \"min_group_size\": 0, \"reference\": {}}");
    assert_int_equal(p->inconclusive, FA_INCONCLUSIVE_PASS);
    assert_int_equal(p->min_group_size, 0);
    assert_int_equal(p->n_refs, 0);
    fa_policy_free(p);

    p = parse_ok("{\"inconclusive\": \"inconclusive\"}");
    assert_int_equal(p->inconclusive, FA_INCONCLUSIVE_KEEP);
    fa_policy_free(p);
}

static void policy__empty_object_is_a_policy_without_gates(void **state)
{
    (void)state;
    fa_policy *p = parse_ok(" {\n}\n");
    assert_int_equal(fa_policy_n_gates(p), 0);
    assert_string_equal(p->name, NAME);
    fa_policy_free(p);
    assert_int_equal(fa_policy_n_gates(NULL), 0);
    fa_policy_free(NULL); /* NULL-safe */
}

static void policy__brackets_inside_strings_do_not_count_as_nesting(void **state)
{
    (void)state;
    char text[400];
    char deep[201];
    memset(deep, '[', 200);
    deep[200] = '\0';
    snprintf(text, sizeof text, "{\"title\": \"%s\"}", deep);
    fa_policy *p = parse_ok(text);
    assert_string_equal(p->title, deep);
    fa_policy_free(p);
}

static void policy__nesting_of_64_levels_is_accepted(void **state)
{
    (void)state;
    /* the object is level 1, then 63 arrays: 64 levels */
    char text[256] = "{\"deep\": ";
    size_t o = strlen(text);
    for (int i = 0; i < 63; i++) {
        text[o++] = '[';
    }
    for (int i = 0; i < 63; i++) {
        text[o++] = ']';
    }
    text[o++] = '}';
    text[o] = '\0';
    fa_policy *p = parse_ok(text);
    assert_int_equal(fa_policy__n_warnings(p), 1); /* "deep" is unknown */
    fa_policy_free(p);
}

/* ---------------------------------------------------------------- warnings */

static void policy__unknown_keys_are_warnings(void **state)
{
    (void)state;
    fa_policy *p = parse_ok("{\"gatez\": [], \"gates\": [{\"metric\": "
                            "\"demographic_parity_ratio\", \"min\": 0.8, \"thresold\": 1}]}");
    assert_int_equal(fa_policy_n_gates(p), 1);
    assert_int_equal(fa_policy__n_warnings(p), 2);
    assert_string_equal(fa_policy__warning(p, 0),
                        "policy.json: warning: gatez: unknown key (ignored)");
    assert_string_equal(fa_policy__warning(p, 1),
                        "policy.json: warning: gates[0].thresold: unknown key (ignored)");
    fa_policy_free(p);
}

/* ------------------------------------------------------------------- errors */

static void policy__text_that_is_not_json_is_located_by_line_and_column(void **state)
{
    (void)state;
    /* line 3 is `    {"metric": }`: the value is missing where the '}' stands, column 16 */
    const char *text = "{\n  \"gates\": [\n    {\"metric\": }\n  ]\n}\n";
    const char *msg = "invalid JSON: expected a value (an object, array, string, number, true, "
                      "false or null), found \"}\"";
    assert_policy_error_at(text, strlen(text), 3, 16, msg);
    fa_policy *p;
    fa_error err;
    assert_int_equal(fa_policy_parse_json(&p, text, strlen(text), NAME, &err), FA_EPARSE);
    char buf[1400];
    fa_error_format(buf, sizeof buf, &err);
    assert_string_equal(buf, "policy.json:3:16: error: invalid JSON: expected a value (an object, "
                             "array, string, number, true, false or null), found "
                             "\"}\"");
}

static void policy__unclosed_object_is_invalid_json(void **state)
{
    (void)state;
    /* the text ends where ',' or '}' is expected: after the newline ending line 1, so at
     * line 2, column 1 */
    const char *text = "{\"gates\": []\n";
    assert_policy_error_at(text, strlen(text), 2, 1,
                           "invalid JSON: expected ',' or '}', found the end of the text "
                           "(truncated?)");
}

static void policy__text_after_the_object_is_invalid(void **state)
{
    (void)state;
    /* two objects: JSON allows one value, and the second must not be ignored silently */
    const char *text = "{\"gates\": []}\n{\"min_group_size\": 5}\n";
    assert_policy_error_at(text, strlen(text), 2, 1,
                           "invalid JSON: unexpected text after the top-level value");
    const char *spaces = "{\"gates\": []} \t\r\n\n"; /* trailing white space is fine */
    fa_policy *p = parse_ok(spaces);
    fa_policy_free(p);
}

static void policy__empty_text_is_an_error(void **state)
{
    (void)state;
    assert_policy_error_at("", 0, 1, 1, "empty file: expected a JSON object");
}

static void policy__nul_byte_is_located(void **state)
{
    (void)state;
    const char text[] = "{\n \0}";
    assert_policy_error_at(text, sizeof text - 1, 2, 2, "NUL byte in JSON text");
}

static void policy__nesting_deeper_than_64_is_an_error(void **state)
{
    (void)state;
    char text[256] = "{\"deep\": ";
    size_t o = strlen(text);
    for (int i = 0; i < 64; i++) {
        text[o++] = '[';
    }
    for (int i = 0; i < 64; i++) {
        text[o++] = ']';
    }
    text[o++] = '}';
    text[o] = '\0';
    /* `{"deep": ` is 9 bytes and opens level 1; the 64th '[' (column 73) opens level 65 */
    assert_policy_error_at(text, strlen(text), 1, 73, "invalid JSON: nested deeper than 64 levels");
}

static void policy__top_level_must_be_an_object(void **state)
{
    (void)state;
    assert_policy_error("[1]", "(root)", "expected an object, got an array");
    assert_policy_error("\"gates\"", "(root)", "expected an object, got \"gates\"");
    assert_policy_error("42", "(root)", "expected an object, got 42");
    assert_policy_error("null", "(root)", "expected an object, got null");
}

static void policy__unknown_metric_names_its_path(void **state)
{
    (void)state;
    assert_policy_error("{\"gates\": [{\"metric\": \"fairness\", \"max\": 0.1}]}",
                        "gates[0].metric",
                        "unknown metric \"fairness\": expected a rate (selection_rate, "
                        "true_positive_rate, ...) or a summary (demographic_parity_ratio, "
                        "equalized_odds_difference, ...); 'fairaudit metrics' lists them");
}

static void policy__missing_metric_is_an_error(void **state)
{
    (void)state;
    assert_policy_error("{\"gates\": [{\"name\": \"g\", \"max\": 0.1}]}", "gates[0].metric",
                        "missing required key");
}

static void policy__metric_must_be_a_string(void **state)
{
    (void)state;
    assert_policy_error("{\"gates\": [{\"metric\": 5, \"max\": 0.1}]}", "gates[0].metric",
                        "expected a string, got 5");
}

static void policy__rate_gate_without_disparity_is_an_error(void **state)
{
    (void)state;
    assert_policy_error("{\"gates\": [{\"metric\": \"selection_rate\", \"min\": 0.8}]}",
                        "gates[0].disparity",
                        "missing required key: a rate gate needs \"disparity\": "
                        "\"difference\" or \"ratio\"");
}

static void policy__summary_gate_with_disparity_is_an_error(void **state)
{
    (void)state;
    assert_policy_error("{\"gates\": [{\"metric\": \"demographic_parity_ratio\", "
                        "\"disparity\": \"ratio\", \"min\": 0.8}]}",
                        "gates[0].disparity",
                        "a named summary takes no disparity (it is one already)");
    assert_policy_error("{\"gates\": [{\"metric\": \"demographic_parity_ratio\", "
                        "\"against\": \"to_overall\", \"min\": 0.8}]}",
                        "gates[0].against",
                        "a named summary takes no 'against' (use the _to_overall name)");
}

static void policy__gate_without_bounds_is_an_error(void **state)
{
    (void)state;
    assert_policy_error("{\"gates\": [{\"metric\": \"demographic_parity_ratio\"}]}", "gates[0]",
                        "a gate needs \"min\" or \"max\" (or both), or a \"max_change\" "
                        "against a baseline");
}

static void policy__negative_max_change_is_an_error(void **state)
{
    (void)state;
    assert_policy_error("{\"gates\": [{\"metric\": \"demographic_parity_ratio\", "
                        "\"max_change\": -0.1}]}",
                        "gates[0].max_change", "expected a non-negative number, got -0.1");
}

static void policy__min_greater_than_max_is_an_error(void **state)
{
    (void)state;
    assert_policy_error("{\"gates\": [{\"metric\": \"demographic_parity_ratio\", "
                        "\"min\": 0.5, \"max\": 0.25}]}",
                        "gates[0].min", "contradictory bounds: min 0.5 is greater than max 0.25");
}

static void policy__wrong_types_name_the_value(void **state)
{
    (void)state;
    assert_policy_error("{\"gates\": [{\"metric\": \"demographic_parity_ratio\", \"min\": 0.8}, "
                        "{\"metric\": \"equalized_odds_difference\", \"max\": \"x\"}]}",
                        "gates[1].max", "expected a number, got \"x\"");
    assert_policy_error("{\"gates\": [{\"metric\": \"demographic_parity_ratio\", "
                        "\"min\": true}]}",
                        "gates[0].min", "expected a number, got true");
    assert_policy_error("{\"gates\": [{\"name\": 1, \"metric\": \"demographic_parity_ratio\", "
                        "\"min\": 0.8}]}",
                        "gates[0].name", "expected a string, got 1");
    assert_policy_error("{\"gates\": [{\"metric\": \"demographic_parity_ratio\", "
                        "\"attribute\": [\"sex\"], \"min\": 0.8}]}",
                        "gates[0].attribute", "expected a string, got an array");
    assert_policy_error("{\"gates\": {}}", "gates", "expected an array of gates, got an object");
    assert_policy_error("{\"gates\": [1]}", "gates[0]", "expected an object, got 1");
    assert_policy_error("{\"title\": null}", "title", "expected a string, got null");
}

static void policy__reference_must_map_attributes_to_strings(void **state)
{
    (void)state;
    assert_policy_error("{\"reference\": \"sex\"}", "reference",
                        "expected an object mapping attribute to group value, got \"sex\"");
    assert_policy_error("{\"reference\": {\"sex\": 1}}", "reference.sex",
                        "expected a string, got 1");
}

static void policy__duplicate_keys_are_errors(void **state)
{
    (void)state;
    assert_policy_error("{\"tau\": 0.8, \"tau\": 0.9}", "tau", "duplicate key");
    assert_policy_error("{\"gates\": [{\"metric\": \"demographic_parity_ratio\", \"min\": 0.8, "
                        "\"min\": 0.9}]}",
                        "gates[0].min", "duplicate key");
    assert_policy_error("{\"reference\": {\"sex\": \"Male\", \"sex\": \"Female\"}}",
                        "reference.sex", "duplicate key");
}

static void policy__bad_enum_values_list_the_choices(void **state)
{
    (void)state;
    assert_policy_error("{\"gates\": [{\"metric\": \"tpr\", \"disparity\": \"diff\", "
                        "\"max\": 0.1}]}",
                        "gates[0].disparity", "expected \"difference\" or \"ratio\", got \"diff\"");
    assert_policy_error("{\"gates\": [{\"metric\": \"tpr\", \"disparity\": \"ratio\", "
                        "\"against\": \"overall\", \"min\": 0.8}]}",
                        "gates[0].against",
                        "expected \"between_groups\", \"reference\" or \"to_overall\", got "
                        "\"overall\"");
    assert_policy_error("{\"gates\": [{\"metric\": \"demographic_parity_ratio\", \"min\": 0.8, "
                        "\"use\": \"upper\"}]}",
                        "gates[0].use",
                        "expected \"point\", \"upper_ci\" or \"lower_ci\", got \"upper\"");
    assert_policy_error("{\"gates\": [{\"metric\": \"demographic_parity_ratio\", \"min\": 0.8, "
                        "\"severity\": \"fatal\"}]}",
                        "gates[0].severity", "expected \"error\" or \"warning\", got \"fatal\"");
    assert_policy_error("{\"inconclusive\": \"maybe\"}", "inconclusive",
                        "expected \"pass\", \"fail\" or \"inconclusive\", got \"maybe\"");
    assert_policy_error("{\"inconclusive\": 4}", "inconclusive",
                        "expected \"pass\", \"fail\" or \"inconclusive\", got 4");
}

static void policy__min_group_size_must_be_a_non_negative_integer(void **state)
{
    (void)state;
    assert_policy_error("{\"min_group_size\": -1}", "min_group_size",
                        "expected a non-negative integer, got -1");
    assert_policy_error("{\"min_group_size\": 2.5}", "min_group_size",
                        "expected a non-negative integer, got 2.5");
    assert_policy_error("{\"min_group_size\": \"30\"}", "min_group_size",
                        "expected a non-negative integer, got \"30\"");
}

static void policy__tau_and_confidence_level_must_be_in_range(void **state)
{
    (void)state;
    assert_policy_error("{\"tau\": 0}", "tau", "expected a number in (0, 1], got 0");
    assert_policy_error("{\"tau\": 1.5}", "tau", "expected a number in (0, 1], got 1.5");
    assert_policy_error("{\"confidence_level\": 1}", "confidence_level",
                        "expected a number in (0, 1), got 1");
}

static void policy__error_formats_with_the_json_path(void **state)
{
    (void)state;
    const char *text = "{\"gates\": [{\"metric\": \"demographic_parity_ratio\", \"min\": 0.8}, "
                       "{\"metric\": \"equalized_odds_difference\", \"max\": \"x\"}]}";
    fa_policy *p;
    fa_error err;
    fa_error_clear(&err);
    assert_int_equal(fa_policy_parse_json(&p, text, strlen(text), NAME, &err), FA_EPARSE);
    char buf[1400];
    fa_error_format(buf, sizeof buf, &err);
    assert_string_equal(buf, "policy.json: error: gates[1].max: expected a number, got \"x\"");
}

static void policy__without_a_name_errors_say_policy(void **state)
{
    (void)state;
    fa_policy *p;
    fa_error err;
    fa_error_clear(&err);
    assert_int_equal(fa_policy_parse_json(&p, "[]", 2, NULL, &err), FA_EPARSE);
    assert_string_equal(err.path, "(policy)");
}

/* ----------------------------------------------------------------- loading */

static void policy__load_reads_a_file_and_names_it_in_errors(void **state)
{
    (void)state;
    char path[] = "/tmp/fa_test_policy_XXXXXX";
    int fd = mkstemp(path);
    assert_true(fd >= 0);
    const char *text = "{\"gates\": [{\"metric\": \"demographic_parity_ratio\", \"min\": \"x\"}]}";
    assert_int_equal(write(fd, text, strlen(text)), (ssize_t)strlen(text));
    close(fd);
    fa_policy *p;
    fa_error err;
    fa_error_clear(&err);
    assert_int_equal(fa_policy_load_json(&p, path, &err), FA_EPARSE);
    assert_null(p);
    assert_string_equal(err.path, path);
    assert_string_equal(err.json_path, "gates[0].min");
    unlink(path);
}

static void policy__load_of_a_missing_file_is_an_io_error(void **state)
{
    (void)state;
    fa_policy *p = (fa_policy *)&p;
    fa_error err;
    fa_error_clear(&err);
    assert_int_equal(fa_policy_load_json(&p, "/nonexistent/policy.json", &err), FA_EIO);
    assert_null(p);
    assert_int_equal(err.status, FA_EIO);
    assert_string_equal(err.path, "/nonexistent/policy.json");
    assert_string_equal(err.message, "cannot open file: No such file or directory");
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(policy__summary_gate_takes_its_defaults),
        cmocka_unit_test(policy__to_overall_summary_is_a_summary),
        cmocka_unit_test(policy__rate_gate_with_every_key),
        cmocka_unit_test(policy__rate_gate_against_defaults_to_between_groups),
        cmocka_unit_test(policy__equal_min_and_max_is_allowed),
        cmocka_unit_test(policy__top_level_options),
        cmocka_unit_test(policy__empty_object_is_a_policy_without_gates),
        cmocka_unit_test(policy__brackets_inside_strings_do_not_count_as_nesting),
        cmocka_unit_test(policy__nesting_of_64_levels_is_accepted),
        cmocka_unit_test(policy__unknown_keys_are_warnings),
        cmocka_unit_test(policy__text_that_is_not_json_is_located_by_line_and_column),
        cmocka_unit_test(policy__unclosed_object_is_invalid_json),
        cmocka_unit_test(policy__text_after_the_object_is_invalid),
        cmocka_unit_test(policy__empty_text_is_an_error),
        cmocka_unit_test(policy__nul_byte_is_located),
        cmocka_unit_test(policy__nesting_deeper_than_64_is_an_error),
        cmocka_unit_test(policy__top_level_must_be_an_object),
        cmocka_unit_test(policy__unknown_metric_names_its_path),
        cmocka_unit_test(policy__missing_metric_is_an_error),
        cmocka_unit_test(policy__metric_must_be_a_string),
        cmocka_unit_test(policy__rate_gate_without_disparity_is_an_error),
        cmocka_unit_test(policy__summary_gate_with_disparity_is_an_error),
        cmocka_unit_test(policy__gate_without_bounds_is_an_error),
        cmocka_unit_test(policy__negative_max_change_is_an_error),
        cmocka_unit_test(policy__min_greater_than_max_is_an_error),
        cmocka_unit_test(policy__wrong_types_name_the_value),
        cmocka_unit_test(policy__reference_must_map_attributes_to_strings),
        cmocka_unit_test(policy__duplicate_keys_are_errors),
        cmocka_unit_test(policy__bad_enum_values_list_the_choices),
        cmocka_unit_test(policy__min_group_size_must_be_a_non_negative_integer),
        cmocka_unit_test(policy__tau_and_confidence_level_must_be_in_range),
        cmocka_unit_test(policy__error_formats_with_the_json_path),
        cmocka_unit_test(policy__without_a_name_errors_say_policy),
        cmocka_unit_test(policy__load_reads_a_file_and_names_it_in_errors),
        cmocka_unit_test(policy__load_of_a_missing_file_is_an_io_error),
    };
    return cmocka_run_group_tests_name("policy", tests, NULL, NULL);
}
