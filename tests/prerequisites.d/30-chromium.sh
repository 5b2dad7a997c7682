# Sourced by ../../test.sh (bash, `set -euo pipefail`): installs Debian's Chromium for the dashboard browser test
# (tests/Sink.Tests, Microsoft.Playwright driving /usr/bin/chromium headless; Playwright never downloads a browser here)
# and makes sure npm is there (building Sink.Service runs `npm ci` for the dashboard's chart library). Exports:
#   BV_TEST_CHROMIUM   the Chromium executable
# Idempotent: an installed Chromium is left as it is.
bv_prepare_chromium() {
  local chromium="${BV_TEST_CHROMIUM:-/usr/bin/chromium}"
  if [ ! -x "$chromium" ]; then
    if [ "$(id -u)" -ne 0 ]; then
      echo "30-chromium: $chromium is missing and this is not root: apt-get install chromium" >&2
      return 1
    fi
    echo "30-chromium: installing Debian's chromium package"
    DEBIAN_FRONTEND=noninteractive apt-get update -qq
    DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends chromium fonts-dejavu-core >/dev/null
    chromium=/usr/bin/chromium
  fi
  if ! command -v npm >/dev/null 2>&1; then
    if [ "$(id -u)" -ne 0 ]; then
      echo "30-chromium: npm is missing (Sink.Service's build needs it) and this is not root: apt-get install nodejs npm" >&2
      return 1
    fi
    echo "30-chromium: installing Debian's nodejs and npm (Sink.Service's build runs npm ci)"
    DEBIAN_FRONTEND=noninteractive apt-get update -qq
    DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends nodejs npm >/dev/null
  fi
  export BV_TEST_CHROMIUM="$chromium"
  # Playwright must use that browser, never fetch one.
  export PLAYWRIGHT_SKIP_BROWSER_DOWNLOAD=1
  echo "30-chromium: $("$chromium" --version 2>/dev/null | head -n 1) at $chromium (BV_TEST_CHROMIUM exported)"
}
bv_prepare_chromium
unset -f bv_prepare_chromium
