"""tools/profile_layers.py without a GPU: --timing kernels adds up the device time of the
kernels a pass launches, per run, and the command refuses what it cannot run."""
import contextlib
import io
import unittest

import profile_layers
from tests.support import HAVE_TORCH, NO_TORCH


class ProfileLayersTests(unittest.TestCase):
    @unittest.skipUnless(HAVE_TORCH, NO_TORCH)
    def test_kernel_timing_adds_every_cuda_kernel_of_a_run(self):
        # Two runs of a pass, each launching a 40 us transpose and a 100 us convolution; the
        # CPU op around them is host time and must not count.
        from torch.autograd import DeviceType
        from torch.autograd.profiler_util import EventList, FunctionEvent

        def event(i, name, device, start, end):
            return FunctionEvent(id=i, name=name, thread=1, start_us=start, end_us=end, fwd_thread=1, input_shapes=[], stack=[],
                                 scope=0, use_device="cuda", device_type=device, device_index=0)

        events = []
        for run in range(2):
            events.append(event(3 * run, "void cudnn::ops::nchwToNhwcKernel<float>", DeviceType.CUDA, 1000 * run, 1000 * run + 40))
            events.append(event(3 * run + 1, "sm90_xmma_fprop_implicit_gemm_tf32", DeviceType.CUDA, 1000 * run + 50, 1000 * run + 150))
            events.append(event(3 * run + 2, "aten::conv2d", DeviceType.CPU, 1000 * run, 1000 * run + 900))

        class Profile:
            def key_averages(self):
                listed = EventList(events, use_device="cuda")
                listed._build_tree()
                return listed.key_averages()

        self.assertAlmostEqual(profile_layers.kernels_ms(Profile(), 2), 0.140)

    def test_an_unknown_timing_exits_2(self):
        err = io.StringIO()
        with contextlib.redirect_stderr(err), self.assertRaises(SystemExit) as exit:
            profile_layers.main(["--timing", "wallclock", "--out", "/dev/null"])
        self.assertEqual(exit.exception.code, 2)
        self.assertIn("events", err.getvalue())

    @unittest.skipUnless(HAVE_TORCH, NO_TORCH)
    def test_without_a_gpu_it_says_so(self):
        import torch
        if torch.cuda.is_available():
            self.skipTest("a GPU is visible")
        err = io.StringIO()
        with contextlib.redirect_stderr(err):
            self.assertEqual(profile_layers.main(["--timing", "kernels", "--out", "/dev/null"]), 2)
        self.assertIn("no CUDA GPU", err.getvalue())
