/* kmm-test: labels=stress timeout=3600 env=KMM_RAM=128M,KMM_NR_CPUS=4 backends=all */
/* test_mixed_stress_full - test_mixed_stress at 10^8 operations. */
#define STRESS_OPS 100000000UL
#include "test_mixed_stress.c"
