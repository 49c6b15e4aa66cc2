#!/usr/bin/env bash
# Vendors htmx from the npm package htmx.org and checks it against the recorded sha256.
# Usage: scripts/vendor_htmx.sh            (re-fetch and verify against the recorded hash)
#        scripts/vendor_htmx.sh --record   (first vendoring or a deliberate upgrade: record the hash)
set -euo pipefail
VERSION=2.0.11
here=$(cd "$(dirname "$0")/.." && pwd)
dest="$here/static/vendor/htmx-$VERSION.min.js"
sumfile="$dest.sha256"
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT

# npm verifies the tarball against the registry's integrity hash while packing.
(cd "$work" && npm pack --silent "htmx.org@$VERSION" >/dev/null)
tar -xzf "$work/htmx.org-$VERSION.tgz" -C "$work" package/dist/htmx.min.js
actual=$(sha256sum "$work/package/dist/htmx.min.js" | cut -d' ' -f1)

if [[ "${1:-}" == "--record" ]]; then
  echo "$actual  htmx-$VERSION.min.js" > "$sumfile"
elif [[ "$(cut -d' ' -f1 "$sumfile")" != "$actual" ]]; then
  echo "sha256 mismatch for htmx.org@$VERSION: got $actual, recorded $(cat "$sumfile")" >&2
  exit 1
fi
cp "$work/package/dist/htmx.min.js" "$dest"
echo "vendored htmx.org@$VERSION -> ${dest#"$here"/} (sha256 $actual)"
