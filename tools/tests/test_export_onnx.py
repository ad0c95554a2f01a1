"""ONNX files through the exporter: ResNet-101 exported to ONNX by PyTorch gives
the YAML the PyTorch path gives, a small model with its weights in the file
counts as its PyTorch twin, and unpriced ONNX operators are refused."""
import os
import tempfile
import unittest
import warnings

from tests.support import HAVE_ONNX, NO_ONNX, NO_SCALECAST, body, counted_by_scalecast, exported, run_exporter, scalecast_binary

if HAVE_ONNX:
    import torch
    from model_export import from_torch


def to_onnx(module, shape, path, with_weights):
    """PyTorch's ONNX export as ScaleCast needs it: in training mode, so that batch
    norm stays a layer (eval mode folds it into the convolutions)."""
    module.train()
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        torch.onnx.export(module, (torch.randn(1, *shape),), path, dynamo=False, export_params=with_weights,
                          training=torch.onnx.TrainingMode.TRAINING, do_constant_folding=False)


@unittest.skipUnless(HAVE_ONNX, NO_ONNX)
class ONNXTests(unittest.TestCase):
    def test_resnet101_through_onnx_gives_the_same_yaml(self):
        torchvision = from_torch.import_torchvision()
        with tempfile.TemporaryDirectory() as folder:
            path = os.path.join(folder, "r101.onnx")
            to_onnx(torchvision.models.resnet101(weights=None), (3, 224, 224), path, with_weights=False)
            code, from_onnx, err = run_exporter("--onnx", path, "--name", "resnet101")
        self.assertEqual(code, 0, err)
        self.assertIn("parameters: 44,549,160; the file's weights", err)
        self.assertIn(": equal", err)
        code, from_pytorch, err = exported("resnet101")
        self.assertEqual(code, 0, err)
        self.assertEqual(body(from_onnx), body(from_pytorch))

    @unittest.skipUnless(scalecast_binary(), NO_SCALECAST)
    def test_weights_in_the_file_and_functional_operators_count_as_in_pytorch(self):
        import nets
        with tempfile.TemporaryDirectory() as folder:
            onnx_path, onnx_yaml, torch_yaml = (os.path.join(folder, n) for n in ("tiny.onnx", "onnx.yaml", "torch.yaml"))
            to_onnx(nets.TinyNet(depth_drop=0.0), (3, 32, 32), onnx_path, with_weights=True)
            code, _, err = run_exporter("--onnx", onnx_path, "--name", "tiny-onnx", "--out", onnx_yaml)
            self.assertEqual(code, 0, err)
            code, _, err = run_exporter("nets:TinyNet", "--arg", "depth_drop=0.0", "--input", "3,32,32", "--name", "tiny-torch",
                                        "--out", torch_yaml)
            self.assertEqual(code, 0, err)
            counted = counted_by_scalecast(onnx_yaml, torch_yaml)
            with open(onnx_yaml) as file:
                text = file.read()
        for key in ("parameters", "forward_flops_per_image", "training_flops_per_image", "layers", "input"):
            self.assertEqual(counted["tiny-onnx"][key], counted["tiny-torch"][key], key)
        self.assertIn("type: silu", text)             # Sigmoid then Mul by its input
        self.assertIn("type: adaptive_avgpool", text)  # ReduceMean over height and width
        self.assertIn("type: dropout, p: 0.2}", text)   # ONNX's float32 ratio, as its shortest decimal

    def test_a_gate_of_fc_layers_reshaped_or_unsqueezed_counts_as_in_pytorch(self):
        import nets
        with tempfile.TemporaryDirectory() as folder:
            path = os.path.join(folder, "se.onnx")
            to_onnx(nets.LinearSENet(), (3, 16, 16), path, with_weights=True)
            code, out, err = run_exporter("--onnx", path)
        self.assertEqual(code, 0, err)
        self.assertEqual(sum(1 for line in out.splitlines() if "type: scale" in line), 2, out)
        self.assertIn(f"parameters: {sum(p.numel() for p in nets.LinearSENet().parameters()):,}; the file's weights", err)

    def test_unpriced_onnx_operators_exit_2_naming_each_node(self):
        import nets
        with tempfile.TemporaryDirectory() as folder:
            path = os.path.join(folder, "t.onnx")
            to_onnx(nets.Transformerish(), (3, 32, 32), path, with_weights=True)
            code, out, err = run_exporter("--onnx", path)
        self.assertEqual(code, 2)
        self.assertEqual(out, "")
        self.assertEqual(len(err.splitlines()), 1, err)
        self.assertIn("Transpose at /Transpose", err)
        self.assertIn("at /norm/", err)

    def test_stochastic_depth_in_a_training_export_is_refused_by_name(self):
        import nets
        with tempfile.TemporaryDirectory() as folder:
            path = os.path.join(folder, "sd.onnx")
            to_onnx(nets.TinyNet(depth_drop=0.1), (3, 32, 32), path, with_weights=False)
            code, _, err = run_exporter("--onnx", path)
        self.assertEqual(code, 2)
        self.assertIn("Mul at /drop_path/Mul (multiplies by a tensor not computed from the input: a constant, "
                      "or stochastic depth's random mask)", err)

    def test_functional_relu6_exported_without_constant_folding_is_relu6(self):
        # Without constant folding torch.onnx gives F.relu6's bounds as Cast(Constant), not
        # as constants: the exporter follows the cast (it refused them as "bounds other than
        # ReLU6's" before).
        class FunctionalReLU6(torch.nn.Module):
            def __init__(self):
                super().__init__()
                self.conv = torch.nn.Conv2d(3, 8, 3, padding=1)

            def forward(self, x):
                return torch.nn.functional.relu6(self.conv(x))

        with tempfile.TemporaryDirectory() as folder:
            path = os.path.join(folder, "r6.onnx")
            to_onnx(FunctionalReLU6(), (3, 16, 16), path, with_weights=False)
            code, out, err = run_exporter("--onnx", path, "--name", "r6")
        self.assertEqual(code, 0, err)
        self.assertIn("type: relu6", out)

    def test_a_file_that_is_not_onnx_is_refused(self):
        with tempfile.NamedTemporaryFile("w", suffix=".onnx") as file:
            file.write("not a model")
            file.flush()
            code, _, err = run_exporter("--onnx", file.name)
        self.assertEqual(code, 2)
        self.assertIn("not an ONNX model", err)


if __name__ == "__main__":
    unittest.main()
