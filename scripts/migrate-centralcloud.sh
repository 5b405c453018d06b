#!/usr/bin/env bash
# Apply the database migrations of CentralCloud VERSION by running that
# image's own `centralcloud migrate up`, before VERSION is deployed.
# Migrations are forward-only in production: the previous version keeps
# serving on the migrated schema until the deploy switches over.
#
# Usage: scripts/migrate-centralcloud.sh VERSION
#
# Environment:
#   DEPLOY_IMAGE       image repository without tag (required),
#                      e.g. ghcr.io/acme/centralcloud
#   MIGRATE_RUNNER     kubernetes (default) or docker
#   kubernetes runner: a Job in DEPLOY_NAMESPACE that reads the database URL
#                      from the Secret "centralcloud" (key database-url)
#     DEPLOY_NAMESPACE   namespace of the deployment (required)
#     MIGRATE_TIMEOUT    seconds to wait for the Job (default 600)
#     KUBECTL            kubectl command (default kubectl)
#   docker runner:     `docker run` on this machine
#     CENTRALCLOUD_DATABASE_URL  target database (required); passed to the
#                      container by name, so it never appears in a command line
#     MIGRATE_DOCKER_NETWORK     docker network to attach, e.g. host (optional)
#
# Exit status: 0 when the schema is at VERSION's version, 1 on failure,
# 2 on wrong usage.
set -euo pipefail

SCRIPT_NAME=migrate-centralcloud
USAGE="scripts/migrate-centralcloud.sh VERSION"
# shellcheck source=scripts/lib-centralcloud.sh
. "$(dirname "${BASH_SOURCE[0]}")/lib-centralcloud.sh"

migrate_with_docker() {
  local image=$1 network_args=()
  require_env CENTRALCLOUD_DATABASE_URL "set it to the target database's postgres:// URL"
  require_tool docker "install Docker, or use MIGRATE_RUNNER=kubernetes"
  if [ -n "${MIGRATE_DOCKER_NETWORK:-}" ]; then
    network_args=(--network "$MIGRATE_DOCKER_NETWORK")
  fi
  log "running $image migrate up with docker"
  docker run --rm "${network_args[@]}" --env CENTRALCLOUD_DATABASE_URL "$image" migrate up ||
    die "migrate up failed: read the message above; a failed migration leaves the schema dirty (see docs/operations.md)"
}

# job_state prints complete, failed or running for Job $1.
job_state() {
  local succeeded failed
  succeeded=$(kube get job "$1" -o 'jsonpath={.status.succeeded}')
  failed=$(kube get job "$1" -o 'jsonpath={.status.failed}')
  if [ "${succeeded:-0}" -gt 0 ]; then
    echo complete
  elif [ "${failed:-0}" -gt 0 ]; then
    echo failed
  else
    echo running
  fi
}

migrate_with_kubernetes() {
  local image=$1 version=$2 name state deadline
  KUBECTL=${KUBECTL:-kubectl}
  require_tool "$KUBECTL" "install kubectl, or use MIGRATE_RUNNER=docker"
  require_env DEPLOY_NAMESPACE "set it to the Kubernetes namespace of the deployment"
  local timeout=${MIGRATE_TIMEOUT:-600}
  [[ "$timeout" =~ ^[0-9]+$ ]] || die "MIGRATE_TIMEOUT '$timeout' is not a whole number of seconds"

  # Job names are DNS labels: lowercase, digits and '-', at most 63.
  name="centralcloud-migrate-${version//./-}-$(date +%s)"
  name=${name:0:63}
  log "creating Job $name in namespace $DEPLOY_NAMESPACE with $image"
  render "$MANIFEST_DIR/migrate-job.yaml" NAME="$name" IMAGE="$image" VERSION="$version" |
    kube create -f - >/dev/null

  deadline=$((SECONDS + timeout))
  state=$(job_state "$name")
  while [ "$state" = running ]; do
    if [ "$SECONDS" -ge "$deadline" ]; then
      kube logs "job/$name" --tail=50 >&2 || true
      die "Job $name did not finish within ${timeout}s: inspect it with kubectl -n $DEPLOY_NAMESPACE describe job $name"
    fi
    sleep 2
    state=$(job_state "$name")
  done
  log "log of Job $name:"
  kube logs "job/$name" >&2 || log "could not read the log of Job $name"
  [ "$state" = complete ] ||
    die "Job $name failed: read its log above; a failed migration leaves the schema dirty (see docs/operations.md)"
}

main() {
  [ $# -eq 1 ] || usage_error "expected exactly one argument, the VERSION to migrate to"
  local version=$1
  check_version "$version"
  require_env DEPLOY_IMAGE "set it to the image repository without tag, e.g. ghcr.io/acme/centralcloud"
  check_image "$DEPLOY_IMAGE"
  local image="$DEPLOY_IMAGE:$version"

  case "${MIGRATE_RUNNER:-kubernetes}" in
    kubernetes) migrate_with_kubernetes "$image" "$version" ;;
    docker) migrate_with_docker "$image" ;;
    *) die "MIGRATE_RUNNER '${MIGRATE_RUNNER}' is not a runner: use kubernetes or docker" ;;
  esac
  log "database migrated for $version"
}

main "$@"
