// Recordings beside their transcript (the reader, the profile's recording card): a time plays the
// recording from that moment, the line being said follows playback; and the reader's find.
// Loaded from static (strict CSP): no inline handlers, text is only ever set as text nodes.
// Listeners sit on the document: the profile's tabs arrive by htmx after the page has loaded.
"use strict";

(function () {
  // A [data-player] region holds one [data-media] and lines or turns marked data-start.
  function mediaFor(element) {
    const scope = element.closest("[data-player]");
    return scope ? scope.querySelector("[data-media]") : null;
  }

  // A time is a link to its moment in the reader (#t-42); beside a player it plays from there
  // instead. Enter on a focused time is a click too. A modified click still opens the link.
  document.addEventListener("click", (event) => {
    if (event.button !== 0 || event.ctrlKey || event.metaKey || event.shiftKey || event.altKey) return;
    const link = event.target.closest("[data-seek]");
    const media = link && mediaFor(link);
    if (!media) return;
    event.preventDefault();
    media.currentTime = parseFloat(link.dataset.seek);
    media.play().catch(() => {});
  });

  // While playing, mark the line being said (media events do not bubble: listen in capture). The
  // reader keeps it in view; the profile's short excerpt never scrolls the page under the reader.
  document.addEventListener("timeupdate", (event) => {
    const media = event.target;
    if (!(media instanceof HTMLMediaElement)) return;
    const scope = media.closest("[data-player]");
    if (!scope) return;
    let found = null;
    for (const line of scope.querySelectorAll("[data-start]")) {
      if (parseFloat(line.dataset.start) <= media.currentTime + 0.05) found = line; else break;
    }
    const current = scope.querySelector("[data-start].is-current");
    if (found === current) return;
    if (current) current.classList.remove("is-current");
    if (!found) return;
    found.classList.add("is-current");
    if (!media.paused && scope.hasAttribute("data-follow")) {
      found.scrollIntoView({ block: "nearest", behavior: "smooth" });
    }
  }, true);

  const reader = document.querySelector("[data-transcript-reader]");
  if (!reader) return;
  const media = reader.querySelector("[data-media]");
  const turns = Array.from(reader.querySelectorAll(".turn"));

  const speed = reader.querySelector("[data-speed]");
  if (speed && media) speed.addEventListener("change", () => { media.playbackRate = parseFloat(speed.value); });

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
