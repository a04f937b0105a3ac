#!/usr/bin/env bash
# The GPU checks in one call, for a CUDA host whose Python already has PyTorch
# (and NumPy, SciPy, scikit-learn, pytest, hypothesis), but no network:
#   1. the device tests (tests/test_devices.py, tests/test_graphs.py, the gpu-marked tests);
#   2. `scatkit bench --device cuda` against Kymatio 0.3.0's torch frontend on the GPU;
#   3. the CUDA chunk budget sweep (benchmarks/gpu_chunks.py; CHUNK_BUDGETS, MiB, picks the
#      budgets; step "chunks-graph": the same, replayed from CUDA graphs), and with step "graphs"
#      the kernel count, busy time and CUDA-graph replay
#      time of each transform (benchmarks/gpu_graphs.py);
#   4. the CIFAR-10 hybrid and pixel CNNs at several epoch budgets on the GPU
#      (scripts/cifar10_cnn_budget.py --device cuda);
#   5. the whole test suite, as far as the time left allows.
# What it needs next to the repository, in CARRY (default .devcarry/):
#   kymatio-0.3.0-py3-none-any.whl, and for step 3 cifar10_jpg.tar.gz (the shared
#   data's cifar10_jpg.tar, gzipped: 19.6 MB instead of 92.7) with SHA256SUMS.
# Logs and JSON go to $OUT (default /tmp/scatkit-gpu). Steps are time-boxed
# (seconds: T_TESTS, T_BENCH, T_CHUNKS, T_CIFAR; the suite gets what is left of TOTAL)
# so that one hang cannot eat the rest.  Measured on an H200 (2026-11-30): tests 41 s,
# bench 119 s at 7 repeats, and 15 repeats ran past 200 s in their last workload (about 12 s
# per repeat over the five workloads, plus about 35 s of building), chunks 13 s, cifar 148 s
# (30,10,2 epochs), suite 96 s; a call's start costs about 30 s more.  Give T_BENCH about
# 15 s per repeat plus 60 s.
# TESTS (the test files of step 1) and BENCH_REPEATS (default 7) may be set too.
# Usage: bash scripts/gpu_session.sh [STEPS] with STEPS a subset of
# "tests bench chunks chunks-graph graphs cifar suite" (default: all but chunks-graph, in that
# order).
set -u
CARRY=${CARRY:-.devcarry}
OUT=${OUT:-/tmp/scatkit-gpu}
STEPS=${1:-"tests bench chunks graphs cifar suite"}
mkdir -p "$OUT"
export PYTHONPATH="$PWD/src" PYTHONUNBUFFERED=1 PYTHONDONTWRITEBYTECODE=1
PY=${PYTHON:-python3}
t0=$(date +%s)
stamp() { echo "== $(( $(date +%s) - t0 )) s: $*"; }

stamp "environment"
nvidia-smi --query-gpu=name,driver_version,memory.total,clocks.sm,clocks.max.sm --format=csv \
  | tee "$OUT/env.txt"
$PY -c "import torch, numpy, scipy, sys; print('python', sys.version.split()[0], 'torch', torch.__version__, 'cuda', torch.version.cuda, torch.cuda.get_device_name(), 'numpy', numpy.__version__, 'scipy', scipy.__version__)" \
  | tee -a "$OUT/env.txt"
nproc | tee -a "$OUT/env.txt"
KYSITE=/tmp/kysite
$PY -m pip install -q --no-index --no-deps --no-compile --target "$KYSITE" "$CARRY"/kymatio-0.3.0-py3-none-any.whl \
  || echo "kymatio wheel not installed: the benchmark runs without the peer"
# the peer runs under the same Python, with Kymatio on its path only
cat > /tmp/kypython <<EOS
#!/bin/sh
PYTHONPATH=$KYSITE exec $PY "\$@"
EOS
chmod +x /tmp/kypython

case " $STEPS " in *" tests "*)
  stamp "device tests"
  timeout "${T_TESTS:-90}" $PY -m pytest -q -p no:cacheprovider -rfE \
    ${TESTS:-tests/test_devices.py tests/test_graphs.py tests/test_scattering.py::test_cuda_matches_cpu} -m "" 2>&1 \
    | tee "$OUT/tests.log" | tail -40
esac

case " $STEPS " in *" bench "*)
  stamp "benchmark on CUDA"
  timeout "${T_BENCH:-180}" $PY -m scatkit bench 2d-small 2d-large 1d-small 1d-large 3d \
    --device cuda --peer-python /tmp/kypython --repeats "${BENCH_REPEATS:-7}" --json "$OUT/bench_cuda.json" \
    2>&1 | tee "$OUT/bench_cuda.log" | grep -v "repeat .* done"
esac

case " $STEPS " in *" chunks "*)
  stamp "CUDA chunk budgets"
  timeout "${T_CHUNKS:-50}" $PY benchmarks/gpu_chunks.py ${CHUNK_BUDGETS:+--budgets "$CHUNK_BUDGETS"} \
    2>&1 | tee "$OUT/chunks.md"
esac

case " $STEPS " in *" chunks-graph "*)
  stamp "CUDA chunk budgets, replayed from CUDA graphs"
  timeout "${T_CHUNKS:-50}" $PY benchmarks/gpu_chunks.py --graph ${CHUNK_BUDGETS:+--budgets "$CHUNK_BUDGETS"} \
    2>&1 | tee "$OUT/chunks_graph.md"
esac

case " $STEPS " in *" graphs "*)
  stamp "kernels, busy time and CUDA graphs"
  timeout "${T_GRAPHS:-120}" $PY benchmarks/gpu_graphs.py 2>&1 | tee "$OUT/graphs.md"
esac

case " $STEPS " in *" cifar "*)
  stamp "CIFAR-10 budgets on CUDA"
  mkdir -p /tmp/data/cifar10
  gunzip -c "$CARRY/cifar10_jpg.tar.gz" > /tmp/data/cifar10/cifar10_jpg.tar
  cp "$CARRY/SHA256SUMS" /tmp/data/cifar10/ 2>/dev/null
  (cd /tmp/data/cifar10 && sha256sum -c SHA256SUMS)
  SCATKIT_DATA=/tmp/data timeout "${T_CIFAR:-200}" $PY scripts/cifar10_cnn_budget.py \
    /tmp/c10 "${CIFAR_EPOCHS:-30,10,2}" hybrid pixel --device cuda --json "$OUT/cifar_cuda.json" \
    2>&1 | tee "$OUT/cifar.log" | grep -v "^\s*$" | tail -12
esac

case " $STEPS " in *" suite "*)
  left=$(( ${TOTAL:-560} - ($(date +%s) - t0) ))
  stamp "whole test suite (${left} s left)"
  [ "$left" -lt 10 ] && left=10
  SCATKIT_DATA=/tmp/data timeout "$left" $PY -m pytest -q -p no:cacheprovider -m "not slow" \
    --maxfail=10 -rfE tests/ 2>&1 | tee "$OUT/suite.log" | tail -15
esac
stamp "done"
