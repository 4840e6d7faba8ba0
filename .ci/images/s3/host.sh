# Run by build-images.sh on this machine, with the image's root filesystem as $1: S3Proxy is not a Debian package,
# so its jars come from Maven Central, as the official image's build gets them.
set -e
mvn -B -q -f "$(dirname "$0")/pom.xml" dependency:copy-dependencies -DoutputDirectory="$1/opt/s3proxy/lib"
# The official image logs at LOG_LEVEL (info) through the logback configuration its shaded jar carries; the jar on
# Maven Central has none, and logback's default is DEBUG: the same configuration, written here.
cat > "$1/opt/s3proxy/logback.xml" <<'XML'
<configuration>
  <appender name="STDOUT" class="ch.qos.logback.core.ConsoleAppender">
    <encoder><pattern>[s3proxy] %.-1p %d{MM-dd HH:mm:ss.SSS} %t %c{30}:%L %X{clientId}|%X{sessionId}:%X{messageId}:%X{fileId}] %m%n</pattern></encoder>
  </appender>
  <root level="${LOG_LEVEL:-info}"><appender-ref ref="STDOUT"/></root>
</configuration>
XML
