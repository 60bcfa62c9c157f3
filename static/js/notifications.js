// Notifications in the page: CSP-safe (no inline script), loaded on every page.
"use strict";
(function () {
  // The header's bell (base.html#notifications-link) is swapped in out of band by the live polls
  // that already run (webhook notices, HeyMilo status). When it brings an unread notification
  // newer than any this page has seen, it pops the count and, if the person chose them in their
  // preferences, shows a browser notification and plays the sound.
  let newest = null;

  function bell() { return document.getElementById("notifications-link"); }

  function latestOf(link) { return link && link.dataset.latest ? Number(link.dataset.latest) : 0; }

  function announce(link) {
    const count = link.querySelector("[data-unread]");
    if (count) count.classList.add("bell-new");
    if ("browser" in link.dataset && "Notification" in window && Notification.permission === "granted") {
      const shown = new Notification("HeyMilo Dashboard", {body: link.dataset.latestText || "", tag: "heymilo-" + link.dataset.latest});
      shown.onclick = function () { window.focus(); window.location.href = link.dataset.latestUrl; };
    }
    if (link.dataset.sound) {
      const audio = new Audio(link.dataset.sound);
      audio.volume = 0.6;
      audio.play().catch(function () { /* the browser wants a click on the page first */ });
    }
  }

  document.addEventListener("DOMContentLoaded", function () { newest = latestOf(bell()); });

  document.addEventListener("htmx:oobAfterSwap", function (event) {
    // detail.target is the bell that was replaced; bell() is the one now in the page.
    const link = bell();
    if (!link || !event.detail.target || event.detail.target.id !== "notifications-link") return;
    const latest = latestOf(link);
    if (newest !== null && latest > newest) announce(link);
    newest = Math.max(newest || 0, latest);
  });

  // Preferences: permission is asked for only when the person presses the button.
  function showPermission() {
    const state = document.querySelector("[data-notify-permission-state]");
    if (!state) return;
    if (!("Notification" in window)) {
      state.textContent = "This browser does not offer notifications.";
      return;
    }
    const words = {granted: "This browser will show them.", denied: "This browser blocks them: allow them in its site settings.",
      default: "Your browser asks for permission once, when you press the button below."};
    state.textContent = words[Notification.permission] || words.default;
  }

  document.addEventListener("click", function (event) {
    const button = event.target.closest("[data-notify-permission]");
    if (!button || !("Notification" in window)) return;
    Notification.requestPermission().then(function (answer) {
      showPermission();
      if (answer === "granted") {
        const box = document.querySelector("input[name=browser]");
        if (box) box.checked = true;
      }
    });
  });

  document.addEventListener("DOMContentLoaded", showPermission);
})();
