#!/usr/bin/env bash
# The fuzz runs of BENCHMARKS.md: seeds fuzz/corpus/ from files in the repo and ../shared/data,
# then runs each cargo-fuzz target for SECONDS (default 600), one after another, release build
# without a sanitizer (the crate forbids `unsafe`; a panic is what we look for).
#
# Usage: scripts/fuzz.sh [TARGET...]   targets: understand client_frame replay_script import
# Environment: SECONDS_EACH (default 600). Needs cargo-fuzz (`cargo install cargo-fuzz`) and jq.
# A crash, out-of-memory or timeout input is kept by libFuzzer in fuzz/artifacts/TARGET/; the
# other targets still run, and the script exits non-zero. A build failure also fails it.
set -euo pipefail
cd "$(dirname "$0")/.."
SECONDS_EACH=${SECONDS_EACH:-600}
TARGETS=("$@")
[ ${#TARGETS[@]} -eq 0 ] && TARGETS=(understand client_frame replay_script import)
SHARED=../shared/data
C=fuzz/corpus
mkdir -p "$C/understand" "$C/client_frame" "$C/replay_script" "$C/import"

# Seeds: shopper messages and frames from the conversation scripts, the scripts themselves,
# and catalog files (the import target's first byte picks the format: 0 CSV, 1 Shopify,
# 2 Google, 3 JSONL; +4 adds a currency).
n=0
for script in tests/conversations/*.yaml; do
  cp "$script" "$C/replay_script/$(basename "$script")"
  grep -E '^\s*-?\s*say:' "$script" | sed -E 's/^\s*-?\s*say:\s*//; s/^"(.*)"$/\1/' | while IFS= read -r line; do
    n=$((n + 1))
    printf '%s' "$line" > "$C/understand/$(basename "$script" .yaml)-$n"
    printf '{"type":"say","text":%s}' "$(jq -Rn --arg t "$line" '$t')" > "$C/client_frame/$(basename "$script" .yaml)-$n"
  done || true # a script may have no `say` line
done
printf '{"type":"hello","shopper":null,"session":null,"context":{"page":"home"}}' > "$C/client_frame/hello"
printf '{"type":"answer","slot":"budget","value":{"max":25}}' > "$C/client_frame/answer"
seed_import() { # PICK NAME FILE: the first 64 KiB of FILE behind the format byte
  [ -f "$3" ] || { echo "note: $3 absent, not seeded"; return 0; }
  { printf "\\x$(printf %02x "$1")"; head -c 65536 "$3"; } > "$C/import/$2"
}
seed_import 4 amazon-csv "$SHARED/amazon-uk-toys.csv"
seed_import 0 flipkart-csv "$SHARED/flipkart-products.csv"
for f in "$SHARED"/shopify/*.csv; do seed_import 1 "shopify-$(basename "$f")" "$f"; done
for f in tests/fixtures/google/*; do seed_import 6 "google-$(basename "$f")" "$f"; done
seed_import 3 demo-jsonl catalog/demo.jsonl

cd fuzz
failed=()
for target in "${TARGETS[@]}"; do
  echo "== $target: ${SECONDS_EACH} s"
  mkdir -p "artifacts/$target"
  before=$(ls "artifacts/$target" | wc -l)
  set +e
  RUSTC_BOOTSTRAP=1 cargo fuzz run -s none "$target" "corpus/$target" -- \
    -max_total_time="$SECONDS_EACH" -print_final_stats=1 > "artifacts/$target.log" 2>&1
  status=$?
  set -e
  grep -E '^(#[0-9]+ +DONE|stat::number_of_executed_units|stat::peak_rss|SUMMARY|.*deadly signal|.*panicked)' \
    "artifacts/$target.log" || true
  after=$(ls "artifacts/$target" | wc -l)
  if [ "$status" -ne 0 ] || [ "$after" -gt "$before" ]; then
    echo "$target failed (exit $status; new inputs in fuzz/artifacts/$target/; log: fuzz/artifacts/$target.log)"
    failed+=("$target")
  fi
done
[ ${#failed[@]} -eq 0 ] || { echo "failed: ${failed[*]}"; exit 1; }
