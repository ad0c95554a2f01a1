"""tools/kernel_breakdown.py without a GPU: kernel names from real traces land in the
categories the model's layers can be set beside, and the command refuses what it
cannot run."""
import contextlib
import io
import unittest

import kernel_breakdown
from tests.support import HAVE_TORCH, NO_TORCH, assert_refused_without_a_gpu, fake_profile

#: Kernel names as profilers print them (cuDNN 8, PyTorch 2.x, cuBLAS), with their category
#: and, for convolutions and GEMMs, whether they run on tensor cores.
NAMES = [
    ("sm80_xmma_fprop_implicit_gemm_tf32f32_tf32f32_f32_nhwckrsc_nhwc_tilesize128x128x16_stage4_warpsize2x2x1_g1_tensor16x8x8",
     "convolution", True),
    ("sm90_xmma_dgrad_implicit_gemm_bf16bf16_bf16f32_f32_nhwckrsc_nhwc_tilesize128x128x64_warpgroupsize1x1x1_g1_execute_kernel",
     "convolution", True),
    ("void implicit_convolve_sgemm<float, float, 128, 5, 5, 3, 3, 3, 1, false, false, true>(int, int, int, float const*)",
     "convolution", False),
    ("void cudnn::ops::nchwToNhwcKernel<float, float, float, (bool)1, (bool)1, (cudnnKernelDataType_t)2>(cudnn::ops::nchw2nhwc_params_t<float>)",
     "layout transform", None),
    ("void cudnn::ops::nhwcToNchwKernel<__nv_bfloat16, __nv_bfloat16, float, (bool)1, (bool)0, (cudnnKernelDataType_t)0>(...)",
     "layout transform", None),
    ("void cudnn::detail::bn_bw_1C11_kernel_new<float, float, float2, 512, true, 1>(float, float, float, float, cudnnTensorStruct)",
     "batch norm", None),
    ("void at::native::batch_norm_collect_statistics_kernel<at::native::InvStd, c10::BFloat16, float, float, int>(...)",
     "batch norm", None),
    ("ampere_sgemm_128x64_nn", "gemm", False),
    ("ampere_bf16_s16816gemm_bf16_128x128_ldg8_f2f_stages_64x3_tn", "gemm", True),
    ("void at::native::(anonymous namespace)::max_pool_forward_nchw<float, float>(int, float const*, long, long)", "pooling", None),
    ("void at::native::(anonymous namespace)::multi_tensor_apply_kernel<at::native::(anonymous namespace)::TensorListMetadata<3>>(...)",
     "optimizer", None),
    ("void at::native::vectorized_elementwise_kernel<4, at::native::(anonymous namespace)::launch_clamp_scalar(...)>(int, ...)",
     "element-wise", None),
    ("void at::native::reduce_kernel<512, 1, at::native::ReduceOp<float, at::native::MeanOps<float, float, float, float>, unsigned int, float, 4>>(...)",
     "reduction", None),
    ("void at::native::(anonymous namespace)::cunn_SoftMaxForward<4, float, float, float, at::native::(anonymous namespace)::LogSoftMaxForwardEpilogue>(...)",
     "loss", None),
    ("Memcpy DtoD (Device -> Device)", "copy or cast", None),
    # xmma kernels with fp32 FMA (cuDNN fp32 convolutions, cuBLAS SGEMM on Ampere) run on the CUDA cores.
    ("sm80_xmma_fprop_implicit_gemm_indexed_f32f32_f32f32_f32_nchwkcrs_nchw_tilesize64x64x8_stage3_warpsize1x4x1_g1_ffma_aligna4_alignc4",
     "convolution", False),
    ("sm80_xmma_gemm_f32f32_f32f32_f32_nn_n_tilesize32x32x8_stage3_warpsize1x2x1_ffma_aligna4_alignc4_execute_kernel__5x_cublas",
     "gemm", False),
    ("volta_h884cudnn_256x64_ldg8_relu_exp_medium_nhwc_tn_v1", "convolution", True),
    ("maxwell_scudnn_128x128_relu_small_nn_v1", "convolution", False),
    # "nocast" is an element-wise kernel's template name, not a cast.
    ("void at::native::unrolled_elementwise_kernel<at::native::gpu_kernel_impl_nocast<at::native::BinaryFunctor<float, float, float, "
     "at::native::binary_internal::MulFunctor<float>>>>(int, ...)", "element-wise", None),
]


class KernelBreakdownTests(unittest.TestCase):
    def test_real_kernel_names_land_in_their_categories(self):
        for name, expected, tensor_cores in NAMES:
            with self.subTest(kernel=name[:60]):
                self.assertEqual(kernel_breakdown.category(name), expected)
                if tensor_cores is not None:
                    self.assertEqual(kernel_breakdown.on_tensor_cores(name), tensor_cores)
        self.assertEqual(kernel_breakdown.category("someone_elses_kernel"), "other")

    def test_the_breakdown_adds_up_per_category_and_splits_tensor_cores(self):
        times = {NAMES[0][0]: (2.0, 10), NAMES[1][0]: (3.0, 10), NAMES[2][0]: (1.0, 5), NAMES[3][0]: (0.5, 4), NAMES[4][0]: (0.25, 4)}
        totals = kernel_breakdown.breakdown(times)
        self.assertEqual(totals["convolution, tensor cores"], (5.0, 20))
        self.assertEqual(totals["convolution, CUDA cores"], (1.0, 5))
        self.assertEqual(totals["layout transform"], (0.75, 8))
        self.assertEqual(sum(ms for ms, _ in totals.values()), sum(ms for ms, _ in times.values()))

    @unittest.skipUnless(HAVE_TORCH, NO_TORCH)
    def test_kernel_times_read_the_profilers_cuda_rows_per_step(self):
        # A profile as torch.profiler builds it: six launches of one CUDA kernel, 40 us each, over
        # three steps, and a CPU op around them that must not count.
        profile = fake_profile([(NAMES[0][0], True, 100 * i, 100 * i + 40) for i in range(6)] + [("aten::conv2d", False, 0, 1000)])
        times = kernel_breakdown.kernel_times(profile, 3)
        self.assertEqual(list(times), [NAMES[0][0]])
        ms, count = times[NAMES[0][0]]
        self.assertAlmostEqual(ms, 6 * 0.040 / 3)
        self.assertAlmostEqual(count, 2)

    def test_bad_arguments_exit_2(self):
        err = io.StringIO()
        with contextlib.redirect_stderr(err):
            self.assertEqual(kernel_breakdown.main(["--precisions", "fp8", "--out", "/dev/null"]), 2)
            self.assertEqual(kernel_breakdown.main(["--memory-formats", "nchw,chwn", "--out", "/dev/null"]), 2)
        self.assertIn("unknown fp8", err.getvalue())
        self.assertIn("chwn", err.getvalue())

    @unittest.skipUnless(HAVE_TORCH, NO_TORCH)
    def test_without_a_gpu_it_says_so(self):
        assert_refused_without_a_gpu(self, kernel_breakdown.main, ["--out", "/dev/null"])
