#!/usr/bin/env bash
# System packages mnv4-bench needs on Debian/Ubuntu (the quick start and .ci/run both call this):
# Chromium for the browser targets (puppeteer-core drives the system browser), python3-onnx for the ONNX
# checker in the export tests, flatc to dump .tflite files against TFLite's schema, adb for Android devices.
set -euo pipefail
export DEBIAN_FRONTEND=noninteractive
packages=(chromium python3-onnx flatbuffers-compiler fonts-liberation adb)
if [ "$(id -u)" = "0" ]; then sudo_cmd=(); else sudo_cmd=(sudo); fi
"${sudo_cmd[@]}" apt-get update -qq
"${sudo_cmd[@]}" apt-get install -y -qq --no-install-recommends "${packages[@]}" >/dev/null
