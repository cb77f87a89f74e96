"""Shared set-up for the kernel tests: install the kernelspec of the binary named by
$BRAINCLIP_EXE into a temporary prefix and point Jupyter at it (and only at temporary folders)."""

from __future__ import annotations

import atexit
import os
import shutil
import subprocess
import tempfile

KERNEL_NAME = "brainclip"


def install_kernel() -> str:
    """Install the kernelspec once per process; returns the kernel name."""
    if os.environ.get("BRAINCLIP_KERNEL_PREFIX"):
        return KERNEL_NAME
    exe = os.environ.get("BRAINCLIP_EXE")
    if not exe:
        raise RuntimeError("set BRAINCLIP_EXE to the brainclip binary (cargo test does)")
    root = tempfile.mkdtemp(prefix="brainclip-kernel-test-")
    atexit.register(shutil.rmtree, root, ignore_errors=True)
    prefix = os.path.join(root, "prefix")
    subprocess.run([exe, "kernel", "install", "--prefix", prefix], check=True, capture_output=True)
    os.environ["BRAINCLIP_KERNEL_PREFIX"] = prefix
    os.environ["JUPYTER_PATH"] = os.path.join(prefix, "share", "jupyter")
    os.environ["JUPYTER_DATA_DIR"] = os.path.join(root, "data")
    os.environ["JUPYTER_RUNTIME_DIR"] = os.path.join(root, "runtime")
    os.environ["JUPYTER_CONFIG_DIR"] = os.path.join(root, "config")
    os.environ["JUPYTER_PLATFORM_DIRS"] = "1"
    return KERNEL_NAME
