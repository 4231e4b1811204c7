#!/usr/bin/env bash
# Installs what tests/test_rendered_pages.py needs beyond the [test] extra: Chromium
# (Debian's package, for a real browser) and KaTeX (from npm, for the math), into
# ~/.cache/probml/katex (or $PROBML_KATEX_DIR/..).  Without them that test is skipped.
set -euo pipefail
if ! command -v chromium >/dev/null 2>&1; then
    if [ "$(id -u)" = 0 ]; then apt-get install -y chromium; else sudo apt-get install -y chromium; fi
fi
destination="$HOME/.cache/probml/katex"
mkdir -p "$destination"
cd "$destination"
npm pack katex@0.19.1
tar xzf katex-0.19.1.tgz
echo "KaTeX in $destination/package/dist; Chromium at $(command -v chromium)"
