#!/usr/bin/env bash
# Builds the curator console into OUTPUT_DIR as three static files, index.html, app.js and
# app.css, for curationd to embed: installs the npm packages of package-lock.json when needed,
# generates the TypeScript client from proto/curation/v1 into gen/, type-checks, and bundles.
# Usage: services/console/web/build.sh OUTPUT_DIR
set -euo pipefail

if [[ $# -ne 1 ]]; then
  echo "usage: $0 OUTPUT_DIR" >&2
  exit 2
fi
web_dir=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
repo_dir=$(cd "$web_dir/../../.." && pwd)
mkdir -p "$1"
out_dir=$(cd "$1" && pwd)
cd "$web_dir"

# protoc-gen-es 2.13 needs Node.js 20 (so does the browser test's playwright-core); Debian 12's
# own nodejs is 18.
node_major=$(node --version | sed -E 's/^v([0-9]+).*/\1/')
if ((node_major < 20)); then
  echo "build.sh: Node.js 20 or later is needed, this is $(node --version)" >&2
  exit 1
fi

# The bundle is sent to every curator; past this the stack has grown by something to look at.
readonly max_gzipped_bytes=$((250 * 1024))

# npm ci wipes node_modules and reinstalls it, so it runs only when node_modules was not installed
# from these very package.json and package-lock.json (the stamp records their digest).
install_stamp=node_modules/.curation-install-digest
install_digest=$(cat package.json package-lock.json | sha256sum | cut -d' ' -f1)
if [[ ! -f $install_stamp || $(<"$install_stamp") != "$install_digest" ]]; then
  # No package here needs an install script (esbuild finds its platform package without one),
  # so none runs, as root or otherwise.
  npm ci --ignore-scripts --no-audit --no-fund --loglevel=error
  echo "$install_digest" > "$install_stamp"
fi

# Generated afresh each time so a field renamed or removed in a .proto breaks the type check
# below instead of leaving an old file behind. protoc finds google/protobuf/*.proto in its own
# include directory (Debian: /usr/include, from libprotobuf-dev).
rm -rf gen
mkdir gen
protoc \
  --proto_path="$repo_dir/proto" \
  --plugin=protoc-gen-es="$web_dir/node_modules/.bin/protoc-gen-es" \
  --es_out=gen \
  --es_opt=target=ts \
  "$repo_dir"/proto/curation/v1/*.proto

node_modules/.bin/tsc --noEmit --project tsconfig.json

# app.tsx imports app.css, so esbuild writes app.js and app.css side by side.
node_modules/.bin/esbuild src/app.tsx \
  --bundle --minify \
  --format=esm --target=es2022 \
  --outdir="$out_dir" \
  --log-level=warning
cp src/index.html "$out_dir/index.html"

# gzip -n leaves the name and time out of the header, so the figure depends on the content only.
total_gzipped=0
for file in index.html app.js app.css; do
  bytes=$(wc -c < "$out_dir/$file")
  gzipped=$(gzip -9 -n --to-stdout "$out_dir/$file" | wc -c)
  total_gzipped=$((total_gzipped + gzipped))
  printf '%-10s %7d bytes, %6d gzipped\n' "$file" "$bytes" "$gzipped"
done
printf 'gzipped total %d bytes, budget %d\n' "$total_gzipped" "$max_gzipped_bytes"
if ((total_gzipped > max_gzipped_bytes)); then
  echo "build.sh: the console is over its size budget" >&2
  exit 1
fi
