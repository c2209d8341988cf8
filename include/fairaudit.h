/*
 * fairaudit.h - the public API of libfairaudit.
 *
 * A fairness audit of a model's prediction file: per-group confusion counts (mergeable
 * sufficient statistics), every rate of METRICS.md per group and overall, disparities against
 * a reference group, between groups and to the overall population, named summaries
 * (fairlearn and AIF360 names), gates from a policy, and the result serialised as JSON.
 *
 * Conventions (see STYLE.md):
 * - every fallible function returns FA_OK (0) or a negative FA_E* status and fills the
 *   caller's fa_error (which may be NULL);
 * - constructors write *out and leave it NULL on failure; every _create has a NULL-safe _free;
 * - an undefined value (a zero denominator) is NAN with a reason string, never 0;
 * - the library never prints and never exits; warnings go to an optional callback.
 */
#ifndef FAIRAUDIT_H
#define FAIRAUDIT_H

#include <math.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

#ifdef __cplusplus
extern "C" {
#endif

#define FA_VERSION "0.1.0"

/* ---------------------------------------------------------------- errors */

/** Status codes. FA_OK is 0; failures are negative. */
typedef enum fa_status {
    FA_OK = 0,
    FA_ENOMEM = -1,   /* out of memory, or a size that overflows */
    FA_EIO = -2,      /* a file could not be opened, read or written */
    FA_EPARSE = -3,   /* malformed input: CSV, JSON, numbers */
    FA_EINVAL = -4,   /* a valid file that does not fit the request (unknown column, ...) */
    FA_EDOMAIN = -5,  /* a value outside its domain (label not in two classes, ...) */
    FA_EINTERNAL = -6 /* a bug: an invariant that should hold did not */
} fa_status;

#define FA_ERROR_PATH_MAX 512
#define FA_ERROR_MSG_MAX 640

/**
 * The caller's error record: fixed size, never allocating. `line` and `column` are 1-based
 * and 0 when not applicable; `json_path` is empty unless the error is inside a JSON document.
 */
typedef struct fa_error {
    int status;
    char path[FA_ERROR_PATH_MAX];
    uint64_t line;
    uint64_t column;
    char json_path[FA_ERROR_PATH_MAX];
    char message[FA_ERROR_MSG_MAX];
} fa_error;

/** Resets an error record to "no error". NULL-safe. */
void fa_error_clear(fa_error *err);

/**
 * Formats the record compiler-style into buf (always NUL-terminated when size > 0):
 * "path:line:column: error: message", "path: error: json.path: message", or
 * "error: message" when no location is known. Returns the length snprintf would write.
 */
int fa_error_format(char *buf, size_t size, const fa_error *err);

/** A short lower-case name of a status ("out of memory", "parse error", ...). */
const char *fa_status_name(int status);

/** Severity of a message delivered to a caller's log callback. */
typedef enum fa_log_level { FA_LOG_INFO = 0, FA_LOG_WARNING = 1 } fa_log_level;

/**
 * A caller's callback for warnings (a group column with one value, skipped rows, ...).
 * `msg` is one line without a trailing newline, borrowed for the call only.
 */
typedef void (*fa_log_fn)(fa_log_level level, const char *msg, void *payload);

/* ------------------------------------------------------------- CSV input */

/** Options of the streaming CSV reader. Initialise with FA_CSV_OPTIONS_INIT. */
typedef struct fa_csv_options {
    char delimiter;        /* field separator, ',' by default */
    size_t max_line_bytes; /* longest record accepted, bytes (0 = 64 MiB) */
    size_t max_memory;     /* fa_table_load_csv: the most bytes a table (and one matrix copy
                              of it) may take; 0 = FA_DEFAULT_MAX_MEMORY */
} fa_csv_options;

/** The default memory limit of in-memory tables (feature matrices): 4 GiB. */
#define FA_DEFAULT_MAX_MEMORY ((size_t)4 << 30)

#define FA_CSV_OPTIONS_INIT                                                                        \
    {                                                                                              \
        ',', 0, 0                                                                                  \
    }

/** A streaming RFC 4180 reader: one record at a time, memory bounded by the longest record. */
typedef struct fa_csv_reader fa_csv_reader;

/**
 * Opens `path` and reads its header row. Accepts quoted fields with doubled quotes, embedded
 * delimiters and newlines, LF or CRLF line ends, and a UTF-8 byte-order mark. Fails with
 * FA_EIO (cannot open), FA_EPARSE (empty file, malformed header, duplicate column names).
 * Caller frees with fa_csv_reader_free.
 */
int fa_csv_reader_create(fa_csv_reader **out, const char *path, const fa_csv_options *opts,
                         fa_error *err);

/** Closes the file and frees the reader. NULL-safe. */
void fa_csv_reader_free(fa_csv_reader *r);

/** Number of header columns. */
size_t fa_csv_n_columns(const fa_csv_reader *r);

/** Name of header column i (borrowed until the reader is freed). */
const char *fa_csv_column_name(const fa_csv_reader *r, size_t i);

/** Index of the header column named `name`, or -1 when there is none. */
long fa_csv_column_index(const fa_csv_reader *r, const char *name);

/** One field of the current record: bytes (not NUL-terminated) borrowed until the next read. */
typedef struct fa_field {
    const char *data;
    size_t len;
} fa_field;

/**
 * Reads the next record. On success returns 1 and sets *fields to n_columns fields (quotes
 * removed, doubled quotes undone), or returns 0 at end of file. A record with another number
 * of fields, an unclosed quote, or a record longer than max_line_bytes fails with FA_EPARSE
 * and a file:line:column location. Blank lines are skipped.
 */
int fa_csv_next(fa_csv_reader *r, const fa_field **fields, fa_error *err);

/** Line (1-based, physical) on which the current record starts. */
uint64_t fa_csv_record_line(const fa_csv_reader *r);

/**
 * Line (1-based, physical) on which field i of the current record starts: the record's line,
 * or a later one after a line break inside an earlier quoted field.
 */
uint64_t fa_csv_field_line(const fa_csv_reader *r, size_t i);

/** Column (1-based, bytes, within fa_csv_field_line) at which field i starts. */
uint64_t fa_csv_field_column(const fa_csv_reader *r, size_t i);

/** Number of bytes consumed so far (for progress and throughput). */
uint64_t fa_csv_bytes_read(const fa_csv_reader *r);

/** The path the reader was opened on (borrowed). */
const char *fa_csv_path(const fa_csv_reader *r);

/** True (1) when the value is one of the missing-value spellings: "", NA, NaN, null, N/A. */
int fa_value_is_missing(const char *s, size_t len);

/* ---------------------------------------------------------------- metrics */

/**
 * Weighted confusion counts of one group: the sufficient statistics of every count-based
 * metric. They add up across shards (fa_counts_add). `rows` counts rows whatever their
 * weight; `score_sum` / `score_weight` give the mean score when a score column is audited.
 */
typedef struct fa_counts {
    double tp, fp, tn, fn;
    double score_sum, score_weight;
    uint64_t rows;
} fa_counts;

/** dst += src, field by field. */
void fa_counts_add(fa_counts *dst, const fa_counts *src);

/** Adds one row: label and prediction in {0,1}, weight >= 0, score ignored when NAN. */
void fa_counts_add_row(fa_counts *c, int label, int pred, double weight, double score);

/** Every per-group metric of METRICS.md, in the order the JSON result lists them. */
typedef enum fa_metric {
    FA_METRIC_COUNT = 0,
    FA_METRIC_SHARE,
    FA_METRIC_BASE_RATE,
    FA_METRIC_SELECTION_RATE,
    FA_METRIC_PREDICTED_POSITIVE_SHARE,
    FA_METRIC_TRUE_POSITIVE_RATE,
    FA_METRIC_FALSE_NEGATIVE_RATE,
    FA_METRIC_FALSE_POSITIVE_RATE,
    FA_METRIC_TRUE_NEGATIVE_RATE,
    FA_METRIC_POSITIVE_PREDICTIVE_VALUE,
    FA_METRIC_FALSE_DISCOVERY_RATE,
    FA_METRIC_NEGATIVE_PREDICTIVE_VALUE,
    FA_METRIC_FALSE_OMISSION_RATE,
    FA_METRIC_ACCURACY,
    FA_METRIC_ERROR_RATE,
    FA_METRIC_BALANCED_ACCURACY,
    FA_METRIC_F1,
    FA_METRIC_TREATMENT_EQUALITY,
    FA_METRIC_MEAN_SCORE,
    FA_METRIC_COUNT_ALL /* number of metrics, not a metric */
} fa_metric;

/** snake_case name of a metric ("true_positive_rate"); NULL when out of range. */
const char *fa_metric_name(fa_metric m);

/**
 * Looks a metric up by its name or one of its aliases (tpr, recall, precision, ppv, fpr, ...).
 * Returns the metric, or -1 when unknown.
 */
int fa_metric_from_name(const char *name);

/** One-sentence definition of a metric with its formula and undefined case (borrowed). */
const char *fa_metric_definition(fa_metric m);

/**
 * The value of metric m for group counts g, with `all` the counts of the whole population
 * (needed by share and predicted_positive_share). Returns NAN when the metric is undefined and
 * then sets *reason (if non-NULL) to a static phrase such as "no actual positives"; otherwise
 * sets *reason to NULL. Pure: no allocation, no I/O.
 */
double fa_metric_value(fa_metric m, const fa_counts *g, const fa_counts *all, const char **reason);

/* ----------------------------------------------------------------- tally */

/**
 * A tally: per-group counts for each sensitive attribute (and, optionally, the intersection of
 * all of them), plus the overall counts. Group values are interned strings. Tallies merge:
 * the tally of two shards merged equals the tally of the whole.
 */
typedef struct fa_tally fa_tally;

/**
 * Creates an empty tally for n_attrs sensitive attributes named `attrs` (copied). With
 * `intersect` non-zero and n_attrs >= 2 an extra attribute counts the combinations: its name
 * is the attribute names joined by " & " ("race & sex") and its group values are the values
 * joined the same way ("African-American & Female"). Caller frees with fa_tally_free.
 */
int fa_tally_create(fa_tally **out, const char *const attrs[], size_t n_attrs, int intersect,
                    fa_error *err);

/** Frees a tally. NULL-safe. */
void fa_tally_free(fa_tally *t);

/**
 * Adds one row. values[a] / lens[a] is the row's value of attribute a; a missing value
 * (values[a] == NULL) counts in the group "(missing)". label and pred are 0 or 1.
 */
int fa_tally_add(fa_tally *t, const char *const values[], const size_t lens[], int label, int pred,
                 double weight, double score, fa_error *err);

/** dst += src: both must have the same attributes. Groups are matched by value. */
int fa_tally_merge(fa_tally *dst, const fa_tally *src, fa_error *err);

/** Number of attributes, the intersection included when present. */
size_t fa_tally_n_attrs(const fa_tally *t);

/** Name of attribute a (borrowed). */
const char *fa_tally_attr_name(const fa_tally *t, size_t a);

/** Number of distinct groups seen for attribute a. */
size_t fa_tally_n_groups(const fa_tally *t, size_t a);

/** Value of group g of attribute a (borrowed; NUL-terminated). Order is first-seen order. */
const char *fa_tally_group_value(const fa_tally *t, size_t a, size_t g);

/** Counts of group g of attribute a (borrowed). */
const fa_counts *fa_tally_group_counts(const fa_tally *t, size_t a, size_t g);

/** Counts of all rows (borrowed). */
const fa_counts *fa_tally_overall(const fa_tally *t);

/** The group label used for rows whose sensitive value is missing. */
#define FA_MISSING_GROUP "(missing)"

/* ---------------------------------------------------------------- policy */

/** A parsed policy: reference groups, min_group_size, gates. */
typedef struct fa_policy fa_policy;

/**
 * Parses a policy from JSON text (`name` is used in error messages). Every error names its
 * JSON path ("gates[2].max: expected a number, got \"x\""). Caller frees with fa_policy_free.
 */
int fa_policy_parse_json(fa_policy **out, const char *text, size_t len, const char *name,
                         fa_error *err);

/** Reads and parses a policy file. */
int fa_policy_load_json(fa_policy **out, const char *path, fa_error *err);

/** Frees a policy. NULL-safe. */
void fa_policy_free(fa_policy *p);

/** Number of gates in the policy. */
size_t fa_policy_n_gates(const fa_policy *p);

/* ----------------------------------------------------------------- audit */

/** How the reference group of an attribute is chosen when none is given. */
typedef enum fa_reference_rule {
    FA_REFERENCE_LARGEST = 0,   /* the largest group (Aequitas "majority") */
    FA_REFERENCE_MIN_METRIC = 1 /* the group with the lowest selection rate */
} fa_reference_rule;

/** How per-group rates get their confidence intervals. */
typedef enum fa_ci_method {
    FA_CI_WILSON = 0,         /* Wilson score interval (default) */
    FA_CI_CLOPPER_PEARSON = 1 /* exact (beta quantiles) */
} fa_ci_method;

/** How bootstrap intervals are formed from the replicates. */
typedef enum fa_boot_method {
    FA_BOOT_PERCENTILE = 0, /* quantiles of the replicates (default) */
    FA_BOOT_BCA = 1         /* bias-corrected and accelerated */
} fa_boot_method;

/** Options of an audit. Initialise with FA_AUDIT_OPTIONS_INIT; strings are borrowed. */
typedef struct fa_audit_options {
    const char *label;         /* label column (required) */
    const char *pred;          /* prediction column, or NULL: see threshold */
    const char *score;         /* score column, or NULL */
    const char *weight;        /* weight column, or NULL */
    const char *const *groups; /* sensitive attribute columns */
    size_t n_groups;
    int intersect;                 /* also audit the intersection of the attributes */
    const char *positive;          /* the positive label/prediction value, or NULL for 1/true/yes */
    const char *const *ref_attrs;  /* reference groups given: attribute names ... */
    const char *const *ref_values; /* ... and values */
    size_t n_refs;
    fa_reference_rule reference_rule;
    long min_group_size; /* < 0: take the policy's, else FA_DEFAULT_MIN_GROUP_SIZE */
    double tau;          /* Aequitas tau; <= 0: FA_DEFAULT_TAU */
    fa_csv_options csv;
    int threads;   /* 0 = all cores; the result does not depend on it */
    fa_log_fn log; /* warnings, or NULL */
    void *log_payload;
    /* Without a prediction column: a finite threshold derives prediction = score >= threshold
     * (Aequitas's score_val); NAN audits the labels alone (class imbalance of a training set:
     * every metric that needs a prediction is undefined, "no prediction column"). */
    double threshold;
    double confidence_level; /* of every interval; <= 0: the policy's, else 0.95 */
    fa_ci_method ci_method;  /* per-group rate intervals */
    size_t bootstrap;        /* replicates of the count bootstrap; 0: none */
    uint64_t seed;           /* of the bootstrap: same seed, same bytes */
    fa_boot_method boot_method;
    /* With a score column: ROC AUC, average precision, Brier, log loss, calibration and a
     * threshold sweep per group. Exact AUC keeps every distinct score per cell, so memory grows
     * with the number of distinct scores (about 40 bytes each): off by default. */
    int score_metrics;
    /* An earlier audit (borrowed): gates with "max_change" / "max_relative_change" compare
     * their value with its value; it must audit the same attributes. NULL: none. */
    const struct fa_baseline *baseline;
    /* Without a prediction column or threshold, a cut-off on the score column: the top_k rows
     * (total weight top_k, when weighted) with the highest scores are predicted positive, or
     * the top top_percent % of them (Aequitas's rank_abs / rank_pct). Every row tied at the
     * cut-off score is included, so more may be selected; the result records the cut-off score
     * and what it selected. 0: none; at most one of the two. */
    double top_k;
    double top_percent;
    /* 0 (default): the score is a probability, and with score_metrics a score outside [0, 1]
     * is bad input. 1: any real score (a margin, a rank): AUC, average precision, sweeps and
     * cut-offs are computed; Brier, log loss and calibration are undefined. */
    int score_any_real;
    /* Features of the prediction file's rows (same rows, same order; every column numeric):
     * consistency over the consistency_k nearest neighbours (0: the policy's
     * individual.consistency_k, else 5) on standardised features. NULL: none. */
    const char *features_path;
    size_t consistency_k;
} fa_audit_options;

#define FA_DEFAULT_MIN_GROUP_SIZE 30
#define FA_DEFAULT_TAU 0.8
#define FA_DEFAULT_CONFIDENCE 0.95
#define FA_DEFAULT_GEI_ALPHA 2.0

#define FA_AUDIT_OPTIONS_INIT                                                                      \
    {                                                                                              \
        .label = NULL, .pred = NULL, .score = NULL, .weight = NULL, .groups = NULL, .n_groups = 0, \
        .intersect = 0, .positive = NULL, .ref_attrs = NULL, .ref_values = NULL, .n_refs = 0,      \
        .reference_rule = FA_REFERENCE_LARGEST, .min_group_size = -1, .tau = 0.0,                  \
        .csv = FA_CSV_OPTIONS_INIT, .threads = 0, .log = NULL, .log_payload = NULL,                \
        .threshold = NAN, .confidence_level = 0.0, .ci_method = FA_CI_WILSON, .bootstrap = 0,      \
        .seed = 0, .boot_method = FA_BOOT_PERCENTILE, .score_metrics = 0, .baseline = NULL,        \
        .top_k = 0.0, .top_percent = 0.0, .score_any_real = 0, .features_path = NULL,              \
        .consistency_k = 0                                                                         \
    }

/** Everything an audit computed: groups, metrics, disparities, summaries, gates. */
typedef struct fa_result fa_result;

/**
 * Streams the prediction file at `path` once and tallies it (memory grows with the number of
 * groups, not rows). Fails with FA_EIO / FA_EPARSE / FA_EINVAL / FA_EDOMAIN and a
 * file:line:column location on bad input. Caller frees with fa_tally_free.
 */
int fa_audit_tally_csv(fa_tally **out, const char *path, const fa_audit_options *opts,
                       fa_error *err);

/**
 * Computes every metric, disparity and summary from a tally, then evaluates the policy's
 * gates (policy may be NULL: no gates). `input_path` is recorded in the result (may be NULL).
 * Caller frees with fa_result_free.
 */
int fa_result_compute(fa_result **out, const fa_tally *tally, const fa_audit_options *opts,
                      const fa_policy *policy, const char *input_path, fa_error *err);

/** The whole audit of a CSV file: fa_audit_tally_csv, then fa_result_compute. */
int fa_audit_csv(fa_result **out, const char *path, const fa_audit_options *opts,
                 const fa_policy *policy, fa_error *err);

/** Frees a result. NULL-safe. */
void fa_result_free(fa_result *res);

/** Verdict of an audit's gates. */
typedef enum fa_verdict {
    FA_VERDICT_PASSED = 0,      /* every gate passed (or there are no gates) */
    FA_VERDICT_FAILED = 1,      /* at least one gate failed */
    FA_VERDICT_INCONCLUSIVE = 4 /* no gate failed, but one could not be decided */
} fa_verdict;

/** The verdict of the result's gates, before the policy's "inconclusive" mapping. */
fa_verdict fa_result_verdict(const fa_result *res);

/**
 * The process exit status the verdict maps to: 0, 1 or 4, after the policy's
 * "inconclusive": "pass" | "fail" mapping.
 */
int fa_result_exit_status(const fa_result *res);

/** Number of audited attributes (the intersection included). */
size_t fa_result_n_attrs(const fa_result *res);

/** Name of attribute a (borrowed). */
const char *fa_result_attr_name(const fa_result *res, size_t a);

/** The reference group of attribute a (borrowed), or NULL when it has no groups. */
const char *fa_result_reference(const fa_result *res, size_t a);

/** Number of groups of attribute a; groups are sorted by value (bytewise). */
size_t fa_result_n_groups(const fa_result *res, size_t a);

/** Value of group g of attribute a (borrowed). */
const char *fa_result_group_value(const fa_result *res, size_t a, size_t g);

/** Counts of group g of attribute a (borrowed). */
const fa_counts *fa_result_group_counts(const fa_result *res, size_t a, size_t g);

/** Metric m of group g of attribute a: NAN when undefined (then *reason is set). */
double fa_result_group_metric(const fa_result *res, size_t a, size_t g, fa_metric m,
                              const char **reason);

/** Counts of all rows (borrowed). */
const fa_counts *fa_result_overall_counts(const fa_result *res);

/**
 * Confidence interval of rate m of group g of attribute a (Wilson or Clopper-Pearson, at the
 * audit's confidence level). Returns 1 and sets lo, hi; 0 (NAN bounds) when m is not a
 * proportion or is undefined for the group.
 */
int fa_result_group_ci(const fa_result *res, size_t a, size_t g, fa_metric m, double *lo,
                       double *hi);

/**
 * A score metric of group g of attribute a ("roc_auc", "average_precision", "brier_score",
 * "log_loss", "expected_calibration_error", "calibration_in_the_large", "mean_score"), or of
 * all rows when a is (size_t)-1. NAN when undefined (then *reason is set), when the audit had no
 * score metrics, or for an unknown name.
 */
double fa_result_score_metric(const fa_result *res, size_t a, size_t g, const char *name,
                              const char **reason);

/** Metric m over all rows: NAN when undefined. */
double fa_result_overall_metric(const fa_result *res, fa_metric m, const char **reason);

/**
 * A named summary of attribute a ("demographic_parity_difference", "equalized_odds_ratio",
 * ...): NAN when undefined or unknown. Groups below min_group_size are left out.
 */
double fa_result_summary(const fa_result *res, size_t a, const char *name);

/** The kinds of disparity computed for every metric of every attribute (METRICS.md). */
typedef enum fa_disparity_kind {
    FA_DISPARITY_BETWEEN_DIFFERENCE = 0, /* max - min over the included groups */
    FA_DISPARITY_BETWEEN_RATIO,          /* min / max over the included groups */
    FA_DISPARITY_TO_OVERALL_DIFFERENCE,  /* max |m(g) - m(overall)| */
    FA_DISPARITY_TO_OVERALL_RATIO        /* min over g of min(q, 1/q), q = m(g) / m(overall) */
} fa_disparity_kind;

/**
 * Disparity of metric m over the groups of attribute a: groups below min_group_size and
 * groups where m is undefined are left out. NAN when fewer than one group remains (between:
 * two), or a ratio's denominator is 0.
 */
double fa_result_disparity(const fa_result *res, size_t a, fa_metric m, fa_disparity_kind k);

/** m(g) - m(reference) for group g of attribute a (signed, AIF360 style); NAN if undefined. */
double fa_result_group_difference(const fa_result *res, size_t a, size_t g, fa_metric m);

/** m(g) / m(reference); NAN when undefined or m(reference) = 0 (never capped). */
double fa_result_group_ratio(const fa_result *res, size_t a, size_t g, fa_metric m);

/**
 * An AIF360 pairwise metric of group g against the reference group of attribute a:
 * "statistical_parity_difference", "disparate_impact", "average_odds_difference",
 * "average_abs_odds_difference", "equal_opportunity_difference", "error_rate_difference",
 * "error_rate_ratio", "false_positive_rate_difference", "false_negative_rate_difference",
 * "false_discovery_rate_difference", "false_omission_rate_difference",
 * "true_positive_rate_difference". NAN when undefined or the name is unknown.
 */
double fa_result_vs_reference(const fa_result *res, size_t a, size_t g, const char *name);

/**
 * The same AIF360 metrics with the reference group as privileged and every other group of
 * attribute a pooled as unprivileged (AIF360 "vs rest"). NAN when undefined.
 */
double fa_result_vs_rest(const fa_result *res, size_t a, const char *name);

/** Number of gates evaluated. */
size_t fa_result_n_gates(const fa_result *res);

/** Outcome of gate i: FA_VERDICT_PASSED, _FAILED or _INCONCLUSIVE; *name set to its name. */
fa_verdict fa_result_gate(const fa_result *res, size_t i, const char **name, double *value);

/**
 * Writes the result as JSON (DESIGN.md's fa_result), atomically (temporary file, fsync,
 * rename). Numbers print with up to 17 significant digits so they read back to the same
 * double; undefined values are null. The output is byte-identical for the same input.
 */
int fa_result_write_json(const fa_result *res, const char *path, fa_error *err);

/** Renders the JSON into a newly allocated NUL-terminated string; caller frees with free(). */
int fa_result_to_json_string(char **out, const fa_result *res, fa_error *err);

/**
 * Reads a JSON result back (what fa_result_write_json wrote) into a result every renderer
 * takes, so that fa_result_to_json_string of it gives the same bytes. Score statistics come
 * back as their saved metrics and bins only (no distinct values). Versions: a result written
 * by this fairaudit or an older one with the same major version is read; a newer one is
 * FA_EINVAL ("written by fairaudit X, newer than this Y"). Bad input is FA_EPARSE (invalid
 * JSON, NaN/Infinity tokens, nesting deeper than 64, text above 256 MiB: with line and
 * column; a missing key, a wrong type, a duplicate or unknown key: with the JSON path, e.g.
 * "groups[3].counts.tp: expected a non-negative number, found -1") or FA_EINVAL (values
 * that contradict each other, with the JSON path). `name` (may be NULL) names the text in
 * messages. Caller frees *out with fa_result_free; *out is NULL on failure.
 */
int fa_result_parse_json(fa_result **out, const char *text, size_t len, const char *name,
                         fa_error *err);

/** fa_result_parse_json of a file's contents; FA_EIO when it cannot be read. */
int fa_result_load_json(fa_result **out, const char *path, fa_error *err);

/**
 * Writes the human-readable summary (groups as rows, key rates and disparities as columns,
 * the reference marked, the gates and the verdict) to `f`.
 */
int fa_result_write_text(const fa_result *res, FILE *f, fa_error *err);

/* ----------------------------------------------------------- data table */

/**
 * A whole CSV file in memory, column by column: a column whose every non-missing cell is a
 * number is numeric (missing cells are NAN); any other column is categorical (its values
 * interned, with the location of its first non-numeric cell kept for error messages).
 * Used for feature matrices. Caller frees with fa_table_free.
 */
typedef struct fa_table fa_table;

/** Reads a CSV file (RFC 4180, as fa_csv_reader) into a table. */
int fa_table_load_csv(fa_table **out, const char *path, const fa_csv_options *opts, fa_error *err);

/** Frees a table. NULL-safe. */
void fa_table_free(fa_table *t);

size_t fa_table_n_rows(const fa_table *t);
size_t fa_table_n_cols(const fa_table *t);
const char *fa_table_column_name(const fa_table *t, size_t j);
/** Column index of `name`, or -1. */
long fa_table_column_index(const fa_table *t, const char *name);
/** 1 when column j is numeric. */
int fa_table_is_numeric(const fa_table *t, size_t j);
/** Numeric column j (n_rows values, NAN = missing), or NULL for a categorical column. */
const double *fa_table_numeric(const fa_table *t, size_t j);
/**
 * Categorical column j: codes[i] is the row's value index (-1 = missing) and the values are
 * fa_table_category(t, j, code). For a numeric column, codes is NULL.
 */
const int32_t *fa_table_codes(const fa_table *t, size_t j);
size_t fa_table_n_categories(const fa_table *t, size_t j);
const char *fa_table_category(const fa_table *t, size_t j, size_t code);

/**
 * For a categorical column j, fills err with the location of its first non-numeric cell:
 * "path:line:column: column 'x': expected a number, got \"abc\"" (FA_EPARSE).
 */
int fa_table_not_numeric_error(const fa_table *t, size_t j, fa_error *err);

/**
 * Copies the columns col_of[0..n) into a new row-major matrix (n_rows x n), for a model:
 * every column must be numeric (else the fa_table_not_numeric_error of the first that is not).
 * Caller frees *out with free().
 */
int fa_table_matrix(double **out, const fa_table *t, const size_t col_of[], size_t n,
                    fa_error *err);

/* ------------------------------------------------------------- baselines */

/** An earlier audit's JSON result, for gates that bound a change ("max_change"). */
typedef struct fa_baseline fa_baseline;

/**
 * Reads a fairaudit JSON result (fa_result_write_json) as a baseline. A file that is not one
 * is FA_EPARSE with the JSON path. Caller frees with fa_baseline_free.
 */
int fa_baseline_load_json(fa_baseline **out, const char *path, fa_error *err);

/** Frees a baseline. NULL-safe. */
void fa_baseline_free(fa_baseline *b);

/* -------------------------------------------------------- CI outputs */

/**
 * JUnit XML: one testsuite, one testcase per gate and attribute; failure = a threshold
 * breached, error = a value that could not be computed, skipped = insufficient data (groups
 * below min_group_size). Deterministic; the path variant writes atomically.
 */
int fa_result_write_junit(const fa_result *res, const char *path, fa_error *err);
int fa_result_write_junit_stream(const fa_result *res, FILE *f, fa_error *err);

/** SARIF 2.1.0: one rule per gate metric, one result per failed or inconclusive gate. */
int fa_result_to_sarif_string(char **out, const fa_result *res, fa_error *err);
int fa_result_write_sarif(const fa_result *res, const char *path, fa_error *err);
int fa_result_write_sarif_stream(const fa_result *res, FILE *f, fa_error *err);

/** A GitHub-flavoured Markdown summary: verdict, gates table, key rates per attribute. */
int fa_result_write_markdown(const fa_result *res, const char *path, fa_error *err);
int fa_result_write_markdown_stream(const fa_result *res, FILE *f, fa_error *err);

/** GitHub workflow commands (::error / ::warning), one per gate and attribute not passed. */
int fa_result_write_annotations(const fa_result *res, FILE *f, fa_error *err);

/* ------------------------------------------------------------ PDF report */

/** Paper size of the PDF report. */
typedef enum fa_paper { FA_PAPER_A4 = 0, FA_PAPER_LETTER = 1 } fa_paper;

/** Options of the PDF report. Initialise with FA_PDF_OPTIONS_INIT; strings are borrowed. */
typedef struct fa_pdf_options {
    fa_paper paper;
    const char *title;     /* NULL: the policy's title, else "Fairness audit report" */
    int64_t creation_time; /* seconds since 1970 UTC; < 0: $SOURCE_DATE_EPOCH, else now */
} fa_pdf_options;

#define FA_PDF_OPTIONS_INIT                                                                        \
    {                                                                                              \
        FA_PAPER_A4, NULL, -1                                                                      \
    }

/**
 * The audit report for people (DejaVu Sans embedded, bookmarks, "Page i of N"): the verdict
 * and findings, the gates, the data and class imbalance, per attribute the rates with their
 * intervals and charts, scores and attributions when the result has them, the methodology and
 * what reproduces the audit. Rendered from the result alone; the same result and options give
 * the same bytes. Into a newly allocated buffer (caller frees with free()); FA_EIO when a
 * font cannot be read, FA_EINTERNAL for a libharu error, FA_ENOMEM.
 */
int fa_report_pdf_render(unsigned char **out, size_t *len, const fa_result *res,
                         const fa_pdf_options *opts, fa_error *err);

/** The same report written atomically to `path`: on any error no file is left. */
int fa_report_pdf_write(const fa_result *res, const fa_pdf_options *opts, const char *path,
                        fa_error *err);

/* ---------------------------------------------------------------- models */

/** What a model's raw output is, and how a probability follows from it. */
typedef enum fa_link {
    FA_LINK_IDENTITY = 0, /* regression: the margin is the output */
    FA_LINK_LOGISTIC = 1  /* binary classification: probability = 1 / (1 + exp(-margin)) */
} fa_link;

/** Which output fa_model_predict returns. */
typedef enum fa_model_output {
    FA_OUTPUT_MARGIN = 0,     /* the raw sum (log-odds for a logistic link) */
    FA_OUTPUT_PROBABILITY = 1 /* link(margin); equal to the margin for FA_LINK_IDENTITY */
} fa_model_output;

/** A model fairaudit can query in batches: linear JSON, XGBoost JSON, an external command. */
typedef struct fa_model fa_model;

/**
 * Loads a model file, recognising its format from its content: XGBoost's JSON
 * (Booster.save_model), or fairaudit's linear-model JSON (docs/models.md). Errors name the
 * file and the JSON path. Caller frees with fa_model_free.
 */
int fa_model_load(fa_model **out, const char *path, fa_error *err);

/**
 * A model answered by an external command (no shell): argv[0] is run once and fed CSV
 * batches (a header with the feature names, then rows) on stdin, answering one number per
 * row on stdout (docs/models.md). `n_features` names `feature_names`; the child
 * is killed after `timeout_ms` without an answer. Caller frees with fa_model_free.
 */
int fa_model_create_external(fa_model **out, const char *const argv[],
                             const char *const feature_names[], size_t n_features, fa_link link,
                             long timeout_ms, fa_error *err);

/** Frees a model (and stops an external command). NULL-safe. */
void fa_model_free(fa_model *m);

/** Number of features the model takes, and the name of feature j (borrowed). */
size_t fa_model_n_features(const fa_model *m);
const char *fa_model_feature_name(const fa_model *m, size_t j);

/** 1 when the model file names its features; 0 when they are XGBoost's defaults f0..fN-1. */
int fa_model_has_feature_names(const fa_model *m);

/** The model's link, and a short name of its kind ("linear", "xgboost", "external"). */
fa_link fa_model_link(const fa_model *m);
const char *fa_model_kind(const fa_model *m);

/** 1 when fa_model_predict may be called from several threads at once. */
int fa_model_thread_safe(const fa_model *m);

/**
 * Predicts n_rows rows: x is row-major, n_rows x fa_model_n_features(m), in the model's
 * feature order (NAN = missing); out receives n_rows values. Fails only for external models
 * (a child that died, hung or answered badly) and on bad arguments.
 */
int fa_model_predict(const fa_model *m, double out[], const double x[], size_t n_rows,
                     fa_model_output output, fa_error *err);

/**
 * Maps the columns of a data matrix to the model's features by name: col_of[j] receives the
 * matrix column of model feature j. A feature missing from the matrix is an FA_EINVAL error
 * listing every missing feature. Never by position: a model file without feature names
 * (XGBoost's f0..fN-1) matches only columns named f0..fN-1, and is otherwise an FA_EINVAL
 * error saying how to name them (fa_model_set_feature_names).
 */
int fa_model_match_columns(size_t col_of[], const fa_model *m, const char *const names[],
                           size_t n_cols, fa_error *err);

/**
 * Renames the model's features (n must equal fa_model_n_features; distinct, non-empty names,
 * copied) and marks them named: how a model file without feature names is given them, or
 * matched by position on purpose (naming its features after the data's columns in order).
 * Only the matching changes: an external command still receives the names it was created
 * with. FA_EINVAL for a wrong count, an empty or a repeated name.
 */
int fa_model_set_feature_names(fa_model *m, const char *const names[], size_t n, fa_error *err);

/* --- permutation importance --- */

/*
 * Permutation importance (Breiman 2001; scikit-learn's permutation_importance): how much a
 * score changes when one feature's values, or a named group of features moved together, are
 * shuffled across rows. Shuffling breaks the feature's link with the label and the other
 * features and keeps its distribution. Per repeat, importance = score(original) -
 * score(permuted); the result holds every repeat, their mean and their standard deviation
 * (ddof 0, numpy's std, as scikit-learn reports it).
 *
 * The model is queried for probabilities (FA_OUTPUT_PROBABILITY); a prediction is
 * probability > threshold. Scorings, by name:
 *   "accuracy", "balanced_accuracy"  of the predictions (fa_counts; higher is better)
 *   "roc_auc"                        of the probabilities, rank-based, ties counted half
 *   "log_loss", "brier"              losses (log loss with probabilities clipped to
 *                                    [1e-15, 1 - 1e-15], scikit-learn's eps before 1.2, as
 *                                    the audit's score metrics do). The baseline
 *                                    is the loss itself and importance = loss(permuted) -
 *                                    loss(original): scikit-learn's sign for neg_log_loss and
 *                                    neg_brier_score, so a positive importance means the
 *                                    feature lowers the loss, as for the other scores.
 *   a named summary of an attribute, as fa_result_summary names it
 *   ("demographic_parity_difference", "demographic_parity_ratio",
 *   "equalized_odds_difference", "equal_opportunity_difference", ... and "_to_overall"):
 *   computed over the groups of the row codes `group` from each group's fa_counts of the
 *   predictions. importance = summary(original) - summary(permuted). For a difference
 *   (0 = parity), a positive importance means that shuffling the feature shrinks the gap:
 *   that much of the disparity flows through the feature, and a negative one means the
 *   feature narrows the gap. For a ratio (1 = parity) the sign is the other way round: a
 *   negative importance means the feature carries disparity.
 * An undefined score (roc_auc with one class, a summary over fewer than two defined groups,
 * ...) is NAN, and so is every mean that involves it; it is data, not an error.
 */

/** Options of fa_permutation_importance. Initialise with FA_PERMUTATION_OPTIONS_INIT. */
typedef struct fa_permutation_options {
    const char *scoring; /* one of the names above; NULL = "accuracy" */
    size_t repeats;      /* shuffles per feature (group), >= 1 */
    uint64_t seed;       /* the result depends on the seed, never on the thread count */
    double threshold;    /* prediction = probability > threshold */
    size_t max_samples;  /* 0 = score every row; else a subsample of that many rows,
                            drawn without replacement from the seed, the same for every
                            feature and for the baseline (<= n_rows) */
    const size_t *feature_group_members;    /* feature groups: model feature indices, group after
                                               group; NULL with n_feature_groups = 0 */
    const size_t *feature_group_sizes;      /* number of members of each group (>= 1) */
    const char *const *feature_group_names; /* each group's name (copied), or NULL: "group_<g>" */
    size_t n_feature_groups;                /* 0: every feature is permuted alone */
    size_t min_group_size; /* fairness scorings: groups with fewer rows are left out */
    int threads;           /* 0 = all cores; always 1 when the model is not thread-safe */
} fa_permutation_options;

#define FA_PERMUTATION_DEFAULT_REPEATS 5
#define FA_PERMUTATION_DEFAULT_THRESHOLD 0.5

#define FA_PERMUTATION_OPTIONS_INIT                                                                \
    {                                                                                              \
        NULL, FA_PERMUTATION_DEFAULT_REPEATS, 0, FA_PERMUTATION_DEFAULT_THRESHOLD, 0, NULL, NULL,  \
            NULL, 0, 0, 0                                                                          \
    }

/** What a scoring needs besides the model and the matrix. */
typedef enum fa_scoring_needs {
    FA_SCORING_NEEDS_LABELS = 1, /* y */
    FA_SCORING_NEEDS_GROUPS = 2  /* group codes (the fairness summaries) */
} fa_scoring_needs;

/**
 * What scoring `name` needs: a bitwise OR of FA_SCORING_NEEDS_* (the demographic-parity
 * summaries need groups only), or -1 when the name is unknown. NULL is "accuracy".
 */
int fa_permutation_scoring_needs(const char *name);

/** The permutation importances of each feature or feature group, with the baseline score. */
typedef struct fa_permutation_result fa_permutation_result;

/**
 * Permutation importance of every model feature (or of each feature group of opts), in
 * feature (group) order. x is row-major, n_rows x fa_model_n_features(m), in the model's
 * feature order (fa_model_match_columns, fa_table_matrix); NAN = missing. y holds n_rows
 * labels, 0 or 1 (may be NULL when the scoring needs no labels). group holds n_rows group
 * codes for the fairness summaries (a negative code is a missing value, a group of its own),
 * or NULL when the scoring needs none. All of them are borrowed for the call only.
 *
 * Repeat r of feature (group) k shuffles rows with its own gsl_rng_mt19937 seeded from
 * (seed, k, r): features and repeats run in parallel (OpenMP), each thread with one
 * workspace allocated up front, and the result is bitwise the same whatever the thread count.
 * Each evaluation predicts the whole matrix, in batches, with only the permuted columns
 * replaced.
 *
 * Fails with FA_EINVAL (unknown scoring, repeats 0, a feature index out of range, max_samples
 * above n_rows, labels or groups missing for the scoring), FA_EDOMAIN (a label not 0 or 1),
 * FA_ENOMEM, or the model's own failure. Caller frees *out with fa_permutation_result_free.
 */
int fa_permutation_importance(fa_permutation_result **out, const fa_model *m, const double x[],
                              size_t n_rows, const double y[], const int32_t group[],
                              const fa_permutation_options *opts, fa_error *err);

/** Frees a result. NULL-safe. */
void fa_permutation_result_free(fa_permutation_result *r);

/** Number of features (or feature groups) in the result. */
size_t fa_permutation_result_n(const fa_permutation_result *r);

/** Name of feature (group) k: the model's feature name or the group's name (borrowed). */
const char *fa_permutation_result_name(const fa_permutation_result *r, size_t k);

/** Mean importance of feature (group) k over the repeats; NAN when a repeat is undefined. */
double fa_permutation_result_mean(const fa_permutation_result *r, size_t k);

/** Standard deviation (ddof 0) of the importances of feature (group) k. */
double fa_permutation_result_std(const fa_permutation_result *r, size_t k);

/** The fa_permutation_result_repeats(r) importances of feature (group) k (borrowed). */
const double *fa_permutation_result_values(const fa_permutation_result *r, size_t k);

/** Repeats per feature (group). */
size_t fa_permutation_result_repeats(const fa_permutation_result *r);

/** The score of the unpermuted rows (a loss for "log_loss" and "brier"); NAN if undefined. */
double fa_permutation_result_baseline(const fa_permutation_result *r);

/** The scoring's name ("accuracy" when the options gave NULL; borrowed). */
const char *fa_permutation_result_scoring(const fa_permutation_result *r);

/** Number of rows scored: n_rows, or max_samples when it subsampled. */
size_t fa_permutation_result_rows(const fa_permutation_result *r);

/* ------------ Shapley values (explain/shapley.c, kernelshap.c, sampling.c, treeshap.c) */

/** Largest feature count fa_shap_exact accepts (2^20 coalitions per row). */
#define FA_SHAP_EXACT_MAX_FEATURES 20

/** fa_shap_kernel's default budget is 2p + this (SHAP's "auto"). */
#define FA_SHAP_KERNEL_DEFAULT_EXTRA 2048

/** fa_shap_sampling's default budget, in permutations. */
#define FA_SHAP_SAMPLING_DEFAULT_PERMUTATIONS 1000

/**
 * Progress of a long estimator run: `done` of `total` rows finished. Called from the library
 * (from one thread at a time, never concurrently) at most about every 0.1 s and after the
 * last row; it must not call back into the estimator. The library never prints.
 */
typedef void (*fa_shap_progress_fn)(void *ctx, size_t done, size_t total);

/** Options of the Shapley estimators. Initialise with FA_SHAP_OPTIONS_INIT. */
typedef struct fa_shap_options {
    fa_model_output output;       /* fa_shap_exact, fa_shap_kernel, fa_shap_sampling: explain the
                                     margin or the probability; fa_shap_tree and fa_shap_linear
                                     explain the margin and refuse FA_OUTPUT_PROBABILITY */
    int threads;                  /* rows in parallel; 0 = all cores; 1 when the model is not
                                     thread-safe. The values do not depend on it, bit for bit */
    size_t nsamples;              /* fa_shap_kernel: coalitions per row (0 = 2p + 2048, SHAP's
                                     default); fa_shap_sampling: permutations per row, at most
                                     (0 = 1000); each costs n_bg (kernel) or p n_bg (sampling)
                                     model evaluations */
    double tolerance;             /* fa_shap_sampling: stop a row once every standard error is
                                     below it (0 = spend the whole budget) */
    uint64_t seed;                /* random streams; row i uses a stream derived from (seed, i),
                                     so the values do not depend on the thread count */
    fa_shap_progress_fn progress; /* NULL = no progress reports */
    void *progress_ctx;           /* passed to progress */
} fa_shap_options;

#define FA_SHAP_OPTIONS_INIT                                                                       \
    {                                                                                              \
        .output = FA_OUTPUT_MARGIN, .threads = 0, .nsamples = 0, .tolerance = 0.0, .seed = 0,      \
        .progress = NULL, .progress_ctx = NULL                                                     \
    }

/**
 * Path-dependent TreeSHAP (Lundberg, Erion and Lee 2018, Algorithm 2) of an XGBoost model,
 * in margin (log-odds) space and double precision: the Shapley values of the game
 * v(S) = sum over trees of E[tree | x_S], where a split on a feature outside S sends the row
 * down both branches weighted by the children's covers (sum_hessian). No background: the base
 * value is base_margin + sum over trees of the cover-weighted mean leaf value, the same for
 * every row; it is XGBoost's `bias` column of predict(pred_contribs=True).
 *
 * x: n_rows x p, row-major, in the model's feature order (NAN = missing: the split's default
 * branch). out: n_rows x (p + 1) (layout above). Each row adds up to the model's margin in
 * double (fa_model_predict, FA_OUTPUT_MARGIN) to about 1e-15 relative.
 *
 * From 64 rows on, each leaf's shares are first tabulated for every set of its path's features
 * that x follows (FastTreeSHAP's precomputation, for paths of at most 8 distinct features): a
 * row then costs one pass over each tree. opts->progress is called as rows finish.
 *
 * FA_EINVAL: not an XGBoost model, FA_OUTPUT_PROBABILITY, a model file without sum_hessian,
 * or a tree deeper than 256; FA_EDOMAIN: a split whose cover is not positive or a negative or
 * non-finite cover; FA_ENOMEM.
 */
int fa_shap_tree(double out[], const fa_model *m, const double x[], size_t n_rows,
                 const fa_shap_options *opts, fa_error *err);

/**
 * Interventional TreeSHAP (Lundberg et al. 2020; SHAP's TreeExplainer with
 * feature_perturbation="interventional") of an XGBoost model over a background sample, in
 * margin space: the Shapley values of v(S) = mean over the n_bg background rows b of
 * margin(x_S, b_notS), the game of fa_shap_exact, computed from the trees in O(trees x leaves
 * x depth) per (row, background row) pair at most, for any feature count. A missing value
 * (NAN, in x or in b) follows the split's default branch, as the model does. The base value is
 * the mean margin of the background; each row adds up to the model's margin (fa_model_predict,
 * FA_OUTPUT_MARGIN) to rounding. bg: n_bg x p, row-major. Covers are not needed. From 64 rows
 * on, each leaf's shares over the whole background are first tabulated for every set of its
 * path's features that x follows (at most 8 distinct): a row then costs one pass over each
 * tree, whatever n_bg. The values do not depend on the thread count, bit for bit.
 *
 * FA_EINVAL: not an XGBoost model, FA_OUTPUT_PROBABILITY (the probability game does not
 * split over trees: use fa_shap_exact), an empty background, a tree deeper than 256;
 * FA_ENOMEM. opts->progress is called as rows finish.
 */
int fa_shap_tree_interventional(double out[], const fa_model *m, const double x[], size_t n_rows,
                                const double bg[], size_t n_bg, const fa_shap_options *opts,
                                fa_error *err);

/**
 * Interventional Shapley values of a linear model (margin space, features taken as
 * independent): phi_j = w_j (x_j - mean_j) and base = margin(mean), where w_j is the raw
 * coefficient (coef_j / scale_j with a scaler) and mean the column means of the background
 * bg (n_bg x p, row-major). With bg NULL and n_bg 0 the background mean is the model's scaler
 * mean (the training mean of an sklearn export): then phi_j = coef_raw_j (x_j - scaler_mean_j)
 * as in ../shared/models/README.md. A NAN in x gives NAN values for that row.
 *
 * FA_EINVAL: not a linear model, FA_OUTPUT_PROBABILITY, no background for a model without a
 * scaler, n_bg > 0 with bg NULL; FA_EDOMAIN: a background value that is not finite.
 */
int fa_shap_linear(double out[], const fa_model *m, const double x[], size_t n_rows,
                   const double bg[], size_t n_bg, const fa_shap_options *opts, fa_error *err);

/**
 * Exact interventional Shapley values of any model over a background sample:
 * v(S) = mean over the n_bg background rows b of f(x_S, b_{not S}), f the model's output of
 * kind opts->output, and phi_j = sum over S not holding j of |S|! (p-|S|-1)! / p! (v(S + j) -
 * v(S)). The base value is v(empty) = mean of f over the background. All 2^p coalitions are
 * evaluated, in Gray-code order (one column changes from one coalition to the next), with the
 * model called on batches of whole coalitions (n_bg rows each): the model predicts n_bg 2^p
 * rows per explained row (6.6 million for p = 16 and 100 background rows), plus p 2^(p-1)
 * weighted differences. Additivity holds to rounding: sum phi + base = f(x) to ~1e-15 |f|.
 *
 * FA_EINVAL: p > FA_SHAP_EXACT_MAX_FEATURES (with the reason), p = 0, an empty background;
 * FA_ENOMEM; or the model's own failure (an external command), for the first failing row.
 */
int fa_shap_exact(double out[], const fa_model *m, const double x[], size_t n_rows,
                  const double bg[], size_t n_bg, const fa_shap_options *opts, fa_error *err);

/**
 * KernelSHAP (Lundberg and Lee 2017) of the interventional game of fa_shap_exact, for any
 * feature count: a weighted least-squares fit of v(S) - v(empty) on the coalition's indicator
 * vector with the Shapley kernel weights, the efficiency constraint sum phi = f(x) - v(empty)
 * imposed exactly (one variable eliminated), over opts->nsamples coalitions per row drawn as
 * SHAP's KernelExplainer draws them: whole coalition sizes enumerated while the budget covers
 * them (smallest and largest first), the rest sampled in complementary pairs from the kernel
 * over the remaining sizes, a repeated coalition adding to its weight. Features whose value
 * equals every background value get phi = 0 and take no part (they are dummies of the game).
 * When the budget covers all 2^M - 2 coalitions of the M varying features the values are the
 * exact Shapley values (to rounding).
 *
 * se (NULL, or n_rows x (p + 1), layout of out): the standard error of each value, from the
 * delta method on the randomly drawn pairs (Covert and Lee 2021): the sandwich
 * A^-1 (sum over draws of g g') A^-1 with g a draw's weighted residual term; 0 for enumerated
 * coalitions, for dummies and for the base value (computed exactly).
 *
 * Row i draws from its own stream derived from (opts->seed, i): the output is the same bits
 * for any thread count. Additivity: sum phi + base = f(x) to rounding.
 *
 * FA_EINVAL: opts->nsamples below 2p + 2 (with the reason), p = 0, an empty background;
 * FA_ENOMEM; or the model's own failure, for the first failing row.
 */
int fa_shap_kernel(double out[], double se[], const fa_model *m, const double x[], size_t n_rows,
                   const double bg[], size_t n_bg, const fa_shap_options *opts, fa_error *err);

/**
 * Permutation sampling (Strumbelj and Kononenko 2014; Castro et al. 2009) of the
 * interventional game of fa_shap_exact, with antithetic permutations: each random permutation
 * is followed by its reverse, and the pair's mean marginal contributions is one draw. A
 * permutation is evaluated incrementally: the composite rows (x_S, b_notS) gain one column of
 * x at a time. Row i stops when every standard error (sd of the pair means / sqrt(pairs)) is
 * below opts->tolerance, after at least 8 pairs, or when opts->nsamples permutations (0 =
 * 1000) are spent. Each permutation's contributions add up to f(x) - v(empty) exactly, so
 * the values are additive to rounding.
 *
 * se: as fa_shap_kernel. Row i draws from its own stream derived from (opts->seed, i).
 *
 * FA_EINVAL: opts->nsamples of 1 (one pair needs 2), a negative or non-finite tolerance, p = 0,
 * an empty background; FA_ENOMEM; or the model's own failure, for the first failing row.
 */
int fa_shap_sampling(double out[], double se[], const fa_model *m, const double x[], size_t n_rows,
                     const double bg[], size_t n_bg, const fa_shap_options *opts, fa_error *err);

/* ------------------------------------------------- attributions in audits */

/**
 * Runs permutation importance (fa_permutation_importance) and adds it to an audit's result,
 * so the JSON and the report carry it. `attribute` names the sensitive column of a fairness
 * scoring (NULL otherwise); `model_path` and `features_path` are recorded (may be NULL).
 */
int fa_result_add_permutation(fa_result *res, const fa_model *m, const double x[], size_t n_rows,
                              const double y[], const int32_t group[], const char *attribute,
                              const fa_permutation_options *opts, const char *model_path,
                              const char *features_path, fa_error *err);

/** Number of attribution runs in the result. */
size_t fa_result_n_attributions(const fa_result *res);

/** Rows kept for a beeswarm plot by fa_result_add_shapley (a seeded sample). */
#define FA_DEFAULT_SHAP_SAMPLE_ROWS 1000

/** Options of fa_result_add_shapley. Initialise with FA_RESULT_SHAPLEY_OPTIONS_INIT. */
typedef struct fa_result_shapley_options {
    /* "tree" (XGBoost: path-dependent, or interventional with a background), "linear",
     * "exact", "kernel", "sampling" */
    const char *method;
    /* n_background x p, the model's feature order: "exact", "kernel" and "sampling" need one;
     * "linear" without one uses the model's scaler mean */
    const double *background;
    size_t n_background;
    size_t nsamples;         /* kernel: coalitions, sampling: permutations per row (0: default) */
    size_t bootstrap;        /* replicates of the gap intervals; 0: none */
    double confidence_level; /* of the intervals; <= 0: the result's */
    uint64_t seed;           /* of the estimator, the bootstrap and the beeswarm sample */
    int threads;             /* 0 = all cores; the values do not depend on it */
    size_t sample_rows;      /* at most this many rows kept for a beeswarm; 0: none */
} fa_result_shapley_options;

#define FA_RESULT_SHAPLEY_OPTIONS_INIT                                                             \
    {                                                                                              \
        .method = "tree", .background = NULL, .n_background = 0, .nsamples = 0, .bootstrap = 0,    \
        .confidence_level = 0.0, .seed = 0, .threads = 0,                                          \
        .sample_rows = FA_DEFAULT_SHAP_SAMPLE_ROWS                                                 \
    }

/** The rows' values of one sensitive attribute, as fa_table_codes gives them. */
typedef struct fa_attribute_rows {
    const char *attribute;     /* the column; when the audit has it, its reference is used */
    const int32_t *codes;      /* n_rows indices into values; -1 = missing: "(missing)" */
    const char *const *values; /* n_values distinct group names */
    size_t n_values;
} fa_attribute_rows;

/**
 * Shapley values of the model's margin on every row of x (n_rows x fa_model_n_features(m),
 * the model's feature order), added to an audit's result: mean |phi| per feature and, for
 * each of attrs[0..n_attrs), one run with the per-group mean output and mean phi and each
 * group's gap to the reference split into per-feature terms that add up to the gap in mean
 * output (METRICS.md "Disparity decomposition"), with percentile bootstrap intervals over
 * rows, stratified by group. n_attrs 0 adds one run without groups. Groups are sorted
 * bytewise; the reference is the audit's reference group of the same attribute, else the
 * largest group. `names`: the p feature names to report (NULL: the model's). The values are
 * computed once for all attributes; the beeswarm sample is kept in the first run only.
 * FA_EINVAL: an unknown method, a model the method does not take, "exact", "kernel" or
 * "sampling" without a background, "exact" over 20 features, no rows; FA_ENOMEM.
 */
int fa_result_add_shapley(fa_result *res, const fa_model *m, const double x[], size_t n_rows,
                          const char *const names[], const fa_attribute_rows attrs[],
                          size_t n_attrs, const fa_result_shapley_options *opts,
                          const char *model_path, const char *features_path, fa_error *err);

#ifdef __cplusplus
}
#endif

#endif /* FAIRAUDIT_H */
