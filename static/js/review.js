// Behaviour for the review pages: CSP-safe (no inline script), loaded on every page.
// Keyboard shortcuts act on elements marked data-shortcut="<key>"; links and buttons are clicked,
// text fields focused. Select-all ticks the page's row checkboxes. "Compare ticked" opens the compare
// page with the ticked rows.
"use strict";

(function () {
  function typing(target) {
    return target.closest("input, textarea, select, [contenteditable]") !== null;
  }

  document.addEventListener("keydown", (event) => {
    if (event.defaultPrevented || event.ctrlKey || event.metaKey || event.altKey) return;
    if (typing(event.target)) {
      if (event.key === "Escape") event.target.blur();
      return;
    }
    const key = event.key;
    if (key === "?") {
      const help = document.getElementById("shortcut-help");
      if (help && !help.open) help.showModal();
      event.preventDefault();
      return;
    }
    const element = document.querySelector(`[data-shortcut="${CSS.escape(key)}"]`);
    if (!element && (key === "j" || key === "k" || key === "x" || key === "o")) {
      if (moveInTable(key)) event.preventDefault();
      return;
    }
    if (!element) return;
    event.preventDefault();
    if (element.matches("textarea, input")) element.focus();
    else element.click();
  });

  // The candidate table: j/k move between rows (the focused row gets the accent bar and its name
  // link the focus, so Enter opens the profile), x ticks it, o opens it. Pages with their own
  // j/k (the profile's previous/next) keep theirs: data-shortcut wins above.
  function tableRows() {
    return Array.from(document.querySelectorAll("#candidate-table tbody tr[data-row]"));
  }

  function moveInTable(key) {
    const rows = tableRows();
    if (!rows.length) return false;
    const current = rows.findIndex((row) => row.classList.contains("is-focused"));
    if (key === "x" || key === "o") {
      if (current < 0) return false;
      if (key === "x") {
        const box = rows[current].querySelector('input[name="ids"]');
        if (box) { box.checked = !box.checked; box.dispatchEvent(new Event("change", { bubbles: true })); }
      } else {
        const link = rows[current].querySelector("a.row-link");
        if (link) link.click();
      }
      return true;
    }
    let next = current < 0 ? 0 : current + (key === "j" ? 1 : -1);
    next = Math.max(0, Math.min(rows.length - 1, next));
    rows.forEach((row) => row.classList.remove("is-focused"));
    const row = rows[next];
    row.classList.add("is-focused");
    const link = row.querySelector("a.row-link");
    if (link) link.focus({ preventScroll: true });
    row.scrollIntoView({ block: "nearest" });
    return true;
  }

  // The column chooser's words tick their boxes (they are not <label>s: see _filters.html).
  document.addEventListener("click", (event) => {
    const word = event.target.closest(".column-chooser .check-text");
    if (!word) return;
    const box = word.parentElement.querySelector("input[type=checkbox]:not([disabled])");
    if (!box) return;
    box.checked = !box.checked;
    box.dispatchEvent(new Event("change", { bubbles: true }));
  });

  // A click anywhere on a row opens its profile, except on its own links and controls.
  document.addEventListener("click", (event) => {
    if (event.defaultPrevented || event.button !== 0 || event.ctrlKey || event.metaKey || event.shiftKey) return;
    const row = event.target.closest("#candidate-table tbody tr[data-row]");
    if (!row || event.target.closest("a, input, label, button, select, textarea")) return;
    if (window.getSelection && String(window.getSelection())) return; // selecting text, not opening
    const link = row.querySelector("a.row-link");
    if (link) link.click();
  });

  document.addEventListener("click", (event) => {
    const help = event.target.closest('[data-shortcut="?"]');
    if (help) {
      const dialog = document.getElementById("shortcut-help");
      if (dialog) dialog.showModal();
    }
  });

  document.addEventListener("change", (event) => {
    const all = event.target.closest("[data-select-all]");
    if (!all) return;
    const table = all.closest("table");
    table.querySelectorAll('input[type=checkbox][name="ids"]').forEach((box) => {
      box.checked = all.checked;
    });
  });

  // Cancel on a bulk confirmation just clears it when htmx put it on the page.
  document.addEventListener("click", (event) => {
    const cancel = event.target.closest("[data-dismiss]");
    if (!cancel) return;
    const region = cancel.closest(cancel.dataset.dismiss);
    if (region && region.parentElement && region.parentElement.id === "bulk-slot") {
      event.preventDefault();
      region.remove();
    }
  });

  // "Compare ticked" is a plain GET to the compare page (it works without JavaScript too). With
  // JavaScript, take it before htmx does: htmx would honour the button's formaction as an AJAX
  // request into the bulk slot. Only the ticked ids go into the URL, not the bulk form's other
  // fields (its CSRF token has no business in a URL). "Share ticked…" (data-ticked-get) goes the same way.
  document.addEventListener("submit", (event) => {
    const button = event.submitter;
    if (!button || !button.matches("[data-compare], [data-ticked-get]")) return;
    event.preventDefault();
    event.stopPropagation();
    const url = new URL(button.getAttribute("formaction"), window.location.href);
    event.target.querySelectorAll('input[type=checkbox][name="ids"]:checked').forEach((box) => {
      url.searchParams.append("ids", box.value);
    });
    window.location.assign(url.toString());
  }, true);
})();
