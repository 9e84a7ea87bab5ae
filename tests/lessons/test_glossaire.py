"""The French–English glossary and the links from each term's first appearance in the lessons."""

from __future__ import annotations

import re
from collections import Counter
from pathlib import Path

import nbformat
import pytest

from dlcourse.lessons.build import build_lesson, read_notebook
from dlcourse.lessons.catalogue import list_lessons
from dlcourse.lessons.glossaire import (PAGE, REGENERATE, first_appearances, load_glossary, render_html,
                                        render_markdown, write_glossary)

ROOT = Path(__file__).resolve().parents[2]
LESSONS = ROOT / "lessons"
LINK = re.compile(r"\[([^\]]+)\]\(glossaire\.html#terme-([a-z0-9-]+) \"[^\"]*\"\)")


@pytest.fixture(scope="module")
def terms():
    return {term.en: term for term in load_glossary(LESSONS)}


@pytest.fixture(scope="module")
def built(tmp_path_factory):
    """The trainer and student builds of the whole course, not executed, without HTML (a few seconds)."""
    out = tmp_path_factory.mktemp("glossaire")
    for student in (False, True):
        for lesson in list_lessons(LESSONS):
            build_lesson(lesson, out / ("student" if student else "trainer"), student=student, run=False, html=False)
    return out


def _notebooks(folder: Path) -> list[tuple[str, nbformat.NotebookNode]]:
    return [(p.name, nbformat.read(p, as_version=4)) for p in sorted(folder.glob("[0-9][0-9]_*.ipynb"))]


def test_the_glossary_has_the_course_terms_and_marks_the_false_friends(terms):
    assert len(terms) >= 40
    expected = {"accuracy": "exactitude", "precision": "précision", "recall": "rappel", "epoch": "époque",
                "batch": "lot", "embedding": "plongement", "loss": "perte", "learning rate": "taux d'apprentissage",
                "overfitting": "surapprentissage", "fine-tuning": "ajustement fin", "feature": "caractéristique",
                "tensor": "tenseur", "layer": "couche", "backpropagation": "rétropropagation",
                "optimizer": "optimiseur", "early stopping": "arrêt précoce", "label": "étiquette"}
    for en, fr in expected.items():
        assert fr in (terms[en].fr, *terms[en].fr_autres), en
    for en in ("logits", "dropout", "weight decay", "gradient", "data augmentation", "transfer learning",
               "batch normalization", "validation set", "test set"):
        assert en in terms, en
    assert all(t.definition.endswith(".") for t in terms.values())
    # accuracy is not « précision »: the false friend is written down and marked on both pages
    assert "« précision »" in terms["accuracy"].faux_ami and terms["precision"].faux_ami
    false_friends = [t for t in terms.values() if t.faux_ami]
    assert len(false_friends) >= 3 and not terms["epoch"].faux_ami
    md, page = render_markdown(list(terms.values())), render_html(list(terms.values()))
    for term in terms.values():
        row = next(line for line in md.splitlines() if f'id="{term.anchor}"' in line)
        assert ("(faux ami)" in row and "**Faux ami**" in row) == bool(term.faux_ami), term.fr
        html_row = re.search(rf'<tr id="{term.anchor}">.*?</tr>', page).group(0)
        assert ('class="faux-ami"' in html_row) == bool(term.faux_ami), term.fr


def test_each_term_is_linked_exactly_once_at_its_first_appearance(built, terms):
    by_slug = {t.slug: t for t in terms.values()}
    index = first_appearances(LESSONS)
    assert len(index) >= 0.9 * len(by_slug)                        # the glossary is the course's vocabulary
    for version in ("trainer", "student"):
        links = Counter()
        for name, nb in _notebooks(built / version):
            chapter = int(name[:2])
            for cell in nb.cells:
                for match in LINK.finditer(cell.source):
                    links[match.group(2)] += 1
                    assert cell.cell_type == "markdown", (name, match.group(0))
                    assert index[match.group(2)].chapter == chapter
        assert links == Counter({slug: 1 for slug in index}), version
    # the first appearance, checked on a few terms by hand: the text before it never names the term
    first = {}
    for name, nb in _notebooks(built / "trainer"):
        for cell in nb.cells:
            if cell.cell_type == "markdown":
                for match in LINK.finditer(cell.source):
                    first[match.group(2)] = (name, match.group(1), cell.source)
    assert first[terms["accuracy"].slug][:2] == ("01_introduction.ipynb", "exactitude")   # in code before: not linked
    assert first[terms["backpropagation"].slug][:2] == ("01_introduction.ipynb", "rétropropagation")
    assert first[terms["learning rate"].slug][0] == "05_donnees.ipynb"
    assert first[terms["epoch"].slug][1].lower().startswith("époque")
    code_before = "\n".join(c.source for c in read_notebook(list_lessons(LESSONS)[0]).cells if c.cell_type == "code")
    assert "exactitude" in code_before                                # the occurrence the link skipped


def test_links_leave_code_formulas_links_and_headings_alone(tmp_path):
    root = tmp_path / "cours"
    root.mkdir()
    (root / "glossaire.yaml").write_text(
        "termes:\n  - {fr: perte, en: loss, definition: Ce que l'on minimise.}\n"
        "  - {fr: époque, en: epoch, definition: Un passage sur les données.}\n"
        "  - {fr: taux d'apprentissage, en: learning rate, definition: La taille du pas.}\n", encoding="utf-8")
    (root / "01_un.py").write_text(
        "# %% [markdown]\n# # La perte\n#\n# ## Loss et perte\n#\n# ```python\n# perte = 1\n# ```\n#\n"
        "# Le code `perte`, la formule $\\text{perte}$ et $$perte$$, le lien [perte](https://example.org),\n"
        "# <span title=\"perte\">x</span>, https://example.org/perte et « experte » ne comptent pas : la\n"
        "# Perte compte. Une époque,\n# des époques ; le taux\n# d'apprentissage.\n\n"
        "# %% tags=[\"parameters\"]\nFAST = False\n\n# %%\nperte = 0  # la perte, dans le code\n", encoding="utf-8")
    (root / "02_deux.py").write_text("# %% [markdown]\n# # Deux\n#\n# Encore la perte et une époque.\n\n"
                                     "# %% tags=[\"parameters\"]\nFAST = False\n", encoding="utf-8")
    lessons = list_lessons(root)
    for lesson in lessons:
        build_lesson(lesson, tmp_path / "out", run=False, html=False)
    one = nbformat.read(tmp_path / "out" / "01_un.ipynb", as_version=4)
    two = nbformat.read(tmp_path / "out" / "02_deux.ipynb", as_version=4)
    text = one.cells[0].source
    assert [(m.group(1), m.group(2)) for m in LINK.finditer(text)] == [
        ("Perte", "perte"), ("époque", "epoque"), ("taux\nd'apprentissage", "taux-d-apprentissage")]
    source = read_notebook(lessons[0]).cells[0].source
    assert LINK.sub(lambda m: m.group(1), text) == source            # nothing else changed
    assert one.cells[-1].source == "perte = 0  # la perte, dans le code"
    assert "glossaire.html" not in two.cells[0].source               # already linked in chapter 1
    # building chapter 2 alone gives the same (first appearances come from every lesson's source)
    build_lesson(lessons[1], tmp_path / "seul", run=False, html=False)
    assert nbformat.read(tmp_path / "seul" / "02_deux.ipynb", as_version=4).cells[0].source == two.cells[0].source
    # a course folder without glossary builds as before
    (root / "glossaire.yaml").unlink()
    build_lesson(lessons[0], tmp_path / "sans", run=False, html=False)
    assert "glossaire.html" not in nbformat.read(tmp_path / "sans" / "01_un.ipynb", as_version=4).cells[0].source


def test_code_cells_are_never_changed_by_the_links(built):
    for (name, nb), lesson in zip(_notebooks(built / "trainer"), list_lessons(LESSONS)):
        source = [c.source for c in read_notebook(lesson).cells if c.cell_type == "code"
                  and "starter" not in c.metadata.get("tags", [])]
        assert [c.source for c in nb.cells if c.cell_type == "code"] == source, name


def test_glossary_pages_and_docs_are_up_to_date(tmp_path, terms):
    paths = write_glossary(tmp_path, LESSONS)
    assert [p.name for p in paths] == ["glossaire.md", PAGE]
    page = (tmp_path / PAGE).read_text(encoding="utf-8")
    assert page.startswith("<!DOCTYPE html>") and 'lang="fr"' in page
    assert not re.search(r"""(src|href)=["']?(https?:)?//|@import|url\(|<script""", page)
    for term in terms.values():
        assert page.count(f'id="{term.anchor}"') == 1
    docs = (ROOT / "docs" / "glossaire.md").read_text(encoding="utf-8")
    assert docs == (tmp_path / "glossaire.md").read_text(encoding="utf-8"), (
        f"docs/glossaire.md is out of date with lessons/glossaire.yaml; regenerate it with: {REGENERATE}")
