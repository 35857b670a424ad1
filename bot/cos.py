"""Tencent COS: settings with defaults, and a small client (upload with retries, presigned links, list, delete)."""

import logging
import os
import time

from .config import CosSettings, with_defaults

log = logging.getLogger("teabot.cos")


class CosError(Exception):
    """An upload or listing failed after its retries; the message names the key, never a secret."""


def cos_settings(config):
    """The `cos` section over its declared defaults (bot/config.py)."""
    return with_defaults(CosSettings, config.get("cos"))


def check_cos_config(config, environ=None):
    """Problems with the cos section, as Chinese sentences (empty when COS is disabled or usable)."""
    environ = os.environ if environ is None else environ
    settings = cos_settings(config)
    if not settings["enabled"]:
        return []
    problems = []
    if not settings["bucket"]:
        problems.append("cos.bucket 未设置（cos.enabled 为 true 时必填）")
    if not settings["region"] and not settings["domain"]:
        problems.append("cos.region 与 cos.domain 至少要设置一个")
    for key in ("secret_id_env", "secret_key_env"):
        if not environ.get(settings[key]):
            problems.append(f"COS 已启用，但环境变量 {settings[key]} 未设置")
    return problems


class Cos:
    """One bucket. Construct freely; the SDK client is built on first use."""

    def __init__(self, config, environ=None, sleep=time.sleep):
        self.settings = cos_settings(config)
        self.environ = os.environ if environ is None else environ
        self.sleep = sleep
        self._client = None

    @property
    def enabled(self):
        return bool(self.settings["enabled"])

    @property
    def bucket(self):
        return self.settings["bucket"]

    def key(self, *parts):
        prefix = str(self.settings["prefix"] or "")
        if prefix and not prefix.endswith("/"):
            prefix += "/"
        return prefix + "/".join(p.strip("/") for p in parts)

    @property
    def client(self):
        if self._client is None:
            from qcloud_cos import CosConfig, CosS3Client
            s = self.settings
            options = {"Scheme": s["scheme"], "Timeout": s["timeout"],
                       "SecretId": self.environ.get(s["secret_id_env"], ""),
                       "SecretKey": self.environ.get(s["secret_key_env"], "")}
            if s["domain"]:
                options["Domain"] = s["domain"]
            else:
                options["Region"] = s["region"]
            # retry=0: our own retries (with logged, configurable backoff) are the only ones
            self._client = CosS3Client(CosConfig(**options), retry=0)
        return self._client

    def upload(self, path, key):
        """upload_file (multipart above 1 MB, resumable) with retries; raise CosError after the last one."""
        delays = list(self.settings["retry_delays"] or [])
        attempt = 0
        while True:
            attempt += 1
            try:
                self.client.upload_file(Bucket=self.bucket, Key=key, LocalFilePath=path, PartSize=1, MAXThread=2)
                return attempt
            except Exception as exc:
                reason = _reason(exc)
                if not delays:
                    raise CosError(f"上传 {key} 失败（{attempt} 次）：{reason}") from None
                delay = delays.pop(0)
                log.warning("COS upload of %s failed (attempt %s): %s; retrying in %ss", key, attempt, reason, delay)
                self.sleep(delay)

    def presigned_url(self, key, expires_seconds):
        return self.client.get_presigned_download_url(Bucket=self.bucket, Key=key, Expired=int(expires_seconds))

    def list_keys(self, prefix):
        """Every key under prefix (follows pagination)."""
        keys, marker = [], ""
        while True:
            try:
                page = self.client.list_objects(Bucket=self.bucket, Prefix=prefix, Marker=marker, MaxKeys=1000)
            except Exception as exc:
                raise CosError(f"列出 {prefix} 失败：{_reason(exc)}") from None
            contents = page.get("Contents") or []
            keys += [c["Key"] for c in contents]
            if str(page.get("IsTruncated")).lower() != "true" or not contents:
                return keys
            marker = page.get("NextMarker") or contents[-1]["Key"]

    def delete(self, key):
        try:
            self.client.delete_object(Bucket=self.bucket, Key=key)
        except Exception as exc:
            raise CosError(f"删除 {key} 失败：{_reason(exc)}") from None


def _reason(exc):
    """A short reason without request details (URLs of failed requests may carry signatures)."""
    code = getattr(exc, "get_error_code", None)
    if callable(code):
        try:
            return f"{code()} {exc.get_status_code()}"
        except Exception:
            pass
    return type(exc).__name__
