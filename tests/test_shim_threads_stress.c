/* kmm-test: labels=stress;preload timeout=600 env=SHIM_THREADS=100000,KMM_TEST_ONLY=short_lived_threads_keep_rss_bounded */
/*
 * test_shim_threads_stress - test_shim_threads' short-lived threads, 100,000 of them:
 * thread exit must hand every thread's slab state back, so RSS stays bounded.
 */
#include "test_shim_threads.c"
