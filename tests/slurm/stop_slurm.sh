#!/usr/bin/env bash
# Stops the cluster of start_slurm.sh: every daemon by the pid file it wrote.
set -uo pipefail

STATE_DIR=${1:-${CIMTRAIN_SLURM_DIR:-/var/tmp/cimtrain-slurm}}
RUN=$STATE_DIR/run
[[ -d $RUN ]] || exit 0

stop() {  # pid file, process name
    local pid
    [[ -s $1 ]] || return 0
    pid=$(<"$1")
    # A stale pid file may name a process that has since reused the id.
    if [[ $(cat "/proc/$pid/comm" 2>/dev/null) == "$2" ]]; then
        kill "$pid"
        for _ in $(seq 60); do
            kill -0 "$pid" 2>/dev/null || break
            sleep 0.25
        done
        kill -0 "$pid" 2>/dev/null && kill -9 "$pid"
    fi
    rm -f "$1"
}

# Jobs first, then the daemons in the reverse order of their start.
if [[ -f $STATE_DIR/slurm.conf ]] && [[ -s $RUN/slurmctld.pid ]]; then
    SLURM_CONF=$STATE_DIR/slurm.conf timeout 10 scancel --full --quiet --user=root 2>/dev/null || true
fi
stop "$RUN/slurmd.pid" slurmd
stop "$RUN/slurmctld.pid" slurmctld
stop "$RUN/slurmdbd.pid" slurmdbd
stop "$RUN/mysqld.pid" mariadbd
stop "$RUN/munged.pid" munged
# The link slurmd made to its configuration cache, if it points into STATE_DIR.
if [[ $(readlink /run/slurm/conf 2>/dev/null) == "$STATE_DIR"/* ]]; then
    rm -f /run/slurm/conf
fi
exit 0
