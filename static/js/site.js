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

// A filter above a long list of checkboxes (the task forces of an
// invitation): typing shows only the names that contain the text; a ticked
// box stays shown, and the count of ticked ones is announced.
function setUpChoiceFilters() {
  const groups = new Map();
  for (const input of document.querySelectorAll("input[type=checkbox][data-filterable]")) {
    if (!groups.has(input.name)) groups.set(input.name, []);
    groups.get(input.name).push(input);
  }
  for (const [name, inputs] of groups) {
    if (inputs.length < 8) continue;
    const list = inputs[0].closest(".form-check").parentElement;
    const what = inputs[0].dataset.filterable;
    const box = document.createElement("div");
    box.className = "choice-filter mb-2";
    const label = document.createElement("label");
    label.className = "form-label small mb-1";
    label.htmlFor = `filter-${name}`;
    label.textContent = `Filter ${what} by name`;
    const field = document.createElement("input");
    field.type = "search";
    field.id = `filter-${name}`;
    field.className = "form-control form-control-sm";
    field.autocomplete = "off";
    const status = document.createElement("p");
    status.className = "small text-body-secondary mb-0 mt-1";
    status.setAttribute("role", "status");
    box.append(label, field, status);
    list.before(box);
    const update = () => {
      const query = field.value.trim().toLowerCase();
      let shown = 0;
      for (const input of inputs) {
        const text = input.closest(".form-check").textContent.toLowerCase();
        const visible = input.checked || !query || text.includes(query);
        input.closest(".form-check").hidden = !visible;
        if (visible) shown += 1;
      }
      const chosen = inputs.filter((input) => input.checked).length;
      status.textContent = `${chosen} chosen · ${shown} of ${inputs.length} shown`;
    };
    field.addEventListener("input", update);
    list.addEventListener("change", update);
    update();
  }
}

// The task force page folds achieved milestones into a <details> per stage.
// A link to one of them (the jump list, the review list, a redirect after a
// save: #milestone-...) opens its fold first, so the browser can scroll to
// it and Tab goes on from there. After an in-place save the fold's count
// follows the rows' statuses (a changed row stays where it is until reload).
function setUpFoldedMilestones() {
  function openFoldOf(id) {
    const target = id && document.getElementById(id);
    const fold = target && target.closest("details.folded-milestones");
    if (fold && !fold.open) {
      fold.open = true;
      return target;
    }
    return null;
  }
  document.addEventListener("click", (event) => {
    const link = event.target.closest('a[href^="#"]');
    if (link) openFoldOf(decodeURIComponent(link.hash.slice(1)));
  });
  function openFromHash() {
    const target = openFoldOf(decodeURIComponent(window.location.hash.slice(1)));
    if (target) target.scrollIntoView();
  }
  window.addEventListener("hashchange", openFromHash);
  openFromHash();
  document.body.addEventListener("htmx:afterSwap", () => {
    for (const fold of document.querySelectorAll("details.folded-milestones")) {
      const rows = fold.querySelectorAll("li.milestone");
      const achieved = fold.querySelectorAll('li.milestone[data-status="achieved"]').length;
      const changed = rows.length - achieved;
      let text = `${achieved} achieved milestone${achieved === 1 ? "" : "s"}`;
      if (changed) text += ` and ${changed} changed since the page was loaded`;
      fold.querySelector("[data-folded-label]").textContent = text;
    }
  });
}

setUpCopyButtons();
setUpChoiceFilters();
setUpPrintButtons();
setUpUnsavedStatuses();
setUpUnsavedText();
setUpFoldedMilestones();
