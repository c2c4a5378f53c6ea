#!/usr/bin/env bash
# A single-node SLURM cluster on this machine, for the `slurm` tests and for trying
# `hydra/launcher=slurm` without a real cluster.
#
#   sudo bash scripts/local-slurm.sh start    # munged + slurmctld + slurmd; waits until the node is idle
#   sudo bash scripts/local-slurm.sh status   # daemons and `sinfo`; exit 0 when the node takes jobs
#   sudo bash scripts/local-slurm.sh stop     # stops the three daemons (by their pid files)
#
# Installs nothing: Debian's `slurm-wlm` and `munge` must be installed first
# (`apt-get install -y slurm-wlm munge`; CI's .ci/run does this). Runs as root. `start` is
# idempotent: a running, healthy cluster is left alone. Tested with Slurm 22.05 on Debian 12.
#
# Choices for a container or CI runner: proctrack/linuxproc and task/none (no cgroups; no
# cgroup.conf is written because Slurm 22.05 refuses `CgroupPlugin=disabled`), select/cons_tres
# with CPUs and memory as consumable resources, no accounting, daemons running as root.
#
# Environment:
#   LOCAL_SLURM_TIMEOUT    seconds to wait for the node to become idle (default 60)
#   LOCAL_SLURM_PARTITION  partition name (default "local")
#   LOCAL_SLURM_FORCE=1    overwrite an /etc/slurm/slurm.conf that this script did not write
set -euo pipefail

MARKER="# written by frivilligsim scripts/local-slurm.sh"
CONF_DIR=/etc/slurm
CONF=$CONF_DIR/slurm.conf
MUNGE_KEY=/etc/munge/munge.key
MUNGE_PID=/run/munge/munged.pid
CTLD_PID=/run/slurmctld.pid
SLURMD_PID=/run/slurmd.pid
LOG_DIR=/var/log/slurm
STATE_DIR=/var/spool/slurmctld
SPOOL_DIR=/var/spool/slurmd
TIMEOUT=${LOCAL_SLURM_TIMEOUT:-60}
PARTITION=${LOCAL_SLURM_PARTITION:-local}
HOST=$(hostname -s)

die() {
  echo "local-slurm: error: $*" >&2
  exit 1
}
say() { echo "local-slurm: $*"; }

need() {
  for cmd in "$@"; do
    command -v "$cmd" >/dev/null 2>&1 ||
      die "'$cmd' not found; install Debian's slurm-wlm and munge first (apt-get install -y slurm-wlm munge)"
  done
}

# pid from a pid file if that process is alive
alive_pid() {
  local file=$1 pid
  [[ -s $file ]] || return 1
  pid=$(tr -dc '0-9' <"$file")
  [[ -n $pid ]] && kill -0 "$pid" 2>/dev/null && echo "$pid"
}

stop_pidfile() {
  local name=$1 file=$2 pid i
  if pid=$(alive_pid "$file"); then
    kill -TERM "$pid" 2>/dev/null || true
    for i in $(seq 1 50); do
      kill -0 "$pid" 2>/dev/null || break
      sleep 0.2
    done
    if kill -0 "$pid" 2>/dev/null; then
      kill -KILL "$pid" 2>/dev/null || true
    fi
    say "stopped $name (pid $pid)"
  fi
  rm -f "$file"
}

node_state() {
  sinfo -h -N -n "$HOST" -o '%t' 2>/dev/null | head -n 1 | tr -d ' *~#'
}

# ---- munge ----------------------------------------------------------------------------------

start_munge() {
  if alive_pid "$MUNGE_PID" >/dev/null && munge -n 2>/dev/null | unmunge >/dev/null 2>&1; then
    say "munged already running (pid $(alive_pid "$MUNGE_PID"))"
    return
  fi
  stop_pidfile munged "$MUNGE_PID"
  install -d -o munge -g munge -m 0700 /etc/munge /var/lib/munge /var/log/munge
  install -d -o munge -g munge -m 0755 /run/munge
  # A fresh key for this cluster, readable by munge only.
  rm -f "$MUNGE_KEY"
  if command -v mungekey >/dev/null 2>&1; then
    mungekey --create --keyfile="$MUNGE_KEY" --force >/dev/null
  else
    dd if=/dev/urandom of="$MUNGE_KEY" bs=1024 count=1 status=none
  fi
  chown munge:munge "$MUNGE_KEY"
  chmod 0400 "$MUNGE_KEY"
  runuser -u munge -- /usr/sbin/munged --pid-file="$MUNGE_PID" ||
    die "munged did not start; see /var/log/munge/munged.log"
  local i
  for i in $(seq 1 50); do
    munge -n 2>/dev/null | unmunge >/dev/null 2>&1 && break
    sleep 0.2
  done
  munge -n | unmunge >/dev/null 2>&1 ||
    die "munge does not work (munge -n | unmunge failed); see /var/log/munge/munged.log"
  say "munged started (pid $(alive_pid "$MUNGE_PID")) with a fresh key $MUNGE_KEY"
}

# ---- slurm.conf -----------------------------------------------------------------------------

real_memory_mb() {
  # `free -m` total, less a margin for the OS so slurmd never finds less than configured.
  local total
  total=$(free -m | awk '/^Mem:/ {print $2}')
  [[ -n $total ]] || die "cannot read the memory size from 'free -m'"
  local margin=$((total / 20))
  ((margin < 256)) && margin=256
  ((total - margin > 256)) && echo $((total - margin)) || echo "$total"
}

write_conf() {
  local cpus mem ctld_host node_addr tmp
  cpus=$(nproc)
  mem=$(real_memory_mb)
  ctld_host=$HOST
  node_addr=""
  if ! getent hosts "$HOST" >/dev/null 2>&1; then
    # the host name does not resolve (some CI runners): reach both daemons on the loopback
    ctld_host="$HOST(127.0.0.1)"
    node_addr=" NodeAddr=127.0.0.1"
  fi
  if [[ -f $CONF ]] && ! grep -qF "$MARKER" "$CONF" && [[ ${LOCAL_SLURM_FORCE:-0} != 1 ]]; then
    die "$CONF exists and was not written by this script; move it away or set LOCAL_SLURM_FORCE=1"
  fi
  install -d -m 0755 "$CONF_DIR" "$LOG_DIR" "$SPOOL_DIR"
  install -d -m 0700 "$STATE_DIR"
  tmp=$(mktemp "$CONF_DIR/.slurm.conf.XXXXXX")
  cat >"$tmp" <<EOF
$MARKER
# A single-node cluster for tests: $(date -u +%Y-%m-%dT%H:%M:%SZ)
ClusterName=frivilligsim
SlurmctldHost=$ctld_host
SlurmUser=root
SlurmdUser=root
AuthType=auth/munge
CredType=cred/munge
MpiDefault=none
ProctrackType=proctrack/linuxproc
TaskPlugin=task/none
SelectType=select/cons_tres
SelectTypeParameters=CR_CPU_Memory
SchedulerType=sched/backfill
JobAcctGatherType=jobacct_gather/none
AccountingStorageType=accounting_storage/none
JobCompType=jobcomp/none
ReturnToService=2
StateSaveLocation=$STATE_DIR
SlurmdSpoolDir=$SPOOL_DIR
SlurmctldPidFile=$CTLD_PID
SlurmdPidFile=$SLURMD_PID
SlurmctldLogFile=$LOG_DIR/slurmctld.log
SlurmdLogFile=$LOG_DIR/slurmd.log
SlurmctldTimeout=30
SlurmdTimeout=30
InactiveLimit=0
MinJobAge=300
KillWait=5
Waittime=0
MaxArraySize=10001
NodeName=$HOST$node_addr CPUs=$cpus RealMemory=$mem State=UNKNOWN
PartitionName=$PARTITION Nodes=$HOST Default=YES MaxTime=INFINITE State=UP
EOF
  chmod 0644 "$tmp"
  if [[ -f $CONF ]] && cmp -s <(grep -v '^# A single-node' "$tmp") <(grep -v '^# A single-node' "$CONF"); then
    rm -f "$tmp"
    return 1 # unchanged
  fi
  mv -f "$tmp" "$CONF"
  say "wrote $CONF (node $HOST: CPUs=$cpus RealMemory=${mem}M, partition $PARTITION)"
  return 0
}

# ---- commands -------------------------------------------------------------------------------

wait_idle() {
  local deadline=$((SECONDS + TIMEOUT)) state=""
  while ((SECONDS < deadline)); do
    state=$(node_state || true)
    case $state in
    idle | mix | mixed | alloc | allocated)
      say "node $HOST is $state; partition $PARTITION is ready"
      sinfo
      return 0
      ;;
    drain | drained | draining | down | fail | failing)
      scontrol update NodeName="$HOST" State=RESUME >/dev/null 2>&1 || true
      ;;
    esac
    sleep 1
  done
  echo "local-slurm: error: node $HOST not idle after ${TIMEOUT}s (state '${state:-unknown}')" >&2
  sinfo -R >&2 2>/dev/null || true
  echo "local-slurm: see $LOG_DIR/slurmctld.log and $LOG_DIR/slurmd.log" >&2
  exit 1
}

cmd_start() {
  [[ $(id -u) -eq 0 ]] || die "run as root (it starts munged, slurmctld and slurmd)"
  need munged munge unmunge slurmctld slurmd sinfo scontrol runuser
  start_munge
  local changed=0
  write_conf && changed=1
  if ((changed == 1)); then
    stop_pidfile slurmd "$SLURMD_PID"
    stop_pidfile slurmctld "$CTLD_PID"
  fi
  if ! alive_pid "$CTLD_PID" >/dev/null; then
    rm -f "$CTLD_PID"
    slurmctld -i || die "slurmctld did not start; see $LOG_DIR/slurmctld.log"
    say "slurmctld started"
  else
    say "slurmctld already running (pid $(alive_pid "$CTLD_PID"))"
  fi
  if ! alive_pid "$SLURMD_PID" >/dev/null; then
    rm -f "$SLURMD_PID"
    slurmd || die "slurmd did not start; see $LOG_DIR/slurmd.log"
    say "slurmd started"
  else
    say "slurmd already running (pid $(alive_pid "$SLURMD_PID"))"
  fi
  wait_idle
}

cmd_stop() {
  stop_pidfile slurmd "$SLURMD_PID"
  stop_pidfile slurmctld "$CTLD_PID"
  stop_pidfile munged "$MUNGE_PID"
  say "stopped"
}

cmd_status() {
  local name file pid ok=0
  for name in munged slurmctld slurmd; do
    case $name in
    munged) file=$MUNGE_PID ;;
    slurmctld) file=$CTLD_PID ;;
    slurmd) file=$SLURMD_PID ;;
    esac
    if pid=$(alive_pid "$file"); then
      say "$name running (pid $pid)"
    else
      say "$name not running"
      ok=1
    fi
  done
  if command -v sinfo >/dev/null 2>&1 && sinfo >/dev/null 2>&1; then
    sinfo
    case $(node_state) in
    idle | mix | mixed | alloc | allocated) ;;
    *) ok=1 ;;
    esac
  else
    say "sinfo cannot reach a controller"
    ok=1
  fi
  return $ok
}

case ${1:-} in
start) cmd_start ;;
stop) cmd_stop ;;
status) cmd_status ;;
*)
  echo "usage: bash scripts/local-slurm.sh start|stop|status" >&2
  exit 2
  ;;
esac
