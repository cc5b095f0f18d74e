#!/usr/bin/env bash
# Set up evidence on this machine: a virtual environment with the package and its test
# dependencies, and a Chromium for captures. Safe to run again (it only does what is missing).
#
#   scripts/setup.sh            # what `make setup` runs
#   VENV=/path PYTHON=python3.12 scripts/setup.sh
#
# Chromium: EVIDENCE_BROWSER if set; else Playwright's own Chromium if `playwright install chromium`
# was run; else a system chromium/chrome; else, as root with apt-get, Debian's `chromium` package;
# else `playwright install chromium`. Tools the tests use to check packs (pdftoppm/pdftotext from
# poppler-utils, Xvfb for the logged-in session test) are installed the same way when root.
set -euo pipefail
cd "$(dirname "$0")/.."
VENV=${VENV:-.venv}
PYTHON=${PYTHON:-python3}

say() { printf '[setup] %s\n' "$*"; }

if ! "$PYTHON" -c 'import sys; sys.exit(sys.version_info < (3, 11))' 2>/dev/null; then
  echo "evidence needs Python 3.11 or newer (set PYTHON=...)" >&2
  exit 1
fi

stamp="$VENV/.installed"
if [ ! -x "$VENV/bin/python" ]; then
  say "creating virtual environment $VENV"
  "$PYTHON" -m venv "$VENV"
fi
if [ ! -f "$stamp" ] || [ pyproject.toml -nt "$stamp" ]; then
  say "installing evidence and its dependencies into $VENV"
  "$VENV/bin/python" -m pip install -q --disable-pip-version-check -e '.[test,browse]'
  touch "$stamp"
fi

is_root() { [ "$(id -u)" = "0" ]; }
apt_install() {
  if is_root && command -v apt-get >/dev/null 2>&1; then
    say "installing Debian packages: $*"
    export DEBIAN_FRONTEND=noninteractive
    apt-get install -y -qq --no-install-recommends "$@" >/dev/null 2>&1 || {
      apt-get update -qq >/dev/null 2>&1
      apt-get install -y -qq --no-install-recommends "$@" >/dev/null
    }
    return 0
  fi
  return 1
}

browser_found() {
  if [ -n "${EVIDENCE_BROWSER:-}" ] && [ -x "$(command -v "$EVIDENCE_BROWSER" || echo "$EVIDENCE_BROWSER")" ]; then
    return 0
  fi
  "$VENV/bin/python" - <<'PY' && return 0
import sys
from evidence.capture.browser import find_browser
from evidence.errors import CaptureError
try:
    info = find_browser()
except CaptureError:
    sys.exit(1)
print(f"[setup] browser: {info.describe()}")
PY
  return 1
}

if ! browser_found; then
  if apt_install chromium; then
    say "installed Debian's chromium"
  else
    say "no Chromium found and not root: running 'playwright install chromium'"
    "$VENV/bin/python" -m playwright install chromium
  fi
  browser_found || { echo "[setup] still no browser: set EVIDENCE_BROWSER to a Chromium or Chrome executable" >&2; exit 1; }
fi

missing=()
command -v pdftoppm >/dev/null 2>&1 || missing+=(poppler-utils)
command -v Xvfb >/dev/null 2>&1 || missing+=(xvfb)
command -v openssl >/dev/null 2>&1 || missing+=(openssl)
command -v unzip >/dev/null 2>&1 || missing+=(unzip)
if [ ${#missing[@]} -gt 0 ]; then
  apt_install "${missing[@]}" || say "not installed (need root): ${missing[*]}; the tests that use them will say so"
fi
fonts=$(fc-list 2>/dev/null | wc -l || echo 0)
if [ "$fonts" = "0" ]; then
  apt_install fonts-dejavu-core || true
fi
# --- webarchive ---
# ReplayWeb.page (npm `replaywebpage`) for the replay test: only its built ui.js and sw.js are
# needed, so the package tarball is fetched from the npm registry with `npm pack` (its development
# dependencies are not installed) and unpacked into .cache/replaywebpage. Never a CDN at run time.
RWP_VERSION=${RWP_VERSION:-2.5.3}
rwp_dir=.cache/replaywebpage
if [ ! -f "$rwp_dir/$RWP_VERSION/ui.js" ] || [ ! -f "$rwp_dir/$RWP_VERSION/sw.js" ]; then
  if command -v npm >/dev/null 2>&1 || apt_install npm; then
    say "fetching replaywebpage@$RWP_VERSION from the npm registry into $rwp_dir"
    rwp_tmp=$(mktemp -d)
    if (cd "$rwp_tmp" && npm pack --silent "replaywebpage@$RWP_VERSION" >/dev/null); then
      mkdir -p "$rwp_dir/$RWP_VERSION"
      tar -xzf "$rwp_tmp"/replaywebpage-*.tgz -C "$rwp_dir/$RWP_VERSION" --strip-components=1 \
        package/ui.js package/sw.js package/LICENSE package/package.json
    else
      say "could not fetch replaywebpage from npm; the replay test will say so"
    fi
    rm -rf "$rwp_tmp"
  else
    say "npm not found (need root to install it); the replay test will say so"
  fi
fi
# --- end webarchive ---
# --- analysis ---
# Tesseract OCR with its English data, for OCR text layers of screenshots (evidence/analysis/ocr.py).
if ! command -v tesseract >/dev/null 2>&1 || ! tesseract --list-langs 2>/dev/null | grep -qx eng; then
  apt_install tesseract-ocr tesseract-ocr-eng || say "Tesseract not installed (need root): apt-get install tesseract-ocr tesseract-ocr-eng; OCR will say so"
fi
# --- end analysis ---
say "ready: $VENV/bin/evidence"
