#!/usr/bin/env bash
# Usage: bench/answers.sh OUTFILE   (from the root of a syncdoc tree, its venv active; about 40 s)
# Writes what syncdoc answers on every labelled paste set and lookup set, so that two trees can
# be compared with `cmp` / `diff`: a pure speed change must leave OUTFILE byte-identical.
set -euo pipefail
out="$1"
{
# shellcheck disable=SC2046  # one word per set path
python bench/accuracy.py $(python bench/all_pastes.py --sets)
python bench/lookups.py bench/lookups.yaml bench/lookups-2.yaml bench/lookups-3.yaml \
  tests/data/lookups-dev.yaml tests/data/lookups-dev-2.yaml
} > "$out" 2>&1
echo "wrote $out ($(wc -l < "$out") lines)"
python bench/all_pastes.py . > "$out.pastes.jsonl"
syncdoc explain --jsonl < "$out.pastes.jsonl" > "$out.explain.jsonl" || true
echo "wrote $out.explain.jsonl ($(wc -l < "$out.explain.jsonl") answers, sha1 $(sha1sum < "$out.explain.jsonl" | cut -c1-12))"
