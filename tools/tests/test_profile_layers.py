"""tools/profile_layers.py without a GPU: --timing kernels adds up the device time of the
kernels a pass launches, per run, and the command refuses what it cannot run."""
import contextlib
import io
import unittest

import profile_layers
from tests.support import HAVE_TORCH, NO_TORCH, assert_refused_without_a_gpu, fake_profile


class ProfileLayersTests(unittest.TestCase):
    @unittest.skipUnless(HAVE_TORCH, NO_TORCH)
    def test_kernel_timing_adds_every_cuda_kernel_of_a_run(self):
        # Two runs of a pass, each launching a 40 us transpose and a 100 us convolution; the
        # CPU op around them is host time and must not count.
        events = []
        for run in range(2):
            events.append(("void cudnn::ops::nchwToNhwcKernel<float>", True, 1000 * run, 1000 * run + 40))
            events.append(("sm90_xmma_fprop_implicit_gemm_tf32", True, 1000 * run + 50, 1000 * run + 150))
            events.append(("aten::conv2d", False, 1000 * run, 1000 * run + 900))
        self.assertAlmostEqual(profile_layers.kernels_ms(fake_profile(events), 2), 0.140)

    def test_an_unknown_timing_exits_2(self):
        err = io.StringIO()
        with contextlib.redirect_stderr(err), self.assertRaises(SystemExit) as exit:
            profile_layers.main(["--timing", "wallclock", "--out", "/dev/null"])
        self.assertEqual(exit.exception.code, 2)
        self.assertIn("events", err.getvalue())

    @unittest.skipUnless(HAVE_TORCH, NO_TORCH)
    def test_without_a_gpu_it_says_so(self):
        assert_refused_without_a_gpu(self, profile_layers.main, ["--timing", "kernels", "--out", "/dev/null"])

    @unittest.skipUnless(HAVE_TORCH, NO_TORCH)
    def test_own_network_shapes_come_from_its_factory(self):
        # A network of the user's, built as the exporter builds it (on the meta device), gives
        # each convolution's and linear layer's input shape at batch 1.
        from model_export import from_torch
        built, name = from_torch.build_module("nets:TinyNet", {"width": 8})
        module, shapes = profile_layers.layer_shapes(built, (3, 32, 32))
        self.assertEqual(name, "TinyNet")
        self.assertEqual(shapes["stem.0"], (1, 3, 32, 32))
        self.assertEqual(shapes["depthwise.0"], (1, 8, 16, 16))
        self.assertEqual(shapes["fc"], (1, 8))
        # Its 1x3 and 3x1 convolutions are no square window the CSV can describe.
        self.assertFalse(profile_layers.square_window(module.wide))
        self.assertTrue(profile_layers.square_window(module.depthwise[0]))

    @unittest.skipUnless(HAVE_TORCH, NO_TORCH)
    def test_an_unknown_model_exits_2_naming_it_with_or_without_a_gpu(self):
        err = io.StringIO()
        with contextlib.redirect_stderr(err):
            self.assertEqual(profile_layers.main(["--model", "resnet5", "--out", "/dev/null"]), 2)
        self.assertIn("--model resnet5: unknown torchvision model", err.getvalue())
