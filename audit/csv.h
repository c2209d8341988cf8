/* audit/csv.h - internals of the CSV reader shared with audit/input.c (parallel reading). */
#ifndef FA_AUDIT_CSV_H
#define FA_AUDIT_CSV_H

#include <stdint.h>

#include "include/fairaudit.h"

/* Byte offset of the first data record: just past the header row (valid after create). */
uint64_t fa_csv__data_offset(const fa_csv_reader *r);

/*
 * A reader over bytes [start, end) of the same file as `header_from`, with its columns and
 * options: start must be a record boundary (a line start outside quotes); no header is read.
 * Lines are counted from 1 at start, so its locations are relative: callers use range
 * readers only where a fault sends them back to the whole-file reader.
 */
int fa_csv__reader_create_range(fa_csv_reader **out, const fa_csv_reader *header_from,
                                uint64_t start, uint64_t end, fa_error *err);

/* 1 when the reader has met a quote character (so a line end may have been inside quotes). */
int fa_csv__saw_quote(const fa_csv_reader *r);

#endif
