#!/usr/bin/env bash
# Stops what start.sh started.
for d in slurmd slurmctld; do
  [ -f /run/$d.pid ] && kill "$(cat /run/$d.pid)" 2>/dev/null
done
[ -f /run/munge/munged.pid ] && kill "$(cat /run/munge/munged.pid)" 2>/dev/null
true
