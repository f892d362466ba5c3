/* The C API, from C: compiled as C99 (not C++) and linked against the shared
 * library. Exercises every entry point of cvdguard.h on the genuine files in
 * ../shared/realdata, on broken input, on NULL arguments and on a missing
 * file. Exit 0 only if every check passed. */
#define _XOPEN_SOURCE 700
#include <dirent.h>
#include <fcntl.h>
#include <ftw.h>
#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "cvdguard/cvdguard.h"

#ifndef CVDGUARD_REALDATA_DIR
#error "CVDGUARD_REALDATA_DIR must be defined"
#endif
#ifndef CVDGUARD_EXPECTED_VERSION
#error "CVDGUARD_EXPECTED_VERSION must be defined"
#endif

static int g_checks = 0;
static int g_failures = 0;

#define CHECK(cond)                                                          \
  do {                                                                       \
    ++g_checks;                                                              \
    if (!(cond)) {                                                           \
      ++g_failures;                                                          \
      fprintf(stderr, "%s:%d: CHECK failed: %s (last error: %s)\n", __FILE__, \
              __LINE__, #cond, cvdguard_last_error());                       \
    }                                                                        \
  } while (0)

#define CHECK_STR(actual, expected)                                            \
  do {                                                                         \
    const char *a_ = (actual);                                                 \
    ++g_checks;                                                                \
    if (a_ == NULL || strcmp(a_, (expected)) != 0) {                           \
      ++g_failures;                                                            \
      fprintf(stderr, "%s:%d: %s is \"%s\", expected \"%s\"\n", __FILE__,      \
              __LINE__, #actual, a_ == NULL ? "(null)" : a_, (expected));      \
    }                                                                          \
  } while (0)

/* Checks a report's validity; on a mismatch prints the report as JSON. */
#define CHECK_VALID(r, expected)                                                \
  do {                                                                          \
    const cvdguard_report *r_ = (r);                                            \
    ++g_checks;                                                                 \
    if (cvdguard_report_valid(r_) != (expected)) {                              \
      ++g_failures;                                                             \
      fprintf(stderr, "%s:%d: %s: valid is %d, expected %d; report: %s\n",     \
              __FILE__, __LINE__, #r, cvdguard_report_valid(r_), (expected),    \
              r_ == NULL ? "(null)" : cvdguard_report_json(r_));                \
    }                                                                           \
  } while (0)

static char g_tmp[256];

static void path_join(char *out, size_t n, const char *a, const char *b) {
  snprintf(out, n, "%s/%s", a, b);
}

static char *read_file(const char *path, size_t *size) {
  FILE *f = fopen(path, "rb");
  char *buf = NULL;
  long len;
  if (f == NULL) return NULL;
  if (fseek(f, 0, SEEK_END) != 0 || (len = ftell(f)) < 0 || fseek(f, 0, SEEK_SET) != 0) {
    fclose(f);
    return NULL;
  }
  buf = malloc((size_t)len + 1);
  if (buf != NULL && fread(buf, 1, (size_t)len, f) != (size_t)len) {
    free(buf);
    buf = NULL;
  }
  fclose(f);
  if (buf != NULL) {
    buf[len] = '\0';
    *size = (size_t)len;
  }
  return buf;
}

static int write_file(const char *path, const void *data, size_t size) {
  FILE *f = fopen(path, "wb");
  int ok;
  if (f == NULL) return 0;
  ok = fwrite(data, 1, size, f) == size;
  return fclose(f) == 0 && ok;
}

static int copy_file(const char *from, const char *to) {
  size_t size = 0;
  char *data = read_file(from, &size);
  int ok = data != NULL && write_file(to, data, size);
  free(data);
  return ok;
}

static const char *realdata(const char *name) {
  static char buf[4][1024];
  static int next = 0;
  char *out = buf[next++ % 4];
  path_join(out, sizeof buf[0], CVDGUARD_REALDATA_DIR, name);
  return out;
}

static const char *tmp_path(const char *name) {
  static char buf[8][1024];
  static int next = 0;
  char *out = buf[next++ % 8];
  path_join(out, sizeof buf[0], g_tmp, name);
  return out;
}

static int remove_entry(const char *path, const struct stat *sb, int flag, struct FTW *ftw) {
  (void)sb;
  (void)flag;
  (void)ftw;
  return remove(path);
}

/* --- version, errors, codes ----------------------------------------------- */

static void test_version_and_codes(void) {
  CHECK_STR(cvdguard_version(), CVDGUARD_EXPECTED_VERSION);
  CHECK_STR(cvdguard_code_name(2), "IO_ERROR");
  CHECK(cvdguard_code_summary(2) != NULL && strlen(cvdguard_code_summary(2)) > 0);
  CHECK(cvdguard_code_from_name("IO_ERROR") == 2);
  CHECK(cvdguard_code_from_name("HEADER_VERSION_DOWNGRADE") == 116);
  CHECK(cvdguard_code_from_name("NO_SUCH_CODE") == CVDGUARD_E_ARGUMENT);
  CHECK(strstr(cvdguard_last_error(), "NO_SUCH_CODE") != NULL);
  CHECK(cvdguard_code_from_name(NULL) == CVDGUARD_E_ARGUMENT);
  CHECK(cvdguard_code_name(-7) == NULL);
  CHECK(cvdguard_code_name(65535) == NULL);
  CHECK(cvdguard_code_summary(65535) == NULL);
  CHECK_STR(cvdguard_severity_name(CVDGUARD_SEVERITY_INFO), "info");
  CHECK_STR(cvdguard_severity_name(CVDGUARD_SEVERITY_FATAL), "fatal");
  CHECK(cvdguard_severity_name(4) == NULL);
  CHECK(cvdguard_severity_name(-1) == NULL);
  cvdguard_string_free(NULL);
}

/* --- verify ---------------------------------------------------------------- */

static void check_findings_consistent(const cvdguard_report *r) {
  size_t i, n = cvdguard_report_finding_count(r);
  for (i = 0; i < n; ++i) {
    int code = cvdguard_report_finding_code(r, i);
    int sev = cvdguard_report_finding_severity(r, i);
    CHECK(code >= 0);
    CHECK_STR(cvdguard_report_finding_code_name(r, i), cvdguard_code_name(code));
    CHECK(sev >= CVDGUARD_SEVERITY_INFO && sev <= CVDGUARD_SEVERITY_FATAL);
    CHECK(sev <= cvdguard_report_worst_severity(r));
    CHECK(cvdguard_report_finding_member(r, i) != NULL);
    CHECK(cvdguard_report_finding_message(r, i) != NULL &&
          strlen(cvdguard_report_finding_message(r, i)) > 0);
    CHECK(cvdguard_report_has_code(r, code) == 1);
    (void)cvdguard_report_finding_offset(r, i);
    (void)cvdguard_report_finding_tar_offset(r, i);
    (void)cvdguard_report_finding_line(r, i);
  }
  /* Out of range. */
  CHECK(cvdguard_report_finding_code(r, n) == CVDGUARD_E_ARGUMENT);
  CHECK(cvdguard_report_finding_code_name(r, n) == NULL);
  CHECK(cvdguard_report_finding_severity(r, n) == CVDGUARD_E_ARGUMENT);
  CHECK(cvdguard_report_finding_offset(r, n) == CVDGUARD_NO_OFFSET);
  CHECK(cvdguard_report_finding_tar_offset(r, n) == CVDGUARD_NO_OFFSET);
  CHECK(cvdguard_report_finding_member(r, n) == NULL);
  CHECK(cvdguard_report_finding_line(r, n) == 0);
  CHECK(cvdguard_report_finding_message(r, n) == NULL);
}

static void test_verify_valid_real_file(void) {
  cvdguard_report *r = NULL;
  uint32_t u32 = 0;
  uint64_t u64 = 0;
  size_t i, nsig;
  int any_valid_sig = 0;

  CHECK(cvdguard_verify_path(realdata("test-1.cvd"), NULL, &r) == CVDGUARD_OK);
  CHECK(r != NULL);
  if (r == NULL) return;
  CHECK_VALID(r, 1);
  CHECK(cvdguard_report_verdict(r) == CVDGUARD_VERDICT_VALID);
  CHECK_STR(cvdguard_report_verdict_name(r), "valid");
  CHECK(cvdguard_report_worst_severity(r) <= CVDGUARD_SEVERITY_WARNING);
  CHECK_STR(cvdguard_report_path(r), realdata("test-1.cvd"));
  CHECK(cvdguard_report_kind(r) == CVDGUARD_KIND_CVD);
  CHECK_STR(cvdguard_report_kind_name(r), "cvd");
  CHECK_STR(cvdguard_report_database(r), "test");
  CHECK(cvdguard_report_file_size(r) > 512);
  CHECK(cvdguard_report_inflated_size(r) > 0);

  /* Header: README.md of realdata. */
  CHECK(cvdguard_report_header_present(r) == 1);
  CHECK(cvdguard_report_header_version(r, &u32) == 1 && u32 == 1);
  CHECK(cvdguard_report_header_flevel(r, &u32) == 1 && u32 == 81);
  CHECK(cvdguard_report_header_sigs(r, &u32) == 1);
  CHECK(cvdguard_report_header_stime(r, &u64) == 1 && u64 > 1600000000u);
  CHECK(cvdguard_report_header_version(r, NULL) == 1);
  CHECK_STR(cvdguard_report_header_builder(r), "micasnyd");
  CHECK(strstr(cvdguard_report_header_build_time(r), "Jun 2021") != NULL);
  CHECK(strlen(cvdguard_report_header_md5(r)) == 32);
  CHECK(strlen(cvdguard_report_header_dsig(r)) > 0);

  /* Members. */
  CHECK(cvdguard_report_member_count(r) > 0);
  for (i = 0; i < cvdguard_report_member_count(r); ++i) {
    CHECK(strlen(cvdguard_report_member_name(r, i)) > 0);
    CHECK(strlen(cvdguard_report_member_sha256(r, i)) == 64);
  }
  CHECK(cvdguard_report_member_name(r, i) == NULL);
  CHECK(cvdguard_report_member_sha256(r, i) == NULL);
  CHECK(cvdguard_report_member_size(r, i) == 0);
  for (i = 0; i < cvdguard_report_member_count(r); ++i) {
    if (strcmp(cvdguard_report_member_name(r, i), "test.info") == 0) {
      CHECK(cvdguard_report_member_size(r, i) > 0);
      break;
    }
  }
  CHECK(i < cvdguard_report_member_count(r)); /* test.info was found */

  check_findings_consistent(r);

  /* Signatures: authenticated by one of the legacy methods (no trust store
   * was given, so the .sign beside the file cannot verify). */
  CHECK(strcmp(cvdguard_report_verified_by(r), "legacy") == 0 ||
        strcmp(cvdguard_report_verified_by(r), "info_dsig") == 0);
  nsig = cvdguard_report_signature_count(r);
  CHECK(nsig > 0);
  for (i = 0; i < nsig; ++i) {
    int outcome = cvdguard_report_signature_outcome(r, i);
    CHECK(outcome >= CVDGUARD_SIG_VALID && outcome <= CVDGUARD_SIG_CANNOT_VERIFY);
    CHECK(cvdguard_report_signature_method(r, i) != NULL);
    CHECK(cvdguard_report_signature_outcome_name(r, i) != NULL);
    CHECK(cvdguard_report_signature_key(r, i) != NULL);
    CHECK(cvdguard_report_signature_signer(r, i) != NULL);
    CHECK(cvdguard_report_signature_detail(r, i) != NULL);
    if (outcome == CVDGUARD_SIG_VALID) {
      any_valid_sig = 1;
      CHECK_STR(cvdguard_report_signature_outcome_name(r, i), "valid");
    }
  }
  CHECK(any_valid_sig);
  CHECK(cvdguard_report_signature_method(r, nsig) == NULL);
  CHECK(cvdguard_report_signature_outcome(r, nsig) == CVDGUARD_E_ARGUMENT);
  CHECK(cvdguard_report_signature_outcome_name(r, nsig) == NULL);
  CHECK(cvdguard_report_signature_key(r, nsig) == NULL);
  CHECK(cvdguard_report_signature_signer(r, nsig) == NULL);
  CHECK(cvdguard_report_signature_detail(r, nsig) == NULL);

  /* JSON: the verify --json schema; same pointer on a second call. */
  CHECK(cvdguard_report_json(r) != NULL);
  CHECK(cvdguard_report_json(r) == cvdguard_report_json(r));
  CHECK(strstr(cvdguard_report_json(r), "\"verdict\":\"valid\"") != NULL ||
        strstr(cvdguard_report_json(r), "\"verdict\": \"valid\"") != NULL);
  CHECK(strstr(cvdguard_report_json(r), "\"kind\"") != NULL);
  cvdguard_report_free(r);

  /* bytecode-19.cvd: another real database. */
  r = NULL;
  CHECK(cvdguard_verify_path(realdata("bytecode-19.cvd"), NULL, &r) == CVDGUARD_OK);
  CHECK_VALID(r, 1);
  CHECK_STR(cvdguard_report_database(r), "bytecode");
  CHECK(cvdguard_report_header_version(r, &u32) == 1 && u32 == 19);
  CHECK(cvdguard_report_header_sigs(r, &u32) == 1 && u32 == 3);
  cvdguard_report_free(r);
}

static void test_verify_fd_and_memory(void) {
  cvdguard_report *r = NULL;
  size_t size = 0;
  char *data;
  int fd = open(realdata("test-2.cvd"), O_RDONLY);
  uint32_t v = 0;
  CHECK(fd >= 0);
  CHECK(cvdguard_verify_fd(fd, "test-2.cvd", NULL, &r) == CVDGUARD_OK);
  close(fd);
  CHECK_VALID(r, 1);
  CHECK(cvdguard_report_header_version(r, &v) == 1 && v == 2);
  cvdguard_report_free(r);

  data = read_file(realdata("test-3.cvd"), &size);
  CHECK(data != NULL);
  r = NULL;
  CHECK(cvdguard_verify_memory(data, size, "test-3.cvd", NULL, &r) == CVDGUARD_OK);
  CHECK_VALID(r, 1);
  CHECK(cvdguard_report_header_version(r, &v) == 1 && v == 3);
  cvdguard_report_free(r);

  /* Truncated after the header: invalid, with a finding. */
  r = NULL;
  CHECK(cvdguard_verify_memory(data, 600, "test-3.cvd", NULL, &r) == CVDGUARD_OK);
  CHECK_VALID(r, 0);
  CHECK(cvdguard_report_verdict(r) == CVDGUARD_VERDICT_INVALID);
  CHECK(cvdguard_report_finding_count(r) > 0);
  CHECK(cvdguard_report_worst_severity(r) >= CVDGUARD_SEVERITY_ERROR);
  CHECK(cvdguard_report_header_present(r) == 1); /* the header itself is fine */
  CHECK_STR(cvdguard_report_verified_by(r), "none");
  check_findings_consistent(r);
  cvdguard_report_free(r);

  /* A flipped byte in the signed payload. */
  data[size - 100] = (char)(data[size - 100] ^ 0x55);
  r = NULL;
  CHECK(cvdguard_verify_memory(data, size, "test-3.cvd", NULL, &r) == CVDGUARD_OK);
  CHECK_VALID(r, 0);
  cvdguard_report_free(r);
  free(data);

  /* Empty input is a report (invalid), not an error. */
  r = NULL;
  CHECK(cvdguard_verify_memory(NULL, 0, NULL, NULL, &r) == CVDGUARD_OK);
  CHECK_VALID(r, 0);
  CHECK_STR(cvdguard_report_path(r), "");
  CHECK(cvdguard_report_header_present(r) == 0);
  CHECK(cvdguard_report_header_version(r, &v) == 0);
  CHECK_STR(cvdguard_report_header_builder(r), "");
  cvdguard_report_free(r);
}

static void test_verify_invalid_file(void) {
  static const char kHtml[] =
      "<!DOCTYPE html><html><head><title>503 Service Unavailable</title></head>"
      "<body>try again later</body></html>\n";
  const char *path = tmp_path("daily.cvd");
  cvdguard_report *r = NULL;
  CHECK(write_file(path, kHtml, sizeof kHtml - 1));
  CHECK(cvdguard_verify_path(path, NULL, &r) == CVDGUARD_OK);
  CHECK(r != NULL);
  CHECK_VALID(r, 0);
  CHECK(cvdguard_report_verdict(r) == CVDGUARD_VERDICT_INVALID);
  CHECK_STR(cvdguard_report_verdict_name(r), "invalid");
  CHECK(cvdguard_report_worst_severity(r) == CVDGUARD_SEVERITY_FATAL);
  CHECK(cvdguard_report_has_code(r, cvdguard_code_from_name("NOT_CONTAINER_HTML")) == 1);
  CHECK(cvdguard_report_has_code(r, 2) == 0);
  CHECK(cvdguard_report_has_code(r, 65535) == 0);
  CHECK(cvdguard_report_finding_count(r) >= 1);
  CHECK(cvdguard_report_finding_severity(r, 0) >= CVDGUARD_SEVERITY_ERROR);
  CHECK(cvdguard_report_finding_offset(r, 0) == 0 ||
        cvdguard_report_finding_offset(r, 0) == CVDGUARD_NO_OFFSET);
  CHECK(strstr(cvdguard_report_json(r), "NOT_CONTAINER_HTML") != NULL);
  check_findings_consistent(r);
  cvdguard_report_free(r);
}

static void test_verify_errors(void) {
  cvdguard_report *r = (cvdguard_report *)&r; /* must be reset to NULL */
  CHECK(cvdguard_verify_path(realdata("no-such-file.cvd"), NULL, &r) == CVDGUARD_E_IO);
  CHECK(r == NULL);
  CHECK(strlen(cvdguard_last_error()) > 0);
  CHECK(cvdguard_last_error_code() == 2);
  r = (cvdguard_report *)&r;
  CHECK(cvdguard_verify_path(CVDGUARD_REALDATA_DIR, NULL, &r) == CVDGUARD_E_IO);
  CHECK(r == NULL);
  r = (cvdguard_report *)&r;
  CHECK(cvdguard_verify_path(NULL, NULL, &r) == CVDGUARD_E_ARGUMENT);
  CHECK(r == NULL);
  CHECK(cvdguard_verify_path("", NULL, &r) == CVDGUARD_E_ARGUMENT);
  CHECK(cvdguard_verify_path(realdata("test-1.cvd"), NULL, NULL) == CVDGUARD_E_ARGUMENT);
  CHECK(cvdguard_verify_fd(-1, NULL, NULL, &r) == CVDGUARD_E_ARGUMENT);
  CHECK(cvdguard_verify_fd(0, NULL, NULL, NULL) == CVDGUARD_E_ARGUMENT);
  CHECK(cvdguard_verify_memory(NULL, 5, NULL, NULL, &r) == CVDGUARD_E_ARGUMENT);
  CHECK(cvdguard_verify_memory("x", 1, NULL, NULL, NULL) == CVDGUARD_E_ARGUMENT);

  /* Every getter tolerates NULL. */
  cvdguard_report_free(NULL);
  CHECK_VALID(NULL, 0);
  CHECK(cvdguard_report_verdict(NULL) == CVDGUARD_E_ARGUMENT);
  CHECK(cvdguard_report_verdict_name(NULL) == NULL);
  CHECK(cvdguard_report_worst_severity(NULL) == CVDGUARD_E_ARGUMENT);
  CHECK(cvdguard_report_has_code(NULL, 2) == 0);
  CHECK(cvdguard_report_path(NULL) == NULL);
  CHECK(cvdguard_report_kind(NULL) == CVDGUARD_E_ARGUMENT);
  CHECK(cvdguard_report_kind_name(NULL) == NULL);
  CHECK(cvdguard_report_database(NULL) == NULL);
  CHECK(cvdguard_report_file_size(NULL) == 0);
  CHECK(cvdguard_report_inflated_size(NULL) == 0);
  CHECK(cvdguard_report_header_present(NULL) == CVDGUARD_E_ARGUMENT);
  CHECK(cvdguard_report_header_version(NULL, NULL) == CVDGUARD_E_ARGUMENT);
  CHECK(cvdguard_report_header_sigs(NULL, NULL) == CVDGUARD_E_ARGUMENT);
  CHECK(cvdguard_report_header_flevel(NULL, NULL) == CVDGUARD_E_ARGUMENT);
  CHECK(cvdguard_report_header_stime(NULL, NULL) == CVDGUARD_E_ARGUMENT);
  CHECK(cvdguard_report_header_build_time(NULL) == NULL);
  CHECK(cvdguard_report_header_builder(NULL) == NULL);
  CHECK(cvdguard_report_header_md5(NULL) == NULL);
  CHECK(cvdguard_report_header_dsig(NULL) == NULL);
  CHECK(cvdguard_report_member_count(NULL) == 0);
  CHECK(cvdguard_report_member_name(NULL, 0) == NULL);
  CHECK(cvdguard_report_member_size(NULL, 0) == 0);
  CHECK(cvdguard_report_member_sha256(NULL, 0) == NULL);
  CHECK(cvdguard_report_finding_count(NULL) == 0);
  CHECK(cvdguard_report_finding_code(NULL, 0) == CVDGUARD_E_ARGUMENT);
  CHECK(cvdguard_report_finding_message(NULL, 0) == NULL);
  CHECK(cvdguard_report_verified_by(NULL) == NULL);
  CHECK(cvdguard_report_signature_count(NULL) == 0);
  CHECK(cvdguard_report_signature_method(NULL, 0) == NULL);
  CHECK(cvdguard_report_json(NULL) == NULL);
}

static void test_options(void) {
  cvdguard_options *o = cvdguard_options_new();
  cvdguard_report *r = NULL;
  size_t i;
  int found_sign = 0;
  CHECK(o != NULL);
  if (o == NULL) return;

  /* NULL handle and bad values. */
  CHECK(cvdguard_options_add_key(NULL, CVDGUARD_KEY_CVD, "-----BEGIN PUBLIC KEY-----", NULL) ==
        CVDGUARD_E_ARGUMENT);
  CHECK(cvdguard_options_add_key(o, 7, "-----BEGIN PUBLIC KEY-----", NULL) ==
        CVDGUARD_E_ARGUMENT);
  CHECK(cvdguard_options_add_key(o, CVDGUARD_KEY_CVD, "not a key", NULL) ==
        CVDGUARD_E_ARGUMENT);
  CHECK(cvdguard_options_add_key(o, CVDGUARD_KEY_CVD, NULL, NULL) == CVDGUARD_E_ARGUMENT);
  CHECK(cvdguard_options_set_official_keys(NULL, 1) == CVDGUARD_E_ARGUMENT);
  CHECK(cvdguard_options_set_verify_signatures(NULL, 1) == CVDGUARD_E_ARGUMENT);
  CHECK(cvdguard_options_set_allow_unverified(NULL, 1) == CVDGUARD_E_ARGUMENT);
  CHECK(cvdguard_options_set_require_signed(NULL, 1) == CVDGUARD_E_ARGUMENT);
  CHECK(cvdguard_options_set_lint(NULL, 1) == CVDGUARD_E_ARGUMENT);
  CHECK(cvdguard_options_set_engine_flevel(NULL, 1) == CVDGUARD_E_ARGUMENT);
  CHECK(cvdguard_options_set_installed_version(NULL, 1) == CVDGUARD_E_ARGUMENT);
  CHECK(cvdguard_options_set_at_time(NULL, 1) == CVDGUARD_E_ARGUMENT);
  CHECK(cvdguard_options_set_certs_path(NULL, "x") == CVDGUARD_E_ARGUMENT);
  CHECK(cvdguard_options_set_sign_path(NULL, "x") == CVDGUARD_E_ARGUMENT);
  CHECK(cvdguard_options_set_discover_sign(NULL, 1) == CVDGUARD_E_ARGUMENT);
  CHECK(cvdguard_options_set_sign_policy(NULL, 0) == CVDGUARD_E_ARGUMENT);
  CHECK(cvdguard_options_set_sign_policy(o, 3) == CVDGUARD_E_ARGUMENT);
  CHECK(cvdguard_options_set_sign_policy(o, -1) == CVDGUARD_E_ARGUMENT);
  CHECK(cvdguard_options_set_allow_downgrade(NULL, 1) == CVDGUARD_E_ARGUMENT);
  CHECK(cvdguard_options_set_lock_timeout(NULL, 1) == CVDGUARD_E_ARGUMENT);
  CHECK(cvdguard_options_set_lock_timeout(o, -1) == CVDGUARD_E_ARGUMENT);
  CHECK(cvdguard_options_set_quarantine_bounds(NULL, 0, 0) == CVDGUARD_E_ARGUMENT);
  CHECK(cvdguard_options_set_quarantine_bounds(o, 0, -5) == CVDGUARD_E_ARGUMENT);
  CHECK(cvdguard_options_set_notify_path(NULL, "x") == CVDGUARD_E_ARGUMENT);
  CHECK(cvdguard_options_set_now(NULL, 1) == CVDGUARD_E_ARGUMENT);
  cvdguard_options_free(NULL);

  /* Installed version 2: test-1 is a downgrade (H13, code 116). */
  CHECK(cvdguard_options_set_installed_version(o, 2) == CVDGUARD_OK);
  CHECK(cvdguard_verify_path(realdata("test-1.cvd"), o, &r) == CVDGUARD_OK);
  CHECK_VALID(r, 0);
  CHECK(cvdguard_report_has_code(r, 116) == 1);
  cvdguard_report_free(r);
  cvdguard_options_free(o);

  /* Engine flevel 50 < the database's 81: a warning (code 113), still valid. */
  o = cvdguard_options_new();
  CHECK(cvdguard_options_set_engine_flevel(o, 50) == CVDGUARD_OK);
  r = NULL;
  CHECK(cvdguard_verify_path(realdata("test-1.cvd"), o, &r) == CVDGUARD_OK);
  CHECK(cvdguard_report_has_code(r, 113) == 1);
  cvdguard_report_free(r);
  cvdguard_options_free(o);

  /* No official keys and only a junk key: nothing can authenticate. */
  o = cvdguard_options_new();
  CHECK(cvdguard_options_set_official_keys(o, 0) == CVDGUARD_OK);
  CHECK(cvdguard_options_add_key(o, CVDGUARD_KEY_CVD,
                                 "-----BEGIN PUBLIC KEY-----\nAAAA\n-----END PUBLIC KEY-----\n",
                                 "junk") == CVDGUARD_OK);
  CHECK(cvdguard_options_set_discover_sign(o, 0) == CVDGUARD_OK);
  r = NULL;
  CHECK(cvdguard_verify_path(realdata("test-1.cvd"), o, &r) == CVDGUARD_OK);
  CHECK_VALID(r, 0);
  CHECK_STR(cvdguard_report_verified_by(r), "none");
  cvdguard_report_free(r);
  cvdguard_options_free(o);
  /* A key that is not usable is a fatal finding of its own (KEY_UNUSABLE). */
  o = cvdguard_options_new();
  CHECK(cvdguard_options_add_key(o, CVDGUARD_KEY_INFO,
                                 "-----BEGIN PUBLIC KEY-----\nAAAA\n-----END PUBLIC KEY-----\n",
                                 "junk") == CVDGUARD_OK);
  r = NULL;
  CHECK(cvdguard_verify_path(realdata("test-1.cvd"), o, &r) == CVDGUARD_OK);
  CHECK_VALID(r, 0);
  CHECK(cvdguard_report_has_code(r, cvdguard_code_from_name("KEY_UNUSABLE")) == 1);
  cvdguard_report_free(r);
  cvdguard_options_free(o);
  /* Signatures not checked, and that allowed: valid, verified by nothing. */
  o = cvdguard_options_new();
  CHECK(cvdguard_options_set_official_keys(o, 0) == CVDGUARD_OK);
  CHECK(cvdguard_options_set_discover_sign(o, 0) == CVDGUARD_OK);
  CHECK(cvdguard_options_set_verify_signatures(o, 0) == CVDGUARD_OK);
  CHECK(cvdguard_options_set_allow_unverified(o, 1) == CVDGUARD_OK);
  CHECK(cvdguard_options_set_lint(o, 0) == CVDGUARD_OK);
  r = NULL;
  CHECK(cvdguard_verify_path(realdata("test-1.cvd"), o, &r) == CVDGUARD_OK);
  CHECK_VALID(r, 1);
  CHECK_STR(cvdguard_report_verified_by(r), "none");
  cvdguard_report_free(r);
  cvdguard_options_free(o);

  /* FIPS policy with the TEST root at a pinned time: the .sign verifies. */
  o = cvdguard_options_new();
  CHECK(cvdguard_options_set_certs_path(o, realdata("certs/clamav-test-ca.crt")) ==
        CVDGUARD_OK);
  CHECK(cvdguard_options_set_at_time(o, 1767225600) == CVDGUARD_OK); /* 2026-01-01 */
  CHECK(cvdguard_options_set_sign_policy(o, CVDGUARD_SIGN_FIPS) == CVDGUARD_OK);
  CHECK(cvdguard_options_set_require_signed(o, 1) == CVDGUARD_OK);
  CHECK(cvdguard_options_set_sign_path(o, realdata("test-1.cvd.sign")) == CVDGUARD_OK);
  r = NULL;
  CHECK(cvdguard_verify_path(realdata("test-1.cvd"), o, &r) == CVDGUARD_OK);
  CHECK_VALID(r, 1);
  CHECK_STR(cvdguard_report_verified_by(r), "sign");
  for (i = 0; i < cvdguard_report_signature_count(r); ++i) {
    if (strcmp(cvdguard_report_signature_method(r, i), "sign") == 0) {
      found_sign = 1;
      CHECK(cvdguard_report_signature_outcome(r, i) == CVDGUARD_SIG_VALID);
      CHECK(strlen(cvdguard_report_signature_signer(r, i)) > 0);
    }
  }
  CHECK(found_sign);
  cvdguard_report_free(r);
  /* The .sign of another file: FIPS refuses. */
  CHECK(cvdguard_options_set_sign_path(o, realdata("test-2.cvd.sign")) == CVDGUARD_OK);
  r = NULL;
  CHECK(cvdguard_verify_path(realdata("test-1.cvd"), o, &r) == CVDGUARD_OK);
  CHECK_VALID(r, 0);
  cvdguard_report_free(r);
  /* No trust store: FIPS cannot be satisfied. */
  CHECK(cvdguard_options_set_sign_path(o, NULL) == CVDGUARD_OK);
  CHECK(cvdguard_options_set_certs_path(o, NULL) == CVDGUARD_OK);
  r = NULL;
  CHECK(cvdguard_verify_path(realdata("test-1.cvd"), o, &r) == CVDGUARD_OK);
  CHECK_VALID(r, 0);
  cvdguard_report_free(r);
  CHECK(cvdguard_options_set_sign_policy(o, CVDGUARD_SIGN_BOTH) == CVDGUARD_OK);
  cvdguard_options_free(o);
}

/* An explicit .sign is read by every entry point, not only by the path-based
 * one: under FIPS, test-1.cvd from memory or a descriptor is valid with
 * test-1.cvd.sign, and invalid with the .sign of another file. */
static void test_explicit_sign_path_is_read_from_memory_and_fd(void) {
  cvdguard_options *o = cvdguard_options_new();
  cvdguard_report *r = NULL;
  size_t size = 0;
  char *data = read_file(realdata("test-1.cvd"), &size);
  int fd;
  CHECK(data != NULL);
  CHECK(cvdguard_options_set_certs_path(o, realdata("certs/clamav-test-ca.crt")) ==
        CVDGUARD_OK);
  CHECK(cvdguard_options_set_at_time(o, 1767225600) == CVDGUARD_OK); /* 2026-01-01 */
  CHECK(cvdguard_options_set_sign_policy(o, CVDGUARD_SIGN_FIPS) == CVDGUARD_OK);
  CHECK(cvdguard_options_set_sign_path(o, realdata("test-1.cvd.sign")) == CVDGUARD_OK);

  CHECK(cvdguard_verify_memory(data, size, "test-1.cvd", o, &r) == CVDGUARD_OK);
  CHECK_VALID(r, 1);
  CHECK_STR(cvdguard_report_verified_by(r), "sign");
  cvdguard_report_free(r);

  fd = open(realdata("test-1.cvd"), O_RDONLY);
  CHECK(fd >= 0);
  r = NULL;
  CHECK(cvdguard_verify_fd(fd, "test-1.cvd", o, &r) == CVDGUARD_OK);
  close(fd);
  CHECK_VALID(r, 1);
  CHECK_STR(cvdguard_report_verified_by(r), "sign");
  cvdguard_report_free(r);

  /* The .sign is really checked: another file's is refused. */
  CHECK(cvdguard_options_set_sign_path(o, realdata("test-2.cvd.sign")) == CVDGUARD_OK);
  r = NULL;
  CHECK(cvdguard_verify_memory(data, size, "test-1.cvd", o, &r) == CVDGUARD_OK);
  CHECK_VALID(r, 0);
  cvdguard_report_free(r);

  /* An unreadable .sign is an I/O error, as for a path. */
  CHECK(cvdguard_options_set_sign_path(o, tmp_path("no-such.cvd.sign")) == CVDGUARD_OK);
  r = NULL;
  CHECK(cvdguard_verify_memory(data, size, "test-1.cvd", o, &r) == CVDGUARD_E_IO);
  CHECK(r == NULL);
  free(data);
  cvdguard_options_free(o);
}

/* --- activation ------------------------------------------------------------ */

static int find_outcome(const cvdguard_operation *op, int outcome) {
  size_t i;
  for (i = 0; i < cvdguard_operation_file_count(op); ++i) {
    if (cvdguard_operation_file_outcome(op, i) == outcome) return (int)i;
  }
  return -1;
}

static void test_cdiff_is_verified_as_a_patch(void) {
  cvdguard_report *r = NULL;
  size_t size = 0;
  char *data = read_file(realdata("test-2.cdiff"), &size);
  CHECK(data != NULL);
  CHECK(cvdguard_verify_cdiff_path(realdata("test-2.cdiff"), NULL, &r) == CVDGUARD_OK);
  CHECK_VALID(r, 1);
  CHECK_STR(cvdguard_report_kind_name(r), "cdiff");
  cvdguard_report_free(r);
  r = NULL;
  CHECK(cvdguard_verify_cdiff_memory(data, size, "test-2.cdiff", NULL, &r) == CVDGUARD_OK);
  CHECK_VALID(r, 1);
  cvdguard_report_free(r);
  /* One byte changed in the script: no longer valid. */
  data[size / 2] ^= 0x01;
  r = NULL;
  CHECK(cvdguard_verify_cdiff_memory(data, size, "test-2.cdiff", NULL, &r) == CVDGUARD_OK);
  CHECK_VALID(r, 0);
  cvdguard_report_free(r);
  CHECK(cvdguard_verify_cdiff_path(NULL, NULL, &r) == CVDGUARD_E_ARGUMENT && r == NULL);
  free(data);
}

static void test_activation(void) {
  char live[512], quarantine[512], staging[512], candidate[600], notify[512];
  const char *cands[1];
  cvdguard_options *o = cvdguard_options_new();
  cvdguard_operation *op = NULL;
  char *json = NULL;
  char *notice;
  size_t size = 0;
  int idx;
  uint32_t v = 0;

  snprintf(live, sizeof live, "%s", tmp_path("live"));
  snprintf(quarantine, sizeof quarantine, "%s", tmp_path("quarantine"));
  snprintf(staging, sizeof staging, "%s", tmp_path("staging"));
  snprintf(notify, sizeof notify, "%s", tmp_path("notices.jsonl"));
  snprintf(candidate, sizeof candidate, "%s/test.cvd", staging);
  CHECK(mkdir(live, 0755) == 0 && mkdir(quarantine, 0755) == 0 && mkdir(staging, 0755) == 0);
  CHECK(cvdguard_options_set_notify_path(o, notify) == CVDGUARD_OK);
  CHECK(cvdguard_options_set_now(o, 1767225600) == CVDGUARD_OK);
  CHECK(cvdguard_options_set_lock_timeout(o, 5) == CVDGUARD_OK);
  CHECK(cvdguard_options_set_quarantine_bounds(o, 0, 0) == CVDGUARD_OK);
  CHECK(cvdguard_options_set_allow_downgrade(o, 0) == CVDGUARD_OK);
  /* These tests are about activation; linting of the real files is covered
   * (with its default, on) by the verify tests above. */
  CHECK(cvdguard_options_set_lint(o, 0) == CVDGUARD_OK);
  cands[0] = candidate;

  /* Activate test-1 as test.cvd. */
  CHECK(copy_file(realdata("test-1.cvd"), candidate));
  CHECK(cvdguard_activate(live, quarantine, NULL, cands, 1, o, &op) == CVDGUARD_OK);
  CHECK(cvdguard_operation_status(op) == CVDGUARD_OP_OK);
  CHECK(cvdguard_operation_live_changed(op) == 1);
  CHECK_STR(cvdguard_operation_error(op), "");
  CHECK(cvdguard_operation_file_count(op) == 1);
  CHECK(cvdguard_operation_file_outcome(op, 0) == CVDGUARD_FILE_ACTIVATED);
  CHECK_STR(cvdguard_operation_file_outcome_name(op, 0), "activated");
  CHECK_STR(cvdguard_operation_file_live_name(op, 0), "test.cvd");
  CHECK_STR(cvdguard_operation_file_path(op, 0), candidate);
  CHECK(cvdguard_operation_file_version(op, 0) == 1);
  CHECK(strlen(cvdguard_operation_file_sha256(op, 0)) == 64);
  CHECK(cvdguard_operation_file_code(op, 0) >= 0);
  CHECK(cvdguard_operation_file_message(op, 0) != NULL);
  CHECK_VALID(cvdguard_operation_file_report(op, 0), 1);
  CHECK(cvdguard_report_header_version(cvdguard_operation_file_report(op, 0), &v) == 1 &&
        v == 1);
  CHECK(cvdguard_operation_file_path(op, 1) == NULL);
  CHECK(cvdguard_operation_file_outcome(op, 1) == CVDGUARD_E_ARGUMENT);
  CHECK(cvdguard_operation_file_report(op, 1) == NULL);
  CHECK(cvdguard_operation_note(op, cvdguard_operation_note_count(op)) == NULL);
  cvdguard_operation_free(op);
  notice = read_file(notify, &size);
  CHECK(notice != NULL && strstr(notice, "definitions_activated") != NULL &&
        strstr(notice, "test.cvd") != NULL);
  free(notice);

  /* Then test-2: activated over version 1. */
  CHECK(copy_file(realdata("test-2.cvd"), candidate));
  op = NULL;
  CHECK(cvdguard_activate(live, quarantine, "", cands, 1, o, &op) == CVDGUARD_OK);
  CHECK(cvdguard_operation_status(op) == CVDGUARD_OP_OK);
  CHECK(cvdguard_operation_file_outcome(op, 0) == CVDGUARD_FILE_ACTIVATED);
  CHECK(cvdguard_operation_file_version(op, 0) == 2);
  cvdguard_operation_free(op);

  /* A downgrade candidate (test-1 again) is refused with code 1002. */
  CHECK(copy_file(realdata("test-1.cvd"), candidate));
  op = NULL;
  CHECK(cvdguard_activate(live, quarantine, NULL, cands, 1, o, &op) == CVDGUARD_OK);
  CHECK(cvdguard_operation_status(op) == CVDGUARD_OP_INCOMPLETE);
  CHECK(cvdguard_operation_file_outcome(op, 0) == CVDGUARD_FILE_REFUSED);
  CHECK(cvdguard_operation_file_code(op, 0) == 1002);
  CHECK(cvdguard_operation_live_changed(op) == 0);
  cvdguard_operation_free(op);

  /* An HTML page as a candidate is quarantined. */
  CHECK(write_file(candidate, "<html>oops</html>\n", 18));
  op = NULL;
  CHECK(cvdguard_activate(live, quarantine, NULL, cands, 1, o, &op) == CVDGUARD_OK);
  CHECK(cvdguard_operation_file_outcome(op, 0) == CVDGUARD_FILE_QUARANTINED);
  CHECK(cvdguard_operation_file_code(op, 0) > 0);
  CHECK_VALID(cvdguard_operation_file_report(op, 0), 0);
  cvdguard_operation_free(op);

  /* Status: JSON naming the live file. */
  CHECK(cvdguard_status(live, NULL, NULL, o, &json) == CVDGUARD_OK);
  CHECK(json != NULL && strstr(json, "test.cvd") != NULL);
  cvdguard_string_free(json);
  json = (char *)&json;
  CHECK(cvdguard_status(tmp_path("no-such-live"), NULL, NULL, NULL, &json) == CVDGUARD_E_IO);
  CHECK(json == NULL);

  /* Rollback: version 1 comes back. */
  op = NULL;
  CHECK(cvdguard_rollback(live, quarantine, NULL, o, &op) == CVDGUARD_OK);
  CHECK(cvdguard_operation_status(op) == CVDGUARD_OP_OK);
  CHECK(cvdguard_operation_live_changed(op) == 1);
  CHECK(find_outcome(op, CVDGUARD_FILE_RESTORED) >= 0);
  cvdguard_operation_free(op);
  {
    cvdguard_report *r = NULL;
    char live_file[600];
    snprintf(live_file, sizeof live_file, "%s/test.cvd", live);
    CHECK(cvdguard_verify_path(live_file, NULL, &r) == CVDGUARD_OK);
    CHECK(cvdguard_report_header_version(r, &v) == 1 && v == 1);
    cvdguard_report_free(r);
  }
  /* Nothing left to roll back to. */
  op = NULL;
  CHECK(cvdguard_rollback(live, quarantine, NULL, o, &op) == CVDGUARD_OK);
  CHECK(cvdguard_operation_status(op) == CVDGUARD_OP_INCOMPLETE);
  cvdguard_operation_free(op);

  /* Prune: a broken file in LIVE goes to quarantine; test.cvd stays. */
  {
    char bad[600];
    snprintf(bad, sizeof bad, "%s/broken.cvd", live);
    CHECK(write_file(bad, "ClamAV-VDB:garbage", 18));
  }
  op = NULL;
  CHECK(cvdguard_prune(live, quarantine, o, &op) == CVDGUARD_OK);
  CHECK(cvdguard_operation_status(op) == CVDGUARD_OP_INCOMPLETE);
  idx = find_outcome(op, CVDGUARD_FILE_QUARANTINED);
  CHECK(idx >= 0);
  if (idx >= 0) CHECK_STR(cvdguard_operation_file_live_name(op, (size_t)idx), "broken.cvd");
  CHECK(find_outcome(op, CVDGUARD_FILE_KEPT) >= 0);
  cvdguard_operation_free(op);
  op = NULL;
  CHECK(cvdguard_prune(live, quarantine, NULL, &op) == CVDGUARD_OK);
  CHECK(cvdguard_operation_status(op) == CVDGUARD_OP_OK);
  cvdguard_operation_free(op);

  /* Bad arguments. */
  op = (cvdguard_operation *)&op;
  CHECK(cvdguard_activate(NULL, quarantine, NULL, cands, 1, o, &op) == CVDGUARD_E_ARGUMENT);
  CHECK(op == NULL);
  CHECK(cvdguard_activate(live, NULL, NULL, cands, 1, o, &op) == CVDGUARD_E_ARGUMENT);
  CHECK(cvdguard_activate(live, quarantine, NULL, NULL, 1, o, &op) == CVDGUARD_E_ARGUMENT);
  CHECK(cvdguard_activate(live, quarantine, NULL, cands, 1, o, NULL) == CVDGUARD_E_ARGUMENT);
  CHECK(cvdguard_prune(NULL, quarantine, o, &op) == CVDGUARD_E_ARGUMENT);
  CHECK(cvdguard_prune(live, quarantine, o, NULL) == CVDGUARD_E_ARGUMENT);
  CHECK(cvdguard_rollback(live, NULL, NULL, o, &op) == CVDGUARD_E_ARGUMENT);
  CHECK(cvdguard_rollback(live, quarantine, NULL, o, NULL) == CVDGUARD_E_ARGUMENT);
  CHECK(cvdguard_status(NULL, NULL, NULL, o, &json) == CVDGUARD_E_ARGUMENT);
  CHECK(cvdguard_status(live, NULL, NULL, o, NULL) == CVDGUARD_E_ARGUMENT);
  cvdguard_operation_free(NULL);
  CHECK(cvdguard_operation_status(NULL) == CVDGUARD_E_ARGUMENT);
  CHECK(cvdguard_operation_live_changed(NULL) == 0);
  CHECK(cvdguard_operation_error(NULL) == NULL);
  CHECK(cvdguard_operation_file_count(NULL) == 0);
  CHECK(cvdguard_operation_file_live_name(NULL, 0) == NULL);
  CHECK(cvdguard_operation_file_outcome_name(NULL, 0) == NULL);
  CHECK(cvdguard_operation_file_code(NULL, 0) == CVDGUARD_E_ARGUMENT);
  CHECK(cvdguard_operation_file_message(NULL, 0) == NULL);
  CHECK(cvdguard_operation_file_version(NULL, 0) == 0);
  CHECK(cvdguard_operation_file_sha256(NULL, 0) == NULL);
  CHECK(cvdguard_operation_note_count(NULL) == 0);
  CHECK(cvdguard_operation_note(NULL, 0) == NULL);
  cvdguard_options_free(o);
}

/* --- fault engine ---------------------------------------------------------- */

/* Counts the *.json files in a directory (-1 if it cannot be read). */
static int count_json(const char *dir) {
  DIR *d = opendir(dir);
  struct dirent *e;
  int n = 0;
  if (d == NULL) return -1;
  while ((e = readdir(d)) != NULL) {
    size_t len = strlen(e->d_name);
    if (len > 5 && strcmp(e->d_name + len - 5, ".json") == 0) n++;
  }
  closedir(d);
  return n;
}

/* The fault engine's refused digests reach activation and prune; a
 * supervisor hears about what went live. */
static void test_supervisor_options(void) {
  char live[512], quarantine[512], staging[512], candidate[600], sup[512], inbox[600];
  char journal[600], sha[65];
  const char *cands[1];
  cvdguard_options *o = cvdguard_options_new();
  cvdguard_operation *op = NULL;

  snprintf(live, sizeof live, "%s", tmp_path("sup-live"));
  snprintf(quarantine, sizeof quarantine, "%s", tmp_path("sup-quarantine"));
  snprintf(staging, sizeof staging, "%s", tmp_path("sup-staging"));
  snprintf(sup, sizeof sup, "%s", tmp_path("sup-state"));
  snprintf(inbox, sizeof inbox, "%s/inbox", sup);
  snprintf(journal, sizeof journal, "%s/faults.journal", sup);
  snprintf(candidate, sizeof candidate, "%s/test.cvd", staging);
  CHECK(mkdir(live, 0755) == 0 && mkdir(quarantine, 0755) == 0 && mkdir(staging, 0755) == 0);
  CHECK(cvdguard_options_set_lint(o, 0) == CVDGUARD_OK);
  cands[0] = candidate;

  CHECK(cvdguard_options_add_refused_sha256(NULL, "00") == CVDGUARD_E_ARGUMENT);
  CHECK(cvdguard_options_add_refused_sha256(o, NULL) == CVDGUARD_E_ARGUMENT);
  CHECK(cvdguard_options_add_refused_sha256(o, "abc") == CVDGUARD_E_ARGUMENT);
  CHECK(cvdguard_options_set_supervisor_state(NULL, sup) == CVDGUARD_E_ARGUMENT);
  /* No journal yet: nothing refused, and the supervisor is told. */
  CHECK(cvdguard_options_set_supervisor_state(o, sup) == CVDGUARD_OK);
  CHECK(copy_file(realdata("test-1.cvd"), candidate));
  CHECK(cvdguard_activate(live, quarantine, NULL, cands, 1, o, &op) == CVDGUARD_OK);
  CHECK(cvdguard_operation_status(op) == CVDGUARD_OP_OK);
  CHECK(count_json(inbox) == 1);
  snprintf(sha, sizeof sha, "%s", cvdguard_operation_file_sha256(op, 0));
  cvdguard_operation_free(op);

  /* The live file's digest refused: prune quarantines it with code 1008. */
  CHECK(cvdguard_options_add_refused_sha256(o, sha) == CVDGUARD_OK);
  op = NULL;
  CHECK(cvdguard_prune(live, quarantine, o, &op) == CVDGUARD_OK);
  CHECK(cvdguard_operation_status(op) == CVDGUARD_OP_INCOMPLETE);
  CHECK(cvdguard_operation_file_count(op) == 1);
  CHECK(cvdguard_operation_file_outcome(op, 0) == CVDGUARD_FILE_QUARANTINED);
  CHECK(cvdguard_operation_file_code(op, 0) == 1008);
  cvdguard_operation_free(op);

  /* A torn journal is an error the caller sees, never "nothing refused". */
  CHECK(write_file(journal, "{\"crc32\":", 10));
  CHECK(cvdguard_options_set_supervisor_state(o, sup) == CVDGUARD_E_IO);
  CHECK(cvdguard_last_error_code() == 1100);
  CHECK(strlen(cvdguard_last_error()) > 0);
  cvdguard_options_free(o);
}

static void test_fault_engine(void) {
  cvdguard_fault_engine *e = NULL, *e2 = NULL;
  const char *sha = "0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdef";
  const char *names[1] = {"daily.cvd"};
  const char *shas[1];
  const uint64_t versions[1] = {27001};
  char state[512], journal[600];
  shas[0] = sha;

  /* Bad configs are refused with FAULT_CONFIG_INVALID (1110). */
  e = (cvdguard_fault_engine *)&e;
  CHECK(cvdguard_fault_engine_new("{\"crash_threshold\": 0}", &e) == CVDGUARD_E_REJECTED);
  CHECK(e == NULL);
  CHECK(cvdguard_last_error_code() == 1110);
  CHECK(cvdguard_fault_engine_new("not json", &e) == CVDGUARD_E_REJECTED);
  CHECK(cvdguard_fault_engine_new(NULL, NULL) == CVDGUARD_E_ARGUMENT);

  CHECK(cvdguard_fault_engine_new("{\"crash_threshold\": 3}", &e) == CVDGUARD_OK);
  CHECK(e != NULL);
  if (e == NULL) return;
  CHECK(cvdguard_fault_engine_apply_json(e, "{\"t\": 0, \"event\": \"connector_start\"}") == 0);
  CHECK(cvdguard_fault_engine_apply(e, 1, CVDGUARD_EVENT_SERVICE_STARTED, NULL) == 0);
  CHECK(cvdguard_fault_engine_apply_activated(e, 5, names, versions, shas, 1) >= 0);
  /* Crashes at 10, 11, 12: restarts after 1, 2, 4 s; fault 10 on the third. */
  CHECK(cvdguard_fault_engine_apply(e, 10, CVDGUARD_EVENT_SERVICE_CRASHED, "signal 11") == 1);
  CHECK(cvdguard_fault_engine_decision_count(e) == 1);
  CHECK(cvdguard_fault_decision_kind(e, 0) == CVDGUARD_DECISION_RESTART_SERVICE);
  CHECK_STR(cvdguard_fault_decision_kind_name(e, 0), "restart_service");
  CHECK(cvdguard_fault_decision_delay(e, 0) == 1.0);
  CHECK(cvdguard_fault_decision_time(e, 0) == 10.0);
  CHECK(strstr(cvdguard_fault_decision_json(e, 0), "restart_service") != NULL);
  CHECK(cvdguard_fault_engine_apply_json(
            e, "{\"t\": 11, \"event\": \"service_crashed\", \"status\": \"signal 6\"}") == 1);
  CHECK(cvdguard_fault_decision_delay(e, 0) == 2.0);
  CHECK(cvdguard_fault_engine_fault_raised(e, 10) == 0);
  CHECK(cvdguard_fault_engine_apply(e, 12, CVDGUARD_EVENT_SERVICE_CRASHED, NULL) == 2);
  CHECK(cvdguard_fault_decision_kind(e, 0) == CVDGUARD_DECISION_FAULT_RAISED);
  CHECK(cvdguard_fault_decision_fault(e, 0) == 10);
  CHECK(cvdguard_fault_decision_kind(e, 1) == CVDGUARD_DECISION_RESTART_SERVICE);
  CHECK(cvdguard_fault_decision_delay(e, 1) == 4.0);
  CHECK(cvdguard_fault_decision_reason(e, 0) != NULL);
  CHECK(cvdguard_fault_decision_sha256_count(e, 0) == 0);
  CHECK(cvdguard_fault_decision_sha256(e, 0, 0) == NULL);
  CHECK(cvdguard_fault_decision_kind(e, 2) == CVDGUARD_E_ARGUMENT);
  CHECK(cvdguard_fault_decision_kind_name(e, 2) == NULL);
  CHECK(cvdguard_fault_decision_json(e, 2) == NULL);
  CHECK(cvdguard_fault_decision_fault(e, 2) == CVDGUARD_E_ARGUMENT);
  CHECK(cvdguard_fault_decision_reason(e, 2) == NULL);
  CHECK(cvdguard_fault_decision_time(e, 2) == 0.0);
  CHECK(cvdguard_fault_decision_delay(e, 2) == 0.0);
  CHECK(cvdguard_fault_decision_sha256_count(e, 2) == 0);
  CHECK(cvdguard_fault_engine_fault_raised(e, 10) == 1);
  CHECK(cvdguard_fault_engine_fault_raised(e, 12) == 0);
  CHECK(cvdguard_fault_engine_digest_refused(e, sha) == 0);
  CHECK(cvdguard_fault_engine_event_count(e) == 6);

  /* Refused input: time going backwards, a malformed line, a bad kind. */
  CHECK(cvdguard_fault_engine_apply(e, 3, CVDGUARD_EVENT_TICK, NULL) == CVDGUARD_E_REJECTED);
  CHECK(cvdguard_last_error_code() == 1123);
  CHECK(cvdguard_fault_engine_decision_count(e) == 0);
  CHECK(cvdguard_fault_engine_apply_json(e, "{\"t\": 20, \"event\": \"nope\"}") ==
        CVDGUARD_E_REJECTED);
  CHECK(cvdguard_last_error_code() == 1121);
  CHECK(cvdguard_fault_engine_apply_json(e, "{") == CVDGUARD_E_REJECTED);
  CHECK(cvdguard_last_error_code() == 1120);
  CHECK(cvdguard_fault_engine_apply(e, 20, 99, NULL) == CVDGUARD_E_ARGUMENT);
  CHECK(cvdguard_fault_engine_apply(e, 20, CVDGUARD_EVENT_DEFINITIONS_ACTIVATED, NULL) ==
        CVDGUARD_E_ARGUMENT);
  CHECK(cvdguard_fault_engine_apply_activated(e, 20, names, versions, shas, 0) ==
        CVDGUARD_E_ARGUMENT);
  CHECK(cvdguard_fault_engine_apply_activated(e, 20, NULL, versions, shas, 1) ==
        CVDGUARD_E_ARGUMENT);
  CHECK(cvdguard_fault_engine_apply_json(e, NULL) == CVDGUARD_E_ARGUMENT);
  CHECK(cvdguard_fault_engine_apply_json(NULL, "{}") == CVDGUARD_E_ARGUMENT);
  CHECK(cvdguard_fault_engine_event_count(e) == 6); /* nothing was applied */

  /* Journal: save, load into a fresh engine, same state. */
  snprintf(state, sizeof state, "%s", tmp_path("faults-state"));
  CHECK(cvdguard_fault_engine_save(e, state) == CVDGUARD_OK);
  CHECK(cvdguard_fault_engine_new(NULL, &e2) == CVDGUARD_OK);
  CHECK(cvdguard_fault_engine_load(e2, tmp_path("no-such-state")) == CVDGUARD_OK);
  CHECK(cvdguard_fault_engine_event_count(e2) == 0);
  CHECK(cvdguard_fault_engine_load(e2, state) == CVDGUARD_OK);
  CHECK(cvdguard_fault_engine_event_count(e2) == 6);
  CHECK(cvdguard_fault_engine_fault_raised(e2, 10) == 1);
  /* A corrupt journal is refused (FAULT_JOURNAL_CORRUPT, 1100). */
  snprintf(journal, sizeof journal, "%s/faults.journal", state);
  CHECK(write_file(journal, "{\"torn", 6));
  CHECK(cvdguard_fault_engine_load(e2, state) == CVDGUARD_E_REJECTED);
  CHECK(cvdguard_last_error_code() == 1100);
  CHECK(cvdguard_fault_engine_event_count(e2) == 6); /* unchanged */
  CHECK(cvdguard_fault_engine_load(NULL, state) == CVDGUARD_E_ARGUMENT);
  CHECK(cvdguard_fault_engine_load(e2, NULL) == CVDGUARD_E_ARGUMENT);
  CHECK(cvdguard_fault_engine_save(NULL, state) == CVDGUARD_E_ARGUMENT);
  CHECK(cvdguard_fault_engine_save(e2, NULL) == CVDGUARD_E_ARGUMENT);

  CHECK(cvdguard_fault_engine_fault_raised(NULL, 10) == CVDGUARD_E_ARGUMENT);
  CHECK(cvdguard_fault_engine_digest_refused(NULL, sha) == CVDGUARD_E_ARGUMENT);
  CHECK(cvdguard_fault_engine_digest_refused(e, NULL) == CVDGUARD_E_ARGUMENT);
  CHECK(cvdguard_fault_engine_event_count(NULL) == 0);
  CHECK(cvdguard_fault_engine_decision_count(NULL) == 0);
  cvdguard_fault_engine_free(e2);
  cvdguard_fault_engine_free(e);
  cvdguard_fault_engine_free(NULL);
}

/* Digests given to _apply_activated are case-insensitive, as in the JSON
 * event: upper-case is accepted and comes back in lower case. Two tried
 * activations that both fail to start give an integrity gap naming them. */
static void test_activated_digests_accept_any_case(void) {
  cvdguard_fault_engine *e = NULL;
  const char *names[1] = {"daily.cvd"};
  const uint64_t versions[1] = {27001};
  const char *upper_a[1] = {"0123456789ABCDEF0123456789ABCDEF0123456789ABCDEF0123456789ABCDEF"};
  const char *lower_a = "0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdef";
  const char *mixed_b[1] = {"FEDCBA9876543210fedcba9876543210FEDCBA9876543210fedcba9876543210"};
  const char *lower_b = "fedcba9876543210fedcba9876543210fedcba9876543210fedcba9876543210";
  int n, i, gap = -1;
  size_t j;
  CHECK(cvdguard_fault_engine_new(NULL, &e) == CVDGUARD_OK);
  if (e == NULL) return;
  CHECK(cvdguard_fault_engine_apply(e, 0, CVDGUARD_EVENT_CONNECTOR_START, NULL) >= 0);
  CHECK(cvdguard_fault_engine_apply(e, 1, CVDGUARD_EVENT_SERVICE_STARTED, NULL) >= 0);
  CHECK(cvdguard_fault_engine_apply_activated(e, 2, names, versions, upper_a, 1) >= 0);
  CHECK(cvdguard_fault_engine_apply(e, 3, CVDGUARD_EVENT_SERVICE_START_FAILED, NULL) >= 0);
  CHECK(cvdguard_fault_engine_apply_activated(e, 4, names, versions, mixed_b, 1) >= 0);
  n = cvdguard_fault_engine_apply(e, 5, CVDGUARD_EVENT_SERVICE_START_FAILED, NULL);
  CHECK(n > 0);
  for (i = 0; i < n; ++i) {
    if (cvdguard_fault_decision_kind(e, (size_t)i) == CVDGUARD_DECISION_INTEGRITY_GAP) gap = i;
  }
  CHECK(gap >= 0);
  if (gap >= 0) {
    CHECK(cvdguard_fault_decision_sha256_count(e, (size_t)gap) == 2);
    for (j = 0; j < cvdguard_fault_decision_sha256_count(e, (size_t)gap); ++j) {
      const char *d = cvdguard_fault_decision_sha256(e, (size_t)gap, j);
      CHECK(d != NULL && (strcmp(d, lower_a) == 0 || strcmp(d, lower_b) == 0));
    }
  }
  CHECK(cvdguard_fault_engine_digest_refused(e, lower_a) == 1);
  CHECK(cvdguard_fault_engine_digest_refused(e, lower_b) == 1);
  /* Still 64 hex digits: anything else is a bad field (1122). */
  upper_a[0] = "0123456789ABCDEF0123456789ABCDEF0123456789ABCDEF0123456789ABCDEG";
  CHECK(cvdguard_fault_engine_apply_activated(e, 6, names, versions, upper_a, 1) ==
        CVDGUARD_E_REJECTED);
  CHECK(cvdguard_last_error_code() == 1122);
  cvdguard_fault_engine_free(e);
}

/* Decisions last until the next apply, whatever its outcome: a refused
 * apply, even one refused for its arguments, leaves none behind. */
static void test_refused_apply_leaves_no_decisions(void) {
  cvdguard_fault_engine *e = NULL;
  const char *names[1] = {"daily.cvd"};
  const uint64_t versions[1] = {27001};
  const char *shas[1] = {"0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdef"};
  const char *null_name[1] = {NULL};
  double t = 0;
  CHECK(cvdguard_fault_engine_new(NULL, &e) == CVDGUARD_OK);
  if (e == NULL) return;
  CHECK(cvdguard_fault_engine_apply(e, 0, CVDGUARD_EVENT_CONNECTOR_START, NULL) >= 0);
  CHECK(cvdguard_fault_engine_apply(e, 1, CVDGUARD_EVENT_SERVICE_STARTED, NULL) >= 0);
#define CRASH_THEN(refused_call)                                                  \
  do {                                                                            \
    t += 1000; /* far apart: every crash only restarts */                        \
    CHECK(cvdguard_fault_engine_apply(e, t, CVDGUARD_EVENT_SERVICE_CRASHED, NULL) > 0); \
    CHECK(cvdguard_fault_engine_decision_count(e) > 0);                           \
    CHECK((refused_call) == CVDGUARD_E_ARGUMENT);                                 \
    CHECK(cvdguard_fault_engine_decision_count(e) == 0);                          \
    CHECK(cvdguard_fault_decision_kind(e, 0) == CVDGUARD_E_ARGUMENT);             \
    CHECK(cvdguard_fault_decision_json(e, 0) == NULL);                            \
    CHECK(cvdguard_fault_engine_apply(e, t, CVDGUARD_EVENT_SERVICE_STARTED, NULL) >= 0); \
  } while (0)
  CRASH_THEN(cvdguard_fault_engine_apply(e, t + 1, 99, NULL));
  CRASH_THEN(cvdguard_fault_engine_apply(e, t + 1, CVDGUARD_EVENT_DEFINITIONS_ACTIVATED, NULL));
  CRASH_THEN(cvdguard_fault_engine_apply_activated(e, t + 1, names, versions, shas, 0));
  CRASH_THEN(cvdguard_fault_engine_apply_activated(e, t + 1, NULL, versions, shas, 1));
  CRASH_THEN(cvdguard_fault_engine_apply_activated(e, t + 1, null_name, versions, shas, 1));
  CRASH_THEN(cvdguard_fault_engine_apply_json(e, NULL));
#undef CRASH_THEN
  cvdguard_fault_engine_free(e);
}

int main(void) {
  const char *base = getenv("TMPDIR");
  snprintf(g_tmp, sizeof g_tmp, "%s/cvdguard-capi-XXXXXX",
           base != NULL && *base != '\0' ? base : "/tmp");
  if (mkdtemp(g_tmp) == NULL) {
    perror("mkdtemp");
    return 2;
  }
  CHECK(strcmp(cvdguard_last_error(), "") == 0);
  CHECK(cvdguard_last_error_code() == 0);
  test_version_and_codes();
  test_verify_valid_real_file();
  test_verify_fd_and_memory();
  test_verify_invalid_file();
  test_verify_errors();
  test_options();
  test_explicit_sign_path_is_read_from_memory_and_fd();
  test_cdiff_is_verified_as_a_patch();
  test_activation();
  test_supervisor_options();
  test_fault_engine();
  test_activated_digests_accept_any_case();
  test_refused_apply_leaves_no_decisions();
  nftw(g_tmp, remove_entry, 16, FTW_DEPTH | FTW_PHYS);
  printf("capi_test: %d checks, %d failed\n", g_checks, g_failures);
  return g_failures == 0 ? 0 : 1;
}
