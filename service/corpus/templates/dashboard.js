// The corpus dashboard. Data layout (dashboard.py): D.dict holds repeated strings; a report is
// [title, province, level, year, kind, link, leaves, evidenced_completed, declared_rate,
//  declares_all, declared_quote, findings]; a problem [report, category, status, path, title];
// a finding [report, path, word, quote, declared_quote]. Every chart is plain SVG built here.
"use strict";
(function () {
  const SVG = "http://www.w3.org/2000/svg";
  const PALETTE = ["#c43a31", "#2e6eb2", "#2e7d32", "#7b2aa0", "#d67800", "#00838f", "#ad1457", "#5d4037",
    "#558b2f", "#3949ab", "#f9a825", "#6d4c41", "#00695c", "#8e24aa", "#ef6c00", "#1565c0"];
  const STATUS_COLOUR = { completed: "#2e7d32", basically_completed: "#7cb342", partly_completed: "#c0ca33",
    in_progress: "#f9a825", long_term: "#2e6eb2", not_completed: "#c43a31", not_stated: "#bdb7ab" };
  const UNSTATED = "未注明";
  const $ = (id) => document.getElementById(id);

  function el(tag, attrs, text) {
    const e = document.createElement(tag);
    for (const k in attrs || {}) e.setAttribute(k, attrs[k]);
    if (text !== undefined && text !== null) e.textContent = String(text);
    return e;
  }
  function sv(tag, attrs, text) {
    const e = document.createElementNS(SVG, tag);
    for (const k in attrs || {}) e.setAttribute(k, attrs[k]);
    if (text !== undefined && text !== null) e.textContent = String(text);
    return e;
  }
  function pct(x) { return x === null || x === undefined ? "—" : Math.round(x * 100) + "%"; }
  function label(v) { return v === "" || v === null ? UNSTATED : String(v); }

  async function load() {
    const raw = atob($("data").textContent.trim());
    const bytes = new Uint8Array(raw.length);
    for (let i = 0; i < raw.length; i++) bytes[i] = raw.charCodeAt(i);
    const stream = new Blob([bytes]).stream().pipeThrough(new DecompressionStream("gzip"));
    return JSON.parse(await new Response(stream).text());
  }

  function fillSelect(select, values, labels) {
    values.forEach((v, k) => select.appendChild(el("option", { value: String(k) }, labels ? labels[k] : label(v))));
  }

  // Stacked horizontal bars: one row per group, a segment per category.
  function stacked(box, rows, cats, colour, catLabel) {
    box.textContent = "";
    const W = 900, rowH = 22, left = 90, top = 4;
    const max = Math.max(1, ...rows.map((r) => r.total));
    const svg = sv("svg", { viewBox: `0 0 ${W} ${top + rows.length * rowH + 6}`, role: "img" });
    rows.forEach((r, i) => {
      const y = top + i * rowH;
      svg.appendChild(sv("text", { x: left - 6, y: y + 15, "text-anchor": "end" }, r.label));
      let x = left;
      for (const c of cats) {
        const n = r.counts.get(c) || 0;
        if (!n) continue;
        const w = ((W - left - 60) * n) / max;
        const rect = sv("rect", { x: x, y: y + 3, width: Math.max(w, 0.5), height: rowH - 6, fill: colour(c) });
        rect.appendChild(sv("title", {}, `${r.label} · ${catLabel(c)}：${n}`));
        svg.appendChild(rect);
        x += w;
      }
      svg.appendChild(sv("text", { x: x + 4, y: y + 15, class: "muted" }, r.total));
    });
    if (!rows.length) svg.appendChild(sv("text", { x: 10, y: 18, class: "muted" }, "无数据"));
    box.appendChild(svg);
  }

  function statusBar(box, counts, D) {
    box.textContent = "";
    const total = counts.reduce((a, b) => a + b, 0);
    const W = 440, svg = sv("svg", { viewBox: `0 0 ${W} ${40 + 18 * D.dict.status.length}`, role: "img" });
    let x = 0, row = 0;
    D.dict.status.forEach((s, k) => {
      const n = counts[k];
      if (!n) return;
      const w = (W * n) / total;
      const rect = sv("rect", { x: x, y: 0, width: w, height: 26, fill: STATUS_COLOUR[s] || "#999" });
      rect.appendChild(sv("title", {}, `${D.dict.status_zh[k]}：${n}`));
      svg.appendChild(rect);
      x += w;
      const y = 44 + row * 18;
      svg.appendChild(sv("rect", { x: 0, y: y - 10, width: 10, height: 10, fill: STATUS_COLOUR[s] || "#999" }));
      svg.appendChild(sv("text", { x: 16, y: y, "data-status": s }, `${D.dict.status_zh[k]}  ${n}（${pct(n / total)}）`));
      row++;
    });
    if (!total) svg.appendChild(sv("text", { x: 0, y: 18, class: "muted" }, "无数据"));
    box.appendChild(svg);
  }

  function scatter(box, reports, D) {
    box.textContent = "";
    const S = 300, m = 34, svg = sv("svg", { viewBox: `0 0 ${S + m + 24} ${S + m + 10}`, role: "img", class: "sq" });
    svg.appendChild(sv("rect", { x: m, y: 5, width: S, height: S, fill: "none", stroke: "#e3ddd0" }));
    svg.appendChild(sv("line", { x1: m, y1: S + 5, x2: m + S, y2: 5, stroke: "#bdb7ab", "stroke-dasharray": "4 3" }));
    for (const t of [0, 0.5, 1]) {
      svg.appendChild(sv("text", { x: m + t * S, y: S + 22, "text-anchor": "middle", class: "muted" }, pct(t)));
      svg.appendChild(sv("text", { x: m - 4, y: S + 9 - t * S, "text-anchor": "end", class: "muted" }, pct(t)));
    }
    let shown = 0;
    for (const k of reports) {
      const r = D.reports[k];
      if (r[8] === null || !r[6]) continue;
      const ev = r[7] / r[6];
      const dot = sv("circle", { cx: m + ev * S, cy: 5 + S - r[8] * S, r: 4, fill: r[11] ? "#c43a31" : "#2e6eb2",
        "fill-opacity": 0.6 });
      dot.appendChild(sv("title", {}, `${r[0]}：自述 ${pct(r[8])}，有据 ${pct(ev)}`));
      svg.appendChild(dot);
      shown++;
    }
    if (!shown) svg.appendChild(sv("text", { x: m + 10, y: 24, class: "muted" }, "无可比的通报"));
    box.appendChild(svg);
  }

  function reportCell(r) {
    const td = el("td");
    if (r[5]) td.appendChild(el("a", { href: r[5] }, r[0] || "（无标题）"));
    else td.textContent = r[0] || "（无标题）";
    return td;
  }

  function completionTable(body, reports, D) {
    body.textContent = "";
    const rows = reports.filter((k) => D.reports[k][8] !== null).map((k) => {
      const r = D.reports[k];
      return [k, r[8] - (r[6] ? r[7] / r[6] : 0)];
    }).sort((a, b) => b[1] - a[1] || D.reports[b[0]][11] - D.reports[a[0]][11]).slice(0, 30);
    for (const [k] of rows) {
      const r = D.reports[k], tr = el("tr");
      tr.appendChild(reportCell(r));
      tr.appendChild(el("td", { class: "n" }, r[3] === null ? "—" : r[3]));
      tr.appendChild(el("td", { class: "n" }, r[6]));
      tr.appendChild(el("td", { class: "n" }, pct(r[8])));
      tr.appendChild(el("td", { class: "n" }, r[6] ? pct(r[7] / r[6]) : "—"));
      tr.appendChild(el("td", { class: "n" }, r[11]));
      tr.appendChild(el("td", { class: "q" }, r[10]));
      body.appendChild(tr);
    }
  }

  function provinceTable(body, reports, D) {
    body.textContent = "";
    const by = new Map();
    for (const k of reports) {
      const r = D.reports[k];
      const p = by.get(r[1]) || { reports: 0, problems: 0, done: 0, declared: 0, nDeclared: 0 };
      p.reports++; p.problems += r[6]; p.done += r[7];
      if (r[8] !== null) { p.declared += r[8]; p.nDeclared++; }
      by.set(r[1], p);
    }
    [...by.entries()].sort((a, b) => b[1].reports - a[1].reports || b[1].problems - a[1].problems)
      .forEach(([prov, p], i) => {
        const tr = el("tr");
        tr.appendChild(el("td", { class: "n" }, i + 1));
        tr.appendChild(el("td", {}, label(D.dict.province[prov])));
        tr.appendChild(el("td", { class: "n" }, p.reports));
        tr.appendChild(el("td", { class: "n" }, p.problems));
        tr.appendChild(el("td", { class: "n" }, p.nDeclared ? pct(p.declared / p.nDeclared) : "—"));
        tr.appendChild(el("td", { class: "n" }, p.problems ? pct(p.done / p.problems) : "—"));
        body.appendChild(tr);
      });
  }

  function findingsList(list, inReport, D) {
    list.textContent = "";
    let n = 0;
    for (const f of D.findings) {
      if (!inReport[f[0]]) continue;
      if (n++ >= 40) break;
      const r = D.reports[f[0]], li = el("li");
      li.appendChild(el("span", { class: "path" }, f[1]));
      li.appendChild(r[5] ? el("a", { href: r[5] }, r[0]) : el("span", {}, r[0]));
      li.appendChild(el("br"));
      const at = f[3].indexOf(f[2]);
      li.appendChild(document.createTextNode("原文：" + (at < 0 ? f[3] : f[3].slice(0, at))));
      if (at >= 0) {
        li.appendChild(el("span", { class: "word" }, f[2]));
        li.appendChild(document.createTextNode(f[3].slice(at + f[2].length)));
      }
      li.appendChild(el("br"));
      li.appendChild(el("span", { class: "path" }, "自述：" + f[4]));
      list.appendChild(li);
    }
    if (!n) list.appendChild(el("li", { class: "note" }, "无"));
  }

  function main(D) {
    const dims = { province: $("f-province"), level: $("f-level"), year: $("f-year"), kind: $("f-kind") };
    fillSelect(dims.province, D.dict.province);
    fillSelect(dims.level, D.dict.level);
    fillSelect(dims.kind, D.dict.kind);
    const years = [...new Set(D.reports.map((r) => r[3]))].sort((a, b) => (a ?? 1e9) - (b ?? 1e9));
    years.forEach((y) => dims.year.appendChild(el("option", { value: y === null ? "none" : String(y) }, label(y))));
    const catTotals = new Map();
    for (const p of D.problems) catTotals.set(p[1], (catTotals.get(p[1]) || 0) + 1);
    const cats = [...catTotals.keys()].sort((a, b) => catTotals.get(b) - catTotals.get(a));
    const colourOf = new Map(cats.map((c, i) => [c, i < PALETTE.length ? PALETTE[i] : "#9e9e9e"]));
    const colour = (c) => colourOf.get(c);
    const catLabel = (c) => D.dict.category_zh[c];
    const legend = $("legend");
    cats.forEach((c) => {
      const s = el("span");
      const sw = el("i");
      sw.style.background = colour(c);
      s.appendChild(sw);
      s.appendChild(document.createTextNode(catLabel(c)));
      legend.appendChild(s);
    });
    let inReport = new Uint8Array(D.reports.length), selected = [];

    function search() {
      const q = $("search").value.trim(), out = $("search-results");
      out.textContent = "";
      if (!q) { $("search-count").textContent = ""; return; }
      let n = 0;
      for (const p of D.problems) {
        if (!inReport[p[0]] || p[4].indexOf(q) < 0) continue;
        n++;
        if (n > 50) continue;
        const r = D.reports[p[0]], li = el("li", { class: "hit" });
        li.appendChild(el("span", { class: "path" }, p[3]));
        const at = p[4].indexOf(q);
        li.appendChild(document.createTextNode(p[4].slice(0, at)));
        li.appendChild(el("mark", {}, q));
        li.appendChild(document.createTextNode(p[4].slice(at + q.length) + " — "));
        li.appendChild(r[5] ? el("a", { href: r[5] }, r[0]) : el("span", {}, r[0]));
        out.appendChild(li);
      }
      $("search-count").textContent = n ? `${n} 个问题${n > 50 ? "（显示前50个）" : ""}` : "没有找到";
    }

    function apply() {
      const t0 = performance.now();
      const want = {};
      for (const d in dims) want[d] = dims[d].value;
      inReport = new Uint8Array(D.reports.length);
      selected = [];
      let problems = 0, findings = 0;
      D.reports.forEach((r, k) => {
        if (want.province !== "" && String(r[1]) !== want.province) return;
        if (want.level !== "" && String(r[2]) !== want.level) return;
        if (want.kind !== "" && String(r[4]) !== want.kind) return;
        if (want.year !== "" && (r[3] === null ? "none" : String(r[3])) !== want.year) return;
        inReport[k] = 1;
        selected.push(k);
        problems += r[6];
        findings += r[11];
      });
      const byYear = new Map(), byLevel = new Map(), status = new Array(D.dict.status.length).fill(0);
      for (const p of D.problems) {
        if (!inReport[p[0]]) continue;
        const r = D.reports[p[0]];
        for (const [m, key] of [[byYear, r[3]], [byLevel, r[2]]]) {
          let g = m.get(key);
          if (!g) m.set(key, (g = { counts: new Map(), total: 0 }));
          g.counts.set(p[1], (g.counts.get(p[1]) || 0) + 1);
          g.total++;
        }
        status[p[2]]++;
      }
      $("n-reports").textContent = selected.length;
      $("n-problems").textContent = problems;
      $("n-findings").textContent = findings;
      const yearRows = [...byYear.entries()].sort((a, b) => (a[0] ?? 1e9) - (b[0] ?? 1e9))
        .map(([y, g]) => ({ label: label(y), ...g }));
      const levelRows = [...byLevel.entries()].sort((a, b) => b[1].total - a[1].total)
        .map(([l, g]) => ({ label: label(D.dict.level[l]), ...g }));
      stacked($("c-year"), yearRows, cats, colour, catLabel);
      stacked($("c-level"), levelRows, cats, colour, catLabel);
      statusBar($("c-status"), status, D);
      scatter($("c-scatter"), selected, D);
      completionTable($("t-completion").tBodies[0], selected, D);
      provinceTable($("t-province").tBodies[0], selected, D);
      findingsList($("findings"), inReport, D);
      search();
      document.body.dataset.applyMs = String(Math.round(performance.now() - t0));
    }

    for (const d in dims) dims[d].addEventListener("change", apply);
    $("filters").addEventListener("reset", () => setTimeout(apply, 0));
    $("search").addEventListener("input", search);
    apply();
    document.body.dataset.ready = "1";
  }

  load().then(main).catch((e) => {
    document.body.dataset.ready = "error";
    throw e;
  });
})();
