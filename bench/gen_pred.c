/*
 * gen_pred - writes an N-row synthetic prediction file of the shape the peers (fairlearn,
 * AIF360) were timed on in ../shared/golden/README.md, "Peer timings on this machine":
 *
 *   group,group2,label,score,pred
 *   a,x,1,0.734512,1
 *
 *   group   a / b / c / d with shares 40 / 30 / 20 / 10 %
 *   group2  x / y / z with shares 50 / 30 / 20 %
 *   score   k / 1e6 with k uniform on 1..999999, printed as Python prints round(s, 6): six
 *           decimals with trailing zeros dropped ("0.5", "0.12345"), so a row is 17 bytes
 *           less 0.111 on average and 1e7 rows are 169 MB, as in the peers' files
 *   label   1 with probability k / 1e6 (the score is calibrated for the groups a, b, c)
 *   pred    score >= 0.5, where group d's score is first scaled by 0.8: a disparity in
 *           selection rate at equal base rates, so the audit has something to find
 *
 *   gen_pred N OUT.csv [SEED]       N as an integer or like 1e7; SEED default 42
 *
 * Deterministic (splitmix64, integer arithmetic only): the same N and seed give the same bytes
 * everywhere. A regular file is written under a temporary name (OUT.csv.tmp) and renamed, so
 * a file that exists is complete (bench/run.sh reuses it); "-" or anything that is not a
 * regular file (/dev/null, a pipe) is written in place. Speed: formatting by hand into a
 * 1 MiB buffer.
 */
#ifndef _POSIX_C_SOURCE
#define _POSIX_C_SOURCE 200809L
#endif
#include <sys/stat.h>

#include <errno.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define BUF_SIZE (1u << 20)
#define MAX_ROW 32
#define MAX_ROWS 1e12

/* splitmix64 (Steele, Lea, Flood 2014). */
static uint64_t next_u64(uint64_t *state)
{
    uint64_t z = (*state += UINT64_C(0x9e3779b97f4a7c15));
    z = (z ^ (z >> 30)) * UINT64_C(0xbf58476d1ce4e5b9);
    z = (z ^ (z >> 27)) * UINT64_C(0x94d049bb133111eb);
    return z ^ (z >> 31);
}

/* Uniform on [0, n) from 32 random bits (Lemire's multiply-shift). */
static uint32_t below(uint32_t bits, uint32_t n)
{
    return (uint32_t)(((uint64_t)bits * n) >> 32);
}

/* Writes one row at p and returns the position after it. */
static char *format_row(char *p, uint64_t r1, uint64_t r2)
{
    static const char group_of[10] = {'a', 'a', 'a', 'a', 'b', 'b', 'b', 'c', 'c', 'd'};
    static const char group2_of[10] = {'x', 'x', 'x', 'x', 'x', 'y', 'y', 'y', 'z', 'z'};

    char g = group_of[below((uint32_t)r1, 10)];
    char g2 = group2_of[below((uint32_t)(r1 >> 32), 10)];
    uint32_t k = 1 + below((uint32_t)r2, 999999);         /* score * 1e6 */
    int label = below((uint32_t)(r2 >> 32), 1000000) < k; /* P(label = 1) = score */
    uint32_t shown = g == 'd' ? k / 5 * 4 : k;
    int pred = shown >= 500000;

    *p++ = g;
    *p++ = ',';
    *p++ = g2;
    *p++ = ',';
    *p++ = (char)('0' + label);
    *p++ = ',';
    *p++ = '0';
    *p++ = '.';
    char digits[6];
    uint32_t v = k;
    for (int i = 5; i >= 0; i--) {
        digits[i] = (char)('0' + v % 10);
        v /= 10;
    }
    int last = 5;
    while (last > 0 && digits[last] == '0') {
        last--;
    }
    memcpy(p, digits, (size_t)last + 1);
    p += last + 1;
    *p++ = ',';
    *p++ = (char)('0' + pred);
    *p++ = '\n';
    return p;
}

static int parse_count(const char *s, double max, uint64_t *out)
{
    char *end = NULL;
    errno = 0;
    double d = strtod(s, &end);
    if (end == s || *end != '\0' || errno != 0 || !(d >= 0 && d <= max) ||
        d != (double)(uint64_t)d) {
        return -1;
    }
    *out = (uint64_t)d;
    return 0;
}

int main(int argc, char **argv)
{
    uint64_t n_rows = 0;
    uint64_t seed = 42;
    if (argc < 3 || argc > 4 || parse_count(argv[1], MAX_ROWS, &n_rows) != 0 ||
        (argc == 4 && parse_count(argv[3], 9007199254740992.0, &seed) != 0)) {
        fprintf(stderr, "usage: gen_pred N OUT.csv [SEED]   (N rows, e.g. 1000000 or 1e7; "
                        "SEED a non-negative integer, default 42)\n");
        return 2;
    }
    const char *path = argv[2];
    struct stat st;
    int to_stdout = strcmp(path, "-") == 0;
    /* rename() onto a device or a pipe would replace it with a regular file */
    int in_place = to_stdout || (stat(path, &st) == 0 && !S_ISREG(st.st_mode));
    size_t tmp_len = strlen(path) + 8;
    char *tmp = malloc(tmp_len);
    char *buf = malloc(BUF_SIZE);
    if (tmp == NULL || buf == NULL) {
        fprintf(stderr, "gen_pred: out of memory\n");
        free(tmp);
        free(buf);
        return 1;
    }
    snprintf(tmp, tmp_len, in_place ? "%s" : "%s.tmp", path);
    FILE *out = to_stdout ? stdout : fopen(tmp, "wb");
    if (out == NULL) {
        fprintf(stderr, "gen_pred: %s: %s\n", tmp, strerror(errno));
        free(tmp);
        free(buf);
        return 1;
    }

    uint64_t state = seed;
    int failed = fputs("group,group2,label,score,pred\n", out) < 0;
    char *p = buf;
    for (uint64_t i = 0; i < n_rows && !failed; i++) {
        uint64_t r1 = next_u64(&state);
        uint64_t r2 = next_u64(&state);
        p = format_row(p, r1, r2);
        if ((size_t)(p - buf) > BUF_SIZE - MAX_ROW) {
            failed = fwrite(buf, 1, (size_t)(p - buf), out) != (size_t)(p - buf);
            p = buf;
        }
    }
    if (!failed && p > buf) {
        failed = fwrite(buf, 1, (size_t)(p - buf), out) != (size_t)(p - buf);
    }
    failed |= (to_stdout ? fflush(out) : fclose(out)) != 0;
    if (failed) {
        fprintf(stderr, "gen_pred: %s: write error\n", tmp);
        if (!in_place) {
            remove(tmp);
        }
    } else if (!in_place && rename(tmp, path) != 0) {
        fprintf(stderr, "gen_pred: rename %s to %s: %s\n", tmp, path, strerror(errno));
        remove(tmp);
        failed = 1;
    }
    free(tmp);
    free(buf);
    return failed ? 1 : 0;
}
