/*
 * common/sha256.c - SHA-256 as FIPS 180-4 defines it: 64-byte blocks, the message padded with
 * 0x80, zeros and its length in bits (big-endian), 64 rounds a block. Two block functions
 * give the same bits: the portable one, and one with the x86 SHA extensions (sha256rnds2,
 * sha256msg1/2; about five times faster, so hashing a 170 MB input costs ~0.1 s instead of
 * ~0.6 s), chosen per hash by CPUID when the hash starts (no global state).
 */
#include "common/sha256.h"

#include <errno.h>
#include <stdio.h>
#include <string.h>

#include "common/error.h"

#if (defined(__x86_64__) || defined(__i386__)) && (defined(__GNUC__) || defined(__clang__))
#define FA_SHA_X86 1
#include <cpuid.h>
#include <immintrin.h>
#endif

static const uint32_t K[64] = {
    0x428a2f98, 0x71374491, 0xb5c0fbcf, 0xe9b5dba5, 0x3956c25b, 0x59f111f1, 0x923f82a4, 0xab1c5ed5,
    0xd807aa98, 0x12835b01, 0x243185be, 0x550c7dc3, 0x72be5d74, 0x80deb1fe, 0x9bdc06a7, 0xc19bf174,
    0xe49b69c1, 0xefbe4786, 0x0fc19dc6, 0x240ca1cc, 0x2de92c6f, 0x4a7484aa, 0x5cb0a9dc, 0x76f988da,
    0x983e5152, 0xa831c66d, 0xb00327c8, 0xbf597fc7, 0xc6e00bf3, 0xd5a79147, 0x06ca6351, 0x14292967,
    0x27b70a85, 0x2e1b2138, 0x4d2c6dfc, 0x53380d13, 0x650a7354, 0x766a0abb, 0x81c2c92e, 0x92722c85,
    0xa2bfe8a1, 0xa81a664b, 0xc24b8b70, 0xc76c51a3, 0xd192e819, 0xd6990624, 0xf40e3585, 0x106aa070,
    0x19a4c116, 0x1e376c08, 0x2748774c, 0x34b0bcb5, 0x391c0cb3, 0x4ed8aa4a, 0x5b9cca4f, 0x682e6ff3,
    0x748f82ee, 0x78a5636f, 0x84c87814, 0x8cc70208, 0x90befffa, 0xa4506ceb, 0xbef9a3f7, 0xc67178f2};

static uint32_t rotr(uint32_t x, unsigned n)
{
    return (x >> n) | (x << (32 - n));
}

static void blocks_portable(uint32_t h[8], const unsigned char *p, size_t n_blocks)
{
    for (; n_blocks > 0; n_blocks--, p += 64) {
        uint32_t w[64];
        for (size_t i = 0; i < 16; i++) {
            w[i] = (uint32_t)p[4 * i] << 24 | (uint32_t)p[4 * i + 1] << 16 |
                   (uint32_t)p[4 * i + 2] << 8 | (uint32_t)p[4 * i + 3];
        }
        for (int i = 16; i < 64; i++) {
            uint32_t s0 = rotr(w[i - 15], 7) ^ rotr(w[i - 15], 18) ^ (w[i - 15] >> 3);
            uint32_t s1 = rotr(w[i - 2], 17) ^ rotr(w[i - 2], 19) ^ (w[i - 2] >> 10);
            w[i] = w[i - 16] + s0 + w[i - 7] + s1;
        }
        uint32_t a = h[0], b = h[1], c = h[2], d = h[3], e = h[4], f = h[5], g = h[6], k = h[7];
        for (int i = 0; i < 64; i++) {
            uint32_t t1 =
                k + (rotr(e, 6) ^ rotr(e, 11) ^ rotr(e, 25)) + ((e & f) ^ (~e & g)) + K[i] + w[i];
            uint32_t t2 = (rotr(a, 2) ^ rotr(a, 13) ^ rotr(a, 22)) + ((a & b) ^ (a & c) ^ (b & c));
            k = g;
            g = f;
            f = e;
            e = d + t1;
            d = c;
            c = b;
            b = a;
            a = t1 + t2;
        }
        h[0] += a, h[1] += b, h[2] += c, h[3] += d;
        h[4] += e, h[5] += f, h[6] += g, h[7] += k;
    }
}

#ifdef FA_SHA_X86
/* The state is kept as ABEF and CDGH, the layout sha256rnds2 works on (Intel's white paper). */
__attribute__((target("sha,sse4.1"))) static void blocks_hw(uint32_t h[8], const unsigned char *p,
                                                            size_t n_blocks)
{
    const __m128i mask = _mm_set_epi64x(0x0c0d0e0f08090a0bLL, 0x0405060700010203LL);
    __m128i tmp = _mm_loadu_si128((const __m128i *)(const void *)&h[0]);
    __m128i s1 = _mm_loadu_si128((const __m128i *)(const void *)&h[4]);
    tmp = _mm_shuffle_epi32(tmp, 0xB1);
    s1 = _mm_shuffle_epi32(s1, 0x1B);
    __m128i s0 = _mm_alignr_epi8(tmp, s1, 8);
    s1 = _mm_blend_epi16(s1, tmp, 0xF0);
    for (; n_blocks > 0; n_blocks--, p += 64) {
        __m128i save0 = s0, save1 = s1, m[4];
        for (size_t i = 0; i < 4; i++) {
            m[i] = _mm_shuffle_epi8(_mm_loadu_si128((const __m128i *)(const void *)(p + 16 * i)),
                                    mask);
        }
        for (size_t i = 0; i < 16; i++) {
            __m128i msg =
                _mm_add_epi32(m[i & 3], _mm_loadu_si128((const __m128i *)(const void *)&K[4 * i]));
            s1 = _mm_sha256rnds2_epu32(s1, s0, msg);
            if (i < 12) {
                /* W[4(i+4)..] from W[4i..], W[4(i+1)..], W[4(i+2)+1..] and W[4(i+3)..] */
                __m128i t = _mm_sha256msg1_epu32(m[i & 3], m[(i + 1) & 3]);
                t = _mm_add_epi32(t, _mm_alignr_epi8(m[(i + 3) & 3], m[(i + 2) & 3], 4));
                m[i & 3] = _mm_sha256msg2_epu32(t, m[(i + 3) & 3]);
            }
            s0 = _mm_sha256rnds2_epu32(s0, s1, _mm_shuffle_epi32(msg, 0x0E));
        }
        s0 = _mm_add_epi32(s0, save0);
        s1 = _mm_add_epi32(s1, save1);
    }
    tmp = _mm_shuffle_epi32(s0, 0x1B);
    s1 = _mm_shuffle_epi32(s1, 0xB1);
    s0 = _mm_blend_epi16(tmp, s1, 0xF0);
    s1 = _mm_alignr_epi8(s1, tmp, 8);
    _mm_storeu_si128((__m128i *)(void *)&h[0], s0);
    _mm_storeu_si128((__m128i *)(void *)&h[4], s1);
}
#endif

int fa_sha256__hw_available(void)
{
#ifdef FA_SHA_X86
    unsigned a, b, c, d;
    if (!__get_cpuid(1, &a, &b, &c, &d) || !(c & (1u << 19))) { /* SSE4.1 */
        return 0;
    }
    if (!__get_cpuid_count(7, 0, &a, &b, &c, &d)) {
        return 0;
    }
    return (b >> 29) & 1u; /* SHA */
#else
    return 0;
#endif
}

void fa_sha256__force_portable(fa_sha256 *s)
{
    s->hw = 0;
}

static void blocks(fa_sha256 *s, const unsigned char *p, size_t n_blocks)
{
#ifdef FA_SHA_X86
    if (s->hw) {
        blocks_hw(s->h, p, n_blocks);
        return;
    }
#endif
    blocks_portable(s->h, p, n_blocks);
}

void fa_sha256_init(fa_sha256 *s)
{
    static const uint32_t H0[8] = {0x6a09e667, 0xbb67ae85, 0x3c6ef372, 0xa54ff53a,
                                   0x510e527f, 0x9b05688c, 0x1f83d9ab, 0x5be0cd19};
    memcpy(s->h, H0, sizeof H0);
    s->bytes = 0;
    s->n_buf = 0;
    s->hw = fa_sha256__hw_available();
}

void fa_sha256_update(fa_sha256 *s, const void *data, size_t len)
{
    const unsigned char *p = data;
    s->bytes += len;
    if (s->n_buf > 0) {
        size_t k = 64 - s->n_buf < len ? 64 - s->n_buf : len;
        memcpy(s->buf + s->n_buf, p, k);
        s->n_buf += k;
        p += k;
        len -= k;
        if (s->n_buf < 64) {
            return;
        }
        blocks(s, s->buf, 1);
        s->n_buf = 0;
    }
    if (len >= 64) {
        blocks(s, p, len / 64);
        p += len / 64 * 64;
        len %= 64;
    }
    memcpy(s->buf, p, len);
    s->n_buf = len;
}

void fa_sha256_final(fa_sha256 *s, unsigned char digest[32])
{
    uint64_t bits = s->bytes * 8;
    unsigned char pad[72] = {0x80};
    size_t n_pad = (s->n_buf < 56 ? 56 : 120) - s->n_buf;
    for (int i = 0; i < 8; i++) {
        pad[n_pad + (size_t)i] = (unsigned char)(bits >> (56 - 8 * i));
    }
    uint64_t keep = s->bytes;
    fa_sha256_update(s, pad, n_pad + 8);
    s->bytes = keep;
    for (size_t i = 0; i < 8; i++) {
        digest[4 * i] = (unsigned char)(s->h[i] >> 24);
        digest[4 * i + 1] = (unsigned char)(s->h[i] >> 16);
        digest[4 * i + 2] = (unsigned char)(s->h[i] >> 8);
        digest[4 * i + 3] = (unsigned char)s->h[i];
    }
}

void fa_sha256_hex(char hex[65], const unsigned char digest[32])
{
    static const char D[] = "0123456789abcdef";
    for (size_t i = 0; i < 32; i++) {
        hex[2 * i] = D[digest[i] >> 4];
        hex[2 * i + 1] = D[digest[i] & 15];
    }
    hex[64] = '\0';
}

int fa_sha256_file(char hex[65], uint64_t *bytes, const char *path, fa_error *err)
{
    hex[0] = '\0';
    *bytes = 0;
    FILE *f = fopen(path, "rb");
    if (f == NULL) {
        return fa_error_set(err, FA_EIO, path, 0, 0, "cannot open file: %s", strerror(errno));
    }
    fa_sha256 s;
    fa_sha256_init(&s);
    unsigned char buf[1 << 16];
    size_t got;
    while ((got = fread(buf, 1, sizeof buf, f)) > 0) {
        fa_sha256_update(&s, buf, got);
    }
    int bad = ferror(f);
    fclose(f);
    if (bad) {
        return fa_error_set(err, FA_EIO, path, 0, 0, "cannot read file");
    }
    unsigned char d[32];
    *bytes = s.bytes;
    fa_sha256_final(&s, d);
    fa_sha256_hex(hex, d);
    return FA_OK;
}
