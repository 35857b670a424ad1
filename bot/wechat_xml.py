"""WeChat's XML: a message body parsed safely (no DTD or entities, bounded depth) into a dict, and a passive
text reply rendered with everything escaped."""

import re
import time
import xml.etree.ElementTree
from xml.etree.ElementTree import ParseError

import defusedxml
import defusedxml.ElementTree

MAX_XML_DEPTH = 4                  # levels below <xml>: WeChat's deepest, SendPicsInfo/PicList/item/PicMd5Sum
_XML_INVALID_CHARS = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\ufffe\uffff]")


class BadXML(ValueError):
    """The body is not a WeChat XML message (malformed, DTD/entities, wrong root, nested too deep)."""


def parse_xml(body):
    """WeChat XML -> dict of the root's children (nested elements become dicts); DTDs and entities refused.

    A body that begins with `<xml>` itself, as every WeChat message does, has no prolog: no DOCTYPE can come
    after the root element starts, so nothing can declare an entity (a bomb or an external file), and any
    `&name;` other than the five predefined ones is a parse error. Those bodies go straight to the C parser
    (a third of defusedxml's cost per message); everything else is parsed by defusedxml, which refuses DTDs.
    Elements nested more than MAX_XML_DEPTH levels below <xml> are refused (and never recursed into).
    """
    if not body:
        raise BadXML("empty body")
    try:
        if body.startswith(b"<xml>"):
            root = xml.etree.ElementTree.fromstring(body)
        else:
            root = defusedxml.ElementTree.fromstring(body, forbid_dtd=True, forbid_entities=True,
                                                     forbid_external=True)
    except (ParseError, defusedxml.DefusedXmlException, ValueError, TypeError) as exc:
        raise BadXML(f"{type(exc).__name__}: {exc}") from None
    if root.tag != "xml":
        raise BadXML(f"root element <{root.tag}>, expected <xml>")
    return {child.tag: _element_value(child, 1) for child in root}


def _element_value(element, depth):
    if len(element):
        if depth >= MAX_XML_DEPTH:
            raise BadXML(f"elements nested more than {MAX_XML_DEPTH} levels below <xml>")
        return {child.tag: _element_value(child, depth + 1) for child in element}
    return (element.text or "").strip() if element.tag != "Content" else (element.text or "")


def _cdata(text):
    text = _XML_INVALID_CHARS.sub("", str(text))
    return "<![CDATA[" + text.replace("]]>", "]]]]><![CDATA[>") + "]]>"


def render_text_reply(to_user, from_user, content, create_time=None):
    """A passive text reply (we render it ourselves: WeRoBot's TextReply does not escape ']]>')."""
    return (
        f"<xml><ToUserName>{_cdata(to_user)}</ToUserName><FromUserName>{_cdata(from_user)}</FromUserName>"
        f"<CreateTime>{int(create_time or time.time())}</CreateTime><MsgType><![CDATA[text]]></MsgType>"
        f"<Content>{_cdata(content)}</Content></xml>"
    )
