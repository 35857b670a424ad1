"""What people type, made safe to store and show: full-width forms folded, invisible controls dropped, arguments
split the way Chinese input methods separate them."""

import re

# Bidi embeddings/overrides/isolates and the Arabic letter mark let a name read backwards ("‮" turns "张三"
# into what looks like another word in 81, 83 and the report); zero-width characters make two names that look
# the same compare different. None of them belongs in a note, a name or a title.
_INVISIBLE = re.compile("[\u200b-\u200f\u202a-\u202e\u2060-\u2064\u2066-\u2069\u061c\ufeff\u180e]")

# Full-width ASCII (what a Chinese IME types in full-width mode) to ASCII. Deliberately not NFKC: NFKC also turns
# '²', '①', '𝟗' into digits, and an amount must be written with digits people read as digits.
_FULL_WIDTH = {code: code - 0xFEE0 for code in range(0xFF01, 0xFF5F)}
_FULL_WIDTH[0x3000] = 0x20          # ideographic space


def clean(text):
    """Drop invisible controls and fold full-width ASCII; keep everything else as typed."""
    return _INVISIBLE.sub("", (text or "").translate(_FULL_WIDTH))


def clean_name(text):
    """A name or title as it is stored: cleaned, inner whitespace collapsed, trimmed."""
    return re.sub(r"\s+", " ", clean(text)).strip()


# A comma between two digits belongs to an amount ('1,234.5', or the mistake '86，5', which the amount grammar
# refuses with a reason); any other comma or an enumeration comma separates arguments like a space.
_SEPARATOR = re.compile(r"\s+|、|(?<![0-9]),|,(?![0-9])")


def split_args(text):
    """'研发二组，李四' -> ['研发二组', '李四']; '86,5 奶茶' -> ['86,5', '奶茶'] (for the amount grammar to refuse)."""
    return [token for token in _SEPARATOR.split(text or "") if token]


def is_number(text):
    """Only ASCII digits, at most 18 of them: what a record, request or page number may be, in chat or in a URL
    (str.isdigit also takes '²' and '١', which int() refuses or reads; more digits overflow SQLite's integers)."""
    return bool(text) and len(text) <= 18 and text.isascii() and text.isdigit()

