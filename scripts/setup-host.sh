#!/usr/bin/env bash
# Installs the Debian packages the test suite uses (idempotent): keepalived as an interop peer,
# tcpdump for captures, iproute2 for namespaces, rsyslog for syslog tests, and what the IPVS VM needs.
set -euo pipefail
pkgs=(iproute2 keepalived tcpdump ipvsadm rsyslog kmod procps psmisc systemd
      qemu-system-x86 busybox-static curl)
missing=()
for p in "${pkgs[@]}"; do
  dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q 'install ok installed' || missing+=("$p")
done
if [ "${#missing[@]}" -gt 0 ]; then
  if [ "$(id -u)" != 0 ]; then
    echo "setup-host: need root to install: ${missing[*]}" >&2
    exit 1
  fi
  export DEBIAN_FRONTEND=noninteractive
  apt-get update -qq -o DPkg::Lock::Timeout=600
  apt-get install -y -qq --no-install-recommends -o DPkg::Lock::Timeout=600 "${missing[@]}"
fi
# keepalived's Debian package may start a service on systems with an init; ours must not run.
if command -v systemctl >/dev/null 2>&1 && systemctl is-active --quiet keepalived 2>/dev/null; then
  systemctl stop keepalived || true
fi
echo "setup-host: packages present"
