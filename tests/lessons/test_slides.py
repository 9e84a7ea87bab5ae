"""Slide decks of the lessons: sections → slides, exercises → their command, figures as files, nothing remote."""

from __future__ import annotations

import base64
import io
import re
import secrets
import shutil
import subprocess
from html.parser import HTMLParser
from pathlib import Path

import nbformat
import numpy as np
import pytest

from dlcourse.lessons.build import build_lesson, clean_out_dir
from dlcourse.lessons.catalogue import get_lesson
from dlcourse.lessons.slides import write_slides


def _nb(*cells):
    nb = nbformat.v4.new_notebook()
    for kind, source, tags, *outputs in cells:
        cell = nbformat.v4.new_code_cell(source) if kind == "code" else nbformat.v4.new_markdown_cell(source)
        cell.metadata["tags"] = list(tags)
        if outputs:
            cell.outputs = outputs[0]
        nb.cells.append(cell)
    return nb


def _write(nb, folder: Path, stem: str = "09_essai") -> Path:
    folder.mkdir(parents=True, exist_ok=True)
    path = folder / f"{stem}.ipynb"
    nbformat.write(nb, path)
    return path


def _png(color: str) -> bytes:
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    fig, ax = plt.subplots(figsize=(4, 3), dpi=60)
    ax.plot([0, 1, 2], [0, 1, 4], color=color, lw=6)
    ax.fill_between([0, 1, 2], [0, 1, 4], color=color, alpha=0.6)
    buffer = io.BytesIO()
    fig.savefig(buffer, format="png")
    plt.close(fig)
    return buffer.getvalue()


def _figure_output(data: bytes):
    return nbformat.v4.new_output("display_data", data={"image/png": base64.b64encode(data).decode("ascii"),
                                                        "text/plain": "<Figure size 240x180 with 1 Axes>"})


class _Slides(HTMLParser):
    """The deck's structure: ``stacks[i][j]`` is the text of the heading of slide (i, j), plus the
    text of each slide (notes excluded) and of its notes."""

    def __init__(self):
        super().__init__()
        self.stacks: list[list[dict]] = []
        self.depth = 0               # <section> nesting
        self.open: list[dict | None] = []
        self.where = None            # "heading", "notes" or None

    def handle_starttag(self, tag, attrs):
        attrs = dict(attrs)
        if tag == "section":
            self.depth += 1
            if self.depth == 1:
                self.stacks.append([])
            slide = {"title": "", "text": "", "notes": "", "class": attrs.get("class") or ""}
            self.open.append(slide)
        elif tag in ("h1", "h2", "h3") and self.open:
            self.where = "heading"
        elif tag == "aside":
            self.where = "notes"

    def handle_endtag(self, tag):
        if tag == "section":
            slide = self.open.pop()
            has_inner = self.depth == 1 and self.stacks[-1]
            if not has_inner:
                self.stacks[-1].append(slide)
            self.depth -= 1
        elif tag in ("h1", "h2", "h3", "aside"):
            self.where = None

    def handle_data(self, data):
        if not self.open:
            return
        slide = self.open[-1]
        if self.where == "heading":
            slide["title"] += data
        if self.where == "notes":
            slide["notes"] += data
        else:
            slide["text"] += data


def _deck(page: Path) -> list[list[dict]]:
    parser = _Slides()
    parser.feed(page.read_text(encoding="utf-8"))
    return parser.stacks


FIGURE = _png("tab:red")
LESSON = _nb(
    ("markdown", "# Chapitre 9 : Essai\n\n**Objectifs du chapitre**\n\n- premier objectif ;\n- second objectif.\n\n"
                 "Ce notebook s'exécute de haut en bas.", []),
    ("code", "FAST = False", ["parameters"]),
    ("code", "import numpy as np\nimport math\n\nrng = np.random.default_rng(0)", []),
    ("markdown", "## 9.1 Une section\n\nUne phrase clé sur la section. " + "Du détail qui ne tient pas sur la "
                 "diapositive mais va dans les notes, " * 6 + "\n\nUn second paragraphe, seulement dans les notes.",
     []),
    ("code", "x = 2 + 2\nprint('COURTE', x)", [], [nbformat.v4.new_output("stream", text="COURTE 4\n")]),
    ("markdown", "### 9.1.1 Une sous-section\n\nLes étapes :\n\n" + "\n".join(f"- étape {i}" for i in range(1, 10)),
     []),
    ("code", "\n".join(f"y{i} = {i}  # LONGUE" for i in range(20)), []),
    ("code", "print('SORTIE LONGUE')", [], [nbformat.v4.new_output("stream", text="ligne\n" * 50)]),
    ("markdown", "## 9.2 Une figure\n\nLa courbe.", []),
    ("code", "plt.plot([0, 1, 2], [0, 1, 4])", [], [_figure_output(FIGURE)]),
    ("markdown", "### Exercice 3.1 : aplatir\n\nÉcrivez `aplatir(images)`.", []),
    ("code", "def aplatir(images):\n    ### BEGIN SOLUTION\n    return REPONSE_SECRETE\n    ### END SOLUTION",
     ["exercise=tf_tenseurs"]),
    ("markdown", "### Exercice 9.4 : inconnu\n\nUn exercice hors du catalogue.", []),
    ("code", "def f():\n    ### BEGIN SOLUTION\n    return 1\n    ### END SOLUTION", ["exercise=exo_inconnu@torch"]),
    ("code", "def f():\n    ### BEGIN SOLUTION\n    return 1\n    ### END SOLUTION",
     ["exercise=exo_inconnu@tensorflow"]),
    ("markdown", "## Résumé\n\n- un point.\n\n| ouvrage | à quoi il sert |\n|---|---|\n"
                 + "\n".join(f"| Livre {i} | {'une longue description du livre ' * 4} |" for i in range(1, 9)), []),
)


@pytest.fixture(scope="module")
def deck(tmp_path_factory):
    out = tmp_path_factory.mktemp("built")
    page = write_slides(_write(LESSON, out), out)
    return out, page


def test_headings_make_the_slides_and_the_title_slide_lists_the_objectives(deck):
    out, page = deck
    assert page == out / "slides" / "09_essai.html"
    stacks = _deck(page)
    titles = [[s["title"].replace("(suite)", "").strip() for s in stack] for stack in stacks]
    assert titles[0] == ["Chapitre 9 : Essai"]
    assert "premier objectif" in stacks[0][0]["text"] and "second objectif" in stacks[0][0]["text"]
    assert "titre" in stacks[0][0]["class"]
    # '## ' opens a new horizontal slide, '### ' a vertical one below it
    assert [stack[0] for stack in titles[1:]] == ["9.1 Une section", "9.2 Une figure", "Résumé"]
    assert "9.1.1 Une sous-section" in titles[1] and titles[1].index("9.1.1 Une sous-section") > 0
    assert titles[2][1:] == ["Exercice 3.1 : aplatir", "Exercice 9.4 : inconnu"]
    assert "<title>Chapitre 9 : Essai</title>" in page.read_text(encoding="utf-8")


def test_key_text_on_the_slide_full_text_in_the_notes(deck):
    _, page = deck
    section = _deck(page)[1][0]
    shown = section["text"].replace(section["notes"], "")
    assert "Une phrase clé sur la section." in shown and "Du détail" not in shown
    assert "second paragraphe" not in shown
    assert "Du détail qui ne tient pas" in section["notes"] and "second paragraphe" in section["notes"]
    steps = [s for s in _deck(page)[1] if "sous-section" in s["title"]][0]
    listed = re.findall(r"étape \d", steps["text"].replace(steps["notes"], ""))
    assert listed == [f"étape {i}" for i in range(1, 7)]        # six items at most on the slide
    # a table too big for a slide: its first column, as a list
    summary = _deck(page)[-1][0]
    assert re.findall(r"Livre \d", summary["text"]) == [f"Livre {i}" for i in range(1, 7)]
    assert "longue description" not in summary["text"] and "longue description" in summary["notes"]


def test_code_cells_short_ones_shown_setup_long_and_parameters_left_out(deck):
    _, page = deck
    text = page.read_text(encoding="utf-8")
    assert "COURTE" in text and "COURTE 4" in text              # a short cell and its output
    assert "LONGUE" not in text                                  # a 20-line cell
    assert "SORTIE LONGUE" not in text                           # a cell whose output is long
    assert "FAST" not in text and "default_rng" not in text      # parameters and setup cells


def test_exercise_cells_become_their_check_command(deck):
    _, page = deck
    text = page.read_text(encoding="utf-8")
    assert "REPONSE_SECRETE" not in text and "BEGIN SOLUTION" not in text
    # the number comes from the course's catalogue, or else from the heading above the cell
    assert "Exercice 3.1 : <code>dlcourse check tf_tenseurs</code>" in text
    assert "<code>dlcourse check tf_tenseurs --start</code>" in text
    assert text.count("Exercice 9.4 : <code>dlcourse check exo_inconnu</code>") == 1  # two variants, one box


def test_figures_are_files_next_to_the_deck(deck):
    out, page = deck
    text = page.read_text(encoding="utf-8")
    sources = re.findall(r'<img[^>]*src="([^"]+)"', text)
    assert sources == ["09_essai_files/figure-01.png"]
    assert (page.parent / sources[0]).read_bytes() == FIGURE


def test_nothing_is_loaded_from_the_network(tmp_path):
    nb = _nb(("markdown", "# Liens\n\n## Lecture\n\nVoir [le livre](https://exemple.org/livre), "
                          "<https://exemple.org/auto> et ![un schéma](http://exemple.org/schema.png).", []))
    page = write_slides(_write(nb, tmp_path), tmp_path)
    text = page.read_text(encoding="utf-8")
    assert "http://" not in text and "https://" not in text
    assert "le livre" in text and "exemple.org/auto" in text and "[un schéma]" in text
    # every file the page refers to is there, by a relative path
    refs = re.findall(r'(?:src|href)="([^"#]+)"', text)
    assert len(refs) >= 8
    for ref in refs:
        assert not re.match(r"[a-z]+:|/", ref), ref
        assert (page.parent / ref).is_file(), ref
    # and the style sheets fetch nothing remote either (fonts, @import); the fonts they would use are there
    # (KaTeX's style sheet also names WOFF and TTF files, after the WOFF2 ones every browser takes)
    sheets = list((page.parent / "reveal").rglob("*.css"))
    assert len(sheets) == 5
    for css in sheets:
        for url in re.findall(r"url\(\s*['\"]?([^'\")]+)", css.read_text(encoding="utf-8")):
            if url.startswith("data:"):
                continue
            assert not re.match(r"[a-z]+:|//", url), (css.name, url)
            if not (css.name == "katex.min.css" and url.endswith((".woff", ".ttf"))):
                assert (css.parent / url).is_file(), (css.name, url)


def test_html_in_the_lesson_is_escaped(tmp_path):
    nb = _nb(("markdown", "# Titre <b>gras</b> & co\n\n## Section <i>x</i>\n\nDu texte <script>alert(1)</script> "
                          "et $a < b$.", []),
             ("code", 'print("<em>&</em>")', [], [nbformat.v4.new_output("stream", text="<em>&</em>\n")]))
    page = write_slides(_write(nb, tmp_path), tmp_path)
    text = page.read_text(encoding="utf-8")
    assert "<script>alert" not in text and "&lt;script&gt;alert(1)&lt;/script&gt;" in text
    assert "<b>gras</b>" not in text and "&lt;b&gt;gras&lt;/b&gt; &amp; co" in text
    assert "<title>Titre &lt;b&gt;gras&lt;/b&gt; &amp; co</title>" in text
    assert "<em>&</em>" not in text and "&lt;em&gt;&amp;&lt;/em&gt;" in text
    assert r"\(a &lt; b\)" in text
    assert text.count("<script") == text.count("</script>") == 5   # KaTeX (2), reveal.js, notes, the set-up


def test_assets_are_copied_once_and_a_new_deck_replaces_the_old(tmp_path):
    first = write_slides(_write(LESSON, tmp_path), tmp_path)
    assets = first.parent / "reveal"
    stamps = {p: p.stat().st_mtime_ns for p in assets.rglob("*") if p.is_file()}
    assert (assets / "reveal.js").is_file() and (assets / "katex" / "katex.min.js").is_file()
    assert (assets / "LICENSE").is_file() and any((assets / "katex" / "fonts").glob("*.woff2"))
    # the same lesson without outputs (not executed): no figure left behind, assets untouched
    bare = _nb(*[(c.cell_type, c.source, c.metadata.get("tags", [])) for c in LESSON.cells])
    second = write_slides(_write(bare, tmp_path), tmp_path)
    assert second == first and "<img" not in second.read_text(encoding="utf-8")
    assert not (tmp_path / "slides" / "09_essai_files").exists()
    assert {p: p.stat().st_mtime_ns for p in assets.rglob("*") if p.is_file()} == stamps
    assert sorted(p.name for p in (tmp_path / "slides").iterdir()) == ["09_essai.html", "reveal"]  # no temporary
    clean_out_dir(tmp_path)
    assert not (tmp_path / "slides").exists()


def test_a_lesson_built_without_running_gives_a_deck(tmp_path, cli):
    out = tmp_path / "cours"
    done = cli("lessons", "build", "3", "--no-execute", "--no-html", "--student", "--slides", "--out", str(out))
    assert done.returncode == 0, done.stderr
    page = out / "slides" / "03_tensorflow.html"
    assert str(page) in done.stdout and f"{out / 'slides'}/" in done.stdout
    text = page.read_text(encoding="utf-8")
    assert "Exercice 3.1 : <code>dlcourse check tf_tenseurs</code>" in text
    assert "BEGIN SOLUTION" not in text and "NotImplementedError" not in text
    assert len(_deck(page)) >= 5


# ----------------------------------------------------------------------------- in a browser
def _chromium(tmp_path: Path, url: str, *args: str) -> subprocess.CompletedProcess:
    """Headless Chromium on ``url``, every host name resolved to nowhere: nothing can leave the machine."""
    command = ["chromium", "--headless", "--no-sandbox", "--disable-gpu", "--no-first-run",
               "--disable-background-networking", "--disable-component-update", "--disable-sync",
               f"--user-data-dir={tmp_path / f'profile-{secrets.token_hex(4)}'}", "--window-size=1280,720",
               "--virtual-time-budget=4000", "--host-resolver-rules=MAP * ~NOTFOUND", *args, url]
    return subprocess.run(command, capture_output=True, text=True, timeout=60)


@pytest.mark.browser
@pytest.mark.skipif(shutil.which("chromium") is None, reason="chromium is not installed")
def test_the_deck_runs_in_a_browser_from_a_copied_folder(tmp_path):
    out = tmp_path / "cours"
    built = build_lesson(get_lesson("3"), out, run=False, html=False)
    write_slides(built.notebook, out)
    nb = _nb(("markdown", "# Figures\n\n## Une courbe\n\nLa formule $f_\\theta(x) = \\sigma(Wx + b)$ :", []),
             ("code", "plt.plot(x, y)", [], [_figure_output(_png("tab:green"))]))
    write_slides(_write(nb, out, "10_figures"), out)
    usb = tmp_path / "cle-usb" / "slides"
    shutil.copytree(out / "slides", usb)                 # the folder alone, away from the build
    shutil.rmtree(out)

    done = _chromium(tmp_path, (usb / "03_tensorflow.html").resolve().as_uri() + "#/2", "--dump-dom")
    assert done.returncode == 0, done.stderr[-2000:]
    dom = done.stdout
    assert re.search(r'<div class="reveal [^"]*\bready\b', dom), dom[:2000]        # reveal.js started
    shown = [m.end() for m in re.finditer(r'<section[^>]*class="present"[^>]*>', dom)]   # the slide shown
    assert len(shown) == 1 and dom[shown[0]:shown[0] + 200].lstrip().startswith("<h2>3.2 Tenseurs"), dom[:3000]

    shot = tmp_path / "figure.png"
    done = _chromium(tmp_path, (usb / "10_figures.html").resolve().as_uri() + "#/1", f"--screenshot={shot}")
    assert shot.is_file(), done.stderr[-2000:]
    from PIL import Image

    with Image.open(shot) as image:
        image.verify()                                    # a valid PNG
    with Image.open(shot) as image:
        pixels = np.asarray(image.convert("RGB"), dtype=np.float32)
    assert pixels.shape[:2] == (720, 1280) and pixels.std() > 20      # not a blank page
    r, g, b = pixels[..., 0], pixels[..., 1], pixels[..., 2]
    green = (g > 100) & (g - r > 50) & (g - b > 50)                     # the figure's green curve and fill
    assert green.mean() > 0.01, green.mean()
    done = _chromium(tmp_path, (usb / "10_figures.html").resolve().as_uri() + "#/1", "--dump-dom")
    assert 'class="katex"' in done.stdout                 # the formula typeset by the copied KaTeX
