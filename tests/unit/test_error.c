/*
 * test_error.c - common/error.c: fa_error_quote, the rendering of input bytes inside error
 * messages (every "got ..." of a bad-input error goes through it).
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h>

#include <string.h>

#include "common/error.h"

static const char *quote(char *buf, size_t size, const char *data, size_t len)
{
    return fa_error_quote(buf, size, data, len);
}

static void test_plain_and_escapes(void **state)
{
    (void)state;
    char b[128];
    assert_string_equal(quote(b, sizeof b, "abc", 3), "\"abc\"");
    assert_string_equal(quote(b, sizeof b, "a\"b\\c", 5), "\"a\\\"b\\\\c\"");
    assert_string_equal(quote(b, sizeof b, "a\tb\x7f", 4), "\"a\\x09b\\x7F\"");
    /* a NUL byte inside the data is shown, not a terminator */
    assert_string_equal(quote(b, sizeof b, "a\0b", 3), "\"a\\x00b\"");
    assert_string_equal(quote(b, sizeof b, "", 0), "\"\"");
}

static void test_utf8(void **state)
{
    (void)state;
    char b[128];
    /* valid UTF-8 as is: "Māori" */
    assert_string_equal(quote(b, sizeof b, "M\xc4\x81ori", 6), "\"M\xc4\x81ori\"");
    /* invalid bytes one by one */
    assert_string_equal(quote(b, sizeof b, "B\xff\xfe", 3), "\"B\\xFF\\xFE\"");
    /* a truncated sequence */
    assert_string_equal(quote(b, sizeof b, "x\xe2\x82", 3), "\"x\\xE2\\x82\"");
}

static void test_invisible(void **state)
{
    (void)state;
    char b[128];
    /* a byte order mark in the middle of a file prints as nothing: shown as \uFEFF */
    assert_string_equal(quote(b, sizeof b,
                              "\xef\xbb\xbf"
                              "0",
                              4),
                        "\"\\uFEFF0\"");
    /* zero-width space U+200B and right-to-left override U+202E */
    assert_string_equal(quote(b, sizeof b,
                              "a\xe2\x80\x8b"
                              "b\xe2\x80\xae",
                              8),
                        "\"a\\u200Bb\\u202E\"");
    /* a visible three-byte character (the euro sign U+20AC) stays as it is */
    assert_string_equal(quote(b, sizeof b, "\xe2\x82\xac", 3), "\"\xe2\x82\xac\"");
}

static void test_truncation(void **state)
{
    (void)state;
    char b[256];
    char in[100];
    memset(in, 'x', sizeof in);
    /* 40 characters shown, then "..." */
    const char *q = quote(b, sizeof b, in, sizeof in);
    assert_int_equal(strlen(q), 1 + 40 + 3 + 1);
    assert_memory_equal(q + 41, "...\"", 4);
    /* a small buffer: never overflows, always terminated and closed */
    char s[12];
    q = quote(s, sizeof s, in, sizeof in);
    assert_true(strlen(q) < sizeof s);
    assert_int_equal(q[0], '"');
    assert_int_equal(q[strlen(q) - 1], '"');
    /* below the minimum size: empty */
    char t[4] = "zzz";
    assert_string_equal(quote(t, sizeof t, in, sizeof in), "");
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_plain_and_escapes),
        cmocka_unit_test(test_utf8),
        cmocka_unit_test(test_invisible),
        cmocka_unit_test(test_truncation),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
