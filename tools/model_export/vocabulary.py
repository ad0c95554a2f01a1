"""ScaleCast's model vocabulary in Python: the layer types a model YAML may use
(`Sources/Workload/Network+YAML.swift`), each layer's output shape by the rules
ScaleCast applies (`Sources/Workload/Layer+Cost.swift`), its parameters, and the
YAML text.

A front end (PyTorch or ONNX) adds layers with the shape its framework computed;
`Model.add` computes the shape again as ScaleCast will and refuses the layer when
the two differ, so a YAML this module writes gives ScaleCast the framework's
shapes, layer for layer.
"""
from __future__ import annotations

import math
import re
from dataclasses import dataclass, field


class ExportError(Exception):
    """Bad input, a model that cannot be traced or read, or one ScaleCast cannot
    price: one line on stderr and exit 2."""


@dataclass(frozen=True)
class Unpriced:
    """An operator ScaleCast has no layer type for."""
    operator: str
    path: str
    reason: str = ""

    def __str__(self) -> str:
        return f"{self.operator} at {self.path}" + (f" ({self.reason})" if self.reason else "")


class UnpricedOperators(ExportError):
    """Every operator of a model that ScaleCast cannot price, in one message."""

    def __init__(self, items: list[Unpriced]):
        self.items = items
        groups: dict = {}   # (operator, reason) -> module paths, in the order met
        for item in items:
            groups.setdefault((item.operator, item.reason), []).append(item.path)
        listed = [f"{operator} at {', '.join(dict.fromkeys(paths))}" + (f" ({reason})" if reason else "")
                  for (operator, reason), paths in groups.items()]
        super().__init__(f"ScaleCast cannot price {len(items)} operator{'s' if len(items) != 1 else ''} of this model "
                         f"(nothing was written): " + "; ".join(listed))


Shape = tuple  # (channels, height, width) of one example; a flat vector is (features, 1, 1)


def per_example(dims) -> Shape | None:
    """A framework's activation shape with its batch dimension, as ScaleCast's
    per-example shape: [N, C, H, W] as (C, H, W), [N, F] as (F, 1, 1); None for
    any other rank."""
    dims = tuple(int(d) for d in dims)
    if len(dims) == 4:
        return dims[1:]
    if len(dims) == 2:
        return (dims[1], 1, 1)
    return None


def gate_of_vector(source, out) -> bool:
    """Whether a reshape turns a framework's [N, C] vector into [N, C, 1, 1], as a
    squeeze-and-excitation gate written with FC layers does (`g.view(n, -1, 1, 1)`,
    `g[:, :, None, None]`): ScaleCast's per-example shape is (C, 1, 1) for both, so
    the reshape is no layer."""
    return len(source) == 2 and len(out) == 4 and tuple(out[:2]) == tuple(source) and tuple(out[2:]) == (1, 1)


def shape_text(shape: Shape) -> str:
    """(C, H, W) as ScaleCast prints it: `CxHxW`, or `C` for a flat vector."""
    return str(shape[0]) if shape[1:] == (1, 1) else "x".join(str(d) for d in shape)


def window_output(n: int, kernel: int, stride: int, pad: int, ceil: bool) -> int | None:
    """Output length of a sliding window, ScaleCast's `windowOutput`: floor((n + 2p
    − k) / s) + 1, or with `ceil` PyTorch's ceil_mode rule (round up, but no window
    may start in the right padding); None when the window does not fit."""
    span = n + 2 * pad - kernel
    if span < 0:
        return None
    out = (-(-span // stride) if ceil else span // stride) + 1
    if ceil and (out - 1) * stride >= n + pad:
        out -= 1
    return out


def pair(value) -> tuple[int, int]:
    """An int, or a sequence of two, as (height, width)."""
    if isinstance(value, (list, tuple)):
        if len(value) == 1:
            return int(value[0]), int(value[0])
        if len(value) != 2:
            raise ValueError(f"expected one or two numbers, got {list(value)}")
        return int(value[0]), int(value[1])
    return int(value), int(value)


@dataclass
class Layer:
    """One layer of the YAML: its type and keys as `Network+YAML.swift` reads them."""
    name: str
    type: str
    inputs: list[str]
    attrs: dict
    shape: Shape
    parameters: int = 0
    #: FLOPs of the layer's products, 2 per multiply-add, biases left out: what
    #: PyTorch's FlopCounterMode counts (convolutions and matrix products only).
    product_flops: int = 0


@dataclass
class Model:
    """A network being exported: layers in order, each with its ScaleCast shape."""
    name: str
    input_shape: Shape
    layers: list[Layer] = field(default_factory=list)

    def __post_init__(self):
        self.shapes = {"input": tuple(self.input_shape)}
        self.taken = {"input"}

    def unique(self, name: str) -> str:
        """`name`, or `name_1`, `name_2`... if a layer already has it (FX's rule)."""
        name = name or "layer"
        if name not in self.taken:
            return name
        k = 1
        while f"{name}_{k}" in self.taken:
            k += 1
        return f"{name}_{k}"

    def add(self, name: str, type_: str, inputs: list[str], framework_shape: Shape | None, where: str, **attrs) -> str:
        """Appends a layer, checks that ScaleCast's shape rule gives the framework's
        shape, and returns the layer's (unique) name.

        Raises `ExportError` naming `where` when the shapes differ or do not fit."""
        in_shapes = [self.shapes[i] for i in inputs]
        try:
            shape, parameters, products = infer(type_, in_shapes, attrs)
        except ValueError as error:
            raise ExportError(f"{where}: {error}") from None
        if framework_shape is not None and tuple(framework_shape) != shape:
            raise ExportError(f"{where}: ScaleCast's {type_} gives {shape_text(shape)} where the framework gives "
                              f"{shape_text(tuple(framework_shape))}")
        name = self.unique(name)
        self.taken.add(name)
        self.shapes[name] = shape
        self.layers.append(Layer(name, type_, list(inputs), attrs, shape, parameters, products))
        return name

    def insert_after(self, anchor: str, name: str, type_: str, **attrs) -> str:
        """Inserts a one-input layer fed by `anchor` right after it."""
        shape, parameters, products = infer(type_, [self.shapes[anchor]], attrs)
        name = self.unique(name)
        self.taken.add(name)
        self.shapes[name] = shape
        position = next(i for i, layer in enumerate(self.layers) if layer.name == anchor) + 1
        while position < len(self.layers) and self.layers[position].type == "softmax" and self.layers[position].inputs == [anchor]:
            position += 1
        self.layers.insert(position, Layer(name, type_, [anchor], attrs, shape, parameters, products))
        return name

    def consumers(self, name: str) -> list[Layer]:
        return [layer for layer in self.layers if name in layer.inputs]

    def remove(self, layer: Layer, replacement: list[str]) -> None:
        """Removes `layer`, its consumers fed by `replacement` in its place."""
        for consumer in self.consumers(layer.name):
            consumer.inputs = [r for i in consumer.inputs for r in (replacement if i == layer.name else [i])]
        self.layers.remove(layer)

    def refuse_unused_layers(self) -> None:
        """Raises `ExportError` naming every layer whose result reaches no loss: computed in
        the forward pass and then left unused. PyTorch runs its forward but no backward, which
        a ScaleCast layer cannot be priced as (`scalecast` refuses a layer nothing reads
        that is not a loss), so it is refused here, before a file is written."""
        reaching = set()
        for layer in reversed(self.layers):
            if layer.type == "softmax" or layer.name in reaching:
                reaching.add(layer.name)
                reaching.update(layer.inputs)
        unused = [layer.name for layer in self.layers if layer.name not in reaching]
        if unused:
            listed = ", ".join(unused[:8]) + (f" and {len(unused) - 8} more" if len(unused) > 8 else "")
            raise ExportError(f"the forward pass computes {len(unused)} layer{'s' if len(unused) > 1 else ''} whose result no "
                              f"output uses ({listed}): PyTorch runs their forward but no backward, which ScaleCast cannot "
                              "price; leave them out of the forward pass, or return them as outputs")

    def drop_free_flattens(self) -> None:
        """Removes each `flatten` that changes no cost: one whose input is already
        flat, or whose output reaches only FC layers (which flatten their input
        themselves) and losses, directly or through element-wise layers. PyTorch's
        flatten is a view; ScaleCast would price it as a kernel launch."""
        def reaches_only_flattening(name: str) -> bool:
            return all(c.type in ("fc", "softmax") or c.type in FLAT_AGNOSTIC and reaches_only_flattening(c.name)
                       for c in self.consumers(name))
        for flatten in [layer for layer in self.layers if layer.type == "flatten"]:
            source = flatten.inputs[0]
            if self.shapes[source][1:] == (1, 1) or reaches_only_flattening(flatten.name):
                self.remove(flatten, [source])
                for layer in self.layers:   # element-wise layers after it keep their input's shape
                    if layer.type in FLAT_AGNOSTIC and len(layer.inputs) == 1:
                        layer.shape = self.shapes[layer.name] = self.shapes[layer.inputs[0]]

    def merge_nested_concats(self) -> None:
        """Merges a concatenation whose only consumer is another concatenation into
        it, as the zoo builds Inception v3's E blocks (`torch.cat` of two branches'
        `torch.cat`s): one copy of each input instead of two for the inner ones."""
        for inner in [layer for layer in self.layers if layer.type == "concat"]:
            consumers = self.consumers(inner.name)
            if len(consumers) == 1 and consumers[0].type == "concat" and consumers[0].inputs.count(inner.name) == 1:
                self.remove(inner, inner.inputs)

    @property
    def parameters(self) -> int:
        return sum(layer.parameters for layer in self.layers)

    @property
    def product_flops(self) -> int:
        return sum(layer.product_flops for layer in self.layers)

    def yaml(self, header: list[str]) -> str:
        """The model YAML `Network(yaml:)` reads, `header` as comment lines on top.
        A layer names its `inputs:` only when it is not fed by the layer before it."""
        lines = [f"# {line}" if line else "#" for line in header]
        lines += [f"name: {scalar(self.name)}", f"input: [{', '.join(str(d) for d in self.input_shape)}]", "layers:"]
        previous = "input"
        for layer in self.layers:
            fields = [f"name: {scalar(layer.name)}", f"type: {layer.type}"]
            if layer.inputs != [previous]:
                fields.append(f"inputs: [{', '.join(scalar(i) for i in layer.inputs)}]")
            defaults = YAML_DEFAULTS.get(layer.type, {})
            fields += [f"{key}: {value_text(value)}" for key, value in layer.attrs.items()
                       if key not in defaults or pair_or_value(value) != defaults[key]]
            lines.append(f"  - {{{', '.join(fields)}}}")
            previous = layer.name
        return "\n".join(lines) + "\n"


def infer(type_: str, inputs: list[Shape], attrs: dict) -> tuple[Shape, int, int]:
    """(output shape, parameters, product FLOPs) of a layer, by the formulas of
    `LayerKind.output` in `Sources/Workload/Layer+Cost.swift`.

    Raises ValueError, in ScaleCast's words, for inputs that do not fit."""
    def single() -> Shape:
        if len(inputs) != 1:
            raise ValueError(f"{type_} takes exactly one input, got {len(inputs)}")
        return inputs[0]

    if type_ == "conv":
        c, h, w = single()
        out, groups = attrs["out"], attrs.get("groups", 1)
        (kh, kw), (sh, sw), (ph, pw) = pair(attrs["kernel"]), pair(attrs.get("stride", 1)), pair(attrs.get("pad", 0))
        if c % groups or out % groups:
            raise ValueError(f"convolution groups ({groups}) must divide input ({c}) and output ({out}) channels")
        ho, wo = window_output(h, kh, sh, ph, False), window_output(w, kw, sw, pw, False)
        if ho is None or wo is None:
            raise ValueError(f"a {kh}x{kw} window with padding {ph}x{pw} does not fit an input of {h}x{w}")
        k = c // groups * kh * kw
        return (out, ho, wo), out * k + (out if attrs.get("bias", True) else 0), 2 * out * ho * wo * k
    if type_ in ("maxpool", "avgpool"):
        c, h, w = single()
        kernel, pad = attrs["kernel"], attrs.get("pad", 0)
        stride = attrs.get("stride", kernel)
        if 2 * pad > kernel:
            raise ValueError("pooling needs a pad of at most half the kernel")
        ho = window_output(h, kernel, stride, pad, attrs.get("ceil_mode", False))
        wo = window_output(w, kernel, stride, pad, attrs.get("ceil_mode", False))
        if ho is None or wo is None:
            raise ValueError(f"a window of {kernel} with padding {pad} does not fit an input of {h}x{w}")
        return (c, ho, wo), 0, 0
    if type_ == "adaptive_avgpool":
        oh, ow = pair(attrs.get("size", 1))
        return (single()[0], oh, ow), 0, 0
    if type_ == "batchnorm":
        x = single()
        return x, 2 * x[0], 0
    if type_ == "fc":
        features = math.prod(single())
        units = attrs["units"]
        return (units, 1, 1), features * units + (units if attrs.get("bias", True) else 0), 2 * features * units
    if type_ == "flatten":
        return (math.prod(single()), 1, 1), 0, 0
    if type_ == "add":
        if len(inputs) < 2 or any(s != inputs[0] for s in inputs):
            raise ValueError("add needs at least two inputs of one shape, got " + ", ".join(shape_text(s) for s in inputs))
        return inputs[0], 0, 0
    if type_ == "concat":
        if len(inputs) < 2 or any(s[1:] != inputs[0][1:] for s in inputs):
            raise ValueError("concat needs at least two inputs of one height and width, got "
                             + ", ".join(shape_text(s) for s in inputs))
        return (sum(s[0] for s in inputs), *inputs[0][1:]), 0, 0
    if type_ == "scale":
        if len(inputs) != 2 or inputs[1] != (inputs[0][0], 1, 1):
            raise ValueError("scale takes a feature map and its per-channel gate (Cx1x1), got "
                             + ", ".join(shape_text(s) for s in inputs))
        return inputs[0], 0, 0
    if type_ in ("dropout", "stochastic_depth"):
        if not 0 <= attrs["p"] < 1:
            raise ValueError(f"{type_} probability must be in [0, 1), got {attrs['p']}")
        return single(), 0, 0
    if type_ in ELEMENTWISE:
        return single(), 0, 0
    raise ValueError(f"ScaleCast has no layer type '{type_}'")


#: The values `Network+YAML.swift` assumes for keys a layer leaves out; the YAML
#: leaves them out too.
YAML_DEFAULTS = {
    "conv": {"stride": 1, "pad": 0, "groups": 1, "bias": True},
    "maxpool": {"pad": 0, "ceil_mode": False},
    "avgpool": {"pad": 0, "ceil_mode": False},
    "fc": {"bias": True},
    **{activation: {"inplace": False} for activation in ("relu", "relu6", "sigmoid", "hardsigmoid", "silu", "hardswish")},
}


def pair_or_value(value):
    """A pair of equal sides as one number, as the YAML reads it."""
    return value[0] if isinstance(value, tuple) and value[0] == value[1] else value


#: One-input layers whose costs depend only on their input's element count, not
#: its shape: a flatten before them changes nothing.
FLAT_AGNOSTIC = ("relu", "relu6", "sigmoid", "hardsigmoid", "silu", "hardswish", "dropout", "stochastic_depth")

#: One-input layers that keep their input's shape and hold no weights.
ELEMENTWISE = ("relu", "relu6", "sigmoid", "hardsigmoid", "silu", "hardswish", "lrn", "softmax")

_PLAIN = re.compile(r"^[A-Za-z_][A-Za-z0-9_.\-/@]*$")


def scalar(text: str) -> str:
    """A name as a YAML scalar: plain when it is safe, else double-quoted."""
    if _PLAIN.match(text) and text.lower() not in ("true", "false", "yes", "no", "on", "off", "null", "y", "n"):
        return text
    return '"' + "".join(c if c.isprintable() and c not in '"\\' else f"\\u{ord(c):04x}" for c in text) + '"'


def value_text(value) -> str:
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, tuple):
        return f"[{value[0]}, {value[1]}]" if value[0] != value[1] else str(value[0])
    if isinstance(value, float):
        return repr(value)
    return str(value)
