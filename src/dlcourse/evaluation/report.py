"""Reports of a run folder or a comparison folder: one self-contained HTML page and a Markdown file.

The HTML page embeds its images (PNG as base64 ``data:`` URIs) and its CSS, so it
opens offline in any browser and can be sent as one file. The Markdown export
links the PNG files next to it.
"""

from __future__ import annotations

import base64
import html
import json
import os
from pathlib import Path

import yaml

from dlcourse.errors import RunFolderError
from dlcourse.evaluation.compare import LABELS, format_value

CSS = """
body{font-family:system-ui,-apple-system,"DejaVu Sans",sans-serif;margin:2em auto;max-width:1100px;color:#222;
padding:0 1em}
h1{font-size:1.6em;border-bottom:2px solid #333;padding-bottom:.2em}h2{font-size:1.25em;margin-top:1.6em;color:#1a4d80}
table{border-collapse:collapse;margin:.6em 0;font-size:.9em}th,td{border:1px solid #ccc;padding:.25em .6em}
th{background:#eef3f8;text-align:left}td.num{text-align:right;font-variant-numeric:tabular-nums}
pre{background:#f6f8fa;padding:.8em;overflow:auto;font-size:.85em;border:1px solid #ddd}
figure{margin:1em 0;display:inline-block;vertical-align:top}figure img{max-width:100%;border:1px solid #eee}
figcaption{font-size:.85em;color:#555}.muted{color:#666;font-size:.9em}.grid{display:flex;flex-wrap:wrap;gap:1em}
.grid figure{flex:1 1 460px}
"""

PLOT_TITLES = {
    "learning_curves": "Learning curves (train dashed, validation solid)",
    "confusion_matrix": "Confusion matrix ({data})",
    "worst_misclassified": "Most confident mistakes ({data})",
    "predicted_vs_true": "Predicted vs true ({data})",
    "residuals": "Residuals ({data})",
}


def _e(value) -> str:
    return html.escape(str(value))


def _img(path: Path, caption: str) -> str:
    data = base64.b64encode(path.read_bytes()).decode("ascii")
    return (f'<figure><img alt="{_e(caption)}" src="data:image/png;base64,{data}">'
            f"<figcaption>{_e(caption)}</figcaption></figure>")


def _table(header: list[str], rows: list[list], numeric_from: int = 1) -> str:
    head = "".join(f"<th>{_e(h)}</th>" for h in header)
    body = "".join("<tr>" + "".join(
        f'<td class="num">{_e(format_value(c, str(row[0])))}</td>' if j >= numeric_from
        else f"<td>{_e(format_value(c, str(row[0])))}</td>"
        for j, c in enumerate(row)) + "</tr>" for row in rows)
    return f"<table><thead><tr>{head}</tr></thead><tbody>{body}</tbody></table>"


def _md_table(header: list[str], rows: list[list]) -> str:
    lines = ["| " + " | ".join(header) + " |", "|" + "---|" * len(header)]
    lines += ["| " + " | ".join(format_value(c, str(row[0])) for c in row) + " |" for row in rows]
    return "\n".join(lines)


def _page(title: str, body: str) -> str:
    return (f'<!DOCTYPE html>\n<html lang="en"><head><meta charset="utf-8">'
            f'<meta name="viewport" content="width=device-width, initial-scale=1">'
            f"<title>{_e(title)}</title><style>{CSS}</style></head><body>{body}</body></html>\n")


def _write(path: Path, text: str) -> Path:
    tmp = path.with_name(f".{path.name}.tmp")
    tmp.write_text(text, encoding="utf-8")
    os.replace(tmp, path)
    return path


def _flat(settings: dict, prefix: str = "") -> list[list]:
    """Nested settings as ``[dotted key, readable value]`` rows (``true``/``false``, lists joined)."""
    rows = []
    for key, value in settings.items():
        if isinstance(value, dict):
            rows += _flat(value, f"{prefix}{key}.")
        elif isinstance(value, bool):
            rows.append([prefix + key, "true" if value else "false"])
        elif isinstance(value, (list, tuple)):
            rows.append([prefix + key, "; ".join(map(str, value)) or "none"])
        else:
            rows.append([prefix + key, value])
    return rows


# ----------------------------------------------------------------------------- sections of one run
def _run_sections(path: Path, run: dict, evaluation: dict | None, level: int = 2,
                  md_dir: Path | None = None) -> tuple[list[str], list[str]]:
    """(HTML parts, Markdown parts) describing one run; Markdown image links are relative to ``md_dir``."""
    h = f"h{level}"
    metrics = run["metrics"]
    env = run["environment"]
    html_parts, md = [], []
    test = metrics.get("test", {})
    rows = [[k, v] for k, v in test.items()]
    rows += [["parameters", metrics.get("params")], ["epochs", metrics.get("epochs")],
             ["training seconds", metrics.get("train_seconds")]]
    if "linear" in metrics:
        rows += [[f"learned {k}", v] for k, v in metrics["linear"].items()]
    html_parts.append(f"<{h}>Test metrics (at the end of training)</{h}>" + _table(["metric", "value"], rows))
    md += [f"{'#' * level} Test metrics (at the end of training)", "", _md_table(["metric", "value"], rows), ""]
    where = evaluation.get("data", "the evaluated data") if evaluation else None
    if evaluation:
        # every number below was computed on ``where`` only (dlcourse evaluate --data ...): its own section
        ev = [[k.replace("_", " "), v] for k, v in evaluation.get("summary", {}).items()]
        if evaluation.get("roc_auc") is not None:
            ev.append(["ROC-AUC (one-vs-rest, macro)", evaluation["roc_auc"]])
        ev += [[f"{k.replace('_', '-')} accuracy", v] for k, v in evaluation.get("top_k_accuracy", {}).items()]
        ev += [[f"residual {k}", v] for k, v in evaluation.get("residuals", {}).items()]
        title = f"Evaluation on the {where} ({evaluation.get('n')} samples)"
        html_parts.append(f"<{h}>{_e(title)}</{h}>" + _table(["metric", "value"], ev))
        md += [f"{'#' * level} {title}", "", _md_table(["metric", "value"], ev), ""]
    if evaluation and evaluation.get("per_class"):
        pc = [[r["class"], r["precision"], r["recall"], r["f1"], r["support"]] for r in evaluation["per_class"]]
        title = f"Per class, on the {where}"
        html_parts.append(f"<{h}>{_e(title)}</{h}>" + _table(["class", "precision", "recall", "F1", "support"], pc))
        md += [f"{'#' * level} {title}", "", _md_table(["class", "precision", "recall", "F1", "support"], pc), ""]
    figures = []
    for name, caption in PLOT_TITLES.items():
        png = path / "plots" / f"{name}.png"
        if "{data}" in caption:
            caption = caption.format(data=where or "test split")
        if png.is_file():
            figures.append(_img(png, caption))
            md += [f"![{caption}]({os.path.relpath(png, start=md_dir or path)})", ""]
    if figures:
        html_parts.append(f"<{h}>Plots</{h}><div class='grid'>" + "".join(figures) + "</div>")
    hist = run["history"]
    if hist:
        keys = list(hist[0])
        html_parts.append(f"<{h}>History</{h}>" + _table(keys, [[r.get(k) for k in keys] for r in hist]))
    versions = {k: v for k, v in (env.get("versions") or {}).items() if v}
    env_rows = [["framework", env.get("framework")], ["python", env.get("python")], ["platform", env.get("platform")],
                ["started", env.get("started")]]
    env_rows += _flat(env.get("settings") or {})
    env_rows += [[k, v] for k, v in versions.items()]
    html_parts.append(f"<{h}>Environment</{h}>" + _table(["item", "value"], env_rows, numeric_from=9))
    md += [f"{'#' * level} Environment", "", _md_table(["item", "value"], env_rows), ""]
    config_text = yaml.safe_dump(run["config"], sort_keys=False)
    html_parts.append(f"<{h}>Config</{h}><pre>{_e(config_text)}</pre>")
    md += [f"{'#' * level} Config", "", "```yaml", config_text.rstrip(), "```", ""]
    return html_parts, md


def _evaluation(path: Path, ensure: bool) -> dict | None:
    file = path / "evaluation.json"
    if not file.is_file() and ensure:
        from dlcourse.evaluation.evaluate import evaluate_run

        evaluate_run(path)
    return json.loads(file.read_text(encoding="utf-8")) if file.is_file() else None


def run_report(path: str | Path, ensure_evaluation: bool = True) -> tuple[Path, Path]:
    """Write ``report.html`` and ``report.md`` in the run folder (evaluating it first if needed)."""
    from dlcourse.runs import read_run

    path = Path(path)
    run = read_run(path)
    evaluation = _evaluation(path, ensure_evaluation)
    env = run["environment"]
    fw = env.get("framework", "")
    title = f"{run['config'].get('name', path.name)} · {LABELS.get(fw, fw)}"
    html_parts, md = _run_sections(path, run, evaluation)
    intro = f"<h1>{_e(title)}</h1><p class='muted'>Run folder <code>{_e(path.resolve())}</code>" + \
        (f" · evaluated on {_e(evaluation['data'])} ({evaluation['n']} samples)" if evaluation else "") + "</p>"
    html_file = _write(path / "report.html", _page(title, intro + "".join(html_parts)))
    md_file = _write(path / "report.md", "\n".join([f"# {title}", "", f"Run folder `{path.resolve()}`", "", *md]))
    return html_file, md_file


def compare_report(folder: str | Path) -> tuple[Path, Path]:
    """Write ``report.html`` and ``report.md`` in a comparison folder (table, overlay plot, each run's plots)."""
    from dlcourse.runs import read_run

    folder = Path(folder)
    data = json.loads((folder / "compare.json").read_text(encoding="utf-8"))
    fws = data["frameworks"]
    title = f"{data['name']}: {' vs '.join(LABELS.get(f, f) for f in fws)}"
    header = ["", *[LABELS.get(f, f) for f in fws]]
    rows = [[r["item"], *[r.get(f) for f in fws]] for r in data["rows"]]
    settings = ", ".join(f"{k} {v}" for k, v in data["settings"].items())
    body = [f"<h1>{_e(title)}</h1>",
            f"<p class='muted'>Config <code>{_e(data['config'])}</code>"
            + (f" with {_e(' '.join(data['overrides']))}" if data["overrides"] else "")
            + f" · each framework trained in its own process · {_e(settings)} · {_e(data['created'])}</p>",
            "<h2>Side by side</h2>", _table(header, rows)]
    md = [f"# {title}", "", f"Config `{data['config']}`; {settings}.", "", "## Side by side", "",
          _md_table(header, rows), ""]
    if (folder / "learning_curves.png").is_file():
        body += ["<h2>Learning curves, both frameworks</h2>",
                 _img(folder / "learning_curves.png", "learning curves: train dashed, validation solid")]
        md += ["## Learning curves, both frameworks", "", "![learning curves](learning_curves.png)", ""]
    figures: dict[str, list[str]] = {}
    for fw in fws:
        run_path = Path(data["runs"][fw]["path"])
        where = (_evaluation(run_path, ensure=False) or {}).get("data", "test split")
        for name, caption in PLOT_TITLES.items():
            caption = caption.format(data=where) if "{data}" in caption else caption
            png = run_path / "plots" / f"{name}.png"
            if name != "learning_curves" and png.is_file():
                figures.setdefault(name, []).append(_img(png, f"{LABELS.get(fw, fw)}: {caption}"))
                md += [f"![{LABELS.get(fw, fw)}: {caption}]({os.path.relpath(png, start=folder)})", ""]
    for name, imgs in figures.items():
        body += [f"<h2>{_e(PLOT_TITLES[name].split(' (')[0])}</h2><div class='grid'>" + "".join(imgs) + "</div>"]
    for fw in fws:
        run_path = Path(data["runs"][fw]["path"])
        try:
            run = read_run(run_path)
        except RunFolderError:
            body.append(f"<h2>{_e(LABELS.get(fw, fw))}</h2><p>run folder {_e(run_path)} is missing.</p>")
            continue
        evaluation = _evaluation(run_path, ensure=False)
        html_parts, run_md = _run_sections(run_path, {**run, "history": []}, evaluation, level=3, md_dir=folder)
        html_parts = [p for p in html_parts if "<h3>Plots</h3>" not in p]
        body.append(f"<h2>{_e(LABELS.get(fw, fw))} run</h2><p class='muted'><code>{_e(run_path)}</code></p>"
                    + "".join(html_parts))
        md += [f"## {LABELS.get(fw, fw)} run", "", f"`{run_path}`", "",
               *[line for line in run_md if not line.startswith("![")]]
    html_file = _write(folder / "report.html", _page(title, "".join(body)))
    md_file = _write(folder / "report.md", "\n".join(md))
    return html_file, md_file


def write_report(path: str | Path) -> tuple[Path, Path]:
    """Report of a run folder or of a comparison folder, whichever ``path`` is."""
    path = Path(path)
    if path.is_dir() and (path / "compare.json").is_file():
        return compare_report(path)
    from dlcourse.evaluation.loading import open_run

    open_run(path)                              # clear error if missing or incomplete
    return run_report(path)
