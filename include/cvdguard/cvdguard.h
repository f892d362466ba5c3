/* cvdguard C API: validate ClamAV definition files, activate them into a live
 * directory, and drive the fault decision engine, from C (C99) or any
 * language with a C FFI. docs/c-api.md documents every function.
 *
 * Conventions:
 *  - Handles are opaque. Whatever a *_new or an entry point's `out` argument
 *    gives you, you free with the matching *_free (NULL is accepted).
 *  - Strings returned as `const char *` belong to the handle they came from
 *    and stay valid until that handle is freed. They are UTF-8 (or bytes as
 *    found in the file), NUL-terminated, never NULL for a valid handle and
 *    index; they are NULL for a NULL handle or an index out of range.
 *  - Functions returning `int` status give CVDGUARD_OK (0) or a negative
 *    CVDGUARD_E_* value; then any `out` handle is set to NULL and
 *    cvdguard_last_error() says why.
 *  - No C++ exception ever crosses this API.
 *  - Handles are not thread-safe; distinct handles may be used from distinct
 *    threads. A report may be read from several threads at once.
 */
#ifndef CVDGUARD_CVDGUARD_H_
#define CVDGUARD_CVDGUARD_H_

#include <stddef.h>
#include <stdint.h>

#include "cvdguard/export.h"

#ifdef __cplusplus
extern "C" {
#endif

/* --- status values ------------------------------------------------------ */

#define CVDGUARD_OK 0
/* A required pointer was NULL, an index or enum value was out of range, or
 * a string argument was malformed (e.g. a key that is not PEM). */
#define CVDGUARD_E_ARGUMENT (-1)
/* The input could not be read (missing, unreadable, a directory), or an
 * activation directory could not be read. */
#define CVDGUARD_E_IO (-2)
/* Out of memory. */
#define CVDGUARD_E_NOMEM (-3)
/* An unexpected internal error (a bug in cvdguard). */
#define CVDGUARD_E_INTERNAL (-4)
/* The input was refused: a malformed fault event or config, time going
 * backwards, a corrupt journal. cvdguard_last_error_code() gives the
 * finding code (e.g. 1120 FAULT_EVENT_BAD_JSON). */
#define CVDGUARD_E_REJECTED (-5)

/* The reason for the last failed call on this thread ("" if none). Valid
 * until the next cvdguard call on the same thread. */
CVDGUARD_EXPORT const char *cvdguard_last_error(void);
/* The finding code of the last failed call on this thread, or 0. */
CVDGUARD_EXPORT int cvdguard_last_error_code(void);

/* "0.1.0": the library's version (static storage). */
CVDGUARD_EXPORT const char *cvdguard_version(void);

/* Frees a string the API returned as `char *` (cvdguard_status). */
CVDGUARD_EXPORT void cvdguard_string_free(char *s);

/* --- enumerations (values are stable) ------------------------------------ */

typedef enum cvdguard_severity {
  CVDGUARD_SEVERITY_INFO = 0,
  CVDGUARD_SEVERITY_WARNING = 1,
  CVDGUARD_SEVERITY_ERROR = 2, /* makes a report invalid */
  CVDGUARD_SEVERITY_FATAL = 3  /* makes a report invalid, stops checking */
} cvdguard_severity;

typedef enum cvdguard_kind {
  CVDGUARD_KIND_UNKNOWN = 0,
  CVDGUARD_KIND_CVD = 1,
  CVDGUARD_KIND_CLD = 2,
  CVDGUARD_KIND_CUD = 3,
  CVDGUARD_KIND_CDIFF = 4
} cvdguard_kind;

typedef enum cvdguard_verdict {
  CVDGUARD_VERDICT_VALID = 0,
  CVDGUARD_VERDICT_INVALID = 1,
  CVDGUARD_VERDICT_ERROR = 2 /* the input could not be read */
} cvdguard_verdict;

typedef enum cvdguard_key_role {
  CVDGUARD_KEY_CVD = 0,  /* header MD5 dsig (official key K1) */
  CVDGUARD_KEY_INFO = 1, /* .info DSIG line (K2) */
  CVDGUARD_KEY_CDIFF = 2 /* .cdiff trailer (K3) */
} cvdguard_key_role;

typedef enum cvdguard_sign_policy {
  CVDGUARD_SIGN_DEFAULT = 0, /* ClamAV: .sign first, else legacy */
  CVDGUARD_SIGN_FIPS = 1,    /* a valid .sign is required; never MD5 */
  CVDGUARD_SIGN_BOTH = 2     /* .sign and legacy must both be valid */
} cvdguard_sign_policy;

typedef enum cvdguard_sig_outcome {
  CVDGUARD_SIG_VALID = 0,
  CVDGUARD_SIG_INVALID = 1,
  CVDGUARD_SIG_CANNOT_VERIFY = 2
} cvdguard_sig_outcome;

/* "No offset" for cvdguard_report_finding_offset/_tar_offset. */
#define CVDGUARD_NO_OFFSET UINT64_MAX

/* --- finding codes ------------------------------------------------------- */

/* Symbolic name ("INFO_MEMBER_MISSING") and one-line summary of a finding
 * code number; NULL if `code` is not a code. */
CVDGUARD_EXPORT const char *cvdguard_code_name(int code);
CVDGUARD_EXPORT const char *cvdguard_code_summary(int code);
/* The code number for a symbolic name, or CVDGUARD_E_ARGUMENT. */
CVDGUARD_EXPORT int cvdguard_code_from_name(const char *name);
/* "info", "warning", "error", "fatal"; NULL if out of range. */
CVDGUARD_EXPORT const char *cvdguard_severity_name(int severity);

/* --- options ------------------------------------------------------------- */

/* Verification (and activation) options. Defaults are the library's: the
 * official ClamAV keys are trusted, signatures are checked, .sign files are
 * discovered, linting is on. */
typedef struct cvdguard_options cvdguard_options;

/* NULL when out of memory. */
CVDGUARD_EXPORT cvdguard_options *cvdguard_options_new(void);
CVDGUARD_EXPORT void cvdguard_options_free(cvdguard_options *opts);

/* Trusts one more RSA public key (PEM "PUBLIC KEY" or "RSA PUBLIC KEY") for
 * `role`. `label` names it in reports (may be NULL). */
CVDGUARD_EXPORT int cvdguard_options_add_key(cvdguard_options *opts, int role,
                                             const char *pem, const char *label);
/* on = 0: do not trust ClamAV's official keys (only those added). */
CVDGUARD_EXPORT int cvdguard_options_set_official_keys(cvdguard_options *opts, int on);
/* on = 0: check no signature; reports are then invalid unless
 * allow_unverified is also on. */
CVDGUARD_EXPORT int cvdguard_options_set_verify_signatures(cvdguard_options *opts,
                                                           int on);
CVDGUARD_EXPORT int cvdguard_options_set_allow_unverified(cvdguard_options *opts,
                                                          int on);
/* Refuse unsigned .cud containers. */
CVDGUARD_EXPORT int cvdguard_options_set_require_signed(cvdguard_options *opts, int on);
/* Lint the signature files inside the container. */
CVDGUARD_EXPORT int cvdguard_options_set_lint(cvdguard_options *opts, int on);
/* The engine's functionality level (header flevel check, .sign filter). */
CVDGUARD_EXPORT int cvdguard_options_set_engine_flevel(cvdguard_options *opts,
                                                       uint32_t flevel);
/* The installed version of this database: a lower version is refused. */
CVDGUARD_EXPORT int cvdguard_options_set_installed_version(cvdguard_options *opts,
                                                           uint32_t version);
/* Verification time, Unix seconds (certificate validity, age checks). */
CVDGUARD_EXPORT int cvdguard_options_set_at_time(cvdguard_options *opts,
                                                 int64_t unix_seconds);
/* Trust store for detached .sign files: a PEM file or directory. */
CVDGUARD_EXPORT int cvdguard_options_set_certs_path(cvdguard_options *opts,
                                                    const char *path);
/* An explicit .sign file, read by every verify call (path, fd, memory);
 * else <name>-<version>.cvd.sign is looked for beside a path, unless
 * discovery is off. Not for activation. */
CVDGUARD_EXPORT int cvdguard_options_set_sign_path(cvdguard_options *opts,
                                                   const char *path);
CVDGUARD_EXPORT int cvdguard_options_set_discover_sign(cvdguard_options *opts, int on);
/* One of cvdguard_sign_policy. */
CVDGUARD_EXPORT int cvdguard_options_set_sign_policy(cvdguard_options *opts,
                                                     int policy);
/* Activation only: accept a lower version than the live one. */
CVDGUARD_EXPORT int cvdguard_options_set_allow_downgrade(cvdguard_options *opts, int on);
/* Activation only: how long to wait for the lock on LIVE (seconds, >= 0). */
CVDGUARD_EXPORT int cvdguard_options_set_lock_timeout(cvdguard_options *opts,
                                                      double seconds);
/* Activation only: quarantine bounds; 0 means unbounded. */
CVDGUARD_EXPORT int cvdguard_options_set_quarantine_bounds(cvdguard_options *opts,
                                                           uint64_t max_bytes,
                                                           int64_t max_age_seconds);
/* Activation only: append a JSON notice line to this file when LIVE
 * changes (NULL or "": none). */
CVDGUARD_EXPORT int cvdguard_options_set_notify_path(cvdguard_options *opts,
                                                     const char *path);
/* Activation only: a file (candidate or live) with this SHA-256 (64 hex
 * digits, any case) is invalid with ACTIVATION_REFUSED_DIGEST (1008).
 * Repeatable. Returns CVDGUARD_E_ARGUMENT for anything but 64 hex digits. */
CVDGUARD_EXPORT int cvdguard_options_add_refused_sha256(cvdguard_options *opts,
                                                        const char *sha256_hex);
/* Activation only: the state directory of `cvdguard supervise`. Adds the
 * digests its fault engine refused (integrity_gap) as with
 * cvdguard_options_add_refused_sha256, and makes activate and rollback queue
 * a definitions_activated event for it after LIVE changed. A missing journal
 * refuses nothing. Returns CVDGUARD_E_IO (with the finding code in
 * cvdguard_last_error_code) when the journal is corrupt or unreadable: the
 * caller must not go on as if nothing were refused. NULL or "": no
 * supervisor (digests already added stay). */
CVDGUARD_EXPORT int cvdguard_options_set_supervisor_state(cvdguard_options *opts,
                                                          const char *state_dir);
/* Activation only: the time written into records (Unix seconds). */
CVDGUARD_EXPORT int cvdguard_options_set_now(cvdguard_options *opts, int64_t unix_seconds);

/* --- verification ------------------------------------------------------- */

typedef struct cvdguard_report cvdguard_report;

/* Validates the file at `path` (a .cvd/.cld/.cud). `opts` may be NULL for
 * the defaults. Returns CVDGUARD_OK and a report in *out (valid or not), or
 * CVDGUARD_E_ARGUMENT (path or out NULL), CVDGUARD_E_IO (the file could not
 * be read), CVDGUARD_E_NOMEM, CVDGUARD_E_INTERNAL with *out = NULL. */
CVDGUARD_EXPORT int cvdguard_verify_path(const char *path, const cvdguard_options *opts,
                                         cvdguard_report **out);
/* The same from an open descriptor, read from its position to EOF. `name`
 * (may be NULL) is the file name for the kind and name checks. */
CVDGUARD_EXPORT int cvdguard_verify_fd(int fd, const char *name,
                                       const cvdguard_options *opts,
                                       cvdguard_report **out);
/* The same from memory. `data` may be NULL only when size is 0. */
CVDGUARD_EXPORT int cvdguard_verify_memory(const void *data, size_t size,
                                           const char *name,
                                           const cvdguard_options *opts,
                                           cvdguard_report **out);
/* A .cdiff patch on its own: signature (trailer or .cdiff.sign beside it),
 * header, gzip layout and the whole script, as `cvdguard verify X.cdiff`
 * (docs/cdiff.md). The verify functions above judge containers and report
 * NOT_CONTAINER_CDIFF for a patch. Same returns as cvdguard_verify_path. */
CVDGUARD_EXPORT int cvdguard_verify_cdiff_path(const char *path, const cvdguard_options *opts,
                                               cvdguard_report **out);
/* The same from memory; `name` (may be NULL) is the file name for the
 * version check against <name>-<version>.cdiff. */
CVDGUARD_EXPORT int cvdguard_verify_cdiff_memory(const void *data, size_t size,
                                                 const char *name,
                                                 const cvdguard_options *opts,
                                                 cvdguard_report **out);
CVDGUARD_EXPORT void cvdguard_report_free(cvdguard_report *r);

/* 1 if the verdict is valid, 0 otherwise (and for NULL). */
CVDGUARD_EXPORT int cvdguard_report_valid(const cvdguard_report *r);
/* A cvdguard_verdict, or CVDGUARD_E_ARGUMENT for NULL. */
CVDGUARD_EXPORT int cvdguard_report_verdict(const cvdguard_report *r);
CVDGUARD_EXPORT const char *cvdguard_report_verdict_name(const cvdguard_report *r);
/* The worst severity among the findings (INFO when there are none). */
CVDGUARD_EXPORT int cvdguard_report_worst_severity(const cvdguard_report *r);
/* 1 if a finding has this code number, else 0. */
CVDGUARD_EXPORT int cvdguard_report_has_code(const cvdguard_report *r, int code);
/* The path as given; for fd and memory input the name, if any, else "". */
CVDGUARD_EXPORT const char *cvdguard_report_path(const cvdguard_report *r);
/* A cvdguard_kind (from the content) and its name ("cvd", ...). */
CVDGUARD_EXPORT int cvdguard_report_kind(const cvdguard_report *r);
CVDGUARD_EXPORT const char *cvdguard_report_kind_name(const cvdguard_report *r);
/* The database name ("daily"), "" if not found. */
CVDGUARD_EXPORT const char *cvdguard_report_database(const cvdguard_report *r);
CVDGUARD_EXPORT uint64_t cvdguard_report_file_size(const cvdguard_report *r);
CVDGUARD_EXPORT uint64_t cvdguard_report_inflated_size(const cvdguard_report *r);

/* The 512-byte header. present: 1 if the magic was found and fields split.
 * The numeric getters return 1 and store the value when that field parsed,
 * 0 when it did not (or no header), CVDGUARD_E_ARGUMENT for NULL. The string
 * getters return "" when absent. */
CVDGUARD_EXPORT int cvdguard_report_header_present(const cvdguard_report *r);
CVDGUARD_EXPORT int cvdguard_report_header_version(const cvdguard_report *r,
                                                   uint32_t *out);
CVDGUARD_EXPORT int cvdguard_report_header_sigs(const cvdguard_report *r, uint32_t *out);
CVDGUARD_EXPORT int cvdguard_report_header_flevel(const cvdguard_report *r,
                                                  uint32_t *out);
CVDGUARD_EXPORT int cvdguard_report_header_stime(const cvdguard_report *r, uint64_t *out);
CVDGUARD_EXPORT const char *cvdguard_report_header_build_time(const cvdguard_report *r);
CVDGUARD_EXPORT const char *cvdguard_report_header_builder(const cvdguard_report *r);
CVDGUARD_EXPORT const char *cvdguard_report_header_md5(const cvdguard_report *r);
CVDGUARD_EXPORT const char *cvdguard_report_header_dsig(const cvdguard_report *r);

/* Tar members, in archive order. */
CVDGUARD_EXPORT size_t cvdguard_report_member_count(const cvdguard_report *r);
CVDGUARD_EXPORT const char *cvdguard_report_member_name(const cvdguard_report *r,
                                                        size_t i);
/* Size in bytes; 0 for an index out of range. */
CVDGUARD_EXPORT uint64_t cvdguard_report_member_size(const cvdguard_report *r, size_t i);
/* Lower-case hex SHA-256 of the member's data. */
CVDGUARD_EXPORT const char *cvdguard_report_member_sha256(const cvdguard_report *r,
                                                          size_t i);

/* Findings, in the order found. The numeric getters return
 * CVDGUARD_E_ARGUMENT (code, severity) or CVDGUARD_NO_OFFSET (offsets) for a
 * bad index; line is 0 when none or bad index. */
CVDGUARD_EXPORT size_t cvdguard_report_finding_count(const cvdguard_report *r);
CVDGUARD_EXPORT int cvdguard_report_finding_code(const cvdguard_report *r, size_t i);
CVDGUARD_EXPORT const char *cvdguard_report_finding_code_name(const cvdguard_report *r,
                                                              size_t i);
CVDGUARD_EXPORT int cvdguard_report_finding_severity(const cvdguard_report *r, size_t i);
/* Byte offset in the input file, CVDGUARD_NO_OFFSET when none. */
CVDGUARD_EXPORT uint64_t cvdguard_report_finding_offset(const cvdguard_report *r,
                                                        size_t i);
/* Byte offset in the uncompressed tar, CVDGUARD_NO_OFFSET when none. */
CVDGUARD_EXPORT uint64_t cvdguard_report_finding_tar_offset(const cvdguard_report *r,
                                                            size_t i);
/* The tar member it is about ("" when none). */
CVDGUARD_EXPORT const char *cvdguard_report_finding_member(const cvdguard_report *r,
                                                           size_t i);
/* 1-based line in the member, 0 when none. */
CVDGUARD_EXPORT uint64_t cvdguard_report_finding_line(const cvdguard_report *r, size_t i);
CVDGUARD_EXPORT const char *cvdguard_report_finding_message(const cvdguard_report *r,
                                                            size_t i);

/* The signature outcome. verified_by: the method that authenticated the
 * content: "legacy", "info_dsig", "sign", "cdiff_trailer" or "none". Then
 * every method that was tried, with its outcome. */
CVDGUARD_EXPORT const char *cvdguard_report_verified_by(const cvdguard_report *r);
CVDGUARD_EXPORT size_t cvdguard_report_signature_count(const cvdguard_report *r);
/* "legacy", "info_dsig", "sign", "cdiff_trailer". */
CVDGUARD_EXPORT const char *cvdguard_report_signature_method(const cvdguard_report *r,
                                                             size_t i);
/* A cvdguard_sig_outcome, or CVDGUARD_E_ARGUMENT. */
CVDGUARD_EXPORT int cvdguard_report_signature_outcome(const cvdguard_report *r,
                                                      size_t i);
/* "valid", "invalid", "cannot_verify". */
CVDGUARD_EXPORT const char *cvdguard_report_signature_outcome_name(
    const cvdguard_report *r, size_t i);
/* The label of the key that verified (legacy, info, cdiff methods). */
CVDGUARD_EXPORT const char *cvdguard_report_signature_key(const cvdguard_report *r,
                                                          size_t i);
/* The signing certificate's subject (.sign). */
CVDGUARD_EXPORT const char *cvdguard_report_signature_signer(const cvdguard_report *r,
                                                             size_t i);
/* Why it failed or could not verify ("" when valid). */
CVDGUARD_EXPORT const char *cvdguard_report_signature_detail(const cvdguard_report *r,
                                                             size_t i);

/* The report as one line of JSON: the `cvdguard verify --json` schema
 * (docs/json-schema.md). Owned by the report. */
CVDGUARD_EXPORT const char *cvdguard_report_json(const cvdguard_report *r);

/* --- activation (docs/activation.md) ------------------------------------ */

typedef struct cvdguard_operation cvdguard_operation;

typedef enum cvdguard_op_status {
  CVDGUARD_OP_OK = 0,         /* all activated / nothing pruned / rolled back */
  CVDGUARD_OP_INCOMPLETE = 1, /* some not activated / something pruned /
                                 nothing to roll back to */
  CVDGUARD_OP_IO_ERROR = 2    /* I/O error or lock timeout: LIVE untouched */
} cvdguard_op_status;

typedef enum cvdguard_file_outcome {
  CVDGUARD_FILE_ACTIVATED = 0,
  CVDGUARD_FILE_ALREADY_LIVE = 1,
  CVDGUARD_FILE_QUARANTINED = 2,
  CVDGUARD_FILE_REFUSED = 3,
  CVDGUARD_FILE_KEPT = 4,
  CVDGUARD_FILE_RESTORED = 5,
  CVDGUARD_FILE_FAILED = 6
} cvdguard_file_outcome;

/* Validates the `n` candidate files and makes the valid ones live in
 * `live_dir`; invalid ones go to `quarantine_dir`. `state_dir` NULL or "":
 * the default (<live>/.cvdguard). `opts` may be NULL. Returns CVDGUARD_OK
 * with the result in *out, whatever the operation's own status (read it
 * with cvdguard_operation_status), or a negative value for bad arguments. */
CVDGUARD_EXPORT int cvdguard_activate(const char *live_dir, const char *quarantine_dir,
                                      const char *state_dir,
                                      const char *const *candidates, size_t n,
                                      const cvdguard_options *opts,
                                      cvdguard_operation **out);
/* Validates every definition file in LIVE and quarantines the invalid. */
CVDGUARD_EXPORT int cvdguard_prune(const char *live_dir, const char *quarantine_dir,
                                   const cvdguard_options *opts,
                                   cvdguard_operation **out);
/* Restores the last-known-good set. */
CVDGUARD_EXPORT int cvdguard_rollback(const char *live_dir, const char *quarantine_dir,
                                      const char *state_dir,
                                      const cvdguard_options *opts,
                                      cvdguard_operation **out);
CVDGUARD_EXPORT void cvdguard_operation_free(cvdguard_operation *op);

/* A cvdguard_op_status, or CVDGUARD_E_ARGUMENT for NULL. */
CVDGUARD_EXPORT int cvdguard_operation_status(const cvdguard_operation *op);
/* 1 if LIVE was changed. */
CVDGUARD_EXPORT int cvdguard_operation_live_changed(const cvdguard_operation *op);
/* The I/O error when the status is CVDGUARD_OP_IO_ERROR, else "". */
CVDGUARD_EXPORT const char *cvdguard_operation_error(const cvdguard_operation *op);
/* One entry per candidate (activate), live file (prune) or swapped file
 * (rollback). */
CVDGUARD_EXPORT size_t cvdguard_operation_file_count(const cvdguard_operation *op);
CVDGUARD_EXPORT const char *cvdguard_operation_file_path(const cvdguard_operation *op,
                                                         size_t i);
/* "daily.cvd"; "" when refused by name. */
CVDGUARD_EXPORT const char *cvdguard_operation_file_live_name(
    const cvdguard_operation *op, size_t i);
/* A cvdguard_file_outcome, or CVDGUARD_E_ARGUMENT. */
CVDGUARD_EXPORT int cvdguard_operation_file_outcome(const cvdguard_operation *op,
                                                    size_t i);
/* "activated", "already_live", ... */
CVDGUARD_EXPORT const char *cvdguard_operation_file_outcome_name(
    const cvdguard_operation *op, size_t i);
/* The finding code why it was refused or quarantined; 0 when none,
 * CVDGUARD_E_ARGUMENT for a bad index. */
CVDGUARD_EXPORT int cvdguard_operation_file_code(const cvdguard_operation *op, size_t i);
CVDGUARD_EXPORT const char *cvdguard_operation_file_message(const cvdguard_operation *op,
                                                            size_t i);
CVDGUARD_EXPORT uint32_t cvdguard_operation_file_version(const cvdguard_operation *op,
                                                         size_t i);
CVDGUARD_EXPORT const char *cvdguard_operation_file_sha256(const cvdguard_operation *op,
                                                           size_t i);
/* The validation report of that file, owned by the operation; NULL when the
 * file was not validated. */
CVDGUARD_EXPORT const cvdguard_report *cvdguard_operation_file_report(
    const cvdguard_operation *op, size_t i);
/* Human-readable notes (a completed interrupted operation, no-ops). */
CVDGUARD_EXPORT size_t cvdguard_operation_note_count(const cvdguard_operation *op);
CVDGUARD_EXPORT const char *cvdguard_operation_note(const cvdguard_operation *op,
                                                    size_t i);

/* What is live, in last-known-good and in quarantine, as one line of JSON
 * (docs/activation.md). `state_dir`, `quarantine_dir` may be NULL. Returns
 * CVDGUARD_OK and a string to free with cvdguard_string_free, or
 * CVDGUARD_E_IO when LIVE could not be read. */
CVDGUARD_EXPORT int cvdguard_status(const char *live_dir, const char *state_dir,
                                    const char *quarantine_dir,
                                    const cvdguard_options *opts, char **json_out);

/* --- fault decision engine (docs/faults.md) ------------------------------ */

typedef struct cvdguard_fault_engine cvdguard_fault_engine;

typedef enum cvdguard_fault_event_kind {
  CVDGUARD_EVENT_CONNECTOR_START = 0,
  CVDGUARD_EVENT_SERVICE_STARTED = 1,
  CVDGUARD_EVENT_SERVICE_START_FAILED = 2,
  CVDGUARD_EVENT_SERVICE_CRASHED = 3,
  CVDGUARD_EVENT_DEFINITIONS_ACTIVATED = 4,
  CVDGUARD_EVENT_TICK = 5
} cvdguard_fault_event_kind;

typedef enum cvdguard_decision_kind {
  CVDGUARD_DECISION_RESTART_SERVICE = 0,
  CVDGUARD_DECISION_PRUNE = 1,
  CVDGUARD_DECISION_ROLLBACK = 2,
  CVDGUARD_DECISION_FAULT_RAISED = 3,
  CVDGUARD_DECISION_FAULT_CLEARED = 4,
  CVDGUARD_DECISION_INTERVENTION_REQUIRED = 5,
  CVDGUARD_DECISION_INTEGRITY_GAP = 6
} cvdguard_decision_kind;

/* A new engine. `config_json` is a config object (docs/faults.md) or NULL
 * for the defaults. CVDGUARD_E_REJECTED for a bad config. */
CVDGUARD_EXPORT int cvdguard_fault_engine_new(const char *config_json,
                                              cvdguard_fault_engine **out);
CVDGUARD_EXPORT void cvdguard_fault_engine_free(cvdguard_fault_engine *e);

/* Applies one event given as a `faults replay` input line (one JSON
 * object). Returns the number of decisions it produced (>= 0), readable
 * with the decision getters until the next apply, or a negative value
 * (CVDGUARD_E_REJECTED: malformed event or time going backwards; the state
 * is then unchanged and there are no decisions). */
CVDGUARD_EXPORT int cvdguard_fault_engine_apply_json(cvdguard_fault_engine *e,
                                                     const char *event_line);
/* The same for an event without files (any kind except
 * DEFINITIONS_ACTIVATED). `detail` may be NULL. */
CVDGUARD_EXPORT int cvdguard_fault_engine_apply(cvdguard_fault_engine *e, double t,
                                                int kind, const char *detail);
/* A definitions_activated event with `n` files. Each digest is 64 hex
 * digits in either case, stored lower-case. */
CVDGUARD_EXPORT int cvdguard_fault_engine_apply_activated(cvdguard_fault_engine *e,
                                                          double t,
                                                          const char *const *names,
                                                          const uint64_t *versions,
                                                          const char *const *sha256,
                                                          size_t n);

/* The decisions of the last apply; none if it failed. */
CVDGUARD_EXPORT size_t cvdguard_fault_engine_decision_count(
    const cvdguard_fault_engine *e);
/* A cvdguard_decision_kind, or CVDGUARD_E_ARGUMENT. */
CVDGUARD_EXPORT int cvdguard_fault_decision_kind(const cvdguard_fault_engine *e,
                                                 size_t i);
/* "restart_service", "prune", ... */
CVDGUARD_EXPORT const char *cvdguard_fault_decision_kind_name(
    const cvdguard_fault_engine *e, size_t i);
CVDGUARD_EXPORT double cvdguard_fault_decision_time(const cvdguard_fault_engine *e,
                                                    size_t i);
/* restart_service: the delay before restarting, seconds. */
CVDGUARD_EXPORT double cvdguard_fault_decision_delay(const cvdguard_fault_engine *e,
                                                     size_t i);
/* fault_raised/fault_cleared/intervention_required: the fault number. */
CVDGUARD_EXPORT int cvdguard_fault_decision_fault(const cvdguard_fault_engine *e,
                                                  size_t i);
/* intervention_required: why. */
CVDGUARD_EXPORT const char *cvdguard_fault_decision_reason(
    const cvdguard_fault_engine *e, size_t i);
/* integrity_gap: the digests of the files at fault. */
CVDGUARD_EXPORT size_t cvdguard_fault_decision_sha256_count(
    const cvdguard_fault_engine *e, size_t i);
CVDGUARD_EXPORT const char *cvdguard_fault_decision_sha256(
    const cvdguard_fault_engine *e, size_t i, size_t j);
/* The decision as a `faults replay` output line. */
CVDGUARD_EXPORT const char *cvdguard_fault_decision_json(const cvdguard_fault_engine *e,
                                                         size_t i);

/* 1 if fault 10 or 12 is raised, 0 if not, CVDGUARD_E_ARGUMENT for NULL. */
CVDGUARD_EXPORT int cvdguard_fault_engine_fault_raised(const cvdguard_fault_engine *e,
                                                       int fault);
/* 1 if later validation refused this digest (an integrity gap named it). */
CVDGUARD_EXPORT int cvdguard_fault_engine_digest_refused(const cvdguard_fault_engine *e,
                                                         const char *sha256);
CVDGUARD_EXPORT uint64_t cvdguard_fault_engine_event_count(
    const cvdguard_fault_engine *e);
/* Loads <state_dir>/faults.journal (a missing one leaves a fresh state) /
 * saves it atomically. CVDGUARD_E_REJECTED for a corrupt journal,
 * CVDGUARD_E_IO when it cannot be read or written. */
CVDGUARD_EXPORT int cvdguard_fault_engine_load(cvdguard_fault_engine *e,
                                               const char *state_dir);
CVDGUARD_EXPORT int cvdguard_fault_engine_save(const cvdguard_fault_engine *e,
                                               const char *state_dir);

#ifdef __cplusplus
} /* extern "C" */
#endif

#endif /* CVDGUARD_CVDGUARD_H_ */
