/* kmm-test: labels=stress timeout=900 env=KMM_RAM=2G backends=all */
/*
 * test_xthread_stress_full - test_xthread_stress at mimalloc's full counts: 32 threads,
 * 50 rounds, scale 50 (SLOB: 5, see there).
 */
#define STRESS_ROUNDS	  50
#define STRESS_SCALE	  50
#define STRESS_SCALE_SLOB 5
#include "test_xthread_stress.c"
