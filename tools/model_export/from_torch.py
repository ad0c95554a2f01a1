"""A PyTorch `nn.Module` as a ScaleCast model: traced with `torch.fx` (symbolic
tracing; torchvision's `StochasticDepth` kept whole), shapes propagated on the
meta device (no weights are allocated or downloaded, no GPU is needed), each node
mapped to a layer of ScaleCast's vocabulary or reported as unpriced.

The model is traced in training mode, as ScaleCast simulates training: auxiliary
heads that only training runs (Inception v3's, GoogLeNet's) are part of the
network, and each output of the model gets its own loss (`softmax`).
"""
from __future__ import annotations

from collections import Counter
import contextlib
import importlib
import importlib.util
import io
import operator
import sys
import types
import warnings

import torch
import torch.fx
import torch.nn as nn
import torch.nn.functional as F
from torch.fx.passes.shape_prop import ShapeProp, TensorMetadata

from .vocabulary import ExportError, Model, Unpriced, UnpricedOperators, gate_of_vector, pair, per_example

#: The batch the trace runs with: two examples, so that batch norm in training
#: mode has more than one value per channel even on a 1x1 map.
TRACE_BATCH = 2


def import_torchvision():
    """torchvision's models and ops.

    A torchvision wheel built for CUDA beside a CPU-only torch cannot load its C++
    operators, and its package `__init__` then fails registering their meta
    kernels. The exporter needs only the Python model definitions, so in that
    case it loads `torchvision.models` and `torchvision.ops` without the
    package's `__init__`."""
    try:
        import torchvision
        import torchvision.models  # noqa: F401
        import torchvision.ops  # noqa: F401
        return torchvision
    except RuntimeError as error:
        if "torchvision::" not in str(error):
            raise
    for name in [n for n in sys.modules if n == "torchvision" or n.startswith("torchvision.")]:
        del sys.modules[name]
    spec = importlib.util.find_spec("torchvision")
    package = types.ModuleType("torchvision")
    package.__path__ = list(spec.submodule_search_locations)
    package.__spec__ = spec
    sys.modules["torchvision"] = package
    importlib.import_module("torchvision.models")
    importlib.import_module("torchvision.ops")
    return package


def torchvision_version() -> str:
    try:
        return importlib.import_module("torchvision.version").__version__
    except (ImportError, AttributeError):
        return "?"


def build_module(spec: str, kwargs: dict) -> tuple[nn.Module, str]:
    """The module `spec` names, built on the meta device with `kwargs`, and its
    display name: a torchvision model name (built with `weights=None`), or
    `package.module:Factory` (a class or function; the current directory is on
    the import path)."""
    if ":" in spec:
        module_name, _, attribute = spec.partition(":")
        if "" not in sys.path:
            sys.path.insert(0, "")
        try:
            import_torchvision()   # first, so that the user's `import torchvision` finds it
        except ImportError:
            pass                   # a model that does not need torchvision
        try:
            factory = importlib.import_module(module_name)
            for part in attribute.split("."):
                factory = getattr(factory, part)
        except Exception as error:   # importing runs the user's code, which may raise anything
            raise ExportError(f"cannot import it: {type(error).__name__}: {error}") from None
        name = attribute.split(".")[-1]
    else:
        torchvision = import_torchvision()
        if "weights" in kwargs:
            raise ExportError("--arg weights: the exporter builds models without weights (it needs only their shapes)")
        known = torchvision.models.list_models(module=torchvision.models)
        if spec not in known:
            raise ExportError(f"unknown torchvision model '{spec}'; torchvision's classification models: {', '.join(known)} "
                              "(or give package.module:Factory)")
        factory = torchvision.models.get_model_builder(spec)
        kwargs = {"weights": None, **kwargs}
        name = spec
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        try:
            with torch.device("meta"):
                module = factory(**kwargs)
        except Exception as meta_error:  # the user's constructor may raise anything
            # A constructor that reads a tensor's value (torch.linspace(...).tolist(),
            # common for stochastic depth rates) cannot run on the meta device.
            try:
                module = factory(**kwargs)
            except Exception as error:
                raise ExportError(f"cannot build it: {type(error).__name__}: {error}") from None
            if not isinstance(module, nn.Module):
                raise ExportError(f"the factory returned {type(module).__name__}, not a torch.nn.Module") from None
            print(f"note: {spec}: cannot be built on the meta device ({type(meta_error).__name__}: "
                  f"{str(meta_error).splitlines()[0] if str(meta_error) else ''}); built on the CPU, then moved there",
                  file=sys.stderr)
            module = module.to("meta")
    if not isinstance(module, nn.Module):
        raise ExportError(f"the factory returned {type(module).__name__}, not a torch.nn.Module")
    return module, name


def framework_totals(module: nn.Module, input_shape: tuple) -> tuple[int, float]:
    """PyTorch's own counts: `sum(p.numel())` over the module's parameters, and
    the forward FLOPs of one example by `torch.utils.flop_counter.FlopCounterMode`
    (convolutions and matrix products, 2 per multiply-add), in training mode."""
    from torch.utils.flop_counter import FlopCounterMode
    parameters = sum(p.numel() for p in module.parameters())
    module.train()
    counter = FlopCounterMode(display=False)
    with counter, warnings.catch_warnings():
        warnings.simplefilter("ignore")
        module(torch.empty((TRACE_BATCH, *input_shape), device="meta"))
    return parameters, counter.get_total_flops() / TRACE_BATCH


class _Tracer(torch.fx.Tracer):
    """FX's tracer, keeping torchvision's `StochasticDepth` whole (its forward
    reads the input's rank, which symbolic tracing cannot)."""

    def is_leaf_module(self, m: nn.Module, qualified_name: str) -> bool:
        if type(m).__name__ == "StochasticDepth" and type(m).__module__.startswith("torchvision."):
            return True
        return super().is_leaf_module(m, qualified_name)


def trace(module: nn.Module, input_shape: tuple) -> torch.fx.GraphModule:
    """The module's FX graph with every node's output shape (`tensor_meta`)."""
    module.train()
    try:
        graph = _Tracer().trace(module)
    except Exception as error:
        raise ExportError(f"torch.fx cannot trace the model ({type(error).__name__}: {error}); symbolic tracing needs a "
                          "forward whose control flow does not depend on tensor values") from None
    traced = torch.fx.GraphModule(module, graph)
    propagation = _ShapeProp(traced)
    try:
        # ShapeProp prints the traceback of a failing node itself; the error below says it in one line.
        with warnings.catch_warnings(), contextlib.redirect_stderr(io.StringIO()):
            warnings.simplefilter("ignore")
            propagation.propagate(torch.empty((TRACE_BATCH, *input_shape), device="meta"))
    except Exception as error:
        cause = error.__cause__ or error
        node = propagation.current
        where = f" at {node.target if node.op == 'call_module' else node.name}" if node is not None else ""
        raise ExportError(f"the model does not run on a {'x'.join(map(str, input_shape))} input{where}: "
                          f"{type(cause).__name__}: {str(cause).splitlines()[0] if str(cause) else ''}") from None
    return traced


class _ShapeProp(ShapeProp):
    """ShapeProp that remembers the node it runs, to name a failing one by its module path."""

    current: torch.fx.Node | None = None

    def run_node(self, n: torch.fx.Node):
        self.current = n
        return super().run_node(n)


def export(module: nn.Module, name: str, input_shape: tuple) -> Model:
    """The module as a ScaleCast model on `input_shape` (C, H, W) or (features,),
    with `idle_modules`: the modules holding parameters that the forward pass
    does not call, and `repeated_modules`: those it calls more than once (each call
    is a layer of its own, its weights counted again).

    Raises `UnpricedOperators` listing every operator ScaleCast cannot price."""
    traced = trace(module, input_shape)
    shape = tuple(input_shape) + (1,) * (3 - len(input_shape))
    model = _Converter(traced, Model(name, shape)).run()
    calls = Counter(node.target for node in traced.graph.nodes if node.op == "call_module")
    holders = {name.rpartition(".")[0] for name, _ in module.named_parameters()}
    model.idle_modules = sorted(holders - set(calls))
    model.repeated_modules = sorted(m for m in holders if calls[m] > 1)
    return model


class _Alias:
    """A node that costs nothing and stands for another value (identity,
    dropout with p = 0, a concatenation of one tensor)."""

    def __init__(self, target):
        self.target = target


class _Converter:
    def __init__(self, traced: torch.fx.GraphModule, model: Model):
        self.traced, self.model = traced, model
        self.values: dict = {}       # fx node -> layer name, tuple of values, or None (not a tensor)
        self.unpriced: list[Unpriced] = []

    def run(self) -> Model:
        outputs = []
        for node in self.traced.graph.nodes:
            if node.op == "output":
                outputs = self._tensors(node.args[0])
                continue
            try:
                self.values[node] = self._convert(node)
            except _Refused as refusal:
                self.unpriced.append(Unpriced(refusal.operator or _operator(node, self.traced), _path(node), refusal.reason))
                self.values[node] = _UNKNOWN
        if self.unpriced:
            raise UnpricedOperators(self.unpriced)
        outputs = [o for o in dict.fromkeys(outputs) if o != "input"]
        if not outputs:
            raise ExportError("the model has no output computed from its input")
        for i, output in enumerate(outputs):
            prefix = output.rsplit(".", 1)[0] if "." in output else ""
            self.model.insert_after(output, "loss" if i == 0 else f"{prefix}.loss" if prefix else f"{output}.loss", "softmax")
        self.model.refuse_unused_layers()
        self.model.drop_free_flattens()
        self.model.merge_nested_concats()
        return self.model

    def _tensors(self, argument) -> list[str]:
        """The layer names of the tensors in a (nested) output."""
        if isinstance(argument, torch.fx.Node):
            value = self.values.get(argument)
            if isinstance(value, str):
                return [value]
            return self._tensors(value) if isinstance(value, (tuple, list)) else []
        if isinstance(argument, (tuple, list)):
            return [name for item in argument for name in self._tensors(item)]
        if isinstance(argument, dict):
            return [name for item in argument.values() for name in self._tensors(item)]
        return []

    def _input(self, argument) -> str:
        value = self.values.get(argument) if isinstance(argument, torch.fx.Node) else None
        if not isinstance(value, str):
            raise _Refused("", "an input that is not a tensor ScaleCast follows")
        return value

    def _convert(self, node):
        meta = node.meta.get("tensor_meta")
        if node.op == "placeholder":
            if self.values:
                raise _Refused("an extra model input", "ScaleCast models take one input, the images")
            return "input"
        if node.op == "get_attr":
            raise _Refused("a parameter or buffer used directly (not through a module)")
        if node.op == "call_function" and isinstance(node.target, type) and issubclass(node.target, tuple):
            return tuple(node.args)   # a named tuple of outputs (InceptionOutputs, GoogLeNetOutputs)
        if node.op == "call_function" and node.target is operator.getitem and isinstance(self.values.get(node.args[0]), tuple):
            item = self.values[node.args[0]][node.args[1]]
            return self.values.get(item) if isinstance(item, torch.fx.Node) else None
        if not isinstance(meta, TensorMetadata):
            if _reads_only_sizes(node, self.values):
                return None   # x.size(0), x.shape, h == 224, torch._assert(...): arithmetic on sizes, free
            raise _Refused("", "its result is not a single tensor")
        out = per_example(meta.shape)
        if out is None:
            raise _Refused("", f"on a rank-{len(meta.shape)} tensor; ScaleCast follows NCHW maps and flat vectors")
        if node.op == "call_module":
            layer = _module_layer(self.traced.get_submodule(node.target), node)
        else:
            layer = _function_layer(node)
        sources = [layer.target] if isinstance(layer, _Alias) else layer[1]
        if any(self.values.get(s) is _UNKNOWN for s in sources if isinstance(s, torch.fx.Node)):
            return _UNKNOWN   # priced, but downstream of an operator that is not: reported there
        if isinstance(layer, _Alias):
            return self._input(layer.target)
        type_, inputs, attrs = layer
        scope = _path(node, default="")
        name = node.target if node.op == "call_module" else f"{scope}.{type_}" if scope else type_
        return self.model.add(name, type_, [self._input(i) for i in inputs], out,
                              f"{_operator(node, self.traced)} at {_path(node)}", **attrs)


class _Refused(Exception):
    def __init__(self, operator_name: str, reason: str = ""):
        self.operator, self.reason = operator_name, reason


_UNKNOWN = object()


def _reads_only_sizes(node: torch.fx.Node, values: dict) -> bool:
    """A node that reads an activation's sizes (`x.size(0)`, `x.shape`, `x.dim()`)
    or computes only with values that are not tensors (sizes, their comparisons,
    `torch._assert`): it costs nothing on the GPU."""
    if node.op == "call_method" and node.target in ("size", "dim"):
        return True
    if node.op == "call_function" and node.target is getattr and node.args[1] in ("shape", "ndim"):
        return True
    return node.op == "call_function" and all(values.get(n, _UNKNOWN) is None for n in node.all_input_nodes)


def _path(node: torch.fx.Node, default: str = "(top level)") -> str:
    """The module path of a node: its module for a module call, the parameter's
    path for a parameter read, else the innermost module whose forward made the call."""
    if node.op in ("call_module", "get_attr"):
        return node.target
    stack = node.meta.get("nn_module_stack") or {}
    return next(reversed(stack)).split("@")[0] if stack else default


def _operator(node: torch.fx.Node, traced: torch.fx.GraphModule) -> str:
    """The operator's name as a PyTorch user writes it."""
    if node.op == "call_module":
        cls = type(traced.get_submodule(node.target))
        return f"torch.nn.{cls.__name__}" if getattr(nn, cls.__name__, None) is cls else f"{cls.__module__}.{cls.__qualname__}"
    if node.op == "call_method":
        return f"Tensor.{node.target}"
    target = node.target
    name = getattr(target, "__name__", str(target))
    if getattr(F, name, None) is target:
        return f"torch.nn.functional.{name}"
    if getattr(torch, name, None) is target:
        return f"torch.{name}"
    if getattr(operator, name, None) is target:
        return f"operator.{name}"
    return f"{getattr(target, '__module__', None) or ''}.{name}".lstrip(".")


# MARK: modules

def _module_layer(m: nn.Module, node: torch.fx.Node):
    """(type, inputs, attrs) of a module call, or an `_Alias`."""
    x = node.args[0] if node.args else None
    kind = type(m)
    if kind is nn.Conv2d:
        if m.padding_mode != "zeros":
            raise _Refused("", f"padding_mode '{m.padding_mode}'")
        if pair(m.dilation) != (1, 1):
            raise _Refused("", f"dilation {m.dilation}; ScaleCast's convolutions are not dilated")
        padding = m.padding
        if isinstance(padding, str):
            kh, kw = pair(m.kernel_size)
            if padding == "valid":
                padding = (0, 0)
            elif kh % 2 and kw % 2 and pair(m.stride) == (1, 1):
                padding = ((kh - 1) // 2, (kw - 1) // 2)
            else:
                raise _Refused("", f"padding='same' with an even kernel {m.kernel_size}")
        return "conv", [x], dict(out=m.out_channels, kernel=pair(m.kernel_size), stride=pair(m.stride), pad=pair(padding),
                                 groups=m.groups, bias=m.bias is not None)
    if kind is nn.Linear:
        return "fc", [x], dict(units=m.out_features, bias=m.bias is not None)
    if kind in (nn.BatchNorm2d, nn.BatchNorm1d):
        if not m.affine:
            raise _Refused("", "affine=False; ScaleCast's batch norm has a scale and a shift")
        return "batchnorm", [x], {}
    if kind in _ACTIVATION_MODULES:
        if kind is nn.Hardtanh and (m.min_val, m.max_val) != (0.0, 6.0):
            raise _Refused("", f"bounds ({m.min_val}, {m.max_val}); only ReLU6's (0, 6) is priced")
        return _activation(_ACTIVATION_MODULES[kind], x, getattr(m, "inplace", False))
    if kind in (nn.MaxPool2d, nn.AvgPool2d):
        if kind is nn.MaxPool2d and (pair(m.dilation) != (1, 1) or m.return_indices):
            raise _Refused("", "dilation or return_indices")
        return _pooling("maxpool" if kind is nn.MaxPool2d else "avgpool", x, m.kernel_size, m.stride, m.padding, m.ceil_mode)
    if kind is nn.AdaptiveAvgPool2d:
        return _adaptive(x, node, m.output_size)
    if kind is nn.LocalResponseNorm:
        return "lrn", [x], dict(size=m.size)
    if kind is nn.Dropout:
        return _Alias(x) if m.p == 0 else ("dropout", [x], dict(p=float(m.p)))
    if kind is nn.Flatten:
        return _flatten(node, x, m.start_dim, m.end_dim)
    if kind is nn.Identity:
        return _Alias(x)
    if type(m).__name__ == "StochasticDepth" and type(m).__module__.startswith("torchvision."):
        return _stochastic_depth(x, m.p, m.mode)
    raise _Refused("")


_ACTIVATION_MODULES = {nn.ReLU: "relu", nn.ReLU6: "relu6", nn.Hardtanh: "relu6", nn.Sigmoid: "sigmoid",
                       nn.Hardsigmoid: "hardsigmoid", nn.SiLU: "silu", nn.Hardswish: "hardswish"}

#: Activations whose derivative reads their input: run in place, eager autograd saves a copy of
#: that input first (ScaleCast's `inplace: true`, `Activation.differentiatesFromInput`; ReLU6 since
#: PyTorch 1.10, the execution profile's `inplace_relu6_clone`). ReLU and sigmoid differentiate
#: from their output, so their `inplace` changes no price and is left out (ONNX, which has no
#: in-place operators, writes the same YAML for them).
_CLONED_IN_PLACE = ("silu", "hardswish", "hardsigmoid", "relu6")


def _activation(type_: str, x, inplace: bool):
    return type_, [x], (dict(inplace=True) if inplace and type_ in _CLONED_IN_PLACE else {})


def _pooling(type_: str, x, kernel, stride, padding, ceil_mode):
    kernel, stride = pair(kernel), pair(stride if stride not in (None, [], ()) else kernel)
    padding = pair(padding)
    if len(set(kernel)) != 1 or len(set(stride)) != 1 or len(set(padding)) != 1:
        raise _Refused("", f"a {kernel[0]}x{kernel[1]} window, stride {stride}, padding {padding}; "
                           "ScaleCast's pooling windows are square")
    return type_, [x], dict(kernel=kernel[0], stride=stride[0], pad=padding[0], ceil_mode=bool(ceil_mode))


def _adaptive(x, node, output_size):
    size = output_size if isinstance(output_size, (tuple, list)) else (output_size, output_size)
    out = node.meta["tensor_meta"].shape
    return "adaptive_avgpool", [x], dict(size=(int(out[2]) if size[0] is None else int(size[0]),
                                              int(out[3]) if size[1] is None else int(size[1])))


def _flatten(node, x, start_dim, end_dim):
    rank = len(x.meta["tensor_meta"].shape) if isinstance(x, torch.fx.Node) and "tensor_meta" in x.meta else 4
    if start_dim != 1 or end_dim not in (-1, rank - 1):
        raise _Refused("", f"flattening dimensions {start_dim} to {end_dim}; only flatten(x, 1) keeps the batch apart")
    return "flatten", [x], {}


def _stochastic_depth(x, p, mode):
    if mode not in ("row", "batch"):
        raise _Refused("", f"mode '{mode}'")
    return _Alias(x) if p == 0 else ("stochastic_depth", [x], dict(p=float(p)))


# MARK: functions and methods

def _arguments(node: torch.fx.Node, names: list[str], defaults: dict) -> dict:
    """A call's arguments by name, positional ones first."""
    bound = dict(defaults)
    bound.update(zip(names, node.args))
    bound.update(node.kwargs)
    return bound


def _function_layer(node: torch.fx.Node):
    target = node.target
    key = target if node.op == "call_function" else f"Tensor.{target}"
    x = node.args[0] if node.args else None
    if key in _ELEMENTWISE_FUNCTIONS:
        inplace = _arguments(node, ["input", "inplace"], dict(inplace=False))["inplace"] is True
        return _activation(_ELEMENTWISE_FUNCTIONS[key], x, inplace)
    if key in (F.hardtanh, "Tensor.hardtanh", "Tensor.hardtanh_"):
        a = _arguments(node, ["input", "min_val", "max_val", "inplace"], dict(min_val=-1.0, max_val=1.0, inplace=False))
        if (a["min_val"], a["max_val"]) != (0.0, 6.0):
            raise _Refused("", "bounds other than ReLU6's (0, 6)")
        return _activation("relu6", x, key == "Tensor.hardtanh_" or a["inplace"] is True)
    if key in (operator.add, operator.iadd, torch.add, "Tensor.add", "Tensor.add_"):
        a = _arguments(node, ["input", "other", "alpha"], dict(alpha=1))
        others = [v for v in (a["input"], a["other"]) if not isinstance(v, torch.fx.Node)]
        if others or a["alpha"] != 1:
            raise _Refused("", "adds a constant; ScaleCast's add sums tensors")
        return _sum([a["input"], a["other"]])
    if key in (operator.mul, operator.imul, torch.mul, "Tensor.mul", "Tensor.mul_"):
        return _gate(node, x, node.args[1] if len(node.args) > 1 else node.kwargs.get("other"))
    if key in (torch.cat, torch.concat, torch.concatenate):
        a = _arguments(node, ["tensors", "dim"], dict(dim=0))
        rank = len(node.meta["tensor_meta"].shape)
        if a["dim"] not in (1, 1 - rank):
            raise _Refused("", f"concatenates along dimension {a['dim']}; ScaleCast joins channels (dimension 1)")
        tensors = list(a["tensors"])
        return _Alias(tensors[0]) if len(tensors) == 1 else ("concat", tensors, {})
    if key in (torch.flatten, "Tensor.flatten"):
        a = _arguments(node, ["input", "start_dim", "end_dim"], dict(start_dim=0, end_dim=-1))
        return _flatten(node, x, a["start_dim"], a["end_dim"])
    if key in ("Tensor.view", "Tensor.reshape", torch.reshape, operator.getitem):
        shape = node.meta["tensor_meta"].shape
        source = x.meta["tensor_meta"].shape if isinstance(x, torch.fx.Node) and "tensor_meta" in x.meta else None
        if source is not None and gate_of_vector(tuple(source), tuple(shape)):
            return _Alias(x)   # g.view(n, -1, 1, 1), g[:, :, None, None]: ScaleCast's C is already Cx1x1
        if key is operator.getitem:
            raise _Refused("", "indexing other than adding two trailing dimensions of 1 to a vector (a gate's C to Cx1x1)")
        if len(shape) == 2 and source is not None and shape[0] == source[0]:
            return "flatten", [x], {}
        raise _Refused("", "a reshape other than flattening each example or turning a vector into a gate (C to Cx1x1)")
    if key in ("Tensor.contiguous", "Tensor.clone", torch.clone):
        return _Alias(x)
    if key is F.max_pool2d:
        a = _arguments(node, ["input", "kernel_size", "stride", "padding", "dilation", "ceil_mode", "return_indices"],
                       dict(stride=None, padding=0, dilation=1, ceil_mode=False, return_indices=False))
        if pair(a["dilation"]) != (1, 1) or a["return_indices"]:
            raise _Refused("", "dilation or return_indices")
        return _pooling("maxpool", x, a["kernel_size"], a["stride"], a["padding"], a["ceil_mode"])
    if key is F.avg_pool2d:
        a = _arguments(node, ["input", "kernel_size", "stride", "padding", "ceil_mode"], dict(stride=None, padding=0, ceil_mode=False))
        return _pooling("avgpool", x, a["kernel_size"], a["stride"], a["padding"], a["ceil_mode"])
    if key is F.adaptive_avg_pool2d:
        return _adaptive(x, node, _arguments(node, ["input", "output_size"], {})["output_size"])
    if key in ("Tensor.mean", torch.mean):
        a = _arguments(node, ["input", "dim", "keepdim"], dict(dim=None, keepdim=False))
        dims = a["dim"] if isinstance(a["dim"], (tuple, list)) else [a["dim"]]
        if sorted(d % 4 for d in dims if d is not None) != [2, 3] or len(node.args[0].meta["tensor_meta"].shape) != 4:
            raise _Refused("", "a mean over other dimensions than height and width")
        return "adaptive_avgpool", [x], dict(size=(1, 1))
    if key is F.dropout:
        a = _arguments(node, ["input", "p", "training", "inplace"], dict(p=0.5, training=True))
        return _Alias(x) if a["p"] == 0 or not a["training"] else ("dropout", [x], dict(p=float(a["p"])))
    if getattr(target, "__name__", "") == "stochastic_depth" and getattr(target, "__module__", "").startswith("torchvision."):
        a = _arguments(node, ["input", "p", "mode", "training"], dict(training=True))
        return _Alias(x) if not a["training"] else _stochastic_depth(x, a["p"], a["mode"])
    raise _Refused("")


_ELEMENTWISE_FUNCTIONS = {
    F.relu: "relu", torch.relu: "relu", torch.relu_: "relu", F.relu_: "relu", "Tensor.relu": "relu", "Tensor.relu_": "relu",
    F.relu6: "relu6",
    torch.sigmoid: "sigmoid", F.sigmoid: "sigmoid", "Tensor.sigmoid": "sigmoid", "Tensor.sigmoid_": "sigmoid",
    F.hardsigmoid: "hardsigmoid", F.silu: "silu", F.hardswish: "hardswish",
}


def _sum(operands):
    """`a + b`: ScaleCast's add of tensors of one shape (a residual connection)."""
    shapes = {tuple(o.meta["tensor_meta"].shape) for o in operands if "tensor_meta" in o.meta}
    if len(shapes) != 1:
        raise _Refused("", "adds tensors of different shapes (broadcasting)")
    return "add", operands, {}


def _gate(node, a, b):
    """`x * gate` with `gate` of shape C×1×1: squeeze-and-excitation's scale."""
    if not (isinstance(a, torch.fx.Node) and isinstance(b, torch.fx.Node)):
        raise _Refused("", "multiplies by a constant")
    sa, sb = (tuple(o.meta["tensor_meta"].shape) for o in (a, b))
    if len(sa) == 4 and sb == sa[:2] + (1, 1):
        return "scale", [a, b], {}
    if len(sb) == 4 and sa == sb[:2] + (1, 1):
        return "scale", [b, a], {}
    raise _Refused("", "a product other than a feature map times a per-channel gate")
