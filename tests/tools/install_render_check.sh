#!/usr/bin/env bash
# Installs what the browser checks need beyond the [test] and [docs] extras: Chromium
# (Debian's package, for a real browser: tests/test_site.py and tests/test_rendered_pages.py)
# and KaTeX (from npm, for the derivation pages' math in tests/test_rendered_pages.py), into
# ~/.cache/probml/katex.  Without them those tests are skipped.  .ci/run runs this first;
# what is already there is not fetched again.
set -euo pipefail
apt_install() {
    if [ "$(id -u)" = 0 ]; then sudo=""; else sudo="sudo"; fi
    $sudo apt-get update -qq
    $sudo apt-get install -y -qq "$@"
}
if ! command -v chromium >/dev/null 2>&1; then
    apt_install chromium
fi
destination="$HOME/.cache/probml/katex"
if [ ! -f "$destination/package/dist/katex.min.js" ]; then
    command -v npm >/dev/null 2>&1 || apt_install npm
    mkdir -p "$destination"
    cd "$destination"
    npm pack --silent katex@0.19.1
    tar xzf katex-0.19.1.tgz
fi
echo "KaTeX in $destination/package/dist; Chromium at $(command -v chromium)"
