# iem-okta image: the same runnable jar `./mvnw package` builds, run as a non-root user.
# Base images are pinned by tag. Pin them by digest (image@sha256:...) when the release pipeline
# can resolve and verify the digests; the build machines here have no registry access to do it.

# ---- build ------------------------------------------------------------------------------------
FROM maven:3.9-eclipse-temurin-17 AS build
WORKDIR /build

# Dependencies first: this layer is rebuilt only when the pom or the wrapper changes.
COPY mvnw pom.xml ./
COPY .mvn .mvn
RUN ./mvnw -B -q dependency:go-offline

COPY src src
RUN ./mvnw -B -q package -DskipTests

# ---- run --------------------------------------------------------------------------------------
FROM eclipse-temurin:17-jre

LABEL org.opencontainers.image.title="iem-okta" \
      org.opencontainers.image.description="Okta side of Flare Identity Exposure Management"

# A fixed numeric user, so that Kubernetes can verify runAsNonRoot; the chart uses the same ids.
RUN groupadd --system --gid 10001 iem \
 && useradd --system --uid 10001 --gid iem --home-dir /nonexistent --no-create-home --shell /usr/sbin/nologin iem

WORKDIR /app
COPY --from=build /build/target/iem-okta.jar /app/iem-okta.jar

# Heap follows the container's memory limit. The root filesystem may be read-only: the JVM and
# Vert.x only write under /tmp, which the chart mounts as an emptyDir.
ENV JAVA_TOOL_OPTIONS="-XX:MaxRAMPercentage=75 -XX:+ExitOnOutOfMemoryError -Djava.io.tmpdir=/tmp"

# gRPC, then HTTP (JWKS, /healthz, /readyz, /metrics)
EXPOSE 50051 8080

USER 10001:10001
ENTRYPOINT ["java", "-jar", "/app/iem-okta.jar"]
