#!/usr/bin/env bash
# Checks the Helm chart: `helm lint` and `helm template` with the default values and with each
# helm/ado-port/ci/*-values.yaml, then, when kubernetes-validate (PyPI) is installed, validates
# the rendered manifests strictly against Kubernetes' schemas. Without helm it says so and
# checks only that Chart.yaml and the values files are YAML. Not part of CI.
set -euo pipefail
cd "$(dirname "$0")"
chart=helm/ado-port

python3 - "$chart"/Chart.yaml "$chart"/values.yaml "$chart"/ci/*-values.yaml <<'PY'
import sys, yaml
for path in sys.argv[1:]:
    with open(path) as f:
        yaml.safe_load(f)
    print(f"YAML ok: {path}")
PY

if ! command -v helm >/dev/null; then
    echo "helm not found: helm lint and helm template skipped (https://helm.sh/docs/intro/install/)"
    exit 0
fi

rendered=$(mktemp -d)
trap 'rm -rf "$rendered"' EXIT
helm lint --strict "$chart"
helm template shard-a "$chart" > "$rendered/default.yaml"
for values in "$chart"/ci/*-values.yaml; do
    helm lint --strict "$chart" -f "$values"
    helm template shard-a "$chart" -f "$values" > "$rendered/$(basename "$values")"
done
echo "helm template ok: $(ls "$rendered" | tr '\n' ' ')"

if command -v kubernetes-validate >/dev/null; then
    kubernetes-validate --strict --quiet "$rendered"/*.yaml
    echo "kubernetes-validate ok"
else
    echo "kubernetes-validate not found: rendered manifests not validated against the schemas"
fi
