#!/usr/bin/env bash
# Starts munge, slurmctld and slurmd on this machine as a one-node cluster
# (Debian bookworm: apt-get install -y slurm-wlm). Run as root. Stop with stop.sh.
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
host=$(hostname -s)
cpus=$(nproc)
mem=$(( $(awk '/MemTotal/ {print $2}' /proc/meminfo) / 1024 - 1024 ))
mkdir -p /etc/slurm /var/spool/slurmctld /var/spool/slurmd /var/log/slurm /run/munge
sed -e "s/@HOST@/$host/g" -e "s/@CPUS@/$cpus/" -e "s/@MEM@/$mem/" \
  "$here/slurm.conf.in" > /etc/slurm/slurm.conf
[ -s /etc/munge/munge.key ] || mungekey --create --force
chown munge:munge /etc/munge/munge.key /run/munge
chmod 0400 /etc/munge/munge.key
pgrep -x munged >/dev/null || runuser -u munge -- /usr/sbin/munged
munge -n | unmunge >/dev/null
pgrep -x slurmctld >/dev/null || /usr/sbin/slurmctld
pgrep -x slurmd >/dev/null || /usr/sbin/slurmd
for _ in $(seq 30); do
  sinfo -h -o '%T' 2>/dev/null | grep -qE '^(idle|mixed|allocated)' && break
  sleep 1
done
sinfo
