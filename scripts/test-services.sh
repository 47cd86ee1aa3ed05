#!/usr/bin/env bash
# Installs the system services the test suite starts itself (they run on free local ports, owned by
# the tests, never as system daemons): Orthanc with its DICOMweb plugin (PACS tests, tests/pacs/).
# Safe to run repeatedly: does nothing when they are present. Needs root (or sudo) to install.
set -euo pipefail

have_orthanc() {
  command -v Orthanc >/dev/null 2>&1 && ls /usr/share/orthanc/plugins/libOrthancDicomWeb.so* >/dev/null 2>&1
}

if have_orthanc; then
  exit 0
fi
SUDO=""
if [ "$(id -u)" != 0 ]; then
  if command -v sudo >/dev/null 2>&1; then SUDO="sudo -n"; else
    echo "test-services: Orthanc is missing and installing it needs root (apt-get install orthanc orthanc-dicomweb)" >&2
    exit 1
  fi
fi
echo "==> installing Orthanc + DICOMweb plugin (Debian packages orthanc, orthanc-dicomweb)"
export DEBIAN_FRONTEND=noninteractive
# The packages' init scripts must not start a system-wide Orthanc: the tests start their own.
policy=/usr/sbin/policy-rc.d
created_policy=0
if [ ! -e "$policy" ]; then
  printf '#!/bin/sh\nexit 101\n' | $SUDO tee "$policy" >/dev/null
  $SUDO chmod +x "$policy"
  created_policy=1
fi
# (an `if`, not `&&`: a false test as the EXIT trap's last command would become the script's status)
cleanup() { if [ "$created_policy" = 1 ]; then $SUDO rm -f "$policy"; fi; }
trap cleanup EXIT
$SUDO apt-get update -qq
$SUDO apt-get install -y -qq --no-install-recommends orthanc orthanc-dicomweb >/dev/null
have_orthanc || { echo "test-services: Orthanc installed but Orthanc binary / DICOMweb plugin not found" >&2; exit 1; }
echo "==> Orthanc $(Orthanc --version 2>/dev/null | head -1)"
