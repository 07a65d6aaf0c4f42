#!/usr/bin/env bash
# Every GPU figure of docs/performance.md in one command (about 5 minutes on an H100), JSON files into one folder:
#
#   bash bench/gpu_session.sh [OUTPUT_DIR]        # default: bench-out/; PYTHON=... picks the interpreter
#
# 0. cuda_tests.log          tests/training/test_cuda.py: CUDA inference vs CPU, bf16/fp16/fp32 training + resume;
# 1. inference_cuda.json      paper-256 and the bundled checkpoint: batch-1 latency (fast path and fp32 reference),
#                             batch 8 / 32 sketch-to-face and slider throughput with achieved TFLOP/s, measured
#                             bf16 matmul peak and the datasheet figure, fast vs fp32 PSNR on CUDA;
# 2. training_cuda_bf16.json  paper-256 training images/s and TFLOP/s at batch 32 under bf16 autocast;
# 3. training_cuda_fp32.json  the same without autocast (PyTorch defaults: TF32 in convolutions, not in matmuls), batch 16.
#    training_r1_profile.txt the op profile of one bf16 R1 iteration (30x a plain one on an H200: 93 % of it in one
#                            slow cuDNN fallback kernel, docs/performance.md);
# 4. training_cuda_bf16_cudnn_benchmark.json  step 2 with cuDNN's algorithm search on (does R1 get its speed back?).
# Each step writes its own file, so a step that fails leaves the others (its error goes to the .log file).
set -uo pipefail
cd "$(dirname "$0")/.."
out="${1:-bench-out}"
mkdir -p "$out"
export PYTHONUNBUFFERED=1
"${PYTHON:-python3}" -c "import torch; assert torch.cuda.is_available(), 'no CUDA device'; print(torch.cuda.get_device_name())" || exit 1
nvidia-smi --query-gpu=name,memory.total,clocks.max.sm,power.limit --format=csv >"$out/nvidia_smi.csv" 2>&1

run() {
  local name="$1"
  shift
  echo "+ $*"
  if "$@" >"$out/$name.json" 2>"$out/$name.log"; then
    echo "  ok: $out/$name.json"
  else
    echo "  FAILED ($name): tail of $out/$name.log" && tail -n 20 "$out/$name.log"
  fi
}

echo "+ pytest tests/training/test_cuda.py"
"${PYTHON:-python3}" -m pytest -q -p no:cacheprovider tests/training/test_cuda.py >"$out/cuda_tests.log" 2>&1 &&
  echo "  ok" || { echo "  FAILED: tail of $out/cuda_tests.log" && tail -n 30 "$out/cuda_tests.log"; }
run inference_cuda "${PYTHON:-python3}" bench/bench_inference.py --device cuda --presets paper-256 cpu-64 --repeats 20
run refinement_cuda "${PYTHON:-python3}" bench/bench_refinement.py --device cuda --steps 0 10 --batch-size 8
run training_cuda_bf16 "${PYTHON:-python3}" bench/bench_training.py --presets paper-256 --batch_size 32 --steps 10 \
  --mixed_precision bf16 --profile_r1 "$out/training_r1_profile.txt"
run training_cuda_fp32 "${PYTHON:-python3}" bench/bench_training.py --presets paper-256 --batch_size 16 --steps 5 \
  --mixed_precision no
run training_cuda_bf16_cudnn_benchmark "${PYTHON:-python3}" bench/bench_training.py --presets paper-256 \
  --batch_size 32 --steps 4 --mixed_precision bf16 --cudnn_benchmark
ls -l "$out"
