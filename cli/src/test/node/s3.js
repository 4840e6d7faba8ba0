// S3's part of the connection contract, read by the AWS SDK for JavaScript v3 (npm) with its default configuration:
// the endpoint, key, secret and region come from the variables `scale run` exports, the bucket from S3_BUCKET.
// A key and a body with non-ASCII text are put, listed by prefix and read back.
// usage: scale run --with s3 -- node s3.js TEXT   (prints one JSON line)
const { S3Client, PutObjectCommand, ListObjectsV2Command, GetObjectCommand, DeleteObjectCommand } = require('@aws-sdk/client-s3');

async function main() {
  const text = process.argv[2];
  const bucket = process.env.S3_BUCKET;
  const key = 'contract/' + text + '.txt';
  const s3 = new S3Client({});  // nothing but the environment
  await s3.send(new PutObjectCommand({ Bucket: bucket, Key: key, Body: text, ContentType: 'text/plain; charset=utf-8' }));
  const listed = await s3.send(new ListObjectsV2Command({ Bucket: bucket, Prefix: 'contract/' }));
  const got = await s3.send(new GetObjectCommand({ Bucket: bucket, Key: key }));
  const body = await got.Body.transformToString('utf-8');
  await s3.send(new DeleteObjectCommand({ Bucket: bucket, Key: key }));
  console.log(JSON.stringify({ keys: (listed.Contents || []).map((o) => o.Key), body }));
}

main().catch((err) => { console.error(String(err && err.stack || err)); process.exit(1); });
