#!/usr/bin/env bash
# `make test` three times in a row while a CPU hog keeps every core busy: the suite must not depend on a quiet
# machine (tests wait on states and events, never on time). Prints each run's result and a summary; exit 1 if any
# run failed. ROUNDS=… changes the number of runs.
set -u
rounds=${ROUNDS:-3}
cores=$(nproc)
hogs=()
for _ in $(seq "$cores"); do
  python3 -c 'while True: pass' &
  hogs+=($!)
done
trap 'kill "${hogs[@]}" 2>/dev/null' EXIT
echo "test-stress: $rounds runs of make test beside $cores busy-loop processes"
failed=0
for i in $(seq "$rounds"); do
  start=$(date +%s)
  if make -s test PYTEST_ARGS="-q -p no:cacheprovider ${PYTEST_ARGS:-}" > "/tmp/dastyar-stress-$i.log" 2>&1; then
    status=passed
  else
    status=FAILED
    failed=$((failed + 1))
  fi
  echo "run $i: $status in $(( $(date +%s) - start )) s — $(tail -1 "/tmp/dastyar-stress-$i.log")"
done
echo "test-stress: $failed of $rounds runs failed"
[ "$failed" -eq 0 ]
