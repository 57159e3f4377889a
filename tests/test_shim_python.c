/* kmm-test: labels=preload timeout=120 backends=all */
/*
 * test_shim_python - python3 runs a short script under `kmm run`: dictionaries, JSON,
 * hashing and threads, with the same output as on the C library's malloc.
 */
#include "shim_test.h"

TEST(python_script_same_output)
{
	check_same_output("/usr/bin/python3 -c \"import json, hashlib, threading, re\n"
			  "d = {str(i): [i] * (i % 7) for i in range(100000)}\n"
			  "s = json.dumps(d, sort_keys=True)\n"
			  "out = []\n"
			  "t = [threading.Thread(target=lambda: out.append(len(sorted(d, "
			  "key=int)))) for _ in range(4)]\n"
			  "[x.start() for x in t]; [x.join() for x in t]\n"
			  "words = re.findall(r'[0-9]+', s[:200000])\n"
			  "print('python', len(json.loads(s)), out, len(words), "
			  "hashlib.sha256(s.encode()).hexdigest()[:16])\"",
			  "python 100000 [100000, 100000, 100000, 100000]");
}

int main(void)
{
	return kmm_test_main();
}
