/*
 * test_sha256.c - common/sha256.c against the FIPS 180-4 / NIST example vectors ("", "abc",
 * the 448-bit message, a million 'a'), fed whole and in pieces of every length across the
 * 64-byte block edge; the x86 SHA-extension path against the portable one on the same bytes;
 * and files (size and hash, a missing file is FA_EIO).
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

#include "common/sha256.h"

static void hex_of(char hex[65], const void *data, size_t len, int portable)
{
    fa_sha256 s;
    unsigned char d[32];
    fa_sha256_init(&s);
    if (portable) {
        fa_sha256__force_portable(&s);
    }
    fa_sha256_update(&s, data, len);
    fa_sha256_final(&s, d);
    fa_sha256_hex(hex, d);
}

static void sha256__nist_vectors(void **state)
{
    (void)state;
    static const struct {
        const char *msg, *hex;
    } V[] = {
        {"", "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855"},
        {"abc", "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad"},
        {"abcdbcdecdefdefgefghfghighijhijkijkljklmklmnlmnomnopnopq",
         "248d6a61d20638b8e5c026930c3e6039a33ce45964ff2167f6ecedd419db06c1"},
        {"abcdefghbcdefghicdefghijdefghijkefghijklfghijklmghijklmnhijklmnoijklmnopjklmnopqklmnopqr"
         "lmnopqrsmnopqrstnopqrstu",
         "cf5b16a778af8380036ce59e7b0492370b249b11e8f07a51afac45037afee9d1"},
    };
    for (size_t i = 0; i < sizeof V / sizeof V[0]; i++) {
        for (int portable = 0; portable < 2; portable++) {
            char hex[65];
            hex_of(hex, V[i].msg, strlen(V[i].msg), portable);
            assert_string_equal(hex, V[i].hex);
        }
    }
}

static void sha256__a_million_a_in_uneven_pieces(void **state)
{
    (void)state;
    char *a = malloc(1000000);
    assert_non_null(a);
    memset(a, 'a', 1000000);
    for (int portable = 0; portable < 2; portable++) {
        fa_sha256 s;
        unsigned char d[32];
        char hex[65];
        fa_sha256_init(&s);
        if (portable) {
            fa_sha256__force_portable(&s);
        }
        size_t off = 0, step = 1;
        while (off < 1000000) { /* pieces of 1, 2, ..., 200 bytes, then again */
            size_t k = 1000000 - off < step ? 1000000 - off : step;
            fa_sha256_update(&s, a + off, k);
            off += k;
            step = step % 200 + 1;
        }
        fa_sha256_final(&s, d);
        fa_sha256_hex(hex, d);
        assert_string_equal(hex,
                            "cdc76e5c9914fb9281a1c7e284d73e67f1809a48a497200e046d39ccc7112cd0");
    }
    free(a);
}

/* Every length from 0 to 300 (each padding case) hashes the same on both paths. */
static void sha256__hardware_path_matches_portable(void **state)
{
    (void)state;
    if (!fa_sha256__hw_available()) {
        skip();
    }
    unsigned char buf[300];
    uint32_t x = 12345;
    for (size_t i = 0; i < sizeof buf; i++) {
        x = x * 1103515245u + 12345u;
        buf[i] = (unsigned char)(x >> 16);
    }
    for (size_t len = 0; len <= sizeof buf; len++) {
        char hw[65], sw[65];
        hex_of(hw, buf, len, 0);
        hex_of(sw, buf, len, 1);
        assert_string_equal(hw, sw);
    }
}

static void sha256__file_size_and_hash(void **state)
{
    (void)state;
    char path[] = "/tmp/fa_sha256_XXXXXX";
    int fd = mkstemp(path);
    assert_true(fd >= 0);
    assert_int_equal(write(fd, "abc", 3), 3);
    close(fd);
    char hex[65];
    uint64_t bytes = 0;
    fa_error err;
    assert_int_equal(fa_sha256_file(hex, &bytes, path, &err), FA_OK);
    assert_int_equal(bytes, 3);
    assert_string_equal(hex, "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad");
    unlink(path);
    assert_int_equal(fa_sha256_file(hex, &bytes, path, &err), FA_EIO);
    assert_string_equal(hex, "");
    assert_string_equal(err.path, path);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(sha256__nist_vectors),
        cmocka_unit_test(sha256__a_million_a_in_uneven_pieces),
        cmocka_unit_test(sha256__hardware_path_matches_portable),
        cmocka_unit_test(sha256__file_size_and_hash),
    };
    return cmocka_run_group_tests_name("sha256", tests, NULL, NULL);
}
