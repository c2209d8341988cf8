/*
 * tests/fuzz/fuzz_result.c - libFuzzer target: the JSON result reader (reports/json_read.c).
 * Whatever it accepts, every renderer must render without fault, and the JSON written from it
 * must read back and be written again to the same bytes (write(read(x)) is a fixed point).
 * With FA_FUZZ_PDF set, the PDF report is rendered too (slower). Seeds: tests/fuzz/seeds/result
 * (JSON results of the loans fixture and the Shapley fixture).
 */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "include/fairaudit.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static void render(const fa_result *res, int (*fn)(const fa_result *, FILE *, fa_error *))
{
    char *buf = NULL;
    size_t n = 0;
    FILE *f = open_memstream(&buf, &n);
    if (f == NULL) {
        return;
    }
    fa_error err;
    (void)fn(res, f, &err);
    fclose(f);
    free(buf);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    fa_error err;
    fa_result *res;
    if (fa_result_parse_json(&res, (const char *)data, size, "fuzz.json", &err) != FA_OK) {
        return 0;
    }
    render(res, fa_result_write_text);
    render(res, fa_result_write_markdown_stream);
    render(res, fa_result_write_junit_stream);
    render(res, fa_result_write_sarif_stream);
    render(res, fa_result_write_annotations);
    if (getenv("FA_FUZZ_PDF") != NULL) {
        unsigned char *pdf = NULL;
        size_t n = 0;
        fa_pdf_options po = FA_PDF_OPTIONS_INIT;
        po.creation_time = 0;
        (void)fa_report_pdf_render(&pdf, &n, res, &po, &err);
        free(pdf);
    }
    char *a = NULL, *b = NULL;
    fa_result *back = NULL;
    if (fa_result_to_json_string(&a, res, &err) == FA_OK) {
        if (fa_result_parse_json(&back, a, strlen(a), "fuzz-again.json", &err) != FA_OK) {
            fprintf(stderr, "the reader refused what the writer wrote: %s: %s\n", err.json_path,
                    err.message);
            abort();
        }
        if (fa_result_to_json_string(&b, back, &err) == FA_OK && strcmp(a, b) != 0) {
            fprintf(stderr, "write(read(write(read(x)))) differs from write(read(x))\n");
            abort();
        }
    }
    free(a);
    free(b);
    fa_result_free(back);
    fa_result_free(res);
    return 0;
}
