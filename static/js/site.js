// Small behaviours on top of pages that work without JavaScript.
"use strict";

// "Copy link" next to a link shown once (a new partner link): copies it and
// says so where a screen reader hears it. Hidden without JavaScript, where
// the link's text field is there to select and copy by hand.
function setUpCopyButtons() {
  for (const button of document.querySelectorAll("[data-copy-target]")) {
    const field = document.getElementById(button.dataset.copyTarget);
    const status = document.getElementById(button.dataset.copyStatus);
    button.hidden = false;
    button.addEventListener("click", async () => {
      try {
        await navigator.clipboard.writeText(field.value);
        status.textContent = "Copied. Paste it into your message to the partner.";
      } catch {
        field.focus();
        field.select();
        status.textContent = "Selected: press Ctrl+C (Cmd+C on a Mac) to copy it.";
      }
    });
  }
}

// A status chosen in a milestone row but not saved yet: the row says so,
// and leaving the page asks first. (A save on every change was the other
// choice; it would record a change in the history for every slip of the
// menu, and the history cannot be edited.)
function setUpUnsavedStatuses() {
  const unsaved = new Set();
  function mark(select) {
    const row = select.closest("form");
    const marker = row.querySelector(".unsaved-marker");
    const changed = select.value !== select.dataset.saved;
    row.classList.toggle("is-unsaved", changed);
    if (marker) marker.hidden = !changed;
    if (changed) unsaved.add(select.id);
    else unsaved.delete(select.id);
  }
  document.addEventListener("change", (event) => {
    if (event.target.matches("select[data-saved]")) mark(event.target);
  });
  // Saving (a normal post, or htmx replacing the row) is not leaving.
  document.addEventListener("submit", (event) => {
    const select = event.target.querySelector("select[data-saved]");
    if (select) unsaved.delete(select.id);
  });
  document.body.addEventListener("htmx:afterSwap", () => {
    for (const id of [...unsaved]) {
      const select = document.getElementById(id);
      if (!select || select.value === select.dataset.saved) unsaved.delete(id);
    }
  });
  window.addEventListener("beforeunload", (event) => {
    if (unsaved.size > 0) {
      event.preventDefault();
      event.returnValue = "";
    }
  });
}

setUpCopyButtons();
setUpUnsavedStatuses();
