# syntax=docker/dockerfile:1
#
# CentralCloud container image: one static binary on a distroless base.
#
#   docker build --build-arg VERSION=1.4.0 -t centralcloud:1.4.0 .
#   docker run --rm -e CENTRALCLOUD_DATABASE_URL=postgres://... -p 8080:8080 centralcloud:1.4.0
#
# The image contains no PostgreSQL binaries, so the embedded Postgres that
# `centralcloud run` starts when no database URL is configured cannot start
# here. Production always sets CENTRALCLOUD_DATABASE_URL (or
# CENTRALCLOUD_DATABASE_URL_FILE) to a PostgreSQL 15+ server, ideally one
# with the pgmq and pg_uuidv7 extensions.

ARG GO_VERSION=1.26

# The build stage runs on the builder's own platform and cross-compiles, so
# multi-platform builds need no emulation.
FROM --platform=$BUILDPLATFORM golang:${GO_VERSION}-bookworm AS build
WORKDIR /src

# Download modules in their own layer, so code changes reuse it.
COPY go.mod go.sum ./
RUN --mount=type=cache,target=/go/pkg/mod \
    go mod download

COPY . .
ARG VERSION=dev
# BuildKit sets TARGETOS and TARGETARCH from --platform.
ARG TARGETOS
ARG TARGETARCH
# CGO_ENABLED=0 gives a static binary that needs no libc in the final image.
RUN --mount=type=cache,target=/go/pkg/mod \
    --mount=type=cache,target=/root/.cache/go-build \
    CGO_ENABLED=0 GOOS=${TARGETOS:-linux} GOARCH=${TARGETARCH:-amd64} \
    go build -trimpath -ldflags "-s -w -X main.version=${VERSION}" \
      -o /out/centralcloud ./cmd/centralcloud

# distroless/static has CA certificates, time zone data and a nonroot user
# (uid 65532), and no shell or package manager.
FROM gcr.io/distroless/static-debian12:nonroot

ARG VERSION=dev
LABEL org.opencontainers.image.title="centralcloud" \
      org.opencontainers.image.description="CentralCloud GitHub App backend for code scanning" \
      org.opencontainers.image.version="${VERSION}"

COPY --from=build /out/centralcloud /usr/local/bin/centralcloud

# Listen on every interface inside the container (the binary's default is
# 127.0.0.1:8080, which is unreachable from outside). Local state goes to
# /tmp, the one place that stays writable under a read-only root file system
# when an emptyDir or tmpfs is mounted there.
ENV CENTRALCLOUD_HTTP_ADDR=0.0.0.0:8080 \
    CENTRALCLOUD_DATA_DIR=/tmp/centralcloud

USER 65532:65532
EXPOSE 8080

# Kubernetes ignores HEALTHCHECK and uses the probes in deploy/kubernetes/.
# Keep the URL's port in step with CENTRALCLOUD_HTTP_ADDR when changing it.
# `centralcloud worker` serves no HTTP, so run worker containers with
# --no-healthcheck (docker run) or `healthcheck: {disable: true}` (Compose).
HEALTHCHECK --interval=30s --timeout=5s --start-period=20s --retries=3 \
  CMD ["/usr/local/bin/centralcloud", "healthcheck", "--url", "http://127.0.0.1:8080/healthz", "--timeout", "3s"]

ENTRYPOINT ["/usr/local/bin/centralcloud"]
CMD ["serve"]
