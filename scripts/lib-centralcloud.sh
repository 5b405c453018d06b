# shellcheck shell=bash
# Helpers shared by migrate-centralcloud.sh and deploy-centralcloud.sh.
# Source it after setting SCRIPT_NAME; it defines functions only.

# Directory of the Kubernetes manifests and templates, used by the scripts
# that source this file.
# shellcheck disable=SC2034
MANIFEST_DIR="$(cd "$(dirname "${BASH_SOURCE[0]}")/../deploy/kubernetes" && pwd)"

log() { printf '%s: %s\n' "$SCRIPT_NAME" "$*" >&2; }

die() {
  printf '%s: error: %s\n' "$SCRIPT_NAME" "$*" >&2
  exit 1
}

# usage_error prints the message and the usage line, then exits 2.
usage_error() {
  printf '%s: %s\n' "$SCRIPT_NAME" "$1" >&2
  printf 'usage: %s\n' "$USAGE" >&2
  exit 2
}

require_tool() {
  command -v "$1" >/dev/null 2>&1 || die "$1 is not installed or not on PATH: $2"
}

require_env() {
  [ -n "${!1:-}" ] || die "$1 is not set: $2"
}

# check_version exits 2 unless $1 is a release version such as 1.4.0 or
# 1.4.0-beta2, the tag without its centralcloud-v prefix.
check_version() {
  [[ "$1" =~ ^[0-9]+\.[0-9]+\.[0-9]+(-beta[0-9A-Za-z.]*)?$ ]] ||
    usage_error "VERSION '$1' is not a release version such as 1.4.0 or 1.4.0-beta2 (the git tag without 'centralcloud-v')"
}

# check_image exits 1 unless $1 looks like an image repository without a
# tag, such as ghcr.io/acme/centralcloud.
check_image() {
  [[ "$1" =~ ^[a-z0-9]([a-z0-9._/-]*[a-z0-9])?(:[0-9]+)?(/[a-z0-9._-]+)*$ ]] ||
    die "DEPLOY_IMAGE '$1' is not an image repository without a tag, e.g. ghcr.io/acme/centralcloud"
}

# render prints template $1 with each NAME=VALUE argument after it
# substituted for __NAME__. Values are checked by the callers and contain
# no '|' or '&', which sed would interpret.
render() {
  local template=$1 expr=() pair
  shift
  [ -f "$template" ] || die "template $template is missing: run the script from a checkout of the repository"
  for pair in "$@"; do
    expr+=(-e "s|__${pair%%=*}__|${pair#*=}|g")
  done
  sed "${expr[@]}" "$template"
}

kube() { "$KUBECTL" --namespace "$DEPLOY_NAMESPACE" "$@"; }
