# infip in a container. A thin wrapper over the same scripts CI runs:
#   docker build -t infip .
#   docker run --rm -v "$PWD:/data" infip compare /data/a.infip /data/b.infip
FROM debian:12 AS build
WORKDIR /src
COPY scripts/install-deps.sh scripts/install-deps.sh
RUN bash scripts/install-deps.sh && rm -rf /var/lib/apt/lists/*
COPY . .
RUN bash scripts/build.sh -DINFIP_BUILD_TESTS=OFF -DINFIP_BUILD_BENCH=OFF

FROM debian:12 AS runtime
COPY scripts/install-deps.sh /tmp/install-deps.sh
RUN bash /tmp/install-deps.sh --runtime && rm -rf /var/lib/apt/lists/* /tmp/install-deps.sh
COPY --from=build /src/build/client/infip /usr/local/bin/infip
RUN useradd --system --no-create-home infip
USER infip
WORKDIR /data
ENTRYPOINT ["/usr/local/bin/infip"]
CMD ["--help"]
