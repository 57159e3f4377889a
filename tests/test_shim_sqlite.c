/* kmm-test: labels=preload timeout=120 backends=all */
/*
 * test_shim_sqlite - the sqlite3 shell runs queries under `kmm run`: a table of 50,000
 * rows built by a recursive query, an index, grouping, a self-join and a sort, with the
 * same answers as on the C library's malloc.
 */
#include "shim_test.h"

TEST(sqlite_queries_same_output)
{
	check_same_output(
		"sqlite3 :memory: \""
		"create table t(id integer primary key, k int, v text);"
		"with recursive c(x) as (select 1 union all select x + 1 from c where x < 50000)"
		" insert into t select x, x % 97, printf('row-%08d-%s', x, substr('abcdefghij', 1 "
		"+ x % 10)) from c;"
		"create index t_k on t(k);"
		"select 'rows', count(*), sum(id), max(length(v)) from t;"
		"select k, count(*), min(v) from t where k in (3, 50, 96) group by k order by k;"
		"select count(*) from t a join t b on a.k = b.k and a.id + 97 = b.id;"
		"select v from t order by v desc limit 2;"
		"delete from t where id % 2 = 0; vacuum;"
		"select 'after', count(*) from t;\"",
		"rows|50000|1250025000|");
}

int main(void)
{
	return kmm_test_main();
}
