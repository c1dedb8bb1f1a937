# The GPU worker: Glimpse on PyTorch's own CUDA 12.8 libtorch 2.7.1. DJL 0.35.1's pytorch-jni
# jar carries a cu128 JNI for that libtorch; the CUDA natives are not on Maven Central, so the
# base image brings them (PYTORCH_LIBRARY_PATH below) and nothing is downloaded at run time.
# Build: docker build -f ops/worker-gpu.Dockerfile -t glimpse-worker-gpu .
FROM maven:3.9-eclipse-temurin-17 AS build
WORKDIR /src
# dependencies first, in their own layer: a change under src/ does not download them again
COPY pom.xml .
RUN mvn -B -ntp -q dependency:go-offline
COPY schemas schemas
COPY topology topology
COPY src/main src/main
RUN mvn -B -ntp -q -Dmaven.test.skip=true package

FROM pytorch/pytorch:2.7.1-cuda12.8-cudnn9-runtime
RUN apt-get update && apt-get install -y --no-install-recommends openjdk-17-jre-headless \
    && rm -rf /var/lib/apt/lists/* \
    && useradd --system --uid 10001 --home-dir /app --shell /usr/sbin/nologin glimpse
WORKDIR /app
COPY --from=build /src/target/glimpse.jar /app/glimpse.jar
# the CPU native jar is left out: the image's libtorch is used instead
COPY --from=build /src/target/lib /app/lib
RUN rm -f /app/lib/pytorch-native-cpu-*.jar \
    && ln -s "$(python -c 'import torch, os; print(os.path.join(os.path.dirname(torch.__file__), "lib"))')" /app/libtorch \
    && mkdir -p /app/djl-cache && chown glimpse:glimpse /app/djl-cache
ENV PYTORCH_LIBRARY_PATH=/app/libtorch PYTORCH_VERSION=2.7.1 PYTORCH_FLAVOR=cu128 \
    DJL_CACHE_DIR=/app/djl-cache ENGINE_CACHE_DIR=/app/djl-cache
# metrics and health (--http-port 8080 --http-host 0.0.0.0, as docker-compose.yml runs it)
EXPOSE 8080
USER glimpse
ENTRYPOINT ["java", "-Dai.djl.offline=true", "-jar", "/app/glimpse.jar"]
