# Sourced by scripts/test.sh and scripts/setup-libtorch.sh: make PyTorch 2.9.0 (the libtorch that
# burn-tch 0.22.1 / tch 0.22 build against) available in a virtual environment and point the
# torch-sys build at it.
#
#   BRAINCLIP_TORCH_VENV  where the environment lives (default: target/torch-venv)
#   BRAINCLIP_TORCH_SPEC  what pip installs (default: torch==2.9.0)
#
# The registry's Linux wheels are CUDA builds (about 3 GB with the nvidia-* packages); they also
# run on machines without a GPU.

venv="${BRAINCLIP_TORCH_VENV:-$PWD/target/torch-venv}"
spec="${BRAINCLIP_TORCH_SPEC:-torch==2.9.0}"
if ! "$venv/bin/python" -c 'import torch' >/dev/null 2>&1; then
    echo "creating $venv with $spec (a one-time download of about 3 GB)…" >&2
    python3 -m venv "$venv"
    "$venv/bin/pip" install --quiet --disable-pip-version-check "$spec"
fi
export VIRTUAL_ENV="$venv"
export PATH="$venv/bin:$PATH"
# torch-sys asks this python for torch's headers, libraries and C++ ABI.
export LIBTORCH_USE_PYTORCH=1
torch_version="$("$venv/bin/python" -c 'import torch; print(torch.__version__)')"
case "$torch_version" in
    2.9.0*) ;;
    *)
        echo "note: $venv has torch $torch_version, not 2.9.0; building with LIBTORCH_BYPASS_VERSION_CHECK=1" >&2
        export LIBTORCH_BYPASS_VERSION_CHECK=1
        ;;
esac
