/*
 * common/fileio.c - atomic output and whole-file input.
 *
 * Atomic write: a temporary file beside the target (same file system, so rename is atomic),
 * named <target>.tmp.<process id> so that a signal handler of the program can remove it
 * (fa_atomic_temp_name), then write, fflush, fsync, close, rename. A reader of the target sees the
 * old file or the new one, never a prefix, and a failed or interrupted run leaves the old file in
 * place.
 */
#define _POSIX_C_SOURCE 200809L
#include "common/fileio.h"

#include <errno.h>
#include <fcntl.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "common/alloc.h"
#include "common/error.h"

size_t fa_atomic_temp_name(char *buf, size_t size, const char *path, long pid)
{
    int n = snprintf(buf, size, "%s.tmp.%ld", path, pid);
    return n < 0 ? 0 : (size_t)n;
}

int fa_atomic_open(fa_atomic_file *af, const char *path, fa_error *err)
{
    af->f = NULL;
    af->path = fa_strdup(path);
    size_t n = strlen(path) + 32;
    af->tmp = fa_alloc_array(n, 1);
    if (af->path == NULL || af->tmp == NULL) {
        fa_atomic_abort(af);
        return fa_error_set(err, FA_ENOMEM, path, 0, 0, "out of memory");
    }
    fa_atomic_temp_name(af->tmp, n, path, (long)getpid());
    /* O_EXCL: never follows a symbolic link planted under the name; a stale file of an
     * earlier process with the same id is removed once */
    int fd = open(af->tmp, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0644);
    if (fd < 0 && errno == EEXIST && unlink(af->tmp) == 0) {
        fd = open(af->tmp, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0644);
    }
    if (fd < 0) {
        int e = errno;
        free(af->tmp);
        af->tmp = NULL;
        fa_atomic_abort(af);
        return fa_error_set(err, FA_EIO, path, 0, 0, "cannot create output file: %s", strerror(e));
    }
    (void)fchmod(fd, 0644);
    af->f = fdopen(fd, "wb");
    if (af->f == NULL) {
        int e = errno;
        close(fd);
        fa_atomic_abort(af);
        return fa_error_set(err, FA_EIO, path, 0, 0, "cannot open output file: %s", strerror(e));
    }
    return FA_OK;
}

int fa_atomic_commit(fa_atomic_file *af, fa_error *err)
{
    int bad = ferror(af->f) || fflush(af->f) != 0 || fsync(fileno(af->f)) != 0;
    int e = errno;
    if (fclose(af->f) != 0) {
        bad = 1;
        e = errno;
    }
    af->f = NULL;
    if (!bad && rename(af->tmp, af->path) != 0) {
        bad = 1;
        e = errno;
    }
    if (bad) {
        int st =
            fa_error_set(err, FA_EIO, af->path, 0, 0, "cannot write output file: %s", strerror(e));
        fa_atomic_abort(af);
        return st;
    }
    free(af->tmp);
    free(af->path);
    af->tmp = NULL;
    af->path = NULL;
    return FA_OK;
}

void fa_atomic_abort(fa_atomic_file *af)
{
    if (af == NULL) {
        return;
    }
    if (af->f) {
        fclose(af->f);
        af->f = NULL;
    }
    if (af->tmp) {
        unlink(af->tmp);
        free(af->tmp);
        af->tmp = NULL;
    }
    free(af->path);
    af->path = NULL;
}

int fa_atomic_write(const char *path, const void *data, size_t len, fa_error *err)
{
    fa_atomic_file af;
    int st = fa_atomic_open(&af, path, err);
    if (st != FA_OK) {
        return st;
    }
    if (len && fwrite(data, 1, len, af.f) != len) {
        int e = errno;
        fa_atomic_abort(&af);
        return fa_error_set(err, FA_EIO, path, 0, 0, "cannot write output file: %s", strerror(e));
    }
    return fa_atomic_commit(&af, err);
}

int fa_read_file(char **out, size_t *len, const char *path, size_t max_bytes, fa_error *err)
{
    *out = NULL;
    *len = 0;
    FILE *f = fopen(path, "rb");
    if (f == NULL) {
        return fa_error_set(err, FA_EIO, path, 0, 0, "cannot open file: %s", strerror(errno));
    }
    size_t cap = 4096, n = 0;
    char *buf = malloc(cap);
    if (buf == NULL) {
        fclose(f);
        return fa_error_set(err, FA_ENOMEM, path, 0, 0, "out of memory");
    }
    for (;;) {
        if (n + 1 >= cap) {
            if (cap > max_bytes + 1) {
                free(buf);
                fclose(f);
                return fa_error_set(err, FA_EINVAL, path, 0, 0, "file is larger than %zu bytes",
                                    max_bytes);
            }
            void *p = buf;
            if (fa_grow(&p, &cap, cap * 2, 1) != 0) {
                free(buf);
                fclose(f);
                return fa_error_set(err, FA_ENOMEM, path, 0, 0, "out of memory");
            }
            buf = p;
        }
        size_t got = fread(buf + n, 1, cap - 1 - n, f);
        n += got;
        if (got == 0) {
            break;
        }
    }
    int bad = ferror(f);
    fclose(f);
    if (bad) {
        free(buf);
        return fa_error_set(err, FA_EIO, path, 0, 0, "cannot read file");
    }
    if (n > max_bytes) {
        free(buf);
        return fa_error_set(err, FA_EINVAL, path, 0, 0, "file is larger than %zu bytes", max_bytes);
    }
    buf[n] = '\0';
    *out = buf;
    *len = n;
    return FA_OK;
}
