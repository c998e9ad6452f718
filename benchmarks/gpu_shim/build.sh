#!/bin/bash
# Builds the wheels benchmarks/gpu_check.py needs on a CUDA 13 GPU machine without network
# into .whl/ at the repo root (git-ignored; carried to the device, 35 MB), on the CPU machine:
#  1. faiss-gpu 1.15.1 (CUDA 12) with every fatbin image but the sm_90 cubin zeroed (135 MB -> 35 MB);
#  2. cu12-on-cu13-shim: the real libcudart.so.12 (nvidia-cuda-runtime-cu12 12.9.79) plus
#     stand-ins libcublas.so.12 (forwards to cuBLAS 13), libcublasLt.so.12 and libcurand.so.10 (empty),
#     laid out as nvidia/{cuda_runtime,cublas,curand}/lib like the cu12 wheels faiss-gpu preloads.
set -euo pipefail
SRC="$(cd "$(dirname "$0")" && pwd)"
mkdir -p "$SRC/../../.whl" && cd "$SRC/../../.whl"
W=$(mktemp -d)
P="--no-deps --only-binary=:all: --python-version 3.12 --implementation cp --platform manylinux_2_28_x86_64 --platform manylinux_2_27_x86_64 --platform manylinux_2_17_x86_64 --platform manylinux2014_x86_64"
python3 -m pip download $P -d "$W/dl" faiss-gpu==1.15.1 nvidia-cuda-runtime-cu12==12.9.79
mkdir "$W/faiss" && (cd "$W/faiss" && unzip -q "$W"/dl/faiss_gpu-1.15.1-*.whl)
python3 $SRC/strip_fatbin.py "$W/faiss/faiss/libfaiss.so" 90
python3 $SRC/repack.py "$W/faiss" faiss_gpu-1.15.1-1sm90-cp310-abi3-manylinux_2_27_x86_64.manylinux_2_28_x86_64.whl

S="$W/shim"; D="$S/cu12_on_cu13_shim-0.1.dist-info"
mkdir -p "$S"/nvidia/{cuda_runtime,cublas,curand}/lib "$D"
(cd "$W" && unzip -q -o dl/nvidia_cuda_runtime_cu12-*.whl 'nvidia/cuda_runtime/lib/libcudart.so.12' -d rt)
cp "$W/rt/nvidia/cuda_runtime/lib/libcudart.so.12" "$S/nvidia/cuda_runtime/lib/"
for m in cuda_runtime cublas curand; do echo "# cu12-on-cu13 shim" > "$S/nvidia/$m/__init__.py"; done
gcc -O2 -shared -fPIC -Wl,-soname,libcublas.so.12 -Wl,--version-script=$SRC/cublas12.map \
    -o "$S/nvidia/cublas/lib/libcublas.so.12" $SRC/cublas12_shim.c -ldl
gcc -O2 -shared -fPIC -Wl,-soname,libcublasLt.so.12 -o "$S/nvidia/cublas/lib/libcublasLt.so.12" $SRC/empty.c
gcc -O2 -shared -fPIC -Wl,-soname,libcurand.so.10 -o "$S/nvidia/curand/lib/libcurand.so.10" $SRC/empty.c
printf 'Metadata-Version: 2.1\nName: cu12-on-cu13-shim\nVersion: 0.1\nSummary: libcudart.so.12 + cuBLAS 12 stand-ins forwarding to cuBLAS 13 (device check only)\n' > "$D/METADATA"
printf 'Wheel-Version: 1.0\nGenerator: hand\nRoot-Is-Purelib: false\nTag: py3-none-manylinux_2_17_x86_64\n' > "$D/WHEEL"
: > "$D/RECORD"
python3 $SRC/repack.py "$S" cu12_on_cu13_shim-0.1-py3-none-manylinux_2_17_x86_64.whl
rm -rf "$W"
ls -la *.whl
