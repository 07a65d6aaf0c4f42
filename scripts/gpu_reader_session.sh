#!/usr/bin/env bash
# One leased-GPU call for issue 13's lead (docs/checkpoint/training.md, "The reader inside the sketch encoder"):
# the GPU figures first, then stage 2 of the capped reader model for whatever time is left.
#
#   bash scripts/gpu_reader_session.sh OUT BUDGET_SECONDS      # e.g. OUT=$OUT, 560 for a 600 s call
#
# Carried (git-ignored gpu_carry/, 21 MB, so the checkout stays under the lease's 64 MiB):
#   gpu_carry/cap2/{config.json,sketch_encoder.safetensors}  from scripts/sketch_encoder_transplant.py extract
#                                                            runs/reader-cap2/model (the rest is the shipped model)
#   gpu_carry/celeba_src(.tar)                               4,300 train photos of CelebA in its own layout
# 1. rebuilds runs/reader-cap2/model (in /tmp) from the shipped weights and the carried sketch encoder, and prepares the data
#    in the background while 2. bench/gpu_session.sh runs (at most BENCH_SECONDS, default 330);
# 3. the free stage-2 recipe of the CPU run runs/stage2-cap2-free at batch 32 until 75 s before the budget ends,
#    a checkpoint every 250 steps; 4. the EMA weights averaged from step 300 and from the run's midpoint, and the
#    last EMA, as sketch-encoder files (build them back with the transplant script), the discriminator, metrics,
#    samples, the logs and the GPU figures, all in OUT/result.tar.part-* (15 MiB parts; `cat` them into one tar).
# The full checkpoint (Adam state, 54 MB) stays on the machine: it goes back with it. To go on from the shipped
# weights, START_MODEL=s2fgan_hf/pretrained/default skips the rebuild (a fresh Adam state; docs/checkpoint/training.md).
set -uo pipefail
cd "$(dirname "$0")/.."
out="$1"
budget="$2"
t0=$(date +%s)
py="${PYTHON:-python3}"
run="${RUN:-runs/stage2-cap2-gpu}"
src="${SRC:-gpu_carry/celeba_src}"
start=/tmp/reader-cap2-start
export PYTHONPATH="$PWD${PYTHONPATH:+:$PYTHONPATH}" PYTHONUNBUFFERED=1 HF_HUB_OFFLINE=1
mkdir -p "$out/work/seg" "$out/work/pack"
if [ -f gpu_carry/celeba_src.tar.gz ] && [ -z "${SRC:-}" ]; then  # one file: the lease counts each small file by its blocks
  mkdir -p /tmp/carry && tar -C /tmp/carry -xzf gpu_carry/celeba_src.tar.gz && src=/tmp/carry/celeba_src
fi
if [ -n "${START_MODEL:-}" ]; then  # e.g. the shipped folder itself: nothing to rebuild, nothing to carry but photos
  start="$START_MODEL"
else
  "$py" scripts/sketch_encoder_transplant.py build s2fgan_hf/pretrained/default gpu_carry/cap2/config.json \
    gpu_carry/cap2/sketch_encoder.safetensors "$start" || exit 1
fi
SRC="$src" bash scripts/gpu_stage2_segment.sh "$out/work/seg" 0 >"$out/work/prep.log" 2>&1 &
prep=$!
timeout "${BENCH_SECONDS:-330}" bash bench/gpu_session.sh "$out/work/bench" 2>&1 | tee "$out/work/bench.log"
wait "$prep"
left=$((budget - ($(date +%s) - t0) - 75))
minutes=$(awk -v s="$left" 'BEGIN { printf "%.2f", (s > 30 ? s : 30) / 60 }')
echo "stage 2 for $minutes min"
SRC="$src" PRETRAINED="$start" RUN="$run" PACK=0 \
  STYLES="edges marker pencil sparse shaded clean" STYLE_WEIGHTS="2 2 1 3 1 1" \
  TRAIN_EXTRA="--learning_rate 0.000125 --lr_warmup_steps 300 --checkpointing_steps 250 --checkpoints_total_limit 40
    --lambda_sketch_reencoded 0 --lambda_style_moments 0 --lambda_sketch_anchor 0 ${TRAIN_EXTRA:-}" \
  bash scripts/gpu_stage2_segment.sh "$out/work/seg" "$minutes"
last=$(ls -d "$run"/checkpoint-* | sed 's/.*-//' | sort -n | tail -n 1)
pack="$out/work/pack"
"$py" scripts/sketch_encoder_transplant.py extract "$run/checkpoint-$last/generator_ema" "$pack/ema-$last.safetensors"
for first in 300 $((last / 2)); do
  "$py" scripts/average_checkpoints.py "$run" --steps "$first" "$last" --output "/tmp/avg-$first/generator_ema" &&
    "$py" scripts/sketch_encoder_transplant.py extract "/tmp/avg-$first/generator_ema" \
      "$pack/avg-$first-$last.safetensors"
done
cp "$run/checkpoint-$last/discriminator/model.safetensors" "$pack/discriminator-$last.safetensors"
tar -C "$out" -cf - work | split -b 15M - "$out/result.tar.part-" && rm -rf "$out/work"
ls -l "$out"
echo "done in $(($(date +%s) - t0)) s"
