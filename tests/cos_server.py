"""A real S3-compatible server on loopback (moto's S3 WSGI app) that the COS SDK can talk to."""

import os
import threading

os.environ.setdefault("S3_UPLOAD_PART_MIN_SIZE", "1048576")  # the COS SDK uploads 1 MB parts

BUCKET = "teabot-1250000000"


class S3Server:
    def __init__(self):
        from moto.server import create_backend_app
        from werkzeug.serving import make_server
        self.server = make_server("127.0.0.1", 0, create_backend_app("s3"), threaded=True)
        self.port = self.server.server_port
        self.thread = threading.Thread(target=self.server.serve_forever, daemon=True)
        self.thread.start()

    @property
    def domain(self):
        return f"127.0.0.1:{self.port}/{BUCKET}"

    def stop(self):
        self.server.shutdown()
        self.server.server_close()


def cos_config(domain):
    return {"enabled": True, "bucket": BUCKET, "domain": domain, "scheme": "http", "prefix": "teabot/",
            "retry_delays": [0.01, 0.01]}


def create_bucket(domain):
    """Create the bucket. moto does not recognise COS query-string signatures: it treats a presigned COS link
    as an anonymous request and applies the object's ACL (private for a single PUT -> 403). A bucket policy that
    allows GetObject lets the link through; the signature itself is checked against the documented vectors."""
    from bot.cos import Cos
    client = Cos({"cos": cos_config(domain)}).client
    client.create_bucket(Bucket=BUCKET)
    client.put_bucket_policy(Bucket=BUCKET, Policy={
        "Version": "2012-10-17",
        "Statement": [{"Effect": "Allow", "Principal": "*", "Action": ["s3:GetObject"],
                       "Resource": [f"arn:aws:s3:::{BUCKET}/*"]}]})
