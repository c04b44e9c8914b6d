#!/bin/sh
# Writes an empty source file for every target the given Cargo.toml files declare (and a
# src/lib.rs for each package), so that `cargo build` can compile the dependencies from the
# manifests alone. Used by the Dockerfile's dependency layer; the stubs are deleted before the
# sources are copied.
#
# usage: stub-targets.sh MEMBER/Cargo.toml...
set -eu

for manifest in "$@"; do
    dir=$(dirname "$manifest")
    mkdir -p "$dir/src"
    : > "$dir/src/lib.rs"
    awk -v dir="$dir" '
        function flush() {
            if (kind == "") return
            if (path == "") {
                if (kind == "bin") path = "src/bin/" name ".rs"
                else if (kind == "example") path = "examples/" name ".rs"
                else if (kind == "test") path = "tests/" name ".rs"
                else if (kind == "bench") path = "benches/" name ".rs"
            }
            if (path != "") print dir "/" path
            kind = ""; name = ""; path = ""
        }
        /^[[:space:]]*\[/ {
            flush()
            if ($0 ~ /^[[:space:]]*\[\[(bin|example|test|bench)\]\]/) {
                kind = $0
                sub(/^[[:space:]]*\[\[/, "", kind)
                sub(/\]\].*$/, "", kind)
            }
            next
        }
        kind != "" && /^[[:space:]]*(name|path)[[:space:]]*=/ {
            value = $0
            sub(/^[^=]*=[[:space:]]*"/, "", value)
            sub(/".*$/, "", value)
            if ($0 ~ /^[[:space:]]*name/) name = value; else path = value
        }
        END { flush() }
    ' "$manifest" | while read -r file; do
        mkdir -p "$(dirname "$file")"
        echo 'fn main() {}' > "$file"
    done
done
