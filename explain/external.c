/*
 * explain/external.c - a model answered by an external command, for models fairaudit cannot
 * read (a Python pipeline, an R model, a service client). The protocol (docs/models.md):
 *
 *   fairaudit -> child, per batch:  the CSV header line of the feature names,
 *                                   one CSV line per row ("%.17g", a missing value empty;
 *                                   with a single feature a missing value is written "").
 *                                   an empty line: the end of the batch
 *   child -> fairaudit:             exactly one line per row, each one number: the probability
 *                                   of class 1 for a logistic link, the output otherwise
 *
 * The command is started once (fork + execvp, no shell) and kept for every batch. It may
 * answer while it reads: the batch is written through a non-blocking pipe and the answer
 * read as it comes, both under one poll(), so a batch larger than the pipe buffers never
 * deadlocks. The timeout counts from the last byte written or read: a child that makes no
 * progress for timeout_ms is killed (SIGKILL) and reaped. A child that exits, answers a line
 * that is not a number (or a probability outside [0, 1]), or too few or too many lines makes
 * the batch fail with FA_EIO or FA_EPARSE and a message naming the command; the model then
 * stays failed (its child is stopped) and later batches fail at once.
 *
 * SIGPIPE: a write to a pipe whose reader has gone raises SIGPIPE, which by default kills
 * the process. The library must not change process-wide signal handling, so during a batch
 * the writing thread blocks SIGPIPE (pthread_sigmask); a write then fails with EPIPE, and a
 * SIGPIPE left pending by it is consumed with sigtimedwait before the thread's mask is
 * restored (one already pending before the batch is left alone).
 *
 * The child inherits stderr (its diagnostics reach the user) and gets an empty signal mask
 * and the default SIGPIPE action. Every pipe end is close-on-exec, so children of several
 * external models never hold each other's pipes open.
 */
#include "explain/model.h"

#include <errno.h>
#include <fcntl.h>
#include <math.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/types.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "common/alloc.h"
#include "common/error.h"
#include "common/text.h"

/* Bytes of rows formatted ahead of the pipe. */
#define WCHUNK ((size_t)1 << 16)
/* Longest answer line accepted. */
#define MAX_LINE ((size_t)1 << 16)
/* Longest wait for a child to exit by itself (after it closed its output, or at free). */
#define EXIT_GRACE_MS 2000L
/* Characters of the command line kept for messages. */
#define CMD_SHOWN 120

typedef struct ext {
    pid_t pid;      /* -1 once reaped */
    int to_child;   /* our end of its stdin, -1 when closed */
    int from_child; /* our end of its stdout, -1 when closed */
    long timeout_ms;
    fa_link link;
    char cmd[CMD_SHOWN + 8];
    char *header; /* CSV header line, with its '\n' */
    size_t header_len;
    char *wbuf; /* rows formatted for the pipe */
    size_t wcap;
    char *rbuf; /* answer bytes not yet parsed (a partial line) */
    size_t rlen, rcap;
    size_t last_rows; /* rows of the previous batch, for messages */
    int failed;
    char why[FA_ERROR_MSG_MAX];
} ext;

/* What a batch is doing: the bytes being written and the answers read so far. */
typedef struct batch {
    const double *x;
    size_t n_rows, n_cols;
    double *out;
    size_t row;      /* next row to format */
    int phase;       /* 0 header, 1 rows, 2 terminator, 3 all written */
    const char *src; /* bytes being written */
    size_t src_len, src_pos;
    size_t got; /* answers parsed */
} batch;

static long long now_ms(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (long long)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

static void close_fd(int *fd)
{
    if (*fd >= 0) {
        close(*fd);
        *fd = -1;
    }
}

/* Reaps the child, waiting at most grace_ms for it to exit by itself, then killing it. */
static int reap(ext *e, long grace_ms, int *status)
{
    *status = 0;
    if (e->pid <= 0) {
        return 0;
    }
    long long end = now_ms() + grace_ms;
    for (;;) {
        pid_t r = waitpid(e->pid, status, WNOHANG);
        if (r == e->pid || (r < 0 && errno != EINTR)) {
            e->pid = -1;
            return r > 0;
        }
        if (r == 0 && now_ms() >= end) {
            break;
        }
        struct timespec ts = {0, 2000000};
        nanosleep(&ts, NULL);
    }
    kill(e->pid, SIGKILL);
    pid_t r;
    while ((r = waitpid(e->pid, status, 0)) < 0 && errno == EINTR) {
    }
    e->pid = -1;
    return r > 0 ? -1 : 0;
}

/* Stops the child now: closes the pipes, kills it and reaps it. */
static void stop(ext *e)
{
    close_fd(&e->to_child);
    close_fd(&e->from_child);
    if (e->pid > 0) {
        int status;
        kill(e->pid, SIGKILL);
        while (waitpid(e->pid, &status, 0) < 0 && errno == EINTR) {
        }
        e->pid = -1;
    }
}

static void ext_free(void *payload)
{
    ext *e = payload;
    if (e == NULL) {
        return;
    }
    /* end of input asks a well-behaved child to exit; one that does not is killed */
    close_fd(&e->to_child);
    close_fd(&e->from_child);
    int status;
    reap(e, e->timeout_ms < EXIT_GRACE_MS ? e->timeout_ms : EXIT_GRACE_MS, &status);
    free(e->header);
    free(e->wbuf);
    free(e->rbuf);
    free(e);
}

/* ------------------------------------------------------------ the batch */

/* "exited with status 3", "was killed by signal 9" or "closed its output". */
static void describe_end(char *buf, size_t size, int reaped, int status)
{
    if (reaped > 0 && WIFEXITED(status)) {
        snprintf(buf, size, "exited with status %d", WEXITSTATUS(status));
    } else if (reaped > 0 && WIFSIGNALED(status)) {
        snprintf(buf, size, "was killed by signal %d", WTERMSIG(status));
    } else {
        snprintf(buf, size, "closed its output (killed)");
    }
}

/* The child closed its output: reap it and say how it ended. */
static int child_ended(ext *e, const batch *b, fa_error *err)
{
    int status;
    close_fd(&e->to_child);
    close_fd(&e->from_child);
    int reaped = reap(e, e->timeout_ms < EXIT_GRACE_MS ? e->timeout_ms : EXIT_GRACE_MS, &status);
    char how[64];
    describe_end(how, sizeof how, reaped, status);
    return fa_error_set(err, FA_EIO, NULL, 0, 0,
                        "external model '%s': %s after answering %zu lines for a batch of %zu "
                        "rows",
                        e->cmd, how, b->got, b->n_rows);
}

/* Formats rows into wbuf until it is nearly full; returns the bytes written. */
static size_t format_rows(ext *e, batch *b)
{
    size_t o = 0;
    /* one value needs at most 24 characters ("-1.2345678901234567e-308") and a comma */
    size_t row_max = b->n_cols * 26 + 4;
    while (b->row < b->n_rows && (o == 0 || o + row_max <= e->wcap)) {
        const double *r = b->x + b->row * b->n_cols;
        for (size_t j = 0; j < b->n_cols; j++) {
            if (j > 0) {
                e->wbuf[o++] = ',';
            }
            if (!isnan(r[j])) {
                o += (size_t)snprintf(e->wbuf + o, e->wcap - o, "%.17g", r[j]);
            } else if (b->n_cols == 1) {
                /* an empty line would end the batch: write the empty field quoted */
                e->wbuf[o++] = '"';
                e->wbuf[o++] = '"';
            }
        }
        e->wbuf[o++] = '\n';
        b->row++;
    }
    return o;
}

/* Points b->src at the next bytes to write; phase 3 when everything is written. */
static void next_chunk(ext *e, batch *b)
{
    while (b->phase < 3 && b->src_pos == b->src_len) {
        b->src_pos = 0;
        if (b->phase == 0) {
            b->src = e->header;
            b->src_len = e->header_len;
            b->phase = 1;
        } else if (b->phase == 1 && b->row < b->n_rows) {
            b->src = e->wbuf;
            b->src_len = format_rows(e, b);
        } else if (b->phase == 1) {
            b->src = "\n";
            b->src_len = 1;
            b->phase = 2;
        } else {
            b->src_len = 0;
            b->phase = 3;
        }
    }
}

/* Parses the complete lines in rbuf into answers; keeps a partial last line. */
static int parse_lines(ext *e, batch *b, fa_error *err)
{
    size_t start = 0;
    for (;;) {
        char *nl = memchr(e->rbuf + start, '\n', e->rlen - start);
        if (nl == NULL) {
            break;
        }
        size_t len = (size_t)(nl - (e->rbuf + start));
        const char *line = e->rbuf + start;
        if (len > 0 && line[len - 1] == '\r') {
            len--;
        }
        if (b->got == b->n_rows) {
            return fa_error_set(err, FA_EPARSE, NULL, 0, 0,
                                "external model '%s': answered more than %zu lines for a batch "
                                "of %zu rows",
                                e->cmd, b->n_rows, b->n_rows);
        }
        double v;
        int ok = fa_parse_double(line, len, &v) == 0;
        if (!ok || (e->link == FA_LINK_LOGISTIC && !(v >= 0.0 && v <= 1.0))) {
            char q[128];
            fa_error_quote(q, sizeof q, line, len);
            return fa_error_set(err, FA_EPARSE, NULL, 0, 0,
                                "external model '%s': answer line %zu of a batch of %zu rows: "
                                "expected %s, got %s",
                                e->cmd, b->got + 1, b->n_rows,
                                ok ? "a probability from 0 to 1" : "a number", q);
        }
        b->out[b->got++] = v;
        start += (size_t)(nl - (e->rbuf + start)) + 1;
    }
    memmove(e->rbuf, e->rbuf + start, e->rlen - start);
    e->rlen -= start;
    if (e->rlen > MAX_LINE) {
        char q[128];
        fa_error_quote(q, sizeof q, e->rbuf, e->rlen);
        return fa_error_set(err, FA_EPARSE, NULL, 0, 0,
                            "external model '%s': answer line %zu of a batch of %zu rows is "
                            "longer than %zu bytes: %s",
                            e->cmd, b->got + 1, b->n_rows, MAX_LINE, q);
    }
    return FA_OK;
}

/* Reads what the child wrote; *progress = 1 when bytes came. */
static int read_some(ext *e, batch *b, int *progress, fa_error *err)
{
    if (e->rcap - e->rlen < 4096) {
        void *p = e->rbuf;
        if (fa_grow(&p, &e->rcap, e->rlen + 8192, 1) != 0) {
            return fa_error_set(err, FA_ENOMEM, NULL, 0, 0, "out of memory");
        }
        e->rbuf = p;
    }
    ssize_t n = read(e->from_child, e->rbuf + e->rlen, e->rcap - e->rlen);
    if (n > 0) {
        *progress = 1;
        e->rlen += (size_t)n;
        return parse_lines(e, b, err);
    }
    if (n == 0) {
        return child_ended(e, b, err);
    }
    if (errno == EAGAIN || errno == EWOULDBLOCK || errno == EINTR) {
        return FA_OK;
    }
    return fa_error_set(err, FA_EIO, NULL, 0, 0, "external model '%s': reading its answer: %s",
                        e->cmd, strerror(errno));
}

/* Writes the next bytes of the batch; a child that closed its input stops the writing. */
static int write_some(ext *e, batch *b, int *progress, fa_error *err)
{
    ssize_t n = write(e->to_child, b->src + b->src_pos, b->src_len - b->src_pos);
    if (n > 0) {
        *progress = 1;
        b->src_pos += (size_t)n;
        next_chunk(e, b);
        return FA_OK;
    }
    if (n < 0 && errno == EPIPE) {
        /* it stopped reading: what it says (or its exit) decides the error */
        close_fd(&e->to_child);
        b->phase = 3;
        return FA_OK;
    }
    if (n < 0 && (errno == EAGAIN || errno == EWOULDBLOCK || errno == EINTR)) {
        return FA_OK;
    }
    return fa_error_set(err, FA_EIO, NULL, 0, 0, "external model '%s': writing a batch: %s", e->cmd,
                        n < 0 ? strerror(errno) : "no progress");
}

/*
 * Before a batch after the first: bytes the child wrote since the last batch are lines
 * beyond that batch's rows. (An exit is left to the batch, whose message names its rows.)
 */
static int check_quiet(ext *e, fa_error *err)
{
    struct pollfd p = {e->from_child, POLLIN, 0};
    char c;
    if (e->last_rows == 0 || poll(&p, 1, 0) <= 0 || read(e->from_child, &c, 1) != 1) {
        return FA_OK;
    }
    return fa_error_set(err, FA_EPARSE, NULL, 0, 0,
                        "external model '%s': answered more than %zu lines for a batch of %zu "
                        "rows",
                        e->cmd, e->last_rows, e->last_rows);
}

static int run_batch(ext *e, batch *b, fa_error *err)
{
    int st = check_quiet(e, err);
    if (st != FA_OK) {
        return st;
    }
    next_chunk(e, b);
    long long deadline = now_ms() + e->timeout_ms;
    while (st == FA_OK && (b->got < b->n_rows || b->phase < 3)) {
        struct pollfd p[2] = {{e->from_child, POLLIN, 0}, {e->to_child, POLLOUT, 0}};
        nfds_t nfds = b->phase < 3 ? 2 : 1;
        long long wait = deadline - now_ms();
        int r = wait > 0 ? poll(p, nfds, (int)(wait < 1000000 ? wait : 1000000)) : 0;
        if (r < 0 && errno == EINTR) {
            continue;
        }
        if (r < 0) {
            return fa_error_set(err, FA_EIO, NULL, 0, 0, "external model '%s': poll: %s", e->cmd,
                                strerror(errno));
        }
        if (r == 0 && now_ms() >= deadline) {
            stop(e);
            return fa_error_set(err, FA_EIO, NULL, 0, 0,
                                "external model '%s': no answer within %ld ms (answered %zu "
                                "lines for a batch of %zu rows); killed it",
                                e->cmd, e->timeout_ms, b->got, b->n_rows);
        }
        int progress = 0;
        if (nfds == 2 && (p[1].revents & (POLLOUT | POLLERR | POLLHUP))) {
            st = write_some(e, b, &progress, err);
        }
        if (st == FA_OK && (p[0].revents & (POLLIN | POLLERR | POLLHUP))) {
            st = read_some(e, b, &progress, err);
        }
        if (progress) {
            deadline = now_ms() + e->timeout_ms;
        }
    }
    if (st == FA_OK && e->rlen > 0) {
        st = fa_error_set(err, FA_EPARSE, NULL, 0, 0,
                          "external model '%s': answered more than %zu lines for a batch of %zu "
                          "rows",
                          e->cmd, b->n_rows, b->n_rows);
    }
    return st;
}

static int ext_predict(double out[], const double x[], size_t n_rows, size_t n_cols, fa_error *err,
                       void *payload)
{
    ext *e = payload;
    if (e->failed) {
        return fa_error_set(err, FA_EIO, NULL, 0, 0, "%s (the command was stopped)", e->why);
    }
    fa_error local;
    fa_error_clear(&local);
    batch b = {x, n_rows, n_cols, out, 0, 0, NULL, 0, 0, 0};

    sigset_t pipe_set, old, pending;
    sigemptyset(&pipe_set);
    sigaddset(&pipe_set, SIGPIPE);
    pthread_sigmask(SIG_BLOCK, &pipe_set, &old);
    int was_pending = sigpending(&pending) == 0 && sigismember(&pending, SIGPIPE) == 1;
    int st = run_batch(e, &b, &local);
    if (!was_pending && sigpending(&pending) == 0 && sigismember(&pending, SIGPIPE) == 1) {
        struct timespec zero = {0, 0};
        while (sigtimedwait(&pipe_set, NULL, &zero) < 0 && errno == EINTR) {
        }
    }
    pthread_sigmask(SIG_SETMASK, &old, NULL);

    e->last_rows = n_rows;
    if (st != FA_OK) {
        stop(e);
        e->failed = 1;
        snprintf(e->why, sizeof e->why, "%s", local.message);
        if (err != NULL) {
            *err = local;
        }
    }
    return st;
}

static const fa_model_vtable EXTERNAL_VT = {"external", ext_predict, ext_free,
                                            FA_OUTPUT_PROBABILITY, 0};

/* ------------------------------------------------------------ starting the child */

/* The command line for messages: argv joined by spaces, cut after CMD_SHOWN characters. */
static void show_command(char *buf, size_t size, const char *const argv[])
{
    size_t o = 0;
    buf[0] = '\0';
    for (size_t i = 0; argv[i] != NULL && o < CMD_SHOWN; i++) {
        o += (size_t)snprintf(buf + o, size - o, "%s%s", i ? " " : "", argv[i]);
    }
    if (o >= CMD_SHOWN) {
        snprintf(buf + CMD_SHOWN, size - CMD_SHOWN, "...");
    }
}

/* One CSV field, quoted when it holds a comma, a quote, a line break, or is empty. */
static size_t csv_field(char *dst, const char *s)
{
    size_t o = 0, n = strlen(s);
    int quote = n == 0 || strpbrk(s, ",\"\r\n") != NULL;
    if (quote) {
        dst[o++] = '"';
    }
    for (size_t i = 0; i < n; i++) {
        if (s[i] == '"') {
            dst[o++] = '"';
        }
        dst[o++] = s[i];
    }
    if (quote) {
        dst[o++] = '"';
    }
    return o;
}

static int make_header(ext *e, const char *const names[], size_t n)
{
    size_t cap = 1;
    for (size_t j = 0; j < n; j++) {
        size_t l = strlen(names[j]);
        if (l > (SIZE_MAX - cap) / 2 - 3) {
            return FA_ENOMEM;
        }
        cap += 2 * l + 3; /* every character doubled, two quotes, a comma */
    }
    e->header = malloc(cap + 1);
    if (e->header == NULL) {
        return FA_ENOMEM;
    }
    size_t o = 0;
    for (size_t j = 0; j < n; j++) {
        if (j > 0) {
            e->header[o++] = ',';
        }
        o += csv_field(e->header + o, names[j]);
    }
    e->header[o++] = '\n';
    e->header[o] = '\0';
    e->header_len = o;
    return FA_OK;
}

/* pipe() with both ends close-on-exec and above stderr (so dup2 onto 0 and 1 is safe). */
static int cloexec_pipe(int fd[2])
{
    if (pipe(fd) != 0) {
        return -1;
    }
    for (int k = 0; k < 2; k++) {
        if (fd[k] <= 2) {
            int moved = fcntl(fd[k], F_DUPFD_CLOEXEC, 3);
            close(fd[k]);
            fd[k] = moved;
        } else if (fcntl(fd[k], F_SETFD, FD_CLOEXEC) != 0) {
            close(fd[k]);
            fd[k] = -1;
        }
    }
    if (fd[0] < 0 || fd[1] < 0) {
        close_fd(&fd[0]);
        close_fd(&fd[1]);
        return -1;
    }
    return 0;
}

/* In the child, between fork and exec: async-signal-safe calls only. */
static void exec_child(char *const av[], int in, int out, int report)
{
    sigset_t none;
    sigemptyset(&none);
    sigprocmask(SIG_SETMASK, &none, NULL);
    signal(SIGPIPE, SIG_DFL);
    if (dup2(in, 0) >= 0 && dup2(out, 1) >= 0) {
        execvp(av[0], av);
    }
    int e = errno;
    ssize_t w = write(report, &e, sizeof e);
    (void)w;
    _exit(127);
}

/* Starts the child; FA_EIO naming the command when it cannot be run. */
static int spawn(ext *e, const char *const argv[], fa_error *err)
{
    size_t argc = 0;
    while (argv[argc] != NULL) {
        argc++;
    }
    char **av = fa_calloc_array(argc + 1, sizeof *av);
    if (av == NULL) {
        return fa_error_set(err, FA_ENOMEM, NULL, 0, 0, "out of memory");
    }
    for (size_t i = 0; i < argc; i++) {
        av[i] = (char *)(uintptr_t)argv[i]; /* execvp's prototype predates const */
    }
    int in[2] = {-1, -1}, out[2] = {-1, -1}, rep[2] = {-1, -1};
    if (cloexec_pipe(in) != 0 || cloexec_pipe(out) != 0 || cloexec_pipe(rep) != 0) {
        int en = errno;
        int *fds[6] = {&in[0], &in[1], &out[0], &out[1], &rep[0], &rep[1]};
        for (int k = 0; k < 6; k++) {
            close_fd(fds[k]);
        }
        free(av);
        return fa_error_set(err, FA_EIO, NULL, 0, 0, "external model '%s': pipe: %s", e->cmd,
                            strerror(en));
    }
    pid_t pid = fork();
    if (pid == 0) {
        exec_child(av, in[0], out[1], rep[1]);
    }
    int fork_errno = errno;
    free(av);
    close_fd(&in[0]);
    close_fd(&out[1]);
    close_fd(&rep[1]);
    e->to_child = in[1];
    e->from_child = out[0];
    e->pid = pid;
    if (pid < 0) {
        close_fd(&rep[0]);
        return fa_error_set(err, FA_EIO, NULL, 0, 0, "external model '%s': fork: %s", e->cmd,
                            strerror(fork_errno));
    }
    /* the report pipe closes on a successful exec, or carries exec's errno */
    int child_errno = 0;
    ssize_t n;
    while ((n = read(rep[0], &child_errno, sizeof child_errno)) < 0 && errno == EINTR) {
    }
    close_fd(&rep[0]);
    if (n == (ssize_t)sizeof child_errno) {
        stop(e);
        return fa_error_set(err, FA_EIO, NULL, 0, 0, "external model '%s': cannot run '%s': %s",
                            e->cmd, argv[0], strerror(child_errno));
    }
    if (fcntl(e->to_child, F_SETFL, fcntl(e->to_child, F_GETFL) | O_NONBLOCK) != 0 ||
        fcntl(e->from_child, F_SETFL, fcntl(e->from_child, F_GETFL) | O_NONBLOCK) != 0) {
        int en = errno;
        stop(e);
        return fa_error_set(err, FA_EIO, NULL, 0, 0, "external model '%s': fcntl: %s", e->cmd,
                            strerror(en));
    }
    return FA_OK;
}

/* ------------------------------------------------------------ public API */

int fa_model_create_external(fa_model **out, const char *const argv[],
                             const char *const feature_names[], size_t n_features, fa_link link,
                             long timeout_ms, fa_error *err)
{
    *out = NULL;
    if (argv == NULL || argv[0] == NULL || argv[0][0] == '\0' || feature_names == NULL ||
        n_features == 0 || timeout_ms <= 0 ||
        (link != FA_LINK_IDENTITY && link != FA_LINK_LOGISTIC)) {
        return fa_error_set(err, FA_EINVAL, NULL, 0, 0,
                            "external model: a command, at least one feature name, a link and "
                            "a positive timeout are needed");
    }
    for (size_t j = 0; j < n_features; j++) {
        if (feature_names[j] == NULL) {
            return fa_error_set(err, FA_EINVAL, NULL, 0, 0,
                                "external model: feature name %zu is missing", j);
        }
    }
    fa_model *m = fa_model__new(&EXTERNAL_VT, link);
    ext *e = calloc(1, sizeof *e);
    if (m == NULL || e == NULL) {
        free(m);
        free(e);
        return fa_error_set(err, FA_ENOMEM, NULL, 0, 0, "out of memory");
    }
    e->pid = -1;
    e->to_child = e->from_child = -1;
    e->timeout_ms = timeout_ms;
    e->link = link;
    show_command(e->cmd, sizeof e->cmd, argv);
    m->payload = e;
    e->wcap = n_features * 26 + 8 > WCHUNK ? n_features * 26 + 8 : WCHUNK;
    e->wbuf = n_features < SIZE_MAX / 32 ? malloc(e->wcap) : NULL;
    int st = fa_model__set_names(m, feature_names, n_features, NULL, err);
    if (st == FA_OK && (e->wbuf == NULL || make_header(e, feature_names, n_features) != FA_OK)) {
        st = fa_error_set(err, FA_ENOMEM, NULL, 0, 0, "out of memory");
    }
    if (st == FA_OK) {
        st = spawn(e, argv, err);
    }
    if (st != FA_OK) {
        fa_model_free(m);
        return st;
    }
    *out = m;
    return FA_OK;
}
