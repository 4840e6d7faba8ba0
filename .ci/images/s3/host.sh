# Run by build-images.sh on this machine, with the image's root filesystem as $1: S3Proxy is not a Debian package,
# so its jars come from Maven Central, as the official image's build gets them.
set -e
mvn -B -q -f "$(dirname "$0")/pom.xml" dependency:copy-dependencies -DoutputDirectory="$1/opt/s3proxy/lib"
