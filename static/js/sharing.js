// Reports: the "Print / Save as PDF" button opens the browser's own print (the CSP allows no
// inline handlers). A new share link's address is selected whole when its field takes focus; its
// Copy button is app.js's data-copy.
(function () {
  "use strict";
  document.addEventListener("click", function (event) {
    var target = event.target instanceof Element ? event.target : null;
    if (target && target.closest("[data-print]")) window.print();
  });
  document.addEventListener("focusin", function (event) {
    var target = event.target;
    if (target instanceof HTMLInputElement && target.hasAttribute("data-select-on-focus")) target.select();
  });
})();
