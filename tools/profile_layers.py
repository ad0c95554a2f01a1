#!/usr/bin/env python3
"""Time the forward and backward passes of every convolution and fully connected
layer of a torchvision model, or of your own network, on this GPU, at a few batch
sizes and precisions, and write a CSV that `scalecast import layer-times` and
`scalecast import kernel-times` fit.

Usage: python3 tools/profile_layers.py --model resnet50 --batches 32,64,128 \
           --precisions fp32,bf16 --out layer-times.csv
       python3 tools/profile_layers.py --model mypackage.nets:TinyNet --arg width=64 \
           --input 3,32,32 --out my-layers.csv

--model names a torchvision model, or a class or function that builds your own
network as package.module:Factory (the current folder is on the import path), with
--arg KEY=VALUE for its constructor and --input C,H,W for one example, as
tools/export_model.py takes them; only the layers' shapes are taken from it (its
weights are random: the times do not depend on their values).

Each row: the layer's shape (so ScaleCast can count its FLOPs itself), the batch,
the precision, and the median forward and backward times in milliseconds of
--repeats timed runs after warm-up (CUDA events). bf16 runs the layer in bf16;
tf32 allows TF32 tensor cores for fp32 products. cuDNN measures its algorithms and
runs the fastest (torch.backends.cudnn.benchmark, as torchvision's reference
training script, timm and NVIDIA's DeepLearningExamples set it, and as ScaleCast's
kernel libraries choose); --no-cudnn-benchmark leaves cuDNN's heuristic choice, and
the column cudnn_benchmark says which ran. Each layer runs alone, again and again, so
inputs small enough for the GPU's L2 cache stay in it, which a whole step does not
give them.

--timing says what a pass's time is (the column timing records it):
  events   (the default) CUDA events around the Python call: the GPU's time from the
           start event to the end event, which includes the GPU waiting while the host
           dispatches the layer (the module call, ATen, cuDNN's launches; for backward,
           torch.autograd.grad starting the autograd engine). Small layers are host-bound
           under it: their times level off at a floor (BENCHMARKS.md, forty-fourth session).
  kernels  the device time of the CUDA kernels the pass launches, summed (torch.profiler),
           per run: what the kernel model prices. The backward is timed alone, from a
           forward kept for it (retain_graph), not as a difference of two timings.
"""
import argparse
import csv
import os
import statistics
import sys

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))

import kernel_breakdown  # noqa: E402


def time_ms(fn, repeats):
    """The median over `repeats` runs of `fn` of the GPU time between CUDA events recorded
    before and after it, after 3 warm-up runs (--timing events)."""
    import torch
    for _ in range(3):
        fn()
    times = []
    for _ in range(repeats):
        start, end = torch.cuda.Event(enable_timing=True), torch.cuda.Event(enable_timing=True)
        start.record()
        fn()
        end.record()
        torch.cuda.synchronize()
        times.append(start.elapsed_time(end))
    return statistics.median(times)


def kernels_ms(profiler, repeats):
    """The device time per run of every CUDA kernel in a finished profile of `repeats` runs,
    in milliseconds (the kernel times of tools/kernel_breakdown.py, summed)."""
    return sum(ms for ms, _ in kernel_breakdown.kernel_times(profiler, repeats).values())


def kernel_time_ms(fn, repeats):
    """The device time per run of the CUDA kernels `fn` launches, over `repeats` profiled runs
    after 3 warm-up runs (--timing kernels): no host time, and no GPU idle between kernels."""
    return kernels_ms(kernel_breakdown.profile_runs(fn, repeats, warmups=3), repeats)


def square_window(conv):
    """Whether a Conv2d's window is one the CSV can describe: square kernel, stride and
    padding (a number, not 'same'), no dilation."""
    padding = conv.padding
    return (conv.kernel_size[0] == conv.kernel_size[1] and conv.stride[0] == conv.stride[1]
            and not isinstance(padding, str) and padding[0] == padding[1] and tuple(conv.dilation) == (1, 1))


def layer_shapes(module, shape):
    """The input shape (batch 1 first) of each convolution and linear layer of `module`,
    by its name in `named_modules()`, from one forward pass of a zero input of `shape`
    on the CPU in eval mode. A module built on the meta device (tools/export_model.py's
    `build_module`) is first given CPU storage, its parameters and buffers filled with
    small random numbers and zeros: only shapes are read."""
    import torch
    if any(t.is_meta for t in list(module.parameters()) + list(module.buffers())):
        module = module.to_empty(device="cpu")
        with torch.no_grad():
            for parameter in module.parameters():
                parameter.normal_(0, 0.02)
            for buffer in module.buffers():
                buffer.zero_()
    shapes = {}

    def recorder(name):
        def hook(_module, inputs, _output):
            shapes.setdefault(name, tuple(inputs[0].shape))   # returns None: the output is left alone
        return hook

    hooks = [m.register_forward_hook(recorder(name))
             for name, m in module.named_modules() if isinstance(m, (torch.nn.Conv2d, torch.nn.Linear))]
    module.eval()
    try:
        with torch.no_grad():
            module(torch.zeros((1,) + tuple(shape)))
    finally:
        for h in hooks:
            h.remove()
    return module, shapes


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--model", default="resnet50",
                        help="a torchvision model name (resnet50), or package.module:Factory for your own network")
    parser.add_argument("--arg", action="append", default=[], metavar="KEY=VALUE",
                        help="a constructor argument of --model, VALUE a Python literal; repeatable")
    parser.add_argument("--input", metavar="C,H,W",
                        help="one example's input: channels,height,width (default 3,224,224; 3,299,299 for inception_v3)")
    parser.add_argument("--batches", default="32,64,128")
    parser.add_argument("--cudnn-benchmark", action=argparse.BooleanOptionalAction, default=True,
                        help="let cuDNN measure its algorithms and run the fastest (default: on)")
    parser.add_argument("--precisions", default="fp32,bf16")
    parser.add_argument("--repeats", type=int, default=10)
    parser.add_argument("--timing", choices=["events", "kernels"], default="events",
                        help="events: CUDA events around each pass, host dispatch included (default); "
                             "kernels: the device time of the pass's CUDA kernels (torch.profiler)")
    parser.add_argument("--out", required=True)
    args = parser.parse_args(argv)
    try:
        import torch
        from model_export.from_torch import import_torchvision
        import_torchvision()   # its models, and loaded before a user's module imports it (see there)
    except ImportError:
        print("error: PyTorch and torchvision are not installed", file=sys.stderr)
        return 2
    # The model first, on the CPU: a misspelt name or a bad --arg is said with or without a GPU.
    from export_model import constructor_arguments, input_shape
    from model_export import from_torch
    from model_export.vocabulary import ExportError
    try:
        built, model_name = from_torch.build_module(args.model, constructor_arguments(args.arg))
        model, shapes = layer_shapes(built, input_shape(args.input, args.model))
    except ExportError as error:
        print(f"error: --model {args.model}: {error}", file=sys.stderr)
        return 2
    # The CSV describes square windows (one kernel, stride and pad) without dilation: other layers are left out, said.
    for name, module in model.named_modules():
        if name in shapes and isinstance(module, torch.nn.Conv2d) and not square_window(module):
            print(f"note: {name}: kernel {tuple(module.kernel_size)}, stride {tuple(module.stride)}, padding {module.padding}, "
                  f"dilation {tuple(module.dilation)}: not a square window, left out (the CSV gives one kernel, stride and pad)",
                  file=sys.stderr)
            del shapes[name]
    if not torch.cuda.is_available():
        print("error: no CUDA GPU is visible to PyTorch", file=sys.stderr)
        return 2
    device = torch.device("cuda")
    torch.backends.cudnn.benchmark = args.cudnn_benchmark
    # Rows are written as each layer is timed, so a run stopped part-way keeps what it measured.
    out = open(args.out, "w", newline="")
    writer = csv.DictWriter(out, fieldnames=["model", "layer", "kind", "batch", "precision", "in_channels", "height",
                                             "width", "out", "kernel", "stride", "pad", "groups", "forward_ms", "backward_ms",
                                             "cudnn_benchmark", "timing"])
    writer.writeheader()
    rows = 0
    for precision in args.precisions.split(","):
        torch.backends.cuda.matmul.allow_tf32 = precision == "tf32"
        torch.backends.cudnn.allow_tf32 = precision == "tf32"
        dtype = torch.bfloat16 if precision == "bf16" else torch.float32
        for batch in (int(b) for b in args.batches.split(",")):
            for name, module in model.named_modules():
                if name not in shapes:
                    continue
                layer = module.to(device=device, dtype=dtype)
                x = torch.randn((batch,) + shapes[name][1:], device=device, dtype=dtype, requires_grad=True)
                y = layer(x)
                grad = torch.randn_like(y)
                inputs = [x] + list(layer.parameters())
                if args.timing == "kernels":
                    forward = kernel_time_ms(lambda: layer(x), args.repeats)
                    backward = kernel_time_ms(lambda: torch.autograd.grad(y, inputs, grad, retain_graph=True), args.repeats)
                else:
                    forward = time_ms(lambda: layer(x), args.repeats)
                    backward = time_ms(lambda: torch.autograd.grad(layer(x), inputs, grad), args.repeats) - forward
                if isinstance(module, torch.nn.Conv2d):
                    row = dict(kind="conv", in_channels=module.in_channels, height=shapes[name][2], width=shapes[name][3],
                               out=module.out_channels, kernel=module.kernel_size[0], stride=module.stride[0],
                               pad=module.padding[0], groups=module.groups)
                else:
                    row = dict(kind="fc", in_channels=module.in_features, height=1, width=1, out=module.out_features,
                               kernel=1, stride=1, pad=0, groups=1)
                writer.writerow(dict(model=model_name, layer=name, batch=batch, precision=precision,
                                     forward_ms=f"{forward:.5f}", backward_ms=f"{max(backward, 0):.5f}",
                                     cudnn_benchmark=str(args.cudnn_benchmark).lower(), timing=args.timing, **row))
                out.flush()
                rows += 1
    out.close()
    print(f"wrote {rows} rows to {args.out} ({torch.cuda.get_device_name()}, --timing {args.timing})")
    return 0


if __name__ == "__main__":
    sys.exit(main())
