"""An ONNX file as a ScaleCast model: ONNX's own shape inference gives every
activation's shape, each node becomes a layer of ScaleCast's vocabulary or is
reported as unpriced, and the weights' shapes come from the file's initializers
or, in a file exported without them (`export_params=False`), from the graph's
inputs.

Layer names are the ONNX node names (`/layer1/layer1.0/conv1/Conv` as
`layer1.0.conv1`) so that a layer can be found in the file (Netron shows them).

Batch norm must be in the file: PyTorch's exporter in eval mode folds it into the
convolutions, so export for ScaleCast with `training=torch.onnx.TrainingMode.TRAINING`
(or `do_constant_folding=False` and the model in training mode).
"""
from __future__ import annotations

import math
import os

import numpy
import onnx
from onnx import numpy_helper, shape_inference

from .vocabulary import ExportError, Model, Unpriced, UnpricedOperators, gate_of_vector, per_example

_FLOAT_TYPES = {onnx.TensorProto.FLOAT, onnx.TensorProto.FLOAT16, onnx.TensorProto.BFLOAT16, onnx.TensorProto.DOUBLE}


def export(path: str, name: str | None) -> tuple[Model, int]:
    """The model in the ONNX file at `path`, and the weights the file holds
    (floating-point initializers and weight inputs, less batch norm's running
    statistics and one-element constants), to check the model's parameters against."""
    try:
        proto = onnx.load(path, load_external_data=False)
    except FileNotFoundError:
        raise ExportError("no such file") from None
    except Exception as error:   # onnx raises DecodeError and others for a file that is not ONNX
        raise ExportError(f"not an ONNX model ({type(error).__name__})") from None
    try:
        proto = shape_inference.infer_shapes(proto, data_prop=True)   # sizes computed from sizes (x.view(x.size(0), -1))
    except Exception as error:
        raise ExportError(f"ONNX shape inference fails: {str(error).splitlines()[0]}") from None
    return _Reader(proto, name or os.path.splitext(os.path.basename(path))[0]).run()


class _Refused(Exception):
    def __init__(self, reason: str = ""):
        self.reason = reason


class _Reader:
    def __init__(self, proto, name: str):
        graph = proto.graph
        self.graph = graph
        self.initializers = {t.name: t for t in graph.initializer}
        self.constants = {}   # name -> numpy array, of initializers and Constant nodes, read when asked
        self.casts = {}       # name -> the Cast node that computes it (PyTorch casts F.relu6's bounds)
        for node in graph.node:
            if node.op_type == "Constant" and node.attribute:
                self.constants[node.output[0]] = node
            elif node.op_type == "Cast" and node.input:
                self.casts[node.output[0]] = node
        self.types = {}
        for info in list(graph.input) + list(graph.value_info) + list(graph.output):
            tensor = info.type.tensor_type
            dims = [d.dim_value if d.HasField("dim_value") else None for d in tensor.shape.dim] \
                if tensor.HasField("shape") else None
            self.types[info.name] = (tensor.elem_type, dims)
        for t in graph.initializer:
            self.types[t.name] = (t.data_type, list(t.dims))
        # The images: the graph input that is neither an initializer nor a weight
        # (a file exported without its weights lists them as inputs too).
        weights = {n.input[i] for n in graph.node if n.op_type in _WEIGHTED for i in range(1, len(n.input))}
        data = [i.name for i in graph.input if i.name not in self.initializers and i.name not in weights]
        if len(data) != 1:
            raise ExportError(f"the graph has {len(data)} inputs besides its weights ({', '.join(data)}); "
                              "ScaleCast models take one, the images")
        self.data_input = data[0]
        dims = self.types[self.data_input][1] or []
        shape = per_example([d if d is not None else 1 for d in dims]) if len(dims) in (2, 4) else None
        if shape is None or any(d is None for d in dims[1:]):
            raise ExportError(f"input '{self.data_input}' has shape {dims}; ScaleCast needs a fixed NCHW image or [N, features]")
        self.model = Model(name, shape)
        self.values = {self.data_input: "input"}
        self.consumers = {}
        for node in graph.node:
            for i in node.input:
                self.consumers.setdefault(i, []).append(node)
        self.unpriced = []

    # MARK: weights

    def weight_dims(self, name: str) -> list[int]:
        dims = self.types.get(name, (None, None))[1]
        if name == self.data_input or name in self.values or dims is None or any(d is None for d in dims):
            raise _Refused(f"its weight '{name}' is not a constant of known shape")
        return dims

    def constant(self, name: str):
        """The value of an initializer or Constant output, or of a Cast of one (without
        constant folding, torch.onnx exports F.relu6's bounds as Cast(Constant)), or None."""
        cast = self.casts.get(name)
        if cast is not None:
            value = self.constant(cast.input[0])
            target = onnx.helper.tensor_dtype_to_np_dtype(onnx.helper.get_attribute_value(cast.attribute[0])) \
                if cast.attribute else None
            return None if value is None else (value.astype(target) if target is not None else value)
        if name in self.initializers:
            tensor = self.initializers[name]
            return None if tensor.data_location == onnx.TensorProto.EXTERNAL else numpy_helper.to_array(tensor)
        node = self.constants.get(name)
        if node is not None:
            return numpy_helper.to_array(onnx.helper.get_attribute_value(node.attribute[0]))
        return None

    def file_weights(self) -> int:
        """Elements of the file's floating-point weights, less batch norm's
        running statistics and one-element constants (Clip's bounds, Dropout's ratio)."""
        statistics = {n.input[i] for n in self.graph.node if n.op_type == "BatchNormalization" for i in (3, 4) if i < len(n.input)}
        names = set(self.initializers) | {i.name for i in self.graph.input if i.name != self.data_input}
        total = 0
        for name in names - statistics:
            kind, dims = self.types.get(name, (None, None))
            if kind in _FLOAT_TYPES and dims is not None and None not in dims and math.prod(dims) > 1:
                total += math.prod(dims)
        return total

    # MARK: nodes

    def run(self) -> tuple[Model, int]:
        for index, node in enumerate(self.graph.node):
            try:
                self.convert(node, index)
            except _Refused as refusal:
                self.unpriced.append(Unpriced(node.op_type if node.domain in ("", "ai.onnx") else f"{node.domain}.{node.op_type}",
                                              node.name or f"node {index}", refusal.reason))
                for output in node.output:
                    self.values[output] = _UNKNOWN
        if self.unpriced:
            raise UnpricedOperators(self.unpriced)
        outputs = [self.values.get(o.name) for o in self.graph.output]
        outputs = [o for o in dict.fromkeys(outputs) if isinstance(o, str) and o != "input"]
        if not outputs:
            raise ExportError("the graph has no output computed from its input")
        for i, output in enumerate(outputs):
            self.model.insert_after(output, "loss" if i == 0 else f"{output}.loss", "softmax")
        self.model.refuse_unused_layers()
        self.model.drop_free_flattens()
        self.model.merge_nested_concats()
        return self.model, self.file_weights()

    def activations(self, node) -> list[str]:
        """The node's inputs that are activations (not weights or constants)."""
        return [i for i in node.input if i and i in self.values]

    def shape_of(self, name: str):
        return self.types.get(name, (None, None))[1]

    def convert(self, node, index: int):
        op = node.op_type
        inputs = self.activations(node)
        if not inputs or op in ("Shape", "Size"):
            return   # a constant, arithmetic on sizes, or the sizes of an activation: free
        handler = getattr(self, f"op_{op}", None) if node.domain in ("", "ai.onnx") else None
        if handler is None:
            raise _Refused()
        layer = handler(node, inputs)   # refuses what it cannot price, even downstream of a refusal
        if layer is None:
            return
        if any(self.values[i] is _UNKNOWN for i in inputs):
            for output in node.output:   # priced, but downstream of an operator that is not: reported there
                self.values[output] = _UNKNOWN
            return
        if isinstance(layer, _Alias):
            self.values[node.output[0]] = self.values[layer.source]
            return
        type_, sources, attrs = layer
        dims = self.shape_of(node.output[0])
        out = per_example([d if d is not None else 1 for d in dims]) if dims and None not in dims[1:] else None
        if out is None:
            raise _Refused(f"its output has shape {dims}; ScaleCast follows NCHW maps and flat vectors")
        self.values[node.output[0]] = self.model.add(
            _layer_name(node, type_, index), type_, [self.values[s] for s in sources], out,
            f"{op} {node.name or index}", **attrs)

    def attribute(self, node, name, default=None):
        for a in node.attribute:
            if a.name == name:
                return onnx.helper.get_attribute_value(a)
        return default

    def window(self, node, rank_of):
        """(kernel, stride, pad) as (h, w) pairs; refuses asymmetric padding,
        dilation and automatic padding."""
        kernel = tuple(self.attribute(node, "kernel_shape") or rank_of)
        strides = tuple(self.attribute(node, "strides", [1, 1]))
        pads = list(self.attribute(node, "pads", [0, 0, 0, 0]))
        if len(kernel) != 2:
            raise _Refused(f"a {len(kernel)}-D window; ScaleCast's are 2-D")
        auto = self.attribute(node, "auto_pad", b"NOTSET")
        auto = auto.decode() if isinstance(auto, bytes) else auto
        if auto not in ("NOTSET", "VALID"):
            raise _Refused(f"auto_pad {auto}")
        if any(d != 1 for d in self.attribute(node, "dilations", [1, 1])):
            raise _Refused("dilation; ScaleCast's windows are not dilated")
        if pads[0] != pads[2] or pads[1] != pads[3]:
            raise _Refused(f"asymmetric padding {pads}")
        return kernel, strides, (pads[0], pads[1])

    def op_Conv(self, node, inputs):
        w = self.weight_dims(node.input[1])
        kernel, stride, pad = self.window(node, w[2:])
        bias = len(node.input) > 2 and node.input[2] != ""
        return "conv", [node.input[0]], dict(out=w[0], kernel=kernel, stride=stride, pad=pad,
                                             groups=self.attribute(node, "group", 1), bias=bias)

    def op_BatchNormalization(self, node, inputs):
        return "batchnorm", [node.input[0]], {}

    def op_Relu(self, node, inputs):
        return "relu", inputs, {}

    def op_Sigmoid(self, node, inputs):
        consumers = self.consumers.get(node.output[0], [])
        if len(consumers) == 1 and consumers[0].op_type == "Mul" and inputs[0] in consumers[0].input:
            self.values[node.output[0]] = _SILU_GATE   # folded into the Mul: x · sigmoid(x) is SiLU
            return None
        return "sigmoid", inputs, {}

    def op_HardSigmoid(self, node, inputs):
        if abs(self.attribute(node, "alpha", 0.2) - 1 / 6) > 1e-6 or abs(self.attribute(node, "beta", 0.5) - 0.5) > 1e-6:
            raise _Refused("alpha and beta other than PyTorch's Hardsigmoid (1/6, 1/2)")
        return "hardsigmoid", inputs, {}

    def op_HardSwish(self, node, inputs):
        return "hardswish", inputs, {}

    def op_Clip(self, node, inputs):
        bounds = [self.constant(n) if n else None for n in list(node.input[1:3])]
        low = bounds[0] if bounds and bounds[0] is not None else self.attribute(node, "min")
        high = bounds[1] if len(bounds) > 1 and bounds[1] is not None else self.attribute(node, "max")
        if low is None or high is None or (float(low), float(high)) != (0.0, 6.0):
            raise _Refused("bounds other than ReLU6's (0, 6)")
        return "relu6", [node.input[0]], {}

    def op_Mul(self, node, inputs):
        if len(inputs) != 2:
            raise _Refused("multiplies by a tensor not computed from the input: a constant, or stochastic depth's random mask")
        if _SILU_GATE in (self.values.get(inputs[0]), self.values.get(inputs[1])):
            x = inputs[1] if self.values.get(inputs[0]) is _SILU_GATE else inputs[0]
            return "silu", [x], {}
        a, b = (self.shape_of(i) for i in inputs)
        if a and b and len(a) == 4 and list(b[1:]) == [a[1], 1, 1]:
            return "scale", [inputs[0], inputs[1]], {}
        if a and b and len(b) == 4 and list(a[1:]) == [b[1], 1, 1]:
            return "scale", [inputs[1], inputs[0]], {}
        raise _Refused("a product other than a feature map times a per-channel gate")

    def op_Add(self, node, inputs):
        if len(inputs) == 1:
            return self.bias_add(node, inputs[0])
        if self.shape_of(inputs[0]) != self.shape_of(inputs[1]):
            raise _Refused("adds tensors of different shapes (broadcasting)")
        return "add", inputs, {}

    def op_Sum(self, node, inputs):
        if len(inputs) != len(node.input) or len({str(self.shape_of(i)) for i in inputs}) != 1:
            raise _Refused("adds constants or tensors of different shapes")
        return "add", inputs, {}

    def bias_add(self, node, x):
        """`MatMul` then `Add` of a bias vector: an FC layer with a bias."""
        if self.values[x] is _UNKNOWN:
            return _Alias(x)   # downstream of a refusal: nothing to fold into
        layer = self.model.layers[-1] if self.model.layers else None
        bias = [i for i in node.input if i != x][0]
        dims = self.types.get(bias, (None, None))[1]
        if layer is None or layer.type != "fc" or layer.attrs.get("bias") or self.values[x] != layer.name \
                or dims is None or math.prod(dims) != layer.attrs["units"]:
            raise _Refused("adds a constant that is not a matrix product's bias")
        layer.attrs["bias"] = True
        layer.parameters += layer.attrs["units"]
        return _Alias(x)

    def op_Concat(self, node, inputs):
        rank = len(self.shape_of(node.output[0]) or [])
        if self.attribute(node, "axis") not in (1, 1 - rank) or len(inputs) != len(node.input):
            raise _Refused(f"concatenates along axis {self.attribute(node, 'axis')}; ScaleCast joins channels (axis 1)")
        return ("concat", inputs, {}) if len(inputs) > 1 else _Alias(inputs[0])

    def op_MaxPool(self, node, inputs):
        return self.pooling("maxpool", node)

    def op_AveragePool(self, node, inputs):
        return self.pooling("avgpool", node)

    def pooling(self, type_, node):
        if len(node.output) > 1 and node.output[1]:
            raise _Refused("returns indices")
        kernel, stride, pad = self.window(node, None)
        if len(set(kernel)) != 1 or len(set(stride)) != 1 or len(set(pad)) != 1:
            raise _Refused(f"a {kernel[0]}x{kernel[1]} window, strides {list(stride)}, pads {list(pad)}; "
                           "ScaleCast's pooling windows are square")
        return type_, [node.input[0]], dict(kernel=kernel[0], stride=stride[0], pad=pad[0],
                                            ceil_mode=bool(self.attribute(node, "ceil_mode", 0)))

    def op_GlobalAveragePool(self, node, inputs):
        return "adaptive_avgpool", inputs, dict(size=(1, 1))

    def op_ReduceMean(self, node, inputs):
        """A mean over height and width, keeping them or not: global average pooling."""
        axes = self.attribute(node, "axes")
        if axes is None and len(node.input) > 1 and node.input[1]:
            axes = self.constant(node.input[1])
        rank = len(self.shape_of(node.input[0]) or [])
        if axes is None or rank != 4 or sorted(int(a) % 4 for a in axes) != [2, 3]:
            raise _Refused("a mean over other axes than height and width")
        return "adaptive_avgpool", [node.input[0]], dict(size=(1, 1))

    def op_LRN(self, node, inputs):
        return "lrn", inputs, dict(size=self.attribute(node, "size"))

    def op_Dropout(self, node, inputs):
        ratio = self.constant(node.input[1]) if len(node.input) > 1 and node.input[1] else self.attribute(node, "ratio", 0.5)
        # ONNX keeps the ratio as a float32: written as its shortest float32 decimal (0.2, not 0.20000000298023224).
        ratio = float(numpy.format_float_positional(numpy.float32(ratio), unique=True, trim="-")) if ratio is not None else 0.5
        return _Alias(node.input[0]) if ratio == 0 else ("dropout", [node.input[0]], dict(p=ratio))

    def op_Identity(self, node, inputs):
        return _Alias(inputs[0])

    def op_Flatten(self, node, inputs):
        if self.attribute(node, "axis", 1) != 1:
            raise _Refused("flattens at an axis other than 1")
        return "flatten", inputs, {}

    def op_Reshape(self, node, inputs):
        out, source = self.shape_of(node.output[0]), self.shape_of(node.input[0])
        if out and source and gate_of_vector(tuple(source), tuple(out)):
            return _Alias(node.input[0])   # a gate's C to Cx1x1: ScaleCast's C is already Cx1x1
        if out and source and len(out) == 2 and out[0] == source[0]:
            return "flatten", [node.input[0]], {}
        raise _Refused("a reshape other than flattening each example or turning a vector into a gate (C to Cx1x1)")

    def op_Unsqueeze(self, node, inputs):
        """`g[:, :, None, None]` exports as two Unsqueeze nodes, [N, C] to [N, C, 1] to
        [N, C, 1, 1]: each adds trailing 1s to a vector, which ScaleCast's C is already."""
        out, source = self.shape_of(node.output[0]), self.shape_of(node.input[0])
        if out and source and 2 <= len(source) < len(out) <= 4 and tuple(out[:2]) == tuple(source[:2]) \
                and all(d == 1 for d in (*source[2:], *out[2:])):
            return _Alias(node.input[0])
        raise _Refused("an unsqueeze other than turning a vector into a gate (C to Cx1x1)")

    def op_Gemm(self, node, inputs):
        if self.attribute(node, "transA", 0) or self.attribute(node, "alpha", 1.0) != 1.0 or self.attribute(node, "beta", 1.0) != 1.0:
            raise _Refused("transA, alpha or beta; ScaleCast's FC layer is x·Wᵀ + b")
        w = self.weight_dims(node.input[1])
        units = w[0] if self.attribute(node, "transB", 0) else w[1]
        return "fc", [node.input[0]], dict(units=units, bias=len(node.input) > 2 and node.input[2] != "")

    def op_MatMul(self, node, inputs):
        if len(inputs) != 1 or node.input[0] != inputs[0]:
            raise _Refused("a product of two activations")
        w = self.weight_dims(node.input[1])
        if len(w) != 2:
            raise _Refused(f"a weight of rank {len(w)}")
        return "fc", inputs, dict(units=w[1], bias=False)


#: Operators whose inputs after the first are weights.
_WEIGHTED = ("Conv", "Gemm", "MatMul", "BatchNormalization")


class _Alias:
    def __init__(self, source: str):
        self.source = source


_UNKNOWN = object()
_SILU_GATE = "(a sigmoid folded into SiLU)"


def _layer_name(node, type_: str, index: int) -> str:
    """A layer's name from its node: for a layer with weights, PyTorch's name of
    the weight less `.weight` (`layer1.0.conv1.weight`); else the module path in
    the node's scopes, `/layer1/layer1.0/relu/Relu` as `layer1.0.relu`, with the
    layer type after it for an operator a module's forward called
    (`/layer1/layer1.0/Add` as `layer1.0.add`); else the node's name."""
    if node.op_type in _WEIGHTED and node.input[1].endswith(".weight"):
        return node.input[1][:-len(".weight")]
    parts = [p for p in (node.name or "").split("/") if p]
    if parts and (parts[-1] == node.op_type or parts[-1].startswith(node.op_type + "_")):
        parts = parts[:-1]
    path = []
    for part in parts:   # a scope repeats its parent's name: /layer1/layer1.0/downsample/downsample.0
        if path and part.startswith(path[-1] + "."):
            path[-1:] = part.split(".")
        else:
            path += part.split(".")
    if not path:
        return node.name if node.name and not node.name.startswith("/") else type_
    last = path[-1].lower().rstrip("_0123456789")
    if last and (last in type_ or type_ in last):
        return ".".join(path)
    return ".".join(path + [type_])
