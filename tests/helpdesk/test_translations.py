"""Every text of the product in English, Dutch and Polish (issue 12, item 7).

The catalogues in `locale/` are read as a person would read them: no entry untranslated or
fuzzy, every placeholder and HTML tag of the English kept, the plural forms each language
has. Then the sources are read the way `makemessages` reads them (Django's own `templatize`
for templates, the parse tree for Python), so a string added tomorrow without a translation
fails here, without GNU gettext installed. The compiled `.mo` files must say what the `.po`
files say (a forgotten `compilemessages` shows English)."""

from __future__ import annotations

import ast
import gettext as gnu_gettext
import re
from dataclasses import dataclass, field
from pathlib import Path

import pytest
from django.utils import translation
from django.utils.translation.template import templatize

ROOT = Path(__file__).resolve().parents[2]
LOCALE = ROOT / "locale"
LANGUAGES = ("nl", "pl")
PLURAL_FORMS = {
    "nl": "nplurals=2; plural=(n != 1);",
    "pl": (
        "nplurals=3; plural=(n==1 ? 0 : n%10>=2 && n%10<=4 && (n%100<10 || n%100>=20) ? 1 : 2);"
    ),
}
# Where makemessages does not look (the project's own run: --ignore=.venv, var, node_modules).
SKIPPED_DIRS = {".venv", "var", "node_modules", "tests", "__pycache__", "bench"}
# The names xgettext and Django's makemessages extract from Python, with the argument
# positions of (msgid, msgid_plural).
PY_KEYWORDS = {
    "_": (0, None),
    "gettext": (0, None),
    "gettext_lazy": (0, None),
    "gettext_noop": (0, None),
    "ngettext": (0, 1),
    "ngettext_lazy": (0, 1),
    "pgettext": (1, None),
    "pgettext_lazy": (1, None),
    "npgettext": (1, 2),
    "npgettext_lazy": (1, 2),
}
# %(name)s, %(n)02d, %s, %% — and {name} in python-brace-format strings.
PERCENT = re.compile(r"%(?:%|(?:\([a-z_][a-z0-9_]*\))?[-#0 +]*\d*(?:\.\d+)?[sdifr])")
NAMED = re.compile(r"%\([a-z_][a-z0-9_]*\)[-#0 +]*\d*(?:\.\d+)?[sdifr]")
BRACE = re.compile(r"\{[a-z_][a-z0-9_]*\}")
TAG = re.compile(r"</?[a-zA-Z][^>]*>")


@dataclass
class Entry:
    msgid: str
    line: int
    msgid_plural: str | None = None
    msgstr: dict[int, str] = field(default_factory=dict)
    flags: set[str] = field(default_factory=set)
    obsolete: bool = False


def _unquote(text: str) -> str:
    value = ast.literal_eval(text)
    assert isinstance(value, str)
    return value


def parse_po(path: Path) -> list[Entry]:
    """The entries of a .po file, the header first (msgid "")."""
    entries: list[Entry] = []
    current: Entry | None = None
    key = ""
    flags: set[str] = set()
    for number, raw in enumerate(path.read_text(encoding="utf-8").splitlines(), start=1):
        obsolete = raw.startswith("#~")
        line = raw[2:].strip() if obsolete else raw.strip()
        if not line:
            current, flags = None, set()
        elif line.startswith("#,") and not obsolete:
            flags |= {flag.strip() for flag in line[2:].split(",")}
        elif line.startswith("#"):
            continue
        elif line.startswith("msgid "):
            current = Entry(_unquote(line[6:]), number, flags=flags, obsolete=obsolete)
            entries.append(current)
            key = "msgid"
        elif current is None:
            raise AssertionError(f"{path}:{number}: text outside an entry")
        elif line.startswith("msgid_plural "):
            current.msgid_plural, key = _unquote(line[13:]), "msgid_plural"
        elif line.startswith("msgstr"):
            match = re.match(r"msgstr(?:\[(\d+)\])? (.*)", line)
            assert match, f"{path}:{number}: {line}"
            key = f"msgstr{match[1] or 0}"
            current.msgstr[int(match[1] or 0)] = _unquote(match[2])
        elif line.startswith('"'):
            _append(current, key, _unquote(line))
    return entries


def _append(entry: Entry, key: str, text: str) -> None:
    if key == "msgid":
        entry.msgid += text
    elif key == "msgid_plural":
        entry.msgid_plural = (entry.msgid_plural or "") + text
    else:
        index = int(key.removeprefix("msgstr"))
        entry.msgstr[index] += text


def plural_index(lang: str, n: int) -> int:
    """PLURAL_FORMS said in Python."""
    if lang == "pl":
        return 0 if n == 1 else 1 if 2 <= n % 10 <= 4 and not 12 <= n % 100 <= 14 else 2
    return 0 if n == 1 else 1


def catalogue(lang: str) -> list[Entry]:
    return parse_po(LOCALE / lang / "LC_MESSAGES" / "django.po")


def header(lang: str) -> dict[str, str]:
    head = catalogue(lang)[0]
    assert head.msgid == ""
    pairs = (line.split(":", 1) for line in head.msgstr[0].splitlines() if ":" in line)
    return {name.strip(): value.strip() for name, value in pairs}


def _tokens(text: str, flags: set[str]) -> list[str]:
    found = NAMED.findall(text)
    if "python-format" in flags:
        found = PERCENT.findall(text)
    if "python-brace-format" in flags:
        found += BRACE.findall(text)
    found += TAG.findall(text)
    return sorted(found)


def problems_of(entry: Entry, nplurals: int) -> list[str]:
    where = f"line {entry.line} {entry.msgid[:60]!r}"
    if "fuzzy" in entry.flags:
        return [f"{where}: fuzzy"]
    expected = nplurals if entry.msgid_plural is not None else 1
    if sorted(entry.msgstr) != list(range(expected)):
        return [f"{where}: {len(entry.msgstr)} forms, {expected} wanted"]
    if not all(text.strip() for text in entry.msgstr.values()):
        return [f"{where}: untranslated"]
    singular = _tokens(entry.msgid, entry.flags)
    plural = _tokens(entry.msgid_plural or entry.msgid, entry.flags)
    found: list[str] = []
    for index, text in entry.msgstr.items():
        tokens = _tokens(text, entry.flags)
        # The form for one may keep the English singular's tokens ("One new entry…") or the
        # plural's; every other form is a plural.
        allowed = [singular, plural] if index == 0 else [plural]
        if tokens not in allowed:
            found.append(f"{where}: form {index} has {tokens}, English has {allowed[-1]}")
    return found


@pytest.mark.parametrize("lang", LANGUAGES)
def test_the_header_names_the_language_and_its_plural_forms(lang: str) -> None:
    fields = header(lang)
    assert fields["Language"] == lang
    assert fields["Plural-Forms"] == PLURAL_FORMS[lang]
    assert fields["Content-Type"] == "text/plain; charset=UTF-8"


@pytest.mark.parametrize("lang", LANGUAGES)
def test_every_entry_is_translated_with_its_placeholders_and_tags(lang: str) -> None:
    nplurals = int(PLURAL_FORMS[lang].split(";")[0].split("=")[1])
    entries = [e for e in catalogue(lang)[1:] if not e.obsolete]
    assert len(entries) > 500
    problems = [p for entry in entries for p in problems_of(entry, nplurals)]
    assert problems == []


def test_a_placeholder_left_out_or_renamed_is_caught() -> None:
    # The checker itself: a translation that drops or renames a placeholder fails.
    entry = Entry("Open #%(number)s", 1, flags={"python-format"}, msgstr={0: "Otwórz #%(nr)s"})
    assert problems_of(entry, 3)
    entry = Entry("Tag “%(tag)s” added", 1, msgstr={0: "Tag toegevoegd"})
    assert problems_of(entry, 2)
    entry = Entry("Deactivate<span> %(title)s</span>", 1, msgstr={0: "Wyłącz %(title)s"})
    assert problems_of(entry, 3)
    entry = Entry("One new entry.", 1, "%(n)s new entries.", {0: "Jeden.", 1: "%(n)s."})
    assert problems_of(entry, 3) == [f"line 1 {entry.msgid!r}: 2 forms, 3 wanted"]
    entry.msgstr[2] = "%(n)s nowych."
    assert problems_of(entry, 3) == []


def _python_strings(path: Path) -> set[tuple[str, str | None]]:
    found: set[tuple[str, str | None]] = set()
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"), filename=str(path))):
        if not isinstance(node, ast.Call):
            continue
        func = node.func
        name = func.id if isinstance(func, ast.Name) else getattr(func, "attr", "")
        if name not in PY_KEYWORDS:
            continue
        one, many = PY_KEYWORDS[name]
        args = node.args
        if len(args) <= one or not _is_text(args[one]):
            continue
        plural = args[many] if many is not None and len(args) > many else None
        found.add((_text(args[one]), _text(plural) if plural is not None else None))
    return found


def _is_text(node: ast.expr) -> bool:
    return isinstance(node, ast.Constant) and isinstance(node.value, str)


def _text(node: ast.expr) -> str:
    assert isinstance(node, ast.Constant)
    assert isinstance(node.value, str)
    return node.value


CALL = re.compile(r"(?<![\w.])(gettext|ngettext|pgettext|npgettext|_)\(")


def _template_strings(path: Path) -> set[tuple[str, str | None]]:
    """What makemessages takes from a template: Django's templatize turns it into calls
    (`gettext('…')`, `ngettext('…', '…', count)`, `_("…")`) in a blanked-out text."""
    code = templatize(path.read_text(encoding="utf-8"), origin=str(path))
    found: set[tuple[str, str | None]] = set()
    for match in CALL.finditer(code):
        call = _first_call(code, match.start())
        if call is None:
            continue
        one, many = PY_KEYWORDS[match[1]]
        args = call.args
        if len(args) > one and _is_text(args[one]):
            plural = args[many] if many is not None and len(args) > many else None
            found.add((_text(args[one]), _text(plural) if plural is not None else None))
    return found


def _first_call(code: str, start: int) -> ast.Call | None:
    end = code.find(")", start)
    while end != -1:
        try:
            node = ast.parse(code[start : end + 1], mode="eval").body
        except SyntaxError:
            end = code.find(")", end + 1)
            continue
        return node if isinstance(node, ast.Call) else None
    return None


def source_strings() -> set[tuple[str, str | None]]:
    found: set[tuple[str, str | None]] = set()
    for path in ROOT.rglob("*"):
        parts = path.relative_to(ROOT).parts
        if any(part in SKIPPED_DIRS or part.startswith(".") for part in parts[:-1]):
            continue
        if path.suffix == ".py":
            found |= _python_strings(path)
        elif path.suffix in (".html", ".txt") and "templates" in parts:
            found |= _template_strings(path)
    return found


def test_every_text_in_the_sources_has_a_dutch_and_polish_translation() -> None:
    strings = source_strings()
    assert ("Mine", None) in strings
    assert ("%(n)s ticket", "%(n)s tickets") in strings
    for lang in LANGUAGES:
        done = {
            (e.msgid, e.msgid_plural)
            for e in catalogue(lang)[1:]
            if not e.obsolete and "fuzzy" not in e.flags and all(e.msgstr.values())
        }
        missing = sorted(strings - done, key=lambda s: s[0])
        assert missing == [], f"run makemessages and translate for {lang}: {missing}"


@pytest.mark.parametrize("lang", LANGUAGES)
def test_the_compiled_catalogue_says_what_the_po_file_says(lang: str) -> None:
    with (LOCALE / lang / "LC_MESSAGES" / "django.mo").open("rb") as handle:
        compiled = gnu_gettext.GNUTranslations(handle)
    stale = []
    for entry in catalogue(lang)[1:]:
        if entry.obsolete:
            continue
        if entry.msgid_plural is None:
            got = [compiled.gettext(entry.msgid)]
            want = [entry.msgstr[0]]
        else:
            got = [compiled.ngettext(entry.msgid, entry.msgid_plural, n) for n in (1, 2, 5)]
            want = [entry.msgstr[plural_index(lang, n)] for n in (1, 2, 5)]
        if got != want:
            stale.append(entry.msgid[:60])
    assert stale == [], "run compilemessages"


def test_polish_counts_take_their_three_forms() -> None:
    cases = {1: "zgłoszenie", 2: "zgłoszenia", 4: "zgłoszenia", 5: "zgłoszeń", 12: "zgłoszeń"}
    cases |= {22: "zgłoszenia", 25: "zgłoszeń", 112: "zgłoszeń", 104: "zgłoszenia"}
    with translation.override("pl"):
        for n, word in cases.items():
            text = translation.ngettext("%(n)s ticket", "%(n)s tickets", n) % {"n": n}
            assert text == f"{n} {word}"
    with translation.override("nl"):
        assert translation.ngettext("%(n)s ticket", "%(n)s tickets", 1) % {"n": 1} == "1 ticket"
        assert translation.ngettext("%(n)s ticket", "%(n)s tickets", 3) % {"n": 3} == "3 tickets"
