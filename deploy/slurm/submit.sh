#!/usr/bin/env bash
# Submits a whole round: prepare, then the shard array once prepare succeeded,
# then aggregate once every array task succeeded (--dependency=afterok).
#   ZKPOR_ENV=/path/to/job.env deploy/slurm/submit.sh [extra sbatch flags]
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
export ZKPOR_ENV=${ZKPOR_ENV:-$here/job.env}
source "$ZKPOR_ENV"
cd "$here"
prepare=$(sbatch --parsable --export=ALL "$@" prepare.sbatch)
shards=$(sbatch --parsable --export=ALL --dependency=afterok:"$prepare" \
  --array=0-$((SHARDS - 1)) "$@" shard.sbatch)
aggregate=$(sbatch --parsable --export=ALL --dependency=afterok:"$shards" "$@" aggregate.sbatch)
echo "prepare $prepare, shards $shards (array 0-$((SHARDS - 1))), aggregate $aggregate"
