"""PyTorch models through the exporter: torchvision's equal the zoo's (parameters
and simulated step time), a user's own module exports with every construct the
vocabulary has, and what ScaleCast cannot price or count is refused."""
import os
import tempfile
import unittest

from tests.support import (HAVE_TORCH, NO_SCALECAST, NO_TORCH, ROOT, body, counted_by_scalecast, exported, run_exporter,
                           scalecast_binary, step_seconds)

if HAVE_TORCH:
    from model_export import from_torch
    from model_export.vocabulary import UnpricedOperators

#: torchvision models and the zoo models they must equal: parameters, FLOPs and
#: the simulated step time of data parallelism on one GPU and on two 8-GPU nodes.
ZOO_TWINS = [("resnet50", "resnet50", (3, 224, 224)), ("densenet121", "densenet121", (3, 224, 224)),
             ("efficientnet_b0", "efficientnet_b0", (3, 224, 224)), ("inception_v3", "inception-v3", (3, 299, 299)),
             ("mobilenet_v2", "mobilenet_v2", (3, 224, 224))]

SCENARIO = """name: exported vs built-in
precision: bf16
software: pytorch-ddp
batch_per_gpu: 32
cluster: {gpu: A100-SXM4-80GB, gpus_per_node: 8, fabric: nvswitch, network: {link: eth-100g, nics_per_node: 1}}
strategy: {kind: data, allreduce: ring, bucket_mb: 25}
gpus: [1, 16]
runs:
"""


@unittest.skipUnless(HAVE_TORCH, NO_TORCH)
class TorchvisionTests(unittest.TestCase):
    @unittest.skipUnless(scalecast_binary(), NO_SCALECAST)
    def test_exported_torchvision_models_equal_the_zoo(self):
        scenario = SCENARIO
        with tempfile.TemporaryDirectory() as folder:
            paths = []
            for name, zoo_name, shape in ZOO_TWINS:
                module, _ = from_torch.build_module(name, {})
                model = from_torch.export(module, name, shape)
                parameters, flops = from_torch.framework_totals(module, shape)
                self.assertEqual(model.parameters, parameters, name)
                self.assertLessEqual(abs(model.product_flops - flops), 0.01 * flops, name)
                paths.append(os.path.join(folder, f"{name}.yaml"))
                with open(paths[-1], "w") as file:
                    file.write(model.yaml([]))
                scenario += f"  - {{label: zoo-{name}, model: {zoo_name}}}\n  - {{label: file-{name}, model: {{file: {paths[-1]}}}}}\n"
            counted = counted_by_scalecast(*paths)
            zoo = counted_by_scalecast()
            times = step_seconds(scenario)
        for name, zoo_name, _ in ZOO_TWINS:
            with self.subTest(name):
                for key in ("parameters", "forward_flops_per_image", "training_flops_per_image", "layers", "input"):
                    self.assertEqual(counted[name][key], zoo[zoo_name][key], key)
                for gpus in (1, 16):
                    self.assertEqual(times[(f"file-{name}", gpus)], times[(f"zoo-{name}", gpus)], gpus)

    @unittest.skipUnless(scalecast_binary(), NO_SCALECAST)
    def test_resnet101_from_the_command_line_simulates(self):
        code, out, err = run_exporter("resnet101", separate_process=True)   # the command, as a user types it
        self.assertEqual(code, 0, err)
        self.assertIn("parameters: 44,549,160; PyTorch's sum(p.numel()): 44,549,160: equal", err)
        self.assertRegex(err, r"PyTorch's FlopCounterMode: 15,6\d\d,\d{3},\d{3}: [+-]0\.\d{3}%")
        with tempfile.TemporaryDirectory() as folder:
            path = os.path.join(folder, "r101.yaml")
            with open(path, "w") as file:
                file.write(out)
            self.assertEqual(counted_by_scalecast(path)["resnet101"]["parameters"], 44_549_160)
            times = step_seconds(SCENARIO + f"  - {{label: r101, model: {{file: {path}}}}}\n")
        self.assertGreater(times[("r101", 16)], times[("r101", 1)] * 0.5)

    def test_the_committed_examples_are_what_the_exporter_writes(self):
        for name in ("resnet101", "regnet_y_400mf"):
            with self.subTest(name):
                code, out, err = exported(name)
                self.assertEqual(code, 0, err)
                with open(os.path.join(ROOT, "scenarios", "examples", "models", f"{name}.yaml")) as file:
                    self.assertEqual(body(file.read()), body(out), "re-export it: python3 tools/export_model.py "
                                     f"{name} --out scenarios/examples/models/{name}.yaml --force")

    def test_constructor_arguments_reach_torchvision(self):
        module, _ = from_torch.build_module("inception_v3", {"aux_logits": False})
        model = from_torch.export(module, "v3", (3, 299, 299))
        self.assertEqual(model.parameters, 23_834_568)
        self.assertEqual([layer.name for layer in model.layers if layer.type == "softmax"], ["loss"])

    def test_training_only_heads_get_their_own_loss(self):
        module, _ = from_torch.build_module("googlenet", {})
        model = from_torch.export(module, "googlenet", (3, 224, 224))
        losses = [(layer.name, layer.inputs) for layer in model.layers if layer.type == "softmax"]
        self.assertEqual(losses, [("aux1.loss", ["aux1.fc2"]), ("aux2.loss", ["aux2.fc2"]), ("loss", ["fc"])])

    def test_unknown_names_and_weights_are_refused(self):
        code, _, err = run_exporter("resnet1001")
        self.assertEqual(code, 2)
        self.assertIn("unknown torchvision model 'resnet1001'", err)
        self.assertIn("resnet101", err)
        code, _, err = run_exporter("resnet18", "--arg", "weights='DEFAULT'")
        self.assertEqual(code, 2)
        self.assertIn("without weights", err)


@unittest.skipUnless(HAVE_TORCH, NO_TORCH)
class UserModuleTests(unittest.TestCase):
    def test_every_construct_maps_to_its_layer(self):
        code, out, err = run_exporter("nets:TinyNet", "--arg", "width=32", "--input", "3,32,32", "--name", "tiny")
        self.assertEqual(code, 0, err)
        layers = [line.split("type: ")[1].split(",")[0].rstrip("}") for line in out.splitlines() if line.startswith("  - ")]
        self.assertEqual(layers, ["conv", "batchnorm", "relu", "conv", "batchnorm", "hardswish",
                                  "adaptive_avgpool", "conv", "silu", "conv", "sigmoid", "scale",
                                  "conv", "conv", "concat", "relu6", "stochastic_depth", "add",
                                  "maxpool", "avgpool", "adaptive_avgpool", "dropout", "fc", "softmax"])
        self.assertIn("{name: depthwise.0, type: conv, out: 32, kernel: 3, pad: 1, groups: 32, bias: false}", out)
        self.assertIn("{name: tall, type: conv, inputs: [se.scale], out: 16, kernel: [3, 1], pad: [1, 0]}", out)
        self.assertIn("{name: add, type: add, inputs: [stem.2, drop_path]}", out)
        self.assertIn("equal", err)
        if scalecast_binary():
            import nets
            with tempfile.TemporaryDirectory() as folder:
                path = os.path.join(folder, "tiny.yaml")
                with open(path, "w") as file:
                    file.write(out)
                self.assertEqual(counted_by_scalecast(path)["tiny"]["parameters"],
                                 sum(p.numel() for p in nets.TinyNet(width=32).parameters()))

    def test_a_gate_of_fc_layers_reshaped_to_cx1x1_is_no_layer(self):
        code, out, err = run_exporter("nets:LinearSENet", "--input", "3,16,16")
        self.assertEqual(code, 0, err)
        layers = [line.split("type: ")[1].split(",")[0].rstrip("}") for line in out.splitlines() if line.startswith("  - ")]
        self.assertEqual(layers.count("scale"), 2, out)
        self.assertEqual(layers.count("fc"), 5, out)   # two per gate, the classifier
        self.assertIn("parameters: 914; PyTorch's sum(p.numel()): 914: equal", err)   # 3·16·9 + 16, 2 × (16·4 + 4 + 4·16 + 16), 16·10 + 10
        self.assertNotIn("reshape", out)

    def test_a_factory_of_a_network_on_vectors(self):
        code, out, err = run_exporter("nets:mlp", "--arg", "hidden=64", "--input", "784")
        self.assertEqual(code, 0, err)
        self.assertIn("parameters: 51,018; PyTorch's sum(p.numel()): 51,018: equal", err)   # 784·64 + 64 + 2·64 + 64·10 + 10
        self.assertEqual(body(out).splitlines()[:2], ["name: mlp", "input: [784, 1, 1]"])
        self.assertIn('  - {name: "2", type: batchnorm}', out)   # a name YAML would read as a number is quoted

    def test_unpriced_operators_exit_2_naming_each_with_its_module(self):
        code, out, err = run_exporter("nets:Transformerish")
        self.assertEqual(code, 2)
        self.assertEqual(out, "")
        self.assertEqual(len(err.splitlines()), 1, err)
        for fragment in ("Tensor.permute at (top level)", "torch.nn.LayerNorm at norm", "torch.nn.GELU at act", "nothing was written"):
            self.assertIn(fragment, err)
        module, _ = from_torch.build_module("nets:Transformerish", {})
        with self.assertRaises(UnpricedOperators) as caught:
            from_torch.export(module, "t", (3, 224, 224))
        self.assertEqual([u.operator for u in caught.exception.items][:3], ["Tensor.permute", "torch.nn.LayerNorm", "torch.nn.GELU"])

    def test_parameters_the_forward_never_uses_fail_the_check(self):
        code, out, err = run_exporter("nets:IdleHead", "--input", "3,32,32")
        self.assertEqual(code, 1)
        self.assertEqual(out, "")
        self.assertIn("DIFFERENT", err)
        self.assertIn("the forward pass does not use: old_fc", err)

    def test_a_module_called_twice_is_named(self):
        code, out, err = run_exporter("nets:CalledTwice", "--input", "4,16,16")
        self.assertEqual(code, 1, err)
        self.assertEqual(out, "")
        self.assertIn("calls more than once, their weights counted at each call: conv", err)

    def test_a_branch_no_output_uses_is_refused(self):
        code, out, err = run_exporter("nets:DeadBranch", "--input", "3,32,32")
        self.assertEqual(code, 2, err)
        self.assertEqual(out, "")
        self.assertEqual(len(err.splitlines()), 1, err)
        self.assertIn("computes 2 layers whose result no output uses (side, relu)", err)

    def test_untraceable_and_unbuildable_models_exit_2(self):
        for spec, fragment in [("nets:DataDependent", "torch.fx cannot trace the model"),
                               ("nets:not_a_module", "returned int, not a torch.nn.Module"),
                               ("nets:Missing", "cannot import it: AttributeError"),
                               ("no_such_package.x:Net", "cannot import it: ModuleNotFoundError")]:
            with self.subTest(spec):
                code, out, err = run_exporter(spec, "--input", "3,32,32")
                self.assertEqual(code, 2, err)
                self.assertEqual(len(err.splitlines()), 1, err)
                self.assertIn(fragment, err)

    def test_a_model_that_does_not_run_on_the_input_says_where_in_one_line(self):
        code, out, err = run_exporter("nets:TinyNet", "--input", "4,32,32")   # its stem takes 3 channels
        self.assertEqual((code, out), (2, ""), err)
        self.assertEqual(len(err.splitlines()), 1, err)
        self.assertIn("the model does not run on a 4x32x32 input at stem.0: RuntimeError:", err)
        self.assertNotIn("Traceback", err)

    def test_a_constructor_that_reads_values_is_built_on_the_cpu(self):
        code, out, err = run_exporter("nets:ReadsValuesInInit", "--input", "3,32,32")
        self.assertEqual(code, 0, err)
        self.assertIn("cannot be built on the meta device", err)
        self.assertIn("type: dropout, p: 0.2", out)

    def test_out_is_written_whole_and_never_replaced_unasked(self):
        with tempfile.TemporaryDirectory() as folder:
            path = os.path.join(folder, "m.yaml")
            with open(path, "w") as file:
                file.write("mine\n")
            code, _, err = run_exporter("nets:TinyNet", "--input", "3,32,32", "--out", path)
            self.assertEqual(code, 2)
            self.assertIn("exists; add --force", err)
            with open(path) as file:
                self.assertEqual(file.read(), "mine\n")
            code, out, err = run_exporter("nets:TinyNet", "--input", "3,32,32", "--out", path, "--force")
            self.assertEqual((code, out), (0, ""), err)
            with open(path) as file:
                self.assertTrue(body(file.read()).startswith("name: TinyNet\ninput: [3, 32, 32]\nlayers:\n"))
            self.assertEqual(os.listdir(folder), ["m.yaml"])
            # Refused before the export, which can take minutes: a model that cannot even be imported
            # is not reached.
            code, _, err = run_exporter("nets:Missing", "--out", path)
            self.assertEqual(code, 2)
            self.assertIn("exists; add --force", err)
            self.assertNotIn("cannot import", err)


if __name__ == "__main__":
    unittest.main()
