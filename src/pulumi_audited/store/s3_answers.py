"""What S3's answers say: the two XML documents s3.py reads (an error's Code and Message, a
ListObjectsV2 page, parsed with ElementTree), which answers are worth another try, and the
one line a user can act on for each error."""

from __future__ import annotations

import http.client
from collections.abc import Callable
from xml.etree import ElementTree

from pulumi_audited.store.objects import ObjectInfo
from pulumi_audited.store.retry import TRANSIENT_STATUSES


def error_code(body: bytes) -> tuple[str, str]:
    """`Code` and `Message` of an S3 error document; empty strings when there is none."""
    if not body or b"<Code>" not in body:
        return "", ""
    try:
        root = ElementTree.fromstring(body)
    except ElementTree.ParseError:
        return "", ""
    code = message = ""
    for child in root.iter():
        tag = child.tag.rsplit("}", 1)[-1]
        if tag == "Code" and not code:
            code = (child.text or "").strip()
        elif tag == "Message" and not message:
            message = (child.text or "").strip()
    return code, message


def parse_listing(
    body: bytes, objects: list[ObjectInfo], prefixes: list[str]
) -> tuple[bool, str | None]:
    """Add a ListObjectsV2 page's objects and common prefixes; (IsTruncated, next token)."""
    root = ElementTree.fromstring(body)
    ns = root.tag[: root.tag.index("}") + 1] if root.tag.startswith("{") else ""
    if root.tag != f"{ns}ListBucketResult":
        raise ValueError(root.tag)
    contents, common, key_tag, etag_tag, size_tag, prefix_tag = (
        f"{ns}Contents",
        f"{ns}CommonPrefixes",
        f"{ns}Key",
        f"{ns}ETag",
        f"{ns}Size",
        f"{ns}Prefix",
    )
    truncated = False
    token = None
    append = objects.append
    for child in root:
        tag = child.tag
        if tag == contents:
            key = etag = ""
            size = 0
            for field in child:
                if field.tag == key_tag:
                    key = field.text or ""
                elif field.tag == etag_tag:
                    etag = (field.text or "").strip('"')
                elif field.tag == size_tag:
                    size = int(field.text or 0)
            append(ObjectInfo(key, etag, size))
        elif tag == common:
            for field in child:
                if field.tag == prefix_tag and field.text:
                    prefixes.append(field.text)
        elif tag == f"{ns}IsTruncated":
            truncated = (child.text or "").strip().lower() == "true"
        elif tag == f"{ns}NextContinuationToken":
            token = child.text
    return truncated, token


# Error codes that mean "not now": throttling, a server-side hiccup, and (409) another writer
# creating the same key at this moment.
_TRANSIENT_CODES = {
    "SlowDown",
    "RequestTimeout",
    "InternalError",
    "ServiceUnavailable",
    "Throttling",
    "ThrottlingException",
    "RequestThrottled",
    "RequestLimitExceeded",
    "ConditionalRequestConflict",
    "OperationAborted",
}
_CREDENTIAL_CODES = {
    "InvalidAccessKeyId": "the access key id is not known to the server",
    "SignatureDoesNotMatch": "the secret key does not belong to the access key id",
    "ExpiredToken": "the session token has expired",
    "TokenRefreshRequired": "the session token has expired",
    "InvalidToken": "the session token is not valid",
    "InvalidSecurity": "the security token is not valid",
    "RequestTimeTooSkewed": "this machine's clock is too far off",
}
_REGION_CODES = {
    "PermanentRedirect",
    "TemporaryRedirect",
    "AuthorizationHeaderMalformed",
    "IllegalLocationConstraintException",
}


def one_line(text: str, limit: int = 300) -> str:
    text = " ".join(text.split())
    return text if len(text) <= limit else text[: limit - 3] + "..."


class Response:
    __slots__ = ("body", "headers", "reason", "status")

    def __init__(self, status: int, reason: str, headers: http.client.HTTPMessage, body: bytes):
        self.status = status
        self.reason = reason
        self.headers = headers
        self.body = body

    def transient(self) -> bool:
        if self.status in TRANSIENT_STATUSES:
            return True
        if self.status < 400:
            return False
        code = error_code(self.body)[0]
        return code in _TRANSIENT_CODES or (self.status == 409 and not code)


def failure_message(
    response: Response,
    what: str,
    doing: str,
    action: str,
    *,
    bucket: str,
    region: str,
    origin: str,
    bucket_is_missing: Callable[[], bool],
) -> str:
    """The one line a user can act on for an S3 error answer to `doing` (read, write,
    list...) `what`, which needed IAM `action`. `bucket_is_missing` asks the server, for the
    servers that answer a write to a missing bucket with AccessDenied."""
    code, message = error_code(response.body)
    bucket_region = response.headers.get("x-amz-bucket-region")
    if (
        bucket_region
        and bucket_region != region
        and (code in _REGION_CODES or response.status in (301, 307, 400))
    ):
        return (
            f"s3://{bucket} is in region {bucket_region}, not {region}: "
            f"add ?region={bucket_region} to the log location"
        )
    if code == "NoSuchBucket":
        return f"bucket '{bucket}' does not exist at {origin}"
    if code == "NoSuchKey" or (response.status == 404 and not code and doing == "read"):
        return f"{what} does not exist"
    if code in _CREDENTIAL_CODES:
        return (
            f"the S3 credentials were refused: {_CREDENTIAL_CODES[code]} ({code}); "
            "check AWS_ACCESS_KEY_ID/AWS_SECRET_ACCESS_KEY or the AWS profile"
        )
    if code == "AccessDenied" or (response.status == 403 and not code):
        if doing == "write" and bucket_is_missing():
            return f"bucket '{bucket}' does not exist at {origin}"
        hint = " (a missing key reads as access denied without s3:ListBucket)"
        return (
            f"access denied to {what}: check the IAM policy (and bucket policy) allows "
            f"{action} for these credentials" + (hint if doing == "read" else "")
        )
    if code in _REGION_CODES or response.status in (301, 307):
        return (
            f"s3://{bucket} is not in region {region}: add ?region=REGION "
            "(the bucket's region) to the log location"
        )
    if code:
        return f"cannot {doing} {what}: S3 said {code}: {one_line(message) or response.reason}"
    return (
        f"cannot {doing} {what}: {origin} answered HTTP {response.status} "
        f"{one_line(response.reason)}"
    )
