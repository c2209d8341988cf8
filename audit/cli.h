/* audit/cli.h - the command-line tool: subcommands and the helpers they share. */
#ifndef FA_AUDIT_CLI_H
#define FA_AUDIT_CLI_H

#include <stdio.h>

#include "include/fairaudit.h"

/* Exit statuses of DESIGN.md. */
enum {
    FA_EXIT_PASS = 0,
    FA_EXIT_GATE_FAILED = 1,
    FA_EXIT_USAGE = 2,
    FA_EXIT_INTERNAL = 3,
    FA_EXIT_INCONCLUSIVE = 4
};

/* Each subcommand: argv[0] is the subcommand's name. Returns the exit status. */
int fa_cmd_audit(int argc, char **argv);
int fa_cmd_metrics(int argc, char **argv);
int fa_cmd_policy(int argc, char **argv);
int fa_cmd_demo(int argc, char **argv);
int fa_cmd_explain(int argc, char **argv);
int fa_cmd_report(int argc, char **argv);
/* `explain --method tree|linear|exact` (audit/cmd_shap.c). */
int fa_cmd_explain_shap(int argc, char **argv);

/*
 * 0 when no output path names the same file as an input path (same device and inode, so
 * "./a.csv" and "a.csv" or a hard link count); otherwise prints "OUT: error: ..." and returns
 * FA_EXIT_USAGE. NULL entries are skipped; paths that do not exist yet cannot clash.
 */
int fa_cli_refuse_overwriting_inputs(const char *const outs[], size_t n_outs,
                                     const char *const ins[], size_t n_ins);

/* Parses --max-memory SIZE ("4G", "512M", bytes) into *out; otherwise prints the usage error
 * and returns its exit status (FA_EXIT_USAGE). 0 on success. */
int fa_cli_parse_max_memory(const char *arg, size_t *out);

/* The --max-memory line of every command's --help. */
#define FA_CLI_MAX_MEMORY_HELP                                                                     \
    "  --max-memory SIZE        the most memory an in-memory table (feature matrix) may take,\n"   \
    "                           e.g. 512M, 8G (default 4G); past it: exit 2 with the reason\n"

/* Prints "fairaudit: <message>" and "Try 'fairaudit --help'." on stderr; returns 2. */
int fa_cli_usage_error(const char *fmt, ...)
#if defined(__GNUC__)
    __attribute__((format(printf, 1, 2)))
#endif
    ;

/* Prints the error record as one line on stderr; returns the exit status it maps to. */
int fa_cli_report_error(const fa_error *err);

/* The log callback of the CLI: warnings to stderr, one line each. */
void fa_cli_log(fa_log_level level, const char *msg, void *payload);

/* The exit-status table shared by every --help. */
void fa_cli_print_exit_codes(FILE *f);

#endif
