#!/usr/bin/env python3
"""Time whole training steps (forward, backward, SGD with momentum) of torchvision
models on this GPU, with synthetic data already on the GPU, and write a CSV that
`scalecast validate --against` compares with the simulator's predictions.

Usage: python3 tools/measure_step.py --models resnet50,vgg16 --batches 64,128 \
           --precisions fp32,bf16 --scenario scenarios/validation/h200-one-gpu.yaml --out steps.csv

bf16 and fp16 use torch.autocast (mixed precision; fp16 without a loss scaler, as
timm's benchmark runs it), tf32 allows TF32 tensor cores. --memory-format nhwc puts
the model and the input in torch.channels_last (the scenario should then say
software.memory_format: nhwc); the default, nchw, is PyTorch's. Each row is the
median of --repeats timed steps after 5 warm-up steps (CUDA events), and the peak
of torch.cuda.max_memory_allocated over those steps (measured_peak_bytes: every
tensor alive at once, weights, gradients, momentum, kept activations, autocast's
copies and cuDNN's workspaces, but not the CUDA context or the allocator's cached
free blocks), which `validate --against` compares with the memory footprint.
cuDNN measures its algorithms and runs the fastest (torch.backends.cudnn.benchmark,
as torchvision's reference training script, timm and NVIDIA's DeepLearningExamples
set it, and as ScaleCast's kernel libraries choose); --no-cudnn-benchmark leaves
cuDNN's heuristic choice, and the column cudnn_benchmark says which ran.
"""
import argparse
import csv
import statistics
import sys

import torch
import torchvision


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--models", default="resnet50")
    parser.add_argument("--batches", default="64,128")
    parser.add_argument("--precisions", default="fp32,bf16")
    parser.add_argument("--repeats", type=int, default=20)
    parser.add_argument("--cudnn-benchmark", action=argparse.BooleanOptionalAction, default=True,
                        help="let cuDNN measure its algorithms and run the fastest (default: on)")
    parser.add_argument("--memory-format", choices=["nchw", "nhwc"], default="nchw",
                        help="the layout of the model's and the input's tensors (nhwc: torch.channels_last)")
    parser.add_argument("--scenario", required=True, help="the scenario describing this machine, as the CSV should name it")
    parser.add_argument("--out", required=True)
    args = parser.parse_args()
    unknown = [p for p in args.precisions.split(",") if p not in ("fp32", "tf32", "bf16", "fp16")]
    if unknown:
        sys.exit(f"error: --precisions: unknown {', '.join(unknown)}; use fp32, tf32, bf16 or fp16")
    if not torch.cuda.is_available():
        sys.exit("error: no CUDA GPU is visible to PyTorch")
    names = {"alexnet": "alexnet-owt", "vgg16": "vgg16", "resnet50": "resnet50", "googlenet": "googlenet",
             "inception_v3": "inception-v3"}
    torch.backends.cudnn.benchmark = args.cudnn_benchmark
    # Rows are written as each configuration finishes, so a run stopped part-way keeps what it measured.
    out = open(args.out, "w", newline="")
    writer = csv.DictWriter(out, fieldnames=["scenario", "model", "batch_per_gpu", "precision", "gpus", "measured_step_seconds",
                                             "measured_peak_bytes", "cudnn_benchmark"], lineterminator="\n")
    writer.writeheader()
    rows = 0
    for model_name in args.models.split(","):
        for precision in args.precisions.split(","):
            torch.backends.cuda.matmul.allow_tf32 = precision == "tf32"
            torch.backends.cudnn.allow_tf32 = precision == "tf32"
            for batch in (int(b) for b in args.batches.split(",")):
                kwargs = {"aux_logits": True, "init_weights": False} if model_name == "inception_v3" else {}
                layout = torch.channels_last if args.memory_format == "nhwc" else torch.contiguous_format
                model = getattr(torchvision.models, model_name)(**kwargs).cuda().train().to(memory_format=layout)
                optimizer = torch.optim.SGD(model.parameters(), lr=0.01, momentum=0.9, weight_decay=0.0005)
                size = 299 if model_name == "inception_v3" else 224
                x = torch.randn(batch, 3, size, size, device="cuda").contiguous(memory_format=layout)
                autocast = {"bf16": torch.bfloat16, "fp16": torch.float16}.get(precision)
                y = torch.randint(0, 1000, (batch,), device="cuda")
                loss_fn = torch.nn.CrossEntropyLoss()

                def step():
                    optimizer.zero_grad(set_to_none=True)
                    with torch.autocast("cuda", dtype=autocast or torch.bfloat16, enabled=autocast is not None):
                        out = model(x)
                        out = out[0] if isinstance(out, tuple) else out
                        loss = loss_fn(out, y)
                    loss.backward()
                    optimizer.step()

                for _ in range(5):
                    step()
                torch.cuda.synchronize()
                torch.cuda.reset_peak_memory_stats()
                times = []
                for _ in range(args.repeats):
                    start, end = torch.cuda.Event(enable_timing=True), torch.cuda.Event(enable_timing=True)
                    start.record()
                    step()
                    end.record()
                    torch.cuda.synchronize()
                    times.append(start.elapsed_time(end) / 1000)
                writer.writerow(dict(scenario=args.scenario, model=names.get(model_name, model_name), batch_per_gpu=batch,
                                     precision=precision, gpus=1, measured_step_seconds=f"{statistics.median(times):.6f}",
                                     measured_peak_bytes=torch.cuda.max_memory_allocated(),
                                     cudnn_benchmark=str(args.cudnn_benchmark).lower()))
                out.flush()
                rows += 1
                del model, optimizer
                torch.cuda.empty_cache()
    out.close()
    print(f"wrote {rows} rows to {args.out} ({torch.cuda.get_device_name()})")


if __name__ == "__main__":
    main()
