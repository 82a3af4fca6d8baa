#!/usr/bin/env python3
"""Sum Catch2 test-case counts over the suites meson ran; print 'N passed, N failed'.

Arguments: one or more meson testlog.json files (one per build); a missing
file counts as one failure (that build or run never happened).

A suite that crashed or timed out before Catch2 printed its summary counts as
one failed test case, so a broken run can never look green.
"""
import json
import re
import sys

passed = failed = skipped = 0
def records():
    global failed
    for path in sys.argv[1:]:
        try:
            with open(path) as f:
                lines = f.readlines()
        except OSError:
            print(f"{path}: missing", file=sys.stderr)
            failed += 1
            continue
        for line in lines:
            yield json.loads(line)


for t in records():
    out = t.get("stdout") or ""
    result = t.get("result", "")
    if result == "SKIP":
        skipped += 1
        continue
    m = re.search(r"All tests passed \(\d+ assertions? in (\d+) test cases?\)", out)
    if m:
        passed += int(m.group(1))
        if result not in ("OK", "EXPECTEDFAIL"):
            failed += 1  # every case passed but the suite itself failed (teardown)
        continue
    m = re.search(r"test cases:\s+(\d+)\s+\|\s+(\d+) passed\s+\|\s+(\d+) failed", out)
    if m:
        passed += int(m.group(2))
        failed += int(m.group(3))
        if int(m.group(3)) == 0 and result not in ("OK", "EXPECTEDFAIL"):
            failed += 1
        continue
    if result == "OK":
        passed += 1
    else:
        failed += 1
line = f"{passed} passed, {failed} failed"
if skipped:
    line += f", {skipped} skipped"
print(line)
