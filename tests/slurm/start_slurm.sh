#!/usr/bin/env bash
# Starts a single-node SLURM cluster with accounting on loopback, for the tests: munged (unless
# one runs already), MariaDB, slurmdbd, slurmctld and slurmd. Their state, logs and database live
# under STATE_DIR and they listen on ports of their own, so a database already on the machine is
# left alone. Installs the Debian packages where missing. Run as root.
# Idempotent: stops a previous instance first and reuses its database.
# Prints the path of slurm.conf; export it as SLURM_CONF to use the cluster.
set -euo pipefail

STATE_DIR=${1:-${CIMTRAIN_SLURM_DIR:-/var/tmp/cimtrain-slurm}}
CLUSTER=cimtrain
NODE=cimnode
CTLD_PORT=16817
SLURMD_PORT=16818
DBD_PORT=16819
DB_PORT=13306
DB_PASS=cimtrain-test
PACKAGES=(slurmctld slurmd slurmdbd slurm-client munge mariadb-server)

log() { echo "start_slurm: $*" >&2; }
die() { log "$*"; exit 1; }

[[ $(id -u) -eq 0 ]] || die "must run as root"
# Job steps find the configuration through slurmd's cache in /run/slurm/conf (configless),
# since the executor clears SLURM_CONF in jobs; a system slurm.conf would win over that cache.
[[ ! -e /etc/slurm/slurm.conf ]] || die "/etc/slurm/slurm.conf exists: a SLURM is configured here"

missing=()
for pkg in "${PACKAGES[@]}"; do
    dpkg-query -W -f='${Status}' "$pkg" 2>/dev/null | grep -q "ok installed" || missing+=("$pkg")
done
if ((${#missing[@]})); then
    log "installing ${missing[*]}"
    export DEBIAN_FRONTEND=noninteractive
    apt-get update -qq >&2 || die "apt-get update failed"
    apt-get install -y -qq --no-install-recommends "${missing[@]}" >&2 \
        || die "apt-get install failed"
fi

"$(dirname "$0")/stop_slurm.sh" "$STATE_DIR" >/dev/null 2>&1 || true

mkdir -p "$STATE_DIR"/{ctld,slurmd,log,run,mysql}
cd "$STATE_DIR"

wait_for() {  # seconds, description, command...
    local seconds=$1 what=$2
    shift 2
    for _ in $(seq "$((seconds * 4))"); do
        timeout 10 "$@" >/dev/null 2>&1 && return 0
        sleep 0.25
    done
    die "$what did not come up; see $STATE_DIR/log"
}

# munge on its default socket: SLURM's clients do not all honour AuthInfo=socket.
# A munged already serving it is used as it is.
if ! munge --string ok >/dev/null 2>&1; then
    [[ -s munge.key ]] || mungekey --create --keyfile=munge.key
    chmod 0600 munge.key
    mkdir -p /run/munge
    munged --force --key-file=munge.key --pid-file="$STATE_DIR/run/munged.pid" \
        --log-file="$STATE_DIR/log/munged.log" --seed-file="$STATE_DIR/run/munged.seed"
    wait_for 10 munged munge --string ok
fi

# MariaDB on 127.0.0.1 only, for slurmdbd.
if [[ ! -d mysql/mysql ]]; then
    rm -rf mysql && mkdir mysql
    mariadb-install-db --no-defaults --user=root --datadir="$STATE_DIR/mysql" \
        --auth-root-authentication-method=socket --skip-test-db >log/mariadb-install.log 2>&1 \
        || die "mariadb-install-db failed; see $STATE_DIR/log/mariadb-install.log"
fi
mariadbd --no-defaults --user=root --datadir="$STATE_DIR/mysql" \
    --bind-address=127.0.0.1 --port="$DB_PORT" --socket="$STATE_DIR/run/mysqld.sock" \
    --pid-file="$STATE_DIR/run/mysqld.pid" --log-error="$STATE_DIR/log/mariadb.log" \
    --innodb-lock-wait-timeout=900 >/dev/null 2>&1 &
wait_for 60 MariaDB mariadb --no-defaults --socket="$STATE_DIR/run/mysqld.sock" -u root -e "select 1"
mariadb --no-defaults --socket="$STATE_DIR/run/mysqld.sock" -u root <<SQL
CREATE USER IF NOT EXISTS 'slurm'@'127.0.0.1' IDENTIFIED BY '$DB_PASS';
GRANT ALL ON slurm_acct_db.* TO 'slurm'@'127.0.0.1';
SQL

# At least 4 CPUs, so that jobs sized for a cluster node fit on a small machine (oversubscribed).
cpus=$(( $(nproc) > 4 ? $(nproc) : 4 ))
memory_mb=$(awk '/MemTotal/ {print int($2 / 1024 * 0.9)}' /proc/meminfo)
cat >slurm.conf <<CONF
ClusterName=$CLUSTER
SlurmctldHost=localhost(127.0.0.1)
SlurmctldPort=$CTLD_PORT
SlurmdPort=$SLURMD_PORT
SlurmUser=root
SlurmdUser=root
AuthType=auth/munge
CredType=cred/munge
StateSaveLocation=$STATE_DIR/ctld
SlurmdSpoolDir=$STATE_DIR/slurmd/%n
SlurmctldPidFile=$STATE_DIR/run/slurmctld.pid
SlurmdPidFile=$STATE_DIR/run/slurmd.pid
SlurmctldLogFile=$STATE_DIR/log/slurmctld.log
SlurmdLogFile=$STATE_DIR/log/slurmd.log
SlurmctldParameters=enable_configless
SlurmdParameters=config_overrides
# No cgroups or systemd here: plain process tracking, no task binding.
ProctrackType=proctrack/linuxproc
TaskPlugin=task/none
SwitchType=switch/none
MpiDefault=none
SchedulerType=sched/backfill
SelectType=select/cons_tres
SelectTypeParameters=CR_Core_Memory
# The executor polls job states with sacct.
AccountingStorageType=accounting_storage/slurmdbd
AccountingStorageHost=127.0.0.1
AccountingStoragePort=$DBD_PORT
AccountingStorageEnforce=associations
JobAcctGatherType=jobacct_gather/linux
JobAcctGatherFrequency=5
AccountingStorageTRES=gres/gpu
AccountingStoreFlags=job_comment
JobCompType=jobcomp/none
MinJobAge=300
ReturnToService=2
SlurmdTimeout=60
SlurmctldTimeout=60
# A stand-in GPU (gres.conf) lets jobs that ask for a GPU be scheduled on a machine without one.
GresTypes=gpu
NodeName=$NODE NodeHostname=localhost NodeAddr=127.0.0.1 CPUs=$cpus RealMemory=$memory_mb Gres=gpu:1 State=UNKNOWN
PartitionName=main Nodes=$NODE Default=YES MaxTime=INFINITE State=UP
CONF

echo "NodeName=$NODE Name=gpu File=/dev/null" >gres.conf

cat >slurmdbd.conf <<CONF
AuthType=auth/munge
DbdHost=localhost
DbdAddr=127.0.0.1
DbdPort=$DBD_PORT
SlurmUser=root
PidFile=$STATE_DIR/run/slurmdbd.pid
LogFile=$STATE_DIR/log/slurmdbd.log
StorageType=accounting_storage/mysql
StorageHost=127.0.0.1
StoragePort=$DB_PORT
StorageUser=slurm
StoragePass=$DB_PASS
StorageLoc=slurm_acct_db
CONF
chmod 0600 slurmdbd.conf

export SLURM_CONF=$STATE_DIR/slurm.conf
slurmdbd
wait_for 60 slurmdbd sacctmgr -i show cluster
sacctmgr -i add cluster "$CLUSTER" >/dev/null 2>&1 || true
# -c: start from a clean state, without jobs or node states of a previous instance.
slurmctld -c
wait_for 60 slurmctld scontrol ping
env -u SLURM_CONF slurmd -N "$NODE" --conf-server "localhost:$CTLD_PORT"
wait_for 30 "the configuration cache of slurmd" test -f /run/slurm/conf/slurm.conf
wait_for 60 "node $NODE" bash -c "sinfo -h -n $NODE -o %t | grep -Eq '^(idle|mix|alloc)'"
# Jobs are accounted to root's default account, which sacctmgr creates with the cluster.
wait_for 30 "the accounting of root" bash -c "sacctmgr -n -P show assoc user=root format=account | grep -q ."
echo "$SLURM_CONF"
