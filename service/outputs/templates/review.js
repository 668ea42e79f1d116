// The review page: link the highlighted text and the structured record both ways.
// Every handler is delegated (one listener per area, none per highlight), reads happen before
// writes, and the text is never re-rendered: the page stays fast on the longest reports.
(() => {
  "use strict";
  performance.mark("review:init-start");
  const body = document.body;
  const doc = document.getElementById("doc");
  const panel = document.getElementById("panel");
  const scroller = document.getElementById("panel-body");
  const reduced = window.matchMedia("(prefers-reduced-motion: reduce)").matches;
  // Glide over short distances; jump over long ones (a smooth scroll across a long report takes
  // a second or more), the flash then shows where the reader landed.
  const motion = (distance, range) => (reduced || Math.abs(distance) > 2 * range ? "instant" : "smooth");

  // item id -> its <mark> pieces (a span cut by a line break or a crossing span has several)
  const marks = new Map();
  for (const m of doc.querySelectorAll("mark[data-id]")) {
    const list = marks.get(m.dataset.id);
    if (list) list.push(m);
    else marks.set(m.dataset.id, [m]);
  }

  // The rail: a tick per problem where it stands in the text. Positions are read in one batch
  // (after layout, when the text's size changes), then written in one go.
  const rail = document.getElementById("rail");
  const ticks = new Map(); // problem id -> its tick
  function drawRail() {
    const height = doc.offsetHeight;
    const spots = [];
    for (const [id, els] of marks) {
      const m = els[0];
      if (m.dataset.kind === "problem") spots.push([id, m.dataset.status, m.title, m.offsetTop / height]);
    }
    const frag = document.createDocumentFragment();
    ticks.clear();
    for (const [id, status, title, at] of spots) {
      const t = document.createElement("button");
      t.type = "button";
      t.tabIndex = -1;
      t.className = "tick st-" + status;
      t.dataset.target = id;
      t.dataset.status = status;
      t.title = title;
      t.style.top = (at * 100).toFixed(3) + "%";
      ticks.set(id, t);
      frag.append(t);
    }
    rail.replaceChildren(frag);
  }
  let railPending = false;
  new ResizeObserver(() => {
    if (railPending) return;
    railPending = true;
    requestAnimationFrame(() => {
      railPending = false;
      drawRail();
    });
  }).observe(doc);

  let current = [];
  function select(els) {
    for (const el of current) el.classList.remove("current");
    for (const el of els) el.classList.add("current");
    current = els;
  }

  function flash(els) {
    // Web Animations: no class toggling and no forced reflow to restart an animation.
    for (const el of els) {
      el.animate(
        [{ boxShadow: "0 0 0 4px rgba(217, 130, 43, 0.85)" }, { boxShadow: "0 0 0 4px rgba(217, 130, 43, 0)" }],
        { duration: 1400, easing: "ease-out" },
      );
    }
  }

  function showTab(id) {
    for (const tab of panel.querySelectorAll('[role="tab"]')) {
      const on = tab.getAttribute("aria-controls") === id;
      tab.setAttribute("aria-selected", String(on));
      document.getElementById(tab.getAttribute("aria-controls")).hidden = !on;
    }
  }

  function setFilter(status) {
    if (status) body.dataset.filter = status;
    else delete body.dataset.filter;
    for (const b of panel.querySelectorAll("[data-status-filter]")) {
      b.setAttribute("aria-pressed", String(b.dataset.statusFilter === status));
    }
  }

  // Panel -> text: scroll the item's span into view and flash it.
  function goToText(id) {
    const els = marks.get(id);
    if (!els) return false;
    performance.mark("review:goto-start");
    const distance = els[0].getBoundingClientRect().top - innerHeight / 2;
    els[0].scrollIntoView({ block: "center", behavior: motion(distance, innerHeight) });
    select(related(id));
    flash(els);
    history.replaceState(null, "", "#" + id);
    performance.measure("review:goto", "review:goto-start");
    return true;
  }

  // Everything that stands for one item: its marks, its row in the panel, its tick on the rail.
  function related(id) {
    const row = document.getElementById("r-" + id);
    return [...(marks.get(id) || []), ...(row ? [row] : []), ...(ticks.has(id) ? [ticks.get(id)] : [])];
  }

  // Text -> panel: open the tab and the details holding the item, scroll the panel to it.
  function revealInPanel(id) {
    const row = document.getElementById("r-" + id);
    if (!row) return false;
    const tabpanel = row.closest('[role="tabpanel"]');
    if (tabpanel.hidden) showTab(tabpanel.id);
    const prob = row.closest("li.prob");
    if (body.dataset.filter && prob && !prob.dataset.sub.split(" ").includes(body.dataset.filter)) setFilter("");
    for (let d = row.closest("details"); d; d = d.parentElement.closest("details")) d.open = true;
    const top = row.getBoundingClientRect().top - scroller.getBoundingClientRect().top + scroller.scrollTop;
    const to = top - scroller.clientHeight / 3;
    scroller.scrollTo({ top: to, behavior: motion(to - scroller.scrollTop, scroller.clientHeight) });
    select(related(id));
    flash([row]);
    history.replaceState(null, "", "#" + id);
    return true;
  }

  function goToLine(id) {
    const p = document.getElementById(id);
    if (!p) return;
    const distance = p.getBoundingClientRect().top - innerHeight / 2;
    p.scrollIntoView({ block: "center", behavior: motion(distance, innerHeight) });
    select([p]);
    flash([p]);
  }

  doc.addEventListener("click", (e) => {
    if (window.getSelection().toString()) return; // the reader is selecting text, not clicking
    const m = e.target.closest("mark[data-id]");
    if (m) revealInPanel(m.dataset.id);
  });

  rail.addEventListener("click", (e) => {
    const t = e.target.closest("[data-target]");
    if (t && goToText(t.dataset.target)) revealInPanel(t.dataset.target);
  });

  panel.addEventListener("click", (e) => {
    const t = e.target;
    const go = t.closest("[data-target]");
    if (go) return void goToText(go.dataset.target);
    const warn = t.closest("[data-goto]");
    if (warn) {
      const id = warn.dataset.goto;
      if (!goToText(id) && !revealInPanel(id)) goToLine(id);
      return;
    }
    const f = t.closest("[data-status-filter]");
    if (f) return void setFilter(f.dataset.statusFilter);
    const k = t.closest("[data-kind-toggle]");
    if (k) {
      const off = body.classList.toggle("off-" + k.dataset.kindToggle);
      k.setAttribute("aria-pressed", String(!off));
      return;
    }
    const tab = t.closest('[role="tab"]');
    if (tab) showTab(tab.getAttribute("aria-controls"));
  });

  document.querySelector(".top").addEventListener("click", (e) => {
    const open = e.target.closest("[data-open-tab]");
    if (open) showTab(open.dataset.openTab);
    if (e.target.closest('[data-action="print"]')) window.print();
  });

  // A link to "page.html#p12" opens on that item.
  const wanted = decodeURIComponent(location.hash.slice(1));
  if (wanted && marks.has(wanted)) {
    requestAnimationFrame(() => {
      goToText(wanted);
      revealInPanel(wanted);
    });
  }

  performance.measure("review:init", "review:init-start");
  window.zhenggaiReview = { highlights: marks.size, goToText, revealInPanel, setFilter };
})();
