#!/usr/bin/env bash
# Installs or starts what the tests need and a fresh machine lacks: RabbitMQ at
# 127.0.0.1:5672 (guest/guest) for the job-bus tests, and Debian's chromium for the browser
# tests (a downloaded browser cannot run here). Installing needs root and apt-get; without
# them it says what is missing.
set -euo pipefail

apt_install() {
  if [ "$(id -u)" = 0 ] && command -v apt-get >/dev/null 2>&1; then
    apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq "$@"
  else
    echo "!! the tests need the Debian package(s) $* (apt-get install $*, as root)" >&2
    exit 1
  fi
}

if ! command -v rabbitmq-server >/dev/null 2>&1; then
  apt_install rabbitmq-server
fi
if ! (exec 3<>/dev/tcp/127.0.0.1/5672) 2>/dev/null; then
  rabbitmq-server -detached || true
  for _ in $(seq 1 90); do
    (exec 3<>/dev/tcp/127.0.0.1/5672) 2>/dev/null && break
    sleep 1
  done
fi
rabbitmqctl -q await_startup >/dev/null 2>&1 || true

CHROMIUM="${CHROMIUM_BIN:-/usr/bin/chromium}"
if [ ! -x "$CHROMIUM" ]; then
  apt_install chromium
fi
