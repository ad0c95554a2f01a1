"""The exporter's model vocabulary and YAML, and its command line's refusals:
no PyTorch needed."""
import os
import tempfile
import unittest

from model_export.vocabulary import ExportError, Model, Unpriced, UnpricedOperators, infer, scalar, window_output

from tests.support import NO_SCALECAST, counted_by_scalecast, run_exporter, scalecast_binary


class WindowTests(unittest.TestCase):
    def test_floor_and_ceil_follow_pytorch(self):
        self.assertEqual(window_output(224, 7, 2, 3, False), 112)
        self.assertEqual(window_output(112, 3, 2, 0, True), 56)      # GoogLeNet's maxpool1, ceil_mode=True
        self.assertEqual(window_output(112, 3, 2, 0, False), 55)
        # ceil_mode: a window may not start in the right padding (PyTorch's pooling_output_shape).
        self.assertEqual(window_output(5, 2, 2, 1, True), 3)
        self.assertIsNone(window_output(2, 5, 1, 1, False))


class InferTests(unittest.TestCase):
    def test_grouped_rectangular_convolution_counts_as_scalecast_does(self):
        shape, parameters, products = infer("conv", [(32, 17, 17)], dict(out=64, kernel=(1, 7), pad=(0, 3), groups=4, bias=True))
        self.assertEqual(shape, (64, 17, 17))
        self.assertEqual(parameters, 64 * (32 // 4) * 7 + 64)
        self.assertEqual(products, 2 * 64 * 17 * 17 * (32 // 4) * 7)

    def test_fc_flattens_and_batch_norm_has_two_per_channel(self):
        self.assertEqual(infer("fc", [(256, 6, 6)], dict(units=10, bias=False)), ((10, 1, 1), 256 * 36 * 10, 2 * 256 * 36 * 10))
        self.assertEqual(infer("batchnorm", [(64, 8, 8)], {}), ((64, 8, 8), 128, 0))

    def test_shapes_that_do_not_fit_are_refused(self):
        for type_, inputs, attrs in [("add", [(4, 8, 8), (4, 4, 4)], {}), ("concat", [(4, 8, 8), (4, 4, 4)], {}),
                                     ("scale", [(4, 8, 8), (2, 1, 1)], {}), ("conv", [(6, 8, 8)], dict(out=4, kernel=3, groups=4)),
                                     ("dropout", [(4, 1, 1)], dict(p=1.0))]:
            with self.subTest(type_), self.assertRaises(ValueError):
                infer(type_, inputs, attrs)


def every_layer_type():
    """A model with each layer type the YAML knows, built as a front end would."""
    m = Model("every-type", (3, 16, 16))
    stem = m.add("stem", "conv", ["input"], (8, 8, 8), "stem", out=8, kernel=(3, 3), stride=(2, 2), pad=(1, 1), groups=1, bias=False)
    m.add("bn", "batchnorm", [stem], (8, 8, 8), "bn")
    act = m.add("act", "relu", ["bn"], None, "act")
    wide = m.add("wide", "conv", [act], (4, 8, 8), "wide", out=4, kernel=(1, 3), stride=(1, 1), pad=(0, 1), groups=1, bias=True)
    tall = m.add("tall", "conv", [act], (4, 8, 8), "tall", out=4, kernel=(3, 1), stride=(1, 1), pad=(1, 0), groups=1, bias=True)
    joined = m.add("join", "concat", [wide, tall], (8, 8, 8), "join")
    gate = m.add("se.pool", "adaptive_avgpool", [joined], (8, 1, 1), "se", size=(1, 1))
    for type_ in ("relu6", "sigmoid", "hardsigmoid", "silu", "hardswish"):
        gate = m.add(f"se.{type_}", type_, [gate], (8, 1, 1), "se")
    scaled = m.add("se.scale", "scale", [joined, gate], (8, 8, 8), "se")
    m.add("sd", "stochastic_depth", [scaled], None, "sd", p=0.1)
    m.add("sum", "add", [act, "sd"], (8, 8, 8), "sum")
    m.add("lrn", "lrn", ["sum"], None, "lrn", size=5)
    m.add("pool", "maxpool", ["lrn"], (8, 5, 5), "pool", kernel=3, stride=2, pad=1, ceil_mode=True)
    m.add("avg", "avgpool", ["pool"], (8, 5, 5), "avg", kernel=3, stride=1, pad=1, ceil_mode=False)
    m.add("1odd: name", "flatten", ["avg"], (200, 1, 1), "flatten")
    m.add("drop", "dropout", ["1odd: name"], None, "drop", p=0.5)
    m.add("fc", "fc", ["drop"], (10, 1, 1), "fc", units=10, bias=True)
    m.add("loss", "softmax", ["fc"], None, "loss")
    return m


class ModelTests(unittest.TestCase):
    def test_a_shape_other_than_the_frameworks_is_refused_naming_where(self):
        m = Model("t", (3, 8, 8))
        with self.assertRaisesRegex(ExportError, r"^torch.nn.Conv2d at features.0: ScaleCast's conv gives 4x6x6 where "
                                                 r"the framework gives 4x8x8$"):
            m.add("c", "conv", ["input"], (4, 8, 8), "torch.nn.Conv2d at features.0", out=4, kernel=(3, 3))

    def test_yaml_names_inputs_only_off_the_chain_and_leaves_defaults_out(self):
        text = every_layer_type().yaml(["a header"])
        lines = text.splitlines()
        self.assertEqual(lines[:4], ["# a header", "name: every-type", "input: [3, 16, 16]", "layers:"])
        self.assertIn("  - {name: stem, type: conv, out: 8, kernel: 3, stride: 2, pad: 1, bias: false}", lines)
        self.assertIn("  - {name: bn, type: batchnorm}", lines)
        self.assertIn("  - {name: tall, type: conv, inputs: [act], out: 4, kernel: [3, 1], pad: [1, 0]}", lines)
        self.assertIn("  - {name: join, type: concat, inputs: [wide, tall]}", lines)
        self.assertIn('  - {name: "1odd: name", type: flatten}', lines)
        self.assertIn('  - {name: drop, type: dropout, p: 0.5}', lines)

    def test_names_that_yaml_would_misread_are_quoted(self):
        self.assertEqual(scalar("layer1.0.conv1"), "layer1.0.conv1")
        for name in ("0.conv", "true", "a: b", "x, y", 'q"uote', "#c", ""):
            with self.subTest(name):
                self.assertTrue(scalar(name).startswith('"'))

    @unittest.skipUnless(scalecast_binary(), NO_SCALECAST)
    def test_scalecast_reads_the_yaml_with_the_same_parameters(self):
        m = every_layer_type()
        with tempfile.TemporaryDirectory() as folder:
            path = os.path.join(folder, "every.yaml")
            with open(path, "w") as file:
                file.write(m.yaml([]))
            row = counted_by_scalecast(path)["every-type"]
        self.assertEqual(row["parameters"], m.parameters)
        self.assertEqual(row["layers"], len(m.layers))
        self.assertEqual(row["input"], [3, 16, 16])

    def test_free_flattens_go_and_nested_concatenations_merge(self):
        m = Model("t", (4, 2, 2))
        a = m.add("a", "conv", ["input"], None, "a", out=2, kernel=(1, 1))
        b = m.add("b", "conv", ["input"], None, "b", out=2, kernel=(1, 1))
        inner = m.add("inner", "concat", [a, b], None, "inner")
        outer = m.add("outer", "concat", ["input", inner], (8, 2, 2), "outer")
        flat = m.add("flat", "flatten", [outer], (32, 1, 1), "flat")
        m.add("drop", "dropout", [flat], None, "drop", p=0.5)
        m.add("fc", "fc", ["drop"], None, "fc", units=3)
        kept = m.add("kept", "flatten", [outer], None, "kept")
        m.add("bn", "batchnorm", [kept], (32, 1, 1), "bn")   # batch norm of the flat vector: 32 channels, not 8
        m.drop_free_flattens()
        m.merge_nested_concats()
        self.assertEqual([layer.name for layer in m.layers], ["a", "b", "outer", "drop", "fc", "kept", "bn"])
        self.assertEqual(m.layers[2].inputs, ["input", "a", "b"])
        self.assertEqual(m.layers[3].inputs, ["outer"])

    def test_unpriced_operators_are_listed_in_one_message(self):
        error = UnpricedOperators([Unpriced("torch.nn.GELU", "blocks.0.act"), Unpriced("Tensor.permute", "(top level)", "a reason"),
                                   Unpriced("torch.nn.GELU", "blocks.1.act")])
        self.assertEqual(str(error), "ScaleCast cannot price 3 operators of this model (nothing was written): "
                                     "torch.nn.GELU at blocks.0.act, blocks.1.act; Tensor.permute at (top level) (a reason)")


class CommandLineTests(unittest.TestCase):
    def test_bad_invocations_exit_2_with_one_line(self):
        for arguments, fragment in [((), "give a model"), (("resnet18", "--onnx", "x.onnx"), "not both"),
                                    (("--onnx", os.path.join(tempfile.gettempdir(), "no-such.onnx")), ""),
                                    (("resnet18", "--input", "3,x"), "--input 3,x"), (("resnet18", "--arg", "1a=2"), "--arg 1a=2")]:
            with self.subTest(arguments):
                code, out, err = run_exporter(*arguments)
                self.assertEqual(code, 2, err)
                self.assertEqual(out, "")
                self.assertEqual(len(err.splitlines()), 1, err)
                self.assertTrue(err.startswith("error: "), err)
                self.assertIn(fragment, err)


if __name__ == "__main__":
    unittest.main()
