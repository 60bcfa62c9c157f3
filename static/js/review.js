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
    if (!element) return;
    event.preventDefault();
    if (element.matches("textarea, input")) element.focus();
    else element.click();
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
  // fields (its CSRF token has no business in a URL).
  document.addEventListener("submit", (event) => {
    const button = event.submitter;
    if (!button || !button.matches("[data-compare]")) return;
    event.preventDefault();
    event.stopPropagation();
    const url = new URL(button.getAttribute("formaction"), window.location.href);
    event.target.querySelectorAll('input[type=checkbox][name="ids"]:checked').forEach((box) => {
      url.searchParams.append("ids", box.value);
    });
    window.location.assign(url.toString());
  }, true);
})();
