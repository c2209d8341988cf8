/*
 * reports/junit.c - the gates as JUnit XML, the report format every CI system reads (Jenkins,
 * GitLab, Azure Pipelines, GitHub test-report actions).
 *
 * One <testsuite name="fairaudit"> inside <testsuites>, one <testcase> per gate result (a gate
 * on one attribute), named "GATE [ATTRIBUTE]" with classname "fairaudit.gates":
 *   failure  an error-severity gate whose computed value breaks a bound;
 *   error    a gate that could not be computed (its value, interval or test is undefined);
 *   skipped  a gate short of data (groups below min_group_size, or groups left out), and any
 *            inconclusive warning-severity gate (warnings never turn a build red);
 *   passed   otherwise; a failed warning-severity gate passes with a <system-out> note.
 * The audit's and each gate's facts go in <properties> (testcase properties are the common
 * extension pytest and most readers accept). No timestamps or host names: the same result
 * gives the same bytes, and time is "0".
 *
 * XML escaping: & < > " ' as entities; TAB, LF, CR as character references inside attributes
 * (so attribute normalisation keeps them) and CR in text; C0 controls, U+FFFE, U+FFFF and any
 * invalid UTF-8 (not expected: input.c sanitises group values) as the text "\xNN", since
 * XML 1.0 allows them in no form at all.
 */
#include "reports/ci.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "common/error.h"
#include "common/fileio.h"
#include "common/text.h"
#include "reports/result.h"

/* Length of the UTF-8 sequence a lead byte announces (0: not a lead byte). */
static size_t utf8_len(unsigned char c)
{
    return c >= 0xC2 && c <= 0xDF ? 2 : c >= 0xE0 && c <= 0xEF ? 3 : c >= 0xF0 && c <= 0xF4 ? 4 : 0;
}

/* Writes s escaped for XML character data (attr 0) or a double-quoted attribute (attr 1). */
static void xml(FILE *f, const char *s, int attr)
{
    const unsigned char *p = (const unsigned char *)(s ? s : "");
    while (*p) {
        unsigned char c = *p;
        if (c >= 0x80) {
            size_t n = utf8_len(c), k = 1;
            while (n && k < n && p[k]) {
                k++;
            }
            /* U+FFFE and U+FFFF (EF BF BE, EF BF BF) are not XML characters */
            int nonchar = n == 3 && c == 0xEF && p[1] == 0xBF && (p[2] == 0xBE || p[2] == 0xBF);
            if (n && k == n && !nonchar && fa_utf8_valid((const char *)p, n, NULL)) {
                fwrite(p, 1, n, f);
                p += n;
            } else {
                fprintf(f, "\\x%02X", c);
                p++;
            }
            continue;
        }
        switch (c) {
        case '&':
            fputs("&amp;", f);
            break;
        case '<':
            fputs("&lt;", f);
            break;
        case '>':
            fputs("&gt;", f);
            break;
        case '"':
            fputs(attr ? "&quot;" : "\"", f);
            break;
        case '\'':
            fputs(attr ? "&apos;" : "'", f);
            break;
        case '\t':
        case '\n':
            if (attr) {
                fprintf(f, "&#%d;", c);
            } else {
                fputc(c, f);
            }
            break;
        case '\r':
            fputs("&#13;", f);
            break;
        default:
            if (c < 0x20 || c == 0x7F) {
                fprintf(f, "\\x%02X", c);
            } else {
                fputc(c, f);
            }
        }
        p++;
    }
}

static void property(FILE *f, const char *indent, const char *name, const char *value)
{
    fprintf(f, "%s<property name=\"", indent);
    xml(f, name, 1);
    fputs("\" value=\"", f);
    xml(f, value, 1);
    fputs("\"/>\n", f);
}

static void number_property(FILE *f, const char *indent, const char *name, double v)
{
    char buf[48];
    fa_format_double(buf, sizeof buf, v);
    property(f, indent, name, buf);
}

static void gate_properties(FILE *f, const fa_result *res, const fa_gate_result *gr)
{
    static const char *const AGAINST[] = {"between_groups", "reference", "to_overall"};
    static const char *const IN = "        ";
    const fa_gate_spec *s = gr->spec;
    fputs("      <properties>\n", f);
    property(f, IN, "metric", fa_ci__metric(s));
    if (s->summary < 0) {
        property(f, IN, "disparity", s->ratio ? "ratio" : "difference");
        property(f, IN, "against", AGAINST[s->against]);
    }
    property(f, IN, "attribute", gr->attribute);
    number_property(f, IN, "value", gr->value);
    if (gr->group) {
        property(f, IN, "group", gr->group);
    }
    double lo, hi;
    if (fa_ci__interval(fa_ci__attr(res, gr), gr, &lo, &hi)) {
        number_property(f, IN, "interval_lo", lo);
        number_property(f, IN, "interval_hi", hi);
    }
    if (s->has_min) {
        number_property(f, IN, "min", s->min);
    }
    if (s->has_max) {
        number_property(f, IN, "max", s->max);
    }
    property(f, IN, "use", fa_ci__use(s));
    property(f, IN, "severity", s->warning ? "warning" : "error");
    property(f, IN, "outcome", fa_ci__verdict(gr->verdict));
    fputs("      </properties>\n", f);
}

/* <failure>, <error> or <skipped> with message = reason and details, and the same as text. */
static int element(FILE *f, const fa_result *res, const fa_gate_result *gr, const char *tag,
                   const char *type, const char *prefix)
{
    fa_ci_str msg = {0};
    fa_ci__cat(&msg, "%s%s", prefix, gr->reason ? gr->reason : fa_ci__verdict(gr->verdict));
    fa_ci__cat(&msg, " (");
    fa_ci__details(&msg, res, gr, 6);
    fa_ci__cat(&msg, ")");
    if (msg.oom) {
        free(msg.s);
        return FA_ENOMEM;
    }
    if (strcmp(tag, "system-out") == 0) {
        fprintf(f, "      <system-out>");
        xml(f, msg.s, 0);
        fprintf(f, "</system-out>\n");
    } else {
        fprintf(f, "      <%s message=\"", tag);
        xml(f, msg.s, 1);
        fprintf(f, "\"%s%s%s>", type ? " type=\"" : "", type ? type : "", type ? "\"" : "");
        xml(f, msg.s, 0);
        fprintf(f, "</%s>\n", tag);
    }
    free(msg.s);
    return FA_OK;
}

static int testcase(FILE *f, const fa_result *res, const fa_gate_result *gr)
{
    fa_ci_outcome o = fa_ci__outcome(res, gr);
    int warning = gr->spec->warning;
    fputs("    <testcase name=\"", f);
    xml(f, gr->spec->name, 1);
    fputs(" [", f);
    xml(f, gr->attribute, 1);
    fputs("]\" classname=\"fairaudit.gates\" time=\"0\">\n", f);
    gate_properties(f, res, gr);
    int st = FA_OK;
    if (o == FA_CI_FAILED && warning) {
        st = element(f, res, gr, "system-out", NULL,
                     "warning-severity gate failed (it does not fail the audit): ");
    } else if (o == FA_CI_FAILED) {
        st = element(f, res, gr, "failure", "threshold", "");
    } else if (o == FA_CI_ERROR && !warning) {
        st = element(f, res, gr, "error", "undefined", "could not be computed: ");
    } else if (o != FA_CI_PASSED) {
        st = element(f, res, gr, "skipped", NULL, warning ? "warning-severity gate: " : "");
    }
    fputs("    </testcase>\n", f);
    return st;
}

int fa_result_write_junit_stream(const fa_result *res, FILE *f, fa_error *err)
{
    size_t failures = 0, errors = 0, skipped = 0;
    for (size_t i = 0; i < res->n_gates; i++) {
        const fa_gate_result *gr = &res->gates[i];
        fa_ci_outcome o = fa_ci__outcome(res, gr);
        int warning = gr->spec->warning;
        failures += o == FA_CI_FAILED && !warning;
        errors += o == FA_CI_ERROR && !warning;
        skipped += o == FA_CI_SKIPPED || (o == FA_CI_ERROR && warning);
    }
    char counts[160];
    snprintf(counts, sizeof counts,
             "tests=\"%zu\" failures=\"%zu\" errors=\"%zu\" skipped=\"%zu\" time=\"0\"",
             res->n_gates, failures, errors, skipped);
    fputs("<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n", f);
    fprintf(f, "<testsuites name=\"fairaudit\" %s>\n", counts);
    fprintf(f, "  <testsuite name=\"fairaudit\" %s>\n", counts);
    fputs("    <properties>\n", f);
    static const char *const IN = "      ";
    char buf[48];
    property(f, IN, "fairaudit_version", FA_VERSION);
    if (res->input_path) {
        property(f, IN, "input", res->input_path);
    }
    snprintf(buf, sizeof buf, "%llu", (unsigned long long)res->rows);
    property(f, IN, "rows", buf);
    snprintf(buf, sizeof buf, "%ld", res->min_group_size);
    property(f, IN, "min_group_size", buf);
    property(f, IN, "verdict", fa_ci__verdict(res->verdict));
    snprintf(buf, sizeof buf, "%d", fa_result_exit_status(res));
    property(f, IN, "exit_status", buf);
    fputs("    </properties>\n", f);
    for (size_t i = 0; i < res->n_gates; i++) {
        if (testcase(f, res, &res->gates[i]) != FA_OK) {
            return fa_error_set(err, FA_ENOMEM, NULL, 0, 0, "out of memory");
        }
    }
    fputs("  </testsuite>\n</testsuites>\n", f);
    if (ferror(f)) {
        return fa_error_set(err, FA_EIO, NULL, 0, 0, "cannot write the JUnit report");
    }
    return FA_OK;
}

int fa_result_write_junit(const fa_result *res, const char *path, fa_error *err)
{
    fa_atomic_file af;
    int st = fa_atomic_open(&af, path, err);
    if (st != FA_OK) {
        return st;
    }
    st = fa_result_write_junit_stream(res, af.f, err);
    if (st != FA_OK) {
        fa_atomic_abort(&af);
        return st == FA_EIO ? fa_error_set(err, st, path, 0, 0, "cannot write the JUnit report")
                            : st;
    }
    return fa_atomic_commit(&af, err);
}
