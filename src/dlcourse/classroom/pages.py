"""The two HTML pages (French), self-contained: inline style and script, nothing fetched from elsewhere."""

from __future__ import annotations

import html
import re

STYLE = """
body{font-family:system-ui,-apple-system,"Segoe UI",sans-serif;margin:1.5rem;color:#1d2330;background:#f6f7f9}
h1{font-size:1.5rem;margin:0 0 .3rem} .muted{color:#5b6475} code{background:#e8ebf0;padding:.1rem .35rem;border-radius:4px}
table{border-collapse:collapse;margin:1rem 0;background:#fff} th,td{border:1px solid #d5d9e0;padding:.35rem .6rem;text-align:center}
th.name,td.name{text-align:left;font-weight:600} .none{background:#eef0f3;color:#8a93a3}
.failed{background:#f6c1bd;color:#7a1710} .passed{background:#b9e4c3;color:#0f5a25}
.legend span{display:inline-block;padding:.15rem .6rem;margin-right:.4rem;border-radius:4px}
#live{font-weight:600} #live.on{color:#0f7a32} #live.off{color:#b0231b}
.hints li{margin:.2rem 0} .count{color:#5b6475}
"""

DASHBOARD = """<!doctype html>
<html lang="fr"><head><meta charset="utf-8"><title>Salle de formation : tableau de bord</title>
<style>%(style)s</style></head><body>
<h1>Salle de formation</h1>
<p>Code pour rejoindre : <code id="code">%(code)s</code> &middot; <span id="summary">chargement…</span>
&middot; <span id="live" class="off">connexion…</span> &middot; <a id="export" href="#">export CSV</a></p>
<p class="legend"><span class="none">pas essayé</span><span class="failed">échoué</span><span class="passed">réussi</span></p>
<table id="grid"><thead><tr><th class="name">Apprenant</th></tr></thead><tbody></tbody></table>
<h2>À réexpliquer à toute la salle</h2>
<p class="muted">Les indices donnés le plus souvent lors des échecs, par exercice (nombre d'apprenants concernés).</p>
<div id="hints"><p class="muted">Aucun échec pour l'instant.</p></div>
<script>
"use strict";
const token = new URLSearchParams(location.search).get("token") || "";
document.getElementById("export").href = "/export.csv?token=" + encodeURIComponent(token);
function el(tag, text, cls) { const e = document.createElement(tag); if (text !== undefined) e.textContent = text;
  if (cls) e.className = cls; return e; }
function label(ex) { return ex.numero ? ex.numero : ex.exercise; }
function render(s) {
  const head = document.querySelector("#grid thead tr"), body = document.querySelector("#grid tbody");
  head.replaceChildren(el("th", "Apprenant", "name"));
  for (const ex of s.exercises) { const th = el("th", label(ex)); th.title = ex.exercise + " : " + ex.title;
    th.dataset.exercise = ex.exercise; head.appendChild(th); }
  body.replaceChildren();
  for (const l of s.learners) {
    const tr = el("tr"); tr.dataset.learner = l.id;
    tr.appendChild(el("td", l.name + (l.left ? " (parti)" : ""), "name"));
    const mine = s.cells[String(l.id)] || {};
    for (const ex of s.exercises) {
      const c = mine[ex.exercise];
      const td = c ? el("td", (c.state === "passed" ? "réussi" : "échoué") + " (" + c.attempts + ")", c.state)
                   : el("td", "—", "none");
      td.dataset.exercise = ex.exercise; td.dataset.state = c ? c.state : "none"; tr.appendChild(td);
    }
    body.appendChild(tr);
  }
  document.getElementById("summary").textContent = s.learners.length + " apprenant(s), " + s.total + " résultat(s)";
  const box = document.getElementById("hints"); box.replaceChildren();
  for (const ex of s.exercises) {
    const list = s.hints[ex.exercise]; if (!list || !list.length) continue;
    box.appendChild(el("h3", label(ex) + " — " + ex.title));
    const ul = el("ul", undefined, "hints");
    for (const [hint, n] of list) { const li = el("li", hint + " "); li.appendChild(el("span", "(" + n + ")", "count"));
      ul.appendChild(li); }
    box.appendChild(ul);
  }
  if (!box.children.length) box.appendChild(el("p", "Aucun échec pour l'instant.", "muted"));
  document.body.dataset.total = s.total;
}
const live = document.getElementById("live");
const source = new EventSource("/events?token=" + encodeURIComponent(token));
source.addEventListener("state", (e) => { render(JSON.parse(e.data)); live.textContent = "en direct"; live.className = "on"; });
source.onerror = () => { live.textContent = "reconnexion…"; live.className = "off"; };
</script></body></html>
"""

LEARNERS = """<!doctype html>
<html lang="fr"><head><meta charset="utf-8"><title>Rejoindre la salle de formation</title>
<style>%(style)s</style></head><body>
<h1>Rejoindre la salle de formation</h1>
<p>Dans un terminal de votre ordinateur, lancez :</p>
<p><code>dlcourse classroom join %(code)s --name VOTRE_PRÉNOM --server %(server)s</code></p>
<p>Ensuite, chaque <code>dlcourse check</code> envoie au formateur son résultat : l'exercice, réussi ou non,
les indices donnés, la durée et le framework. Jamais votre code, jamais vos données.
Hors connexion, les résultats attendent sur votre disque et partent plus tard.</p>
<p class="muted"><code>dlcourse classroom status</code> montre où vous en êtes ;
<code>dlcourse classroom leave</code> quitte la salle.</p>
</body></html>
"""


def dashboard_page(code: str) -> str:
    return DASHBOARD % {"style": STYLE, "code": html.escape(code)}


def learners_page(server: str, code: str) -> str:
    shown = code if re.fullmatch(r"[A-Za-z0-9-]{1,12}", code or "") else "CODE"
    return LEARNERS % {"style": STYLE, "code": html.escape(shown), "server": html.escape(server)}
