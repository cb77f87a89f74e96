#!/usr/bin/env bash
# From the project's shared single-node SLURM recipe (shared/slurm/), used by tests/sweep_slurm.rs.
# Single-node SLURM for CI: munged + slurmctld + slurmd as root, no systemd, no cgroups.
set -euo pipefail
S=${SLURM_CI_DIR:-/tmp/slurm-ci}
mkdir -p "$S"/{ctld,d,log,munge}
export SLURM_CONF="$S/slurm.conf"

if ! command -v slurmctld >/dev/null || ! command -v munged >/dev/null; then
  apt-get update -qq
  DEBIAN_FRONTEND=noninteractive apt-get install -y --no-install-recommends slurm-wlm munge
fi

# munge: key (postinst usually made one), socket dir, daemon as user munge
[ -s /etc/munge/munge.key ] || mungekey --create --keyfile=/etc/munge/munge.key
chown munge:munge /etc/munge/munge.key; chmod 0400 /etc/munge/munge.key
mkdir -p /run/munge && chown munge:munge /run/munge && chmod 0755 /run/munge
if ! munge -n 2>/dev/null | unmunge >/dev/null 2>&1; then   # not already running
  runuser -u munge -- /usr/sbin/munged --pid-file=/run/munge/munged.pid
  echo started > "$S/munge/started-by-us"
fi
munge -n | unmunge >/dev/null   # sanity: fails loudly if munge is broken

ACCT="AccountingStorageType=accounting_storage/none"
if [ "${SLURM_CI_ACCT:-0}" = 1 ]; then      # optional sacct support (slurmdbd + MariaDB)
  ACCT="AccountingStorageType=accounting_storage/slurmdbd
AccountingStorageHost=localhost
JobAcctGatherType=jobacct_gather/linux"
fi

cat > "$SLURM_CONF" <<CONF
ClusterName=ci
SlurmctldHost=localhost
SlurmUser=root
SlurmdUser=root
AuthType=auth/munge
CredType=cred/munge
MpiDefault=none
ProctrackType=proctrack/linuxproc
TaskPlugin=task/none
$ACCT
JobCompType=jobcomp/filetxt
JobCompLoc=$S/log/jobcomp.txt
SelectType=select/cons_tres
SelectTypeParameters=CR_Core
ReturnToService=2
SchedulerType=sched/backfill
SlurmctldPort=6817
SlurmdPort=6818
StateSaveLocation=$S/ctld
SlurmdSpoolDir=$S/d
SlurmctldPidFile=$S/slurmctld.pid
SlurmdPidFile=$S/slurmd.pid
SlurmctldLogFile=$S/log/slurmctld.log
SlurmdLogFile=$S/log/slurmd.log
SlurmctldDebug=info
SlurmdDebug=info
MinJobAge=300
KillWait=5
InactiveLimit=0
SlurmctldTimeout=30
SlurmdTimeout=30
NodeName=localhost NodeAddr=127.0.0.1 CPUs=$(nproc) State=UNKNOWN
PartitionName=debug Nodes=localhost Default=YES MaxTime=INFINITE State=UP
CONF

if [ "${SLURM_CI_ACCT:-0}" = 1 ]; then
  bash "$(dirname "$0")/slurmdbd-up.sh"     # private MariaDB + $S/slurmdbd.conf
  slurmdbd                                  # reads slurmdbd.conf next to $SLURM_CONF
  for i in $(seq 1 60); do sacctmgr -n list cluster >/dev/null 2>&1 && break; sleep 0.5; done
fi
slurmctld -i          # -i: ignore/clear old state; daemonizes, pid -> $S/slurmctld.pid
slurmd -N localhost   # node name independent of the container hostname
for i in $(seq 1 60); do
  sinfo -h -o '%T' 2>/dev/null | grep -qE '^(idle|mixed|allocated)' && break
  sleep 0.5
done
sinfo
