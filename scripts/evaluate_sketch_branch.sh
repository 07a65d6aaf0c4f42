#!/usr/bin/env bash
# The issue-13 evaluation of a checkpoint: both branches per drawing style on 500 held-out CelebA photos, the 200
# drawn CelebA-HQ avatars, the freehand sketches, and the sliders on held-out edge-style sketches.
#   bash scripts/evaluate_sketch_branch.sh [MODEL] [OUT] [EXTRA...]   (needs data/celeba128 and ../shared/data)
# EXTRA goes to s2fgan evaluate as is, e.g. --refine-steps 10 (the discriminator-guided refinement) or --skip 500.
#   s2fgan prepare-data ../shared/data/celeba_aligned_10k data/celeba128 --format celeba --size 128
set -euo pipefail
cd "$(dirname "$0")/.."
MODEL=${1:-s2fgan_hf/pretrained/default}
OUT=${2:-evaluation}
shift $(( $# < 2 ? $# : 2 ))
SHARED=${SHARED:-../shared/data}
s2fgan evaluate --model "$MODEL" --data data/celeba128 --split test --limit 500 --batch-size 50 \
  --strengths -2 2 --slider-style edges --styles stored edges marker pencil sparse shaded \
  --drawings "$SHARED/celebahq_avatarhq_200/avatars_512" --drawing-photos "$SHARED/celebahq_avatarhq_200/photos_512" \
  --drawing-attributes "$SHARED/celebahq_avatarhq_200/attributes.csv" --drawing-crop 1 \
  --freehand "$SHARED/hand_drawn_sketches/deepfacedrawing_512" -o "$OUT" "$@"
