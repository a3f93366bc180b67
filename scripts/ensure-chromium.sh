#!/usr/bin/env bash
# ensure-chromium.sh makes sure the dashboard's browser tests (ui/) find a
# headless Chromium. With CHROMIUM_PATH set, or chromium on PATH, it does
# nothing; as root on a Debian-like machine it installs Debian's chromium
# package with apt-get. Otherwise it says what to install and fails, since
# the browser tests fail without a browser rather than skip.
set -euo pipefail

say() { echo "ensure-chromium: $*"; }
have() { command -v "$1" >/dev/null 2>&1; }

if [[ -n "${CHROMIUM_PATH:-}" ]]; then
	if [[ -x "$CHROMIUM_PATH" ]]; then exit 0; fi
	say "CHROMIUM_PATH=$CHROMIUM_PATH is not an executable"
	exit 1
fi
for bin in chromium chromium-browser google-chrome; do
	if have "$bin"; then exit 0; fi
done
if [[ "$(id -u)" == 0 ]] && have apt-get; then
	say "installing chromium with apt-get"
	export DEBIAN_FRONTEND=noninteractive
	apt-get update -qq
	apt-get install -y -qq --no-install-recommends chromium >/dev/null
	if have chromium; then exit 0; fi
fi
say "no Chromium found: install it (apt-get install chromium) or set CHROMIUM_PATH; the ui browser tests need it"
exit 1
