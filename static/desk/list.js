// Desk behaviour: the list's own controls — picking rows for a bulk action (select all on
// this page, all that match the filter, the picked count) and the filter bar's selects that
// apply on change. The toolbar itself shows by CSS (`:has(.pick:checked)`), so it needs no
// script to appear; this file keeps the counts and the choices right.
(function () {
  "use strict";

  function form() {
    return document.getElementById("bulk-form");
  }

  function picks() {
    return Array.prototype.slice.call(document.querySelectorAll("#queue-rows input.pick"));
  }

  function scopeAll(on) {
    var f = form();
    if (!f) return;
    var scope = f.querySelector("[data-bulk-scope]");
    var offer = f.querySelector("[data-pick-matching-on]");
    var done = f.querySelector("[data-pick-matching-done]");
    scope.value = on ? "all" : "picked";
    if (offer) offer.hidden = on;
    if (done) done.hidden = !on;
    f.classList.toggle("is-all", on);
    var merge = f.querySelector("[data-picked-only]");
    if (merge) merge.hidden = on;
  }

  function update() {
    var f = form();
    if (!f) return;
    var all = picks();
    var picked = all.filter(function (box) { return box.checked; });
    var pickAll = f.querySelector("[data-pick-all]");
    pickAll.checked = all.length > 0 && picked.length === all.length;
    pickAll.indeterminate = picked.length > 0 && picked.length < all.length;
    var counter = f.querySelector("[data-picked-count]");
    var everything = f.querySelector("[data-bulk-scope]").value === "all";
    if (everything && picked.length < all.length) everything = false;
    // "Selected: 3" reads right in every language, whatever its plural forms.
    counter.textContent = picked.length && !everything ? f.dataset.pickedLabel + " " + picked.length : "";
    var matching = f.querySelector("[data-pick-matching]");
    if (matching) matching.hidden = !(pickAll.checked && f.dataset.hasMore);
    scopeAll(everything);
  }

  document.addEventListener("change", function (event) {
    var target = event.target;
    if (target.matches("[data-pick-all]")) {
      picks().forEach(function (box) { box.checked = target.checked; });
      update();
    } else if (target.matches("#queue-rows input.pick")) {
      update();
    } else if (target.matches("select[data-autosubmit]") && target.form) {
      target.form.requestSubmit();
    }
  });

  document.addEventListener("click", function (event) {
    if (event.target.closest("[data-pick-matching-on]")) {
      scopeAll(true);
      update();
      var done = form().querySelector("[data-pick-matching-off]");
      if (done) done.focus();
    } else if (event.target.closest("[data-pick-matching-off]")) {
      scopeAll(false);
      update();
      form().querySelector("[data-pick-matching-on]").focus();
    } else if (event.target.closest("[data-bulk-cancel]")) {
      document.getElementById("bulk-panel").innerHTML = "";
      var first = document.querySelector("#bulk-form .bulk-bar button");
      if (first) first.focus();
    }
  });

  // Picks survive a live refresh of the rows (someone else's change must not undo them).
  var keep = [];
  document.addEventListener("htmx:beforeSwap", function (event) {
    var target = event.detail.target;
    // A refused bulk request (400) still shows its reason where the result would go.
    if (event.detail.xhr.status === 400 && target && /^bulk-(status|panel)$/.test(target.id)) {
      event.detail.shouldSwap = true;
      event.detail.isError = false;
    }
    if (target && target.id === "queue-rows") {
      keep = picks().filter(function (box) { return box.checked; }).map(function (box) { return box.value; });
    }
  });

  document.addEventListener("htmx:afterSwap", function (event) {
    var target = event.target;
    if (target.id === "queue-rows") {
      picks().forEach(function (box) { if (keep.indexOf(box.value) >= 0) box.checked = true; });
      keep = [];
      update();
    } else if (target.id === "bulk-panel") {
      var heading = target.querySelector("h2[tabindex]");
      if (heading) heading.focus();
    }
  });

  // After a bulk change: nothing stays picked, the merge question closes.
  document.body.addEventListener("desk:bulk-done", function () {
    picks().forEach(function (box) { box.checked = false; });
    scopeAll(false);
    update();
    // Later: the request's element may sit in the panel, and the response's other events
    // (the list's refresh) still have to bubble from it.
    window.setTimeout(function () {
      var panel = document.getElementById("bulk-panel");
      if (!panel || !panel.firstElementChild) return;
      var hadFocus = panel.contains(document.activeElement);
      panel.innerHTML = "";
      var pickAll = document.getElementById("pick-all");
      if (hadFocus && pickAll) pickAll.focus();
    }, 0);
  });

  update();
})();
