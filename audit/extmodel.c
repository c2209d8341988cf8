/*
 * audit/extmodel.c - an external model named on the command line as "cmd:PROGRAM ARG...".
 * The words are split on spaces (no shell, no quoting: wrap anything fancier in a script);
 * the model's features are the data columns other than the label and group columns, in the
 * file's order, and the command answers probabilities (docs/models.md, "External models").
 */
#include "audit/extmodel.h"

#include <stdlib.h>
#include <string.h>

#include "common/alloc.h"
#include "common/error.h"

#define MAX_WORDS 64

int fa_extmodel_from_spec(fa_model **out, const char *spec, const fa_table *t,
                          const char *const exclude[], size_t n_exclude, fa_error *err)
{
    *out = NULL;
    if (strncmp(spec, "cmd:", 4) != 0) {
        return FA_OK;
    }
    char *copy = fa_strdup(spec + 4);
    size_t nc = fa_table_n_cols(t);
    const char **names = fa_calloc_array(nc, sizeof *names);
    if (copy == NULL || names == NULL) {
        free(copy);
        free(names);
        return fa_error_set(err, FA_ENOMEM, NULL, 0, 0, "out of memory");
    }
    const char *argv[MAX_WORDS + 1];
    size_t n = 0;
    for (char *save = NULL, *w = strtok_r(copy, " ", &save); w && n < MAX_WORDS;
         w = strtok_r(NULL, " ", &save)) {
        argv[n++] = w;
    }
    argv[n] = NULL;
    size_t nf = 0;
    for (size_t j = 0; j < nc; j++) {
        const char *name = fa_table_column_name(t, j);
        int skip = 0;
        for (size_t k = 0; k < n_exclude && !skip; k++) {
            skip = exclude[k] && strcmp(exclude[k], name) == 0;
        }
        if (!skip) {
            names[nf++] = name;
        }
    }
    int st = n == 0    ? fa_error_set(err, FA_EINVAL, NULL, 0, 0,
                                      "--model cmd: expected a command after 'cmd:'")
             : nf == 0 ? fa_error_set(err, FA_EINVAL, NULL, 0, 0,
                                      "--model cmd: the data has no feature columns")
                       : fa_model_create_external(out, argv, names, nf, FA_LINK_LOGISTIC,
                                                  FA_EXTERNAL_TIMEOUT_MS, err);
    free(copy);
    free(names);
    return st;
}
