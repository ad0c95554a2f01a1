"""What the exporter's tests share: paths, running the exporter and scalecast,
and which optional packages are installed."""
import contextlib
import functools
import importlib.util
import io
import json
import os
import subprocess
import sys
import tempfile

TESTS = os.path.dirname(os.path.abspath(__file__))
TOOLS = os.path.dirname(TESTS)
ROOT = os.path.dirname(TOOLS)
EXPORTER = os.path.join(TOOLS, "export_model.py")
if TESTS not in sys.path:
    sys.path.append(TESTS)   # the fixture models, as `nets`

HAVE_TORCH = all(importlib.util.find_spec(m) is not None for m in ("torch", "torchvision"))
HAVE_ONNX = HAVE_TORCH and importlib.util.find_spec("onnx") is not None
if HAVE_TORCH:
    from model_export.from_torch import import_torchvision
    import_torchvision()   # before the fixtures' `import torchvision`: see import_torchvision

#: One reason for every test that needs them, so that a run without them says why in one line.
NO_TORCH = NO_ONNX = "they need PyTorch, torchvision and onnx (pip install torch torchvision onnx; CPU-only wheels suffice)"


def scalecast_binary():
    """The scalecast binary `make test` builds (or $SCALECAST), or None."""
    path = os.environ.get("SCALECAST") or os.path.join(ROOT, ".build", "debug", "scalecast")
    return path if os.access(path, os.X_OK) else None


NO_SCALECAST = "no scalecast binary (swift build --product scalecast, or set SCALECAST)"


def run_exporter(*arguments, separate_process=False):
    """The exporter's command line: (exit code, stdout, stderr). In this process
    (PyTorch is imported once for all tests), or as a user runs it, in a process
    of its own started in this folder (`nets:...` imports from the current
    directory)."""
    if separate_process:
        done = subprocess.run([sys.executable, EXPORTER, *arguments], cwd=TESTS, capture_output=True, text=True, timeout=600)
        return done.returncode, done.stdout, done.stderr
    import export_model
    out, err = io.StringIO(), io.StringIO()
    with contextlib.redirect_stdout(out), contextlib.redirect_stderr(err):
        try:
            code = export_model.main(list(arguments))
        except SystemExit as exit:   # argparse's usage errors
            code = exit.code
    return code, out.getvalue(), err.getvalue()


@functools.lru_cache(maxsize=None)
def exported(*arguments):
    """`run_exporter(*arguments)`, once per test run."""
    return run_exporter(*arguments)


def scalecast(*arguments):
    done = subprocess.run([scalecast_binary(), *arguments], capture_output=True, text=True, timeout=600)
    if done.returncode != 0:
        raise AssertionError(f"scalecast {' '.join(arguments)} exited {done.returncode}: {done.stderr}")
    return done.stdout


def counted_by_scalecast(*files):
    """`scalecast models FILE... --json`: ScaleCast's own counts of model files, by name."""
    return {row["name"]: row for row in json.loads(scalecast("models", *files, "--json"))}


def step_seconds(scenario_text):
    """{(run label, GPUs): simulated step seconds} of a scenario."""
    with tempfile.NamedTemporaryFile("w", suffix=".yaml", dir=tempfile.gettempdir(), delete=False) as file:
        file.write(scenario_text)
    try:
        results = json.loads(scalecast("simulate", file.name, "--json"))["results"]
    finally:
        os.remove(file.name)
    return {(r["label"].split(" · ")[0], r["gpus"]): r["step_seconds"] for r in results}   # "LABEL · N GPUs, ..."


def body(yaml_text):
    """A model YAML without its comment header."""
    return "\n".join(line for line in yaml_text.splitlines() if not line.startswith("#"))


def fake_profile(events):
    """A finished torch.profiler profile as the device tools read it (`key_averages()`), built
    from `events`: (name, on_gpu, start_us, end_us) each; CPU ops beside CUDA kernels."""
    from torch.autograd import DeviceType
    from torch.autograd.profiler_util import EventList, FunctionEvent

    built = [FunctionEvent(id=i, name=name, thread=1, start_us=start, end_us=end, fwd_thread=1, input_shapes=[], stack=[],
                           scope=0, use_device="cuda", device_type=DeviceType.CUDA if on_gpu else DeviceType.CPU, device_index=0)
             for i, (name, on_gpu, start, end) in enumerate(events)]

    class Profile:
        def key_averages(self):
            listed = EventList(built, use_device="cuda")
            listed._build_tree()
            return listed.key_averages()

    return Profile()


def assert_refused_without_a_gpu(test, main, argv):
    """That a device tool's `main(argv)` returns 2 and says there is no CUDA GPU, where none is
    visible (skips `test` where one is)."""
    import torch
    if torch.cuda.is_available():
        test.skipTest("a GPU is visible")
    err = io.StringIO()
    with contextlib.redirect_stderr(err):
        test.assertEqual(main(argv), 2)
    test.assertIn("no CUDA GPU", err.getvalue())
