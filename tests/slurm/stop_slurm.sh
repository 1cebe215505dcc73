#!/usr/bin/env bash
# Stops the cluster of start_slurm.sh: every daemon by the pid file it wrote.
set -uo pipefail

STATE_DIR=${1:-${CIMTRAIN_SLURM_DIR:-/var/tmp/cimtrain-slurm}}
RUN=$STATE_DIR/run
[[ -d $RUN ]] || exit 0

stop() {  # pid file
    local pid
    [[ -s $1 ]] || return 0
    pid=$(<"$1")
    if kill -0 "$pid" 2>/dev/null; then
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
for daemon in slurmd slurmctld slurmdbd mysqld munged; do
    stop "$RUN/$daemon.pid"
done
exit 0
