# Weft's container image: a static binary on a distroless base, run as an
# unprivileged user, with its data in the volume /var/lib/weft.
#
#   docker build -t weft .
#   docker run -p 8080:8080 -v weft-data:/var/lib/weft weft
#   docker run -p 8080:8080 -e DATABASE_URL=... -e REDIS_URL=... weft
#
# Configuration is the environment (every flag has a WEFT_* mirror; see
# `docker run weft --help`). `docker stop` sends SIGTERM: Weft drains
# (readiness 503, clients closed with 1012, commits finished, snapshots
# written) within WEFT_SHUTDOWN_TIMEOUT (15s), inside docker's own stop
# timeout, which must be longer (run with --stop-timeout 20 or more).

FROM golang:1.26-bookworm AS build
WORKDIR /src
COPY go.mod go.sum ./
RUN go mod download
COPY . .
# CGO_ENABLED=0: a static binary that needs no libc in the runtime image.
RUN CGO_ENABLED=0 go build -trimpath -ldflags="-s -w" -o /out/weft ./cmd/server \
 && mkdir -p /out/data

# distroless/static: CA certificates, tzdata and a nonroot user (65532),
# no shell and no package manager.
FROM gcr.io/distroless/static-debian12:nonroot
COPY --from=build /out/weft /usr/local/bin/weft
COPY --from=build --chown=65532:65532 /out/data /var/lib/weft
USER 65532:65532
ENV WEFT_ADDR=:8080 \
    WEFT_DATA_DIR=/var/lib/weft \
    WEFT_LOG_FORMAT=json
EXPOSE 8080
VOLUME ["/var/lib/weft"]
STOPSIGNAL SIGTERM
# The image has no curl: the binary checks its own /healthz (at WEFT_ADDR).
HEALTHCHECK --interval=10s --timeout=5s --start-period=20s --retries=3 \
  CMD ["/usr/local/bin/weft", "healthcheck"]
ENTRYPOINT ["/usr/local/bin/weft"]
