#!/usr/bin/env bash
# One prepared device session on one GPU (about 7 minutes on an H200 before the two heuristic
# per-layer runs were added on 2026-12-04; they are limited to 4 minutes together), for the questions
# the CPU cannot answer (BENCHMARKS.md, seventeenth session): why eager PyTorch's NCHW
# mixed-precision steps run slower than the model says, what peak memory PyTorch
# allocates, and per-layer times with cuDNN benchmarking on. Run from the repository
# root; everything lands in $OUT (default ./device-out):
#   steps-nchw.csv, steps-nhwc.csv  whole ResNet-50 steps, fp32/tf32/bf16/fp16, batch 128
#                                   and 256, with measured_peak_bytes (tools/measure_step.py);
#                                   copy them beside scenarios/validation/h200-one-gpu*.yaml,
#                                   then `scalecast validate --against`
#   memory.csv                      MobileNet v2 (in-place ReLU6 copies) and VGG-16 (max-pool
#                                   indices) steps with their peaks
#   kernels.csv, top-kernels.csv    ResNet-50's step by kind of kernel, NCHW and NHWC
#                                   (tools/kernel_breakdown.py)
#   resnet50-layer-times.csv        every convolution alone (tools/profile_layers.py), for
#                                   `scalecast import kernel-times`
#   layer-events-heuristic.csv,     the same convolutions at batches 32, 64 and 128 under cuDNN's
#   layer-kernels-heuristic.csv     heuristic choice, as scenarios/validation/resnet50-h200-layer-times.csv
#                                   was measured: timed with CUDA events (host dispatch included),
#                                   and as the device time of their kernels (--timing kernels); the
#                                   difference is the host's share of the floor the forty-fourth
#                                   session found in that file (BENCHMARKS.md)
#   grouped-kernels.csv,            ResNeXt-50 and RegNetY/X-400MF steps by kind of kernel, fp16,
#   grouped-top-kernels.csv         NCHW and NHWC: which kernels run the grouped convolutions
#                                   (cuDNN's grouped direct kernels or implicit GEMMs) and what
#                                   the squeeze-and-excitation units cost (BENCHMARKS.md,
#                                   twenty-first session)
#   gpu.txt                         nvidia-smi's clocks, power and versions; PyTorch's and cuDNN's
# Each step has its own time limit, so one that fails or overruns leaves the others' files (and
# the tools write their rows as they go); the script exits 1 if any step failed, naming them.
set -uo pipefail
OUT=${OUT:-device-out}
mkdir -p "$OUT"
export PYTHONUNBUFFERED=1
failed=()
run() {   # run LIMIT_SECONDS NAME COMMAND...: the command's output in $OUT/NAME.log
    local limit=$1 name=$2; shift 2
    echo "== $name"
    timeout "$limit" "$@" > "$OUT/$name.log" 2>&1 || failed+=("$name (exit $?)")
    tail -3 "$OUT/$name.log"
}
{ nvidia-smi -q; python3 -c "import torch, torchvision; print('torch', torch.__version__, 'cuda', torch.version.cuda,
  'cudnn', torch.backends.cudnn.version(), 'torchvision', torchvision.__version__, torch.cuda.get_device_name())"; } > "$OUT/gpu.txt" 2>&1
run 150 steps-nchw python3 tools/measure_step.py --models resnet50 --batches 128,256 --precisions fp32,tf32,bf16,fp16 \
    --memory-format nchw --scenario h200-one-gpu.yaml --out "$OUT/steps-nchw.csv"
run 150 steps-nhwc python3 tools/measure_step.py --models resnet50 --batches 128,256 --precisions fp32,tf32,bf16,fp16 \
    --memory-format nhwc --scenario h200-one-gpu-nhwc.yaml --out "$OUT/steps-nhwc.csv"
run 60 memory python3 tools/measure_step.py --models mobilenet_v2,vgg16 --batches 128 --precisions fp32,bf16 \
    --scenario h200-one-gpu.yaml --out "$OUT/memory.csv"
run 90 kernels python3 tools/kernel_breakdown.py --models resnet50 --batches 256 --precisions bf16,fp16,tf32 \
    --memory-formats nchw,nhwc --out "$OUT/kernels.csv" --top "$OUT/top-kernels.csv"
run 90 layer-times python3 tools/profile_layers.py --model resnet50 --batches 64,128 --precisions tf32,bf16 \
    --out "$OUT/resnet50-layer-times.csv"
run 90 layer-events-heuristic python3 tools/profile_layers.py --model resnet50 --batches 32,64,128 \
    --precisions fp32,tf32,bf16 --no-cudnn-benchmark --out "$OUT/layer-events-heuristic.csv"
run 150 layer-kernels-heuristic python3 tools/profile_layers.py --model resnet50 --batches 32,64,128 \
    --precisions fp32,tf32,bf16 --no-cudnn-benchmark --timing kernels --out "$OUT/layer-kernels-heuristic.csv"
run 90 grouped python3 tools/kernel_breakdown.py --models resnext50_32x4d,regnet_y_400mf,regnet_x_400mf --batches 128 \
    --precisions fp16 --memory-formats nchw,nhwc --out "$OUT/grouped-kernels.csv" --top "$OUT/grouped-top-kernels.csv"
ls -l "$OUT"
if [ ${#failed[@]} -gt 0 ]; then echo "failed: ${failed[*]}"; exit 1; fi
