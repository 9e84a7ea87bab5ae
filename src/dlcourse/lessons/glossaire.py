"""The course's French–English glossary, and the links from the lessons to it.

The terms are in ``glossaire.yaml`` of the course folder (``lessons/glossaire.yaml``): each has a
French form ``fr``, an English form ``en``, a French ``definition``, optionally other forms
(``fr_autres``, ``en_autres``), the forms searched in the lessons when they differ from those
(``formes``), and ``faux_ami``, a sentence naming the misleading translation.

:func:`write_glossary` writes ``glossaire.md`` and ``glossaire.html`` (one row per term, anchored
``#terme-<slug>``). :func:`link_terms`, called by the build, turns the **first appearance** of each
term in the whole course (chapter order, then cell order, then position) into a link to that row:
a French or English form, whole words, any case, plural in ``-s``/``-x`` accepted, in Markdown text
only (never in code spans or blocks, formulas, links, HTML or headings). Where each term first
appears is computed from the lesson sources (:func:`first_appearances`), so that building one
chapter alone gives the same links as building the whole course.
"""

from __future__ import annotations

import html
import re
import unicodedata
from dataclasses import dataclass
from pathlib import Path

import yaml

from dlcourse.lessons.catalogue import LessonError, lessons_dir

GLOSSARY_FILE = "glossaire.yaml"
PAGE = "glossaire.html"
ANCHOR_PREFIX = "terme-"
REGENERATE = "python -m dlcourse.lessons.glossaire > docs/glossaire.md"


@dataclass(frozen=True)
class Term:
    """One glossary entry (see the module docstring)."""

    fr: str
    en: str
    definition: str
    faux_ami: str | None = None
    fr_autres: tuple[str, ...] = ()
    en_autres: tuple[str, ...] = ()
    formes: tuple[str, ...] = ()

    @property
    def slug(self) -> str:
        """The French form in lower-case ASCII words joined by ``-`` (``taux-d-apprentissage``)."""
        ascii_ = unicodedata.normalize("NFKD", self.fr).encode("ascii", "ignore").decode("ascii")
        return re.sub(r"[^a-z0-9]+", "-", ascii_.lower()).strip("-")

    @property
    def anchor(self) -> str:
        return ANCHOR_PREFIX + self.slug

    @property
    def href(self) -> str:
        return f"{PAGE}#{self.anchor}"

    @property
    def searched(self) -> tuple[str, ...]:
        """The forms searched in the lessons."""
        return self.formes or (self.fr, *self.fr_autres, self.en, *self.en_autres)


def glossary_path(root: Path | None = None) -> Path:
    return (root or lessons_dir()) / GLOSSARY_FILE


def _strings(value, where: str, key: str) -> tuple[str, ...]:
    if value is None:
        return ()
    if not isinstance(value, list) or not all(isinstance(v, str) and v.strip() for v in value):
        raise LessonError(f"{where}: '{key}' must be a list of words.", f"Write e.g. {key}: [forme 1, forme 2].")
    return tuple(v.strip() for v in value)


def load_glossary(root: Path | None = None) -> list[Term]:
    """The terms of ``glossaire.yaml``, in the file's order; raises :class:`LessonError` when it is malformed."""
    path = glossary_path(root)
    if not path.is_file():
        raise LessonError(f"the course folder has no glossary: '{path}' does not exist.",
                          f"Add {GLOSSARY_FILE} to the course folder, with one entry per term under 'termes:'.")
    try:
        data = yaml.safe_load(path.read_text(encoding="utf-8")) or {}
    except yaml.YAMLError as exc:
        raise LessonError(f"'{path}' is not valid YAML ({exc}).") from None
    entries = data.get("termes") if isinstance(data, dict) else None
    if not isinstance(entries, list) or not entries:
        raise LessonError(f"'{path}' has no list of terms under 'termes:'.",
                          "Write each term as '- {fr: ..., en: ..., definition: ...}' under 'termes:'.")
    terms, seen = [], {}
    for i, entry in enumerate(entries, 1):
        where = f"'{path}', term {i}"
        if not isinstance(entry, dict) or not all(isinstance(entry.get(k), str) and entry[k].strip()
                                                  for k in ("fr", "en", "definition")):
            raise LessonError(f"{where} needs the keys 'fr', 'en' and 'definition', each a non-empty text.")
        unknown = sorted(set(entry) - {"fr", "en", "definition", "faux_ami", "fr_autres", "en_autres", "formes"})
        if unknown:
            raise LessonError(f"{where} has the unknown key(s) {', '.join(unknown)}.",
                              "Use fr, en, definition, faux_ami, fr_autres, en_autres and formes.")
        term = Term(fr=entry["fr"].strip(), en=entry["en"].strip(), definition=" ".join(entry["definition"].split()),
                    faux_ami=" ".join(str(entry["faux_ami"]).split()) if entry.get("faux_ami") else None,
                    fr_autres=_strings(entry.get("fr_autres"), where, "fr_autres"),
                    en_autres=_strings(entry.get("en_autres"), where, "en_autres"),
                    formes=_strings(entry.get("formes"), where, "formes"))
        if term.slug in seen:
            raise LessonError(f"{where} ('{term.fr}') has the same anchor as term {seen[term.slug]}.",
                              "Give each term a distinct French form.")
        seen[term.slug] = i
        terms.append(term)
    return terms


# ----------------------------------------------------------------------------- finding terms in Markdown
# Parts of a Markdown text where no link is added: fenced code, formulas, code spans, links and
# images, HTML, bare addresses and headings.
_PROTECTED = re.compile(
    r"(?ms:^[ \t]*(?P<fence>`{3,}|~{3,}).*?(?:^[ \t]*(?P=fence)[^\n]*$|\Z))"
    r"|(?s:\$\$.*?\$\$)"
    r"|(?s:\\\[.*?\\\])"
    r"|(?s:\\\(.*?\\\))"
    r"|(?s:\\begin\{(?P<env>[a-z]+\*?)\}.*?\\end\{(?P=env)\})"
    r"|\$[^$\n](?:[^$]|\\\$)*?\$"
    r"|(?P<ticks>`+)(?s:.*?)(?P=ticks)"
    r"|!?\[[^\]]*\]\([^)]*\)"
    r"|!?\[[^\]]*\]\[[^\]]*\]"
    r"|(?m:^[ ]{0,3}\[[^\]]+\]:.*$)"
    r"|(?s:<!--.*?-->)"
    r"|<[^<>\n]+>"
    r"|https?://\S+"
    r"|(?m:^[ ]{0,3}#{1,6}(?:[ \t].*)?$)"
)


def _form_pattern(form: str) -> str:
    """A regular expression for ``form``: spaces match any blank (line breaks too), each word may take -s or -x."""
    words = []
    for word in form.split():
        parts = re.split(r"['’]", word)
        text = "['’]".join(re.escape(p) for p in parts)
        if re.search(r"[^\W\d_]$", word) and not re.search(r"[sxzSXZ]$", word):
            text += "(?:s|x)?"
        words.append(text)
    return r"\s+".join(words)


def terms_pattern(terms: list[Term]) -> tuple[re.Pattern, list[Term]]:
    """One regular expression for every form of ``terms`` (longer forms first) and the term of each group."""
    forms = sorted(((form, i) for i, term in enumerate(terms) for form in term.searched),
                   key=lambda item: (-len(item[0]), item[0]))
    pattern = "|".join(f"(?P<t{n}>{_form_pattern(form)})" for n, (form, _) in enumerate(forms))
    owners = [terms[i] for _, i in forms]
    return re.compile(rf"(?<![\w-])(?:{pattern})(?![\w-])", re.IGNORECASE), owners


def _free_parts(text: str) -> list[tuple[int, int]]:
    """``(start, end)`` of each part of ``text`` outside code, formulas, links, HTML and headings."""
    parts, last = [], 0
    for match in _PROTECTED.finditer(text):
        if match.start() > last:
            parts.append((last, match.start()))
        last = max(last, match.end())
    if last < len(text):
        parts.append((last, len(text)))
    return parts


def find_terms(text: str, terms: list[Term], compiled=None) -> list[tuple[int, int, Term]]:
    """``(start, end, term)`` of each appearance of a term in the Markdown ``text``, in order, never overlapping."""
    pattern, owners = compiled or terms_pattern(terms)
    found = []
    for start, end in _free_parts(text):
        for match in pattern.finditer(text, start, end):
            group = next(int(name[1:]) for name, value in match.groupdict().items() if value is not None)
            found.append((match.start(), match.end(), owners[group]))
    return found


@dataclass(frozen=True)
class Appearance:
    """Where a term first appears: chapter, index of the Markdown cell in the lesson source, position in it."""

    chapter: int
    cell: int
    start: int


def _linked_cells(nb):
    """``(index, cell)`` of the Markdown cells searched: those that both builds keep (not tagged ``solution``)."""
    for i, cell in enumerate(nb.cells):
        if cell.cell_type == "markdown" and "solution" not in cell.get("metadata", {}).get("tags", []):
            yield i, cell


_CACHE: dict = {}


def first_appearances(root: Path | None = None) -> dict[str, Appearance]:
    """Slug → :class:`Appearance` of each term found in the lessons of ``root`` (terms never found are absent)."""
    from dlcourse.lessons.build import read_notebook
    from dlcourse.lessons.catalogue import list_lessons

    root = Path(root or lessons_dir())
    lessons = list_lessons(root)
    glossary = glossary_path(root)
    key = (str(root.resolve()), tuple((str(p), p.stat().st_mtime_ns, p.stat().st_size)
                                      for p in [glossary, *(lesson.path for lesson in lessons)] if p.is_file()))
    if key in _CACHE:
        return _CACHE[key]
    terms = load_glossary(root)
    compiled = terms_pattern(terms)
    index: dict[str, Appearance] = {}
    for lesson in lessons:
        nb = read_notebook(lesson)
        for i, cell in _linked_cells(nb):
            for start, _, term in find_terms(cell.source, terms, compiled):
                index.setdefault(term.slug, Appearance(lesson.number, i, start))
    _CACHE.clear()
    _CACHE[key] = index
    return index


def link_terms(nb, lesson):
    """``nb`` (the lesson source just read, :func:`dlcourse.lessons.build.read_notebook`) with each term
    whose first appearance in the course is in this lesson turned into a link to the glossary page.

    The notebook is changed in place and returned. A course folder without ``glossaire.yaml``
    leaves it unchanged.
    """
    root = lesson.path.parent
    if not glossary_path(root).is_file():
        return nb
    terms = load_glossary(root)
    by_slug = {term.slug: term for term in terms}
    here = {(a.cell, a.start): by_slug[slug] for slug, a in first_appearances(root).items()
            if a.chapter == lesson.number}
    if not here:
        return nb
    compiled = terms_pattern(terms)
    for i, cell in _linked_cells(nb):
        text = cell.source
        edits = [(start, end, term) for start, end, term in find_terms(text, terms, compiled)
                 if here.get((i, start)) is term]
        for start, end, term in reversed(edits):
            title = f"Glossaire : {term.fr} ({term.en})"
            text = f'{text[:start]}[{text[start:end]}]({term.href} "{title}"){text[end:]}'
        cell.source = text
    return nb


# ----------------------------------------------------------------------------- the glossary page
def _sorted(terms: list[Term]) -> list[Term]:
    def key(term: Term) -> str:
        return unicodedata.normalize("NFKD", term.fr).encode("ascii", "ignore").decode("ascii").lower()
    return sorted(terms, key=key)


def _also(term: Term, lang: str) -> str:
    others = term.fr_autres if lang == "fr" else term.en_autres
    return f" ({', '.join(others)})" if others else ""


INTRO = ("Les termes du cours en français et en anglais, la langue des documentations de TensorFlow et de "
         "PyTorch. Les **faux amis** sont marqués : une traduction qui ressemble au mot anglais mais qui désigne "
         "autre chose. Dans les leçons, la première apparition de chaque terme renvoie ici.")


def render_markdown(terms: list[Term]) -> str:
    """The glossary as a Markdown table (``français | anglais | définition``), in French alphabetical order."""
    def cell(text: str) -> str:
        return text.replace("|", "\\|")

    lines = ["# Glossaire français ↔ anglais", "",
             f"<!-- Généré à partir de lessons/{GLOSSARY_FILE} ({REGENERATE}) ; ne pas modifier à la main. -->", "",
             INTRO, "",
             "| français | anglais | définition |", "|---|---|---|"]
    for term in _sorted(terms):
        definition = term.definition
        if term.faux_ami:
            definition += f" **Faux ami** : {term.faux_ami}"
        lines.append(f'| <a id="{term.anchor}"></a>**{cell(term.fr)}**{cell(_also(term, "fr"))} | '
                     f"*{cell(term.en)}*{cell(_also(term, 'en'))}"
                     f"{' (faux ami)' if term.faux_ami else ''} | {cell(definition)} |")
    return "\n".join(lines) + "\n"


_CSS = """body{font-family:system-ui,-apple-system,"Segoe UI",Roboto,sans-serif;max-width:60rem;margin:2rem auto;
padding:0 1rem;color:#1b1b1b;line-height:1.45}
h1{font-size:1.6rem}table{border-collapse:collapse;width:100%}
th,td{border:1px solid #c8c8c8;padding:.35rem .55rem;vertical-align:top;text-align:left}
th{background:#eef1f5}tr:target td{background:#fff6cc}
.faux-ami{display:inline-block;margin-left:.3rem;padding:0 .35rem;border-radius:.25rem;background:#b3261e;
color:#fff;font-size:.8em;font-weight:600;white-space:nowrap}
.note{color:#8a1c16}
@media print{body{margin:0;max-width:none}tr{break-inside:avoid}.faux-ami{border:1px solid #b3261e;
color:#b3261e;background:none}}"""


def render_html(terms: list[Term]) -> str:
    """The glossary as one self-contained HTML page (no script, nothing loaded), printable."""
    esc = html.escape
    rows = []
    for term in _sorted(terms):
        badge = ' <span class="faux-ami">faux ami</span>' if term.faux_ami else ""
        note = (f'<br><span class="note"><strong>Faux ami :</strong> {esc(term.faux_ami)}</span>'
                if term.faux_ami else "")
        rows.append(f'<tr id="{term.anchor}"><td><strong>{esc(term.fr)}</strong>{esc(_also(term, "fr"))}</td>'
                    f'<td><em>{esc(term.en)}</em>{esc(_also(term, "en"))}{badge}</td>'
                    f"<td>{esc(term.definition)}{note}</td></tr>")
    intro = esc(INTRO).replace("**faux amis**", "<strong>faux amis</strong>")
    return ("<!DOCTYPE html>\n<html lang=\"fr\">\n<head>\n<meta charset=\"utf-8\">\n"
            "<meta name=\"viewport\" content=\"width=device-width, initial-scale=1\">\n"
            f"<title>Glossaire français ↔ anglais</title>\n<style>\n{_CSS}\n</style>\n</head>\n<body>\n"
            f"<h1>Glossaire français ↔ anglais</h1>\n<p>{intro}</p>\n"
            "<table>\n<thead><tr><th>français</th><th>anglais</th><th>définition</th></tr></thead>\n<tbody>\n"
            + "\n".join(rows) + "\n</tbody>\n</table>\n</body>\n</html>\n")


def write_glossary(out_dir: Path, root: Path | None = None) -> list[Path]:
    """Write ``out_dir/glossaire.md`` and ``out_dir/glossaire.html``; returns their paths.

    Each file is written under a temporary name and renamed when complete.
    """
    from dlcourse.lessons.build import write_text

    terms = load_glossary(root)
    out_dir = Path(out_dir)
    paths = [out_dir / "glossaire.md", out_dir / PAGE]
    for path, text in zip(paths, (render_markdown(terms), render_html(terms))):
        write_text(path, text)
    return paths


if __name__ == "__main__":                         # the text of docs/glossaire.md
    print(render_markdown(load_glossary()), end="")


__all__ = ["Term", "Appearance", "load_glossary", "find_terms", "first_appearances", "link_terms",
           "render_markdown", "render_html", "write_glossary", "GLOSSARY_FILE", "PAGE"]
