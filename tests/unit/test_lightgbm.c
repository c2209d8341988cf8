/*
 * test_lightgbm.c - explain/lightgbm.c: LightGBM text models (fixtures/models/README.md).
 *
 * - fixtures/models/lgb_binary.txt, predicted on rows whose margins are worked out by hand
 *   from the two trees: numerical splits (v <= threshold goes left), a missing value with
 *   missing type NaN following default_left, a NaN with missing type None taken as 0, a
 *   missing type Zero sending NaN and |v| <= 1e-35 to the default side, a categorical split
 *   through a two-word bitset (categories 0, 2 and 33 go left; 2.7 is category 2, -0.5 is
 *   category 0; NaN, 64 and 1 go right); probability = 1 / (1 + exp(-margin));
 * - objective sigmoid:K scales the margin, average_output divides by the tree count, a
 *   single-leaf tree adds its constant, Column_0.. names make an unnamed model;
 * - fixtures/models/lgb_regression.txt (identity link, version v3) through fa_model_load;
 * - every malformed file fails with FA_EPARSE and its exact file:line:column message:
 *   truncated, a child outside the tree, a cycle, a node never reached, unknown objective,
 *   multiclass, wrong array length, a bad categorical index, linear trees.
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

#include "explain/model.h"
#include "include/fairaudit.h"

#define LGB_BINARY "fixtures/models/lgb_binary.txt"
#define LGB_REGRESSION "fixtures/models/lgb_regression.txt"

static void fail_with(const fa_error *err, const char *what)
{
    char buf[2048];
    fa_error_format(buf, sizeof buf, err);
    fail_msg("%s: unexpected error: %s", what, buf);
}

static char *read_text(const char *path)
{
    FILE *f = fopen(path, "rb");
    assert_non_null(f);
    char *buf = malloc(1 << 16);
    assert_non_null(buf);
    size_t n = fread(buf, 1, (1 << 16) - 1, f);
    fclose(f);
    buf[n] = '\0';
    return buf;
}

/* The fixture's text with `from` replaced by `to` (which must occur exactly once). */
static char *edited(const char *path, const char *from, const char *to)
{
    char *text = read_text(path);
    char *at = strstr(text, from);
    assert_non_null(at);
    assert_null(strstr(at + 1, from));
    char *out = malloc(strlen(text) + strlen(to) + 1);
    assert_non_null(out);
    size_t head = (size_t)(at - text);
    memcpy(out, text, head);
    strcpy(out + head, to);
    strcat(out, at + strlen(from));
    free(text);
    return out;
}

static fa_model *parse_ok(const char *text)
{
    fa_model *m = NULL;
    fa_error err;
    fa_error_clear(&err);
    if (fa_lightgbm__parse(&m, text, strlen(text), "m.txt", &err) != FA_OK) {
        fail_with(&err, "parse");
    }
    return m;
}

/* Parsing fails with FA_EPARSE and exactly `want` ("m.txt:line:col: error: ..."). */
static void parse_fails(const char *text, const char *want)
{
    fa_model *m = (fa_model *)(void *)&text;
    fa_error err;
    fa_error_clear(&err);
    assert_int_equal(fa_lightgbm__parse(&m, text, strlen(text), "m.txt", &err), FA_EPARSE);
    assert_null(m);
    char buf[2048];
    fa_error_format(buf, sizeof buf, &err);
    assert_string_equal(buf, want);
}

/* Rows of (age, income, region) and their margins, tree 0 + tree 1 (in that order). */
static const double ROWS[][3] = {
    {25, 40, 0},            /* T0: 40 <= 50.5, 25 <= 30: -0.5.  T1: region 0 in {0,2,33}: 0.1 */
    {50, NAN, 1},           /* T0: NaN (type NaN) default left, 50 > 30: 0.25.  T1: 1 not in
                               the set; 50 > 45.5: 0.3 */
    {NAN, 60, 33},          /* T0: 60 > 50.5: 0.75.  T1: 33 = word 1, bit 1: 0.1 */
    {0, 10, 2.7},           /* T0: -0.5.  T1: 2.7 is category 2: 0.1 */
    {NAN, 50.5, 5},         /* T0: 50.5 <= 50.5; NaN (type None) is 0 <= 30: -0.5.  T1: 5 not
                               in the set; NaN (type Zero) is zero: default left: -0.2 */
    {1e-40, 51, NAN},       /* T0: 0.75.  T1: NaN goes right; 1e-40 is zero: left: -0.2 */
    {46, 51, -0.5},         /* T0: 0.75.  T1: -0.5 is category 0: 0.1 */
    {46, 51, 64},           /* T0: 0.75.  T1: 64 is past the bitset: right; 46 > 45.5: 0.3 */
    {30, 50.5000001, -1.0}, /* T0: 50.5000001 > 50.5: 0.75.  T1: -1 goes right; 30: -0.2 */
};
#define N_ROWS (sizeof ROWS / sizeof ROWS[0])
static const double MARGIN[N_ROWS] = {
    -0.5 + 0.1,  0.25 + 0.3, 0.75 + 0.1, -0.5 + 0.1,  -0.5 + -0.2,
    0.75 + -0.2, 0.75 + 0.1, 0.75 + 0.3, 0.75 + -0.2,
};

static void predict_rows(double out[], const fa_model *m, fa_model_output kind)
{
    fa_error err;
    if (fa_model_predict(m, out, &ROWS[0][0], N_ROWS, kind, &err) != FA_OK) {
        fail_with(&err, "predict");
    }
}

static void lightgbm__binary_fixture_follows_the_hand_computed_paths(void **state)
{
    (void)state;
    fa_model *m = NULL;
    fa_error err;
    if (fa_model_load(&m, LGB_BINARY, &err) != FA_OK) {
        fail_with(&err, "load");
    }
    assert_string_equal(fa_model_kind(m), "lightgbm");
    assert_int_equal(fa_model_link(m), FA_LINK_LOGISTIC);
    assert_int_equal(fa_model_n_features(m), 3);
    assert_string_equal(fa_model_feature_name(m, 2), "region");
    assert_int_equal(fa_model_has_feature_names(m), 1);
    assert_int_equal(fa_model_thread_safe(m), 1);
    double z[N_ROWS], p[N_ROWS];
    predict_rows(z, m, FA_OUTPUT_MARGIN);
    predict_rows(p, m, FA_OUTPUT_PROBABILITY);
    for (size_t i = 0; i < N_ROWS; i++) {
        assert_true(z[i] == 0.0 + MARGIN[i]); /* the same sums in the same order */
        assert_true(fabs(p[i] - 1.0 / (1.0 + exp(-MARGIN[i]))) <= 1e-15);
    }
    fa_model_free(m);
}

static void lightgbm__sigmoid_scales_the_margin_and_average_output_divides(void **state)
{
    (void)state;
    char *text = edited(LGB_BINARY, "sigmoid:1", "sigmoid:2.5");
    fa_model *m = parse_ok(text);
    double z[N_ROWS];
    predict_rows(z, m, FA_OUTPUT_MARGIN);
    for (size_t i = 0; i < N_ROWS; i++) {
        assert_true(z[i] == 2.5 * (0.0 + MARGIN[i]));
    }
    fa_model_free(m);
    free(text);
    text = edited(LGB_BINARY, "tree_sizes=", "average_output\ntree_sizes=");
    m = parse_ok(text);
    predict_rows(z, m, FA_OUTPUT_MARGIN);
    for (size_t i = 0; i < N_ROWS; i++) {
        assert_true(z[i] == (0.0 + MARGIN[i]) / 2.0); /* two trees */
    }
    fa_model_free(m);
    free(text);
}

static void lightgbm__regression_missing_zero_and_a_single_leaf_tree(void **state)
{
    (void)state;
    fa_model *m = NULL;
    fa_error err;
    if (fa_model_load(&m, LGB_REGRESSION, &err) != FA_OK) {
        fail_with(&err, "load");
    }
    assert_int_equal(fa_model_link(m), FA_LINK_IDENTITY);
    assert_int_equal(fa_model_has_feature_names(m), 0); /* Column_0, Column_1 */
    /* tree 0 splits Column_1 at -1e-35 with missing type Zero, default right: NaN becomes 0,
     * and 0, 1e-36 are zero: right (-1.25); -3 and -2e-35 go left (2.5); tree 1 adds 0.5 */
    const double x[] = {9, NAN, 9, 0, 9, 1e-36, 9, -3, 9, -2e-35, 9, 3};
    const double want[] = {-1.25 + 0.5, -1.25 + 0.5, -1.25 + 0.5, 2.5 + 0.5, 2.5 + 0.5, -0.75};
    double z[6], p[6];
    assert_int_equal(fa_model_predict(m, z, x, 6, FA_OUTPUT_MARGIN, &err), FA_OK);
    assert_int_equal(fa_model_predict(m, p, x, 6, FA_OUTPUT_PROBABILITY, &err), FA_OK);
    for (size_t i = 0; i < 6; i++) {
        assert_true(z[i] == want[i]);
        assert_true(p[i] == want[i]); /* identity link */
    }
    const char *cols[] = {"a", "b"};
    size_t col_of[2];
    assert_int_equal(fa_model_match_columns(col_of, m, cols, 2, &err), FA_EINVAL);
    assert_non_null(strstr(err.message, "only the defaults Column_0..Column_1"));
    fa_model_free(m);
}

static void lightgbm__text_is_recognised_by_its_first_line(void **state)
{
    (void)state;
    assert_int_equal(fa_lightgbm__looks_like("tree\nversion=v4\n", 17), 1);
    assert_int_equal(fa_lightgbm__looks_like("\xEF\xBB\xBFtree\r\nversion=v4\n", 21), 1);
    assert_int_equal(fa_lightgbm__looks_like("{\"learner\": {}}", 15), 0);
    assert_int_equal(fa_lightgbm__looks_like("trees\n", 6), 0);
}

/* ------------------------------------------------------------ bad input */

static void lightgbm__a_truncated_file_is_an_error(void **state)
{
    (void)state;
    char *text = read_text(LGB_BINARY);
    *strstr(text, "end of trees") = '\0';
    parse_fails(text, "m.txt:51:1: error: the file ends inside tree 1, without an 'end of "
                      "trees' line (truncated?)");
    *strstr(text, "Tree=0") = '\0';
    parse_fails(text, "m.txt:11:1: error: the file ends before its first tree (truncated?)");
    free(text);
}

static void lightgbm__a_child_outside_the_tree_is_an_error(void **state)
{
    (void)state;
    char *text = edited(LGB_BINARY, "left_child=1 -1\n", "left_child=2 -1\n");
    parse_fails(text, "m.txt:19:12: error: left_child: expected a whole number from -3 to 1, "
                      "got \"2\"");
    free(text);
    text = edited(LGB_BINARY, "right_child=-3 -2\n", "right_child=-4 -2\n");
    parse_fails(text, "m.txt:20:13: error: right_child: expected a whole number from -3 to 1, "
                      "got \"-4\"");
    free(text);
}

static void lightgbm__a_cycle_or_an_unreached_node_is_an_error(void **state)
{
    (void)state;
    char *text = edited(LGB_BINARY, "left_child=1 -1\n", "left_child=1 0\n");
    parse_fails(text, "m.txt:19:12: error: left_child of node 1: node 0 is reached twice from "
                      "the root (a cycle or a shared child)");
    free(text);
    char *loop = edited(LGB_BINARY, "left_child=1 -1\nright_child=-3 -2\n",
                        "left_child=-1 1\nright_child=-2 -3\n"); /* node 1 points at itself */
    parse_fails(loop, "m.txt:19:12: error: node 1 is not reached from the root");
    free(loop);
    text = edited(LGB_BINARY, "right_child=-3 -2\n", "right_child=-1 -2\n");
    parse_fails(text, "m.txt:19:12: error: left_child of node 1: leaf 0 is reached twice from "
                      "the root (a cycle or a shared child)");
    free(text);
}

static void lightgbm__unsupported_objectives_and_multiclass_are_refused(void **state)
{
    (void)state;
    char *text = edited(LGB_BINARY, "objective=binary sigmoid:1", "objective=lambdarank");
    parse_fails(text, "m.txt:7:11: error: objective \"lambdarank\" is not supported (binary, "
                      "cross_entropy or a regression: regression, regression_l1, huber, fair, "
                      "quantile, mape)");
    free(text);
    text = edited(LGB_BINARY, "num_tree_per_iteration=1", "num_tree_per_iteration=3");
    parse_fails(text, "m.txt:4:24: error: num_tree_per_iteration=3: multiclass models are not "
                      "supported (one output per row)");
    free(text);
    text = edited(LGB_BINARY, "num_class=1", "num_class=3");
    parse_fails(text, "m.txt:3:11: error: num_class=3: multiclass models are not supported (one "
                      "output per row)");
    free(text);
    text = edited(LGB_BINARY, "version=v4", "version=v2");
    parse_fails(text,
                "m.txt:2:9: error: version: expected v3 or v4 (LightGBM 3 and 4), got \"v2\"");
    free(text);
}

static void lightgbm__malformed_arrays_are_errors(void **state)
{
    (void)state;
    char *text = edited(LGB_BINARY, "leaf_value=-0.5 0.25 0.75", "leaf_value=-0.5 0.25");
    parse_fails(text, "m.txt:21:12: error: leaf_value: 2 values, expected 3 (num_leaves)");
    free(text);
    text = edited(LGB_BINARY, "threshold=50.5 30\n", "threshold=50.5 abc\n");
    parse_fails(text, "m.txt:17:16: error: threshold: expected a finite number, got \"abc\"");
    free(text);
    text = edited(LGB_BINARY, "split_feature=1 0\n", "split_feature=1 3\n");
    parse_fails(
        text, "m.txt:15:17: error: split_feature: expected a whole number from 0 to 2, got \"3\"");
    free(text);
    text = edited(LGB_BINARY, "threshold=0 45.5", "threshold=1 45.5");
    parse_fails(text, "m.txt:36:11: error: threshold of categorical node 0: expected an index "
                      "below num_cat = 1");
    free(text);
    text = edited(LGB_BINARY, "cat_boundaries=0 2", "cat_boundaries=0 3");
    parse_fails(text, "m.txt:46:18: error: cat_boundaries: expected a whole number from 0 to 2, "
                      "got \"3\"");
    free(text);
    text = edited(LGB_BINARY, "decision_type=1 6", "decision_type=1 14");
    parse_fails(text, "m.txt:37:15: error: decision_type of node 1: 14 is not a LightGBM "
                      "decision type (bits: 1 categorical, 2 default left, 4/8 missing Zero/NaN)");
    free(text);
    text = edited(LGB_BINARY, "is_linear=0\nshrinkage=0.1", "is_linear=1\nshrinkage=0.1");
    parse_fails(text, "m.txt:48:11: error: linear trees (is_linear=1) are not supported");
    free(text);
    text = edited(LGB_BINARY, "Tree=1", "Tree=2");
    parse_fails(text, "m.txt:31:6: error: Tree=2: expected Tree=1 (trees are numbered in order)");
    free(text);
    text = edited(LGB_BINARY, "feature_names=age income region", "feature_names=age income age");
    parse_fails(text, "m.txt:8:26: error: feature_names: \"age\" is given twice (names 1 and 3)");
    free(text);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(lightgbm__binary_fixture_follows_the_hand_computed_paths),
        cmocka_unit_test(lightgbm__sigmoid_scales_the_margin_and_average_output_divides),
        cmocka_unit_test(lightgbm__regression_missing_zero_and_a_single_leaf_tree),
        cmocka_unit_test(lightgbm__text_is_recognised_by_its_first_line),
        cmocka_unit_test(lightgbm__a_truncated_file_is_an_error),
        cmocka_unit_test(lightgbm__a_child_outside_the_tree_is_an_error),
        cmocka_unit_test(lightgbm__a_cycle_or_an_unreached_node_is_an_error),
        cmocka_unit_test(lightgbm__unsupported_objectives_and_multiclass_are_refused),
        cmocka_unit_test(lightgbm__malformed_arrays_are_errors),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
