/* common/fileio.h - atomic output files and whole-file reads. */
#ifndef FA_COMMON_FILEIO_H
#define FA_COMMON_FILEIO_H

#include <stddef.h>
#include <stdio.h>

#include "include/fairaudit.h"

/*
 * An output file written under a temporary name in the target's directory and renamed over
 * the target only when complete, so a failed run never truncates or half-writes it.
 */
typedef struct fa_atomic_file {
    FILE *f;
    char *path; /* the target */
    char *tmp;  /* the temporary name */
} fa_atomic_file;

/*
 * The temporary name of path's atomic write in process pid: "<path>.tmp.<pid>". A program
 * that wants no temporary file left when a signal kills it computes these names up front and
 * unlinks them in its handler (unlink is async-signal-safe; see audit/main.c). Returns the
 * length snprintf would write.
 */
size_t fa_atomic_temp_name(char *buf, size_t size, const char *path, long pid);

/* Creates the temporary file (O_EXCL); af->f is ready for writing. */
int fa_atomic_open(fa_atomic_file *af, const char *path, fa_error *err);

/* Flushes, fsyncs, closes and renames over the target; on failure removes the temporary. */
int fa_atomic_commit(fa_atomic_file *af, fa_error *err);

/* Closes and removes the temporary file. NULL-safe and safe after commit. */
void fa_atomic_abort(fa_atomic_file *af);

/* Writes len bytes to path atomically. */
int fa_atomic_write(const char *path, const void *data, size_t len, fa_error *err);

/*
 * Reads a whole file into a NUL-terminated buffer (caller frees); refuses files larger than
 * max_bytes with FA_EINVAL.
 */
int fa_read_file(char **out, size_t *len, const char *path, size_t max_bytes, fa_error *err);

#endif
