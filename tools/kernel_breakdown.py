#!/usr/bin/env python3
"""Where a training step's GPU time goes, by kind of kernel: torch.profiler records a
few steps of a torchvision model, run as tools/measure_step.py runs them (synthetic
data on the GPU, SGD with momentum, autocast for bf16 and fp16, cuDNN benchmarking
on), and each CUDA kernel's time is added to a category found from its name:
convolution, layout transform (cuDNN's NCHW <-> NHWC transposes), batch norm, GEMM,
element-wise, pooling, reduction, loss, optimizer, copy or cast, other. Convolution
and GEMM kernels are also split by whether their names say they run on tensor cores.

    python3 tools/kernel_breakdown.py --models resnet50 --batches 256 \\
        --precisions bf16,tf32 --memory-formats nchw,nhwc --out kernels.csv --top top-kernels.csv

kernels.csv has, per model, batch, precision and memory format, each category's
milliseconds and kernels per step (the profiled steps' mean) and its share of the
step's kernel time; top-kernels.csv the --top-count longest kernels by name. Set the
categories beside `scalecast explain --all`'s layers to see which kind of work the
model misprices.
"""
import argparse
import csv
import re
import sys

#: (category, pattern), tried in order on the lower-cased kernel name: the first that
#: matches wins, so cuDNN's transposes and batch-norm kernels are found before the
#: convolutions whose library they share, and convolutions before plain GEMMs.
CATEGORIES = [
    ("layout transform", r"nchwtonhwc|nhwctonchw|transpose|permute"),
    ("batch norm", r"batch_norm|batchnorm|\bbn_|::bn_|welford"),
    ("convolution", r"conv|fprop|dgrad|wgrad|implicit_gemm|implicit_convolve|winograd|fft|precomputed|[hs]\d*cudnn"),
    ("gemm", r"gemm|cutlass|cublas|gemv|xmma"),
    ("optimizer", r"multi_tensor_apply|foreach|sgd|adam"),
    ("pooling", r"pool"),
    ("loss", r"softmax|nll_loss|cross_entropy"),
    ("reduction", r"reduce|sum_kernel|mean_kernel"),
    ("copy or cast", r"copy|memcpy|memset|fill|(?<!no)(?<!broad)cast|catarraybatched|cat_"),
    ("element-wise", r"elementwise|threshold|relu|clamp|hardtanh|silu|sigmoid|add|mul|div|where|dropout"),
]

#: Name fragments of CUDA-core kernels, tried first: single-precision FMA and SGEMM kernels
#: (cuDNN's and cuBLAS's xmma families have `ffma` variants), cuDNN's scudnn, SIMT kernels.
CUDA_CORE = r"ffma|sgemm|scudnn|simt|implicit_convolve_sgemm"

#: Name fragments of tensor-core kernels: the hmma/gmma/wmma families, xmma kernels that are not
#: ffma, the instruction shapes in older names (884, 1688, 16816), tensor-core dtypes.
TENSOR_CORE = r"xmma|hmma|gmma|wmma|tensorop|tensor\d|h884|h1688|h16816|s1688|s16816|i8816|tf32|bf16"


def category(name):
    """The category of a CUDA kernel named `name`."""
    lowered = name.lower()
    for label, pattern in CATEGORIES:
        if re.search(pattern, lowered):
            return label
    return "other"


def on_tensor_cores(name):
    """Whether a convolution or GEMM kernel's name says it runs on tensor cores (a name
    with a CUDA-core marker does not, whatever else it says)."""
    lowered = name.lower()
    return re.search(CUDA_CORE, lowered) is None and re.search(TENSOR_CORE, lowered) is not None


def kernel_times(profiler, steps):
    """{kernel name: (milliseconds per step, launches per step)} from a finished profiler."""
    import torch
    times = {}
    for row in profiler.key_averages():
        if getattr(row, "device_type", None) != torch.autograd.DeviceType.CUDA:
            continue
        microseconds = getattr(row, "self_device_time_total", None)
        if microseconds is None:
            microseconds = getattr(row, "self_cuda_time_total", 0)
        if microseconds <= 0:
            continue
        previous = times.get(row.key, (0.0, 0.0))
        times[row.key] = (previous[0] + microseconds / 1000 / steps, previous[1] + row.count / steps)
    return times


def profile_runs(fn, runs, warmups):
    """A finished torch.profiler profile (CUDA activity) of `runs` calls of `fn`, after `warmups`
    calls left out, the GPU idle before the first and synchronized after the last."""
    import torch
    for _ in range(warmups):
        fn()
    torch.cuda.synchronize()
    with torch.profiler.profile(activities=[torch.profiler.ProfilerActivity.CUDA]) as profiler:
        for _ in range(runs):
            fn()
        torch.cuda.synchronize()
    return profiler


def breakdown(times):
    """Per category (tensor cores apart for convolutions and GEMMs): (ms, kernels) per step."""
    totals = {}
    for name, (ms, count) in times.items():
        label = category(name)
        if label in ("convolution", "gemm"):
            label += ", tensor cores" if on_tensor_cores(name) else ", CUDA cores"
        previous = totals.get(label, (0.0, 0.0))
        totals[label] = (previous[0] + ms, previous[1] + count)
    return totals


def profile_step(model_name, batch, precision, memory_format, steps):
    """The kernel times per step of `model_name` trained as tools/measure_step.py trains it."""
    import torch
    import torchvision
    torch.backends.cudnn.benchmark = True
    torch.backends.cuda.matmul.allow_tf32 = precision == "tf32"
    torch.backends.cudnn.allow_tf32 = precision == "tf32"
    layout = torch.channels_last if memory_format == "nhwc" else torch.contiguous_format
    kwargs = {"aux_logits": True, "init_weights": False} if model_name == "inception_v3" else {}
    model = getattr(torchvision.models, model_name)(**kwargs).cuda().train().to(memory_format=layout)
    optimizer = torch.optim.SGD(model.parameters(), lr=0.01, momentum=0.9, weight_decay=0.0005)
    size = 299 if model_name == "inception_v3" else 224
    x = torch.randn(batch, 3, size, size, device="cuda").contiguous(memory_format=layout)
    y = torch.randint(0, 1000, (batch,), device="cuda")
    autocast = {"bf16": torch.bfloat16, "fp16": torch.float16}.get(precision)

    def step():
        optimizer.zero_grad(set_to_none=True)
        with torch.autocast("cuda", dtype=autocast or torch.bfloat16, enabled=autocast is not None):
            out = model(x)
            out = out[0] if isinstance(out, tuple) else out
            loss = torch.nn.functional.cross_entropy(out, y)
        loss.backward()
        optimizer.step()

    profiler = profile_runs(step, steps, warmups=5)
    del model, optimizer
    torch.cuda.empty_cache()
    return kernel_times(profiler, steps)


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--models", default="resnet50")
    parser.add_argument("--batches", default="256")
    parser.add_argument("--precisions", default="bf16,tf32")
    parser.add_argument("--memory-formats", default="nchw,nhwc")
    parser.add_argument("--steps", type=int, default=3, help="profiled steps, after 5 warm-up steps")
    parser.add_argument("--out", required=True, help="the per-category CSV")
    parser.add_argument("--top", help="also write the longest kernels here")
    parser.add_argument("--top-count", type=int, default=25)
    args = parser.parse_args(argv)
    unknown = [p for p in args.precisions.split(",") if p not in ("fp32", "tf32", "bf16", "fp16")]
    unknown += [f for f in args.memory_formats.split(",") if f not in ("nchw", "nhwc")]
    if unknown:
        print(f"error: unknown {', '.join(unknown)}; precisions fp32, tf32, bf16, fp16; memory formats nchw, nhwc", file=sys.stderr)
        return 2
    try:
        import torch
    except ImportError:
        print("error: PyTorch is not installed", file=sys.stderr)
        return 2
    if not torch.cuda.is_available():
        print("error: no CUDA GPU is visible to PyTorch", file=sys.stderr)
        return 2
    # Rows are written as each configuration finishes, so a run stopped part-way keeps what it measured.
    fields = ["model", "batch_per_gpu", "precision", "memory_format"]
    out = open(args.out, "w", newline="")
    writer = csv.DictWriter(out, fieldnames=fields + ["category", "ms_per_step", "kernels_per_step", "share"], lineterminator="\n")
    writer.writeheader()
    top_out = open(args.top, "w", newline="") if args.top else None
    top_writer = top_out and csv.DictWriter(top_out, fieldnames=fields + ["category", "ms_per_step", "kernels_per_step", "kernel"],
                                            lineterminator="\n")
    if top_writer:
        top_writer.writeheader()
    rows = 0
    for model_name in args.models.split(","):
        for batch in (int(b) for b in args.batches.split(",")):
            for precision in args.precisions.split(","):
                for memory_format in args.memory_formats.split(","):
                    times = profile_step(model_name, batch, precision, memory_format, args.steps)
                    total = sum(ms for ms, _ in times.values())
                    key = dict(model=model_name, batch_per_gpu=batch, precision=precision, memory_format=memory_format)
                    for label, (ms, count) in sorted(breakdown(times).items(), key=lambda item: -item[1][0]):
                        writer.writerow(dict(key, category=label, ms_per_step=f"{ms:.4f}", kernels_per_step=f"{count:.1f}",
                                             share=f"{ms / total:.4f}"))
                        rows += 1
                    out.flush()
                    if top_writer:
                        for name, (ms, count) in sorted(times.items(), key=lambda item: -item[1][0])[:args.top_count]:
                            top_writer.writerow(dict(key, category=category(name), ms_per_step=f"{ms:.4f}",
                                                     kernels_per_step=f"{count:.1f}", kernel=name))
                        top_out.flush()
    out.close()
    if top_out:
        top_out.close()
    print(f"wrote {rows} rows to {args.out} ({torch.cuda.get_device_name()})")
    return 0


if __name__ == "__main__":
    sys.exit(main())
