#!/usr/bin/env bash
# Browser test of the study's HTML report: opens REPORT_DIR/report.html in headless
# Chromium and fails on any console error, any request leaving the file, or a plot that
# did not render; saves a full-page screenshot.
#
#   tools/browser_check.sh REPORT_DIR [SCREENSHOT.png]
#
# Installs Chromium with apt-get when it is missing (CI images); needs node ≥ 18.
set -euo pipefail
report_dir="${1:?usage: tools/browser_check.sh REPORT_DIR [SCREENSHOT.png]}"
shot="${2:-$report_dir/report-screenshot.png}"
chromium="${CHROMIUM:-$(command -v chromium || command -v chromium-browser || true)}"
if [ -z "$chromium" ]; then
  echo "== installing headless Chromium (apt-get)"
  if [ "$(id -u)" -eq 0 ]; then sudo=""; else sudo="sudo"; fi
  $sudo apt-get update -qq
  DEBIAN_FRONTEND=noninteractive $sudo apt-get install -y -qq chromium >/dev/null
  chromium="$(command -v chromium)"
fi
command -v node >/dev/null || { echo "browser check needs node (apt-get install nodejs)" >&2; exit 1; }
mkdir -p "$(dirname "$shot")"
exec node "$(dirname "$0")/browser_check.mjs" "$report_dir/report.html" "$shot" "$chromium"
