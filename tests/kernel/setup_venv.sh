#!/usr/bin/env sh
# Create (once) the Python virtualenv the kernel tests use: jupyter_client, nbclient, nbformat and
# jupyter_kernel_test, pinned to versions the tests were written against. Idempotent, quiet, and
# fast when the venv is already complete. pip honours PIP_FIND_LINKS (a local wheel cache).
#
# usage: setup_venv.sh VENV_DIR        prints the venv's python on success
set -eu

venv=${1:?usage: setup_venv.sh VENV_DIR}
python=${PYTHON:-python3}
stamp="$venv/.brainclip-kernel-test-deps"
deps="jupyter_client==8.10.0 nbclient==0.11.0 nbformat==5.11.1 jupyter_kernel_test==0.7.0"

if [ -f "$stamp" ] && [ "$(cat "$stamp")" = "$deps" ] && [ -x "$venv/bin/python" ]; then
    echo "$venv/bin/python"
    exit 0
fi

command -v "$python" >/dev/null 2>&1 || { echo "setup_venv.sh: $python not found (the kernel tests need Python 3)" >&2; exit 1; }
[ -x "$venv/bin/python" ] || "$python" -m venv "$venv" >&2
# shellcheck disable=SC2086
"$venv/bin/python" -m pip install --quiet --disable-pip-version-check $deps >&2
"$venv/bin/python" -c "import jupyter_client, nbclient, nbformat, jupyter_kernel_test" >&2
echo "$deps" > "$stamp"
echo "$venv/bin/python"
