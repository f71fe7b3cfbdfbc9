"use strict";
// The session timeline: tiers drawn on one canvas (never a DOM node per word or window), so a
// 60-minute session stays smooth. The visible window follows the playhead; a click seeks, a click
// on a label selects it, a drag selects a range.
window.VoiceTimeline = (function () {
  const COLOURS = {
    happiness: "#ffc800", sadness: "#0078ff", anger: "#e60000", surprise: "#c800c8", neutral: "#9a9a9a",
  };
  const ROW = 20, LABEL_W = 130, AXIS = 18;

  function tiersOf(data) {
    const tiers = [
      { name: "words", kind: "words" },
      { name: "narrated events", kind: "events" },
      { name: "labels", kind: "labels" },
    ];
    const authors = [...new Set(data.reviews.map((r) => r.author))].sort();
    for (const a of authors) tiers.push({ name: "reviews: " + a, kind: "reviews", author: a });
    if (data.predictions.length) {
      for (const e of data.emotions) tiers.push({ name: "model: " + e, kind: "prediction", emotion: e });
    }
    const people = [...new Set(data.people.map((s) => s.person))].sort((a, b) => a - b);
    for (const p of people) {
      const patient = data.patient_track.id === p;
      tiers.push({ name: (patient ? "★ patient #" : "person #") + p, kind: "person", person: p, patient });
    }
    return tiers;
  }

  class Timeline {
    constructor(canvas, video, data, handlers) {
      this.canvas = canvas; this.video = video; this.handlers = handlers;
      this.span = Math.min(30, Math.max(data.video.duration_s, 1));
      this.selected = null; this.range = null; this.hits = []; this.lastDrawn = null;
      this.setData(data);
      canvas.addEventListener("mousedown", (ev) => this.down(ev));
      window.addEventListener("mouseup", (ev) => this.up(ev));
      canvas.addEventListener("mousemove", (ev) => { if (this.drag) this.drag.x1 = this.xOf(ev); });
      const loop = () => { this.draw(); this.frame = requestAnimationFrame(loop); };
      loop();
    }
    setData(data) {
      this.data = data; this.duration = data.video.duration_s; this.tiers = tiersOf(data);
      this.canvas.height = AXIS + ROW * this.tiers.length + 4;
      this.lastDrawn = null;
      if (this.selected) this.selected = data.labels.labels.find((l) => l.id === this.selected.id) || null;
    }
    destroy() { cancelAnimationFrame(this.frame); }
    xOf(ev) { const r = this.canvas.getBoundingClientRect(); return (ev.clientX - r.left) * (this.canvas.width / r.width); }
    yOf(ev) { const r = this.canvas.getBoundingClientRect(); return (ev.clientY - r.top) * (this.canvas.height / r.height); }
    view() {
      const t = this.video.currentTime || 0;
      const start = Math.max(0, Math.min(t - this.span / 3, this.duration - this.span));
      return { start, end: start + this.span };
    }
    timeAt(x) {
      const v = this.view(), w = this.canvas.width - LABEL_W;
      return Math.max(0, Math.min(this.duration, v.start + ((x - LABEL_W) / w) * this.span));
    }
    down(ev) { this.drag = { x0: this.xOf(ev), x1: this.xOf(ev), y: this.yOf(ev), view: this.view() }; }
    up(ev) {
      if (!this.drag) return;
      const d = this.drag; this.drag = null;
      const w = this.canvas.width - LABEL_W;
      const at = (x) => Math.max(0, Math.min(this.duration, d.view.start + ((x - LABEL_W) / w) * this.span));
      if (Math.abs(d.x1 - d.x0) > 6) {
        const a = at(Math.min(d.x0, d.x1)), b = at(Math.max(d.x0, d.x1));
        this.range = { start: Math.round(a * 1000) / 1000, end: Math.round(b * 1000) / 1000 };
        this.selected = null; this.handlers.onSelect(this.selected, this.range);
        return;
      }
      const hit = this.hits.find((h) => d.x0 >= h.x0 && d.x0 <= h.x1 && d.y >= h.y0 && d.y <= h.y1);
      this.range = null;
      this.selected = hit ? hit.label : null;
      this.handlers.onSelect(this.selected, this.range);
      this.video.currentTime = hit ? hit.label.start : at(d.x0);
    }
    selectLabel(label) { this.selected = label; this.range = null; this.handlers.onSelect(label, null); }
    draw() {
      const w = this.canvas.clientWidth;
      if (w && this.canvas.width !== w) { this.canvas.width = w; this.lastDrawn = null; }
      const v = this.view(), key = [v.start, this.video.currentTime, this.selected && this.selected.id,
        this.range && this.range.start, this.drag && this.drag.x1, this.canvas.width].join();
      if (key === this.lastDrawn) return;
      this.lastDrawn = key;
      const c = this.canvas.getContext("2d"), W = this.canvas.width, plot = W - LABEL_W;
      const X = (t) => LABEL_W + ((t - v.start) / this.span) * plot;
      c.clearRect(0, 0, W, this.canvas.height);
      c.font = "11px system-ui, sans-serif"; c.textBaseline = "middle";
      // time axis
      c.fillStyle = "#6b6b70";
      const step = this.span > 120 ? 30 : this.span > 40 ? 10 : this.span > 12 ? 2 : 1;
      for (let s = Math.ceil(v.start / step) * step; s <= v.end; s += step) {
        c.fillRect(X(s), AXIS - 5, 1, 5); c.fillText(fmt(s), X(s) + 2, 8);
      }
      this.hits = [];
      this.tiers.forEach((tier, i) => this.drawTier(c, tier, AXIS + i * ROW, X, v));
      if (this.range) { c.fillStyle = "rgba(47,111,223,.18)"; c.fillRect(X(this.range.start), AXIS, X(this.range.end) - X(this.range.start), this.canvas.height); }
      if (this.drag) { c.fillStyle = "rgba(47,111,223,.12)"; c.fillRect(Math.min(this.drag.x0, this.drag.x1), AXIS, Math.abs(this.drag.x1 - this.drag.x0), this.canvas.height); }
      c.fillStyle = "#d00"; c.fillRect(X(this.video.currentTime || 0), 0, 2, this.canvas.height);
    }
    drawTier(c, tier, y, X, v) {
      c.fillStyle = "#f3f3f5"; c.fillRect(0, y, LABEL_W - 4, ROW - 2);
      c.fillStyle = tier.patient ? "#b00" : "#1d1d1f"; c.fillText(tier.name.slice(0, 20), 4, y + ROW / 2);
      const d = this.data, visible = (s, e) => e >= v.start && s <= v.end;
      const box = (s, e, colour, text) => {
        const x0 = Math.max(X(s), LABEL_W), x1 = Math.max(X(e), x0 + 2);
        c.fillStyle = colour; c.fillRect(x0, y + 2, x1 - x0, ROW - 6);
        if (text && x1 - x0 > 24) { c.fillStyle = "#000"; c.fillText(text.slice(0, Math.floor((x1 - x0) / 6)), x0 + 2, y + ROW / 2); }
        return [x0, x1];
      };
      if (tier.kind === "words") {
        for (const w of d.words) if (visible(w.start, w.end)) box(w.start, Math.max(w.end, w.start + 0.05), "#e4e7ee", w.word.trim());
      } else if (tier.kind === "events") {
        for (const e of d.events) if (visible(e.window[0], e.window[1])) {
          const counts = !e.negated && e.ignored === null;
          box(e.window[0], e.window[1], counts ? COLOURS[e.emotion] : "#cfcfd4", counts ? e.keyword : e.keyword + " (" + (e.ignored || "negated") + ")");
        }
      } else if (tier.kind === "labels") {
        for (const l of d.labels.labels) if (visible(l.start, l.end)) {
          const colour = l.counts ? COLOURS[l.emotion] : "#cfcfd4";
          const [x0, x1] = box(l.start, l.end, colour, l.emotion + " · " + l.status + (l.conflicts.length ? " · CONFLICT" : ""));
          if (this.selected && this.selected.id === l.id) { c.strokeStyle = "#000"; c.lineWidth = 2; c.strokeRect(x0, y + 1, x1 - x0, ROW - 4); }
          this.hits.push({ x0, x1, y0: y, y1: y + ROW, label: l });
        }
      } else if (tier.kind === "reviews") {
        const byId = Object.fromEntries(d.labels.labels.map((l) => [l.id, l]));
        for (const r of d.reviews) if (r.author === tier.author) {
          const l = byId[r.event], s = r.start ?? (l ? l.start : r.event_time), e = r.end ?? (l ? l.end : (r.event_time ?? 0) + 0.5);
          if (s !== null && s !== undefined && visible(s, e)) box(s, e, r.action === "reject" ? "#cfcfd4" : COLOURS[r.emotion || (l && l.emotion)] || "#cfcfd4", r.action);
        }
      } else if (tier.kind === "prediction") {
        for (const p of d.predictions) if (visible(p.start, p.end)) {
          c.globalAlpha = Math.max(0.04, p.probabilities[tier.emotion] || 0);
          box(p.start, p.end, COLOURS[tier.emotion]);
          c.globalAlpha = 1;
        }
      } else if (tier.kind === "person") {
        for (const s of d.people) if (s.person === tier.person && visible(s.start, s.end)) box(s.start, Math.max(s.end, s.start + 0.2), tier.patient ? "#b00" : "#8a8f99");
      }
    }
  }
  function fmt(s) { const m = Math.floor(s / 60), r = s - m * 60; return m + ":" + (r < 10 ? "0" : "") + r.toFixed(r % 1 ? 1 : 0); }
  return { Timeline, COLOURS, fmt };
})();
