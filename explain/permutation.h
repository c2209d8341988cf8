/*
 * explain/permutation.h - permutation importance (public API in fairaudit.h): the entry point
 * with the memory budget of the threads' row windows as a parameter, so that tests can force
 * the row-block path on small data and check it gives the same bits as the whole-matrix path.
 */
#ifndef FA_EXPLAIN_PERMUTATION_H
#define FA_EXPLAIN_PERMUTATION_H

#include <stddef.h>
#include <stdint.h>

#include "include/fairaudit.h"

/*
 * fa_permutation_importance with the per-run budget of the threads' copies of the matrix:
 * when every thread's copy of the whole (subsampled) matrix fits in window_bytes, each thread
 * copies it once and swaps columns in and out; otherwise each thread predicts blocks of rows
 * that fit. The result does not depend on window_bytes.
 */
int fa_permutation__run(fa_permutation_result **out, const fa_model *m, const double x[],
                        size_t n_rows, const double y[], const int32_t group[],
                        const fa_permutation_options *opts, size_t window_bytes, fa_error *err);

#endif
