// S3's part of the connection contract, read by the AWS SDK for JavaScript v3 (npm) with its default configuration:
// the endpoint, key, secret and region come from the variables `scale run` exports, the bucket from S3_BUCKET, and
// nothing is set in the code. An object whose key and body hold non-ASCII text is put, listed by prefix, read back
// and deleted. (A Content-Type with a lower-case "charset=utf-8" is left out: S3Proxy's web server rewrites it to
// UTF-8 before it checks the signature, and refuses the request; README's S3 section says so.)
// usage: scale run --with s3 -- node s3.js TEXT   (prints one JSON line)
const { S3Client, PutObjectCommand, ListObjectsV2Command, GetObjectCommand, DeleteObjectCommand } = require('@aws-sdk/client-s3');

async function main() {
  const text = process.argv[2];
  const bucket = process.env.S3_BUCKET;
  const key = 'contract/' + text + '.txt';
  const s3 = new S3Client({});
  await s3.send(new PutObjectCommand({ Bucket: bucket, Key: key, Body: text }));
  const listed = await s3.send(new ListObjectsV2Command({ Bucket: bucket, Prefix: 'contract/' }));
  const got = await s3.send(new GetObjectCommand({ Bucket: bucket, Key: key }));
  const body = await got.Body.transformToString('utf-8');
  await s3.send(new DeleteObjectCommand({ Bucket: bucket, Key: key }));
  const after = await s3.send(new ListObjectsV2Command({ Bucket: bucket, Prefix: 'contract/' }));
  console.log(JSON.stringify({ bucket, keys: (listed.Contents || []).map((o) => o.Key), body,
    keysAfterDelete: (after.Contents || []).map((o) => o.Key) }));
}

main().catch((err) => { console.error(String(err && err.stack || err)); process.exit(1); });
