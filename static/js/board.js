// The posting board and the pipeline settings: CSP-clean (no inline script), no library.
// Board: a focused card moves with Shift+→ / Shift+← (its → and ← buttons), m opens the Move…
// dialog for it, arrows walk the cards; cards drag to another column with HTML5 drag and drop,
// which submits the board's form as the buttons do (htmx swaps the board), so buttons, keyboard
// and drag take the same path. A drop on a closed stage opens Move… with that stage chosen, to
// ask for a reason. On touch screens the buttons and Move… are the path; cards do not drag.
// Settings: after a change swaps the lists, the focus returns to the same control.
"use strict";

(function () {
  function cards() {
    return Array.from(document.querySelectorAll("#board [data-card]"));
  }

  function column(card) {
    return card.closest(".board-column");
  }

  // A card's ← and → are submit buttons of the board's one form; a drop sends the same value.
  function moveCard(card, stageId) {
    const form = card.closest("form[data-move-form]");
    if (!form) return;
    const input = document.createElement("input");
    input.type = "hidden";
    input.name = "move";
    input.value = `${card.dataset.card}:${stageId}`;
    form.appendChild(input);
    form.requestSubmit();
    input.remove();
  }

  // The board's one Move… dialog, opened for a card (and a stage, after a drop on a closed one).
  function openMenu(card, stageId) {
    const dialog = document.getElementById("move-dialog");
    if (!dialog) return;
    dialog.querySelector("[data-move-interview]").value = card.dataset.card;
    dialog.querySelector("[data-move-name]").textContent = card.dataset.name || "";
    const select = dialog.querySelector("[data-move-to]");
    select.value = stageId || column(card).dataset.stage;
    if (dialog.open) dialog.close();
    dialog.showModal();
    const reason = dialog.querySelector("[data-move-reason]");
    (stageId && reason ? reason : select).focus();
  }

  document.addEventListener("click", (event) => {
    const opener = event.target.closest && event.target.closest("[data-move-open]");
    if (opener) {
      event.preventDefault();
      openMenu(opener.closest("[data-card]"), null);
      return;
    }
    const cancel = event.target.closest && event.target.closest("[data-move-cancel]");
    if (cancel && cancel.closest("dialog")) {
      event.preventDefault();
      cancel.closest("dialog").close();
    }
  });

  document.addEventListener("keydown", (event) => {
    const card = event.target.closest && event.target.closest("#board [data-card]");
    if (!card || event.target !== card || event.ctrlKey || event.metaKey || event.altKey) return;
    const key = event.key;
    if (event.shiftKey && (key === "ArrowRight" || key === "ArrowLeft")) {
      const button = card.querySelector(`[data-move="${key === "ArrowRight" ? "next" : "prev"}"]`);
      if (button) button.click();
      event.preventDefault();
      return;
    }
    if (key === "m") {
      openMenu(card, null);
      event.preventDefault();
      return;
    }
    const list = cards();
    const here = list.indexOf(card);
    let target = null;
    if (key === "ArrowDown" || key === "ArrowUp") {
      const mine = list.filter((c) => column(c) === column(card));
      target = mine[mine.indexOf(card) + (key === "ArrowDown" ? 1 : -1)];
    } else if (key === "ArrowRight" || key === "ArrowLeft") {
      const columns = Array.from(document.querySelectorAll("#board .board-column"));
      let at = columns.indexOf(column(card));
      const step = key === "ArrowRight" ? 1 : -1;
      for (at += step; at >= 0 && at < columns.length; at += step) {
        target = columns[at].querySelector("[data-card]");
        if (target) break;
      }
    }
    if (target) {
      target.focus();
      event.preventDefault();
    } else if (here >= 0 && key.startsWith("Arrow")) {
      event.preventDefault();
    }
  });

  // Touch screens: no dragging (a finger on a card scrolls the page, and HTML5 drag and drop
  // does not start from touch reliably); each card's ←, → and ⋯ (Move…) are the whole path, and
  // the board's help drops its drag sentence (board.css, pointer: coarse).
  const touch = window.matchMedia("(pointer: coarse)");
  function undrag() {
    if (!touch.matches) return;
    document.querySelectorAll("#board [draggable]").forEach((card) => card.removeAttribute("draggable"));
  }
  undrag();
  document.addEventListener("htmx:afterSwap", undrag);

  // Drag and drop: the dragged card's id travels in the drag data.
  document.addEventListener("dragstart", (event) => {
    const card = event.target.closest && event.target.closest("#board [data-card]");
    if (!card) return;
    event.dataTransfer.setData("text/plain", card.dataset.card);
    event.dataTransfer.effectAllowed = "move";
    card.classList.add("dragging");
  });
  document.addEventListener("dragend", (event) => {
    const card = event.target.closest && event.target.closest("#board [data-card]");
    if (card) card.classList.remove("dragging");
    document.querySelectorAll(".board-column.drop-here").forEach((c) => c.classList.remove("drop-here"));
  });
  document.addEventListener("dragover", (event) => {
    const target = event.target.closest && event.target.closest("#board .board-column");
    if (!target) return;
    event.preventDefault();
    event.dataTransfer.dropEffect = "move";
    document.querySelectorAll(".board-column.drop-here").forEach((c) => {
      if (c !== target) c.classList.remove("drop-here");
    });
    target.classList.add("drop-here");
  });
  document.addEventListener("drop", (event) => {
    const target = event.target.closest && event.target.closest("#board .board-column");
    if (!target) return;
    event.preventDefault();
    target.classList.remove("drop-here");
    const id = event.dataTransfer.getData("text/plain");
    const card = document.getElementById(`card-${id}`);
    if (!card || column(card) === target) return;
    if (target.dataset.closed) openMenu(card, target.dataset.stage);
    else moveCard(card, target.dataset.stage);
  });

  // After a move the board comes back with data-focus naming the moved card: focus it where it
  // landed (or its column's heading when it is past the cards shown).
  document.addEventListener("htmx:afterSwap", () => {
    const board = document.getElementById("board");
    if (board && board.dataset.focus) {
      const card = document.getElementById(`card-${board.dataset.focus}`);
      if (card) card.focus();
      delete board.dataset.focus;
    }
  });

  // Pipeline settings: keep the focus on the same ↑/↓ button across the swap. Only the pipeline's
  // own requests count: the status poll's requests start and settle in between.
  let focusKey = null;
  const inPipeline = (event) => Boolean(event.detail.elt && event.detail.elt.closest("#pipeline"));
  document.addEventListener("htmx:beforeRequest", (event) => {
    if (!inPipeline(event)) return;
    const active = document.activeElement;
    focusKey = active && active.dataset ? active.dataset.focusKey || null : null;
  });
  document.addEventListener("htmx:afterSettle", (event) => {
    if (!focusKey || !(event.detail.target && event.detail.target.id === "pipeline")) return;
    const again = document.querySelector(`[data-focus-key="${CSS.escape(focusKey)}"]`);
    if (again) again.focus();
    focusKey = null;
  });
})();
