/*
 * test_ci_output.c - reports/junit.c, reports/sarif.c, reports/markdown.c: the CI renderers.
 *
 * Results are made through the public API (a tally by hand, a policy from a string,
 * fa_result_compute) for a passing, a failing, a warning-only and an inconclusive audit, and
 * one whose group names hold every character that needs escaping. Each renders to memory and
 * is compared byte for byte with its golden file under tests/data/ci/ (UPDATE=1 rewrites
 * them). The JUnit XML goes through a small strict well-formedness checker, the SARIF log
 * through cJSON and a check of the keys SARIF 2.1.0 requires, the annotations through
 * GitHub's escaping rules.
 *
 * The fixture (as test_gate.c), one attribute "sex", min_group_size 10:
 *   M: 60 rows, TP 24, FN 6, FP 12, TN 18 -> SR 36/60 = 0.6,  TPR 24/30 = 0.8, FPR 12/30 = 0.4
 *   F: 40 rows, TP 10, FN 10, FP 4, TN 16 -> SR 14/40 = 0.35, TPR 10/20 = 0.5, FPR 4/20 = 0.2
 *   X:  5 rows, TP 5                      -> below min_group_size
 *   C: 20 rows, FP 10, TN 10              -> TPR undefined (no actual positives)
 * demographic_parity_difference 0.6 - 0.35 = 0.25, demographic_parity_ratio 0.35 / 0.6 =
 * 0.58333, equalized_odds_difference max(0.8 - 0.5, 0.4 - 0.2) = 0.3.
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
#include <sys/stat.h>
#include <unistd.h>

#include <cjson/cJSON.h>

#include "common/text.h"
#include "include/fairaudit.h"
#include "reports/ci.h"
#include "reports/result.h"

#define GOLDEN_DIR "tests/data/ci"

typedef struct grp {
    const char *value;
    int tp, fp, tn, fn;
} grp;

static const grp M = {"M", 24, 12, 18, 6};
static const grp F = {"F", 10, 4, 16, 10};
static const grp X = {"X", 5, 0, 0, 0};
static const grp C = {"C", 0, 10, 10, 0};
static const char *const SEX[] = {"sex"};

static void add_rows(fa_tally *t, const char *value, int label, int pred, int count)
{
    const char *v[] = {value};
    size_t len[] = {strlen(value)};
    for (int i = 0; i < count; i++) {
        assert_int_equal(fa_tally_add(t, v, len, label, pred, 1.0, NAN, NULL), FA_OK);
    }
}

/* The result of the groups under the policy text; bootstrap replicates when B > 0. */
static fa_result *audit_b(const grp *const groups[], size_t n, const char *policy, size_t B)
{
    fa_tally *t;
    assert_int_equal(fa_tally_create(&t, SEX, 1, 0, NULL), FA_OK);
    for (size_t k = 0; k < n; k++) {
        add_rows(t, groups[k]->value, 1, 1, groups[k]->tp);
        add_rows(t, groups[k]->value, 0, 1, groups[k]->fp);
        add_rows(t, groups[k]->value, 0, 0, groups[k]->tn);
        add_rows(t, groups[k]->value, 1, 0, groups[k]->fn);
    }
    fa_policy *p = NULL;
    fa_error err;
    char buf[1400];
    if (fa_policy_parse_json(&p, policy, strlen(policy), "policy.json", &err) != FA_OK) {
        fa_error_format(buf, sizeof buf, &err);
        fail_msg("policy: %s", buf);
    }
    fa_audit_options opts = FA_AUDIT_OPTIONS_INIT;
    opts.label = "y";
    opts.pred = "p";
    opts.groups = SEX;
    opts.n_groups = 1;
    opts.min_group_size = 10;
    opts.bootstrap = B;
    opts.seed = 7;
    opts.threads = 1;
    fa_result *res = NULL;
    int st = fa_result_compute(&res, t, &opts, p, "test.csv", &err);
    fa_policy_free(p);
    fa_tally_free(t);
    if (st != FA_OK) {
        fa_error_format(buf, sizeof buf, &err);
        fail_msg("fa_result_compute: %s", buf);
    }
    return res;
}

static fa_result *audit(const grp *const groups[], size_t n, const char *policy)
{
    return audit_b(groups, n, policy, 0);
}

static const grp *const MF[] = {&M, &F};
static const grp *const MFX[] = {&M, &F, &X};

/* Every gate passes: DP difference 0.25 <= 0.3, F/M selection ratio 0.5833 >= 0.5. */
static fa_result *passing(void)
{
    return audit(
        MF, 2,
        "{\"gates\": [{\"name\": \"dp_difference\", \"metric\": "
        "\"demographic_parity_difference\", \"max\": 0.3}, {\"name\": \"selection_ratio\", "
        "\"metric\": \"selection_rate\", \"disparity\": \"ratio\", \"against\": "
        "\"reference\", \"min\": 0.5}]}");
}

/* Four-fifths (0.5833 < 0.8) and equalized odds (0.3 > 0.25) fail; DP difference passes. */
static fa_result *failing(void)
{
    return audit(MF, 2,
                 "{\"gates\": [{\"name\": \"four_fifths\", \"metric\": "
                 "\"demographic_parity_ratio\", \"min\": 0.8}, {\"name\": \"eq_odds\", \"metric\": "
                 "\"equalized_odds_difference\", \"max\": 0.25}, {\"name\": \"dp_difference\", "
                 "\"metric\": \"demographic_parity_difference\", \"max\": 0.3}]}");
}

/* Only a warning-severity gate fails: the audit passes. */
static fa_result *warning_only(void)
{
    return audit(MF, 2,
                 "{\"gates\": [{\"name\": \"four_fifths\", \"metric\": "
                 "\"demographic_parity_ratio\", \"min\": 0.8, \"severity\": \"warning\"}, "
                 "{\"name\": \"dp_difference\", \"metric\": \"demographic_parity_difference\", "
                 "\"max\": 0.3}]}");
}

/*
 * X is below min_group_size: the reference gate is within bounds but leaves X out (skipped);
 * the upper_ci gate asks for an interval the audit did not compute (error).
 */
static fa_result *inconclusive(void)
{
    return audit(MFX, 3,
                 "{\"gates\": [{\"name\": \"selection_ratio\", \"metric\": \"selection_rate\", "
                 "\"disparity\": \"ratio\", \"against\": \"reference\", \"min\": 0.5}, "
                 "{\"name\": \"eq_odds\", \"metric\": \"equalized_odds_difference\", "
                 "\"max\": 0.5, \"use\": \"upper_ci\"}]}");
}

/* Group names that need escaping in every format; the reference gate reports the worst. */
static const grp ODD_REF = {"M&<ref>", 24, 12, 18, 6};
static const grp ODD_F = {"50%: a, b\r\nc|d \"q\" 'x' `*_$:tada:\x01", 10, 4, 16, 10};

static fa_result *escaping(void)
{
    static const grp *const G[] = {&ODD_REF, &ODD_F};
    return audit(G, 2,
                 "{\"gates\": [{\"name\": \"ratio, <worst>: 100%\", \"metric\": "
                 "\"selection_rate\", \"disparity\": \"ratio\", \"against\": \"reference\", "
                 "\"min\": 0.8}]}");
}

/* ------------------------------------------------------------ rendering helpers */

typedef int (*render_fn)(const fa_result *res, FILE *f, fa_error *err);

static int render_sarif(const fa_result *res, FILE *f, fa_error *err)
{
    return fa_result_write_sarif_stream(res, f, err);
}

/* The rendering of res as a NUL-terminated string (caller frees). */
static char *render(render_fn fn, const fa_result *res)
{
    char *buf = NULL;
    size_t len = 0;
    FILE *f = open_memstream(&buf, &len);
    assert_non_null(f);
    fa_error err;
    fa_error_clear(&err);
    int st = fn(res, f, &err);
    assert_int_equal(fclose(f), 0);
    if (st != FA_OK) {
        fail_msg("render: %s", err.message);
    }
    return buf;
}

static char *read_all(const char *path, size_t *len)
{
    FILE *f = fopen(path, "rb");
    if (f == NULL) {
        return NULL;
    }
    char *buf = NULL;
    size_t cap = 0, n = 0;
    for (;;) {
        if (n + 4096 + 1 > cap) {
            cap = cap ? 2 * cap : 8192;
            char *p = realloc(buf, cap);
            assert_non_null(p);
            buf = p;
        }
        size_t r = fread(buf + n, 1, cap - n - 1, f);
        n += r;
        if (r == 0) {
            break;
        }
    }
    fclose(f);
    buf[n] = '\0';
    *len = n;
    return buf;
}

/* Compares text with the golden file NAME under tests/data/ci (UPDATE=1: rewrites it). */
static void golden(const char *name, const char *text)
{
    char path[256];
    snprintf(path, sizeof path, "%s/%s", GOLDEN_DIR, name);
    const char *update = getenv("UPDATE");
    if (update && strcmp(update, "1") == 0) {
        FILE *f = fopen(path, "wb");
        assert_non_null(f);
        assert_int_equal(fwrite(text, 1, strlen(text), f), strlen(text));
        assert_int_equal(fclose(f), 0);
        return;
    }
    size_t len = 0;
    char *want = read_all(path, &len);
    if (want == NULL) {
        fail_msg("%s: missing golden file (run with UPDATE=1 from the repository root)", path);
    }
    size_t n = strlen(text), i = 0;
    while (i < n && i < len && text[i] == want[i]) {
        i++;
    }
    if (i != n || i != len) {
        print_error("%s differs from the output at byte %zu; output:\n%s\n", path, i, text);
        free(want);
        fail_msg("golden mismatch: %s (UPDATE=1 regenerates)", path);
    }
    free(want);
}

/* ------------------------------------------------------ a strict XML checker */

typedef struct xc {
    const char *s;
    size_t i, n;
    char msg[160];
} xc;

static int xfail(xc *x, const char *what)
{
    snprintf(x->msg, sizeof x->msg, "byte %zu: %s", x->i, what);
    return -1;
}

static int name_start(int c)
{
    return (c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') || c == '_' || c == ':' || c >= 0x80;
}

static int name_char(int c)
{
    return name_start(c) || (c >= '0' && c <= '9') || c == '-' || c == '.';
}

static void skip_space(xc *x)
{
    while (x->i < x->n && strchr(" \t\r\n", x->s[x->i]) && x->s[x->i]) {
        x->i++;
    }
}

/* A name; returns its length (0: none). */
static size_t xname(xc *x)
{
    size_t start = x->i;
    if (x->i < x->n && name_start((unsigned char)x->s[x->i])) {
        while (x->i < x->n && name_char((unsigned char)x->s[x->i])) {
            x->i++;
        }
    }
    return x->i - start;
}

/* A reference after '&': one of the five entities or a character reference to a Char. */
static int xref(xc *x)
{
    static const char *const ENT[] = {"amp;", "lt;", "gt;", "quot;", "apos;"};
    x->i++;
    for (int k = 0; k < 5; k++) {
        size_t l = strlen(ENT[k]);
        if (x->n - x->i >= l && strncmp(x->s + x->i, ENT[k], l) == 0) {
            x->i += l;
            return 0;
        }
    }
    if (x->i < x->n && x->s[x->i] == '#') {
        x->i++;
        int hex = x->i < x->n && x->s[x->i] == 'x';
        x->i += (size_t)hex;
        char *end;
        unsigned long v = strtoul(x->s + x->i, &end, hex ? 16 : 10);
        if (end == x->s + x->i || *end != ';') {
            return xfail(x, "bad character reference");
        }
        if (!(v == 9 || v == 10 || v == 13 || (v >= 0x20 && v <= 0xD7FF) ||
              (v >= 0xE000 && v <= 0xFFFD) || (v >= 0x10000 && v <= 0x10FFFF))) {
            return xfail(x, "character reference to a non-character");
        }
        x->i = (size_t)(end - x->s) + 1;
        return 0;
    }
    return xfail(x, "bare '&'");
}

/* Character data up to the next '<'. */
static int xtext(xc *x)
{
    while (x->i < x->n && x->s[x->i] != '<') {
        if (x->s[x->i] == '&') {
            if (xref(x) != 0) {
                return -1;
            }
        } else if (x->s[x->i] == '>' && x->i >= 2 && x->s[x->i - 1] == ']' &&
                   x->s[x->i - 2] == ']') {
            return xfail(x, "']]>' in text");
        } else {
            x->i++;
        }
    }
    return 0;
}

/* A start tag's attributes up to '>' or '/>'; *empty set for '/>'. */
static int xattrs(xc *x, int *empty)
{
    size_t names[32], lens[32], n_attrs = 0;
    for (;;) {
        size_t before = x->i;
        skip_space(x);
        if (x->i >= x->n) {
            return xfail(x, "unterminated tag");
        }
        if (x->s[x->i] == '>' || (x->s[x->i] == '/' && x->s[x->i + 1] == '>')) {
            *empty = x->s[x->i] == '/';
            x->i += *empty ? 2 : 1;
            return 0;
        }
        if (before == x->i) {
            return xfail(x, "no space before an attribute");
        }
        size_t at = x->i, l = xname(x);
        if (l == 0) {
            return xfail(x, "bad attribute name");
        }
        for (size_t k = 0; k < n_attrs; k++) {
            if (lens[k] == l && strncmp(x->s + names[k], x->s + at, l) == 0) {
                return xfail(x, "duplicate attribute");
            }
        }
        if (n_attrs < 32) {
            names[n_attrs] = at;
            lens[n_attrs++] = l;
        }
        skip_space(x);
        if (x->i >= x->n || x->s[x->i] != '=') {
            return xfail(x, "expected '='");
        }
        x->i++;
        skip_space(x);
        char q = x->i < x->n ? x->s[x->i] : 0;
        if (q != '"' && q != '\'') {
            return xfail(x, "unquoted attribute value");
        }
        x->i++;
        while (x->i < x->n && x->s[x->i] != q) {
            if (x->s[x->i] == '<') {
                return xfail(x, "'<' in an attribute value");
            }
            if (x->s[x->i] == '&') {
                if (xref(x) != 0) {
                    return -1;
                }
            } else {
                x->i++;
            }
        }
        if (x->i >= x->n) {
            return xfail(x, "unterminated attribute value");
        }
        x->i++;
    }
}

/* 0 when doc is well-formed XML 1.0 (the subset fairaudit writes: no DTD, PI, CDATA). */
static int xml_check(const char *doc, char *msg, size_t msg_size)
{
    xc x = {doc, 0, strlen(doc), ""};
    size_t stack[64], depth = 0, bad;
    int roots = 0, rc = 0;
    if (!fa_utf8_valid(doc, x.n, &bad)) {
        x.i = bad;
        rc = xfail(&x, "invalid UTF-8");
    }
    for (size_t k = 0; rc == 0 && k < x.n; k++) {
        unsigned char c = (unsigned char)doc[k];
        if ((c < 0x20 && c != '\t' && c != '\n' && c != '\r') ||
            (c == 0xEF && k + 2 < x.n && (unsigned char)doc[k + 1] == 0xBF &&
             (unsigned char)doc[k + 2] >= 0xBE)) {
            x.i = k;
            rc = xfail(&x, "a character XML does not allow");
        }
    }
    const char *decl = "<?xml version=\"1.0\" encoding=\"UTF-8\"?>";
    if (rc == 0 && strncmp(doc, decl, strlen(decl)) == 0) {
        x.i = strlen(decl);
    }
    while (rc == 0) {
        size_t text_at = x.i;
        if ((rc = xtext(&x)) != 0) {
            break;
        }
        if (depth == 0) {
            for (size_t k = text_at; k < x.i; k++) {
                if (!strchr(" \t\r\n", doc[k])) {
                    x.i = k;
                    rc = xfail(&x, "text outside the root element");
                    break;
                }
            }
        }
        if (rc != 0 || x.i >= x.n) {
            break;
        }
        x.i++; /* '<' */
        if (x.s[x.i] == '/') {
            x.i++;
            size_t at = x.i, l = xname(&x);
            size_t open_at = depth ? stack[depth - 1] : 0;
            size_t open_len = 0;
            while (depth && name_char((unsigned char)doc[open_at + open_len])) {
                open_len++;
            }
            if (depth == 0 || l != open_len || strncmp(doc + at, doc + open_at, l) != 0) {
                rc = xfail(&x, "mismatched end tag");
                break;
            }
            depth--;
            skip_space(&x);
            if (x.i >= x.n || x.s[x.i] != '>') {
                rc = xfail(&x, "expected '>'");
                break;
            }
            x.i++;
            continue;
        }
        if (depth == 0 && roots++ > 0) {
            rc = xfail(&x, "a second root element");
            break;
        }
        size_t at = x.i;
        if (xname(&x) == 0) {
            rc = xfail(&x, "bad element name");
            break;
        }
        int empty = 0;
        if ((rc = xattrs(&x, &empty)) != 0) {
            break;
        }
        if (!empty) {
            if (depth == 64) {
                rc = xfail(&x, "too deep");
                break;
            }
            stack[depth++] = at;
        }
    }
    if (rc == 0 && depth != 0) {
        rc = xfail(&x, "unclosed element");
    }
    if (rc == 0 && roots != 1) {
        rc = xfail(&x, "no root element");
    }
    snprintf(msg, msg_size, "%s", x.msg);
    return rc;
}

static void assert_well_formed(const char *doc)
{
    char msg[200];
    if (xml_check(doc, msg, sizeof msg) != 0) {
        print_error("%s\n", doc);
        fail_msg("not well-formed XML: %s", msg);
    }
}

/* Number of occurrences of needle in s. */
static size_t count(const char *s, const char *needle)
{
    size_t n = 0;
    for (const char *p = strstr(s, needle); p; p = strstr(p + 1, needle)) {
        n++;
    }
    return n;
}

/* ------------------------------------------------------------ the checker itself */

static void ci__xml_checker_rejects_what_xml_forbids(void **state)
{
    (void)state;
    char msg[200];
    static const char *const BAD[] = {
        "<a><b></a></b>",
        "<a>x & y</a>",
        "<a b=\"<\"/>",
        "<a b=\"1\" b=\"2\"/>",
        "<a/><b/>",
        "<a>\x01</a>",
        "<a>&#1;</a>",
        "<a b=1/>",
        "<a>",
        "text<a/>",
        "<a>\xff</a>",
        "<a>]]></a>",
        "<a>\xef\xbf\xbe</a>",
        "<a b=\"x\"c=\"y\"/>",
        "",
    };
    for (size_t k = 0; k < sizeof BAD / sizeof BAD[0]; k++) {
        if (xml_check(BAD[k], msg, sizeof msg) == 0) {
            fail_msg("accepted %s", BAD[k]);
        }
    }
    assert_int_equal(xml_check("<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n<a x='1' y=\"&amp;"
                               "&#10;\">t&lt;<b/>\xc3\xa9</a>\n",
                               msg, sizeof msg),
                     0);
}

/* ------------------------------------------------------------ JUnit */

static void junit__passing_audit_has_passed_testcases(void **state)
{
    (void)state;
    fa_result *res = passing();
    char *xml = render(fa_result_write_junit_stream, res);
    assert_well_formed(xml);
    assert_non_null(strstr(xml, "<testsuite name=\"fairaudit\" tests=\"2\" failures=\"0\" "
                                "errors=\"0\" skipped=\"0\""));
    assert_non_null(strstr(xml, "<testcase name=\"dp_difference [sex]\" "
                                "classname=\"fairaudit.gates\""));
    assert_null(strstr(xml, "<failure"));
    golden("pass.junit.xml", xml);
    free(xml);
    fa_result_free(res);
}

static void junit__failed_gates_are_failures_with_value_bounds_group_and_n(void **state)
{
    (void)state;
    fa_result *res = failing();
    char *xml = render(fa_result_write_junit_stream, res);
    assert_well_formed(xml);
    assert_non_null(strstr(xml, "tests=\"3\" failures=\"2\" errors=\"0\" skipped=\"0\""));
    assert_int_equal(count(xml, "<failure "), 2);
    assert_non_null(strstr(xml, "<failure message=\"demographic_parity_ratio = 0.583333 is below "
                                "the minimum 0.8 (value 0.583333; min 0.8; lowest F (n 40), "
                                "highest M (n 60); n 100)\" type=\"threshold\">"));
    /* properties carry the exact value: 0.35 / 0.6 */
    char v[48], want[96];
    fa_format_double(v, sizeof v, (14.0 / 40.0) / (36.0 / 60.0));
    snprintf(want, sizeof want, "<property name=\"value\" value=\"%s\"/>", v);
    assert_non_null(strstr(xml, want));
    assert_non_null(strstr(xml, "<property name=\"severity\" value=\"error\"/>"));
    golden("fail.junit.xml", xml);
    free(xml);
    fa_result_free(res);
}

static void junit__failed_warning_gate_passes_with_a_note(void **state)
{
    (void)state;
    fa_result *res = warning_only();
    assert_int_equal(fa_result_exit_status(res), 0);
    char *xml = render(fa_result_write_junit_stream, res);
    assert_well_formed(xml);
    assert_non_null(strstr(xml, "tests=\"2\" failures=\"0\" errors=\"0\" skipped=\"0\""));
    assert_int_equal(count(xml, "<system-out>warning-severity gate failed"), 1);
    assert_non_null(strstr(xml, "<property name=\"severity\" value=\"warning\"/>"));
    golden("warning.junit.xml", xml);
    free(xml);
    fa_result_free(res);
}

static void junit__inconclusive_gates_are_skipped_or_errors(void **state)
{
    (void)state;
    fa_result *res = inconclusive();
    assert_int_equal(fa_result_exit_status(res), 4);
    char *xml = render(fa_result_write_junit_stream, res);
    assert_well_formed(xml);
    assert_non_null(strstr(xml, "tests=\"2\" failures=\"0\" errors=\"1\" skipped=\"1\""));
    assert_non_null(strstr(xml, "<skipped message=\"within bounds, but 1 group was left out: X "
                                "(5 rows &lt; min_group_size 10)"));
    assert_non_null(strstr(xml, "<error message=\"could not be computed: &quot;use&quot;: "
                                "&quot;upper_ci&quot; needs a confidence interval"));
    golden("inconclusive.junit.xml", xml);
    free(xml);
    fa_result_free(res);
}

static void junit__escapes_names_and_stays_well_formed(void **state)
{
    (void)state;
    fa_result *res = escaping();
    char *xml = render(fa_result_write_junit_stream, res);
    golden("escape.junit.xml", xml);
    assert_well_formed(xml);
    assert_non_null(strstr(xml, "name=\"ratio, &lt;worst&gt;: 100% [sex]\""));
    assert_non_null(strstr(xml, "against reference M&amp;&lt;ref&gt; (n 60)"));
    /* CR LF inside an attribute are character references; the control byte becomes text */
    assert_non_null(strstr(xml, "c|d &quot;q&quot; &apos;x&apos; `*_$:tada:\\x01\""));
    assert_non_null(strstr(xml, "50%: a, b&#13;&#10;c"));
    free(xml);
    fa_result_free(res);
}

static void junit__bootstrap_interval_is_in_message_and_properties(void **state)
{
    (void)state;
    fa_result *res = audit_b(MF, 2,
                             "{\"gates\": [{\"name\": \"four_fifths\", \"metric\": "
                             "\"demographic_parity_ratio\", \"min\": 0.8}]}",
                             200);
    char *xml = render(fa_result_write_junit_stream, res);
    assert_well_formed(xml);
    assert_non_null(strstr(xml, "; 95% bootstrap interval ["));
    assert_non_null(strstr(xml, "<property name=\"interval_lo\" value=\""));
    assert_non_null(strstr(xml, "<property name=\"interval_hi\" value=\""));
    free(xml);
    fa_result_free(res);
}

static void junit__writes_atomically_and_fails_in_a_missing_directory(void **state)
{
    (void)state;
    char dir[] = "/tmp/fa_ci_XXXXXX";
    assert_non_null(mkdtemp(dir));
    char path[128], bad[160];
    snprintf(path, sizeof path, "%s/out.xml", dir);
    snprintf(bad, sizeof bad, "%s/missing/out.xml", dir);
    fa_result *res = failing();
    fa_error err;
    assert_int_equal(fa_result_write_junit(res, path, &err), FA_OK);
    size_t len;
    char *file = read_all(path, &len);
    char *xml = render(fa_result_write_junit_stream, res);
    assert_non_null(file);
    assert_string_equal(file, xml);
    assert_int_equal(fa_result_write_junit(res, bad, &err), FA_EIO);
    assert_string_equal(err.path, bad);
    struct stat st;
    assert_int_not_equal(stat(bad, &st), 0);
    /* the other renderers behave alike */
    snprintf(path, sizeof path, "%s/out.md", dir);
    assert_int_equal(fa_result_write_markdown(res, path, &err), FA_OK);
    assert_int_equal(fa_result_write_markdown(res, bad, &err), FA_EIO);
    char sarif_path[128];
    snprintf(sarif_path, sizeof sarif_path, "%s/out.sarif", dir);
    assert_int_equal(fa_result_write_sarif(res, sarif_path, &err), FA_OK);
    assert_int_equal(fa_result_write_sarif(res, bad, &err), FA_EIO);
    free(file);
    free(xml);
    fa_result_free(res);
    unlink(sarif_path);
    unlink(path);
    snprintf(path, sizeof path, "%s/out.xml", dir);
    unlink(path);
    assert_int_equal(rmdir(dir), 0);
}

/* ------------------------------------------------------------ SARIF */

static const cJSON *get(const cJSON *o, const char *key)
{
    const cJSON *v = cJSON_GetObjectItemCaseSensitive(o, key);
    if (v == NULL) {
        fail_msg("SARIF: missing key \"%s\"", key);
    }
    return v;
}

/* Checks the keys SARIF 2.1.0 requires; returns the parsed log (caller deletes). */
static cJSON *check_sarif(const char *text, size_t n_results)
{
    cJSON *root = cJSON_Parse(text);
    assert_non_null(root);
    assert_string_equal(get(root, "version")->valuestring, "2.1.0");
    assert_string_equal(get(root, "$schema")->valuestring,
                        "https://json.schemastore.org/sarif-2.1.0.json");
    const cJSON *runs = get(root, "runs");
    assert_true(cJSON_IsArray(runs));
    assert_int_equal(cJSON_GetArraySize(runs), 1);
    const cJSON *run = cJSON_GetArrayItem(runs, 0);
    const cJSON *driver = get(get(run, "tool"), "driver");
    assert_string_equal(get(driver, "name")->valuestring, "fairaudit");
    assert_string_equal(get(driver, "version")->valuestring, FA_VERSION);
    const cJSON *rules = get(driver, "rules");
    const cJSON *results = get(run, "results");
    assert_int_equal(cJSON_GetArraySize(results), (int)n_results);
    const cJSON *r;
    cJSON_ArrayForEach(r, results)
    {
        const char *id = get(r, "ruleId")->valuestring;
        int index = get(r, "ruleIndex")->valueint;
        assert_string_equal(get(cJSON_GetArrayItem(rules, index), "id")->valuestring, id);
        const char *level = get(r, "level")->valuestring;
        assert_true(strcmp(level, "error") == 0 || strcmp(level, "warning") == 0);
        assert_true(strlen(get(get(r, "message"), "text")->valuestring) > 0);
        const cJSON *loc = cJSON_GetArrayItem(get(r, "locations"), 0);
        assert_string_equal(
            get(get(get(loc, "physicalLocation"), "artifactLocation"), "uri")->valuestring,
            "test.csv");
        assert_true(
            cJSON_IsString(get(get(r, "partialFingerprints"), "metric/attribute/group/v1")));
    }
    return root;
}

static void sarif__passing_audit_has_rules_and_no_results(void **state)
{
    (void)state;
    fa_result *res = passing();
    char *text = render(render_sarif, res);
    cJSON *root = check_sarif(text, 0);
    const cJSON *rules =
        get(get(get(cJSON_GetArrayItem(get(root, "runs"), 0), "tool"), "driver"), "rules");
    assert_int_equal(cJSON_GetArraySize(rules), 2);
    assert_string_equal(get(cJSON_GetArrayItem(rules, 0), "id")->valuestring,
                        "fairaudit/demographic_parity_difference");
    assert_string_equal(get(cJSON_GetArrayItem(rules, 1), "id")->valuestring,
                        "fairaudit/selection_rate-ratio-reference");
    golden("pass.sarif", text);
    cJSON_Delete(root);
    free(text);
    fa_result_free(res);
}

static void sarif__failed_gates_are_errors_with_stable_fingerprints(void **state)
{
    (void)state;
    fa_result *res = failing();
    char *text = render(render_sarif, res);
    cJSON *root = check_sarif(text, 2);
    const cJSON *results = get(cJSON_GetArrayItem(get(root, "runs"), 0), "results");
    const cJSON *r0 = cJSON_GetArrayItem(results, 0);
    assert_string_equal(get(r0, "ruleId")->valuestring, "fairaudit/demographic_parity_ratio");
    assert_string_equal(get(r0, "level")->valuestring, "error");
    assert_string_equal(
        get(get(r0, "partialFingerprints"), "metric/attribute/group/v1")->valuestring,
        "demographic_parity_ratio/sex/");
    /* the same result renders to the same bytes */
    char *again = render(render_sarif, res);
    assert_string_equal(text, again);
    golden("fail.sarif", text);
    free(again);
    cJSON_Delete(root);
    free(text);
    fa_result_free(res);
}

static void sarif__warning_and_inconclusive_gates_are_warnings(void **state)
{
    (void)state;
    fa_result *res = warning_only();
    char *text = render(render_sarif, res);
    cJSON *root = check_sarif(text, 1);
    const cJSON *r0 =
        cJSON_GetArrayItem(get(cJSON_GetArrayItem(get(root, "runs"), 0), "results"), 0);
    assert_string_equal(get(r0, "level")->valuestring, "warning");
    golden("warning.sarif", text);
    cJSON_Delete(root);
    free(text);
    fa_result_free(res);

    res = inconclusive();
    text = render(render_sarif, res);
    root = check_sarif(text, 2);
    const cJSON *r;
    cJSON_ArrayForEach(r, get(cJSON_GetArrayItem(get(root, "runs"), 0), "results"))
    {
        assert_string_equal(get(r, "level")->valuestring, "warning");
    }
    golden("inconclusive.sarif", text);
    cJSON_Delete(root);
    free(text);
    fa_result_free(res);
}

static void sarif__fingerprint_encodes_slashes_and_names_the_group(void **state)
{
    (void)state;
    fa_result *res = escaping();
    char *text = render(render_sarif, res);
    cJSON *root = check_sarif(text, 1);
    const cJSON *r0 =
        cJSON_GetArrayItem(get(cJSON_GetArrayItem(get(root, "runs"), 0), "results"), 0);
    assert_string_equal(
        get(get(r0, "partialFingerprints"), "metric/attribute/group/v1")->valuestring,
        "selection_rate-ratio-reference/sex/50%25: a, b\r\nc|d \"q\" 'x' "
        "`*_$:tada:\x01");
    golden("escape.sarif", text);
    cJSON_Delete(root);
    free(text);
    fa_result_free(res);
}

/* ------------------------------------------------------------ Markdown */

static void markdown__goldens_of_the_four_audits(void **state)
{
    (void)state;
    static fa_result *(*const MAKE[])(void) = {passing, failing, warning_only, inconclusive};
    static const char *const NAME[] = {"pass.md", "fail.md", "warning.md", "inconclusive.md"};
    static const char *const WORD[] = {"## fairaudit: PASSED\n", "## fairaudit: FAILED\n",
                                       "## fairaudit: PASSED\n", "## fairaudit: INCONCLUSIVE\n"};
    for (size_t k = 0; k < 4; k++) {
        fa_result *res = MAKE[k]();
        char *text = render(fa_result_write_markdown_stream, res);
        assert_memory_equal(text, WORD[k], strlen(WORD[k]));
        assert_non_null(strstr(text, "| gate | attribute | value | bound | outcome | reason |"));
        golden(NAME[k], text);
        free(text);
        fa_result_free(res);
    }
}

static void markdown__escapes_pipes_newlines_and_markup_in_names(void **state)
{
    (void)state;
    fa_result *res = escaping();
    char *text = render(fa_result_write_markdown_stream, res);
    golden("escape.md", text);
    assert_non_null(
        strstr(text, "| 50%: a, b<br>c\\|d \"q\" 'x' \\`\\*\\_\\$\\:tada\\:\\x01 | 40 |"));
    assert_non_null(strstr(text, "| M&amp;\\<ref\\> | 60 |"));
    /* every table row is one line with the same number of unescaped pipes as its header */
    for (const char *line = strstr(text, "| group |"); line && *line == '|';) {
        const char *end = strchr(line, '\n');
        size_t pipes = 0;
        for (const char *p = line; p < end; p++) {
            pipes += *p == '|' && p[-1] != '\\';
        }
        assert_int_equal(pipes, 10);
        line = end + 1;
    }
    free(text);
    fa_result_free(res);
}

/* ------------------------------------------------------------ annotations */

static void annotations__one_per_failing_gate_result(void **state)
{
    (void)state;
    static fa_result *(*const MAKE[])(void) = {passing, failing, warning_only, inconclusive};
    static const char *const NAME[] = {"pass.annotations", "fail.annotations",
                                       "warning.annotations", "inconclusive.annotations"};
    static const size_t ERRORS[] = {0, 2, 0, 0}, WARNINGS[] = {0, 0, 1, 2};
    for (size_t k = 0; k < 4; k++) {
        fa_result *res = MAKE[k]();
        char *text = render(fa_result_write_annotations, res);
        assert_int_equal(count(text, "::error title="), ERRORS[k]);
        assert_int_equal(count(text, "::warning title="), WARNINGS[k]);
        assert_int_equal(count(text, "\n"), ERRORS[k] + WARNINGS[k]);
        golden(NAME[k], text);
        free(text);
        fa_result_free(res);
    }
}

static void annotations__escape_percent_colon_comma_and_newlines(void **state)
{
    (void)state;
    fa_result *res = escaping();
    char *text = render(fa_result_write_annotations, res);
    /* one line: the group's CR LF are %0D%0A */
    assert_int_equal(count(text, "\n"), 1);
    assert_null(strchr(text, '\r'));
    const char *title = "::error title=fairaudit%3A ratio%2C <worst>%3A 100%25 [sex] failed::";
    assert_memory_equal(text, title, strlen(title));
    /* in the message, % CR LF only: ':' and ',' stay */
    assert_non_null(strstr(text, "(50%25: a, b%0D%0Ac|d \"q\" 'x' `*_$:tada:\x01)"));
    golden("escape.annotations", text);
    free(text);
    fa_result_free(res);
}

/* ------------------------------------------------------------ outcomes */

static fa_ci_outcome outcome_of(const grp *const groups[], size_t n, const char *policy)
{
    fa_result *res = audit(groups, n, policy);
    assert_int_equal(fa_result_n_gates(res), 1);
    fa_ci_outcome o = fa_ci__outcome(res, &res->gates[0]);
    fa_result_free(res);
    return o;
}

static void outcome__inconclusive_is_told_apart(void **state)
{
    (void)state;
    static const grp *const MX[] = {&M, &X};
    static const grp *const MC[] = {&M, &C};
    /* the reference X is below min_group_size */
    assert_int_equal(outcome_of(MFX, 3,
                                "{\"reference\": {\"sex\": \"X\"}, \"gates\": [{\"metric\": "
                                "\"selection_rate\", \"disparity\": \"ratio\", \"against\": "
                                "\"reference\", \"min\": 0.3, \"max\": 2}]}"),
                     FA_CI_SKIPPED);
    /* one group left once X is out: too few groups for a ratio, for want of rows */
    assert_int_equal(outcome_of(MX, 2,
                                "{\"gates\": [{\"metric\": \"demographic_parity_ratio\", "
                                "\"min\": 0.8}]}"),
                     FA_CI_SKIPPED);
    /* C has no actual positives: its TPR is undefined, not short of rows */
    assert_int_equal(outcome_of(MC, 2,
                                "{\"gates\": [{\"metric\": \"equal_opportunity_difference\", "
                                "\"max\": 0.1}]}"),
                     FA_CI_ERROR);
    /* PPV has no test: significant_only cannot decide a breach */
    assert_int_equal(outcome_of(MF, 2,
                                "{\"gates\": [{\"metric\": \"predictive_parity_ratio\", "
                                "\"min\": 0.99, \"significant_only\": true}]}"),
                     FA_CI_ERROR);
    /* an interval the audit did not compute */
    assert_int_equal(outcome_of(MF, 2,
                                "{\"gates\": [{\"metric\": \"demographic_parity_difference\", "
                                "\"max\": 0.5, \"use\": \"upper_ci\"}]}"),
                     FA_CI_ERROR);
    assert_int_equal(outcome_of(MF, 2,
                                "{\"gates\": [{\"metric\": \"demographic_parity_difference\", "
                                "\"max\": 0.5}]}"),
                     FA_CI_PASSED);
    assert_int_equal(outcome_of(MF, 2,
                                "{\"gates\": [{\"metric\": \"demographic_parity_difference\", "
                                "\"max\": 0.1}]}"),
                     FA_CI_FAILED);
}

static void ci__audit_without_gates_renders_empty_reports(void **state)
{
    (void)state;
    fa_result *res = audit(MF, 2, "{\"gates\": []}");
    char *xml = render(fa_result_write_junit_stream, res);
    assert_well_formed(xml);
    assert_non_null(strstr(xml, "tests=\"0\" failures=\"0\" errors=\"0\" skipped=\"0\""));
    char *sarif = render(render_sarif, res);
    cJSON *root = check_sarif(sarif, 0);
    assert_int_equal(
        cJSON_GetArraySize(
            get(get(get(cJSON_GetArrayItem(get(root, "runs"), 0), "tool"), "driver"), "rules")),
        0);
    char *md = render(fa_result_write_markdown_stream, res);
    assert_non_null(strstr(md, "**PASSED** (exit status 0): the policy has no gates."));
    assert_null(strstr(md, "### Gates"));
    char *ann = render(fa_result_write_annotations, res);
    assert_string_equal(ann, "");
    cJSON_Delete(root);
    free(xml);
    free(sarif);
    free(md);
    free(ann);
    fa_result_free(res);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(ci__xml_checker_rejects_what_xml_forbids),
        cmocka_unit_test(junit__passing_audit_has_passed_testcases),
        cmocka_unit_test(junit__failed_gates_are_failures_with_value_bounds_group_and_n),
        cmocka_unit_test(junit__failed_warning_gate_passes_with_a_note),
        cmocka_unit_test(junit__inconclusive_gates_are_skipped_or_errors),
        cmocka_unit_test(junit__escapes_names_and_stays_well_formed),
        cmocka_unit_test(junit__bootstrap_interval_is_in_message_and_properties),
        cmocka_unit_test(junit__writes_atomically_and_fails_in_a_missing_directory),
        cmocka_unit_test(sarif__passing_audit_has_rules_and_no_results),
        cmocka_unit_test(sarif__failed_gates_are_errors_with_stable_fingerprints),
        cmocka_unit_test(sarif__warning_and_inconclusive_gates_are_warnings),
        cmocka_unit_test(sarif__fingerprint_encodes_slashes_and_names_the_group),
        cmocka_unit_test(markdown__goldens_of_the_four_audits),
        cmocka_unit_test(markdown__escapes_pipes_newlines_and_markup_in_names),
        cmocka_unit_test(annotations__one_per_failing_gate_result),
        cmocka_unit_test(annotations__escape_percent_colon_comma_and_newlines),
        cmocka_unit_test(outcome__inconclusive_is_told_apart),
        cmocka_unit_test(ci__audit_without_gates_renders_empty_reports),
    };
    return cmocka_run_group_tests_name("ci_output", tests, NULL, NULL);
}
