"""Slide decks of the lessons: a built notebook → a reveal.js page that works with no network.

:func:`write_slides` reads a built ``NN_slug.ipynb`` and writes ``slides/NN_slug.html`` next to
it, its figures in ``slides/NN_slug_files/``, and the reveal.js and KaTeX files (shipped in the
package) once in ``slides/reveal/``: every file is referenced by a relative path, so the
``slides`` folder can be copied anywhere (a USB key) and opened in a browser offline.

What goes on the slides:

- the ``# `` heading and the objectives below it make the title slide;
- each ``## `` section is a new slide (left/right), each ``### `` a sub-slide (up/down);
- of the text, the key part: a section's first paragraph (a long one shortened to its first
  sentence), the sentence that introduces a list, the lists (six items at most), the formulas and
  small tables; the full text goes into the speaker notes (key ``S``);
- short code cells (twelve lines at most) with their short text output, and every figure;
  the parameters cell, the setup cells (imports) and long outputs are left out;
- an exercise cell (tagged ``exercise=<id>``) becomes a box « Exercice N.M : dlcourse check <id> ».

A slide holds at most one code cell or figure; what follows goes on a sub-slide, and a slide
whose text is longer than the room left on it continues on a sub-slide as well. The page also
shrinks a slide's font when its content would still overflow.
"""

from __future__ import annotations

import base64
import html
import os
import re
import shutil
import tempfile
from dataclasses import dataclass, field
from pathlib import Path
from types import SimpleNamespace
from urllib.parse import quote

from dlcourse.errors import UserError

REVEAL_DIR = Path(__file__).with_name("revealjs")
KATEX_DIR = Path(__file__).with_name("katex")
ASSETS = "reveal"                      # the folder of slides/ holding reveal.js and KaTeX

MAX_CODE_LINES = 12
MAX_OUTPUT_LINES, MAX_OUTPUT_CHARS = 6, 480
MAX_LIST_ITEMS = 6
MAX_TABLE_ROWS, MAX_TABLE_COLUMNS, MAX_TABLE_CHARS = 8, 4, 700
LONG_PARAGRAPH = 220                   # characters: a longer paragraph is cut to its first sentence
MAX_SENTENCE = 340                     # characters: a longer first sentence is cut at a word
BUDGET = 14.0                          # lines of text a slide holds below its title
SKIPPED_TAGS = {"parameters", "injected-parameters", "solution", "starter"}
IMAGE_TYPES = {"image/png": "png", "image/jpeg": "jpg", "image/svg+xml": "svg"}


# ----------------------------------------------------------------------------- the assets
def _asset_files() -> dict[str, Path]:
    """Path under ``slides/reveal/`` → the packaged file it is a copy of."""
    files = {}
    for path in sorted(REVEAL_DIR.rglob("*")):
        if path.is_file() and path.name != "README.md" and "__pycache__" not in path.parts:
            files[path.relative_to(REVEAL_DIR).as_posix()] = path
    for name in ("katex.min.css", "katex.min.js", "auto-render.min.js", "LICENSE"):
        files[f"katex/{name}"] = KATEX_DIR / name
    for path in sorted((KATEX_DIR / "fonts").glob("*")):
        files[f"katex/fonts/{path.name}"] = path
    return files


def _umask() -> int:
    from dlcourse.lessons.build import _umask

    return _umask()


def _write_bytes(path: Path, data: bytes) -> None:
    """Write ``data`` to ``path`` under a temporary name, renamed when complete (folders created)."""
    from dlcourse.lessons.build import write_bytes

    write_bytes(path, data)


def copy_assets(slides_dir: Path) -> Path:
    """Copy reveal.js and KaTeX into ``slides_dir/reveal/`` (only the files missing or different)."""
    target = Path(slides_dir) / ASSETS
    for name, src in _asset_files().items():
        data = src.read_bytes()
        dst = target / name
        if not (dst.is_file() and dst.stat().st_size == len(data) and dst.read_bytes() == data):
            _write_bytes(dst, data)
    return target


# ----------------------------------------------------------------------------- markdown
def _markdown():
    """A mistune parser (math and tables) and a renderer that escapes raw HTML and links nowhere."""
    import mistune

    if int(mistune.__version__.split(".")[0]) < 3:
        raise UserError(f"the slides need mistune 3 or later to read the lessons' markdown, found "
                        f"mistune {mistune.__version__}.", "Run: pip install 'mistune>=3,<4'")

    class Renderer(mistune.HTMLRenderer):
        # a deck is projected, and opened offline: a link shows its text, an image its description
        def link(self, text: str, url: str, title: str | None = None) -> str:
            shown = re.sub(r"^[a-z][a-z0-9+.-]*://", "", text) if text == html.escape(url) else text
            return f'<span class="lien">{shown}</span>'

        def image(self, text: str, url: str, title: str | None = None) -> str:
            return f'<em class="image">[{text}]</em>' if text else ""

    plugins = ["math", "table", "strikethrough"]
    rendering = mistune.create_markdown(renderer=Renderer(escape=True), plugins=plugins)
    parsing = mistune.create_markdown(renderer=None, plugins=plugins)
    # parse: markdown -> (block tokens, state); renderer: tokens -> HTML (the math plugin's included)
    return SimpleNamespace(parse=parsing.parse, renderer=rendering.renderer)


def _plain(tokens) -> str:
    """The text of inline ``tokens``, markup removed."""
    out = []
    for tok in tokens:
        if "children" in tok:
            out.append(_plain(tok["children"]))
        elif tok["type"] in ("softbreak", "linebreak"):
            out.append(" ")
        else:
            out.append(tok.get("raw", ""))
    return "".join(out)


_SENTENCE_END = re.compile(r"[.!?…](?=\s|$)")


def _shorten(children: list, limit: int = LONG_PARAGRAPH) -> list:
    """Inline ``children`` cut to their first sentence when longer than ``limit`` characters."""
    if len(_plain(children)) <= limit:
        return children
    out, count = [], 0
    for i, tok in enumerate(children):
        raw = tok.get("raw", "") if tok["type"] == "text" else None
        if raw is not None:
            nxt = children[i + 1]["type"] if i + 1 < len(children) else None
            for m in _SENTENCE_END.finditer(raw):
                at_end = m.end() == len(raw)
                if count + m.end() >= 15 and (not at_end or nxt in (None, "softbreak", "linebreak")):
                    if count + m.end() <= MAX_SENTENCE:
                        return out + [{**tok, "raw": raw[:m.end()]}]
                    break
            if count + len(raw) > MAX_SENTENCE:
                cut = raw[:max(0, MAX_SENTENCE - count)].rsplit(" ", 1)[0].rstrip(" ,;:")
                return out + [{**tok, "raw": cut + " …"}]
        out.append(tok)
        count += len(_plain([tok]))
        if count > MAX_SENTENCE:
            return out + [{"type": "text", "raw": " …"}]
    return out


def _short_list(token: dict) -> dict:
    """A list with at most :data:`MAX_LIST_ITEMS` items, each cut to its first sentence, sub-lists left out."""
    items = []
    for item in token["children"][:MAX_LIST_ITEMS]:
        blocks = [b for b in item.get("children", []) if b["type"] in ("block_text", "paragraph")][:1]
        items.append({**item, "children": [{**b, "children": _shorten(b["children"], 160)} for b in blocks]})
    if len(token["children"]) > MAX_LIST_ITEMS:
        items.append({"type": "list_item", "children": [{"type": "block_text",
                                                         "children": [{"type": "text", "raw": "…"}]}]})
    return {**token, "children": items, "tight": True}


def _table_size(token: dict) -> tuple[int, int]:
    head = next((c for c in token["children"] if c["type"] == "table_head"), {"children": []})
    body = next((c for c in token["children"] if c["type"] == "table_body"), {"children": []})
    return len(body["children"]), len(head["children"])


def _first_column(table: dict) -> dict:
    """A list token of the first cell of each row of a table token."""
    body = next((c for c in table["children"] if c["type"] == "table_body"), {"children": []})
    items = [{"type": "list_item", "children": [{"type": "block_text", "children": row["children"][0]["children"]}]}
             for row in body["children"] if row.get("children")]
    return {"type": "list", "attrs": {"depth": 0, "ordered": False}, "bullet": "-", "tight": True, "children": items}


def _lines(text: str, per_line: int = 90) -> float:
    return max(1.0, -(-len(text) // per_line))


def _code_weight(code: str, per_line: int = 96) -> float:
    """The room taken by ``code`` (lines of slide text), its long lines wrapped."""
    return 0.7 * sum(_lines(line, per_line) for line in code.splitlines() or [""]) + 1


@dataclass
class _Item:
    html: str
    weight: float
    heavy: bool = False          # a code cell or a figure: one per slide
    css: str = ""                # a class given to the slide holding the item


@dataclass
class _Slide:
    title: str                   # HTML
    level: int                   # 1: the title slide, 2: a section, 3: a sub-section
    items: list[_Item] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)
    css: set[str] = field(default_factory=set)
    continued: bool = False

    @property
    def weight(self) -> float:
        return sum(item.weight for item in self.items)

    @property
    def heavy(self) -> bool:
        return any(item.heavy for item in self.items)


def _key_blocks(tokens: list, md, state) -> list[_Item]:
    """The key text of a run of markdown blocks (no heading among them), as slide items."""
    items: list[_Item] = []
    paragraphs = 0
    for i, tok in enumerate(tokens):
        kind = tok["type"]
        nxt = next((t for t in tokens[i + 1:] if t["type"] != "blank_line"), None)
        if kind == "paragraph":
            text = _plain(tok["children"])
            introduces_list = nxt is not None and nxt["type"] == "list" and text.rstrip().endswith(":")
            only_math = all(c["type"] in ("block_math", "softbreak") or (c["type"] == "text" and not c["raw"].strip())
                            for c in tok["children"])
            if paragraphs == 0 or introduces_list or only_math:
                short = {**tok, "children": _shorten(tok["children"])}
                items.append(_Item(md.renderer([short], state), _lines(_plain(short["children"])) + 0.4))
            paragraphs += 1
        elif kind == "list":
            short = _short_list(tok)
            weight = sum(_lines(_plain(item["children"]), 84) + 0.2 for item in short["children"])
            items.append(_Item(md.renderer([short], state), weight + 0.4))
        elif kind == "block_math":
            items.append(_Item(md.renderer([tok], state), 2.5))
        elif kind == "table":
            rows, columns = _table_size(tok)
            if rows <= MAX_TABLE_ROWS and columns <= MAX_TABLE_COLUMNS and len(_plain([tok])) <= MAX_TABLE_CHARS:
                items.append(_Item(md.renderer([tok], state), 0.9 * (rows + 1) + 0.5))
            elif rows:                 # too big for a slide: its first column, as a list
                short = _short_list(_first_column(tok))
                weight = sum(_lines(_plain(item["children"]), 84) + 0.2 for item in short["children"])
                items.append(_Item(md.renderer([short], state), weight + 0.4))
        elif kind == "block_code":
            code = tok.get("raw", "").rstrip("\n")
            if code.count("\n") + 1 <= MAX_CODE_LINES:
                items.append(_Item(md.renderer([tok], state), _code_weight(code)))
        elif kind == "block_quote":
            inner = [t for t in tok.get("children", []) if t["type"] == "paragraph"][:1]
            if inner:
                short = {**tok, "children": [{**inner[0], "children": _shorten(inner[0]["children"])}]}
                items.append(_Item(md.renderer([short], state), _lines(_plain(inner[0]["children"])) + 0.6))
    return items


# ----------------------------------------------------------------------------- code cells
def _tags(cell) -> list[str]:
    return list(cell.get("metadata", {}).get("tags", []))


_IMPORT = re.compile(r"^(import\s|from\s+\S+\s+import\s)")


def _is_setup(source: str) -> bool:
    """A cell that mostly imports (at least half of its statements)."""
    lines = [line for line in source.splitlines() if line.strip() and not line.lstrip().startswith("#")
             and not line.startswith((" ", "\t", ")"))]
    imports = sum(bool(_IMPORT.match(line)) for line in lines)
    return bool(lines) and imports * 2 >= len(lines)


def _highlight(source: str) -> str:
    from pygments import highlight
    from pygments.formatters import HtmlFormatter
    from pygments.lexers import PythonLexer

    return highlight(source, PythonLexer(), HtmlFormatter(nowrap=True)).rstrip("\n")


def _text_output(cell) -> str | None:
    """The cell's text output (printed text and the last value) when short, else ``None``."""
    parts = []
    for out in cell.get("outputs", []):
        kind = out.get("output_type")
        if kind == "stream" and out.get("name") == "stdout":
            parts.append(out.get("text", ""))
        elif kind in ("execute_result", "display_data"):
            data = out.get("data", {})
            if any(t in data for t in IMAGE_TYPES):
                continue
            if "text/plain" in data:
                text = data["text/plain"]
                parts.append((text if isinstance(text, str) else "".join(text)) + "\n")
    text = "".join(parts).strip("\n")
    if not text.strip():
        return ""
    if text.count("\n") + 1 > MAX_OUTPUT_LINES or len(text) > MAX_OUTPUT_CHARS:
        return None
    return text


def _figures(cell) -> list[tuple[str, bytes]]:
    """``(extension, bytes)`` of each image the cell displays."""
    found = []
    for out in cell.get("outputs", []):
        data = out.get("data", {})
        for mime, ext in IMAGE_TYPES.items():
            if mime in data:
                value = data[mime]
                value = value if isinstance(value, str) else "".join(value)
                found.append((ext, value.encode("utf-8") if ext == "svg" else base64.b64decode(value)))
                break
    return found


def _exercise_number(exercise: str, notebook: Path, title: str) -> str | None:
    """The exercise's number (``"3.1"``): from the built folder, the course, or the slide's title."""
    import yaml

    from dlcourse.errors import DlcourseError

    built = notebook.parent / "exercises" / exercise / "exercise.yaml"
    try:
        if built.is_file():
            meta = yaml.safe_load(built.read_text(encoding="utf-8")) or {}
            if meta.get("numero") is not None:
                return str(meta["numero"])
        from dlcourse.lessons.exercises import load_exercise

        numero = load_exercise(exercise).numero
        if numero:
            return numero
    except (DlcourseError, OSError, ValueError, yaml.YAMLError):
        pass
    found = re.search(r"Exercice\s+(\d+(?:\.\d+)*)", html.unescape(re.sub(r"<[^>]+>", "", title)))
    return found.group(1) if found else None


# ----------------------------------------------------------------------------- the deck
class _Deck:
    def __init__(self):
        self.title_text = ""
        self.stacks: list[list[_Slide]] = []

    @property
    def current(self) -> _Slide:
        if not self.stacks:
            self.stacks.append([_Slide("", 1)])
        return self.stacks[-1][-1]

    def section(self, title: str, level: int) -> None:
        if level <= 2 or not self.stacks:
            self.stacks.append([_Slide(title, level)])
        else:
            self.stacks[-1].append(_Slide(title, level))

    def add(self, item: _Item, notes: str = "") -> None:
        slide = self.current
        if slide.items and (slide.heavy or slide.weight + item.weight > BUDGET):
            slide = _Slide(slide.title, slide.level, continued=True)
            self.stacks[-1].append(slide)
        slide.items.append(item)
        if item.css:
            slide.css.add(item.css)
        if notes:
            slide.notes.append(notes)

    def add_notes(self, notes: str) -> None:
        if notes:
            self.current.notes.append(notes)


def _read(notebook: Path):
    import nbformat

    notebook = Path(notebook)
    try:
        return nbformat.read(notebook, as_version=4)
    except (OSError, ValueError) as exc:
        raise UserError(f"cannot read the notebook '{notebook}' to make its slides ({exc}).",
                        "Give a notebook written by 'dlcourse lessons build'.") from None


def _add_markdown(deck: _Deck, md, source: str) -> bool:
    """Add a markdown cell to ``deck``: its headings open slides, its key text goes on them, all of
    it into their notes. Returns whether the cell has a ``## `` or ``### `` heading."""
    tokens, state = md.parse(source)
    sections = False

    def flush(run: list) -> None:
        blocks = [t for t in run if t["type"] != "blank_line"]
        if not blocks:
            return
        notes = md.renderer(blocks, state)
        items = _key_blocks(blocks, md, state)
        for k, item in enumerate(items):
            deck.add(item, notes if k == 0 else "")
        if not items:
            deck.add_notes(notes)

    run: list = []
    for tok in tokens:
        if tok["type"] != "heading":
            run.append(tok)
            continue
        flush(run)
        run = []
        level = tok["attrs"]["level"]
        title = md.renderer(tok.get("children", []), state)
        if level == 1:
            deck.title_text = deck.title_text or _plain(tok.get("children", []))
            if deck.stacks and deck.stacks[0][0].level == 1 and not deck.stacks[0][0].title:
                deck.stacks[0][0].title = title          # text before the title went on the title slide
            else:
                deck.section(title, 1)
        elif level in (2, 3):
            sections = True
            deck.section(title, level)
        else:
            deck.add(_Item(f'<p class="intertitre"><strong>{title}</strong></p>', 1.2))
    flush(run)
    return sections


def _build_deck(nb, notebook: Path, files_name: str) -> tuple[_Deck, list[tuple[str, bytes]]]:
    """The deck of ``nb``, and the figure files (name, bytes) it refers to under ``files_name/``."""
    from dlcourse.lessons.sources import exercise_tag

    md = _markdown()
    deck = _Deck()
    figures: list[tuple[str, bytes]] = []
    exercises_seen: set[str] = set()
    in_sections = False                        # past the first '## ' heading
    for cell in nb.cells:
        tags = _tags(cell)
        if cell.cell_type == "markdown":
            in_sections = _add_markdown(deck, md, cell.source) or in_sections
            continue
        if cell.cell_type != "code":
            continue
        exercise = exercise_tag(tags)
        if exercise is not None:
            if exercise not in exercises_seen:
                exercises_seen.add(exercise)
                numero = _exercise_number(exercise, notebook, deck.current.title)
                label = f"Exercice {numero}" if numero else "Exercice"
                command = html.escape(f"dlcourse check {exercise}")
                box = (f'<div class="exercice"><p class="exercice-titre">{html.escape(label)} : '
                       f'<code>{command}</code></p>'
                       f'<p>Fichier de départ : <code>{command} --start</code><br>'
                       f'Vérification : <code>{command}</code></p></div>')
                deck.add(_Item(box, 4.5, heavy=True, css="diapo-exercice"))
            continue
        if SKIPPED_TAGS & set(tags):
            continue
        images = _figures(cell)
        if images:
            for ext, data in images:
                name = f"figure-{len(figures) + 1:02d}.{ext}"
                figures.append((name, data))
                src = html.escape(quote(f"{files_name}/{name}"))
                deck.add(_Item(f'<img class="r-stretch figure" src="{src}" alt="Figure {len(figures)}">',
                               6.5, heavy=True))
            continue
        source = cell.source.strip("\n")
        if not source.strip() or not in_sections or _is_setup(source):
            continue
        if source.count("\n") + 1 > MAX_CODE_LINES:
            continue
        output = _text_output(cell)
        if output is None:
            continue
        code = f'<pre class="code"><code>{_highlight(source)}</code></pre>'
        weight = _code_weight(source)
        if output:
            code += f'\n<pre class="sortie"><code>{html.escape(output)}</code></pre>'
            weight += _code_weight(output) - 0.5
        deck.add(_Item(code, weight, heavy=True))
    return deck, figures


_STYLE = """
.reveal { font-size: 30px; }
.reveal .slides section { text-align: left; }
.reveal .slides section.titre { text-align: center; }
.reveal h1, .reveal h2, .reveal h3 { text-transform: none; line-height: 1.15; }
.reveal h1 { font-size: 1.9em; margin-top: 1.2em; }
.reveal h2 { font-size: 1.35em; border-bottom: 3px solid #2a76dd; padding-bottom: .2em; }
.reveal h3 { font-size: 1.15em; border-bottom: 2px solid #9bbcea; padding-bottom: .2em; }
.reveal .titre ul, .reveal .titre ol { display: inline-block; text-align: left; }
.reveal p, .reveal li { line-height: 1.35; }
.reveal ul, .reveal ol { margin-left: 1.2em; }
.reveal li { margin: .15em 0; }
.reveal .suite { font-size: .6em; color: #888; font-weight: normal; }
.reveal pre { width: 100%; box-shadow: none; margin: .4em 0; font-size: .58em; }
.reveal pre code { max-height: none; white-space: pre-wrap; padding: .5em .8em; border-radius: 6px; line-height: 1.3; }
.reveal pre.code code { background: #f6f8fa; border: 1px solid #d8dee4; }
.reveal pre.sortie code { background: #fff; border-left: 4px solid #9bbcea; color: #333; }
.reveal code { font-family: "DejaVu Sans Mono", Menlo, Consolas, monospace; }
.reveal p code, .reveal li code, .reveal td code { font-size: .85em; background: #f0f2f4; padding: 0 .2em;
  border-radius: 3px; }
.reveal table { font-size: .7em; }
.reveal .math { font-size: 1em; }
.reveal img.figure { display: block; margin: .3em auto; border: 0; box-shadow: none; }
.reveal .exercice { border: 3px solid #e08a00; border-radius: 10px; background: #fff7e8; padding: .4em .9em;
  margin-top: .6em; }
.reveal .exercice p { margin: .3em 0; }
.reveal .exercice-titre { font-weight: 600; font-size: 1.1em; }
.reveal .lien { text-decoration: underline dotted; }
.reveal .intertitre { color: #2a76dd; }
"""

# Formulas typeset with KaTeX before reveal.js lays the slides out; a slide still too long is
# given a smaller font when shown.
_SCRIPT = r"""
renderMathInElement(document.querySelector(".reveal .slides"), {
  delimiters: [
    {left: "$$", right: "$$", display: true},
    {left: "\\[", right: "\\]", display: true},
    {left: "\\(", right: "\\)", display: false},
    {left: "$", right: "$", display: false}
  ],
  ignoredClasses: ["code", "sortie"],
  throwOnError: false
});
function ajuster(slide) {
  if (!slide || slide.dataset.ajuste) return;
  slide.dataset.ajuste = "1";
  var hauteur = Reveal.getConfig().height, taille = 1;
  while (slide.scrollHeight > hauteur && taille > 0.6) {
    taille -= 0.05;
    slide.style.fontSize = taille.toFixed(2) + "em";
  }
  if (taille < 1) Reveal.layout();
}
Reveal.initialize({
  hash: true, width: 1280, height: 720, margin: 0.04, center: false,
  slideNumber: "c/t", transition: "slide", plugins: [RevealNotes]
}).then(function () { ajuster(Reveal.getCurrentSlide()); });
Reveal.on("slidechanged", function (event) { ajuster(event.currentSlide); });
"""


def _pygments_css() -> str:
    from pygments.formatters import HtmlFormatter

    return HtmlFormatter(style="default").get_style_defs(".reveal pre.code code")


def _render_slide(slide: _Slide) -> str:
    classes = set(slide.css) | ({"titre"} if slide.level == 1 else set())
    attr = f' class="{" ".join(sorted(classes))}"' if classes else ""
    tag = {1: "h1", 2: "h2"}.get(slide.level, "h3")
    parts = [f"<section{attr}>"]
    if slide.title:
        suite = ' <span class="suite">(suite)</span>' if slide.continued else ""
        parts.append(f"<{tag}>{slide.title}{suite}</{tag}>")
    parts += [item.html.strip() for item in slide.items]
    if slide.notes:
        parts.append('<aside class="notes">\n' + "\n".join(n.strip() for n in slide.notes) + "\n</aside>")
    parts.append("</section>")
    return "\n".join(parts)


def _render(deck: _Deck, title: str) -> str:
    sections = []
    for stack in deck.stacks:
        if len(stack) == 1:
            sections.append(_render_slide(stack[0]))
        else:
            sections.append("<section>\n" + "\n".join(_render_slide(s) for s in stack) + "\n</section>")
    css = [f"{ASSETS}/reset.css", f"{ASSETS}/reveal.css", f"{ASSETS}/theme/white.css", f"{ASSETS}/katex/katex.min.css"]
    js = [f"{ASSETS}/katex/katex.min.js", f"{ASSETS}/katex/auto-render.min.js", f"{ASSETS}/reveal.js",
          f"{ASSETS}/plugin/notes/notes.js"]
    head = "\n".join(f'<link rel="stylesheet" href="{href}">' for href in css)
    scripts = "\n".join(f'<script src="{src}"></script>' for src in js)
    return f"""<!DOCTYPE html>
<html lang="fr">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1.0">
<title>{html.escape(title)}</title>
{head}
<style>{_STYLE}
{_pygments_css()}
</style>
</head>
<body>
<div class="reveal">
<div class="slides">
{chr(10).join(sections)}
</div>
</div>
{scripts}
<script>{_SCRIPT}</script>
</body>
</html>
"""


def write_slides(notebook: Path, out_dir: Path) -> Path:
    """Write the slide deck of the built lesson ``notebook`` as ``out_dir/slides/<stem>.html``.

    Parameters
    ----------
    notebook:
        a lesson notebook written by :func:`dlcourse.lessons.build.build_lesson` (``NN_slug.ipynb``);
        executed, its figures are on the slides, else there are none.
    out_dir:
        the built course folder; the deck goes into its ``slides/`` folder, with its figures in
        ``slides/<stem>_files/`` and the reveal.js and KaTeX files in ``slides/reveal/``
        (copied once, shared by the decks).

    Returns
    -------
    Path
        the deck's page. It loads nothing from the network: every file is referenced by a path
        relative to it. A previous deck of the same lesson is replaced only once the new one
        is complete (its figures written in full, its page under a temporary name).
    """
    from dlcourse.lessons.build import write_text

    notebook = Path(notebook)
    nb = _read(notebook)
    slides_dir = Path(out_dir) / "slides"
    stem = notebook.stem
    files_name = f"{stem}_files"
    deck, figures = _build_deck(nb, notebook, files_name)
    page = _render(deck, deck.title_text or stem)

    slides_dir.mkdir(parents=True, exist_ok=True)
    copy_assets(slides_dir)
    files_dir = slides_dir / files_name
    staging = Path(tempfile.mkdtemp(prefix=f".{files_name}.", dir=slides_dir))
    try:
        for name, data in figures:
            _write_bytes(staging / name, data)
        os.chmod(staging, 0o777 & ~_umask())
        if files_dir.exists():
            shutil.rmtree(files_dir)
        if figures:
            os.replace(staging, files_dir)
    finally:
        shutil.rmtree(staging, ignore_errors=True)
    path = slides_dir / f"{stem}.html"
    write_text(path, page)
    return path


__all__ = ["write_slides", "copy_assets", "REVEAL_DIR"]
