#!/usr/bin/env bash
# Refreshes the GraphiQL playground's vendored browser assets from npm.
# They are committed and embedded in the binary (internal/edge/playground.go),
# so building or running VAMS never needs npm or a network; only this script
# does.
#
#   scripts/refresh-graphiql.sh                      # same pinned versions again
#   GRAPHIQL_VERSION=4.1.2 REACT_VERSION=18.3.1 scripts/refresh-graphiql.sh
#
# GraphiQL 5 ships no prebuilt browser (UMD) bundle, and React 19 ships no UMD
# builds: stay on graphiql 4.x and react/react-dom 18.x.
set -euo pipefail
cd "$(dirname "$0")/.."
dest=internal/edge/playground/assets/vendor
pin() { sed -n "s/^$1 //p" "$dest/VERSIONS" 2>/dev/null; }
graphiql=${GRAPHIQL_VERSION:-$(pin graphiql)}
react=${REACT_VERSION:-$(pin react)}
: "${graphiql:?set GRAPHIQL_VERSION}" "${react:?set REACT_VERSION}"

work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
# npm pack checks each tarball against the registry's integrity hash.
(cd "$work" && npm pack --silent "graphiql@$graphiql" "react@$react" "react-dom@$react" >/dev/null)
for pkg in graphiql react react-dom; do
  mkdir -p "$work/$pkg"
  tar -xzf "$work/$pkg"-[0-9]*.tgz -C "$work/$pkg" --strip-components=1
done

rm -f "$dest"/*
# The bundle's trailing sourceMappingURL names a map that is not vendored;
# dropping it spares the browser's developer tools a 404.
sed '/^\/\/# sourceMappingURL=/d; s|//# sourceMappingURL=[^ ]*$||' \
  "$work/graphiql/dist/index.umd.js" >"$dest/graphiql.min.js"
cp "$work/graphiql/dist/style.css" "$dest/graphiql.css"
cp "$work/react/umd/react.production.min.js" "$dest/"
cp "$work/react-dom/umd/react-dom.production.min.js" "$dest/"
for pkg in graphiql react react-dom; do
  cp "$work/$pkg/LICENSE" "$dest/LICENSE.$pkg"
done
printf 'graphiql %s\nreact %s\n' "$graphiql" "$react" >"$dest/VERSIONS"
echo "vendored graphiql $graphiql, react and react-dom $react into $dest:"
ls -l "$dest"
