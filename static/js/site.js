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

// Text typed into a form marked data-warn-unsaved (a review narrative, a
// plan): leaving the page by a link asks first, as for statuses above. The
// form's own buttons (Save, Submit, and the Confirm buttons that belong to it
// and carry the text) are not leaving. A link click asks with confirm()
// because phone browsers ignore beforeunload.
function setUpUnsavedText() {
  const forms = [...document.querySelectorAll("form[data-warn-unsaved]")];
  if (forms.length === 0) return;
  let submitting = false;
  function changed(form) {
    return [...form.elements].some((field) => {
      if (field.type === "hidden" || field.type === "submit") return false;
      if (field.type === "checkbox" || field.type === "radio") {
        return field.checked !== field.defaultChecked;
      }
      if (field.tagName === "SELECT") {
        return [...field.options].some((option) => option.selected !== option.defaultSelected);
      }
      return "defaultValue" in field && field.value !== field.defaultValue;
    });
  }
  const anyChanged = () => !submitting && forms.some(changed);
  const question = "What you typed is not saved yet. Leave this page without saving it?";
  for (const form of forms) {
    form.addEventListener("submit", () => {
      submitting = true;
    });
  }
  document.addEventListener("click", (event) => {
    const link = event.target.closest("a[href]");
    if (!link || link.target || link.getAttribute("href").startsWith("#")) return;
    if (anyChanged() && !window.confirm(question)) event.preventDefault();
    else submitting = true; // already asked: beforeunload must not ask again
  });
  window.addEventListener("beforeunload", (event) => {
    if (anyChanged()) {
      event.preventDefault();
      event.returnValue = "";
    }
  });
}

// "Print" where a page is worth printing (recovery codes): hidden without
// JavaScript, where the browser's own Print does the same.
function setUpPrintButtons() {
  for (const button of document.querySelectorAll("[data-print]")) {
    button.hidden = false;
    button.addEventListener("click", () => window.print());
  }
}

setUpCopyButtons();
setUpPrintButtons();
setUpUnsavedStatuses();
setUpUnsavedText();
