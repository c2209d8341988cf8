/*
 * reports/markdown.c - what a CI job shows people: a GitHub-flavoured Markdown summary (for
 * $GITHUB_STEP_SUMMARY, a GitLab job artefact or a pull-request comment) and GitHub workflow
 * commands ("::error title=...::message") that put the failing gates on the run's page.
 *
 * The summary: the verdict as a word (PASSED, FAILED, INCONCLUSIVE; no emoji), the count of
 * gates by outcome, a table of gates (gate, attribute, value, bound, outcome, reason) and, per
 * attribute, a table of the key rates per group with the ratio of the selection rate to the
 * reference. Numbers are rounded to 4 significant digits (6 in annotations) and printed by
 * fa_format_double; undefined values print as "-".
 *
 * Escaping. Names come from the data and the policy and may hold anything. In Markdown every
 * character that could start markup is backslash-escaped (\ ` * [ ] < > | ~ $, '_' unless
 * between letters or digits, ':' unless followed by a space, so ":tada:" is no emoji), '&'
 * becomes &amp;, a line break becomes <br> (a table row is one line) and other control
 * characters the text \xNN. Workflow commands follow GitHub's toolkit (escapeData,
 * escapeProperty): '%' CR LF as %25 %0D %0A, and in properties also ':' ',' as %3A %2C.
 */
#include "reports/ci.h"

#include <ctype.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "common/error.h"
#include "common/fileio.h"
#include "common/text.h"
#include "metrics/summary.h"
#include "reports/result.h"

#define MD_DIGITS 4
#define ANNOTATION_DIGITS 6

/* Writes s as Markdown inline text that renders as the characters themselves. */
static void md(FILE *f, const char *s)
{
    const unsigned char *p = (const unsigned char *)(s ? s : "");
    for (size_t i = 0; p[i]; i++) {
        unsigned char c = p[i];
        if (c == '\r' || c == '\n') {
            fputs("<br>", f);
            i += c == '\r' && p[i + 1] == '\n';
        } else if (c < 0x20 || c == 0x7F) {
            fprintf(f, "\\x%02X", c);
        } else if (c == '&') {
            fputs("&amp;", f);
        } else if (strchr("\\`*[]<>|~$", c) != NULL ||
                   (c == '_' && !(i > 0 && isalnum(p[i - 1]) && isalnum(p[i + 1]))) ||
                   (c == ':' && p[i + 1] != ' ' && p[i + 1] != '\0')) {
            fputc('\\', f);
            fputc(c, f);
        } else {
            fputc(c, f);
        }
    }
}

/* A number rounded for reading, or "-" when undefined. */
static void md_num(FILE *f, double v)
{
    char buf[48];
    fa_ci__num(buf, sizeof buf, v, MD_DIGITS);
    fputs(isnan(v) ? "-" : buf, f);
}

static const char *status_word(fa_verdict v)
{
    return v == FA_VERDICT_PASSED ? "PASSED" : v == FA_VERDICT_FAILED ? "FAILED" : "INCONCLUSIVE";
}

/* The outcome cell: "passed", "**failed**", "failed (warning)", "inconclusive (...)". */
static const char *outcome_word(const fa_result *res, const fa_gate_result *gr)
{
    switch (fa_ci__outcome(res, gr)) {
    case FA_CI_PASSED:
        return "passed";
    case FA_CI_FAILED:
        return gr->spec->warning ? "failed (warning only)" : "**failed**";
    case FA_CI_ERROR:
        return "inconclusive (undefined)";
    default:
        return "inconclusive (insufficient data)";
    }
}

static void verdict_lines(FILE *f, const fa_result *res)
{
    size_t n[4] = {0, 0, 0, 0}, warned = 0;
    for (size_t i = 0; i < res->n_gates; i++) {
        const fa_gate_result *gr = &res->gates[i];
        fa_ci_outcome o = fa_ci__outcome(res, gr);
        warned += o == FA_CI_FAILED && gr->spec->warning;
        n[o == FA_CI_SKIPPED ? FA_CI_ERROR : o] += !(o == FA_CI_FAILED && gr->spec->warning);
    }
    const char *word = res->n_gates ? status_word(res->verdict) : "PASSED";
    fprintf(f, "## fairaudit: %s\n\n", word);
    fprintf(f, "**%s** (exit status %d)", word, fa_result_exit_status(res));
    if (res->verdict == FA_VERDICT_INCONCLUSIVE && res->inconclusive != FA_INCONCLUSIVE_KEEP) {
        fprintf(f, ", counted as %s by the policy",
                res->inconclusive == FA_INCONCLUSIVE_PASS ? "a pass" : "a failure");
    }
    if (res->n_gates == 0) {
        fputs(": the policy has no gates.", f);
    } else {
        fprintf(f, ": %zu gate result%s, %zu passed, %zu failed, %zu inconclusive", res->n_gates,
                res->n_gates == 1 ? "" : "s", n[FA_CI_PASSED], n[FA_CI_FAILED], n[FA_CI_ERROR]);
        if (warned) {
            fprintf(f, ", %zu failed with severity warning (not failing the audit)", warned);
        }
        fputc('.', f);
    }
    fputs(" Input ", f);
    md(f, res->input_path ? res->input_path : "(unnamed)");
    fprintf(f, ", %llu rows; groups with fewer than %ld rows are left out of the disparities.\n",
            (unsigned long long)res->rows, res->min_group_size);
}

static void gate_table(FILE *f, const fa_result *res)
{
    if (res->n_gates == 0) {
        return;
    }
    fputs("\n### Gates\n\n| gate | attribute | value | bound | outcome | reason |\n"
          "| --- | --- | ---: | --- | --- | --- |\n",
          f);
    for (size_t i = 0; i < res->n_gates; i++) {
        const fa_gate_result *gr = &res->gates[i];
        const fa_gate_spec *s = gr->spec;
        fputs("| ", f);
        md(f, s->name);
        fputs(" | ", f);
        md(f, gr->attribute);
        fputs(" | ", f);
        md_num(f, gr->value);
        if (fa_ci__value_is_bound(res, gr) && !isnan(gr->value)) {
            fputs(s->use == FA_USE_UPPER_CI ? " (upper CI)" : " (lower CI)", f);
        }
        fputs(" | ", f);
        if (s->has_min && s->has_max) {
            md_num(f, s->min);
            fputs(" to ", f);
            md_num(f, s->max);
        } else {
            fputs(s->has_min ? ">= " : "<= ", f);
            md_num(f, s->has_min ? s->min : s->max);
        }
        fprintf(f, " | %s | ", outcome_word(res, gr));
        md(f, gr->reason);
        fputs(" |\n", f);
    }
}

static const fa_metric KEY[] = {FA_METRIC_SELECTION_RATE, FA_METRIC_TRUE_POSITIVE_RATE,
                                FA_METRIC_FALSE_POSITIVE_RATE, FA_METRIC_POSITIVE_PREDICTIVE_VALUE,
                                FA_METRIC_ACCURACY};
#define N_KEY (sizeof KEY / sizeof KEY[0])

static void attr_table(FILE *f, const fa_result *res, const fa_attr_result *at)
{
    fputs("\n### ", f);
    md(f, at->name);
    fputs("\n\nReference group: ", f);
    md(f, at->reference >= 0 ? at->groups[at->reference].value : "none");
    if (at->reference >= 0 && at->reference_source) {
        fprintf(f, " (%s)", at->reference_source);
    }
    fputs(".\n\n", f);
    if (res->has_pred) {
        fputs("| group | n | selection rate | TPR | FPR | PPV | accuracy | selection rate ratio "
              "| flags |\n| --- | ---: | ---: | ---: | ---: | ---: | ---: | ---: | --- |\n",
              f);
    } else {
        fputs("| group | n | share | base rate | base rate ratio | flags |\n"
              "| --- | ---: | ---: | ---: | ---: | --- |\n",
              f);
    }
    for (size_t g = 0; g < at->n_groups; g++) {
        const fa_group_result *gr = &at->groups[g];
        fputs("| ", f);
        md(f, gr->value);
        fprintf(f, " | %llu", (unsigned long long)gr->counts.rows);
        if (res->has_pred) {
            for (size_t k = 0; k < N_KEY; k++) {
                fputs(" | ", f);
                md_num(f, gr->metrics[KEY[k]]);
            }
            fputs(" | ", f);
            md_num(f, gr->ratio[FA_METRIC_SELECTION_RATE]);
        } else {
            fputs(" | ", f);
            md_num(f, gr->metrics[FA_METRIC_SHARE]);
            fputs(" | ", f);
            md_num(f, gr->metrics[FA_METRIC_BASE_RATE]);
            fputs(" | ", f);
            md_num(f, gr->ratio[FA_METRIC_BASE_RATE]);
        }
        fprintf(f, " | %s%s%s |\n", gr->is_reference ? "reference" : "",
                gr->is_reference && gr->small ? ", " : "", gr->small ? "below min_group_size" : "");
    }
    if (!res->has_pred) {
        return;
    }
    static const int SHOWN[] = {FA_SUMMARY_DEMOGRAPHIC_PARITY_DIFFERENCE,
                                FA_SUMMARY_DEMOGRAPHIC_PARITY_RATIO,
                                FA_SUMMARY_EQUALIZED_ODDS_DIFFERENCE};
    fputs("\nSummaries:", f);
    for (size_t k = 0; k < sizeof SHOWN / sizeof SHOWN[0]; k++) {
        fprintf(f, " %s ", fa_summary_name(SHOWN[k]));
        md_num(f, at->summary[SHOWN[k]]);
        fputs(k + 1 < sizeof SHOWN / sizeof SHOWN[0] ? "," : ".\n", f);
    }
}

int fa_result_write_markdown_stream(const fa_result *res, FILE *f, fa_error *err)
{
    verdict_lines(f, res);
    gate_table(f, res);
    for (size_t a = 0; a < res->n_attrs; a++) {
        attr_table(f, res, &res->attrs[a]);
    }
    fputs("\n'-' undefined; ratios are against the reference group.\n", f);
    if (ferror(f)) {
        return fa_error_set(err, FA_EIO, NULL, 0, 0, "cannot write the Markdown summary");
    }
    return FA_OK;
}

int fa_result_write_markdown(const fa_result *res, const char *path, fa_error *err)
{
    fa_atomic_file af;
    int st = fa_atomic_open(&af, path, err);
    if (st != FA_OK) {
        return st;
    }
    st = fa_result_write_markdown_stream(res, af.f, err);
    if (st != FA_OK) {
        fa_atomic_abort(&af);
        return st == FA_EIO ? fa_error_set(err, st, path, 0, 0, "cannot write the Markdown summary")
                            : st;
    }
    return fa_atomic_commit(&af, err);
}

/* Writes s escaped as GitHub's toolkit does: escapeProperty (property 1) or escapeData. */
static void workflow(FILE *f, const char *s, int property)
{
    for (const char *p = s ? s : ""; *p; p++) {
        switch (*p) {
        case '%':
            fputs("%25", f);
            break;
        case '\r':
            fputs("%0D", f);
            break;
        case '\n':
            fputs("%0A", f);
            break;
        case ':':
            fputs(property ? "%3A" : ":", f);
            break;
        case ',':
            fputs(property ? "%2C" : ",", f);
            break;
        default:
            fputc(*p, f);
        }
    }
}

int fa_result_write_annotations(const fa_result *res, FILE *f, fa_error *err)
{
    for (size_t i = 0; i < res->n_gates; i++) {
        const fa_gate_result *gr = &res->gates[i];
        const fa_gate_spec *s = gr->spec;
        fa_ci_outcome o = fa_ci__outcome(res, gr);
        if (o == FA_CI_PASSED) {
            continue;
        }
        fa_ci_str t = {0};
        fa_ci__cat(&t, "fairaudit: %s [%s] %s%s", s->name, gr->attribute,
                   fa_ci__verdict(gr->verdict), s->warning ? " (warning severity)" : "");
        size_t title_len = t.len;
        fa_ci__cat(&t, "%s (", gr->reason ? gr->reason : fa_ci__verdict(gr->verdict));
        fa_ci__details(&t, res, gr, ANNOTATION_DIGITS);
        fa_ci__cat(&t, ")");
        if (t.oom) {
            free(t.s);
            return fa_error_set(err, FA_ENOMEM, NULL, 0, 0, "out of memory");
        }
        fputs(o == FA_CI_FAILED && !s->warning ? "::error title=" : "::warning title=", f);
        char *message = t.s + title_len;
        char first = *message;
        *message = '\0';
        workflow(f, t.s, 1);
        *message = first;
        fputs("::", f);
        workflow(f, message, 0);
        fputc('\n', f);
        free(t.s);
    }
    if (ferror(f)) {
        return fa_error_set(err, FA_EIO, NULL, 0, 0, "cannot write the annotations");
    }
    return FA_OK;
}
