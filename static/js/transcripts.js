// The transcript reader: seek the recording from a turn, follow playback, find in transcript.
// Loaded from static (strict CSP): no inline handlers, text is only ever set as text nodes.
"use strict";

(function () {
  const reader = document.querySelector("[data-transcript-reader]");
  if (!reader) return;
  const media = reader.querySelector("[data-media]");
  const turns = Array.from(reader.querySelectorAll(".turn"));
  const timed = turns.filter((t) => t.dataset.start !== undefined)
    .map((t) => ({ el: t, start: parseFloat(t.dataset.start) }));

  // Clicking a turn's time plays from there.
  reader.addEventListener("click", (event) => {
    const button = event.target.closest("[data-seek]");
    if (!button || !media) return;
    media.currentTime = parseFloat(button.dataset.seek);
    media.play().catch(() => {});
  });

  const speed = reader.querySelector("[data-speed]");
  if (speed && media) speed.addEventListener("change", () => { media.playbackRate = parseFloat(speed.value); });

  // While playing, highlight the current turn and keep it in view.
  let current = null;
  if (media) {
    media.addEventListener("timeupdate", () => {
      let found = null;
      for (const turn of timed) { if (turn.start <= media.currentTime + 0.05) found = turn.el; else break; }
      if (found === current) return;
      if (current) current.classList.remove("is-current");
      current = found;
      if (current) {
        current.classList.add("is-current");
        if (!media.paused) current.scrollIntoView({ block: "nearest", behavior: "smooth" });
      }
    });
  }

  // A link to #t-42 opens at that moment, highlighted.
  function showTarget() {
    // Only turn anchors: the skip link's #main must not scroll the transcript.
    const target = /^#t-\d+$/.test(location.hash) && document.getElementById(location.hash.slice(1));
    turns.forEach((t) => t.classList.toggle("is-target", t === target));
    if (target) target.scrollIntoView({ block: "center" });
  }
  window.addEventListener("hashchange", showTarget);
  showTarget();

  // Find in transcript: wrap matches in <mark> built from text nodes, count, jump.
  const input = reader.querySelector("[data-find-input]");
  const count = reader.querySelector("[data-find-count]");
  const candidateOnly = reader.querySelector("[data-candidate-only]");
  let marks = [];
  let index = -1;

  function clearMarks() {
    reader.querySelectorAll("[data-text]").forEach((p) => { p.textContent = p.textContent; });
    marks = [];
    index = -1;
  }

  function find() {
    clearMarks();
    const needle = (input.value || "").trim().toLowerCase();
    turns.forEach((t) => {
      t.classList.toggle("is-hidden", candidateOnly.checked && t.dataset.speaker !== "candidate");
    });
    if (!needle) { count.textContent = ""; return; }
    reader.querySelectorAll(".turn:not(.is-hidden) [data-text]").forEach((p) => {
      const text = p.textContent;
      const lower = text.toLowerCase();
      let from = 0;
      let at = lower.indexOf(needle);
      if (at < 0) return;
      p.textContent = "";
      while (at >= 0) {
        p.append(document.createTextNode(text.slice(from, at)));
        const mark = document.createElement("mark");
        mark.textContent = text.slice(at, at + needle.length);
        p.append(mark);
        marks.push(mark);
        from = at + needle.length;
        at = lower.indexOf(needle, from);
      }
      p.append(document.createTextNode(text.slice(from)));
    });
    step(1);
  }

  function step(direction) {
    if (!marks.length) { count.textContent = input.value.trim() ? "No matches" : ""; return; }
    if (index >= 0) marks[index].classList.remove("is-current-match");
    index = (index + direction + marks.length) % marks.length;
    marks[index].classList.add("is-current-match");
    marks[index].scrollIntoView({ block: "center" });
    count.textContent = `${index + 1} of ${marks.length}`;
  }

  input.addEventListener("input", find);
  candidateOnly.addEventListener("change", find);
  reader.querySelector("[data-find-next]").addEventListener("click", () => step(1));
  reader.querySelector("[data-find-prev]").addEventListener("click", () => step(-1));
  reader.querySelector("[data-find]").addEventListener("submit", (event) => { event.preventDefault(); step(1); });
  // Search results link here with ?find=<words>: start with those found.
  const asked = new URLSearchParams(location.search).get("find");
  if (asked && !/^#t-\d+$/.test(location.hash)) { input.value = asked; find(); }
})();
