#!/usr/bin/env bash
# One leased-GPU segment of the stage-2 sketch-branch training (issue 13, docs/checkpoint/training.md).
#
#   bash scripts/gpu_stage2_segment.sh OUT MINUTES
#
# Reads CelebA in its own layout from $SRC (default gpu_carry/celeba_src: images/*.jpg + list_attr_celeba.txt,
# the train photos only, so the folder fits the 64 MiB a lease carries), prepares it at 128 px in 8 parallel
# shards, fine-tunes the shipped checkpoint's sketch encoder for MINUTES of wall clock with the stage-2 recipe at
# batch 32, then writes into OUT: the last full checkpoint as checkpoint.tar split into <= 15 MiB parts (join with
# `cat OUT/checkpoint.tar.part-* > checkpoint.tar`), metrics.jsonl, the last sample grid and the log (train.log) - 7 files at most.
# TRAIN_EXTRA adds training flags (e.g. --cpu for a dry run), PREP_DEVICE picks the extraction device, STYLES and
# STYLE_WEIGHTS the drawing styles (default: the four of the shipped run; e.g. STYLES="edges marker pencil sparse shaded"
# STYLE_WEIGHTS="1 1 1 1 2"). PRETRAINED names the start model (default: the shipped one); PACK=0 skips the checkpoint
# tar (a caller that packs what it needs itself); MINUTES 0 prepares the data and stops.
set -euo pipefail
cd "$(dirname "$0")/.."
out="$1"
minutes="$2"
py="${PYTHON:-python3}"
src="${SRC:-gpu_carry/celeba_src}"
data="${DATA:-/tmp/celeba128}"
run="${RUN:-runs/sketch-stage2-gpu}"
shards="${SHARDS:-8}"
export PYTHONPATH="$PWD${PYTHONPATH:+:$PYTHONPATH}" PYTHONUNBUFFERED=1 HF_HUB_OFFLINE=1
mkdir -p "$out"

if [ ! -f "$data/metadata.jsonl" ]; then
  start=$(date +%s)
  "$py" - "$src" "$data" "$shards" <<'PY'
import sys
from pathlib import Path

src, data, shards = Path(sys.argv[1]), Path(sys.argv[2]), int(sys.argv[3])
lines = (src / "list_attr_celeba.txt").read_text().splitlines()
rows = [line for line in lines[2:] if line.strip()]
for k in range(shards):
    shard = data.parent / f"{data.name}-src{k}"
    (shard / "images").mkdir(parents=True, exist_ok=True)
    mine = rows[k::shards]
    for row in mine:
        name = row.split()[0]
        link = shard / "images" / name
        if not link.exists():
            link.symlink_to((src / "images" / name).resolve())
    (shard / "list_attr_celeba.txt").write_text("\n".join([str(len(mine)), lines[1], *mine]) + "\n")
PY
  for k in $(seq 0 $((shards - 1))); do
    "$py" -c "import sys; from s2fgan_hf.commands import main; sys.exit(main())" prepare-data "${data}-src$k" \
      "${data}-part$k" --format celeba --size 128 --device "${PREP_DEVICE:-cpu}" --no-progress >"${data}-part$k.log" 2>&1 &
  done
  wait
  mkdir -p "$data/images" "$data/sketches"
  for k in $(seq 0 $((shards - 1))); do
    mv "${data}-part$k"/images/* "$data/images/"
    mv "${data}-part$k"/sketches/* "$data/sketches/"
    cat "${data}-part$k/metadata.jsonl" >>"$data/metadata.tmp"
  done
  mv "$data/metadata.tmp" "$data/metadata.jsonl"
  cat "${data}"-part*.log >>"$out/train.log"
  echo "prepared $(wc -l <"$data/metadata.jsonl") photos in $(($(date +%s) - start)) s" | tee -a "$out/train.log"
fi
[ "$minutes" = 0 ] && exit 0

# The stage-2 recipe of docs/checkpoint/training.md, at batch 32 with 12 loader workers.
"$py" train_accelerate.py \
  --pretrained_model_name_or_path "${PRETRAINED:-s2fgan_hf/pretrained/default}" --train_data_dir "$data" \
  --sketch_styles ${STYLES:-edges marker pencil sparse} ${STYLE_WEIGHTS:+--style_weights $STYLE_WEIGHTS} --freeze_photo_branch \
  --output_dir "$run" --train_batch_size 32 --max_train_steps 100000 --max_train_minutes "$minutes" \
  --mixed_precision no --checkpointing_steps 1000 --checkpoints_total_limit 1 --validation_steps 1000 \
  --num_validation_images 8 --logging_steps 25 --d_augment diffaug --seed 0 \
  --dataloader_num_workers "${WORKERS:-12}" --report_to jsonl \
  --lambda_align 1 --lambda_domain 0.5 --lambda_sketch_l1 1 --lambda_sketch_sem 2 \
  --lambda_sketch_adv 1 --lambda_sketch_fm 2 --lambda_latent_moments 2 \
  --resume_from_checkpoint latest ${TRAIN_EXTRA:-} 2>&1 | tee -a "$out/train.log" || echo "training failed; packing the last checkpoint"

cp "$run/metrics.jsonl" "$out/" || true
cp "$(ls "$run"/samples/*.png | tail -n 1)" "$out/last_samples.png" || true
[ "${PACK:-1}" = 0 ] && exit 0
last=$(ls -d "$run"/checkpoint-* | sort -t- -k2 -n | tail -n 1)
tar -C "$run" -cf - "$(basename "$last")" | split -b 15M - "$out/checkpoint.tar.part-"
ls -l "$out"
