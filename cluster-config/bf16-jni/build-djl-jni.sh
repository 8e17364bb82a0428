#!/usr/bin/env bash
# Builds DJL 0.35.1's PyTorch JNI library (libdjl_torch.so) with bf16 support, for SparkFT's bf16 modes
# (model.options.precision: bf16), against a libtorch of your choice. DJL's own JNI library maps no bf16 dtype:
# djl-0.35.1-bf16.patch (beside this script) adds the two cases. Inputs, both from outside this repository
# (docs/cluster.md, "bf16", says where to get them):
#   --djl-src DIR    a DJL source tree at tag v0.35.1 (git clone --branch v0.35.1 https://github.com/deepjavalibrary/djl)
#   --libtorch DIR   a libtorch with headers: the unzipped libtorch from pytorch.org, or a pip torch's
#                    site-packages/torch (python3 -c 'import torch, os; print(os.path.dirname(torch.__file__))')
#   --out DIR        where libdjl_torch.so goes (default: ./djl-jni-build/out)
#   --jar FILE       a jar with DJL 0.35.1's classes, to generate the JNI header (default: the SparkFT
#                    application jar, dist/target/sparkft-*.jar); not needed when the tree already has
#                    engines/pytorch/pytorch-native/build/include/ai_djl_pytorch_jni_PyTorchLibrary.h
#   --flavor F       cpu (default), or cuXYZ for a CUDA libtorch (the PYTORCH_FLAVOR that DJL looks for)
# Needs: bash, patch, cmake >= 3.18, ninja or make, a C++17 compiler, a JDK 17 (javac, JNI headers).
# Prints the four executor settings that bind DJL to the library (spark-defaults.conf lines).
set -euo pipefail

usage() { sed -n '2,17p' "$0" >&2; exit 2; }
HERE=$(cd "$(dirname "$0")" && pwd)
ROOT=$(cd "$HERE/../.." && pwd)
DJL_SRC="" LIBTORCH="" OUT="" JAR="" FLAVOR=""
while [[ $# -gt 0 ]]; do
  case $1 in
    --djl-src) DJL_SRC=$2; shift 2 ;;
    --libtorch) LIBTORCH=$2; shift 2 ;;
    --out) OUT=$2; shift 2 ;;
    --jar) JAR=$2; shift 2 ;;
    --flavor) FLAVOR=$2; shift 2 ;;
    *) usage ;;
  esac
done
[[ -n $DJL_SRC && -n $LIBTORCH ]] || usage
fail() { echo "build-djl-jni: $*" >&2; exit 1; }

NATIVE=engines/pytorch/pytorch-native
[[ -f $DJL_SRC/$NATIVE/CMakeLists.txt && -f $DJL_SRC/api/src/main/native/djl/utils.h ]] \
  || fail "$DJL_SRC is not a DJL source tree (no $NATIVE/CMakeLists.txt or api/src/main/native/djl/utils.h)"
[[ -d $LIBTORCH/share/cmake/Torch && -d $LIBTORCH/include/torch ]] \
  || fail "$LIBTORCH holds no libtorch headers and cmake files (share/cmake/Torch, include/torch)"
TORCH_VERSION=$(sed -n 's/^set(PACKAGE_VERSION "\([0-9][0-9.]*\).*/\1/p' "$LIBTORCH/share/cmake/Torch/TorchConfigVersion.cmake")
[[ -n $TORCH_VERSION ]] || fail "no PACKAGE_VERSION in $LIBTORCH/share/cmake/Torch/TorchConfigVersion.cmake"
if [[ -z $FLAVOR ]]; then
  ls "$LIBTORCH"/lib/libtorch_cuda.so >/dev/null 2>&1 && fail "a CUDA libtorch: pass --flavor cuXYZ (e.g. cu128 for CUDA 12.8)"
  FLAVOR=cpu
fi
OUT=${OUT:-$PWD/djl-jni-build/out}
BUILD=$(mktemp -d "${TMPDIR:-/tmp}/djl-jni-build.XXXXXX")
trap 'rm -rf "$BUILD"' EXIT

# A copy of the two native folders, patched: the DJL tree itself is left as it is.
mkdir -p "$BUILD/src/engines/pytorch" "$BUILD/src/api/src/main"
cp -r "$DJL_SRC/$NATIVE" "$BUILD/src/engines/pytorch/"
cp -r "$DJL_SRC/api/src/main/native" "$BUILD/src/api/src/main/"
(cd "$BUILD/src" && patch -p1 --forward --quiet < "$HERE/djl-0.35.1-bf16.patch") \
  || fail "djl-0.35.1-bf16.patch does not apply to $DJL_SRC: is it DJL v0.35.1 (git -C $DJL_SRC describe --tags)?"

# The JNI header, which DJL's Gradle build generates from PyTorchLibrary.java.
HEADER=$BUILD/src/$NATIVE/build/include/ai_djl_pytorch_jni_PyTorchLibrary.h
if [[ ! -f $HEADER ]]; then
  SRC=$DJL_SRC/engines/pytorch/pytorch-engine/src/main/java/ai/djl/pytorch/jni/PyTorchLibrary.java
  [[ -f $SRC ]] || fail "no $SRC to generate the JNI header from"
  if [[ -z $JAR ]]; then
    JAR=$(ls "$ROOT"/dist/target/sparkft-*.jar 2>/dev/null | grep -v original | head -1 || true)
  fi
  [[ -f $JAR ]] || fail "pass --jar: a jar with DJL 0.35.1's classes (build the application jar: mvn -B package -DskipTests)"
  mkdir -p "$(dirname "$HEADER")" "$BUILD/classes"
  javac -h "$(dirname "$HEADER")" -d "$BUILD/classes" -cp "$JAR" "$SRC" || fail "javac -h on $SRC failed"
fi

JAVA_HOME=${JAVA_HOME:-$(dirname "$(dirname "$(readlink -f "$(command -v javac)")")")}
GENERATOR="Unix Makefiles"; command -v ninja >/dev/null && GENERATOR=Ninja
echo "build-djl-jni: building against libtorch $TORCH_VERSION ($FLAVOR) in $LIBTORCH"
(cd "$BUILD" && mkdir cmake && cd cmake \
  && cmake -G "$GENERATOR" -DCMAKE_BUILD_TYPE=Release -DCMAKE_POLICY_VERSION_MINIMUM=3.5 \
       -DCMAKE_PREFIX_PATH="$LIBTORCH" \
       -DJAVA_HOME="$JAVA_HOME" -DJAVA_INCLUDE_PATH="$JAVA_HOME/include" \
       -DJAVA_INCLUDE_PATH2="$JAVA_HOME/include/linux" -DJAVA_JVM_LIBRARY="$JAVA_HOME/lib/server/libjvm.so" \
       "$BUILD/src/$NATIVE" > "$BUILD/build.log" 2>&1 \
  && cmake --build . -j "$(nproc)" >> "$BUILD/build.log" 2>&1) \
  || { tail -40 "$BUILD/build.log" >&2; fail "the build failed (last lines above)"; }
mkdir -p "$OUT"
cp "$BUILD/cmake/libdjl_torch.so" "$OUT/libdjl_torch.so.tmp" && mv "$OUT/libdjl_torch.so.tmp" "$OUT/libdjl_torch.so"
echo "build-djl-jni: wrote $OUT/libdjl_torch.so"
cat <<MSG
Install it on every executor node as \$DJL_CACHE_DIR/pytorch/$TORCH_VERSION-$FLAVOR-linux-x86_64/0.35.1-libdjl_torch.so
and bind DJL to that libtorch (cluster-config/spark-defaults.conf):
spark.executorEnv.PYTORCH_LIBRARY_PATH   $LIBTORCH/lib
spark.executorEnv.PYTORCH_VERSION        $TORCH_VERSION
spark.executorEnv.PYTORCH_FLAVOR         $FLAVOR
spark.executorEnv.DJL_CACHE_DIR          <the cache folder above>
MSG
