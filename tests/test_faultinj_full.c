/* kmm-test: labels=faultinj;stress env=KMM_RAM=512M,KMM_NR_CPUS=2,KMM_LOGLEVEL=4 timeout=900 backends=all */
/*
 * test_faultinj_full - test_faultinj.c at length: the same sweep and workloads with
 * 40,000 operations per rate on each of two threads at once (label faultinj, run by
 * `make test-faultinj`; left out of `make test` for its time).
 */
#define FAULTINJ_ROUNDS	 40000
#define FAULTINJ_THREADS 2
#include "test_faultinj.c"
