// Live routing preview of the new-referral form: which providers would receive it, and why.
// Vanilla JS, no CDN: pages must work on a slow connection in Bamako.
(function () {
  "use strict";
  var form = document.getElementById("referral-form");
  if (!form) { return; }
  var list = document.getElementById("preview-targets");
  var notes = document.getElementById("preview-notes");
  var empty = document.getElementById("preview-empty");
  var timer = null;
  var sequence = 0;

  function line(text, className) {
    var item = document.createElement("li");
    item.textContent = text;
    if (className) { item.className = className; }
    return item;
  }

  function show(plan) {
    list.textContent = "";
    notes.textContent = "";
    if (plan.errors) {
      Object.keys(plan.errors).forEach(function (field) { list.appendChild(line(plan.errors[field], "error-text")); });
      return;
    }
    empty.hidden = true;
    plan.targets.forEach(function (target) {
      list.appendChild(line(target.organisation + " — " + target.reason, target.mandatory ? "mandatory" : ""));
    });
    notes.textContent = (plan.notes || []).join(" ");
  }

  function refresh() {
    var data = new FormData(form);
    // Routing needs facts only: the child's identity never leaves the form for a preview.
    ["given_name", "family_name", "date_of_birth", "phone", "family_contacts", "narrative",
     "consent_best_interests_justification"].forEach(function (name) { data.delete(name); });
    if (!data.get("risk_level") || data.getAll("needs").length === 0) { return; }
    var mine = ++sequence;
    fetch(form.dataset.previewUrl, {
      method: "POST", body: data, credentials: "same-origin",
      headers: {"X-CSRFToken": data.get("csrf_token"), "Accept": "application/json"}
    }).then(function (response) { return response.json(); })
      .then(function (plan) { if (mine === sequence) { show(plan); } })
      .catch(function () { /* the preview is a help, never a blocker */ });
  }

  form.addEventListener("change", function () { clearTimeout(timer); timer = setTimeout(refresh, 250); });
  form.addEventListener("input", function () { clearTimeout(timer); timer = setTimeout(refresh, 600); });
  refresh();
})();
