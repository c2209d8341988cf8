/*
 * explain/permutation.h - permutation importance (public API in fairaudit.h): the entry point
 * with the memory budgets of the threads' row windows and of the index of the rows' leaves
 * as parameters, so that tests can force the row-block path on small data, and the full
 * prediction of every repeat for an XGBoost model, and check that every path gives the same
 * bits.
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
 * that fit. For an XGBoost model whose index of the rows (fa_xgboost__index_bytes: about 2
 * bytes per row and tree and a copy of the matrix) fits leaf_bytes, no window is used and a
 * repeat re-walks only the rows and trees the shuffled columns can change
 * (fa_xgboost__delta_predict); leaf_bytes = 0 predicts every repeat in full. The result does
 * not depend on window_bytes or leaf_bytes.
 */
int fa_permutation__run(fa_permutation_result **out, const fa_model *m, const double x[],
                        size_t n_rows, const double y[], const int32_t group[],
                        const fa_permutation_options *opts, size_t window_bytes, size_t leaf_bytes,
                        fa_error *err);

#endif
