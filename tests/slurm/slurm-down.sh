#!/usr/bin/env bash
# From the project's shared single-node SLURM recipe (shared/slurm/), used by tests/sweep_slurm.rs.
# Stop exactly the daemons slurm-up.sh started (by PID file), then remove all state.
set -uo pipefail
S=${SLURM_CI_DIR:-/tmp/slurm-ci}
pids=()
for f in "$S/slurmd.pid" "$S/slurmctld.pid" "$S/slurmdbd.pid" "$S/db/mysqld.pid"; do
  [ -s "$f" ] && pids+=("$(cat "$f")")
done
[ -e "$S/munge/started-by-us" ] && [ -s /run/munge/munged.pid ] && pids+=("$(cat /run/munge/munged.pid)")
[ ${#pids[@]} -gt 0 ] && kill -TERM "${pids[@]}" 2>/dev/null
for p in "${pids[@]}"; do
  for i in $(seq 1 100); do kill -0 "$p" 2>/dev/null || break; sleep 0.1; done
  kill -0 "$p" 2>/dev/null && kill -KILL "$p"
done
rm -rf "$S"
