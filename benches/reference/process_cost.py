"""Wall time and peak resident memory of one command (benches/run.sh's start-up row): the
command is started, waited for with os.wait4 (its own rusage) and printed as one JSON line.

    python benches/reference/process_cost.py IMPLEMENTATION CMD...
"""

import json
import os
import subprocess
import sys
import time

start = time.perf_counter()
child = subprocess.Popen(sys.argv[2:], stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
_, status, usage = os.wait4(child.pid, 0)
ms = (time.perf_counter() - start) * 1e3
if os.waitstatus_to_exitcode(status) != 0:
    sys.exit(f"{sys.argv[2:]} failed")
print(json.dumps({"implementation": sys.argv[1], "workload": "startup", "ms": ms, "peak_rss_mb": usage.ru_maxrss / 1024}))
