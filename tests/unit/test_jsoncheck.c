/*
 * test_jsoncheck.c - common/jsoncheck.c: the strict JSON syntax check every JSON reader runs
 * first. Valid documents pass (RFC 8259's own examples of edge cases); each kind of fault
 * gives its exact message at its exact line and column (hand-counted below).
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h>

#include <stdlib.h>
#include <string.h>

#include "common/jsoncheck.h"

static int check(const char *text, fa_error *err)
{
    memset(err, 0, sizeof *err);
    return fa_json_check(text, strlen(text), "p.json", FA_JSON_MAX_DEPTH, err);
}

static void test_valid(void **state)
{
    (void)state;
    static const char *const ok[] = {
        "{}",
        "[]",
        " \n\t{\"a\": [1, -0, 0.5, -1.25e-3, 1E+2, 1e308, 1e-999, true, false, null]}\r\n",
        "\"just a string\"",
        "0",
        "{\"k\": \"\\\" \\\\ \\/ \\b \\f \\n \\r \\t \\u00e9 \\ud83d\\ude00\"}",
        "{\"M\xc4\x81ori\": \"Afro-Brasileiro\"}",
        "[[[[[[[[[[]]]]]]]]]]",
        "{\"a\": {\"b\": {\"c\": []}}, \"d\": [{}, {\"e\": 1}]}",
    };
    for (size_t i = 0; i < sizeof ok / sizeof ok[0]; i++) {
        fa_error e;
        int st = check(ok[i], &e);
        if (st != FA_OK) {
            print_error("case %zu: %s\n", i, e.message);
        }
        assert_int_equal(st, FA_OK);
    }
}

typedef struct bad_case {
    const char *text;
    uint64_t line, col;
    const char *message;
} bad_case;

static const bad_case BAD[] = {
    {"", 1, 1, "empty file: expected a JSON value"},
    {"  \n ", 2, 2, "empty file: expected a JSON value"},
    {"{\"min\": NaN}", 1, 9, "invalid JSON: NaN is not a JSON number (write null, or a number)"},
    {"[Infinity]", 1, 2,
     "invalid JSON: Infinity is not a JSON number (write null, or a finite number)"},
    {"[-Infinity]", 1, 2,
     "invalid JSON: -Infinity is not a JSON number (write null, or a finite number)"},
    {"{\"min\": 0x10}", 1, 9,
     "invalid JSON: hexadecimal numbers are not JSON (write the number in decimal)"},
    {"[1,\n 1e999]", 2, 2,
     "invalid JSON: the number \"1e999\" is out of range (beyond the largest double, about "
     "1.8e308)"},
    {"[012]", 1, 2,
     "invalid JSON: a number with a leading zero (JSON numbers do not start with 0 followed by a "
     "digit)"},
    {"[1.]", 1, 4, "invalid JSON: expected a digit after the decimal point, found \"]\""},
    {"[1.\n]", 1, 4, "invalid JSON: expected a digit after the decimal point, found a line break"},
    {"{\"a\": 1 x\n}", 1, 9, "invalid JSON: expected ',' or '}', found \"x\""},
    {"[1e]", 1, 4, "invalid JSON: expected a digit in the exponent, found \"]\""},
    {"[+1]", 1, 2, "invalid JSON: a number with a leading '+' (JSON numbers take no plus sign)"},
    {"[.5]", 1, 2, "invalid JSON: a number starting with '.' (write 0. before the decimals)"},
    {"{'a': 1}", 1, 2,
     "invalid JSON: expected a string key (in double quotes) or '}', found \"'a': 1}\""},
    {"['a']", 1, 2, "invalid JSON: a single-quoted string (JSON strings take double quotes)"},
    {"[1, 2,]", 1, 7, "invalid JSON: a comma before ']' (trailing commas are not JSON)"},
    {"{\"a\": 1,\n}", 2, 1, "invalid JSON: a comma before '}' (trailing commas are not JSON)"},
    {"{\"a\" 1}", 1, 6, "invalid JSON: expected ':' after the key, found \"1}\""},
    {"{\"a\": 1 \"b\": 2}", 1, 9, "invalid JSON: expected ',' or '}', found \"\\\"b\\\": 2}\""},
    {"[1 2]", 1, 4, "invalid JSON: expected ',' or ']', found \"2]\""},
    {"{\"gates\": [{\"min\": 0.8", 1, 23,
     "invalid JSON: expected ',' or '}', found the end of the text (truncated?)"},
    {"{\"a\": \"abc", 1, 7,
     "invalid JSON: a string that is never closed: the text ends inside it (truncated?)"},
    {"{\"a\": \"x\ny\"}", 1, 9,
     "invalid JSON: control character 0x0A inside a string (escape it, e.g. \\n or \\u00XX)"},
    {"{\"a\": \"caf\xe9\"}", 1, 11, "invalid JSON: invalid UTF-8 (byte 0xE9) inside a string"},
    {"[\"\\q\"]", 1, 3, "invalid JSON: invalid escape \"\\\\q\" in a string"},
    {"[\"\\u12G4\"]", 1, 3, "invalid JSON: expected four hexadecimal digits after \\u"},
    {"[\"\\ud83d x\"]", 1, 3,
     "invalid JSON: a \\u escape of a high surrogate without its low surrogate"},
    {"[\"\\ude00\"]", 1, 3,
     "invalid JSON: a \\u escape of a low surrogate without its high surrogate"},
    {"{} x", 1, 4, "invalid JSON: unexpected text after the top-level value"},
    {"[tru]", 1, 2,
     "invalid JSON: expected a value (an object, array, string, number, true, false or null), "
     "found \"tru]\""},
    {"\xef\xbb\xbf{}", 1, 1,
     "invalid JSON: a byte order mark (U+FEFF) before the text (save the file as UTF-8 without "
     "BOM)"},
    {"\xff\xfe{\0", 1, 1,
     "invalid JSON: UTF-16 text (byte order mark FF FE or FE FF): save the file as UTF-8"},
    {"[1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12,", 1, 40,
     "invalid JSON: expected a value, found the end of the text (truncated?)"},
    {"[\"M\xc4\x81ori\", @\xc4\x81\xc4\x81\xc4\x81\xc4\x81\xc4\x81\xc4\x81]", 1, 12,
     "invalid JSON: expected a value (an object, array, string, number, true, false or null), "
     "found \"@\xc4\x81\xc4\x81\xc4\x81\xc4\x81\xc4\x81...\""},
};

static void test_bad(void **state)
{
    (void)state;
    for (size_t i = 0; i < sizeof BAD / sizeof BAD[0]; i++) {
        fa_error e;
        int st = check(BAD[i].text, &e);
        if (st != FA_EPARSE || e.line != BAD[i].line || e.column != BAD[i].col ||
            strcmp(e.message, BAD[i].message) != 0) {
            print_error("case %zu: status %d at %llu:%llu: %s\n", i, st, (unsigned long long)e.line,
                        (unsigned long long)e.column, e.message);
        }
        assert_int_equal(st, FA_EPARSE);
        assert_string_equal(e.message, BAD[i].message);
        assert_int_equal(e.line, BAD[i].line);
        assert_int_equal(e.column, BAD[i].col);
        assert_string_equal(e.path, "p.json");
    }
}

static void test_nul_and_length(void **state)
{
    (void)state;
    fa_error e;
    /* the length, not a terminator, bounds the text: a NUL inside is an error */
    assert_int_equal(fa_json_check("{\"a\":\0 1}", 9, "n.json", 64, &e), FA_EPARSE);
    assert_string_equal(e.message, "NUL byte in JSON text");
    assert_int_equal(e.column, 6);
    /* a text that stops early is judged on its length */
    assert_int_equal(fa_json_check("{}garbage", 2, "n.json", 64, &e), FA_OK);
}

static void test_depth(void **state)
{
    (void)state;
    /* 10000 levels: refused at the first bracket past the limit, without recursion */
    size_t n = 10000;
    char *t = malloc(2 * n + 1);
    assert_non_null(t);
    memset(t, '[', n);
    memset(t + n, ']', n);
    t[2 * n] = '\0';
    fa_error e;
    assert_int_equal(fa_json_check(t, 2 * n, "d.json", 64, &e), FA_EPARSE);
    assert_string_equal(e.message, "invalid JSON: nested deeper than 64 levels");
    assert_int_equal(e.column, 65);
    /* exactly at the limit is fine; a larger limit takes the heap stack */
    assert_int_equal(fa_json_check(t + n - 64, 128, "d.json", 64, &e), FA_OK);
    assert_int_equal(fa_json_check(t, 2 * n, "d.json", 10000, &e), FA_OK);
    assert_int_equal(fa_json_check(t, 2 * n, "d.json", 9999, &e), FA_EPARSE);
    free(t);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_valid),
        cmocka_unit_test(test_bad),
        cmocka_unit_test(test_nul_and_length),
        cmocka_unit_test(test_depth),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
