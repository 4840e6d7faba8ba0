#!/bin/sh
# Mirrors the official andrewgaul/s3proxy image's run-docker-container.sh: S3Proxy configured from its environment
# (S3PROXY_*, JCLOUDS_*), its data directory made, the server in the foreground as PID 1 after exec. S3Proxy's jars
# are in /opt/s3proxy/lib (the official image has them shaded into one jar); Java is Debian's.
set -e
if [ "$#" -gt 0 ] && [ "${1#-}" = "$1" ]; then
  exec "$@"
fi
mkdir -p "${JCLOUDS_FILESYSTEM_BASEDIR}"
exec java \
    $S3PROXY_JAVA_OPTS \
    -DLOG_LEVEL="${LOG_LEVEL}" \
    -Dlogback.configurationFile=/opt/s3proxy/logback.xml \
    -Ds3proxy.endpoint="${S3PROXY_ENDPOINT}" \
    -Ds3proxy.virtual-host="${S3PROXY_VIRTUALHOST}" \
    -Ds3proxy.authorization="${S3PROXY_AUTHORIZATION}" \
    -Ds3proxy.identity="${S3PROXY_IDENTITY}" \
    -Ds3proxy.credential="${S3PROXY_CREDENTIAL}" \
    -Ds3proxy.cors-allow-all="${S3PROXY_CORS_ALLOW_ALL}" \
    -Ds3proxy.ignore-unknown-headers="${S3PROXY_IGNORE_UNKNOWN_HEADERS}" \
    -Ds3proxy.v4-max-non-chunked-request-size="${S3PROXY_V4_MAX_NON_CHUNKED_REQ_SIZE:-33554432}" \
    -Djclouds.provider="${JCLOUDS_PROVIDER}" \
    -Djclouds.identity="${JCLOUDS_IDENTITY}" \
    -Djclouds.credential="${JCLOUDS_CREDENTIAL}" \
    -Djclouds.regions="${JCLOUDS_REGIONS}" \
    -Djclouds.filesystem.basedir="${JCLOUDS_FILESYSTEM_BASEDIR}" \
    -cp '/opt/s3proxy/lib/*' org.gaul.s3proxy.Main \
    --properties /dev/null "$@"
