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
