#!/usr/bin/env bash
# brainclip against the Python reference on the same work, side by side in one run: training
# (PyTorch), the CLIP image encoder (transformers), ridge with cross-validated penalties
# (himalaya, numpy backend), retrieval (numpy), start-up, memory and .nii.gz reading (nibabel).
#
#   benches/run.sh [--rounds 3] [--epochs 8] [--only train,clip,ridge,retrieval,startup,nifti]
#                  [--device cpu:libtorch]
#
# --device picks brainclip's backend for the peak, training and CLIP rows (default `cpu`, the
# default device a user gets: cpu:flex); the other workloads do not run on a burn backend.
#
# Both sides get the same data (exported once by brainclip into target/bench-data), the same
# hyper-parameters and the same number of threads (all cores); each round runs every workload on
# both sides, alternating which goes first. Prints one table (median and range over rounds,
# ratio brainclip / reference, peak RSS, accuracy of both) and saves it with every raw line in
# target/bench-results/. Not part of the test suite.
#
# The reference runs in its own environment, target/bench-venv (numpy, himalaya, threadpoolctl,
# transformers, nibabel; torch 2.9.0 from target/torch-venv, which scripts/test.sh creates).
# OPENBLAS_CORETYPE / OPENBLAS_L2_SIZE are unset so numpy runs its fastest kernel (the table
# names the BLAS it used). brainclip is the test suite's build (`--features tch`, default device
# cpu = cpu:flex); CARGO_TARGET_DIR is honoured.
set -euo pipefail
cd "$(dirname "$0")/.."
rounds=3 epochs=8 only="train,clip,ridge,retrieval,startup,nifti" device=cpu
while [ $# -gt 0 ]; do
    case "$1" in
        --rounds) rounds="$2"; shift 2 ;;
        --epochs) epochs="$2"; shift 2 ;;
        --only) only="$2"; shift 2 ;;
        --device) device="$2"; shift 2 ;;
        *) echo "unknown option $1 (see the header of $0)" >&2; exit 2 ;;
    esac
done
wants() { case ",$only," in *",$1,"*) return 0 ;; *) return 1 ;; esac; }
unset OPENBLAS_CORETYPE OPENBLAS_L2_SIZE
threads=$(nproc)

source scripts/libtorch-env.sh
torch_site="$(python -c 'import site; print(site.getsitepackages()[0])')"
venv="$PWD/target/bench-venv"
if ! "$venv/bin/python" -c 'import torch, numpy, himalaya, threadpoolctl, transformers, nibabel, packaging' 2>/dev/null; then
    echo "creating $venv (numpy, himalaya, threadpoolctl, transformers, nibabel; torch from $torch_site)…" >&2
    python3 -m venv "$venv"
    # torch (3 GB) is shared with the test suite's environment instead of downloaded again.
    echo "$torch_site" > "$("$venv/bin/python" -c 'import site; print(site.getsitepackages()[0])')/torch-venv.pth"
    "$venv/bin/pip" install --quiet --disable-pip-version-check numpy himalaya threadpoolctl transformers nibabel packaging
fi
py="$venv/bin/python"

echo "building brainclip (the test suite's build)…" >&2
bin=$(cargo build --features tch --bench compare --bin brainclip --message-format=json 2>/dev/null \
    | "$py" -c 'import json,sys
for l in sys.stdin:
    m = json.loads(l)
    if m.get("reason") == "compiler-artifact" and m["target"]["name"] == "compare" and m.get("executable"):
        print(m["executable"])')
brainclip_bin=$(dirname "$(dirname "$bin")")/brainclip
[ -x "$bin" ] && [ -x "$brainclip_bin" ] || { echo "build failed: run cargo build --features tch --bench compare" >&2; exit 1; }

data="$PWD/target/bench-data"
out="$PWD/target/bench-results"
mkdir -p "$data" "$out"
[ -f "$data/ridge_encoding/test_y.npy" ] || "$bin" export "$data" > /dev/null
wants clip && { [ -f "$data/clip_b32/model.safetensors" ] || "$py" benches/reference/make_clip_b32.py "$data/clip_b32" >&2; }
series="$data/series_64x64x40x200_int16.nii.gz"
wants nifti && { [ -f "$series" ] || "$py" benches/reference/make_series.py "$series" >&2; }
cat > "$data/startup.rhai" <<'EOF'
print(1 + 1);
EOF

results="$out/results.jsonl"
: > "$results"
# record ROUND ORDER KEY CMD...: run CMD, tag its JSON line with the round and the key.
record() {
    local round="$1" key="$2"; shift 2
    local line
    if line=$("$@" 2> "$out/last-stderr.txt" | tail -n 1) && [ -n "$line" ]; then
        "$py" -c 'import json,sys; m=json.loads(sys.argv[1]); m["round"]=int(sys.argv[2]); m["key"]=sys.argv[3]; print(json.dumps(m))' \
            "$line" "$round" "$key" >> "$results"
    else
        echo "failed: $* (see $out/last-stderr.txt)" >&2
        tail -n 5 "$out/last-stderr.txt" >&2
    fi
}
# pair ROUND KEY "BRAINCLIP CMD" "REFERENCE CMD": both, in an order that alternates by round.
pair() {
    local round="$1" key="$2" ours="$3" theirs="$4"
    if [ $((round % 2)) -eq 1 ]; then
        record "$round" "$key" bash -c "$ours"; record "$round" "$key" bash -c "$theirs"
    else
        record "$round" "$key" bash -c "$theirs"; record "$round" "$key" bash -c "$ours"
    fi
}

for round in $(seq 1 "$rounds"); do
    echo "== round $round of $rounds" >&2
    if wants train; then
        pair "$round" peak "'$bin' peak --device $device" "'$py' benches/reference/sgemm_peak.py --threads $threads"
        for net in "4500 512 2" "4000 1024 2"; do
            set -- $net
            for batch in 64 128; do
                pair "$round" "train v$1 w$2 b$batch" \
                    "'$bin' train --voxels $1 --width $2 --blocks $3 --batch $batch --epochs $epochs --device $device" \
                    "'$py' benches/reference/train_mapping.py '$data/god_$1' --width $2 --blocks $3 --batch-size $batch --epochs $epochs --threads $threads --json"
            done
        done
    fi
    if wants clip; then
        pair "$round" clip "'$bin' clip '$data/clip_b32' --repeats 3 --device $device" \
            "'$py' benches/reference/clip_encoder.py 3 $threads --model '$data/clip_b32' --json"
    fi
    if wants ridge; then
        for mode in "god shared" "encoding per-target"; do
            set -- $mode
            pair "$round" "ridge $1 $2" "'$bin' ridge '$data/ridge_$1' --mode $2 --repeats 1" \
                "'$py' benches/reference/ridge_cv.py '$data/ridge_$1' --mode $2 --repeats 1 --threads $threads --json"
        done
    fi
    if wants retrieval; then
        pair "$round" retrieval "'$bin' retrieval '$data'" "'$py' benches/reference/retrieval_eval.py 30 --json"
    fi
    if wants startup; then
        pair "$round" startup "'$py' benches/reference/process_cost.py brainclip '$brainclip_bin' script '$data/startup.rhai' --out '$out/startup-run'" \
            "'$py' benches/reference/process_cost.py pytorch '$py' -c 'import torch; print(1 + 1)'"
    fi
    if wants nifti; then
        pair "$round" nifti "'$bin' nifti '$series'" \
            "'$py' benches/reference/nifti_read.py '$series' | awk '{sub(\"MB/s=\", \"\", \$4); printf \"{\\\"implementation\\\": \\\"nibabel\\\", \\\"workload\\\": \\\"nifti\\\", \\\"mb_per_s\\\": %s}\\n\", \$4}'"
    fi
done
"$py" benches/table.py "$results" | tee "$out/table.md"
