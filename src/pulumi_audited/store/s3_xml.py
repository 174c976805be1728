"""The two S3 XML documents s3.py reads: an error's Code and Message, and a ListObjectsV2
page, parsed with ElementTree."""

from __future__ import annotations

from xml.etree import ElementTree

from pulumi_audited.store.objects import ObjectInfo


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
