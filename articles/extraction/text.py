"""Text preparation shared by the matchers: accent folding, case and word boundaries."""
import re
import unicodedata

_COMBINING_MARKS = re.compile(r"[\u0300-\u036f]")
_PUNCTUATION_FOLDS = str.maketrans({"\u2019": "'", "\u2018": "'", "\u201c": '"', "\u201d": '"', "\u2013": "-", "\u2014": "-"})
_LEAD_END = re.compile(r"\n\s*\n|\n {2,}|\n\t")
_SENTENCE_END = re.compile(r"[.!?][\"')]?\s+(?=[A-Z\"])")


def fold_accents(text: str) -> str:
    """México -> Mexico, curly quotes -> straight, so one key matches every spelling."""
    if text.isascii():
        return text
    decomposed = unicodedata.normalize("NFKD", text)
    return unicodedata.normalize("NFC", _COMBINING_MARKS.sub("", decomposed)).translate(_PUNCTUATION_FOLDS)


def is_shouting(text: str) -> bool:
    """True for all-caps text (Reuters headlines), where case tells nothing about names."""
    letters = [c for c in text if c.isalpha()]
    if len(letters) < 4:
        return bool(letters) and all(c.isupper() for c in letters)
    return sum(c.isupper() for c in letters) / len(letters) > 0.8


def is_word_boundary(text: str, start: int, end: int) -> bool:
    """The span text[start:end] is not part of a longer word."""
    before = text[start - 1] if start > 0 else " "
    after = text[end] if end < len(text) else " "
    return not (before.isalnum() or after.isalnum())


def lead_length(body: str) -> int:
    """Length of the lead: the first paragraph, at most its first two sentences."""
    paragraph_end = _LEAD_END.search(body)
    first_paragraph = body[: paragraph_end.start()] if paragraph_end else body
    sentence_ends = list(_SENTENCE_END.finditer(first_paragraph))
    if len(sentence_ends) >= 2:
        return sentence_ends[1].end()
    return len(first_paragraph)


def opening_length(body: str, paragraphs: int = 2) -> int:
    """Length of the opening: the first two paragraphs that hold text, where a story names what it is about."""
    end = 0
    for _ in range(paragraphs):
        while end < len(body) and body[end].isspace():
            end += 1
        paragraph_end = _LEAD_END.search(body, end)
        end = paragraph_end.start() if paragraph_end else len(body)
    return end


SPANISH_FUNCTION_WORDS = frozenset({"de", "la", "el", "los", "las", "del", "y", "en", "que", "por", "con", "para", "una", "se", "su", "al"})
ENGLISH_FUNCTION_WORDS = frozenset({"the", "of", "and", "to", "in", "is", "for", "that", "with", "on", "was", "said", "by", "it"})


def reads_as_spanish(text: str) -> bool:
    """More Spanish than English function words: the Spanish-only rules apply ("América" the continent)."""
    words = re.findall(r"[a-z]+", text[:3000].lower())
    spanish = sum(word in SPANISH_FUNCTION_WORDS for word in words)
    english = sum(word in ENGLISH_FUNCTION_WORDS for word in words)
    return spanish > english


ABBREVIATED_TITLES = frozenset({"Mr", "Mrs", "Ms", "Dr", "Sen", "Rep", "Gov", "Gen", "Lt", "Col", "Capt", "Prof", "St"})


def previous_word(text: str, start: int) -> str:
    """The word just before position start ("" at a sentence start or after punctuation)."""
    head = text[max(0, start - 40) : start]
    match = re.search(r"([A-Za-z][\w'-]*)(\.?) +$", head)
    if not match:
        return ""
    word, dot = match.groups()
    return "" if dot and word not in ABBREVIATED_TITLES else word


def next_word(text: str, end: int) -> str:
    """The word just after position end, or "" when punctuation intervenes."""
    match = re.match(r" +([A-Za-z][\w'-]*)", text[end : end + 40])
    return match.group(1) if match else ""
