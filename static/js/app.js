// Small progressive enhancements. Loaded from static so the strict CSP holds: no inline script.
"use strict";

// Copy buttons: <button data-copy="text to copy">.
document.addEventListener("click", (event) => {
  const button = event.target.closest("[data-copy]");
  if (!button || !navigator.clipboard) return;
  navigator.clipboard.writeText(button.dataset.copy).then(() => {
    const label = button.textContent;
    button.textContent = "Copied";
    setTimeout(() => { button.textContent = label; }, 1500);
  });
});

// The phone menu (below 900 px the sidebar folds into the app bar): the button shows and hides
// the panel; Escape or a click outside closes it, and Escape gives focus back to the button.
(() => {
  const button = document.querySelector("[data-menu-toggle]");
  if (!button) return;
  const header = button.closest(".site-header");
  const isOpen = () => button.getAttribute("aria-expanded") === "true";
  const setOpen = (open) => {
    button.setAttribute("aria-expanded", String(open));
    header.classList.toggle("menu-open", open);
  };
  button.addEventListener("click", () => setOpen(!isOpen()));
  document.addEventListener("keydown", (event) => {
    if (event.key === "Escape" && isOpen()) {
      setOpen(false);
      button.focus();
    }
  });
  document.addEventListener("click", (event) => {
    if (isOpen() && !header.contains(event.target)) setOpen(false);
  });
})();

// Below 700 px tables scroll sideways within themselves (app.css), as may long preformatted text:
// one that does takes keyboard focus, so it can be scrolled with the arrow keys too (a table of
// plain text has nothing else to focus). Checked again after a resize and after each htmx swap.
(() => {
  const mark = () => {
    for (const el of document.querySelectorAll(".table, pre")) {
      if (el.scrollWidth > el.clientWidth) el.tabIndex = 0;
      else if (el.tabIndex === 0) el.removeAttribute("tabindex");
    }
  };
  mark();
  addEventListener("resize", mark);
  document.addEventListener("htmx:afterSettle", mark);
})();
