#!/usr/bin/env python3
"""Runs the exporter's tests (tools/tests/test_*.py), as `make test` does, and
ends with one line: `tools: N passed, N failed, N skipped`. Tests that need
PyTorch, onnx or the scalecast binary are skipped where they are missing, with
one line saying why."""
import os
import sys
import unittest

TESTS = os.path.dirname(os.path.abspath(__file__))
TOOLS = os.path.dirname(TESTS)
sys.path.insert(0, TOOLS)

suite = unittest.defaultTestLoader.discover(TESTS, top_level_dir=TOOLS)
result = unittest.TextTestRunner(verbosity=1, stream=sys.stderr).run(suite)
failed = len(result.failures) + len(result.errors) + len(result.unexpectedSuccesses)
skipped = len(result.skipped)
for reason in sorted({reason for _, reason in result.skipped}):
    print(f"tools: skipped {sum(r == reason for _, r in result.skipped)} tests: {reason}")
print(f"tools: {result.testsRun - failed - skipped} passed, {failed} failed, {skipped} skipped")
sys.exit(1 if failed or not result.testsRun else 0)
