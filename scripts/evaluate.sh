#!/usr/bin/env bash
# Regenerates infip's evidence on real data in one command: builds (or finds cached) the model
# zoo with tools/zoo/zoo.py, then runs infip-evaluate on it, which writes docs/results.md (the
# report), docs/figures/*.png and, beside the zoo, results.json (every result).
#
#   scripts/evaluate.sh                    # the full zoo in ~/.cache/infip-zoo
#   scripts/evaluate.sh --smoke            # the tiny CI zoo in /tmp/infip-zoo-smoke
#   scripts/evaluate.sh -- --keys 200      # arguments after -- go to infip-evaluate
#   ZOO_CACHE=/data/zoo ZOO_ARGS="--seeds 3" scripts/evaluate.sh
#   BUILD_DIR=build-release scripts/evaluate.sh   # where infip-evaluate is built (build/)
#   OUT_DIR=/tmp/report scripts/evaluate.sh --smoke   # write somewhere other than docs/
#   RESULTS_JSON=/tmp/results.json scripts/evaluate.sh # default: <zoo cache>/results.json
#
# Trained models and extracted features stay in the zoo cache, outside the repository, so a
# rerun only retrains what changed and only extracts features of new models.
set -euo pipefail
cd "$(dirname "$0")/.."

smoke=0
evaluate_args=()
while [ $# -gt 0 ]; do
  case "$1" in
    --smoke) smoke=1 ;;
    --) shift; evaluate_args=("$@"); break ;;
    -h|--help) sed -n '2,16p' "$0"; exit 0 ;;
    *) echo "evaluate.sh: unknown argument '$1' (see --help)" >&2; exit 2 ;;
  esac
  shift
done

BUILD_DIR="${BUILD_DIR:-build}"
OUT_DIR="${OUT_DIR:-docs}"
EVALUATE="${BUILD_DIR}/tools/evaluate/infip-evaluate"
if [ ! -x "${EVALUATE}" ]; then
  echo "evaluate.sh: ${EVALUATE} is not built; build the infip-evaluate target first" >&2
  exit 1
fi

# LibTorch's OpenMP workers otherwise spin between operations; on a shared 2-core machine that
# spinning took most of the CPU time of both the training and the evaluation.
export OMP_WAIT_POLICY="${OMP_WAIT_POLICY:-PASSIVE}"

zoo_args=()
if [ "${smoke}" = 1 ]; then
  ZOO_CACHE="${ZOO_CACHE:-/tmp/infip-zoo-smoke}"
  zoo_args+=(--smoke)
  # Tiny models need few keys to show the pipeline; the key-count sweep stays within a half.
  # shellcheck disable=SC2054  # the commas belong to one argument
  default_evaluate=(--keys 100 --key-counts 25,50,100,200,500)
else
  ZOO_CACHE="${ZOO_CACHE:-${HOME}/.cache/infip-zoo}"
  default_evaluate=()
fi
# shellcheck disable=SC2206  # ZOO_ARGS is a word list by design
zoo_args+=(--cache "${ZOO_CACHE}" ${ZOO_ARGS:-})

start=$(date +%s)
echo "== zoo: /usr/bin/python3 tools/zoo/zoo.py ${zoo_args[*]}" >&2
/usr/bin/python3 tools/zoo/zoo.py "${zoo_args[@]}"
zoo_done=$(date +%s)

RESULTS_JSON="${RESULTS_JSON:-${ZOO_CACHE}/results.json}"
mkdir -p "${OUT_DIR}/figures"
# Figures of an earlier run (another zoo, other composites) must not linger beside new ones.
rm -f "${OUT_DIR}"/figures/assim-*.png "${OUT_DIR}"/figures/fingerprints-*.png
echo "== evaluation: ${EVALUATE}" >&2
"${EVALUATE}" --manifest "${ZOO_CACHE}/manifest.json" \
  --out "${RESULTS_JSON}" --report "${OUT_DIR}/results.md" \
  --figures "${OUT_DIR}/figures" \
  "${default_evaluate[@]+"${default_evaluate[@]}"}" \
  "${evaluate_args[@]+"${evaluate_args[@]}"}"
end=$(date +%s)
echo "== done: zoo $((zoo_done - start)) s, evaluation $((end - zoo_done)) s;" \
  "${OUT_DIR}/results.md, ${OUT_DIR}/figures/, ${RESULTS_JSON}" >&2
