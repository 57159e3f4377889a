/* kmm-test: labels=unit env=KMM_NODES=4,KMM_RAM=512M,KMM_NR_CPUS=8,KMM_PAGE_REPORTING=0 backends=all */
/*
 * test_numa.c's tests again with four nodes: zonelists in the order n, n+1, n+2, n+3
 * (mod 4), fallback from the last node to node 0, and three remote nodes per free.
 */
#include "test_numa.c"
