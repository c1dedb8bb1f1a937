# Glimpse on the JVM. Two targets:
#   ingest (the default): Kafka Streams only, without PyTorch's native libraries (~450 MB it never loads)
#   worker-cpu:           a CPU worker, with the CPU natives from Maven Central
# Build: docker build -t glimpse-ingest .    docker build --target worker-cpu -t glimpse-worker-cpu .
FROM maven:3.9-eclipse-temurin-17 AS build
WORKDIR /src
# dependencies first, in their own layer: a change under src/ does not download them again
COPY pom.xml .
RUN mvn -B -ntp -q dependency:go-offline
COPY schemas schemas
COPY topology topology
COPY src/main src/main
RUN mvn -B -ntp -q -Dmaven.test.skip=true package \
    && mkdir -p /out/ingest-lib \
    && cp target/lib/*.jar /out/ingest-lib/ \
    && rm -f /out/ingest-lib/pytorch-native-*.jar /out/ingest-lib/pytorch-jni-*.jar

FROM eclipse-temurin:17-jre AS base
# a user of its own: nothing in the image runs as root
RUN useradd --system --uid 10001 --home-dir /app --shell /usr/sbin/nologin glimpse
WORKDIR /app
# metrics and health (--http-port 8080 --http-host 0.0.0.0, as docker-compose.yml runs it)
EXPOSE 8080

FROM base AS worker-cpu
COPY --from=build /src/target/glimpse.jar /app/glimpse.jar
COPY --from=build /src/target/lib /app/lib
# natives unpack here from the Maven Central jar; nothing is downloaded
RUN mkdir -p /app/djl-cache && chown glimpse:glimpse /app/djl-cache
ENV DJL_CACHE_DIR=/app/djl-cache ENGINE_CACHE_DIR=/app/djl-cache
USER glimpse
ENTRYPOINT ["java", "-Dai.djl.offline=true", "-jar", "/app/glimpse.jar"]

FROM base AS ingest
COPY --from=build /src/target/glimpse.jar /app/glimpse.jar
COPY --from=build /out/ingest-lib /app/lib
# Kafka Streams' state directory (docker-compose.yml mounts a volume here)
RUN mkdir -p /state && chown glimpse:glimpse /state
USER glimpse
ENTRYPOINT ["java", "-jar", "/app/glimpse.jar"]
