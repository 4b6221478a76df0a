#!/usr/bin/env bash
# axe-core for the accessibility browser test (tests/test_a11y.py): one pinned version from the npm registry,
# checked against its pinned sha512 before use, unpacked into .cache/axe/ (git-ignored). Fast when it is there.
set -euo pipefail
VERSION=4.14.1
INTEGRITY="sha512-FHfa+lmNjQZfJz1q8wKqIDwC6DExcHt/pkjNQb09a3NPjCKg2rhu5qb2S4r76ASyFNNtuFooJpZe37OgudVGtQ=="
DEST=.cache/axe
TARGET="$DEST/axe-$VERSION.min.js"
[ -s "$TARGET" ] && exit 0
mkdir -p "$DEST"
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
tgz="$tmp/axe-core-$VERSION.tgz"
if command -v npm >/dev/null 2>&1; then
  # `npm pack` fetches the registry's tarball as it is (nothing installed, no scripts run).
  (cd "$tmp" && npm pack --silent "axe-core@$VERSION" >/dev/null)
elif command -v curl >/dev/null 2>&1; then
  # No Node.js here: the same tarball from the same registry (checked below all the same).
  curl -fsSL -o "$tgz" "https://registry.npmjs.org/axe-core/-/axe-core-$VERSION.tgz"
else
  echo "neither npm nor curl: axe-core not installed, the accessibility test will be skipped" >&2
  exit 0
fi
actual="sha512-$(openssl dgst -sha512 -binary "$tgz" | base64 -w0)"
if [ "$actual" != "$INTEGRITY" ]; then
  echo "axe-core-$VERSION.tgz: sha512 mismatch ($actual), not used" >&2
  exit 1
fi
tar -xzf "$tgz" -C "$tmp" package/axe.min.js package/LICENSE
mv "$tmp/package/LICENSE" "$DEST/LICENSE-axe-core"
mv "$tmp/package/axe.min.js" "$TARGET"
echo "axe-core $VERSION -> $TARGET"
