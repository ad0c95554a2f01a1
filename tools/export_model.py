#!/usr/bin/env python3
"""Write a ScaleCast model YAML from a PyTorch model or an ONNX file.

Usage:
  python3 tools/export_model.py resnet101 > r101.yaml           # a torchvision model, by name
  python3 tools/export_model.py inception_v3 --arg aux_logits=False --out v3.yaml
  python3 tools/export_model.py mypackage.nets:TinyNet --arg width=64 --input 3,32,32
  python3 tools/export_model.py --onnx model.onnx --out model.yaml

A scenario then names the file: `model: {file: r101.yaml}`.

PyTorch models are traced with torch.fx on the meta device (no GPU, no weights:
torchvision models are built with weights=None) in training mode, each output
followed by a loss. The parameter and FLOP totals are printed to stderr and
checked against PyTorch's own counts: sum(p.numel()) exactly, and
torch.utils.flop_counter.FlopCounterMode within 1 %. Operators ScaleCast cannot
price are listed, each with its module path, and nothing is written.

Exit codes: 0 written; 1 a check failed (nothing written); 2 bad input, a model
that cannot be traced or read, or operators ScaleCast cannot price.
See docs/bring-your-model.md.
"""
from __future__ import annotations

import argparse
import ast
import os
import sys

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))

from model_export.vocabulary import ExportError  # noqa: E402

#: How far the FLOPs of the exported products may be from PyTorch's count.
FLOP_TOLERANCE = 0.01


def parse_arguments(argv):
    parser = argparse.ArgumentParser(prog="export_model.py", description=__doc__.split("\n\n")[0],
                                     formatter_class=argparse.RawDescriptionHelpFormatter,
                                     epilog="\n\n".join(__doc__.split("\n\n")[1:]))
    parser.add_argument("model", nargs="?", help="a torchvision model name (resnet101) or package.module:Factory")
    parser.add_argument("--onnx", metavar="FILE", help="read an ONNX file instead of a PyTorch model")
    parser.add_argument("--arg", action="append", default=[], metavar="KEY=VALUE",
                        help="a constructor argument, VALUE a Python literal (aux_logits=False, num_classes=10); repeatable")
    parser.add_argument("--input", metavar="C,H,W", help="the input of one example: channels,height,width, or features "
                        "(default 3,224,224; 3,299,299 for inception_v3)")
    parser.add_argument("--name", help="the model's name in the YAML (default: the model's or file's name)")
    parser.add_argument("--out", metavar="FILE", help="write the YAML here (default: standard output)")
    parser.add_argument("--force", action="store_true", help="replace --out if it exists (a regular file only)")
    return parser.parse_args(argv)


def constructor_arguments(pairs: list[str]) -> dict:
    kwargs = {}
    for text in pairs:
        key, equals, value = text.partition("=")
        if not equals or not key.isidentifier():
            raise ExportError(f"--arg {text}: expected KEY=VALUE, KEY a Python identifier")
        try:
            kwargs[key] = ast.literal_eval(value)
        except (ValueError, SyntaxError):
            kwargs[key] = value   # a bare word is a string: --arg mode=fast
    return kwargs


def input_shape(text: str | None, model: str | None) -> tuple:
    if text is None:
        return (3, 299, 299) if model == "inception_v3" else (3, 224, 224)
    try:
        dims = tuple(int(d) for d in text.replace("x", ",").split(","))
    except ValueError:
        dims = ()
    if len(dims) not in (1, 3) or min(dims) < 1:
        raise ExportError(f"--input {text}: expected channels,height,width (3,224,224) or features (784)")
    return dims


def grouped(n: float) -> str:
    return f"{round(n):,}"


def report_parameters(model, reference: int, counted_by: str, explanation: str = "") -> list[str]:
    """Prints the model's layers and its parameters beside `reference`, which
    `counted_by` counted; returns the failed check, if they differ."""
    print(f"{model.name}: {len(model.layers)} layers, input {'x'.join(map(str, model.input_shape))}", file=sys.stderr)
    agree = model.parameters == reference
    print(f"parameters: {grouped(model.parameters)}; {counted_by}: {grouped(reference)}: {'equal' if agree else 'DIFFERENT'}",
          file=sys.stderr)
    return [] if agree else [f"the model has {grouped(model.parameters)} parameters where {counted_by} counts "
                             f"{grouped(reference)}{explanation}"]


def export_torch(args) -> tuple:
    """(model, header lines, failed checks) of a PyTorch model."""
    kwargs = constructor_arguments(args.arg)
    shape = input_shape(args.input, args.model)
    try:
        import torch
    except ImportError:
        raise ExportError("exporting a PyTorch model needs PyTorch: pip install torch torchvision") from None
    from model_export import from_torch
    module, name = from_torch.build_module(args.model, kwargs)
    model = from_torch.export(module, args.name or name, shape)
    parameters, flops = from_torch.framework_totals(module, shape)
    reasons = ([f"modules whose parameters the forward pass does not use: {', '.join(model.idle_modules)}"] if model.idle_modules else []) \
        + ([f"modules the forward pass calls more than once, their weights counted at each call: {', '.join(model.repeated_modules)}"]
           if model.repeated_modules else [])
    failed = report_parameters(model, parameters, "PyTorch's sum(p.numel())", f" ({'; '.join(reasons)})" if reasons else "")
    error = (model.product_flops - flops) / flops if flops else 0.0
    print(f"forward FLOPs of convolutions and FC layers per example: {grouped(model.product_flops)}; "
          f"PyTorch's FlopCounterMode: {grouped(flops)}: {error:+.3%}", file=sys.stderr)
    if abs(error) > FLOP_TOLERANCE:
        failed.append(f"the products' FLOPs differ from FlopCounterMode's by {error:+.2%} (more than {FLOP_TOLERANCE:.0%})")
    versions = f"torch {torch.__version__}"
    if ":" not in args.model:
        versions += f", torchvision {from_torch.torchvision_version()}"
    arguments = ", ".join(["weights=None"] * (":" not in args.model) + [f"{k}={v!r}" for k, v in kwargs.items()])
    header = [f"Exported by tools/export_model.py from {args.model}({arguments}) ({versions}),",
              f"traced in training mode on a {'x'.join(map(str, shape))} input, each output followed by a loss.",
              f"Parameters {grouped(parameters)} (sum(p.numel())); forward FLOPs of the products {grouped(flops)} per example",
              "(FlopCounterMode). ScaleCast's own count: scalecast models <this file>"]
    return model, header, failed


def export_onnx(args) -> tuple:
    """(model, header lines, failed checks) of an ONNX file."""
    try:
        import onnx
    except ImportError:
        raise ExportError("reading ONNX needs the onnx package: pip install onnx") from None
    from model_export import from_onnx
    if args.arg or args.input:
        raise ExportError("--arg and --input apply to PyTorch models; an ONNX file fixes its own input")
    model, weights = from_onnx.export(args.onnx, args.name)
    failed = report_parameters(model, weights, "the file's weights (initializers and weight inputs, less batch norm's "
                                               "running statistics)")
    print(f"forward FLOPs of convolutions and FC layers per example: {grouped(model.product_flops)} "
          "(ONNX has no FLOP counter to check them against)", file=sys.stderr)
    header = [f"Exported by tools/export_model.py from {os.path.basename(args.onnx)} (onnx {onnx.__version__}),",
              "each output followed by a loss.",
              f"Parameters {grouped(weights)} (the file's weights). ScaleCast's own count: scalecast models <this file>"]
    return model, header, failed


def check_out(path: str | None, force: bool) -> None:
    """Refuses an --out that `write` would refuse: an existing file without --force, or
    anything but a regular file with it. Checked before the export too, which can take minutes."""
    if path is None or not os.path.lexists(path):
        return
    if not force:
        raise ExportError(f"{path} exists; add --force to replace it")
    if os.path.islink(path) or not os.path.isfile(path):
        raise ExportError(f"{path} is not a regular file; --force replaces regular files only")


def write(text: str, path: str | None, force: bool) -> None:
    """To stdout, or atomically to `path` (a temporary file beside it, renamed)."""
    if path is None:
        sys.stdout.write(text)
        return
    check_out(path, force)
    folder, base = os.path.split(path)
    temporary = os.path.join(folder, f".{base}.{os.getpid()}.tmp")
    try:
        with open(temporary, "w", encoding="utf-8") as file:
            file.write(text)
        os.replace(temporary, path)
    except OSError as error:
        if os.path.exists(temporary):
            os.remove(temporary)
        raise ExportError(f"cannot write {path}: {error.strerror}") from None


def main(argv=None) -> int:
    args = parse_arguments(argv)
    source = args.onnx or args.model or "export_model.py"
    try:
        if bool(args.model) == bool(args.onnx):
            raise ExportError("give a model (a torchvision name or package.module:Factory) or --onnx FILE, not both")
        check_out(args.out, args.force)
        model, header, failed = export_onnx(args) if args.onnx else export_torch(args)
        if failed:
            print(f"error: {source}: " + "; ".join(failed) + "; nothing was written", file=sys.stderr)
            return 1
        write(model.yaml(header), args.out, args.force)
    except ExportError as error:
        print(f"error: {source}: " + " ".join(str(error).split()), file=sys.stderr)   # one line
        return 2
    return 0


if __name__ == "__main__":
    sys.exit(main())
