#!/usr/bin/env bash
# Blue/green deploy of CentralCloud VERSION on Kubernetes, with the
# manifests in deploy/kubernetes/. Run scripts/migrate-centralcloud.sh
# VERSION first.
#
# Steps:
#   1. Deploy the API (`centralcloud serve`) in the color that is not live.
#   2. Wait until its pods are ready, and check /readyz.
#   3. Check that HEAD /patterns/snapshot returns the expected ETag.
#   4. Switch the Service "centralcloud" to the new color.
#   5. Roll the workers to VERSION and scale the old color to zero.
# Before the switch, any failure deletes the new color and leaves the old
# one serving.
#
# Usage: scripts/deploy-centralcloud.sh VERSION
#
# Environment:
#   DEPLOY_IMAGE          image repository without tag (required),
#                         e.g. ghcr.io/acme/centralcloud
#   DEPLOY_NAMESPACE      Kubernetes namespace (required)
#   DEPLOY_SNAPSHOT_TOKEN org token (cct_...) for HEAD /patterns/snapshot
#                         (required); sent from a file, never a command line
#   DEPLOY_EXPECTED_ETAG  snapshot ETag the new color must serve (optional;
#                         default: the ETag that the live color serves)
#   DEPLOY_REPLICAS       API replicas when no color is live yet (default 2)
#   DEPLOY_WORKER_REPLICAS worker replicas when none exist yet (default 2)
#   DEPLOY_TIMEOUT        seconds to wait for each rollout and check (default 300)
#   KUBECTL               kubectl command (default kubectl)
#
# Exit status: 0 when VERSION serves all traffic, 1 on failure, 2 on wrong
# usage.
set -euo pipefail

SCRIPT_NAME=deploy-centralcloud
USAGE="scripts/deploy-centralcloud.sh VERSION"
# shellcheck source=scripts/lib-centralcloud.sh
. "$(dirname "${BASH_SOURCE[0]}")/lib-centralcloud.sh"

WORK_DIR=""
FORWARD_PIDS=()
FORWARD_URL=""
# NEW_COLOR is deleted on exit while ROLLBACK_ON_EXIT is 1.
NEW_COLOR=""
ROLLBACK_ON_EXIT=0

cleanup() {
  local status=$? pid
  for pid in "${FORWARD_PIDS[@]}"; do
    kill "$pid" 2>/dev/null || true
  done
  if [ "$ROLLBACK_ON_EXIT" = 1 ] && [ -n "$NEW_COLOR" ]; then
    log "rolling back: deleting deployment centralcloud-serve-$NEW_COLOR; the live color keeps serving"
    kube delete deployment "centralcloud-serve-$NEW_COLOR" --ignore-not-found --wait=false >&2 ||
      log "could not delete deployment centralcloud-serve-$NEW_COLOR: delete it by hand"
  fi
  if [ -n "$WORK_DIR" ]; then
    rm -rf "$WORK_DIR"
  fi
  exit "$status"
}

# port_forward starts kubectl port-forward to port 8080 of $1 (a
# deployment/NAME) and sets FORWARD_URL to the local base URL. It must not
# run in a subshell, so that cleanup can stop the forward.
port_forward() {
  local target=$1 out deadline port=""
  out="$WORK_DIR/forward-${#FORWARD_PIDS[@]}.log"
  # Created here, because the background job may open it only later.
  : >"$out"
  "$KUBECTL" --namespace "$DEPLOY_NAMESPACE" port-forward --address 127.0.0.1 "$target" :8080 >>"$out" 2>&1 &
  FORWARD_PIDS+=("$!")
  deadline=$((SECONDS + 30))
  while [ -z "$port" ]; do
    port=$(sed -n 's/^Forwarding from 127\.0\.0\.1:\([0-9][0-9]*\) -> .*/\1/p' "$out" | head -n 1)
    if [ -z "$port" ]; then
      if [ "$SECONDS" -ge "$deadline" ]; then
        cat "$out" >&2
        die "kubectl port-forward to $target did not start within 30s"
      fi
      sleep 0.5
    fi
  done
  FORWARD_URL="http://127.0.0.1:$port"
}

# wait_ready polls $1/readyz until it returns 2xx or DEPLOY_TIMEOUT passes.
wait_ready() {
  local base=$1 deadline=$((SECONDS + DEPLOY_TIMEOUT))
  until curl -fsS --max-time 5 -o "$WORK_DIR/readyz.json" "$base/readyz" 2>"$WORK_DIR/readyz.err"; do
    if [ "$SECONDS" -ge "$deadline" ]; then
      cat "$WORK_DIR/readyz.json" "$WORK_DIR/readyz.err" >&2 2>/dev/null || true
      return 1
    fi
    sleep 2
  done
}

# snapshot_etag prints the bare ETag of HEAD $1/patterns/snapshot, or
# fails when the status is not 200 or the ETag is missing.
snapshot_etag() {
  local base=$1 headers status etag
  headers=$(curl -sS --max-time 10 --head --header "@$WORK_DIR/auth" "$base/patterns/snapshot" | tr -d '\r') ||
    { log "HEAD $base/patterns/snapshot failed"; return 1; }
  status=$(printf '%s\n' "$headers" | awk 'NR == 1 { print $2 }')
  if [ "$status" != 200 ]; then
    log "HEAD $base/patterns/snapshot returned status ${status:-none}, expected 200 (is DEPLOY_SNAPSHOT_TOKEN valid?)"
    return 1
  fi
  etag=$(printf '%s\n' "$headers" | awk 'tolower($1) == "etag:" { print $2 }')
  if [ -z "$etag" ]; then
    log "HEAD $base/patterns/snapshot returned no ETag header"
    return 1
  fi
  bare_etag "$etag"
}

# bare_etag strips a weak prefix and the quotes from an ETag.
bare_etag() {
  local etag=${1#W/}
  etag=${etag#\"}
  echo "${etag%\"}"
}

# check_new_color verifies the new color before it gets traffic: /readyz,
# then the snapshot ETag against DEPLOY_EXPECTED_ETAG or the live color's.
check_new_color() {
  local live=$1 new_url live_url="" expected actual
  port_forward "deployment/centralcloud-serve-$NEW_COLOR"
  new_url=$FORWARD_URL
  wait_ready "$new_url" || die "/readyz of color $NEW_COLOR was not ready within ${DEPLOY_TIMEOUT}s"
  log "color $NEW_COLOR is ready"

  actual=$(snapshot_etag "$new_url") || die "color $NEW_COLOR does not serve the pattern snapshot"
  if [ -n "${DEPLOY_EXPECTED_ETAG:-}" ]; then
    expected=$(bare_etag "$DEPLOY_EXPECTED_ETAG")
  elif [ -n "$live" ]; then
    port_forward "deployment/centralcloud-serve-$live"
    live_url=$FORWARD_URL
    expected=$(snapshot_etag "$live_url") ||
      die "could not read the snapshot ETag of the live color $live: set DEPLOY_EXPECTED_ETAG to skip reading it"
  else
    log "no live color and no DEPLOY_EXPECTED_ETAG: accepting ETag $actual"
    expected=$actual
  fi

  if [ "$actual" != "$expected" ] && [ -n "$live_url" ]; then
    # A pattern set published during the deploy changes the snapshot of
    # both colors, so read both once more before giving up.
    log "ETag mismatch (new $actual, live $expected): reading both again"
    actual=$(snapshot_etag "$new_url") || die "color $NEW_COLOR does not serve the pattern snapshot"
    expected=$(snapshot_etag "$live_url") || die "could not read the snapshot ETag of the live color $live"
  fi
  [ "$actual" = "$expected" ] ||
    die "color $NEW_COLOR serves snapshot ETag $actual, expected $expected"
  log "color $NEW_COLOR serves snapshot ETag $actual"
}

# current_replicas prints the replicas of deployment $1, or $2 when it
# does not exist or has none.
current_replicas() {
  local replicas
  replicas=$(kube get deployment "$1" -o 'jsonpath={.spec.replicas}' --ignore-not-found)
  if [ -z "$replicas" ] || [ "$replicas" = 0 ]; then
    replicas=$2
  fi
  echo "$replicas"
}

switch_service() {
  local live=$1
  if [ -z "$live" ]; then
    render "$MANIFEST_DIR/service.yaml" COLOR="$NEW_COLOR" | kube apply -f - >/dev/null
  else
    kube patch service centralcloud --type merge \
      --patch "{\"spec\":{\"selector\":{\"color\":\"$NEW_COLOR\"}}}" >/dev/null
  fi
  log "service centralcloud now sends traffic to color $NEW_COLOR"
}

roll_workers() {
  local image=$1 version=$2 replicas
  replicas=$(current_replicas centralcloud-worker "${DEPLOY_WORKER_REPLICAS:-2}")
  render "$MANIFEST_DIR/worker.yaml" IMAGE="$image" VERSION="$version" REPLICAS="$replicas" |
    kube apply -f - >/dev/null
  if ! kube rollout status deployment/centralcloud-worker --timeout="${DEPLOY_TIMEOUT}s" >&2; then
    kube rollout undo deployment/centralcloud-worker >&2 || true
    die "worker rollout to $version did not finish: workers were rolled back; the API already runs $version"
  fi
  log "workers run $version"
}

main() {
  [ $# -eq 1 ] || usage_error "expected exactly one argument, the VERSION to deploy"
  local version=$1 image live replicas
  check_version "$version"
  require_env DEPLOY_IMAGE "set it to the image repository without tag, e.g. ghcr.io/acme/centralcloud"
  check_image "$DEPLOY_IMAGE"
  require_env DEPLOY_NAMESPACE "set it to the Kubernetes namespace of the deployment"
  require_env DEPLOY_SNAPSHOT_TOKEN "set it to an org token (centralcloud tokens create) for HEAD /patterns/snapshot"
  DEPLOY_TIMEOUT=${DEPLOY_TIMEOUT:-300}
  [[ "$DEPLOY_TIMEOUT" =~ ^[0-9]+$ ]] || die "DEPLOY_TIMEOUT '$DEPLOY_TIMEOUT' is not a whole number of seconds"
  KUBECTL=${KUBECTL:-kubectl}
  require_tool "$KUBECTL" "install kubectl and point it at the cluster (KUBECONFIG)"
  require_tool curl "install curl"
  image="$DEPLOY_IMAGE:$version"

  WORK_DIR=$(mktemp -d)
  trap cleanup EXIT
  trap 'exit 130' INT TERM
  (umask 077 && printf 'Authorization: Bearer %s\n' "$DEPLOY_SNAPSHOT_TOKEN" >"$WORK_DIR/auth")

  live=$(kube get service centralcloud -o 'jsonpath={.spec.selector.color}' --ignore-not-found)
  case "$live" in
    blue) NEW_COLOR=green ;;
    green | "") NEW_COLOR=blue ;;
    *) die "service centralcloud selects color '$live': expected blue or green" ;;
  esac
  log "live color: ${live:-none}; deploying $image as color $NEW_COLOR"

  kube apply -f "$MANIFEST_DIR/configmap.yaml" -f "$MANIFEST_DIR/pdb.yaml" >/dev/null
  replicas=$(current_replicas "centralcloud-serve-${live:-none}" "${DEPLOY_REPLICAS:-2}")
  ROLLBACK_ON_EXIT=1
  render "$MANIFEST_DIR/serve.yaml" COLOR="$NEW_COLOR" IMAGE="$image" VERSION="$version" REPLICAS="$replicas" |
    kube apply -f - >/dev/null
  kube rollout status "deployment/centralcloud-serve-$NEW_COLOR" --timeout="${DEPLOY_TIMEOUT}s" >&2 ||
    die "deployment centralcloud-serve-$NEW_COLOR did not become ready within ${DEPLOY_TIMEOUT}s"
  check_new_color "$live"

  switch_service "$live"
  ROLLBACK_ON_EXIT=0
  roll_workers "$image" "$version"
  if [ -n "$live" ]; then
    # The old color stays as a Deployment with no pods, for a fast manual
    # rollback (see docs/operations.md).
    kube scale deployment "centralcloud-serve-$live" --replicas=0 >/dev/null
    log "scaled color $live to 0 replicas"
  fi
  log "deployed $version"
}

main "$@"
