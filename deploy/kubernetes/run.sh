#!/usr/bin/env bash
# Runs a round on Kubernetes: prepare, then the Indexed Job of shards, then
# aggregate, each once the previous one completed.
#   deploy/kubernetes/run.sh            (uses the current kubectl context and namespace)
set -euo pipefail
cd "$(dirname "$0")"
wait_for() {
  # Complete, or stop at the first failure.
  local job=$1
  while true; do
    if kubectl wait --for=condition=complete "job/$job" --timeout=60s >/dev/null 2>&1; then
      echo "$job complete"; return 0
    fi
    if kubectl wait --for=condition=failed "job/$job" --timeout=1s >/dev/null 2>&1; then
      echo "$job failed: kubectl logs job/$job" >&2; return 1
    fi
  done
}
kubectl apply -f volume.yaml
kubectl apply -f prepare-job.yaml && wait_for zkpor-prepare
kubectl apply -f shards-job.yaml && wait_for zkpor-shards
kubectl apply -f aggregate-job.yaml && wait_for zkpor-aggregate
kubectl logs job/zkpor-aggregate | tail -n 20
