#!/bin/sh
# SPDX-License-Identifier: MIT
# shard.sh - run one shard of a smtp-diag plan, for any batch engine.
#
#   Slurm:        sbatch --array=0-3 examples/fleet/shard.sh
#                 (the shard comes from SLURM_ARRAY_TASK_ID/SLURM_ARRAY_TASK_COUNT)
#   GNU parallel: parallel examples/fleet/shard.sh {} 4 ::: 0 1 2 3
#   Kubernetes:   an Indexed Job with SHARDS=N (JOB_COMPLETION_INDEX)
#
# Arguments (optional): I N, the shard. Environment:
#   PLAN       the plan (default plan.jsonl)
#   OUTDIR     where shard-I.jsonl goes (default .)
#   SMTP_DIAG  the program (default smtp-diag)
#   SHARDS     the number of shards for JOB_COMPLETION_INDEX
#   SMTP_DIAG_ARGS  more options (--profile, --parallel, --per-address ...)
#
# The output is written to shard-I.jsonl.part and renamed when smtp-diag has
# finished and its summary line is there, so a killed shard leaves no shard-I.jsonl and --merge names it
# missing. Exit 0 when the shard ran (whatever its verdict: 0-2), 3 when it
# could not run: the engine's "failed" then means "run it again" (a shard is
# idempotent; GNU parallel --resume-failed, Slurm requeue).
set -u
PLAN=${PLAN:-plan.jsonl}
OUTDIR=${OUTDIR:-.}
SMTP_DIAG=${SMTP_DIAG:-smtp-diag}
if [ $# -ge 2 ]; then
	index=$1
	set -- --shard "$1/$2"
elif [ -n "${SLURM_ARRAY_TASK_ID:-}" ]; then
	index=$((SLURM_ARRAY_TASK_ID - ${SLURM_ARRAY_TASK_MIN:-0}))
	set --
elif [ -n "${JOB_COMPLETION_INDEX:-}" ]; then
	index=$JOB_COMPLETION_INDEX
	set -- --shard-count "${SHARDS:?SHARDS=N is needed with JOB_COMPLETION_INDEX}"
else
	echo "shard.sh: give I N, or run as a Slurm array task or a Kubernetes Indexed Job" >&2
	exit 3
fi
out="$OUTDIR/shard-$index.jsonl"
# shellcheck disable=SC2086 # SMTP_DIAG_ARGS is a list of options
"$SMTP_DIAG" --plan "$PLAN" "$@" --jsonl --no-progress ${SMTP_DIAG_ARGS:-} > "$out.part"
rc=$?
# a verdict (0-2) and a whole output (the summary line last): the shard ran
if [ "$rc" -le 2 ] && [ -f "$out.part" ] && tail -n 1 "$out.part" | grep -q '"fleet"'; then
	mv "$out.part" "$out" && exit 0
fi
echo "shard.sh: shard $index: smtp-diag exited $rc" >&2
exit 3
