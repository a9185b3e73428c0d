#!/usr/bin/env bash
# Every benchmark, each under its own environment, results in bench/results/ (`./minwon bench`).
#   ./minwon bench                  all of them: nlu backend turn kakao throughput
#   ./minwon bench turn kakao       only those named
# turn and kakao start the whole system (backend, action server, Rasa server) on free loopback
# ports with a throwaway var dir; kakao_latency.py needs a running Rasa server, so it runs inside
# `bench.turn_latency --then`, which starts the same system around it.
# A failing benchmark does not stop the others; the exit status says whether all passed.
set -uo pipefail
ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
cd "$ROOT"
export PYTHONPATH="$ROOT"
export TF_CPP_MIN_LOG_LEVEL="${TF_CPP_MIN_LOG_LEVEL:-2}"
RASA_PY="$ROOT/.venvs/rasa/bin/python"
BACKEND_PY="$ROOT/.venvs/backend/bin/python"
mkdir -p bench/results

selected=("$@")
[ ${#selected[@]} -eq 0 ] && selected=(nlu backend turn kakao throughput)

status=0
run() {
  local name="$1"; shift
  echo "== bench: $name"
  local started=$SECONDS
  if "$@"; then
    echo "== bench: $name done in $((SECONDS - started)) s"
  else
    echo "== bench: $name FAILED (exit $?) after $((SECONDS - started)) s" >&2
    status=1
  fi
}

# Resolve the model once (trained if its inputs changed, cached by their hash) so no benchmark
# measures a training run and turn and kakao measure the same model even if data/ changes
# while they run.
MODEL_ARGS=()
if [[ " ${selected[*]} " =~ " turn " || " ${selected[*]} " =~ " kakao " \
      || " ${selected[*]} " =~ " throughput " ]]; then
  model="$("$RASA_PY" -m scripts.model_cache | tail -n 1)" || exit 1
  [ -f "$model" ] || { echo "no model: $model" >&2; exit 1; }
  echo "== model: $model"
  MODEL_ARGS=(--model "$model")
fi

for name in "${selected[@]}"; do
  case "$name" in
    nlu)     run nlu "$RASA_PY" -m bench.nlu_latency ;;
    backend) run backend "$BACKEND_PY" bench/backend_orders.py ;;
    turn)    run turn "$RASA_PY" -m bench.turn_latency "${MODEL_ARGS[@]}" ;;
    kakao)   run kakao "$RASA_PY" -m bench.turn_latency "${MODEL_ARGS[@]}" --then \
               "$RASA_PY" bench/kakao_latency.py --url '{rasa_url}' \
               --secret "${MINWON_KAKAO_SECRET:-}" ;;
    # rasa init's starter and minwon, 1 and N Rasa processes, FAQ/chat and full mixes, Kakao
    throughput) run throughput "$RASA_PY" -m bench.throughput "${MODEL_ARGS[@]}" \
               --rasa-processes "${MINWON_BENCH_RASA_PROCESSES:-2}" ;;
    *) echo "unknown benchmark '$name' (nlu, backend, turn, kakao, throughput)" >&2; status=2 ;;
  esac
done
exit $status
