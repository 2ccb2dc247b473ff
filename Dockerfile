# infip in a container: the gRPC server (default) and the auditor CLI. A thin wrapper over the
# same scripts CI runs:
#   docker build -t infip .
#   docker run --rm -p 50051:50051 -p 9464:9464 -v infip-data:/var/lib/infip \
#       -v "$PWD/tls:/etc/infip:ro" infip --tls-cert /etc/infip/server.pem \
#       --tls-key /etc/infip/server.key --access-file /etc/infip/access
#   docker run --rm --entrypoint infip -v "$PWD/tls:/etc/infip:ro" infip info \
#       --server host.docker.internal:50051 --tls-ca /etc/infip/ca.pem --token-file ...
# The server listens on 0.0.0.0 in the container, so it wants TLS (docs/security.md); for a
# quick local try, INFIP_INSECURE=true serves plain text (with a warning at every start).
# Configuration: INFIP_* environment variables or flags after the image name (docs/server.md).
FROM debian:12 AS build
WORKDIR /src
COPY scripts/install-deps.sh scripts/install-deps.sh
RUN bash scripts/install-deps.sh && rm -rf /var/lib/apt/lists/*
COPY . .
RUN BUILD_TARGET="infip infip-server infip-worker" \
    bash scripts/build.sh -DINFIP_BUILD_TESTS=OFF -DINFIP_BUILD_BENCH=OFF

FROM debian:12 AS runtime
COPY scripts/install-deps.sh /tmp/install-deps.sh
RUN bash /tmp/install-deps.sh --runtime && rm -rf /var/lib/apt/lists/* /tmp/install-deps.sh
COPY --from=build /src/build/client/infip /usr/local/bin/infip
COPY --from=build /src/build/server/infip-server /usr/local/bin/infip-server
COPY --from=build /src/build/server/infip-worker /usr/local/bin/infip-worker
RUN useradd --system --uid 10001 --no-create-home infip \
    && mkdir -p /var/lib/infip && chown infip /var/lib/infip
USER 10001
ENV INFIP_LISTEN=0.0.0.0:50051 \
    INFIP_METRICS_LISTEN=0.0.0.0:9464 \
    INFIP_DATA_DIR=/var/lib/infip \
    INFIP_DEVICE=auto
VOLUME /var/lib/infip
EXPOSE 50051 9464
ENTRYPOINT ["/usr/local/bin/infip-server"]
