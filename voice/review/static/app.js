"use strict";
// The review page: hash routes #/ (patients), #/p/NAME (sessions, To review), #/p/NAME/s/ID?t=S
// (the player and its timeline). Talks only to the JSON API (docs/review.md).
(function () {
  const view = document.getElementById("view");
  const errorBox = document.getElementById("error");
  const notice = document.getElementById("notice");
  const author = document.getElementById("author");
  const EMOTIONS = ["happiness", "sadness", "anger", "surprise", "neutral"];
  let csrf = null, current = null, routeSeq = 0;
  // A view whose data came back after the person moved on draws nothing (the newest route wins).
  const stale = (seq) => seq !== routeSeq;

  author.value = localStorage.getItem("voice.author") || "";
  author.addEventListener("change", () => localStorage.setItem("voice.author", author.value.trim()));
  window.addEventListener("storage", (ev) => { if (ev.key === "voice.author" && !author.value) author.value = ev.newValue || ""; });

  function showError(message) { errorBox.textContent = message; errorBox.hidden = !message; }
  function say(message) { notice.textContent = message; notice.hidden = !message; }
  function el(tag, attrs, ...children) {
    const node = document.createElement(tag);
    for (const [k, v] of Object.entries(attrs || {})) {
      if (k.startsWith("on")) node.addEventListener(k.slice(2), v); else if (v !== null && v !== undefined) node.setAttribute(k, v);
    }
    for (const child of children) if (child !== null && child !== undefined) node.append(child);
    return node;
  }
  const enc = encodeURIComponent;
  const fmt = window.VoiceTimeline.fmt;

  async function api(path, body) {
    const options = { credentials: "same-origin", headers: {} };
    if (body !== undefined) {
      if (!csrf) csrf = (await api("/api/csrf")).csrf;
      options.method = "POST"; options.body = JSON.stringify(body);
      options.headers = { "Content-Type": "application/json", "X-Voice-CSRF": csrf };
    }
    const response = await fetch(path, options);
    const payload = await response.json().catch(() => ({ message: response.statusText }));
    if (!response.ok) {
      const err = new Error(payload.message || response.statusText); err.status = response.status; throw err;
    }
    return payload;
  }

  function route() {
    if (current && current.video) { current.video.pause(); current.video.removeAttribute("src"); current.video.load(); }
    const hash = location.hash.replace(/^#/, "") || "/";
    const [path, query] = hash.split("?");
    const parts = path.split("/").filter(Boolean).map(decodeURIComponent);
    const params = new URLSearchParams(query || "");
    if (current && current.timeline) current.timeline.destroy();
    current = null; showError(""); say("");
    const seq = ++routeSeq;
    const run = parts[0] === "p" && parts.length >= 4 && parts[2] === "s" ? sessionPage(parts[1], parts[3], params, seq)
      : parts[0] === "p" && parts.length >= 2 ? patientPage(parts[1], seq) : patientsPage(seq);
    run.catch((err) => { if (stale(seq)) return; view.replaceChildren(); showError(err.message); });
  }

  function crumbs(...links) {
    document.getElementById("crumbs").replaceChildren(...links.flatMap((l, i) => (i ? [" › ", l] : [l])));
  }

  async function patientsPage(seq) {
    crumbs();
    const rows = await api("/api/patients");
    if (stale(seq)) return;
    view.replaceChildren(el("h2", {}, "Patients"), rows.length ? el("table", {},
      el("tr", {}, el("th", {}, "patient"), el("th", {}, "sessions")),
      ...rows.map((r) => el("tr", {}, el("td", {}, el("a", { href: "#/p/" + enc(r.patient) }, r.patient)), el("td", {}, String(r.sessions)))))
      : el("p", {}, "No processed session yet: run voice process or voice demo first."));
  }

  function pct(x) { return x === null || x === undefined ? "—" : Math.round(x * 100) + "%"; }

  async function patientPage(patient, seq) {
    crumbs(el("a", { href: "#/p/" + enc(patient) }, patient));
    const [rows, items] = await Promise.all([
      api("/api/patients/" + enc(patient) + "/sessions"), api("/api/patients/" + enc(patient) + "/to-review"),
    ]);
    if (stale(seq)) return;
    const link = (s, t) => "#/p/" + enc(patient) + "/s/" + enc(s) + (t !== undefined ? "?t=" + t : "");
    const table = el("table", { id: "sessions" },
      el("tr", {}, ...["session", "recorded", "duration", "events counted / ignored", "reviewed", "conflicts", "orphaned reviews", "model agrees"].map((h) => el("th", {}, h))),
      ...rows.map((r) => el("tr", {},
        el("td", {}, el("a", { href: link(r.session) }, r.session)),
        el("td", {}, r.recorded_at ? r.recorded_at.time.replace("T", " ").slice(0, 16) : "—"),
        el("td", {}, fmt(r.duration_s)),
        el("td", {}, r.events_counted + " / " + r.events_ignored),
        el("td", {}, r.reviewed ? "yes" : "no"),
        el("td", {}, String(r.summary.conflicts)),
        el("td", {}, String(r.summary.orphans)),
        el("td", {}, r.predictions ? pct(r.agreement) : "no predictions"))));
    const list = el("ol", { id: "to-review" }, ...items.map((it) => el("li", {},
      el("a", { href: link(it.session, it.start), "data-kind": it.kind }, it.session + " at " + fmt(it.start) + "–" + fmt(it.end)),
      " ", el("span", { class: "item-kind" }, it.kind + " · " + it.score.toFixed(2)), el("div", { class: "muted" }, it.why))));
    view.replaceChildren(el("div", { class: "columns" },
      el("section", {}, el("h2", {}, "Sessions"), table),
      el("section", {}, el("h2", {}, "To review"), items.length ? list : el("p", { class: "muted" }, "Nothing flagged: no predictions disagree with the labels, and the model is sure where nobody narrated."))));
  }

  async function sessionPage(patient, session, params, seq) {
    const base = "/api/patients/" + enc(patient) + "/sessions/" + enc(session);
    crumbs(el("a", { href: "#/p/" + enc(patient) }, patient), el("span", {}, session));
    const data = await api(base);
    if (stale(seq)) return;
    const video = el("video", { id: "player", src: base + "/video", controls: "", preload: "auto", playsinline: "" });
    const overlay = el("canvas", { id: "overlay" });
    const player = el("div", { class: "player" }, video, overlay);
    const canvas = el("canvas", { id: "timeline", tabindex: "0", "aria-label": "timeline: click to seek, drag to select a range" });
    const details = el("div", { id: "label-panel", class: "panel" });
    const pt = data.patient_track;
    const patientLine = el("p", { id: "patient-choice" }, pt.id === null ? "No patient chosen." :
      "Patient: person #" + pt.id + " (" + pt.rule + (pt.pin ? ", pinned at " + pt.pin.x + "," + pt.pin.y + " @ " + pt.pin.t + " s" : "") + ")");
    const progress = el("div", { id: "progress", hidden: "" });
    const pick = el("button", { id: "pick-patient", type: "button" }, "This is the patient…");
    const clock = el("span", { id: "clock", class: "muted" }, "0:00");
    const toolbar = el("div", { class: "toolbar" },
      el("button", { type: "button", id: "play", onclick: () => (video.paused ? video.play() : video.pause()) }, "Play / pause"),
      clock, pick);
    view.replaceChildren(el("div", { class: "session-top" },
      el("div", {}, player, toolbar, patientLine, progress),
      el("div", { class: "side" }, details, el("p", { class: "keys" },
        "Keys: space play/pause · ←/→ 1 s · , / . one frame · 1–5 label the selection (",
        ...EMOTIONS.map((e, i) => (i + 1) + " " + e + (i < 4 ? ", " : "")), ") · Delete reject · Ctrl+Z undo. Drag on the timeline to select a range."))),
      canvas);
    const state = { patient, session, base, data, undo: [], video };
    current = state;
    state.timeline = new window.VoiceTimeline.Timeline(canvas, video, data, { onSelect: () => renderPanel(state, details) });
    window.voiceReview = state;
    video.addEventListener("timeupdate", () => { clock.textContent = fmt(video.currentTime) + " / " + fmt(data.video.duration_s); });
    const t = parseFloat(params.get("t"));
    if (isFinite(t)) video.addEventListener("loadedmetadata", () => { video.currentTime = t; }, { once: true });
    pick.addEventListener("click", () => startPick(state, player, overlay));
    renderPanel(state, details);
  }

  function renderPanel(state, panel) {
    const tl = state.timeline, label = tl.selected, range = tl.range;
    if (range) {
      panel.replaceChildren(el("h3", {}, "Selected " + fmt(range.start) + "–" + fmt(range.end)),
        el("p", {}, "Add a label: press 1–5 or "), el("div", { class: "toolbar" }, ...EMOTIONS.map((e) =>
          el("button", { type: "button", "data-add": e, onclick: () => act(state, { action: "add", emotion: e, start: range.start, end: range.end }) }, e))));
      return;
    }
    if (!label) {
      const s = state.data.labels.summary;
      panel.replaceChildren(el("h3", {}, "Labels"), el("p", { class: "muted" },
        `${state.data.labels.labels.length} labels · ${s.confirmed} confirmed, ${s.changed} changed, ${s.rejected} rejected, ${s.added} added, ${s.conflicts} in conflict, ${s.orphans} orphaned reviews. Click a label on the timeline.`));
      return;
    }
    const select = el("select", { id: "emotion" }, ...EMOTIONS.map((e) => el("option", e === label.emotion ? { value: e, selected: "" } : { value: e }, e)));
    const reason = el("input", { id: "reason", placeholder: "reason (optional; needed to count)", maxlength: "500" });
    const r = () => reason.value.trim() || null;
    panel.replaceChildren(el("h3", {}, label.emotion + " · " + label.status + (label.trains ? " · trains" : "")),
      el("p", { class: "muted" }, fmt(label.start) + "–" + fmt(label.end) + " · by " + label.author +
        (label.text ? " · “" + label.text + "”" : "") + (label.ignored ? " · ignored: " + label.ignored : "") +
        (label.conflicts.length ? " · CONFLICT with " + label.conflicts.join(", ") : "")),
      el("div", { class: "toolbar" }, select,
        el("button", { type: "button", id: "set", onclick: () => act(state, { action: "set", event: label.id, emotion: select.value, reason: r() }) }, "Set emotion"),
        el("button", { type: "button", id: "confirm", onclick: () => act(state, { action: "confirm", event: label.id, reason: r() }) }, "Confirm"),
        el("button", { type: "button", id: "reject", onclick: () => act(state, { action: "reject", event: label.id, reason: r() }) }, "Reject"),
        el("button", { type: "button", id: "count", onclick: () => act(state, { action: "count", event: label.id, reason: r() }) }, "Count")),
      reason);
  }

  function inverse(change, before) {
    if (change.action === "add") return (outcome) => ({ action: "reject", event: outcome.reviews[0].event, reason: "undo" });
    if (!before) return null;
    if (change.action === "set") return () => (before.counts ? { action: "set", event: before.id, emotion: before.emotion, reason: "undo" } : { action: "reject", event: before.id, reason: "undo" });
    if (change.action === "reject" && before.counts) {
      return () => (before.kind === "narrated" && before.ignored ? { action: "count", event: before.id, reason: "undo" } : { action: "confirm", event: before.id, reason: "undo" });
    }
    if ((change.action === "count" || change.action === "confirm") && !before.counts) return () => ({ action: "reject", event: before.id, reason: "undo" });
    return null;
  }

  async function act(state, change, isUndo) {
    const name = author.value.trim() || (localStorage.getItem("voice.author") || "");
    if (!name) { showError("Type your name (top right) first: every review says who made it."); author.focus(); return; }
    localStorage.setItem("voice.author", name);
    author.value = name;
    const before = change.event ? state.data.labels.labels.find((l) => l.id === change.event) : null;
    try {
      const outcome = await api(state.base + "/reviews", { author: name, version: state.data.labels.version, changes: [change] });
      showError("");
      const undo = isUndo ? null : inverse(change, before);
      if (undo) state.undo.push(() => undo(outcome));
      say((isUndo ? "Undone: " : "Saved: ") + change.action + ".");
    } catch (err) {
      showError((err.status === 409 ? "Conflict: " : "") + err.message);
      if (err.status !== 409) return;
    }
    await reload(state);
  }

  async function reload(state) {
    if (current !== state) return; // the page moved on meanwhile
    state.data = await api(state.base);
    if (current !== state) return;
    state.timeline.setData(state.data);
    if (state.timeline.range) state.timeline.range = null;
    renderPanel(state, document.getElementById("label-panel"));
  }

  function startPick(state, player, overlay) {
    const video = state.video;
    video.pause();
    player.classList.add("picking");
    say("Click the patient in the frame (Esc cancels).");
    api(state.base + "/people?t=" + video.currentTime.toFixed(3)).then((boxes) => {
      overlay.width = video.clientWidth; overlay.height = video.clientHeight;
      const c = overlay.getContext("2d"), s = scaleOf(state);
      c.clearRect(0, 0, overlay.width, overlay.height); c.lineWidth = 2;
      for (const b of boxes) {
        c.strokeStyle = b.patient ? "#f33" : "#ff0";
        c.strokeRect(s.ox + b.box[0] / s.k, s.oy + b.box[1] / s.k, (b.box[2] - b.box[0]) / s.k, (b.box[3] - b.box[1]) / s.k);
      }
    }).catch((err) => showError(err.message));
    overlay.onclick = async (ev) => {
      const s = scaleOf(state), rect = overlay.getBoundingClientRect();
      const x = Math.round((ev.clientX - rect.left - s.ox) * s.k), y = Math.round((ev.clientY - rect.top - s.oy) * s.k);
      player.classList.remove("picking"); overlay.onclick = null;
      overlay.getContext("2d").clearRect(0, 0, overlay.width, overlay.height);
      try {
        const job = await api(state.base + "/patient", { x: Math.max(x, 0), y: Math.max(y, 0), t: Math.round(video.currentTime * 1000) / 1000 });
        follow(state, job.job);
      } catch (err) { showError(err.message); say(""); }
    };
  }

  function scaleOf(state) {
    // Pixels of the upright frame per CSS pixel, and where the picture sits in the element.
    const v = state.video, w = v.clientWidth, h = v.clientHeight;
    const k = Math.max(state.data.video.width / w, state.data.video.height / h);
    return { k, ox: (w - state.data.video.width / k) / 2, oy: (h - state.data.video.height / k) / 2 };
  }

  function follow(state, id) {
    const box = document.getElementById("progress");
    box.hidden = false;
    const bar = el("progress", { max: "1", value: "0" }), text = el("span", {}, " reprocessing…");
    box.replaceChildren(bar, text);
    const timer = setInterval(async () => {
      try {
        const job = await api("/api/jobs/" + enc(id));
        bar.value = job.progress; text.textContent = " reprocessing: " + job.stage;
        if (job.state === "done") { clearInterval(timer); say("Reprocessed; reloading."); location.reload(); }
        if (job.state === "failed") { clearInterval(timer); showError(job.error); }
      } catch (err) { clearInterval(timer); showError(err.message); }
    }, 500);
  }

  document.addEventListener("keydown", (ev) => {
    if (!current || !current.timeline) return;
    const tag = (ev.target.tagName || "").toLowerCase();
    if (tag === "input" || tag === "select" || tag === "textarea") return;
    const state = current, video = state.video, tl = state.timeline, frame = 1 / (state.data.video.fps || 25);
    const key = ev.key;
    if (key === " ") { ev.preventDefault(); if (video.paused) video.play(); else video.pause(); }
    else if (key === "ArrowLeft") { ev.preventDefault(); video.currentTime = Math.max(0, video.currentTime - 1); }
    else if (key === "ArrowRight") { ev.preventDefault(); video.currentTime = Math.min(state.data.video.duration_s, video.currentTime + 1); }
    else if (key === ",") { video.pause(); video.currentTime = Math.max(0, video.currentTime - frame); }
    else if (key === ".") { video.pause(); video.currentTime = video.currentTime + frame; }
    else if (/^[1-5]$/.test(key) && !ev.ctrlKey && !ev.metaKey) {
      const emotion = EMOTIONS[Number(key) - 1];
      if (tl.range) act(state, { action: "add", emotion, start: tl.range.start, end: tl.range.end });
      else if (tl.selected) act(state, { action: "set", event: tl.selected.id, emotion });
      else say("Select a label (click it) or a range (drag) on the timeline first.");
    } else if (key === "Delete" || key === "Backspace") {
      if (tl.selected) { ev.preventDefault(); act(state, { action: "reject", event: tl.selected.id }); }
    } else if ((ev.ctrlKey || ev.metaKey) && key.toLowerCase() === "z") {
      ev.preventDefault();
      const undo = state.undo.pop();
      if (undo) act(state, undo(), true); else say("Nothing to undo.");
    } else if (key === "Escape") {
      document.querySelector(".player")?.classList.remove("picking"); say("");
    }
  });

  window.addEventListener("hashchange", route);
  route();
})();
