/* Verifies one file through the C API. Exit 0 valid, 1 invalid, 3 error. */
#include <stdio.h>

#include <cvdguard/cvdguard.h>

int main(int argc, char **argv) {
  cvdguard_report *r = NULL;
  uint32_t version = 0;
  int rc;
  if (argc != 2) {
    fprintf(stderr, "usage: %s FILE\n", argv[0]);
    return 2;
  }
  rc = cvdguard_verify_path(argv[1], NULL, &r);
  if (rc != CVDGUARD_OK) {
    fprintf(stderr, "%s: %s (status %d)\n", argv[1], cvdguard_last_error(), rc);
    return 3;
  }
  (void)cvdguard_report_header_version(r, &version);
  printf("%s: %s version=%u verified_by=%s findings=%lu libcvdguard=%s\n", argv[1],
         cvdguard_report_verdict_name(r), (unsigned)version, cvdguard_report_verified_by(r),
         (unsigned long)cvdguard_report_finding_count(r), cvdguard_version());
  rc = cvdguard_report_valid(r) ? 0 : 1;
  cvdguard_report_free(r);
  return rc;
}
