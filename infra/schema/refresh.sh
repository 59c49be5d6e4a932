#!/usr/bin/env bash
# Refresh the committed schema index from the pinned @pulumi/aws npm package.
# Usage: infra/schema/refresh.sh [VERSION]   (default: the pinned version below)
# Needs node and npm; writes infra/schema/aws-<version>.json and prints its size.
set -euo pipefail
VERSION="${1:-7.48.0}"
HERE="$(cd "$(dirname "$0")" && pwd)"
WORK="$(mktemp -d)"
trap 'rm -rf "$WORK"' EXIT
(cd "$WORK" && npm pack --silent "@pulumi/aws@${VERSION}" >/dev/null && tar xzf "pulumi-aws-${VERSION}.tgz")
node "$HERE/extract.mjs" "$WORK/package" "$VERSION" > "$HERE/aws-${VERSION}.json"
echo "wrote $HERE/aws-${VERSION}.json ($(wc -c < "$HERE/aws-${VERSION}.json") bytes)"
if [ "${1:-}" != "" ]; then
  echo "remember to point infra/src/schema.rs (SCHEMA_VERSION) at ${VERSION}"
fi
