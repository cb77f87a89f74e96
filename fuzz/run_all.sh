#!/usr/bin/env bash
# Fuzz every reader for SECONDS each (default 600), two targets at a time, with corpora seeded
# from the test data; prints each target's executions and whether it found a crash.
#   fuzz/run_all.sh [SECONDS] [TARGET...]
set -euo pipefail
cd "$(dirname "$0")"
seconds="${1:-600}"
shift || true
targets=("$@")
[ ${#targets[@]} -gt 0 ] || targets=(nifti_bytes npy_bytes bdata_file safetensors_file image_file table_file captions_file)
command -v cargo-fuzz >/dev/null || cargo install cargo-fuzz
seed() {
    mkdir -p "corpus/$1"
    shift
    for f in "$@"; do [ -f "$f" ] && cp "$f" corpus/"$target"/ || true; done
}
for target in "${targets[@]}"; do
    case "$target" in
        nifti_bytes) seed "$target" ../tests/data/nifti/generated/* ../tests/data/nifti/standard.nii.gz ;;
        npy_bytes) seed "$target" ../tests/data/npy/* ;;
        bdata_file) seed "$target" ../tests/data/*.h5 ;;
        safetensors_file) seed "$target" ../tests/data/clip/tiny/*.safetensors ;;
        image_file) seed "$target" ../tests/data/clip/photos/* ;;
        table_file) seed "$target" ../tests/data/nifti/*.tsv ;;
        captions_file) seed "$target" ../tests/data/clip/*.json ;;
    esac
done
RUSTC_BOOTSTRAP=1 cargo fuzz build -a 2>&1 | tail -1
run() {
    local rc=0
    RUSTC_BOOTSTRAP=1 cargo fuzz run -a "$1" "corpus/$1" -- -max_total_time="$seconds" -max_len=65536 \
        -rss_limit_mb=2048 -print_final_stats=1 > "logs/$1.log" 2>&1 || rc=$?
    echo "$1: exit $rc, $(grep -o 'stat::number_of_executed_units: *[0-9]*' "logs/$1.log" | grep -o '[0-9]*$') executions in ${seconds} s"
}
mkdir -p logs
for ((i = 0; i < ${#targets[@]}; i += 2)); do
    run "${targets[i]}" &
    [ $((i + 1)) -lt ${#targets[@]} ] && run "${targets[i + 1]}" &
    wait
done
