#!/usr/bin/env python3
"""What PyTorch's autograd keeps for the backward of a training step, measured on the
CPU, beside what ScaleCast counts as the activations kept for backward
(`scalecast explain --json`: runs[0].memory.activation_bytes).

For each torchvision model the forward pass and the loss run under
`torch.autograd.graph.saved_tensors_hooks`, which sees every tensor an autograd node
saves for its backward. Their storages are added up, each storage once (an in-place
ReLU's output and the next convolution's input are one storage), parameters aside
(ScaleCast counts them with the weight state); the input batch is included, as
ScaleCast includes it.

What autograd saves is chosen by its derivative formulas (PyTorch's
tools/autograd/derivatives.yaml), not by the device: a convolution keeps its input,
batch norm its input and statistics, max pooling its input and int64 indices, an
in-place ReLU6 a copy of its input (PyTorch 1.10 and later), on the CPU as on CUDA.
Two small exceptions: dropout keeps an fp32 noise tensor on the CPU where CUDA's fused
kernel keeps a 1-byte mask (the classifiers of AlexNet, VGG and SqueezeNet, well under
1% of their total), and batch norm's running statistics, which the sum includes (0.1 to
0.2%). So this checks ScaleCast's count without a GPU. `--precision bf16` casts the network
and the images to bf16 instead of running autocast, whose CPU form casts a different
list of operations than CUDA's: the layers then keep bf16 tensors, as they do under
CUDA autocast (its convolutions and matrix products return bf16, and batch norm,
pooling and activations keep their input's type), but no fp32 weights and so no
weight casts, which ScaleCast counts apart (`autocast_copy_bytes`, not compared here).
`--autocast-copies` compares those copies instead: under CPU autocast in bf16, which
casts convolutions and linear layers as CUDA's autocast does, the saved bf16 storages
that hold a parameter's cast values, against ScaleCast's `autocast_copy_bytes`.
Not covered: what the allocator holds beyond the tensors, cuDNN's workspaces and the
CUDA context (ScaleCast's reserve), which need a GPU (torch.cuda.max_memory_allocated).

    python3 tools/saved_activations.py [--models resnet50,mobilenet_v2] [--batch 2]
        [--precision fp32|bf16 | --autocast-copies] [--scalecast .build/release/scalecast]
        [--tolerance 0.02]

prints, per model, autograd's and ScaleCast's bytes per image and their ratio, and
exits 1 when a ratio is further than --tolerance from 1 (2 without the binary or torch).
"""
import argparse
import json
import os
import subprocess
import sys
import tempfile

TOOLS = os.path.dirname(os.path.abspath(__file__))
ROOT = os.path.dirname(TOOLS)

#: torchvision's model names and ScaleCast's zoo names for them, with the
#: constructor arguments that make the two the same network.
MODELS = {
    "alexnet": ("alexnet-owt", {}), "vgg11": ("vgg11", {}), "vgg11_bn": ("vgg11_bn", {}), "vgg16": ("vgg16", {}),
    "vgg16_bn": ("vgg16_bn", {}), "vgg19": ("vgg19", {}), "resnet18": ("resnet18", {}), "resnet34": ("resnet34", {}),
    "resnet50": ("resnet50", {}), "resnet101": ("resnet101", {}), "resnet152": ("resnet152", {}),
    "wide_resnet50_2": ("wide_resnet50_2", {}), "resnext50_32x4d": ("resnext50_32x4d", {}),
    "densenet121": ("densenet121", {}), "googlenet": ("googlenet", {"aux_logits": False, "init_weights": False}),
    "inception_v3": ("inception-v3", {"aux_logits": True, "init_weights": False}), "mobilenet_v2": ("mobilenet_v2", {}),
    "mobilenet_v3_large": ("mobilenet_v3_large", {}), "mobilenet_v3_small": ("mobilenet_v3_small", {}),
    "efficientnet_b0": ("efficientnet_b0", {}), "efficientnet_b1": ("efficientnet_b1", {}),
    "squeezenet1_0": ("squeezenet1_0", {}), "squeezenet1_1": ("squeezenet1_1", {}),
}


def torchvision_model(name):
    """`name`'s torchvision model, built as the zoo's twin (MODELS), with seed 0, and its image size."""
    import torch
    from model_export.from_torch import import_torchvision
    torchvision = import_torchvision()
    torch.manual_seed(0)
    return getattr(torchvision.models, name)(**MODELS[name][1]), 299 if name == "inception_v3" else 224


def saved_storages(model, images, autocast=None):
    """{address: (storage, dtype)} of every distinct storage autograd saves for the
    backward of `model`'s forward pass in training mode and a cross-entropy loss (in fp32)
    on `images`, parameters aside, with the dtype of the first tensor saved on it; under
    CPU autocast to `autocast` (a dtype) when given."""
    import torch
    model = model.train()
    parameters = {p.untyped_storage().data_ptr() for p in model.parameters()}
    saved = {}

    def pack(tensor):
        storage = tensor.untyped_storage()
        if storage.data_ptr() not in parameters:
            saved.setdefault(storage.data_ptr(), (storage, tensor.dtype))
        return tensor

    with torch.autograd.graph.saved_tensors_hooks(pack, lambda tensor: tensor):
        with torch.autocast("cpu", dtype=autocast or torch.bfloat16, enabled=autocast is not None):
            out = model(images)
            logits = out[0] if isinstance(out, tuple) else out
            torch.nn.functional.cross_entropy(logits.float(), torch.zeros(images.shape[0], dtype=torch.long))
    return saved


def module_saved_bytes(model, images):
    """Bytes of the distinct storages autograd saves for `model` on `images` (`saved_storages`)."""
    return sum(storage.nbytes() for storage, _ in saved_storages(model, images).values())


def autograd_saved_bytes(name, batch, precision="fp32"):
    """`module_saved_bytes` of `name` on `batch` random images, with the network and the
    images in `precision` (fp32 or bf16)."""
    import torch
    dtype = {"fp32": torch.float32, "bf16": torch.bfloat16}[precision]
    model, size = torchvision_model(name)
    return module_saved_bytes(model.to(dtype), torch.randn(batch, 3, size, size, dtype=dtype))


def autocast_weight_copy_bytes(name, batch):
    """Bytes of the bf16 copies of `name`'s parameters that autograd keeps for the
    backward when the forward pass runs under CPU autocast in bf16: the saved bf16
    storages whose contents are a parameter's values cast (a linear layer saves its
    copy transposed, as a view, so contents, not shapes, identify them)."""
    import torch
    model, size = torchvision_model(name)
    casts = {}
    for p in model.parameters():
        casts.setdefault(p.numel(), []).append(p.detach().to(torch.bfloat16).flatten())
    copies = 0
    for storage, dtype in saved_storages(model, torch.randn(batch, 3, size, size), autocast=torch.bfloat16).values():
        if dtype != torch.bfloat16:   # another dtype's bits read as bf16 could match a cast (zeros do)
            continue
        values = torch.empty(0, dtype=torch.bfloat16).set_(storage).flatten()
        if any(torch.equal(values, cast) for cast in casts.get(values.numel(), [])):
            copies += storage.nbytes()
    return copies


def scalecast_memory(scalecast, model, batch, precision="fp32"):
    """ScaleCast's memory parts (`explain --json`'s `memory`), one GPU, eager PyTorch
    (pytorch-ddp), of `model` as a scenario names it: a zoo name, or `{file: /path/model.yaml}`."""
    scenario = (f"name: saved activations\nmodel: {model}\nbatch_per_gpu: {batch}\nprecision: {precision}\n"
                "cluster: {gpu: A100-SXM4-80GB, gpus_per_node: 8, fabric: nvswitch}\nsoftware: pytorch-ddp\ngpus: [1]\n")
    with tempfile.TemporaryDirectory() as folder:
        path = os.path.join(folder, "scenario.yaml")
        with open(path, "w") as f:
            f.write(scenario)
        done = subprocess.run([scalecast, "explain", path, "--gpus", "1", "--json"], capture_output=True, text=True, timeout=600)
    if done.returncode != 0:
        raise RuntimeError(f"scalecast explain failed for {model}: {done.stderr.strip()}")
    return json.loads(done.stdout)["runs"][0]["memory"]


def scalecast_activation_bytes(scalecast, model, batch, precision="fp32"):
    """ScaleCast's activations kept for backward (`scalecast_memory`'s `activation_bytes`)."""
    return scalecast_memory(scalecast, model, batch, precision)["activation_bytes"]


def compare(models, batch, scalecast, precision="fp32"):
    """Per model: (torchvision name, zoo name, autograd bytes, ScaleCast bytes), for `batch` images."""
    return [(name, MODELS[name][0], autograd_saved_bytes(name, batch, precision),
             scalecast_activation_bytes(scalecast, MODELS[name][0], batch, precision)) for name in models]


def compare_autocast_copies(models, batch, scalecast):
    """Per model: (torchvision name, zoo name, autograd's kept weight copies, ScaleCast's
    `autocast_copy_bytes` in bf16), in bytes."""
    return [(name, MODELS[name][0], autocast_weight_copy_bytes(name, batch),
             scalecast_memory(scalecast, MODELS[name][0], batch, "bf16")["autocast_copy_bytes"]) for name in models]


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--models", default=",".join(MODELS), help="torchvision model names, comma-separated (default: all)")
    parser.add_argument("--batch", type=int, default=2, help="images per step (batch norm in training needs 2 or more)")
    parser.add_argument("--precision", choices=["fp32", "bf16"], default="fp32",
                        help="the network's and the images' dtype (bf16: cast, not autocast)")
    parser.add_argument("--autocast-copies", action="store_true",
                        help="compare autocast's kept bf16 weight copies instead of the activations")
    parser.add_argument("--scalecast", default=os.path.join(ROOT, ".build", "release", "scalecast"))
    parser.add_argument("--tolerance", type=float, default=0.02, help="largest accepted |ScaleCast / autograd - 1|")
    args = parser.parse_args(argv)
    unknown = [m for m in args.models.split(",") if m not in MODELS]
    if unknown:
        print(f"error: --models: unknown {', '.join(unknown)}; known: {', '.join(MODELS)}", file=sys.stderr)
        return 2
    if args.batch < 2:
        print("error: --batch must be at least 2 (batch norm in training mode needs two values per channel)", file=sys.stderr)
        return 2
    if not os.access(args.scalecast, os.X_OK):
        print(f"error: no scalecast binary at {args.scalecast} (swift build -c release --product scalecast)", file=sys.stderr)
        return 2
    sys.path.insert(0, TOOLS)
    try:
        models = args.models.split(",")
        rows = (compare_autocast_copies(models, args.batch, args.scalecast) if args.autocast_copies
                else compare(models, args.batch, args.scalecast, args.precision))
    except ImportError as error:
        print(f"error: {error} (pip install torch torchvision; CPU-only wheels suffice)", file=sys.stderr)
        return 2
    # Activations grow with the batch, one set of weight copies does not.
    unit, per = ("MB", 1) if args.autocast_copies else ("MB/image", args.batch)
    print(f"{'model':22s} {'autograd ' + unit:>18s} {'ScaleCast ' + unit:>19s} {'ratio':>7s}")
    worst = 0.0
    for name, zoo_name, measured, counted in rows:
        ratio = counted / measured
        worst = max(worst, abs(ratio - 1))
        print(f"{zoo_name:22s} {measured / per / 1e6:18.2f} {counted / per / 1e6:19.2f} {ratio:7.3f}")
    print(f"largest |ratio - 1|: {worst:.3f} (tolerance {args.tolerance})")
    return 0 if worst <= args.tolerance else 1


if __name__ == "__main__":
    sys.exit(main())
