#!/usr/bin/env bash
# One command from a fresh Debian/Ubuntu machine to a real benchmark on the default simulated board.
#
#   ./quickstart.sh            set up (system packages, .venv, models) and run the default benchmark
#   ./quickstart.sh --setup    set up only (what CI does before running the tests)
#
# Why a script and not a Makefile: a fresh machine may not even have make; bash is always there.
set -euo pipefail
cd "$(dirname "$0")"

setup_only=0
[ "${1:-}" = "--setup" ] && setup_only=1

APT_PACKAGES=(
  gcc make                                   # host board build
  gcc-arm-none-eabi libnewlib-arm-none-eabi  # Cortex-M firmware
  qemu-system-arm                            # simulated boards (mps2-an386, mps3-an547)
  gdb-multiarch openocd                      # flashers: GDB remote (also into Renode twins), OpenOCD
  flite espeak-ng                            # offline KWS CI set: synthesized keywords
  chromium                                   # leaderboard site check in headless Chromium
  python3-venv python3-pip
)

need_apt=0
for tool in gcc make arm-none-eabi-gcc qemu-system-arm gdb-multiarch openocd flite espeak-ng chromium; do
  command -v "$tool" >/dev/null 2>&1 || need_apt=1
done
if [ "$need_apt" = 1 ]; then
  SUDO=""
  [ "$(id -u)" = 0 ] || SUDO="sudo"
  echo "== installing system packages: ${APT_PACKAGES[*]}"
  $SUDO apt-get update -qq
  DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -qq --no-install-recommends "${APT_PACKAGES[@]}" >/dev/null
fi

# Renode (simulated real boards, `kind: renode`): in no registry. On this project's machines
# ../shared/renode carries a build of Renode 1.16.1 (Mono): install the Mono runtime from apt and
# unpack it into .tools/ (sha256-checked). Elsewhere: say where official releases are.
RENODE_TARBALL=../shared/renode/renode-1.16.1-mono-cortexm.tar.xz
RENODE_SHA256=9d22b864a54dfa90bc153761fcb3e8452095dcae4ad9999a40b63af5239a6d30
MONO_PACKAGES=(
  mono-runtime libmono-corlib4.5-cil libmono-system4.0-cil libmono-system-core4.0-cil
  libmono-system-xml4.0-cil libmono-system-xml-linq4.0-cil libmono-system-numerics4.0-cil
  libmono-system-drawing4.0-cil libmono-system-configuration4.0-cil libmono-system-runtime4.0-cil
  libmono-system-runtime-serialization4.0-cil libmono-system-servicemodel4.0a-cil
  libmono-system-web4.0-cil libmono-system-xaml4.0-cil libmono-microsoft-csharp4.0-cil
  libmono-posix4.0-cil libmono-security4.0-cil
)
if [ -n "${TINYBENCH_RENODE:-}" ] || command -v renode >/dev/null 2>&1 || ls .tools/renode*/renode >/dev/null 2>&1; then
  : # Renode already available
elif [ -f "$RENODE_TARBALL" ]; then
  echo "== installing Renode from $RENODE_TARBALL into .tools/"
  echo "$RENODE_SHA256  $RENODE_TARBALL" | sha256sum -c --quiet -
  if ! command -v mono >/dev/null 2>&1; then
    SUDO=""
    [ "$(id -u)" = 0 ] || SUDO="sudo"
    $SUDO apt-get update -qq
    DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -qq --no-install-recommends "${MONO_PACKAGES[@]}" >/dev/null
  fi
  mkdir -p .tools
  tar xJf "$RENODE_TARBALL" -C .tools
else
  echo "== Renode not found: Renode boards (renode-*) will not run. Install an official release:"
  echo "   https://github.com/renode/renode/releases (Linux portable package; put its renode on PATH"
  echo "   or set TINYBENCH_RENODE=/path/to/renode). See docs/ci.md."
fi

PY="${PYTHON:-python3}"
if [ ! -x .venv/bin/python ]; then
  echo "== creating .venv"
  "$PY" -m venv .venv
fi
echo "== installing tinybench and its test dependencies into .venv"
.venv/bin/python -m pip install -q --upgrade pip >/dev/null
.venv/bin/python -m pip install -q -e '.[test]'

echo "== fetching the official MLPerf Tiny models (sha256-checked)"
if [ -d ../shared/mlperf-tiny/models ]; then
  .venv/bin/tinybench fetch models --from ../shared/mlperf-tiny/models
else
  .venv/bin/tinybench fetch models
fi

[ "$setup_only" = 1 ] && exit 0

echo "== default benchmark: KWS performance run on the simulated Cortex-M4 board (QEMU mps2-an386)"
exec .venv/bin/tinybench run --board qemu-mps2-an386 --workload kws01 --mode performance
