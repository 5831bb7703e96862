#!/usr/bin/env bash
# Issue #16's lever table: the hinton preset (784-1000-500-250-30) trained from random
# initialisation with one lever changed at a time; the validation split (the last 5,000 training
# images) chooses, the test set is scored once per run, at the end. Appends one line per run to
# benchmarks/hinton/levers.csv: name, arguments, validation SSE/image, test SSE/image, best epoch,
# epochs run, training minutes. Logs and outputs in out/levers/NAME.
#   benchmarks/hinton/levers.sh NAME [example options...]      e.g.  levers.sh wd-0.1 --weight-decay 0.1
# Runs build/release/examples/mnist/mnist (scripts/run.sh --variant denoising builds it).
set -euo pipefail
cd "$(dirname "$0")/../.."
name=$1; shift
csv=benchmarks/hinton/levers.csv
[[ -f $csv ]] || echo "name,arguments,validation_sse,test_sse,best_epoch,epochs_run,train_minutes" > "$csv"
mkdir -p out/levers
log=out/levers/$name.log
build/release/examples/mnist/mnist --preset hinton --out "out/levers/$name" "$@" > "$log" 2>&1
test_sse=$(awk '$1 == "autoencoder" { print $4 }' "$log")
minutes=$(awk '$1 == "autoencoder" { printf "%.1f", $5 / 60 }' "$log")
val_sse=$(sed -n 's/^Validation (the last [0-9]* training images, held out): SSE\/image \([0-9.]*\).*/\1/p' "$log")
best=$(sed -n 's/.*early stopping kept epoch \([0-9]*\) of \([0-9]*\) run.*/\1,\2/p' "$log")
[[ -n $best ]] || best=",$(grep -c '^epoch ' "$log")"
echo "$name,\"$*\",$val_sse,$test_sse,$best,$minutes" >> "$csv"
tail -1 "$csv"
