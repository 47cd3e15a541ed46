#!/bin/sh
# A Slurm job array, one task per slice of the grid: sbatch slurm.sh, from a shared folder.
# A task that is requeued goes on from its FILE.partial (--resume).
#SBATCH --job-name=dying-relu
#SBATCH --array=1-4
#SBATCH --cpus-per-task=2
#SBATCH --time=01:00:00
set -eu
npx --yes dying-relu sweep --seeds 5 --activation relu,leaky_relu \
  --shard "$SLURM_ARRAY_TASK_ID/4" --json "part$SLURM_ARRAY_TASK_ID.json" --resume --quiet
# When every task has finished:
#   npx --yes dying-relu merge part*.json --json all.json --report all.html
