# Glimpse on the JVM, CPU natives: the image of ingest (and of a CPU worker).
# Build: docker build -t glimpse .
FROM maven:3.9-eclipse-temurin-17 AS build
WORKDIR /src
COPY pom.xml .
COPY schemas schemas
COPY topology topology
COPY src src
RUN mvn -B -ntp -q -DskipTests package

FROM eclipse-temurin:17-jre AS runtime
WORKDIR /app
COPY --from=build /src/target/glimpse.jar /app/glimpse.jar
COPY --from=build /src/target/lib /app/lib
# natives unpack here from the Maven Central jar; nothing is downloaded
ENV DJL_CACHE_DIR=/app/djl-cache ENGINE_CACHE_DIR=/app/djl-cache
ENTRYPOINT ["java", "-Dai.djl.offline=true", "-jar", "/app/glimpse.jar"]
