// Behaviour for the webhooks pages: CSP-safe (no inline script), loaded on every page.
"use strict";
(function () {
  // Live notices (templates/webhooks/_live.html) are polled by htmx. For each notice not seen
  // before: highlight it, and refresh in place any table row on this page that links to that
  // interview, by asking this same page again and taking just that row from the answer.
  const seen = new Set();

  function rowSelector(interviewId) {
    const href = "/interviews/" + encodeURIComponent(interviewId) + "/";
    return 'tr:has(a[href^="' + CSS.escape(href) + '"])';
  }

  function refreshRows(interviewIds) {
    const selectors = interviewIds.map(rowSelector).filter(function (s) { return document.querySelector(s); });
    if (!selectors.length) return;
    // Plain fetch + DOMParser (inert), then replace the rows: htmx's swap would also "settle"
    // every element with an id in the answer, which the page's CSP can refuse.
    fetch(window.location.href, {headers: {"Accept": "text/html"}, credentials: "same-origin"})
      .then(function (response) { return response.ok ? response.text() : ""; })
      .then(function (html) {
        const answer = new DOMParser().parseFromString(html, "text/html");
        selectors.forEach(function (selector) {
          const fresh = answer.querySelector(selector);
          if (!fresh) return;
          document.querySelectorAll(selector).forEach(function (row) {
            const copy = document.importNode(fresh, true);
            copy.classList.add("wh-updated");
            row.replaceWith(copy);
            if (window.htmx) window.htmx.process(copy);
          });
        });
      })
      .catch(function () { /* the next notice or a reload shows it */ });
  }

  document.addEventListener("htmx:afterSettle", function () {
    const box = document.getElementById("webhook-live");
    if (!box) return;
    const changed = new Set();
    box.querySelectorAll("[data-delivery]").forEach(function (notice) {
      if (seen.has(notice.dataset.delivery)) return;
      seen.add(notice.dataset.delivery);
      notice.classList.add("wh-new");
      if (notice.dataset.interview) changed.add(notice.dataset.interview);
      document.querySelectorAll("[data-interview-row]").forEach(function (row) {
        if (row.dataset.interviewRow === notice.dataset.interview && window.htmx) {
          window.htmx.trigger(row, "webhooks:refresh");
        }
      });
    });
    refreshRows(Array.from(changed));  // one request for all the rows that changed
  });
})();
