/*
 * audit/cmd_report.c - `fairaudit report AUDIT.json [outputs]`: renders a saved result again
 * (JSON, Markdown, JUnit, SARIF, annotations, the text summary) from the JSON alone, without
 * the data: the result is read back by fa_result_load_json (reports/json_read.c). The exit
 * status is the saved audit's, as `audit` gave it, so CI can gate on a stored result too.
 */
#include <errno.h>
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "audit/cli.h"

typedef struct report_args {
    const char *input;
    const char *json_path, *junit_path, *sarif_path, *markdown_path;
    const char *pdf_path; /* --pdf (reports/pdf.c) */
    fa_pdf_options pdf;
    int annotations;
    int quiet;
} report_args;

static void help(FILE *f)
{
    fputs("Usage: fairaudit report AUDIT.json [--json OUT.json] [--markdown OUT.md]\n"
          "                        [--junit OUT.xml] [--sarif OUT.sarif]\n"
          "                        [--annotations github] [--quiet]\n"
          "                        [--pdf OUT.pdf [--paper a4|letter] [--title TEXT]]\n\n"
          "Renders a saved audit result (written by 'fairaudit audit --json') again, from the\n"
          "JSON alone: no data, no recomputation. Writing --json gives the same bytes as the\n"
          "input. A result from a newer fairaudit, or another major version, is refused.\n"
          "Score statistics come back as their saved metrics, bins and sweeps.\n\n"
          "Options:\n"
          "  --json OUT.json        the result as JSON again (atomically)\n"
          "  --markdown OUT.md      a Markdown summary\n"
          "  --junit OUT.xml        JUnit XML: a testcase per gate\n"
          "  --sarif OUT.sarif      SARIF 2.1.0: a result per failed or inconclusive gate\n"
          "  --annotations github   ::error/::warning lines on stderr per failing gate\n"
          "  --pdf OUT.pdf          the audit report for people (as 'audit --pdf'; dated by\n"
          "                         $SOURCE_DATE_EPOCH when set: same bytes)\n"
          "  --paper a4|letter      paper size of the PDF (default a4)\n"
          "  --title TEXT           title of the PDF (default: the policy's title)\n"
          "  --quiet                no summary on stdout\n"
          "  --help                 this text\n\n"
          "The exit status is the saved audit's (a bad or unreadable AUDIT.json is 2).\n",
          f);
    fa_cli_print_exit_codes(f);
}

enum {
    OPT_JSON = 256,
    OPT_JUNIT,
    OPT_SARIF,
    OPT_MARKDOWN,
    OPT_ANNOTATIONS,
    OPT_QUIET,
    OPT_PDF,
    OPT_PAPER,
    OPT_TITLE,
    OPT_HELP
};

static const struct option OPTIONS[] = {{"json", required_argument, NULL, OPT_JSON},
                                        {"junit", required_argument, NULL, OPT_JUNIT},
                                        {"sarif", required_argument, NULL, OPT_SARIF},
                                        {"markdown", required_argument, NULL, OPT_MARKDOWN},
                                        {"annotations", required_argument, NULL, OPT_ANNOTATIONS},
                                        {"quiet", no_argument, NULL, OPT_QUIET},
                                        {"pdf", required_argument, NULL, OPT_PDF},
                                        {"paper", required_argument, NULL, OPT_PAPER},
                                        {"title", required_argument, NULL, OPT_TITLE},
                                        {"help", no_argument, NULL, OPT_HELP},
                                        {NULL, 0, NULL, 0}};

/* Returns -1 to go on, else the exit status. */
static int parse(report_args *a, int argc, char **argv)
{
    opterr = 0;
    optind = 1;
    int c;
    while ((c = getopt_long(argc, argv, ":h", OPTIONS, NULL)) != -1) {
        switch (c) {
        case OPT_JSON:
            a->json_path = optarg;
            break;
        case OPT_JUNIT:
            a->junit_path = optarg;
            break;
        case OPT_SARIF:
            a->sarif_path = optarg;
            break;
        case OPT_MARKDOWN:
            a->markdown_path = optarg;
            break;
        case OPT_ANNOTATIONS:
            if (strcmp(optarg, "github") != 0) {
                return fa_cli_usage_error("report: --annotations takes 'github', got '%s'", optarg);
            }
            a->annotations = 1;
            break;
        case OPT_QUIET:
            a->quiet = 1;
            break;
        case OPT_PDF:
            a->pdf_path = optarg;
            break;
        case OPT_PAPER:
            if (strcmp(optarg, "a4") != 0 && strcmp(optarg, "letter") != 0) {
                return fa_cli_usage_error("report: --paper takes 'a4' or 'letter', got '%s'",
                                          optarg);
            }
            a->pdf.paper = strcmp(optarg, "letter") == 0 ? FA_PAPER_LETTER : FA_PAPER_A4;
            break;
        case OPT_TITLE:
            a->pdf.title = optarg;
            break;
        case 'h':
        case OPT_HELP:
            help(stdout);
            return 0;
        case ':':
            return fa_cli_usage_error("report: option '%s' needs a value", argv[optind - 1]);
        default:
            return fa_cli_usage_error("report: unknown option '%s'", argv[optind - 1]);
        }
    }
    if (optind >= argc) {
        return fa_cli_usage_error("report: missing AUDIT.json");
    }
    a->input = argv[optind++];
    if (optind < argc) {
        return fa_cli_usage_error("report: unexpected argument '%s'", argv[optind]);
    }
    return -1;
}

static int render(const fa_result *res, const report_args *a, fa_error *err)
{
    int st = FA_OK;
    if (a->json_path) {
        st = fa_result_write_json(res, a->json_path, err);
    }
    if (st == FA_OK && a->junit_path) {
        st = fa_result_write_junit(res, a->junit_path, err);
    }
    if (st == FA_OK && a->sarif_path) {
        st = fa_result_write_sarif(res, a->sarif_path, err);
    }
    if (st == FA_OK && a->markdown_path) {
        st = fa_result_write_markdown(res, a->markdown_path, err);
    }
    if (st == FA_OK && a->pdf_path) {
        st = fa_report_pdf_write(res, &a->pdf, a->pdf_path, err);
    }
    if (st == FA_OK && a->annotations) {
        st = fa_result_write_annotations(res, stderr, err);
    }
    if (st == FA_OK && !a->quiet) {
        st = fa_result_write_text(res, stdout, err);
    }
    return st;
}

int fa_cmd_report(int argc, char **argv)
{
    report_args a;
    memset(&a, 0, sizeof a);
    fa_pdf_options pdf = FA_PDF_OPTIONS_INIT;
    a.pdf = pdf;
    int status = parse(&a, argc, argv);
    if (status >= 0) {
        return status;
    }
    const char *outs[] = {a.json_path, a.junit_path, a.sarif_path, a.markdown_path, a.pdf_path};
    const char *ins[] = {a.input};
    if (fa_cli_refuse_overwriting_inputs(outs, sizeof outs / sizeof outs[0], ins, 1) != 0) {
        return FA_EXIT_USAGE;
    }
    fa_error err;
    fa_error_clear(&err);
    fa_result *res = NULL;
    if (fa_result_load_json(&res, a.input, &err) != FA_OK || render(res, &a, &err) != FA_OK) {
        status = fa_cli_report_error(&err);
    } else {
        status = fa_result_exit_status(res);
    }
    fa_result_free(res);
    return status;
}
