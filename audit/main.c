/*
 * audit/main.c - the fairaudit command: dispatches to one subcommand per audit/cmd_<name>.c.
 * Thin on purpose: parsing and printing live in the subcommands, the work in the library.
 */
#include <signal.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <gsl/gsl_errno.h>

#include "audit/cli.h"
#include "common/fileio.h"
#include "common/text.h"

typedef struct command {
    const char *name;
    int (*run)(int argc, char **argv);
    const char *summary;
} command;

static const command COMMANDS[] = {
    {"audit", fa_cmd_audit, "audit a prediction file: group metrics, disparities, gates"},
    {"explain", fa_cmd_explain, "feature attributions: permutation importance"},
    {"metrics", fa_cmd_metrics, "list every metric with its definition and undefined cases"},
    {"policy", fa_cmd_policy, "check a policy file, or write a starter policy"},
    {"report", fa_cmd_report, "render a saved audit result (JSON) again, without the data"},
    {"demo", fa_cmd_demo, "the whole audit on the bundled fixture data"},
};
#define N_COMMANDS (sizeof COMMANDS / sizeof COMMANDS[0])

void fa_cli_print_exit_codes(FILE *f)
{
    fputs("Exit status:\n"
          "  0  the audit ran and every gate passed (or there are no gates)\n"
          "  1  the audit ran and a gate failed\n"
          "  2  bad usage or bad input (nothing is written)\n"
          "  3  internal error\n"
          "  4  the audit ran but a gate could not be decided (undefined metric or groups\n"
          "     below min_group_size); a policy may map it to 0 or 1 with \"inconclusive\"\n",
          f);
}

static void help(FILE *f)
{
    fputs("Usage: fairaudit COMMAND [OPTIONS]\n"
          "       fairaudit --help | --version\n\n"
          "Fairness audit of a model's predictions: per-group rates, disparities, gates.\n\n"
          "Commands:\n",
          f);
    for (size_t i = 0; i < N_COMMANDS; i++) {
        fprintf(f, "  %-8s %s\n", COMMANDS[i].name, COMMANDS[i].summary);
    }
    fputs("\n'fairaudit COMMAND --help' describes a command's options.\n\n", f);
    fa_cli_print_exit_codes(f);
}

int fa_cli_usage_error(const char *fmt, ...)
{
    va_list ap;
    fputs("fairaudit: ", stderr);
    va_start(ap, fmt);
    vfprintf(stderr, fmt, ap);
    va_end(ap);
    fputs("\nTry 'fairaudit --help'.\n", stderr);
    return FA_EXIT_USAGE;
}

int fa_cli_refuse_overwriting_inputs(const char *const outs[], size_t n_outs,
                                     const char *const ins[], size_t n_ins)
{
    for (size_t i = 0; i < n_outs; i++) {
        struct stat so, si;
        if (outs[i] == NULL || stat(outs[i], &so) != 0) {
            continue;
        }
        for (size_t k = 0; k < n_ins; k++) {
            if (ins[k] != NULL && stat(ins[k], &si) == 0 && si.st_dev == so.st_dev &&
                si.st_ino == so.st_ino) {
                fprintf(stderr,
                        "%s: error: this output is also an input (%s); refusing to "
                        "overwrite it\n",
                        outs[i], ins[k]);
                return FA_EXIT_USAGE;
            }
        }
    }
    return 0;
}

int fa_cli_parse_max_memory(const char *arg, size_t *out)
{
    if (fa_parse_bytes(arg, out) != 0) {
        return fa_cli_usage_error("--max-memory: expected a size such as 512M or 8G, got '%s'",
                                  arg);
    }
    return 0;
}

int fa_cli_report_error(const fa_error *err)
{
    char buf[FA_ERROR_MSG_MAX + 2 * FA_ERROR_PATH_MAX + 64];
    fa_error_format(buf, sizeof buf, err);
    fprintf(stderr, "%s\n", buf);
    if (err->status == FA_EINTERNAL || err->status == FA_ENOMEM) {
        return FA_EXIT_INTERNAL;
    }
    return FA_EXIT_USAGE;
}

void fa_cli_log(fa_log_level level, const char *msg, void *payload)
{
    (void)level;
    (void)payload;
    fprintf(stderr, "%s\n", msg);
}

/*
 * Ctrl-C (SIGINT), SIGTERM and SIGHUP while an output is being written must leave no file
 * behind: outputs go to "<target>.tmp.<pid>" first (common/fileio.c) and are renamed when
 * complete, so the handler removes every such name this process could have made - one per
 * command-line argument that could be an output path - and dies of the signal as it would
 * have. The names are computed before any work starts; the handler only calls unlink, signal
 * and raise, which are async-signal-safe. This is the program's only global state (the
 * library has none).
 */
static char **g_temp_names;
static size_t g_n_temp_names;

static void on_fatal_signal(int sig)
{
    for (size_t i = 0; i < g_n_temp_names; i++) {
        (void)unlink(g_temp_names[i]);
    }
    signal(sig, SIG_DFL);
    raise(sig);
}

static void install_signal_cleanup(int argc, char **argv)
{
    g_temp_names = calloc((size_t)argc, sizeof *g_temp_names);
    if (g_temp_names == NULL) {
        return;
    }
    long pid = (long)getpid();
    for (int i = 1; i < argc; i++) {
        const char *path = argv[i];
        const char *eq = path[0] == '-' ? strchr(path, '=') : NULL;
        if (path[0] == '-' && eq == NULL) {
            continue;
        }
        path = eq ? eq + 1 : path;
        size_t n = strlen(path) + 32; /* ".tmp." and a process id */
        char *name = malloc(n);
        if (name != NULL) {
            fa_atomic_temp_name(name, n, path, pid);
            g_temp_names[g_n_temp_names++] = name;
        }
    }
    static const int SIGNALS[] = {SIGINT, SIGTERM, SIGHUP};
    for (size_t i = 0; i < sizeof SIGNALS / sizeof SIGNALS[0]; i++) {
        struct sigaction old, sa;
        memset(&sa, 0, sizeof sa);
        sa.sa_handler = on_fatal_signal;
        sigemptyset(&sa.sa_mask);
        /* a signal the parent chose to ignore (nohup, a background job) stays ignored */
        if (sigaction(SIGNALS[i], NULL, &old) == 0 && old.sa_handler != SIG_IGN) {
            sigaction(SIGNALS[i], &sa, NULL);
        }
    }
}

int main(int argc, char **argv)
{
    /* GSL's default handler aborts; the library checks statuses itself */
    gsl_set_error_handler_off();
    install_signal_cleanup(argc, argv);
    if (argc < 2) {
        return fa_cli_usage_error("missing command");
    }
    if (strcmp(argv[1], "--help") == 0 || strcmp(argv[1], "-h") == 0 ||
        strcmp(argv[1], "help") == 0) {
        help(stdout);
        return 0;
    }
    if (strcmp(argv[1], "--version") == 0) {
        printf("fairaudit %s\n", FA_VERSION);
        return 0;
    }
    for (size_t i = 0; i < N_COMMANDS; i++) {
        if (strcmp(argv[1], COMMANDS[i].name) == 0) {
            return COMMANDS[i].run(argc - 1, argv + 1);
        }
    }
    return fa_cli_usage_error("unknown command '%s'", argv[1]);
}
